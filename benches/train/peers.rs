//! The peers nnzero is measured against, each run as a program of its own for one epoch of the
//! book's recipe: numpy (`benches/numpy_ref.py`, the best per-sample numpy does) and FANN
//! (`benches/train/fann_ref.c`, the C library Pi users pick, built here against Debian's
//! `libfann-dev` when it is installed).

use std::path::Path;
use std::process::Command;

/// The `key` number of the `RESULT {json}` line a peer prints.
fn result(stdout: &[u8], key: &str) -> Option<f64> {
    let text = String::from_utf8_lossy(stdout);
    let json = text.lines().find_map(|l| l.strip_prefix("RESULT "))?;
    let key = format!("\"{key}\": ");
    let start = json.find(&key)? + key.len();
    json[start..].split([',', '}']).next()?.trim().parse().ok()
}

/// numpy's samples/s over one epoch (its RESULT line), or `None` if it did not run.
pub fn numpy_rate(script: &str, data_dir: &str) -> Option<f64> {
    // PYTHON picks the interpreter that has numpy and scipy (e.g. /usr/bin/python3).
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(python)
        .args([
            script,
            "--impl",
            "ger",
            "--dtype",
            "float32",
            "--threads",
            "1",
            "--epochs",
            "1",
        ])
        .args(["--data", data_dir])
        .output()
        .ok()?;
    result(&out.stdout, "samples_per_s_median")
}

/// FANN's program, built once into `dir` (`cc -O3 -march=native … -lfloatfann`); `None` when
/// it does not build (no `libfann-dev`, no C compiler).
pub fn build_fann(dir: &Path) -> Option<std::path::PathBuf> {
    let source = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/train/fann_ref.c");
    let program = dir.join("fann_ref");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let built = Command::new(cc)
        .args(["-O3", "-march=native", source, "-o"])
        .arg(&program)
        .args(["-lfloatfann", "-lz", "-lm"])
        .output()
        .ok()?;
    built.status.success().then_some(program)
}

/// FANN's samples/s over one epoch (`FANN_TRAIN_INCREMENTAL`), or `None` if it did not run.
pub fn fann_rate(program: &Path, data_dir: &str) -> Option<f64> {
    let out = Command::new(program).args([data_dir, "1"]).output().ok()?;
    result(&out.stdout, "samples_per_s")
}

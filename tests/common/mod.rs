//! What the tests of the `nnzero` program share: running it, reading what it printed, and the
//! shapes of its errors and epoch lines; the pictures drawn for the preparation's tests
//! ([`pictures`]) and the golden workload ([`workload`]). Each test binary declares it once.
// Each test file uses its own part of this module.
#![allow(dead_code)]

pub mod pictures;
pub mod workload;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use nnzero::dataset::Dataset;
use nnzero::format::blob::{BlobWriter, Header};

/// Runs the `nnzero` binary in `dir`.
pub fn nnzero(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nnzero"))
        .args(args)
        .current_dir(dir)
        .env("RUST_BACKTRACE", "1") // a panic would print a backtrace: make sure it cannot hide
        .output()
        .expect("run nnzero")
}

/// Standard output, as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts success, showing everything the program printed if not.
pub fn assert_ok(o: &Output) {
    assert!(o.status.success(), "{}{}", stdout(o), stderr(o));
}

/// Asserts a failure with exit code 1 and exactly one error line on stderr, which contains
/// `what`, and no panic.
pub fn assert_one_line_error(o: &Output, what: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "exit code; stderr: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "panic: {err}"
    );
    let lines: Vec<_> = err.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(lines.len(), 1, "one error line expected: {err}");
    assert!(
        lines[0].contains(what),
        "{:?} does not mention {what:?}",
        lines[0]
    );
}

/// Asserts a usage error: exit code 2 and no panic.
pub fn assert_usage_error(o: &Output) {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    assert!(!stderr(o).contains("panicked"), "{}", stderr(o));
}

/// "epoch N/M: test accuracy 91.38% (9138/10000), …" → (91.38, 9138), for each epoch line of
/// `out`, in order.
pub fn epoch_accuracies(out: &str) -> Vec<(f64, u32)> {
    out.lines()
        .filter(|l| l.starts_with("epoch "))
        .map(|line| {
            let after = line.split("test accuracy ").nth(1).expect("accuracy");
            let pct = after.split('%').next().unwrap().parse().unwrap();
            let inside = after.split('(').nth(1).expect("count");
            let correct = inside.split('/').next().unwrap().parse().unwrap();
            (pct, correct)
        })
        .collect()
}

/// Writes the first `n` images of the bundled training (or test) set as an uncompressed blob.
pub fn subset(dir: &Path, name: &str, n: u32, test: bool) -> PathBuf {
    let data = if test {
        Dataset::bundled_test()
    } else {
        Dataset::bundled_train()
    }
    .unwrap();
    let h = data.header();
    let mut w = BlobWriter::new(
        Vec::new(),
        Header::new(n, h.rows, h.cols, h.classes).unwrap(),
    )
    .unwrap();
    let mut stream = data.stream().unwrap();
    for _ in 0..n {
        let (label, pixels) = stream.next_record().unwrap().unwrap();
        w.push(label, pixels).unwrap();
    }
    let path = dir.join(name);
    std::fs::write(&path, w.finish().unwrap()).unwrap();
    path
}

/// Waits until process `pid` is blocked writing to a full pipe (its stdout, kept full by the
/// test), as `/proc/PID/wchan` says; a minute at most.
pub fn wait_blocked_writing(pid: u32) {
    let wchan = format!("/proc/{pid}/wchan");
    let start = std::time::Instant::now();
    loop {
        let now = std::fs::read_to_string(&wchan).unwrap_or_default();
        if now.contains("pipe_write") {
            return;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "the run never blocked on its full stdout ({wchan}: {now:?})"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// The model of `nnzero train --augment --seed 1` (5 epochs, the recipe for real handwriting)
/// and what the training printed, trained once per test binary: the handwriting and the
/// numbers tests both read with it, and training it takes minutes.
pub fn augment_model() -> &'static (PathBuf, String) {
    static MODEL: std::sync::OnceLock<(PathBuf, String)> = std::sync::OnceLock::new();
    MODEL.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("augment-seed1-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Progress lines (seen with `--nocapture`).
        eprintln!("training --augment --seed 1 (5 epochs), once for every test that reads with it");
        let train = nnzero(
            &dir,
            &["train", "--augment", "--seed", "1", "--save", "aug.nnz"],
        );
        assert_ok(&train);
        (dir.join("aug.nnz"), stdout(&train))
    })
}

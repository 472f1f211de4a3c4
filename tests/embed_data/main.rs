//! A binary built with `embed-data` needs nothing but itself: copied into an empty directory
//! and run there with an empty environment, it trains and tests on the MNIST compiled into
//! it, and the path of the repository's `data/` is not even in it. Run with
//! `cargo test --features embed-data --test embed_data`.

use std::path::Path;
use std::process::Command;

fn run(exe: &Path, dir: &Path, args: &[&str]) -> (String, String) {
    let out = Command::new(exe)
        .current_dir(dir)
        .env_clear()
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", exe.display()));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(out.status.success(), "{args:?} failed:\n{stdout}\n{stderr}");
    (stdout, stderr)
}

#[test]
fn a_copied_binary_trains_and_tests_on_its_embedded_mnist() {
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("nnzero");
    std::fs::copy(env!("CARGO_BIN_EXE_nnzero"), &exe).unwrap();

    let binary = std::fs::read(&exe).unwrap();
    let repo_data = nnzero::dataset::BUNDLED_DIR.as_bytes();
    assert!(
        !binary.windows(repo_data.len()).any(|w| w == repo_data),
        "the binary still names {}",
        nnzero::dataset::BUNDLED_DIR
    );

    // A small hidden layer: the point is where the data comes from, not the accuracy.
    let (stdout, stderr) = run(
        &exe,
        dir.path(),
        &[
            "train", "--epochs", "1", "--hidden", "16", "--save", "m.nnz",
        ],
    );
    assert!(
        stderr.contains("on embedded MNIST training set (60000 samples)")
            && stderr.contains("testing on embedded MNIST test set (10000)"),
        "{stderr}"
    );
    assert!(stdout.contains("epoch 1/1: test accuracy") && stdout.contains("saved m.nnz"));

    let (json, _) = run(&exe, dir.path(), &["test", "--model", "m.nnz", "--json"]);
    let score: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(score["total"], 10_000);
    // 784-16-10 after one epoch reads about nine digits in ten; a tenth is guessing.
    assert!(score["accuracy"].as_f64().unwrap() > 0.8, "{json}");
}

//! The charts and the "looking inside" commands from the outside: `train --plot`,
//! `test --confusion`, `sweep`, `backquery`, `weights`. Files appear whole with the promised
//! sizes and contents; bad input is a one-line error (exit 1) or a usage error (exit 2), and
//! leaves no file behind.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn nnzero(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nnzero"))
        .args(args)
        .current_dir(dir)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run nnzero")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_ok(o: &Output) {
    assert!(o.status.success(), "{}{}", stdout(o), stderr(o));
}

/// Asserts a failure with exit code 1 and exactly one error line, which contains `what`.
fn assert_one_line_error(o: &Output, what: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "exit code; stderr: {err}");
    assert!(!err.contains("panicked"), "panic: {err}");
    let lines: Vec<_> = err.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(lines.len(), 1, "one error line expected: {err}");
    assert!(lines[0].contains(what), "{:?} lacks {what:?}", lines[0]);
}

fn assert_usage_error(o: &Output) {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    assert!(!stderr(o).contains("panicked"), "{}", stderr(o));
}

/// The names of the files in `dir`, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn png(path: &Path) -> image::RgbImage {
    image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8()
}

/// A quickly trained model: 2,000 images, one epoch, 50 hidden nodes.
fn small_model(dir: &Path) -> PathBuf {
    let o = nnzero(
        dir,
        &[
            "train", "--limit", "2000", "--epochs", "1", "--hidden", "50", "--save", "m.nnz",
        ],
    );
    assert_ok(&o);
    dir.join("m.nnz")
}

/// "epoch N/M: test accuracy 91.38% (9138/10000), …" → the correct counts, in order.
fn epoch_scores(out: &str) -> Vec<u32> {
    out.lines()
        .filter(|l| l.starts_with("epoch "))
        .map(|l| {
            let inside = l.split('(').nth(1).unwrap();
            inside.split('/').next().unwrap().parse().unwrap()
        })
        .collect()
}

#[test]
fn train_plot_draws_the_accuracy_of_every_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = nnzero(
        d,
        &[
            "train",
            "--limit",
            "1000",
            "--epochs",
            "2",
            "--hidden",
            "20",
            "--plot",
            "curve.svg",
        ],
    );
    assert_ok(&o);
    let out = stdout(&o);
    assert!(out.contains("plotted curve.svg"), "{out}");
    let svg = fs::read_to_string(d.join("curve.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    // Each epoch's accuracy is written beside its point.
    for correct in epoch_scores(&out) {
        let pct = format!("{:.2}", correct as f64 / 100.0);
        assert!(svg.contains(&pct), "{pct} not in the chart");
    }

    let o = nnzero(
        d,
        &[
            "train",
            "--limit",
            "500",
            "--epochs",
            "1",
            "--plot",
            "curve.png",
        ],
    );
    assert_ok(&o);
    assert_eq!(png(&d.join("curve.png")).dimensions(), (860, 540));
}

#[test]
fn train_plot_checks_its_path_before_training() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = nnzero(d, &["train", "--plot", "curve.jpg"]);
    assert_usage_error(&o);
    let o = nnzero(d, &["train", "--plot", "no/such/dir/curve.png"]);
    assert_one_line_error(&o, "cannot save no/such/dir/curve.png");
    assert!(!stdout(&o).contains("epoch"), "it trained first");
    assert!(files(d).is_empty(), "{:?}", files(d));
}

#[test]
fn test_confusion_draws_the_matrix_and_the_most_confident_mistakes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    small_model(d);
    let mut heights = Vec::new();
    for n in ["0", "8", "9"] {
        let file = format!("c{n}.png");
        let o = nnzero(
            d,
            &[
                "test",
                "--model",
                "m.nnz",
                "--confusion",
                &file,
                "--mistakes",
                n,
            ],
        );
        assert_ok(&o);
        assert!(stdout(&o).contains(&format!("drew {file}")));
        let img = png(&d.join(&file));
        assert_eq!(img.width(), 900);
        heights.push(img.height());
    }
    // No mistakes shown, one row of eight, two rows.
    assert!(
        heights[0] < heights[1] && heights[1] < heights[2],
        "{heights:?}"
    );

    // The SVG holds the counts of the matrix, and --json stays pure JSON.
    let o = nnzero(
        d,
        &["test", "--model", "m.nnz", "--json", "--confusion", "c.svg"],
    );
    assert_ok(&o);
    let json: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    let svg = fs::read_to_string(d.join("c.svg")).unwrap();
    let right_ones = json["confusion"][1][1].as_u64().unwrap();
    // plotters writes each text on a line of its own.
    assert!(
        svg.contains(&format!("\n{right_ones}\n")),
        "no {right_ones} cell"
    );
    let title = format!("({}/{})", json["correct"], json["total"]);
    assert!(svg.contains(&title), "no {title} in the title");
}

#[test]
fn test_confusion_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    small_model(d);
    // --mistakes means nothing without --confusion.
    assert_usage_error(&nnzero(d, &["test", "--model", "m.nnz", "--mistakes", "3"]));
    assert_usage_error(&nnzero(
        d,
        &["test", "--model", "m.nnz", "--confusion", "c.bmp"],
    ));
    let o = nnzero(
        d,
        &["test", "--model", "m.nnz", "--confusion", "nowhere/c.png"],
    );
    assert_one_line_error(&o, "cannot save nowhere/c.png");
    assert!(stdout(&o).is_empty(), "it tested first");
    assert_eq!(files(d), ["m.nnz"]);
}

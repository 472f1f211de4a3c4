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

/// `param,value,seed,accuracy,seconds` rows.
fn read_csv(path: &Path) -> Vec<(String, String, u64, f64, f64)> {
    let text = fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("param,value,seed,accuracy,seconds"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 5, "{l}");
            (
                f[0].to_string(),
                f[1].to_string(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
                f[4].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn sweep_over_learning_rates_and_seeds_writes_a_chart_and_the_figures() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = nnzero(
        d,
        &[
            "sweep", "--lr", "0.3,0.05", "--epochs", "1", "--hidden", "20", "--limit", "500",
            "--seeds", "1,2", "-o", "lr.png",
        ],
    );
    assert_ok(&o);
    assert_eq!(png(&d.join("lr.png")).dimensions(), (860, 540));
    let rows = read_csv(&d.join("lr.csv"));
    let keys: Vec<(&str, &str, u64)> = rows
        .iter()
        .map(|r| (r.0.as_str(), r.1.as_str(), r.2))
        .collect();
    assert_eq!(
        keys,
        [
            ("lr", "0.05", 1),
            ("lr", "0.3", 1),
            ("lr", "0.05", 2),
            ("lr", "0.3", 2)
        ]
    );
    for r in &rows {
        assert!(r.3 > 0.2 && r.3 < 1.0, "accuracy {}", r.3); // chance is 0.1
        assert!(r.4 > 0.0, "seconds {}", r.4);
    }
    // The CSV holds what the training runs printed.
    let printed = epoch_scores(&stdout(&o));
    let recorded: Vec<u32> = rows
        .iter()
        .map(|r| (r.3 * 10000.0).round() as u32)
        .collect();
    assert_eq!(printed, recorded);
    assert!(stdout(&o).contains("wrote lr.png and lr.csv"));
}

#[test]
fn an_epoch_sweep_trains_once_and_matches_shorter_runs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = nnzero(
        d,
        &[
            "sweep", "--epochs", "3,1", "--hidden", "20", "--limit", "500", "--csv", "e.csv",
        ],
    );
    assert_ok(&o);
    assert_eq!(
        stderr(&o).matches("sweep: run").count(),
        1,
        "{}",
        stderr(&o)
    );
    assert!(d.join("sweep-epochs.png").exists());
    let rows = read_csv(&d.join("e.csv"));
    let values: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(values, ["1", "3"]);
    assert!(rows[1].4 > rows[0].4, "3 epochs took less time than 1");
    // After 1 epoch of the 3-epoch run = a 1-epoch run (the same seed gives the same bits).
    let one = nnzero(
        d,
        &[
            "train", "--epochs", "1", "--hidden", "20", "--limit", "500", "--save", "one.nnz",
        ],
    );
    assert_ok(&one);
    let once = epoch_scores(&stdout(&one))[0];
    assert_eq!((rows[0].3 * 10000.0).round() as u32, once);
}

#[test]
fn sweep_usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for args in [
        &["sweep"][..],
        &["sweep", "--lr", "0.1"],
        &["sweep", "--lr", "0.1,0.2", "--hidden", "10,20"],
        &["sweep", "--lr", "0.1,zero"],
        &["sweep", "--hidden", "0,10"],
        &["sweep", "--lr", "0.1,0.2", "-o", "s.csv"],
        &["sweep", "--lr", "0.1,0.2", "-o", "s.png", "--csv", "s.png"],
    ] {
        let o = nnzero(d, args);
        assert_usage_error(&o);
        assert!(!stdout(&o).contains("epoch"), "{args:?} trained");
    }
    let o = nnzero(d, &["sweep", "--lr", "0.1,0.2", "--csv", "no/dir/s.csv"]);
    assert_one_line_error(&o, "cannot save no/dir/s.csv");
    assert!(files(d).is_empty(), "{:?}", files(d));
}

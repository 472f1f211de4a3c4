//! The charts and the "looking inside" commands from the outside: `train --plot`,
//! `test --confusion`, `sweep`, `backquery`, `weights`. Files appear whole with the promised
//! sizes and contents; bad input is a one-line error (exit 1) or a usage error (exit 2), and
//! leaves no file behind.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common;
use common::{
    assert_ok, assert_one_line_error, assert_usage_error, epoch_accuracies, nnzero, stderr, stdout,
};
use nnzero::digits::mnist::targets;
use nnzero::{format::model, Network};

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

/// The right answers of each epoch line, in order.
fn correct_counts(out: &str) -> Vec<u32> {
    epoch_accuracies(out).into_iter().map(|(_, c)| c).collect()
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
    for correct in correct_counts(&out) {
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
    // The CSV holds what the training runs printed (the runs go side by side, so they print
    // in the order they finish).
    let mut printed = correct_counts(&stdout(&o));
    let mut recorded: Vec<u32> = rows
        .iter()
        .map(|r| (r.3 * 10000.0).round() as u32)
        .collect();
    printed.sort_unstable();
    recorded.sort_unstable();
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
    let once = correct_counts(&stdout(&one))[0];
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

fn save_model(dir: &Path, name: &str, net: &Network) -> PathBuf {
    let path = dir.join(name);
    model::save(net, &path).unwrap();
    path
}

/// The top left pixel inside the grey frame of the first tile: the frame is the first
/// non-white thing in a picture without a title.
fn first_tile(img: &image::RgbImage) -> (u32, u32) {
    for y in 0..img.height() {
        for x in 0..img.width() {
            if img.get_pixel(x, y).0 != [255, 255, 255] {
                return (x + 1, y + 1);
            }
        }
    }
    panic!("blank picture");
}

#[test]
fn backquery_draws_the_library_backquery_pixel_for_pixel() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let net = Network::new(784, 12, 10, 0.1, 9);
    save_model(d, "tiny.nnz", &net);
    let o = nnzero(
        d,
        &[
            "backquery",
            "--model",
            "tiny.nnz",
            "--digit",
            "3",
            "--scale",
            "4",
        ],
    );
    assert_ok(&o);
    assert!(stdout(&o).contains("drew backquery-3.png"));
    let img = png(&d.join("backquery-3.png"));
    let (x0, y0) = first_tile(&img);
    let image = net.backquery(&targets(3));
    for (i, v) in image.iter().enumerate() {
        // Ink dark on white: 0.01 → white, 0.99 → black.
        let want = 255.0 * (1.0 - ((v - 0.01) / 0.98).clamp(0.0, 1.0));
        let (col, row) = ((i % 28) as u32, (i / 28) as u32);
        for (dx, dy) in [(0, 0), (3, 3)] {
            let p = img.get_pixel(x0 + 4 * col + dx, y0 + 4 * row + dy).0;
            assert!(p[0] == p[1] && p[1] == p[2], "not grey: {p:?}");
            assert!(
                (p[0] as f32 - want).abs() <= 1.0,
                "pixel {i}: {} for {v}",
                p[0]
            );
        }
    }

    // All ten side by side.
    let o = nnzero(
        d,
        &["backquery", "--model", "tiny.nnz", "--all", "-o", "all.svg"],
    );
    assert_ok(&o);
    let svg = fs::read_to_string(d.join("all.svg")).unwrap();
    assert!(svg.contains("Backquery of tiny.nnz"));
    let o = nnzero(
        d,
        &["backquery", "--model", "tiny.nnz", "--all", "--scale", "2"],
    );
    assert_ok(&o);
    let (w, _) = png(&d.join("backquery.png")).dimensions();
    assert!(w >= 10 * 56, "{w}");
}

#[test]
fn backquery_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    save_model(d, "three.nnz", &Network::new(784, 4, 3, 0.1, 1));
    save_model(d, "odd.nnz", &Network::new(10, 4, 10, 0.1, 1));
    assert_usage_error(&nnzero(d, &["backquery", "--model", "three.nnz"]));
    assert_usage_error(&nnzero(d, &["backquery", "--digit", "12"]));
    assert_usage_error(&nnzero(d, &["backquery", "--all", "-o", "b.txt"]));
    for (args, what) in [
        (
            &["backquery", "--model", "missing.nnz", "--all"][..],
            "missing.nnz: No such file",
        ),
        (
            &["backquery", "--model", "three.nnz", "--digit", "5"],
            "three.nnz has 3 outputs: there is no digit 5",
        ),
        (
            &["backquery", "--model", "odd.nnz", "--all"],
            "odd.nnz has 10 inputs, not a square image's pixels",
        ),
        (
            &[
                "backquery",
                "--model",
                "three.nnz",
                "--all",
                "-o",
                "no/dir/b.png",
            ],
            "cannot save no/dir/b.png",
        ),
    ] {
        assert_one_line_error(&nnzero(d, args), what);
    }
    assert_eq!(files(d), ["odd.nnz", "three.nnz"]);
}

#[test]
fn weights_draws_one_tile_per_hidden_node_in_a_diverging_map() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 784-6-10; node 0 has its largest weights at pixels 0 (+) and 1 (−), the rest small.
    let mut wih = nalgebra::DMatrix::from_fn(6, 784, |h, j| ((h * 31 + j) % 7) as f32 * 0.01);
    wih[(0, 0)] = 0.5;
    wih[(0, 1)] = -0.5;
    let net = Network::from_weights(wih, nalgebra::DMatrix::from_element(10, 6, 0.1), 0.1, 1);
    save_model(d, "w.nnz", &net);
    let o = nnzero(
        d,
        &[
            "weights",
            "--model",
            "w.nnz",
            "-o",
            "w.png",
            "--scale",
            "3",
            "--columns",
            "3",
            "--normalise",
            "global",
        ],
    );
    assert_ok(&o);
    assert!(stdout(&o).contains("6 tiles of 28×28"), "{}", stdout(&o));
    let img = png(&d.join("w.png"));
    // The first full red pixel is pixel 0 of node 0, and blue follows it 3 pixels on.
    let red = [178, 24, 43];
    let blue = [33, 102, 172];
    let (x, y) = (0..img.height())
        .flat_map(|y| (0..img.width()).map(move |x| (x, y)))
        .find(|&(x, y)| img.get_pixel(x, y).0 == red)
        .expect("a red pixel");
    assert_eq!(img.get_pixel(x + 2, y + 2).0, red);
    assert_eq!(img.get_pixel(x + 3, y).0, blue);
    // 3 columns of 84-pixel tiles.
    assert!(img.width() >= 3 * 84);

    // Per tile, node 1 (largest weight 0.06) gets the same full red for its largest weight.
    let o = nnzero(d, &["weights", "--model", "w.nnz", "-o", "t.svg"]);
    assert_ok(&o);
    assert!(fs::read_to_string(d.join("t.svg"))
        .unwrap()
        .contains("#B2182B"));
}

#[test]
fn weights_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_usage_error(&nnzero(d, &["weights", "--normalise", "row"]));
    assert_usage_error(&nnzero(d, &["weights", "-o", "w.jpeg"]));
    assert_one_line_error(
        &nnzero(d, &["weights", "--model", "none.nnz"]),
        "none.nnz: No such file",
    );
    fs::write(d.join("junk.nnz"), b"not a model").unwrap();
    assert_one_line_error(&nnzero(d, &["weights", "--model", "junk.nnz"]), "junk.nnz");
    save_model(d, "big.nnz", &Network::new(784, 3000, 10, 0.1, 1));
    assert_one_line_error(
        &nnzero(
            d,
            &[
                "weights",
                "--model",
                "big.nnz",
                "--scale",
                "16",
                "--columns",
                "1000",
            ],
        ),
        "cannot draw weights.png: the picture would be",
    );
    assert_eq!(files(d), ["big.nnz", "junk.nnz"]);
}

/// Ten near-identical back-query pictures come with a line saying why and what to try; ten
/// different ones do not.
#[test]
fn backquery_explains_near_identical_pictures() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Every output weighs the hidden nodes alike: any answer, run backwards, gives the same
    // hidden signal (the targets' logits sum alike for every digit), so the same picture.
    let wide = Network::new(784, 400, 10, 0.1, 5);
    let row: Vec<f32> = wide.who().row(0).iter().copied().collect();
    let who = nalgebra::DMatrix::from_fn(10, 400, |_, h| row[h]);
    let mut same = Network::from_weights(wide.wih().clone_owned(), who, 0.1, 5);
    same.set_deskew(true);
    save_model(d, "same.nnz", &same);
    let o = nnzero(d, &["backquery", "--model", "same.nnz", "--all"]);
    assert_ok(&o);
    let out = stdout(&o);
    assert!(out.contains("mean pairwise correlation: 1.000"), "{out}");
    let note = out
        .lines()
        .find(|l| l.starts_with("note: the pictures are near-identical"))
        .unwrap_or_else(|| panic!("no note: {out}"));
    assert!(
        note.contains("400 hidden nodes") && note.contains("deskewed") && note.contains("try"),
        "{note}"
    );

    // A trained narrow model's pictures differ: no note.
    assert_ok(&nnzero(
        d,
        &[
            "train", "--limit", "6000", "--epochs", "1", "--hidden", "50", "--save", "t.nnz",
        ],
    ));
    let o = nnzero(d, &["backquery", "--model", "t.nnz", "--all"]);
    assert_ok(&o);
    let out = stdout(&o);
    assert!(out.contains("mean pairwise correlation: "), "{out}");
    assert!(!out.contains("near-identical"), "{out}");
}

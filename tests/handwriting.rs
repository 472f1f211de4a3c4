//! Own handwriting: the test set in tests/handwriting (built by `handwriting-set generate`,
//! see tools/handwriting-set) prepared the way MNIST was made, and read by a model trained
//! with nnzero's `--augment` recipe.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

mod common;
use common::{assert_ok, epoch_accuracies, nnzero, stdout};
use nnzero::prepare::{prepare_file, Limits};

fn set_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/handwriting")
}

/// (file, digit, the manifest's other columns by name).
fn manifest() -> Vec<(String, u8, BTreeMap<String, String>)> {
    let text = fs::read_to_string(set_dir().join("manifest.csv")).unwrap();
    let mut lines = text.lines();
    let names: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let cols = names
                .iter()
                .zip(&f)
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect();
            (f[0].to_string(), f[1].parse().unwrap(), cols)
        })
        .collect()
}

#[test]
fn every_picture_becomes_a_centred_28x28_digit() {
    let entries = manifest();
    assert!(entries.len() >= 300, "{} pictures", entries.len());
    for (file, _, _) in &entries {
        let p = prepare_file(&set_dir().join(file), Limits::default())
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let (mut m, mut mx, mut my) = (0.0f64, 0.0, 0.0);
        let (mut x0, mut y0, mut x1, mut y1) = (28, 28, 0, 0);
        for (i, &v) in p.pixels.iter().enumerate() {
            let (x, y) = (i % 28, i / 28);
            m += v as f64;
            mx += v as f64 * (x as f64 + 0.5);
            my += v as f64 * (y as f64 + 0.5);
            if v > 0 {
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1));
            }
        }
        let (cx, cy) = (mx / m, my / m);
        // Centred by mass to the nearest pixel, as MNIST's were.
        assert!(
            (cx - 14.0).abs() <= 0.75 && (cy - 14.0).abs() <= 0.75,
            "{file}: centre {cx:.2},{cy:.2}"
        );
        // The longer side fills the 20-pixel box (plus a pixel of antialiasing).
        let side = (x1 - x0).max(y1 - y0);
        assert!((19..=22).contains(&side), "{file}: {}×{}", x1 - x0, y1 - y0);
        assert_eq!(
            p.pixels.iter().copied().max(),
            Some(255),
            "{file}: ink is full white"
        );
    }
}

/// Trains with `--augment` (the recipe for real handwriting) and reads the whole set with
/// `nnzero predict`, the way a user would. The book's preparation reads about 11 % of it.
#[test]
fn the_augment_recipe_reads_nine_in_ten_of_the_handwriting_set() {
    let dir = tempfile::tempdir().unwrap();
    let train = nnzero(
        dir.path(),
        &["train", "--augment", "--seed", "1", "--save", "aug.nnz"],
    );
    assert_ok(&train);
    let out = stdout(&train);
    let epochs = epoch_accuracies(&out);
    assert_eq!(epochs.len(), 5, "{out}");
    let mnist = epochs[4].0;
    assert!(
        mnist >= 98.0,
        "MNIST test accuracy with --augment: {mnist}%"
    );

    let entries = manifest();
    let model = dir.path().join("aug.nnz");
    let mut args = vec!["predict", "--model", model.to_str().unwrap()];
    args.extend(entries.iter().map(|(f, _, _)| f.as_str()));
    let predict = nnzero(&set_dir(), &args);
    assert_ok(&predict);
    let answers: BTreeMap<String, u8> = stdout(&predict)
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_string(), f[1].parse().unwrap())
        })
        .collect();
    let mut groups: BTreeMap<(String, String), (u32, u32)> = BTreeMap::new();
    let mut right = 0;
    for (file, digit, cols) in &entries {
        let ok = answers[file] == *digit;
        right += ok as u32;
        for key in ["polarity", "mode", "stroke"] {
            let g = groups
                .entry((key.to_string(), cols[key].clone()))
                .or_default();
            g.0 += ok as u32;
            g.1 += 1;
        }
    }
    let accuracy = right as f64 / entries.len() as f64;
    for ((k, v), (r, t)) in &groups {
        println!(
            "{k:>9} {v:<14} {r:>4}/{t:<4} {:5.1} %",
            100.0 * *r as f64 / *t as f64
        );
    }
    println!("all: {right}/{} = {:.1} %", entries.len(), 100.0 * accuracy);
    assert!(
        accuracy >= 0.90,
        "read {:.1} % of the handwriting set",
        100.0 * accuracy
    );
}

//! Whole numbers (issue 23): the report half of tests/data/numbers (built by `handwriting-set
//! numbers`, see tools/handwriting-set/src/numbers.rs) read by `nnzero predict` with a model
//! trained by the `--augment` recipe. The reading was tuned on the tuning half only; the
//! report half was measured once, with /work/measure/before-models/aug1.nnz (`--augment
//! --seed 1`): 96/120 = 80.0 % of numbers, 73/90 = 81.1 % of 2–6-digit numbers, 493/582 =
//! 84.7 % of digits (tests/data/numbers/report-score-aug1.txt). The target is 90 % of
//! 2–6-digit numbers: not met.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

mod common;
use common::{assert_ok, nnzero, stdout};

fn set_dir(half: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/numbers")
        .join(half)
}

/// (file, number) from the half's manifest.
fn manifest(half: &str) -> Vec<(String, String)> {
    let text = fs::read_to_string(set_dir(half).join("manifest.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[1].to_string())
        })
        .collect()
}

#[test]
fn the_augment_recipe_reads_the_report_half_of_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let train = nnzero(
        dir.path(),
        &["train", "--augment", "--seed", "1", "--save", "aug.nnz"],
    );
    assert_ok(&train);
    let model = dir.path().join("aug.nnz");
    let entries = manifest("report");
    let mut args = vec!["predict", "--model", model.to_str().unwrap()];
    args.extend(entries.iter().map(|(f, _)| f.as_str()));
    let out = nnzero(&set_dir("report"), &args);
    let read: BTreeMap<String, String> = stdout(&out)
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_string(), f[1].to_string())
        })
        .collect();
    let (mut whole, mut short, mut short_n, mut digits, mut digits_n) = (0, 0, 0, 0, 0);
    for (file, want) in &entries {
        let got = read.get(file).map(String::as_str).unwrap_or("");
        whole += (got == want) as u32;
        if want.len() <= 6 {
            short += (got == want) as u32;
            short_n += 1;
        }
        digits_n += want.len() as u32;
        if got.len() == want.len() {
            digits += got
                .bytes()
                .zip(want.bytes())
                .filter(|(a, b)| a == b)
                .count() as u32;
        }
    }
    println!(
        "numbers {whole}/{}, 2-6 digits {short}/{short_n}, digits {digits}/{digits_n}",
        entries.len()
    );
    // Measured 96, 73 and 493; a margin of a few for the model's training on another machine.
    assert!(whole >= 92, "{whole}/120 numbers");
    assert!(short >= 70, "{short}/{short_n} numbers of 2-6 digits");
    assert!(digits >= 480, "{digits}/{digits_n} digits");
}

#[test]
fn a_number_is_printed_in_place_of_the_digit_and_single_forces_one() {
    let dir = tempfile::tempdir().unwrap();
    let model = Path::new("/work/measure/before-models/aug1.nnz");
    let model = if model.exists() {
        model.to_path_buf()
    } else {
        let train = nnzero(dir.path(), &["train", "--epochs", "1", "--save", "m.nnz"]);
        assert_ok(&train);
        dir.path().join("m.nnz")
    };
    let pic = set_dir("tune").join("035_7420271.png");
    let m = model.to_str().unwrap();
    let out = stdout(&nnzero(
        dir.path(),
        &["predict", "--model", m, pic.to_str().unwrap()],
    ));
    let f: Vec<&str> = out.trim_end().split('\t').collect();
    assert_eq!(f[1].len(), 7, "{out}");
    assert_eq!(
        f[2].split(',').count(),
        7,
        "one confidence per digit: {out}"
    );
    let single = stdout(&nnzero(
        dir.path(),
        &["predict", "--single", "--model", m, pic.to_str().unwrap()],
    ));
    assert_eq!(single.split('\t').nth(1).unwrap().len(), 1, "{single}");
    let json = stdout(&nnzero(
        dir.path(),
        &["predict", "--json", "--model", m, pic.to_str().unwrap()],
    ));
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(v["digits"].as_array().unwrap().len(), 7);
    assert_eq!(v["digits"][0]["prepared"].as_array().unwrap().len(), 784);
    assert_eq!(v["digits"][0]["box"].as_array().unwrap().len(), 4);
}

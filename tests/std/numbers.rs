//! Whole numbers (issue 23): the report half of tests/data/numbers (drawn by `handwriting-set
//! numbers --half report`, see tools/handwriting-set/src/numbers.rs) read by `nnzero predict`
//! with the model of `--augment --seed 1`. The reading was tuned on the tuning half only; this
//! report half (the fourth draw, seed 7331 + 26: each earlier one was read before the method
//! last changed) was read once, after the other polarity and the faint strokes were added:
//! 105/120 = 87.5 % of numbers, 82/90 = 91.1 % of 2–6-digit numbers (the target is
//! 90 %), 521/582 = 89.5 % of digits (tests/data/numbers/report-score-aug1.txt,
//! docs/lab/2026-12-06-numbers-on-a-desk-and-in-pencil.md).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::common;
use common::{nnzero, stdout};

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
    let (model, _) = common::augment_model();
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
    // Measured 105, 82 and 521 (the reading of before, 4be9999, read 102, 81 and 514). The
    // model is the same bits on every machine, so these are what every run reads; the margin
    // of two lets a change elsewhere in the preparation move a picture or two without
    // re-blessing, not more.
    assert!(whole >= 103, "{whole}/120 numbers");
    assert!(short >= 80, "{short}/{short_n} numbers of 2-6 digits");
    assert!(digits >= 516, "{digits}/{digits_n} digits");
}

/// Touching digits of the tuning half that the cuts weighed by the network alone misread: a 1
/// touching a 9 was absorbed (`891203` read `89203`) and two joined 9s were cut where the
/// slices read as sure 7s (`19993` read `17793`). Weighing each piece's width for its digit
/// reads both.
#[test]
fn touching_digits_are_cut_by_shape_as_well_as_by_the_network() {
    tuning_half_reads(&[("071_891203.png", "891203"), ("107_19993.jpg", "19993")]);
}

/// Each picture of the tuning half reads as the number given, with the `--augment` model.
fn tuning_half_reads(pictures: &[(&str, &str)]) {
    let dir = tempfile::tempdir().unwrap();
    let (model, _) = common::augment_model();
    for &(file, want) in pictures {
        let pic = set_dir("tune").join(file);
        let out = stdout(&nnzero(
            dir.path(),
            &[
                "predict",
                "--model",
                model.to_str().unwrap(),
                pic.to_str().unwrap(),
            ],
        ));
        assert_eq!(out.split('\t').nth(1), Some(want), "{out}");
    }
}

/// Numbers of the tuning half the reading of before misread. On a sheet photographed on a
/// dark desk, the paper between the digits was taken for light ink and the number read as
/// one digit (`95152425` read `2`, `55` read `6`): a find wider than tall now has the other
/// polarity read too. A faint pencil's strokes lost their faintest parts (`87030587` read
/// `84030584`, `637793` read `631143`): a line read as a number is read again with them
/// joined back by hysteresis.
#[test]
fn a_sheet_on_a_desk_and_a_faint_pencil_read_as_numbers() {
    tuning_half_reads(&[
        ("079_95152425.jpg", "95152425"),
        ("085_55.jpg", "55"),
        ("039_87030587.jpg", "87030587"),
        ("069_637793.png", "637793"),
    ]);
}

#[test]
fn a_number_is_printed_in_place_of_the_digit_and_single_forces_one() {
    let dir = tempfile::tempdir().unwrap();
    let (model, _) = common::augment_model();
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

/// A 4,000×3,000 photo of a number reads as the small photo it was made from, and a
/// 4,000×3,000 page of scribbles is read or refused with one line, never a panic. Both are
/// kept in the target's temporary folder (`big-photos/`) for measuring `predict`'s time and
/// memory (docs/lab/2026-12-05-numbers.md); no time is asserted here.
#[test]
fn a_4000_px_photo_reads_and_a_page_of_scribbles_is_bounded() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("big-photos");
    fs::create_dir_all(&dir).unwrap();
    let (model, _) = common::augment_model();
    let m = model.to_str().unwrap();
    let small = set_dir("tune").join("018_33942.jpg");
    let photo = dir.join("number-4000x3000.jpg");
    common::pictures::save_jpeg(&common::pictures::big_number_photo(&small).into(), &photo);
    let read = |pic: &Path| {
        stdout(&nnzero(
            &dir,
            &["predict", "--model", m, pic.to_str().unwrap()],
        ))
    };
    let field = |out: &str| out.split('\t').nth(1).unwrap_or("").to_string();
    assert_eq!(field(&read(&photo)), field(&read(&small)));
    assert_eq!(field(&read(&photo)), "33942");

    let page = dir.join("scribbles-4000x3000.png");
    common::pictures::scribble_page(400).save(&page).unwrap();
    let out = nnzero(&dir, &["predict", "--model", m, page.to_str().unwrap()]);
    if out.status.success() {
        let digits = field(&stdout(&out));
        assert!((1..=32).contains(&digits.len()), "{}", stdout(&out));
    } else {
        common::assert_one_line_error(&out, "digits");
    }
}

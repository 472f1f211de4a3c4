//! `nnzero teach`: a hand the model reads badly (tests/data/teach, drawn by
//! `handwriting-set teach-hand`: digits like a calculator's segments, slashed 0, 1 with flag and
//! base, 7 with hook and bar) is taught from 5 pictures per digit; 20 other pictures per digit
//! of the same hand, never taught, must then read at least 95 %, and MNIST must not lose more
//! than 0.3 points. Also the errors a user can run into.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common;
use common::{assert_ok, assert_one_line_error, nnzero, stderr, stdout};

fn set() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/teach")
}

/// The base model: the `--augment` recipe, as a user would train it first.
const BASE: &[&str] = &["train", "--augment", "--seed", "1", "--save", "base.nnz"];

/// Held-out pictures read correctly by `model`, out of how many.
fn held_out_score(dir: &Path, model: &str) -> (usize, usize) {
    let mut args = vec!["predict".to_string(), "--model".into(), model.into()];
    let mut labels = vec![];
    for digit in 0..10 {
        let mut files: Vec<_> = fs::read_dir(set().join("held-out").join(digit.to_string()))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in files {
            args.push(f.to_string_lossy().into_owned());
            labels.push(digit.to_string());
        }
    }
    let args: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    let out = nnzero(dir, &args);
    assert_ok(&out);
    let answers: Vec<String> = stdout(&out)
        .lines()
        .map(|l| l.split('\t').nth(1).unwrap().to_string())
        .collect();
    assert_eq!(answers.len(), labels.len());
    let correct = answers.iter().zip(&labels).filter(|(a, l)| a == l).count();
    (correct, labels.len())
}

/// "your pictures: 46.0% (23/50) before, 96.0% (48/50) after" and
/// "test set: 98.30% before, 98.21% after (…)" → the four percentages.
fn teach_figures(out: &str) -> (f64, f64, f64, f64) {
    let pcts = |prefix: &str| -> (f64, f64) {
        let line = out.lines().find(|l| l.starts_with(prefix)).expect(prefix);
        let nums: Vec<f64> = line[prefix.len()..]
            .split('%')
            .filter_map(|s| s.rsplit(' ').next()?.parse().ok())
            .collect();
        (nums[0], nums[1])
    };
    let (a, b) = pcts("your pictures: ");
    let (c, d) = pcts("test set: ");
    (a, b, c, d)
}

#[test]
fn teaching_five_pictures_a_digit_reads_the_hand_and_keeps_mnist() {
    let dir = tempfile::tempdir().unwrap();
    // Progress lines (seen with `--nocapture`): the test takes minutes.
    eprintln!("teach: training the base model");
    assert_ok(&nnzero(dir.path(), BASE));
    let (before, total) = held_out_score(dir.path(), "base.nnz");
    assert_eq!(total, 200);
    // The hand is one the model reads badly, below the 95 % teaching must reach: that is what
    // teaching is for. (The deskewed 784-400-10 `--augment` model reads 159/200 of it, without
    // deskewing 171/200, its 200-node predecessor 151/200.)
    assert!(before < 180, "the base model already reads {before}/200");

    let taught = set().join("taught");
    let args = ["teach", "--model", "base.nnz", "--save", "mine.nnz"];
    eprintln!("teach: teaching five pictures a digit");
    let out = nnzero(
        dir.path(),
        &[&args[..], &[taught.to_str().unwrap()]].concat(),
    );
    assert_ok(&out);
    let text = stdout(&out);
    let (cv_before, cv_after, mnist_before, mnist_after) = teach_figures(&text);
    eprintln!("{text}held out: {before}/200 before");
    assert!(cv_after > cv_before, "{text}");
    assert!(mnist_before - mnist_after <= 0.3, "{text}");

    let (after, _) = held_out_score(dir.path(), "mine.nnz");
    eprintln!("held out: {after}/200 after");
    assert!(after >= 190, "{after}/200 of the held-out pictures");

    // The same seed, the same model, bit for bit.
    eprintln!("teach: teaching again with the same seed");
    let again = nnzero(
        dir.path(),
        &[
            &args[..3],
            &["--save", "again.nnz", taught.to_str().unwrap()],
        ]
        .concat(),
    );
    assert_ok(&again);
    assert_eq!(
        fs::read(dir.path().join("mine.nnz")).unwrap(),
        fs::read(dir.path().join("again.nnz")).unwrap()
    );
}

#[test]
fn bad_folders_get_one_line_errors_and_save_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_ok(&nnzero(
        d,
        &[
            "train", "--limit", "500", "--epochs", "1", "--save", "m.nnz",
        ],
    ));
    let teach = |folder: &str| {
        nnzero(
            d,
            &["teach", "--model", "m.nnz", "--save", "out.nnz", folder],
        )
    };

    assert_one_line_error(&teach("missing"), "missing");

    fs::create_dir_all(d.join("nodigits/seven")).unwrap();
    assert_one_line_error(&teach("nodigits"), "no digit folders");

    fs::create_dir_all(d.join("empty/3")).unwrap();
    fs::write(d.join("empty/3/notes.txt"), "my threes").unwrap();
    assert_one_line_error(&teach("empty"), "no .png or .jpg pictures");

    fs::create_dir_all(d.join("broken/4")).unwrap();
    fs::write(d.join("broken/4/a.png"), b"\x89PNG\r\n\x1a\nnot really").unwrap();
    assert_one_line_error(&teach("broken"), "a.png");
    assert!(!d.join("out.nnz").exists());

    // Files that are not pictures by name are skipped with a warning; the rest is taught.
    fs::create_dir_all(d.join("ok/7")).unwrap();
    fs::copy(set().join("taught/7/00.png"), d.join("ok/7/00.png")).unwrap();
    fs::copy(set().join("taught/7/01.png"), d.join("ok/7/01.png")).unwrap();
    fs::write(d.join("ok/7/readme.txt"), "sevens").unwrap();
    fs::write(d.join("ok/7/.DS_Store"), "").unwrap();
    let out = teach("ok");
    assert_ok(&out);
    assert!(stderr(&out).contains("skipped") && stderr(&out).contains("readme.txt"));
    assert!(!stderr(&out).contains("DS_Store"));
    assert!(d.join("out.nnz").exists());

    // Another run writing out.nnz (a training, a server, a teach): refused (issue 26).
    let held = nnzero::run::RunLock::acquire(&[&d.join("out.nnz")]).unwrap();
    assert_one_line_error(&teach("ok"), "out.nnz is in use by another nnzero run");
    drop(held);
}

/// Everything beside or inside the digit folders that is not read is named, with why: a
/// folder `x/` or `5b/` was once ignored without a word.
#[test]
fn teach_names_every_folder_and_file_it_skips() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_ok(&nnzero(
        d,
        &[
            "train", "--limit", "200", "--epochs", "1", "--hidden", "10", "--save", "m.nnz",
        ],
    ));
    let f = d.join("mine");
    for sub in ["7/old", "x", "5b", "10"] {
        fs::create_dir_all(f.join(sub)).unwrap();
    }
    fs::copy(set().join("taught/7/00.png"), f.join("7/00.png")).unwrap();
    fs::copy(set().join("taught/7/01.png"), f.join("7/old/01.png")).unwrap();
    fs::copy(set().join("taught/7/02.png"), f.join("x/02.png")).unwrap();
    fs::write(f.join("3"), "a file named 3").unwrap();
    fs::write(f.join("notes.txt"), "my sevens").unwrap();
    fs::write(f.join("7/readme.txt"), "sevens").unwrap();
    let out = nnzero(
        d,
        &[
            "teach", "--model", "m.nnz", "--save", "out.nnz", "--passes", "1", "mine",
        ],
    );
    assert_ok(&out);
    let err = stderr(&out);
    for (name, why) in [
        ("mine/x:", "not a digit folder"),
        ("mine/5b:", "not a digit folder"),
        ("mine/10:", "not a digit folder"),
        ("mine/3:", "not a folder"),
        ("mine/notes.txt:", "beside the digit folders"),
        ("mine/7/old:", "inside a digit folder"),
        ("mine/7/readme.txt:", "not a .png or .jpg picture"),
    ] {
        let line = err
            .lines()
            .find(|l| l.starts_with("skipped ") && l.contains(name))
            .unwrap_or_else(|| panic!("{name} not named: {err}"));
        assert!(line.contains(why), "{line}");
    }
    assert!(
        stdout(&out).contains("1 picture(s) of digit(s) 7"),
        "{}",
        stdout(&out)
    );
}

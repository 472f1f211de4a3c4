//! Own handwriting: the test set in tests/data/handwriting (built by `handwriting-set generate`,
//! see tools/handwriting-set) prepared the way MNIST was made, and read by a model trained
//! with nnzero's `--augment` recipe. The set has a tuning half (the preparation and the
//! "unsure" thresholds were tuned on it) and a report half (disjoint fonts and hands, another
//! seed): the report half's accuracy is the figure that counts.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::common;
use crate::common::pictures;
use common::{assert_ok, epoch_accuracies, nnzero, stdout};
use nnzero::prepare::{prepare_file, Limits};

fn set_dir(half: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/handwriting")
        .join(half)
}

/// (file, digit, the manifest's other columns by name).
fn manifest(half: &str) -> Vec<(String, u8, BTreeMap<String, String>)> {
    let text = fs::read_to_string(set_dir(half).join("manifest.csv")).unwrap();
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
fn the_halves_share_no_font_and_no_hand() {
    let hands = |half| -> std::collections::BTreeSet<String> {
        manifest(half)
            .into_iter()
            .map(|(_, _, c)| c["hand"].clone())
            .collect()
    };
    let (tune, report) = (hands("tune"), hands("report"));
    assert!(
        tune.len() >= 20 && report.len() >= 20,
        "{tune:?} {report:?}"
    );
    assert!(
        tune.is_disjoint(&report),
        "{:?}",
        tune.intersection(&report).collect::<Vec<_>>()
    );
}

#[test]
fn every_picture_becomes_a_centred_28x28_digit() {
    for half in ["tune", "report"] {
        let entries = manifest(half);
        assert!(entries.len() >= 200, "{} pictures", entries.len());
        let mut refused = Vec::new();
        for (file, _, _) in &entries {
            let p = match prepare_file(&set_dir(half).join(file), Limits::default()) {
                Ok(p) => p,
                Err(e) => {
                    refused.push(format!("{file}: {e}"));
                    continue;
                }
            };
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
                "{half}/{file}: centre {cx:.2},{cy:.2}"
            );
            // The longer side fills the 20-pixel box (plus a pixel of antialiasing).
            let side = (x1 - x0).max(y1 - y0);
            assert!(
                (19..=22).contains(&side),
                "{half}/{file}: {}×{}",
                x1 - x0,
                y1 - y0
            );
            assert_eq!(p.pixels.iter().copied().max(), Some(255), "{half}/{file}");
        }
        // The faintest pencil on grey paper is refused rather than guessed: at most 2 %.
        assert!(refused.len() * 50 <= entries.len(), "{half}: {refused:?}");
    }
}

/// `nnzero predict --model MODEL FILES…` run in `dir`: the digit read for each file. Refused
/// pictures have an error line each instead, so they are missing here and count as misread.
/// Every picture here holds one digit, and reads exactly as with `--single` (issue 23: a
/// picture of one digit reads as it did before numbers were read): the two outputs must be
/// the same, byte for byte.
fn predict<'a>(
    model: &'a Path,
    dir: &Path,
    files: impl Iterator<Item = &'a str>,
) -> BTreeMap<String, u8> {
    let files: Vec<&str> = files.collect();
    let run = |single: bool| {
        let mut args = vec!["predict", "--model", model.to_str().unwrap()];
        if single {
            args.push("--single");
        }
        args.extend(&files);
        stdout(&nnzero(dir, &args))
    };
    let (number, single) = (run(false), run(true));
    for (n, s) in number.lines().zip(single.lines()) {
        assert_eq!(
            n, s,
            "a picture of one digit reads otherwise than with --single"
        );
    }
    assert_eq!(number.lines().count(), single.lines().count());
    number
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_string(), f[1].parse().unwrap())
        })
        .collect()
}

/// Reads one half with `nnzero predict`, the way a user would; prints the groups, returns
/// the accuracy.
fn read_half(model: &Path, half: &str) -> f64 {
    let entries = manifest(half);
    let answers = predict(
        model,
        &set_dir(half),
        entries.iter().map(|(f, _, _)| f.as_str()),
    );
    let mut groups: BTreeMap<(String, String), (u32, u32)> = BTreeMap::new();
    let mut right = 0;
    for (file, digit, cols) in &entries {
        let ok = answers.get(file) == Some(digit);
        right += ok as u32;
        for key in ["scene", "polarity", "mode", "stroke"] {
            let g = groups
                .entry((key.to_string(), cols[key].clone()))
                .or_default();
            g.0 += ok as u32;
            g.1 += 1;
        }
    }
    for ((k, v), (r, t)) in &groups {
        println!(
            "{half:>6} {k:>9} {v:<18} {r:>4}/{t:<4} {:5.1} %",
            100.0 * *r as f64 / *t as f64
        );
    }
    let accuracy = right as f64 / entries.len() as f64;
    println!(
        "{half}: {right}/{} = {:.1} %",
        entries.len(),
        100.0 * accuracy
    );
    accuracy
}

/// Reads the UCI optdigits test set (tests/data/optdigits: 1,797 digits of 13 writers, 8×8 counts
/// 0–16) with `nnzero predict`, each written as an 8×8 PNG, dark on light, as it is stored:
/// cropped tight to its ink. Prints the accuracy per digit and returns it overall.
fn read_optdigits(model: &Path, dir: &Path) -> f64 {
    use std::io::Read;
    let gz = fs::File::open(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/optdigits/digits.csv.gz"),
    )
    .unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_string(&mut text)
        .unwrap();
    let out = dir.join("optdigits");
    fs::create_dir_all(&out).unwrap();
    let mut files = Vec::new();
    let mut labels = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let v: Vec<u32> = line.split(',').map(|f| f.parse().unwrap()).collect();
        assert_eq!(v.len(), 65, "line {}", n + 1);
        let grey = v[..64]
            .iter()
            .map(|&c| ((255 * (16 - c) + 8) / 16) as u8)
            .collect();
        let name = format!("{n:04}.png");
        image::GrayImage::from_raw(8, 8, grey)
            .unwrap()
            .save(out.join(&name))
            .unwrap();
        labels.insert(name.clone(), v[64] as u8);
        files.push(name);
    }
    assert_eq!(files.len(), 1797);
    let answers = predict(model, &out, files.iter().map(String::as_str));
    let mut per_digit = [(0u32, 0u32); 10];
    for (file, &digit) in &labels {
        let d = &mut per_digit[digit as usize];
        d.0 += (answers.get(file) == Some(&digit)) as u32;
        d.1 += 1;
    }
    for (digit, (r, t)) in per_digit.iter().enumerate() {
        println!(
            "optdigits {digit}: {r:>3}/{t:<3} {:5.1} %",
            100.0 * *r as f64 / *t as f64
        );
    }
    let right: u32 = per_digit.iter().map(|d| d.0).sum();
    println!(
        "optdigits: {right}/1797 = {:.1} %",
        100.0 * right as f64 / 1797.0
    );
    right as f64 / 1797.0
}

/// Trains with `--augment` (the recipe for real handwriting: deskewed, European 1s and 7s,
/// typeface, Semeion and Swiss digits mixed in) and reads both halves. Both are held to
/// 219/230 (95 %, the target): 219/230 = 95.2 % and 219/230 = 95.2 % were measured
/// with `--augment --seed 1` (784-400-10), `predict` reading each digit twice, as it is and
/// thinner (220 and 218 before the Swiss digits; 220 and 215 before the preparation kept the
/// window that found a thin pen's large digit on paper; 221 and 213 before the Semeion digits,
/// 220 and 215 before the typeface digits, 218 and 211 before the European 1s and 7s; 208 and
/// 206 before hollow strokes were filled, faint pencil kept, grainy pieces joined and ruled
/// lines followed through a bar). The book's preparation reads about a tenth. The UCI
/// optdigits test set is held to 86 %: it reads 1560/1797 = 86.8 % (seeds 1–3 move it by ±40:
/// 1560, 1638, 1579;
/// 1588 before the Swiss digits, 1559 before the Semeion digits, 1542 before the typeface
/// digits, 1491 before the European 1s and 7s, 43 % before tight crops were given a margin).
#[test]
fn the_augment_recipe_reads_the_report_half() {
    let dir = tempfile::tempdir().unwrap();
    let (model, out) = common::augment_model();
    let epochs = epoch_accuracies(out);
    assert_eq!(epochs.len(), 5, "{out}");
    assert!(
        epochs[4].0 >= 98.0,
        "MNIST test accuracy with --augment: {}%",
        epochs[4].0
    );
    eprintln!("handwriting: reading the tuning and report halves");
    let tune = read_half(model, "tune");
    let report = read_half(model, "report");
    assert!(
        tune >= 219.0 / 230.0,
        "read {:.1} % of the tuning half",
        100.0 * tune
    );
    assert!(
        report >= 219.0 / 230.0,
        "read {:.1} % of the report half",
        100.0 * report
    );

    // Real handwriting from elsewhere, cropped tight to its ink (tests/data/optdigits/README.md).
    eprintln!("handwriting: reading the UCI optdigits test set");
    let optdigits = read_optdigits(model, dir.path());
    assert!(
        optdigits >= 0.86,
        "read {:.1} % of the UCI optdigits test set",
        100.0 * optdigits
    );

    // Issue 9, defect 1: the "8" of thick strokes was read as 2.
    for stroke in [30.0, 40.0] {
        let name = format!("eight{stroke}.png");
        pictures::thick_eight(stroke)
            .save(dir.path().join(&name))
            .unwrap();
        let o = nnzero(
            dir.path(),
            &["predict", "--model", model.to_str().unwrap(), &name],
        );
        assert_ok(&o);
        let f: Vec<String> = stdout(&o).split('\t').map(String::from).collect();
        assert_eq!(f[1], "8", "stroke {stroke}: {}", stdout(&o));
    }
}

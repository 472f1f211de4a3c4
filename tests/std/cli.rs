//! The `nnzero` program from the outside: the seed's recipe, reproducibility, output formats,
//! and bad input of every kind — each a named one-line error, a non-zero exit, no panic, no
//! partial file, nothing the user had touched.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common;
use common::{assert_one_line_error, epoch_accuracies, nnzero, stderr, stdout, subset};
use nnzero::dataset::Dataset;
use nnzero::format::blob::{BlobWriter, Header};

/// A quickly trained model: 3,000 images, one epoch.
fn small_model(dir: &Path, name: &str, seed: &str) -> PathBuf {
    let o = nnzero(
        dir,
        &[
            "train", "--limit", "3000", "--epochs", "1", "--seed", seed, "--save", name,
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    dir.join(name)
}

#[test]
fn the_seed_recipe_reaches_97_percent_and_test_reproduces_it() {
    let dir = tempfile::tempdir().unwrap();
    // `nnzero` with no arguments is `nnzero train` with the book's recipe.
    let o = nnzero(dir.path(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(
        out.lines().filter(|l| l.starts_with("epoch ")).count(),
        5,
        "{out}"
    );
    assert!(out.contains("784-200-10") || stderr(&o).contains("784-200-10"));
    let (pct, correct) = *epoch_accuracies(&out).last().expect("epoch line");
    assert!(pct >= 97.0, "final accuracy {pct}%");

    let t = nnzero(dir.path(), &["test", "--model", "model.nnz", "--json"]);
    assert!(t.status.success(), "{}", stderr(&t));
    let json: serde_json::Value = serde_json::from_str(&stdout(&t)).unwrap();
    assert_eq!(json["correct"], correct);
    assert_eq!(json["total"], 10000);
    let confusion = json["confusion"].as_array().unwrap();
    assert_eq!(confusion.len(), 10);
    let sum: u64 = confusion
        .iter()
        .flat_map(|r| r.as_array().unwrap())
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(sum, 10000);
    assert!((json["accuracy"].as_f64().unwrap() * 100.0 - pct).abs() < 0.006);
}

#[test]
fn the_same_seed_gives_byte_identical_models() {
    let dir = tempfile::tempdir().unwrap();
    let a = fs::read(small_model(dir.path(), "a.nnz", "5")).unwrap();
    let b = fs::read(small_model(dir.path(), "b.nnz", "5")).unwrap();
    let c = fs::read(small_model(dir.path(), "c.nnz", "6")).unwrap();
    assert_eq!(a, b, "same seed, different bytes");
    assert_ne!(a, c, "different seeds, same bytes");
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["train", "--lr", "-1"][..],
        &["train", "--epochs", "0"],
        &["frobnicate"],
        &["predict"],
    ] {
        let o = nnzero(dir.path(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    }
    assert!(nnzero(dir.path(), &["--help"]).status.success());
}

#[test]
fn missing_and_invalid_data_files_are_named_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = subset(d, "good.blob", 50, false);
    let bytes = fs::read(&good).unwrap();

    let mut flipped = bytes.clone();
    flipped[1000] ^= 0x04;
    fs::write(d.join("flipped.blob"), &flipped).unwrap();
    fs::write(d.join("truncated.blob"), &bytes[..bytes.len() / 2]).unwrap();
    fs::write(d.join("png.blob"), b"\x89PNG\r\n\x1a\n...").unwrap();
    let mut trailing = bytes.clone();
    trailing.extend_from_slice(b"extra");
    fs::write(d.join("trailing.blob"), &trailing).unwrap();

    // A label of 12 behind a valid checksum.
    let mut bad_label = bytes[..bytes.len() - 4].to_vec();
    let (_, header_len) = Header::decode(&bad_label).unwrap();
    bad_label[header_len] = 12;
    let crc = crc32fast::hash(&bad_label);
    bad_label.extend_from_slice(&crc.to_le_bytes());
    fs::write(d.join("label.blob"), &bad_label).unwrap();

    fs::write(d.join("model.nnz"), b"precious").unwrap();
    for (file, what) in [
        ("nope.blob", "nope.blob: No such file"),
        ("flipped.blob", "checksum"),
        ("truncated.blob", "truncated"),
        ("png.blob", "not an nnzero dataset blob"),
        ("trailing.blob", "extra bytes"),
        ("label.blob", "label 12, outside 0..10"),
    ] {
        let o = nnzero(d, &["train", "--train", file, "--epochs", "1"]);
        assert_one_line_error(&o, what);
        assert_eq!(
            fs::read(d.join("model.nnz")).unwrap(),
            b"precious",
            "{file} touched the model"
        );
    }
    // The same checks guard `nnzero test`.
    let model = small_model(d, "m.nnz", "1");
    let o = nnzero(
        d,
        &[
            "test",
            "--model",
            model.to_str().unwrap(),
            "--data",
            "flipped.blob",
        ],
    );
    assert_one_line_error(&o, "checksum");
    let files: Vec<_> = fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        files.iter().all(|f| !f.to_string_lossy().contains(".tmp")),
        "{files:?}"
    );
}

#[test]
fn data_of_different_shapes_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut w = BlobWriter::new(Vec::new(), Header::new(2, 14, 14, 10).unwrap()).unwrap();
    w.push(1, &[0; 196]).unwrap();
    w.push(2, &[9; 196]).unwrap();
    fs::write(d.join("small.blob"), w.finish().unwrap()).unwrap();
    let o = nnzero(d, &["train", "--train", "small.blob"]);
    assert_one_line_error(&o, "training images are 14×14 but test images 28×28");
    // --augment would mix 28×28 typeface, Semeion and Swiss digits into them: say so, and how to do
    // without.
    let o = nnzero(
        d,
        &[
            "train",
            "--augment",
            "--train",
            "small.blob",
            "--test",
            "small.blob",
        ],
    );
    assert_one_line_error(
        &o,
        "its images are 28×28, 10 classes, not 14×14, 10 classes (or add --no-typefaces \
         --no-semeion --no-swiss)",
    );

    let model = small_model(d, "m.nnz", "1");
    let o = nnzero(
        d,
        &[
            "test",
            "--model",
            model.to_str().unwrap(),
            "--data",
            "small.blob",
        ],
    );
    assert_one_line_error(&o, "784 inputs");
}

#[test]
fn broken_model_files_are_named_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = fs::read(small_model(d, "good.nnz", "1")).unwrap();

    let mut flipped = good.clone();
    flipped[5000] ^= 0x01;
    fs::write(d.join("flipped.nnz"), &flipped).unwrap();
    let mut trailing = good.clone();
    trailing.push(0);
    fs::write(d.join("trailing.nnz"), &trailing).unwrap();
    fs::write(d.join("truncated.nnz"), &good[..good.len() - 100]).unwrap();
    // 11 bytes whose header claims 4294967295 × 4294967295 input weights.
    let huge = [
        b'N', b'N', b'Z', b'M', 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0xff,
    ];
    fs::write(d.join("huge.nnz"), huge).unwrap();
    let mut huge_full = vec![b'N', b'N', b'Z', b'M', 1];
    huge_full.extend([
        0xff, 0xff, 0xff, 0xff, 0x0f, 0xff, 0xff, 0xff, 0xff, 0x0f, 10,
    ]);
    huge_full.extend([0, 0, 0x80, 0x3e, 1]);
    fs::write(d.join("huge_full.nnz"), &huge_full).unwrap();
    let mut net = nnzero::format::model::decode(&good).unwrap();
    // A NaN weight behind a valid checksum: encode a network whose weight went bad.
    let mut wih = net.wih().clone();
    wih[(3, 100)] = f32::NAN;
    net = nnzero::Network::from_weights(wih, net.who().clone(), 0.1, 1);
    fs::write(d.join("nan.nnz"), nnzero::format::model::encode(&net)).unwrap();
    // Few weights but 65,536 classes: `test` built a 65,536² confusion matrix (17 GB).
    let wide = nnzero::Network::new(784, 3, 65_536, 0.1, 1);
    fs::write(d.join("wide.nnz"), nnzero::format::model::encode(&wide)).unwrap();

    for (file, what) in [
        ("missing.nnz", "missing.nnz: No such file"),
        ("flipped.nnz", "checksum"),
        ("trailing.nnz", "header implies"),
        ("truncated.nnz", "header implies"),
        ("huge.nnz", "bad model header"),
        ("huge_full.nnz", "header implies"),
        ("nan.nnz", "is not a finite number"),
        ("wide.nnz", "65536 outputs: nnzero reads at most 1024"),
    ] {
        let o = nnzero(d, &["test", "--model", file]);
        assert_one_line_error(&o, what);
        let o = nnzero(d, &["predict", "--model", file, "x.png"]);
        assert_one_line_error(&o, what);
    }
}

#[test]
fn an_unwritable_save_path_fails_before_training() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = nnzero(d, &["train", "--save", "no/such/dir/m.nnz"]);
    assert_one_line_error(&o, "cannot save no/such/dir/m.nnz");
    assert!(
        !stdout(&o).contains("epoch"),
        "it trained first: {}",
        stdout(&o)
    );
    fs::create_dir(d.join("adir")).unwrap();
    let o = nnzero(d, &["train", "--save", "adir"]);
    assert_one_line_error(&o, "cannot save adir");
    assert_eq!(fs::read_dir(d).unwrap().count(), 1);
    // A link to /dev/null (as root, `--save /dev/null` would replace the system's): refused,
    // and the link and the device are what they were.
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        std::os::unix::fs::symlink("/dev/null", d.join("null")).unwrap();
        let o = nnzero(d, &["train", "--save", "null"]);
        assert_one_line_error(&o, "not a regular file");
        assert!(fs::symlink_metadata(d.join("null"))
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device());
    }
}

#[test]
fn predict_reads_mnist_style_pngs_and_reports_bad_files_individually() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let model = small_model(d, "m.nnz", "1");
    // The first three test digits (7, 2, 1) as 28×28 PNGs.
    let test = Dataset::bundled_test().unwrap();
    let mut stream = test.stream().unwrap();
    let mut labels = Vec::new();
    for k in 0..3 {
        let (label, pixels) = stream.next_record().unwrap().unwrap();
        image::GrayImage::from_raw(28, 28, pixels.to_vec())
            .unwrap()
            .save(d.join(format!("{k}.png")))
            .unwrap();
        labels.push(label);
    }
    assert_eq!(labels, [7, 2, 1]);
    fs::write(d.join("notes.png"), b"not a picture").unwrap();

    let m = model.to_str().unwrap();
    let o = nnzero(
        d,
        &[
            "predict",
            "--model",
            m,
            "0.png",
            "notes.png",
            "1.png",
            "2.png",
        ],
    );
    assert_one_line_error(&o, "notes.png");
    let out = stdout(&o);
    let rows: Vec<Vec<&str>> = out.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), 3, "{out}");
    for (row, (name, label)) in rows.iter().zip([("0.png", 7), ("1.png", 2), ("2.png", 1)]) {
        assert_eq!(row[0], name);
        assert_eq!(row[1].parse::<u8>().unwrap(), label, "{out}");
        let confidence: f32 = row[2].parse().unwrap();
        assert!((0.0..=1.0).contains(&confidence));
    }

    let o = nnzero(d, &["predict", "--model", m, "--json", "0.png"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(json["digit"], 7);
    assert_eq!(json["outputs"].as_array().unwrap().len(), 10);
}

/// A decompression bomb: a small PNG whose header claims `width`×`height` greyscale pixels.
fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        png.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend(data);
        png.extend(&body);
        png.extend(crc32fast::hash(&body).to_be_bytes());
    };
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 0, 0, 0, 0]); // 8-bit greyscale
    chunk(b"IHDR", &ihdr);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut z, &[0u8; 100_000]).unwrap();
    chunk(b"IDAT", &z.finish().unwrap());
    chunk(b"IEND", &[]);
    png
}

#[test]
fn predict_names_each_bad_picture_and_reads_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let model = small_model(d, "m.nnz", "1");
    // A good picture: a hand-drawn 7, dark ink on light paper.
    let mut good = Vec::new();
    image::GrayImage::from_fn(60, 80, |x, y| {
        let on = (15..45).contains(&x) && (10..14).contains(&y)
            || (x as i32 - 44 + (y as i32 - 12) / 3).abs() < 3 && (12..70).contains(&y);
        image::Luma([if on { 20 } else { 235 }])
    })
    .write_to(
        &mut std::io::Cursor::new(&mut good),
        image::ImageFormat::Png,
    )
    .unwrap();
    fs::write(d.join("seven.png"), &good).unwrap();
    fs::write(d.join("text.png"), b"this is not a picture").unwrap();
    fs::write(d.join("cut.png"), &good[..good.len() / 2]).unwrap();
    fs::write(d.join("bomb.png"), png_bomb(100_000, 100_000)).unwrap();
    fs::write(d.join("empty.png"), b"").unwrap();
    image::GrayImage::from_pixel(50, 50, image::Luma([255]))
        .save(d.join("white.png"))
        .unwrap();

    let m = model.to_str().unwrap();
    let files = [
        "text.png",
        "seven.png",
        "cut.png",
        "bomb.png",
        "empty.png",
        "white.png",
    ];
    let mut args = vec!["predict", "--model", m];
    args.extend(files);
    let o = nnzero(d, &args);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 5, "one line per bad file: {err}");
    for (line, (file, what)) in lines.iter().zip([
        ("text.png", "not a readable PNG or JPEG"),
        ("cut.png", "not a readable PNG or JPEG"),
        (
            "bomb.png",
            "100000×100000 pixels, larger than the 8192×8192 limit",
        ),
        ("empty.png", "not a readable PNG or JPEG"),
        ("white.png", "no digit found"),
    ]) {
        assert!(line.starts_with(&format!("error: {file}: ")), "{line}");
        assert!(line.contains(what), "{line:?} should say {what:?}");
    }
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.starts_with("seven.png\t"), "{out}");
}

#[test]
fn predict_saves_and_shows_the_prepared_digit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let model = small_model(d, "m.nnz", "1");
    // A 200×150 RGB photo-like picture: a dark ring (a zero) off centre on tinted paper.
    image::RgbImage::from_fn(200, 150, |x, y| {
        let r = ((x as f32 - 70.0).powi(2) / 900.0 + (y as f32 - 80.0).powi(2) / 1600.0).sqrt();
        if (r - 1.0).abs() < 0.12 {
            image::Rgb([30, 30, 90])
        } else {
            image::Rgb([240, 230, 200])
        }
    })
    .save(d.join("zero.png"))
    .unwrap();
    fs::create_dir(d.join("seen")).unwrap();
    let m = model.to_str().unwrap();
    let o = nnzero(
        d,
        &[
            "predict",
            "--model",
            m,
            "--save-prepared",
            "seen",
            "--show",
            "zero.png",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let seen = image::open(d.join("seen/zero.png")).unwrap().to_luma8();
    assert_eq!(seen.dimensions(), (28, 28));
    assert_eq!(
        seen.get_pixel(0, 0).0[0],
        0,
        "background is black, as in MNIST"
    );
    assert_eq!(
        seen.get_pixel(14, 14).0[0],
        0,
        "the zero's hole is background"
    );
    let out = stdout(&o);
    assert!(out.lines().next().unwrap().starts_with("zero.png\t"));
    assert!(out.contains('█') && out.contains('◀'), "{out}");
    assert_eq!(out.lines().count(), 1 + 28);
}

#[test]
fn rotations_and_augmentation_are_reproducible_and_change_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = |name: &str, extra: &[&str]| {
        let mut args = vec!["train", "--limit", "500", "--epochs", "2", "--save", name];
        args.extend(extra);
        let o = nnzero(d, &args);
        assert!(o.status.success(), "{}", stderr(&o));
        fs::read(d.join(name)).unwrap()
    };
    let plain = run("plain.nnz", &[]);
    let rotated = run("rot.nnz", &["--rotate", "10"]);
    let augmented = run("aug.nnz", &["--augment"]);
    assert_ne!(plain, rotated);
    assert_ne!(plain, augmented);
    assert_eq!(rotated, run("rot2.nnz", &["--rotate", "10"]));
    assert_eq!(augmented, run("aug2.nnz", &["--augment"]));
    assert_ne!(augmented, run("aug3.nnz", &["--augment", "--seed", "2"]));
    // --augment deskews and its model says so (version 2); --no-deskew gives a version 1
    // model of other weights; plain models stay version 1.
    assert_eq!((plain[4], rotated[4], augmented[4]), (1, 1, 2));
    let upright_off = run("aug4.nnz", &["--augment", "--no-deskew"]);
    assert_eq!(upright_off[4], 1);
    assert_ne!(upright_off[5..], augmented[5..]);
    let o = nnzero(d, &["train", "--no-deskew"]);
    assert_eq!(o.status.code(), Some(2), "--no-deskew needs --augment");
    // --augment mixes typeface, Semeion and Swiss digits in; each --no-… flag leaves its set
    // out, all three train on MNIST alone.
    let none = ["--augment", "--no-typefaces", "--no-semeion", "--no-swiss"];
    let alone = run("aug5.nnz", &none);
    assert_ne!(alone, augmented);
    assert_eq!(alone, run("aug6.nnz", &none));
    let typefaces_only = run("aug7.nnz", &["--augment", "--no-semeion", "--no-swiss"]);
    let semeion_only = run("aug8.nnz", &["--augment", "--no-typefaces", "--no-swiss"]);
    let swiss_only = run("aug9.nnz", &["--augment", "--no-typefaces", "--no-semeion"]);
    for one in [&typefaces_only, &semeion_only, &swiss_only] {
        assert_ne!(one, &alone);
    }
    assert_ne!(semeion_only, swiss_only);
    // The Semeion and Swiss digits come after the 754 typeface digits, and each epoch's go on
    // from the epoch before's, from the 6,000th (a tenth of MNIST's 60,000): the first epoch's
    // 45 of 500 records are typeface digits with or without the other two, the second's are
    // Swiss digits in the whole mix, typeface digits again (6,000 mod 754) without it.
    assert_ne!(typefaces_only, augmented);
    assert_ne!(semeion_only, augmented);
    for flag in ["--no-typefaces", "--no-semeion", "--no-swiss"] {
        let o = nnzero(d, &["train", flag]);
        assert_eq!(o.status.code(), Some(2), "{flag} needs --augment");
    }
    let o = nnzero(d, &["train", "--rotate", "100"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an angle over 90° is a usage error"
    );
}

/// `--augment=pi` is `Recipe::HANDWRITING_PI` (100 hidden nodes, one copy), `--augment=full` is
/// `--augment`: if the Pi-sized recipe changes, its models change and this fails.
#[test]
fn augment_pi_is_the_pi_sized_recipe() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = |name: &str, extra: &[&str]| {
        let mut args = vec!["train", "--limit", "300", "--epochs", "2", "--save", name];
        args.extend(extra);
        let o = nnzero(d, &args);
        assert!(o.status.success(), "{}", stderr(&o));
        (fs::read(d.join(name)).unwrap(), stderr(&o))
    };
    let (pi, said) = run("pi.nnz", &["--augment=pi"]);
    assert!(
        said.contains("training 784-100-10 (lr 0.1, seed 1)"),
        "{said}"
    );
    let by_hand = ["--augment", "--hidden", "100", "--augment-copies", "1"];
    assert_eq!(pi, run("by-hand.nnz", &by_hand).0);
    assert_ne!(
        pi,
        run("pi2.nnz", &["--augment=pi", "--augment-copies", "2"]).0
    );
    assert_eq!(
        run("full.nnz", &["--augment=full"]).0,
        run("plain.nnz", &["--augment"]).0
    );
    let o = nnzero(d, &["train", "--augment=tiny"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("possible values: full, pi"),
        "{}",
        stderr(&o)
    );
}

/// The first hour of a new user (issue 12): each of these once gave a puzzling message.
#[test]
fn a_new_users_first_mistakes_get_helpful_answers() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // `nnzero` is documented as `nnzero train`, options included.
    let o = nnzero(
        d,
        &[
            "--limit", "100", "--epochs", "1", "--hidden", "5", "--save", "x.nnz",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(d.join("x.nnz").exists());
    // clap took "-1" for an option ("unexpected argument '-1'"), and "0 is not in 1..1844…".
    for (args, says) in [
        (
            &["train", "--lr", "-1"][..],
            "\"-1\" is not a positive number",
        ),
        (&["--lr-final", "-0.5"], "\"-0.5\" is not a positive number"),
        (
            &["train", "--limit", "0"],
            "\"0\" is not a number of samples (1 or more)",
        ),
    ] {
        let o = nnzero(d, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
    // A missing model says how to make one.
    let o = nnzero(d, &["test", "--model", "none.nnz"]);
    assert_one_line_error(&o, "none.nnz: No such file");
    assert!(stderr(&o).contains("train a model first: nnzero train --save none.nnz"));
    // Commands and options of features this build lacks name the feature and the build.
    let missing = [
        (
            !cfg!(feature = "display"),
            &["demo", "--count", "5"][..],
            "display",
        ),
        (
            !cfg!(feature = "display"),
            &["train", "--display", "st7789"],
            "display",
        ),
        (!cfg!(feature = "web"), &["serve"], "web"),
        (!cfg!(feature = "web"), &["train", "--web=8080"], "web"),
    ];
    for (_, args, feature) in missing.iter().filter(|m| m.0) {
        let o = nnzero(d, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert!(
            err.contains(&format!("needs the `{feature}` feature"))
                && err.contains(&format!("cargo install --path . --features {feature}")),
            "{args:?}: {err}"
        );
    }
    // A real typo is still clap's own error.
    let o = nnzero(d, &["trian"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unrecognized subcommand"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn weights_normalised_globally_print_the_spread_of_the_nodes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    small_model(d, "m.nnz", "1");
    let o = nnzero(
        d,
        &[
            "weights",
            "--model",
            "m.nnz",
            "--normalise",
            "global",
            "-o",
            "w.png",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // "largest |w| per node 0.612..2.223": two different numbers, not "2.223..2.223".
    let out = stdout(&o);
    let range = out.split("per node ").nth(1).expect("range").trim();
    let (lo, hi) = range.split_once("..").expect("lo..hi");
    assert!(
        lo.parse::<f32>().unwrap() < hi.parse::<f32>().unwrap(),
        "{out}"
    );
}

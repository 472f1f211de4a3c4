//! `nnzero predict` and the preparation on the pictures that broke them (issue 9's five
//! defects, issue 10's finding 5): each test failed before the preparation was rewritten.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common;
use crate::common::pictures;
use common::{assert_ok, nnzero, stderr, stdout};
use nnzero::prepare::{prepare_file, Limits, PrepareError};

/// A quickly trained model: 3,000 images, one epoch.
fn small_model(dir: &Path) -> PathBuf {
    let o = nnzero(
        dir,
        &[
            "train", "--limit", "3000", "--epochs", "1", "--save", "m.nnz",
        ],
    );
    assert_ok(&o);
    dir.join("m.nnz")
}

/// Width and height of the non-zero part of a 28×28 digit.
fn extent(p: &[u8]) -> (usize, usize) {
    let (mut x0, mut y0, mut x1, mut y1) = (28, 28, 0, 0);
    for (i, &v) in p.iter().enumerate() {
        if v > 0 {
            (x0, y0, x1, y1) = (
                x0.min(i % 28),
                y0.min(i / 28),
                x1.max(i % 28 + 1),
                y1.max(i / 28 + 1),
            );
        }
    }
    (x1.saturating_sub(x0), y1.saturating_sub(y0))
}

/// How much of its box the ink fills: the same for a digit and its faithful 28×28 copy,
/// far less for the outline of a digit whose thick strokes were hollowed out.
fn fill(ink: impl Iterator<Item = f32>, (w, h): (usize, usize)) -> f32 {
    ink.sum::<f32>() / (w * h) as f32
}

#[test]
fn thick_strokes_are_solid_not_outlines() {
    // Defect 1: strokes of 30 and 40 px on a 320×320 page became a "U"-shaped outline.
    let dir = tempfile::tempdir().unwrap();
    for stroke in [10.0, 20.0, 30.0, 40.0] {
        let path = dir.path().join(format!("eight{stroke}.png"));
        pictures::thick_eight(stroke).save(&path).unwrap();
        let p = prepare_file(&path, Limits::default()).unwrap();
        let cover = pictures::eight(
            (320, 320),
            (110.0, 50.0, 210.0, 150.0),
            (100.0, 150.0, 220.0, 270.0),
            stroke,
        );
        let source = fill(cover.into_iter(), (120, 220));
        let prepared = fill(
            p.pixels.iter().map(|&v| v as f32 / 255.0),
            extent(&p.pixels),
        );
        assert!(
            prepared >= 0.75 * source,
            "stroke {stroke}: the prepared 8 fills {prepared:.2} of its box, the drawn one {source:.2}"
        );
        let (w, h) = extent(&p.pixels);
        assert!(
            (19..=21).contains(&h) && (10..=14).contains(&w),
            "stroke {stroke}: {w}×{h}"
        );
    }
}

#[test]
fn a_thin_pen_on_a_large_page_is_found() {
    // Defect 2: "no digit found" for an 8 px pen on a 1200×900 page (ink under 1 %).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("page.png");
    pictures::thin_pen_page().save(&path).unwrap();
    let p = prepare_file(&path, Limits::default()).unwrap();
    assert!(p.inverted);
    let (w, h) = extent(&p.pixels);
    assert!((19..=21).contains(&h) && (9..=13).contains(&w), "{w}×{h}");
}

#[test]
fn the_digit_is_found_on_a_sheet_on_a_desk() {
    // Defect 3: the sheet's edge against the desk was taken as the digit (a rectangle).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.jpg");
    pictures::save_jpeg(
        &image::DynamicImage::ImageRgb8(pictures::desk_photo()),
        &path,
    );
    let p = prepare_file(&path, Limits::default()).unwrap();
    let (w, h) = extent(&p.pixels);
    assert!(
        (19..=21).contains(&h) && w <= 7,
        "a 1 is tall and thin, not {w}×{h}"
    );
    assert!(p.inverted, "dark ink on the sheet");
}

/// Real scans (`tests/data/scans/`, CC0) of a thin pen's digit filling the picture: the widest
/// background window took the paper in a 3's bays for light ink (a white patch), and kept only
/// the bar of a 5 written in two strokes (a dash). Both are found whole, as dark ink.
#[test]
fn a_thin_pens_large_digit_is_found_whole_not_its_bays_or_a_piece() {
    let scans = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/scans");
    for name in ["thin-pen-3.png", "two-stroke-5.png"] {
        let p = prepare_file(&scans.join(name), Limits::default()).unwrap();
        assert!(p.inverted, "{name}: dark ink on light paper");
        let (w, h) = extent(&p.pixels);
        assert!(
            w.min(h) >= 10,
            "{name}: the whole digit, not a dash ({w}×{h})"
        );
        let solid = p.pixels.iter().filter(|&&v| v > 127).count() as f32 / (w * h) as f32;
        assert!(
            solid < 0.45,
            "{name}: strokes, not a patch ({solid:.2} of its box)"
        );
    }
}

#[test]
fn a_jpeg_cut_short_is_an_error_and_the_others_are_still_read() {
    // Defect 4: a truncated JPEG was read (a wrong answer, exit 0).
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let full = d.join("full.jpg");
    pictures::save_jpeg(
        &image::DynamicImage::ImageLuma8(pictures::thick_eight(20.0)),
        &full,
    );
    let bytes = fs::read(&full).unwrap();
    fs::write(d.join("cut.jpg"), &bytes[..bytes.len() * 6 / 10]).unwrap();
    let err = prepare_file(&d.join("cut.jpg"), Limits::default()).unwrap_err();
    assert!(matches!(err, PrepareError::Decode(_)), "{err}");
    assert!(err.to_string().contains("cut short"), "{err}");

    pictures::seven().save(d.join("seven.png")).unwrap();
    let model = small_model(d);
    let o = nnzero(
        d,
        &[
            "predict",
            "--model",
            model.to_str().unwrap(),
            "cut.jpg",
            "seven.png",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: cut.jpg: ") && err.contains("cut short"),
        "{err}"
    );
    assert!(stdout(&o).starts_with("seven.png\t"), "{}", stdout(&o));
}

#[test]
fn save_prepared_makes_its_folder_and_keeps_every_picture() {
    // Defect 5: a folder that did not exist was refused; photo7.png and photo7.jpg wrote
    // the same photo7.png.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let model = small_model(d);
    pictures::seven().save(d.join("photo7.png")).unwrap();
    pictures::save_jpeg(
        &image::DynamicImage::ImageLuma8(pictures::thick_eight(20.0)),
        &d.join("photo7.jpg"),
    );
    let o = nnzero(
        d,
        &[
            "predict",
            "--model",
            model.to_str().unwrap(),
            "--save-prepared",
            "new/seen",
            "photo7.png",
            "photo7.jpg",
        ],
    );
    assert_ok(&o);
    let png = image::open(d.join("new/seen/photo7.png.png"))
        .unwrap()
        .to_luma8();
    let jpg = image::open(d.join("new/seen/photo7.jpg.png"))
        .unwrap()
        .to_luma8();
    assert_eq!(png.dimensions(), (28, 28));
    assert_ne!(png, jpg, "two pictures, two prepared images");
    assert_eq!(fs::read_dir(d.join("new/seen")).unwrap().count(), 2);
}

#[test]
fn unsure_reads_are_marked_with_the_runner_up() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let model = small_model(d);
    pictures::seven().save(d.join("seven.png")).unwrap();
    // Two digits side by side: whatever the network answers, it should not be sure of it.
    let mut both = image::GrayImage::from_pixel(200, 100, image::Luma([235]));
    image::imageops::overlay(&mut both, &pictures::seven(), 20, 10);
    image::imageops::overlay(&mut both, &pictures::seven(), 110, 10);
    both.save(d.join("two.png")).unwrap();
    let o = nnzero(
        d,
        &[
            "predict",
            "--model",
            model.to_str().unwrap(),
            "--json",
            "seven.png",
        ],
    );
    assert_ok(&o);
    let json: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert!(json["unsure"].is_boolean(), "{json}");
    let second = json["runner_up"]["digit"].as_u64().unwrap();
    assert_ne!(second, json["digit"].as_u64().unwrap());
    assert!(
        json["runner_up"]["confidence"].as_f64().unwrap() <= json["confidence"].as_f64().unwrap()
    );
    // Text: a fourth column only when unsure, naming the runner-up.
    let o = nnzero(
        d,
        &[
            "predict",
            "--model",
            model.to_str().unwrap(),
            "seven.png",
            "two.png",
        ],
    );
    assert_ok(&o);
    for line in stdout(&o).lines() {
        let f: Vec<&str> = line.split('\t').collect();
        assert!(
            f.len() == 3 || (f.len() == 4 && f[3].starts_with("unsure: maybe ")),
            "{line}"
        );
    }
}

#[test]
fn single_read_is_the_books_query_and_the_default_reads_twice() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let model = small_model(d);
    pictures::seven().save(d.join("seven.png")).unwrap();
    let read = |extra: &[&str]| {
        let mut args = vec!["predict", "--model", model.to_str().unwrap(), "--json"];
        args.extend_from_slice(extra);
        args.push("seven.png");
        let o = nnzero(d, &args);
        assert_ok(&o);
        let json: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
        json
    };
    let (twice, once) = (read(&[]), read(&["--single-read"]));
    // The library's two ways of reading the prepared digit, bit for bit.
    let net = nnzero::format::model::load(&model).unwrap();
    let prepared = prepare_file(&d.join("seven.png"), Limits::default()).unwrap();
    for (json, reading) in [
        (&twice, nnzero::infer::test_time::Reading::Twice),
        (&once, nnzero::infer::test_time::Reading::Single),
    ] {
        let outputs = nnzero::infer::test_time::read(&net, &prepared.pixels, reading);
        let printed: Vec<f32> = json["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect();
        assert_eq!(printed, outputs, "{reading:?}");
    }
    assert_ne!(twice["outputs"], once["outputs"], "two reads are not one");
    assert_eq!(twice["digit"], once["digit"], "a clear 7 reads alike");
}

/// A PNG of `side`×`side` white pixels, streamed row by row (a few hundred KB).
fn white_png(path: &Path, side: u32) {
    let file = fs::File::create(path).unwrap();
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), side, side);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_compression(png::Compression::High);
    let mut writer = enc.write_header().unwrap();
    let mut stream = writer.stream_writer().unwrap();
    let row = vec![255u8; side as usize];
    for _ in 0..side {
        std::io::Write::write_all(&mut stream, &row).unwrap();
    }
    stream.finish().unwrap();
}

/// A 16×16 JPEG whose header is rewritten to claim `side`×`side`: its data ends long before.
fn jpeg_claiming(side: u16) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&image::DynamicImage::ImageLuma8(
            image::GrayImage::from_pixel(16, 16, image::Luma([200])),
        ))
        .unwrap();
    let sof = out.windows(2).position(|m| m == [0xFF, 0xC0]).unwrap();
    // SOF0: marker, length (2), precision (1), height (2), width (2).
    out[sof + 5..sof + 7].copy_from_slice(&side.to_be_bytes());
    out[sof + 7..sof + 9].copy_from_slice(&side.to_be_bytes());
    out
}

#[test]
fn huge_pictures_stay_within_a_small_memory_budget() {
    // Issue 10, finding 5: an all-white 8192² PNG took 1.38 GB, a 733-byte JPEG claiming
    // 8000×8000 took 1.3 GB and answered "9"; under 600 MB predict panicked. Here predict runs
    // with 300 MB of address space: each is one clear error line, and the next file is read.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    small_model(d);
    white_png(&d.join("white.png"), 8192);
    fs::write(d.join("claims.jpg"), jpeg_claiming(8000)).unwrap();
    pictures::seven().save(d.join("seven.png")).unwrap();
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v 300000 && exec '{}' predict --model m.nnz white.png claims.jpg seven.png",
            env!("CARGO_BIN_EXE_nnzero")
        ))
        .current_dir(d)
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("memory allocation"),
        "{err}"
    );
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].starts_with("error: white.png: no digit found"),
        "{err}"
    );
    assert!(
        lines[1].starts_with("error: claims.jpg: ") && lines[1].contains("cut short"),
        "{err}"
    );
    assert!(stdout(&o).starts_with("seven.png\t"), "{}", stdout(&o));
}

/// A JSON array of pixels.
fn pixels_of(v: &serde_json::Value) -> Vec<u8> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_u64().unwrap() as u8)
        .collect()
}

/// Issue 24: with a deskewing model (`--augment`), `--save-prepared`, `--show` and `--json`'s
/// `prepared` are the picture the network reads, stood upright, not the picture before
/// deskewing. A 1 leaning by a third of its height shows it.
#[test]
fn with_a_deskewing_model_the_prepared_digit_is_the_deskewed_one() {
    let dir = tempfile::tempdir().unwrap();
    let leaning = pictures::leaning_one();
    let pic = dir.path().join("leaning.png");
    leaning.save(&pic).unwrap();
    let prepared = prepare_file(&pic, Limits::default()).unwrap().pixels;
    let mut upright = [0u8; 784];
    nnzero::digits::deskew::deskew(&prepared, &mut upright, 28);
    assert_ne!(
        prepared, upright,
        "the picture must lean enough to be stood upright"
    );

    let (model, _) = common::augment_model();
    let m = model.to_str().unwrap();
    let out = nnzero(
        dir.path(),
        &[
            "predict",
            "--model",
            m,
            "--save-prepared",
            "seen",
            "leaning.png",
        ],
    );
    assert_ok(&out);
    let saved = image::open(dir.path().join("seen/leaning.png"))
        .unwrap()
        .to_luma8()
        .into_raw();
    assert_eq!(
        saved,
        upright.to_vec(),
        "--save-prepared saves what the network reads"
    );

    let json = stdout(&nnzero(
        dir.path(),
        &["predict", "--model", m, "--json", "leaning.png"],
    ));
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    let shown = pixels_of(&v["prepared"]);
    assert_eq!(
        shown,
        upright.to_vec(),
        "--json's prepared is what the network reads"
    );
    assert_eq!(v["deskewed"], true);

    // A model that does not deskew shows the picture as prepared.
    let book = small_model(dir.path());
    let json = stdout(&nnzero(
        dir.path(),
        &[
            "predict",
            "--model",
            book.to_str().unwrap(),
            "--json",
            "leaning.png",
        ],
    ));
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    let shown = pixels_of(&v["prepared"]);
    assert_eq!(shown, prepared.to_vec());
    assert_eq!(v["deskewed"], false);
}

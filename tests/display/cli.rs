//! `nnzero … --display`: a missing panel is one warning and the command still succeeds; PNG
//! frames are written for train, predict and demo; contradictory options are one-line errors.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common;
use common::stderr;

/// Runs `nnzero` here: every path the tests pass is absolute.
fn nnzero(args: &[&str]) -> Output {
    common::nnzero(Path::new("."), args)
}

fn dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn pngs(d: &Path) -> usize {
    std::fs::read_dir(d)
        .map(|r| {
            r.filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "png")
            })
            .count()
        })
        .unwrap_or(0)
}

/// A quick training run: the 10,000 test images, 16 hidden nodes, one epoch.
fn small_train(extra: &[&str], model: &Path) -> Output {
    let test = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist-test.blob.gz");
    let mut args = vec!["train", "--train", test, "--hidden", "16", "--epochs", "1"];
    args.extend(["--save", s(model)]);
    args.extend(extra);
    nnzero(&args)
}

#[test]
fn training_goes_on_without_an_absent_panel() {
    if Path::new("/dev/spidev0.0").exists() {
        return; // a Pi with SPI on: a panel may really be there
    }
    let d = dir("absent");
    let model = d.join("m.nnz");
    let out = small_train(&["--display", "st7789"], &model);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(model.exists());
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(
        warnings[0].starts_with("warning: display: cannot open /dev/spidev0.0: ")
            && warnings[0].ends_with("; going on without the display"),
        "{}",
        warnings[0]
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("epoch 1/1: test accuracy"));
}

#[test]
fn train_predict_and_demo_write_png_frames() {
    let d = dir("png");
    let model = d.join("m.nnz");
    let frames = d.join("train");
    let arg = format!("png:{}", s(&frames));
    let out = small_train(&["--display", &arg, "--fps", "50"], &model);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(pngs(&frames) >= 2, "{} frames", pngs(&frames));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));

    // Two 28×28 digits as PNG files, for predict.
    let mut images = Vec::new();
    for (i, v) in [(0, 255u8), (1, 128)] {
        let p = d.join(format!("digit{i}.png"));
        image::GrayImage::from_fn(28, 28, |x, _| image::Luma([if x == 14 { v } else { 0 }]))
            .save(&p)
            .unwrap();
        images.push(p);
    }
    let pf = d.join("predict");
    let arg = format!("png:{}", s(&pf));
    let out = nnzero(&[
        "predict",
        "--model",
        s(&model),
        "--display",
        &arg,
        "--size",
        "320x240",
        "--hold",
        "0.3",
        s(&images[0]),
        s(&images[1]),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
    let first = image::open(pf.join("frame-000001.png")).unwrap();
    assert_eq!((first.width(), first.height()), (320, 240));
    assert!(pngs(&pf) >= 2, "one frame per image: {}", pngs(&pf));

    let df = d.join("demo");
    let arg = format!("png:{}", s(&df));
    let out = nnzero(&[
        "demo",
        "--model",
        s(&model),
        "--count",
        "5",
        "--hold",
        "0.05",
        "--display",
        &arg,
        "--size",
        "128x64",
        "--fps",
        "100",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 5);
    // The first test digit is a 7: index, label, answer, confidence.
    assert!(lines[0].starts_with("0\t7\t"), "{}", lines[0]);
    assert!(pngs(&df) >= 1);
    let f = image::open(df.join("frame-000001.png"))
        .unwrap()
        .into_rgb8();
    assert_eq!(f.dimensions(), (128, 64));
    assert!(
        f.pixels()
            .all(|p| p.0 == [0, 0, 0] || p.0 == [255, 255, 255]),
        "mono frames are black and white"
    );
}

#[test]
fn contradictory_options_are_one_line_errors() {
    let d = dir("bad");
    let out = small_train(
        &["--display", "ssd1306", "--size", "240x240"],
        &d.join("m.nnz"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim_end(),
        "error: display: --size 240x240 does not suit ssd1306: it can be 128x64"
    );
    let out = nnzero(&["train", "--display", "st7735"]);
    assert_eq!(out.status.code(), Some(2), "a usage error");
    assert!(stderr(&out).contains("expected st7789, ili9341, ssd1306 or png:DIR"));
    let out = nnzero(&["train", "--display", "st7789", "--display-rotate", "45"]);
    assert_eq!(out.status.code(), Some(2));
}

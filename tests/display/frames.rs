//! Golden frames of every layout, and the promise that drawing only the changes gives the same
//! picture as drawing everything.
//!
//! Each frame is drawn from a fixed snapshot (real MNIST test digits, fixed outputs and
//! counters) and compared pixel for pixel with `tests/data/golden/<name>.png`. On a mismatch the
//! test says how many pixels differ and where, and writes the new frame and a diff picture
//! (differences in red) under `target/tmp/golden/`. After a deliberate change of the screen,
//! look at those, then re-bless all frames with one command:
//!
//! ```sh
//! BLESS=1 cargo test --features display --test display frames::
//! ```

use std::path::{Path, PathBuf};

use embedded_graphics::pixelcolor::Rgb565;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;
use embedded_graphics::Pixel;
use nnzero::dataset::Dataset;
use nnzero::digits::mnist::PIXELS;
use nnzero::live::display::framebuffer::Framebuffer;
use nnzero::live::display::layout::{Layout, COMPACT, SQUARE, WIDE};
use nnzero::live::display::{Phase, Screen, Snapshot};

/// The first `n` digits of the bundled MNIST test set: 7, 2, 1, 0, 4, 1, 4, 9, …
fn digits(n: usize) -> Vec<(u8, [u8; PIXELS])> {
    let data = Dataset::bundled_test().expect("bundled test set");
    let mut stream = data.stream().expect("stream");
    let mut out = Vec::new();
    while let Some((label, pixels)) = stream.next_record().expect("record") {
        out.push((label, pixels.try_into().expect("28×28")));
        if out.len() == n {
            break;
        }
    }
    out
}

/// Mid-training: epoch 2 of 5, a 7 answered right, with a 9 and a 2 in the running.
fn mid_training() -> Snapshot {
    let (label, pixels) = digits(1)[0];
    Snapshot {
        pixels,
        label: Some(label),
        outputs: [0.01, 0.02, 0.09, 0.03, 0.01, 0.02, 0.004, 0.93, 0.05, 0.21],
        phase: Phase::Training {
            epoch: 2,
            epochs: 5,
        },
        done: 31_415,
        total: 60_000,
        right: 29_844,
        seen: 31_415,
        test: Some(0.9572),
        rate: Some(27_142.0),
    }
}

/// Scoring after epoch 1: a 4 taken for a 9.
fn testing_wrong() -> Snapshot {
    let (label, pixels) = digits(5)[4];
    assert_eq!(label, 4);
    Snapshot {
        pixels,
        label: Some(label),
        outputs: [0.0, 0.01, 0.0, 0.02, 0.38, 0.01, 0.0, 0.07, 0.01, 0.61],
        phase: Phase::Testing {
            epoch: 1,
            epochs: 5,
        },
        done: 60_000,
        total: 60_000,
        right: 54_120,
        seen: 60_000,
        test: None,
        rate: Some(26_480.0),
    }
}

/// `nnzero predict`: image 2 of 3, label unknown.
fn predicting() -> Snapshot {
    let (_, pixels) = digits(2)[1];
    Snapshot {
        pixels,
        label: None,
        outputs: [0.02, 0.01, 0.97, 0.04, 0.0, 0.0, 0.03, 0.01, 0.02, 0.0],
        phase: Phase::Predict,
        done: 2,
        total: 3,
        ..Snapshot::default()
    }
}

/// `nnzero demo`: digit 3 of the test set, 3 right so far.
fn demo() -> Snapshot {
    let (label, pixels) = digits(3)[2];
    Snapshot {
        pixels,
        label: Some(label),
        outputs: [0.0, 0.95, 0.02, 0.01, 0.03, 0.0, 0.01, 0.04, 0.06, 0.0],
        phase: Phase::Demo,
        done: 3,
        total: 10_000,
        right: 3,
        seen: 3,
        ..Snapshot::default()
    }
}

fn render(layout: &'static Layout, snap: &Snapshot) -> Framebuffer {
    let mut fb = Framebuffer::new(layout.size, layout.theme.dither);
    let Ok(()) = Screen::new(layout).draw(snap, &mut fb);
    fb
}

fn out_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("golden")
}

/// Compares `frame` with `tests/data/golden/<name>.png`, or writes it there with `BLESS=1`.
fn golden(name: &str, frame: &Framebuffer) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/golden/{name}.png"));
    let actual = frame.to_image();
    if std::env::var_os("BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        actual.save(&path).unwrap();
        return;
    }
    let expected = match image::open(&path) {
        Ok(img) => img.into_rgb8(),
        Err(e) => panic!(
            "{}: {e}\nrun `BLESS=1 cargo test --features display --test display frames::` to create it",
            path.display()
        ),
    };
    let dir = out_dir();
    std::fs::create_dir_all(&dir).unwrap();
    if expected.dimensions() != actual.dimensions() {
        actual.save(dir.join(format!("{name}.actual.png"))).unwrap();
        panic!(
            "{name}: frame is {:?}, golden is {:?}",
            actual.dimensions(),
            expected.dimensions()
        );
    }
    let mut diff = image::RgbImage::new(actual.width(), actual.height());
    let mut differ = Vec::new();
    for (x, y, a) in actual.enumerate_pixels() {
        let e = expected.get_pixel(x, y);
        if a != e {
            differ.push((x, y, *e, *a));
            diff.put_pixel(x, y, image::Rgb([255, 0, 0]));
        } else {
            // The frame, dimmed, so the red stands out.
            diff.put_pixel(x, y, image::Rgb(a.0.map(|v| v / 4)));
        }
    }
    if differ.is_empty() {
        return;
    }
    let actual_path = dir.join(format!("{name}.actual.png"));
    let diff_path = dir.join(format!("{name}.diff.png"));
    actual.save(&actual_path).unwrap();
    diff.save(&diff_path).unwrap();
    let (x0, x1) = (
        differ.iter().map(|d| d.0).min(),
        differ.iter().map(|d| d.0).max(),
    );
    let (y0, y1) = (
        differ.iter().map(|d| d.1).min(),
        differ.iter().map(|d| d.1).max(),
    );
    let first: Vec<String> = differ
        .iter()
        .take(5)
        .map(|(x, y, e, a)| format!("({x},{y}) golden {:?} now {:?}", e.0, a.0))
        .collect();
    panic!(
        "{name}: {} pixel(s) differ from {}, within x {:?}..={:?}, y {:?}..={:?}\n  {}\n\
         new frame: {}\ndiff (red): {}\nif the change is meant: BLESS=1 cargo test --features display --test display frames::",
        differ.len(),
        path.display(),
        x0.unwrap(),
        x1.unwrap(),
        y0.unwrap(),
        y1.unwrap(),
        first.join("\n  "),
        actual_path.display(),
        diff_path.display(),
    );
}

#[test]
fn golden_mid_training_every_layout() {
    let snap = mid_training();
    for layout in [&SQUARE, &WIDE, &COMPACT] {
        golden(&format!("train-{}", layout.name), &render(layout, &snap));
    }
}

#[test]
fn golden_wrong_answer_while_testing() {
    golden("testing-wrong-240x240", &render(&SQUARE, &testing_wrong()));
    golden("testing-wrong-128x64", &render(&COMPACT, &testing_wrong()));
}

#[test]
fn golden_predict_and_demo() {
    golden("predict-320x240", &render(&WIDE, &predicting()));
    golden("demo-240x240", &render(&SQUARE, &demo()));
    golden("demo-128x64", &render(&COMPACT, &demo()));
}

#[test]
fn golden_after_training() {
    let mut snap = mid_training();
    (snap.phase, snap.done, snap.right, snap.seen) =
        (Phase::Trained { epochs: 5 }, 60_000, 58_260, 60_000);
    snap.test = Some(0.9733);
    golden("trained-320x240", &render(&WIDE, &snap));
}

/// A draw target that counts pixels and passes them on.
struct Counting<'a> {
    inner: &'a mut Framebuffer,
    pixels: u64,
}

impl Dimensions for Counting<'_> {
    fn bounding_box(&self) -> Rectangle {
        self.inner.bounding_box()
    }
}

impl DrawTarget for Counting<'_> {
    type Color = Rgb565;
    type Error = core::convert::Infallible;
    fn draw_iter<I: IntoIterator<Item = Pixel<Rgb565>>>(
        &mut self,
        it: I,
    ) -> Result<(), Self::Error> {
        let mut n = 0;
        let r = self.inner.draw_iter(it.into_iter().inspect(|_| n += 1));
        self.pixels += n;
        r
    }
}

/// Frame after frame of a real sequence of digits, drawn incrementally on one screen, must
/// equal each snapshot drawn afresh, while sending far fewer pixels.
#[test]
fn drawing_only_changes_gives_the_same_frames() {
    let ds = digits(12);
    let snaps: Vec<Snapshot> = ds
        .iter()
        .enumerate()
        .map(|(i, (label, pixels))| {
            let mut s = mid_training();
            s.pixels = *pixels;
            s.label = Some(*label);
            // Outputs that move, an answer that is sometimes wrong.
            for (k, o) in s.outputs.iter_mut().enumerate() {
                *o = ((k * 7 + i * 3) % 10) as f32 / 10.0;
            }
            s.outputs[*label as usize] = if i % 3 == 0 { 0.5 } else { 0.95 };
            s.done += 250 * i as u64;
            s.right += 240 * i as u64;
            s.seen += 250 * i as u64;
            s.rate = Some(27_000.0 + i as f32 * 13.0);
            if i == 6 {
                s.phase = Phase::Testing {
                    epoch: 2,
                    epochs: 5,
                };
                s.test = Some(0.9669);
            }
            s
        })
        .collect();
    for layout in [&SQUARE, &WIDE, &COMPACT] {
        let mut fb = Framebuffer::new(layout.size, layout.theme.dither);
        let mut screen = Screen::new(layout);
        let (mut incremental, mut full) = (0u64, 0u64);
        for (i, snap) in snaps.iter().enumerate() {
            let mut target = Counting {
                inner: &mut fb,
                pixels: 0,
            };
            let Ok(()) = screen.draw(snap, &mut target);
            if i > 0 {
                incremental += target.pixels;
                let mut scratch = Framebuffer::new(layout.size, layout.theme.dither);
                let mut fresh = Counting {
                    inner: &mut scratch,
                    pixels: 0,
                };
                let Ok(()) = Screen::new(layout).draw(snap, &mut fresh);
                full += fresh.pixels;
            }
            assert!(
                fb == render(layout, snap),
                "{}: frame {i} drawn incrementally differs from a fresh drawing",
                layout.name
            );
        }
        assert!(
            incremental * 2 < full,
            "{}: incremental frames sent {incremental} pixels, whole ones {full}",
            layout.name
        );
    }
}

//! The display thread: training never waits for it, a panel that fails mid-run costs one
//! warning and nothing else, an absent one is a clean error, and frames are rate-limited.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use embedded_graphics::pixelcolor::Rgb565;
use embedded_graphics::prelude::*;
use embedded_graphics::Pixel;
use nnzero::live::display::framebuffer::Framebuffer;
use nnzero::live::display::layout::SQUARE;
use nnzero::live::display::{Config, Kind, Live, Panel, PanelError, Phase, Screen, Snapshot, Warn};

/// Collects warnings instead of printing them.
fn warnings() -> (Warn, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let warn: Warn = Arc::new(move |m: &str| sink.lock().unwrap().push(m.to_string()));
    (warn, seen)
}

/// A 240×240 panel that counts frames, can be held still, and fails from frame `fail_at` on.
struct FakePanel {
    flushes: Arc<AtomicU64>,
    fail_at: u64,
    hold: Arc<AtomicBool>,
}

impl OriginDimensions for FakePanel {
    fn size(&self) -> Size {
        Size::new(240, 240)
    }
}

impl DrawTarget for FakePanel {
    type Color = Rgb565;
    type Error = PanelError;
    fn draw_iter<I: IntoIterator<Item = Pixel<Rgb565>>>(
        &mut self,
        it: I,
    ) -> Result<(), PanelError> {
        while self.hold.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(1));
        }
        it.into_iter().for_each(drop);
        if self.flushes.load(Ordering::Relaxed) + 1 >= self.fail_at {
            return Err(PanelError::Io(
                "SPI write failed: I/O error (os error 5)".into(),
            ));
        }
        Ok(())
    }
}

impl Panel for FakePanel {
    fn flush(&mut self) -> Result<(), PanelError> {
        self.flushes.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

fn fake(fail_at: u64) -> (FakePanel, Arc<AtomicU64>, Arc<AtomicBool>) {
    let flushes = Arc::new(AtomicU64::new(0));
    let hold = Arc::new(AtomicBool::new(false));
    let p = FakePanel {
        flushes: Arc::clone(&flushes),
        fail_at,
        hold: Arc::clone(&hold),
    };
    (p, flushes, hold)
}

/// Feeds `n` samples as the trainer would.
fn train(live: &mut Live, epoch: u32, n: u64) {
    live.epoch_start(epoch, 2, n);
    let pixels = [128u8; 784];
    for i in 0..n {
        let mut outputs = [0.1f32; 10];
        outputs[(i % 10) as usize] = 0.9;
        live.sample(i, (i % 7) as u8, &pixels, &outputs);
    }
    live.epoch_end(0.9);
}

#[test]
fn a_panel_failing_mid_run_is_one_warning_and_training_goes_on() {
    let (panel, flushes, _) = fake(3);
    let (warn, said) = warnings();
    let mut live = Live::with_panel(panel, 200.0, warn).unwrap();
    // Train until the panel has failed (it fails on its third frame), then train on.
    let start = Instant::now();
    let mut epoch = 1;
    while !live.failed() {
        train(&mut live, epoch, 20_000);
        epoch += 1;
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the panel never failed"
        );
    }
    train(&mut live, epoch, 100_000);
    live.finish(Some(Phase::Trained { epochs: epoch }));
    let said = said.lock().unwrap();
    assert_eq!(said.len(), 1, "{said:?}");
    assert_eq!(
        said[0],
        "SPI write failed: I/O error (os error 5); going on without the display"
    );
    assert_eq!(
        flushes.load(Ordering::Relaxed),
        2,
        "two good frames, then nothing"
    );
}

#[test]
fn training_never_waits_for_a_stuck_panel() {
    let (panel, flushes, hold) = fake(u64::MAX);
    let (warn, said) = warnings();
    let mut live = Live::with_panel(panel, 50.0, warn).unwrap();
    // Let one frame through, then hold the panel mid-frame, as a very slow bus would.
    while flushes.load(Ordering::Relaxed) == 0 {
        live.sample(0, 1, &[0; 784], &[0.0; 10]);
        std::thread::yield_now();
    }
    hold.store(true, Ordering::Relaxed);
    let start = Instant::now();
    // A million samples and two epoch boundaries while the panel does not move.
    train(&mut live, 1, 500_000);
    train(&mut live, 2, 500_000);
    let took = start.elapsed();
    hold.store(false, Ordering::Relaxed);
    live.finish(None);
    assert!(took < Duration::from_secs(5), "training waited: {took:?}");
    assert!(said.lock().unwrap().is_empty());
}

#[test]
fn frames_are_rate_limited() {
    let (panel, flushes, _) = fake(u64::MAX);
    let (warn, _) = warnings();
    let mut live = Live::with_panel(panel, 10.0, warn).unwrap();
    let start = Instant::now();
    let mut i = 0;
    live.epoch_start(1, 1, u64::MAX);
    while start.elapsed() < Duration::from_millis(600) {
        live.sample(i, 3, &[7; 784], &[0.5; 10]);
        i += 1;
    }
    let frames = flushes.load(Ordering::Relaxed);
    live.finish(None);
    // 10 frames a second for 0.6 s: about 6, however many samples went by.
    assert!(
        (3..=9).contains(&frames),
        "{frames} frames in 0.6 s at --fps 10 ({i} samples)"
    );
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn png_frames_show_what_was_published() {
    let dir = temp_dir("live-png");
    let config = Config {
        kind: Kind::Png(dir.clone()),
        fps: 50.0,
        ..Config::default()
    };
    let (warn, said) = warnings();
    let mut live = Live::start(&config, warn).unwrap();
    let mut snap = Snapshot {
        phase: Phase::Demo,
        label: Some(5),
        done: 1,
        total: 2,
        ..Snapshot::default()
    };
    snap.pixels[14 * 28 + 14] = 255;
    snap.outputs[5] = 0.8;
    live.show(&snap);
    std::thread::sleep(Duration::from_millis(100));
    snap.done = 2;
    snap.outputs[3] = 0.9;
    live.show(&snap);
    let frames = live.finish(None).frames;
    assert!(said.lock().unwrap().is_empty());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len() as u64, frames);
    assert!(frames >= 2, "{frames} frames");
    // The last file is exactly the last snapshot.
    let last = image::open(files.last().unwrap()).unwrap().into_rgb8();
    let mut expected = Framebuffer::new(Size::new(240, 240), false);
    let Ok(()) = Screen::new(&SQUARE).draw(&snap, &mut expected);
    assert!(
        last == expected.to_image(),
        "last PNG is not the last snapshot"
    );
}

#[test]
fn an_absent_panel_is_a_clean_error() {
    let (warn, said) = warnings();
    if std::path::Path::new("/dev/spidev0.0").exists() {
        // On a Pi with SPI on, a panel may really be there; only check nothing panics.
        drop(Live::start(&Config::default(), warn));
        return;
    }
    let err = Live::start(&Config::default(), warn.clone())
        .err()
        .expect("no panel here");
    let msg = err.to_string();
    assert!(msg.starts_with("cannot open /dev/spidev0.0: "), "{msg}");
    assert!(!msg.contains('\n'));
    let oled = Config {
        kind: Kind::Ssd1306,
        i2c_bus: 250,
        ..Config::default()
    };
    let msg = Live::start(&oled, warn)
        .err()
        .expect("no I2C bus 250")
        .to_string();
    assert!(msg.starts_with("cannot open /dev/i2c-250: "), "{msg}");
    assert!(
        said.lock().unwrap().is_empty(),
        "opening errors are returned, not warned"
    );
}

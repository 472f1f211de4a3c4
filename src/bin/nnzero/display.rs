//! `--display …`: the options of the live screen, and the screen as a training observer.
//!
//! A display that cannot be opened (no panel, SPI off, not a Pi) is one warning line and the
//! command goes on without it; options that contradict each other are an error before any work.

use std::time::Duration;

use clap::Args;
use embedded_graphics::prelude::Size;
use nnzero::infer::eval::Confusion;
use nnzero::live::display::{stderr_warn, Config, Kind, Live, Phase, Snapshot};
use nnzero::run::{EpochRecord, Observer};

use crate::error::CliError;

/// A GPIO pin number, or `none` when the line is not wired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pin(pub Option<u8>);

impl std::str::FromStr for Pin {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s.eq_ignore_ascii_case("none") {
            return Ok(Pin(None));
        }
        match s.parse::<u8>() {
            Ok(n) if n <= 53 => Ok(Pin(Some(n))),
            _ => Err(format!("{s:?} is not a GPIO number (0–53) or none")),
        }
    }
}

fn parse_size(s: &str) -> Result<Size, String> {
    let bad = || format!("{s:?} is not WIDTHxHEIGHT, as in 240x240");
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    Ok(Size::new(
        w.parse().map_err(|_| bad())?,
        h.parse().map_err(|_| bad())?,
    ))
}

fn parse_rotate(s: &str) -> Result<u16, String> {
    match s {
        "0" | "90" | "180" | "270" => s.parse().map_err(|_| s.to_string()),
        _ => Err(format!("{s:?} is not 0, 90, 180 or 270")),
    }
}

fn parse_addr(s: &str) -> Result<u8, String> {
    let v = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u8::from_str_radix(hex, 16),
        None => s.parse(),
    };
    match v {
        Ok(a) if a < 0x80 => Ok(a),
        _ => Err(format!("{s:?} is not a 7-bit I2C address, as in 0x3c")),
    }
}

fn parse_fps(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 100.0 => Ok(v),
        _ => Err(format!(
            "{s:?} is not a number of frames per second (above 0, up to 100)"
        )),
    }
}

/// Options of the live screen. The defaults fit the Waveshare 1.3″ LCD HAT (240×240 ST7789).
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Live display (see the README's wiring tables)")]
pub struct DisplayArgs {
    /// Show it on a screen: st7789, ili9341, ssd1306, or png:DIR to write PNG frames to DIR.
    #[arg(long, value_name = "PANEL")]
    pub display: Option<Kind>,
    /// Screen size after rotation [default: 240x240 (st7789, png), 320x240 (ili9341), 128x64 (ssd1306)].
    #[arg(long, value_name = "WxH", value_parser = parse_size)]
    pub size: Option<Size>,
    /// Turn the picture clockwise by 0, 90, 180 or 270 degrees. (Not `--rotate`: on `train`
    /// that is the book's rotated training copies.)
    #[arg(long, value_name = "DEG", default_value = "0", value_parser = parse_rotate)]
    pub display_rotate: u16,
    /// SPI bus (0: /dev/spidev0.*).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub spi_bus: u8,
    /// SPI chip select (0: CE0 = GPIO 8, 1: CE1 = GPIO 7).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub spi_cs: u8,
    /// SPI clock in Hz.
    #[arg(long, value_name = "HZ", default_value_t = 32_000_000)]
    pub spi_hz: u32,
    /// Data/command GPIO (BCM number).
    #[arg(long, value_name = "GPIO", default_value_t = 25)]
    pub dc: u8,
    /// Reset GPIO, or none.
    #[arg(long, value_name = "GPIO", default_value = "27")]
    pub rst: Pin,
    /// Backlight GPIO, or none.
    #[arg(long, value_name = "GPIO", default_value = "24")]
    pub bl: Pin,
    /// I2C bus of an ssd1306 (1: /dev/i2c-1 on GPIO 2/3).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub i2c_bus: u8,
    /// I2C address of an ssd1306.
    #[arg(long, value_name = "ADDR", default_value = "0x3c", value_parser = parse_addr)]
    pub i2c_addr: u8,
    /// Frames per second at most (the trainer never waits for the screen).
    #[arg(long, value_name = "N", default_value = "4", value_parser = parse_fps)]
    pub fps: f32,
}

impl DisplayArgs {
    /// The display's configuration, `None` without `--display`; contradictory options are an
    /// error.
    pub fn config(&self) -> Result<Option<Config>, CliError> {
        let Some(kind) = self.display.clone() else {
            return Ok(None);
        };
        let config = Config {
            kind,
            size: self.size,
            rotate: self.display_rotate,
            spi_bus: self.spi_bus,
            spi_cs: self.spi_cs,
            spi_hz: self.spi_hz,
            dc: self.dc,
            rst: self.rst.0,
            bl: self.bl.0,
            i2c_bus: self.i2c_bus,
            i2c_addr: self.i2c_addr,
            fps: self.fps,
        };
        config.screen_size().map_err(CliError::Display)?;
        Ok(Some(config))
    }

    /// Opens the display, if one was asked for. One that cannot be opened is a warning and
    /// `None`: the command goes on without it.
    pub fn open(&self) -> Result<Option<Live>, CliError> {
        let Some(config) = self.config()? else {
            return Ok(None);
        };
        let warn = stderr_warn();
        match Live::start(&config, warn.clone()) {
            Ok(live) => Ok(Some(live)),
            Err(e) => {
                warn(&format!("{e}; going on without the display"));
                Ok(None)
            }
        }
    }
}

/// The live screen as a training observer.
pub struct TrainDisplay {
    live: Live,
}

impl TrainDisplay {
    /// Watches training on `live`.
    pub fn new(live: Live) -> Self {
        TrainDisplay { live }
    }

    /// Shows the end of training and stops drawing.
    pub fn finish(self, epochs: u32) {
        self.live.finish(Some(Phase::Trained { epochs }));
    }
}

impl Observer for TrainDisplay {
    /// After a resume the screen shows the last epoch's test accuracy again; the counters
    /// carry on from the sample the run stopped at.
    fn resumed(&mut self, _epoch: u32, _done: u64, log: &[EpochRecord]) {
        if let Some(last) = log.last() {
            self.live.epoch_end(last.accuracy() as f32);
        }
    }

    fn epoch_start(&mut self, epoch: u32, epochs: u32, samples: u64) {
        self.live.epoch_start(epoch, epochs, samples);
    }

    #[inline]
    fn sample(&mut self, _epoch: u32, index: u64, label: u8, pixels: &[u8], outputs: &[f32]) {
        self.live.sample(index, label, pixels, outputs);
    }

    fn epoch_end(&mut self, _epoch: u32, score: &Confusion, _took: Duration) {
        self.live.epoch_end(score.accuracy() as f32);
    }
}

/// Shows digits one after another (`predict`, `demo`), each for `hold`.
pub struct Viewer {
    live: Option<Live>,
    hold: Duration,
    snap: Snapshot,
}

impl Viewer {
    /// A viewer on `live` (nothing is shown when it is `None`), in `phase`.
    pub fn new(live: Option<Live>, hold: Duration, phase: Phase) -> Self {
        let snap = Snapshot {
            phase,
            ..Snapshot::default()
        };
        Viewer { live, hold, snap }
    }

    /// Shows digit `done` of `total` and waits `hold`, unless it is the `last` one.
    pub fn show(
        &mut self,
        (done, total): (u64, u64),
        label: Option<u8>,
        pixels: &[u8],
        outputs: &[f32],
        last: bool,
    ) {
        let Some(live) = self.live.as_mut() else {
            return;
        };
        let s = &mut self.snap;
        s.set_digit(pixels, outputs);
        (s.label, s.done, s.total) = (label, done, total);
        if let Some(right) = s.is_right() {
            s.seen += 1;
            s.right += u64::from(right);
        }
        live.show(s);
        if !last && !live.failed() {
            std::thread::sleep(self.hold);
        }
    }

    /// Shows the next of `total` unlabelled images (as `predict` reads them).
    pub fn show_next(&mut self, total: u64, pixels: &[u8], outputs: &[f32]) {
        let done = self.snap.done + 1;
        self.show((done, total), None, pixels, outputs, done >= total);
    }

    /// Draws the last digit and stops.
    pub fn finish(self) {
        if let Some(live) = self.live {
            live.finish(None);
        }
    }
}

/// Seconds as a `Duration`, for `--hold`.
pub fn parse_seconds(s: &str) -> Result<Duration, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=3600.0).contains(&v) => Ok(Duration::from_secs_f64(v)),
        _ => Err(format!("{s:?} is not a number of seconds (0–3600)")),
    }
}

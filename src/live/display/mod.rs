//! # The live display: watch the network learn on a small screen
//!
//! Feature `display`. A Raspberry Pi with a small SPI or I2C screen on its header shows, while
//! it trains: the digit it is learning from right now (scaled up), its label, the network's
//! answer with ten confidence bars, the epoch and how far it has got, the running accuracy of
//! this epoch and the last epoch's test accuracy, and samples per second. `nnzero predict
//! --display …` and `nnzero demo` use the same screen. Without hardware, `png:DIR` writes the
//! frames as PNG files.
//!
//! ## Panels and wiring
//!
//! Pin numbers are BCM GPIO numbers (not header pin numbers). The defaults are those of the
//! **Waveshare 1.3″ LCD HAT** (240×240 ST7789), the most common screen HAT; a bare ST7789 or
//! ILI9341 module wired to the same pins needs no flags either.
//!
//! | panel | `--display` | size | SPI/I2C | DC | RST | backlight | flags |
//! |---|---|---|---|---|---|---|---|
//! | Waveshare 1.3″ LCD HAT | `st7789` | 240×240 | SPI0 CE0 | 25 | 27 | 24 | none |
//! | Pimoroni Pirate Audio (1.3″) | `st7789` | 240×240 | SPI0 CE1 | 9 | none | 13 | `--spi-cs 1 --dc 9 --rst none --bl 13` |
//! | Pimoroni Display HAT Mini (2″) | `st7789` | 320×240 | SPI0 CE1 | 9 | none | 13 | `--size 320x240 --spi-cs 1 --dc 9 --rst none --bl 13` |
//! | ILI9341 2.2–2.8″ module | `ili9341` | 320×240 | SPI0 CE0 | 25 | 27 | 24 | none (wire it so) |
//! | SSD1306 0.96″ OLED | `ssd1306` | 128×64 | I2C1, 0x3C | – | – | – | `--i2c-addr 0x3d` for the other address |
//!
//! A bare SPI module: VCC to 3.3 V (pin 1), GND to pin 6, SDA/MOSI/DIN to GPIO 10 (pin 19),
//! SCL/SCK/CLK to GPIO 11 (pin 23), CS to CE0 = GPIO 8 (pin 24), DC to GPIO 25 (pin 22),
//! RST to GPIO 27 (pin 13), BL/LED to GPIO 24 (pin 18). An SSD1306: VCC 3.3 V, GND, SDA to
//! GPIO 2 (pin 3), SCL to GPIO 3 (pin 5).
//!
//! ## Setting up the Pi
//!
//! In `/boot/firmware/config.txt` (`/boot/config.txt` before Raspberry Pi OS Bookworm):
//!
//! ```text
//! dtparam=spi=on       # /dev/spidev0.0 and /dev/spidev0.1, for the ST7789 and ILI9341
//! dtparam=i2c_arm=on   # /dev/i2c-1, for the SSD1306
//! ```
//!
//! then reboot. Your user needs the `spi`, `i2c` and `gpio` groups (the default user has them).
//!
//! ## Clock speeds
//!
//! `--spi-hz` defaults to 32 MHz: a full 240×240 frame (115 KB) takes about 30 ms, and since
//! only what changed is redrawn a typical frame takes a third of that. The Pi divides its core
//! clock, so the real speed may be a little lower. ST7789s usually manage 62.5 MHz; ILI9341s
//! are specified for 10 MHz but most run at 32. Long jumper wires or a garbled picture: try
//! `--spi-hz 16000000`.
//!
//! ## Transfers
//!
//! Linux's spidev driver refuses transfers larger than its `bufsiz` parameter, 4096 bytes by
//! default (`/sys/module/spidev/parameters/bufsiz`). Pixels therefore go out in chunks of at
//! most [`mipi::SPI_CHUNK`] = 4096 bytes, so nothing needs changing on the Pi.
//!
//! ## What goes wrong
//!
//! A missing panel never stops training: nnzero prints one warning line and goes on.
//!
//! - `cannot open /dev/spidev0.0: No such file or directory`: SPI is off (see above), or not
//!   a Raspberry Pi.
//! - `… Permission denied`: add your user to the `spi`/`gpio`/`i2c` groups, log in again.
//! - `cannot open GPIO: …`: not a Raspberry Pi, or `/dev/gpiomem` is not readable.
//! - A panel that fails mid-run (unplugged, an I/O error): one warning, training carries on.
//! - Colours inverted (white background): the panel is not IPS; ST7789 inversion is on by
//!   default because the HATs above are IPS.
//! - Picture upside down: `--display-rotate 180`. Shifted by 80 rows on a 240×240 ST7789: it is
//!   a 240×320 controller; the offset is handled for all four rotations.
//! - A blank screen with the backlight on: wrong DC or CS pin (`--dc`, `--spi-cs`).
//!
//! ## Code map
//!
//! [`snapshot`] is what is shown, [`layout`] where, [`screen`] draws it (only what changed),
//! [`live`] runs it on its own thread, [`png`] writes frames, [`mipi`] configures the
//! ST7789/ILI9341 drivers, and `panel` (the only file that knows about `rppal`) opens the
//! real hardware.

pub mod framebuffer;
pub mod layout;
pub mod live;
pub mod mipi;
pub mod mono;
#[cfg(target_os = "linux")]
mod panel;
pub mod png;
pub mod screen;
pub mod snapshot;
pub mod target;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use embedded_graphics::prelude::Size;

pub use layout::Layout;
pub use live::{stderr_warn, Live, Stats, Warn};
pub use screen::Screen;
pub use snapshot::{Phase, Snapshot};
pub use target::{Panel, PanelError};

/// Which screen to drive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// ST7789 over SPI: 240×240 1.3″ HATs, 320×240 2″ ones.
    St7789,
    /// ILI9341 over SPI: 320×240 2.2–2.8″ modules.
    Ili9341,
    /// SSD1306 over I2C: 128×64 monochrome OLEDs.
    Ssd1306,
    /// PNG files in a directory, one per frame.
    Png(PathBuf),
}

impl FromStr for Kind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "st7789" => Ok(Kind::St7789),
            "ili9341" => Ok(Kind::Ili9341),
            "ssd1306" => Ok(Kind::Ssd1306),
            _ => match s.strip_prefix("png:") {
                Some("") => Err("png: needs a directory, as in png:frames".into()),
                Some(dir) => Ok(Kind::Png(PathBuf::from(dir))),
                None => Err(format!(
                    "unknown display {s:?}: expected st7789, ili9341, ssd1306 or png:DIR"
                )),
            },
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::St7789 => write!(f, "st7789"),
            Kind::Ili9341 => write!(f, "ili9341"),
            Kind::Ssd1306 => write!(f, "ssd1306"),
            Kind::Png(dir) => write!(f, "png:{}", dir.display()),
        }
    }
}

/// Everything needed to open a display. [`Default`] is the Waveshare 1.3″ LCD HAT.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The panel.
    pub kind: Kind,
    /// The screen's size after rotation; `None` for the panel's usual one
    /// (240×240 for ST7789 and PNG, 320×240 for ILI9341, 128×64 for SSD1306).
    pub size: Option<Size>,
    /// Clockwise rotation in degrees: 0, 90, 180 or 270.
    pub rotate: u16,
    /// SPI bus (0 is `/dev/spidev0.*`).
    pub spi_bus: u8,
    /// SPI chip select (0 is CE0 = GPIO 8, 1 is CE1 = GPIO 7).
    pub spi_cs: u8,
    /// SPI clock in Hz.
    pub spi_hz: u32,
    /// Data/command GPIO (BCM numbering).
    pub dc: u8,
    /// Reset GPIO, `None` when not wired (a software reset is sent anyway).
    pub rst: Option<u8>,
    /// Backlight GPIO, `None` when the backlight is wired to 3.3 V.
    pub bl: Option<u8>,
    /// I2C bus for the SSD1306 (1 is `/dev/i2c-1`, GPIO 2/3).
    pub i2c_bus: u8,
    /// The SSD1306's I2C address (0x3C, or 0x3D).
    pub i2c_addr: u8,
    /// Frames per second at most.
    pub fps: f32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            kind: Kind::St7789,
            size: None,
            rotate: 0,
            spi_bus: 0,
            spi_cs: 0,
            spi_hz: 32_000_000,
            dc: 25,
            rst: Some(27),
            bl: Some(24),
            i2c_bus: 1,
            i2c_addr: 0x3C,
            fps: 4.0,
        }
    }
}

impl Config {
    /// The screen size, checked against what the panel can do.
    pub fn screen_size(&self) -> Result<Size, PanelError> {
        let size = self.size.unwrap_or(match self.kind {
            Kind::St7789 | Kind::Png(_) => Size::new(240, 240),
            Kind::Ili9341 => Size::new(320, 240),
            Kind::Ssd1306 => Size::new(128, 64),
        });
        let (w, h) = (size.width, size.height);
        let allowed: &[(u32, u32)] = match self.kind {
            Kind::St7789 => &[(240, 240), (320, 240)],
            Kind::Ili9341 => &[(320, 240)],
            Kind::Ssd1306 => &[(128, 64)],
            Kind::Png(_) => &[(240, 240), (320, 240), (128, 64)],
        };
        if !allowed.contains(&(w, h)) {
            let list: Vec<String> = allowed.iter().map(|(w, h)| format!("{w}x{h}")).collect();
            return Err(PanelError::Config(format!(
                "--size {w}x{h} does not suit {}: it can be {}",
                self.kind,
                list.join(" or ")
            )));
        }
        if !matches!(self.rotate, 0 | 90 | 180 | 270) {
            return Err(PanelError::Config(format!(
                "--display-rotate {} is not 0, 90, 180 or 270",
                self.rotate
            )));
        }
        let hardware = !matches!(self.kind, Kind::Png(_));
        if hardware && w != h && self.rotate % 180 != 0 {
            return Err(PanelError::Config(format!(
                "--display-rotate {} would stand the {w}x{h} screen on its side, and there is no \
                 {h}x{w} layout: use 0 or 180",
                self.rotate
            )));
        }
        if !(self.fps.is_finite() && self.fps > 0.0) {
            return Err(PanelError::Config(format!(
                "--fps {} is not a positive number",
                self.fps
            )));
        }
        Ok(size)
    }

    /// Whether the screen is black and white.
    pub fn mono(&self) -> bool {
        self.screen_size().is_ok_and(|s| s == Size::new(128, 64))
    }
}

/// Opens the configured panel on the display thread and runs it there.
fn open_and_run(config: &Config, host: live::Host) {
    let size = match config.screen_size() {
        Ok(s) => s,
        Err(e) => return host.run::<png::PngPanel>(Err(e)),
    };
    match &config.kind {
        Kind::Png(dir) => host.run(png::PngPanel::open(dir, size, config.mono())),
        #[cfg(target_os = "linux")]
        _ => panel::run(config, size, host),
        #[cfg(not(target_os = "linux"))]
        _ => host.run::<png::PngPanel>(Err(PanelError::Open {
            what: config.kind.to_string(),
            why: "hardware panels need Linux on a Raspberry Pi".into(),
            hint: "use png:DIR on this computer",
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_and_print() {
        for s in ["st7789", "ili9341", "ssd1306", "png:out/frames"] {
            assert_eq!(s.parse::<Kind>().unwrap().to_string(), s);
        }
        assert!("png:".parse::<Kind>().is_err());
        let e = "st7735".parse::<Kind>().unwrap_err();
        assert!(e.contains("st7789, ili9341, ssd1306 or png:DIR"), "{e}");
    }

    #[test]
    fn sizes_are_checked_against_the_panel() {
        let c = Config::default();
        assert_eq!(c.screen_size(), Ok(Size::new(240, 240)));
        let c = Config {
            kind: Kind::Ssd1306,
            ..Config::default()
        };
        assert_eq!(c.screen_size(), Ok(Size::new(128, 64)));
        assert!(c.mono());
        let bad = Config {
            size: Some(Size::new(240, 240)),
            ..c
        };
        let e = bad.screen_size().unwrap_err().to_string();
        assert_eq!(e, "--size 240x240 does not suit ssd1306: it can be 128x64");
        let side = Config {
            kind: Kind::Ili9341,
            rotate: 90,
            ..Config::default()
        };
        assert!(side
            .screen_size()
            .unwrap_err()
            .to_string()
            .contains("use 0 or 180"));
        let square = Config {
            rotate: 270,
            ..Config::default()
        };
        assert!(square.screen_size().is_ok());
    }
}

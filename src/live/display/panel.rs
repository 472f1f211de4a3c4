//! The real hardware on a Raspberry Pi: SPI, I2C and GPIO through `rppal`.
//!
//! The only file that knows about `rppal`. Everything is opened on the display thread, which
//! owns the panel (and its 4 KB transfer buffer) for as long as it runs; see
//! [the module docs](super) for wiring, `config.txt` and what goes wrong.
//!
//! The DC, reset and backlight pins are left as they are when nnzero exits (rppal would put
//! them back to inputs), so the last frame, the final accuracy, stays on the screen.

use std::io;

use embedded_graphics::prelude::Size;
use rppal::gpio::{Gpio, OutputPin};
use rppal::hal::Delay;
use rppal::i2c::I2c;
use rppal::spi::{Bus, Mode, SimpleHalSpiDevice, SlaveSelect, Spi};
use ssd1306::prelude::*;
use ssd1306::{I2CDisplayInterface, Ssd1306};

use super::live::Host;
use super::mipi::{self, SPI_CHUNK};
use super::mono::Mono;
use super::target::{Adapter, PanelError};
use super::{Config, Kind};

const SPI_HINT: &str = "enable SPI with dtparam=spi=on in /boot/firmware/config.txt and reboot";
const I2C_HINT: &str = "enable I2C with dtparam=i2c_arm=on in /boot/firmware/config.txt and reboot";
const GROUP_HINT: &str = "add your user to the spi, i2c and gpio groups, then log in again";

/// Opens the panel `config` describes and hands it to `host` to draw on until the end.
pub(super) fn run(config: &Config, size: Size, host: Host) {
    match config.kind {
        Kind::St7789 | Kind::Ili9341 => run_spi(config, size, host),
        Kind::Ssd1306 => run_i2c(config, host),
        Kind::Png(_) => unreachable_png(host),
    }
}

/// `png:` never reaches this file; should it, it is a configuration error, not a panic.
fn unreachable_png(host: Host) {
    host.run::<super::png::PngPanel>(Err(PanelError::Config(
        "png: is not a hardware panel".into(),
    )))
}

fn io_hint(e: &io::Error, device_hint: &'static str) -> &'static str {
    match e.kind() {
        io::ErrorKind::NotFound => device_hint,
        io::ErrorKind::PermissionDenied => GROUP_HINT,
        _ => "",
    }
}

fn open_spi(config: &Config) -> Result<Spi, PanelError> {
    let what = format!("/dev/spidev{}.{}", config.spi_bus, config.spi_cs);
    let bus = match config.spi_bus {
        0 => Bus::Spi0,
        1 => Bus::Spi1,
        2 => Bus::Spi2,
        3 => Bus::Spi3,
        4 => Bus::Spi4,
        5 => Bus::Spi5,
        6 => Bus::Spi6,
        n => return Err(PanelError::Config(format!("--spi-bus {n} is not 0–6"))),
    };
    let cs = match config.spi_cs {
        0 => SlaveSelect::Ss0,
        1 => SlaveSelect::Ss1,
        2 => SlaveSelect::Ss2,
        n => return Err(PanelError::Config(format!("--spi-cs {n} is not 0–2"))),
    };
    Spi::new(bus, cs, config.spi_hz, Mode::Mode0).map_err(|e| match e {
        rppal::spi::Error::Io(io) => PanelError::Open {
            what,
            hint: io_hint(&io, SPI_HINT),
            why: io.to_string(),
        },
        other => PanelError::Open {
            what,
            why: other.to_string(),
            hint: "",
        },
    })
}

fn gpio_error(what: String, e: rppal::gpio::Error) -> PanelError {
    let hint = match &e {
        rppal::gpio::Error::Io(io) => io_hint(io, ""),
        rppal::gpio::Error::PermissionDenied(_) => GROUP_HINT,
        rppal::gpio::Error::UnknownModel => "is this a Raspberry Pi?",
        _ => "",
    };
    PanelError::Open {
        what,
        why: e.to_string(),
        hint,
    }
}

/// An output pin that keeps its level when nnzero exits.
fn output(gpio: &Gpio, pin: u8, role: &str) -> Result<OutputPin, PanelError> {
    let mut p = gpio
        .get(pin)
        .map_err(|e| gpio_error(format!("GPIO {pin} ({role})"), e))?
        .into_output();
    p.set_reset_on_drop(false);
    Ok(p)
}

fn spi_bus_error(e: rppal::spi::Error) -> String {
    e.to_string()
}

fn run_spi(config: &Config, size: Size, host: Host) {
    let spi = match open_spi(config) {
        Ok(s) => s,
        Err(e) => return host.run::<super::png::PngPanel>(Err(e)),
    };
    let pins = Gpio::new()
        .map_err(|e| gpio_error("GPIO".into(), e))
        .and_then(|gpio| {
            let dc = output(&gpio, config.dc, "DC")?;
            let rst = config.rst.map(|p| output(&gpio, p, "RST")).transpose()?;
            let bl = config
                .bl
                .map(|p| output(&gpio, p, "backlight"))
                .transpose()?;
            Ok((dc, rst, bl))
        });
    let (dc, mut rst, mut bl) = match pins {
        Ok(p) => p,
        Err(e) => return host.run::<super::png::PngPanel>(Err(e)),
    };
    let mut delay = Delay::new();
    if let Some(rst) = rst.as_mut() {
        let Ok(()) = mipi::hard_reset(rst, &mut delay);
    }
    let spi = SimpleHalSpiDevice::new(spi);
    // The buffer lives on this thread's stack for as long as the panel does.
    let mut buf = [0u8; SPI_CHUNK];
    match config.kind {
        Kind::Ili9341 => {
            let d = mipi::ili9341(spi, dc, &mut buf, config.rotate, &mut delay)
                .map_err(|e| mipi::init_error(e, spi_bus_error));
            if let Some(bl) = bl.as_mut() {
                bl.set_high();
            }
            host.run(
                d.map(|d| Adapter::new(d, |e| PanelError::Io(map_spi(e)), super::target::no_flush)),
            );
        }
        _ => {
            let d = mipi::st7789(spi, dc, &mut buf, size, config.rotate, &mut delay)
                .map_err(|e| mipi::init_error(e, spi_bus_error));
            if let Some(bl) = bl.as_mut() {
                bl.set_high();
            }
            host.run(
                d.map(|d| Adapter::new(d, |e| PanelError::Io(map_spi(e)), super::target::no_flush)),
            );
        }
    }
    // The pins are dropped only now, when drawing has ended.
    drop((rst, bl));
}

type SpiIfError = mipidsi::interface::SpiError<rppal::spi::Error, core::convert::Infallible>;

fn map_spi(e: SpiIfError) -> String {
    mipi::spi_error(e, spi_bus_error)
}

fn run_i2c(config: &Config, host: Host) {
    let what = format!("/dev/i2c-{}", config.i2c_bus);
    let i2c = match I2c::with_bus(config.i2c_bus) {
        Ok(i) => i,
        Err(e) => {
            let hint = match &e {
                rppal::i2c::Error::Io(io) => io_hint(io, I2C_HINT),
                _ => "",
            };
            let why = match e {
                rppal::i2c::Error::Io(io) => io.to_string(),
                other => other.to_string(),
            };
            return host.run::<super::png::PngPanel>(Err(PanelError::Open { what, why, hint }));
        }
    };
    let rotation = if config.rotate == 180 {
        DisplayRotation::Rotate180
    } else {
        DisplayRotation::Rotate0
    };
    let interface = I2CDisplayInterface::new_custom_address(i2c, config.i2c_addr);
    let mut oled =
        Ssd1306::new(interface, DisplaySize128x64, rotation).into_buffered_graphics_mode();
    let addr = config.i2c_addr;
    let opened = oled.init().map_err(|e| PanelError::Open {
        what: format!("SSD1306 at {what} address {addr:#04x}"),
        why: format!("{e:?}"),
        hint: "check the wiring and the address (--i2c-addr 0x3d)",
    });
    host.run(opened.map(|()| {
        Adapter::new(
            Mono(oled),
            |e| PanelError::Io(format!("I2C write failed: {e:?}")),
            |m| {
                m.0.flush()
                    .map_err(|e| PanelError::Io(format!("I2C write failed: {e:?}")))
            },
        )
    }));
}

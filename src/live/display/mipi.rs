//! ST7789 and ILI9341 panels through `mipidsi`, over any embedded-hal 1.0 SPI device and pins.
//!
//! This is the panel set-up shared by the Raspberry Pi (`rppal`'s SPI and GPIO, see the
//! `panel` module) and the tests (a mock SPI bus): size, offsets, rotation, colour order and
//! inversion for each panel, the reset pulse, and the chunk size of pixel transfers.

use core::convert::Infallible;

use embedded_graphics::prelude::Size;
use embedded_hal::delay::DelayNs;
use embedded_hal::digital::OutputPin;
use embedded_hal::spi::SpiDevice;
use mipidsi::interface::{SpiError, SpiInterface};
use mipidsi::models::{ILI9341Rgb565, ST7789};
use mipidsi::options::{ColorInversion, ColorOrder, Orientation, Rotation};
use mipidsi::{Builder, InitError, NoResetPin};

use super::target::PanelError;

/// Largest SPI transfer, in bytes: Linux's spidev refuses longer ones unless its `bufsiz`
/// parameter is raised, and 4096 is its default. mipidsi sends pixels a buffer at a time, so
/// a buffer of this size is all it takes.
pub const SPI_CHUNK: usize = 4096;

/// A mipidsi display on an SPI interface, reset by [`hard_reset`] and a software reset.
pub type MipiDisplay<'b, SPI, DC, M> = mipidsi::Display<SpiInterface<'b, SPI, DC>, M, NoResetPin>;

/// What setting up a mipidsi display can fail with.
pub type MipiInitError<SPI, DC> = InitError<
    SpiError<
        <SPI as embedded_hal::spi::ErrorType>::Error,
        <DC as embedded_hal::digital::ErrorType>::Error,
    >,
    Infallible,
>;

fn rotation(degrees: u16) -> Rotation {
    match degrees % 360 {
        90 => Rotation::Deg90,
        180 => Rotation::Deg180,
        270 => Rotation::Deg270,
        _ => Rotation::Deg0,
    }
}

/// Pulses the reset line (≥ 10 µs low) and waits the 120 ms the controllers need before
/// taking commands. The drivers below send a software reset as well, so a panel whose reset
/// pin is not wired still starts from a known state.
pub fn hard_reset<RST: OutputPin>(
    rst: &mut RST,
    delay: &mut impl DelayNs,
) -> Result<(), RST::Error> {
    rst.set_high()?;
    delay.delay_us(20);
    rst.set_low()?;
    delay.delay_us(20);
    rst.set_high()?;
    delay.delay_ms(120);
    Ok(())
}

/// An ST7789: `size` 240×240 (1.3″, a window of the controller's 240×320) or 320×240 (2″,
/// natively 240×320 portrait, turned to landscape), `rotate` degrees clockwise on top.
///
/// Colour inversion is on: the IPS panels on these HATs show inverted colours without it.
/// `buf` must hold at least a few pixels; [`SPI_CHUNK`] bytes keeps every transfer within
/// spidev's limit.
pub fn st7789<'b, SPI, DC>(
    spi: SPI,
    dc: DC,
    buf: &'b mut [u8],
    size: Size,
    rotate: u16,
    delay: &mut impl DelayNs,
) -> Result<MipiDisplay<'b, SPI, DC, ST7789>, MipiInitError<SPI, DC>>
where
    SPI: SpiDevice,
    DC: OutputPin,
{
    let (w, h, base) = if size.width > size.height {
        (240, 320, 90)
    } else {
        (240, 240, 0)
    };
    Builder::new(ST7789, SpiInterface::new(spi, dc, buf))
        .display_size(w, h)
        .invert_colors(ColorInversion::Inverted)
        .color_order(ColorOrder::Rgb)
        .orientation(Orientation::new().rotate(rotation(base + rotate)))
        .init(delay)
}

/// An ILI9341 (240×320 portrait), turned to 320×240 landscape, `rotate` degrees on top.
///
/// These modules have BGR pixels and their glass mirrored against the controller's columns:
/// a mirrored orientation gives the same MADCTL as the usual drivers (0x28 at 0°).
pub fn ili9341<'b, SPI, DC>(
    spi: SPI,
    dc: DC,
    buf: &'b mut [u8],
    rotate: u16,
    delay: &mut impl DelayNs,
) -> Result<MipiDisplay<'b, SPI, DC, ILI9341Rgb565>, MipiInitError<SPI, DC>>
where
    SPI: SpiDevice,
    DC: OutputPin,
{
    let orientation = Orientation {
        rotation: rotation(90 + rotate),
        mirrored: true,
    };
    Builder::new(ILI9341Rgb565, SpiInterface::new(spi, dc, buf))
        .display_size(240, 320)
        .color_order(ColorOrder::Bgr)
        .orientation(orientation)
        .init(delay)
}

/// Turns a mipidsi set-up error into a [`PanelError`], the bus error described by `bus`.
pub fn init_error<S, D: core::fmt::Debug>(
    e: InitError<SpiError<S, D>, Infallible>,
    bus: impl Fn(S) -> String,
) -> PanelError {
    match e {
        InitError::Interface(e) => {
            PanelError::Io(format!("panel set-up failed: {}", spi_error(e, bus)))
        }
        InitError::ResetPin(never) => match never {},
        InitError::InvalidConfiguration(c) => {
            PanelError::Config(format!("panel set-up failed: {c:?}"))
        }
    }
}

/// Describes an SPI interface error, the bus error described by `bus`.
pub fn spi_error<S, D: core::fmt::Debug>(e: SpiError<S, D>, bus: impl Fn(S) -> String) -> String {
    match e {
        SpiError::Spi(e) => format!("SPI write failed: {}", bus(e)),
        SpiError::Dc(e) => format!("DC pin failed: {e:?}"),
    }
}

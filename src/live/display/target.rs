//! What the screen is drawn on: the [`Panel`] trait and its error.
//!
//! A panel is an embedded-graphics [`DrawTarget`] of RGB565 colours that can also be flushed
//! (buffered panels send their buffer then; `png:DIR` writes a file). Drivers keep their own
//! error types; [`Adapter`] turns any of them into a panel with a one-line [`PanelError`].

use core::convert::Infallible;
use core::fmt;

use embedded_graphics::pixelcolor::Rgb565;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;
use embedded_graphics::Pixel;

/// A screen to draw on: RGB565, errors as [`PanelError`], and a flush after each frame.
pub trait Panel: DrawTarget<Color = Rgb565, Error = PanelError> {
    /// Puts the frame drawn so far on the glass (or in a file). Unbuffered panels have nothing
    /// left to do.
    fn flush(&mut self) -> Result<(), PanelError> {
        Ok(())
    }
}

/// What can go wrong with a display. Its `Display` is one line, with a hint where one helps.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PanelError {
    /// The panel could not be opened (missing device, permission, not a Raspberry Pi).
    Open {
        /// What was being opened: "/dev/spidev0.0", "GPIO 25".
        what: String,
        /// Why not, as the system says it.
        why: String,
        /// What to do about it, or "".
        hint: &'static str,
    },
    /// Talking to the panel failed (an I/O error mid-run, a file that cannot be written).
    Io(String),
    /// The options do not make sense together (a size the panel cannot have).
    Config(String),
}

impl fmt::Display for PanelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PanelError::Open {
                what,
                why,
                hint: "",
            } => write!(f, "cannot open {what}: {why}"),
            PanelError::Open { what, why, hint } => write!(f, "cannot open {what}: {why} ({hint})"),
            PanelError::Io(why) => write!(f, "{why}"),
            PanelError::Config(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for PanelError {}

impl From<Infallible> for PanelError {
    fn from(e: Infallible) -> Self {
        match e {}
    }
}

/// Makes a [`Panel`] of any RGB565 draw target: `map` turns its errors into [`PanelError`]s and
/// `flush` sends a frame (a no-op for panels written directly).
pub struct Adapter<D: DrawTarget> {
    inner: D,
    map: fn(D::Error) -> PanelError,
    flush: fn(&mut D) -> Result<(), PanelError>,
}

impl<D: DrawTarget> Adapter<D> {
    /// Wraps `inner`.
    pub fn new(
        inner: D,
        map: fn(D::Error) -> PanelError,
        flush: fn(&mut D) -> Result<(), PanelError>,
    ) -> Self {
        Adapter { inner, map, flush }
    }

    /// The wrapped target.
    pub fn inner(&self) -> &D {
        &self.inner
    }

    /// The wrapped target, to change.
    pub fn inner_mut(&mut self) -> &mut D {
        &mut self.inner
    }
}

/// A `flush` for panels that have nothing to flush.
pub fn no_flush<D>(_: &mut D) -> Result<(), PanelError> {
    Ok(())
}

impl<D: DrawTarget> Dimensions for Adapter<D> {
    fn bounding_box(&self) -> Rectangle {
        self.inner.bounding_box()
    }
}

impl<D: DrawTarget<Color = Rgb565>> DrawTarget for Adapter<D> {
    type Color = Rgb565;
    type Error = PanelError;

    fn draw_iter<I>(&mut self, pixels: I) -> Result<(), PanelError>
    where
        I: IntoIterator<Item = Pixel<Rgb565>>,
    {
        self.inner.draw_iter(pixels).map_err(self.map)
    }

    fn fill_contiguous<I>(&mut self, area: &Rectangle, colors: I) -> Result<(), PanelError>
    where
        I: IntoIterator<Item = Rgb565>,
    {
        self.inner.fill_contiguous(area, colors).map_err(self.map)
    }

    fn fill_solid(&mut self, area: &Rectangle, color: Rgb565) -> Result<(), PanelError> {
        self.inner.fill_solid(area, color).map_err(self.map)
    }

    fn clear(&mut self, color: Rgb565) -> Result<(), PanelError> {
        self.inner.clear(color).map_err(self.map)
    }
}

impl<D: DrawTarget<Color = Rgb565>> Panel for Adapter<D> {
    fn flush(&mut self) -> Result<(), PanelError> {
        (self.flush)(&mut self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_one_line_with_hints() {
        let e = PanelError::Open {
            what: "/dev/spidev0.0".into(),
            why: "No such file or directory (os error 2)".into(),
            hint: "enable SPI with dtparam=spi=on in /boot/firmware/config.txt",
        };
        assert_eq!(
            e.to_string(),
            "cannot open /dev/spidev0.0: No such file or directory (os error 2) \
             (enable SPI with dtparam=spi=on in /boot/firmware/config.txt)"
        );
        assert!(!e.to_string().contains('\n'));
    }
}

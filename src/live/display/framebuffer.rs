//! A frame in memory: what a panel would show, pixel for pixel, to save as PNG or compare.

use embedded_graphics::pixelcolor::{BinaryColor, Rgb565, Rgb888};
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;
use embedded_graphics::Pixel;

/// An RGB565 frame in memory. With `mono`, every colour is stored as an OLED would show it
/// (black or white), so a picture of a monochrome layout is exactly what the panel shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Framebuffer {
    size: Size,
    mono: bool,
    pixels: Vec<Rgb565>,
}

impl Framebuffer {
    /// A black frame of `size`.
    pub fn new(size: Size, mono: bool) -> Self {
        Framebuffer {
            size,
            mono,
            pixels: vec![Rgb565::BLACK; (size.width * size.height) as usize],
        }
    }

    /// The colour at `p`, `None` outside.
    pub fn pixel(&self, p: Point) -> Option<Rgb565> {
        let (x, y) = (u32::try_from(p.x).ok()?, u32::try_from(p.y).ok()?);
        (x < self.size.width && y < self.size.height)
            .then(|| self.pixels[(y * self.size.width + x) as usize])
    }

    /// Every pixel, row by row: what `fill_contiguous` of the whole frame would send.
    pub fn colours(&self) -> impl Iterator<Item = Rgb565> + '_ {
        self.pixels.iter().copied()
    }

    /// The frame as an 8-bit RGB image.
    pub fn to_image(&self) -> image::RgbImage {
        image::RgbImage::from_fn(self.size.width, self.size.height, |x, y| {
            let c = Rgb888::from(self.pixels[(y * self.size.width + x) as usize]);
            image::Rgb([c.r(), c.g(), c.b()])
        })
    }
}

impl OriginDimensions for Framebuffer {
    fn size(&self) -> Size {
        self.size
    }
}

impl DrawTarget for Framebuffer {
    type Color = Rgb565;
    type Error = core::convert::Infallible;

    fn draw_iter<I>(&mut self, pixels: I) -> Result<(), Self::Error>
    where
        I: IntoIterator<Item = Pixel<Rgb565>>,
    {
        let (w, h) = (self.size.width as i32, self.size.height as i32);
        for Pixel(p, c) in pixels {
            if (0..w).contains(&p.x) && (0..h).contains(&p.y) {
                let c = if self.mono {
                    match BinaryColor::from(c) {
                        BinaryColor::On => Rgb565::WHITE,
                        BinaryColor::Off => Rgb565::BLACK,
                    }
                } else {
                    c
                };
                self.pixels[(p.y * w + p.x) as usize] = c;
            }
        }
        Ok(())
    }

    fn fill_solid(&mut self, area: &Rectangle, color: Rgb565) -> Result<(), Self::Error> {
        self.draw_iter(area.points().map(|p| Pixel(p, color)))
    }
}

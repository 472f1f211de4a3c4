//! Monochrome panels (SSD1306 OLEDs) behind the RGB565 screen: [`Mono`] turns each colour into
//! on or off by its brightness, so one layout code serves colour and monochrome alike.
//!
//! The compact layout only uses black and white (its digit is dithered), so nothing is lost.

use embedded_graphics::pixelcolor::{BinaryColor, Rgb565};
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;
use embedded_graphics::Pixel;

/// An RGB565 draw target over a black-and-white one: light colours (luma ≥ 50 %) are on.
#[derive(Debug)]
pub struct Mono<D>(pub D);

impl<D: DrawTarget<Color = BinaryColor>> Dimensions for Mono<D> {
    fn bounding_box(&self) -> Rectangle {
        self.0.bounding_box()
    }
}

impl<D: DrawTarget<Color = BinaryColor>> DrawTarget for Mono<D> {
    type Color = Rgb565;
    type Error = D::Error;

    fn draw_iter<I>(&mut self, pixels: I) -> Result<(), D::Error>
    where
        I: IntoIterator<Item = Pixel<Rgb565>>,
    {
        self.0
            .draw_iter(pixels.into_iter().map(|Pixel(p, c)| Pixel(p, c.into())))
    }

    fn fill_contiguous<I>(&mut self, area: &Rectangle, colors: I) -> Result<(), D::Error>
    where
        I: IntoIterator<Item = Rgb565>,
    {
        self.0
            .fill_contiguous(area, colors.into_iter().map(BinaryColor::from))
    }

    fn fill_solid(&mut self, area: &Rectangle, color: Rgb565) -> Result<(), D::Error> {
        self.0.fill_solid(area, color.into())
    }

    fn clear(&mut self, color: Rgb565) -> Result<(), D::Error> {
        self.0.clear(color.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_graphics::mock_display::MockDisplay;
    use embedded_graphics::primitives::{PrimitiveStyle, Rectangle};

    #[test]
    fn light_is_on_dark_is_off() {
        let mut d = Mono(MockDisplay::<BinaryColor>::new());
        Rectangle::new(Point::new(0, 0), Size::new(2, 1))
            .into_styled(PrimitiveStyle::with_fill(Rgb565::WHITE))
            .draw(&mut d)
            .unwrap();
        Rectangle::new(Point::new(0, 1), Size::new(2, 1))
            .into_styled(PrimitiveStyle::with_fill(Rgb565::new(4, 8, 4)))
            .draw(&mut d)
            .unwrap();
        d.0.assert_pattern(&["##", ".."]);
    }
}

//! Where everything goes on each supported screen size: geometry and colours, no drawing.
//!
//! Three layouts, chosen by the panel's size (after rotation):
//!
//! | size | for | digit | bars |
//! |---|---|---|---|
//! | 240×240 | 1.3″ ST7789 HATs (Waveshare, Pimoroni) | 28×28 at ×5 | ten rows beside it |
//! | 320×240 | 2″ ST7789 (Display HAT Mini), 2.4–2.8″ ILI9341 | ×7 | ten rows beside it |
//! | 128×64 | 0.96″/1.3″ SSD1306 OLEDs, monochrome | ×2, dithered | ten columns |
//!
//! Every text field has a fixed place and width in characters, and is always drawn with its
//! background: a new value overwrites the old one in a single pass (no flicker from clearing
//! first), and a mono font with a background colour reaches the panel as one rectangle per
//! glyph (`fill_contiguous`), not pixel by pixel.

use embedded_graphics::mono_font::{ascii, MonoFont};
use embedded_graphics::pixelcolor::Rgb565;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;

/// A text on the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// What is going on: "epoch 2/5", "testing 2/5", "image 3/7", "demo".
    Title,
    /// How far the epoch has got: "31415/60000".
    Count,
    /// The true digit: "label 7".
    Label,
    /// The network's answer and how sure it is: "says 7 98%".
    Answer,
    /// Running accuracy of this epoch and the last epoch's test accuracy.
    Accuracy,
    /// Samples per second.
    Rate,
}

/// Which side of its box a text keeps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text starts at the box's left edge.
    Left,
    /// Text ends at the box's right edge.
    Right,
}

/// A text field's place: top-left corner, font and width in characters.
#[derive(Debug, Clone, Copy)]
pub struct TextBox {
    /// Which text goes here.
    pub field: Field,
    /// Top-left corner of the box.
    pub at: Point,
    /// The font (fixed width).
    pub font: &'static MonoFont<'static>,
    /// Width of the box in characters: longer texts are shortened to fit.
    pub chars: usize,
    /// Left or right aligned within the box.
    pub align: Align,
}

impl TextBox {
    /// The pixels this field covers.
    pub fn area(&self) -> Rectangle {
        let c = self.font.character_size;
        let w = c.width * self.chars as u32 + self.font.character_spacing * (self.chars as u32);
        Rectangle::new(self.at, Size::new(w, c.height))
    }
}

/// Which way the confidence bars grow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// One row per digit, bars grow to the right, the digit's label on the left.
    Rows,
    /// One column per digit, bars grow upwards, the digit's label underneath.
    Columns,
}

/// The ten confidence bars.
#[derive(Debug, Clone, Copy)]
pub struct Bars {
    /// Rows or columns.
    pub direction: Direction,
    /// Top-left corner of the whole group (including the digit labels).
    pub at: Point,
    /// Distance from one bar to the next.
    pub pitch: u32,
    /// Thickness of a bar.
    pub thickness: u32,
    /// Length of a bar at output 1.0.
    pub length: u32,
    /// Font of the digits 0–9 labelling the bars.
    pub font: &'static MonoFont<'static>,
}

impl Bars {
    /// Where the label of bar `k` goes.
    pub fn label_at(&self, k: usize) -> Point {
        let c = self.font.character_size;
        match self.direction {
            Direction::Rows => {
                let row = self.at.y + (k as u32 * self.pitch) as i32;
                Point::new(self.at.x, row + (self.pitch as i32 - c.height as i32) / 2)
            }
            Direction::Columns => {
                let col = self.at.x + (k as u32 * self.pitch) as i32;
                Point::new(
                    col + (self.thickness as i32 - c.width as i32) / 2,
                    self.at.y + self.length as i32 + 1,
                )
            }
        }
    }

    /// The part of bar `k` from length `from` to length `to` (`from < to`), in pixels.
    pub fn segment(&self, k: usize, from: u32, to: u32) -> Rectangle {
        let c = self.font.character_size;
        let run = to.saturating_sub(from);
        match self.direction {
            Direction::Rows => {
                let x0 = self.at.x + c.width as i32 + 4;
                let y = self.at.y
                    + (k as u32 * self.pitch) as i32
                    + (self.pitch - self.thickness) as i32 / 2;
                Rectangle::new(
                    Point::new(x0 + from as i32, y),
                    Size::new(run, self.thickness),
                )
            }
            Direction::Columns => {
                let x = self.at.x + (k as u32 * self.pitch) as i32;
                let bottom = self.at.y + self.length as i32;
                Rectangle::new(
                    Point::new(x, bottom - to as i32),
                    Size::new(self.thickness, run),
                )
            }
        }
    }

    /// Bar length for an output value (clamped to 0..1), rounded to whole pixels.
    pub fn length_of(&self, output: f32) -> u32 {
        let v = if output.is_finite() {
            output.clamp(0.0, 1.0)
        } else {
            0.0
        };
        (v * self.length as f32).round() as u32
    }
}

/// The colours of a layout. Mono layouts use only black and white, so that the conversion to
/// an OLED's on/off pixels loses nothing.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    /// Background.
    pub background: Rgb565,
    /// Ordinary text.
    pub text: Rgb565,
    /// The answer when right.
    pub right: Rgb565,
    /// The answer when wrong.
    pub wrong: Rgb565,
    /// The answer when the true digit is unknown.
    pub neutral: Rgb565,
    /// Bars other than the answer's.
    pub bar: Rgb565,
    /// Labels of the bars.
    pub bar_label: Rgb565,
    /// Text and background of the true digit's bar label (it stands out).
    pub mark: (Rgb565, Rgb565),
    /// The progress bar's filled part and its track.
    pub progress: (Rgb565, Rgb565),
    /// Draw the digit in black and white (ordered dithering) instead of grey.
    pub dither: bool,
}

/// Colours for the colour panels.
pub const COLOUR: Theme = Theme {
    background: Rgb565::BLACK,
    text: Rgb565::WHITE,
    right: Rgb565::new(4, 58, 8),
    wrong: Rgb565::new(31, 12, 8),
    neutral: Rgb565::new(6, 50, 31),
    bar: Rgb565::new(10, 26, 22),
    bar_label: Rgb565::new(20, 40, 20),
    mark: (Rgb565::BLACK, Rgb565::new(31, 56, 0)),
    progress: (Rgb565::new(6, 50, 31), Rgb565::new(5, 10, 5)),
    dither: false,
};

/// Black and white for monochrome OLEDs.
pub const MONO: Theme = Theme {
    background: Rgb565::BLACK,
    text: Rgb565::WHITE,
    right: Rgb565::WHITE,
    wrong: Rgb565::WHITE,
    neutral: Rgb565::WHITE,
    bar: Rgb565::WHITE,
    bar_label: Rgb565::WHITE,
    mark: (Rgb565::BLACK, Rgb565::WHITE),
    progress: (Rgb565::WHITE, Rgb565::BLACK),
    dither: true,
};

/// A whole screen's geometry.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// A short name ("240x240"), used for golden files.
    pub name: &'static str,
    /// The screen's size in pixels.
    pub size: Size,
    /// Top-left corner of the digit.
    pub digit_at: Point,
    /// Each MNIST pixel becomes a `digit_scale`×`digit_scale` block.
    pub digit_scale: u32,
    /// The epoch's progress bar.
    pub progress: Rectangle,
    /// The confidence bars.
    pub bars: Bars,
    /// The text fields.
    pub texts: &'static [TextBox],
    /// The colours.
    pub theme: Theme,
}

impl Layout {
    /// The pixels the digit covers.
    pub fn digit_area(&self) -> Rectangle {
        let side = crate::digits::mnist::SIDE as u32 * self.digit_scale;
        Rectangle::new(self.digit_at, Size::new(side, side))
    }

    /// The layout for a screen of `width`×`height` pixels, if there is one.
    pub fn for_size(width: u32, height: u32) -> Option<&'static Layout> {
        LAYOUTS
            .iter()
            .find(|l| l.size == Size::new(width, height))
            .copied()
    }
}

const fn text(
    field: Field,
    x: i32,
    y: i32,
    font: &'static MonoFont<'static>,
    chars: usize,
    align: Align,
) -> TextBox {
    TextBox {
        field,
        at: Point::new(x, y),
        font,
        chars,
        align,
    }
}

use Align::{Left, Right};
use Field::*;

/// 240×240: title and count on top, progress bar, digit ×5 with the bars beside it, the label
/// and answer in a large font, then accuracy and speed.
pub const SQUARE: Layout = Layout {
    name: "240x240",
    size: Size::new(240, 240),
    digit_at: Point::new(4, 26),
    digit_scale: 5,
    progress: Rectangle::new(Point::new(4, 18), Size::new(232, 4)),
    bars: Bars {
        direction: Direction::Rows,
        at: Point::new(152, 26),
        pitch: 14,
        thickness: 10,
        length: 74,
        font: &ascii::FONT_6X10,
    },
    texts: &[
        text(Title, 4, 2, &ascii::FONT_8X13, 16, Left),
        text(Count, 132, 2, &ascii::FONT_8X13, 13, Right),
        text(Label, 4, 172, &ascii::FONT_10X20, 8, Left),
        text(Answer, 124, 172, &ascii::FONT_10X20, 11, Right),
        text(Accuracy, 4, 200, &ascii::FONT_8X13, 29, Left),
        text(Rate, 4, 220, &ascii::FONT_8X13, 29, Left),
    ],
    theme: COLOUR,
};

/// 320×240: as the square one with the digit ×7, the label, answer and bars in a column on
/// its right, and one status line at the bottom.
pub const WIDE: Layout = Layout {
    name: "320x240",
    size: Size::new(320, 240),
    digit_at: Point::new(4, 26),
    digit_scale: 7,
    progress: Rectangle::new(Point::new(4, 18), Size::new(312, 4)),
    bars: Bars {
        direction: Direction::Rows,
        at: Point::new(210, 72),
        pitch: 15,
        thickness: 11,
        length: 96,
        font: &ascii::FONT_6X10,
    },
    texts: &[
        text(Title, 4, 2, &ascii::FONT_8X13, 20, Left),
        text(Count, 212, 2, &ascii::FONT_8X13, 13, Right),
        text(Label, 210, 26, &ascii::FONT_10X20, 10, Left),
        text(Answer, 210, 48, &ascii::FONT_10X20, 10, Left),
        text(Accuracy, 4, 225, &ascii::FONT_8X13, 26, Left),
        text(Rate, 212, 225, &ascii::FONT_8X13, 13, Right),
    ],
    theme: COLOUR,
};

/// 128×64 monochrome: the digit ×2 on the left, bars as columns on the right with the texts
/// in small fonts, the progress bar along the bottom edge.
pub const COMPACT: Layout = Layout {
    name: "128x64",
    size: Size::new(128, 64),
    digit_at: Point::new(0, 3),
    digit_scale: 2,
    progress: Rectangle::new(Point::new(0, 62), Size::new(128, 2)),
    bars: Bars {
        direction: Direction::Columns,
        at: Point::new(63, 18),
        pitch: 6,
        thickness: 5,
        length: 22,
        font: &ascii::FONT_4X6,
    },
    texts: &[
        text(Title, 60, 0, &ascii::FONT_5X8, 13, Left),
        text(Label, 60, 9, &ascii::FONT_5X8, 5, Left),
        text(Answer, 88, 9, &ascii::FONT_5X8, 8, Right),
        text(Accuracy, 60, 48, &ascii::FONT_4X6, 17, Left),
        text(Rate, 60, 55, &ascii::FONT_4X6, 17, Left),
    ],
    theme: MONO,
};

/// All layouts, for [`Layout::for_size`].
pub const LAYOUTS: [&Layout; 3] = [&SQUARE, &WIDE, &COMPACT];

#[cfg(test)]
mod tests {
    use super::*;

    /// Everything inside the screen, and nothing on top of anything else: overlapping areas
    /// would make one change redraw (and flicker) another.
    #[test]
    fn areas_fit_and_do_not_overlap() {
        for l in LAYOUTS {
            let screen = Rectangle::new(Point::zero(), l.size);
            let mut areas = vec![("digit", l.digit_area()), ("progress", l.progress)];
            for k in 0..10 {
                let b = l.bars;
                areas.push(("bar", b.segment(k, 0, b.length)));
                let label = Rectangle::new(b.label_at(k), b.font.character_size);
                areas.push(("bar label", label));
            }
            for t in l.texts {
                areas.push(("text", t.area()));
            }
            for (i, (name, a)) in areas.iter().enumerate() {
                let inside = screen.intersection(a) == *a;
                assert!(inside, "{}: {name} {a:?} leaves the screen", l.name);
                for (other, b) in &areas[i + 1..] {
                    let o = a.intersection(b);
                    assert!(
                        o.size.width == 0 || o.size.height == 0,
                        "{}: {name} {a:?} overlaps {other} {b:?}",
                        l.name
                    );
                }
            }
        }
    }

    #[test]
    fn layouts_are_found_by_size() {
        assert_eq!(Layout::for_size(240, 240).map(|l| l.name), Some("240x240"));
        assert_eq!(Layout::for_size(320, 240).map(|l| l.name), Some("320x240"));
        assert_eq!(Layout::for_size(128, 64).map(|l| l.name), Some("128x64"));
        assert!(Layout::for_size(240, 320).is_none());
    }

    #[test]
    fn bar_lengths_clamp_and_round() {
        let b = SQUARE.bars;
        assert_eq!(b.length_of(0.0), 0);
        assert_eq!(b.length_of(1.5), 74);
        assert_eq!(b.length_of(0.5), 37);
        assert_eq!(b.length_of(f32::NAN), 0);
        assert_eq!(b.length_of(-1.0), 0);
    }
}

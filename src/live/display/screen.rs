//! Drawing a [`Snapshot`] onto any embedded-graphics [`DrawTarget`], redrawing only what
//! changed since the last frame.
//!
//! A panel on SPI is slow to write (a full 240×240 frame is 115 KB: about 30 ms at 32 MHz),
//! so [`Screen`] remembers what it drew last and sends only the difference: the digit's
//! changed rows and columns, the part of each bar that grew or shrank, the characters of a
//! text that changed. The first frame clears the screen and draws everything.
//!
//! Everything is drawn as filled rectangles (`fill_solid`, `fill_contiguous`): each reaches an
//! SPI panel as one address window and one stream of pixels.

use embedded_graphics::mono_font::{MonoTextStyle, MonoTextStyleBuilder};
use embedded_graphics::pixelcolor::Rgb565;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;
use embedded_graphics::text::{Baseline, Text};

use super::framebuffer::Framebuffer;
use super::layout::{Align, Field, Layout, TextBox};
use super::snapshot::{Phase, Snapshot};
use crate::digits::mnist::{CLASSES, PIXELS, SIDE};

/// What was drawn last, to draw only the difference next time.
#[derive(Debug, Clone)]
struct Drawn {
    pixels: [u8; PIXELS],
    texts: Vec<(String, Rgb565)>,
    bars: [(u32, Rgb565); CLASSES],
    marks: [bool; CLASSES],
    progress: u32,
}

/// A screen: a layout and what is on the glass now.
#[derive(Debug, Clone)]
pub struct Screen {
    layout: &'static Layout,
    drawn: Option<Drawn>,
}

impl Screen {
    /// A screen with this layout; the first [`draw`](Self::draw) clears it and draws everything.
    pub fn new(layout: &'static Layout) -> Self {
        Screen {
            layout,
            drawn: None,
        }
    }

    /// The layout.
    pub fn layout(&self) -> &'static Layout {
        self.layout
    }

    /// Forgets what is on the glass: the next frame is drawn whole.
    pub fn reset(&mut self) {
        self.drawn = None;
    }

    /// Draws `snap`, sending only what differs from the last frame drawn.
    ///
    /// If drawing fails part-way, the screen forgets what it drew, so the next frame is whole.
    pub fn draw<D>(&mut self, snap: &Snapshot, target: &mut D) -> Result<(), D::Error>
    where
        D: DrawTarget<Color = Rgb565>,
    {
        let drawn = self.drawn.take();
        let next = self.draw_from(drawn.as_ref(), snap, target)?;
        self.drawn = Some(next);
        Ok(())
    }

    fn draw_from<D>(
        &self,
        old: Option<&Drawn>,
        snap: &Snapshot,
        target: &mut D,
    ) -> Result<Drawn, D::Error>
    where
        D: DrawTarget<Color = Rgb565>,
    {
        let l = self.layout;
        let theme = &l.theme;
        if old.is_none() {
            target.fill_solid(&Rectangle::new(Point::zero(), l.size), theme.background)?;
        }

        // The digit: only the rows and columns that hold a changed pixel.
        let changed = match old {
            None => Some((0, SIDE - 1, 0, SIDE - 1)),
            Some(d) => changed_box(&d.pixels, &snap.pixels),
        };
        if let Some(box_) = changed {
            self.draw_digit(&snap.pixels, box_, target)?;
        }

        // Progress along the epoch.
        let width = l.progress.size.width;
        let fill = if snap.total > 0 {
            (snap.done.min(snap.total) as u128 * width as u128 / snap.total as u128) as u32
        } else {
            0
        };
        let (on, track) = theme.progress;
        let before = match old {
            Some(d) => d.progress,
            None => {
                target.fill_solid(&progress_part(l, fill, width), track)?;
                0
            }
        };
        if fill > before {
            target.fill_solid(&progress_part(l, before, fill), on)?;
        } else if fill < before {
            target.fill_solid(&progress_part(l, fill, before), track)?;
        }

        // The bars: colour of the answer's bar, and the part that grew or shrank.
        let answer = snap.answer();
        let answer_colour = match snap.is_right() {
            Some(true) => theme.right,
            Some(false) => theme.wrong,
            None => theme.neutral,
        };
        let bars = l.bars;
        let mut new_bars = [(0u32, theme.bar); CLASSES];
        for (k, bar) in new_bars.iter_mut().enumerate() {
            let len = bars.length_of(snap.outputs[k]);
            let colour = if k == answer {
                answer_colour
            } else {
                theme.bar
            };
            *bar = (len, colour);
            // After a clear, an empty bar of the right colour is on the glass.
            let (old_len, old_colour) = old.map_or((0, colour), |d| d.bars[k]);
            if colour != old_colour {
                target.fill_solid(&bars.segment(k, 0, len), colour)?;
            } else if len > old_len {
                target.fill_solid(&bars.segment(k, old_len, len), colour)?;
            }
            if len < old_len {
                target.fill_solid(&bars.segment(k, len, old_len), theme.background)?;
            }
        }

        // The bars' labels 0–9, the true digit's one marked.
        let mut marks = [false; CLASSES];
        for (k, mark) in marks.iter_mut().enumerate() {
            *mark = snap.label == Some(k as u8);
            if old.is_none_or(|d| d.marks[k] != *mark) {
                let (fg, bg) = if *mark {
                    theme.mark
                } else {
                    (theme.bar_label, theme.background)
                };
                let style = text_style(bars.font, fg, bg);
                let digit = [b'0' + k as u8];
                let s = core::str::from_utf8(&digit).unwrap_or("?");
                Text::with_baseline(s, bars.label_at(k), style, Baseline::Top).draw(target)?;
            }
        }

        // The texts: only the characters that changed.
        let mut texts = Vec::with_capacity(l.texts.len());
        for (i, tb) in l.texts.iter().enumerate() {
            let colour = match tb.field {
                Field::Answer => answer_colour,
                _ => theme.text,
            };
            let s = fit(tb, &candidates(tb.field, snap));
            let prev = old.and_then(|d| d.texts.get(i));
            let (from, to) = match prev {
                Some((p, c)) if *c == colour => match changed_chars(p, &s) {
                    Some(r) => r,
                    None => {
                        texts.push((s, colour));
                        continue;
                    }
                },
                _ => (0, tb.chars),
            };
            draw_text(tb, &s, from, to, colour, theme.background, target)?;
            texts.push((s, colour));
        }

        Ok(Drawn {
            pixels: snap.pixels,
            texts,
            bars: new_bars,
            marks,
            progress: fill,
        })
    }

    /// Draws MNIST rows `r0..=r1`, columns `c0..=c1` of the digit, scaled, as one rectangle.
    fn draw_digit<D>(
        &self,
        pixels: &[u8; PIXELS],
        (r0, r1, c0, c1): (usize, usize, usize, usize),
        target: &mut D,
    ) -> Result<(), D::Error>
    where
        D: DrawTarget<Color = Rgb565>,
    {
        let l = self.layout;
        let s = l.digit_scale as usize;
        let top_left = l.digit_at + Point::new((c0 * s) as i32, (r0 * s) as i32);
        let w = (c1 - c0 + 1) * s;
        let h = (r1 - r0 + 1) * s;
        let area = Rectangle::new(top_left, Size::new(w as u32, h as u32));
        let dither = l.theme.dither;
        let colours = (0..h).flat_map(move |dy| {
            (0..w).map(move |dx| {
                let v = pixels[(r0 + dy / s) * SIDE + c0 + dx / s];
                if dither {
                    // Screen coordinates, so neighbouring blocks continue the pattern.
                    let (x, y) = (top_left.x as usize + dx, top_left.y as usize + dy);
                    let threshold = BAYER[y % 4][x % 4] * 16 + 8;
                    if v > threshold {
                        Rgb565::WHITE
                    } else {
                        Rgb565::BLACK
                    }
                } else {
                    grey(v)
                }
            })
        });
        target.fill_contiguous(&area, colours)
    }
}

/// The 4×4 ordered-dithering matrix: 16 grey levels in black and white.
const BAYER: [[u8; 4]; 4] = [[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]];

/// A grey level as RGB565 (green has one bit more).
fn grey(v: u8) -> Rgb565 {
    Rgb565::new(v >> 3, v >> 2, v >> 3)
}

/// The progress bar from `from` to `to` pixels.
fn progress_part(l: &Layout, from: u32, to: u32) -> Rectangle {
    let p = l.progress;
    Rectangle::new(
        p.top_left + Point::new(from as i32, 0),
        Size::new(to.saturating_sub(from), p.size.height),
    )
}

/// The smallest box of MNIST rows and columns `(r0, r1, c0, c1)` holding every changed pixel.
fn changed_box(old: &[u8; PIXELS], new: &[u8; PIXELS]) -> Option<(usize, usize, usize, usize)> {
    let mut b: Option<(usize, usize, usize, usize)> = None;
    for (i, (a, z)) in old.iter().zip(new).enumerate() {
        if a != z {
            let (r, c) = (i / SIDE, i % SIDE);
            b = Some(match b {
                None => (r, r, c, c),
                Some((r0, r1, c0, c1)) => (r0.min(r), r1.max(r), c0.min(c), c1.max(c)),
            });
        }
    }
    b
}

/// The range of character positions where two texts of a field differ, if they do.
fn changed_chars(old: &str, new: &str) -> Option<(usize, usize)> {
    let (a, b): (Vec<char>, Vec<char>) = (old.chars().collect(), new.chars().collect());
    if a.len() != b.len() {
        return Some((0, b.len()));
    }
    let first = a.iter().zip(&b).position(|(x, y)| x != y)?;
    let last = a.iter().zip(&b).rposition(|(x, y)| x != y)?;
    Some((first, last + 1))
}

fn text_style(
    font: &'static embedded_graphics::mono_font::MonoFont<'static>,
    fg: Rgb565,
    bg: Rgb565,
) -> MonoTextStyle<'static, Rgb565> {
    // The background colour makes each glyph one filled rectangle that covers the old one.
    MonoTextStyleBuilder::new()
        .font(font)
        .text_color(fg)
        .background_color(bg)
        .build()
}

/// Draws characters `from..to` of the field's (padded) text.
///
/// The glyphs are drawn off-screen first and sent as one rectangle: one address window per
/// text instead of one per character (each window is three commands on an SPI panel).
fn draw_text<D>(
    tb: &TextBox,
    s: &str,
    from: usize,
    to: usize,
    fg: Rgb565,
    bg: Rgb565,
    target: &mut D,
) -> Result<(), D::Error>
where
    D: DrawTarget<Color = Rgb565>,
{
    let part: String = s.chars().skip(from).take(to - from).collect();
    let advance = tb.font.character_size.width + tb.font.character_spacing;
    let at = tb.at + Point::new((from as u32 * advance) as i32, 0);
    let size = Size::new(advance * (to - from) as u32, tb.font.character_size.height);
    let mut glyphs = Framebuffer::new(size, false);
    let style = text_style(tb.font, fg, bg);
    let Ok(_) = Text::with_baseline(&part, Point::zero(), style, Baseline::Top).draw(&mut glyphs);
    target.fill_contiguous(&Rectangle::new(at, size), glyphs.colours())
}

/// The first candidate that fits the box (else the last one cut short), padded to its width.
fn fit(tb: &TextBox, candidates: &[String]) -> String {
    let pick = candidates
        .iter()
        .find(|c| c.chars().count() <= tb.chars)
        .or(candidates.last());
    let s: String = pick.map_or(String::new(), |c| c.chars().take(tb.chars).collect());
    let pad = tb.chars - s.chars().count();
    match tb.align {
        Align::Left => format!("{s}{}", " ".repeat(pad)),
        Align::Right => format!("{}{s}", " ".repeat(pad)),
    }
}

fn percent(v: f64, decimals: usize) -> String {
    format!("{:.*}%", decimals, 100.0 * v)
}

/// What a field may say, longest first: the layout takes the first that fits.
fn candidates(field: Field, snap: &Snapshot) -> Vec<String> {
    let (done, total) = (snap.done, snap.total);
    match field {
        Field::Title => match snap.phase {
            Phase::Training { epoch, epochs } => vec![
                format!("epoch {epoch}/{epochs}"),
                format!("ep {epoch}/{epochs}"),
            ],
            Phase::Testing { epoch, epochs } => vec![
                format!("testing {epoch}/{epochs}"),
                format!("test {epoch}/{epochs}"),
            ],
            Phase::Trained { epochs } => vec![
                format!(
                    "trained {epochs} epoch{}",
                    if epochs == 1 { "" } else { "s" }
                ),
                format!("done {epochs}/{epochs}"),
            ],
            Phase::Predict => vec![format!("image {done}/{total}"), format!("{done}/{total}")],
            Phase::Demo => vec![format!("demo {done}/{total}"), format!("demo {done}")],
        },
        Field::Count => match snap.phase {
            Phase::Training { .. } | Phase::Testing { .. } => vec![format!("{done}/{total}")],
            _ => vec![String::new()],
        },
        Field::Label => match snap.label {
            Some(l) => vec![format!("label {l}"), format!("is {l}"), format!("{l}")],
            None => vec![String::new()],
        },
        // Nothing answered yet (an epoch's very first frame): no answer rather than "0 0%".
        Field::Answer if snap.outputs.iter().all(|&o| o == 0.0) => vec![String::new()],
        Field::Answer => {
            let a = snap.answer();
            // A sigmoid never reaches 1: round down, so 100% is never claimed.
            let o = snap.outputs[a];
            let pct = if o.is_finite() {
                (o.clamp(0.0, 1.0) * 100.0).floor().min(99.0) as u32
            } else {
                0
            };
            vec![
                format!("says {a} {pct}%"),
                format!("says {a}"),
                format!("{a} {pct}%"),
                format!("{a}"),
            ]
        }
        Field::Accuracy => {
            let r1 = snap.running().map_or("-".into(), |r| percent(r, 1));
            let t = |d| snap.test.map_or("-".into(), |t| percent(t as f64, d));
            match snap.phase {
                Phase::Predict => vec![String::new()],
                Phase::Demo => vec![
                    format!("right {}/{} {r1}", snap.right, snap.seen),
                    format!("right {r1}"),
                    r1,
                ],
                _ => vec![
                    format!("train {r1}  test {}", t(2)),
                    format!("train {r1} test {}", t(2)),
                    format!("tr {r1} te {}", t(1)),
                    format!("{r1} {}", t(1)),
                ],
            }
        }
        Field::Rate => match snap.rate {
            Some(r) if r.is_finite() && !matches!(snap.phase, Phase::Predict | Phase::Demo) => {
                vec![format!("{r:.0} samples/s"), format!("{r:.0}/s")]
            }
            _ => vec![String::new()],
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::display::layout::{self, Bars, Direction, Theme};
    use embedded_graphics::mock_display::MockDisplay;
    use embedded_graphics::mono_font::ascii;

    /// A tiny layout that fits embedded-graphics' 64×64 `MockDisplay`: a 28×28 digit at ×1 and
    /// three-pixel-long bars, no texts.
    static TINY: Layout = Layout {
        name: "tiny",
        size: Size::new(64, 64),
        digit_at: Point::new(0, 0),
        digit_scale: 1,
        progress: Rectangle::new(Point::new(0, 30), Size::new(10, 1)),
        bars: Bars {
            direction: Direction::Columns,
            at: Point::new(30, 0),
            pitch: 2,
            thickness: 1,
            length: 3,
            font: &ascii::FONT_4X6,
        },
        texts: &[],
        theme: Theme {
            dither: false,
            ..layout::MONO
        },
    };

    fn snap() -> Snapshot {
        let mut s = Snapshot {
            phase: Phase::Training {
                epoch: 1,
                epochs: 1,
            },
            label: Some(1),
            done: 5,
            total: 10,
            ..Snapshot::default()
        };
        s.pixels[0] = 255;
        s.pixels[SIDE + 1] = 255;
        s.outputs = [0.0, 1.0, 0.34, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.7];
        s
    }

    /// Picks out the digit's top-left corner and the first bars from a mock frame.
    fn corner(d: &MockDisplay<Rgb565>, w: i32, h: i32, x0: i32) -> Vec<String> {
        (0..h)
            .map(|y| {
                (x0..x0 + w)
                    .map(|x| match d.get_pixel(Point::new(x, y)) {
                        None => ' ',
                        Some(c) if c == Rgb565::WHITE => '#',
                        Some(_) => '.',
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn first_frame_draws_digit_and_bars_once_each() {
        let mut screen = Screen::new(&TINY);
        // MockDisplay panics when a pixel is drawn twice, except where allowed: the first
        // frame's clear is overdrawn on purpose.
        let mut d = MockDisplay::<Rgb565>::new();
        d.set_allow_overdraw(true);
        screen.draw(&snap(), &mut d).unwrap();
        assert_eq!(corner(&d, 3, 3, 0), ["#..", ".#.", "..."]);
        // Bars at x 30, 32, 34, ..., growing up from y 3: 1.0 → 3 px, 0.34 → 1 px, 0.7 → 2 px.
        let bars = corner(&d, 19, 3, 30);
        assert_eq!(
            bars,
            [
                ". # . . . . . . . .",
                ". # . . . . . . . #",
                ". # # . . . . . . #",
            ]
            .map(|r| r.replace(' ', "."))
        );
        // Progress 5/10 of 10 px.
        let row: String = (0..10)
            .map(|x| match d.get_pixel(Point::new(x, 30)) {
                Some(c) if c == Rgb565::WHITE => '#',
                _ => '.',
            })
            .collect();
        assert_eq!(row, "#####.....");
    }

    #[test]
    fn next_frame_sends_only_the_difference() {
        let mut screen = Screen::new(&TINY);
        let mut d = MockDisplay::<Rgb565>::new();
        d.set_allow_overdraw(true);
        let a = snap();
        screen.draw(&a, &mut d).unwrap();

        // A second identical frame draws nothing at all.
        let mut empty = MockDisplay::<Rgb565>::new();
        screen.draw(&a, &mut empty).unwrap();
        assert_eq!(empty, MockDisplay::new());

        // One pixel, one bar and the progress change: exactly those pixels are drawn, once
        // each (overdraw would panic), and nothing else.
        let mut b = a.clone();
        b.pixels[2 * SIDE + 2] = 255;
        b.outputs[2] = 0.0;
        b.done = 6;
        let mut delta = MockDisplay::<Rgb565>::new();
        screen.draw(&b, &mut delta).unwrap();
        let mut expected = MockDisplay::<Rgb565>::new();
        expected.set_pixel(Point::new(2, 2), Some(Rgb565::WHITE));
        expected.set_pixel(Point::new(34, 2), Some(Rgb565::BLACK));
        expected.set_pixel(Point::new(5, 30), Some(Rgb565::WHITE));
        delta.assert_eq(&expected);
    }

    #[test]
    fn changed_box_and_chars() {
        let mut a = [0u8; PIXELS];
        let b = a;
        assert_eq!(changed_box(&a, &b), None);
        a[SIDE * 3 + 5] = 1;
        a[SIDE * 7 + 2] = 1;
        assert_eq!(changed_box(&a, &b), Some((3, 7, 2, 5)));
        assert_eq!(changed_chars("31415/60000", "31416/60000"), Some((4, 5)));
        assert_eq!(changed_chars("abc", "abc"), None);
        assert_eq!(changed_chars("ab", "abc"), Some((0, 3)));
    }

    #[test]
    fn texts_shorten_to_fit() {
        let tb = |chars, align| TextBox {
            field: Field::Accuracy,
            at: Point::zero(),
            font: &ascii::FONT_4X6,
            chars,
            align,
        };
        let mut s = snap();
        (s.right, s.seen, s.test) = (913, 1000, Some(0.9572));
        let c = candidates(Field::Accuracy, &s);
        assert_eq!(fit(&tb(26, Align::Left), &c), "train 91.3%  test 95.72%  ");
        assert_eq!(fit(&tb(17, Align::Left), &c), "tr 91.3% te 95.7%");
        assert_eq!(fit(&tb(12, Align::Right), &c), " 91.3% 95.7%");
        assert_eq!(fit(&tb(3, Align::Left), &c), "91.");
        s.outputs[1] = 0.9999;
        assert_eq!(candidates(Field::Answer, &s)[0], "says 1 99%");
        // Before any answer, an empty field rather than "says 0 0%".
        assert_eq!(candidates(Field::Answer, &Snapshot::default()), [""]);
    }
}

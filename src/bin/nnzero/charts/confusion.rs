//! The confusion matrix as a heat map with its counts, and under it the test digits the
//! network got wrong with the most confidence.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::FontTransform;

use super::{label, mix, text_style, DrawResult, Figure};

/// A test digit the network got wrong.
#[derive(Debug, Clone)]
pub struct Mistake {
    /// The true digit.
    pub label: u8,
    /// The network's answer.
    pub answer: u8,
    /// The network's output for its answer (0..1): how sure it was.
    pub output: f32,
    /// The image as stored (MNIST: 0 background … 255 ink), row by row.
    pub pixels: Vec<u8>,
}

/// The matrix and the mistakes.
#[derive(Debug, Clone)]
pub struct ConfusionChart {
    /// The line at the top.
    pub title: String,
    /// `counts[true digit][answer]`.
    pub counts: [[u32; 10]; 10],
    /// The mistakes to show, most confident first.
    pub mistakes: Vec<Mistake>,
    /// The images' width and height.
    pub side: usize,
}

const W: u32 = 900;
const CELL: i32 = 46;
const MATRIX_TOP: i32 = 112;
const PER_ROW: usize = 8;
const SCALE: i32 = 3;
const TILE_GAP: i32 = 22;
const CAPTION: i32 = 24;

const RIGHT: RGBColor = RGBColor(44, 140, 44);
const WRONG: RGBColor = RGBColor(200, 30, 30);

impl ConfusionChart {
    fn matrix_left() -> i32 {
        (W as i32 - 10 * CELL) / 2
    }

    fn mistakes_top() -> i32 {
        MATRIX_TOP + 10 * CELL + 40
    }

    fn tile(&self) -> i32 {
        self.side as i32 * SCALE
    }

    fn largest_mistake_count(&self) -> u32 {
        let mut most = 0;
        for (i, row) in self.counts.iter().enumerate() {
            for (j, &c) in row.iter().enumerate() {
                if i != j {
                    most = most.max(c);
                }
            }
        }
        most
    }

    /// A cell's colour and how dark it is (0..1), for the text on it.
    fn cell_colour(&self, i: usize, j: usize) -> (RGBColor, f64) {
        let c = self.counts[i][j] as f64;
        if c == 0.0 {
            return (WHITE, 0.0);
        }
        let t = if i == j {
            let row: u32 = self.counts[i].iter().sum();
            0.35 + 0.65 * c / row as f64
        } else {
            0.12 + 0.88 * c / self.largest_mistake_count() as f64
        };
        (mix(WHITE, if i == j { RIGHT } else { WRONG }, t), t)
    }
}

impl Figure for ConfusionChart {
    fn size(&self) -> (u32, u32) {
        let rows = self.mistakes.len().div_ceil(PER_ROW) as i32;
        let h = if rows == 0 {
            MATRIX_TOP + 10 * CELL + 50
        } else {
            Self::mistakes_top() + 34 + rows * (self.tile() + CAPTION + TILE_GAP)
        };
        (W, h as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let centre = W as i32 / 2;
        let grey = RGBColor(90, 90, 90);
        label(
            root,
            &self.title,
            (centre, 12),
            &text_style(20.0, HPos::Center, VPos::Top),
        )?;
        label(
            root,
            "rows: the true digit · columns: the network's answer · green: right, red: wrong (darker: more)",
            (centre, 42),
            &text_style(13.0, HPos::Center, VPos::Top).color(&grey),
        )?;

        let (x0, y0) = (Self::matrix_left(), MATRIX_TOP);
        let axis = text_style(15.0, HPos::Center, VPos::Bottom);
        label(root, "answer", (x0 + 5 * CELL, y0 - 26), &axis)?;
        let true_digit =
            text_style(15.0, HPos::Center, VPos::Bottom).transform(FontTransform::Rotate270);
        label(root, "true digit", (x0 - 34, y0 + 5 * CELL), &true_digit)?;
        label(
            root,
            "right",
            (x0 + 10 * CELL + 30, y0 - 6),
            &text_style(13.0, HPos::Center, VPos::Bottom).color(&grey),
        )?;
        let digit_style = text_style(15.0, HPos::Center, VPos::Center);
        let count_style = text_style(14.0, HPos::Center, VPos::Center);
        for i in 0..10 {
            let y = y0 + i as i32 * CELL;
            let row: u32 = self.counts[i].iter().sum();
            label(root, &i.to_string(), (x0 - 14, y + CELL / 2), &digit_style)?;
            label(
                root,
                &i.to_string(),
                (x0 + i as i32 * CELL + CELL / 2, y0 - 10),
                &digit_style,
            )?;
            for j in 0..10 {
                let x = x0 + j as i32 * CELL;
                let (colour, dark) = self.cell_colour(i, j);
                root.draw(&Rectangle::new(
                    [(x, y), (x + CELL, y + CELL)],
                    colour.filled(),
                ))?;
                root.draw(&Rectangle::new(
                    [(x, y), (x + CELL, y + CELL)],
                    RGBColor(225, 225, 225),
                ))?;
                let c = self.counts[i][j];
                if c > 0 {
                    let style = if dark > 0.55 {
                        count_style.color(&WHITE)
                    } else {
                        count_style.clone()
                    };
                    label(root, &c.to_string(), (x + CELL / 2, y + CELL / 2), &style)?;
                }
            }
            let recall = if row == 0 {
                "–".to_string()
            } else {
                format!("{:.1}%", 100.0 * self.counts[i][i] as f64 / row as f64)
            };
            label(
                root,
                &recall,
                (x0 + 10 * CELL + 30, y + CELL / 2),
                &text_style(13.0, HPos::Center, VPos::Center).color(&grey),
            )?;
        }

        if self.mistakes.is_empty() {
            return Ok(());
        }
        let top = Self::mistakes_top();
        label(
            root,
            &format!(
                "The {} most confident mistakes: true digit → answer (output for the answer)",
                self.mistakes.len()
            ),
            (centre, top),
            &text_style(16.0, HPos::Center, VPos::Top),
        )?;
        let t = self.tile();
        let columns = self.mistakes.len().min(PER_ROW) as i32;
        let left = (W as i32 - (columns * (t + TILE_GAP) - TILE_GAP)) / 2;
        let caption = text_style(14.0, HPos::Center, VPos::Top);
        for (k, m) in self.mistakes.iter().enumerate() {
            let tx = left + (k % PER_ROW) as i32 * (t + TILE_GAP);
            let ty = top + 34 + (k / PER_ROW) as i32 * (t + CAPTION + TILE_GAP);
            for (p, &v) in m.pixels.iter().enumerate().take(self.side * self.side) {
                if v == 0 {
                    continue;
                }
                let g = 255 - v;
                let (x, y) = (
                    tx + (p % self.side) as i32 * SCALE,
                    ty + (p / self.side) as i32 * SCALE,
                );
                root.draw(&Rectangle::new(
                    [(x, y), (x + SCALE, y + SCALE)],
                    RGBColor(g, g, g).filled(),
                ))?;
            }
            root.draw(&Rectangle::new(
                [(tx - 1, ty - 1), (tx + t, ty + t)],
                RGBColor(200, 200, 200),
            ))?;
            label(
                root,
                &format!("{} → {}  ({:.2})", m.label, m.answer, m.output),
                (tx + t / 2, ty + t + 5),
                &caption,
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{render, Format};
    use super::*;

    fn chart(mistakes: usize) -> ConfusionChart {
        let mut counts = [[0; 10]; 10];
        for (i, row) in counts.iter_mut().enumerate() {
            row[i] = 100;
            row[(i + 1) % 10] = i as u32;
        }
        ConfusionChart {
            title: "t".into(),
            counts,
            mistakes: (0..mistakes)
                .map(|k| Mistake {
                    label: 4,
                    answer: 9,
                    output: 0.9 - k as f32 * 0.01,
                    pixels: vec![255; 784],
                })
                .collect(),
            side: 28,
        }
    }

    #[test]
    fn the_picture_grows_with_the_mistakes_shown() {
        let none = chart(0).size();
        let one_row = chart(8).size();
        let two_rows = chart(9).size();
        assert!(none.1 < one_row.1 && one_row.1 < two_rows.1);
        let png = render(&chart(9), Format::Png).unwrap();
        let img = image::load_from_memory(&png).unwrap();
        assert_eq!((img.width(), img.height()), two_rows);
    }

    #[test]
    fn right_answers_are_green_and_the_worst_mistake_darkest_red() {
        let c = chart(0);
        let (diag, _) = c.cell_colour(3, 3);
        assert!(diag.1 > diag.0 && diag.1 > diag.2, "{diag:?}");
        let (worst, t) = c.cell_colour(9, 0);
        assert_eq!((worst, t), (WRONG, 1.0));
        assert_eq!(c.cell_colour(0, 5).0, WHITE);
    }
}

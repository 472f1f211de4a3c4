//! Square pictures in a grid, scaled up by whole pixels (nearest neighbour): back-queried
//! digits (ink dark on white, as the book shows them with `cmap='Greys'`) and the hidden
//! nodes' input weights (a diverging map: blue negative, white zero, red positive).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::{label, mix, text_style, DrawResult, Figure};

/// How a tile's values become colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colours {
    /// 0.0 white … 1.0 black.
    Ink,
    /// −1.0 blue … 0.0 white … +1.0 red.
    Diverging,
}

/// The diverging map's ends (ColorBrewer's RdBu).
const NEGATIVE: RGBColor = RGBColor(33, 102, 172);
const POSITIVE: RGBColor = RGBColor(178, 24, 43);

impl Colours {
    /// The colour of `v` (clamped to the map's range).
    pub fn of(self, v: f32) -> RGBColor {
        let v = v as f64;
        match self {
            Colours::Ink => {
                let g = (255.0 * (1.0 - v.clamp(0.0, 1.0))).round() as u8;
                RGBColor(g, g, g)
            }
            Colours::Diverging if v < 0.0 => mix(WHITE, NEGATIVE, -v),
            Colours::Diverging => mix(WHITE, POSITIVE, v),
        }
    }
}

/// One picture: `side × side` values, row by row, and the words under it.
#[derive(Debug, Clone)]
pub struct Tile {
    /// Row-major values, in the range of the grid's [`Colours`].
    pub values: Vec<f32>,
    /// Written under the tile; empty for none.
    pub caption: String,
}

/// Tiles in rows of `columns`, with an optional title and colour bar.
#[derive(Debug, Clone)]
pub struct TileGrid {
    /// The line at the top; empty for no header at all.
    pub title: String,
    /// A smaller line under the title.
    pub subtitle: String,
    /// The pictures.
    pub tiles: Vec<Tile>,
    /// Each tile's width and height in values.
    pub side: usize,
    /// Screen pixels per value, each way.
    pub scale: u32,
    /// Tiles per row.
    pub columns: usize,
    /// The colour map.
    pub colours: Colours,
    /// Labels of a colour bar's left end, middle and right end; `None` for no bar.
    pub colour_bar: Option<[String; 3]>,
}

const MARGIN: u32 = 16;
const CAPTION: u32 = 26;
const CAPTION_SIZE: f64 = 16.0;
const BAR: u32 = 56;

impl TileGrid {
    /// How much larger than the base sizes the text is: with big tiles (the back-query sheet
    /// at 224 px a tile, 2,380 px wide) text sized for small ones is unreadably small once the
    /// picture is shown scaled to a screen.
    fn text_scale(&self) -> f64 {
        (f64::from(self.tile_px()) / 112.0).clamp(1.0, 2.5)
    }

    /// Height of the caption row under each tile.
    fn caption_h(&self) -> u32 {
        (f64::from(CAPTION) * self.text_scale()) as u32
    }

    fn caption_size(&self) -> f64 {
        CAPTION_SIZE * self.text_scale()
    }

    fn gap(&self) -> u32 {
        if self.captions() {
            12
        } else {
            (self.scale * 2).max(4)
        }
    }

    fn captions(&self) -> bool {
        self.tiles.iter().any(|t| !t.caption.is_empty())
    }

    fn header(&self) -> u32 {
        let base = match (self.title.is_empty(), self.subtitle.is_empty()) {
            (true, _) => 0.0,
            (false, true) => 42.0,
            (false, false) => 66.0,
        };
        (base * self.text_scale()) as u32
    }

    fn rows(&self) -> u32 {
        self.tiles.len().div_ceil(self.columns.max(1)) as u32
    }

    fn tile_px(&self) -> u32 {
        self.side as u32 * self.scale
    }

    /// Width of a tile's cell: the tile, or its caption if that is wider.
    fn cell_width(&self) -> u32 {
        let widest = self
            .tiles
            .iter()
            .map(|t| text_width(&t.caption, self.caption_size()))
            .max()
            .unwrap_or(0);
        self.tile_px().max(widest)
    }

    /// Width of the tiles alone.
    fn grid_width(&self) -> u32 {
        let columns = self.columns.clamp(1, self.tiles.len().max(1)) as u32;
        columns * (self.cell_width() + self.gap()) - self.gap()
    }

    /// Position of tile `k`'s top left corner.
    fn origin(&self, k: usize) -> (i32, i32) {
        let (w, _) = self.size();
        let cell = self.cell_width();
        let left = (w - self.grid_width()) / 2 + (cell - self.tile_px()) / 2;
        let columns = self.columns.max(1);
        let step = cell + self.gap();
        let caption = if self.captions() { self.caption_h() } else { 0 };
        let row_step = self.tile_px() + self.gap() + caption;
        (
            (left + (k % columns) as u32 * step) as i32,
            (MARGIN + self.header() + (k / columns) as u32 * row_step) as i32,
        )
    }
}

/// A rough width of `text` at `size` px in DejaVu Sans, to make room for titles.
fn text_width(text: &str, size: f64) -> u32 {
    (text.chars().count() as f64 * size * 0.58) as u32
}

impl Figure for TileGrid {
    fn size(&self) -> (u32, u32) {
        let k = self.text_scale();
        let widest = text_width(&self.title, 22.0 * k).max(text_width(&self.subtitle, 14.0 * k));
        let w = self
            .grid_width()
            .max(widest)
            .max(if self.colour_bar.is_some() { 360 } else { 0 })
            + 2 * MARGIN;
        let caption = if self.captions() { self.caption_h() } else { 0 };
        let h = self.header() + self.rows() * (self.tile_px() + caption + self.gap()) - self.gap()
            + if self.colour_bar.is_some() { BAR } else { 0 }
            + 2 * MARGIN;
        (w, h)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let (w, h) = self.size();
        let centre = (w / 2) as i32;
        let k = self.text_scale();
        if !self.title.is_empty() {
            label(
                root,
                &self.title,
                (centre, MARGIN as i32),
                &text_style(22.0 * k, HPos::Center, VPos::Top),
            )?;
            label(
                root,
                &self.subtitle,
                (centre, MARGIN as i32 + (30.0 * k) as i32),
                &text_style(14.0 * k, HPos::Center, VPos::Top).color(&RGBColor(90, 90, 90)),
            )?;
        }
        let s = self.scale as i32;
        let t = self.tile_px() as i32;
        for (k, tile) in self.tiles.iter().enumerate() {
            let (x0, y0) = self.origin(k);
            for (i, &v) in tile.values.iter().enumerate().take(self.side * self.side) {
                let colour = self.colours.of(v);
                if colour == WHITE {
                    continue; // the background is white already
                }
                let (x, y) = (
                    x0 + (i % self.side) as i32 * s,
                    y0 + (i / self.side) as i32 * s,
                );
                root.draw(&Rectangle::new([(x, y), (x + s, y + s)], colour.filled()))?;
            }
            // A hairline frame, outside the picture, so white tiles still show their extent.
            root.draw(&Rectangle::new(
                [(x0 - 1, y0 - 1), (x0 + t, y0 + t)],
                RGBColor(200, 200, 200),
            ))?;
            if !tile.caption.is_empty() {
                label(
                    root,
                    &tile.caption,
                    (x0 + t / 2, y0 + t + (6.0 * self.text_scale()) as i32),
                    &text_style(self.caption_size(), HPos::Center, VPos::Top),
                )?;
            }
        }
        if let Some(ends) = &self.colour_bar {
            let (bw, bh) = (300i32, 12i32);
            let (bx, by) = (centre - bw / 2, (h - MARGIN - BAR + 14) as i32);
            for k in 0..bw {
                let v = 2.0 * (k as f32 + 0.5) / bw as f32 - 1.0;
                root.draw(&Rectangle::new(
                    [(bx + k, by), (bx + k + 1, by + bh)],
                    self.colours.of(v).filled(),
                ))?;
            }
            let style = text_style(13.0, HPos::Center, VPos::Top);
            for (k, text) in ends.iter().enumerate() {
                label(root, text, (bx + k as i32 * bw / 2, by + bh + 4), &style)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{render, Format};
    use super::*;

    #[test]
    fn colour_maps_reach_their_ends() {
        assert_eq!(Colours::Ink.of(0.0), WHITE);
        assert_eq!(Colours::Ink.of(1.0), BLACK);
        assert_eq!(Colours::Ink.of(7.0), BLACK);
        assert_eq!(Colours::Diverging.of(0.0), WHITE);
        assert_eq!(Colours::Diverging.of(-1.0), NEGATIVE);
        assert_eq!(Colours::Diverging.of(1.0), POSITIVE);
    }

    /// Each value becomes a `scale × scale` block, exactly, at the tile's position.
    #[test]
    fn tiles_are_scaled_by_whole_pixels() {
        let grid = TileGrid {
            title: String::new(),
            subtitle: String::new(),
            tiles: vec![Tile {
                values: vec![1.0, 0.0, 0.0, 1.0],
                caption: String::new(),
            }],
            side: 2,
            scale: 5,
            columns: 1,
            colours: Colours::Ink,
            colour_bar: None,
        };
        let (w, h) = grid.size();
        assert_eq!((w, h), (10 + 2 * MARGIN, 10 + 2 * MARGIN));
        let png = render(&grid, Format::Png).unwrap();
        let img = image::load_from_memory(&png).unwrap().to_rgb8();
        let m = MARGIN;
        for y in 0..10 {
            for x in 0..10 {
                let ink = (x < 5) == (y < 5);
                let want = if ink { [0, 0, 0] } else { [255, 255, 255] };
                assert_eq!(img.get_pixel(m + x, m + y).0, want, "({x}, {y})");
            }
        }
        // The frame sits just outside the picture.
        assert_eq!(img.get_pixel(m - 1, m - 1).0, [200, 200, 200]);
        assert_eq!(img.get_pixel(m - 2, m - 2).0, [255, 255, 255]);
    }
}

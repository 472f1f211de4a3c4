//! A bitmap backend whose text is laid out right: plotters 0.3.7 draws each `ab_glyph` glyph at
//! the pen position but drops its left side bearing and rounds the pen down, so glyphs with a
//! wide bearing crowd their left neighbour and thin ones leave a gap ("wron g", "an swer",
//! "+2. 223"). This wraps `BitMapBackend`, passes everything else through, and draws text
//! itself: each glyph outlined at its true sub-pixel position (pen, kerning and bearing), with
//! plotters' own box and baseline so that every chart's layout stays where it was.

use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};
use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

/// A `BitMapBackend` that draws text with the chart font, correctly spaced.
pub struct Kerned<'a> {
    inner: BitMapBackend<'a>,
    font: Option<FontRef<'static>>,
}

impl<'a> Kerned<'a> {
    /// Wraps `inner`; text is drawn with `font` (a TrueType file's bytes).
    pub fn new(inner: BitMapBackend<'a>, font: &'static [u8]) -> Self {
        Kerned {
            inner,
            font: FontRef::try_from_slice(font).ok(),
        }
    }
}

/// Lays out `text` at `size` px: calls `pixel(x, y, coverage)` for each covered pixel, x from
/// the pen's start, y from the baseline; returns the advance width.
pub fn layout(
    font: &FontRef<'_>,
    size: f32,
    text: &str,
    mut pixel: impl FnMut(i32, i32, f32),
) -> f32 {
    let scaled = font.as_scaled(PxScale::from(size));
    let mut pen = 0.0f32;
    let mut prev = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            pen += scaled.kern(p, id);
        }
        let glyph = id.with_scale_and_position(size, point(pen, 0.0));
        if let Some(outline) = font.outline_glyph(glyph) {
            let b = outline.px_bounds();
            outline.draw(|x, y, v| pixel(b.min.x as i32 + x as i32, b.min.y as i32 + y as i32, v));
        }
        pen += scaled.h_advance(id);
        prev = Some(id);
    }
    pen
}

impl DrawingBackend for Kerned<'_> {
    type ErrorType = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        (iw, ih): (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.blit_bitmap(pos, (iw, ih), src)
    }

    fn estimate_text_size<TStyle: BackendTextStyle>(
        &self,
        text: &str,
        style: &TStyle,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        let Some(font) = &self.font else {
            return self.inner.estimate_text_size(text, style);
        };
        let size = style.size() as f32;
        let width = layout(font, size, text, |_, _, _| {});
        // plotters' box height for ab_glyph fonts, so layouts do not move.
        Ok((width.ceil() as u32, (size / 1.24) as u32))
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let Some(font) = self.font.clone() else {
            return self.inner.draw_text(text, style, pos);
        };
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let size = style.size() as f32;
        let (width, height) = self.estimate_text_size(text, style)?;
        let (width, height) = (width as i32, height as i32);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        // plotters puts the baseline half the size below the box's top; so do we.
        let baseline = (size / 2.0) as i32;
        let trans = style.transform();
        let (w, h) = self.get_size();
        let mut result = Ok(());
        layout(&font, size, text, |x, y, v| {
            let (x, y) = trans.transform(x + dx, y + baseline + dy);
            let (x, y) = (pos.0 + x, pos.1 + y);
            if result.is_ok() && x >= 0 && y >= 0 && x < w as i32 && y < h as i32 {
                let c = BackendColor {
                    alpha: color.alpha * f64::from(v.clamp(0.0, 1.0)),
                    rgb: color.rgb,
                };
                result = self.inner.draw_pixel((x, y), c);
            }
        });
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Columns with ink in a line of text drawn by `layout`, as a string of `#` and ` `.
    fn ink_columns(text: &str) -> String {
        let font = FontRef::try_from_slice(super::super::FONT_BYTES).unwrap();
        let mut cols = vec![false; 400];
        layout(&font, 20.0, text, |x, _, v| {
            if v > 0.3 && (0..400).contains(&x) {
                cols[x as usize] = true;
            }
        });
        let s: String = cols.iter().map(|&c| if c { '#' } else { ' ' }).collect();
        s.trim_end().to_string()
    }

    /// The widest run of blank columns between the first and last ink.
    fn widest_gap(text: &str) -> usize {
        let cols = ink_columns(text);
        cols.trim().split('#').map(str::len).max().unwrap_or(0)
    }

    #[test]
    fn letters_within_a_word_are_not_split() {
        // In "wrong" and "answer" every gap between letters is narrower than a space; the
        // gap left by a space is plainly wider.
        let space = widest_gap("a b");
        for word in ["wrong", "answer", "784-200-10", "+2.223"] {
            let gap = widest_gap(word);
            assert!(
                gap * 2 < space,
                "{word}: a gap of {gap} px, a space is {space}"
            );
        }
    }
}

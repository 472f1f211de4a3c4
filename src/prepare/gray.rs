//! An 8-bit luminance picture, and the ways the preparation changes its size: box averaging
//! while a large picture is decoded, smooth enlargement of a tiny one.

use std::borrow::Cow;

/// Pictures are shrunk while decoding until their longer side is at most this: a megapixel
/// keeps a 1 px pen of a 12 MP photo visible and costs a Pi little.
pub(super) const MAX_WORK_SIDE: usize = 1024;

/// Pictures whose longer side is below this are enlarged (bilinear, by a whole factor).
pub(super) const MIN_WORK_SIDE: usize = 192;

/// How far (grey levels) from the paper's colour an edge pixel must be to count as ink when
/// deciding whether a small picture is cropped tight to its digit.
const INK_FROM_PAPER: u8 = 64;

/// A greyscale picture: `w`×`h` luminance values, row-major, 0 black to 255 white.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gray {
    /// Width, pixels.
    pub w: usize,
    /// Height, pixels.
    pub h: usize,
    /// `w * h` luminance values, row by row.
    pub px: Vec<u8>,
}

impl Gray {
    /// A picture of `w`×`h` pixels from row-major luminance values.
    ///
    /// # Panics
    /// If `px.len() != w * h`.
    pub fn new(w: usize, h: usize, px: Vec<u8>) -> Self {
        assert_eq!(px.len(), w * h, "a {w}×{h} picture has {} pixels", w * h);
        Gray { w, h, px }
    }

    /// This picture, enlarged by the smallest whole factor (at most 8) that makes its longer
    /// side at least `min_side`, with bilinear interpolation; itself when large enough.
    pub(super) fn enlarged_to(&self, min_side: usize) -> Cow<'_, Gray> {
        let long = self.w.max(self.h);
        if long >= min_side || long == 0 {
            return Cow::Borrowed(self);
        }
        let k = min_side.div_ceil(long).min(8);
        let (w, h) = (self.w * k, self.h * k);
        let src = |x: usize, y: usize| self.px[y.min(self.h - 1) * self.w + x.min(self.w - 1)];
        let mut px = Vec::with_capacity(w * h);
        for y in 0..h {
            // Sample centres map back to (y + 0.5) / k − 0.5 in the source.
            let sy = ((y as f32 + 0.5) / k as f32 - 0.5).max(0.0);
            let (y0, fy) = (sy as usize, sy.fract());
            for x in 0..w {
                let sx = ((x as f32 + 0.5) / k as f32 - 0.5).max(0.0);
                let (x0, fx) = (sx as usize, sx.fract());
                let top = src(x0, y0) as f32 * (1.0 - fx) + src(x0 + 1, y0) as f32 * fx;
                let bottom = src(x0, y0 + 1) as f32 * (1.0 - fx) + src(x0 + 1, y0 + 1) as f32 * fx;
                px.push((top * (1.0 - fy) + bottom * fy).round() as u8);
            }
        }
        Cow::Owned(Gray { w, h, px })
    }

    /// This picture with `margin` pixels of paper added on every side. Each added pixel
    /// continues the nearest edge pixel, so paper lit unevenly meets its margin without a step;
    /// where that edge pixel is ink, the ring's median (the paper's colour) is used instead,
    /// so strokes are not drawn out into the margin.
    pub(super) fn padded_with_paper(&self, margin: usize) -> Gray {
        let paper = self.edge_median();
        let (w, h) = (self.w + 2 * margin, self.h + 2 * margin);
        let mut px = Vec::with_capacity(w * h);
        for y in 0..h {
            let sy = y.saturating_sub(margin).min(self.h - 1);
            for x in 0..w {
                let sx = x.saturating_sub(margin).min(self.w - 1);
                let v = self.px[sy * self.w + sx];
                let inside = (margin..margin + self.w).contains(&x)
                    && (margin..margin + self.h).contains(&y);
                px.push(if inside || v.abs_diff(paper) <= INK_FROM_PAPER {
                    v
                } else {
                    paper
                });
            }
        }
        Gray { w, h, px }
    }

    /// The outermost ring of pixels, sorted.
    fn sorted_ring(&self) -> Vec<u8> {
        let (w, h) = (self.w, self.h);
        let mut ring: Vec<u8> = (0..w * h)
            .filter(|i| {
                let (x, y) = (i % w, i / w);
                x == 0 || y == 0 || x + 1 == w || y + 1 == h
            })
            .map(|i| self.px[i])
            .collect();
        ring.sort_unstable();
        ring
    }

    /// The median of the outermost ring of pixels: the paper's colour, if there is paper.
    fn edge_median(&self) -> u8 {
        let ring = self.sorted_ring();
        ring[ring.len() / 2]
    }

    /// Whether ink reaches the picture's edge: at least 2 % of the outermost ring (and at least
    /// 2 pixels) lies more than a quarter of the grey scale from the ring's median.
    pub(super) fn ink_on_edge(&self) -> bool {
        let ring = self.sorted_ring();
        let paper = ring[ring.len() / 2];
        let far = ring
            .iter()
            .filter(|&&v| v.abs_diff(paper) > INK_FROM_PAPER)
            .count();
        far >= (ring.len() / 50).max(2)
    }

    /// The picture turned the way an EXIF orientation tag says the camera held it.
    pub(super) fn oriented(self, orientation: image::metadata::Orientation) -> Gray {
        use image::metadata::Orientation as O;
        let (w, h) = (self.w, self.h);
        // The output's size, and where each of its pixels comes from.
        let (ow, oh) = match orientation {
            O::NoTransforms => return self,
            O::FlipHorizontal | O::Rotate180 | O::FlipVertical => (w, h),
            _ => (h, w),
        };
        let from = |x: usize, y: usize| match orientation {
            O::FlipHorizontal => y * w + (w - 1 - x),
            O::Rotate180 => (h - 1 - y) * w + (w - 1 - x),
            O::FlipVertical => (h - 1 - y) * w + x,
            O::Rotate90 => (h - 1 - x) * w + y,
            O::Rotate270 => x * w + (w - 1 - y),
            O::Rotate90FlipH => x * w + y,
            O::Rotate270FlipH => (h - 1 - x) * w + (w - 1 - y),
            O::NoTransforms => y * w + x,
        };
        let mut px = Vec::with_capacity(ow * oh);
        for y in 0..oh {
            for x in 0..ow {
                px.push(self.px[from(x, y)]);
            }
        }
        Gray { w: ow, h: oh, px }
    }
}

/// The whole factor by which a `w`×`h` picture is shrunk to be worked on.
pub(super) fn shrink_factor(w: usize, h: usize) -> usize {
    w.max(h).div_ceil(MAX_WORK_SIDE).max(1)
}

/// Shrinks a picture by a whole factor as its rows arrive, averaging each `f`×`f` block (the
/// last row and column of blocks may be smaller): only the shrunk picture and one row of sums
/// are ever held.
pub(super) struct Shrinker {
    w: usize,
    h: usize,
    f: usize,
    y: usize,
    sums: Vec<u32>,
    out: Vec<u8>,
}

impl Shrinker {
    /// For a `w`×`h` picture shrunk by `f`.
    pub(super) fn new(w: usize, h: usize, f: usize) -> Self {
        let ow = w.div_ceil(f);
        Shrinker {
            w,
            h,
            f,
            y: 0,
            sums: vec![0; ow],
            out: Vec::with_capacity(ow * h.div_ceil(f)),
        }
    }

    /// Adds the next row of luminance values (`w` of them).
    pub(super) fn push_row(&mut self, row: &[u8]) {
        debug_assert_eq!(row.len(), self.w);
        if self.y >= self.h {
            return;
        }
        for (i, chunk) in row.chunks(self.f).enumerate() {
            self.sums[i] += chunk.iter().map(|&v| v as u32).sum::<u32>();
        }
        self.y += 1;
        if self.y % self.f == 0 || self.y == self.h {
            let rows = (self.y - 1) % self.f + 1;
            for (i, s) in self.sums.iter_mut().enumerate() {
                let cols = (self.w - i * self.f).min(self.f);
                let n = (rows * cols) as u32;
                self.out.push(((*s + n / 2) / n) as u8);
                *s = 0;
            }
        }
    }

    /// The shrunk picture; rows never pushed (a cut-short file) stay missing, so it is
    /// only complete when all `h` rows came.
    pub(super) fn finish(self) -> Gray {
        let w = self.w.div_ceil(self.f);
        let h = self.out.len() / w.max(1);
        Gray { w, h, px: self.out }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrinking_averages_blocks_and_keeps_partial_edges() {
        // 5×3 shrunk by 2: blocks 2×2, 2×2, 1×2 on top, then 2×1, 2×1, 1×1.
        let rows = [
            [0u8, 10, 20, 30, 40],
            [2, 12, 22, 32, 42],
            [100, 100, 0, 0, 7],
        ];
        let mut s = Shrinker::new(5, 3, 2);
        for r in &rows {
            s.push_row(r);
        }
        let g = s.finish();
        assert_eq!((g.w, g.h), (3, 2));
        assert_eq!(g.px, vec![6, 26, 41, 100, 0, 7]);
    }

    #[test]
    fn a_margin_continues_the_paper_but_not_the_ink() {
        // Paper 200 and 220 in the corners of the top row, ink 10 in its middle and on the left.
        let g = Gray::new(3, 2, vec![200, 10, 220, 10, 210, 210]);
        assert!(g.ink_on_edge());
        let p = g.padded_with_paper(1);
        assert_eq!((p.w, p.h), (5, 4));
        #[rustfmt::skip]
        assert_eq!(p.px, vec![
            200, 200, 210, 220, 220,
            200, 200,  10, 220, 220,
            210,  10, 210, 210, 210,
            210, 210, 210, 210, 210,
        ]);
        assert!(!Gray::new(3, 2, vec![200; 6]).ink_on_edge());
    }

    #[test]
    fn enlarging_is_smooth_and_by_a_whole_factor() {
        let g = Gray::new(2, 1, vec![0, 255]);
        let big = g.enlarged_to(8);
        assert_eq!((big.w, big.h), (8, 4));
        let row: Vec<u8> = big.px[..8].to_vec();
        assert!(row.windows(2).all(|p| p[0] <= p[1]), "{row:?}");
        assert_eq!((row[0], row[7]), (0, 255));
    }

    #[test]
    fn orientation_turns_the_picture_the_way_the_camera_was_held() {
        use image::metadata::Orientation as O;
        // 2×1: [a b] turned 90° clockwise is a column [a; b].
        let g = Gray::new(2, 1, vec![1, 2]);
        assert_eq!(g.clone().oriented(O::Rotate90).px, vec![1, 2]);
        assert_eq!(g.clone().oriented(O::Rotate270).px, vec![2, 1]);
        let sq = Gray::new(2, 2, vec![1, 2, 3, 4]);
        assert_eq!(sq.clone().oriented(O::Rotate90).px, vec![3, 1, 4, 2]);
        assert_eq!(sq.clone().oriented(O::Rotate180).px, vec![4, 3, 2, 1]);
        assert_eq!(sq.oriented(O::Rotate270).px, vec![2, 4, 1, 3]);
    }
}

//! The paper, estimated by a grey-level opening, and the ink as what rises above it.
//!
//! With ink made bright, an opening (the darkest value in every `W`×`W` window, then the
//! brightest of those) removes every bright structure narrower than `W` and keeps everything
//! wider: the paper, however unevenly lit, a shadow, the desk beside the sheet. The
//! difference from the picture (the white top-hat) is the ink, whatever the pen's width, as
//! long as the window is wider than the widest stroke. The tile percentiles this replaces
//! took ink for paper wherever a thick pen covered most of a tile (issue 9, defect 1).
//!
//! Erosion and dilation by a flat window run in three comparisons a pixel whatever its width
//! (van Herk / Gil–Werman), row by row and then column by column.

/// The window's side for a `w`×`h` picture: wider than a stroke a quarter of the digit's
/// height when the digit fills the picture's shorter side, and odd.
pub(super) fn window(w: usize, h: usize) -> usize {
    let side = (w.min(h) as f32 * 0.3).round() as usize;
    side.max(3) | 1
}

/// `v − opening(v)` with a `win`×`win` window, and the opening itself (the paper's level).
pub(super) fn top_hat(v: &[u8], w: usize, h: usize, win: usize) -> (Vec<u8>, Vec<u8>) {
    let eroded = filter2d(v, w, h, win, Extreme::Min);
    let opened = filter2d(&eroded, w, h, win, Extreme::Max);
    let hat = v
        .iter()
        .zip(&opened)
        .map(|(&p, &o)| p.saturating_sub(o))
        .collect();
    (hat, opened)
}

/// The brightest value in every `win`×`win` window (a grey-level dilation; on a 0/255 mask,
/// the mask grown by `win / 2` pixels in every direction, square).
pub(super) fn dilate(v: &[u8], w: usize, h: usize, win: usize) -> Vec<u8> {
    filter2d(v, w, h, win, Extreme::Max)
}

#[derive(Clone, Copy)]
enum Extreme {
    Min,
    Max,
}

impl Extreme {
    fn pick(self, a: u8, b: u8) -> u8 {
        match self {
            Extreme::Min => a.min(b),
            Extreme::Max => a.max(b),
        }
    }
    /// What lies beyond the picture's edge: nothing that would win.
    fn pad(self) -> u8 {
        match self {
            Extreme::Min => 255,
            Extreme::Max => 0,
        }
    }
}

fn filter2d(v: &[u8], w: usize, h: usize, win: usize, op: Extreme) -> Vec<u8> {
    let mut rows = vec![0u8; w * h];
    let mut line = Vec::new();
    let mut out = Vec::new();
    for y in 0..h {
        line.clear();
        line.extend_from_slice(&v[y * w..(y + 1) * w]);
        filter1d(&line, win, op, &mut out);
        rows[y * w..(y + 1) * w].copy_from_slice(&out);
    }
    let mut result = vec![0u8; w * h];
    for x in 0..w {
        line.clear();
        line.extend((0..h).map(|y| rows[y * w + x]));
        filter1d(&line, win, op, &mut out);
        for (y, &p) in out.iter().enumerate() {
            result[y * w + x] = p;
        }
    }
    result
}

/// Running minimum or maximum over a centred window of odd width `win` (van Herk /
/// Gil–Werman): prefix extremes within blocks of `win` from the left, suffix extremes from the
/// right, and each window is one of each.
fn filter1d(x: &[u8], win: usize, op: Extreme, out: &mut Vec<u8>) {
    let n = x.len();
    let r = win / 2;
    // Padded by r on each side, rounded up to whole blocks.
    let len = (n + 2 * r).div_ceil(win) * win;
    let at = |i: usize| {
        if i >= r && i - r < n {
            x[i - r]
        } else {
            op.pad()
        }
    };
    let mut g = vec![0u8; len];
    let mut hh = vec![0u8; len];
    for b in (0..len).step_by(win) {
        g[b] = at(b);
        for i in b + 1..b + win {
            g[i] = op.pick(g[i - 1], at(i));
        }
        hh[b + win - 1] = at(b + win - 1);
        for i in (b..b + win - 1).rev() {
            hh[i] = op.pick(hh[i + 1], at(i));
        }
    }
    out.clear();
    // The window of output i spans padded positions i ..= i + 2r.
    out.extend((0..n).map(|i| op.pick(hh[i], g[i + 2 * r])));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(x: &[u8], win: usize, op: Extreme) -> Vec<u8> {
        let r = win / 2;
        (0..x.len())
            .map(|i| {
                let lo = i.saturating_sub(r);
                let hi = (i + r).min(x.len() - 1);
                x[lo..=hi]
                    .iter()
                    .copied()
                    .reduce(|a, b| op.pick(a, b))
                    .unwrap()
            })
            .collect()
    }

    #[test]
    fn running_extremes_match_the_naive_ones() {
        let x: Vec<u8> = (0..97u32).map(|i| ((i * 7919) % 251) as u8).collect();
        let mut out = Vec::new();
        for win in [1, 3, 5, 9, 31, 97, 201] {
            for op in [Extreme::Min, Extreme::Max] {
                filter1d(&x, win, op, &mut out);
                assert_eq!(out, naive(&x, win, op), "win {win}");
            }
        }
    }

    #[test]
    fn the_top_hat_keeps_strokes_narrower_than_the_window_and_drops_wide_areas() {
        // A 60×40 picture: a bright slab 30 px wide (the desk) and a bar 4 px wide (a stroke),
        // on paper that brightens from left to right.
        let (w, h) = (60, 40);
        let mut v = vec![0u8; w * h];
        for y in 0..h {
            for x in 0..w {
                let paper = (x / 4) as u8;
                v[y * w + x] = if x >= 30 {
                    200
                } else if (10..14).contains(&x) {
                    180
                } else {
                    paper
                };
            }
        }
        let (hat, _) = top_hat(&v, w, h, 9);
        for y in 0..h {
            assert!(hat[y * w + 12] >= 170, "the stroke stays");
            assert_eq!(hat[y * w + 45], 0, "the slab goes");
            assert!(hat[y * w + 5] <= 2, "the paper's slope goes");
        }
    }
}

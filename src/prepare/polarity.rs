//! Dark ink on light paper, or light on dark: both are tried, and the one that finds the more
//! digit-like ink wins.
//!
//! The paper's level from the whole picture (its 1st and 99th percentiles) fails when a thin
//! pen is under 1 % of the picture (issue 9, defect 2); the border's median fails when a desk
//! surrounds the sheet. Each polarity's ink is found the same way (top-hat, threshold, pieces)
//! and scored by how digit-like its best piece is; the border's median only breaks near-ties.

use super::background::{top_hat, window};
use super::components::choose;
use super::gray::Gray;
use super::lines::remove_ruled_lines;
use super::threshold::split;

/// The digit found in a picture.
pub(super) struct Found {
    /// Ink strength 0..1 per pixel of the working picture (0 off the digit).
    pub ink: Vec<f32>,
    /// True when the ink was darker than the paper.
    pub inverted: bool,
}

/// Finds the digit in a working-size picture, in whichever polarity it is written.
pub(super) fn find_digit(g: &Gray) -> Option<Found> {
    let (w, h) = (g.w, g.h);
    // A 3×3 mean first: JPEG blocks and sensor noise, not strokes.
    let light = blur3(&g.px, w, h);
    let dark: Vec<u8> = light.iter().map(|&v| 255 - v).collect();
    let win = window(w, h);
    let (hat_dark, _) = top_hat(&dark, w, h, win);
    let (hat_light, _) = top_hat(&light, w, h, win);
    drop(dark);
    // The border's median says which polarity is likelier: a small advantage, no more.
    let paper_is_light = border_median(&light, w, h) >= 128;
    let mut best: Option<(f32, Found)> = None;
    for (inverted, hat, other) in [
        (true, &hat_dark, &hat_light),
        (false, &hat_light, &hat_dark),
    ] {
        let Some(s) = split(hat) else { continue };
        let mut mask: Vec<bool> = hat.iter().map(|&v| v > s.threshold).collect();
        remove_ruled_lines(&mut mask, w, h);
        let Some(choice) = choose(&mask, hat, other, w, h) else {
            continue;
        };
        let prior = if inverted == paper_is_light { 1.5 } else { 1.0 };
        let score = choice.score * prior;
        if best.as_ref().is_some_and(|(b, _)| *b >= score) {
            continue;
        }
        // The chosen pieces and a one-pixel rim (the strokes' antialiasing, below the
        // threshold), at the ink's own strength: a pencil and a marker both become white.
        let keep = dilate1(&choice.keep, w, h);
        let level = s.level.max(1) as f32;
        let ink = hat
            .iter()
            .zip(&keep)
            .map(|(&v, &k)| if k { (v as f32 / level).min(1.0) } else { 0.0 })
            .collect();
        best = Some((score, Found { ink, inverted }));
    }
    best.map(|(_, f)| f)
}

/// The median of a strip around the picture's edge, a twentieth of the shorter side wide.
fn border_median(v: &[u8], w: usize, h: usize) -> u8 {
    let b = (w.min(h) / 20).max(1);
    let mut hist = [0u64; 256];
    let mut n = 0u64;
    for y in 0..h {
        for x in 0..w {
            if x < b || y < b || x + b >= w || y + b >= h {
                hist[v[y * w + x] as usize] += 1;
                n += 1;
            }
        }
    }
    let mut seen = 0;
    for (level, &c) in hist.iter().enumerate() {
        seen += c;
        if 2 * seen >= n {
            return level as u8;
        }
    }
    255
}

/// A 3×3 mean (edges use what is inside the picture).
fn blur3(v: &[u8], w: usize, h: usize) -> Vec<u8> {
    let mut rows = vec![0u16; w * h];
    for y in 0..h {
        for x in 0..w {
            let lo = x.saturating_sub(1);
            let hi = (x + 1).min(w - 1);
            let sum: u16 = v[y * w + lo..=y * w + hi].iter().map(|&p| p as u16).sum();
            rows[y * w + x] = sum * 3 / (hi - lo + 1) as u16;
        }
    }
    let mut out = vec![0u8; w * h];
    for y in 0..h {
        let lo = y.saturating_sub(1);
        let hi = (y + 1).min(h - 1);
        for x in 0..w {
            let sum: u32 = (lo..=hi).map(|yy| rows[yy * w + x] as u32).sum();
            let n = 3 * (hi - lo + 1) as u32;
            out[y * w + x] = ((sum + n / 2) / n) as u8;
        }
    }
    out
}

/// The mask grown by one pixel in the four directions.
fn dilate1(m: &[bool], w: usize, h: usize) -> Vec<bool> {
    let mut out = m.to_vec();
    for y in 0..h {
        for x in 0..w {
            if m[y * w + x] {
                if x > 0 {
                    out[y * w + x - 1] = true;
                }
                if x + 1 < w {
                    out[y * w + x + 1] = true;
                }
                if y > 0 {
                    out[(y - 1) * w + x] = true;
                }
                if y + 1 < h {
                    out[(y + 1) * w + x] = true;
                }
            }
        }
    }
    out
}

//! Dark ink on light paper, or light on dark: both are tried, and the one that finds the more
//! digit-like ink wins.
//!
//! The paper's level from the whole picture (its 1st and 99th percentiles) fails when a thin
//! pen is under 1 % of the picture (issue 9, defect 2); the border's median fails when a desk
//! surrounds the sheet. Each polarity's ink is found the same way (top-hat, threshold, pieces)
//! and scored by how digit-like its best piece is; the border's median only breaks near-ties.

use super::background::{top_hat, window};
use super::components::choose;
use super::fill::fill_hollow_strokes;
use super::gray::Gray;
use super::lines::remove_ruled_lines;
use super::threshold::split;

/// The digit found in a picture.
#[derive(Clone)]
pub(super) struct Found {
    /// Ink strength 0..1 per pixel of the working picture (0 off the digit).
    pub ink: Vec<f32>,
    /// True when the ink was darker than the paper.
    pub inverted: bool,
    /// Whether the ink stands out from the paper around it ([`sits_on_paper`]); a find that
    /// does not is a hole between strokes wider than the window, not a digit.
    pub on_paper: bool,
    /// Every pixel of this polarity's ink, ruled lines taken out, the digit's and the rest
    /// (for reading a number, [`super::number`]).
    pub mask: Vec<bool>,
    /// This polarity's top-hat, and the ink's full strength in it.
    pub hat: Vec<u8>,
    /// The level of full-strength ink in `hat`.
    pub level: u8,
}

/// Finds the digit in a working-size picture, in whichever polarity it is written.
///
/// The background window must be wider than the strokes, but not much wider than the paper
/// around the digit (a sheet on a desk with a digit in its middle is "narrow" for a window
/// wider than its margins). So windows from an eighth of the widest up to the widest are
/// tried, and the first that is wide enough for the digit it finds — wider than 0.3 × the
/// digit (strokes are at most a quarter of a digit's height) or than [`STROKES_PER_WINDOW`]
/// of its strokes — finds about the same digit as the window before it, and finds ink on
/// paper (not the hole of a marker's 0, which small windows see as light ink), is kept.
/// The widest is the fallback, unless what it finds is not on paper and the window before it
/// found a digit that is: a thin pen's large digit, whose loops and bays a window that wide
/// sees as light ink (real scans, `tests/data/scans/`).
///
/// A picture in which nothing stands out of the paper's noise is looked at once more for
/// faint ink ([`split`]'s `faint`), and what that finds is kept only if it sits on paper.
pub(super) fn find_digit(g: &Gray) -> Option<Found> {
    find_digit_as(g, None)
}

/// [`find_digit`] with the ink's polarity given (`Some(inverted)`) or chosen (`None`).
///
/// A number's paper between thin strokes can look more digit-like, as light ink, than any
/// one of its digits does as dark ink; the number reader therefore looks at both polarities
/// and lets the network choose ([`super::number`]).
pub(super) fn find_digit_as(g: &Gray, only: Option<bool>) -> Option<Found> {
    let (w, h) = (g.w, g.h);
    // A 3×3 mean first: JPEG blocks and sensor noise, not strokes.
    let light = blur3(&g.px, w, h);
    find_digit_in(&light, w, h, false, only)
        .or_else(|| find_digit_in(&light, w, h, true, only).filter(|f| f.on_paper))
}

/// [`find_digit`] on the blurred picture, with ink told from paper normally or, when `faint`,
/// closer to the paper's noise.
fn find_digit_in(
    light: &[u8],
    w: usize,
    h: usize,
    faint: bool,
    only: Option<bool>,
) -> Option<Found> {
    let paper_is_light = border_median(light, w, h) >= 128;
    let widest = window(w, h);
    let mut previous: Option<(Found, Bbox)> = None;
    for div in [8, 4, 2, 1] {
        let win = (widest / div).max(3) | 1;
        if div > 1 && win >= widest {
            continue;
        }
        let found = find_at(light, w, h, win, paper_is_light, faint, only);
        if div == 1 {
            let paper_lost = |(f, _): &(Found, Bbox)| !f.on_paper;
            let paper_kept = |(p, _): &(Found, Bbox)| p.on_paper;
            if found.as_ref().is_some_and(paper_lost) && previous.as_ref().is_some_and(paper_kept) {
                return previous.map(|(p, _)| p);
            }
            return found.map(|(f, _)| f).or(previous.map(|(f, _)| f));
        }
        if let (Some((f, b)), Some((_, pb))) = (&found, &previous) {
            let long = (b.2 - b.0).max(b.3 - b.1);
            let wide = win as f32 >= 0.3 * long as f32
                || win as f32 >= STROKES_PER_WINDOW * stroke_width(&f.ink, w, h);
            if wide && overlap(b, pb) >= 0.6 && f.on_paper {
                return found.map(|(f, _)| f);
            }
        }
        previous = found;
    }
    previous.map(|(f, _)| f)
}

/// A window this many of the digit's strokes wide is wide enough for it, however large the
/// digit: a thin pen's digit filling a scan (`docs/lab/2026-12-05-figures-from-doc-comments.md`).
const STROKES_PER_WINDOW: f32 = 3.0;

/// The strokes' width: 2·area/perimeter of the ink above half (a stroke `s` wide and much
/// longer gives about `s`).
fn stroke_width(ink: &[f32], w: usize, h: usize) -> f32 {
    let on = |x: usize, y: usize| ink[y * w + x] > 0.5;
    let (mut area, mut edge) = (0usize, 0usize);
    for y in 0..h {
        for x in 0..w {
            if !on(x, y) {
                continue;
            }
            area += 1;
            let inner = x > 0
                && y > 0
                && x + 1 < w
                && y + 1 < h
                && on(x - 1, y)
                && on(x + 1, y)
                && on(x, y - 1)
                && on(x, y + 1);
            edge += !inner as usize;
        }
    }
    if area == 0 {
        // No ink above half: no strokes to measure, so no window is wide enough by them.
        return f32::INFINITY;
    }
    2.0 * area as f32 / edge as f32
}

/// A box (x0, y0, x1, y1), ends exclusive.
type Bbox = (usize, usize, usize, usize);

/// Intersection over union of two boxes.
fn overlap(a: &Bbox, b: &Bbox) -> f32 {
    let ix = a.2.min(b.2).saturating_sub(a.0.max(b.0));
    let iy = a.3.min(b.3).saturating_sub(a.1.max(b.1));
    let inter = (ix * iy) as f32;
    let area = |b: &Bbox| ((b.2 - b.0) * (b.3 - b.1)) as f32;
    inter / (area(a) + area(b) - inter).max(1.0)
}

/// The digit found with a background window `win` wide, and its box.
fn find_at(
    light: &[u8],
    w: usize,
    h: usize,
    win: usize,
    paper_is_light: bool,
    faint: bool,
    only: Option<bool>,
) -> Option<(Found, Bbox)> {
    let dark: Vec<u8> = light.iter().map(|&v| 255 - v).collect();
    let (hat_dark, _) = top_hat(&dark, w, h, win);
    drop(dark);
    let (hat_light, _) = top_hat(light, w, h, win);
    let mut best: Option<(f32, Found, Bbox)> = None;
    for (inverted, hat, other) in [
        (true, &hat_dark, &hat_light),
        (false, &hat_light, &hat_dark),
    ] {
        if only.is_some_and(|o| o != inverted) {
            continue;
        }
        let Some(s) = split(hat, faint) else { continue };
        let mut mask: Vec<bool> = hat.iter().map(|&v| v > s.threshold).collect();
        remove_ruled_lines(&mut mask, w, h);
        let Some(choice) = choose(&mask, hat, other, w, h) else {
            continue;
        };
        // The border's median says which polarity is likelier: a small advantage, no more.
        let prior = if inverted == paper_is_light { 1.5 } else { 1.0 };
        let bbox = bounding_box(&choice.keep, w, h);
        // Paper around the ink, not more of the same: the inside of a loop (or the space between
        // a stroke and a ruled line) is as light as the paper around the whole digit.
        let on_paper = sits_on_paper(light, hat, &choice.keep, bbox, inverted, w, h);
        let on_paper_factor = if on_paper { 1.0 } else { 0.2 };
        let score = choice.score * prior * on_paper_factor;
        if best.as_ref().is_some_and(|(b, _, _)| *b >= score) {
            continue;
        }
        // The chosen pieces and a one-pixel rim (the strokes' antialiasing, below the
        // threshold), at the ink's own strength: a pencil and a marker both become white.
        let keep = dilate1(&choice.keep, w, h);
        // The inside of a hollow stroke (an outline font) is ink at full strength.
        let mut filled = keep.clone();
        fill_hollow_strokes(&mut filled, w, h);
        let level = s.level.max(1) as f32;
        let ink: Vec<f32> = hat
            .iter()
            .zip(keep.iter().zip(&filled))
            .map(|(&v, (&k, &f))| match (k, f) {
                (true, _) => (v as f32 / level).min(1.0),
                (false, true) => 1.0,
                (false, false) => 0.0,
            })
            .collect();
        let found = Found {
            ink,
            inverted,
            on_paper,
            hat: hat.clone(),
            level: s.level.max(1),
            mask,
        };
        best = Some((score, found, bbox));
    }
    best.map(|(_, f, b)| (f, b))
}

/// Whether the ink `keep` (in the box `b`) is darker than what lies around its box (`inverted`,
/// dark ink) or lighter (light ink), by at least half its own top-hat: true of strokes on paper,
/// false of a hole between strokes, whose light is the paper's own.
///
/// The ring just around the box (a quarter of its longer side) is the paper around a digit, but
/// around the hole of a marker's 0 or the gap in a bold 7 it is the stroke itself. So light ink
/// must also stand out from a wider ring (out to the box's longer side), which reaches past
/// the strokes to the paper. Dark ink is not held to the wider ring: there it may reach the
/// desk around a sheet, as dark as the ink (`docs/lab/2026-12-05-figures-from-doc-comments.md`).
fn sits_on_paper(
    light: &[u8],
    hat: &[u8],
    keep: &[bool],
    b: Bbox,
    inverted: bool,
    w: usize,
    h: usize,
) -> bool {
    let (mut ink_sum, mut hat_sum, mut n) = (0u64, 0u64, 0u64);
    for (i, _) in keep.iter().enumerate().filter(|(_, &k)| k) {
        ink_sum += light[i] as u64;
        hat_sum += hat[i] as u64;
        n += 1;
    }
    if n == 0 {
        return true;
    }
    let ink = (ink_sum / n) as f32;
    let need = 0.5 * (hat_sum / n) as f32;
    let stands_out = |ring: Option<u8>| {
        ring.is_none_or(|ring| {
            let contrast = if inverted {
                ring as f32 - ink
            } else {
                ink - ring as f32
            };
            contrast >= need
        })
    };
    let long = (b.2 - b.0).max(b.3 - b.1);
    let near = (long / 4).max(2);
    stands_out(ring_median(light, b, 0, near, w, h))
        && (inverted || stands_out(ring_median(light, b, near, long.max(near + 1), w, h)))
}

/// The median lightness of the ring around the box `b` from `inner` to `outer` pixels out
/// (clipped to the picture); `None` when the ring is empty.
fn ring_median(
    light: &[u8],
    b: Bbox,
    inner: usize,
    outer: usize,
    w: usize,
    h: usize,
) -> Option<u8> {
    let (x0, y0) = (b.0.saturating_sub(outer), b.1.saturating_sub(outer));
    let (x1, y1) = ((b.2 + outer).min(w), (b.3 + outer).min(h));
    let (ix0, iy0) = (b.0.saturating_sub(inner), b.1.saturating_sub(inner));
    let (ix1, iy1) = ((b.2 + inner).min(w), (b.3 + inner).min(h));
    let mut hist = [0u32; 256];
    let mut count = 0u32;
    for y in y0..y1 {
        for x in x0..x1 {
            if x < ix0 || x >= ix1 || y < iy0 || y >= iy1 {
                hist[light[y * w + x] as usize] += 1;
                count += 1;
            }
        }
    }
    if count == 0 {
        return None;
    }
    let mut seen = 0;
    for (level, &c) in hist.iter().enumerate() {
        seen += c;
        if 2 * seen >= count {
            return Some(level as u8);
        }
    }
    None
}

fn bounding_box(m: &[bool], w: usize, h: usize) -> Bbox {
    let (mut x0, mut y0, mut x1, mut y1) = (w, h, 0, 0);
    for y in 0..h {
        for x in 0..w {
            if m[y * w + x] {
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1));
            }
        }
    }
    (x0.min(x1), y0.min(y1), x1, y1)
}

/// The median of a strip around the picture's edge, a twentieth of the shorter side wide: the
/// ring around the box that leaves out that strip.
fn border_median(v: &[u8], w: usize, h: usize) -> u8 {
    let b = (w.min(h) / 20).max(1);
    ring_median(v, (b, b, w - b, h - b), 0, b, w, h).unwrap_or(255)
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
pub(super) fn dilate1(m: &[bool], w: usize, h: usize) -> Vec<bool> {
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

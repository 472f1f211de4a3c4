//! Which of the top-hat's pixels are ink: Otsu's threshold, kept above the paper's noise and
//! below half the ink's own level.
//!
//! Otsu alone splits the noise of the paper in two when the ink is one pixel in five hundred
//! (a thin pen on a large page), and splits the ink in two when a pen is antialiased; the
//! noise floor (from the median and spread of the top-hat, which is paper almost everywhere)
//! and the ink level (a high percentile of what is above the floor) bound it on both sides.

/// How ink was told from paper.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Split {
    /// Pixels of the top-hat above this are ink.
    pub threshold: u8,
    /// The ink's full strength: a faint pencil and a marker both become full white.
    pub level: u8,
}

/// The faintest ink worth reading, in top-hat levels: below this a picture is blank. A pencil
/// on clean grey paper can be 15–20 levels darker than it; how far ink must stand above the
/// paper's *noise* is the floor's business (below), not this.
const MIN_LEVEL: u8 = 12;

/// How far above the paper's noise (its median plus four standard deviations) the floor for ink
/// sits, in top-hat levels.
const FLOOR_MARGIN: f32 = 8.0;
/// How far the ink's level must clear that floor, as a multiple of it.
const CLEAR_OF_FLOOR: f32 = 1.5;
/// [`FLOOR_MARGIN`] for a second look at a picture where nothing cleared the first: a faint
/// pencil on grainy paper is 20 levels above clean noise, under the 1.5 × 15 it would need
/// (`docs/lab/2026-12-05-figures-from-doc-comments.md`). Used only when the first look
/// found nothing, and what it finds must sit on paper (`polarity`), so a picture read before
/// is read the same.
const FAINT_FLOOR_MARGIN: f32 = 4.0;
/// [`CLEAR_OF_FLOOR`] for the second look.
const FAINT_CLEAR_OF_FLOOR: f32 = 1.25;

/// Splits the top-hat `hat` into ink and paper; `None` when nothing stands out of the noise.
/// `faint` lowers the bar for ink, for a second look at a picture the first found blank.
pub(super) fn split(hat: &[u8], faint: bool) -> Option<Split> {
    let mut hist = [0u64; 256];
    for &p in hat {
        hist[p as usize] += 1;
    }
    let total: u64 = hist.iter().sum();
    if total == 0 {
        return None;
    }
    let median = quantile(&hist, total, 0.5);
    // The spread of the paper's noise: the median absolute deviation above the median (the
    // top-hat is never negative, so the lower half says little).
    let mut dev = [0u64; 256];
    for (v, &c) in hist.iter().enumerate() {
        dev[v.abs_diff(median as usize)] += c;
    }
    let mad = quantile(&dev, total, 0.5) as f32;
    let (margin, clear) = if faint {
        (FAINT_FLOOR_MARGIN, FAINT_CLEAR_OF_FLOOR)
    } else {
        (FLOOR_MARGIN, CLEAR_OF_FLOOR)
    };
    let floor = (median as f32 + 4.0 * 1.4826 * mad + margin).min(200.0) as u8;
    let above: u64 = hist[floor as usize + 1..].iter().sum();
    if above == 0 {
        return None;
    }
    // The ink's level: the 90th percentile of what rises above the noise.
    let mut ink = [0u64; 256];
    ink[floor as usize + 1..].copy_from_slice(&hist[floor as usize + 1..]);
    let level = quantile(&ink, above, 0.9);
    // Ink stands well clear of the noise: a level barely above the floor is the noise's tail.
    if level < MIN_LEVEL || (level as f32) < clear * floor as f32 {
        return None;
    }
    let threshold = otsu(&hist).clamp(floor, (level / 2).max(floor));
    Some(Split { threshold, level })
}

/// The smallest value v with at least a fraction `q` of `total` at or below it.
fn quantile(hist: &[u64; 256], total: u64, q: f64) -> u8 {
    let want = ((total as f64 * q).ceil() as u64).max(1);
    let mut seen = 0;
    for (v, &c) in hist.iter().enumerate() {
        seen += c;
        if seen >= want {
            return v as u8;
        }
    }
    255
}

/// Otsu's threshold: the level that best splits the histogram in two classes (pixels above
/// it are the upper class).
fn otsu(hist: &[u64; 256]) -> u8 {
    let total: f64 = hist.iter().map(|&c| c as f64).sum();
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &c)| i as f64 * c as f64)
        .sum();
    let (mut w0, mut sum0, mut best, mut best_t) = (0.0, 0.0, -1.0, 0u8);
    for (t, &c) in hist.iter().enumerate() {
        w0 += c as f64;
        sum0 += t as f64 * c as f64;
        let w1 = total - w0;
        if w0 == 0.0 || w1 == 0.0 {
            continue;
        }
        let (m0, m1) = (sum0 / w0, (sum_all - sum0) / w1);
        let between = w0 * w1 * (m0 - m1) * (m0 - m1);
        if between > best {
            best = between;
            best_t = t as u8;
        }
    }
    best_t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thin_pen_on_a_noisy_page_is_found_above_the_noise() {
        // 100 000 pixels of noise 0..12, 200 of ink at 180: ink is 0.2 % of the picture.
        let mut hat: Vec<u8> = (0..100_000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 28) as u8 % 13)
            .collect();
        hat.extend(std::iter::repeat_n(180, 200));
        let s = split(&hat, false).unwrap();
        assert!(s.threshold > 12 && s.threshold <= 90, "{s:?}");
        assert_eq!(s.level, 180);
    }

    #[test]
    fn noise_alone_is_not_ink() {
        let hat: Vec<u8> = (0..10_000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 28) as u8 % 13)
            .collect();
        assert_eq!(split(&hat, false), None);
        assert_eq!(split(&[0; 100], false), None);
    }
}

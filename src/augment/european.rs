//! European strokes: a flag on a 1 and a bar across a 7, drawn into some training copies.
//!
//! MNIST's digits were written in the United States: its 1s are a bare stroke and its 7s
//! have no bar. Much of the world writes a 1 with a flag from its top down to the left, and a
//! 7 with a bar across its stem. A network that never saw a flagged 1 reads one as a 7: on
//! the handwriting set's tune-style pictures, every "1 read as 7" was a flagged 1, and on UCI
//! optdigits (writers in Turkey) a fifth of the 1s were misread. Drawing the two strokes into
//! some copies of MNIST's own 1s and 7s teaches both shapes with MNIST's writers' hands.
//!
//! The stroke is as wide as the digit's own (the median width of its rows), and the result
//! keeps the original's horizontal centre of mass and slant, so a deskewed digit stays
//! upright (as `predict` deskews the whole flagged picture). Plain `f32` on `libm`, in a fixed
//! order: the same bits on every CPU.

use crate::digits::deskew::{shear_rows, slant};
use crate::digits::rounding::round_u8;

/// Pixels at least this bright are ink when the digit's top, rows and stem are measured.
const INK: u8 = 128;
/// A digit shorter than this (pixels of ink, top to bottom) gets no stroke: too small to
/// measure.
const MIN_HEIGHT: usize = 10;

/// Which stroke a copy gets, drawn by [`Stroke::draw`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stroke {
    /// A 1's flag: from the top of the stem down to the left, `length` (a fraction of the
    /// digit's height) at `angle` degrees below the horizontal.
    Flag {
        /// Length as a fraction of the digit's height.
        length: f32,
        /// Degrees below the horizontal.
        angle: f32,
    },
    /// A 7's bar across its stem at `at` (a fraction of the height from the top), `length` (a
    /// fraction of the height) long, tilted `tilt` degrees, its centre `offset` px off the stem.
    Bar {
        /// Where along the height, from the top.
        at: f32,
        /// Length as a fraction of the digit's height.
        length: f32,
        /// Degrees, anticlockwise.
        tilt: f32,
        /// Pixels right of the stem's centre.
        offset: f32,
    },
}

impl Stroke {
    /// The stroke of a copy of a `label` with chances `flag` (for a 1) and `bar` (for a 7);
    /// `None` for other digits or when the chance says no. Always draws five numbers from
    /// `rng`, whatever the label and chances, so what is drawn after never depends on them.
    pub fn draw(rng: &mut impl rand_core::Rng, label: u8, flag: f32, bar: f32) -> Option<Stroke> {
        let mut u = || (rng.next_u32() >> 8) as f32 * (1.0 / (1u32 << 24) as f32);
        let (yes, a, b, c, d) = (u(), u(), u(), u(), u());
        match label {
            1 if yes < flag => Some(Stroke::Flag {
                length: 0.2 + 0.2 * a,
                angle: 35.0 + 25.0 * b,
            }),
            7 if yes < bar => Some(Stroke::Bar {
                at: 0.5 + 0.15 * a,
                length: 0.3 + 0.2 * b,
                tilt: (c - 0.5) * 20.0,
                offset: (d - 0.5) * 2.0,
            }),
            _ => None,
        }
    }
}

/// Writes `src` (`side`×`side`, light ink on black) with `stroke` drawn on it into `dst`;
/// `scratch` (side²) holds a step on the way. Returns false, leaving `dst` alone, when the
/// digit is too small to measure, has no ink where the stroke starts, or the stroke has no
/// length.
///
/// # Panics
/// If `src`, `dst` or `scratch` is not side² long.
pub fn draw(src: &[u8], dst: &mut [u8], scratch: &mut [u8], side: usize, stroke: Stroke) -> bool {
    assert!(src.len() == side * side && dst.len() == side * side && scratch.len() == side * side);
    let on = |x: usize, y: usize| src[y * side + x] >= INK;
    let row_ink = move |y: usize| (0..side).filter(move |&x| on(x, y));
    let Some(top) = (0..side).find(|&y| row_ink(y).next().is_some()) else {
        return false;
    };
    let bottom = (0..side).rev().find(|&y| row_ink(y).next().is_some());
    let bottom = bottom.unwrap_or(top);
    if bottom + 1 - top < MIN_HEIGHT {
        return false;
    }
    let height = (bottom + 1 - top) as f32;
    let centre_of = |ys: core::ops::Range<usize>| -> Option<f32> {
        let (mut n, mut sum) = (0usize, 0usize);
        for y in ys {
            for x in row_ink(y) {
                n += 1;
                sum += x;
            }
        }
        (n > 0).then(|| sum as f32 / n as f32 + 0.5)
    };
    // The pen's half width: half the median width of the rows well inside the digit (the
    // first 64 of them: no allocation, and MNIST's digits are 20 rows tall).
    let mut widths = [0u8; 64];
    let mut count = 0;
    for y in top + 4..bottom.saturating_sub(3) {
        let w = row_ink(y).count();
        if w > 0 && count < widths.len() {
            widths[count] = w.min(255) as u8;
            count += 1;
        }
    }
    widths[..count].sort_unstable();
    let width = if count > 0 { widths[count / 2] } else { 2 };
    let r = (width as f32 / 2.0).clamp(0.8, 2.5);
    let (a, b) = match stroke {
        Stroke::Flag { length, angle } => {
            let Some(x) = centre_of(top..(top + 2).min(side)) else {
                return false;
            };
            let a = (x, top as f32 + 0.5 + r * 0.5);
            let (len, t) = (height * length, angle.to_radians());
            (a, (a.0 - len * libm::cosf(t), a.1 + len * libm::sinf(t)))
        }
        Stroke::Bar {
            at,
            length,
            tilt,
            offset,
        } => {
            let y = (top + ((bottom - top) as f32 * at.clamp(0.0, 1.0)) as usize).min(bottom);
            let Some(x) = centre_of(y..y + 1) else {
                return false;
            };
            let (half, t) = (height * length / 2.0, tilt.to_radians());
            let (c, yc) = (x + offset, y as f32 + 0.5);
            let (dx, dy) = (half * libm::cosf(t), half * libm::sinf(t));
            ((c - dx, yc + dy), (c + dx, yc - dy))
        }
    };
    // The segment a→b, `r` wide on each side, antialiased over a pixel, over the digit.
    let (ex, ey) = (b.0 - a.0, b.1 - a.1);
    let len2 = ex * ex + ey * ey;
    if !(len2 > 0.0 && len2.is_finite()) {
        return false;
    }
    let (mut mass, mut mass_x, mut mass0, mut mass0_x) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
    for y in 0..side {
        for x in 0..side {
            let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
            let t = (((px - a.0) * ex + (py - a.1) * ey) / len2).clamp(0.0, 1.0);
            let d = libm::sqrtf(
                (px - a.0 - t * ex) * (px - a.0 - t * ex)
                    + (py - a.1 - t * ey) * (py - a.1 - t * ey),
            );
            let pen = 255.0 * (r + 0.5 - d).clamp(0.0, 1.0);
            let old = src[y * side + x];
            let v = round_u8(pen.max(old as f32));
            scratch[y * side + x] = v;
            mass += v as f32;
            mass_x += v as f32 * px;
            mass0 += old as f32;
            mass0_x += old as f32 * px;
        }
    }
    // Back to the original's horizontal centre of mass, to the nearest pixel…
    let shift = libm::roundf(mass0_x / mass0 - mass_x / mass) as i32;
    for y in 0..side {
        for x in 0..side {
            let sx = x as i32 - shift;
            dst[y * side + x] = if (0..side as i32).contains(&sx) {
                scratch[y * side + sx as usize]
            } else {
                0
            };
        }
    }
    // …and to its slant: a deskewed 1 stays upright with its flag.
    let (Some((before, _)), Some((after, cy))) = (slant(src, side), slant(dst, side)) else {
        return true;
    };
    scratch.copy_from_slice(dst);
    shear_rows(scratch, dst, side, after - before, cy);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A vertical stroke, 3 px wide, rows 4..24 at x 13..16: a plain 1.
    fn one() -> [u8; 784] {
        let mut img = [0u8; 784];
        for y in 4..24 {
            for x in 13..16 {
                img[y * 28 + x] = 255;
            }
        }
        img
    }

    fn ink_left_of(img: &[u8], x_max: usize, rows: core::ops::Range<usize>) -> usize {
        rows.flat_map(|y| (0..x_max).map(move |x| (x, y)))
            .filter(|&(x, y)| img[y * 28 + x] >= INK)
            .count()
    }

    #[test]
    fn a_flag_goes_from_the_top_down_to_the_left_and_the_one_stays_upright() {
        let (src, mut dst, mut scratch) = (one(), [0u8; 784], [0u8; 784]);
        let flag = Stroke::Flag {
            length: 0.35,
            angle: 45.0,
        };
        assert!(draw(&src, &mut dst, &mut scratch, 28, flag));
        // Ink left of the stem near the top, none at the bottom.
        let stem = (0..28).filter(|&x| dst[20 * 28 + x] >= INK).min().unwrap();
        assert!(ink_left_of(&dst, stem, 4..12) >= 6, "no flag");
        assert_eq!(ink_left_of(&dst, stem, 16..24), 0);
        // The ink's slant is the plain 1's (none), within rounding.
        let (alpha, _) = slant(&dst, 28).unwrap();
        assert!(alpha.abs() < 0.02, "slant {alpha}");
        // The centre of mass stays where it was, to the nearest pixel.
        let cx = |img: &[u8]| {
            let m: f32 = img.iter().map(|&v| v as f32).sum();
            img.iter()
                .enumerate()
                .map(|(i, &v)| v as f32 * ((i % 28) as f32 + 0.5))
                .sum::<f32>()
                / m
        };
        assert!(
            (cx(&dst) - cx(&src)).abs() <= 0.5,
            "{} vs {}",
            cx(&dst),
            cx(&src)
        );
    }

    #[test]
    fn a_bar_crosses_the_stem_below_the_middle() {
        let (src, mut dst, mut scratch) = (one(), [0u8; 784], [0u8; 784]);
        let bar = Stroke::Bar {
            at: 0.55,
            length: 0.4,
            tilt: 0.0,
            offset: 0.0,
        };
        assert!(draw(&src, &mut dst, &mut scratch, 28, bar));
        let widest = (0..28)
            .max_by_key(|&y| (0..28).filter(|&x| dst[y * 28 + x] >= INK).count())
            .unwrap();
        assert!((14..=16).contains(&widest), "the bar is at row {widest}");
        let width = (0..28).filter(|&x| dst[widest * 28 + x] >= INK).count();
        assert!(width >= 7, "a bar {width} px wide");
    }

    #[test]
    fn only_ones_get_flags_and_sevens_bars_and_the_draws_are_always_five() {
        use rand_core::{Rng, SeedableRng};
        for label in 0..10u8 {
            let mut rng = rand_xorshift::XorShiftRng::seed_from_u64(7);
            let stroke = Stroke::draw(&mut rng, label, 1.0, 1.0);
            match label {
                1 => assert!(matches!(stroke, Some(Stroke::Flag { .. }))),
                7 => assert!(matches!(stroke, Some(Stroke::Bar { .. }))),
                _ => assert_eq!(stroke, None),
            }
            let mut five = rand_xorshift::XorShiftRng::seed_from_u64(7);
            for _ in 0..5 {
                five.next_u32();
            }
            assert_eq!(rng.next_u32(), five.next_u32());
        }
        let mut rng = rand_xorshift::XorShiftRng::seed_from_u64(7);
        assert_eq!(Stroke::draw(&mut rng, 1, 0.0, 0.0), None);
    }

    #[test]
    fn a_digit_too_small_to_measure_is_left_alone() {
        let mut src = [0u8; 784];
        for y in 10..15 {
            src[y * 28 + 14] = 255;
        }
        let (mut dst, mut scratch) = ([9u8; 784], [0u8; 784]);
        let flag = Stroke::Flag {
            length: 0.3,
            angle: 45.0,
        };
        assert!(!draw(&src, &mut dst, &mut scratch, 28, flag));
        assert_eq!(dst, [9u8; 784]);
    }
}

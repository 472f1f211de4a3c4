//! Deskewing by image moments, the classic MNIST step (LeCun et al.'s table lists it for
//! every classifier family): a digit's slant is the shear that makes its ink's x and y
//! uncorrelated, and undoing it stands every digit upright.
//!
//! With the ink's centre of mass (cx, cy), the slant is α = μ₁₁ / μ₀₂ — the covariance of x and
//! y over the variance of y. Each row then shifts sideways by −α·(y − cy): row y of the result is
//! row y of the original, sampled at x + α·(y − cy) with linear interpolation along the row.
//! Rows stay rows (no vertical resampling, so no vertical blur), and the centre of mass stays
//! where it was.
//!
//! The raw moments are integer sums (exact), and the rest is `f32` in a fixed order: the same
//! image gives the same bytes on every CPU. No allocation: it runs in the core.

use crate::digits::rounding::{floor_small, round_u8};

/// The largest slant undone, as a shear factor: a digit leaning more than this (about 45°) is
/// more likely a stroke the moments misread than a slant.
pub const MAX_SLANT: f32 = 1.0;

/// The slant α of the `side`×`side` image `img` (x grows by α per pixel down the digit, so a
/// digit leaning right has α < 0 in screen coordinates, y down), and its centre row `cy`;
/// `None` for an image without ink or with all its ink in one row.
pub fn slant(img: &[u8], side: usize) -> Option<(f32, f32)> {
    assert_eq!(img.len(), side * side);
    // Raw moments Σv, Σv·x, Σv·y, Σv·x·y, Σv·y², exact in i64 for any image under 2^20 px.
    let (mut m, mut mx, mut my, mut mxy, mut myy) = (0i64, 0i64, 0i64, 0i64, 0i64);
    // Row by row: integer sums are exact in any order, so the row sums are added up as they
    // come (and no pixel needs a division to find its row).
    for (y, row) in img.chunks_exact(side).enumerate() {
        let (mut r, mut rx) = (0i64, 0i64);
        for (x, &v) in row.iter().enumerate() {
            r += v as i64;
            rx += v as i64 * x as i64;
        }
        let y = y as i64;
        m += r;
        mx += rx;
        my += r * y;
        mxy += rx * y;
        myy += r * y * y;
    }
    if m == 0 {
        return None;
    }
    // m² · μ₁₁ and m² · μ₀₂, still exact.
    let cov = (m as i128) * (mxy as i128) - (mx as i128) * (my as i128);
    let var = (m as i128) * (myy as i128) - (my as i128) * (my as i128);
    if var <= 0 {
        return None;
    }
    let alpha = (cov as f64 / var as f64) as f32;
    let cy = (my as f64 / m as f64) as f32;
    Some((alpha.clamp(-MAX_SLANT, MAX_SLANT), cy))
}

/// Writes `src` stood upright into `dst` (both `side`×`side`, light ink on black); an image
/// without a measurable slant is copied as it is.
///
/// # Panics
/// If `src` or `dst` is not `side`² long.
pub fn deskew(src: &[u8], dst: &mut [u8], side: usize) {
    assert!(src.len() == side * side && dst.len() == side * side);
    let Some((alpha, cy)) = slant(src, side) else {
        dst.copy_from_slice(src);
        return;
    };
    shear_rows(src, dst, side, alpha, cy);
}

/// Writes `src` into `dst` (both `side`×`side`) with each row y moved sideways by
/// −α·(y − cy): row y of `dst` is row y of `src` sampled at x + α·(y − cy), linearly
/// interpolated. [`deskew`] is this with the image's own slant. `alpha` is clamped to
/// ±[`MAX_SLANT`]; `cy` is a row of the image (0 ≤ cy < side).
///
/// # Panics
/// If `src` or `dst` is not `side`² long.
pub fn shear_rows(src: &[u8], dst: &mut [u8], side: usize, alpha: f32, cy: f32) {
    assert!(src.len() == side * side && dst.len() == side * side);
    let alpha = alpha.clamp(-MAX_SLANT, MAX_SLANT);
    for y in 0..side {
        let row = &src[y * side..(y + 1) * side];
        let shift = alpha * (y as f32 - cy);
        for (x, out) in dst[y * side..(y + 1) * side].iter_mut().enumerate() {
            let sx = x as f32 + shift;
            // |α| ≤ 1 and 0 ≤ cy < side keep sx within −side..2·side: floor_small's range.
            let x0 = floor_small(sx);
            let f = sx - x0 as f32;
            let at = |xi: i32| -> f32 {
                if xi < 0 || xi >= side as i32 {
                    0.0
                } else {
                    row[xi as usize] as f32
                }
            };
            let v = at(x0) * (1.0 - f) + at(x0 + 1) * f;
            *out = round_u8(v.clamp(0.0, 255.0));
        }
    }
}

/// `pixels` as a network that deskews (when `deskew`) sees them: stood upright into `buf` if
/// the picture is square, else as they are. [`Network::input_into`](crate::Network::input_into)
/// is this and the book's scaling; a trainer that holds the network borrowed uses this
/// directly with [`Network::deskews`](crate::Network::deskews).
///
/// # Panics
/// If `deskew` and `buf` is shorter than `pixels`.
pub fn upright<'a>(deskew: bool, pixels: &'a [u8], buf: &'a mut [u8]) -> &'a [u8] {
    let side = pixels.len().isqrt();
    if deskew && side * side == pixels.len() {
        let buf = &mut buf[..pixels.len()];
        self::deskew(pixels, buf, side);
        buf
    } else {
        pixels
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bar from (x_top, 4) to (x_bottom, 23), two pixels wide.
    fn bar(x_top: f32, x_bottom: f32) -> [u8; 784] {
        let mut img = [0u8; 784];
        for y in 4..24 {
            let x = x_top + (x_bottom - x_top) * (y - 4) as f32 / 19.0;
            let x = libm::roundf(x) as usize;
            img[y * 28 + x] = 255;
            img[y * 28 + x + 1] = 255;
        }
        img
    }

    fn column_spread(img: &[u8]) -> usize {
        let cols: Vec<usize> = (0..28)
            .filter(|&x| (0..28).any(|y| img[y * 28 + x] > 64))
            .collect();
        cols.last().unwrap() - cols.first().unwrap() + 1
    }

    /// The first version, a pixel at a time with `libm`: the faster one must match it.
    fn reference(src: &[u8], dst: &mut [u8], side: usize) {
        let (mut m, mut mx, mut my, mut mxy, mut myy) = (0i64, 0i64, 0i64, 0i64, 0i64);
        for (i, &v) in src.iter().enumerate() {
            let (x, y, v) = ((i % side) as i64, (i / side) as i64, v as i64);
            m += v;
            mx += v * x;
            my += v * y;
            mxy += v * x * y;
            myy += v * y * y;
        }
        let cov = (m as i128) * (mxy as i128) - (mx as i128) * (my as i128);
        let var = (m as i128) * (myy as i128) - (my as i128) * (my as i128);
        if m == 0 || var <= 0 {
            dst.copy_from_slice(src);
            return;
        }
        let alpha = ((cov as f64 / var as f64) as f32).clamp(-MAX_SLANT, MAX_SLANT);
        let cy = (my as f64 / m as f64) as f32;
        for y in 0..side {
            let row = &src[y * side..(y + 1) * side];
            let shift = alpha * (y as f32 - cy);
            for x in 0..side {
                let sx = x as f32 + shift;
                let x0 = libm::floorf(sx);
                let f = sx - x0;
                let at = |xi: f32| -> f32 {
                    if xi < 0.0 || xi >= side as f32 {
                        0.0
                    } else {
                        row[xi as usize] as f32
                    }
                };
                let v = at(x0) * (1.0 - f) + at(x0 + 1.0) * f;
                dst[y * side + x] = libm::roundf(v.clamp(0.0, 255.0)) as u8;
            }
        }
    }

    #[test]
    fn the_same_bytes_as_the_first_version() {
        // Random ink of every density, sides 1 to 40, and bars at every slant.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut images: Vec<(Vec<u8>, usize)> = Vec::new();
        for side in [1, 2, 3, 9, 28, 40] {
            for density in [0, 1, 5, 30, 100] {
                for _ in 0..40 {
                    let img = (0..side * side)
                        .map(|_| {
                            let r = next();
                            if r % 100 < density {
                                (r >> 8) as u8
                            } else {
                                0
                            }
                        })
                        .collect();
                    images.push((img, side));
                }
            }
        }
        for top in 2..26 {
            for bottom in 2..26 {
                images.push((bar(top as f32, bottom as f32).to_vec(), 28));
            }
        }
        for (img, side) in &images {
            let (mut want, mut got) = (vec![0u8; img.len()], vec![0u8; img.len()]);
            reference(img, &mut want, *side);
            deskew(img, &mut got, *side);
            assert_eq!(got, want, "side {side}");
        }
    }

    #[test]
    fn a_leaning_bar_stands_up() {
        // Top right, bottom left: a "1" leaning right.
        let leaning = bar(18.0, 9.0);
        let (alpha, _) = slant(&leaning, 28).unwrap();
        assert!(alpha < -0.3, "alpha {alpha}");
        let mut upright = [0u8; 784];
        deskew(&leaning, &mut upright, 28);
        assert!(column_spread(&leaning) >= 10);
        assert!(column_spread(&upright) <= 4, "{}", column_spread(&upright));
    }

    #[test]
    fn an_upright_digit_is_left_alone() {
        let straight = bar(13.0, 13.0);
        assert_eq!(slant(&straight, 28).unwrap().0, 0.0);
        let mut out = [0u8; 784];
        deskew(&straight, &mut out, 28);
        assert_eq!(out, straight);
    }

    #[test]
    fn the_centre_of_mass_stays_and_blank_images_are_copied() {
        let leaning = bar(17.0, 10.0);
        let mut out = [0u8; 784];
        deskew(&leaning, &mut out, 28);
        let centre = |img: &[u8]| {
            let (mut m, mut mx) = (0.0f64, 0.0f64);
            for (i, &v) in img.iter().enumerate() {
                m += v as f64;
                mx += v as f64 * (i % 28) as f64;
            }
            mx / m
        };
        assert!((centre(&leaning) - centre(&out)).abs() < 0.5);
        let blank = [0u8; 784];
        deskew(&blank, &mut out, 28);
        assert_eq!(out, blank);
    }
}

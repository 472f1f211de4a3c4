//! Softer copies: a blurred pen and a low-resolution scan.
//!
//! Real digits reach the network blurred (a felt pen, a phone camera out of focus) or from few
//! pixels (a digit 10–14 px tall on a scanned form, upscaled by the preparation); MNIST's are
//! sharp and from 20 px boxes. Both steps are integer arithmetic with exact rounding, so they
//! give the same bits on every CPU with no vector path of their own: the compiler may widen
//! them as it likes without changing a result.

/// Blurs the `side`×`side` image `src` into `dst` with the 3×3 binomial kernel
/// [1 2 1]ᵀ·[1 2 1] / 16; beyond the edge is background (0). Rounds half up.
///
/// # Panics
/// If `src` or `dst` is not `side`² long.
pub fn blur(src: &[u8], dst: &mut [u8], side: usize) {
    assert!(src.len() == side * side && dst.len() == side * side);
    let at = |x: isize, y: isize| -> u32 {
        if x < 0 || y < 0 || x as usize >= side || y as usize >= side {
            0
        } else {
            src[y as usize * side + x as usize] as u32
        }
    };
    for y in 0..side as isize {
        for x in 0..side as isize {
            let row = |y| at(x - 1, y) + 2 * at(x, y) + at(x + 1, y);
            let s = row(y - 1) + 2 * row(y) + row(y + 1);
            // s ≤ 16 · 255, so (s + 8) / 16 ≤ 255.
            dst[y as usize * side + x as usize] = ((s + 8) >> 4) as u8;
        }
    }
}

/// The image as a scan at half the resolution would give it: `src` (`side`×`side`, `side`
/// even) averaged over 2×2 blocks, then enlarged back bilinearly (pixel centres aligned, the
/// edge pixel repeated beyond the edge) into `dst`. Rounds half up.
///
/// # Panics
/// If `side` is odd or `src` or `dst` is not `side`² long.
pub fn low_res(src: &[u8], dst: &mut [u8], side: usize) {
    assert!(side % 2 == 0 && src.len() == side * side && dst.len() == side * side);
    let h = side / 2;
    // The half-size image, times 4 (the block sums, exact).
    let small = |x: usize, y: usize| -> u32 {
        let i = 2 * y * side + 2 * x;
        src[i] as u32 + src[i + 1] as u32 + src[i + side] as u32 + src[i + side + 1] as u32
    };
    // Output pixel 2i sits at i − ¼ of the small image, 2i + 1 at i + ¼: ¾ of the nearer
    // small pixel and ¼ of the other, clamped at the edge.
    let taps = |o: usize| -> (usize, usize) {
        let i = o / 2;
        if o % 2 == 0 {
            (i, i.saturating_sub(1))
        } else {
            (i, (i + 1).min(h - 1))
        }
    };
    for y in 0..side {
        let (ny, fy) = taps(y);
        for x in 0..side {
            let (nx, fx) = taps(x);
            let row = |sy| 3 * small(nx, sy) + small(fx, sy);
            // Sums: ×4 (blocks) ×4 (across) ×4 (down) = ×64; at most 64 · 255.
            let s = 3 * row(ny) + row(fy);
            dst[y * side + x] = ((s + 32) >> 6) as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blur_spreads_a_dot_by_the_binomial_kernel() {
        let mut img = [0u8; 784];
        img[10 * 28 + 10] = 160;
        let mut out = [0u8; 784];
        blur(&img, &mut out, 28);
        assert_eq!(out[10 * 28 + 10], 40);
        assert_eq!(out[10 * 28 + 11], 20);
        assert_eq!(out[9 * 28 + 9], 10);
        assert_eq!(out[8 * 28 + 10], 0);
        assert_eq!(out.iter().map(|&v| v as u32).sum::<u32>(), 160);
    }

    #[test]
    fn a_blur_and_a_low_res_copy_leave_flat_areas_flat() {
        let img = [200u8; 784];
        let mut out = [0u8; 784];
        low_res(&img, &mut out, 28);
        assert_eq!(out, img);
        blur(&img, &mut out, 28);
        // Inside, unchanged; on the edge, the background beyond it darkens.
        assert_eq!(out[14 * 28 + 14], 200);
        assert_eq!(out[0], 113); // 200 · 9 / 16 = 112.5, half up
    }

    #[test]
    fn a_low_res_copy_loses_a_one_pixel_line_detail_but_keeps_its_ink() {
        // A vertical line one pixel wide: half the resolution smears it over three or four
        // columns, its total ink about the same.
        let mut img = [0u8; 784];
        for y in 4..24 {
            img[y * 28 + 13] = 255;
        }
        let mut out = [0u8; 784];
        low_res(&img, &mut out, 28);
        let ink = |im: &[u8]| im.iter().map(|&v| v as i64).sum::<i64>();
        assert!((ink(&out) - ink(&img)).abs() < ink(&img) / 10);
        assert!(out[14 * 28 + 13] < 255 && out[14 * 28 + 12] > 0 && out[14 * 28 + 14] > 0);
        // Block-aligned 2×2 squares survive exactly in their middles' neighbourhood sums.
        let mut sq = [0u8; 784];
        for y in 10..18 {
            for x in 10..18 {
                sq[y * 28 + x] = 255;
            }
        }
        low_res(&sq, &mut out, 28);
        assert_eq!(out[14 * 28 + 14], 255);
        assert_eq!(out[10 * 28 + 10], 143); // ¾·¾ of 255 = 143.4
    }

    #[test]
    fn both_steps_work_on_any_even_side() {
        let img: Vec<u8> = (0..16).map(|i| (i * 17) as u8).collect();
        let mut out = vec![0u8; 16];
        low_res(&img, &mut out, 4);
        blur(&img, &mut out, 4);
        let mut one = [0u8; 4];
        low_res(&[4, 8, 12, 16], &mut one, 2);
        assert_eq!(one, [10; 4]);
    }
}

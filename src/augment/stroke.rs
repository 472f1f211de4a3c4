//! Stroke width: strokes made thicker or thinner by a fraction of a step of dilation or
//! erosion ([`stroke_width`]), as thinner or thicker pens write.
//!
//! 28×28 images take a path without checks or branches from a copy with a border of zeros
//! (`stroke_n`), compiled for AVX2 too and chosen at run time on x86_64. Both give the bits
//! of the first version (`augment/reference.rs`).

use super::{MNIST_SIDE, PADDED_MAX};
use crate::digits::rounding::round_u8;

/// Makes strokes thicker (`grow > 0`) or thinner (`grow < 0`) by mixing each pixel with the
/// brightest (or darkest) of its four neighbours: `grow` of ±1 is a full step of dilation or
/// erosion, values between blend.
pub fn stroke_width(src: &[u8], dst: &mut [u8], side: usize, grow: f32) {
    assert!(src.len() == side * side && dst.len() == side * side);
    let grow = grow.clamp(-1.0, 1.0);
    let dilate = grow >= 0.0;
    let g = libm::fabsf(grow);
    // The brightest (darkest) of a pixel and its neighbours: max and min are exact and
    // commutative, so the order they are taken in changes nothing.
    let ext = |v: u8, n: [u8; 4]| -> u8 {
        if dilate {
            v.max(n[0]).max(n[1]).max(n[2]).max(n[3])
        } else {
            v.min(n[0]).min(n[1]).min(n[2]).min(n[3])
        }
    };
    if side == MNIST_SIDE {
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        if std::is_x86_feature_detected!("avx2") {
            #[allow(unsafe_code)]
            // SAFETY: the CPU has been found to support AVX2.
            return unsafe { stroke_avx2::<MNIST_SIDE>(src, dst, dilate, g) };
        }
        return stroke_n::<MNIST_SIDE>(src, dst, dilate, g);
    }
    let mix = |v: u8, e: u8| mix(v, e, g);
    // Pixels on the edge: a neighbour beyond it is 0.
    let edge = |dst: &mut [u8], x: usize, y: usize| {
        let at = |nx: usize, ny: usize| {
            if nx < side && ny < side {
                src[ny * side + nx]
            } else {
                0
            }
        };
        let v = src[y * side + x];
        let n = [
            at(x.wrapping_sub(1), y),
            at(x + 1, y),
            at(x, y.wrapping_sub(1)),
            at(x, y + 1),
        ];
        dst[y * side + x] = mix(v, ext(v, n));
    };
    if side < 3 {
        for y in 0..side {
            for x in 0..side {
                edge(dst, x, y);
            }
        }
        return;
    }
    for x in 0..side {
        edge(dst, x, 0);
        edge(dst, x, side - 1);
    }
    // Inside, every neighbour exists: no checks, one pass per row over the row's slices at
    // the five offsets (left, itself, right, above, below), which the compiler can widen.
    for y in 1..side - 1 {
        edge(dst, 0, y);
        edge(dst, side - 1, y);
        let (up, row, down) = (
            &src[(y - 1) * side + 1..y * side - 1],
            &src[y * side..(y + 1) * side],
            &src[(y + 1) * side + 1..(y + 2) * side - 1],
        );
        let (left, mid, right) = (&row[..side - 2], &row[1..side - 1], &row[2..]);
        let out = &mut dst[y * side + 1..(y + 1) * side - 1];
        let pixels = out
            .iter_mut()
            .zip(mid)
            .zip(left.iter().zip(right).zip(up.iter().zip(down)));
        if dilate {
            for ((o, &v), ((&l, &r), (&u, &d))) in pixels {
                *o = mix(v, v.max(l).max(r).max(u).max(d));
            }
        } else {
            for ((o, &v), ((&l, &r), (&u, &d))) in pixels {
                *o = mix(v, v.min(l).min(r).min(u).min(d));
            }
        }
    }
}

/// A pixel `v` moved the fraction `g` of the way to `e`, rounded: the first version's sum.
#[inline(always)]
fn mix(v: u8, e: u8, g: f32) -> u8 {
    round_u8(v as f32 + (e as f32 - v as f32) * g)
}

/// [`stroke_width`] for a side known at compile time: the source inside a border of zeros
/// (what the first version read beyond the edge), so that every pixel, on the edge or not,
/// has its four neighbours at fixed offsets, without checks or branches.
#[inline(always)]
fn stroke_n<const N: usize>(src: &[u8], dst: &mut [u8], dilate: bool, g: f32) {
    let p = N + 2;
    assert!(p * p <= PADDED_MAX && src.len() == N * N);
    let mut padded = [0u8; PADDED_MAX];
    for (row, s) in padded[p..].chunks_exact_mut(p).zip(src.chunks_exact(N)) {
        row[1..=N].copy_from_slice(s);
    }
    for (y, out) in dst.chunks_exact_mut(N).enumerate() {
        let out: &mut [u8; N] = out.try_into().unwrap();
        let at = |from: usize| -> &[u8; N] { padded[from..from + N].try_into().unwrap() };
        let (up, down) = (at(y * p + 1), at((y + 2) * p + 1));
        let (left, mid, right) = (at((y + 1) * p), at((y + 1) * p + 1), at((y + 1) * p + 2));
        if dilate {
            for x in 0..N {
                let e = mid[x].max(left[x]).max(right[x]).max(up[x]).max(down[x]);
                out[x] = mix(mid[x], e, g);
            }
        } else {
            for x in 0..N {
                let e = mid[x].min(left[x]).min(right[x]).min(up[x]).min(down[x]);
                out[x] = mix(mid[x], e, g);
            }
        }
    }
}

/// [`stroke_n`] compiled with AVX2 (the same bits: lanes are different pixels).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[allow(unsafe_code)]
#[target_feature(enable = "avx2")]
unsafe fn stroke_avx2<const N: usize>(src: &[u8], dst: &mut [u8], dilate: bool, g: f32) {
    stroke_n::<N>(src, dst, dilate, g)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::augment::reference;
    use crate::augment::test_pictures::pictures;

    #[test]
    fn strokes_grow_and_shrink() {
        let mut line = [0u8; 784];
        for y in 5..23 {
            line[y * 28 + 13] = 200;
            line[y * 28 + 14] = 200;
        }
        let ink = |img: &[u8]| img.iter().map(|&v| v as u32).sum::<u32>();
        let (mut thick, mut thin) = ([0u8; 784], [0u8; 784]);
        stroke_width(&line, &mut thick, 28, 1.0);
        stroke_width(&line, &mut thin, 28, -0.5);
        assert!(ink(&thick) > ink(&line) * 3 / 2);
        assert!(ink(&thin) < ink(&line));
        let mut same = [0u8; 784];
        stroke_width(&line, &mut same, 28, 0.0);
        assert_eq!(same, line);
    }

    #[test]
    fn stroke_width_is_the_first_version_bit_for_bit() {
        let mut grows = vec![0.0, -0.0, 1.0, -1.0, 2.0, -7.0, 0.5, -0.5, f32::NAN];
        grows.extend((0..200).map(|i| (i as f32 * 0.618_034).fract() * 2.0 - 1.0));
        for side in [28, 1, 2, 3, 9] {
            for img in pictures(side, 3 + side as u64) {
                let (mut a, mut b) = (vec![0u8; side * side], vec![1u8; side * side]);
                for &g in &grows {
                    stroke_width(&img, &mut a, side, g);
                    reference::stroke_width(&img, &mut b, side, g);
                    assert_eq!(a, b, "side {side}, grow {g}");
                    if side == MNIST_SIDE {
                        // The portable build too (the call above takes AVX2's where it can).
                        let g = g.clamp(-1.0, 1.0);
                        a.fill(1);
                        stroke_n::<MNIST_SIDE>(&img, &mut a, g >= 0.0, libm::fabsf(g));
                        assert_eq!(a, b, "portable, grow {g}");
                    }
                }
            }
        }
    }
}

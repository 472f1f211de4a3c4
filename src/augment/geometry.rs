//! Geometry of a copy: the affine map ([`Affine`]) of an image about its centre, and the warp
//! that applies it with bilinear sampling, with or without a displacement field ([`warp`],
//! [`warp_displaced`]).
//!
//! 28×28 images take a path that works a row at a time from a copy with a border of zeros
//! (`warp_n`, `sample_row`), compiled for AVX2 too and chosen at run time on x86_64; other
//! sides take the per-pixel path (`sample`). Both give the bits of the first version
//! (`augment/reference.rs`).

use super::{MNIST_SIDE, PADDED_MAX};
use crate::digits::rounding::{floor_near, floor_small, round_u8};

/// An affine map of an image about its centre: rotation, slant, scaling and shift.
///
/// A point `p` of the original lands at `centre + R(rotate) · Shear(shear) · Scale(scale_x,
/// scale_y) · (p − centre) + shift`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine {
    /// Rotation in degrees, anticlockwise as seen on screen.
    pub rotate: f32,
    /// Horizontal slant: x += shear · (centre_y − y), so positive leans the top to the right.
    pub shear: f32,
    /// Horizontal scale.
    pub scale_x: f32,
    /// Vertical scale.
    pub scale_y: f32,
    /// Shift right, in pixels.
    pub shift_x: f32,
    /// Shift down, in pixels.
    pub shift_y: f32,
}

impl Affine {
    /// The identity: the image unchanged.
    pub const IDENTITY: Affine = Affine {
        rotate: 0.0,
        shear: 0.0,
        scale_x: 1.0,
        scale_y: 1.0,
        shift_x: 0.0,
        shift_y: 0.0,
    };

    /// A pure rotation by `degrees` about the centre.
    pub fn rotation(degrees: f32) -> Self {
        Affine {
            rotate: degrees,
            ..Self::IDENTITY
        }
    }

    /// The 2×2 matrix of the map (x right, y down), row-major.
    fn matrix(&self) -> [f32; 4] {
        let t = self.rotate.to_radians();
        let (s, c) = (libm::sinf(t), libm::cosf(t));
        // On screen y points down, so an anticlockwise rotation is [[c, s], [−s, c]].
        let r = [c, s, -s, c];
        // Shear then scale: [[1, −k], [0, 1]] · diag(sx, sy)
        let m = [self.scale_x, -self.shear * self.scale_y, 0.0, self.scale_y];
        [
            r[0] * m[0] + r[1] * m[2],
            r[0] * m[1] + r[1] * m[3],
            r[2] * m[0] + r[3] * m[2],
            r[2] * m[1] + r[3] * m[3],
        ]
    }
}

/// Warps the `side`×`side` image `src` by `map` into `dst`, sampling bilinearly; what comes
/// from outside the image is background (0).
///
/// # Panics
/// If `src` or `dst` is not `side`² long.
pub fn warp(src: &[u8], dst: &mut [u8], side: usize, map: &Affine) {
    warp_displaced(src, dst, side, map, None);
}

/// [`warp`], then each pixel of `dst` also fetched from `(dx, dy)` further on in `src`:
/// `field` is two side² displacement maps (x, y), row-major, in pixels.
///
/// # Panics
/// If `src`, `dst` or the field's maps are not `side`² long.
pub fn warp_displaced(
    src: &[u8],
    dst: &mut [u8],
    side: usize,
    map: &Affine,
    field: Option<(&[f32], &[f32])>,
) {
    assert!(src.len() == side * side && dst.len() == side * side);
    if let Some((fx, fy)) = field {
        assert!(fx.len() == side * side && fy.len() == side * side);
    }
    let inv = Inverse::new(map, side);
    if side == MNIST_SIDE {
        return warp_best::<MNIST_SIDE>(src, dst, &inv, field);
    }
    for (y, out) in dst.chunks_exact_mut(side).enumerate() {
        let row = inv.row(y);
        for (x, o) in out.iter_mut().enumerate() {
            let (mut sx, mut sy) = inv.at(x, row);
            if let Some((fx, fy)) = field {
                sx += fx[y * side + x];
                sy += fy[y * side + x];
            }
            *o = sample(src, side, sx, sy);
        }
    }
}

/// Where in the source each pixel of the destination comes from: the inverse of a map.
#[derive(Debug, Clone, Copy)]
struct Inverse {
    ia: f32,
    ib: f32,
    ic: f32,
    id: f32,
    centre: f32,
    shift_x: f32,
    shift_y: f32,
}

impl Inverse {
    fn new(map: &Affine, side: usize) -> Self {
        let [a, b, c, d] = map.matrix();
        let det = a * d - b * c;
        Inverse {
            ia: d / det,
            ib: -b / det,
            ic: -c / det,
            id: a / det,
            centre: side as f32 / 2.0,
            shift_x: map.shift_x,
            shift_y: map.shift_y,
        }
    }

    /// Row `y`'s part of every source point of the row: (ib · dy, id · dy).
    #[inline(always)]
    fn row(&self, y: usize) -> (f32, f32) {
        let dy = y as f32 + 0.5 - self.centre - self.shift_y;
        (self.ib * dy, self.id * dy)
    }

    /// The source point of pixel `x` of the row whose part is `row`. Pixel centres sit at
    /// +0.5. Each pixel's point is computed from its own x and y with the same operations in
    /// the same order as the first version (`ib · dy` is the same product for every pixel of
    /// a row, so computing it once changes no bit); a running sum along the row would be
    /// cheaper but round differently.
    #[inline(always)]
    fn at(&self, x: usize, (ib_dy, id_dy): (f32, f32)) -> (f32, f32) {
        let dx = x as f32 + 0.5 - self.centre - self.shift_x;
        (
            self.ia * dx + ib_dy + self.centre - 0.5,
            self.ic * dx + id_dy + self.centre - 0.5,
        )
    }
}

/// `src` (N×N) as `f32` inside a border of zeros one pixel wide: rows of N + 2.
#[inline(always)]
fn padded<const N: usize>(src: &[u8]) -> [f32; PADDED_MAX] {
    let p = N + 2;
    assert!(p * p <= PADDED_MAX && src.len() == N * N);
    let mut padded = [0.0f32; PADDED_MAX];
    for (row, s) in padded[p..].chunks_exact_mut(p).zip(src.chunks_exact(N)) {
        for (o, &v) in row[1..=N].iter_mut().zip(s) {
            *o = v as f32;
        }
    }
    padded
}

/// [`warp_displaced`] for a side known at compile time, a row at a time: the row's source
/// points, then [`sample_row`]. Arrays of a fixed length the compiler can keep in vector
/// registers, each lane one pixel's own operations.
#[inline(always)]
fn warp_n<const N: usize>(
    src: &[u8],
    dst: &mut [u8],
    inv: &Inverse,
    field: Option<(&[f32], &[f32])>,
) {
    let padded = padded::<N>(src);
    for (y, out) in dst.chunks_exact_mut(N).enumerate() {
        let out: &mut [u8; N] = out.try_into().unwrap();
        let (mut sx, mut sy) = ([0.0f32; N], [0.0f32; N]);
        let row = inv.row(y);
        for x in 0..N {
            (sx[x], sy[x]) = inv.at(x, row);
        }
        if let Some((fx, fy)) = field {
            let fx: &[f32; N] = fx[y * N..(y + 1) * N].try_into().unwrap();
            let fy: &[f32; N] = fy[y * N..(y + 1) * N].try_into().unwrap();
            for x in 0..N {
                sx[x] += fx[x];
                sy[x] += fy[x];
            }
        }
        sample_row::<N>(&padded, &sx, &sy, out);
    }
}

/// [`sample`] at N points, from the zero-padded source ([`padded`]): the same bits.
///
/// First every point's taps and weights: a point outside −1 ≤ x, y < N (or NaN), whose taps
/// all lie outside and which samples 0, is moved to (−1, −1), where its weights are (0, 0)
/// and its taps the border's zeros and pixel (0, 0) with weight 0: 0 again. Inside, the taps
/// of a point on the edge read the border's zeros, as the first version read 0 beyond the
/// edge. Then the four taps of each point (the only loads by index), then the bilinear sums.
#[inline(always)]
fn sample_row<const N: usize>(padded: &[f32], sx: &[f32; N], sy: &[f32; N], out: &mut [u8; N]) {
    let (p, s) = (N + 2, N as f32);
    let mut at = [0u32; N];
    let (mut wx, mut wy) = ([0.0f32; N], [0.0f32; N]);
    for x in 0..N {
        let inside = sx[x] >= -1.0 && sx[x] < s && sy[x] >= -1.0 && sy[x] < s;
        let (px, py) = if inside { (sx[x], sy[x]) } else { (-1.0, -1.0) };
        let (x0, y0) = (floor_near(px), floor_near(py));
        (wx[x], wy[x]) = (px - x0, py - y0);
        // x0 + 1 and y0 + 1 are whole numbers in 0..=N: the index is exact in f32.
        at[x] = ((y0 + 1.0) * p as f32 + (x0 + 1.0)) as u32;
    }
    let mut taps = [[0.0f32; 4]; N];
    for (t, &i) in taps.iter_mut().zip(&at) {
        let i = i as usize;
        *t = [padded[i], padded[i + 1], padded[i + p], padded[i + p + 1]];
    }
    for x in 0..N {
        let ([p00, p10, p01, p11], fx, fy) = (taps[x], wx[x], wy[x]);
        let top = p00 * (1.0 - fx) + p10 * fx;
        let bottom = p01 * (1.0 - fx) + p11 * fx;
        let v = top * (1.0 - fy) + bottom * fy;
        out[x] = round_u8(v.clamp(0.0, 255.0));
    }
}

/// [`warp_n`] in the widest vector code the CPU has: AVX2 on x86_64 where it is there (the
/// same bits: lanes are different pixels, and Rust never contracts `a * b + c` into an FMA),
/// the target's baseline (SSE2, NEON, scalar) elsewhere.
fn warp_best<const N: usize>(
    src: &[u8],
    dst: &mut [u8],
    inv: &Inverse,
    field: Option<(&[f32], &[f32])>,
) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if std::is_x86_feature_detected!("avx2") {
        #[allow(unsafe_code)]
        // SAFETY: the CPU has been found to support AVX2.
        return unsafe { warp_avx2::<N>(src, dst, inv, field) };
    }
    warp_n::<N>(src, dst, inv, field)
}

/// [`warp_n`] compiled with AVX2.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[allow(unsafe_code)]
#[target_feature(enable = "avx2")]
unsafe fn warp_avx2<const N: usize>(
    src: &[u8],
    dst: &mut [u8],
    inv: &Inverse,
    field: Option<(&[f32], &[f32])>,
) {
    warp_n::<N>(src, dst, inv, field)
}

/// Bilinear sample at (x, y) in pixel-index coordinates; 0 outside.
///
/// The first version (`augment/reference.rs`) called `libm`'s floor and round and checked
/// every tap against the image's edge; this one gives the same bits without calls:
/// - a point outside −1 ≤ x, y < side (or NaN) has all four taps outside: 0, as before;
/// - inside, ⌊x⌋ is exact in integers ([`floor_small`]); the one difference, ⌊−0⌋ = +0
///   where `floorf` gives −0, makes the weight `fx` −0 instead of +0, and a tap times ±0
///   added to a non-negative sum leaves it unchanged: the same `v`;
/// - all four taps inside the image (nearly every pixel of a digit) are read without checks;
/// - the rounding is [`round_u8`], `roundf` exactly.
#[inline(always)]
fn sample(src: &[u8], side: usize, x: f32, y: f32) -> u8 {
    let s = side as f32;
    if !(x >= -1.0 && x < s && y >= -1.0 && y < s) {
        return 0;
    }
    let (x0, y0) = (floor_small(x), floor_small(y));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let (p00, p10, p01, p11) =
        if x0 >= 0 && y0 >= 0 && (x0 as usize) < side - 1 && (y0 as usize) < side - 1 {
            let i = y0 as usize * side + x0 as usize;
            let q = &src[i..i + side + 2];
            (q[0], q[1], q[side], q[side + 1])
        } else {
            let at = |xi: i32, yi: i32| -> u8 {
                if xi < 0 || yi < 0 || xi as usize >= side || yi as usize >= side {
                    0
                } else {
                    src[yi as usize * side + xi as usize]
                }
            };
            (
                at(x0, y0),
                at(x0 + 1, y0),
                at(x0, y0 + 1),
                at(x0 + 1, y0 + 1),
            )
        };
    let top = p00 as f32 * (1.0 - fx) + p10 as f32 * fx;
    let bottom = p01 as f32 * (1.0 - fx) + p11 as f32 * fx;
    let v = top * (1.0 - fy) + bottom * fy;
    round_u8(v.clamp(0.0, 255.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::augment::test_pictures::pictures;
    use crate::augment::{elastic, random_map, reference, AugmentRanges};

    fn dot(side: usize, x: usize, y: usize) -> [u8; 784] {
        let mut img = [0u8; 784];
        img[y * side + x] = 255;
        img
    }

    #[test]
    fn the_identity_changes_nothing() {
        let mut img = [0u8; 784];
        for (i, p) in img.iter_mut().enumerate() {
            *p = (i * 37 % 256) as u8;
        }
        let mut out = [0u8; 784];
        warp(&img, &mut out, 28, &Affine::IDENTITY);
        assert_eq!(out, img);
    }

    #[test]
    fn shifts_and_rotations_move_pixels_where_expected() {
        let mut out = [0u8; 784];
        let shifted = Affine {
            shift_x: 3.0,
            shift_y: -2.0,
            ..Affine::IDENTITY
        };
        warp(&dot(28, 10, 10), &mut out, 28, &shifted);
        assert_eq!(out[8 * 28 + 13], 255);

        // A quarter turn anticlockwise (on screen) takes a pixel right of centre to above it:
        // pixel (20, 13), centre (20.5, 13.5), is (6.5, −0.5) from the image's centre (14, 14)
        // and turns to (−0.5, −6.5), pixel (13, 7).
        warp(&dot(28, 20, 13), &mut out, 28, &Affine::rotation(90.0));
        let (i, &v) = out.iter().enumerate().max_by_key(|(_, &v)| v).unwrap();
        assert_eq!((i % 28, i / 28, v), (13, 7, 255));
    }

    #[test]
    fn ten_degrees_each_way_undo_each_other_roughly() {
        // A filled square rotated +10° then −10° is mostly the square again.
        let mut img = [0u8; 784];
        for y in 8..20 {
            for x in 8..20 {
                img[y * 28 + x] = 255;
            }
        }
        let (mut a, mut b) = ([0u8; 784], [0u8; 784]);
        warp(&img, &mut a, 28, &Affine::rotation(10.0));
        assert_ne!(a, img);
        warp(&a, &mut b, 28, &Affine::rotation(-10.0));
        let diff: u32 = img
            .iter()
            .zip(&b)
            .map(|(&p, &q)| (p as i32 - q as i32).unsigned_abs())
            .sum();
        assert!(diff < 255 * 20, "differs by {diff}");
    }

    #[test]
    fn sample_is_the_first_version_bit_for_bit() {
        for side in [28, 2, 1, 9] {
            let points = points(side, 11 + side as u64);
            for (p, img) in pictures(side, side as u64).iter().enumerate() {
                for &(x, y) in &points {
                    assert_eq!(
                        sample(img, side, x, y),
                        reference::sample(img, side, x, y),
                        "side {side}, picture {p}, at ({x:e}, {y:e})"
                    );
                }
            }
        }
    }

    /// `sample_row::<N>` at every point of `points`, N at a time, against the first version.
    fn rows_sample_as_the_first_version<const N: usize>(points: &[(f32, f32)]) {
        for (p, img) in pictures(N, 2 + N as u64).iter().enumerate() {
            let padded = padded::<N>(img);
            for chunk in points.chunks(N) {
                let (mut sx, mut sy, mut out) = ([0.0f32; N], [0.0f32; N], [0u8; N]);
                for (i, &(x, y)) in chunk.iter().enumerate() {
                    (sx[i], sy[i]) = (x, y);
                }
                sample_row::<N>(&padded, &sx, &sy, &mut out);
                for i in 0..N {
                    let want = reference::sample(img, N, sx[i], sy[i]);
                    assert_eq!(
                        out[i], want,
                        "side {N}, picture {p}, at ({:e}, {:e})",
                        sx[i], sy[i]
                    );
                }
            }
        }
    }

    /// Points on and around a side×side image: random ones, the half-pixel steps, the edges
    /// and just beyond them, far off it, and values that are not numbers.
    fn points(side: usize, seed: u64) -> Vec<(f32, f32)> {
        use rand_core::{Rng, SeedableRng};
        let mut rng = rand_xorshift::XorShiftRng::seed_from_u64(seed);
        let mut unit = || (rng.next_u32() >> 8) as f32 / (1u32 << 24) as f32;
        let s = side as f32;
        let mut points = Vec::new();
        for _ in 0..20_000 {
            points.push(((unit() * 1.4 - 0.2) * s, (unit() * 1.4 - 0.2) * s));
            points.push((libm::roundf(unit() * 6.0 - 3.0) / 2.0, unit() * s));
        }
        let edges = [
            -1.0 - f32::EPSILON,
            -1.0,
            -0.99999994,
            -0.5,
            -0.0,
            0.0,
            s - 1.0,
            s - 0.5,
            s - 1e-5,
            s,
        ];
        for e in edges {
            for f in edges.iter().chain(&[0.5, 1.25, s / 2.0]) {
                points.push((e, *f));
                points.push((*f, e));
            }
        }
        for big in [1e9, -1e9, f32::MAX, f32::INFINITY, -f32::INFINITY, f32::NAN] {
            points.push((big, 3.0));
            points.push((0.5, big));
            points.push((big, big));
        }
        points
    }

    #[test]
    fn sample_rows_are_the_first_version_bit_for_bit() {
        rows_sample_as_the_first_version::<28>(&points(28, 1));
        rows_sample_as_the_first_version::<9>(&points(9, 2));
        rows_sample_as_the_first_version::<1>(&points(1, 3));
    }

    #[test]
    fn warps_are_the_first_version_bit_for_bit() {
        use rand_core::SeedableRng;
        let mut rng = rand_xorshift::XorShiftRng::seed_from_u64(5);
        // Ranges wider than the recipe's, so that whole images fall off the edge too.
        let wide = AugmentRanges {
            rotate: 180.0,
            shear: 1.0,
            scale: 0.6,
            aspect: 0.4,
            shift: 20.0,
            ..AugmentRanges::HANDWRITING
        };
        for side in [28, 9, 1] {
            let mut e = elastic::Elastic::new(side, 4.0);
            let (mut fx, mut fy) = (vec![0.0; side * side], vec![0.0; side * side]);
            let (mut a, mut b) = (vec![0u8; side * side], vec![1u8; side * side]);
            for img in pictures(side, 7) {
                for i in 0..300 {
                    let ranges = if i % 2 == 0 {
                        AugmentRanges::HANDWRITING
                    } else {
                        wide
                    };
                    let (map, _) = random_map(&mut rng, &ranges);
                    // Fields up to Simard's α and far beyond it (shifts of tens of pixels).
                    let alpha = [0.0, 34.0, 400.0][i % 3];
                    e.field(&mut rng, alpha, &mut fx);
                    e.field(&mut rng, alpha, &mut fy);
                    for field in [None, Some((&fx[..], &fy[..]))] {
                        warp_displaced(&img, &mut a, side, &map, field);
                        reference::warp_displaced(&img, &mut b, side, &map, field);
                        assert_eq!(a, b, "side {side}, {map:?}");
                        if side == MNIST_SIDE {
                            // The portable build of the row path too (the call above takes
                            // the AVX2 one on a CPU that has it).
                            a.fill(1);
                            warp_n::<MNIST_SIDE>(&img, &mut a, &Inverse::new(&map, side), field);
                            assert_eq!(a, b, "portable, {map:?}");
                        }
                    }
                }
            }
        }
    }
}

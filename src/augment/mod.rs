//! Data augmentation: new training digits made from old ones by small rotations, slants,
//! scalings, shifts, elastic wobbles and changes of stroke width.
//!
//! The book rotates every training image by ±10° and trains on all three; handwriting in the
//! wild also leans, stretches, sits off centre, wobbles and comes from thinner or thicker pens.
//! [`warp`] applies an affine map with bilinear sampling (the book uses scipy's `rotate` with
//! `order=1`); [`warp_displaced`] adds a displacement field ([`elastic`], as Simard et al.
//! 2003); [`Augmenter`] draws both at random.
//!
//! The randomness of a copy is a pure function of (seed, epoch, sample index, copy index)
//! ([`seed::rng_for`]): copies can be made ahead, on another thread, in any order, and a run
//! that stops can resume knowing only where it was.
//!
//! Everything here is plain `f32` arithmetic on `libm`, with a fixed order of operations, so
//! a seed gives the same augmented images, and so the same model, on every CPU.
//!
//! A copy is made fast without changing a bit: 28×28 images (MNIST's) take paths that work a
//! row at a time from copies with a border of zeros, with no calls to `libm` and no branch per
//! pixel, compiled for AVX/AVX2 too and chosen at run time on x86_64. Vector lanes are always
//! different pixels, never terms of one sum, and Rust never contracts `a * b + c` into an FMA.
//! Tests hold each step to its first version (`augment/reference.rs`) bit for bit, and
//! `benches/augment.rs` times the two.

#[cfg(feature = "alloc")]
pub mod elastic;
pub mod european;
#[cfg(all(test, feature = "alloc"))]
mod reference;
pub mod seed;
pub mod soften;

use crate::digits::rounding::{floor_near, floor_small, round_u8};
#[cfg(feature = "alloc")]
use alloc::vec;
#[cfg(feature = "alloc")]
use alloc::vec::Vec;

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

/// MNIST's side: the warp has a path for it that works on a whole row of pixels at a time.
const MNIST_SIDE: usize = 28;
/// The source as `f32` with a border of zeros, for sides up to MNIST's.
const PADDED_MAX: usize = (MNIST_SIDE + 2) * (MNIST_SIDE + 2);

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

/// Ranges the random maps are drawn from (uniformly, each within ±its value), and the
/// strength of the elastic wobble.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AugmentRanges {
    /// Rotation, degrees.
    pub rotate: f32,
    /// Slant (shear factor).
    pub shear: f32,
    /// Relative change of scale (0.15 = 85 %..115 %), the same for both axes…
    pub scale: f32,
    /// …times a relative change of aspect ratio.
    pub aspect: f32,
    /// Shift, pixels.
    pub shift: f32,
    /// Stroke width change, in steps of dilation/erosion.
    pub stroke: f32,
    /// Elastic distortion's scale α (Simard et al.'s α, for 28×28 images); 0 for none.
    pub elastic: f32,
    /// Elastic distortion's smoothness σ, pixels: the Gaussian the noise is smoothed by.
    pub elastic_sigma: f32,
    /// Chance (0 to 1) that a copy is written with a marker: its strokes grown by one full
    /// step of dilation and up to one more, instead of by `stroke`.
    pub thick: f32,
    /// Chance (0 to 1) that a copy is blurred ([`soften::blur`]).
    pub blur: f32,
    /// Chance (0 to 1) that a copy goes through half the resolution and back
    /// ([`soften::low_res`]).
    pub low_res: f32,
    /// Chance (0 to 1) that a copy of a 1 gets a European flag from its top down to the left
    /// ([`european`]); copies made without a label ([`Augmenter::augment`]) never do.
    pub flag: f32,
    /// Chance (0 to 1) that a copy of a 7 gets a bar across its stem ([`european`]).
    pub bar: f32,
}

impl AugmentRanges {
    /// nnzero's recipe for reading real handwriting: what people's digits do that MNIST's
    /// mostly do not (lean more, sit off centre, wobble, come from other pens). The affine
    /// ranges were chosen on the handwriting test set (wider ones read it no better and MNIST
    /// a little worse); the elastic part by accuracy on the last 10,000 training images,
    /// trained on the first 50,000 (`examples/augment_holdout.rs`, README).
    pub const HANDWRITING: AugmentRanges = AugmentRanges {
        rotate: 10.0,
        shear: 0.2,
        scale: 0.1,
        aspect: 0.1,
        shift: 1.5,
        stroke: 0.5,
        elastic: 34.0,
        elastic_sigma: 4.0,
        thick: 0.0,
        blur: 0.0,
        low_res: 0.0,
        flag: 0.5,
        bar: 0.5,
    };
}

/// nnzero's `--augment` recipe as numbers, so every front end (the program, a web page, the
/// library's run) trains the same way.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AugmentRecipe {
    /// Augmented copies of every training image per epoch, besides the image itself.
    pub copies: u32,
    /// The learning rate of the last epoch as a fraction of the first: it falls geometrically
    /// epoch by epoch, so the weights settle instead of chasing the last few samples.
    pub lr_final_ratio: f32,
    /// What the copies are drawn from.
    pub ranges: AugmentRanges,
    /// Hidden nodes, unless the user asks for another number: three times the samples and
    /// their variety fill a larger layer (chosen on the held-out slice of the training set and
    /// the handwriting set's tuning half; README, "--augment").
    pub hidden: u32,
    /// Stand every picture upright by its moments ([`crate::digits::deskew`]) before training, making
    /// copies, scoring or reading it: held-out slice 98.30 → 98.61 % with 400 hidden nodes
    /// (README, "--augment").
    pub deskew: bool,
    /// One extra digit mixed into the training images after every this many, 0 for none: in
    /// `std`, the 754 digits of 27 typefaces in neither half of the handwriting set
    /// (`Dataset::bundled_typefaces`), then the 1,565 digits of about 80 people in Italy
    /// (`Dataset::bundled_semeion`), then 4,095 scanned digits of 21 people, mostly in
    /// Switzerland (`Dataset::bundled_swiss`), in turn. The data is mixed, not the trainer: `nnzero train
    /// --augment` opens its training set with `Dataset::mixed_with(…, mix_every)`, and a
    /// library user's `Run` trains on whatever dataset it is given. UCI optdigits, seeds 1 and
    /// 2: 1542, 1567 of 1797 with neither, 1559, 1584 with the typefaces, 1588, 1608 with both
    /// (README, "--augment").
    pub mix_every: u32,
}

impl AugmentRecipe {
    /// `nnzero train --augment`.
    pub const HANDWRITING: AugmentRecipe = AugmentRecipe {
        copies: 2,
        lr_final_ratio: 0.1,
        ranges: AugmentRanges::HANDWRITING,
        hidden: 400,
        deskew: true,
        mix_every: 10,
    };

    /// The learning rate of epoch `epoch` (1-based) of `epochs`, starting from `lr`.
    pub fn learning_rate(&self, lr: f32, epoch: u32, epochs: u32) -> f32 {
        let t = (epoch.max(1) - 1) as f32 / (epochs.max(2) - 1) as f32;
        lr * libm::powf(self.lr_final_ratio, t)
    }
}

/// A uniform draw in `−r..r`, from 24 random bits.
fn within(rng: &mut impl rand_core::Rng, r: f32) -> f32 {
    let u = (rng.next_u32() >> 8) as f32 * (1.0 / (1u32 << 24) as f32);
    (2.0 * u - 1.0) * r
}

/// The random affine map and stroke change of one copy, drawn from `rng`.
pub fn random_map(rng: &mut impl rand_core::Rng, r: &AugmentRanges) -> (Affine, f32) {
    let scale = 1.0 + within(rng, r.scale);
    let aspect = 1.0 + within(rng, r.aspect);
    let map = Affine {
        rotate: within(rng, r.rotate),
        shear: within(rng, r.shear),
        scale_x: scale * aspect,
        scale_y: scale,
        shift_x: within(rng, r.shift),
        shift_y: within(rng, r.shift),
    };
    (map, within(rng, r.stroke))
}

/// What the pen and the scan do to one copy, drawn after its map and field.
#[cfg(feature = "alloc")]
struct Pen {
    /// A marker: after one full step of dilation, this much more (0 to 1).
    marker: Option<f32>,
    blur: bool,
    low_res: bool,
}

#[cfg(feature = "alloc")]
impl Pen {
    /// Four numbers, always drawn, whatever the chances: a copy's pen never depends on
    /// which steps a recipe turns on before it.
    fn draw(rng: &mut impl rand_core::Rng, r: &AugmentRanges) -> Pen {
        let marker = chance(rng, r.thick);
        let more = (rng.next_u32() >> 8) as f32 * (1.0 / (1u32 << 24) as f32);
        Pen {
            marker: marker.then_some(more),
            blur: chance(rng, r.blur),
            low_res: chance(rng, r.low_res),
        }
    }
}

/// True with chance `p`: a 24-bit uniform against a 24-bit threshold, integers, the same on
/// every CPU (`p` of 1 is always, 0 never).
#[cfg(feature = "alloc")]
fn chance(rng: &mut impl rand_core::Rng, p: f32) -> bool {
    (rng.next_u32() >> 8) < (p.clamp(0.0, 1.0) * (1u32 << 24) as f32) as u32
}

/// Makes augmented copies: copy `copy` of sample `index` in epoch `epoch` depends on those
/// numbers and the seed alone, never on which copies were made before.
#[cfg(feature = "alloc")]
#[derive(Debug, Clone)]
pub struct Augmenter {
    seed: u64,
    side: usize,
    ranges: AugmentRanges,
    elastic: Option<elastic::Elastic>,
    /// The displacement field, x then y, side² each.
    dx: Vec<f32>,
    dy: Vec<f32>,
    /// The image with its strokes changed, before the warp.
    stroked: Vec<u8>,
    /// A step on the way: a marker's first full dilation, or the warped copy before it is
    /// softened.
    between: Vec<u8>,
    /// The digit with a European stroke drawn on it, before everything else.
    amended: Vec<u8>,
}

#[cfg(feature = "alloc")]
impl Augmenter {
    /// An augmenter of `side`×`side` images with `ranges`, seeded with `seed`.
    pub fn new(seed: u64, ranges: AugmentRanges, side: usize) -> Self {
        Augmenter {
            seed,
            side,
            ranges,
            elastic: (ranges.elastic > 0.0)
                .then(|| elastic::Elastic::new(side, ranges.elastic_sigma)),
            dx: vec![0.0; side * side],
            dy: vec![0.0; side * side],
            stroked: vec![0; side * side],
            between: vec![0; side * side],
            amended: vec![0; side * side],
        }
    }

    /// The ranges copies are drawn from.
    pub fn ranges(&self) -> &AugmentRanges {
        &self.ranges
    }

    /// Writes copy `copy` of sample `index` of epoch `epoch`, made from `src`, into `dst`:
    /// an image without a label, so it never gets a European stroke (see
    /// [`Augmenter::augment_digit`]).
    ///
    /// # Panics
    /// If `src` or `dst` is not side² long.
    pub fn augment(&mut self, epoch: u32, index: u64, copy: u32, src: &[u8], dst: &mut [u8]) {
        self.make(epoch, index, copy, None, src, dst)
    }

    /// [`Augmenter::augment`] for a digit whose label is known: a 1 may also get a flag and
    /// a 7 a bar ([`european`]; chances `flag` and `bar` of the ranges).
    ///
    /// # Panics
    /// If `src` or `dst` is not side² long.
    pub fn augment_digit(
        &mut self,
        epoch: u32,
        index: u64,
        copy: u32,
        label: u8,
        src: &[u8],
        dst: &mut [u8],
    ) {
        self.make(epoch, index, copy, Some(label), src, dst)
    }

    fn make(
        &mut self,
        epoch: u32,
        index: u64,
        copy: u32,
        label: Option<u8>,
        src: &[u8],
        dst: &mut [u8],
    ) {
        let mut rng = seed::rng_for(self.seed, epoch, index, copy);
        let (map, grow) = random_map(&mut rng, &self.ranges);
        // Simard's α is for 28×28 digits: a larger image wobbles in proportion.
        let alpha = self.ranges.elastic * self.side as f32 / 28.0;
        let field = match self.elastic.as_mut() {
            Some(e) => {
                e.field(&mut rng, alpha, &mut self.dx);
                e.field(&mut rng, alpha, &mut self.dy);
                Some((&self.dx[..], &self.dy[..]))
            }
            None => None,
        };
        // The pen and the scan, drawn after everything above, so a recipe without them
        // makes the same copies as before they existed.
        let Pen {
            marker,
            blur,
            low_res,
        } = Pen::draw(&mut rng, &self.ranges);
        // The European stroke, drawn last of all (a recipe without it makes the same copies
        // as before it existed), is the first thing done to the digit.
        let stroke = label
            .and_then(|l| european::Stroke::draw(&mut rng, l, self.ranges.flag, self.ranges.bar));
        let src = match stroke {
            Some(s) if european::draw(src, &mut self.amended, &mut self.between, self.side, s) => {
                &self.amended[..]
            }
            _ => src,
        };
        match marker {
            Some(more) => {
                stroke_width(src, &mut self.between, self.side, 1.0);
                stroke_width(&self.between, &mut self.stroked, self.side, more);
            }
            None => stroke_width(src, &mut self.stroked, self.side, grow),
        }
        if !(blur || low_res) {
            return warp_displaced(&self.stroked, dst, self.side, &map, field);
        }
        warp_displaced(&self.stroked, &mut self.between, self.side, &map, field);
        match (low_res && self.side % 2 == 0, blur) {
            (true, true) => {
                soften::low_res(&self.between, &mut self.stroked, self.side);
                soften::blur(&self.stroked, dst, self.side);
            }
            (true, false) => soften::low_res(&self.between, dst, self.side),
            (false, true) => soften::blur(&self.between, dst, self.side),
            (false, false) => dst.copy_from_slice(&self.between),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn square() -> [u8; 784] {
        let mut img = [0u8; 784];
        for y in 8..20 {
            for x in 10..18 {
                img[y * 28 + x] = 255;
            }
        }
        img
    }

    #[test]
    fn the_same_seed_gives_the_same_digits() {
        let img = square();
        let run = |seed| {
            let mut aug = Augmenter::new(seed, AugmentRanges::HANDWRITING, 28);
            let mut out = [0u8; 784];
            let mut all = [0u8; 784 * 3];
            for k in 0..3 {
                aug.augment(1, 0, k, &img, &mut out);
                all[k as usize * 784..(k as usize + 1) * 784].copy_from_slice(&out);
            }
            all
        };
        assert_eq!(run(4), run(4));
        assert_ne!(run(4), run(5));
    }

    #[test]
    fn a_copy_depends_only_on_its_counters_not_on_what_came_before() {
        let img = square();
        let mut a = Augmenter::new(9, AugmentRanges::HANDWRITING, 28);
        let mut b = a.clone();
        let (mut x, mut y) = ([0u8; 784], [0u8; 784]);
        // b makes other copies first; the copy (3, 41, 1) must come out the same.
        for i in 0..5 {
            b.augment(2, i, 0, &img, &mut y);
        }
        a.augment(3, 41, 1, &img, &mut x);
        b.augment(3, 41, 1, &img, &mut y);
        assert_eq!(x, y);
        a.augment(3, 41, 0, &img, &mut y);
        assert_ne!(x, y);
    }

    #[test]
    fn without_the_chances_of_new_strokes_a_labelled_copy_is_the_unlabelled_one() {
        // A tall block, measurable as a 1 or a 7.
        let mut img = [0u8; 784];
        for y in 4..24 {
            for x in 12..16 {
                img[y * 28 + x] = 255;
            }
        }
        let none = AugmentRanges {
            flag: 0.0,
            bar: 0.0,
            ..AugmentRanges::HANDWRITING
        };
        let (mut plain, mut labelled) = ([0u8; 784], [0u8; 784]);
        let (mut a, mut b) = (Augmenter::new(3, none, 28), Augmenter::new(3, none, 28));
        for (i, label) in [1u8, 7, 1, 7, 4].into_iter().enumerate() {
            a.augment(2, i as u64, 1, &img, &mut plain);
            b.augment_digit(2, i as u64, 1, label, &img, &mut labelled);
            assert_eq!(plain, labelled, "copy {i} of a {label}");
        }
        // With the recipe's chances, some copy of a 1 does get its flag.
        let mut c = Augmenter::new(3, AugmentRanges::HANDWRITING, 28);
        assert!((0..8u64).any(|i| {
            a.augment(2, i, 1, &img, &mut plain);
            c.augment_digit(2, i, 1, 1, &img, &mut labelled);
            plain != labelled
        }));
    }

    #[test]
    fn elastic_copies_wobble_but_keep_the_ink_in_place() {
        let img = square();
        let still = AugmentRanges {
            rotate: 0.0,
            shear: 0.0,
            scale: 0.0,
            aspect: 0.0,
            shift: 0.0,
            stroke: 0.0,
            ..AugmentRanges::HANDWRITING
        };
        let mut aug = Augmenter::new(1, still, 28);
        let mut out = [0u8; 784];
        let ink = |im: &[u8]| im.iter().map(|&v| v as f64).sum::<f64>();
        // One copy can squeeze or stretch a block a lot (Simard's α 34 is strong); on average
        // the field neither adds nor removes ink.
        let mut ratio = 0.0;
        for i in 0..20 {
            aug.augment(1, i, 0, &img, &mut out);
            assert_ne!(out, img);
            ratio += ink(&out) / ink(&img) / 20.0;
        }
        assert!((0.75..1.3).contains(&ratio), "mean ink ratio {ratio}");
        let none = AugmentRanges {
            elastic: 0.0,
            ..still
        };
        Augmenter::new(1, none, 28).augment(1, 0, 0, &img, &mut out);
        assert_eq!(out, img);
    }

    /// Pictures to compare old and new code on: blank, full, noise, a digit-like block, ink
    /// along every edge.
    fn pictures(side: usize, seed: u64) -> Vec<Vec<u8>> {
        use rand_core::{Rng, SeedableRng};
        let mut rng = rand_xorshift::XorShiftRng::seed_from_u64(seed);
        let n = side * side;
        let noise: Vec<u8> = (0..n).map(|_| rng.next_u32() as u8).collect();
        let sparse: Vec<u8> = (0..n)
            .map(|_| match rng.next_u32() % 4 {
                0 => 255,
                1 => (rng.next_u32() % 256) as u8,
                _ => 0,
            })
            .collect();
        let mut block = vec![0u8; n];
        let mut frame = vec![0u8; n];
        for y in 0..side {
            for x in 0..side {
                if (side / 4..side * 3 / 4).contains(&x) && (side / 5..side * 4 / 5).contains(&y) {
                    block[y * side + x] = 200 + (x % 56) as u8;
                }
                if x == 0 || y == 0 || x == side - 1 || y == side - 1 {
                    frame[y * side + x] = 255 - (x + y) as u8 % 7;
                }
            }
        }
        vec![vec![0; n], vec![255; n], noise, sparse, block, frame]
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

    #[test]
    fn copies_are_the_first_version_bit_for_bit() {
        // The whole copy, recipe and all, against the one made of the first versions: every
        // digit of the bundled test set's first 100 (or the pictures above without it), many
        // seeds, σ 1.5 and 4, with and without the elastic part.
        // The first versions had no pen or scan steps (`soften`, markers): the recipe without
        // them; the `pen_and_scan_*` tests below cover those.
        let digits: Vec<Vec<u8>> = pictures(28, 1).into_iter().chain(test_digits()).collect();
        let first = AugmentRanges {
            thick: 0.0,
            blur: 0.0,
            low_res: 0.0,
            ..AugmentRanges::HANDWRITING
        };
        for (seed, ranges) in [
            (3, first),
            (
                8,
                AugmentRanges {
                    elastic_sigma: 1.5,
                    ..first
                },
            ),
            (
                0,
                AugmentRanges {
                    elastic: 0.0,
                    ..first
                },
            ),
        ] {
            let mut new = Augmenter::new(seed, ranges, 28);
            let mut old = reference::Augmenter::new(seed, ranges, 28);
            let (mut a, mut b) = ([0u8; 784], [1u8; 784]);
            for (i, img) in digits.iter().enumerate() {
                for epoch in 1..4 {
                    for copy in 0..2 {
                        new.augment(epoch, i as u64, copy, img, &mut a);
                        old.augment(epoch, i as u64, copy, img, &mut b);
                        assert_eq!(a, b, "seed {seed}, sample {i}, epoch {epoch}, copy {copy}");
                    }
                }
            }
        }
    }

    #[test]
    fn pen_and_scan_steps_soften_the_copy_the_rest_of_the_recipe_made() {
        // Blur and half resolution are drawn after the map and the field, so a copy with them
        // is exactly the same copy without them, then softened.
        let digits: Vec<Vec<u8>> = pictures(28, 3).into_iter().chain(test_digits()).collect();
        let plain = AugmentRanges {
            thick: 0.0,
            blur: 0.0,
            low_res: 0.0,
            ..AugmentRanges::HANDWRITING
        };
        let with = |blur, low_res| AugmentRanges {
            blur,
            low_res,
            ..plain
        };
        let mut base = Augmenter::new(7, plain, 28);
        let mut blurred = Augmenter::new(7, with(1.0, 0.0), 28);
        let mut low = Augmenter::new(7, with(0.0, 1.0), 28);
        let mut both = Augmenter::new(7, with(1.0, 1.0), 28);
        let (mut a, mut b, mut c) = ([0u8; 784], [0u8; 784], [0u8; 784]);
        for (i, img) in digits.iter().enumerate() {
            base.augment(2, i as u64, 1, img, &mut a);
            blurred.augment(2, i as u64, 1, img, &mut b);
            soften::blur(&a, &mut c, 28);
            assert_eq!(b, c, "blur, sample {i}");
            low.augment(2, i as u64, 1, img, &mut b);
            soften::low_res(&a, &mut c, 28);
            assert_eq!(b, c, "low resolution, sample {i}");
            both.augment(2, i as u64, 1, img, &mut b);
            soften::blur(&c, &mut a, 28);
            assert_eq!(b, a, "both, sample {i}");
        }
    }

    #[test]
    fn pen_and_scan_chances_are_kept_and_markers_write_thicker() {
        let digits = test_digits();
        let img = square();
        let digits = if digits.is_empty() {
            vec![img.to_vec()]
        } else {
            digits
        };
        let plain = AugmentRanges {
            thick: 0.0,
            blur: 0.0,
            low_res: 0.0,
            ..AugmentRanges::HANDWRITING
        };
        let marker = AugmentRanges {
            thick: 1.0,
            ..plain
        };
        let quarter = AugmentRanges {
            blur: 0.25,
            ..plain
        };
        let (mut p, mut m, mut q) = (
            Augmenter::new(5, plain, 28),
            Augmenter::new(5, marker, 28),
            Augmenter::new(5, quarter, 28),
        );
        let ink = |im: &[u8]| im.iter().map(|&v| v as u64).sum::<u64>();
        let (mut a, mut b) = ([0u8; 784], [0u8; 784]);
        let (mut thicker, mut softened, mut n) = (0, 0, 0);
        for (i, img) in digits.iter().enumerate() {
            for copy in 0..4 {
                p.augment(1, i as u64, copy, img, &mut a);
                m.augment(1, i as u64, copy, img, &mut b);
                thicker += (ink(&b) > ink(&a)) as u32;
                q.augment(1, i as u64, copy, img, &mut b);
                softened += (b != a) as u32;
                n += 1;
            }
        }
        // Every marker copy has more ink than the pen's copy; about a quarter are blurred.
        assert_eq!(thicker, n);
        let share = softened as f64 / n as f64;
        assert!(
            digits.len() < 50 || (0.15..0.35).contains(&share),
            "{softened} of {n} blurred"
        );
        // The same counters, the same copy.
        let mut again = Augmenter::new(5, marker, 28);
        m.augment(3, 9, 1, &img, &mut a);
        again.augment(3, 9, 1, &img, &mut b);
        assert_eq!(a, b);
    }

    /// The first 100 digits of the bundled MNIST test set, when the crate can read it.
    fn test_digits() -> Vec<Vec<u8>> {
        #[cfg(feature = "std")]
        if let Ok(data) = crate::dataset::Dataset::bundled_test() {
            let mut out = Vec::new();
            if let Ok(mut stream) = data.stream() {
                while let (true, Ok(Some((_, pixels)))) = (out.len() < 100, stream.next_record()) {
                    out.push(pixels.to_vec());
                }
            }
            return out;
        }
        Vec::new()
    }

    #[test]
    fn the_learning_rate_falls_geometrically_to_the_final_ratio() {
        let r = AugmentRecipe::HANDWRITING;
        assert_eq!(r.learning_rate(0.1, 1, 5), 0.1);
        let last = r.learning_rate(0.1, 5, 5);
        assert!((last - 0.1 * r.lr_final_ratio).abs() < 1e-6);
        assert_eq!(r.learning_rate(0.1, 1, 1), 0.1);
    }
}

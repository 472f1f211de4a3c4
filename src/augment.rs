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

#[cfg(feature = "alloc")]
pub mod elastic;
pub mod seed;

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
    let [a, b, c, d] = map.matrix();
    let det = a * d - b * c;
    // Inverse map: where in `src` each pixel of `dst` comes from.
    let (ia, ib, ic, id) = (d / det, -b / det, -c / det, a / det);
    let centre = side as f32 / 2.0;
    for y in 0..side {
        for x in 0..side {
            // Pixel centres sit at +0.5.
            let dx = x as f32 + 0.5 - centre - map.shift_x;
            let dy = y as f32 + 0.5 - centre - map.shift_y;
            let mut sx = ia * dx + ib * dy + centre - 0.5;
            let mut sy = ic * dx + id * dy + centre - 0.5;
            if let Some((fx, fy)) = field {
                sx += fx[y * side + x];
                sy += fy[y * side + x];
            }
            dst[y * side + x] = sample(src, side, sx, sy);
        }
    }
}

/// Bilinear sample at (x, y) in pixel-index coordinates; 0 outside.
fn sample(src: &[u8], side: usize, x: f32, y: f32) -> u8 {
    let (x0, y0) = (libm::floorf(x), libm::floorf(y));
    let (fx, fy) = (x - x0, y - y0);
    let at = |xi: f32, yi: f32| -> f32 {
        if xi < 0.0 || yi < 0.0 || xi >= side as f32 || yi >= side as f32 {
            0.0
        } else {
            src[yi as usize * side + xi as usize] as f32
        }
    };
    let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1.0, y0) * fx;
    let bottom = at(x0, y0 + 1.0) * (1.0 - fx) + at(x0 + 1.0, y0 + 1.0) * fx;
    let v = top * (1.0 - fy) + bottom * fy;
    libm::roundf(v.clamp(0.0, 255.0)) as u8
}

/// Makes strokes thicker (`grow > 0`) or thinner (`grow < 0`) by mixing each pixel with the
/// brightest (or darkest) of its four neighbours: `grow` of ±1 is a full step of dilation or
/// erosion, values between blend.
pub fn stroke_width(src: &[u8], dst: &mut [u8], side: usize, grow: f32) {
    assert!(src.len() == side * side && dst.len() == side * side);
    let grow = grow.clamp(-1.0, 1.0);
    for y in 0..side {
        for x in 0..side {
            let v = src[y * side + x];
            let mut ext = v;
            for (nx, ny) in [
                (x.wrapping_sub(1), y),
                (x + 1, y),
                (x, y.wrapping_sub(1)),
                (x, y + 1),
            ] {
                let n = if nx < side && ny < side {
                    src[ny * side + nx]
                } else {
                    0
                };
                ext = if grow >= 0.0 { ext.max(n) } else { ext.min(n) };
            }
            let mixed = v as f32 + (ext as f32 - v as f32) * libm::fabsf(grow);
            dst[y * side + x] = libm::roundf(mixed) as u8;
        }
    }
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
    /// Stand every picture upright by its moments ([`crate::deskew`]) before training, making
    /// copies, scoring or reading it: held-out slice 98.30 → 98.61 % with 400 hidden nodes
    /// (README, "--augment").
    pub deskew: bool,
}

impl AugmentRecipe {
    /// `nnzero train --augment`.
    pub const HANDWRITING: AugmentRecipe = AugmentRecipe {
        copies: 2,
        lr_final_ratio: 0.1,
        ranges: AugmentRanges::HANDWRITING,
        hidden: 400,
        deskew: true,
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
        }
    }

    /// The ranges copies are drawn from.
    pub fn ranges(&self) -> &AugmentRanges {
        &self.ranges
    }

    /// Writes copy `copy` of sample `index` of epoch `epoch`, made from `src`, into `dst`.
    ///
    /// # Panics
    /// If `src` or `dst` is not side² long.
    pub fn augment(&mut self, epoch: u32, index: u64, copy: u32, src: &[u8], dst: &mut [u8]) {
        let mut rng = seed::rng_for(self.seed, epoch, index, copy);
        let (map, grow) = random_map(&mut rng, &self.ranges);
        stroke_width(src, &mut self.stroked, self.side, grow);
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
        warp_displaced(&self.stroked, dst, self.side, &map, field);
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

    #[test]
    fn the_learning_rate_falls_geometrically_to_the_final_ratio() {
        let r = AugmentRecipe::HANDWRITING;
        assert_eq!(r.learning_rate(0.1, 1, 5), 0.1);
        let last = r.learning_rate(0.1, 5, 5);
        assert!((last - 0.1 * r.lr_final_ratio).abs() < 1e-6);
        assert_eq!(r.learning_rate(0.1, 1, 1), 0.1);
    }
}

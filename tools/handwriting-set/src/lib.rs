//! The pieces of the handwriting test set's generator that the training-data builder
//! (`tools/training-digits`) uses too, so that there is one copy of each:
//!
//! - [`fonts`]: the test set's fonts, which the builder refuses to train on, and how a font's
//!   digit becomes a mask;
//! - [`render`]: masks drawn with a thinner or bolder pen, sampled, and put on paper;
//! - [`rng`]: the seeded random source the renderer draws from;
//! - [`MASK`]: the side of those masks.
//!
//! The test set itself (generate, score, sheet, teach-hand) is the `handwriting-set` program.
#![deny(missing_docs)]

pub mod fonts;
pub mod render;
pub mod rng;

/// Side of the masks digits are drawn in before they go on paper.
pub const MASK: usize = 128;

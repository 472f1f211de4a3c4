//! Preparing your own handwriting the way MNIST was made.
//!
//! MNIST's digits were scanned, cropped to their ink, scaled so the longer side is 20 pixels
//! (keeping the aspect ratio, with antialiasing), and placed in a 28×28 field so that their
//! centre of mass sits at its centre; the ink is light on black. The book's preparation of
//! a user's picture — resize the whole picture to 28×28 and invert it — keeps the paper, the
//! margins and the shadows, and the network sees a small grey smudge. This module does what
//! MNIST did, after finding the digit among what a photo or a paint program adds:
//!
//! 1. `decode.rs`: PNG or JPEG straight to 8-bit luminance (transparency composited onto
//!    white), shrunk by box averaging as it is read so no more than about a megapixel is ever
//!    worked on, within a memory budget that suits a Pi; tiny pictures are enlarged smoothly;
//! 2. `background.rs`: for each polarity (dark ink on light paper, light on dark), the paper is
//!    what a grey-level opening with a window wider than any stroke leaves (the top-hat): uneven
//!    light, shadows, the desk and the paper's edge all go, strokes stay;
//! 3. `threshold.rs`: Otsu's threshold of what is left, kept above the paper's noise;
//! 4. `lines.rs` and `components.rs`: ruled lines are taken out, and the digit is the most
//!    digit-like connected ink — not touching the picture's edge, not a hole between strokes,
//!    not a speck — with the pieces near it of at least a tenth of its ink;
//!    `polarity.rs` keeps whichever polarity found the more digit-like ink;
//! 5. `fit.rs`: crop, scale the longer side to 20 px with antialiasing, keeping the aspect
//!    ratio, and place it in 28×28 with its centre of mass at the centre.
//!
//! A whole number written on one line ([`read_number_file`]): `segment.rs` finds the pieces
//! beside the digit on its line and groups them into digits, each then fitted as in 5.
//!
//! Everything is integer or `f32` arithmetic in a fixed order: the same picture gives the same
//! 784 bytes on every machine.

mod background;
mod components;
mod decode;
mod fill;
mod fit;
mod gray;
mod lines;
mod number;
mod polarity;
mod segment;
mod threshold;

use std::fmt;
use std::path::Path;

use crate::digits::mnist::SIDE;

pub use gray::Gray;
pub use number::{
    count_digits_bytes, count_digits_file, read_number_bytes, read_number_file, read_number_gray,
    Number, NumberDigit, NumberError, MAX_DIGITS,
};

/// The longest side the digit is scaled to, as in MNIST.
pub const BOX: usize = 20;

/// How large an image may be: a 12-megapixel phone photo fits, a decompression bomb does not.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Widest and tallest image accepted, in pixels.
    pub max_side: u32,
    /// Most memory the decoder may need for the picture, in bytes.
    pub max_alloc: u64,
}

impl Default for Limits {
    /// 8192 px a side and 128 MiB: a 12 MP JPEG decodes in under 100 MB, a PNG of any
    /// allowed size streams row by row in a few MB, and a Pi Zero 2 has 512 MB.
    fn default() -> Self {
        Limits {
            max_side: 8192,
            max_alloc: 128 << 20,
        }
    }
}

/// Why an image could not be prepared.
#[derive(Debug)]
#[non_exhaustive]
pub enum PrepareError {
    /// The file could not be opened or read.
    Io(std::io::Error),
    /// The bytes are not a PNG or JPEG image this build can decode (or are truncated).
    Decode(String),
    /// The image is larger than the limits allow.
    TooLarge {
        /// Width, pixels.
        width: u32,
        /// Height, pixels.
        height: u32,
        /// The limit on either side.
        limit: u32,
    },
    /// Decoding the image would need more memory than the budget.
    OverBudget {
        /// Width, pixels.
        width: u32,
        /// Height, pixels.
        height: u32,
        /// What decoding would need, MiB.
        need_mib: u64,
        /// The budget, MiB.
        budget_mib: u64,
    },
    /// There is no ink: the image is empty or (nearly) one colour.
    NoDigit,
}

impl fmt::Display for PrepareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrepareError::Io(e) => write!(f, "{e}"),
            PrepareError::Decode(e) => write!(f, "not a readable PNG or JPEG image: {e}"),
            PrepareError::TooLarge {
                width,
                height,
                limit,
            } => write!(
                f,
                "image is {width}×{height} pixels, larger than the {limit}×{limit} limit"
            ),
            PrepareError::OverBudget {
                width,
                height,
                need_mib,
                budget_mib,
            } => write!(
                f,
                "decoding this {width}×{height} image would need {need_mib} MiB, over the \
                 {budget_mib} MiB budget (save it as a baseline JPEG or a PNG, or make it smaller)"
            ),
            PrepareError::NoDigit => {
                write!(f, "no digit found: the image is blank or all one colour")
            }
        }
    }
}

impl std::error::Error for PrepareError {}

/// A prepared digit: MNIST-style pixels (0 background, 255 ink) and what was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// 28×28 pixels, row-major, light ink on black.
    pub pixels: [u8; SIDE * SIDE],
    /// True when the picture had dark ink on light paper and was inverted.
    pub inverted: bool,
    /// The picture's size, width × height.
    pub source_size: (u32, u32),
}

/// Decodes and prepares an image file.
pub fn prepare_file(path: &Path, limits: Limits) -> Result<Prepared, PrepareError> {
    let file = std::fs::File::open(path).map_err(PrepareError::Io)?;
    let (gray, source_size) = decode::decode(std::io::BufReader::new(file), limits)?;
    prepare_decoded(gray, source_size)
}

/// Decodes and prepares an image held in memory (PNG or JPEG bytes).
pub fn prepare_bytes(bytes: &[u8], limits: Limits) -> Result<Prepared, PrepareError> {
    let (gray, source_size) = decode::decode(std::io::Cursor::new(bytes), limits)?;
    prepare_decoded(gray, source_size)
}

fn prepare_decoded(gray: Gray, source_size: (u32, u32)) -> Result<Prepared, PrepareError> {
    let (pixels, inverted) = prepare_gray(&gray)?;
    Ok(Prepared {
        pixels,
        inverted,
        source_size,
    })
}

/// Pictures up to this side (px) whose ink touches the edge count as tight crops and get a
/// margin. Chosen on the tuning half and six extra tune-style sets (≤ 64, 128, 256, any).
const TIGHT_CROP_MAX_SIDE: usize = 128;
/// A tight crop's added margin is its longer side divided by this (a quarter on each side).
const TIGHT_CROP_MARGIN_DIV: usize = 4;

/// The preparation itself, on 8-bit luminance (any size; large pictures are best shrunk to
/// about a megapixel first, as [`prepare_file`] does). Returns the 28×28 MNIST-style pixels
/// and whether the picture was inverted (dark ink on light paper).
pub fn prepare_gray(gray: &Gray) -> Result<([u8; SIDE * SIDE], bool), PrepareError> {
    if gray.w == 0 || gray.h == 0 {
        return Err(PrepareError::NoDigit);
    }
    // A small picture cropped tight to its digit (a dataset's crop, a box cut out of a form)
    // has ink on its very edge, which the pieces rule reads as the paper's edge or a desk. Give
    // it the paper margin it lacks (`Gray::padded_with_paper`). Big pictures are left alone: there,
    // ink on the edge is a desk, a shadow or a neighbouring digit.
    let side = gray.w.max(gray.h);
    let padded;
    let gray = if side <= TIGHT_CROP_MAX_SIDE && gray.ink_on_edge() {
        padded = gray.padded_with_paper((side / TIGHT_CROP_MARGIN_DIV).max(1));
        &padded
    } else {
        gray
    };
    // Tiny pictures (a 28 px canvas, a digit 8–16 px tall) are enlarged smoothly first, so the
    // background window, the threshold and the pieces all have pixels to work with.
    let work = gray.enlarged_to(gray::MIN_WORK_SIDE);
    let found = polarity::find_digit(&work).ok_or(PrepareError::NoDigit)?;
    let pixels = fit::fit(&found.ink, work.w, work.h).ok_or(PrepareError::NoDigit)?;
    Ok((pixels, found.inverted))
}

#[cfg(test)]
mod tests;

//! Reading a user's prepared digit: the picture as it is, and once more with its strokes half
//! a step thinner, the network's ten outputs averaged (test-time augmentation).
//!
//! Every front end that reads a user's picture reads it here: `nnzero predict` (and its unsure
//! rule), `teach`'s scores of the taught pictures, the web page's answer and the handwriting
//! set's score. MNIST scoring ([`crate::infer::eval`]) reads each digit once, as the book does.
//!
//! Why the second read is a thinner one: of fifteen sets of fixed variations tried (shifts of
//! ±1 px, rotations of ±5° and ±8°, strokes ±0.5, scalings, slants, up to 32 draws of
//! `--augment`'s own maps; `docs/lab/harnesses/tta_probe.rs`), only those with a thinner read
//! read more of the handwriting in the tuning half's fonts and hands, set after freshly drawn
//! set, without costing MNIST anything; the rest moved the figure by noise, and the wider ones
//! cost MNIST. The figures: `docs/lab/2026-11-30-test-time-reads.md`.
//!
//! The thinning is [`stroke_width`] (plain `f32`, the same bits on every CPU and on its AVX2
//! path), on the digit as the network sees it: deskewed first if the network was trained so.

use alloc::vec;
use alloc::vec::Vec;

use crate::augment::stroke_width;
use crate::digits::mnist::scale_image;
use crate::Network;

/// How a picture is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reading {
    /// As it is and with strokes [`THINNER`], the outputs averaged: the default.
    #[default]
    Twice,
    /// Once, as it is: the book's single query.
    Single,
}

/// The second read's change of stroke width, in steps of erosion ([`stroke_width`]).
pub const THINNER: f32 = -0.5;

/// The network's ten outputs for a picture's pixels (0–255, light ink on black, row by row,
/// square), read as `reading` says. The first read is exactly
/// [`Network::input_into`] then [`Network::query`].
///
/// # Panics
/// If the pixels are not as many as the network's inputs.
pub fn read(net: &Network, pixels: &[u8], reading: Reading) -> Vec<f32> {
    assert_eq!(pixels.len(), net.inputs(), "one pixel per input");
    let mut upright = vec![0u8; pixels.len()];
    let picture = crate::digits::deskew::upright(net.deskews(), pixels, &mut upright);
    let mut inputs = vec![0.0f32; pixels.len()];
    let mut hidden = vec![0.0f32; net.hidden()];
    let mut outputs = vec![0.0f32; net.outputs()];
    scale_image(picture, &mut inputs);
    net.query_into(&inputs, &mut hidden, &mut outputs);
    let side = pixels.len().isqrt();
    if reading == Reading::Single || side * side != pixels.len() {
        return outputs;
    }
    let mut thin = vec![0u8; pixels.len()];
    stroke_width(picture, &mut thin, side, THINNER);
    scale_image(&thin, &mut inputs);
    let mut second = vec![0.0f32; net.outputs()];
    net.query_into(&inputs, &mut hidden, &mut second);
    for (o, s) in outputs.iter_mut().zip(second) {
        *o = (*o + s) * 0.5;
    }
    outputs
}

/// The picture as the network reads it (the first read of [`read`]): stood upright by its
/// moments when the network was trained on upright digits ([`Network::deskews`]), else as it
/// is. What `predict --show` and `--save-prepared`, the page and the API show, so that what
/// a user sees is what the network read.
pub fn as_read(net: &Network, pixels: &[u8]) -> Vec<u8> {
    let mut upright = vec![0u8; pixels.len()];
    crate::digits::deskew::upright(net.deskews(), pixels, &mut upright).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digits::mnist::{argmax, targets, PIXELS};

    /// A "1": a bar three pixels wide down the middle.
    fn bar() -> [u8; PIXELS] {
        let mut p = [0u8; PIXELS];
        for y in 4..24 {
            for x in 13..16 {
                p[y * 28 + x] = 255;
            }
        }
        p
    }

    /// A "0": a ring.
    fn ring() -> [u8; PIXELS] {
        let mut p = [0u8; PIXELS];
        for y in 0..28 {
            for x in 0..28 {
                let (dx, dy) = (x as f32 - 13.5, y as f32 - 13.5);
                let r = libm::sqrtf(dx * dx + dy * dy);
                if (5.0..9.0).contains(&r) {
                    p[y * 28 + x] = 255;
                }
            }
        }
        p
    }

    fn trained() -> Network {
        let mut net = Network::new(PIXELS, 30, 10, 0.1, 3);
        let (one, zero) = (bar(), ring());
        let (mut a, mut b) = ([0.0f32; PIXELS], [0.0f32; PIXELS]);
        scale_image(&one, &mut a);
        scale_image(&zero, &mut b);
        for _ in 0..30 {
            net.train(&a, &targets(1));
            net.train(&b, &targets(0));
        }
        net
    }

    #[test]
    fn a_single_read_is_the_books_query() {
        let net = trained();
        for p in [bar(), ring()] {
            assert_eq!(read(&net, &p, Reading::Single), net.query(&net.input(&p)));
        }
    }

    #[test]
    fn two_reads_average_the_picture_and_its_thinner_self() {
        let net = trained();
        let p = ring();
        let mut thin = [0u8; PIXELS];
        stroke_width(&p, &mut thin, 28, THINNER);
        assert_ne!(thin, p, "the ring is thinner");
        let (a, b) = (net.query(&net.input(&p)), net.query(&net.input(&thin)));
        let twice = read(&net, &p, Reading::Twice);
        for k in 0..10 {
            assert_eq!(twice[k], (a[k] + b[k]) * 0.5);
        }
        assert_eq!(twice, read(&net, &p, Reading::default()), "deterministic");
    }

    #[test]
    fn plain_and_twice_agree_on_clear_digits() {
        let net = trained();
        for (p, digit) in [(bar(), 1), (ring(), 0)] {
            assert_eq!(argmax(&read(&net, &p, Reading::Single)), digit);
            assert_eq!(argmax(&read(&net, &p, Reading::Twice)), digit);
        }
    }

    #[test]
    fn a_deskewing_network_thins_the_upright_digit() {
        let mut net = trained();
        net.set_deskew(true);
        let mut p = [0u8; PIXELS];
        // A leaning bar: deskewing stands it up before it is thinned.
        for y in 4..24 {
            let x = 8 + (24 - y) / 2;
            for k in 0..3 {
                p[y * 28 + x + k] = 255;
            }
        }
        let mut up = [0u8; PIXELS];
        crate::digits::deskew::deskew(&p, &mut up, 28);
        let mut thin = [0u8; PIXELS];
        stroke_width(&up, &mut thin, 28, THINNER);
        let mut inputs = [0.0f32; PIXELS];
        scale_image(&thin, &mut inputs);
        let (a, b) = (net.query(&net.input(&p)), net.query(&inputs));
        let twice = read(&net, &p, Reading::Twice);
        for k in 0..10 {
            assert_eq!(twice[k], (a[k] + b[k]) * 0.5);
        }
    }
}

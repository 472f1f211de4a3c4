//! The book's weight initialisation: every weight ~ Normal(0, 1/√incoming links).
//!
//! `wih ~ N(0, input^-0.5)` and `who ~ N(0, hidden^-0.5)`, drawn from one `XorShiftRng` seeded
//! with `seed`: first all of `wih`, then all of `who`, each in row-major order (hidden node by
//! hidden node, as numpy fills the book's `(hnodes, inodes)` array). The order is part of the
//! reproducibility contract: change it and every seed's weights change.

use crate::net::normal::StandardNormal;
use rand_core::SeedableRng;
use rand_xorshift::XorShiftRng;

/// Fills column-major `wih` (hidden, input) and `who` (output, hidden) for `seed`.
pub fn init_weights(seed: u64, inputs: usize, wih: &mut [f32], who: &mut [f32]) {
    let hidden = wih.len() / inputs.max(1);
    let outputs = who.len() / hidden.max(1);
    debug_assert_eq!(wih.len(), hidden * inputs);
    debug_assert_eq!(who.len(), outputs * hidden);
    let mut rng = XorShiftRng::seed_from_u64(seed);
    let mut normal = StandardNormal::new();
    fill_row_major(&mut rng, &mut normal, wih, hidden, inputs);
    fill_row_major(&mut rng, &mut normal, who, outputs, hidden);
}

/// Draws a (rows, cols) matrix row by row into column-major storage, with σ = cols^-0.5.
fn fill_row_major(
    rng: &mut XorShiftRng,
    normal: &mut StandardNormal,
    w: &mut [f32],
    rows: usize,
    cols: usize,
) {
    let std_dev = libm::pow(cols as f64, -0.5);
    for r in 0..rows {
        for c in 0..cols {
            w[c * rows + r] = (normal.sample(rng) * std_dev) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_is_one_over_root_incoming() {
        let (i, h, o) = (784, 200, 10);
        let mut wih = vec![0.0; h * i];
        let mut who = vec![0.0; o * h];
        init_weights(1, i, &mut wih, &mut who);
        let sd = |w: &[f32]| {
            let n = w.len() as f64;
            let mean = w.iter().map(|&x| x as f64).sum::<f64>() / n;
            (w.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n).sqrt()
        };
        assert!((sd(&wih) - 1.0 / 28.0).abs() < 0.001, "wih sd {}", sd(&wih));
        assert!(
            (sd(&who) - 1.0 / 200f64.sqrt()).abs() < 0.005,
            "who sd {}",
            sd(&who)
        );
    }
}

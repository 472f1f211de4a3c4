//! The activation function and its inverse.
//!
//! Neither uses the platform's maths library: glibc, musl and the various CPUs' libraries round
//! `expf` differently, and one ulp is enough to make two training runs drift apart. The sigmoid
//! takes its exponential from [`super::exp`] (the bits of the `libm` crate's `expf`, but a
//! vector of them at a time), the inverse its logarithm from `libm`: plain Rust, so every
//! target computes the same bits.

use super::exp::{exp, exp_neg_in_place};

/// The logistic sigmoid, σ(x) = 1 / (1 + e⁻ˣ), the book's activation function.
#[inline]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// The inverse of the sigmoid, logit(y) = ln(y / (1 − y)), used by back-query.
#[inline]
pub fn logit(y: f32) -> f32 {
    libm::logf(y / (1.0 - y))
}

/// Applies [`sigmoid`] to every element in place.
#[inline]
pub fn sigmoid_in_place(values: &mut [f32]) {
    // Two passes, the same operations as `sigmoid`: the exponentials, then 1 / (1 + e); each
    // vectorises.
    exp_neg_in_place(values);
    for v in values.iter_mut() {
        *v = 1.0 / (1.0 + *v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_of_zero_is_a_half() {
        assert_eq!(sigmoid(0.0), 0.5);
    }

    #[test]
    fn sigmoid_matches_the_book_values() {
        // The talk's table: σ(1.16) ≈ 0.7613, σ(0.42) ≈ 0.6035.
        assert!((sigmoid(1.16) - 0.7613).abs() < 1e-4);
        assert!((sigmoid(0.42) - 0.6035).abs() < 1e-4);
        assert!(sigmoid(-50.0) >= 0.0 && sigmoid(-50.0) < 1e-20);
        assert_eq!(sigmoid(50.0), 1.0);
    }

    #[test]
    fn in_place_is_the_same_sigmoid() {
        let mut v: Vec<f32> = (-40..40).map(|i| i as f32 * 0.37).collect();
        let want: Vec<u32> = v.iter().map(|&x| sigmoid(x).to_bits()).collect();
        sigmoid_in_place(&mut v);
        assert_eq!(v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), want);
    }

    #[test]
    fn logit_inverts_sigmoid() {
        for &x in &[-4.0f32, -1.0, -0.1, 0.0, 0.3, 2.0, 5.0] {
            let back = logit(sigmoid(x));
            assert!((back - x).abs() < 1e-3, "logit(sigmoid({x})) = {back}");
        }
    }
}

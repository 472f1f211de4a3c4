//! Normal samples for weight initialisation: Box–Muller on `libm`.
//!
//! `rand_distr`'s ziggurat would do, but its tail uses the platform's `ln`/`exp` when `std` is
//! on, and a seed must give the same weights on every CPU. Box–Muller is four lines of maths on
//! the `libm` crate, whose results are the same everywhere.

use rand_core::Rng;

/// A source of standard normal samples, N(0, 1), from any random number generator.
///
/// Box–Muller turns two uniforms into two independent normals; the second is kept for the next
/// call, so every pair of `u64` draws gives two samples.
#[derive(Debug, Clone, Default)]
pub struct StandardNormal {
    spare: Option<f64>,
}

impl StandardNormal {
    /// A sampler with nothing cached.
    pub const fn new() -> Self {
        StandardNormal { spare: None }
    }

    /// The next N(0, 1) sample.
    pub fn sample<R: Rng + ?Sized>(&mut self, rng: &mut R) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        // u1 in (0, 1]: never 0, so ln(u1) is finite. 53 random bits, as f64 holds.
        let u1 = ((rng.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64);
        let u2 = (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        let radius = libm::sqrt(-2.0 * libm::log(u1));
        let angle = 2.0 * core::f64::consts::PI * u2;
        self.spare = Some(radius * libm::sin(angle));
        radius * libm::cos(angle)
    }

    /// Fills `out` with samples of N(0, `std_dev`²), rounded to `f32`.
    pub fn fill<R: Rng + ?Sized>(&mut self, rng: &mut R, std_dev: f64, out: &mut [f32]) {
        for w in out {
            *w = (self.sample(rng) * std_dev) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::SeedableRng;
    use rand_xorshift::XorShiftRng;

    #[test]
    fn moments_are_those_of_a_standard_normal() {
        let mut rng = XorShiftRng::seed_from_u64(1);
        let mut normal = StandardNormal::new();
        let n = 200_000;
        let (mut sum, mut sum2, mut sum3, mut sum4) = (0.0, 0.0, 0.0, 0.0);
        for _ in 0..n {
            let z = normal.sample(&mut rng);
            sum += z;
            sum2 += z * z;
            sum3 += z * z * z;
            sum4 += z * z * z * z;
        }
        let n = n as f64;
        let mean = sum / n;
        let var = sum2 / n - mean * mean;
        // Standard errors at n = 200k: mean 0.0022, variance 0.0032, skew 0.0055, kurtosis 0.011.
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.015, "variance {var}");
        assert!((sum3 / n).abs() < 0.03, "third moment {}", sum3 / n);
        assert!((sum4 / n - 3.0).abs() < 0.06, "fourth moment {}", sum4 / n);
    }

    #[test]
    fn tail_frequencies_match_the_normal_distribution() {
        // P(|Z| > 1) = 0.3173, P(|Z| > 2) = 0.0455, P(|Z| > 3) = 0.0027.
        let mut rng = XorShiftRng::seed_from_u64(2);
        let mut normal = StandardNormal::new();
        let n = 400_000;
        let mut over = [0u32; 3];
        for _ in 0..n {
            let z = normal.sample(&mut rng).abs();
            for (k, count) in over.iter_mut().enumerate() {
                if z > (k + 1) as f64 {
                    *count += 1;
                }
            }
        }
        let expected = [0.3173, 0.0455, 0.0027];
        for k in 0..3 {
            let p = over[k] as f64 / n as f64;
            let se = (expected[k] * (1.0 - expected[k]) / n as f64).sqrt();
            assert!((p - expected[k]).abs() < 5.0 * se, "P(|Z|>{}) = {p}", k + 1);
        }
    }

    #[test]
    fn same_seed_same_samples() {
        let draw = |seed| {
            let mut rng = XorShiftRng::seed_from_u64(seed);
            let mut out = [0.0f32; 16];
            StandardNormal::new().fill(&mut rng, 0.5, &mut out);
            out
        };
        assert_eq!(draw(9), draw(9));
        assert_ne!(draw(9), draw(10));
    }
}

//! Elastic distortions (Simard, Steinkraus & Platt, "Best practices for convolutional neural
//! networks applied to visual document analysis", ICDAR 2003): a random displacement for every
//! pixel, smoothed by a Gaussian so that neighbours move together, then scaled.
//!
//! Uniform noise in −1..1 smoothed by a normalised Gaussian of standard deviation σ pixels has
//! a standard deviation of about 1/(√3 · 2√π · σ); times α = 34 at σ = 4 that is about 1.4
//! pixels, the wobble of a hand rather than of a camera. Smoothing is separable (rows, then
//! columns) over a kernel cut at 3σ; what lies beyond the image counts as no displacement.
//! All `f32`, `libm`, in a fixed order: the same draws give the same field on every CPU.

use alloc::vec;
use alloc::vec::Vec;
use rand_core::Rng;

/// A uniform draw in −1..1 from 24 random bits.
pub(super) fn signed_unit(rng: &mut impl Rng) -> f32 {
    let u = (rng.next_u32() >> 8) as f32 * (1.0 / (1u32 << 24) as f32);
    2.0 * u - 1.0
}

/// Makes displacement fields of one size and smoothness.
#[derive(Debug, Clone)]
pub struct Elastic {
    side: usize,
    /// The normalised Gaussian, taps −radius..=radius.
    kernel: Vec<f32>,
    /// Row-smoothed noise, side².
    rows: Vec<f32>,
    /// The raw noise, side².
    noise: Vec<f32>,
}

impl Elastic {
    /// Fields for `side`×`side` images smoothed by a Gaussian of `sigma` pixels.
    pub fn new(side: usize, sigma: f32) -> Self {
        let sigma = sigma.max(0.1);
        let radius = libm::ceilf(3.0 * sigma) as usize;
        let mut kernel: Vec<f32> = (0..=2 * radius)
            .map(|i| {
                let d = i as f32 - radius as f32;
                libm::expf(-(d * d) / (2.0 * sigma * sigma))
            })
            .collect();
        let mut sum = 0.0f32;
        for &k in &kernel {
            sum += k;
        }
        for k in &mut kernel {
            *k /= sum;
        }
        Elastic {
            side,
            kernel,
            rows: vec![0.0; side * side],
            noise: vec![0.0; side * side],
        }
    }

    /// Fills `field` (side², row-major) with one smoothed displacement component scaled by
    /// `alpha`, drawing side² numbers from `rng`.
    pub fn field(&mut self, rng: &mut impl Rng, alpha: f32, field: &mut [f32]) {
        let n = self.side;
        assert_eq!(field.len(), n * n);
        for v in &mut self.noise {
            *v = signed_unit(rng);
        }
        let r = self.kernel.len() / 2;
        // Rows: rows[y][x] = Σ_k kernel[k] · noise[y][x + k − r]
        for y in 0..n {
            for x in 0..n {
                let mut acc = 0.0f32;
                for (k, &w) in self.kernel.iter().enumerate() {
                    let sx = x + k;
                    if sx >= r && sx - r < n {
                        acc += w * self.noise[y * n + sx - r];
                    }
                }
                self.rows[y * n + x] = acc;
            }
        }
        // Columns, then scale.
        for y in 0..n {
            for x in 0..n {
                let mut acc = 0.0f32;
                for (k, &w) in self.kernel.iter().enumerate() {
                    let sy = y + k;
                    if sy >= r && sy - r < n {
                        acc += w * self.rows[(sy - r) * n + x];
                    }
                }
                field[y * n + x] = alpha * acc;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::SeedableRng;
    use rand_xorshift::XorShiftRng;

    #[test]
    fn the_field_is_smooth_and_about_the_expected_size() {
        let mut e = Elastic::new(28, 4.0);
        let mut rng = XorShiftRng::seed_from_u64(7);
        let mut f = vec![0.0f32; 784];
        let (mut sq, mut step, mut count) = (0.0f64, 0.0f64, 0);
        for _ in 0..50 {
            e.field(&mut rng, 34.0, &mut f);
            for y in 4..24 {
                for x in 4..24 {
                    sq += (f[y * 28 + x] as f64).powi(2);
                    step += (f[y * 28 + x + 1] - f[y * 28 + x]).abs() as f64;
                    count += 1;
                }
            }
        }
        let rms = (sq / count as f64).sqrt();
        let mean_step = step / count as f64;
        // 34 / (√3 · 2√π · 4) ≈ 1.38 px away from the borders.
        assert!((1.0..1.8).contains(&rms), "rms displacement {rms}");
        // Neighbours move together: a step to the next pixel changes it by a fraction.
        assert!(mean_step < 0.3 * rms, "mean step {mean_step} vs rms {rms}");
    }
}

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
        // Each output is Σ_k kernel[k] · input[i + k − r] over the taps inside the image, k
        // ascending, starting from 0: the same sums in the same order as the plain double loop,
        // but walked tap by tap over whole rows, so the compiler can use SIMD lanes across x
        // without reordering any one sum (that would change the bits).
        // Rows: rows[y][x] = Σ_k kernel[k] · noise[y][x + k − r]
        self.rows.fill(0.0);
        for (noise, out) in self
            .noise
            .chunks_exact(n)
            .zip(self.rows.chunks_exact_mut(n))
        {
            for (k, &w) in self.kernel.iter().enumerate() {
                // x + k − r must lie in 0..n.
                let lo = r.saturating_sub(k);
                let hi = (n + r).saturating_sub(k).min(n);
                if lo >= hi {
                    continue;
                }
                let from = lo + k - r;
                for (o, &v) in out[lo..hi].iter_mut().zip(&noise[from..from + hi - lo]) {
                    *o += w * v;
                }
            }
        }
        // Columns, then scale.
        field.fill(0.0);
        for (y, out) in field.chunks_exact_mut(n).enumerate() {
            for (k, &w) in self.kernel.iter().enumerate() {
                let sy = y + k;
                if sy < r || sy - r >= n {
                    continue;
                }
                let row = &self.rows[(sy - r) * n..(sy - r + 1) * n];
                for (o, &v) in out.iter_mut().zip(row) {
                    *o += w * v;
                }
            }
        }
        for v in field.iter_mut() {
            *v *= alpha;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::SeedableRng;
    use rand_xorshift::XorShiftRng;

    /// The plain double loop the fast one must match bit for bit: rows, then columns.
    fn reference(e: &Elastic, alpha: f32) -> Vec<f32> {
        let n = e.side;
        let r = e.kernel.len() / 2;
        let (mut rows, mut out) = (vec![0.0f32; n * n], vec![0.0f32; n * n]);
        for y in 0..n {
            for x in 0..n {
                let mut acc = 0.0f32;
                for (k, &w) in e.kernel.iter().enumerate() {
                    if x + k >= r && x + k - r < n {
                        acc += w * e.noise[y * n + x + k - r];
                    }
                }
                rows[y * n + x] = acc;
            }
        }
        for y in 0..n {
            for x in 0..n {
                let mut acc = 0.0f32;
                for (k, &w) in e.kernel.iter().enumerate() {
                    if y + k >= r && y + k - r < n {
                        acc += w * rows[(y + k - r) * n + x];
                    }
                }
                out[y * n + x] = alpha * acc;
            }
        }
        out
    }

    #[test]
    fn the_fast_field_is_the_plain_double_loop_bit_for_bit() {
        for (side, sigma) in [(28, 4.0), (28, 1.5), (9, 4.0)] {
            let mut e = Elastic::new(side, sigma);
            let mut rng = XorShiftRng::seed_from_u64(3);
            let mut f = vec![0.0f32; side * side];
            e.field(&mut rng, 34.0, &mut f);
            let want = reference(&e, 34.0);
            assert!(f.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()));
        }
    }

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

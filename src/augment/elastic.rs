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
    /// The raw noise: side rows of side + 2·radius, the noise between `radius` zeros.
    noise: Vec<f32>,
    /// Row-smoothed noise: side + 2·radius rows of side, `radius` rows of zeros above and
    /// below.
    rows: Vec<f32>,
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
        let padded = side + 2 * radius;
        Elastic {
            side,
            kernel,
            noise: vec![0.0; side * padded],
            rows: vec![0.0; padded * side],
        }
    }

    /// Fills `field` (side², row-major) with one smoothed displacement component scaled by
    /// `alpha`, drawing side² numbers from `rng`.
    pub fn field(&mut self, rng: &mut impl Rng, alpha: f32, field: &mut [f32]) {
        let n = self.side;
        assert_eq!(field.len(), n * n);
        let r = self.kernel.len() / 2;
        let padded = n + 2 * r;
        for row in self.noise.chunks_exact_mut(padded) {
            for v in &mut row[r..r + n] {
                *v = signed_unit(rng);
            }
        }
        // Each output is Σ_k kernel[k] · input[i + k − r], k ascending, from +0.0: the plain
        // double loop's sum over the taps inside the image (`reference.rs`). Here every tap
        // is taken, the ones beyond the image reading the zeros the buffers are padded with,
        // so each tap is one fixed-length, branch-free pass over a whole row (SIMD lanes
        // across x, never reordering one sum). The same bits, because a tap outside adds
        // kernel[k] · 0.0 = +0.0 (the kernel is positive), and acc + (+0.0) = acc for every
        // acc but −0.0, which an accumulator starting at +0.0 never is: in round-to-nearest a
        // sum is −0.0 only when both terms are. The taps inside keep their order.
        let (k, noise, rows) = (&self.kernel[..], &self.noise[..], &mut self.rows[..]);
        match n {
            // MNIST's side, known at compile time: each row's sums stay in registers.
            28 => smooth_best::<28>(k, noise, rows, field, alpha),
            _ => smooth(k, n, noise, rows, field, alpha),
        }
    }
}

/// The two passes for any side `n`: rows of the padded `noise` into the padded `rows`, then
/// columns of `rows` into `field`, times `alpha`.
fn smooth(
    kernel: &[f32],
    n: usize,
    noise: &[f32],
    rows: &mut [f32],
    field: &mut [f32],
    alpha: f32,
) {
    let r = kernel.len() / 2;
    // Rows: rows[r + y][x] = Σ_k kernel[k] · noise[y][x + k] (noise padded by r)
    for (noise, out) in noise
        .chunks_exact(n + 2 * r)
        .zip(rows[r * n..(r + n) * n].chunks_exact_mut(n))
    {
        out.fill(0.0);
        for (k, &w) in kernel.iter().enumerate() {
            for (o, &v) in out.iter_mut().zip(&noise[k..k + n]) {
                *o += w * v;
            }
        }
    }
    // Columns: field[y][x] = alpha · Σ_k kernel[k] · rows[y + k][x] (rows padded by r)
    for (y, out) in field.chunks_exact_mut(n).enumerate() {
        out.fill(0.0);
        for (k, &w) in kernel.iter().enumerate() {
            for (o, &v) in out.iter_mut().zip(&rows[(y + k) * n..(y + k + 1) * n]) {
                *o += w * v;
            }
        }
        for v in out.iter_mut() {
            *v *= alpha;
        }
    }
}

/// [`smooth`] for a side `N` known at compile time: a row's `N` sums are held in an array
/// the compiler keeps in vector registers while the taps go by. The same operations in the
/// same order.
#[inline(always)]
fn smooth_n<const N: usize>(
    kernel: &[f32],
    noise: &[f32],
    rows: &mut [f32],
    field: &mut [f32],
    alpha: f32,
) {
    let r = kernel.len() / 2;
    for (noise, out) in noise
        .chunks_exact(N + 2 * r)
        .zip(rows[r * N..(r + N) * N].chunks_exact_mut(N))
    {
        let mut acc = [0.0f32; N];
        for (k, &w) in kernel.iter().enumerate() {
            let v: &[f32; N] = noise[k..k + N].try_into().unwrap();
            for x in 0..N {
                acc[x] += w * v[x];
            }
        }
        out.copy_from_slice(&acc);
    }
    for (y, out) in field.chunks_exact_mut(N).enumerate() {
        let mut acc = [0.0f32; N];
        for (k, &w) in kernel.iter().enumerate() {
            let v: &[f32; N] = rows[(y + k) * N..(y + k + 1) * N].try_into().unwrap();
            for x in 0..N {
                acc[x] += w * v[x];
            }
        }
        for (o, a) in out.iter_mut().zip(acc) {
            *o = a * alpha;
        }
    }
}

/// [`smooth_n`] in the widest vector code the CPU has: AVX on x86_64 where it is there (the
/// same bits: lanes are different pixels, never terms of one sum, and Rust never contracts
/// `a * b + c` into an FMA), the target's baseline (SSE2, NEON, scalar) elsewhere.
fn smooth_best<const N: usize>(
    kernel: &[f32],
    noise: &[f32],
    rows: &mut [f32],
    field: &mut [f32],
    alpha: f32,
) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if std::is_x86_feature_detected!("avx") {
        #[allow(unsafe_code)]
        // SAFETY: the CPU has been found to support AVX.
        return unsafe { smooth_avx::<N>(kernel, noise, rows, field, alpha) };
    }
    smooth_n::<N>(kernel, noise, rows, field, alpha)
}

/// [`smooth_n`] compiled with AVX.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[allow(unsafe_code)]
#[target_feature(enable = "avx")]
unsafe fn smooth_avx<const N: usize>(
    kernel: &[f32],
    noise: &[f32],
    rows: &mut [f32],
    field: &mut [f32],
    alpha: f32,
) {
    smooth_n::<N>(kernel, noise, rows, field, alpha)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::SeedableRng;
    use rand_xorshift::XorShiftRng;

    #[test]
    fn the_fast_field_is_the_plain_double_loop_bit_for_bit() {
        // Sides smaller than the kernel (every tap of some pixels outside), σ 1.5 and 4 and
        // others, many draws each.
        for (side, sigma) in [
            (28, 4.0),
            (28, 1.5),
            (9, 4.0),
            (1, 4.0),
            (5, 0.05),
            (31, 2.3),
            (56, 4.0),
        ] {
            let mut e = Elastic::new(side, sigma);
            let kernel = crate::augment::reference::kernel(sigma);
            assert_eq!(e.kernel, kernel);
            let mut f = vec![0.0f32; side * side];
            let mut want = vec![0.0f32; side * side];
            for seed in 0..200 {
                let mut rng = XorShiftRng::seed_from_u64(seed);
                let mut same = rng.clone();
                let alpha = [34.0, 1.0, -3.5, 1e-30][seed as usize % 4];
                e.field(&mut rng, alpha, &mut f);
                crate::augment::reference::field(&kernel, side, &mut same, alpha, &mut want);
                assert!(
                    f.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()),
                    "side {side}, sigma {sigma}, seed {seed}"
                );
                // Both drew the same numbers.
                assert_eq!(rng.next_u32(), same.next_u32());
                // Both builds of the side-28 passes (`field` takes AVX's where the CPU has it)
                // and the passes for any side.
                if side == 28 {
                    let mut g = vec![0.0f32; side * side];
                    smooth_n::<28>(&e.kernel, &e.noise, &mut e.rows, &mut g, alpha);
                    assert!(g.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()));
                    g.fill(1.0);
                    smooth(&e.kernel, side, &e.noise, &mut e.rows, &mut g, alpha);
                    assert!(g.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()));
                }
            }
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

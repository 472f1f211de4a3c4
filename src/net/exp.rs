//! eˣ in f32, giving exactly the bits of `libm::expf` (FreeBSD's `e_expf.c`), written without
//! branches so that a loop of it vectorises.
//!
//! The sigmoid takes 200 exponentials a sample (one a hidden node) for the book's network, and
//! `libm::expf` is a call with branches: one at a time, they were a sixth of a sample's time.
//! [`exp`] is the same algorithm, every operation an IEEE-exact `+ − × ÷` or a bit move, in the
//! same order, but each of `expf`'s branches computed and the result picked with a select. The
//! compiler turns a loop of it ([`exp_neg_in_place`]) into vector code (SSE2, AVX, NEON on
//! aarch64); lanes are different numbers, so every lane gets the scalar bits, and Rust never
//! contracts `a * b + c` into an FMA. Matching `libm` bit for bit keeps every model trained
//! before this file existed the same, and the training maths no longer depends on which `libm`
//! version is linked. The tests compare the two over a spread of every f32 bit pattern.

/// ln 2, its high part: `k · LN2_HI` is exact for the k that occur.
const LN2_HI: f32 = f32::from_bits(0x3f31_7200); // 6.9314575195e-01
/// ln 2 − `LN2_HI`.
const LN2_LO: f32 = f32::from_bits(0x35bf_be8e); // 1.4286067653e-06
/// 1 / ln 2.
const INV_LN2: f32 = f32::from_bits(0x3fb8_aa3b); // 1.4426950216
/// The rational approximation's coefficients on [−0.34568, 0.34568].
const P1: f32 = f32::from_bits(0x3e2a_aa8f); // 1.6666625440e-1
/// See [`P1`].
const P2: f32 = f32::from_bits(0xbb35_5215); // -2.7667332906e-3

/// eˣ, bit for bit `libm::expf(x)` for every `x` (NaN in, the same NaN out).
#[inline(always)]
pub fn exp(x: f32) -> f32 {
    let bits = x.to_bits();
    let negative = bits >> 31;
    let hx = bits & 0x7fff_ffff;
    // Argument reduction: x = k·ln 2 + r, |r| ≤ ln 2 / 2.
    let half = f32::from_bits(0x3f00_0000 | (negative << 31)); // ±0.5, x's sign
    let k_far = truncate(INV_LN2 * x + half);
    let k_near = 1 - 2 * negative as i32;
    let k = if hx > 0x3f85_1592 {
        k_far // |x| > 1.5 ln 2
    } else if hx > 0x3eb1_7218 {
        k_near // |x| > 0.5 ln 2
    } else {
        0
    };
    let kf = k as f32;
    // With k = 0 these are `expf`'s hi = x, lo = 0, r = x exactly.
    let hi = x - kf * LN2_HI;
    let lo = kf * LN2_LO;
    let r = hi - lo;
    let rr = r * r;
    let c = r - rr * (P1 + rr * P2);
    let y = 1.0 + (r * c / (2.0 - c) - lo + hi);
    // y · 2ᵏ as `scalbnf` does it: out of the normal exponents' range, first by 2¹²⁷ or 2⁻¹⁰²
    // (k runs from −150 to 128 where the result is finite and not 0).
    let (pre, k) = if k > 127 {
        (f32::from_bits(0x7f00_0000), k.wrapping_sub(127))
    } else if k < -126 {
        (f32::from_bits(0x0c80_0000), k.wrapping_add(102))
    } else {
        (1.0, k)
    };
    let scale = f32::from_bits((k.wrapping_add(127) as u32) << 23);
    let scaled = y * pre * scale;
    // `expf`'s early returns.
    if hx > 0x7f80_0000 {
        x // NaN
    } else if hx >= 0x42b1_7218 && negative == 0 {
        x * f32::from_bits(0x7f00_0000) // x ≥ 88.72…: overflow to +∞
    } else if hx >= 0x42cf_f1b5 && negative == 1 {
        0.0 // x ≤ −103.97…
    } else if hx <= 0x3900_0000 {
        1.0 + x // |x| ≤ 2⁻¹⁴
    } else {
        scaled
    }
}

/// `t` rounded towards zero, as C's `(int)` cast, for |t| < 2²² (where `exp` uses it: |t| ≤
/// 151); garbage beyond (selected away by `exp`), never undefined. Rust's `t as i32` would do, but its saturating
/// conversion keeps the loop from vectorising: instead the nearest integer by adding and
/// taking away 1.5·2²³ (exact), read from the sum's bits, then one step back towards zero
/// where that rounded away from it.
#[inline(always)]
fn truncate(t: f32) -> i32 {
    const MAGIC: f32 = 12_582_912.0; // 1.5·2²³: its ulp is 1
    let sum = t + MAGIC;
    let nearest = sum - MAGIC;
    let k = sum.to_bits().wrapping_sub(MAGIC.to_bits()) as i32;
    // Wrapping, as vector lanes do: never a panic on the garbage of a huge `t`.
    if t >= 0.0 && nearest > t {
        k.wrapping_sub(1)
    } else if t < 0.0 && nearest < t {
        k.wrapping_add(1)
    } else {
        k
    }
}

/// Replaces every `v` with e⁻ᵛ: the sigmoid's exponentials, a vector of them at a time (eight
/// with AVX2 where the CPU has it, four with SSE2 or NEON otherwise; the same bits).
#[inline]
pub fn exp_neg_in_place(values: &mut [f32]) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if std::is_x86_feature_detected!("avx2") {
        #[allow(unsafe_code)]
        // SAFETY: the CPU has been found to support AVX2.
        return unsafe { exp_neg_avx2(values) };
    }
    exp_neg_portable(values);
}

#[inline(always)]
fn exp_neg_portable(values: &mut [f32]) {
    for v in values.iter_mut() {
        *v = exp(-*v);
    }
}

/// [`exp_neg_portable`] compiled with AVX2 (the same bits: lanes are different numbers).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[allow(unsafe_code)]
#[target_feature(enable = "avx2")]
unsafe fn exp_neg_avx2(values: &mut [f32]) {
    exp_neg_portable(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(x: f32) {
        let (want, got) = (libm::expf(x), exp(x));
        assert!(
            want.to_bits() == got.to_bits() || (want.is_nan() && got.is_nan()),
            "exp({x:e}) [{:08x}] = {got:e} [{:08x}], libm {want:e} [{:08x}]",
            x.to_bits(),
            got.to_bits(),
            want.to_bits()
        );
    }

    #[test]
    fn every_branch_of_expf_gives_libms_bits() {
        for x in [
            0.0f32,
            -0.0,
            1.0,
            -1.0,
            0.5,
            f32::MIN_POSITIVE,
            1e-30,
            -1e-30,
            f32::from_bits(0x3900_0000), // 2⁻¹⁴, the tiny branch's edge
            f32::from_bits(0x3900_0001),
            f32::from_bits(0x3eb1_7218), // ln 2 / 2
            f32::from_bits(0x3eb1_7219),
            f32::from_bits(0x3f85_1592), // 1.5 ln 2
            f32::from_bits(0x3f85_1593),
            -f32::from_bits(0x3f85_1593),
            88.0,
            88.722_83,
            88.722_84, // overflows
            89.0,
            -87.0,
            -87.336_55, // results go subnormal
            -100.0,
            -103.972_08,
            -103.972_09, // 0
            -200.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            f32::MAX,
            f32::MIN,
        ] {
            same(x);
        }
    }

    #[test]
    fn a_spread_of_every_f32_gives_libms_bits() {
        // Every 61st bit pattern: each exponent, sign and branch many times over (70 million
        // values). The whole 2³² matched too, checked once (docs/lab/2026-12-05-exp.md).
        let mut bits = 0u32;
        loop {
            same(f32::from_bits(bits));
            match bits.checked_add(61) {
                Some(b) => bits = b,
                None => break,
            }
        }
    }

    #[test]
    fn the_vector_loop_gives_the_scalar_bits() {
        // Long enough for the vector body and a scalar tail, across the sigmoid's range.
        let mut v: Vec<f32> = (0..1003).map(|i| (i as f32 - 501.0) * 0.173).collect();
        let want: Vec<u32> = v.iter().map(|&x| libm::expf(-x).to_bits()).collect();
        exp_neg_in_place(&mut v);
        assert_eq!(v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), want);
    }
}

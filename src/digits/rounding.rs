//! Exact rounding of `f32` to whole numbers without `libm` calls, for the per-pixel loops of
//! the augmentations and deskewing: each gives what `libm::floorf` / `libm::roundf` give in its
//! range (the tests go through every value that matters), so the images keep their bits on
//! every CPU, at a fraction of a call's cost.

/// ⌊x⌋ for −2³¹ < x < 2³¹ (the callers keep to −1..side): truncation toward zero, one down
/// for a negative non-integer. Exact: every integer of that range is an `f32` or lies beyond
/// its 24-bit integers, where x is an integer itself.
#[inline(always)]
pub(crate) fn floor_small(x: f32) -> i32 {
    let t = x as i32;
    t - ((t as f32) > x) as i32
}

/// ⌊x⌋ for −2²² ≤ x < 2²² in `f32` arithmetic alone (no conversion to an integer, so a row of
/// them is a few vector instructions): x + 1.5·2²³ lies where the `f32`s are the whole numbers,
/// so it rounds x to the nearest whole number, exactly, and subtracting 1.5·2²³ again is exact;
/// one down if that went above x. ⌊−0⌋ gives +0, as [`floor_small`] does.
#[inline(always)]
pub(crate) fn floor_near(x: f32) -> f32 {
    const MAGIC: f32 = 12_582_912.0; // 1.5 · 2²³
    let r = (x + MAGIC) - MAGIC;
    if r > x {
        r - 1.0
    } else {
        r
    }
}

/// `libm::roundf(v) as u8` for every `f32` (NaN, negatives and all), without the call and
/// without a branch: the integer part, one up if the fraction is at least a half (half away
/// from zero, as `roundf`), then saturated to 0..=255 as `as u8` saturates. v is first held
/// to −1..=256, which changes no result and keeps the integers small; `v − t` is then exact.
/// Not `(v + 0.5) as u8`: at 0.49999997 the sum rounds up to 1.0.
#[inline(always)]
pub(crate) fn round_u8(v: f32) -> u8 {
    let v = v.clamp(-1.0, 256.0); // NaN stays NaN
    let t = v as i32; // toward zero; NaN gives 0, as NaN `as u8` does after roundf
    (t + (v - t as f32 >= 0.5) as i32).clamp(0, 255) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_u8_is_roundf_as_u8_for_every_value_that_matters() {
        // Every f32 from 2⁻³ to 512 (all the fractions near .5 and the edges of 0..=255), then
        // random bit patterns and the special values.
        let (lo, hi) = (0.125f32.to_bits(), 512f32.to_bits());
        for bits in lo..=hi {
            for v in [f32::from_bits(bits), -f32::from_bits(bits)] {
                assert_eq!(round_u8(v), libm::roundf(v) as u8, "{v:e}");
            }
        }
        let mut x = 0x1234_5678u32;
        for _ in 0..1_000_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let v = f32::from_bits(x);
            assert_eq!(round_u8(v), libm::roundf(v) as u8, "{v:e}");
        }
        for v in [
            0.0,
            -0.0,
            0.49999997,
            0.5,
            254.5,
            254.49998,
            255.0,
            255.49998,
            255.5,
            f32::MIN_POSITIVE,
            f32::MAX,
            f32::MIN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            4294967296.0,
            4294967040.0,
        ] {
            assert_eq!(round_u8(v), libm::roundf(v) as u8, "{v:e}");
        }
    }

    #[test]
    fn floor_near_is_floorf_in_its_range() {
        // Every f32 from 2⁻²⁰ to 2²² either sign (below 2⁻²⁰ the floor is −1 or 0 whatever
        // the other bits), and the ones near 0 and at the ends. `+ 0.0` makes floorf's −0 +0.
        let (lo, hi) = (2f32.powi(-20).to_bits(), 4194304f32.to_bits());
        for bits in lo..hi {
            for v in [f32::from_bits(bits), -f32::from_bits(bits)] {
                assert_eq!(floor_near(v), libm::floorf(v) + 0.0, "{v:e}");
            }
        }
        for v in [-4194304.0, -1e-30, -0.0, 0.0, 1e-30, f32::MIN_POSITIVE] {
            assert_eq!(
                floor_near(v).to_bits(),
                (libm::floorf(v) + 0.0).to_bits(),
                "{v:e}"
            );
        }
    }

    #[test]
    fn floor_small_is_floorf_in_its_range() {
        let mut x = 0x9e37_79b9u32;
        for _ in 0..1_000_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            // 2⁻¹⁵ to 2³⁰ either sign: the random exponent folded into that range.
            let v = f32::from_bits(x & !(0xff << 23) | (((x >> 23) & 0xff) % 46 + 112) << 23);
            assert_eq!(floor_small(v) as f32, libm::floorf(v), "{v:e}");
        }
        for v in [
            -1.0,
            -0.99999994,
            -0.0,
            0.0,
            0.99999994,
            1.0,
            27.999998,
            8388607.5,
        ] {
            assert_eq!(floor_small(v) as f32, libm::floorf(v), "{v:e}");
        }
    }
}

//! A seeded random source for the generator: the same seed, the same test set.

use rand_core::{Rng as _, SeedableRng};
use rand_xorshift::XorShiftRng;

/// Uniform draws from an `XorShiftRng`.
pub struct Rng(XorShiftRng);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(XorShiftRng::seed_from_u64(seed))
    }

    /// Uniform in `lo..hi`.
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        let u = (self.0.next_u32() >> 8) as f32 / (1u32 << 24) as f32;
        lo + (hi - lo) * u
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f32) -> bool {
        self.range(0.0, 1.0) < p
    }

    /// One of `items`, uniformly.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = (self.range(0.0, items.len() as f32) as usize).min(items.len() - 1);
        &items[i]
    }

    /// A standard normal sample (Box–Muller).
    pub fn normal(&mut self) -> f32 {
        let u1 = self.range(1e-7, 1.0);
        let u2 = self.range(0.0, 1.0);
        (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
    }
}

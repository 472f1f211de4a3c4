//! Pictures the tests of `augment` compare the new code with the first version on.

use alloc::vec;
use alloc::vec::Vec;

/// Pictures to compare old and new code on: blank, full, noise, a digit-like block, ink
/// along every edge.
pub(super) fn pictures(side: usize, seed: u64) -> Vec<Vec<u8>> {
    use rand_core::{Rng, SeedableRng};
    let mut rng = rand_xorshift::XorShiftRng::seed_from_u64(seed);
    let n = side * side;
    let noise: Vec<u8> = (0..n).map(|_| rng.next_u32() as u8).collect();
    let sparse: Vec<u8> = (0..n)
        .map(|_| match rng.next_u32() % 4 {
            0 => 255,
            1 => (rng.next_u32() % 256) as u8,
            _ => 0,
        })
        .collect();
    let mut block = vec![0u8; n];
    let mut frame = vec![0u8; n];
    for y in 0..side {
        for x in 0..side {
            if (side / 4..side * 3 / 4).contains(&x) && (side / 5..side * 4 / 5).contains(&y) {
                block[y * side + x] = 200 + (x % 56) as u8;
            }
            if x == 0 || y == 0 || x == side - 1 || y == side - 1 {
                frame[y * side + x] = 255 - (x + y) as u8 % 7;
            }
        }
    }
    vec![vec![0; n], vec![255; n], noise, sparse, block, frame]
}

//! The machine's limit for the step that dominates a sample: one sweep of `wih` (784 × 200)
//! that applies the last sample's update and takes this sample's weighted sums, written as fast
//! as this CPU allows and free of nnzero's rules (FMA, each row a dot product with its own
//! order of additions). On one core over all 200 rows; on two cores at once, each over 100 of
//! them, as two threads split the hidden nodes. The same kernel as `../shared/bench/limits`'
//! "fused", measured in the bench's own run so that nnzero is compared with it side by side.

use std::sync::Barrier;
use std::time::Instant;

use nnzero::digits::mnist::{HIDDEN, PIXELS};
use nnzero::net::aligned::AlignedBuf;

/// Seconds one fused sweep takes: on one core (all rows), on two cores at once (half each).
pub struct Limit {
    pub one_core: f64,
    pub two_cores: f64,
}

/// Measures both, each the best of several timed batches of sweeps.
pub fn measure() -> Limit {
    Limit {
        one_core: per_sweep(HIDDEN),
        two_cores: two_at_once(HIDDEN / 2),
    }
}

/// A `rows` × 784 matrix and its vectors, as the kernel sweeps them.
struct Sweep {
    w: AlignedBuf,
    a: Vec<f32>,
    x1: Vec<f32>,
    x2: Vec<f32>,
    y: Vec<f32>,
}

impl Sweep {
    fn new(rows: usize) -> Self {
        let mut state = 1u32;
        let mut next = move || {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1u32 << 24) as f32
        };
        Sweep {
            // 64-byte aligned, as nnzero's weights and the C program's are.
            w: AlignedBuf::from_slice(
                &(0..rows * PIXELS)
                    .map(|_| (next() - 0.5) * 0.07)
                    .collect::<Vec<f32>>(),
            ),
            // Updates small enough that the weights stay put over millions of sweeps.
            a: (0..rows).map(|j| 1e-7 * (j % 7) as f32 - 3e-7).collect(),
            x1: (0..PIXELS).map(|_| 0.01 + 0.98 * next()).collect(),
            x2: (0..PIXELS).map(|_| 0.01 + 0.98 * next()).collect(),
            y: vec![0.0; rows],
        }
    }

    fn run(&mut self, times: usize) {
        for _ in 0..times {
            fused(&mut self.w, &self.a, &self.x1, &self.x2, &mut self.y);
            std::mem::swap(&mut self.x1, &mut self.x2);
        }
        std::hint::black_box(&self.y);
    }
}

/// The best time a sweep of `rows` rows takes on this thread.
fn per_sweep(rows: usize) -> f64 {
    let mut s = Sweep::new(rows);
    s.run(200); // into the cache
    (0..7)
        .map(|_| {
            let t = Instant::now();
            s.run(1000);
            t.elapsed().as_secs_f64() / 1000.0
        })
        .fold(f64::INFINITY, f64::min)
}

/// The time a sweep takes with two threads sweeping `rows` rows each at once: the slower
/// thread's, best of several batches started together.
fn two_at_once(rows: usize) -> f64 {
    let barrier = Barrier::new(2);
    let times: Vec<Vec<f64>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    let mut s = Sweep::new(rows);
                    s.run(200);
                    (0..7)
                        .map(|_| {
                            barrier.wait();
                            let t = Instant::now();
                            s.run(1000);
                            t.elapsed().as_secs_f64() / 1000.0
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    (0..7)
        .map(|i| times.iter().map(|t| t[i]).fold(0.0, f64::max))
        .fold(f64::INFINITY, f64::min)
}

/// `w += a · x1ᵀ` and `y = w · x2` in one pass, `w` row-major (a row a hidden node).
fn fused(w: &mut [f32], a: &[f32], x1: &[f32], x2: &[f32], y: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has been found to support AVX2 and FMA.
        return unsafe { x86::fused(w, a, x1, x2, y) };
    }
    for ((row, &s), yj) in w.chunks_exact_mut(PIXELS).zip(a).zip(y.iter_mut()) {
        let mut acc = [0.0f32; 8];
        for (k, ((wk, &p), &q)) in row.iter_mut().zip(x1).zip(x2).enumerate() {
            *wk += s * p;
            acc[k % 8] += *wk * q;
        }
        *yj = acc.iter().sum();
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use nnzero::digits::mnist::PIXELS;

    /// [`super::fused`] with 8-lane FMA, two accumulators a row (784 = 49 × 16).
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn fused(w: &mut [f32], a: &[f32], x1: &[f32], x2: &[f32], y: &mut [f32]) {
        assert!(x1.len() == PIXELS && x2.len() == PIXELS && w.len() == a.len() * PIXELS);
        for (j, (&s, yj)) in a.iter().zip(y.iter_mut()).enumerate() {
            let row = w.as_mut_ptr().add(j * PIXELS);
            let s = _mm256_set1_ps(s);
            let (mut acc0, mut acc1) = (_mm256_setzero_ps(), _mm256_setzero_ps());
            for k in (0..PIXELS).step_by(16) {
                let u0 = _mm256_fmadd_ps(
                    s,
                    _mm256_loadu_ps(x1.as_ptr().add(k)),
                    _mm256_loadu_ps(row.add(k)),
                );
                let u1 = _mm256_fmadd_ps(
                    s,
                    _mm256_loadu_ps(x1.as_ptr().add(k + 8)),
                    _mm256_loadu_ps(row.add(k + 8)),
                );
                _mm256_storeu_ps(row.add(k), u0);
                _mm256_storeu_ps(row.add(k + 8), u1);
                acc0 = _mm256_fmadd_ps(u0, _mm256_loadu_ps(x2.as_ptr().add(k)), acc0);
                acc1 = _mm256_fmadd_ps(u1, _mm256_loadu_ps(x2.as_ptr().add(k + 8)), acc1);
            }
            let mut lanes = [0.0f32; 8];
            _mm256_storeu_ps(lanes.as_mut_ptr(), _mm256_add_ps(acc0, acc1));
            *yj = lanes.iter().sum();
        }
    }
}

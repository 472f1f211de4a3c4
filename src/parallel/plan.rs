//! How many threads train, and which hidden nodes each one takes: the policy (it starts no
//! threads).

use std::thread;

use crate::net::aligned::LINE_FLOATS;

/// Hidden nodes per thread below which another thread costs more in barriers than it saves.
/// With 784 inputs, 48 rows are 150 KB of `wih` per sample, some 5 µs of one core's work.
pub const MIN_ROWS_PER_THREAD: usize = 48;

/// Threads beyond which the barriers and the serial output layer eat the gain (an estimate:
/// the per-sample work of 784-200-10 split four ways is about 2 µs a thread).
pub const MAX_DEFAULT_THREADS: usize = 4;

/// The default thread count for a network with `hidden` nodes: the machine's cores, at most
/// [`MAX_DEFAULT_THREADS`], and no fewer than [`MIN_ROWS_PER_THREAD`] nodes a thread.
pub fn default_threads(hidden: usize) -> usize {
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    cores
        .min(MAX_DEFAULT_THREADS)
        .min(hidden / MIN_ROWS_PER_THREAD)
        .max(1)
}

/// The default thread count for a run of a network with `hidden` nodes whose records come
/// with `rotations` rotated and `augmented` augmented copies each: [`default_threads`], at
/// most the share of the cores that training gets beside making the copies
/// ([`crate::dataset::pipeline::share_cores`]: with `--augment`, one thread on two cores, two on four).
pub fn default_threads_for(hidden: usize, rotations: usize, augmented: usize) -> usize {
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let (training, _) = crate::dataset::pipeline::share_cores(cores, rotations, augmented);
    default_threads(hidden).min(training).max(1)
}

/// The hidden-node range of each of (up to) `threads` threads, in order, for a network with
/// `outputs` output nodes. A range starts where its columns of `who` (`outputs` floats a
/// node) start a cache line: every [`step`] nodes, 8 for the book's ten outputs. A range is
/// never empty, so there may be fewer ranges than asked. The ranges are as even as the step
/// allows, and where they cannot be even the calling thread's (the last) is the smaller: it
/// also has the output layer to do.
pub fn split(hidden: usize, threads: usize, outputs: usize) -> Vec<(usize, usize)> {
    let step = step(outputs);
    let chunks = hidden.div_ceil(step);
    let n = threads.clamp(1, chunks.max(1));
    (0..n)
        .map(|t| {
            // Rounding up gives the earlier blocks the odd chunks.
            let (c0, c1) = ((t * chunks).div_ceil(n), ((t + 1) * chunks).div_ceil(n));
            ((c0 * step).min(hidden), (c1 * step).min(hidden))
        })
        .collect()
}

/// The fewest hidden nodes whose columns of `who` (`outputs` floats each) fill whole cache
/// lines: two threads' ranges must never share one, or it bounces between their cores.
pub fn step(outputs: usize) -> usize {
    fn gcd(a: usize, b: usize) -> usize {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }
    LINE_FLOATS / gcd(outputs.max(1), LINE_FLOATS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_the_nodes_on_cache_line_boundaries() {
        assert_eq!((step(10), step(1), step(16), step(4)), (8, 16, 1, 4));
        assert_eq!(split(200, 1, 10), vec![(0, 200)]);
        // 25 steps of 8: the worker gets the odd one, the calling thread the output layer.
        assert_eq!(split(200, 2, 10), vec![(0, 104), (104, 200)]);
        assert_eq!(
            split(200, 4, 10),
            vec![(0, 56), (56, 104), (104, 152), (152, 200)]
        );
        assert_eq!(split(20, 4, 1), vec![(0, 16), (16, 20)]);
        assert_eq!(split(5, 3, 10), vec![(0, 5)]);
        for outputs in [1, 2, 5, 10, 16] {
            for hidden in 1..100 {
                for threads in 1..6 {
                    let r = split(hidden, threads, outputs);
                    assert_eq!((r[0].0, r[r.len() - 1].1), (0, hidden));
                    assert!(r.windows(2).all(|w| w[0].1 == w[1].0 && w[0].0 < w[0].1));
                    // Each range's `who` columns start a cache line.
                    assert!(r.iter().all(|&(a, _)| a * outputs % LINE_FLOATS == 0));
                    // As even as the step allows (the last may end in a part of one), the
                    // last never the larger.
                    let sizes: Vec<usize> = r.iter().map(|&(a, b)| b - a).collect();
                    let (min, max) = (sizes.iter().min(), sizes.iter().max());
                    assert!(max.unwrap() - min.unwrap() < 2 * step(outputs), "{sizes:?}");
                    assert!(sizes[sizes.len() - 1] <= sizes[0], "{sizes:?}");
                }
            }
        }
    }

    #[test]
    fn the_default_is_at_least_one_thread_and_never_splits_a_small_layer() {
        assert_eq!(default_threads(10), 1);
        let d = default_threads(200);
        assert!((1..=MAX_DEFAULT_THREADS).contains(&d));
    }
}

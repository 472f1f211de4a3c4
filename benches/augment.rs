//! What one `--augment` copy costs: the copy as it is made now against the copy as it was
//! made before (`src/augment/reference.rs`, included here), side by side.
//!
//! ```text
//! cargo bench --bench augment                 # 7 rounds of 2 copies of 1,000 MNIST digits
//! cargo bench --bench augment -- --rounds 11 --records 2000
//! ```
//! Each round makes the same copies with the old code and with the new, the order of the two
//! alternating from round to round, on one thread; it prints µs per copy of each, and then the
//! medians and the median of the per-round ratios, for the whole copy and for each step
//! (stroke width, the two elastic fields, the warp). Every copy of the two is checked to be
//! the same bytes. These machines are shared and noisy: only ratios measured side by side
//! mean much, and the median of several rounds more than any one.

extern crate alloc;

use std::time::Instant;

use nnzero::augment::elastic::Elastic;
// `random_map`, `seed`, `Affine` and `AugmentRanges` are also what `reference` names through
// `super`.
use nnzero::augment::{random_map, seed, Affine, AugmentRanges, Augmenter};
use nnzero::dataset::Dataset;
use nnzero::run::Recipe;

/// The old code, by path: the same file the library's tests compare the new code with (they
/// use all of it, the bench the old copy's parts).
#[allow(dead_code)]
#[path = "../src/augment/reference.rs"]
mod reference;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Seconds per call of `f` over `calls` calls.
fn per_call(calls: usize, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    f();
    start.elapsed().as_secs_f64() / calls as f64
}

fn main() {
    let mut rounds = 7;
    let mut records = 1000;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rounds" => rounds = args.next().and_then(|v| v.parse().ok()).unwrap_or(rounds),
            "--records" => records = args.next().and_then(|v| v.parse().ok()).unwrap_or(records),
            _ => {} // cargo bench passes --bench
        }
    }
    let rounds = rounds.max(1);
    let data = Dataset::bundled_train().unwrap_or_else(|e| panic!("{e}"));
    let side = data.header().rows as usize;
    let n = side * side;
    let mut digits: Vec<u8> = Vec::with_capacity(records * n);
    let mut stream = data.stream().unwrap_or_else(|e| panic!("{e}"));
    while digits.len() < records * n {
        match stream.next_record().unwrap_or_else(|e| panic!("{e}")) {
            Some((_, p)) => digits.extend_from_slice(p),
            None => break,
        }
    }
    let records = digits.len() / n;
    let ranges = Recipe::AUGMENT_RANGES;
    let copies = records * 2;
    println!(
        "one --augment copy ({side}×{side}, σ {}), {records} digits × 2 copies a round, \
         old (the code before the fast paths) against new, one thread:",
        ranges.elastic_sigma
    );

    // name, old s/call, new s/call per round
    let mut steps: Vec<(&str, Vec<f64>, Vec<f64>)> = ["copy", "stroke", "2 fields", "warp"]
        .iter()
        .map(|&s| (s, Vec::new(), Vec::new()))
        .collect();
    let (mut out_old, mut out_new) = (vec![0u8; copies * n], vec![0u8; copies * n]);
    // The inputs of each step, drawn once: the maps and stroke changes of the copies.
    let maps: Vec<(Affine, f32)> = (0..copies)
        .map(|i| {
            let mut rng = seed::rng_for(1, 1, (i / 2) as u64, (i % 2) as u32);
            random_map(&mut rng, &ranges)
        })
        .collect();
    let kernel = reference::kernel(ranges.elastic_sigma);
    let alpha = ranges.elastic * side as f32 / 28.0;
    let (mut fx, mut fy) = (vec![0.0f32; n], vec![0.0f32; n]);
    let mut scratch = vec![0u8; n];
    for round in 0..rounds {
        let old_first = round % 2 == 0;
        for new in [!old_first, old_first] {
            let mut t = [0.0f64; 4];
            if new {
                let mut aug = Augmenter::new(1, ranges, side);
                t[0] = per_call(copies, || {
                    for (i, (src, dst)) in digits
                        .chunks_exact(n)
                        .flat_map(|d| [d, d])
                        .zip(out_new.chunks_exact_mut(n))
                        .enumerate()
                    {
                        aug.augment(1, (i / 2) as u64, (i % 2) as u32, src, dst);
                    }
                });
                t[1] = per_call(copies, || {
                    for (i, src) in digits.chunks_exact(n).flat_map(|d| [d, d]).enumerate() {
                        nnzero::augment::stroke_width(src, &mut scratch, side, maps[i].1);
                    }
                });
                let mut e = Elastic::new(side, ranges.elastic_sigma);
                t[2] = per_call(copies, || {
                    for i in 0..copies {
                        let mut rng = seed::rng_for(1, 1, i as u64, 0);
                        e.field(&mut rng, alpha, &mut fx);
                        e.field(&mut rng, alpha, &mut fy);
                    }
                });
                t[3] = per_call(copies, || {
                    for (i, src) in digits.chunks_exact(n).flat_map(|d| [d, d]).enumerate() {
                        let f = Some((&fx[..], &fy[..]));
                        nnzero::augment::warp_displaced(src, &mut scratch, side, &maps[i].0, f);
                    }
                });
            } else {
                let mut aug = reference::Augmenter::new(1, ranges, side);
                t[0] = per_call(copies, || {
                    for (i, (src, dst)) in digits
                        .chunks_exact(n)
                        .flat_map(|d| [d, d])
                        .zip(out_old.chunks_exact_mut(n))
                        .enumerate()
                    {
                        aug.augment(1, (i / 2) as u64, (i % 2) as u32, src, dst);
                    }
                });
                t[1] = per_call(copies, || {
                    for (i, src) in digits.chunks_exact(n).flat_map(|d| [d, d]).enumerate() {
                        reference::stroke_width(src, &mut scratch, side, maps[i].1);
                    }
                });
                let (mut noise, mut rows) = (vec![0.0; n], vec![0.0; n]);
                t[2] = per_call(copies, || {
                    for i in 0..copies {
                        let mut rng = seed::rng_for(1, 1, i as u64, 0);
                        let (a, b) = (&mut noise[..], &mut rows[..]);
                        reference::field_by_taps(&kernel, side, &mut rng, alpha, &mut fx, a, b);
                        reference::field_by_taps(&kernel, side, &mut rng, alpha, &mut fy, a, b);
                    }
                });
                t[3] = per_call(copies, || {
                    for (i, src) in digits.chunks_exact(n).flat_map(|d| [d, d]).enumerate() {
                        let f = Some((&fx[..], &fy[..]));
                        reference::warp_displaced(src, &mut scratch, side, &maps[i].0, f);
                    }
                });
            }
            for (step, &s) in steps.iter_mut().zip(&t) {
                if new { &mut step.2 } else { &mut step.1 }.push(s);
            }
        }
        assert!(out_old == out_new, "the old and new copies differ");
        let (old, new) = (steps[0].1[round], steps[0].2[round]);
        println!(
            "  round {}: old {:6.1} µs, new {:6.1} µs a copy: {:.2}× faster (the same bytes)",
            round + 1,
            old * 1e6,
            new * 1e6,
            old / new
        );
    }
    println!("medians over {rounds} rounds, µs per copy:");
    for (name, old, new) in steps {
        let ratios: Vec<f64> = old.iter().zip(&new).map(|(o, n)| o / n).collect();
        println!(
            "  {name:<9} old {:6.1}  new {:6.1}  {:5.2}× faster",
            median(old) * 1e6,
            median(new) * 1e6,
            median(ratios)
        );
    }
}

//! Where one thread's time goes: the trainer's steps one by one, each timed.

use std::time::Instant;

use nnzero::digits::mnist::{targets_into, CLASSES, HIDDEN, PIXELS};
use nnzero::Network;

use crate::median;

/// One thread's sample, step by step: the steps of [`nnzero::Trainer::train`] in its order,
/// each timed, over `rounds` epochs; prints the median ns a sample of each. The clock is read
/// nine times a sample (about 0.2 µs of the total, spread over the steps).
pub fn phases(labels: &[u8], pixels: &[u8], record: usize, rounds: usize) {
    use nnzero::net::activation::sigmoid_in_place;
    use nnzero::net::aligned::AlignedBuf;
    use nnzero::net::layer;

    const STEPS: [&str; 8] = [
        "scale the input and targets",
        "wih: last update fused with the weighted sums (the sweep)",
        "hidden sigmoid (nnzero::net::exp, vectorised)",
        "hidden sigmoid by libm::expf, for comparison (not trained on)",
        "output layer: who · hidden, sigmoid",
        "output errors, hidden errors whoᵀ · e",
        "who update (gradient, outer product)",
        "hidden gradient, keep the inputs",
    ];
    let lr = 0.1f32;
    let reference = Network::new(PIXELS, HIDDEN, CLASSES, lr, 1);
    let mut wih = AlignedBuf::from_slice(reference.wih().as_slice());
    let mut who = AlignedBuf::from_slice(reference.who().as_slice());
    let mut trained = reference.clone();
    let (mut inputs, mut previous) = (vec![0.0f32; PIXELS], vec![0.0f32; PIXELS]);
    let (mut hidden, mut gradient, mut spare) = (
        vec![0.0f32; HIDDEN],
        vec![0.0f32; HIDDEN],
        vec![0.0f32; HIDDEN],
    );
    let (mut outputs, mut errors, mut targets) =
        ([0.0f32; CLASSES], [0.0f32; CLASSES], [0.0f32; CLASSES]);
    let mut per_round: Vec<[f64; 8]> = Vec::new();
    let (mut pending, mut reverse) = (false, false);
    for _ in 0..rounds {
        let mut ns = [0u128; 8];
        {
            let mut trainer = trained.trainer();
            for (&label, p) in labels.iter().zip(pixels.chunks_exact(record)) {
                let t0 = Instant::now();
                nnzero::digits::mnist::scale_image(p, &mut inputs);
                targets_into(label, &mut targets);
                let t1 = Instant::now();
                if pending {
                    layer::update_then_weighted_sums(
                        &mut wih,
                        &gradient,
                        &previous,
                        &inputs,
                        &mut hidden,
                        reverse,
                    );
                    reverse = !reverse;
                } else {
                    layer::weighted_sums(&wih, &inputs, &mut hidden);
                }
                let t2 = Instant::now();
                spare.copy_from_slice(&hidden);
                let t3 = Instant::now();
                sigmoid_in_place(&mut hidden);
                let t4 = Instant::now();
                for v in spare.iter_mut() {
                    *v = 1.0 / (1.0 + libm::expf(-*v));
                }
                let t5 = Instant::now();
                layer::forward(&who, &hidden, &mut outputs);
                let t6 = Instant::now();
                for ((e, &t), &o) in errors.iter_mut().zip(&targets).zip(&outputs) {
                    *e = t - o;
                }
                layer::backward_errors(&who, &errors, &mut gradient);
                let t7 = Instant::now();
                layer::gradient_in_place(lr, &mut errors, &outputs);
                layer::update(&mut who, &errors, &hidden);
                let t8 = Instant::now();
                layer::gradient_in_place(lr, &mut gradient, &hidden);
                previous.copy_from_slice(&inputs);
                pending = true;
                let t9 = Instant::now();
                for (k, (a, b)) in [
                    (t0, t1),
                    (t1, t2),
                    (t3, t4),
                    (t4, t5),
                    (t5, t6),
                    (t6, t7),
                    (t7, t8),
                    (t8, t9),
                ]
                .into_iter()
                .enumerate()
                {
                    ns[k] += (b - a).as_nanos();
                }
                assert_eq!(spare, hidden, "libm's sigmoid and nnzero's differ");
                trainer.train(&inputs, &targets);
            }
        }
        let n = labels.len() as f64;
        per_round.push(ns.map(|t| t as f64 / n));
    }
    if pending {
        layer::update(&mut wih, &gradient, &previous);
    }
    let same = *wih == *trained.wih().as_slice() && *who == *trained.who().as_slice();
    println!("one thread's sample, step by step (median of {rounds} epoch(s), ns a sample):");
    let mut total = 0.0;
    for (k, step) in STEPS.iter().enumerate() {
        let m = median(per_round.iter().map(|r| r[k]).collect());
        if k != 3 {
            total += m;
        }
        println!("  {m:>7.0}  {step}");
    }
    println!("  {total:>7.0}  in all (without the libm line)");
    println!("the steps trained the trainer's weights bit for bit: {same}");
}

/// Where two threads' time goes: a sample of the two-thread trainer (`two_thread_ns`, measured
/// by the caller) against (1) the same two halves of the sweep run side by side with no
/// hand-offs, each thread scaling its inputs, sweeping its rows of `wih` as the trainer's
/// blocks do, and taking their sigmoid, and (2) a round trip between the two cores through two
/// flags on cache lines of their own (a sample hands work over twice: the job out, the sums
/// back). What is left is the serial steps and the waiting for the slower half.
pub fn two_threads(pixels: &[u8], record: usize, rounds: usize, two_thread_ns: Option<f64>) {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Barrier;

    use nnzero::net::activation::sigmoid_in_place;
    use nnzero::net::aligned::AlignedBuf;
    use nnzero::net::layer;
    use nnzero::parallel::split;

    let n = pixels.len() / record;
    let reference = Network::new(PIXELS, HIDDEN, CLASSES, 0.1, 1);
    let ranges = split(HIDDEN, 2, CLASSES);
    let mut sweep_ns = Vec::new();
    let mut trip_ns = Vec::new();
    for _ in 0..rounds {
        // (1) The halves, side by side: each thread's time, the slower one counts.
        let start = Barrier::new(ranges.len());
        let took: Vec<f64> = std::thread::scope(|s| {
            let handles: Vec<_> = ranges
                .iter()
                .map(|&(a, b)| {
                    let start = &start;
                    let wih = reference.wih().as_slice();
                    s.spawn(move || {
                        let rows = b - a;
                        let mut block = AlignedBuf::zeroed(rows * PIXELS);
                        for (dst, src) in block.chunks_exact_mut(rows).zip(wih.chunks_exact(HIDDEN))
                        {
                            dst.copy_from_slice(&src[a..b]);
                        }
                        let gradient = vec![1e-6f32; rows];
                        let (mut x, mut xp) = (vec![0.0f32; PIXELS], vec![0.0f32; PIXELS]);
                        let mut hidden = vec![0.0f32; rows];
                        start.wait();
                        let t = Instant::now();
                        let mut reverse = false;
                        for p in pixels.chunks_exact(record) {
                            nnzero::digits::mnist::scale_image(p, &mut x);
                            layer::update_then_weighted_sums(
                                &mut block,
                                &gradient,
                                &xp,
                                &x,
                                &mut hidden,
                                reverse,
                            );
                            sigmoid_in_place(&mut hidden);
                            reverse = !reverse;
                            std::mem::swap(&mut x, &mut xp);
                        }
                        t.elapsed().as_secs_f64()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        sweep_ns.push(took.iter().copied().fold(0.0, f64::max) * 1e9 / n as f64);
        // (2) Round trips: the caller sets `out`, the other thread answers on `back`.
        #[repr(align(64))]
        struct Line(AtomicU64);
        let (out, back) = (Line(AtomicU64::new(0)), Line(AtomicU64::new(0)));
        let trips = n as u64;
        let t = std::thread::scope(|s| {
            s.spawn(|| {
                for i in 1..=trips {
                    while out.0.load(Ordering::Acquire) != i {
                        std::hint::spin_loop();
                    }
                    back.0.store(i, Ordering::Release);
                }
            });
            let t = Instant::now();
            for i in 1..=trips {
                out.0.store(i, Ordering::Release);
                while back.0.load(Ordering::Acquire) != i {
                    std::hint::spin_loop();
                }
            }
            t.elapsed().as_secs_f64()
        });
        trip_ns.push(t * 1e9 / trips as f64);
    }
    let (sweep, trip) = (median(sweep_ns), median(trip_ns));
    println!("two threads' sample (median of {rounds} round(s), ns a sample):");
    println!(
        "  {sweep:>7.0}  the two halves of the sweep side by side, no hand-offs (scale, fused \
         sweep, sigmoid; rows {ranges:?})"
    );
    println!("  {trip:>7.0}  a round trip between the two cores (the job out, the sums back)");
    if let Some(total) = two_thread_ns {
        println!(
            "  {:>7.0}  the rest: the serial steps (output layer, errors, who) and waiting",
            total - sweep - trip
        );
        println!(
            "  {total:>7.0}  the two-thread trainer's sample (this run's median); the halves \
             alone are {:.0} % of it",
            100.0 * sweep / total
        );
    }
}

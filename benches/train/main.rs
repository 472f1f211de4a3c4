//! Training throughput of the seed's recipe (784-200-10, lr 0.1): samples/s of one epoch over
//! all 60,000 MNIST training images, per thread count, against numpy, FANN and the machine's
//! limit in the same run.
//!
//! ```text
//! cargo bench --bench train                          # --threads 1,2, peers alternating, 3 rounds
//! cargo bench --bench train -- --threads 1,2,4 --rounds 5
//! cargo bench --bench train -- --no-numpy --all      # also the unfused and the streamed epoch
//! ```
//! Each round runs one epoch of the numpy reference (`benches/numpy_ref.py --impl ger
//! --dtype float32 --threads 1`, the best plain numpy/BLAS does per sample), one of FANN
//! (`train/fann_ref.c`, built against `libfann-dev` when it is installed; `--no-fann` skips
//! it), the machine's limit ([`limit`]: the fused sweep of `wih` on one core and on two), then
//! one epoch of the [`ParallelTrainer`] for each thread count, the images already unpacked in
//! memory. It prints every round and the medians: samples/s per thread count, each against one
//! thread, as a fraction of the limit (one thread against one core's, more against two
//! cores'), and as multiples of numpy and FANN (each the median of the rounds' ratios), and
//! against numpy. These machines are shared and noisy: only ratios measured side by side mean
//! much, and the median of several rounds more than any one.
//! - `--all`: the single-thread [`nnzero::Trainer`] (fused), `Network::train` (unfused: `wih`
//!   updated in a pass of its own), and an epoch streamed from the blob as `nnzero train` reads it.
//! - `--numpy SCRIPT`: another numpy reference script; `--no-numpy` skips it. `PYTHON=…` names
//!   the interpreter that has numpy and scipy (default `python3`).
//!
//! Then where one thread's time goes (`--no-phases` skips it): an epoch of the trainer's steps
//! one by one, each timed, in nanoseconds a sample, with the sigmoid's exponentials also by
//! `libm::expf` one call at a time beside [`nnzero::net::exp`], and a check that the steps
//! trained the trainer's weights bit for bit; and where two threads' time goes: the two halves
//! of the sweep side by side with no hand-offs, and a round trip between the cores, against
//! the two-thread trainer's sample.
//!
//! Then the cost of `--augment`: one epoch of `nnzero train` (a [`Run`], samples streamed from
//! the blob) of the book's 784-200-10 network and of `--augment`'s 784-400-10, each plain and
//! with two augmented copies a record (three times the samples, the copies made by the
//! pipeline's producers), on one thread and on the default threads: the training time of each
//! (the test pass left out) and its cost per sample and weight against the book's plain epoch.
//! `--augment-rounds N` repeats them (default 1), `--no-augment` skips them.

mod limit;
mod peers;
mod phases;

use std::time::Instant;

use nnzero::dataset::Dataset;
use nnzero::digits::mnist::{scale_image, targets_into, CLASSES, HIDDEN, PIXELS};
use nnzero::run::{Recipe, Run};
use nnzero::{Network, ParallelTrainer};

struct Options {
    threads: Vec<usize>,
    all: bool,
    numpy: Option<String>,
    rounds: usize,
    augment_rounds: usize,
    phases: bool,
    fann: bool,
}

fn options() -> Options {
    let mut o = Options {
        threads: vec![1, 2],
        all: false,
        numpy: Some(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/numpy_ref.py").into()),
        rounds: 3,
        augment_rounds: 1,
        phases: true,
        fann: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rounds" => o.rounds = args.next().and_then(|v| v.parse().ok()).unwrap_or(3),
            "--threads" => {
                o.threads = args
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .filter_map(|t| t.parse().ok())
                    .filter(|&t| t > 0)
                    .collect();
                if o.threads.is_empty() {
                    o.threads = vec![1];
                }
            }
            "--all" => o.all = true,
            "--no-phases" => o.phases = false,
            "--no-fann" => o.fann = false,
            "--numpy" => o.numpy = args.next(),
            "--no-numpy" => o.numpy = None,
            "--no-augment" => o.augment_rounds = 0,
            "--augment-rounds" => {
                o.augment_rounds = args.next().and_then(|v| v.parse().ok()).unwrap_or(1)
            }
            _ => {} // cargo bench passes --bench
        }
    }
    o.rounds = o.rounds.max(1);
    o
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let o = options();
    let data = Dataset::bundled_train().unwrap_or_else(|e| panic!("{e}"));
    let record = data.header().pixels();
    let mut labels = Vec::with_capacity(data.len());
    let mut pixels = Vec::with_capacity(data.len() * record);
    let mut stream = data.stream().unwrap_or_else(|e| panic!("{e}"));
    while let Some((label, p)) = stream.next_record().unwrap_or_else(|e| panic!("{e}")) {
        labels.push(label);
        pixels.extend_from_slice(p);
    }
    let n = labels.len();
    println!(
        "nnzero train bench: 784-{HIDDEN}-10, lr 0.1, {n} samples, threads {:?}, {} round(s), {} cores",
        o.threads,
        o.rounds,
        std::thread::available_parallelism().map_or(1, |c| c.get())
    );

    // One epoch on `threads` threads; the network carries on from epoch to epoch.
    // The pixels go to the trainer as bytes, each thread scaling them, as in `nnzero train`.
    let epoch = |net: Network, threads: usize| -> (Network, f64) {
        let mut t = [0.0f32; CLASSES];
        let start = Instant::now();
        let mut trainer = ParallelTrainer::new(net, threads);
        for (&label, p) in labels.iter().zip(pixels.chunks_exact(record)) {
            targets_into(label, &mut t);
            trainer.train_pixels(p, &t);
        }
        let net = trainer.into_network();
        (net, n as f64 / start.elapsed().as_secs_f64())
    };

    let mut nets: Vec<Option<Network>> = o
        .threads
        .iter()
        .map(|_| Some(Network::new(PIXELS, HIDDEN, CLASSES, 0.1, 1)))
        .collect();
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); o.threads.len()];
    // On a CPU with AVX-512: each round also runs one thread with the AVX kernel instead.
    let avx512 = nnzero::net::layer::has_avx512();
    let mut avx_nets =
        avx512.then(|| [0, 1].map(|_| Network::new(PIXELS, HIDDEN, CLASSES, 0.1, 1)));
    let mut avx_rates = Vec::new();
    let mut avx512_rates = Vec::new();
    let mut numpy_rates = Vec::new();
    let mut numpy = o.numpy.clone();
    let data_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist");
    let fann_dir = std::env::temp_dir().join(format!("nnzero-bench-fann-{}", std::process::id()));
    let fann = o.fann.then(|| {
        std::fs::create_dir_all(&fann_dir).ok()?;
        peers::build_fann(&fann_dir)
    });
    let mut fann = match fann {
        Some(None) => {
            println!("FANN did not build (is libfann-dev installed?): left out");
            None
        }
        f => f.flatten(),
    };
    let mut fann_rates = Vec::new();
    let mut limits: Vec<limit::Limit> = Vec::new();
    for round in 1..=o.rounds {
        let mut line = format!("round {round}:");
        peer_round(
            &mut fann,
            |p| peers::fann_rate(p, data_dir),
            ("FANN", "FANN did not run: left out"),
            &mut fann_rates,
            &mut line,
        );
        let l = limit::measure();
        line += &format!(
            " limit {:>6.0}/s, {:>6.0}/s on 2 cores",
            1.0 / l.one_core,
            1.0 / l.two_cores
        );
        limits.push(l);
        peer_round(
            &mut numpy,
            |script| peers::numpy_rate(script, data_dir),
            (
                "numpy",
                "numpy reference did not run (are numpy and scipy installed?)",
            ),
            &mut numpy_rates,
            &mut line,
        );
        for (i, &threads) in o.threads.iter().enumerate() {
            let net = nets[i].take().unwrap_or_else(|| unreachable!());
            let (net, rate) = epoch(net, threads);
            nets[i] = Some(net);
            rates[i].push(rate);
            line += &format!("  {threads} thread(s) {rate:>7.0}/s");
        }
        if let Some([n512, navx]) = avx_nets.take() {
            // One thread on AVX-512, then on AVX (the default), side by side.
            nnzero::net::layer::allow_avx512(true);
            let (n512, r512) = epoch(n512, 1);
            nnzero::net::layer::allow_avx512(false);
            let (navx, rate) = epoch(navx, 1);
            avx_nets = Some([n512, navx]);
            avx512_rates.push(r512);
            avx_rates.push(rate);
            line += &format!("  [1 thread: avx512 {r512:>7.0}/s, avx {rate:>7.0}/s]");
        }
        println!("{line}");
    }
    // Same seed, same data, same epochs: every thread count trained the same weights.
    let first = nets[0].as_ref().map(|n| n.wih().as_slice().to_vec());
    let same = nets
        .iter()
        .all(|n| n.as_ref().map(|n| n.wih().as_slice().to_vec()) == first);
    println!("weights identical across thread counts: {same}");
    if let Some([n512, navx]) = &avx_nets {
        // Both have trained `rounds` epochs from the same seed.
        let same = n512.wih().as_slice() == navx.wih().as_slice()
            && n512.who().as_slice() == navx.who().as_slice();
        println!("weights identical with AVX and AVX-512: {same}");
    }

    println!("medians over {} round(s):", o.rounds);
    let one = o.threads.iter().position(|&t| t == 1);
    for (i, &threads) in o.threads.iter().enumerate() {
        let mut line = format!(
            "  {threads} thread(s): {:>7.0} samples/s ({:.3} s/epoch)",
            median(rates[i].clone()),
            n as f64 / median(rates[i].clone())
        );
        if let Some(one) = one {
            let r: Vec<f64> = rates[i]
                .iter()
                .zip(&rates[one])
                .map(|(a, b)| a / b)
                .collect();
            line += &format!(", {:.2}× one thread", median(r));
        }
        if numpy_rates.len() == rates[i].len() {
            let r: Vec<f64> = rates[i]
                .iter()
                .zip(&numpy_rates)
                .map(|(a, b)| a / b)
                .collect();
            line += &format!(", {:.2}× numpy", median(r));
        }
        println!("{line}");
    }
    if !numpy_rates.is_empty() {
        println!(
            "  numpy (ger, float32, 1 thread): {:>7.0} samples/s",
            median(numpy_rates.clone())
        );
    }
    if !fann_rates.is_empty() {
        println!(
            "  FANN (incremental, 1 thread):   {:>7.0} samples/s",
            median(fann_rates.clone())
        );
    }
    let one_core: Vec<f64> = limits.iter().map(|l| 1.0 / l.one_core).collect();
    let two_cores: Vec<f64> = limits.iter().map(|l| 1.0 / l.two_cores).collect();
    println!(
        "  limit (fused sweep of wih, FMA): {:>7.0} samples/s on one core, {:>7.0} on two",
        median(one_core.clone()),
        median(two_cores.clone())
    );
    // Each ratio is the median of the rounds' ratios, each taken within its round.
    let ratio = |a: &[f64], b: &[f64]| median(a.iter().zip(b).map(|(x, y)| x / y).collect());
    println!("nnzero against the limit and the peers (medians of each round's ratio):");
    for (i, &threads) in o.threads.iter().enumerate() {
        let cores = if threads == 1 { &one_core } else { &two_cores };
        let mut line = format!(
            "  {threads} thread(s): {:>5.1} % of the {} limit",
            100.0 * ratio(&rates[i], cores),
            if threads == 1 { "one-core" } else { "two-core" }
        );
        if numpy_rates.len() == rates[i].len() {
            line += &format!(", {:.2}× numpy", ratio(&rates[i], &numpy_rates));
        }
        if fann_rates.len() == rates[i].len() {
            line += &format!(", {:.1}× FANN", ratio(&rates[i], &fann_rates));
        }
        println!("{line}");
    }
    let _ = std::fs::remove_dir_all(&fann_dir);
    if !avx_rates.is_empty() {
        let r: Vec<f64> = avx512_rates
            .iter()
            .zip(&avx_rates)
            .map(|(a, b)| a / b)
            .collect();
        println!(
            "  1 thread, AVX-512 kernel {:>7.0} samples/s against AVX {:>7.0}: {:.3}×",
            median(avx512_rates),
            median(avx_rates),
            median(r)
        );
    }
    println!(
        "kernel: {} (AVX-512 on this CPU: {})",
        nnzero::net::layer::kernel(),
        nnzero::net::layer::has_avx512()
    );

    if o.phases {
        phases::phases(&labels, &pixels, record, o.rounds);
        let two = o.threads.iter().position(|&t| t == 2);
        let two_ns = two.map(|i| 1e9 / median(rates[i].clone()));
        phases::two_threads(&pixels, record, o.rounds, two_ns);
    }

    if o.augment_rounds > 0 {
        // One thread's time per training sample, for the copies' cost against it.
        let one = o.threads.iter().position(|&t| t == 1);
        let sample_s = one.map(|i| 1.0 / median(rates[i].clone()));
        copy_cost(&pixels[..record * 2000.min(n)], &labels, record, sample_s);
        producers_against_each_other(&data, 10_000.min(n as u64));
        augment_against_plain(o.augment_rounds);
    }

    if o.all {
        let (mut x, mut t) = ([0.0f32; PIXELS], [0.0f32; CLASSES]);
        let mut net = Network::new(PIXELS, HIDDEN, CLASSES, 0.1, 1);
        let start = Instant::now();
        let mut trainer = net.trainer();
        for (&label, p) in labels.iter().zip(pixels.chunks_exact(record)) {
            scale_image(p, &mut x);
            targets_into(label, &mut t);
            trainer.train(&x, &t);
        }
        trainer.finish();
        report("fused", n, start);

        let mut net = Network::new(PIXELS, HIDDEN, CLASSES, 0.1, 1);
        let start = Instant::now();
        for (&label, p) in labels.iter().zip(pixels.chunks_exact(record)) {
            scale_image(p, &mut x);
            targets_into(label, &mut t);
            net.train(&x, &t);
        }
        report("unfused", n, start);

        let mut net = Network::new(PIXELS, HIDDEN, CLASSES, 0.1, 1);
        let start = Instant::now();
        let mut trainer = net.trainer();
        let mut stream = data.stream().unwrap_or_else(|e| panic!("{e}"));
        while let Some((label, p)) = stream.next_record().unwrap_or_else(|e| panic!("{e}")) {
            scale_image(p, &mut x);
            targets_into(label, &mut t);
            trainer.train(&x, &t);
        }
        trainer.finish();
        report("streamed", n, start);
    }
}

/// What one `--augment` copy costs on one thread, against training on one sample, and what
/// that allows: with `c` = copy / sample, a record is 3 samples of training and 2 copies, so
/// on `cores` cores an `--augment` epoch takes at least max(3, (3 + 2c) / cores) plain ones.
fn copy_cost(pixels: &[u8], labels: &[u8], record: usize, sample_s: Option<f64>) {
    use nnzero::augment::Augmenter;
    let side = (record as f64).sqrt() as usize;
    let mut aug = Augmenter::new(1, Recipe::AUGMENT_RANGES, side);
    let mut out = vec![0u8; record];
    let start = Instant::now();
    let mut copies = 0;
    for (i, (p, &label)) in pixels.chunks_exact(record).zip(labels).enumerate() {
        for copy in 0..2 {
            aug.augment_digit(1, i as u64, copy, label, p, &mut out);
            copies += 1;
        }
    }
    let copy_s = start.elapsed().as_secs_f64() / copies as f64;
    let mut line = format!("one --augment copy: {:.1} µs on one thread", copy_s * 1e6);
    if let Some(sample_s) = sample_s {
        let c = copy_s / sample_s;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        line += &format!(
            ", {c:.1}× training one sample ({:.1} µs): on {cores} cores an --augment epoch \
             takes at least {:.1}× a one-thread plain one",
            sample_s * 1e6,
            (3.0f64).max((3.0 + 2.0 * c) / cores)
        );
    }
    println!("{line}");
}

/// The first `records` records with two `--augment` copies each through the pipeline on one
/// training thread, with 1, 2, … producers (up to the cores): seconds for each.
fn producers_against_each_other(data: &Dataset, records: u64) {
    use nnzero::augment::Augmenter;
    use nnzero::dataset::pipeline::Pipeline;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let side = data.header().rows as usize;
    let mut line = format!("{records} records + 2 --augment copies each, 1 training thread:");
    for producers in 1..=cores.max(2) {
        let mut aug = Augmenter::new(1, Recipe::AUGMENT_RANGES, side);
        let copier = move |index: u64, copy: usize, label: u8, src: &[u8], dst: &mut [u8]| {
            if copy == 0 {
                dst.copy_from_slice(src) // the record itself
            } else {
                aug.augment_digit(1, index, copy as u32 - 1, label, src, dst)
            }
        };
        let mut t = [0.0f32; CLASSES];
        let start = Instant::now();
        let mut trainer = ParallelTrainer::new(Network::new(PIXELS, HIDDEN, CLASSES, 0.1, 1), 1);
        let mut feed =
            Pipeline::spawn(data, records, 3, producers, copier).unwrap_or_else(|e| panic!("{e}"));
        while let Some((label, p)) = feed.next_sample().unwrap_or_else(|e| panic!("{e}")) {
            targets_into(label, &mut t);
            trainer.train_pixels(p, &t);
        }
        drop(trainer.into_network());
        line += &format!(
            "  {producers} producer(s) {:.2} s",
            start.elapsed().as_secs_f64()
        );
    }
    println!("{line}");
}

/// One epoch of the book's recipe through [`Run`], plain and with `--augment`, on one thread
/// and on the default threads (each kind's own default: `--augment` keeps cores for its
/// producers): seconds of training for each, the ratio, and each epoch's cost per sample and
/// weight against the book's plain epoch (the issue's target: `--augment`'s 784-400-10 epoch
/// within 1.3× of the book's 784-200-10 one).
fn augment_against_plain(rounds: usize) {
    println!("--augment (3× the samples) against a plain epoch, training time of one epoch:");
    let h = Recipe::HANDWRITING;
    let wide = Recipe {
        hidden: h.hidden,
        ..Recipe::BOOK
    };
    for threads in [Some(1), None] {
        let which = threads.map_or("default threads".to_string(), |t| format!("--threads {t}"));
        // ns per sample and weight of each epoch kind, a list of rounds each.
        let mut cost: [Vec<f64>; 4] = Default::default();
        for _ in 0..rounds {
            // The book's network plain and with copies; --augment's network (deskewed, the
            // producers standing each record upright) plain and as `nnzero train --augment`.
            let kinds = [
                (Recipe::BOOK, false),
                (Recipe::BOOK, true),
                (wide, false),
                (wide, true),
            ];
            let mut line = format!(" {which}:");
            for (k, &(base, augment)) in kinds.iter().enumerate() {
                let (s, samples, used) = epoch(base, augment, augment && h.deskew, threads);
                let weights = ((PIXELS + CLASSES) * base.hidden as usize) as f64;
                cost[k].push(s * 1e9 / (samples as f64 * weights));
                let name = if augment { "--augment" } else { "plain" };
                line += &format!(
                    " {name} 784-{}-10 {s:.2} s ({used} thr){}",
                    base.hidden,
                    if k < 3 { "," } else { "" }
                );
            }
            println!("{line}");
        }
        let m: Vec<f64> = cost.into_iter().map(median).collect();
        println!(
            "  {which}, ns per sample-weight (median): plain 784-200 {:.4}, --augment 784-200 \
             {:.4} ({:.2}×), plain 784-400 {:.4} ({:.2}×), --augment 784-400 {:.4} ({:.2}× the \
             book's plain epoch; target ≤ 1.3×)",
            m[0],
            m[1],
            m[1] / m[0],
            m[2],
            m[2] / m[0],
            m[3],
            m[3] / m[0]
        );
    }
}

/// One epoch of `base` through [`Run`] (with two copies a record if `augment`, deskewed if
/// `deskew`): seconds of training, samples trained, training threads.
fn epoch(base: Recipe, augment: bool, deskew: bool, threads: Option<usize>) -> (f64, usize, usize) {
    let recipe = Recipe {
        epochs: 1,
        augment_copies: if augment { 2 } else { 0 },
        deskew,
        ..base
    };
    let train = Dataset::bundled_train().unwrap_or_else(|e| panic!("{e}"));
    let test = Dataset::bundled_test().unwrap_or_else(|e| panic!("{e}"));
    let samples = train.len() * (1 + recipe.augment_copies as usize);
    let mut run = Run::new(recipe, train, test).unwrap_or_else(|e| panic!("{e}"));
    if let Some(t) = threads {
        run = run.with_threads(t);
    }
    let used = run.threads();
    run.run_to_end(&mut []).unwrap_or_else(|e| panic!("{e}"));
    (run.log()[0].took.as_secs_f64(), samples, used)
}

fn report(name: &str, n: usize, start: Instant) {
    let s = start.elapsed().as_secs_f64();
    println!(
        "{name:>9} epoch: {s:>6.3} s  {:>8.0} samples/s",
        n as f64 / s
    );
}

/// One epoch of a peer that still runs: its samples/s go into `rates` and onto the round's
/// `line` under `name`; a peer that fails says `failed` and is left out of later rounds.
fn peer_round<P>(
    peer: &mut Option<P>,
    rate: impl FnOnce(&P) -> Option<f64>,
    (name, failed): (&str, &str),
    rates: &mut Vec<f64>,
    line: &mut String,
) {
    let Some(p) = peer.as_ref() else {
        return;
    };
    match rate(p) {
        Some(r) => {
            rates.push(r);
            *line += &format!(" {name} {r:>7.0}/s");
        }
        None => {
            println!("{failed}");
            *peer = None;
        }
    }
}

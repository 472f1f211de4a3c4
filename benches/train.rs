//! Training throughput of the seed's recipe (784-200-10, lr 0.1): samples/s of one epoch over
//! all 60,000 MNIST training images, on one thread.
//!
//! ```text
//! cargo bench --bench train                      # fused trainer, 3 epochs
//! cargo bench --bench train -- --all             # also the unfused and the streamed epoch
//! cargo bench --bench train -- --numpy ../shared/bench/numpy_ref.py --rounds 3
//! ```
//! - `fused`: the trainer as `nnzero train` uses it, the images already unpacked in memory;
//! - `unfused`: the same maths with `wih` updated in a pass of its own (`Network::train`);
//! - `streamed`: an epoch exactly as `nnzero train` runs it, the blob unpacked on a second thread;
//! - `--numpy SCRIPT`: alternates one epoch of the numpy reference (`--impl ger --dtype float32
//!   --threads 1`) with one fused epoch, `--rounds` times, and prints the ratio of each pair.
//!   These machines are shared and noisy: only ratios measured side by side mean much.

use std::process::Command;
use std::time::Instant;

use nnzero::dataset::Dataset;
use nnzero::mnist::{scale_image, targets_into, CLASSES, HIDDEN, PIXELS};
use nnzero::Network;

// As in `nnzero` itself: weights on cache-line boundaries for the AVX kernels.
#[global_allocator]
static ALLOCATOR: nnzero::aligned_alloc::CacheAligned = nnzero::aligned_alloc::CacheAligned;

struct Options {
    epochs: usize,
    all: bool,
    numpy: Option<String>,
    rounds: usize,
}

fn options() -> Options {
    let mut o = Options {
        epochs: 3,
        all: false,
        numpy: None,
        rounds: 3,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut num = |d| args.next().and_then(|v| v.parse().ok()).unwrap_or(d);
        match a.as_str() {
            "--epochs" => o.epochs = num(3),
            "--rounds" => o.rounds = num(3),
            "--all" => o.all = true,
            "--numpy" => o.numpy = args.next(),
            _ => {} // cargo bench passes --bench
        }
    }
    o
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
    println!("nnzero train bench: 784-{HIDDEN}-10, lr 0.1, {n} samples, one thread");

    let mut net = Network::new(PIXELS, HIDDEN, CLASSES, 0.1, 1);
    let fused_epoch = |net: &mut Network| {
        let (mut x, mut t) = ([0.0f32; PIXELS], [0.0f32; CLASSES]);
        let start = Instant::now();
        let mut trainer = net.trainer();
        for (&label, p) in labels.iter().zip(pixels.chunks_exact(record)) {
            scale_image(p, &mut x);
            targets_into(label, &mut t);
            trainer.train(&x, &t);
        }
        trainer.finish();
        n as f64 / start.elapsed().as_secs_f64()
    };

    let mut rates: Vec<f64> = (1..=o.epochs)
        .map(|epoch| {
            let rate = fused_epoch(&mut net);
            println!(
                "    fused epoch {epoch}: {:>6.3} s  {rate:>8.0} samples/s",
                n as f64 / rate
            );
            rate
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    println!(
        "    fused: median {:.0} samples/s, best {:.0} samples/s",
        rates[rates.len() / 2],
        rates[rates.len() - 1]
    );

    if o.all {
        let mut net = Network::new(PIXELS, HIDDEN, CLASSES, 0.1, 1);
        let (mut x, mut t) = ([0.0f32; PIXELS], [0.0f32; CLASSES]);
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

    if let Some(script) = &o.numpy {
        let data_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist");
        let mut ratios = Vec::new();
        for round in 1..=o.rounds {
            let Some(np) = numpy_rate(script, data_dir) else {
                println!("numpy reference did not run (is numpy/scipy installed?)");
                return;
            };
            let ours = fused_epoch(&mut net);
            ratios.push(ours / np);
            println!(
                "round {round}: numpy {np:>7.0} samples/s, nnzero {ours:>7.0} samples/s, ratio {:.2}×",
                ours / np
            );
        }
        ratios.sort_by(f64::total_cmp);
        println!(
            "median ratio nnzero/numpy: {:.2}×",
            ratios[ratios.len() / 2]
        );
    }
}

fn report(name: &str, n: usize, start: Instant) {
    let s = start.elapsed().as_secs_f64();
    println!(
        "{name:>9} epoch: {s:>6.3} s  {:>8.0} samples/s",
        n as f64 / s
    );
}

/// One epoch of the numpy reference; its samples/s from the RESULT line.
fn numpy_rate(script: &str, data_dir: &str) -> Option<f64> {
    let out = Command::new("python3")
        .args([
            script,
            "--impl",
            "ger",
            "--dtype",
            "float32",
            "--threads",
            "1",
            "--epochs",
            "1",
        ])
        .args(["--data", data_dir])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let json = text.lines().find_map(|l| l.strip_prefix("RESULT "))?;
    let key = "\"samples_per_s_median\": ";
    let start = json.find(key)? + key.len();
    json[start..].split([',', '}']).next()?.trim().parse().ok()
}

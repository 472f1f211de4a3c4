//! Training throughput of the seed's recipe (784-200-10, lr 0.1), one thread, one epoch over
//! all 60,000 MNIST training images. Prints samples/s; run it back to back with
//! `python3 ../shared/bench/numpy_ref.py --impl ger --dtype float32 --threads 1 --epochs 1`.
//!
//! `cargo bench --bench train` measures:
//! - `fused`: the trainer as `nnzero train` uses it, inputs already in memory as bytes;
//! - `unfused`: the same maths with `wih` updated in its own pass (`Network::train`);
//! - `streamed`: a whole epoch as `nnzero train` runs it, blob unpacked on a second thread.
//!
//! Options after `--`: `--epochs N` (default 1) and `--only fused|unfused|streamed`.

use std::time::Instant;

use nnzero::dataset::Dataset;
use nnzero::mnist::{scale_image, targets_into, CLASSES, HIDDEN, PIXELS};
use nnzero::Network;

fn main() {
    let mut epochs = 1;
    let mut only: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--epochs" => epochs = args.next().and_then(|v| v.parse().ok()).unwrap_or(1),
            "--only" => only = args.next(),
            _ => {} // cargo bench passes --bench
        }
    }
    let want = |name: &str| only.as_deref().is_none_or(|o| o == name);

    let data = Dataset::bundled_train().unwrap_or_else(|e| panic!("{e}"));
    let mut samples = Vec::with_capacity(data.len());
    let mut stream = data.stream().unwrap_or_else(|e| panic!("{e}"));
    while let Some((label, pixels)) = stream.next_record().unwrap_or_else(|e| panic!("{e}")) {
        samples.push((label, pixels.to_vec()));
    }
    let n = samples.len();
    println!("nnzero train bench: 784-{HIDDEN}-10, lr 0.1, {n} samples, one thread");

    let mut x = [0.0f32; PIXELS];
    let mut t = [0.0f32; CLASSES];
    if want("fused") {
        let mut net = Network::new(PIXELS, HIDDEN, CLASSES, 0.1, 1);
        for epoch in 1..=epochs {
            let start = Instant::now();
            let mut trainer = net.trainer();
            for (label, pixels) in &samples {
                scale_image(pixels, &mut x);
                targets_into(*label, &mut t);
                trainer.train(&x, &t);
            }
            trainer.finish();
            report("fused", epoch, n, start);
        }
    }
    if want("unfused") {
        let mut net = Network::new(PIXELS, HIDDEN, CLASSES, 0.1, 1);
        for epoch in 1..=epochs {
            let start = Instant::now();
            for (label, pixels) in &samples {
                scale_image(pixels, &mut x);
                targets_into(*label, &mut t);
                net.train(&x, &t);
            }
            report("unfused", epoch, n, start);
        }
    }
    drop(samples);
    if want("streamed") {
        let mut net = Network::new(PIXELS, HIDDEN, CLASSES, 0.1, 1);
        for epoch in 1..=epochs {
            let start = Instant::now();
            let mut trainer = net.trainer();
            let mut stream = data.stream().unwrap_or_else(|e| panic!("{e}"));
            while let Some((label, pixels)) = stream.next_record().unwrap_or_else(|e| panic!("{e}"))
            {
                scale_image(pixels, &mut x);
                targets_into(label, &mut t);
                trainer.train(&x, &t);
            }
            trainer.finish();
            report("streamed", epoch, n, start);
        }
    }
}

fn report(name: &str, epoch: usize, n: usize, start: Instant) {
    let s = start.elapsed().as_secs_f64();
    println!(
        "{name:>9} epoch {epoch}: {s:6.3} s  {:>8.0} samples/s",
        n as f64 / s
    );
}

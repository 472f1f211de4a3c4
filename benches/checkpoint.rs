//! What checkpoints cost: the size of one for the book's recipe (784-200-10), the time to
//! write one (encode, temporary file, fsync, rename, fsync of the directory), and that time
//! as a share of an epoch at the default interval (one a minute and one at each epoch's end).
//!
//! ```text
//! cargo bench --bench checkpoint                 # 2 rounds, checkpoints in the current dir
//! cargo bench --bench checkpoint -- --rounds 3 --dir /mnt/sd
//! ```
//! Each round trains one epoch of MNIST as `nnzero train` does with no checkpoint at all and
//! then with the default policy, side by side; the machines are shared and noisy, so the
//! direct measure (20 writes timed alone) is the steadier figure.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use nnzero::dataset::Dataset;
use nnzero::run::{checkpoint, Recipe, Run, Status};

/// The default interval of `nnzero train`.
const INTERVAL: Duration = Duration::from_secs(60);

fn main() {
    let mut rounds = 2;
    let mut dir = PathBuf::from(".");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rounds" => rounds = args.next().and_then(|v| v.parse().ok()).unwrap_or(rounds),
            "--dir" => dir = args.next().map(PathBuf::from).unwrap_or(dir),
            _ => {} // cargo bench passes --bench
        }
    }
    let path = dir.join(format!("bench-{}.ckpt", std::process::id()));
    let recipe = Recipe {
        epochs: 1,
        ..Recipe::BOOK
    };
    let open = || {
        Run::new(
            recipe,
            Dataset::bundled_train().expect("bundled MNIST"),
            Dataset::bundled_test().expect("bundled MNIST"),
        )
        .expect("a run")
    };

    // The write alone.
    let run = open();
    let size = run.checkpoint_view().file_len();
    let mut writes = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        run.save_checkpoint(&path).expect("write a checkpoint");
        writes.push(t.elapsed());
    }
    writes.sort();
    let write = writes[writes.len() / 2];
    println!(
        "checkpoint of 784-200-10: {size} bytes; one write (encode, fsync, rename, fsync dir): \
         median {:.2} ms, slowest {:.2} ms of 20",
        ms(write),
        ms(writes[writes.len() - 1])
    );

    for round in 1..=rounds {
        // An epoch without checkpoints (the test pass not counted)...
        let mut run = open();
        let t = Instant::now();
        while run.run_until(&mut [], |_| false).expect("train") != Status::Finished {}
        let plain = t.elapsed();
        // ...and with the default policy.
        let mut run = open();
        let t = Instant::now();
        let mut written = 0;
        loop {
            let last = Instant::now();
            let status = run
                .run_until(&mut [], |_| last.elapsed() >= INTERVAL)
                .expect("train");
            run.save_checkpoint(&path).expect("write a checkpoint");
            written += 1;
            if status == Status::Finished {
                break;
            }
        }
        let with = t.elapsed();
        let epoch = run.log()[0].took;
        let per_epoch = 1 + (epoch.as_secs_f64() / INTERVAL.as_secs_f64()) as u32;
        println!(
            "round {round}: epoch {:.2} s of training; {written} checkpoint(s) written; \
             with checkpoints {:.2} s in all, without {:.2} s ({:+.2} %); by the write alone \
             {:.3} % of an epoch",
            epoch.as_secs_f64(),
            with.as_secs_f64(),
            plain.as_secs_f64(),
            100.0 * (with.as_secs_f64() / plain.as_secs_f64() - 1.0),
            100.0 * per_epoch as f64 * write.as_secs_f64() / epoch.as_secs_f64()
        );
    }
    println!(
        "at the default interval a long epoch pays one write a minute: {:.3} % of the time",
        100.0 * write.as_secs_f64() / INTERVAL.as_secs_f64()
    );
    checkpoint::remove(&path);
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

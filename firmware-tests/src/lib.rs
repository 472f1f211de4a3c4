//! The workloads the firmware tests run on each target, as source shared with the desktop
//! tests and the bare-metal image, so that every CPU runs exactly the same code:
//!
//! - [`golden`]: `tests/common/workload.rs`, the golden model (2,000 MNIST images, 784-200-10).
//! - [`bare_metal`]: `bare-metal/src/workload.rs`, the bare-metal demo (500 digits, 784-32-10).
//! - [`subset`]: `bare-metal/subset.rs`, the first digits of a blob, as the demo embeds them.
//!
//! The tests themselves are in `tests/firmware.rs`. Run them on a target through the QEMU
//! runners of the repository's `.cargo/config.toml`, e.g.
//! `cargo test --release --target aarch64-unknown-linux-gnu` in this directory.

#![deny(missing_docs)]

#[path = "../../tests/common/workload.rs"]
pub mod golden;

#[path = "../bare-metal/src/workload.rs"]
pub mod bare_metal;

#[path = "../bare-metal/subset.rs"]
pub mod subset;

use std::path::Path;

use nnzero::dataset::Dataset;
use nnzero::digits::mnist::{scale_image, targets_into, CLASSES, HIDDEN, PIXELS};
use nnzero::{Network, ParallelTrainer};

/// The golden workload's training ([`golden::train`]) on `threads` threads with the
/// [`ParallelTrainer`], fed pixels and scaled inputs in turn: it must give the same model,
/// bit for bit.
pub fn golden_on_threads(train: &Dataset, threads: usize) -> Result<Network, String> {
    let net = Network::new(PIXELS, HIDDEN, CLASSES, golden::LEARNING_RATE, golden::SEED);
    let mut trainer = ParallelTrainer::new(net, threads);
    let (mut inputs, mut targets) = ([0.0f32; PIXELS], [0.0f32; CLASSES]);
    let mut stream = train.stream().map_err(|e| e.to_string())?;
    for seen in 0..golden::SAMPLES {
        let Some((label, pixels)) = stream.next_record().map_err(|e| e.to_string())? else {
            return Err(format!("{} has only {seen} images", train.name()));
        };
        targets_into(label, &mut targets);
        // Both ways in: pixels scaled by each thread (as `nnzero train` does), and inputs
        // scaled here. They must give the same bits.
        if seen % 2 == 0 {
            trainer.train_pixels(pixels, &targets);
        } else {
            scale_image(pixels, &mut inputs);
            trainer.train(&inputs, &targets);
        }
    }
    Ok(trainer.into_network())
}

/// The repository this crate sits in.
pub fn repo_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

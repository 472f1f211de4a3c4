//! The training run: a [`Recipe`], a [`Run`] that owns every piece of its state and steps
//! through it, [`Observer`]s that watch it (a screen, a chart, a progress bar, a web page),
//! and [`checkpoint`]s that let it stop anywhere and go on to the same bits.
//!
//! ```no_run
//! use nnzero::dataset::Dataset;
//! use nnzero::run::{Recipe, Run};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let recipe = Recipe { epochs: 1, limit: Some(1000), ..Recipe::BOOK };
//! let mut run = Run::new(recipe, Dataset::bundled_train()?, Dataset::bundled_test()?)?;
//! // A checkpoint every 500 records; a real program also stops on Ctrl-C here.
//! let mut since = 0;
//! while run.run_until(&mut [], |_| { since += 1; since % 500 == 0 })?
//!     != nnzero::run::Status::Finished
//! {
//!     run.save_checkpoint("run.ckpt".as_ref())?;
//! }
//! let net = run.into_network();
//! # Ok(()) }
//! ```

pub mod checkpoint;
pub mod lock;
mod observer;
mod recipe;
mod training;

pub use checkpoint::{Checkpoint, CheckpointError, CheckpointView, Position};
pub use lock::{LockError, RunLock};
pub use observer::{EpochRecord, Observer};
pub use recipe::Recipe;
pub use training::{Run, RunError, Status};

/// Small synthetic data sets for the run's tests: `train` and `test` records of 28×28
/// pictures, 10 classes, pixels from a fixed generator (square, so `--rotate` and
/// `--augment` apply).
#[cfg(test)]
pub(crate) fn tiny_sets(
    train: u32,
    test: u32,
) -> (crate::dataset::Dataset, crate::dataset::Dataset) {
    use crate::format::blob::{BlobWriter, Header};
    let make = |count: u32, seed: u64| {
        let mut w = BlobWriter::new(Vec::new(), Header::new(count, 28, 28, 10).unwrap()).unwrap();
        let mut x = seed;
        let mut pixels = [0u8; 784];
        for i in 0..count {
            for p in pixels.iter_mut() {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                *p = if (x >> 60) < 5 { (x >> 33) as u8 } else { 0 };
            }
            w.push((i % 10) as u8, &pixels).unwrap();
        }
        let bytes: &'static [u8] = Box::leak(w.finish().unwrap().into_boxed_slice());
        crate::dataset::Dataset::embedded("tiny", bytes).unwrap()
    };
    (make(train, 1), make(test, 2))
}

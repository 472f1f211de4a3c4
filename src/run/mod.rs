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
//!     nnzero::run::checkpoint::save(&run.checkpoint(), "run.ckpt".as_ref())?;
//! }
//! let net = run.into_network();
//! # Ok(()) }
//! ```

pub mod checkpoint;
pub mod lock;
mod observer;
mod recipe;
mod training;

pub use checkpoint::{Checkpoint, CheckpointError, Position};
pub use lock::{LockError, RunLock};
pub use observer::{EpochRecord, Observer};
pub use recipe::Recipe;
pub use training::{Run, RunError, Status};

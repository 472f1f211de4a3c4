//! Watching a run: the live display, the chart of the epochs, the progress bar, a web page or
//! a logger each implement [`Observer`] and are told what happens as it happens.

use std::time::Duration;

use crate::infer::eval::Confusion;

/// One finished epoch, as the run remembers it (and a checkpoint keeps it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpochRecord {
    /// 1 for the first epoch.
    pub epoch: u32,
    /// Test samples read right after this epoch.
    pub correct: u32,
    /// Test samples.
    pub total: u32,
    /// Training time of this epoch (the test pass not included), over every piece of it when
    /// the run was stopped and resumed in the middle.
    pub took: Duration,
}

impl EpochRecord {
    /// Fraction of the test set read right.
    pub fn accuracy(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.correct as f64 / self.total as f64
        }
    }
}

/// Something that watches training.
///
/// `sample` is called for every training sample, on the training thread: it must be cheap.
pub trait Observer {
    /// The run resumes from a checkpoint: `log` holds the epochs finished before it, and
    /// `done` samples of epoch `epoch` are trained already. Called before `epoch_start`.
    fn resumed(&mut self, _epoch: u32, _done: u64, _log: &[EpochRecord]) {}
    /// Epoch `epoch` of `epochs`, over `samples` samples, begins (or, after `resumed`,
    /// carries on).
    fn epoch_start(&mut self, _epoch: u32, _epochs: u32, _samples: u64) {}
    /// Sample `index` of `epoch` (label and raw pixels) was trained on; `outputs` is what the
    /// network answered before learning from it.
    fn sample(&mut self, _epoch: u32, _index: u64, _label: u8, _pixels: &[u8], _outputs: &[f32]) {}
    /// Epoch `epoch` ended, took `took`, and scored `score` on the test set.
    fn epoch_end(&mut self, _epoch: u32, _score: &Confusion, _took: Duration) {}
}

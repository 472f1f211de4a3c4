//! Checkpoint files: the whole state of a [`Run`](super::Run), so it can stop anywhere and go
//! on later to the same bits (the format is `spec/checkpoint.md`).
//!
//! A checkpoint is written atomically (temporary file, fsync, rename, fsync of the directory)
//! and the one it replaces is kept as `FILE.prev`: a checkpoint that is damaged (a bad sector,
//! a card pulled mid-write on a filesystem that lies about fsync) is refused by its checksum,
//! and [`load_newest`] falls back to the previous one.
//!
//! The types are here; the header ([`CheckpointHeader`]) and the format's constants are in
//! `header.rs`, the bytes ([`encode`], [`decode`]) in `codec.rs`, the files on disk ([`save`],
//! [`load`], `FILE.prev`) in `files.rs`.

mod codec;
mod files;
mod header;

use std::time::Duration;

use crate::dataset::Fingerprint;
use crate::format::container::{ContainerError, TRAILER_LEN};

use super::{EpochRecord, Recipe};

pub use codec::{
    check_header, decode, decode_parts, decode_payload, encode, encode_to, fields_len,
    HEADER_PREFIX,
};
pub use files::{load, load_newest, previous_path, promote_previous, remove, save};
pub use header::{CheckpointHeader, FORMAT, MAGIC, VERSION, VERSION_PLAIN};

/// Where a run is: the epoch it is in and how far into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// The epoch in progress, 1-based; `epochs + 1` once the run has finished.
    pub epoch: u32,
    /// Records (images of the training set) of this epoch already trained on.
    pub record: u64,
    /// Training samples of this epoch so far: each record with its rotated and augmented
    /// copies.
    pub done: u64,
    /// Training time of this epoch so far.
    pub took: Duration,
}

/// Everything a run needs to go on exactly where it stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// The recipe the run was started with.
    pub recipe: Recipe,
    /// The training set it trains on.
    pub train: Fingerprint,
    /// The test set it scores on.
    pub test: Fingerprint,
    /// Where the run is.
    pub position: Position,
    /// The epochs finished so far, in order.
    pub log: Vec<EpochRecord>,
    /// Input nodes.
    pub inputs: u32,
    /// Output nodes.
    pub outputs: u32,
    /// The learning rate in force.
    pub lr: f32,
    /// wih is (hidden, input), column-major.
    pub wih: Vec<f32>,
    /// who is (output, hidden), column-major.
    pub who: Vec<f32>,
}

/// What is wrong with a checkpoint file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The file could not be read or written.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Magic, version, header, length, checksum or memory budget: the container's checks,
    /// shared with the other formats.
    #[error(transparent)]
    Container(#[from] ContainerError),
    /// The checksum matches but a field is impossible.
    #[error("invalid checkpoint: {0}")]
    Invalid(&'static str),
}

/// A checkpoint's contents, borrowed from wherever they live: a [`Checkpoint`], or a
/// [`Run`](super::Run) and its network ([`Run::checkpoint_view`](super::Run::checkpoint_view)).
/// Writing one streams the weights from where they are, so a checkpoint costs no second copy
/// of the model in memory.
#[derive(Debug, Clone, Copy)]
pub struct CheckpointView<'a> {
    /// The recipe the run was started with.
    pub recipe: Recipe,
    /// The training set it trains on.
    pub train: Fingerprint,
    /// The test set it scores on.
    pub test: Fingerprint,
    /// Where the run is.
    pub position: Position,
    /// The epochs finished so far, in order.
    pub log: &'a [EpochRecord],
    /// Input nodes.
    pub inputs: u32,
    /// Output nodes.
    pub outputs: u32,
    /// The learning rate in force.
    pub lr: f32,
    /// wih is (hidden, input), column-major.
    pub wih: &'a [f32],
    /// who is (output, hidden), column-major.
    pub who: &'a [f32],
}

impl Checkpoint {
    /// Its header fields.
    pub fn header(&self) -> CheckpointHeader {
        self.view().header()
    }

    /// The checkpoint, borrowed.
    pub fn view(&self) -> CheckpointView<'_> {
        CheckpointView {
            recipe: self.recipe,
            train: self.train,
            test: self.test,
            position: self.position,
            log: &self.log,
            inputs: self.inputs,
            outputs: self.outputs,
            lr: self.lr,
            wih: &self.wih,
            who: &self.who,
        }
    }
}

impl<'a> From<&'a Checkpoint> for CheckpointView<'a> {
    fn from(c: &'a Checkpoint) -> Self {
        c.view()
    }
}

impl CheckpointView<'_> {
    /// Its header fields.
    pub fn header(&self) -> CheckpointHeader {
        CheckpointHeader {
            inputs: self.inputs,
            hidden: self.recipe.hidden,
            outputs: self.outputs,
            logged: self.log.len() as u32,
            deskew: self.recipe.deskew,
        }
    }

    /// The length of its file, known before a byte is written (the container stores no
    /// length: the header implies it).
    pub fn file_len(&self) -> u64 {
        let header = self.header().encode().len() as u64;
        header + self.header().payload_len() + TRAILER_LEN as u64
    }
}

/// The example of `spec/checkpoint.md`, for the tests of the format and of the files.
#[cfg(test)]
fn example() -> Checkpoint {
    let data = Fingerprint {
        count: 4,
        rows: 2,
        cols: 1,
        classes: 2,
        crc: 0xdead_beef,
    };
    Checkpoint {
        recipe: Recipe {
            hidden: 1,
            lr: 0.5,
            lr_final: None,
            epochs: 3,
            seed: 7,
            limit: None,
            rotate: None,
            augment_copies: 0,
            deskew: false,
        },
        train: data,
        test: data,
        position: Position {
            epoch: 2,
            record: 5,
            done: 10,
            took: Duration::from_millis(1500),
        },
        log: vec![EpochRecord {
            epoch: 1,
            correct: 3,
            total: 4,
            took: Duration::from_secs(2),
        }],
        inputs: 2,
        outputs: 1,
        lr: 0.5,
        wih: vec![0.25, -1.0],
        who: vec![2.0],
    }
}

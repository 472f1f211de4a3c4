//! A checkpoint's header and the format's constants: magic, versions, and the sizes that fix
//! the payload's length (`spec/checkpoint.md`).

use serde::{Deserialize, Serialize};

use crate::format::container::Format;

use super::CheckpointError;

/// The first bytes of every checkpoint file.
pub const MAGIC: [u8; 4] = *b"NNZC";
/// The newest format version this code reads, written for a run that deskews its pictures.
pub const VERSION: u16 = 2;
/// The version written for a run that does not deskew: its bytes are as before version 2.
pub const VERSION_PLAIN: u16 = 1;
/// The checkpoint format in the shared container (`src/format/container.rs`, `spec/container.md`).
pub const FORMAT: Format = Format {
    name: "checkpoint",
    short: "checkpoint",
    magic: MAGIC,
    version: VERSION,
    oldest: VERSION_PLAIN,
};
/// Payload bytes before the epoch log: the recipe (but its hidden size), two fingerprints,
/// the position (`spec/checkpoint.md`).
pub(super) const FIXED_LEN: u64 = 39 + 2 * 14 + 28;
/// Bytes of one epoch in the log.
const LOG_ENTRY_LEN: u64 = 20;

/// A checkpoint's header fields, after the container's magic and version: the sizes that
/// fix the payload's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointHeader {
    /// Input nodes.
    pub inputs: u32,
    /// Hidden nodes.
    pub hidden: u32,
    /// Output nodes.
    pub outputs: u32,
    /// Epochs in the log (the epoch in progress less one).
    pub logged: u32,
    /// Whether the run deskews its pictures (`Recipe::deskew`): version 2's one-byte flag
    /// after `logged`; version 1 has none and does not deskew.
    #[serde(skip)]
    pub deskew: bool,
}

impl CheckpointHeader {
    /// Weights in `wih` and `who`.
    pub(super) fn weights(&self) -> u64 {
        let (wih, who) = self.weight_counts();
        // Saturating: a header may claim 2⁶² weights, whose bytes would wrap to nothing.
        wih.saturating_add(who)
    }

    /// Weights in `wih` and in `who`.
    pub(super) fn weight_counts(&self) -> (u64, u64) {
        (
            self.hidden as u64 * self.inputs as u64,
            self.outputs as u64 * self.hidden as u64,
        )
    }

    /// Magic, version and fields as written: version 1 unless the run deskews.
    pub(super) fn encode(&self) -> Vec<u8> {
        let version = if self.deskew { VERSION } else { VERSION_PLAIN };
        let mut bytes = FORMAT.encode_versioned_header(version, self).to_vec();
        if self.deskew {
            bytes.push(1);
        }
        bytes
    }

    /// Decodes the header at the start of `bytes`; returns it and its length.
    pub(super) fn decode(bytes: &[u8]) -> Result<(Self, usize), CheckpointError> {
        let (mut h, mut len, version) =
            FORMAT.decode_versioned_header::<CheckpointHeader>(bytes)?;
        if version >= 2 {
            h.deskew = match bytes.get(len) {
                Some(0) => false,
                Some(1) => true,
                Some(_) => {
                    return Err(FORMAT
                        .bad_header("the deskew flag is neither 0 nor 1")
                        .into())
                }
                None => return Err(FORMAT.bad_header("cut short or malformed").into()),
            };
            len += 1;
        }
        Ok((h, len))
    }

    /// The payload's length: fixed fields, the log, the learning rate, the weights
    /// (saturating at `u64::MAX`).
    pub(super) fn payload_len(&self) -> u64 {
        (FIXED_LEN + LOG_ENTRY_LEN * self.logged as u64 + 4)
            .saturating_add(self.weights().saturating_mul(4))
    }
}

//! Model files: a trained network's sizes, learning rate, seed and weights.
//!
//! The format is written down in `spec/model.md`:
//! ```text
//! header   postcard { magic: [u8; 4] = "NNZM", version: u16 = 1, inputs: u32, hidden: u32,
//!                     outputs: u32, learning_rate: f32, seed: u64 }
//! wih      postcard Vec<f32>: varint length = hidden·inputs, then the weights row-major
//!          (hidden node by hidden node: row h is node h's 28×28 receptive field for MNIST)
//! who      postcard Vec<f32>: varint length = outputs·hidden, row-major
//! trailer  CRC-32 (IEEE) of every byte before it, u32 little-endian
//! ```
//! The weights are written as plain `f32` sequences, never as nalgebra types: nalgebra's own
//! deserialiser trusts the stored `nrows·ncols` (nalgebra issue #982). Decoding checks the
//! header's sizes against the file's length *before* allocating anything, then the checksum,
//! then that every weight is finite; it rejects trailing bytes.

use alloc::vec::Vec;
use core::fmt;
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

use crate::Network;

/// The four bytes every model file starts with.
pub const MAGIC: [u8; 4] = *b"NNZM";
/// The format version this crate writes and reads.
pub const VERSION: u16 = 1;
/// The longest a postcard-encoded header can be (4 + 3 + 3·5 + 4 + 10 bytes).
pub const MAX_HEADER_LEN: usize = 36;
const TRAILER_LEN: usize = 4;

/// A model file's header: the network's shape and how it was made.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ModelHeader {
    magic: [u8; 4],
    version: u16,
    /// Input nodes.
    pub inputs: u32,
    /// Hidden nodes.
    pub hidden: u32,
    /// Output nodes.
    pub outputs: u32,
    /// Learning rate the network was trained with.
    pub learning_rate: f32,
    /// Seed of the initial weights.
    pub seed: u64,
}

/// What can be wrong with a model file.
#[derive(Debug)]
#[non_exhaustive]
pub enum ModelError {
    /// The file does not start with `NNZM`.
    NotAModel,
    /// A version this build cannot read.
    UnsupportedVersion(u16),
    /// The header is cut short or its fields make no sense.
    BadHeader(&'static str),
    /// The file's length is not what the header's sizes imply (truncated, extended, or a
    /// header claiming impossible dimensions).
    WrongLength {
        /// Length the header implies, in bytes.
        expected: u64,
        /// Actual length.
        found: u64,
    },
    /// The checksum does not match the contents.
    ChecksumMismatch {
        /// Checksum stored in the file.
        stored: u32,
        /// Checksum of the contents.
        computed: u32,
    },
    /// A weight is NaN or infinite.
    NotFinite {
        /// `"wih"` or `"who"`.
        matrix: &'static str,
        /// Row-major index of the weight.
        index: usize,
    },
    /// Reading or writing the file failed.
    #[cfg(feature = "std")]
    Io(std::io::Error),
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::NotAModel => write!(f, "not an nnzero model file (no NNZM magic)"),
            ModelError::UnsupportedVersion(v) => {
                write!(f, "model format version {v} is not supported (this build reads {VERSION})")
            }
            ModelError::BadHeader(why) => write!(f, "bad model header: {why}"),
            ModelError::WrongLength { expected, found } => write!(
                f,
                "model file is {found} bytes but its header implies {expected}: truncated or corrupt"
            ),
            ModelError::ChecksumMismatch { stored, computed } => write!(
                f,
                "model file is corrupt: checksum {computed:08x} does not match the stored {stored:08x}"
            ),
            ModelError::NotFinite { matrix, index } => {
                write!(f, "model weight {matrix}[{index}] is not a finite number")
            }
            #[cfg(feature = "std")]
            ModelError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for ModelError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            #[cfg(feature = "std")]
            ModelError::Io(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(feature = "std")]
impl From<std::io::Error> for ModelError {
    fn from(e: std::io::Error) -> Self {
        ModelError::Io(e)
    }
}

impl ModelHeader {
    /// Decodes and validates the header at the start of `bytes`; returns it and its length.
    pub fn decode(bytes: &[u8]) -> Result<(Self, usize), ModelError> {
        if bytes.len() < 4 || bytes[..4] != MAGIC {
            return Err(ModelError::NotAModel);
        }
        let (h, rest): (ModelHeader, _) = postcard::take_from_bytes(bytes)
            .map_err(|_| ModelError::BadHeader("cut short or malformed"))?;
        if h.version != VERSION {
            return Err(ModelError::UnsupportedVersion(h.version));
        }
        if h.inputs == 0 || h.hidden == 0 || h.outputs == 0 {
            return Err(ModelError::BadHeader("a layer has no nodes"));
        }
        if !(h.learning_rate.is_finite() && h.learning_rate > 0.0) {
            return Err(ModelError::BadHeader(
                "learning rate is not a positive number",
            ));
        }
        Ok((h, bytes.len() - rest.len()))
    }

    /// Total file length the header implies (saturating at `u64::MAX`: a header may claim
    /// sizes no file can have).
    pub fn file_len(&self, header_len: usize) -> u64 {
        let wih = self.hidden as u64 * self.inputs as u64;
        let who = self.outputs as u64 * self.hidden as u64;
        (header_len as u64)
            .saturating_add(seq_len(wih))
            .saturating_add(seq_len(who))
            .saturating_add(TRAILER_LEN as u64)
    }
}

/// Bytes of a postcard `Vec<f32>` of `n` elements: varint length, then 4 bytes each.
fn seq_len(n: u64) -> u64 {
    let varint = (64 - n.max(1).leading_zeros() as u64).div_ceil(7);
    n.saturating_mul(4).saturating_add(varint)
}

/// Encodes `net` as a model file.
pub fn encode(net: &Network) -> Vec<u8> {
    #[derive(Serialize)]
    struct File<'a> {
        header: ModelHeader,
        wih: &'a [f32],
        who: &'a [f32],
    }
    let row_major = |m: &crate::aligned::AlignedMatrix| m.transpose().as_slice().to_vec();
    let (wih, who) = (row_major(net.wih()), row_major(net.who()));
    let file = File {
        header: ModelHeader {
            magic: MAGIC,
            version: VERSION,
            inputs: net.inputs() as u32,
            hidden: net.hidden() as u32,
            outputs: net.outputs() as u32,
            learning_rate: net.learning_rate(),
            seed: net.seed(),
        },
        wih: &wih,
        who: &who,
    };
    // Serialising into a Vec cannot fail: no map keys, no unknown lengths.
    let mut bytes = postcard::to_allocvec(&file).unwrap_or_default();
    let crc = crc32fast::hash(&bytes);
    bytes.extend_from_slice(&crc.to_le_bytes());
    bytes
}

/// Decodes a model file, checking everything listed in the module docs.
pub fn decode(bytes: &[u8]) -> Result<Network, ModelError> {
    let (h, header_len) = ModelHeader::decode(bytes)?;
    let expected = h.file_len(header_len);
    if bytes.len() as u64 != expected {
        return Err(ModelError::WrongLength {
            expected,
            found: bytes.len() as u64,
        });
    }
    let (content, trailer) = bytes.split_at(bytes.len() - TRAILER_LEN);
    let stored = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
    let computed = crc32fast::hash(content);
    if stored != computed {
        return Err(ModelError::ChecksumMismatch { stored, computed });
    }
    // The length check bounds both sequences by the file size, so these allocations are safe.
    let malformed = |_| ModelError::BadHeader("weight sequences do not match the header");
    let (wih, rest): (Vec<f32>, _) =
        postcard::take_from_bytes(&content[header_len..]).map_err(malformed)?;
    let (who, rest): (Vec<f32>, _) = postcard::take_from_bytes(rest).map_err(malformed)?;
    let (i, hd, o) = (h.inputs as usize, h.hidden as usize, h.outputs as usize);
    if !rest.is_empty() || wih.len() != hd * i || who.len() != o * hd {
        return Err(ModelError::BadHeader(
            "weight sequences do not match the header",
        ));
    }
    for (matrix, w) in [("wih", &wih), ("who", &who)] {
        if let Some(index) = w.iter().position(|x| !x.is_finite()) {
            return Err(ModelError::NotFinite { matrix, index });
        }
    }
    let wih = DMatrix::from_row_slice(hd, i, &wih);
    let who = DMatrix::from_row_slice(o, hd, &who);
    Ok(Network::from_weights(wih, who, h.learning_rate, h.seed))
}

/// Saves `net` to `path` atomically: a temporary file beside it, fsync, rename. Either the
/// old file or the complete new one is there afterwards, never a partial one.
#[cfg(feature = "std")]
pub fn save(net: &Network, path: &std::path::Path) -> Result<(), ModelError> {
    crate::atomic::write(path, &encode(net))?;
    Ok(())
}

/// Loads a model file, checking its header against its length before reading the weights.
#[cfg(feature = "std")]
pub fn load(path: &std::path::Path) -> Result<Network, ModelError> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let mut head = Vec::with_capacity(MAX_HEADER_LEN);
    (&mut file)
        .take(MAX_HEADER_LEN as u64)
        .read_to_end(&mut head)?;
    let (h, header_len) = ModelHeader::decode(&head)?;
    let expected = h.file_len(header_len);
    if len != expected {
        return Err(ModelError::WrongLength {
            expected,
            found: len,
        });
    }
    let mut bytes = head;
    bytes.reserve_exact((len as usize).saturating_sub(bytes.len()));
    file.read_to_end(&mut bytes)?;
    decode(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Network {
        let wih = DMatrix::from_row_slice(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let who = DMatrix::from_row_slice(1, 2, &[-1.0, 0.5]);
        Network::from_weights(wih, who, 0.25, 300)
    }

    /// A 3-2-1 network pinned byte by byte.
    #[test]
    fn encoding_matches_the_golden_bytes() {
        let mut golden = vec![
            b'N', b'N', b'Z', b'M', // magic
            0x01, // version
            0x03, 0x02, 0x01, // inputs 3, hidden 2, outputs 1
            0x00, 0x00, 0x80, 0x3e, // learning rate 0.25, f32 LE
            0xac, 0x02, // seed 300, varint
            0x06, // wih: 6 weights, row-major
            0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x40, 0x40, // 1 2 3
            0x00, 0x00, 0x80, 0x40, 0x00, 0x00, 0xa0, 0x40, 0x00, 0x00, 0xc0, 0x40, // 4 5 6
            0x02, // who: 2 weights
            0x00, 0x00, 0x80, 0xbf, 0x00, 0x00, 0x00, 0x3f, // -1 0.5
        ];
        golden.extend_from_slice(&crc32fast::hash(&golden).to_le_bytes());
        assert_eq!(encode(&tiny()), golden);
    }

    #[test]
    fn decode_inverts_encode() {
        let net = Network::new(30, 7, 4, 0.1, 5);
        let back = decode(&encode(&net)).unwrap();
        assert_eq!(back.wih(), net.wih());
        assert_eq!(back.who(), net.who());
        assert_eq!((back.learning_rate(), back.seed()), (0.1, 5));
        assert_eq!(encode(&back), encode(&net));
    }

    #[test]
    fn every_flipped_byte_is_caught() {
        let bytes = encode(&tiny());
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x10;
            assert!(decode(&bad).is_err(), "flip at {i} went unnoticed");
        }
    }

    #[test]
    fn huge_claimed_dimensions_are_refused_before_allocating() {
        // An 11-byte file whose header claims 4294967295 × 4294967295 weights.
        let mut bytes = vec![b'N', b'N', b'Z', b'M', 0x01];
        bytes.extend([0xff, 0xff, 0xff, 0xff, 0x0f]); // inputs u32::MAX
        bytes.extend([0xff, 0xff, 0xff, 0xff, 0x0f]); // hidden u32::MAX
        bytes.extend([0x0a, 0x00, 0x00, 0x80, 0x3e, 0x01]);
        match decode(&bytes) {
            Err(ModelError::WrongLength { expected, found }) => {
                assert!(expected > 1 << 60 && found == bytes.len() as u64)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn non_finite_weights_are_refused_even_with_a_valid_checksum() {
        let wih = DMatrix::from_row_slice(2, 3, &[1.0, 2.0, f32::NAN, 4.0, 5.0, 6.0]);
        let who = DMatrix::from_row_slice(1, 2, &[-1.0, 0.5]);
        let bytes = encode(&Network::from_weights(wih, who, 0.25, 1));
        let err = decode(&bytes).unwrap_err();
        assert_eq!(
            err.to_string(),
            "model weight wih[2] is not a finite number"
        );
    }

    #[test]
    fn trailing_and_missing_bytes_are_refused() {
        let bytes = encode(&tiny());
        let mut long = bytes.clone();
        long.push(0);
        assert!(matches!(decode(&long), Err(ModelError::WrongLength { .. })));
        for len in 0..bytes.len() {
            assert!(decode(&bytes[..len]).is_err(), "accepted {len} bytes");
        }
    }

    #[test]
    fn seq_len_counts_the_varint() {
        assert_eq!(seq_len(0), 1);
        assert_eq!(seq_len(127), 1 + 4 * 127);
        assert_eq!(seq_len(128), 2 + 4 * 128);
        assert_eq!(seq_len(156_800), 3 + 4 * 156_800);
    }
}

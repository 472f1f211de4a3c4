//! Model files: a trained network's sizes, learning rate, seed and weights.
//!
//! The format is written down in `spec/model.md`:
//! ```text
//! header   postcard { magic: [u8; 4] = "NNZM", version: u16 = 1 or 2, inputs: u32,
//!                     hidden: u32, outputs: u32, learning_rate: f32, seed: u64 }
//!          version 2 only: deskew, one byte 0 or 1 (1: the network reads pictures stood
//!          upright by their moments, `crate::digits::deskew`)
//! wih      postcard Vec<f32>: varint length = hidden·inputs, then the weights row-major
//!          (hidden node by hidden node: row h is node h's 28×28 receptive field for MNIST)
//! who      postcard Vec<f32>: varint length = outputs·hidden, row-major
//! trailer  CRC-32 (IEEE) of every byte before it, u32 little-endian
//! ```
//! The weights are written as plain `f32` sequences, never as nalgebra types: nalgebra's own
//! deserialiser trusts the stored `nrows·ncols` (nalgebra issue #982). Decoding checks the
//! header's sizes against the file's length *before* allocating anything, then the checksum,
//! then that every weight is finite; it rejects trailing bytes.
//!
//! A model that does not deskew is written as version 1, byte for byte as before version 2
//! existed (the golden model's hash holds); only a deskewing model is version 2. Version 1
//! files are read as not deskewing.

use crate::net::aligned::{self, AlignedMatrix};
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::format::container::{self, ContainerError, Format, TRAILER_LEN};
use crate::Network;

/// The four bytes every model file starts with.
pub const MAGIC: [u8; 4] = *b"NNZM";
/// The newest format version this crate reads, and writes for a deskewing model.
pub const VERSION: u16 = 2;
/// The version written for a model that does not deskew: the fields it has are version 1's.
pub const VERSION_PLAIN: u16 = 1;
/// The longest a postcard-encoded header can be (4 + 3 + 3·5 + 4 + 10 + 1 bytes).
pub const MAX_HEADER_LEN: usize = 37;
/// The model format in the shared container (`src/container.rs`).
pub const FORMAT: Format = Format {
    name: "model file",
    short: "model",
    magic: MAGIC,
    version: VERSION,
    oldest: VERSION_PLAIN,
};

/// A model file's header: the network's shape and how it was made. (Magic and version are
/// the container's; these are the fields after them.)
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ModelHeader {
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
    /// Whether the network reads pictures deskewed (version 2's field; false in version 1).
    #[serde(skip)]
    pub deskew: bool,
}

/// What can be wrong with a model file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// Magic, version, header, length, checksum or memory budget: the container's checks,
    /// shared with the other formats.
    #[error(transparent)]
    Container(#[from] ContainerError),
    /// A weight is NaN or infinite.
    #[error("model weight {matrix}[{index}] is not a finite number")]
    NotFinite {
        /// `"wih"` or `"who"`.
        matrix: &'static str,
        /// Row-major index of the weight.
        index: usize,
    },
    /// A network of these sizes would not fit the memory budget.
    #[error(
        "a {inputs}-{hidden}-{outputs} network needs {} MiB for its weights, over nnzero's \
         budget of {} MiB (sized for a Raspberry Pi): use smaller images or fewer hidden nodes",
        needed.div_ceil(1 << 20),
        container::MEMORY_BUDGET >> 20
    )]
    OverBudget {
        /// Input nodes.
        inputs: usize,
        /// Hidden nodes.
        hidden: usize,
        /// Output nodes.
        outputs: usize,
        /// Bytes its weights need.
        needed: u64,
    },
    /// More outputs (classes) than [`MAX_OUTPUTS`].
    #[error(
        "a network with {outputs} outputs: nnzero reads at most {MAX_OUTPUTS} (one a class; \
         digits need 10)"
    )]
    TooManyOutputs {
        /// Output nodes.
        outputs: usize,
    },
    /// Reading or writing the file failed.
    #[cfg(feature = "std")]
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The most outputs (classes) a network may have. What is kept a class (a confusion matrix of
/// every pair, the back-query of every class, the page's lists) is sized by it: a model of
/// 65,536 outputs made `nnzero test` reach 17 GB for its confusion matrix. Digits need 10;
/// 1,024 leaves room for letters and more, and its confusion matrix is 4 MiB.
pub const MAX_OUTPUTS: usize = 1024;

#[cfg(feature = "std")]
impl From<container::ReadError> for ModelError {
    fn from(e: container::ReadError) -> Self {
        match e {
            container::ReadError::Container(e) => ModelError::Container(e),
            container::ReadError::Io(e) => ModelError::Io(e),
        }
    }
}

impl ModelHeader {
    /// The header of `net`.
    pub fn of(net: &Network) -> Self {
        ModelHeader {
            inputs: net.inputs() as u32,
            hidden: net.hidden() as u32,
            outputs: net.outputs() as u32,
            learning_rate: net.learning_rate(),
            seed: net.seed(),
            deskew: net.deskews(),
        }
    }

    /// The version this header is written as: 2 only when it deskews.
    pub fn version(&self) -> u16 {
        if self.deskew {
            VERSION
        } else {
            VERSION_PLAIN
        }
    }

    /// Decodes and validates the header at the start of `bytes`; returns it and its length.
    pub fn decode(bytes: &[u8]) -> Result<(Self, usize), ModelError> {
        let (mut h, mut len, version) = FORMAT.decode_versioned_header::<ModelHeader>(bytes)?;
        if version >= 2 {
            let Some(&flag) = bytes.get(len) else {
                return Err(FORMAT.bad_header("cut short or malformed").into());
            };
            h.deskew = deskew_flag(flag)?;
            len += 1;
        }
        Ok((h.validated()?, len))
    }

    fn validated(self) -> Result<Self, ModelError> {
        if self.inputs == 0 || self.hidden == 0 || self.outputs == 0 {
            return Err(FORMAT.bad_header("a layer has no nodes").into());
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(FORMAT
                .bad_header("learning rate is not a positive number")
                .into());
        }
        Ok(self)
    }

    /// The network of this header with these weights.
    fn network(&self, wih: AlignedMatrix, who: AlignedMatrix) -> Network {
        let mut net = Network::from_aligned(wih, who, self.learning_rate, self.seed);
        net.set_deskew(self.deskew);
        net
    }

    /// Number of weights in `wih` and in `who`.
    pub fn weights(&self) -> (u64, u64) {
        (
            self.hidden as u64 * self.inputs as u64,
            self.outputs as u64 * self.hidden as u64,
        )
    }

    /// Total file length the header implies (saturating at `u64::MAX`: a header may claim
    /// sizes no file can have).
    pub fn file_len(&self, header_len: usize) -> u64 {
        let (wih, who) = self.weights();
        (header_len as u64)
            .saturating_add(container::seq_len(wih, 4))
            .saturating_add(container::seq_len(who, 4))
            .saturating_add(TRAILER_LEN as u64)
    }

    /// Refuses a network whose weights would not fit the memory budget.
    pub fn check_budget(&self) -> Result<(), ModelError> {
        if self.outputs as usize > MAX_OUTPUTS {
            return Err(ModelError::TooManyOutputs {
                outputs: self.outputs as usize,
            });
        }
        let (wih, who) = self.weights();
        let bytes = wih.saturating_add(who).saturating_mul(4);
        Ok(FORMAT.check_budget("a network whose weights", bytes)?)
    }
}

/// Version 2's deskew byte: 0 or 1, nothing else (one encoding per header).
fn deskew_flag(byte: u8) -> Result<bool, ModelError> {
    match byte {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(FORMAT
            .bad_header("the deskew flag is neither 0 nor 1")
            .into()),
    }
}

/// Refuses, before anything is allocated, a network of these sizes whose weights would not
/// fit [`container::MEMORY_BUDGET`], or of more than [`MAX_OUTPUTS`] outputs: for `train` to
/// call before building one.
pub fn check_budget(inputs: usize, hidden: usize, outputs: usize) -> Result<(), ModelError> {
    if outputs > MAX_OUTPUTS {
        return Err(ModelError::TooManyOutputs { outputs });
    }
    let wih = (hidden as u64).saturating_mul(inputs as u64);
    let who = (outputs as u64).saturating_mul(hidden as u64);
    let needed = wih.saturating_add(who).saturating_mul(4);
    if needed <= container::MEMORY_BUDGET {
        return Ok(());
    }
    Err(ModelError::OverBudget {
        inputs,
        hidden,
        outputs,
        needed,
    })
}

/// The varint length prefix of a postcard sequence of `n` elements.
fn seq_prefix(n: u64) -> heapless::Vec<u8, 10> {
    match postcard::heapless_v0_9::to_vec(&n) {
        Ok(prefix) => prefix,
        Err(_) => unreachable!("a u64 varint fits in 10 bytes"),
    }
}

/// Streams the encoding of `net` to `out` in pieces of at most a row: header, each matrix
/// row-major behind its length, never the whole file in memory. `out` gets no checksum; the
/// callers add it.
fn encode_body(net: &Network, out: &mut impl FnMut(&[u8])) {
    let header = ModelHeader::of(net);
    out(&FORMAT.encode_versioned_header(header.version(), &header));
    if header.deskew {
        out(&[1]);
    }
    let mut row = Vec::new();
    for m in [net.wih(), net.who()] {
        out(&seq_prefix(m.len() as u64));
        // m is (rows, cols), column-major in memory; the file wants it row by row.
        for r in 0..m.nrows() {
            row.clear();
            row.extend(m.row(r).iter().flat_map(|w| w.to_le_bytes()));
            out(&row);
        }
    }
}

/// Encodes `net` as a model file.
pub fn encode(net: &Network) -> Vec<u8> {
    let mut bytes = Vec::new();
    encode_body(net, &mut |b| bytes.extend_from_slice(b));
    let crc = crc32fast::hash(&bytes);
    bytes.extend_from_slice(&crc.to_le_bytes());
    bytes
}

/// Streams the encoding of `net` to `w`, checksum included: a save needs memory for one
/// row, not for a second copy of the model.
#[cfg(feature = "std")]
pub fn encode_to<W: std::io::Write>(net: &Network, w: W) -> std::io::Result<W> {
    let mut w = container::CrcWriter::new(w);
    let mut result = Ok(());
    encode_body(net, &mut |b| {
        if result.is_ok() {
            result = std::io::Write::write_all(&mut w, b);
        }
    });
    result?;
    w.finish()
}

/// Both weight matrices, and the first weight that was not finite (reported after the
/// checksum, so a corrupt file is called corrupt).
type Weights = (AlignedMatrix, AlignedMatrix, Option<ModelError>);

/// Fills `wih` and `who` in place from `next`, which hands over the file's bytes after the
/// header in order; returns the first weight that is not finite, for after the checksum.
fn fill_weights(
    h: &ModelHeader,
    mut next: impl FnMut(&mut [u8]) -> Result<(), ModelError>,
) -> Result<Weights, ModelError> {
    let (i, hd, o) = (h.inputs as usize, h.hidden as usize, h.outputs as usize);
    let mut first_bad = None;
    let mut row = Vec::new();
    let mut fill = |matrix: &'static str, rows: usize, cols: usize| {
        // Lengths were checked against the file; a wrong prefix here is corruption.
        let expected = seq_prefix((rows * cols) as u64);
        let mut prefix = [0u8; 10];
        let prefix = &mut prefix[..expected.len()];
        next(prefix)?;
        if *prefix != *expected {
            return Err(ModelError::from(
                FORMAT.bad_header("weight sequences do not match the header"),
            ));
        }
        // Zeroed pages come from the OS untouched (calloc): memory is used as rows arrive.
        let mut m = aligned::zeros(rows, cols);
        row.resize(cols * 4, 0u8);
        for r in 0..rows {
            next(&mut row)?;
            for (c, w) in row.chunks_exact(4).enumerate() {
                let w = f32::from_le_bytes([w[0], w[1], w[2], w[3]]);
                if !w.is_finite() && first_bad.is_none() {
                    first_bad = Some(ModelError::NotFinite {
                        matrix,
                        index: r * cols + c,
                    });
                }
                m[(r, c)] = w;
            }
        }
        Ok(m)
    };
    let wih = fill("wih", hd, i)?;
    let who = fill("who", o, hd)?;
    Ok((wih, who, first_bad))
}

/// Decodes a model file, checking everything listed in the module docs. The weights are
/// decoded straight into the network's matrices.
pub fn decode(bytes: &[u8]) -> Result<Network, ModelError> {
    let (h, header_len) = ModelHeader::decode(bytes)?;
    FORMAT.check_len(h.file_len(header_len), bytes.len() as u64)?;
    h.check_budget()?;
    let content = FORMAT.split_checksum(bytes)?;
    let mut rest = &content[header_len..];
    let (wih, who, bad) = fill_weights(&h, |buf| {
        // The length check guarantees the bytes are there.
        let (now, later) = rest.split_at(buf.len().min(rest.len()));
        buf[..now.len()].copy_from_slice(now);
        rest = later;
        Ok(())
    })?;
    if let Some(e) = bad {
        return Err(e);
    }
    Ok(h.network(wih, who))
}

/// Saves `net` to `path` atomically: a temporary file beside it, fsync, rename. Either the
/// old file or the complete new one is there afterwards, never a partial one. The encoding
/// streams to the file: no copy of the model is made in memory.
#[cfg(feature = "std")]
pub fn save(net: &Network, path: &std::path::Path) -> Result<(), ModelError> {
    crate::format::atomic_save::write_with(path, |file| {
        encode_to(net, std::io::BufWriter::with_capacity(64 * 1024, file))?
            .into_inner()
            .map_err(|e| e.into_error())?;
        Ok(())
    })?;
    Ok(())
}

/// Loads a model file, checking its header against its length before reading the weights,
/// which are read straight into the network's matrices: memory for one copy of the model.
#[cfg(feature = "std")]
pub fn load(path: &std::path::Path) -> Result<Network, ModelError> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let mut reader = container::CrcReader::new(std::io::BufReader::with_capacity(64 * 1024, file));
    let (mut h, mut header_len, version) =
        FORMAT.read_versioned_header::<ModelHeader, _>(&mut reader)?;
    if version >= 2 {
        let mut flag = [0u8; 1];
        reader.read_exact(&mut flag).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => {
                ModelError::from(FORMAT.bad_header("cut short or malformed"))
            }
            _ => ModelError::Io(e),
        })?;
        h.deskew = deskew_flag(flag[0])?;
        header_len += 1;
    }
    let h = h.validated()?;
    FORMAT.check_len(h.file_len(header_len), len)?;
    h.check_budget()?;
    let (wih, who, bad) = fill_weights(&h, |buf| Ok(reader.read_exact(buf)?))?;
    let computed = reader.crc();
    let mut trailer = [0u8; TRAILER_LEN];
    reader.inner.read_exact(&mut trailer)?;
    FORMAT.check_checksum(u32::from_le_bytes(trailer), computed)?;
    if let Some(e) = bad {
        return Err(e);
    }
    Ok(h.network(wih, who))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::DMatrix;

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

    /// The same network deskewing: version 2, the flag after the seed, nothing else changed.
    #[test]
    fn a_deskewing_model_is_version_2_with_its_flag() {
        let mut net = tiny();
        net.set_deskew(true);
        let plain = encode(&tiny());
        let mut golden = vec![b'N', b'N', b'Z', b'M', 0x02]; // version 2
        golden.extend_from_slice(&plain[5..14]); // sizes, learning rate, seed
        golden.push(0x01); // deskew
        golden.extend_from_slice(&plain[14..plain.len() - TRAILER_LEN]);
        golden.extend_from_slice(&crc32fast::hash(&golden).to_le_bytes());
        assert_eq!(encode(&net), golden);
        let back = decode(&golden).unwrap();
        assert!(back.deskews());
        assert_eq!((back.wih(), back.who()), (net.wih(), net.who()));
        assert!(
            !decode(&plain).unwrap().deskews(),
            "version 1 reads as not deskewing"
        );
        // Streamed too.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.nnz");
        save(&net, &path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), golden);
        assert!(load(&path).unwrap().deskews());
        // A version-2 flag of 0 is a plain model; 2 is refused, by both readers.
        for (flag, ok) in [(0u8, true), (2, false)] {
            let mut bytes = golden[..golden.len() - TRAILER_LEN].to_vec();
            bytes[14] = flag;
            bytes.extend_from_slice(&crc32fast::hash(&bytes).to_le_bytes());
            std::fs::write(&path, &bytes).unwrap();
            match (decode(&bytes), load(&path), ok) {
                (Ok(a), Ok(b), true) => assert!(!a.deskews() && !b.deskews()),
                (Err(a), Err(b), false) => {
                    assert_eq!(
                        a.to_string(),
                        "bad model header: the deskew flag is neither 0 nor 1"
                    );
                    assert_eq!(a.to_string(), b.to_string());
                }
                other => panic!("flag {flag}: {other:?}"),
            }
        }
        // Version 3 is not read.
        let mut v3 = golden.clone();
        v3[4] = 3;
        assert!(decode(&v3)
            .unwrap_err()
            .to_string()
            .contains("version 3 is not supported (this build reads up to 2)"));
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
            Err(ModelError::Container(ContainerError::WrongLength {
                expected, found, ..
            })) => {
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
        assert!(matches!(
            decode(&long),
            Err(ModelError::Container(ContainerError::WrongLength { .. }))
        ));
        for len in 0..bytes.len() {
            assert!(decode(&bytes[..len]).is_err(), "accepted {len} bytes");
        }
    }

    #[test]
    fn non_canonical_varints_in_the_header_are_refused() {
        // inputs 3 written as 83 00, the checksum made to match.
        let good = encode(&tiny());
        let mut bytes = good[..5].to_vec();
        bytes.extend([0x83, 0x00]);
        bytes.extend(&good[6..good.len() - TRAILER_LEN]);
        let crc = crc32fast::hash(&bytes);
        bytes.extend(crc.to_le_bytes());
        let err = decode(&bytes).unwrap_err();
        assert_eq!(
            err.to_string(),
            "bad model header: a number is not in its shortest encoding"
        );
    }

    #[test]
    fn streamed_save_and_load_match_the_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.nnz");
        let net = Network::new(30, 7, 4, 0.1, 5);
        save(&net, &path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), encode(&net));
        let back = load(&path).unwrap();
        assert_eq!((back.wih(), back.who()), (net.wih(), net.who()));
        // A non-finite weight or a flipped byte is caught while streaming too.
        let mut bad = encode(&tiny());
        bad[20] ^= 0x10;
        std::fs::write(&path, &bad).unwrap();
        assert!(load(&path).unwrap_err().to_string().contains("checksum"));
    }

    #[test]
    fn networks_over_the_memory_budget_are_refused() {
        // 784 × 100,000 weights: 314 MB, over 256 MiB, in a 40-byte header.
        let err = check_budget(784, 100_000, 10).unwrap_err();
        assert!(err.to_string().contains("budget of 256 MiB"), "{err}");
        assert!(check_budget(784, 65_536, 10).is_ok());
        // Few weights, but a class count every per-class table would be sized by.
        assert!(check_budget(784, 3, MAX_OUTPUTS).is_ok());
        let e = check_budget(784, 3, 65_536).unwrap_err();
        assert!(
            matches!(e, ModelError::TooManyOutputs { outputs: 65_536 }),
            "{e}"
        );
        assert!(e.to_string().contains("at most 1024"), "{e}");
        let h = ModelHeader {
            inputs: 784,
            hidden: 100_000,
            outputs: 10,
            learning_rate: 0.1,
            seed: 1,
            deskew: false,
        };
        assert!(h.check_budget().is_err());
    }
}

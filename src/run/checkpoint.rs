//! Checkpoint files: the whole state of a [`Run`](super::Run), so it can stop anywhere and go
//! on later to the same bits (the format is `spec/checkpoint.md`).
//!
//! A checkpoint is written atomically (temporary file, fsync, rename, fsync of the directory)
//! and the one it replaces is kept as `FILE.prev`: a checkpoint that is damaged (a bad sector,
//! a card pulled mid-write on a filesystem that lies about fsync) is refused by its checksum,
//! and [`load_newest`] falls back to the previous one.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::dataset::Fingerprint;
use crate::format::container::{self, ContainerError, Format, TRAILER_LEN};

use super::{EpochRecord, Recipe};

/// The first bytes of every checkpoint file.
pub const MAGIC: [u8; 4] = *b"NNZC";
/// The newest format version this code reads, written for a run that deskews its pictures.
pub const VERSION: u16 = 2;
/// The version written for a run that does not deskew: its bytes are as before version 2.
pub const VERSION_PLAIN: u16 = 1;
/// The checkpoint format in the shared container (`src/container.rs`, `spec/container.md`).
pub const FORMAT: Format = Format {
    name: "checkpoint",
    short: "checkpoint",
    magic: MAGIC,
    version: VERSION,
    oldest: VERSION_PLAIN,
};
/// Payload bytes before the epoch log: the recipe (but its hidden size), two fingerprints,
/// the position (`spec/checkpoint.md`).
const FIXED_LEN: u64 = 39 + 2 * 14 + 28;
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
    fn weights(&self) -> u64 {
        let (wih, who) = self.weight_counts();
        wih + who
    }

    /// Weights in `wih` and in `who`.
    fn weight_counts(&self) -> (u64, u64) {
        (
            self.hidden as u64 * self.inputs as u64,
            self.outputs as u64 * self.hidden as u64,
        )
    }

    /// Magic, version and fields as written: version 1 unless the run deskews.
    fn encode(&self) -> Vec<u8> {
        let version = if self.deskew { VERSION } else { VERSION_PLAIN };
        let mut bytes = FORMAT.encode_versioned_header(version, self).to_vec();
        if self.deskew {
            bytes.push(1);
        }
        bytes
    }

    /// Decodes the header at the start of `bytes`; returns it and its length.
    fn decode(bytes: &[u8]) -> Result<(Self, usize), CheckpointError> {
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

    /// The payload's length: fixed fields, the log, the learning rate, the weights.
    fn payload_len(&self) -> u64 {
        FIXED_LEN + LOG_ENTRY_LEN * self.logged as u64 + 4 + 4 * self.weights()
    }
}

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

/// Weights converted to bytes at a time while streaming: 64 KiB of buffer, whatever the
/// model's size.
const WEIGHTS_PER_WRITE: usize = 16 * 1024;

/// Encodes `c` as the bytes of a checkpoint file.
///
/// # Panics
/// When `c.wih` and `c.who` do not hold `hidden·inputs` and `outputs·hidden` weights (a
/// checkpoint put together wrongly by hand; [`decode`] and [`Run`](super::Run) never make
/// one). [`encode_to`] and [`save`] return an error instead.
pub fn encode(c: &Checkpoint) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 * (c.wih.len() + c.who.len()) + 512);
    match encode_to(&c.view(), &mut out) {
        Ok(_) => out,
        Err(e) => panic!("cannot encode the checkpoint: {e}"),
    }
}

/// Streams the encoding of `c` to `w`, checksum included, computing the CRC-32 as the bytes
/// pass: header, the payload's fields, then the weights straight from where they live, a
/// bounded buffer at a time. The bytes are those of [`encode`]; `w` should be buffered.
pub fn encode_to<W: Write>(c: &CheckpointView, w: W) -> std::io::Result<W> {
    if (c.wih.len() as u64, c.who.len() as u64) != c.header().weight_counts() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "a checkpoint's weights do not match its sizes",
        ));
    }
    let mut out = container::CrcWriter::new(w);
    out.write_all(&c.header().encode())?;
    out.write_all(&encode_fields(c))?;
    let mut bytes = Vec::with_capacity(4 * WEIGHTS_PER_WRITE);
    for weights in c
        .wih
        .chunks(WEIGHTS_PER_WRITE)
        .chain(c.who.chunks(WEIGHTS_PER_WRITE))
    {
        bytes.clear();
        bytes.extend(weights.iter().flat_map(|v| v.to_le_bytes()));
        out.write_all(&bytes)?;
    }
    out.finish()
}

/// Decodes a whole checkpoint file: the container's checks (magic, version, canonical header,
/// memory budget, length, checksum), then the payload's.
pub fn decode(bytes: &[u8]) -> Result<Checkpoint, CheckpointError> {
    let (h, header_len) = CheckpointHeader::decode(bytes)?;
    if h.inputs == 0 || h.hidden == 0 || h.outputs == 0 {
        return Err(FORMAT.bad_header("a layer has no nodes").into());
    }
    // The weights in the file and the network built from them.
    FORMAT.check_budget("a network whose weights", 2 * 4 * h.weights())?;
    let expected = (header_len as u64)
        .saturating_add(h.payload_len())
        .saturating_add(TRAILER_LEN as u64);
    FORMAT.check_len(expected, bytes.len() as u64)?;
    let content = FORMAT.split_checksum(bytes)?;
    decode_payload(&h, &content[header_len..])
}

/// The payload's fields before the weights: fixed-width little-endian, in the order of
/// `spec/checkpoint.md` (the sizes are the header's). A few hundred bytes, and 20 an epoch.
fn encode_fields(c: &CheckpointView) -> Vec<u8> {
    let mut w = Vec::with_capacity(FIXED_LEN as usize + 4 + 20 * c.log.len());
    let r = &c.recipe;
    put_f32(&mut w, r.lr);
    put_opt_f32(&mut w, r.lr_final);
    put_u32(&mut w, r.epochs);
    put_u64(&mut w, r.seed);
    w.push(r.limit.is_some() as u8);
    put_u64(&mut w, r.limit.unwrap_or(0));
    put_opt_f32(&mut w, r.rotate);
    put_u32(&mut w, r.augment_copies);
    for f in [&c.train, &c.test] {
        put_u32(&mut w, f.count);
        w.extend_from_slice(&f.rows.to_le_bytes());
        w.extend_from_slice(&f.cols.to_le_bytes());
        w.extend_from_slice(&f.classes.to_le_bytes());
        put_u32(&mut w, f.crc);
    }
    let p = &c.position;
    put_u32(&mut w, p.epoch);
    put_u64(&mut w, p.record);
    put_u64(&mut w, p.done);
    put_u64(&mut w, nanos(p.took));
    for e in c.log {
        put_u32(&mut w, e.epoch);
        put_u32(&mut w, e.correct);
        put_u32(&mut w, e.total);
        put_u64(&mut w, nanos(e.took));
    }
    put_f32(&mut w, c.lr);
    w
}

/// Decodes a payload of header `h`, checking every field that can be checked without the
/// data.
pub fn decode_payload(h: &CheckpointHeader, bytes: &[u8]) -> Result<Checkpoint, CheckpointError> {
    if bytes.len() as u64 != h.payload_len() {
        return Err(CheckpointError::Invalid(
            "the payload's length is not the header's",
        ));
    }
    let mut r = Reader { bytes };
    let (inputs, hidden, outputs, entries) = (h.inputs, h.hidden, h.outputs, h.logged);
    let lr = r.f32()?;
    let lr_final = r.opt_f32()?;
    let epochs = r.u32()?;
    let seed = r.u64()?;
    let limit = r.flag()?.then_some(0);
    let limit_value = r.u64()?;
    let rotate = r.opt_f32()?;
    let augment_copies = r.u32()?;
    let recipe = Recipe {
        hidden,
        lr,
        lr_final,
        epochs,
        seed,
        limit: limit.map(|_| limit_value),
        rotate,
        augment_copies,
        deskew: h.deskew,
    };
    let mut fingerprint = || -> Result<Fingerprint, CheckpointError> {
        Ok(Fingerprint {
            count: r.u32()?,
            rows: r.u16()?,
            cols: r.u16()?,
            classes: r.u16()?,
            crc: r.u32()?,
        })
    };
    let (train, test) = (fingerprint()?, fingerprint()?);
    let position = Position {
        epoch: r.u32()?,
        record: r.u64()?,
        done: r.u64()?,
        took: Duration::from_nanos(r.u64()?),
    };
    if position.epoch == 0 || position.epoch > epochs.saturating_add(1) {
        return Err(CheckpointError::Invalid("epoch outside the run"));
    }
    if entries != position.epoch - 1 {
        return Err(CheckpointError::Invalid(
            "epoch log does not match the epoch",
        ));
    }
    let mut log = Vec::with_capacity(entries as usize);
    for k in 1..=entries {
        let e = EpochRecord {
            epoch: r.u32()?,
            correct: r.u32()?,
            total: r.u32()?,
            took: Duration::from_nanos(r.u64()?),
        };
        if e.epoch != k || e.correct > e.total {
            return Err(CheckpointError::Invalid("epoch log out of order"));
        }
        log.push(e);
    }
    let net_lr = r.f32()?;
    if epochs == 0 {
        return Err(CheckpointError::Invalid("no epochs"));
    }
    let wih = r.f32s(hidden as usize * inputs as usize)?;
    let who = r.f32s(outputs as usize * hidden as usize)?;
    if !wih.iter().chain(&who).all(|w| w.is_finite()) {
        return Err(CheckpointError::Invalid("a weight is not a finite number"));
    }
    if !(lr.is_finite() && lr > 0.0 && net_lr.is_finite() && net_lr > 0.0) {
        return Err(CheckpointError::Invalid(
            "learning rate not a positive number",
        ));
    }
    Ok(Checkpoint {
        recipe,
        train,
        test,
        position,
        log,
        inputs,
        outputs,
        lr: net_lr,
        wih,
        who,
    })
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

fn put_u32(w: &mut Vec<u8>, v: u32) {
    w.extend_from_slice(&v.to_le_bytes());
}
fn put_u64(w: &mut Vec<u8>, v: u64) {
    w.extend_from_slice(&v.to_le_bytes());
}
fn put_f32(w: &mut Vec<u8>, v: f32) {
    w.extend_from_slice(&v.to_le_bytes());
}
fn put_opt_f32(w: &mut Vec<u8>, v: Option<f32>) {
    w.push(v.is_some() as u8);
    put_f32(w, v.unwrap_or(0.0));
}

/// Reads fields off the front of a payload.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], CheckpointError> {
        if self.bytes.len() < N {
            return Err(CheckpointError::Invalid("a field is cut short"));
        }
        let mut out = [0u8; N];
        out.copy_from_slice(&self.bytes[..N]);
        self.bytes = &self.bytes[N..];
        Ok(out)
    }
    fn u16(&mut self) -> Result<u16, CheckpointError> {
        self.take().map(u16::from_le_bytes)
    }
    fn u32(&mut self) -> Result<u32, CheckpointError> {
        self.take().map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> Result<u64, CheckpointError> {
        self.take().map(u64::from_le_bytes)
    }
    fn f32(&mut self) -> Result<f32, CheckpointError> {
        self.take().map(f32::from_le_bytes)
    }
    fn flag(&mut self) -> Result<bool, CheckpointError> {
        match self.take::<1>()?[0] {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(CheckpointError::Invalid("a flag is neither 0 nor 1")),
        }
    }
    fn opt_f32(&mut self) -> Result<Option<f32>, CheckpointError> {
        let present = self.flag()?;
        let v = self.f32()?;
        Ok(present.then_some(v))
    }
    fn f32s(&mut self, n: usize) -> Result<Vec<f32>, CheckpointError> {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.f32()?);
        }
        Ok(out)
    }
}

/// `FILE.prev`: where the checkpoint before the newest one is kept.
pub fn previous_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".prev");
    PathBuf::from(name)
}

/// Writes `c` (a [`Checkpoint`], or a [`CheckpointView`] of a running
/// [`Run`](super::Run)) to `path` atomically; the checkpoint it replaces becomes `FILE.prev`.
///
/// At every moment a good checkpoint is on disk: the new one is complete and synced before
/// the old one is renamed to `.prev`, and `.prev` is only replaced by a complete checkpoint.
/// A failure (a full disk) leaves both as they were. The encoding streams into the temporary
/// file ([`encode_to`]): a checkpoint of a large network needs no second copy of it in memory.
pub fn save<'a>(c: impl Into<CheckpointView<'a>>, path: &Path) -> Result<(), CheckpointError> {
    let c = c.into();
    crate::format::atomic_save::write_keeping_previous_with(path, &previous_path(path), |file| {
        encode_to(&c, file).map(drop)
    })?;
    Ok(())
}

/// Reads and decodes the checkpoint at `path`.
pub fn load(path: &Path) -> Result<Checkpoint, CheckpointError> {
    decode(&std::fs::read(path)?)
}

/// The newest good checkpoint: `path`, or `FILE.prev` when `path` is damaged or missing.
/// Returns it with the file it came from and, when it is `.prev`, why `path` was passed over.
pub fn load_newest(
    path: &Path,
) -> Result<(Checkpoint, PathBuf, Option<CheckpointError>), CheckpointError> {
    let newest = match load(path) {
        Ok(c) => return Ok((c, path.to_path_buf(), None)),
        Err(e) => e,
    };
    let prev = previous_path(path);
    match load(&prev) {
        Ok(c) => Ok((c, prev, Some(newest))),
        Err(_) => Err(newest),
    }
}

/// Puts `FILE.prev` back in place of a damaged `FILE`, once a run has resumed from it.
///
/// Without this, the next save would rename the damaged `FILE` over the good `.prev` before
/// it renames the new checkpoint into place: a power cut between the two renames would leave
/// only the damaged one. The rename replaces the damaged file in one step, so a good
/// checkpoint is on disk throughout.
pub fn promote_previous(path: &Path) -> std::io::Result<()> {
    std::fs::rename(previous_path(path), path)?;
    crate::format::atomic_save::sync_dir(crate::format::atomic_save::parent_dir(path));
    Ok(())
}

/// Removes the checkpoint and its previous one (after the model is saved).
pub fn remove(path: &Path) {
    let _ = std::fs::remove_file(previous_path(path));
    let _ = std::fs::remove_file(path);
    crate::format::atomic_save::sync_dir(crate::format::atomic_save::parent_dir(path));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of `spec/checkpoint.md`.
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

    fn hex(s: &str) -> Vec<u8> {
        s.split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    #[test]
    fn golden_bytes_match_the_spec() {
        let bytes = encode(&example());
        let expected = hex("4e 4e 5a 43  01  02 01 01 01
             00 00 00 3f
             00 00 00 00 00
             03 00 00 00  07 00 00 00 00 00 00 00
             00 00 00 00 00 00 00 00 00
             00 00 00 00 00
             00 00 00 00
             04 00 00 00 02 00 01 00 02 00 ef be ad de
             04 00 00 00 02 00 01 00 02 00 ef be ad de
             02 00 00 00
             05 00 00 00 00 00 00 00  0a 00 00 00 00 00 00 00
             00 2f 68 59 00 00 00 00
             01 00 00 00 03 00 00 00 04 00 00 00
             00 94 35 77 00 00 00 00
             00 00 00 3f
             00 00 80 3e  00 00 80 bf
             00 00 00 40");
        assert_eq!(bytes[..bytes.len() - 4], expected[..]);
        let crc = crc32fast::hash(&expected).to_le_bytes();
        assert_eq!(bytes[bytes.len() - 4..], crc);
        assert_eq!(decode(&bytes).unwrap(), example());
    }

    /// A deskewing run's checkpoint is version 2, its flag after the header's fields, the
    /// rest as version 1's (`spec/checkpoint.md`); a flag other than 0 or 1 is refused.
    #[test]
    fn a_deskewing_run_writes_version_2_with_its_flag() {
        let plain = encode(&example());
        let mut c = example();
        c.recipe.deskew = true;
        let bytes = encode(&c);
        let mut expected = hex("4e 4e 5a 43  02  02 01 01 01  01");
        expected.extend_from_slice(&plain[9..plain.len() - 4]);
        assert_eq!(bytes[..bytes.len() - 4], expected[..]);
        assert_eq!(c.view().file_len(), bytes.len() as u64);
        assert_eq!(decode(&bytes).unwrap(), c);
        assert!(!decode(&plain).unwrap().recipe.deskew);
        let mut bad = expected.clone();
        bad[9] = 2;
        bad.extend_from_slice(&crc32fast::hash(&bad).to_le_bytes());
        assert_eq!(
            decode(&bad).unwrap_err().to_string(),
            "bad checkpoint header: the deskew flag is neither 0 nor 1"
        );
        assert_eq!(
            example().recipe.differences(&c.recipe),
            ["deskew (--no-deskew turns it off) off here, on in the checkpoint"]
        );
    }

    /// The encoder before it streamed, kept as the reference the streamed one must match
    /// byte for byte: the whole file built in memory, field by field.
    fn reference_encode(c: &Checkpoint) -> Vec<u8> {
        let h = c.header();
        let version = if h.deskew { 2 } else { 1 };
        let mut w = FORMAT.encode_versioned_header(version, &h).to_vec();
        if h.deskew {
            w.push(1);
        }
        let r = &c.recipe;
        put_f32(&mut w, r.lr);
        put_opt_f32(&mut w, r.lr_final);
        put_u32(&mut w, r.epochs);
        put_u64(&mut w, r.seed);
        w.push(r.limit.is_some() as u8);
        put_u64(&mut w, r.limit.unwrap_or(0));
        put_opt_f32(&mut w, r.rotate);
        put_u32(&mut w, r.augment_copies);
        for f in [&c.train, &c.test] {
            put_u32(&mut w, f.count);
            w.extend_from_slice(&f.rows.to_le_bytes());
            w.extend_from_slice(&f.cols.to_le_bytes());
            w.extend_from_slice(&f.classes.to_le_bytes());
            put_u32(&mut w, f.crc);
        }
        let p = &c.position;
        put_u32(&mut w, p.epoch);
        put_u64(&mut w, p.record);
        put_u64(&mut w, p.done);
        put_u64(&mut w, nanos(p.took));
        for e in &c.log {
            put_u32(&mut w, e.epoch);
            put_u32(&mut w, e.correct);
            put_u32(&mut w, e.total);
            put_u64(&mut w, nanos(e.took));
        }
        put_f32(&mut w, c.lr);
        for v in c.wih.iter().chain(&c.who) {
            put_f32(&mut w, *v);
        }
        let crc = crc32fast::hash(&w);
        w.extend_from_slice(&crc.to_le_bytes());
        w
    }

    /// Checkpoints of real runs, stopped in several places: every option of the recipe,
    /// logs of several epochs, weights that fill several of the streamed buffers and end
    /// part-way through one.
    fn checkpoints_of_runs() -> Vec<Checkpoint> {
        let (train, test) = crate::run::tiny_sets(30, 10);
        let recipes = [
            Recipe {
                hidden: 3,
                epochs: 1,
                ..Recipe::BOOK
            },
            Recipe {
                hidden: 37, // 37·784 = 29008 weights in wih: one full buffer and a part
                lr: 0.3,
                lr_final: Some(0.01),
                epochs: 4,
                seed: u64::MAX,
                limit: Some(20),
                rotate: None,
                augment_copies: 0,
                deskew: false,
            },
            Recipe {
                hidden: 21,
                epochs: 3,
                seed: 9,
                rotate: Some(10.0),
                augment_copies: 2,
                ..Recipe::BOOK
            },
            Recipe {
                hidden: 5,
                epochs: 2,
                augment_copies: 1,
                deskew: true,
                ..Recipe::BOOK
            },
        ];
        let mut out = Vec::new();
        for recipe in recipes {
            let mut run = super::super::Run::new(recipe, train.clone(), test.clone()).unwrap();
            let mut n = 0;
            out.push(run.checkpoint());
            while run
                .run_until(&mut [], |_| {
                    n += 1;
                    n % 7 == 0
                })
                .unwrap()
                != super::super::Status::Finished
            {
                out.push(run.checkpoint());
                // The view of the running run streams the same bytes as its owned copy.
                let mut streamed = Vec::new();
                encode_to(&run.checkpoint_view(), &mut streamed).unwrap();
                assert_eq!(streamed, encode(&run.checkpoint()));
            }
            out.push(run.checkpoint());
        }
        out
    }

    #[test]
    fn the_streamed_encoder_writes_the_reference_encoders_bytes() {
        let mut all = checkpoints_of_runs();
        assert!(all.len() > 12, "{} checkpoints", all.len());
        assert!(all
            .iter()
            .any(|c| c.log.len() == 3 && c.wih.len() > WEIGHTS_PER_WRITE));
        all.push(example());
        for c in &all {
            let reference = reference_encode(c);
            assert_eq!(encode(c), reference);
            assert_eq!(c.view().file_len(), reference.len() as u64);
            assert_eq!(&decode(&reference).unwrap(), c);
        }
        // Through a file: the atomic save streams the same bytes.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.ckpt");
        for c in all.iter().rev().take(3) {
            save(c, &path).unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), reference_encode(c));
        }
    }

    #[test]
    fn a_failed_write_is_an_error_and_weights_of_the_wrong_size_are_refused() {
        /// Takes `room` bytes, then says the disk is full.
        #[derive(Debug)]
        struct Full {
            room: usize,
        }
        impl std::io::Write for Full {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                if self.room == 0 {
                    return Err(std::io::ErrorKind::StorageFull.into());
                }
                let n = buf.len().min(self.room);
                self.room -= n;
                Ok(n)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let c = example();
        let len = encode(&c).len();
        for room in 0..len {
            let e = encode_to(&c.view(), Full { room }).unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::StorageFull);
        }
        assert!(encode_to(&c.view(), Full { room: len }).is_ok());
        let mut short = c.clone();
        short.wih.pop();
        let e = encode_to(&short.view(), Full { room: 0 }).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    }

    #[test]
    fn every_truncation_and_every_flipped_byte_is_refused() {
        let bytes = encode(&example());
        for len in 0..bytes.len() {
            assert!(decode(&bytes[..len]).is_err(), "cut to {len} bytes");
        }
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut damaged = bytes.clone();
                damaged[i] ^= 1 << bit;
                assert!(decode(&damaged).is_err(), "bit {bit} of byte {i}");
            }
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(
            decode(&longer),
            Err(CheckpointError::Container(
                ContainerError::WrongLength { .. }
            ))
        ));
    }

    #[test]
    fn a_huge_claimed_size_is_refused_before_allocating() {
        let mut c = example();
        c.recipe.hidden = u32::MAX;
        // The weights do not match the header: only the reference encoder writes such a file.
        let bytes = reference_encode(&c);
        assert!(matches!(
            decode(&bytes),
            Err(CheckpointError::Container(
                ContainerError::OverBudget { .. }
            ))
        ));
    }

    #[test]
    fn a_damaged_checkpoint_falls_back_to_the_previous_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.ckpt");
        let mut first = example();
        save(&first, &path).unwrap();
        first.position.record = 6;
        save(&first, &path).unwrap();
        assert_eq!(load(&previous_path(&path)).unwrap().position.record, 5);
        // A bad sector in the newest.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[40] ^= 0x10;
        std::fs::write(&path, &bytes).unwrap();
        let (c, from, why) = load_newest(&path).unwrap();
        assert_eq!((c.position.record, from), (5, previous_path(&path)));
        assert!(matches!(
            why,
            Some(CheckpointError::Container(
                ContainerError::ChecksumMismatch { .. }
            ))
        ));
        // The run goes on from .prev, which takes the damaged one's place: the next save
        // keeps it as .prev, and killed between its two renames, .prev is the good one.
        promote_previous(&path).unwrap();
        assert_eq!(load(&path).unwrap().position.record, 5);
        assert!(!previous_path(&path).exists());
        std::fs::rename(&path, previous_path(&path)).unwrap(); // the next save's first rename
        assert_eq!(load_newest(&path).unwrap().0.position.record, 5);
        // Nothing else is left in the directory.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["m.ckpt.prev"]);
    }
}

//! A checkpoint's bytes: [`encode`] (streamed by [`encode_to`], the weights straight from
//! where they live) and [`decode`], which checks every field (`spec/checkpoint.md`).

use std::io::Write;
use std::time::Duration;

use crate::dataset::Fingerprint;
use crate::format::container::{self, TRAILER_LEN};

use super::header::{CheckpointHeader, FIXED_LEN, FORMAT};
use super::{Checkpoint, CheckpointError, CheckpointView, EpochRecord, Position, Recipe};

/// Weights converted to bytes at a time while streaming: 64 KiB of buffer, whatever the
/// model's size.
const WEIGHTS_PER_WRITE: usize = 16 * 1024;

/// Encodes `c` as the bytes of a checkpoint file.
///
/// # Panics
/// When `c.wih` and `c.who` do not hold `hidden·inputs` and `outputs·hidden` weights (a
/// checkpoint put together wrongly by hand; [`decode`] and [`Run`](crate::run::Run) never make
/// one). [`encode_to`] and [`save`](super::save) return an error instead.
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
    let (h, header_len) = check_header(bytes, bytes.len() as u64)?;
    let content = FORMAT.split_checksum(bytes)?;
    decode_payload(&h, &content[header_len..])
}

/// The first bytes of a checkpoint file that hold its header whatever its sizes: magic,
/// version, four varints and a flag take at most 27.
pub const HEADER_PREFIX: usize = 64;

/// Checks a checkpoint's header from the first bytes of its file (`head`, at least
/// [`HEADER_PREFIX`] of them or the whole file) against the file's length `len`: the magic,
/// version and canonical header, nodes in every layer, the memory budget and the length the
/// header implies. What a file must pass before it is read, so that a large file of anything
/// else is refused at once, not after reading it all.
pub fn check_header(head: &[u8], len: u64) -> Result<(CheckpointHeader, usize), CheckpointError> {
    let (h, header_len) = CheckpointHeader::decode(head)?;
    if h.inputs == 0 || h.hidden == 0 || h.outputs == 0 {
        return Err(FORMAT.bad_header("a layer has no nodes").into());
    }
    // The weights in the file and the network built from them; the payload itself (a huge
    // epoch log with a few weights is no smaller a file to read).
    FORMAT.check_budget("a network whose weights", h.weights().saturating_mul(8))?;
    FORMAT.check_budget("a checkpoint whose payload", h.payload_len())?;
    let expected = (header_len as u64)
        .saturating_add(h.payload_len())
        .saturating_add(TRAILER_LEN as u64);
    FORMAT.check_len(expected, len)?;
    Ok((h, header_len))
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

/// Bytes of a payload of header `h` before its weights: the fields and the epoch log.
pub fn fields_len(h: &CheckpointHeader) -> u64 {
    h.payload_len()
        .saturating_sub(h.weights().saturating_mul(4))
}

/// Decodes a payload of header `h`, checking every field that can be checked without the
/// data.
pub fn decode_payload(h: &CheckpointHeader, bytes: &[u8]) -> Result<Checkpoint, CheckpointError> {
    if bytes.len() as u64 != h.payload_len() {
        return Err(CheckpointError::Invalid(
            "the payload's length is not the header's",
        ));
    }
    let (fields, weights) = bytes.split_at(fields_len(h) as usize);
    let (wih_n, _) = h.weight_counts();
    let (wih, who) = weights.split_at(4 * wih_n as usize);
    decode_parts(h, fields, f32s(wih), f32s(who))
}

/// Little-endian f32s.
fn f32s(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Decodes a payload of header `h` from its parts: the fields before the weights
/// ([`fields_len`] bytes), and the weights, already read (so a loader can stream them straight
/// into place).
pub fn decode_parts(
    h: &CheckpointHeader,
    fields: &[u8],
    wih: Vec<f32>,
    who: Vec<f32>,
) -> Result<Checkpoint, CheckpointError> {
    if fields.len() as u64 != fields_len(h)
        || (wih.len() as u64, who.len() as u64) != h.weight_counts()
    {
        return Err(CheckpointError::Invalid(
            "the payload's length is not the header's",
        ));
    }
    let mut r = Reader { bytes: fields };
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
    if !r.bytes.is_empty() {
        return Err(CheckpointError::Invalid(
            "the payload's length is not the header's",
        ));
    }
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
}

#[cfg(test)]
mod tests {
    use super::super::{example, save};
    use super::*;
    use crate::format::container::ContainerError;

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
            let mut run = crate::run::Run::new(recipe, train.clone(), test.clone()).unwrap();
            let mut n = 0;
            out.push(run.checkpoint());
            while run
                .run_until(&mut [], |_| {
                    n += 1;
                    n % 7 == 0
                })
                .unwrap()
                != crate::run::Status::Finished
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
    fn weights_whose_bytes_would_wrap_to_nothing_are_over_the_budget() {
        // 2⁶² weights: 4 and 8 bytes each wrap a u64 to 0.
        let h = CheckpointHeader {
            inputs: (1 << 31) - 1,
            hidden: 1 << 31,
            outputs: 1,
            logged: 0,
            deskew: false,
        };
        let mut head = h.encode();
        head.resize(HEADER_PREFIX, 0);
        assert!(matches!(
            check_header(&head, 200),
            Err(CheckpointError::Container(
                ContainerError::OverBudget { .. }
            ))
        ));
    }

    #[test]
    fn a_huge_epoch_log_is_over_the_budget_however_few_the_weights() {
        // 20 million epochs logged: a 400 MB file of a 1-1-1 network.
        let h = CheckpointHeader {
            inputs: 1,
            hidden: 1,
            outputs: 1,
            logged: 20_000_000,
            deskew: false,
        };
        let mut head = h.encode();
        head.resize(HEADER_PREFIX, 0);
        let len = h.payload_len() + 64;
        assert!(matches!(
            check_header(&head, len),
            Err(CheckpointError::Container(
                ContainerError::OverBudget { .. }
            ))
        ));
    }

    #[test]
    fn loading_streams_and_refuses_every_truncation_and_flipped_byte_as_decode_does() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.ckpt");
        let c = example();
        let bytes = encode(&c);
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(encode(&super::super::load(&path).unwrap()), bytes);
        for len in (0..bytes.len()).step_by(7) {
            std::fs::write(&path, &bytes[..len]).unwrap();
            assert!(super::super::load(&path).is_err(), "cut to {len} bytes");
        }
        for i in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[i] ^= 0x10;
            std::fs::write(&path, &damaged).unwrap();
            let (loaded, decoded) = (super::super::load(&path), decode(&damaged));
            assert!(loaded.is_err(), "byte {i}");
            // The same answer: the checksum is checked before any field is believed.
            assert_eq!(
                loaded.unwrap_err().to_string(),
                decoded.unwrap_err().to_string(),
                "byte {i}"
            );
        }
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
}

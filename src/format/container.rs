//! The one container every nnzero file format shares: blobs, models and checkpoints differ
//! only in their header fields and their payload.
//!
//! ```text
//! magic     4 bytes, the format's own ("NNZB", "NNZM", …)
//! version   postcard u16 (LEB128 varint)
//! fields    the format's header, a postcard struct (varints, fixed-size floats)
//! payload   as long as the fields imply: the payload length is a function of the header
//! checksum  CRC-32 (IEEE, as zlib's crc32) of every byte before it, u32 little-endian
//! ```
//! Nothing may follow the checksum. The payload's length is never stored twice: each format
//! computes it from its header ([`Format::check_len`]), so a header that claims more than the
//! file holds is refused before anything is allocated, and a claim that fits the file but not
//! a Raspberry Pi's memory is refused by [`check_budget`].
//!
//! Readers here check, in this order: magic, version, header fields (every varint canonical,
//! so each header has exactly one encoding), length against the file, checksum. The first
//! three are [`Format::decode_header`] over a slice, or [`Format::read_header`] from a stream
//! (one byte at a time, so the stream is left at the payload); the length is
//! [`Format::check_len`]; the checksum [`Format::split_checksum`] or, while streaming,
//! [`CrcReader`]/[`CrcWriter`].

use serde::{de::DeserializeOwned, Serialize};

/// Length of the checksum trailer.
pub const TRAILER_LEN: usize = 4;

/// Bytes the header's fields may take after magic and version (the longest today, the
/// model's, is 31). A decoder never looks further for a header.
pub const MAX_FIELDS_LEN: usize = 64;

/// An encoded header (magic, version, fields), in fixed capacity: headers are encoded
/// without an allocator, and the capacity bounds every format's header.
pub type HeaderBytes = heapless::Vec<u8, { 8 + MAX_FIELDS_LEN }>;

/// The most memory a file's header may make nnzero allocate: 256 MiB, half of a Raspberry Pi
/// Zero 2's 512 MB, so a crafted or mistaken header is refused rather than swapping a Pi to
/// death or being killed by the kernel.
pub const MEMORY_BUDGET: u64 = 256 << 20;

/// Which format a file is meant to be, for checks and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    /// What the file is, for messages: "dataset blob", "model file".
    pub name: &'static str,
    /// The format's short name, for messages about its header: "blob", "model".
    pub short: &'static str,
    /// The four bytes the file starts with.
    pub magic: [u8; 4],
    /// The newest version this build reads (and the one it writes, unless the format says
    /// otherwise: a model writes version 1 when version 2's field has nothing to say).
    pub version: u16,
    /// The oldest version this build still reads: `version` for formats that never changed.
    pub oldest: u16,
}

/// What can be wrong with a file's container. Messages name the format.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ContainerError {
    /// The file does not start with the format's magic.
    #[error("not an nnzero {name} (no {} magic)", magic_str(magic))]
    WrongMagic {
        /// The format expected.
        name: &'static str,
        /// Its magic.
        magic: [u8; 4],
    },
    /// A version this build cannot read.
    #[error(
        "{short} format version {found} is not supported (this build reads up to {supported})"
    )]
    UnsupportedVersion {
        /// The format expected (short name).
        short: &'static str,
        /// The version in the file.
        found: u16,
        /// The newest version this build reads.
        supported: u16,
    },
    /// The header is cut short, malformed, or its fields make no sense.
    #[error("bad {short} header: {why}")]
    BadHeader {
        /// The format expected (short name).
        short: &'static str,
        /// What is wrong.
        why: &'static str,
    },
    /// The file's length is not what the header implies.
    #[error("{name} is {found} bytes but its header implies {expected}: truncated or corrupt")]
    WrongLength {
        /// The format expected.
        name: &'static str,
        /// Length the header implies, in bytes.
        expected: u64,
        /// Actual length.
        found: u64,
    },
    /// The checksum does not match the contents.
    #[error("{name} is corrupt: checksum {computed:08x} does not match the stored {stored:08x}")]
    ChecksumMismatch {
        /// The format expected.
        name: &'static str,
        /// Checksum stored in the file.
        stored: u32,
        /// Checksum of the contents.
        computed: u32,
    },
    /// Bytes follow the checksum.
    #[error("{name} has extra bytes after its checksum")]
    TrailingBytes {
        /// The format expected.
        name: &'static str,
    },
    /// The header asks for more memory than a Raspberry Pi can spare.
    #[error(
        "{name} header claims {what} needing {} MiB of memory, over nnzero's budget of {} MiB \
         (sized for a Raspberry Pi)",
        needed.div_ceil(1 << 20),
        budget >> 20
    )]
    OverBudget {
        /// The format expected.
        name: &'static str,
        /// What would need the memory.
        what: &'static str,
        /// Bytes it would need.
        needed: u64,
        /// The budget, [`MEMORY_BUDGET`].
        budget: u64,
    },
}

fn magic_str(magic: &[u8; 4]) -> &str {
    core::str::from_utf8(magic).unwrap_or("nnzero")
}

impl Format {
    /// An error about this format's header.
    pub fn bad_header(&self, why: &'static str) -> ContainerError {
        ContainerError::BadHeader {
            short: self.short,
            why,
        }
    }

    /// Checks magic and version, then decodes the format's header fields `H` from the start
    /// of `bytes`. Returns the fields and the length of the whole header (magic included).
    /// Every varint must be canonical: the fields must re-encode to exactly the bytes read.
    pub fn decode_header<H>(&self, bytes: &[u8]) -> Result<(H, usize), ContainerError>
    where
        H: DeserializeOwned + Serialize,
    {
        self.decode_versioned_header(bytes)
            .map(|(fields, len, _)| (fields, len))
    }

    /// [`decode_header`](Format::decode_header), also returning the file's version (from
    /// [`oldest`](Format::oldest) to [`version`](Format::version)): the fields `H` are those
    /// every version shares; a later version's own fields follow them.
    pub fn decode_versioned_header<H>(
        &self,
        bytes: &[u8],
    ) -> Result<(H, usize, u16), ContainerError>
    where
        H: DeserializeOwned + Serialize,
    {
        if bytes.len() < 4 || bytes[..4] != self.magic {
            return Err(ContainerError::WrongMagic {
                name: self.name,
                magic: self.magic,
            });
        }
        let cut_short = |_| self.bad_header("cut short or malformed");
        let after_magic = &bytes[4..];
        let (version, rest): (u16, _) =
            postcard::take_from_bytes(after_magic).map_err(cut_short)?;
        self.check_canonical(&version, &after_magic[..after_magic.len() - rest.len()])?;
        if !(self.oldest..=self.version).contains(&version) {
            return Err(ContainerError::UnsupportedVersion {
                short: self.short,
                found: version,
                supported: self.version,
            });
        }
        let (fields, tail): (H, _) = postcard::take_from_bytes(rest).map_err(cut_short)?;
        self.check_canonical(&fields, &rest[..rest.len() - tail.len()])?;
        Ok((fields, bytes.len() - tail.len(), version))
    }

    /// A value re-encodes to exactly `read`: refuses over-long varints (`80 00` for 0), which
    /// would give one header several encodings and let a flipped padding bit go unnoticed
    /// by anything but the checksum.
    fn check_canonical<T: Serialize>(&self, value: &T, read: &[u8]) -> Result<(), ContainerError> {
        match postcard::heapless_v0_9::to_vec::<_, MAX_FIELDS_LEN>(value) {
            Ok(encoded) if encoded.as_slice() == read => Ok(()),
            _ => Err(self.bad_header("a number is not in its shortest encoding")),
        }
    }

    /// Encodes magic, version and `fields`.
    pub fn encode_header<H: Serialize>(&self, fields: &H) -> HeaderBytes {
        self.encode_versioned_header(self.version, fields)
    }

    /// [`encode_header`](Format::encode_header) for version `version` (an older one, when a
    /// file needs nothing the newest adds).
    pub fn encode_versioned_header<H: Serialize>(&self, version: u16, fields: &H) -> HeaderBytes {
        // End to end: postcard writes an array's bytes and a tuple's members without lengths.
        // It fits: a u16 varint is at most 3 bytes, and every format's fields are at most
        // MAX_FIELDS_LEN (the formats' tests encode their widest header).
        match postcard::heapless_v0_9::to_vec(&(self.magic, version, fields)) {
            Ok(header) => header,
            Err(_) => unreachable!("header fields longer than MAX_FIELDS_LEN"),
        }
    }

    /// Compares the file's length with the length its header implies (`expected`,
    /// saturating: a header may claim sizes no file can have).
    pub fn check_len(&self, expected: u64, found: u64) -> Result<(), ContainerError> {
        if expected == found {
            Ok(())
        } else {
            Err(ContainerError::WrongLength {
                name: self.name,
                expected,
                found,
            })
        }
    }

    /// Splits a whole file into its contents and checks the CRC-32 trailer against them.
    pub fn split_checksum<'a>(&self, bytes: &'a [u8]) -> Result<&'a [u8], ContainerError> {
        let Some(at) = bytes.len().checked_sub(TRAILER_LEN) else {
            return Err(ContainerError::WrongLength {
                name: self.name,
                expected: TRAILER_LEN as u64,
                found: bytes.len() as u64,
            });
        };
        let (content, trailer) = bytes.split_at(at);
        let stored = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
        self.check_checksum(stored, crc32fast::hash(content))?;
        Ok(content)
    }

    /// Compares a stored checksum with the one computed over the contents.
    pub fn check_checksum(&self, stored: u32, computed: u32) -> Result<(), ContainerError> {
        if stored == computed {
            Ok(())
        } else {
            Err(ContainerError::ChecksumMismatch {
                name: self.name,
                stored,
                computed,
            })
        }
    }

    /// Refuses a header whose `what` would need `needed` bytes of memory, over
    /// [`MEMORY_BUDGET`].
    pub fn check_budget(&self, what: &'static str, needed: u64) -> Result<(), ContainerError> {
        check_budget(self.name, what, needed)
    }
}

/// Refuses `needed` bytes for `what` when it is over [`MEMORY_BUDGET`]; `name` says whose
/// header asked.
pub fn check_budget(
    name: &'static str,
    what: &'static str,
    needed: u64,
) -> Result<(), ContainerError> {
    if needed <= MEMORY_BUDGET {
        Ok(())
    } else {
        Err(ContainerError::OverBudget {
            name,
            what,
            needed,
            budget: MEMORY_BUDGET,
        })
    }
}

/// Bytes of a postcard sequence of `n` elements of `size` bytes each: varint length, then
/// the elements (saturating).
pub fn seq_len(n: u64, size: u64) -> u64 {
    let varint = (64 - n.max(1).leading_zeros() as u64).div_ceil(7);
    n.saturating_mul(size).saturating_add(varint)
}

#[cfg(feature = "std")]
pub use self::io::{CrcReader, CrcWriter};

#[cfg(feature = "std")]
mod io {
    use super::*;
    use std::io::{Read, Write};

    impl Format {
        /// [`decode_header`](Format::decode_header) from a stream: reads the header one byte
        /// at a time, exactly as far as it goes, leaving `reader` at the payload.
        pub fn read_header<H, R>(&self, reader: &mut R) -> Result<(H, usize), ReadError>
        where
            H: DeserializeOwned + Serialize,
            R: Read,
        {
            self.read_versioned_header(reader)
                .map(|(fields, len, _)| (fields, len))
        }

        /// [`decode_versioned_header`](Format::decode_versioned_header) from a stream, as
        /// [`read_header`](Format::read_header) reads.
        pub fn read_versioned_header<H, R>(
            &self,
            reader: &mut R,
        ) -> Result<(H, usize, u16), ReadError>
        where
            H: DeserializeOwned + Serialize,
            R: Read,
        {
            let mut buf = [0u8; 8 + MAX_FIELDS_LEN];
            let mut len = 0;
            loop {
                let n = loop {
                    match reader.read(&mut buf[len..len + 1]) {
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        other => break other?,
                    }
                };
                if n == 0 {
                    // Out of data: decoding what there is gives the right error.
                    return Ok(self.decode_versioned_header(&buf[..len])?);
                }
                len += 1;
                if len < 4 {
                    continue;
                }
                match self.decode_versioned_header::<H>(&buf[..len]) {
                    Ok(done) => return Ok(done),
                    // Cut short so far: one byte more. A malformed or over-long header stops.
                    Err(ContainerError::BadHeader { .. })
                        if len < buf.len() && self.could_continue::<H>(&buf[..len]) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }

        /// True when `prefix` fails only because it ends early (postcard's "unexpected end").
        fn could_continue<H: DeserializeOwned>(&self, prefix: &[u8]) -> bool {
            let Some(after) = prefix.get(4..) else {
                return true;
            };
            let end = |r: Result<_, postcard::Error>| {
                matches!(r, Err(postcard::Error::DeserializeUnexpectedEnd))
            };
            match postcard::take_from_bytes::<u16>(after) {
                Err(e) => end(Err::<(), _>(e)),
                Ok((_, rest)) => end(postcard::take_from_bytes::<H>(rest).map(drop)),
            }
        }
    }

    /// A container error, or an I/O error while reading one.
    #[derive(Debug, thiserror::Error)]
    pub enum ReadError {
        /// The file's contents are wrong.
        #[error(transparent)]
        Container(#[from] ContainerError),
        /// Reading failed.
        #[error(transparent)]
        Io(#[from] std::io::Error),
    }

    /// Passes bytes through while adding them to a CRC-32.
    #[derive(Debug)]
    pub struct CrcReader<R> {
        /// The reader underneath.
        pub inner: R,
        hasher: crc32fast::Hasher,
    }

    impl<R> CrcReader<R> {
        /// Starts a checksum over what `inner` yields from here on.
        pub fn new(inner: R) -> Self {
            CrcReader {
                inner,
                hasher: crc32fast::Hasher::new(),
            }
        }

        /// Adds bytes read past this reader (e.g. a header read before it was made).
        pub fn update(&mut self, bytes: &[u8]) {
            self.hasher.update(bytes);
        }

        /// The checksum of everything read so far.
        pub fn crc(&self) -> u32 {
            self.hasher.clone().finalize()
        }
    }

    impl<R: Read> Read for CrcReader<R> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.hasher.update(&buf[..n]);
            Ok(n)
        }
    }

    /// Passes bytes through while adding them to a CRC-32; [`finish`](Self::finish) appends
    /// the trailer. Encoders stream into it, so a file is never held whole in memory.
    #[derive(Debug)]
    pub struct CrcWriter<W> {
        inner: W,
        hasher: crc32fast::Hasher,
    }

    impl<W: Write> CrcWriter<W> {
        /// Starts a checksum over what is written from here on.
        pub fn new(inner: W) -> Self {
            CrcWriter {
                inner,
                hasher: crc32fast::Hasher::new(),
            }
        }

        /// Writes the checksum trailer, flushes, and returns the writer.
        pub fn finish(mut self) -> std::io::Result<W> {
            let crc = self.hasher.finalize();
            self.inner.write_all(&crc.to_le_bytes())?;
            self.inner.flush()?;
            Ok(self.inner)
        }
    }

    impl<W: Write> Write for CrcWriter<W> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let n = self.inner.write(buf)?;
            self.hasher.update(&buf[..n]);
            Ok(n)
        }

        fn flush(&mut self) -> std::io::Result<()> {
            self.inner.flush()
        }
    }
}

#[cfg(feature = "std")]
pub use self::io::ReadError;

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    const TEST: Format = Format {
        name: "test file",
        short: "test",
        magic: *b"NNZT",
        version: 1,
        oldest: 1,
    };

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Fields {
        a: u32,
        b: u16,
    }

    #[test]
    fn header_round_trips_and_reports_its_length() {
        let bytes = TEST.encode_header(&Fields { a: 300, b: 2 }).to_vec();
        assert_eq!(bytes, b"NNZT\x01\xac\x02\x02");
        let mut with_payload = bytes.clone();
        with_payload.extend([9, 9]);
        let (f, len) = TEST.decode_header::<Fields>(&with_payload).unwrap();
        assert_eq!((f, len), (Fields { a: 300, b: 2 }, 8));
        let mut stream = &with_payload[..];
        let (f, len) = TEST.read_header::<Fields, _>(&mut stream).unwrap();
        assert_eq!(
            (f, len, stream),
            (Fields { a: 300, b: 2 }, 8, &[9u8, 9][..])
        );
    }

    #[test]
    fn non_canonical_varints_are_refused() {
        // a = 1 written as 81 00 instead of 01; version 1 written as 81 00.
        for bad in [&b"NNZT\x01\x81\x00\x02"[..], b"NNZT\x81\x00\x01\x02"] {
            let err = TEST.decode_header::<Fields>(bad).unwrap_err();
            assert_eq!(
                err.to_string(),
                "bad test header: a number is not in its shortest encoding"
            );
            let err = TEST.read_header::<Fields, _>(&mut &bad[..]).unwrap_err();
            assert!(err.to_string().contains("shortest"), "{err}");
        }
    }

    #[test]
    fn every_cut_of_a_header_is_an_error_not_a_hang() {
        let bytes = b"NNZT\x01\xac\x02\x02";
        for len in 0..bytes.len() {
            assert!(TEST.decode_header::<Fields>(&bytes[..len]).is_err());
            assert!(TEST.read_header::<Fields, _>(&mut &bytes[..len]).is_err());
        }
        let err = TEST.decode_header::<Fields>(b"PNG\x89").unwrap_err();
        assert_eq!(err.to_string(), "not an nnzero test file (no NNZT magic)");
        let err = TEST
            .decode_header::<Fields>(b"NNZT\x02\x01\x01")
            .unwrap_err();
        assert!(matches!(
            err,
            ContainerError::UnsupportedVersion { found: 2, .. }
        ));
    }

    #[test]
    fn checksum_trailer_is_checked() {
        let mut w = CrcWriter::new(Vec::new());
        std::io::Write::write_all(&mut w, b"hello").unwrap();
        let file = w.finish().unwrap();
        assert_eq!(TEST.split_checksum(&file).unwrap(), b"hello");
        let mut bad = file.clone();
        bad[0] ^= 1;
        assert!(matches!(
            TEST.split_checksum(&bad),
            Err(ContainerError::ChecksumMismatch { .. })
        ));
        assert!(TEST.split_checksum(&file[..3]).is_err());
    }

    #[test]
    fn the_budget_is_named_in_the_error() {
        assert!(check_budget("x", "y", MEMORY_BUDGET).is_ok());
        let err = check_budget("dataset blob", "images", 4 << 30).unwrap_err();
        assert_eq!(
            err.to_string(),
            "dataset blob header claims images needing 4096 MiB of memory, over nnzero's budget \
             of 256 MiB (sized for a Raspberry Pi)"
        );
    }

    #[test]
    fn seq_len_counts_the_varint() {
        assert_eq!(seq_len(0, 4), 1);
        assert_eq!(seq_len(127, 4), 1 + 4 * 127);
        assert_eq!(seq_len(128, 4), 2 + 4 * 128);
        assert_eq!(seq_len(156_800, 4), 3 + 4 * 156_800);
    }
}

//! Dataset blobs: labelled images in one compact, versioned, checksummed file.
//!
//! The format is written down in `spec/blob.md`. In short, all integers in the header are
//! postcard (varint) encoded:
//! ```text
//! header   postcard { magic: [u8; 4] = "NNZB", version: u16 = 1, count: u32,
//!                     rows: u16, cols: u16, classes: u16 }
//! records  count × (label: u8, pixels: [u8; rows·cols])   row-major, 0 = background
//! trailer  CRC-32 (IEEE) of every byte before it, u32 little-endian
//! ```
//! Records have a fixed size, so a reader streams them one at a time in a few hundred bytes
//! of memory, or seeks straight to record `i` in an uncompressed blob. A blob may be stored
//! gzip-compressed (`.blob.gz`); [`crate::dataset`] unpacks it on the fly.
//!
//! [`BlobSlice`] reads a blob held in memory (no allocator needed); with `std`,
//! [`BlobReader`] streams one from any `io::Read` and [`BlobWriter`] writes one.

use serde::{Deserialize, Serialize};

pub use crate::format::container::TRAILER_LEN;
use crate::format::container::{self, ContainerError, Format, HeaderBytes};

/// The four bytes every blob starts with.
pub const MAGIC: [u8; 4] = *b"NNZB";
/// The format version this crate writes and reads.
pub const VERSION: u16 = 1;
/// The longest a postcard-encoded header can be (4 + 3 + 5 + 3 + 3 + 3 bytes).
pub const MAX_HEADER_LEN: usize = 21;
/// The blob format in the shared container (`src/container.rs`).
pub const FORMAT: Format = Format {
    name: "dataset blob",
    short: "blob",
    magic: MAGIC,
    version: VERSION,
    oldest: VERSION,
};

/// What a blob holds: how many images, their size, how many classes the labels range over.
/// (Magic and version are the container's; these are the fields after them.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Number of records.
    pub count: u32,
    /// Image height in pixels.
    pub rows: u16,
    /// Image width in pixels.
    pub cols: u16,
    /// Labels lie in `0..classes`.
    pub classes: u16,
}

/// What can be wrong with a blob.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BlobError {
    /// Magic, version, header, checksum, trailing bytes or memory budget: the container's
    /// checks, shared with the other formats.
    #[error(transparent)]
    Container(#[from] ContainerError),
    /// The data ends before all records and the checksum were read.
    #[error("blob is truncated: {read} of {count} records, or the checksum, missing")]
    Truncated {
        /// Records the header promises.
        count: u32,
        /// Records found before the end.
        read: u32,
    },
    /// More data follows the records than the checksum: more records than the header
    /// declares (or junk after them).
    #[error(
        "blob holds more than the {count} records its header declares ({extra} extra bytes \
         before the end)"
    )]
    MoreRecords {
        /// Records the header declares.
        count: u32,
        /// Bytes beyond header, records and checksum (at least this many, when streaming).
        extra: u64,
    },
    /// A label is not below the header's number of classes.
    #[error("record {index} has label {label}, outside 0..{classes}")]
    LabelOutOfRange {
        /// Index of the record.
        index: u32,
        /// The label found.
        label: u8,
        /// The header's number of classes.
        classes: u16,
    },
    /// A record handed to a writer or reader does not have the header's image size.
    #[error("image has {found} pixels, the blob's images have {expected}")]
    WrongImageSize {
        /// The header's rows × cols.
        expected: usize,
        /// The size given.
        found: usize,
    },
    /// A writer was finished with a different number of records than its header declares.
    #[error("blob declares {declared} records but {written} were written")]
    CountMismatch {
        /// The header's count.
        declared: u32,
        /// Records written.
        written: u32,
    },
    /// Reading or writing failed.
    #[cfg(feature = "std")]
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

#[cfg(feature = "std")]
impl From<container::ReadError> for BlobError {
    fn from(e: container::ReadError) -> Self {
        match e {
            container::ReadError::Container(e) => BlobError::Container(e),
            container::ReadError::Io(e) => BlobError::Io(e),
        }
    }
}

/// The most pixels one image may have: an image becomes `f32` network inputs, and a network
/// needs at least a weight per input too, 8 bytes a pixel, within
/// [`container::MEMORY_BUDGET`] (256 MiB: 33 M pixels, a 5792² image).
pub const MAX_PIXELS: u64 = container::MEMORY_BUDGET / 8;

impl Header {
    /// A version-1 header. `rows`, `cols` and `classes` must be positive and `classes` ≤ 256.
    pub fn new(count: u32, rows: u16, cols: u16, classes: u16) -> Result<Self, BlobError> {
        Header {
            count,
            rows,
            cols,
            classes,
        }
        .validated()
    }

    /// Pixels per image.
    pub fn pixels(&self) -> usize {
        self.rows as usize * self.cols as usize
    }

    /// Bytes per record: the label and the pixels.
    pub fn record_len(&self) -> usize {
        1 + self.pixels()
    }

    /// Bytes of all records together (u64: a blob may be larger than a 32-bit address space).
    pub fn body_len(&self) -> u64 {
        self.count as u64 * self.record_len() as u64
    }

    /// Encodes the header.
    pub fn encode(&self) -> HeaderBytes {
        FORMAT.encode_header(self)
    }

    /// Decodes and validates a header from the start of `bytes`; returns it and the bytes used.
    pub fn decode(bytes: &[u8]) -> Result<(Self, usize), BlobError> {
        let (header, used) = FORMAT.decode_header::<Header>(bytes)?;
        Ok((header.validated()?, used))
    }

    /// Checks the fields a decoder cannot check by type alone, and that an image fits the
    /// memory budget.
    pub(crate) fn validated(self) -> Result<Self, BlobError> {
        if self.rows == 0 || self.cols == 0 {
            return Err(FORMAT.bad_header("zero rows or columns").into());
        }
        if self.classes == 0 || self.classes > 256 {
            return Err(FORMAT
                .bad_header("number of classes must be 1..=256")
                .into());
        }
        FORMAT.check_budget("images of rows×cols pixels", 8 * self.pixels() as u64)?;
        Ok(self)
    }

    /// Bytes of a whole blob with this header.
    pub fn file_len(&self, header_len: usize) -> u64 {
        (header_len as u64)
            .saturating_add(self.body_len())
            .saturating_add(TRAILER_LEN as u64)
    }

    fn check_label(&self, index: u32, label: u8) -> Result<(), BlobError> {
        if (label as u16) < self.classes {
            Ok(())
        } else {
            Err(BlobError::LabelOutOfRange {
                index,
                label,
                classes: self.classes,
            })
        }
    }
}

/// A whole blob held in memory (e.g. embedded in a binary), checked once, read without copies.
#[derive(Debug, Clone, Copy)]
pub struct BlobSlice<'a> {
    header: Header,
    records: &'a [u8],
}

impl<'a> BlobSlice<'a> {
    /// Parses `bytes` as one complete blob: header, every label, the length and the checksum.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, BlobError> {
        let (header, start) = Header::decode(bytes)?;
        let expected = header.file_len(start);
        let found = bytes.len() as u64;
        if found < expected {
            let body = bytes.len().saturating_sub(start) as u64;
            let read = (body / header.record_len() as u64).min(header.count as u64) as u32;
            return Err(BlobError::Truncated {
                count: header.count,
                read,
            });
        }
        if found > expected {
            let extra = found - expected;
            return Err(if extra >= header.record_len() as u64 {
                BlobError::MoreRecords {
                    count: header.count,
                    extra,
                }
            } else {
                ContainerError::TrailingBytes { name: FORMAT.name }.into()
            });
        }
        let content = FORMAT.split_checksum(bytes)?;
        let records = &content[start..];
        for (index, record) in records.chunks_exact(header.record_len()).enumerate() {
            header.check_label(index as u32, record[0])?;
        }
        Ok(BlobSlice { header, records })
    }

    /// The blob's header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.header.count as usize
    }

    /// True when the blob holds no records.
    pub fn is_empty(&self) -> bool {
        self.header.count == 0
    }

    /// Record `index` as (label, pixels), or `None` past the end.
    pub fn get(&self, index: usize) -> Option<(u8, &'a [u8])> {
        // Checked: `index` may be anything, and a wrapped product would be another record.
        let n = self.header.record_len();
        let start = index.checked_mul(n)?;
        let record = self.records.get(start..start.checked_add(n)?)?;
        Some((record[0], &record[1..]))
    }

    /// Every record in order, as (label, pixels).
    pub fn iter(&self) -> impl Iterator<Item = (u8, &'a [u8])> + 'a {
        self.records
            .chunks_exact(self.header.record_len())
            .map(|r| (r[0], &r[1..]))
    }
}

#[cfg(feature = "std")]
pub use self::io::{BlobReader, BlobWriter};

#[cfg(feature = "std")]
mod io {
    use super::*;
    use crate::format::container::{CrcReader, CrcWriter};
    use std::io::{Read, Write};

    /// Streams the records of a blob from any reader, one at a time, verifying the labels as
    /// it goes and the checksum and length at the end.
    ///
    /// A corrupt blob is only known to be corrupt once it has been read to the end; use
    /// [`BlobReader::verify`] first when that matters (the CLI does, before training).
    #[derive(Debug)]
    pub struct BlobReader<R> {
        reader: CrcReader<R>,
        header: Header,
        read: u32,
        finished: bool,
        checksum: u32,
    }

    impl<R: Read> BlobReader<R> {
        /// Reads and checks the header.
        pub fn new(reader: R) -> Result<Self, BlobError> {
            let mut reader = CrcReader::new(reader);
            let (header, _) = FORMAT.read_header::<Header, _>(&mut reader)?;
            Ok(BlobReader {
                reader,
                header: header.validated()?,
                read: 0,
                finished: false,
                checksum: 0,
            })
        }

        /// The blob's header.
        pub fn header(&self) -> &Header {
            &self.header
        }

        /// Reads the next record's pixels into `pixels` (of the header's image size) and returns
        /// its label, or `None` after the last record, once the checksum has been verified.
        pub fn next_into(&mut self, pixels: &mut [u8]) -> Result<Option<u8>, BlobError> {
            let expected = self.header.pixels();
            if pixels.len() != expected {
                return Err(BlobError::WrongImageSize {
                    expected,
                    found: pixels.len(),
                });
            }
            if self.read == self.header.count {
                if !self.finished {
                    self.finish()?;
                }
                return Ok(None);
            }
            let mut label = [0u8];
            let truncated = self.truncated();
            read_exact_or(&mut self.reader, &mut label, truncated)?;
            let truncated = self.truncated();
            read_exact_or(&mut self.reader, pixels, truncated)?;
            self.header.check_label(self.read, label[0])?;
            self.read += 1;
            Ok(Some(label[0]))
        }

        /// Reads every remaining record and the checksum, keeping nothing: a full integrity check.
        pub fn verify(self) -> Result<Header, BlobError> {
            Ok(self.verify_checksum()?.0)
        }

        /// [`verify`](Self::verify), and the blob's checksum: the CRC-32 of every byte before
        /// it, as stored and found right. It identifies the blob's contents.
        pub fn verify_checksum(mut self) -> Result<(Header, u32), BlobError> {
            let mut pixels = vec![0u8; self.header.pixels()];
            while self.next_into(&mut pixels)?.is_some() {}
            Ok((self.header, self.checksum))
        }

        fn truncated(&self) -> BlobError {
            BlobError::Truncated {
                count: self.header.count,
                read: self.read,
            }
        }

        fn finish(&mut self) -> Result<(), BlobError> {
            let computed = self.reader.crc();
            let mut trailer = [0u8; TRAILER_LEN];
            let truncated = self.truncated();
            read_exact_or(&mut self.reader.inner, &mut trailer, truncated)?;
            let stored = u32::from_le_bytes(trailer);
            // Whatever follows: counted (up to a record and a bit, enough to tell) to say
            // "more records than declared" rather than "bad checksum" when that is the case.
            let limit = self.header.record_len() as u64 + TRAILER_LEN as u64;
            let more = std::io::copy(
                &mut (&mut self.reader.inner).take(limit),
                &mut std::io::sink(),
            )
            .map_err(|e| {
                // Only an unpacking reader fails here: what follows the last gzip member
                // is neither nothing nor another member.
                std::io::Error::new(
                    e.kind(),
                    format!("junk after the blob's end ({e}): the file is not only gzip data"),
                )
            })?;
            if more > 0 {
                return Err(if stored != computed && more + 4 >= limit {
                    BlobError::MoreRecords {
                        count: self.header.count,
                        extra: more,
                    }
                } else {
                    ContainerError::TrailingBytes { name: FORMAT.name }.into()
                });
            }
            FORMAT.check_checksum(stored, computed)?;
            self.checksum = stored;
            self.finished = true;
            Ok(())
        }
    }

    /// Writes a blob record by record; [`finish`](Self::finish) appends the checksum.
    #[derive(Debug)]
    pub struct BlobWriter<W: Write> {
        writer: CrcWriter<W>,
        header: Header,
        written: u32,
    }

    impl<W: Write> BlobWriter<W> {
        /// Writes the header.
        pub fn new(writer: W, header: Header) -> Result<Self, BlobError> {
            let mut writer = CrcWriter::new(writer);
            writer.write_all(&header.encode())?;
            Ok(BlobWriter {
                writer,
                header,
                written: 0,
            })
        }

        /// Appends one record.
        pub fn push(&mut self, label: u8, pixels: &[u8]) -> Result<(), BlobError> {
            let expected = self.header.pixels();
            if pixels.len() != expected {
                return Err(BlobError::WrongImageSize {
                    expected,
                    found: pixels.len(),
                });
            }
            if self.written == self.header.count {
                return Err(BlobError::CountMismatch {
                    declared: self.header.count,
                    written: self.written + 1,
                });
            }
            self.header.check_label(self.written, label)?;
            self.writer.write_all(&[label])?;
            self.writer.write_all(pixels)?;
            self.written += 1;
            Ok(())
        }

        /// Writes the checksum and returns the writer (flushed).
        pub fn finish(self) -> Result<W, BlobError> {
            if self.written != self.header.count {
                return Err(BlobError::CountMismatch {
                    declared: self.header.count,
                    written: self.written,
                });
            }
            Ok(self.writer.finish()?)
        }
    }

    /// `read_exact`, with running out of data reported as `eof` rather than an io error.
    fn read_exact_or<R: Read>(r: &mut R, buf: &mut [u8], eof: BlobError) -> Result<(), BlobError> {
        match r.read_exact(buf) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(eof),
            Err(e) => Err(BlobError::Io(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two 2×2 images labelled 3 and 9: the blob format pinned byte by byte.
    const GOLDEN: &[u8] = &[
        b'N', b'N', b'Z', b'B', // magic
        0x01, // version 1 (varint)
        0x02, // count 2
        0x02, 0x02, // rows 2, cols 2
        0x0a, // classes 10
        0x03, 0x00, 0x80, 0xff, 0x10, // label 3, pixels
        0x09, 0x01, 0x02, 0x03, 0x04, // label 9, pixels
        0xb6, 0xfd, 0xe1, 0xf4, // CRC-32 of the above (zlib.crc32), little-endian
    ];

    #[test]
    fn writer_produces_the_golden_bytes() {
        let header = Header::new(2, 2, 2, 10).unwrap();
        let mut w = BlobWriter::new(Vec::new(), header).unwrap();
        w.push(3, &[0x00, 0x80, 0xff, 0x10]).unwrap();
        w.push(9, &[1, 2, 3, 4]).unwrap();
        let bytes = w.finish().unwrap();
        assert_eq!(bytes, GOLDEN, "{bytes:02x?}");
    }

    #[test]
    fn slice_and_stream_read_the_golden_bytes() {
        let blob = BlobSlice::parse(GOLDEN).unwrap();
        assert_eq!(
            (blob.len(), blob.header().rows, blob.header().cols),
            (2, 2, 2)
        );
        let all: Vec<_> = blob.iter().collect();
        assert_eq!(
            all,
            [(3, &[0x00, 0x80, 0xff, 0x10][..]), (9, &[1, 2, 3, 4][..])]
        );
        assert_eq!(blob.get(1), Some((9, &[1, 2, 3, 4][..])));
        assert_eq!(blob.get(2), None);

        let mut r = BlobReader::new(GOLDEN).unwrap();
        let mut px = [0u8; 4];
        assert_eq!(r.next_into(&mut px).unwrap(), Some(3));
        assert_eq!(px, [0x00, 0x80, 0xff, 0x10]);
        assert_eq!(r.next_into(&mut px).unwrap(), Some(9));
        assert_eq!(r.next_into(&mut px).unwrap(), None);
        assert_eq!(r.next_into(&mut px).unwrap(), None);
    }

    #[test]
    fn every_flipped_byte_is_caught() {
        for i in 0..GOLDEN.len() {
            for bit in [0x01u8, 0x80] {
                let mut bad = GOLDEN.to_vec();
                bad[i] ^= bit;
                assert!(BlobSlice::parse(&bad).is_err(), "slice missed flip at {i}");
                let streamed = BlobReader::new(&bad[..]).and_then(|r| r.verify());
                assert!(streamed.is_err(), "stream missed flip at {i}");
            }
        }
    }

    #[test]
    fn truncation_and_trailing_bytes_are_named() {
        for len in 0..GOLDEN.len() {
            let err = BlobSlice::parse(&GOLDEN[..len]).unwrap_err();
            assert!(
                matches!(
                    err,
                    BlobError::Truncated { .. }
                        | BlobError::Container(
                            ContainerError::WrongMagic { .. } | ContainerError::BadHeader { .. }
                        )
                ),
                "{len}: {err}"
            );
            assert!(BlobReader::new(&GOLDEN[..len])
                .and_then(|r| r.verify())
                .is_err());
        }
        let mut long = GOLDEN.to_vec();
        long.push(0);
        let trailing = |e: &BlobError| {
            matches!(
                e,
                BlobError::Container(ContainerError::TrailingBytes { .. })
            )
        };
        assert!(trailing(&BlobSlice::parse(&long).unwrap_err()));
        let err = BlobReader::new(&long[..]).unwrap().verify().unwrap_err();
        assert!(trailing(&err), "{err}");
    }

    #[test]
    fn labels_outside_the_classes_are_refused() {
        let header = Header::new(1, 2, 2, 10).unwrap();
        let mut w = BlobWriter::new(Vec::new(), header).unwrap();
        let err = w.push(10, &[0; 4]).unwrap_err();
        assert_eq!(err.to_string(), "record 0 has label 10, outside 0..10");
    }

    #[test]
    fn writer_checks_count_and_size() {
        let header = Header::new(1, 2, 2, 10).unwrap();
        let mut w = BlobWriter::new(Vec::new(), header).unwrap();
        assert!(matches!(
            w.push(1, &[0; 3]),
            Err(BlobError::WrongImageSize { .. })
        ));
        let w = BlobWriter::new(Vec::new(), header).unwrap();
        assert!(matches!(
            w.finish(),
            Err(BlobError::CountMismatch {
                declared: 1,
                written: 0
            })
        ));
    }

    #[test]
    fn header_fields_are_validated() {
        let bad_header = |r| {
            matches!(
                r,
                Err(BlobError::Container(ContainerError::BadHeader { .. }))
            )
        };
        assert!(bad_header(Header::new(1, 0, 28, 10)));
        assert!(bad_header(Header::new(1, 28, 28, 0)));
        let widest = Header {
            count: u32::MAX,
            rows: u16::MAX,
            cols: u16::MAX,
            classes: u16::MAX,
        };
        // Version 1 takes one byte of the three a u16 varint may take.
        assert_eq!(widest.encode().len() + 2, MAX_HEADER_LEN);
        let mut v2 = widest.encode().to_vec();
        v2[4] = 2;
        assert!(matches!(
            Header::decode(&v2),
            Err(BlobError::Container(ContainerError::UnsupportedVersion {
                found: 2,
                ..
            }))
        ));
    }

    #[test]
    fn get_far_past_the_end_is_none_not_an_overflow() {
        // index · record_len wrapped: a debug panic, and record 0 in release.
        let blob = BlobSlice::parse(GOLDEN).unwrap();
        for i in [
            usize::MAX,
            usize::MAX / 5 + 1,
            usize::MAX / 2 + 1,
            usize::MAX / 5,
        ] {
            assert_eq!(blob.get(i), None, "{i}");
        }
    }

    /// GOLDEN with a third record that the header does not declare, and a valid checksum.
    fn one_record_too_many() -> Vec<u8> {
        let mut bytes = GOLDEN[..GOLDEN.len() - TRAILER_LEN].to_vec();
        bytes.extend([5, 9, 9, 9, 9]);
        let crc = crc32fast::hash(&bytes);
        bytes.extend(crc.to_le_bytes());
        bytes
    }

    #[test]
    fn more_records_than_declared_are_named() {
        let bytes = one_record_too_many();
        let want = "blob holds more than the 2 records its header declares";
        let err = BlobSlice::parse(&bytes).unwrap_err();
        assert!(
            matches!(err, BlobError::MoreRecords { count: 2, extra: 5 }),
            "{err}"
        );
        assert!(err.to_string().starts_with(want), "{err}");
        let err = BlobReader::new(&bytes[..]).unwrap().verify().unwrap_err();
        assert!(err.to_string().starts_with(want), "{err}");
    }

    #[test]
    fn non_canonical_varints_in_the_header_are_refused() {
        // count 2 written as 82 00.
        let mut bytes = GOLDEN[..5].to_vec();
        bytes.extend([0x82, 0x00]);
        bytes.extend(&GOLDEN[6..GOLDEN.len() - TRAILER_LEN]);
        let crc = crc32fast::hash(&bytes);
        bytes.extend(crc.to_le_bytes());
        for err in [
            BlobSlice::parse(&bytes).unwrap_err(),
            BlobReader::new(&bytes[..]).unwrap_err(),
        ] {
            assert!(err.to_string().contains("shortest encoding"), "{err}");
        }
    }

    #[test]
    fn images_over_the_memory_budget_are_refused_by_the_header() {
        // A 15-byte header claiming one 65535×65535 image: 4 GiB of pixels, 32 GiB as a
        // network's inputs and weights.
        let huge = Header {
            count: 1,
            rows: u16::MAX,
            cols: u16::MAX,
            classes: 10,
        };
        let bytes = huge.encode().to_vec();
        let err = Header::decode(&bytes).unwrap_err();
        assert!(
            err.to_string().contains("over nnzero's budget of 256 MiB"),
            "{err}"
        );
        assert!(BlobReader::new(&bytes[..]).is_err());
        // 5792² fits (33.5 M pixels · 8 bytes ≤ 256 MiB), 5793² does not.
        assert!(Header::new(1, 5792, 5792, 10).is_ok());
        assert!(Header::new(1, 5793, 5793, 10).is_err());
    }
}

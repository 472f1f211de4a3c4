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

use core::fmt;
use serde::{Deserialize, Serialize};

/// The four bytes every blob starts with.
pub const MAGIC: [u8; 4] = *b"NNZB";
/// The format version this crate writes and reads.
pub const VERSION: u16 = 1;
/// The longest a postcard-encoded header can be (4 + 3 + 5 + 3 + 3 + 3 bytes).
pub const MAX_HEADER_LEN: usize = 21;
/// Length of the checksum trailer.
pub const TRAILER_LEN: usize = 4;

/// What a blob holds: how many images, their size, how many classes the labels range over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    magic: [u8; 4],
    version: u16,
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
#[derive(Debug)]
#[non_exhaustive]
pub enum BlobError {
    /// The file does not start with `NNZB`.
    NotABlob,
    /// A version this build cannot read.
    UnsupportedVersion(u16),
    /// The header is cut short or its fields make no sense.
    BadHeader(&'static str),
    /// The data ends before all records and the checksum were read.
    Truncated {
        /// Records the header promises.
        count: u32,
        /// Records found before the end.
        read: u32,
    },
    /// A label is not below the header's number of classes.
    LabelOutOfRange {
        /// Index of the record.
        index: u32,
        /// The label found.
        label: u8,
        /// The header's number of classes.
        classes: u16,
    },
    /// The checksum does not match the contents: the file is corrupt.
    ChecksumMismatch {
        /// Checksum stored in the file.
        stored: u32,
        /// Checksum of the bytes read.
        computed: u32,
    },
    /// Bytes follow the checksum.
    TrailingBytes,
    /// A record handed to a writer or reader does not have the header's image size.
    WrongImageSize {
        /// The header's rows × cols.
        expected: usize,
        /// The size given.
        found: usize,
    },
    /// A writer was finished with a different number of records than its header declares.
    CountMismatch {
        /// The header's count.
        declared: u32,
        /// Records written.
        written: u32,
    },
    /// Reading or writing failed.
    #[cfg(feature = "std")]
    Io(std::io::Error),
}

impl fmt::Display for BlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlobError::NotABlob => write!(f, "not an nnzero dataset blob (no NNZB magic)"),
            BlobError::UnsupportedVersion(v) => {
                write!(
                    f,
                    "blob format version {v} is not supported (this build reads {VERSION})"
                )
            }
            BlobError::BadHeader(why) => write!(f, "bad blob header: {why}"),
            BlobError::Truncated { count, read } => {
                write!(
                    f,
                    "blob is truncated: {read} of {count} records, or the checksum, missing"
                )
            }
            BlobError::LabelOutOfRange {
                index,
                label,
                classes,
            } => {
                write!(f, "record {index} has label {label}, outside 0..{classes}")
            }
            BlobError::ChecksumMismatch { stored, computed } => write!(
                f,
                "blob is corrupt: checksum {computed:08x} does not match the stored {stored:08x}"
            ),
            BlobError::TrailingBytes => write!(f, "blob has extra bytes after its checksum"),
            BlobError::WrongImageSize { expected, found } => {
                write!(
                    f,
                    "image has {found} pixels, the blob's images have {expected}"
                )
            }
            BlobError::CountMismatch { declared, written } => {
                write!(
                    f,
                    "blob declares {declared} records but {written} were written"
                )
            }
            #[cfg(feature = "std")]
            BlobError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl core::error::Error for BlobError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            #[cfg(feature = "std")]
            BlobError::Io(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(feature = "std")]
impl From<std::io::Error> for BlobError {
    fn from(e: std::io::Error) -> Self {
        BlobError::Io(e)
    }
}

impl Header {
    /// A version-1 header. `rows`, `cols` and `classes` must be positive and `classes` ≤ 256.
    pub fn new(count: u32, rows: u16, cols: u16, classes: u16) -> Result<Self, BlobError> {
        Header {
            magic: MAGIC,
            version: VERSION,
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

    /// Encodes the header; returns the bytes used of `buf`.
    pub fn encode<'b>(&self, buf: &'b mut [u8; MAX_HEADER_LEN]) -> &'b [u8] {
        // A MAX_HEADER_LEN buffer always holds a header: postcard cannot fail here.
        match postcard::to_slice(self, buf) {
            Ok(used) => used,
            Err(_) => unreachable!("a blob header fits in MAX_HEADER_LEN bytes"),
        }
    }

    /// Decodes and validates a header from the start of `bytes`; returns it and the bytes used.
    pub fn decode(bytes: &[u8]) -> Result<(Self, usize), BlobError> {
        if bytes.len() < 4 || bytes[..4] != MAGIC {
            return Err(BlobError::NotABlob);
        }
        let (header, rest): (Header, _) = postcard::take_from_bytes(bytes)
            .map_err(|_| BlobError::BadHeader("cut short or malformed"))?;
        Ok((header.validated()?, bytes.len() - rest.len()))
    }

    /// Checks the fields a decoder cannot check by type alone.
    pub(crate) fn validated(self) -> Result<Self, BlobError> {
        if self.magic != MAGIC {
            return Err(BlobError::NotABlob);
        }
        if self.version != VERSION {
            return Err(BlobError::UnsupportedVersion(self.version));
        }
        if self.rows == 0 || self.cols == 0 {
            return Err(BlobError::BadHeader("zero rows or columns"));
        }
        if self.classes == 0 || self.classes > 256 {
            return Err(BlobError::BadHeader("number of classes must be 1..=256"));
        }
        Ok(self)
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
        let expected = start as u64 + header.body_len() + TRAILER_LEN as u64;
        if (bytes.len() as u64) < expected {
            let body = bytes.len().saturating_sub(start) as u64;
            let read = (body / header.record_len() as u64).min(header.count as u64) as u32;
            return Err(BlobError::Truncated {
                count: header.count,
                read,
            });
        }
        if bytes.len() as u64 > expected {
            return Err(BlobError::TrailingBytes);
        }
        let (content, trailer) = bytes.split_at(bytes.len() - TRAILER_LEN);
        let stored = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
        let computed = crc32fast::hash(content);
        if stored != computed {
            return Err(BlobError::ChecksumMismatch { stored, computed });
        }
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
        let n = self.header.record_len();
        let record = self.records.get(index * n..(index + 1) * n)?;
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
    use std::io::{Read, Write};

    /// Streams the records of a blob from any reader, one at a time, verifying the labels as
    /// it goes and the checksum and length at the end.
    ///
    /// A corrupt blob is only known to be corrupt once it has been read to the end; use
    /// [`BlobReader::verify`] first when that matters (the CLI does, before training).
    #[derive(Debug)]
    pub struct BlobReader<R> {
        reader: HashingReader<R>,
        header: Header,
        read: u32,
        finished: bool,
    }

    impl<R: Read> BlobReader<R> {
        /// Reads and checks the header.
        pub fn new(reader: R) -> Result<Self, BlobError> {
            let mut reader = HashingReader {
                inner: reader,
                hasher: crc32fast::Hasher::new(),
            };
            let mut magic = [0u8; 4];
            read_exact_or(&mut reader, &mut magic, BlobError::NotABlob)?;
            if magic != MAGIC {
                return Err(BlobError::NotABlob);
            }
            // The rest of the header is varints: postcard reads exactly the bytes it needs.
            let chained = (&magic[..]).chain(&mut reader);
            let mut scratch = [0u8; MAX_HEADER_LEN];
            let (header, _): (Header, _) = postcard::from_io((chained, &mut scratch[..]))
                .map_err(|_| BlobError::BadHeader("cut short or malformed"))?;
            Ok(BlobReader {
                reader,
                header: header.validated()?,
                read: 0,
                finished: false,
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
            let truncated = BlobError::Truncated {
                count: self.header.count,
                read: self.read,
            };
            let mut label = [0u8];
            read_exact_or(&mut self.reader, &mut label, truncated)?;
            let truncated = BlobError::Truncated {
                count: self.header.count,
                read: self.read,
            };
            read_exact_or(&mut self.reader, pixels, truncated)?;
            self.header.check_label(self.read, label[0])?;
            self.read += 1;
            Ok(Some(label[0]))
        }

        /// Reads every remaining record and the checksum, keeping nothing: a full integrity check.
        pub fn verify(mut self) -> Result<Header, BlobError> {
            let mut pixels = vec![0u8; self.header.pixels()];
            while self.next_into(&mut pixels)?.is_some() {}
            Ok(self.header)
        }

        fn finish(&mut self) -> Result<(), BlobError> {
            let computed = self.reader.hasher.clone().finalize();
            let mut trailer = [0u8; TRAILER_LEN];
            let truncated = BlobError::Truncated {
                count: self.header.count,
                read: self.read,
            };
            read_exact_or(&mut self.reader.inner, &mut trailer, truncated)?;
            let stored = u32::from_le_bytes(trailer);
            if stored != computed {
                return Err(BlobError::ChecksumMismatch { stored, computed });
            }
            let mut probe = [0u8; 1];
            if read_some(&mut self.reader.inner, &mut probe)? != 0 {
                return Err(BlobError::TrailingBytes);
            }
            self.finished = true;
            Ok(())
        }
    }

    /// Writes a blob record by record; [`finish`](Self::finish) appends the checksum.
    #[derive(Debug)]
    pub struct BlobWriter<W: Write> {
        writer: W,
        hasher: crc32fast::Hasher,
        header: Header,
        written: u32,
    }

    impl<W: Write> BlobWriter<W> {
        /// Writes the header.
        pub fn new(mut writer: W, header: Header) -> Result<Self, BlobError> {
            let mut buf = [0u8; MAX_HEADER_LEN];
            let bytes = header.encode(&mut buf);
            writer.write_all(bytes)?;
            let mut hasher = crc32fast::Hasher::new();
            hasher.update(bytes);
            Ok(BlobWriter {
                writer,
                hasher,
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
            self.hasher.update(&[label]);
            self.hasher.update(pixels);
            self.written += 1;
            Ok(())
        }

        /// Writes the checksum and returns the writer (flushed).
        pub fn finish(mut self) -> Result<W, BlobError> {
            if self.written != self.header.count {
                return Err(BlobError::CountMismatch {
                    declared: self.header.count,
                    written: self.written,
                });
            }
            self.writer
                .write_all(&self.hasher.finalize().to_le_bytes())?;
            self.writer.flush()?;
            Ok(self.writer)
        }
    }

    /// Passes bytes through while adding them to a CRC-32.
    #[derive(Debug)]
    struct HashingReader<R> {
        inner: R,
        hasher: crc32fast::Hasher,
    }

    impl<R: Read> Read for HashingReader<R> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.hasher.update(&buf[..n]);
            Ok(n)
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

    /// One `read` call, retried on interruption.
    fn read_some<R: Read>(r: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            match r.read(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                other => return other,
            }
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
                    BlobError::Truncated { .. } | BlobError::NotABlob | BlobError::BadHeader(_)
                ),
                "{len}: {err}"
            );
            assert!(BlobReader::new(&GOLDEN[..len])
                .and_then(|r| r.verify())
                .is_err());
        }
        let mut long = GOLDEN.to_vec();
        long.push(0);
        assert!(matches!(
            BlobSlice::parse(&long),
            Err(BlobError::TrailingBytes)
        ));
        let err = BlobReader::new(&long[..]).unwrap().verify().unwrap_err();
        assert!(matches!(err, BlobError::TrailingBytes), "{err}");
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
        assert!(matches!(
            Header::new(1, 0, 28, 10),
            Err(BlobError::BadHeader(_))
        ));
        assert!(matches!(
            Header::new(1, 28, 28, 0),
            Err(BlobError::BadHeader(_))
        ));
        let mut buf = [0u8; MAX_HEADER_LEN];
        let mut h = Header::new(u32::MAX, u16::MAX, u16::MAX, 256).unwrap();
        let widest = Header {
            version: u16::MAX,
            classes: u16::MAX,
            ..h
        };
        assert_eq!(widest.encode(&mut buf).len(), MAX_HEADER_LEN);
        h.version = 2;
        let bytes = h.encode(&mut buf).to_vec();
        assert!(matches!(
            Header::decode(&bytes),
            Err(BlobError::UnsupportedVersion(2))
        ));
    }
}

//! What identifies a dataset's contents, so a checkpoint is never resumed on other data:
//! [`Fingerprint`], and [`Dataset::fingerprint`] that computes it.

use std::fmt;
use std::io::{BufRead, BufReader, Read};

use crate::format::blob::BlobReader;

use super::stream::unpack;
use super::{Dataset, DatasetError, Source};

impl Dataset {
    /// Reads the whole blob once, like [`verify`](Self::verify), and returns what identifies
    /// its contents: a checkpoint records it so a run is never resumed on other data.
    pub fn fingerprint(&self) -> Result<Fingerprint, DatasetError> {
        let raw: Box<dyn BufRead + Send> = match &self.source {
            Source::File(path) => {
                let file = std::fs::File::open(path).map_err(|e| self.err(e.into()))?;
                Box::new(BufReader::with_capacity(64 * 1024, file))
            }
            Source::Embedded(bytes) => Box::new(*bytes),
        };
        let mut hashed = Crc32Reader {
            inner: unpack(raw).map_err(|e| self.err(e.into()))?,
            hasher: crc32fast::Hasher::new(),
        };
        let header = BlobReader::new(&mut hashed)
            .and_then(BlobReader::verify)
            .map_err(|e| self.err(e))?;
        let mut crc = hashed.hasher.finalize();
        if let Some(mix) = &self.mix {
            // The blob's, each mixed-in set's and how often they come, hashed together.
            let mut hasher = crc32fast::Hasher::new_with_initial(crc);
            for print in &mix.fingerprints {
                hasher.update(&print.crc.to_le_bytes());
                hasher.update(&print.count.to_le_bytes());
            }
            hasher.update(&mix.every.to_le_bytes());
            crc = hasher.finalize();
        }
        Ok(Fingerprint {
            count: self.header.count,
            rows: header.rows,
            cols: header.cols,
            classes: header.classes,
            crc,
        })
    }
}

/// What identifies a dataset's contents: its header and the CRC-32 of all its (unpacked)
/// bytes. The same images in a `.blob` and a `.blob.gz` have the same fingerprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    /// Number of records.
    pub count: u32,
    /// Image height.
    pub rows: u16,
    /// Image width.
    pub cols: u16,
    /// Number of classes.
    pub classes: u16,
    /// CRC-32 of every unpacked byte of the blob. For a mixed dataset ([`Dataset::mixed_with`])
    /// the CRC-32 goes on from there over each mixed-in set's `crc` and `count`, in order, then
    /// `every` (each little-endian).
    pub crc: u32,
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} images of {}×{}, CRC-32 {:08x}",
            self.count, self.rows, self.cols, self.crc
        )
    }
}

/// Passes bytes through, hashing them.
struct Crc32Reader<R> {
    inner: R,
    hasher: crc32fast::Hasher,
}

impl<R: Read> Read for Crc32Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

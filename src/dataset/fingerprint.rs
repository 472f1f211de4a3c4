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
        Ok(self.fingerprints()?.0)
    }

    /// [`fingerprint`](Self::fingerprint), and the fingerprint nnzero 0.1 computed before
    /// 2026-12-05, which a checkpoint of then holds: its CRC-32 ran over the blob's own
    /// checksum as well, so it was the same constant for every valid blob (0x2144DF1C, the
    /// CRC-32 residue) and told apart only the sizes. It is kept so such a checkpoint still
    /// resumes, as it did, while a new checkpoint is never resumed on same-size other data.
    pub fn fingerprints(&self) -> Result<(Fingerprint, Fingerprint), DatasetError> {
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
        let (header, checksum) = BlobReader::new(&mut hashed)
            .and_then(BlobReader::verify_checksum)
            .map_err(|e| self.err(e))?;
        let legacy_crc = hashed.hasher.finalize();
        let print = |crc: u32, mixed: &dyn Fn(&Fingerprint) -> u32| {
            let mut crc = crc;
            if let Some(mix) = &self.mix {
                // The blob's, each mixed-in set's and how often they come, hashed together.
                let mut hasher = crc32fast::Hasher::new_with_initial(crc);
                for print in &mix.fingerprints {
                    hasher.update(&mixed(print).to_le_bytes());
                    hasher.update(&print.count.to_le_bytes());
                }
                hasher.update(&mix.every.to_le_bytes());
                crc = hasher.finalize();
            }
            Fingerprint {
                count: self.header.count,
                rows: header.rows,
                cols: header.cols,
                classes: header.classes,
                crc,
            }
        };
        Ok((
            print(checksum, &|p| p.crc),
            print(legacy_crc, &|_| LEGACY_RESIDUE),
        ))
    }
}

/// What the fingerprint of before 2026-12-05 gave every valid blob: the CRC-32 of bytes that
/// end with their own CRC-32.
const LEGACY_RESIDUE: u32 = 0x2144_df1c;

/// What identifies a dataset's contents: its header and the CRC-32 of its (unpacked) bytes,
/// which is the blob's own checksum. The same images in a `.blob` and a `.blob.gz` have the
/// same fingerprint.
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
    /// CRC-32 of every unpacked byte of the blob before its checksum (so the checksum itself).
    /// For a mixed dataset ([`Dataset::mixed_with`])
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::blob::{BlobWriter, Header};

    /// A blob of three 2×2 images, labelled as `labels` says.
    fn blob(dir: &std::path::Path, name: &str, labels: [u8; 3]) -> Dataset {
        let mut w = BlobWriter::new(Vec::new(), Header::new(3, 2, 2, 10).unwrap()).unwrap();
        for (i, l) in labels.into_iter().enumerate() {
            w.push(l, &[i as u8, 7, 200, 0]).unwrap();
        }
        let path = dir.join(name);
        std::fs::write(&path, w.finish().unwrap()).unwrap();
        Dataset::open(path).unwrap()
    }

    #[test]
    fn same_size_other_labels_is_another_fingerprint_and_old_checkpoints_still_match() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (
            blob(dir.path(), "a", [1, 2, 3]),
            blob(dir.path(), "b", [2, 3, 4]),
        );
        let (new_a, old_a) = a.fingerprints().unwrap();
        let (new_b, old_b) = b.fingerprints().unwrap();
        assert_ne!(new_a, new_b);
        assert_eq!((new_a.count, new_a.rows, new_a.classes), (3, 2, 10));
        // What checkpoints of before hold: one value for both, which is why it could not tell.
        assert_eq!(old_a, old_b);
        assert_eq!(old_a.crc, LEGACY_RESIDUE);
        // The fingerprint is the blob's own checksum, its last four bytes.
        let bytes = std::fs::read(dir.path().join("a")).unwrap();
        let stored = u32::from_le_bytes(bytes[bytes.len() - 4..].try_into().unwrap());
        assert_eq!(new_a.crc, stored);
        assert_eq!(a.fingerprint().unwrap(), new_a);
    }
}

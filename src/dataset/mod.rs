//! Datasets on disk or in the binary: blob files (plain or gzip) streamed in the background.
//!
//! Training never holds a dataset in memory. Each epoch re-reads the blob: a thread unpacks it
//! and hands over batches of records through a small bounded channel, recycling the buffers,
//! so memory stays at a few hundred KB whatever the dataset's size (the 60,000 MNIST training
//! images are 47 MB unpacked; a Pi Zero 2 has 512 MB in all). On a machine with a spare core
//! the unpacking costs the trainer nothing. The one exception is a dataset mixed into another
//! ([`Dataset::mixed_with`]: `--augment`'s 754 typeface, 1,565 Semeion and 4,095 Swiss
//! digits), held whole.
//!
//! The reader thread and its [`Stream`] are in `stream.rs`, what identifies a dataset's
//! contents ([`Fingerprint`]) in `fingerprint.rs`, the data sets that come with nnzero (one
//! table, [`BUNDLED`]) in `bundled.rs`.

mod bundled;
mod epoch;
mod fingerprint;
pub mod pipeline;
mod stream;

use std::path::{Path, PathBuf};

use crate::format::blob::{BlobError, Header};

pub use bundled::{BundledSet, BUNDLED, BUNDLED_DIR, TEST_FILE, TRAIN_FILE};
pub use fingerprint::Fingerprint;
use stream::open_reader;
pub use stream::{blob_reader, DynReader, Stream};

/// What can go wrong opening or reading a dataset.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DatasetError {
    /// The blob is missing, unreadable or invalid.
    #[error("{name}: {error}")]
    Blob {
        /// The file's path, or a name for embedded data.
        name: String,
        /// What is wrong with it.
        #[source]
        error: BlobError,
    },
    /// The blob holds no records where some are needed (a test set to score on).
    #[error("{name} holds no samples")]
    Empty {
        /// The file's path, or a name for embedded data.
        name: String,
    },
    /// A dataset mixed into another holds images of another size or other classes.
    #[error("{name} cannot be mixed into {into}: its images are {found}, not {expected}")]
    MixShape {
        /// The dataset mixed in.
        name: String,
        /// The dataset it was to be mixed into.
        into: String,
        /// Its images, as "28×28, 10 classes".
        found: String,
        /// The other's.
        expected: String,
    },
    /// A mixed dataset would hold more records than a blob can count.
    #[error("{name} would hold more than {} records", u32::MAX)]
    MixTooLarge {
        /// The mixed dataset.
        name: String,
    },
    /// Bundled data (MNIST, the typeface, Semeion or Swiss digits) is not where this binary was built
    /// to find it.
    #[error(
        "bundled data not found at {} (run from a clone of nnzero, pass the blob's path, or \
         build with --features embed-data)",
        path.display()
    )]
    BundledMissing {
        /// Where it was looked for.
        path: PathBuf,
    },
}

#[derive(Debug, Clone)]
enum Source {
    File(PathBuf),
    #[cfg_attr(not(feature = "embed-data"), allow(dead_code))]
    Embedded(&'static [u8]),
}

/// A blob that can be read again and again (once per epoch).
#[derive(Debug, Clone)]
pub struct Dataset {
    source: Source,
    name: String,
    /// The blob's header, its count including any records mixed in.
    header: Header,
    mix: Option<Mix>,
}

/// Other datasets' records (label and pixels each, one set after another), held in memory and
/// streamed one after every `every` records of the blob, in turn, each epoch going on from
/// where the one before left off: [`Dataset::mixed_with`].
#[derive(Debug, Clone)]
struct Mix {
    records: std::sync::Arc<[u8]>,
    every: u32,
    /// Each mixed-in set's, in order.
    fingerprints: Vec<Fingerprint>,
    /// The blob's own count and name, for its read errors.
    own_count: u32,
    own_name: String,
}

impl Dataset {
    /// Opens a blob file (`.blob` or `.blob.gz`) and reads its header.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, DatasetError> {
        let path = path.as_ref();
        Self::from_source(Source::File(path.to_path_buf()), path.display().to_string())
    }

    fn from_source(source: Source, name: String) -> Result<Self, DatasetError> {
        let header = *open_reader(&source, &name)?.header();
        Ok(Dataset {
            source,
            name,
            header,
            mix: None,
        })
    }

    /// This dataset with `others`' records mixed in: one after every `every` of its own, in
    /// turn (the first set's records, then the next set's), starting again from the first when
    /// they run out. Each epoch's turn goes on from where the epoch before left it
    /// ([`stream_epoch`](Self::stream_epoch)), so over the epochs every record is trained,
    /// however many there are. `others` are read into memory and checked whole here:
    /// `--augment` mixes the 754 typeface digits of [`Dataset::bundled_typefaces`], the 1,565
    /// Italian hands of [`Dataset::bundled_semeion`] and the 4,095 scanned digits of
    /// [`Dataset::bundled_swiss`] (5.0 MB in memory) into MNIST, one after every 10. The mixed dataset's
    /// [`len`](Self::len) and [`fingerprint`](Self::fingerprint) count them all (a checkpoint
    /// of a run on one does not resume on another), and its [`name`](Self::name) names them.
    /// Mixing into a mixed dataset replaces its mix.
    pub fn mixed_with(mut self, others: &[&Dataset], every: u32) -> Result<Dataset, DatasetError> {
        if let Some(mix) = self.mix.take() {
            (self.header.count, self.name) = (mix.own_count, mix.own_name);
        }
        let h = self.header;
        let shape = |h: Header| format!("{}×{}, {} classes", h.rows, h.cols, h.classes);
        for other in others {
            let o = other.header;
            if (h.rows, h.cols, h.classes) != (o.rows, o.cols, o.classes) {
                return Err(DatasetError::MixShape {
                    name: other.name.clone(),
                    into: self.name.clone(),
                    found: shape(o),
                    expected: shape(h),
                });
            }
        }
        let others: Vec<&Dataset> = others.iter().copied().filter(|o| !o.is_empty()).collect();
        if others.is_empty() || every == 0 {
            return Ok(self);
        }
        let total: usize = others.iter().map(|o| o.len()).sum();
        let mut records = Vec::with_capacity(total * h.record_len());
        let mut fingerprints = Vec::with_capacity(others.len());
        for other in &others {
            let mut stream = other.stream()?;
            while let Some((label, pixels)) = stream.next_record()? {
                records.push(label);
                records.extend_from_slice(pixels);
            }
            fingerprints.push(other.fingerprint()?);
        }
        let names: Vec<&str> = others.iter().map(|o| o.name.as_str()).collect();
        let name = format!(
            "{} + {} (one after every {every})",
            self.name,
            names.join(" + ")
        );
        let Some(count) = h.count.checked_add(h.count / every) else {
            return Err(DatasetError::MixTooLarge { name });
        };
        self.mix = Some(Mix {
            records: records.into(),
            every,
            fingerprints,
            own_count: h.count,
            own_name: std::mem::replace(&mut self.name, name),
        });
        self.header.count = count;
        Ok(self)
    }

    /// A dataset over bytes compiled into the binary (plain or gzip).
    pub fn embedded(name: &str, bytes: &'static [u8]) -> Result<Self, DatasetError> {
        Self::from_source(Source::Embedded(bytes), name.to_string())
    }

    /// The file's path, or the embedded data's name, for messages; a mixed dataset's names
    /// them all ([`mixed_with`](Self::mixed_with)).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The blob's own name, for its read errors.
    fn own_name(&self) -> &str {
        self.mix.as_ref().map_or(&self.name, |m| &m.own_name)
    }

    /// The blob's header: count, image size, classes (the count including any records mixed
    /// in, as [`len`](Self::len); the blob's own header is [`reader`](Self::reader)'s).
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.header.count as usize
    }

    /// True when the dataset holds no samples.
    pub fn is_empty(&self) -> bool {
        self.header.count == 0
    }

    /// A fresh streaming reader from the blob's first record (the blob's own records only,
    /// without any mixed in: [`stream`](Self::stream) gives those too).
    pub fn reader(&self) -> Result<DynReader, DatasetError> {
        open_reader(&self.source, self.own_name())
    }

    /// Reads the whole blob once: every label, the length and the checksum.
    pub fn verify(&self) -> Result<(), DatasetError> {
        self.reader()?.verify().map(drop).map_err(|e| self.err(e))
    }

    fn err(&self, error: BlobError) -> DatasetError {
        DatasetError::Blob {
            name: self.own_name().to_string(),
            error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::blob::BlobWriter;

    /// A dataset of `rows`×2 images labelled `labels`, each image filled with its label.
    fn dataset(name: &str, labels: &[u8], rows: u16) -> Dataset {
        let header = Header::new(labels.len() as u32, rows, 2, 10).unwrap();
        let mut w = BlobWriter::new(Vec::new(), header).unwrap();
        for &l in labels {
            w.push(l, &vec![l; rows as usize * 2]).unwrap();
        }
        Dataset::embedded(name, Box::leak(w.finish().unwrap().into_boxed_slice())).unwrap()
    }

    fn labels_streamed(d: &Dataset) -> Vec<u8> {
        labels_of_epoch(d, 1)
    }

    fn labels_of_epoch(d: &Dataset, epoch: u32) -> Vec<u8> {
        let mut stream = d.stream_epoch(epoch).unwrap();
        let mut labels = Vec::new();
        while let Some((label, pixels)) = stream.next_record().unwrap() {
            assert!(
                pixels.iter().all(|&p| p == label),
                "a record's pixels stay its own"
            );
            labels.push(label);
        }
        labels
    }

    #[test]
    fn a_mixed_in_record_follows_every_nth_record_in_turn() {
        let main = dataset("main", &[0, 1, 2, 3, 4, 5, 6], 2);
        let extra = dataset("extra", &[8, 9], 2);
        let mixed = main.clone().mixed_with(&[&extra], 3).unwrap();
        assert_eq!(labels_streamed(&mixed), [0, 1, 2, 8, 3, 4, 5, 9, 6]);
        assert_eq!(mixed.len(), 9);
        // Every second: the mixed-in records come round again from the first.
        let often = main.clone().mixed_with(&[&extra], 2).unwrap();
        assert_eq!(labels_streamed(&often), [0, 1, 8, 2, 3, 9, 4, 5, 8, 6]);
        assert_eq!(often.len(), 10);
        // A count that `every` divides ends on a mixed-in record.
        let six = dataset("six", &[0, 1, 2, 3, 4, 5], 2)
            .mixed_with(&[&extra], 3)
            .unwrap();
        assert_eq!(labels_streamed(&six), [0, 1, 2, 8, 3, 4, 5, 9]);
        assert_eq!(six.len(), 8);
        // Mixing again replaces the mix; the name says what is mixed in.
        let again = mixed.clone().mixed_with(&[&extra], 2).unwrap();
        assert_eq!(labels_streamed(&again), labels_streamed(&often));
        assert_eq!(again.fingerprint().unwrap(), often.fingerprint().unwrap());
        assert_eq!(again.name(), "main + extra (one after every 2)");
        // Each mix is other data to a checkpoint; a mix of nothing is the dataset itself.
        let prints = [&main, &mixed, &often].map(|d| d.fingerprint().unwrap());
        assert_eq!(prints[1].count, 9);
        assert!(prints[0] != prints[1] && prints[1] != prints[2] && prints[0] != prints[2]);
        let none = main.clone().mixed_with(&[&extra], 0).unwrap();
        assert_eq!(none.fingerprint().unwrap(), prints[0]);
        assert_eq!(labels_streamed(&none), [0, 1, 2, 3, 4, 5, 6]);
    }

    /// A mix larger than one epoch's share is trained whole over the epochs: each epoch's
    /// mixed-in records go on from where the epoch before left them (they used to start again
    /// from the first, and records past the first share were never streamed).
    #[test]
    fn each_epochs_mixed_in_records_go_on_from_the_last_epochs() {
        let main = dataset("main", &[0, 1, 2, 3], 2);
        let extra = dataset("extra", &[5, 6, 7, 8, 9], 2);
        let mixed = main.clone().mixed_with(&[&extra], 2).unwrap();
        assert_eq!(labels_of_epoch(&mixed, 1), [0, 1, 5, 2, 3, 6]);
        assert_eq!(labels_of_epoch(&mixed, 2), [0, 1, 7, 2, 3, 8]);
        assert_eq!(labels_of_epoch(&mixed, 3), [0, 1, 9, 2, 3, 5]);
        assert_eq!(labels_streamed(&mixed), labels_of_epoch(&mixed, 1));
        // A plain dataset is the same every epoch.
        assert_eq!(labels_of_epoch(&main, 7), [0, 1, 2, 3]);
    }

    #[test]
    fn several_sets_are_mixed_in_one_after_another() {
        let main = dataset("main", &[0, 1, 2, 3, 4, 5, 6, 7], 2);
        let (a, b) = (dataset("a", &[8], 2), dataset("b", &[9, 7], 2));
        let mixed = main.clone().mixed_with(&[&a, &b], 2).unwrap();
        assert_eq!(
            labels_streamed(&mixed),
            [0, 1, 8, 2, 3, 9, 4, 5, 7, 6, 7, 8]
        );
        assert_eq!(mixed.len(), 12);
        assert_eq!(mixed.name(), "main + a + b (one after every 2)");
        // Another order is another mix; an empty set adds nothing; one set alone is as before.
        let swapped = main.clone().mixed_with(&[&b, &a], 2).unwrap();
        assert_ne!(mixed.fingerprint().unwrap(), swapped.fingerprint().unwrap());
        let empty = dataset("empty", &[], 2);
        let with_empty = main.clone().mixed_with(&[&a, &empty, &b], 2).unwrap();
        assert_eq!(
            with_empty.fingerprint().unwrap(),
            mixed.fingerprint().unwrap()
        );
        assert_eq!(labels_streamed(&with_empty), labels_streamed(&mixed));
        let nothing = main.clone().mixed_with(&[], 2).unwrap();
        assert_eq!(nothing.fingerprint().unwrap(), main.fingerprint().unwrap());
    }

    #[test]
    fn images_of_another_size_are_not_mixed_in() {
        let err = dataset("main", &[0, 1], 2)
            .mixed_with(&[&dataset("tall", &[8], 3)], 1)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "tall cannot be mixed into main: its images are 3×2, 10 classes, not 2×2, 10 classes"
        );
    }
}

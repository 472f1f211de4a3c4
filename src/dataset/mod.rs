//! Datasets on disk or in the binary: blob files (plain or gzip) streamed in the background.
//!
//! Training never holds a dataset in memory. Each epoch re-reads the blob: a thread unpacks it
//! and hands over batches of records through a small bounded channel, recycling the buffers,
//! so memory stays at a few hundred KB whatever the dataset's size (the 60,000 MNIST training
//! images are 47 MB unpacked; a Pi Zero 2 has 512 MB in all). On a machine with a spare core
//! the unpacking costs the trainer nothing. The one exception is a dataset mixed into another
//! ([`Dataset::mixed_with`]: `--augment`'s 754 typeface, 1,565 Semeion and 4,095 Swiss
//! digits, 5.0 MB), held whole.

mod epoch;
pub mod pipeline;

use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

use flate2::bufread::MultiGzDecoder;

use crate::format::blob::{BlobError, BlobReader, Header};

/// Where the bundled MNIST lives in a clone of the repository.
pub const BUNDLED_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data");
/// File name of the bundled training set (60,000 images).
pub const TRAIN_FILE: &str = "mnist-train.blob.gz";
/// File name of the bundled test set (10,000 images).
pub const TEST_FILE: &str = "mnist-test.blob.gz";
/// File name of the bundled typeface digits `--augment` mixes into MNIST (754 images:
/// `tools/training-digits typefaces`, data/README.md).
pub const TYPEFACES_FILE: &str = "typefaces.blob.gz";
/// File name of the bundled Semeion digits `--augment` mixes into MNIST (1,565 images of about
/// 80 people in Italy: `tools/training-digits semeion`, data/README.md).
pub const SEMEION_FILE: &str = "semeion.blob.gz";
/// File name of the bundled Swiss digits `--augment` mixes into MNIST (4,095 scanned digits of
/// 21 people, mostly in Switzerland: `tools/training-digits folders`, data/README.md).
pub const SWISS_FILE: &str = "swiss.blob.gz";

#[cfg(feature = "embed-data")]
static EMBEDDED_TRAIN: &[u8] = include_bytes!("../../data/mnist-train.blob.gz");
#[cfg(feature = "embed-data")]
static EMBEDDED_TEST: &[u8] = include_bytes!("../../data/mnist-test.blob.gz");
#[cfg(feature = "embed-data")]
static EMBEDDED_TYPEFACES: &[u8] = include_bytes!("../../data/typefaces.blob.gz");
#[cfg(feature = "embed-data")]
static EMBEDDED_SEMEION: &[u8] = include_bytes!("../../data/semeion.blob.gz");
#[cfg(feature = "embed-data")]
static EMBEDDED_SWISS: &[u8] = include_bytes!("../../data/swiss.blob.gz");

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

/// A reader over a blob's bytes, unpacking gzip when the bytes start with its magic.
pub type DynReader = BlobReader<Box<dyn Read + Send>>;

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

    /// The bundled MNIST training set (60,000 images), embedded or from the repository.
    pub fn bundled_train() -> Result<Self, DatasetError> {
        #[cfg(feature = "embed-data")]
        return Self::embedded("embedded MNIST training set", EMBEDDED_TRAIN);
        #[cfg(not(feature = "embed-data"))]
        Self::bundled_file(TRAIN_FILE)
    }

    /// The bundled typeface digits (754 images of 27 typefaces in neither half of the
    /// handwriting set), embedded or from the repository: what `--augment` mixes into MNIST
    /// ([`Dataset::mixed_with`]).
    pub fn bundled_typefaces() -> Result<Self, DatasetError> {
        #[cfg(feature = "embed-data")]
        return Self::embedded("embedded typeface digits", EMBEDDED_TYPEFACES);
        #[cfg(not(feature = "embed-data"))]
        Self::bundled_file(TYPEFACES_FILE)
    }

    /// The bundled Semeion digits (1,565 images of about 80 people in Italy, each writing 0–9
    /// twice), embedded or from the repository: what `--augment` mixes into MNIST with the
    /// typeface digits ([`Dataset::mixed_with`]).
    pub fn bundled_semeion() -> Result<Self, DatasetError> {
        #[cfg(feature = "embed-data")]
        return Self::embedded("embedded Semeion digits", EMBEDDED_SEMEION);
        #[cfg(not(feature = "embed-data"))]
        Self::bundled_file(SEMEION_FILE)
    }

    /// The bundled Swiss digits (4,095 scanned digits of 21 people, mostly in Switzerland: every
    /// third of the 600 each copied), embedded or from the repository: what `--augment` mixes
    /// into MNIST after the typeface and Semeion digits ([`Dataset::mixed_with`]).
    pub fn bundled_swiss() -> Result<Self, DatasetError> {
        #[cfg(feature = "embed-data")]
        return Self::embedded("embedded Swiss digits", EMBEDDED_SWISS);
        #[cfg(not(feature = "embed-data"))]
        Self::bundled_file(SWISS_FILE)
    }

    /// The bundled MNIST test set (10,000 images), embedded or from the repository.
    pub fn bundled_test() -> Result<Self, DatasetError> {
        #[cfg(feature = "embed-data")]
        return Self::embedded("embedded MNIST test set", EMBEDDED_TEST);
        #[cfg(not(feature = "embed-data"))]
        Self::bundled_file(TEST_FILE)
    }

    #[cfg_attr(feature = "embed-data", allow(dead_code))]
    fn bundled_file(name: &str) -> Result<Self, DatasetError> {
        let path = Path::new(BUNDLED_DIR).join(name);
        if !path.exists() {
            return Err(DatasetError::BundledMissing { path });
        }
        Self::open(path)
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

    /// Streams the records in order, read and unpacked on a background thread: as the first
    /// epoch sees them ([`stream_epoch`](Self::stream_epoch)).
    pub fn stream(&self) -> Result<Stream, DatasetError> {
        self.stream_epoch(1)
    }

    /// Streams the records as epoch `epoch` (from 1) of a run sees them. A plain dataset's are
    /// the same every epoch. A mixed dataset's mixed-in records ([`mixed_with`](Self::mixed_with))
    /// go on from where the epoch before left them: epoch `e` starts at mixed-in record
    /// `(e − 1) · ⌊own count / every⌋`, in turn, so a mix larger than one epoch's share is
    /// trained whole over the epochs, not its first share again and again.
    pub fn stream_epoch(&self, epoch: u32) -> Result<Stream, DatasetError> {
        let mut reader = self.reader()?;
        let record_len = self.header.record_len();
        let per_batch = (256 * 1024 / record_len).max(1);
        let (tx, rx) = sync_channel::<Result<Vec<u8>, BlobError>>(3);
        let (recycle_tx, recycle_rx) = sync_channel::<Vec<u8>>(4);
        let mix = self.mix.clone();
        let first_mixed = mix.as_ref().map_or(0, |m| {
            u64::from(epoch.max(1) - 1) * u64::from(m.own_count / m.every)
        });
        let handle = std::thread::Builder::new()
            .name("nnzero-reader".into())
            .spawn(move || {
                produce(
                    &mut reader,
                    mix.as_ref(),
                    first_mixed,
                    per_batch,
                    record_len,
                    &tx,
                    &recycle_rx,
                )
            })
            .map_err(|e| self.err(e.into()))?;
        Ok(Stream {
            rx: Some(rx),
            recycle: recycle_tx,
            handle: Some(handle),
            record_len,
            name: self.own_name().to_string(),
            current: Vec::new(),
            pos: 0,
        })
    }

    fn err(&self, error: BlobError) -> DatasetError {
        DatasetError::Blob {
            name: self.own_name().to_string(),
            error,
        }
    }
}

fn open_reader(source: &Source, name: &str) -> Result<DynReader, DatasetError> {
    let err = |error| DatasetError::Blob {
        name: name.to_string(),
        error,
    };
    let raw: Box<dyn BufRead + Send> = match source {
        Source::File(path) => {
            let file = std::fs::File::open(path).map_err(|e| err(e.into()))?;
            Box::new(BufReader::with_capacity(64 * 1024, file))
        }
        Source::Embedded(bytes) => Box::new(*bytes),
    };
    blob_reader(raw).map_err(err)
}

/// A streaming blob reader over `raw`, unpacking gzip when it starts with gzip's magic bytes:
/// what every dataset is read through (and what the `blob_stream` fuzz target feeds).
pub fn blob_reader(raw: impl BufRead + Send + 'static) -> Result<DynReader, BlobError> {
    BlobReader::new(unpack(Box::new(raw))?)
}

/// Wraps `raw` in a gzip decoder when it starts with gzip's magic bytes. Every member of a
/// multi-member file is read (`cat a.gz b.gz`, as `mnist2blob` accepts), and anything after
/// the last member that is not another member is an error, not ignored.
fn unpack(mut raw: Box<dyn BufRead + Send>) -> std::io::Result<Box<dyn Read + Send>> {
    let gz = raw.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    Ok(if gz {
        Box::new(MultiGzDecoder::new(raw))
    } else {
        Box::new(raw)
    })
}

/// The reader thread: fills batches of whole records and sends them, recycling buffers; the
/// mixed-in records from the `first_mixed`-th on, in turn.
fn produce(
    reader: &mut DynReader,
    mix: Option<&Mix>,
    first_mixed: u64,
    per_batch: usize,
    record_len: usize,
    tx: &SyncSender<Result<Vec<u8>, BlobError>>,
    recycle: &Receiver<Vec<u8>>,
) {
    let mut pixels = vec![0u8; record_len - 1];
    // Records of the blob read so far, and of the mix streamed so far.
    let (mut read, mut mixed) = (0u64, first_mixed);
    loop {
        let mut batch = recycle.try_recv().unwrap_or_default();
        batch.clear();
        batch.reserve(per_batch * record_len);
        let mut end = false;
        while batch.len() < per_batch * record_len {
            match reader.next_into(&mut pixels) {
                Ok(Some(label)) => {
                    batch.push(label);
                    batch.extend_from_slice(&pixels);
                    read += 1;
                    if let Some(mix) = mix.filter(|m| read % u64::from(m.every) == 0) {
                        let n = (mix.records.len() / record_len) as u64;
                        let at = (mixed % n) as usize * record_len;
                        batch.extend_from_slice(&mix.records[at..at + record_len]);
                        mixed += 1;
                    }
                }
                Ok(None) => {
                    end = true;
                    break;
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            }
        }
        if !batch.is_empty() && tx.send(Ok(batch)).is_err() {
            return; // the consumer has gone
        }
        if end {
            return;
        }
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

/// The records of a dataset, in order, as they arrive from the reader thread.
///
/// Call [`next_record`](Stream::next_record) until it returns `None`; the checksum has been
/// verified by then. An error ends the stream.
#[derive(Debug)]
pub struct Stream {
    rx: Option<Receiver<Result<Vec<u8>, BlobError>>>,
    recycle: SyncSender<Vec<u8>>,
    handle: Option<JoinHandle<()>>,
    record_len: usize,
    name: String,
    current: Vec<u8>,
    pos: usize,
}

impl Stream {
    /// The next record as (label, pixels), `Ok(None)` at the end.
    pub fn next_record(&mut self) -> Result<Option<(u8, &[u8])>, DatasetError> {
        if self.pos >= self.current.len() {
            let Some(rx) = &self.rx else { return Ok(None) };
            match rx.recv() {
                Ok(Ok(batch)) => {
                    let done = std::mem::replace(&mut self.current, batch);
                    let _ = self.recycle.try_send(done);
                    self.pos = 0;
                }
                Ok(Err(error)) => {
                    self.rx = None;
                    return Err(DatasetError::Blob {
                        name: self.name.clone(),
                        error,
                    });
                }
                Err(_) => {
                    self.rx = None; // the reader finished cleanly
                    return Ok(None);
                }
            }
        }
        let record = &self.current[self.pos..self.pos + self.record_len];
        self.pos += self.record_len;
        Ok(Some((record[0], &record[1..])))
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.rx = None; // unblocks the reader's send, so it can end
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::blob::BlobWriter;
    use std::io::Write;

    /// A blob of two 2×2 images.
    fn blob() -> Vec<u8> {
        let mut w = BlobWriter::new(Vec::new(), Header::new(2, 2, 2, 10).unwrap()).unwrap();
        w.push(3, &[1, 2, 3, 4]).unwrap();
        w.push(9, &[5, 6, 7, 8]).unwrap();
        w.finish().unwrap()
    }

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    fn read_all(raw: Vec<u8>) -> Result<Vec<u8>, BlobError> {
        let mut r = blob_reader(std::io::Cursor::new(raw))?;
        let mut px = [0u8; 4];
        let mut labels = Vec::new();
        while let Some(label) = r.next_into(&mut px)? {
            labels.push(label);
        }
        Ok(labels)
    }

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

    /// The digits `--augment` mixes in (the typefaces', the Semeion set's, the Swiss set's): whole,
    /// MNIST-sized, every digit there.
    #[test]
    fn the_bundled_mixed_in_digits_are_whole() {
        let sets = [
            (Dataset::bundled_typefaces(), 754, 70),
            (Dataset::bundled_semeion(), 1565, 140),
            (Dataset::bundled_swiss(), 4095, 400),
        ];
        for (data, count, least) in sets {
            let data = data.unwrap();
            data.verify().unwrap();
            let h = data.header();
            assert_eq!((h.count, h.rows, h.cols, h.classes), (count, 28, 28, 10));
            let mut per_digit = [0; 10];
            let mut stream = data.stream().unwrap();
            while let Some((label, pixels)) = stream.next_record().unwrap() {
                per_digit[label as usize] += 1;
                assert!(pixels.iter().any(|&p| p > 128), "a digit with ink");
            }
            assert!(per_digit.iter().all(|&n| n >= least), "{per_digit:?}");
        }
    }

    #[test]
    fn a_multi_member_gzip_blob_is_read_whole() {
        // Split anywhere, even inside the header: `cat a.gz b.gz` is one stream. A single
        // member used to end the data early ("truncated: 0 of 2").
        let bytes = blob();
        for at in [3, 8, 12, 20] {
            let mut two = gz(&bytes[..at]);
            two.extend(gz(&bytes[at..]));
            assert_eq!(read_all(two).unwrap(), [3, 9], "split at {at}");
        }
    }

    #[test]
    fn junk_after_a_gzip_blob_is_refused() {
        for junk in [&b"\0"[..], b"hello", &[0x1f, 0x8b]] {
            let mut bytes = gz(&blob());
            bytes.extend(junk);
            let err = read_all(bytes).unwrap_err().to_string();
            assert!(err.contains("junk after the blob's end"), "{junk:?}: {err}");
        }
    }
}

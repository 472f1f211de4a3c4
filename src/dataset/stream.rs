//! Streaming a dataset: a background thread reads and unpacks the blob (plain or gzip) and
//! hands over batches of whole records through a small bounded channel, recycling the
//! buffers; a [`Stream`] gives them out one record at a time.

use std::io::{BufRead, BufReader, Read};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

use flate2::bufread::MultiGzDecoder;

use crate::format::blob::{BlobError, BlobReader};

use super::{Dataset, DatasetError, Mix, Source};

/// A reader over a blob's bytes, unpacking gzip when the bytes start with its magic.
pub type DynReader = BlobReader<Box<dyn Read + Send>>;

impl Dataset {
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
}

pub(super) fn open_reader(source: &Source, name: &str) -> Result<DynReader, DatasetError> {
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
pub(super) fn unpack(mut raw: Box<dyn BufRead + Send>) -> std::io::Result<Box<dyn Read + Send>> {
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
    use crate::format::blob::{BlobWriter, Header};
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

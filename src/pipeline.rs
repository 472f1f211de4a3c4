//! Training samples made ahead of use on a thread of their own: the blob decoded, and each
//! image's extra copies (rotated, augmented) drawn, while the training threads train.
//!
//! ```no_run
//! use nnzero::dataset::Dataset;
//! use nnzero::pipeline::Pipeline;
//! let data = Dataset::bundled_train()?;
//! // Each image, then one copy of it mirrored left to right.
//! let mirror = |_index: u64, _copy: usize, src: &[u8], dst: &mut [u8]| {
//!     for (d, s) in dst.chunks_exact_mut(28).zip(src.chunks_exact(28)) {
//!         d.iter_mut().zip(s.iter().rev()).for_each(|(d, s)| *d = *s);
//!     }
//! };
//! let mut samples = Pipeline::spawn(&data, 1000, 2, mirror)?;
//! while let Some((label, pixels)) = samples.next_sample()? {
//!     assert_eq!(pixels.len(), 784);
//! }
//! let _mirror = samples.finish(); // the copier comes back, state and all
//! # Ok::<(), nnzero::dataset::DatasetError>(())
//! ```
//!
//! The samples come in the order a loop on one thread would make them: record 0, its copies
//! 1, 2, …, record 1, its copies, and so on. The copier runs on the producer thread, one call
//! after another in that same order, so a copier that draws from a seeded generator gives the
//! same copies as it would inline.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

use crate::dataset::{Dataset, DatasetError};

/// Records per batch handed from the producer to the consumer.
const RECORDS_PER_BATCH: usize = 64;
/// Ready batches the producer may run ahead by.
const BATCHES_AHEAD: usize = 4;

type Batch = Result<Vec<u8>, DatasetError>;

/// The samples of a dataset and their copies, made on a producer thread. See the module.
#[derive(Debug)]
pub struct Pipeline<F> {
    rx: Option<Receiver<Batch>>,
    recycle: SyncSender<Vec<u8>>,
    handle: Option<JoinHandle<F>>,
    /// label + pixels.
    record_len: usize,
    current: Vec<u8>,
    pos: usize,
}

impl<F> Pipeline<F>
where
    F: FnMut(u64, usize, &[u8], &mut [u8]) + Send + 'static,
{
    /// Starts producing the first `limit` records of `data`, each followed by `copies − 1`
    /// copies that `copier(index, copy, pixels, out)` writes into `out` (`copy` counts from
    /// 1; `index` is the record's place in `data`). `copies` of 1 (or 0) means the records
    /// alone, decoded ahead.
    pub fn spawn(
        data: &Dataset,
        limit: u64,
        copies: usize,
        copier: F,
    ) -> Result<Self, DatasetError> {
        Self::spawn_from(data, 0, limit, copies, copier)
    }

    /// As [`spawn`](Self::spawn), from record `start` on (a resumed run): the records before
    /// it are read past, and `index` counts from `start`.
    pub fn spawn_from(
        data: &Dataset,
        start: u64,
        limit: u64,
        copies: usize,
        copier: F,
    ) -> Result<Self, DatasetError> {
        let mut stream = data.stream()?;
        for _ in 0..start.min(limit) {
            if stream.next_record()?.is_none() {
                break;
            }
        }
        let record_len = data.header().record_len();
        let copies = copies.max(1);
        let (tx, rx) = sync_channel::<Batch>(BATCHES_AHEAD);
        let (recycle, recycled) = sync_channel::<Vec<u8>>(BATCHES_AHEAD + 2);
        let handle = std::thread::Builder::new()
            .name("nnzero-samples".into())
            .spawn(move || {
                let mut copier = copier;
                produce(
                    &mut stream,
                    start.min(limit),
                    limit,
                    copies,
                    record_len,
                    &mut copier,
                    &tx,
                    &recycled,
                );
                copier
            })
            .map_err(|e| DatasetError::Blob {
                name: data.name().to_string(),
                error: e.into(),
            })?;
        Ok(Pipeline {
            rx: Some(rx),
            recycle,
            handle: Some(handle),
            record_len,
            current: Vec::new(),
            pos: 0,
        })
    }
}

impl<F> Pipeline<F> {
    /// The next sample as (label, pixels), `Ok(None)` after the last. An error ends the samples.
    pub fn next_sample(&mut self) -> Result<Option<(u8, &[u8])>, DatasetError> {
        if self.pos >= self.current.len() {
            let Some(rx) = &self.rx else { return Ok(None) };
            match rx.recv() {
                Ok(Ok(batch)) => {
                    let done = std::mem::replace(&mut self.current, batch);
                    let _ = self.recycle.try_send(done);
                    self.pos = 0;
                }
                Ok(Err(e)) => {
                    self.rx = None;
                    return Err(e);
                }
                Err(_) => {
                    self.rx = None; // the producer finished
                    return Ok(None);
                }
            }
            if self.current.is_empty() {
                return Ok(None);
            }
        }
        let record = &self.current[self.pos..self.pos + self.record_len];
        self.pos += self.record_len;
        Ok(Some((record[0], &record[1..])))
    }

    /// Stops the producer (if samples are left, they are dropped) and gives the copier back.
    pub fn finish(mut self) -> F {
        self.rx = None; // unblocks the producer's send
        let handle = self
            .handle
            .take()
            .unwrap_or_else(|| unreachable!("joined once"));
        match handle.join() {
            Ok(copier) => copier,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

impl<F> Drop for Pipeline<F> {
    fn drop(&mut self) {
        self.rx = None;
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// The producer: whole batches of records and their copies, until `limit` records, the end of
/// the data, an error, or the consumer leaving.
#[allow(clippy::too_many_arguments)] // one call site, each argument named there
fn produce<F: FnMut(u64, usize, &[u8], &mut [u8])>(
    stream: &mut crate::dataset::Stream,
    start: u64,
    limit: u64,
    copies: usize,
    record_len: usize,
    copier: &mut F,
    tx: &SyncSender<Batch>,
    recycled: &Receiver<Vec<u8>>,
) {
    let mut index = start;
    let mut out = vec![0u8; record_len - 1];
    let full = RECORDS_PER_BATCH * copies * record_len;
    while index < limit {
        let mut batch = recycled.try_recv().unwrap_or_default();
        batch.clear();
        let mut end = false;
        while batch.len() < full && index < limit {
            match stream.next_record() {
                Ok(Some((label, pixels))) => {
                    batch.push(label);
                    batch.extend_from_slice(pixels);
                    for copy in 1..copies {
                        copier(index, copy, pixels, &mut out);
                        batch.push(label);
                        batch.extend_from_slice(&out);
                    }
                    index += 1;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The samples are the records in order, each followed by its copies, made in order;
    /// the copier comes back with its state.
    #[test]
    fn records_and_copies_come_in_the_order_of_a_loop() {
        let data = Dataset::bundled_test().unwrap();
        let mut calls = Vec::new();
        let copier = move |index: u64, copy: usize, src: &[u8], dst: &mut [u8]| {
            calls.push((index, copy));
            for (d, &s) in dst.iter_mut().zip(src) {
                *d = s.wrapping_add(copy as u8);
            }
        };
        let mut p = Pipeline::spawn(&data, 150, 3, copier).unwrap();
        let mut stream = data.stream().unwrap();
        let mut n = 0;
        for _ in 0..150 {
            let (label, pixels) = stream.next_record().unwrap().unwrap();
            let pixels = pixels.to_vec();
            for copy in 0..3u8 {
                let (l, p) = p.next_sample().unwrap().expect("a sample");
                assert_eq!(l, label);
                let want: Vec<u8> = pixels.iter().map(|&v| v.wrapping_add(copy)).collect();
                assert_eq!(p, &want[..]);
                n += 1;
            }
        }
        assert!(p.next_sample().unwrap().is_none());
        assert!(p.next_sample().unwrap().is_none());
        assert_eq!(n, 450);
        let mut copier = p.finish();
        let mut probe = [0u8; 784];
        copier(9, 9, &[0u8; 784], &mut probe);
        assert_eq!(probe[0], 9);
    }

    #[test]
    fn a_limit_beyond_the_data_gives_every_record_and_stopping_early_is_fine() {
        let data = Dataset::bundled_test().unwrap();
        let none = |_: u64, _: usize, _: &[u8], _: &mut [u8]| {};
        let mut p = Pipeline::spawn(&data, u64::MAX, 1, none).unwrap();
        let mut n = 0;
        while p.next_sample().unwrap().is_some() {
            n += 1;
        }
        assert_eq!(n, data.len());
        let mut early = Pipeline::spawn(&data, u64::MAX, 2, none).unwrap();
        assert!(early.next_sample().unwrap().is_some());
        drop(early);
    }
}

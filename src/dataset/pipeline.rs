//! Training samples made ahead of use, off the training threads: each image's extra copies
//! (rotated, augmented) drawn by several producer threads at once, and handed over in order.
//!
//! ```no_run
//! use nnzero::dataset::Dataset;
//! use nnzero::dataset::pipeline::Pipeline;
//! let data = Dataset::bundled_train()?;
//! // Each image, then one copy of it mirrored left to right, made on two producer threads.
//! let mirror = |_index: u64, copy: usize, _label: u8, src: &[u8], dst: &mut [u8]| {
//!     if copy == 0 {
//!         dst.copy_from_slice(src); // the image itself
//!         return;
//!     }
//!     for (d, s) in dst.chunks_exact_mut(28).zip(src.chunks_exact(28)) {
//!         d.iter_mut().zip(s.iter().rev()).for_each(|(d, s)| *d = *s);
//!     }
//! };
//! let mut samples = Pipeline::spawn(&data, 1000, 2, 2, mirror)?;
//! while let Some((label, pixels)) = samples.next_sample()? {
//!     assert_eq!(pixels.len(), 784);
//! }
//! # Ok::<(), nnzero::dataset::DatasetError>(())
//! ```
//!
//! The records come from the dataset's [`Stream`] (the blob is read and unpacked on its own
//! thread). Without copies they are passed on as they come. With copies, the consumer cuts
//! the records into batches and deals them out in turn to the producers, each with a copier
//! of its own (a clone of the one given); each producer makes every copy of its batch's
//! records and sends the batch back, and the consumer takes the batches back in the order it
//! dealt them. So the samples come in the order one loop would make them: record 0, its
//! copies 1, 2, …, record 1, its copies, and so on, whatever the number of producers. Each
//! copy must be a function of (record index, copy number, pixels) and of the copier's state
//! as cloned, not of the copies made before it (the augmentations are: see
//! [`crate::augment::seed`]).
//!
//! How many producers: [`share_cores`] splits a machine's cores between training threads and
//! producers by their shares of the work.

use std::collections::VecDeque;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

use crate::dataset::{Dataset, DatasetError, Stream};

/// Records per batch dealt to a producer: with two augmented copies a batch is about twice
/// the work of training on its samples (`docs/lab/2026-12-05-figures-from-doc-comments.md`).
const RECORDS_PER_BATCH: usize = 32;
/// Batches each producer may be ahead by (dealt and not yet taken back).
const BATCHES_AHEAD: usize = 3;

/// What one `--augment` copy costs in training samples (one sample of 784-200-10 trained on
/// one thread). Measured by `cargo bench --bench train` (`docs/lab/2026-12-05-figures-from-doc-comments.md`). The `--augment`
/// network's 400 hidden nodes make a sample twice the work, so there it errs towards
/// producers.
pub const COPY_COST: f32 = 0.6;

/// How many threads of a machine with `cores` cores should train and how many should make
/// copies, when each record comes with `rotations` rotated copies (`--rotate`: a plain warp,
/// counted as one sample's work each) and `augmented` augmented ones (`--augment`:
/// [`COPY_COST`] each): (training threads, producers).
///
/// Of a record's work, `1 + rotations + augmented` parts are training and the rest is making
/// copies, so training gets its share of the cores rounded down, at least one thread: with
/// `--augment` that is one training thread on two or three cores, two on four, five on eight.
/// Down, because a training thread whose core a producer takes stalls every thread at the
/// next sample, while a producer that loses its core only falls behind for a while. The producers are as many
/// as the cores: a producer that is ahead sleeps (its batches wait for the trainer), so the
/// spare ones cost nothing, and whenever the trainer waits for copies every core makes them.
/// Without copies every core trains.
pub fn share_cores(cores: usize, rotations: usize, augmented: usize) -> (usize, usize) {
    let cores = cores.max(1);
    let samples = 1 + rotations + augmented;
    if samples == 1 {
        return (cores, 0);
    }
    let work = (samples + rotations) as f32 + augmented as f32 * COPY_COST;
    let training = (cores as f32 * samples as f32 / work) as usize;
    (training.max(1), cores)
}

/// The producers for a run whose records come with `rotations` rotated and `augmented`
/// augmented copies, on this machine ([`share_cores`]).
pub fn default_producers(rotations: usize, augmented: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    share_cores(cores, rotations, augmented).1
}

/// The samples of a dataset and their copies, made ahead. See the module.
#[derive(Debug)]
pub struct Pipeline {
    stream: Stream,
    /// Records left to read (up to the limit).
    left: u64,
    /// The index of the next record to read.
    index: u64,
    record_len: usize,
    producers: Vec<Producer>,
    /// Batches dealt and not yet taken back, oldest first: (producer, records).
    dealt: VecDeque<usize>,
    /// Batches dealt so far, to deal the next one to the next producer in turn.
    turn: usize,
    /// Buffers to fill again.
    spare: Vec<Vec<u8>>,
    /// A read error, reported after the batches dealt before it.
    error: Option<DatasetError>,
    current: Vec<u8>,
    pos: usize,
}

/// One producer thread and its two channels.
#[derive(Debug)]
struct Producer {
    jobs: Option<SyncSender<Job>>,
    done: Receiver<Job>,
    handle: Option<JoinHandle<()>>,
}

/// A batch: records in `records` (label + pixels each) from record `first` on; the producer
/// fills `samples` with each record followed by its copies.
#[derive(Debug)]
struct Job {
    first: u64,
    records: Vec<u8>,
    samples: Vec<u8>,
}

impl Pipeline {
    /// Starts producing the first `limit` records of `data`, each followed by `copies − 1`
    /// copies that `copier(index, copy, label, pixels, out)` writes into `out` (`copy` counts from
    /// 1; `index` is the record's place in `data`) on `producers` threads. The copier also
    /// writes the record itself as it is to be trained on, as copy 0 (a copier that makes
    /// the copies from the record stood upright passes it on upright, so the training thread
    /// need not do it again). `copies` of 1 (or 0) means the records alone, as they are, and
    /// no producer thread.
    pub fn spawn<F>(
        data: &Dataset,
        limit: u64,
        copies: usize,
        producers: usize,
        copier: F,
    ) -> Result<Self, DatasetError>
    where
        F: FnMut(u64, usize, u8, &[u8], &mut [u8]) + Clone + Send + 'static,
    {
        Self::spawn_from(data, 1, 0, limit, copies, producers, copier)
    }

    /// As [`spawn`](Self::spawn), for epoch `epoch` (from 1: a mixed dataset's mixed-in
    /// records go on from the epoch before's, [`Dataset::stream_epoch`]) from record `start`
    /// on (a resumed run): the records before it are read past, and `index` counts from `start`.
    pub fn spawn_from<F>(
        data: &Dataset,
        epoch: u32,
        start: u64,
        limit: u64,
        copies: usize,
        producers: usize,
        copier: F,
    ) -> Result<Self, DatasetError>
    where
        F: FnMut(u64, usize, u8, &[u8], &mut [u8]) + Clone + Send + 'static,
    {
        let mut stream = data.stream_epoch(epoch)?;
        let start = start.min(limit);
        for _ in 0..start {
            if stream.next_record()?.is_none() {
                break;
            }
        }
        let record_len = data.header().record_len();
        let copies = copies.max(1);
        let producers = if copies == 1 { 0 } else { producers.max(1) };
        let producers = (0..producers)
            .map(|p| Producer::spawn(p, copies, record_len, copier.clone()))
            .collect::<std::io::Result<Vec<_>>>()
            .map_err(|e| DatasetError::Blob {
                name: data.name().to_string(),
                error: e.into(),
            })?;
        Ok(Pipeline {
            stream,
            left: limit - start,
            index: start,
            record_len,
            producers,
            dealt: VecDeque::new(),
            turn: 0,
            spare: Vec::new(),
            error: None,
            current: Vec::new(),
            pos: 0,
        })
    }

    /// The producer threads making copies (0 without copies).
    pub fn producers(&self) -> usize {
        self.producers.len()
    }

    /// The next sample as (label, pixels), `Ok(None)` after the last. An error ends the samples.
    pub fn next_sample(&mut self) -> Result<Option<(u8, &[u8])>, DatasetError> {
        if self.producers.is_empty() {
            if self.left == 0 {
                return Ok(None);
            }
            let record = self.stream.next_record();
            if !matches!(record, Ok(Some(_))) {
                self.left = 0;
            } else {
                self.left -= 1;
            }
            return record;
        }
        if self.pos >= self.current.len() {
            self.deal();
            let Some(p) = self.dealt.pop_front() else {
                return match self.error.take() {
                    Some(e) => Err(e),
                    None => Ok(None),
                };
            };
            let Ok(job) = self.producers[p].done.recv() else {
                panic!("a sample producer thread panicked");
            };
            let used = std::mem::replace(&mut self.current, job.samples);
            self.spare.extend([used, job.records]);
            self.pos = 0;
            self.deal(); // the producer just freed is given its next batch at once
        }
        let record = &self.current[self.pos..self.pos + self.record_len];
        self.pos += self.record_len;
        Ok(Some((record[0], &record[1..])))
    }

    /// Deals batches of records to the producers until each is `BATCHES_AHEAD` ahead, the
    /// records run out, or reading fails.
    fn deal(&mut self) {
        let n = self.producers.len();
        while self.dealt.len() < n * BATCHES_AHEAD && self.left > 0 && self.error.is_none() {
            let mut records = self.spare.pop().unwrap_or_default();
            records.clear();
            let first = self.index;
            while records.len() < RECORDS_PER_BATCH * self.record_len && self.left > 0 {
                match self.stream.next_record() {
                    Ok(Some((label, pixels))) => {
                        records.push(label);
                        records.extend_from_slice(pixels);
                        self.index += 1;
                        self.left -= 1;
                    }
                    Ok(None) => self.left = 0,
                    Err(e) => {
                        self.error = Some(e);
                        self.left = 0;
                    }
                }
            }
            if records.is_empty() {
                self.spare.push(records);
                break;
            }
            let mut samples = self.spare.pop().unwrap_or_default();
            samples.clear();
            let p = self.turn % n;
            self.turn += 1;
            let job = Job {
                first,
                records,
                samples,
            };
            // Never blocks: a producer holds at most BATCHES_AHEAD batches, the channel's room.
            let sent = self.producers[p].jobs.as_ref().map(|jobs| jobs.send(job));
            if !matches!(sent, Some(Ok(()))) {
                panic!("a sample producer thread panicked");
            }
            self.dealt.push_back(p);
        }
    }
}

impl Producer {
    fn spawn<F>(p: usize, copies: usize, record_len: usize, mut copier: F) -> std::io::Result<Self>
    where
        F: FnMut(u64, usize, u8, &[u8], &mut [u8]) + Send + 'static,
    {
        let (jobs, todo) = sync_channel::<Job>(BATCHES_AHEAD);
        let (finished, done) = sync_channel::<Job>(BATCHES_AHEAD);
        let handle = std::thread::Builder::new()
            .name(format!("nnzero-copies-{p}"))
            .spawn(move || {
                let mut out = vec![0u8; record_len - 1];
                while let Ok(mut job) = todo.recv() {
                    job.samples.reserve(job.records.len() * copies);
                    for (i, record) in job.records.chunks_exact(record_len).enumerate() {
                        let (label, pixels) = (record[0], &record[1..]);
                        for copy in 0..copies {
                            copier(job.first + i as u64, copy, label, pixels, &mut out);
                            job.samples.push(label);
                            job.samples.extend_from_slice(&out);
                        }
                    }
                    if finished.send(job).is_err() {
                        return; // the consumer has gone
                    }
                }
            })?;
        Ok(Producer {
            jobs: Some(jobs),
            done,
            handle: Some(handle),
        })
    }
}

impl Drop for Producer {
    fn drop(&mut self) {
        self.jobs = None; // ends the producer's loop once its batches are made
        if let Some(h) = self.handle.take() {
            // Its sends never block (the channel has room for every batch it may hold).
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The samples are the records in order, each followed by its copies, whatever the
    /// number of producers.
    #[test]
    fn records_and_copies_come_in_the_order_of_a_loop() {
        let data = Dataset::bundled_test().unwrap();
        let copier = |index: u64, copy: usize, _: u8, src: &[u8], dst: &mut [u8]| {
            let add = if copy == 0 {
                0
            } else {
                (copy as u8).wrapping_add(index as u8)
            };
            for (d, &s) in dst.iter_mut().zip(src) {
                *d = s.wrapping_add(add);
            }
        };
        for producers in [1, 2, 3] {
            let mut p = Pipeline::spawn(&data, 150, 3, producers, copier).unwrap();
            assert_eq!(p.producers(), producers);
            let mut stream = data.stream().unwrap();
            let mut n = 0;
            for index in 0..150u64 {
                let (label, pixels) = stream.next_record().unwrap().unwrap();
                let pixels = pixels.to_vec();
                for copy in 0..3u8 {
                    let (l, p) = p.next_sample().unwrap().expect("a sample");
                    assert_eq!(l, label);
                    let add = if copy == 0 {
                        0
                    } else {
                        copy.wrapping_add(index as u8)
                    };
                    let want: Vec<u8> = pixels.iter().map(|&v| v.wrapping_add(add)).collect();
                    assert_eq!(p, &want[..], "record {index} copy {copy}");
                    n += 1;
                }
            }
            assert!(p.next_sample().unwrap().is_none());
            assert!(p.next_sample().unwrap().is_none());
            assert_eq!(n, 450);
        }
    }

    #[test]
    fn a_start_and_a_limit_count_records_and_stopping_early_is_fine() {
        let data = Dataset::bundled_test().unwrap();
        let none = |_: u64, _: usize, _: u8, _: &[u8], _: &mut [u8]| {};
        let mut p = Pipeline::spawn(&data, u64::MAX, 1, 2, none).unwrap();
        assert_eq!(p.producers(), 0);
        let mut n = 0;
        while p.next_sample().unwrap().is_some() {
            n += 1;
        }
        assert_eq!(n, data.len());
        assert!(p.next_sample().unwrap().is_none());
        // From record 100 to 170, with one copy: 140 samples, the copies numbered from 100.
        let seen = |index: u64, copy: usize, _: u8, src: &[u8], dst: &mut [u8]| {
            dst.copy_from_slice(src);
            dst[0] = if copy == 0 { 0 } else { index as u8 };
        };
        let mut p = Pipeline::spawn_from(&data, 1, 100, 170, 2, 2, seen).unwrap();
        let mut n = 0;
        while let Some((_, pixels)) = p.next_sample().unwrap() {
            if n % 2 == 1 {
                assert_eq!(pixels[0], (100 + n / 2) as u8);
            }
            n += 1;
        }
        assert_eq!(n, 140);
        let mut early = Pipeline::spawn(&data, u64::MAX, 2, 2, none).unwrap();
        assert!(early.next_sample().unwrap().is_some());
        drop(early);
    }

    #[test]
    fn the_cores_are_shared_by_the_work() {
        assert_eq!(share_cores(2, 0, 0), (2, 0));
        assert_eq!(share_cores(2, 0, 2), (1, 2)); // --augment
        assert_eq!(share_cores(4, 0, 2), (2, 4));
        assert_eq!(share_cores(8, 0, 2), (5, 8));
        assert_eq!(share_cores(4, 2, 0), (2, 4)); // --rotate: cheap copies
        assert_eq!(share_cores(16, 2, 2), (9, 16)); // both
        assert_eq!(share_cores(1, 0, 2), (1, 1));
    }
}

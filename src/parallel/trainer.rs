//! The book's training step on several cores, with the same bits as one.
//!
//! One sample's update looks serial, but it is not across hidden nodes: hidden node `h`'s
//! forward sum, its error (column `h` of `who` · output errors), the update of its row of `wih`
//! and of its column of `who` touch only node `h`'s weights. A [`ParallelTrainer`] splits the
//! hidden nodes into one contiguous range per thread; each thread keeps its rows of `wih` in a
//! block of its own (contiguous, 64-byte aligned, so no two threads ever write one cache line)
//! and does, per sample:
//! ```text
//! for h in its nodes:        // the previous sample's pending updates, then this sample's sums
//!     hidden_errors[h] = who[:, h] · output_errors
//!     who[:, h]       += output_gradient · hidden_outputs[h]
//!     gradient[h]      = lr · hidden_errors[h] ∘ h ∘ (1 − h)
//!     wih[h, :]       += gradient[h] · previous_inputsᵀ,  then  sum[h] = wih[h, :] · inputs
//!     hidden_outputs[h] = σ(sum[h])
//! ```
//! and then the ten outputs, which need every hidden value. Their sums are taken block after
//! block: the thread of block `t` goes on from block `t − 1`'s sums over its own hidden nodes
//! (`final_inputs += who[:, its nodes] · hidden_outputs[its nodes]`), which adds every term in
//! the same order as one thread would. The calling thread runs the last block, so it usually
//! finds the other blocks' sums ready when it gets there; it then finishes the output layer
//! (`final_outputs = σ(final_inputs)`, the output errors and gradient) while the others wait
//! for the next sample. A sample costs the "go" and the hand-over of the sums, and no serial
//! pass over `who`. A block whose thread has not woken up yet (the OS has not scheduled it)
//! is run by a thread that is running, so a busy machine costs speed, not a wait for every
//! sleeper. Every weight sees the same operations in the same order as in
//! [`Trainer`](crate::Trainer), and every sum adds its terms in the same order, so the weights
//! are bit-identical for every thread count, on every CPU.
//!
//! The threads are started when the trainer is made and live until it is dropped, so make
//! one per run, not one per sample or epoch. A thread waiting at a barrier spins for a few
//! microseconds (a sample takes about ten), then yields, then sleeps: on a loaded or
//! oversubscribed machine (`--threads 4` on two cores) training is slower, never stuck.
#![allow(unsafe_code)]

use std::cell::UnsafeCell;
use std::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle, Thread};
use std::time::{Duration, Instant};

use crate::digits::mnist::scale_image;
use crate::net::activation::sigmoid_in_place;
use crate::net::aligned::{AlignedBuf, LINE_FLOATS};
use crate::net::layer;
use crate::Network;

/// Hidden nodes per thread below which another thread costs more in barriers than it saves.
/// With 784 inputs, 48 rows are 150 KB of `wih` per sample, some 5 µs of one core's work.
pub const MIN_ROWS_PER_THREAD: usize = 48;

/// Threads beyond which the barriers and the serial output layer eat the gain (an estimate:
/// the per-sample work of 784-200-10 split four ways is about 2 µs a thread).
pub const MAX_DEFAULT_THREADS: usize = 4;

/// The default thread count for a network with `hidden` nodes: the machine's cores, at most
/// [`MAX_DEFAULT_THREADS`], and no fewer than [`MIN_ROWS_PER_THREAD`] nodes a thread.
pub fn default_threads(hidden: usize) -> usize {
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    cores
        .min(MAX_DEFAULT_THREADS)
        .min(hidden / MIN_ROWS_PER_THREAD)
        .max(1)
}

/// The default thread count for a run of a network with `hidden` nodes whose records come
/// with `rotations` rotated and `augmented` augmented copies each: [`default_threads`], at
/// most the share of the cores that training gets beside making the copies
/// ([`crate::dataset::pipeline::share_cores`]: with `--augment`, one thread on two cores, two on four).
pub fn default_threads_for(hidden: usize, rotations: usize, augmented: usize) -> usize {
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    let (training, _) = crate::dataset::pipeline::share_cores(cores, rotations, augmented);
    default_threads(hidden).min(training).max(1)
}

/// The hidden-node range of each of (up to) `threads` threads, in order, for a network with
/// `outputs` output nodes. A range starts where its columns of `who` (`outputs` floats a
/// node) start a cache line: every [`step`] nodes, 8 for the book's ten outputs. A range is
/// never empty, so there may be fewer ranges than asked. The ranges are as even as the step
/// allows, and where they cannot be even the calling thread's (the last) is the smaller: it
/// also has the output layer to do.
pub fn split(hidden: usize, threads: usize, outputs: usize) -> Vec<(usize, usize)> {
    let step = step(outputs);
    let chunks = hidden.div_ceil(step);
    let n = threads.clamp(1, chunks.max(1));
    (0..n)
        .map(|t| {
            // Rounding up gives the earlier blocks the odd chunks.
            let (c0, c1) = ((t * chunks).div_ceil(n), ((t + 1) * chunks).div_ceil(n));
            ((c0 * step).min(hidden), (c1 * step).min(hidden))
        })
        .collect()
}

/// The fewest hidden nodes whose columns of `who` (`outputs` floats each) fill whole cache
/// lines: two threads' ranges must never share one, or it bounces between their cores.
pub fn step(outputs: usize) -> usize {
    fn gcd(a: usize, b: usize) -> usize {
        if b == 0 {
            a
        } else {
            gcd(b, a % b)
        }
    }
    LINE_FLOATS / gcd(outputs.max(1), LINE_FLOATS)
}

/// Trains a [`Network`] sample by sample on several threads; the same weights, bit for bit,
/// as [`Network::trainer`] (and so as the book's `train`), whatever the thread count.
///
/// ```
/// use nnzero::{parallel::ParallelTrainer, Network};
/// let mut trainer = ParallelTrainer::new(Network::new(4, 32, 2, 0.3, 1), 2);
/// let outputs = trainer.train(&[0.1, 0.9, 0.5, 0.3], &[0.99, 0.01]);
/// assert_eq!(outputs.len(), 2); // what the network said before learning from the sample
/// let net = trainer.into_network();
/// assert_eq!(net.hidden(), 32);
/// ```
#[derive(Debug)]
pub struct ParallelTrainer {
    net: Network,
    shared: Arc<Shared>,
    workers: Workers,
    final_outputs: Vec<f32>,
    /// The inputs buffer the next sample goes into (the other holds the pending sample's).
    slot: usize,
    /// A sample's `wih` update is waiting to be applied.
    pending: bool,
    /// `net.wih` is stale: the blocks hold the weights.
    dirty: bool,
    reverse: bool,
}

impl ParallelTrainer {
    /// Takes the network and starts `threads − 1` threads beside the calling one (fewer if the
    /// network has too few hidden nodes: see [`split`]).
    ///
    /// # Panics
    /// If the operating system cannot start a thread.
    pub fn new(mut net: Network, threads: usize) -> Self {
        let (inputs, hidden, outputs) = (net.inputs(), net.hidden(), net.outputs());
        let ranges = split(hidden, threads, outputs);
        let n_blocks = ranges.len();
        let (wih, who) = net.weights_mut();
        let blocks = ranges
            .iter()
            .map(|&(a, b)| {
                let rows = b - a;
                let mut block = AlignedBuf::zeroed(rows * inputs);
                for (dst, src) in block
                    .chunks_exact_mut(rows)
                    .zip(wih.as_slice().chunks_exact(hidden))
                {
                    dst.copy_from_slice(&src[a..b]);
                }
                Block {
                    wih: Raw::new(block),
                    gradient: Raw::new(AlignedBuf::zeroed(rows)),
                    hidden_outputs: Raw::new(AlignedBuf::zeroed(rows)),
                    x: [
                        Raw::new(AlignedBuf::zeroed(inputs)),
                        Raw::new(AlignedBuf::zeroed(inputs)),
                    ],
                    sums: Raw::new(AlignedBuf::zeroed(outputs)),
                    ready: Padded(AtomicU64::new(0)),
                    left: Padded(AtomicU64::new(0)),
                }
            })
            .collect();
        let shared = Arc::new(Shared {
            inputs,
            outputs,
            ranges,
            blocks,
            // The network's own `who`, in place: its heap buffer does not move with `net`.
            who: Raw::borrow(who.as_mut_slice()),
            output_errors: Raw::new(AlignedBuf::zeroed(outputs)),
            output_gradient: Raw::new(AlignedBuf::zeroed(outputs)),
            control: Control {
                generation: AtomicU64::new(0),
                job: UnsafeCell::new(Job::IDLE),
            },
            claims: (0..n_blocks).map(|_| Padded(AtomicU64::new(0))).collect(),
            failed: AtomicBool::new(false),
            exit: AtomicBool::new(false),
            sleepers: Sleepers::default(),
        });
        let handles = (1..shared.ranges.len())
            .map(|t| {
                let s = Arc::clone(&shared);
                thread::Builder::new()
                    .name(format!("nnzero-train-{t}"))
                    .spawn(move || worker(&s, t))
                    .expect("start a training thread")
            })
            .collect();
        ParallelTrainer {
            net,
            shared: Arc::clone(&shared),
            workers: Workers { shared, handles },
            final_outputs: vec![0.0; outputs],
            slot: 0,
            pending: false,
            dirty: false,
            reverse: false,
        }
    }

    /// The number of threads training, the calling one included.
    pub fn threads(&self) -> usize {
        self.shared.ranges.len()
    }

    /// Trains on one sample and returns the network's outputs for it *before* this sample's
    /// update, as [`Trainer::train`](crate::Trainer::train) does.
    ///
    /// # Panics
    /// If `inputs` or `targets` do not have the network's input and output sizes.
    pub fn train(&mut self, inputs: &[f32], targets: &[f32]) -> &[f32] {
        assert_eq!(inputs.len(), self.shared.inputs, "input size");
        self.train_from(Source::Floats(inputs.as_ptr()), targets)
    }

    /// [`train`](Self::train) on a picture's pixels (0 = background … 255 = ink), scaled to
    /// inputs as [`scale_image`] does: the same bits as `scale_image` then `train`, but each
    /// thread scales the pixels itself, so a sample crosses between the cores as bytes.
    ///
    /// # Panics
    /// If `pixels` or `targets` do not have the network's input and output sizes.
    pub fn train_pixels(&mut self, pixels: &[u8], targets: &[f32]) -> &[f32] {
        assert_eq!(pixels.len(), self.shared.inputs, "input size");
        self.train_from(Source::Pixels(pixels.as_ptr()), targets)
    }

    /// One sample's step, its inputs read from `source`, which the caller has checked.
    fn train_from(&mut self, source: Source, targets: &[f32]) -> &[f32] {
        assert_eq!(targets.len(), self.shared.outputs, "output size");
        self.dispatch(Job {
            kind: Kind::Step,
            source,
            slot: self.slot,
            pending: self.pending,
            lr: self.net.learning_rate(),
            reverse: self.reverse,
        });
        if self.pending {
            self.reverse = !self.reverse;
        }
        let s = &*self.shared;
        // SAFETY: the job is done; until the next one this thread alone touches these.
        let (final_inputs, errors, gradient) = unsafe {
            (
                s.blocks[s.blocks.len() - 1].sums.read(),
                s.output_errors.all(),
                s.output_gradient.all(),
            )
        };
        // final_outputs = σ(who · hidden_outputs), who with the last sample's update: the
        // blocks have added up the sums.
        self.final_outputs.copy_from_slice(final_inputs);
        sigmoid_in_place(&mut self.final_outputs);
        // output_errors = targets − final_outputs; the gradient lr · e ∘ o ∘ (1 − o). The
        // threads apply both with the next sample (or at a flush).
        for ((e, &t), &o) in errors.iter_mut().zip(targets).zip(&self.final_outputs) {
            *e = t - o;
        }
        gradient.copy_from_slice(errors);
        layer::gradient_in_place(self.net.learning_rate(), gradient, &self.final_outputs);
        self.slot = 1 - self.slot;
        self.pending = true;
        self.dirty = true;
        &self.final_outputs
    }

    /// Changes the learning rate from the next sample on (the last sample's pending update is
    /// applied first, with the rate it was computed with).
    pub fn set_learning_rate(&mut self, learning_rate: f32) {
        self.flush();
        self.net.set_learning_rate(learning_rate);
    }

    /// The network with every update so far applied: to test it between epochs, or save it.
    pub fn network(&mut self) -> &Network {
        self.sync();
        &self.net
    }

    /// The network, if every update so far has been applied to it (after
    /// [`network`](Self::network) and before the next [`train`](Self::train)); `None` while
    /// the threads' blocks hold newer weights.
    pub fn synced(&self) -> Option<&Network> {
        (!self.pending && !self.dirty).then_some(&self.net)
    }

    /// Stops the threads and gives the trained network back.
    pub fn into_network(mut self) -> Network {
        self.sync();
        let ParallelTrainer { net, workers, .. } = self;
        drop(workers); // joins the threads, which never touch `net` between jobs
        net
    }

    /// Applies the pending update to the blocks.
    fn flush(&mut self) {
        if self.pending {
            self.dispatch(Job {
                kind: Kind::Flush,
                source: Source::None,
                slot: self.slot,
                pending: true,
                lr: self.net.learning_rate(),
                reverse: false,
            });
            self.pending = false;
        }
    }

    /// Applies the pending update and copies the blocks back into the network's `wih`.
    fn sync(&mut self) {
        self.flush();
        if !self.dirty {
            return;
        }
        let hidden = self.net.hidden();
        let (wih, _) = self.net.weights_mut();
        for (&(a, b), block) in self.shared.ranges.iter().zip(&self.shared.blocks) {
            // SAFETY: no job is running.
            let block = unsafe { block.wih.all() };
            for (dst, src) in wih
                .as_mut_slice()
                .chunks_exact_mut(hidden)
                .zip(block.chunks_exact(b - a))
            {
                dst[a..b].copy_from_slice(src);
            }
        }
        self.dirty = false;
    }

    /// Runs `job` on every block and waits until all are done. This thread does block 0,
    /// then any block whose thread has not started it (a thread the OS has not scheduled):
    /// on a busy machine the running threads do the work, instead of waiting for the others.
    fn dispatch(&self, job: Job) {
        let s = &*self.shared;
        let blocks = s.ranges.len();
        // SAFETY: every block of the last job is done, so no thread reads `job`.
        unsafe { *s.control.job.get() = job };
        if blocks == 1 {
            // SAFETY: there are no other threads.
            unsafe { s.run(0, job, 0) };
            return;
        }
        // Release: the job and the inputs written above are seen by whoever sees this.
        let generation = s.control.generation.fetch_add(1, Ordering::Release) + 1;
        s.sleepers.wake();
        // The last block first: it is this thread's, and it ends the output layer's sums.
        s.claim_and_run(blocks - 1, generation);
        // A step's last block has waited for the sums of every block before it, running any
        // nobody had started; a flush has no sums, so this thread does what is left. (Not
        // looking at the claims when there is no need keeps their lines in the workers'
        // caches.)
        if job.kind == Kind::Flush {
            for t in 0..blocks - 1 {
                s.claim_and_run(t, generation);
            }
        }
        let failed = || s.failed.load(Ordering::Relaxed);
        // A step is over when this thread's block is: it went on from the sums of the block
        // before, which went on from the one before that, and every block sets its sums
        // after its last look at the inputs and the output errors. A flush waits for all.
        if job.kind == Kind::Flush {
            s.sleepers.wait(|| {
                failed()
                    || s.blocks
                        .iter()
                        .all(|b| b.ready.load(Ordering::Acquire) == generation)
            });
        }
        if failed() {
            // Every block must have left this job before the panic unwinds past the
            // caller's inputs, which they read: run the unclaimed (they stop at once).
            for t in 0..blocks {
                s.claim_and_run(t, generation);
            }
            s.sleepers.wait(|| {
                s.blocks
                    .iter()
                    .all(|b| b.left.load(Ordering::Acquire) == generation)
            });
            panic!("a training thread panicked");
        }
    }
}

/// The worker threads; dropping this stops and joins them.
#[derive(Debug)]
struct Workers {
    shared: Arc<Shared>,
    handles: Vec<JoinHandle<()>>,
}

impl Drop for Workers {
    fn drop(&mut self) {
        if self.handles.is_empty() {
            return;
        }
        self.shared.exit.store(true, Ordering::Relaxed);
        self.shared
            .control
            .generation
            .fetch_add(1, Ordering::Release);
        for h in self.handles.drain(..) {
            h.thread().unpark();
            let _ = h.join();
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// Apply the pending update and compute the hidden outputs of the inputs in `slot`.
    Step,
    /// Apply the pending update only.
    Flush,
}

/// The caller's inputs of a [`Kind::Step`], borrowed for the job: the calling thread waits
/// for every block before `train` returns, so they outlive every read.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// A flush has no inputs.
    None,
    /// `inputs` floats, as given.
    Floats(*const f32),
    /// `inputs` pixels, scaled by [`scale_image`] in each thread.
    Pixels(*const u8),
}

/// What every thread does next; written by the calling thread between jobs.
#[derive(Debug, Clone, Copy)]
struct Job {
    kind: Kind,
    /// Where this sample's inputs are read from (by every thread, into its `x[slot]`).
    source: Source,
    /// The inputs go in each block's `x[slot]`, the pending sample's are in `x[1 − slot]`.
    slot: usize,
    pending: bool,
    lr: f32,
    reverse: bool,
}

impl Job {
    const IDLE: Job = Job {
        kind: Kind::Flush,
        source: Source::None,
        slot: 0,
        pending: false,
        lr: 0.0,
        reverse: false,
    };
}

/// One thread's rows of `wih`, (rows, inputs) column-major, their pending gradient, and the
/// output layer's sums over the hidden nodes up to the end of this block.
#[derive(Debug)]
struct Block {
    wih: Raw,
    gradient: Raw,
    /// The block's hidden outputs, on cache lines of their own.
    hidden_outputs: Raw,
    /// The block's own copy of the inputs: `x[slot]` this sample's, the other the pending
    /// sample's. Each thread makes its own from the caller's, so no thread ever writes a line
    /// another reads, and pixels cross between the cores as bytes, not floats.
    x: [Raw; 2],
    /// final_inputs over hidden nodes `0..b` (this block's end), for the next block to go on.
    sums: Raw,
    /// The job (generation) whose sums `sums` holds, or that it has flushed: after setting
    /// it the block's thread touches nothing the job shares.
    ready: Padded<AtomicU64>,
    /// The latest job (generation) whose block has returned: waited for only when a job
    /// fails.
    left: Padded<AtomicU64>,
}

/// The job every thread does next, and its number.
#[derive(Debug)]
#[repr(align(64))]
struct Control {
    /// Incremented for every job; the workers wait for it to change.
    generation: AtomicU64,
    /// Written by the calling thread between jobs, read by every thread during one.
    job: UnsafeCell<Job>,
}

/// A value on a cache line of its own. The flags below are written by different threads
/// every sample; two on one line would bounce it between the cores (false sharing).
#[derive(Debug, Default)]
#[repr(align(64))]
struct Padded<T>(T);

impl<T> std::ops::Deref for Padded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// A float buffer the threads share, reached through a raw pointer so that each thread can
/// make a slice of its own part without any reference to the whole. It owns the buffer, or
/// (for `who`) borrows the network's, which outlives the threads.
#[derive(Debug)]
struct Raw {
    ptr: *mut f32,
    len: usize,
    _owned: Option<AlignedBuf>,
}

impl Raw {
    fn new(mut buf: AlignedBuf) -> Self {
        Raw {
            ptr: buf.as_mut_ptr(),
            len: buf.len(),
            _owned: Some(buf),
        }
    }

    fn borrow(slice: &mut [f32]) -> Self {
        Raw {
            ptr: slice.as_mut_ptr(),
            len: slice.len(),
            _owned: None,
        }
    }

    /// # Safety
    /// No other thread may touch `from..to` while the slice lives.
    #[allow(clippy::mut_from_ref)]
    unsafe fn part(&self, from: usize, to: usize) -> &mut [f32] {
        assert!(from <= to && to <= self.len);
        // SAFETY: in bounds (checked); exclusive by the caller's promise.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(from), to - from) }
    }

    /// # Safety
    /// No other thread may touch the buffer while the slice lives.
    #[allow(clippy::mut_from_ref)]
    unsafe fn all(&self) -> &mut [f32] {
        // SAFETY: the caller's promise.
        unsafe { self.part(0, self.len) }
    }

    /// # Safety
    /// No thread may write the buffer while the slice lives.
    unsafe fn read(&self) -> &[f32] {
        // SAFETY: in bounds; no writer by the caller's promise.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

/// What the threads share. Between jobs only the calling thread touches the buffers; during a
/// job the one thread that claimed block `t` writes only its ranges (`ranges[t]` of the hidden
/// outputs and of `who`'s columns, and the block) and reads the inputs and output errors, which
/// nobody writes.
#[derive(Debug)]
struct Shared {
    inputs: usize,
    outputs: usize,
    ranges: Vec<(usize, usize)>,
    blocks: Vec<Block>,
    /// who is (output, hidden), column-major: node h's column is `outputs` floats.
    who: Raw,
    /// targets − final_outputs of the pending sample.
    output_errors: Raw,
    /// lr · output_errors ∘ o ∘ (1 − o) of the pending sample.
    output_gradient: Raw,
    /// The job and its generation, on one cache line: a worker that sees the one has the
    /// other in the same read.
    control: Control,
    /// The generation each block was last claimed for: a thread runs a block after moving
    /// it from the last generation to the current one, so each block runs once per job.
    claims: Vec<Padded<AtomicU64>>,
    failed: AtomicBool,
    exit: AtomicBool,
    /// The threads asleep at a wait.
    sleepers: Sleepers,
}

// SAFETY: the raw buffers are shared under the job protocol described on `Shared`: the
// generation counter (release/acquire) hands them to the workers, a block's claim gives it to
// one thread for the job, the blocks' `ready` flags hand them back, and within a job the
// blocks' writes are disjoint.
unsafe impl Sync for Shared {}
// SAFETY: as above; the buffers themselves are plain heap floats.
unsafe impl Send for Shared {}

impl Shared {
    /// Runs block `t` for job `generation` unless another thread has claimed it.
    fn claim_and_run(&self, t: usize, generation: u64) {
        // A look before the compare-exchange: a taken block costs a read, not a write.
        if self.claims[t].load(Ordering::Relaxed) != generation - 1 {
            return;
        }
        // Acquire/Release: whoever claims next sees this block's weights as left by the last.
        if self.claims[t]
            .compare_exchange(
                generation - 1,
                generation,
                Ordering::AcqRel,
                Ordering::Relaxed,
            )
            .is_err()
        {
            return; // taken, or a job that is over
        }
        // Says that the block has left the job, even if it panics: a panic fails the job,
        // and the calling thread waits for every block to leave before it panics too.
        struct Report<'a>(&'a Shared, usize, u64);
        impl Drop for Report<'_> {
            fn drop(&mut self) {
                let Report(s, t, generation) = *self;
                if thread::panicking() {
                    s.failed.store(true, Ordering::Relaxed);
                }
                // The largest: after a failure another thread may have run the block for
                // the next job before a late runner of this one gets here.
                s.blocks[t].left.fetch_max(generation, Ordering::Release);
                if s.failed.load(Ordering::Relaxed) {
                    s.sleepers.wake();
                }
            }
        }
        let _report = Report(self, t, generation);
        // SAFETY: the claim makes block t ours for this job, which cannot end (nor `job`
        // change) until we set the block's `ready` (or the job fails and the calling thread
        // waits for `left`).
        unsafe { self.run(t, *self.control.job.get(), generation) };
    }

    /// Waits until block `t`'s output sums of job `generation` are ready (or a thread has
    /// failed), running any block before it that no thread has started meanwhile.
    fn wait_for_sums(&self, t: usize, generation: u64) {
        let ready = || {
            self.blocks[t].ready.load(Ordering::Acquire) == generation
                || self.failed.load(Ordering::Relaxed)
        };
        if ready() {
            return;
        }
        // Spin first: the block's thread is usually running and nearly there, and looking
        // at its claim would take that line from its core.
        let start = Instant::now();
        let mut spins = 0u32;
        while !ready() {
            std::hint::spin_loop();
            spins += 1;
            if spins % 64 == 0 && start.elapsed() > SPIN {
                // The blocks up to t may not have been claimed: a thread the OS has not
                // run yet.
                for k in 0..=t {
                    self.claim_and_run(k, generation);
                }
                self.sleepers.wait(ready);
                return;
            }
        }
    }

    /// Block `t`'s part of `job` (of generation `generation`).
    ///
    /// # Safety
    /// Only one thread runs block `t` at a time, and only while `job` is the current job.
    unsafe fn run(&self, t: usize, job: Job, generation: u64) {
        let (a, b) = self.ranges[t];
        let o = self.outputs;
        let block = &self.blocks[t];
        // SAFETY: these ranges are thread t's alone during the job (see `Shared`); the
        // inputs and output errors are only read.
        let (wih, gradient, who, hidden_outputs, x, x_prev, errors, out_gradient) = unsafe {
            (
                block.wih.all(),
                block.gradient.all(),
                self.who.part(a * o, b * o),
                block.hidden_outputs.all(),
                block.x[job.slot].all(),
                block.x[1 - job.slot].read(),
                self.output_errors.read(),
                self.output_gradient.read(),
            )
        };
        if job.pending {
            // hidden_errors = whoᵀ · output_errors, with who before its update.
            layer::backward_errors(who, errors, gradient);
            // who += output_gradient · hidden_outputsᵀ (this node's columns).
            layer::update(who, out_gradient, hidden_outputs);
            // The pending wih update's gradient, lr · e ∘ h ∘ (1 − h).
            layer::gradient_in_place(job.lr, gradient, hidden_outputs);
        }
        match job.kind {
            Kind::Step => {
                // This thread's copy of the inputs. SAFETY: the caller's slice of `inputs`
                // values lives until every block of the job is done (see `Source`).
                match job.source {
                    Source::Floats(p) => {
                        x.copy_from_slice(unsafe { std::slice::from_raw_parts(p, x.len()) })
                    }
                    Source::Pixels(p) => {
                        scale_image(unsafe { std::slice::from_raw_parts(p, x.len()) }, x)
                    }
                    Source::None => unreachable!("a step has inputs"),
                }
                if job.pending {
                    layer::update_then_weighted_sums(
                        wih,
                        gradient,
                        x_prev,
                        x,
                        hidden_outputs,
                        job.reverse,
                    );
                } else {
                    layer::weighted_sums(wih, x, hidden_outputs);
                }
                sigmoid_in_place(hidden_outputs);
                // final_inputs so far += who[:, a..b] · hidden_outputs[a..b], after the
                // blocks before this one, so each output adds its terms in node order.
                // SAFETY: block t's sums are its runner's alone until `ready` says so;
                // block t − 1's are only read once ready, and not written again in this job.
                let sums = unsafe { block.sums.all() };
                if t == 0 {
                    sums.fill(0.0);
                } else {
                    self.wait_for_sums(t - 1, generation);
                    if self.failed.load(Ordering::Relaxed) {
                        return; // the job is lost: the calling thread panics when it ends
                    }
                    sums.copy_from_slice(unsafe { self.blocks[t - 1].sums.read() });
                }
                layer::weighted_sums_onto(who, hidden_outputs, sums);
                // Release: the sums are seen by whoever sees the flag.
                block.ready.store(generation, Ordering::Release);
                self.sleepers.wake();
            }
            Kind::Flush => {
                if job.pending {
                    layer::update(wih, gradient, x_prev);
                }
                // Release: the update is seen by whoever sees the flag.
                block.ready.store(generation, Ordering::Release);
                self.sleepers.wake();
            }
        }
    }
}

/// A worker: waits for each job, runs its own block (or any left), reports.
fn worker(s: &Shared, t: usize) {
    let mut seen = 0u64;
    loop {
        s.sleepers
            .wait(|| s.control.generation.load(Ordering::Acquire) != seen);
        seen = s.control.generation.load(Ordering::Acquire);
        if s.exit.load(Ordering::Relaxed) {
            return;
        }
        // Thread t's own block is t − 1, then any other that nobody has started, but the
        // last: the calling thread always runs that one itself.
        let blocks = s.ranges.len();
        for k in 0..blocks - 1 {
            s.claim_and_run((t - 1 + k) % (blocks - 1), seen);
        }
    }
}

/// How long a waiting thread spins before it yields, then sleeps. A sample takes about 10 µs
/// on one core, so a thread that has waited this long is waiting for a slow or descheduled
/// peer, and its core is better given away.
const SPIN: Duration = Duration::from_micros(20);
/// Yields before sleeping.
const YIELDS: u32 = 4;

/// The threads asleep at a wait, and how they are woken: whoever changes what a thread may
/// be waiting for calls [`wake`](Sleepers::wake), which costs a read while nobody sleeps.
#[derive(Debug, Default)]
struct Sleepers {
    count: Padded<AtomicUsize>,
    threads: Mutex<Vec<Thread>>,
}

impl Sleepers {
    /// Wakes every sleeping thread, after a change it may be waiting for.
    fn wake(&self) {
        // SeqCst fence here and in `wait`: either this sees the sleeper's count, or the
        // sleeper's check after counting itself sees the change (Dekker).
        fence(Ordering::SeqCst);
        if self.count.load(Ordering::Relaxed) > 0 {
            for t in self.lock().iter() {
                t.unpark();
            }
        }
    }

    /// Waits until `ready()`: spins briefly, then yields the core, then sleeps until woken.
    fn wait(&self, ready: impl Fn() -> bool) {
        let start = Instant::now();
        let mut spins = 0u32;
        loop {
            if ready() {
                return;
            }
            std::hint::spin_loop();
            spins += 1;
            if spins % 64 == 0 && start.elapsed() > SPIN {
                break;
            }
        }
        for _ in 0..YIELDS {
            if ready() {
                return;
            }
            thread::yield_now();
        }
        let me = thread::current();
        self.lock().push(me.clone());
        self.count.fetch_add(1, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        // `unpark` before `park` leaves a token, so a wake-up between the check and the park
        // is never lost; the timeout is a second guard, a spurious wake-up only checks again.
        while !ready() {
            thread::park_timeout(Duration::from_millis(1));
        }
        self.count.fetch_sub(1, Ordering::SeqCst);
        let mut threads = self.lock();
        if let Some(i) = threads.iter().position(|t| t.id() == me.id()) {
            threads.swap_remove(i);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Thread>> {
        // A panic while holding the list leaves it whole (pushes and removes are atomic).
        self.threads.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::network::tests::samples;

    fn bits(m: &[f32]) -> Vec<u32> {
        m.iter().map(|v| v.to_bits()).collect()
    }

    #[test]
    fn ranges_cover_the_nodes_on_cache_line_boundaries() {
        assert_eq!((step(10), step(1), step(16), step(4)), (8, 16, 1, 4));
        assert_eq!(split(200, 1, 10), vec![(0, 200)]);
        // 25 steps of 8: the worker gets the odd one, the calling thread the output layer.
        assert_eq!(split(200, 2, 10), vec![(0, 104), (104, 200)]);
        assert_eq!(
            split(200, 4, 10),
            vec![(0, 56), (56, 104), (104, 152), (152, 200)]
        );
        assert_eq!(split(20, 4, 1), vec![(0, 16), (16, 20)]);
        assert_eq!(split(5, 3, 10), vec![(0, 5)]);
        for outputs in [1, 2, 5, 10, 16] {
            for hidden in 1..100 {
                for threads in 1..6 {
                    let r = split(hidden, threads, outputs);
                    assert_eq!((r[0].0, r[r.len() - 1].1), (0, hidden));
                    assert!(r.windows(2).all(|w| w[0].1 == w[1].0 && w[0].0 < w[0].1));
                    // Each range's `who` columns start a cache line.
                    assert!(r.iter().all(|&(a, _)| a * outputs % LINE_FLOATS == 0));
                    // As even as the step allows (the last may end in a part of one), the
                    // last never the larger.
                    let sizes: Vec<usize> = r.iter().map(|&(a, b)| b - a).collect();
                    let (min, max) = (sizes.iter().min(), sizes.iter().max());
                    assert!(max.unwrap() - min.unwrap() < 2 * step(outputs), "{sizes:?}");
                    assert!(sizes[sizes.len() - 1] <= sizes[0], "{sizes:?}");
                }
            }
        }
    }

    /// Every thread count gives the one-thread trainer's weights and outputs, bit for bit,
    /// including a learning-rate change and a look at the network halfway.
    #[test]
    fn every_thread_count_gives_the_same_bits_as_the_trainer() {
        // 90 hidden nodes: ranges of 16k nodes and a partial one; 30 inputs, 5 outputs.
        let data = samples(60, 30, 5);
        let mut reference = Network::new(30, 90, 5, 0.2, 9);
        let mut want_outputs = Vec::new();
        {
            let mut t = reference.trainer();
            for (x, y) in &data[..30] {
                want_outputs.extend_from_slice(t.train(x, y));
            }
        }
        reference.set_learning_rate(0.05);
        {
            let mut t = reference.trainer();
            for (x, y) in &data[30..] {
                want_outputs.extend_from_slice(t.train(x, y));
            }
        }
        for threads in 1..=5 {
            let mut p = ParallelTrainer::new(Network::new(30, 90, 5, 0.2, 9), threads);
            let mut outputs = Vec::new();
            for (x, y) in &data[..30] {
                outputs.extend_from_slice(p.train(x, y));
            }
            let halfway = p.network().clone();
            assert_eq!(halfway.hidden(), 90);
            p.set_learning_rate(0.05);
            for (x, y) in &data[30..] {
                outputs.extend_from_slice(p.train(x, y));
            }
            assert_eq!(bits(&outputs), bits(&want_outputs), "{threads} threads");
            let net = p.into_network();
            assert_eq!(
                bits(net.wih().as_slice()),
                bits(reference.wih().as_slice()),
                "{threads} threads"
            );
            assert_eq!(bits(net.who().as_slice()), bits(reference.who().as_slice()));
        }
    }

    /// Pixels scaled by each thread train the same bits as `scale_image` then `train`.
    #[test]
    fn pixels_train_the_same_bits_as_their_scaled_inputs() {
        let pictures: Vec<(Vec<u8>, Vec<f32>)> = (0..40u32)
            .map(|i| {
                let p = (0..64u32)
                    .map(|j| ((i * 37 + j * 11) % 256) as u8)
                    .collect();
                let mut t = vec![0.01f32; 3];
                t[(i % 3) as usize] = 0.99;
                (p, t)
            })
            .collect();
        let mut reference = ParallelTrainer::new(Network::new(64, 40, 3, 0.3, 5), 1);
        let mut want = Vec::new();
        for (p, t) in &pictures {
            let mut x = vec![0.0f32; 64];
            scale_image(p, &mut x);
            want.extend_from_slice(reference.train(&x, t));
        }
        let reference = reference.into_network();
        for threads in 1..=4 {
            let mut p = ParallelTrainer::new(Network::new(64, 40, 3, 0.3, 5), threads);
            let mut outputs = Vec::new();
            for (pixels, t) in &pictures {
                outputs.extend_from_slice(p.train_pixels(pixels, t));
            }
            assert_eq!(bits(&outputs), bits(&want), "{threads} threads");
            let net = p.into_network();
            assert_eq!(bits(net.wih().as_slice()), bits(reference.wih().as_slice()));
            assert_eq!(bits(net.who().as_slice()), bits(reference.who().as_slice()));
        }
    }

    #[test]
    fn the_default_is_at_least_one_thread_and_never_splits_a_small_layer() {
        assert_eq!(default_threads(10), 1);
        let d = default_threads(200);
        assert!((1..=MAX_DEFAULT_THREADS).contains(&d));
    }
}

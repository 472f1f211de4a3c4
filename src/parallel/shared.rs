//! The buffers the training threads share, and the rules that let them share them.
//!
//! Every thread holds every buffer: each block's rows of `wih`, gradient, hidden outputs,
//! copies of the inputs and running output sums, `who`, and the output errors and gradient.
//! Who may touch what, and when:
//! - **Between jobs** only the calling thread, through its [`Caller`]: the output errors and
//!   gradient, the last block's sums, the blocks' `wih` and `who`, and the job.
//! - **A job** starts when [`Caller::start`] posts it (or [`Caller::alone`] runs it) and lasts
//!   as long as the [`Running`] it returns, which borrows the `Caller` and the caller's inputs.
//!   It ends only once every block has handed its part over ([`Running::over`] checks it), or,
//!   if a thread panicked, once every block has left it (the `Running`'s drop waits for it).
//! - **During a job** block `t` belongs to the one thread whose [`Claim`] moved the block's
//!   claim from the last job to this one: it alone writes the block's buffers and columns
//!   `ranges[t]` of `who` (the ranges do not overlap). Every claimant reads the caller's inputs
//!   and the output errors and gradient, which nobody writes during a job, and block `t − 1`'s
//!   sums once its `ready` flag names this job, after which block `t − 1` writes nothing.
//!
//! The job's number (its generation) hands the buffers over: the calling thread writes the job
//! and then raises the generation (release), and a thread claims a block only for the current
//! generation (acquire). A block's `ready` flag (release) hands its part back.
// Threads writing disjoint parts of buffers they all hold need raw pointers: this file has
// every `unsafe` of the parallel trainer, beside the rules above that make it sound.
#![allow(unsafe_code)]

use std::cell::UnsafeCell;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;

use super::wait::{Padded, Sleepers};
use crate::net::aligned::AlignedBuf;

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Kind {
    /// Apply the pending update and compute the hidden outputs of the inputs in `slot`.
    Step,
    /// Apply the pending update only.
    Flush,
}

/// What every thread does next; written by the calling thread between jobs.
#[derive(Debug, Clone, Copy)]
pub(super) struct Job {
    pub(super) kind: Kind,
    /// The inputs go in each block's `x[slot]`, the pending sample's are in `x[1 − slot]`.
    pub(super) slot: usize,
    pub(super) pending: bool,
    pub(super) lr: f32,
    pub(super) reverse: bool,
}

/// The caller's inputs of a [`Kind::Step`], which every thread reads (into its `x[slot]`).
#[derive(Debug, Clone, Copy)]
pub(super) enum Inputs<'a> {
    /// A flush has no inputs.
    None,
    /// `inputs` floats, as given.
    Floats(&'a [f32]),
    /// `inputs` pixels, scaled in each thread.
    Pixels(&'a [u8]),
}

/// [`Inputs`] as the posted job holds them, without their lifetime: the [`Running`] job
/// borrows the caller's slice, so it outlives every read.
#[derive(Debug, Clone, Copy)]
enum Source {
    None,
    Floats(*const f32),
    Pixels(*const u8),
}

/// A job as posted to the threads.
#[derive(Debug, Clone, Copy)]
struct Posted {
    job: Job,
    source: Source,
}

impl Posted {
    const IDLE: Posted = Posted {
        job: Job {
            kind: Kind::Flush,
            slot: 0,
            pending: false,
            lr: 0.0,
            reverse: false,
        },
        source: Source::None,
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
    job: UnsafeCell<Posted>,
}

/// A float buffer the threads share, reached through a raw pointer so that each thread can
/// make a slice of its own part without any reference to the whole.
#[derive(Debug)]
struct Raw {
    ptr: *mut f32,
    len: usize,
    /// The floats `ptr` points into; moving the buffer does not move them.
    _owned: AlignedBuf,
}

impl Raw {
    fn new(mut buf: AlignedBuf) -> Self {
        Raw {
            ptr: buf.as_mut_ptr(),
            len: buf.len(),
            _owned: buf,
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

/// What the threads share (the rules are in the module's header).
#[derive(Debug)]
pub(super) struct Shared {
    pub(super) inputs: usize,
    pub(super) outputs: usize,
    /// Each block's hidden nodes, in order, not overlapping.
    pub(super) ranges: Vec<(usize, usize)>,
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
    /// A thread panicked during a job: the job is lost.
    pub(super) failed: AtomicBool,
    /// The workers are to return.
    pub(super) exit: AtomicBool,
    /// The threads asleep at a wait.
    pub(super) sleepers: Sleepers,
}

// SAFETY: the raw buffers are shared under the rules of the module's header: the generation
// counter (release/acquire) hands them to the workers, a block's claim gives it to one thread
// for the job, the blocks' `ready` flags hand them back, and within a job the blocks' writes
// are disjoint. The raw pointers of the posted job's `Source` are read only during the job.
unsafe impl Sync for Shared {}
// SAFETY: as above; the buffers themselves are plain heap floats.
unsafe impl Send for Shared {}

impl Shared {
    /// The current job's generation (acquire: its job and inputs are seen).
    pub(super) fn generation(&self) -> u64 {
        self.control.generation.load(Ordering::Acquire)
    }

    /// Block `t` for job `generation`, unless another thread has claimed it or that is not
    /// the current job.
    pub(super) fn claim(&self, t: usize, generation: u64) -> Option<Claim<'_>> {
        // A look before the compare-exchange: a taken block costs a read, not a write.
        if self.claims[t].load(Ordering::Relaxed) != generation.wrapping_sub(1) {
            return None;
        }
        // A block of a job not yet posted is not to be had: it is what keeps a claim inside
        // its job (a past job's blocks are all claimed, or it would not be over).
        if generation > self.generation() {
            return None;
        }
        // Acquire/Release: whoever claims next sees this block's weights as left by the last.
        self.claims[t]
            .compare_exchange(
                generation - 1,
                generation,
                Ordering::AcqRel,
                Ordering::Relaxed,
            )
            .ok()?;
        // SAFETY: a block of the current job is claimed, so the job is not over and the
        // calling thread does not write it until it is; `generation()` above acquired it.
        let posted = unsafe { *self.control.job.get() };
        Some(Claim {
            shared: self,
            t,
            generation,
            posted,
            report: true,
        })
    }

    /// Whether block `t` has handed over its part of job `generation` (acquire: its sums and
    /// weights are seen).
    pub(super) fn is_ready(&self, t: usize, generation: u64) -> bool {
        self.blocks[t].ready.load(Ordering::Acquire) == generation
    }

    /// Whether every block has handed over its part of job `generation`.
    pub(super) fn all_ready(&self, generation: u64) -> bool {
        self.blocks
            .iter()
            .all(|b| b.ready.load(Ordering::Acquire) == generation)
    }

    /// Whether every block has left job `generation` (handed over, or given up after a
    /// failure).
    pub(super) fn all_left(&self, generation: u64) -> bool {
        self.blocks
            .iter()
            .all(|b| b.left.load(Ordering::Acquire) == generation)
    }
}

/// The calling thread's hold on the shared buffers: the one handle that posts jobs and, between
/// them, reads and writes what the threads share.
#[derive(Debug)]
pub(super) struct Caller(Arc<Shared>);

impl Deref for Caller {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl Caller {
    /// The shared buffers of blocks `ranges` of a network with `inputs` inputs and `outputs`
    /// outputs: each block's rows of `wih` (`wih[t]`, (rows, inputs) column-major), and a copy
    /// of `who` ((outputs, hidden) column-major), which the blocks update in place.
    ///
    /// # Panics
    /// If the ranges overlap or do not fit `who`, or there is not one `wih` block a range.
    pub(super) fn new(
        inputs: usize,
        outputs: usize,
        ranges: Vec<(usize, usize)>,
        wih: Vec<AlignedBuf>,
        who: &[f32],
    ) -> Self {
        // Each block writes columns `ranges[t]` of `who`: they must not overlap.
        assert!(ranges.iter().all(|&(a, b)| a <= b));
        assert!(ranges.windows(2).all(|w| w[0].1 <= w[1].0));
        assert!(ranges.last().map_or(0, |r| r.1) * outputs <= who.len());
        assert_eq!(wih.len(), ranges.len());
        let n_blocks = ranges.len();
        let blocks = ranges
            .iter()
            .zip(wih)
            .map(|(&(a, b), wih)| {
                let rows = b - a;
                Block {
                    wih: Raw::new(wih),
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
        // On a cache line of its own like the network's, so the blocks' columns start lines.
        let mut who_copy = AlignedBuf::zeroed(who.len());
        who_copy.copy_from_slice(who);
        Caller(Arc::new(Shared {
            inputs,
            outputs,
            ranges,
            blocks,
            who: Raw::new(who_copy),
            output_errors: Raw::new(AlignedBuf::zeroed(outputs)),
            output_gradient: Raw::new(AlignedBuf::zeroed(outputs)),
            control: Control {
                generation: AtomicU64::new(0),
                job: UnsafeCell::new(Posted::IDLE),
            },
            claims: (0..n_blocks).map(|_| Padded(AtomicU64::new(0))).collect(),
            failed: AtomicBool::new(false),
            exit: AtomicBool::new(false),
            sleepers: Sleepers::default(),
        }))
    }

    /// What a worker thread holds.
    pub(super) fn share(&self) -> Arc<Shared> {
        Arc::clone(&self.0)
    }

    /// Posts `job` on `inputs` to the threads: a new generation, whose blocks the threads (this
    /// one included) may claim until the returned [`Running`] is [over](Running::over).
    ///
    /// # Panics
    /// If `inputs` are not the network's input size.
    pub(super) fn start<'a>(&'a mut self, job: Job, inputs: Inputs<'a>) -> Running<'a> {
        self.post(job, inputs);
        // Release: the job and the inputs written above are seen by whoever sees this.
        let generation = self.control.generation.fetch_add(1, Ordering::Release) + 1;
        Running {
            shared: &self.0,
            generation,
            kind: job.kind,
            over: false,
            _caller: PhantomData,
        }
    }

    /// Runs `job` on `inputs` on this thread alone, for a trainer of one block: the claim of
    /// block 0, with no other thread to hand anything to.
    ///
    /// # Panics
    /// If `inputs` are not the network's input size.
    pub(super) fn alone<'a>(&'a mut self, job: Job, inputs: Inputs<'a>) -> Claim<'a> {
        let posted = self.post(job, inputs);
        // No other claim of block 0 can be made meanwhile: generation 0 is never posted, and
        // every block of the last posted job is claimed (it is over).
        Claim {
            shared: &self.0,
            t: 0,
            generation: 0,
            posted,
            report: false,
        }
    }

    /// Writes the job, between jobs.
    fn post(&mut self, job: Job, inputs: Inputs<'_>) -> Posted {
        let source = match inputs {
            Inputs::None => Source::None,
            Inputs::Floats(x) => {
                assert_eq!(x.len(), self.inputs, "input size");
                Source::Floats(x.as_ptr())
            }
            Inputs::Pixels(p) => {
                assert_eq!(p.len(), self.inputs, "input size");
                Source::Pixels(p.as_ptr())
            }
        };
        let posted = Posted { job, source };
        // SAFETY: `&mut self`: no job is running (a `Running` or a `Claim` of `alone` would
        // borrow it), so no thread reads the job.
        unsafe { *self.control.job.get() = posted };
        posted
    }

    /// The last sample's output sums (final_inputs, added up by the blocks), and the output
    /// errors and gradient to fill for the next job.
    pub(super) fn outputs(&mut self) -> (&[f32], &mut [f32], &mut [f32]) {
        let s = &*self.0;
        // SAFETY: `&mut self`: no job is running, so this thread alone touches these.
        unsafe {
            (
                s.blocks[s.blocks.len() - 1].sums.read(),
                s.output_errors.all(),
                s.output_gradient.all(),
            )
        }
    }

    /// Block `t`'s rows of `wih`, (rows, inputs) column-major.
    pub(super) fn wih(&self, t: usize) -> &[f32] {
        // SAFETY: a `Running` job would borrow `self` mutably: no job is running, so no thread
        // writes the block.
        unsafe { self.blocks[t].wih.read() }
    }

    /// `who`, (outputs, hidden) column-major.
    pub(super) fn who(&self) -> &[f32] {
        // SAFETY: no job is running (as in `wih`).
        unsafe { self.who.read() }
    }

    /// Tells the workers to return: a new generation whose job is to do nothing, and `exit`.
    pub(super) fn stop(&mut self) {
        // An idle job, so that a late claim of the new generation reads no stale inputs.
        self.post(Posted::IDLE.job, Inputs::None);
        self.exit.store(true, Ordering::Relaxed);
        self.control.generation.fetch_add(1, Ordering::Release);
    }
}

/// A posted job, from [`Caller::start`] until [`over`](Running::over): it borrows the
/// [`Caller`], so nothing between jobs can happen meanwhile, and the caller's inputs.
#[derive(Debug)]
pub(super) struct Running<'a> {
    shared: &'a Shared,
    generation: u64,
    kind: Kind,
    over: bool,
    _caller: PhantomData<&'a mut Caller>,
}

impl<'a> Running<'a> {
    /// What the threads share.
    pub(super) fn shared(&self) -> &'a Shared {
        self.shared
    }

    /// The job's generation.
    pub(super) fn generation(&self) -> u64 {
        self.generation
    }

    /// Ends the job, which every block has handed over: for a step, the last block has (each
    /// block of a step hands over after the one before it: see [`Claim::hand_over`]); for a
    /// flush, every block has.
    ///
    /// # Panics
    /// If a block has not handed over: the job is not over.
    pub(super) fn over(mut self) {
        let s = self.shared;
        let done = match self.kind {
            Kind::Step => s.is_ready(s.blocks.len() - 1, self.generation),
            Kind::Flush => s.all_ready(self.generation),
        };
        assert!(done, "a job ended before its blocks");
        self.over = true;
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        if self.over {
            return;
        }
        // A panic cut the job short: every block must leave it before the unwinding frees
        // the caller's inputs, which they read. Nobody may take the ones not yet claimed.
        let s = self.shared;
        s.failed.store(true, Ordering::Relaxed);
        s.sleepers.wake();
        for t in 0..s.blocks.len() {
            drop(s.claim(t, self.generation));
        }
        s.sleepers.wait(|| s.all_left(self.generation));
    }
}

/// Block `t` of a job, this thread's alone until it is handed over or dropped.
#[derive(Debug)]
pub(super) struct Claim<'a> {
    shared: &'a Shared,
    t: usize,
    generation: u64,
    posted: Posted,
    /// Says when the block leaves the job (not for [`Caller::alone`]: no thread waits).
    report: bool,
}

/// A claimed block's buffers and what it reads.
pub(super) struct Parts<'a> {
    /// The block's rows of `wih`, (rows, inputs) column-major.
    pub(super) wih: &'a mut [f32],
    /// The gradient of the block's hidden nodes.
    pub(super) gradient: &'a mut [f32],
    /// The block's columns of `who`.
    pub(super) who: &'a mut [f32],
    /// The block's hidden outputs.
    pub(super) hidden_outputs: &'a mut [f32],
    /// The block's copy of this sample's inputs (`x[slot]`).
    pub(super) x: &'a mut [f32],
    /// The block's copy of the pending sample's inputs (`x[1 − slot]`).
    pub(super) x_prev: &'a [f32],
    /// The pending sample's output errors.
    pub(super) output_errors: &'a [f32],
    /// The pending sample's output gradient.
    pub(super) output_gradient: &'a [f32],
    /// final_inputs over the hidden nodes up to the block's end.
    pub(super) sums: &'a mut [f32],
    /// The caller's inputs.
    pub(super) inputs: Inputs<'a>,
    /// The sums of the block before.
    pub(super) previous: Previous<'a>,
}

/// The output sums of the block before a claimed one.
pub(super) struct Previous<'a> {
    block: Option<&'a Block>,
    generation: u64,
}

impl<'a> Previous<'a> {
    /// The sums, once the block before has handed them over in this job (acquire).
    pub(super) fn sums(&self) -> Option<&'a [f32]> {
        let block = self.block?;
        (block.ready.load(Ordering::Acquire) == self.generation).then(|| {
            // SAFETY: handed over in this job: its thread writes the sums no more, and the
            // next job, which would, cannot start before this block has handed over too.
            unsafe { block.sums.read() }
        })
    }
}

impl<'a> Claim<'a> {
    /// What the threads share.
    pub(super) fn shared(&self) -> &'a Shared {
        self.shared
    }

    /// The block's number.
    pub(super) fn block(&self) -> usize {
        self.t
    }

    /// The job's generation.
    pub(super) fn generation(&self) -> u64 {
        self.generation
    }

    /// The job.
    pub(super) fn job(&self) -> Job {
        self.posted.job
    }

    /// The block's buffers, its columns of `who`, and what it reads.
    pub(super) fn parts(&mut self) -> Parts<'_> {
        let s = self.shared;
        let (t, slot) = (self.t, self.posted.job.slot);
        let (a, b) = s.ranges[t];
        let o = s.outputs;
        let block = &s.blocks[t];
        let (x, x_prev) = (&block.x[slot], &block.x[1 - slot]);
        let inputs = match self.posted.source {
            Source::None => Inputs::None,
            // SAFETY: `post` took these from a slice of `inputs` values (checked), which the
            // job's `Running` (or the `alone` claim, this one) borrows: it outlives the job.
            Source::Floats(p) => Inputs::Floats(unsafe { std::slice::from_raw_parts(p, s.inputs) }),
            Source::Pixels(p) => Inputs::Pixels(unsafe { std::slice::from_raw_parts(p, s.inputs) }),
        };
        // SAFETY: the block and columns `a·o..b·o` of `who` are this claim's alone during the
        // job (`&mut self`: one `Parts` at a time), `x` and `x_prev` are two buffers (slot is
        // 0 or 1, or the indexing above panics); the output errors and gradient are written
        // only between jobs.
        unsafe {
            Parts {
                wih: block.wih.all(),
                gradient: block.gradient.all(),
                who: s.who.part(a * o, b * o),
                hidden_outputs: block.hidden_outputs.all(),
                x: x.all(),
                x_prev: x_prev.read(),
                output_errors: s.output_errors.read(),
                output_gradient: s.output_gradient.read(),
                sums: block.sums.all(),
                inputs,
                previous: Previous {
                    block: t.checked_sub(1).map(|p| &s.blocks[p]),
                    generation: self.generation,
                },
            }
        }
    }

    /// Hands the block's part of the job over: after this its thread touches nothing the job
    /// shares. A step's block hands over only after the block before it (which it went on
    /// from), so a step whose last block has handed over is over.
    ///
    /// # Panics
    /// If this is a step's block and the block before has not handed over.
    pub(super) fn hand_over(self) {
        let s = self.shared;
        if self.posted.job.kind == Kind::Step && self.t > 0 {
            assert!(
                s.is_ready(self.t - 1, self.generation),
                "sums handed over out of order"
            );
        }
        // Release: the sums and the update are seen by whoever sees the flag.
        s.blocks[self.t]
            .ready
            .store(self.generation, Ordering::Release);
        s.sleepers.wake();
    }
}

impl Drop for Claim<'_> {
    /// Says that the block has left the job, even if its thread panics: a panic fails the
    /// job, and the calling thread waits for every block to leave before it panics too.
    fn drop(&mut self) {
        if !self.report {
            return;
        }
        let s = self.shared;
        if thread::panicking() {
            s.failed.store(true, Ordering::Relaxed);
        }
        // The largest: after a failure another thread may have run the block for the next
        // job before a late runner of this one gets here.
        s.blocks[self.t]
            .left
            .fetch_max(self.generation, Ordering::Release);
        if s.failed.load(Ordering::Relaxed) {
            s.sleepers.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two blocks of 8 hidden nodes, 4 inputs, 2 outputs.
    fn caller() -> Caller {
        let wih = vec![AlignedBuf::zeroed(32), AlignedBuf::zeroed(32)];
        Caller::new(4, 2, vec![(0, 8), (8, 16)], wih, &[0.0; 32])
    }

    const FLUSH: Job = Job {
        kind: Kind::Flush,
        slot: 0,
        pending: false,
        lr: 0.1,
        reverse: false,
    };

    #[test]
    fn a_block_is_claimed_once_and_only_in_its_job() {
        let mut caller = caller();
        let s = caller.share();
        assert!(s.claim(0, 1).is_none(), "not posted yet");
        let x = [0.5f32; 4];
        let running = caller.start(FLUSH, Inputs::Floats(&x));
        let g = running.generation();
        let first = s.claim(0, g).expect("the first claim");
        assert!(s.claim(0, g).is_none(), "claimed");
        assert!(s.claim(1, g + 1).is_none(), "the next job is not posted");
        first.hand_over();
        s.claim(1, g).expect("the other block").hand_over();
        running.over();
        assert!(s.claim(0, g).is_none() && s.claim(0, g + 1).is_none());
    }

    #[test]
    #[should_panic(expected = "a job ended before its blocks")]
    fn a_job_does_not_end_before_its_blocks() {
        let mut caller = caller();
        let s = caller.share();
        let running = caller.start(FLUSH, Inputs::None);
        s.claim(0, running.generation()).unwrap().hand_over();
        running.over(); // block 1 has not run: the drop leaves it for the job, then it panics
    }

    #[test]
    #[should_panic(expected = "input size")]
    fn the_inputs_are_the_network_s_size() {
        let mut caller = caller();
        caller.start(FLUSH, Inputs::Pixels(&[0; 3])).over();
    }
}

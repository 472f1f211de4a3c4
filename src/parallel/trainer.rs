//! [`ParallelTrainer`]: the book's training step on several threads (the maths is in the
//! [module's header](super)), and the threads that run it.

use std::sync::atomic::Ordering;
use std::thread::{self, JoinHandle};

use super::plan::split;
use super::shared::{Caller, Claim, Inputs, Job, Kind, Parts, Shared};
use super::wait;
use crate::digits::mnist::scale_image;
use crate::net::activation::sigmoid_in_place;
use crate::net::aligned::AlignedBuf;
use crate::net::layer;
use crate::Network;

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
    workers: Workers,
    final_outputs: Vec<f32>,
    /// The inputs buffer the next sample goes into (the other holds the pending sample's).
    slot: usize,
    /// A sample's `wih` update is waiting to be applied.
    pending: bool,
    /// `net`'s weights are stale: the blocks hold `wih`, the shared buffers `who`.
    dirty: bool,
    reverse: bool,
}

impl ParallelTrainer {
    /// Takes the network and starts `threads − 1` threads beside the calling one (fewer if the
    /// network has too few hidden nodes: see [`split`]).
    ///
    /// # Panics
    /// If the operating system cannot start a thread.
    pub fn new(net: Network, threads: usize) -> Self {
        let (inputs, hidden, outputs) = (net.inputs(), net.hidden(), net.outputs());
        let ranges = split(hidden, threads, outputs);
        let wih = net.wih().as_slice();
        // Each thread's rows of `wih` in a block of its own, (rows, inputs) column-major.
        let blocks = ranges
            .iter()
            .map(|&(a, b)| {
                let rows = b - a;
                let mut block = AlignedBuf::zeroed(rows * inputs);
                for (dst, src) in block.chunks_exact_mut(rows).zip(wih.chunks_exact(hidden)) {
                    dst.copy_from_slice(&src[a..b]);
                }
                block
            })
            .collect();
        let caller = Caller::new(inputs, outputs, ranges, blocks, net.who().as_slice());
        let handles = (1..caller.ranges.len())
            .map(|t| {
                let s = caller.share();
                thread::Builder::new()
                    .name(format!("nnzero-train-{t}"))
                    .spawn(move || worker(&s, t))
                    .expect("start a training thread")
            })
            .collect();
        ParallelTrainer {
            net,
            workers: Workers { caller, handles },
            final_outputs: vec![0.0; outputs],
            slot: 0,
            pending: false,
            dirty: false,
            reverse: false,
        }
    }

    /// The number of threads training, the calling one included.
    pub fn threads(&self) -> usize {
        self.workers.caller.ranges.len()
    }

    /// Trains on one sample and returns the network's outputs for it *before* this sample's
    /// update, as [`Trainer::train`](crate::Trainer::train) does.
    ///
    /// # Panics
    /// If `inputs` or `targets` do not have the network's input and output sizes.
    pub fn train(&mut self, inputs: &[f32], targets: &[f32]) -> &[f32] {
        assert_eq!(inputs.len(), self.workers.caller.inputs, "input size");
        self.train_from(Inputs::Floats(inputs), targets)
    }

    /// [`train`](Self::train) on a picture's pixels (0 = background … 255 = ink), scaled to
    /// inputs as [`scale_image`] does: the same bits as `scale_image` then `train`, but each
    /// thread scales the pixels itself, so a sample crosses between the cores as bytes.
    ///
    /// # Panics
    /// If `pixels` or `targets` do not have the network's input and output sizes.
    pub fn train_pixels(&mut self, pixels: &[u8], targets: &[f32]) -> &[f32] {
        assert_eq!(pixels.len(), self.workers.caller.inputs, "input size");
        self.train_from(Inputs::Pixels(pixels), targets)
    }

    /// One sample's step on `inputs`, which the caller has checked.
    fn train_from(&mut self, inputs: Inputs<'_>, targets: &[f32]) -> &[f32] {
        assert_eq!(targets.len(), self.workers.caller.outputs, "output size");
        self.dispatch(
            Job {
                kind: Kind::Step,
                slot: self.slot,
                pending: self.pending,
                lr: self.net.learning_rate(),
                reverse: self.reverse,
            },
            inputs,
        );
        if self.pending {
            self.reverse = !self.reverse;
        }
        // The job is done; until the next one this thread alone touches these.
        let (final_inputs, errors, gradient) = self.workers.caller.outputs();
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
        drop(workers); // joins the threads
        net
    }

    /// Applies the pending update to the blocks.
    fn flush(&mut self) {
        if self.pending {
            self.dispatch(
                Job {
                    kind: Kind::Flush,
                    slot: self.slot,
                    pending: true,
                    lr: self.net.learning_rate(),
                    reverse: false,
                },
                Inputs::None,
            );
            self.pending = false;
        }
    }

    /// Applies the pending update and copies the blocks' `wih` and the shared `who` back into
    /// the network.
    fn sync(&mut self) {
        self.flush();
        if !self.dirty {
            return;
        }
        let hidden = self.net.hidden();
        let caller = &self.workers.caller;
        let (wih, who) = self.net.weights_mut();
        for (t, &(a, b)) in caller.ranges.iter().enumerate() {
            for (dst, src) in wih
                .as_mut_slice()
                .chunks_exact_mut(hidden)
                .zip(caller.wih(t).chunks_exact(b - a))
            {
                dst[a..b].copy_from_slice(src);
            }
        }
        who.as_mut_slice().copy_from_slice(caller.who());
        self.dirty = false;
    }

    /// Runs `job` on every block and waits until all are done. This thread does block 0,
    /// then any block whose thread has not started it (a thread the OS has not scheduled):
    /// on a busy machine the running threads do the work, instead of waiting for the others.
    fn dispatch(&mut self, job: Job, inputs: Inputs<'_>) {
        let caller = &mut self.workers.caller;
        let blocks = caller.ranges.len();
        if blocks == 1 {
            // There are no other threads.
            run(caller.alone(job, inputs));
            return;
        }
        let running = caller.start(job, inputs);
        let (s, generation) = (running.shared(), running.generation());
        s.sleepers.wake();
        // The last block first: it is this thread's, and it ends the output layer's sums.
        claim_and_run(s, blocks - 1, generation);
        // A step's last block has waited for the sums of every block before it, running any
        // nobody had started; a flush has no sums, so this thread does what is left. (Not
        // looking at the claims when there is no need keeps their lines in the workers'
        // caches.)
        if job.kind == Kind::Flush {
            for t in 0..blocks - 1 {
                claim_and_run(s, t, generation);
            }
        }
        let failed = || s.failed.load(Ordering::Relaxed);
        // A step is over when this thread's block is: it went on from the sums of the block
        // before, which went on from the one before that, and every block sets its sums
        // after its last look at the inputs and the output errors. A flush waits for all.
        if job.kind == Kind::Flush {
            s.sleepers.wait(|| failed() || s.all_ready(generation));
        }
        if failed() {
            // Every block must have left this job before the panic unwinds past the
            // caller's inputs, which they read: run the unclaimed (they stop at once).
            for t in 0..blocks {
                claim_and_run(s, t, generation);
            }
            s.sleepers.wait(|| s.all_left(generation));
            panic!("a training thread panicked");
        }
        running.over();
    }
}

/// The worker threads, and the calling thread's hold on what they share; dropping this stops
/// and joins them.
#[derive(Debug)]
struct Workers {
    caller: Caller,
    handles: Vec<JoinHandle<()>>,
}

impl Drop for Workers {
    fn drop(&mut self) {
        if self.handles.is_empty() {
            return;
        }
        self.caller.stop();
        for h in self.handles.drain(..) {
            h.thread().unpark();
            let _ = h.join();
        }
    }
}

/// A worker: waits for each job, runs its own block (or any left), reports.
fn worker(s: &Shared, t: usize) {
    let mut seen = 0u64;
    loop {
        s.sleepers.wait(|| s.generation() != seen);
        seen = s.generation();
        if s.exit.load(Ordering::Relaxed) {
            return;
        }
        // Thread t's own block is t − 1, then any other that nobody has started, but the
        // last: the calling thread always runs that one itself.
        let blocks = s.ranges.len();
        for k in 0..blocks - 1 {
            claim_and_run(s, (t - 1 + k) % (blocks - 1), seen);
        }
    }
}

/// Runs block `t` for job `generation` unless another thread has claimed it.
fn claim_and_run(s: &Shared, t: usize, generation: u64) {
    if let Some(claim) = s.claim(t, generation) {
        run(claim);
    }
}

/// Waits until block `t`'s output sums of job `generation` are ready (or a thread has
/// failed), running any block before it that no thread has started meanwhile.
fn wait_for_sums(s: &Shared, t: usize, generation: u64) {
    let ready = || s.is_ready(t, generation) || s.failed.load(Ordering::Relaxed);
    if ready() {
        return;
    }
    // Spin first: the block's thread is usually running and nearly there, and looking
    // at its claim would take that line from its core.
    if wait::spin(&ready) {
        return;
    }
    // The blocks up to t may not have been claimed: a thread the OS has not run yet.
    for k in 0..=t {
        claim_and_run(s, k, generation);
    }
    s.sleepers.wait(ready);
}

/// A claimed block's part of its job: the per-node step of the module's header on the block's
/// hidden nodes, then its share of the output sums.
fn run(mut claim: Claim<'_>) {
    let (s, t, generation, job) = (
        claim.shared(),
        claim.block(),
        claim.generation(),
        claim.job(),
    );
    let Parts {
        wih,
        gradient,
        who,
        hidden_outputs,
        x,
        x_prev,
        output_errors: errors,
        output_gradient: out_gradient,
        sums,
        inputs,
        previous,
    } = claim.parts();
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
            // This thread's copy of the inputs.
            match inputs {
                Inputs::Floats(floats) => x.copy_from_slice(floats),
                Inputs::Pixels(pixels) => scale_image(pixels, x),
                Inputs::None => unreachable!("a step has inputs"),
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
            if t == 0 {
                sums.fill(0.0);
            } else {
                wait_for_sums(s, t - 1, generation);
                if s.failed.load(Ordering::Relaxed) {
                    return; // the job is lost: the calling thread panics when it ends
                }
                sums.copy_from_slice(previous.sums().expect("the block before is ready"));
            }
            layer::weighted_sums_onto(who, hidden_outputs, sums);
        }
        Kind::Flush => {
            if job.pending {
                layer::update(wih, gradient, x_prev);
            }
        }
    }
    // The sums or the update are seen by whoever sees the block handed over.
    claim.hand_over();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::network::tests::samples;

    fn bits(m: &[f32]) -> Vec<u32> {
        m.iter().map(|v| v.to_bits()).collect()
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
}

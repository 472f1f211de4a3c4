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
//!
//! Inside: `plan.rs` decides how many threads train and which hidden nodes each takes
//! ([`split`]); `trainer.rs` is [`ParallelTrainer`], the step above, and its threads; `wait.rs`
//! is the spin-then-yield-then-sleep wait; `shared.rs` holds the buffers the threads share and
//! the rules for sharing them, the one file here that reaches memory through raw pointers.

mod plan;
mod shared;
mod trainer;
mod wait;

pub use plan::{
    default_threads, default_threads_for, split, step, MAX_DEFAULT_THREADS, MIN_ROWS_PER_THREAD,
};
pub use trainer::ParallelTrainer;

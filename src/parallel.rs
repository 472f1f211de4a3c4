//! The book's training step on several cores, with the same bits as one: [`ParallelTrainer`].
//! (A step of the split of `parallel/`: the file moves first, so that its history follows.)

mod trainer;

pub use trainer::{
    default_threads, default_threads_for, split, step, ParallelTrainer, MAX_DEFAULT_THREADS,
    MIN_ROWS_PER_THREAD,
};

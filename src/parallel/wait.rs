//! Waiting for another thread without stalling a busy machine: spin for a few microseconds (a
//! sample takes about ten), then yield the core, then sleep until woken. On a loaded or
//! oversubscribed machine (`--threads 4` on two cores) training is slower, never stuck.
//!
//! And the flags the threads hand work over with, each on a cache line of its own
//! ([`Padded`]).

use std::sync::atomic::{fence, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

/// How long a waiting thread spins before it yields, then sleeps. A sample takes about 10 µs
/// on one core, so a thread that has waited this long is waiting for a slow or descheduled
/// peer, and its core is better given away.
const SPIN: Duration = Duration::from_micros(20);
/// Yields before sleeping.
const YIELDS: u32 = 4;

/// A value on a cache line of its own. The flags of the parallel trainer are written by
/// different threads every sample; two on one line would bounce it between the cores (false
/// sharing).
#[derive(Debug, Default)]
#[repr(align(64))]
pub(super) struct Padded<T>(pub(super) T);

impl<T> std::ops::Deref for Padded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Spins until `ready()`, for at most about [`SPIN`]: whether it became ready.
pub(super) fn spin(ready: &impl Fn() -> bool) -> bool {
    let start = Instant::now();
    let mut spins = 0u32;
    loop {
        if ready() {
            return true;
        }
        std::hint::spin_loop();
        spins += 1;
        // The clock is read every 64 spins only: it costs more than a look at a flag.
        if spins % 64 == 0 && start.elapsed() > SPIN {
            return false;
        }
    }
}

/// The threads asleep at a wait, and how they are woken: whoever changes what a thread may
/// be waiting for calls [`wake`](Sleepers::wake), which costs a read while nobody sleeps.
#[derive(Debug, Default)]
pub(super) struct Sleepers {
    count: Padded<AtomicUsize>,
    threads: Mutex<Vec<Thread>>,
}

impl Sleepers {
    /// Wakes every sleeping thread, after a change it may be waiting for.
    pub(super) fn wake(&self) {
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
    pub(super) fn wait(&self, ready: impl Fn() -> bool) {
        if spin(&ready) {
            return;
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

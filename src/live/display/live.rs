//! The screen on its own thread: training never waits for it.
//!
//! The trainer calls [`Live::sample`] for every sample. That costs a few counters and one
//! relaxed atomic load: only when the drawing thread has asked for a new frame (at most
//! `fps` times a second) does it copy the digit, the outputs and the counters into a shared
//! slot, and even then it only *tries* the lock, so a busy drawer never holds it up. The
//! drawing thread takes the latest snapshot, draws what changed, flushes, and sleeps out the
//! rest of the frame's time. A panel that fails mid-run prints one warning and the thread
//! ends; the trainer sees no more requests and carries on.
//!
//! Epoch boundaries (testing, a new test accuracy, the end) are always published, so the
//! screen never misses them.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::layout::Layout;
use super::screen::Screen;
use super::snapshot::{Phase, Snapshot};
use super::target::{Panel, PanelError};
use super::Config;
use crate::digits::mnist::argmax;

/// Where warnings go: one line each, without the "warning: " prefix.
pub type Warn = Arc<dyn Fn(&str) + Send + Sync>;

/// Prints warnings on stderr as `warning: display: …`.
pub fn stderr_warn() -> Warn {
    Arc::new(|msg| eprintln!("warning: display: {msg}"))
}

/// The latest snapshot and whether it has been drawn.
struct Slot {
    snap: Snapshot,
    generation: u64,
    closing: bool,
}

/// What the trainer and the drawing thread share.
struct Shared {
    /// Set by the drawer when it wants a fresh snapshot, cleared by whoever publishes one.
    /// Both happen under the slot's lock, so a request is never lost.
    wanted: AtomicBool,
    slot: Mutex<Slot>,
    fresh: Condvar,
    failed: AtomicBool,
    frames: AtomicU64,
    /// Time spent drawing and flushing, in nanoseconds.
    drawing: AtomicU64,
    warn: Warn,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Slot> {
        // A poisoned lock only means the other side panicked; the data is plain numbers.
        self.slot.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Runs the drawing loop on a panel once it is open; see [`Live::start`].
pub(crate) struct Host {
    shared: Arc<Shared>,
    ready: SyncSender<Result<(), PanelError>>,
    fps: f32,
}

impl Host {
    /// Reports whether `panel` opened, then draws on it until the [`Live`] finishes.
    pub(crate) fn run<P: Panel>(self, panel: Result<P, PanelError>) {
        let mut panel = match panel {
            Ok(p) => p,
            Err(e) => {
                let _ = self.ready.send(Err(e));
                return;
            }
        };
        let size = panel.bounding_box().size;
        let Some(layout) = Layout::for_size(size.width, size.height) else {
            let _ = self.ready.send(Err(PanelError::Config(format!(
                "no screen layout for {}x{} (there are 240x240, 320x240 and 128x64)",
                size.width, size.height
            ))));
            return;
        };
        let _ = self.ready.send(Ok(()));
        serve(&mut panel, layout, &self.shared, self.fps);
    }
}

/// The drawing loop.
fn serve<P: Panel>(panel: &mut P, layout: &'static Layout, shared: &Shared, fps: f32) {
    let period = Duration::from_secs_f64(1.0 / f64::from(fps.max(0.01)));
    let mut screen = Screen::new(layout);
    let mut drawn = 0u64;
    loop {
        let (snap, closing) = {
            let mut slot = shared.lock();
            shared.wanted.store(true, Ordering::Relaxed);
            slot = shared
                .fresh
                .wait_while(slot, |s| s.generation == drawn && !s.closing)
                .unwrap_or_else(|e| e.into_inner());
            drawn = slot.generation;
            (slot.snap.clone(), slot.closing)
        };
        let started = Instant::now();
        if let Err(e) = screen.draw(&snap, panel).and_then(|()| panel.flush()) {
            shared.failed.store(true, Ordering::Relaxed);
            shared.wanted.store(false, Ordering::Relaxed);
            (shared.warn)(&format!("{e}; going on without the display"));
            return;
        }
        shared.frames.fetch_add(1, Ordering::Relaxed);
        let took = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        shared.drawing.fetch_add(took, Ordering::Relaxed);
        if closing {
            return;
        }
        // At most `fps` frames a second; finishing cuts the wait short.
        let slot = shared.lock();
        let left = period.saturating_sub(started.elapsed());
        let _ = shared.fresh.wait_timeout_while(slot, left, |s| !s.closing);
    }
}

/// What the drawing thread did, once it has finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Frames drawn.
    pub frames: u64,
    /// Time spent drawing and flushing them.
    pub drawing: Duration,
}

/// A live display: publish what the trainer is doing, a thread draws it.
pub struct Live {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    phase: Phase,
    done: u64,
    total: u64,
    right: u64,
    seen: u64,
    test: Option<f32>,
    epoch_started: Instant,
}

impl Live {
    /// Opens the display `config` describes, on its own thread, and waits until it is ready
    /// (an ST7789 takes about 0.3 s to wake up). An absent or unusable panel is an error here;
    /// one that fails later only prints a warning through `warn`.
    pub fn start(config: &Config, warn: Warn) -> Result<Live, PanelError> {
        let config = config.clone();
        let fps = config.fps;
        Self::spawn(fps, warn, move |host| super::open_and_run(&config, host))
    }

    /// Draws on `panel` (already open) on a thread, at most `fps` frames a second.
    pub fn with_panel<P: Panel + Send + 'static>(
        panel: P,
        fps: f32,
        warn: Warn,
    ) -> Result<Live, PanelError> {
        Self::spawn(fps, warn, move |host| host.run(Ok(panel)))
    }

    fn spawn(
        fps: f32,
        warn: Warn,
        body: impl FnOnce(Host) + Send + 'static,
    ) -> Result<Live, PanelError> {
        let shared = Arc::new(Shared {
            wanted: AtomicBool::new(false),
            slot: Mutex::new(Slot {
                snap: Snapshot::default(),
                generation: 0,
                closing: false,
            }),
            fresh: Condvar::new(),
            failed: AtomicBool::new(false),
            frames: AtomicU64::new(0),
            drawing: AtomicU64::new(0),
            warn,
        });
        let (ready, is_ready) = sync_channel(1);
        let host = Host {
            shared: Arc::clone(&shared),
            ready,
            fps,
        };
        let thread = std::thread::Builder::new()
            .name("nnzero-display".into())
            .spawn(move || body(host))
            .map_err(|e| PanelError::Io(format!("cannot start the display thread: {e}")))?;
        match is_ready.recv() {
            Ok(Ok(())) => Ok(Live {
                shared,
                thread: Some(thread),
                phase: Phase::Predict,
                done: 0,
                total: 0,
                right: 0,
                seen: 0,
                test: None,
                epoch_started: Instant::now(),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => {
                let _ = thread.join();
                Err(PanelError::Io(
                    "the display thread ended while opening".into(),
                ))
            }
        }
    }

    /// A training epoch of `total` samples begins. Nothing is published until its first
    /// sample, so no frame shows the last epoch's digit beside this epoch's counters.
    pub fn epoch_start(&mut self, epoch: u32, epochs: u32, total: u64) {
        self.phase = Phase::Training { epoch, epochs };
        (self.done, self.total, self.right, self.seen) = (0, total, 0, 0);
        self.epoch_started = Instant::now();
    }

    /// Sample number `index` of the epoch (from 0) was trained on: `outputs` is what the
    /// network answered before learning from it. Cheap unless a frame is due.
    #[inline]
    pub fn sample(&mut self, index: u64, label: u8, pixels: &[u8], outputs: &[f32]) {
        self.seen += 1;
        self.right += u64::from(argmax(outputs) == label as usize);
        self.done = index + 1;
        if self.shared.wanted.load(Ordering::Relaxed) {
            self.publish_sample(label, pixels, outputs);
        }
        if self.done == self.total {
            self.epoch_trained();
        }
    }

    #[cold]
    #[inline(never)]
    fn publish_sample(&mut self, label: u8, pixels: &[u8], outputs: &[f32]) {
        // try_lock: if the drawer is copying the last snapshot, try again on the next sample.
        if let Ok(mut slot) = self.shared.slot.try_lock() {
            slot.snap.set_digit(pixels, outputs);
            slot.snap.label = Some(label);
            self.fill(&mut slot);
        }
    }

    #[cold]
    #[inline(never)]
    fn epoch_trained(&mut self) {
        if let Phase::Training { epoch, epochs } = self.phase {
            self.phase = Phase::Testing { epoch, epochs };
            self.publish_counters();
        }
    }

    /// The epoch has been scored: `test` is its test accuracy (0..1).
    pub fn epoch_end(&mut self, test: f32) {
        self.test = Some(test);
        self.publish_counters();
    }

    /// Shows `snap` as it is (for `predict` and `demo`). If frames come faster than `fps`,
    /// only the latest is drawn.
    pub fn show(&mut self, snap: &Snapshot) {
        let mut slot = self.shared.lock();
        slot.snap = snap.clone();
        slot.generation += 1;
        self.shared.wanted.store(false, Ordering::Relaxed);
        drop(slot);
        self.shared.fresh.notify_one();
    }

    /// Whether the panel failed (a warning has been printed, and nothing more is drawn).
    pub fn failed(&self) -> bool {
        self.shared.failed.load(Ordering::Relaxed)
    }

    /// Frames drawn so far.
    pub fn frames(&self) -> u64 {
        self.shared.frames.load(Ordering::Relaxed)
    }

    /// Time the drawing thread has spent drawing and flushing frames (not waiting for them).
    pub fn drawing_time(&self) -> Duration {
        Duration::from_nanos(self.shared.drawing.load(Ordering::Relaxed))
    }

    /// Draws a last frame (with `phase`, if given) and stops the thread.
    pub fn finish(mut self, phase: Option<Phase>) -> Stats {
        if let Some(p) = phase {
            self.phase = p;
            let mut slot = self.shared.lock();
            self.fill(&mut slot);
        }
        self.close();
        Stats {
            frames: self.frames(),
            drawing: self.drawing_time(),
        }
    }

    fn publish_counters(&mut self) {
        let mut slot = self.shared.lock();
        self.fill(&mut slot);
    }

    /// Writes the counters into the slot and hands it to the drawer.
    fn fill(&self, slot: &mut MutexGuard<'_, Slot>) {
        let s = &mut slot.snap;
        (s.phase, s.done, s.total, s.right, s.seen, s.test) = (
            self.phase, self.done, self.total, self.right, self.seen, self.test,
        );
        let secs = self.epoch_started.elapsed().as_secs_f32();
        if matches!(self.phase, Phase::Training { .. }) && self.done > 0 && secs > 0.0 {
            s.rate = Some(self.done as f32 / secs);
        }
        slot.generation += 1;
        self.shared.wanted.store(false, Ordering::Relaxed);
        self.shared.fresh.notify_one();
    }

    fn close(&mut self) {
        self.shared.lock().closing = true;
        self.shared.fresh.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.close();
    }
}

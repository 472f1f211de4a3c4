//! The training side of the page: counters kept per sample, a JSON snapshot published a few
//! times a second into a `watch` channel that every browser reads from.
//!
//! A `watch` channel holds one value, the latest. Publishing replaces it and never waits for a
//! reader; a slow or stalled browser simply gets the newest snapshot when it next reads, so
//! fifty browsers cost the trainer exactly what one does, and memory does not grow with them.
//! The JSON is written once per update here, not once per browser.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::watch;

use crate::digits::mnist::argmax;
use crate::live::snapshot::{Phase, Snapshot};

/// What the page is serving, for the page to choose its view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// `train --web`: the live view of a run.
    Train,
    /// `serve`: the drawing page for a saved model.
    Serve {
        /// The model's shape, as in `784-200-10`.
        shape: String,
        /// Whether `POST /api/teach` is allowed (`--teach`).
        teach: bool,
        /// Whether `POST /api/save` is allowed (`--teach --save FILE`).
        save: bool,
    },
}

/// Samples between looks at the clock: a clock read every sample would cost more than the
/// rest of the bookkeeping.
const CLOCK_EVERY: u64 = 64;
/// Points of the running-accuracy curve kept; older ones are thinned to every other.
const CURVE_POINTS: usize = 512;

/// The latest snapshot as JSON; cheap to clone (one reference count).
pub type Json = Arc<str>;

/// Reads the latest snapshot; see [`Hub::feed`].
pub type Feed = watch::Receiver<Json>;

/// Publishes the state of a run (or of the last prediction) to the web server.
pub struct Hub {
    tx: watch::Sender<Json>,
    mode: Mode,
    snap: Snapshot,
    period: Duration,
    last: Instant,
    epoch_started: Instant,
    /// (epochs done, running accuracy): fractional x, so that 1.5 is the middle of epoch 2.
    running: Vec<[f32; 2]>,
    /// Least x between two running points; doubles when the curve is thinned.
    step: f32,
    /// (epoch, test accuracy) after each epoch.
    tests: Vec<[f32; 2]>,
    seq: u64,
}

impl Hub {
    /// A hub publishing at most `per_second` snapshots a second during training.
    pub fn new(mode: Mode, per_second: f32) -> Hub {
        let now = Instant::now();
        let mut hub = Hub {
            tx: watch::Sender::new(Arc::from("{}")),
            mode,
            snap: Snapshot::default(),
            period: Duration::from_secs_f32(1.0 / per_second.clamp(0.1, 100.0)),
            last: now,
            epoch_started: now,
            running: Vec::new(),
            step: 0.01,
            tests: Vec::new(),
            seq: 0,
        };
        hub.publish();
        hub
    }

    /// A reader of the snapshots, for the server.
    pub fn feed(&self) -> Feed {
        self.tx.subscribe()
    }

    /// The latest snapshot as JSON.
    pub fn json(&self) -> Json {
        self.tx.borrow().clone()
    }

    /// The snapshot as it stands.
    pub fn snapshot(&self) -> &Snapshot {
        &self.snap
    }

    /// A training epoch of `total` samples begins.
    pub fn epoch_start(&mut self, epoch: u32, epochs: u32, total: u64) {
        let s = &mut self.snap;
        s.phase = Phase::Training { epoch, epochs };
        (s.done, s.total, s.right, s.seen, s.rate) = (0, total, 0, 0, None);
        self.epoch_started = Instant::now();
        self.publish();
    }

    /// Sample `index` of the epoch (from 0) was trained on; `outputs` is the network's answer
    /// before it learned from it. A few counters, and a clock read every 64 samples.
    #[inline]
    pub fn sample(&mut self, index: u64, label: u8, pixels: &[u8], outputs: &[f32]) {
        let s = &mut self.snap;
        s.seen += 1;
        s.right += u64::from(argmax(outputs) == label as usize);
        s.done = index + 1;
        if s.done % CLOCK_EVERY == 0 || s.done == s.total {
            self.maybe_publish(label, pixels, outputs);
        }
    }

    #[cold]
    #[inline(never)]
    fn maybe_publish(&mut self, label: u8, pixels: &[u8], outputs: &[f32]) {
        let end = self.snap.done == self.snap.total;
        if !end && self.last.elapsed() < self.period {
            return;
        }
        self.snap.set_digit(pixels, outputs);
        self.snap.label = Some(label);
        if end {
            if let Phase::Training { epoch, epochs } = self.snap.phase {
                self.snap.phase = Phase::Testing { epoch, epochs };
            }
        }
        self.publish();
    }

    /// The epoch has been scored: `test` is its test accuracy (0..1).
    pub fn epoch_end(&mut self, epoch: u32, test: f32) {
        self.snap.test = Some(test);
        self.tests.push([epoch as f32, test]);
        self.publish();
    }

    /// Training is over after `epochs` epochs.
    pub fn finish(&mut self, epochs: u32) {
        self.snap.phase = Phase::Trained { epochs };
        self.publish();
    }

    /// Shows a digit the model read (for `serve`): its pixels and the ten outputs.
    pub fn show(&mut self, pixels: &[u8], outputs: &[f32], label: Option<u8>) {
        let s = &mut self.snap;
        s.phase = Phase::Predict;
        s.set_digit(pixels, outputs);
        s.label = label;
        s.done += 1;
        s.total = s.done;
        self.publish();
    }

    /// Writes the snapshot as JSON into the channel.
    fn publish(&mut self) {
        self.last = Instant::now();
        let s = &mut self.snap;
        if let Phase::Training { epoch, .. } = s.phase {
            let secs = self.epoch_started.elapsed().as_secs_f32();
            if s.done > 0 && secs > 0.0 {
                s.rate = Some(s.done as f32 / secs);
            }
            if let (Some(acc), true) = (s.running(), s.total > 0) {
                let x = (epoch - 1) as f32 + s.done as f32 / s.total as f32;
                // Each point is the running accuracy since the epoch began: the first few
                // hundred samples are noise, so leave them out.
                let due = self.running.last().is_none_or(|p| x - p[0] >= self.step);
                if due && s.seen >= 200 {
                    self.running
                        .push([(x * 1e4).round() / 1e4, round4(acc as f32) as f32]);
                    if self.running.len() > CURVE_POINTS {
                        let kept = self.running.iter().copied().step_by(2).collect();
                        self.running = kept;
                        self.step *= 2.0;
                    }
                }
            }
        }
        self.seq += 1;
        let json = to_json(&self.snap, &self.mode, &self.running, &self.tests, self.seq);
        self.tx.send_replace(Arc::from(json));
    }
}

/// A number to four places: what a page can show, in a third of the JSON's bytes.
pub fn round4(v: f32) -> f64 {
    (f64::from(v) * 1e4).round() / 1e4
}

/// The snapshot as the page and `GET /api/state` see it (the README documents the fields).
fn to_json(
    s: &Snapshot,
    mode: &Mode,
    running: &[[f32; 2]],
    tests: &[[f32; 2]],
    seq: u64,
) -> String {
    let (phase, epoch, epochs) = match s.phase {
        Phase::Training { epoch, epochs } => ("training", Some(epoch), Some(epochs)),
        Phase::Testing { epoch, epochs } => ("testing", Some(epoch), Some(epochs)),
        Phase::Trained { epochs } => ("trained", Some(epochs), Some(epochs)),
        Phase::Predict => ("predict", None, None),
        Phase::Demo => ("demo", None, None),
    };
    let shown = s.done > 0 || matches!(s.phase, Phase::Testing { .. } | Phase::Trained { .. });
    let mut v = json!({
        "seq": seq,
        "mode": match mode { Mode::Train => "train", Mode::Serve { .. } => "serve" },
        "phase": phase,
        "epoch": epoch,
        "epochs": epochs,
        "done": s.done,
        "total": s.total,
        "label": s.label,
        "answer": shown.then(|| s.answer()),
        "outputs": s.outputs.map(round4),
        "pixels": s.pixels.as_slice(),
        "running": s.running().map(|r| round4(r as f32)),
        "test": s.test.map(round4),
        "rate": s.rate.map(|r| r.round()),
        "curve": { "running": running, "test": tests },
    });
    if let (Mode::Serve { shape, teach, save }, Value::Object(m)) = (mode, &mut v) {
        m.insert("model".into(), json!(shape));
        m.insert("teach".into(), json!(teach));
        m.insert("save".into(), json!(save));
    }
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(hub: &Hub) -> Value {
        serde_json::from_str(&hub.json()).unwrap()
    }

    #[test]
    fn an_epoch_is_published_and_counted() {
        let mut hub = Hub::new(Mode::Train, 1000.0);
        let mut feed = hub.feed();
        hub.epoch_start(1, 2, 128);
        let mut outputs = [0.0f32; 10];
        outputs[3] = 0.9;
        for i in 0..128 {
            // Right on even samples (label 3), wrong on odd ones (label 4).
            hub.sample(i, 3 + (i % 2) as u8, &[7; 784], &outputs);
        }
        assert!(feed.has_changed().unwrap());
        let v = state(&hub);
        assert_eq!(v["phase"], "testing");
        assert_eq!(v["done"], 128);
        assert_eq!(v["running"], 0.5);
        assert_eq!(v["answer"], 3);
        assert_eq!(v["pixels"].as_array().unwrap().len(), 784);
        hub.epoch_end(1, 0.75);
        hub.finish(2);
        let v = state(&hub);
        assert_eq!(v["phase"], "trained");
        assert_eq!(v["test"], 0.75);
        assert_eq!(v["curve"]["test"][0][1], 0.75);
        feed.borrow_and_update();
        assert!(!feed.has_changed().unwrap());
    }

    #[test]
    fn publishing_is_throttled() {
        let mut hub = Hub::new(Mode::Train, 0.1);
        hub.epoch_start(1, 1, 100_000);
        let seq = state(&hub)["seq"].as_u64().unwrap();
        for i in 0..10_000 {
            hub.sample(i, 1, &[0; 784], &[0.0; 10]);
        }
        // Ten seconds between updates: 10,000 samples in well under that publish nothing.
        assert_eq!(state(&hub)["seq"].as_u64().unwrap(), seq);
    }

    #[test]
    fn serve_mode_says_what_is_allowed() {
        let mut hub = Hub::new(
            Mode::Serve {
                shape: "784-200-10".into(),
                teach: true,
                save: false,
            },
            5.0,
        );
        hub.show(&[1; 784], &[0.0, 0.2, 0.9], None);
        let v = state(&hub);
        assert_eq!(v["mode"], "serve");
        assert_eq!(v["teach"], true);
        assert_eq!(v["save"], false);
        assert_eq!(v["answer"], 2);
        assert_eq!(v["label"], Value::Null);
    }

    #[test]
    fn the_curve_stays_bounded() {
        let mut hub = Hub::new(Mode::Train, 1000.0);
        for epoch in 1..=50 {
            hub.epoch_start(epoch, 50, 1000);
            for i in 0..1000 {
                hub.sample(i, 1, &[0; 784], &[0.0, 1.0]);
                if i % 10 == 0 {
                    hub.publish();
                }
            }
        }
        assert!(hub.running.len() <= CURVE_POINTS);
        assert!(hub.running.len() > CURVE_POINTS / 4);
    }
}

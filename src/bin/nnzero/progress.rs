//! Progress while training: a live bar (samples/s, ETA) on a terminal, plain lines otherwise,
//! and a line on stdout with each epoch's test accuracy.
//!
//! A closed pipe or a full disk behind stdout or stderr never stops training: the first
//! failure is remembered and reported once the model is saved.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressState, ProgressStyle};
use nnzero::infer::eval::Confusion;
use nnzero::run::{EpochRecord, Observer};

/// Reports how far an epoch has got.
pub struct Progress {
    bar: Option<ProgressBar>,
    label: String,
    unit: &'static str,
    total: u64,
    start: Instant,
    last_line: Instant,
}

/// Samples between updates: often enough to look live, rarely enough to cost nothing.
pub const UPDATE_EVERY: u64 = 1000;

impl Progress {
    /// Starts reporting an epoch of `total` samples.
    pub fn start(label: String, total: u64) -> Self {
        Progress::counting(label, total, "samples")
    }

    /// Starts reporting `total` things, called `unit` ("pictures").
    pub fn counting(label: String, total: u64, unit: &'static str) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            // Not indicatif's `{per_sec}`, which prints "45,884.7102/s": whole samples.
            let style = ProgressStyle::with_template(
                "{prefix} [{bar:32.cyan/blue}] {human_pos}/{human_len} {rate} ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .with_key(
                "rate",
                |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{}/s", thousands(state.per_sec()));
                },
            )
            .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(label.clone());
            bar
        });
        let now = Instant::now();
        Progress {
            bar,
            label,
            unit,
            total,
            start: now,
            last_line: now,
        }
    }

    /// `done` samples of the epoch are finished.
    pub fn update(&mut self, done: u64) {
        match &self.bar {
            Some(bar) => bar.set_position(done),
            None => {
                // Without a terminal, a line every 10 seconds at most.
                if self.last_line.elapsed() >= Duration::from_secs(10) && done < self.total {
                    self.last_line = Instant::now();
                    let _ = writeln!(
                        std::io::stderr(),
                        "{}: {done}/{} {unit}, {} {unit}/s",
                        self.label,
                        self.total,
                        thousands(done as f64 / self.start.elapsed().as_secs_f64()),
                        unit = self.unit
                    );
                }
            }
        }
    }

    /// Ends the epoch; returns its duration.
    pub fn finish(self) -> Duration {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
        self.start.elapsed()
    }
}

/// The training run on the console: the progress bar and the epoch lines.
#[derive(Default)]
pub struct Console {
    bar: Option<Progress>,
    epochs: u32,
    samples: u64,
    /// Samples already trained in the epoch a resumed run goes on with.
    resumed_at: u64,
    /// The first failed write to stdout.
    failed: Option<std::io::Error>,
}

impl Console {
    /// The first write to stdout that failed, if any.
    pub fn take_failure(&mut self) -> Option<std::io::Error> {
        self.failed.take()
    }
}

/// Prints a line on stdout; the first failure is kept in `failed`, the rest are ignored.
pub fn say(failed: &mut Option<std::io::Error>, line: std::fmt::Arguments) {
    if let Err(e) = writeln!(std::io::stdout().lock(), "{line}") {
        failed.get_or_insert(e);
    }
}

/// Prints a line on stderr, ignoring failure (there is nowhere left to report it).
pub fn warn(line: std::fmt::Arguments) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

impl Observer for Console {
    fn resumed(&mut self, _epoch: u32, done: u64, _log: &[EpochRecord]) {
        self.resumed_at = done;
    }

    fn epoch_start(&mut self, epoch: u32, epochs: u32, samples: u64) {
        (self.epochs, self.samples) = (epochs, samples);
        let mut bar = Progress::start(format!("epoch {epoch}/{epochs}"), samples);
        if self.resumed_at > 0 {
            bar.update(std::mem::take(&mut self.resumed_at));
        }
        self.bar = Some(bar);
    }

    #[inline]
    fn sample(&mut self, _epoch: u32, index: u64, _: u8, _: &[u8], _: &[f32]) {
        if (index + 1) % UPDATE_EVERY == 0 {
            if let Some(bar) = self.bar.as_mut() {
                bar.update(index + 1);
            }
        }
    }

    fn epoch_end(&mut self, epoch: u32, score: &Confusion, took: Duration) {
        if let Some(bar) = self.bar.take() {
            bar.finish();
        }
        say(
            &mut self.failed,
            format_args!(
                "epoch {epoch}/{}: test accuracy {:.2}% ({}/{}), {:.1} s, {:.0} samples/s",
                self.epochs,
                100.0 * score.accuracy(),
                score.correct(),
                score.total(),
                took.as_secs_f64(),
                self.samples as f64 / took.as_secs_f64()
            ),
        );
    }
}

/// A rate as a whole number with thousands separators: 45884.71 → "45,885".
pub fn thousands(v: f64) -> String {
    if !v.is_finite() || v < 0.0 {
        return "–".into();
    }
    let digits = format!("{:.0}", v);
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn rates_are_whole_numbers_with_separators() {
        assert_eq!(thousands(45_884.710_2), "45,885");
        assert_eq!(thousands(999.4), "999");
        assert_eq!(thousands(1_000.0), "1,000");
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(1_234_567.0), "1,234,567");
        assert_eq!(thousands(f64::NAN), "–");
    }
}

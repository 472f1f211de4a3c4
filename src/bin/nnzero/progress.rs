//! Progress while training: a live bar (samples/s, ETA) on a terminal, plain lines otherwise.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// Reports how far an epoch has got.
pub struct Progress {
    bar: Option<ProgressBar>,
    label: String,
    total: u64,
    start: Instant,
    last_line: Instant,
}

/// Samples between updates: often enough to look live, rarely enough to cost nothing.
pub const UPDATE_EVERY: u64 = 1000;

impl Progress {
    /// Starts reporting an epoch of `total` samples.
    pub fn start(label: String, total: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            let style = ProgressStyle::with_template(
                "{prefix} [{bar:32.cyan/blue}] {human_pos}/{human_len} {per_sec} ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(label.clone());
            bar
        });
        let now = Instant::now();
        Progress {
            bar,
            label,
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
                    eprintln!(
                        "{}: {done}/{} samples, {:.0} samples/s",
                        self.label,
                        self.total,
                        done as f64 / self.start.elapsed().as_secs_f64()
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

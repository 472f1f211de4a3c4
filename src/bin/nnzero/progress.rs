//! Progress while training: a live bar (samples/s, ETA) on a terminal, plain lines otherwise.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressState, ProgressStyle};

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
                        "{}: {done}/{} samples, {} samples/s",
                        self.label,
                        self.total,
                        thousands(done as f64 / self.start.elapsed().as_secs_f64())
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

//! `nnzero train --plot`: the test accuracy after each epoch, recorded while training and
//! drawn afterwards. `sweep` records its epoch sweeps with the same [`EpochLog`].

use std::path::Path;
use std::time::Duration;

use nnzero::infer::eval::Confusion;
use nnzero::run::{EpochRecord, Observer, Recipe};

use crate::charts::line::{LineChart, Series};
use crate::error::CliError;

/// One epoch's result.
#[derive(Debug, Clone, Copy)]
pub struct EpochScore {
    /// 1 for the first epoch.
    pub epoch: u32,
    /// Fraction of the test set right after this epoch.
    pub accuracy: f64,
    /// Training time of this epoch (the test pass not included).
    pub took: Duration,
}

/// Remembers every epoch's test accuracy.
#[derive(Debug, Default)]
pub struct EpochLog {
    /// The epochs so far, in order.
    pub epochs: Vec<EpochScore>,
}

impl Observer for EpochLog {
    /// A resumed run's chart keeps the epochs before the stop.
    fn resumed(&mut self, _epoch: u32, _done: u64, log: &[EpochRecord]) {
        self.epochs = log
            .iter()
            .map(|e| EpochScore {
                epoch: e.epoch,
                accuracy: e.accuracy(),
                took: e.took,
            })
            .collect();
    }

    fn epoch_end(&mut self, epoch: u32, score: &Confusion, took: Duration) {
        self.epochs.push(EpochScore {
            epoch,
            accuracy: score.accuracy(),
            took,
        });
    }
}

impl EpochLog {
    /// Training time of the epochs up to and including `epoch`.
    pub fn time_until(&self, epoch: u32) -> Duration {
        self.epochs
            .iter()
            .filter(|e| e.epoch <= epoch)
            .map(|e| e.took)
            .sum()
    }

    /// The chart of accuracy against epochs of a run of `args`.
    pub fn chart(&self, args: &Recipe, shape: &str) -> LineChart {
        LineChart {
            title: "Test accuracy after each epoch".into(),
            subtitle: format!(
                "{shape}, learning rate {}, seed {}{}",
                args.lr,
                args.seed,
                limit_note(args.limit)
            ),
            x_label: "epochs".into(),
            y_label: "test accuracy (%)".into(),
            series: vec![Series {
                name: format!("seed {}", args.seed),
                points: self
                    .epochs
                    .iter()
                    .map(|e| (e.epoch as f64, 100.0 * e.accuracy))
                    .collect(),
            }],
        }
    }

    /// Draws [`chart`](Self::chart) to `path`.
    pub fn save(&self, args: &Recipe, shape: &str, path: &Path) -> Result<(), CliError> {
        crate::charts::save(&self.chart(args, shape), path)
    }
}

/// ", first N training samples" when training was limited.
pub fn limit_note(limit: Option<u64>) -> String {
    match limit {
        Some(n) => format!(", first {n} training samples"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resumed_runs_chart_keeps_the_epochs_before_the_stop() {
        let record = |epoch, correct| EpochRecord {
            epoch,
            correct,
            total: 4,
            took: Duration::from_secs(1),
        };
        let mut log = EpochLog::default();
        log.resumed(3, 100, &[record(1, 1), record(2, 3)]);
        let mut third = Confusion::new();
        for (label, predicted) in [(0, 0), (1, 1), (2, 2), (3, 0)] {
            third.record(label, predicted);
        }
        log.epoch_end(3, &third, Duration::from_secs(2));
        let chart = log.chart(&Recipe::BOOK, "784-200-10");
        assert_eq!(
            chart.series[0].points,
            [(1.0, 25.0), (2.0, 75.0), (3.0, 75.0)]
        );
        assert_eq!(log.time_until(3), Duration::from_secs(4));
    }
}

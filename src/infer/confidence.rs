//! When not to trust a read: the network's best output is low, or the runner-up is close
//! behind it. `nnzero predict` marks such reads ("unsure"), so a user knows which answers to
//! check.
//!
//! The two thresholds were chosen on the tuning half of the handwriting test set only
//! (`handwriting-set score --unsure` prints the trade-off), never on the report half, for the
//! outputs `nnzero predict` gives: the mean of two reads ([`crate::infer::test_time`]), whose best output
//! is lower than a single read's. What they mark: `docs/lab/2026-11-30-test-time-reads.md`.

/// How sure one read is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Confidence {
    /// The winning output's index (the digit read).
    pub best: usize,
    /// The runner-up's index.
    pub second: usize,
    /// True when the read should not be trusted.
    pub unsure: bool,
}

/// Below this best output a read is unsure.
pub const LOW: f32 = 0.65;
/// A runner-up within this of the best output makes a read unsure.
pub const CLOSE: f32 = 0.25;

/// Judges the outputs of one read with the default thresholds ([`LOW`], [`CLOSE`]).
pub fn judge(outputs: &[f32]) -> Confidence {
    judge_with(outputs, LOW, CLOSE)
}

/// Judges the outputs of one read: unsure when the best is below `low` or the runner-up
/// within `close` of it. Ties go to the lower index, as `argmax` does.
pub fn judge_with(outputs: &[f32], low: f32, close: f32) -> Confidence {
    let mut best = 0;
    for (i, &o) in outputs.iter().enumerate() {
        if o > outputs[best] {
            best = i;
        }
    }
    let mut second = if best == 0 {
        1.min(outputs.len().saturating_sub(1))
    } else {
        0
    };
    for (i, &o) in outputs.iter().enumerate() {
        if i != best && o > outputs[second] {
            second = i;
        }
    }
    let (b, s) = (
        outputs.get(best).copied().unwrap_or(0.0),
        outputs.get(second).copied().unwrap_or(0.0),
    );
    Confidence {
        best,
        second,
        unsure: b < low || (second != best && b - s < close),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clear_winner_is_sure_and_a_close_or_low_one_is_not() {
        let mut o = [0.01f32; 10];
        o[3] = 0.95;
        o[8] = 0.2;
        assert_eq!(
            judge_with(&o, 0.5, 0.3),
            Confidence {
                best: 3,
                second: 8,
                unsure: false
            }
        );
        o[8] = 0.8;
        assert!(judge_with(&o, 0.5, 0.3).unsure, "runner-up close behind");
        let mut low = [0.01f32; 10];
        low[5] = 0.4;
        assert!(judge_with(&low, 0.5, 0.3).unsure, "best output low");
        let mut first = [0.0f32; 10];
        first[0] = 0.9;
        first[1] = 0.1;
        assert_eq!(judge_with(&first, 0.5, 0.3).second, 1);
    }
}

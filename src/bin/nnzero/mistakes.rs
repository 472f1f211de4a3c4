//! `nnzero test --confusion`: one pass over the test set that keeps the confusion matrix and
//! the wrong answers the network was surest of, then draws both.

use std::path::Path;

use nnzero::dataset::Dataset;
use nnzero::digits::mnist::argmax;
use nnzero::infer::eval::{evaluate_with, Confusion};
use nnzero::Network;

use crate::charts::confusion::{ConfusionChart, Mistake};
use crate::error::CliError;

/// The `keep` wrong answers with the highest output for the (wrong) answer, highest first.
#[derive(Debug)]
pub struct Worst {
    keep: usize,
    /// Most confident first; among equals, the earlier sample first.
    pub mistakes: Vec<Mistake>,
}

impl Worst {
    /// Keeps up to `keep` mistakes.
    pub fn new(keep: usize) -> Self {
        Worst {
            keep,
            mistakes: Vec::with_capacity(keep + 1),
        }
    }

    /// Looks at one answer: `outputs` for an image of `label`.
    pub fn consider(&mut self, label: u8, pixels: &[u8], outputs: &[f32]) {
        let answer = argmax(outputs);
        if answer == label as usize || self.keep == 0 {
            return;
        }
        let output = outputs[answer];
        if self.mistakes.len() == self.keep
            && self.mistakes.last().is_some_and(|m| m.output >= output)
        {
            return;
        }
        let at = self.mistakes.partition_point(|m| m.output >= output);
        self.mistakes.insert(
            at,
            Mistake {
                label,
                answer: answer as u8,
                output,
                pixels: pixels.to_vec(),
            },
        );
        self.mistakes.truncate(self.keep);
    }
}

/// Scores `net` on `data` and draws the confusion matrix with the `mistakes` most confident
/// mistakes to `path`. `model` names the model in the title.
pub fn evaluate_and_draw(
    net: &Network,
    data: &Dataset,
    model: &Path,
    mistakes: usize,
    path: &Path,
) -> Result<Confusion, CliError> {
    let mut worst = Worst::new(mistakes);
    let score = evaluate_with(net, data, |label, pixels, outputs| {
        worst.consider(label, pixels, outputs)
    })?;
    let h = data.header();
    let side = h.cols as usize;
    let chart = ConfusionChart {
        title: format!(
            "{} on {}: {:.2}% right ({}/{})",
            file_name(model),
            file_name(Path::new(data.name())),
            100.0 * score.accuracy(),
            score.correct(),
            score.total()
        ),
        counts: score.digits(),
        mistakes: worst.mistakes,
        side: if h.rows == h.cols { side } else { 0 },
    };
    crate::charts::save(&chart, path)?;
    Ok(score)
}

/// The last part of a path, for titles.
pub fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outputs(answer: usize, output: f32) -> [f32; 10] {
        let mut o = [0.01; 10];
        o[answer] = output;
        o
    }

    #[test]
    fn keeps_the_most_confident_mistakes_in_order() {
        let mut w = Worst::new(3);
        w.consider(1, &[1], &outputs(1, 0.99)); // right: ignored
        w.consider(2, &[2], &outputs(7, 0.40));
        w.consider(3, &[3], &outputs(8, 0.90));
        w.consider(4, &[4], &outputs(9, 0.60));
        w.consider(5, &[5], &outputs(6, 0.30)); // below the three kept
        w.consider(6, &[6], &outputs(0, 0.90)); // equal to the first: after it
        let got: Vec<(u8, u8, f32)> = w
            .mistakes
            .iter()
            .map(|m| (m.label, m.answer, m.output))
            .collect();
        assert_eq!(got, [(3, 8, 0.90), (6, 0, 0.90), (4, 9, 0.60)]);
        assert_eq!(w.mistakes[0].pixels, [3]);
        let mut none = Worst::new(0);
        none.consider(2, &[2], &outputs(7, 0.4));
        assert!(none.mistakes.is_empty());
    }
}

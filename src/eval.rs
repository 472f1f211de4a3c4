//! Scoring a network: accuracy and the confusion matrix.

/// Counts of (true label, predicted label) pairs over a test set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Confusion {
    /// `counts[label][predicted]`.
    pub counts: [[u32; 10]; 10],
}

impl Confusion {
    /// An empty matrix.
    pub const fn new() -> Self {
        Confusion {
            counts: [[0; 10]; 10],
        }
    }

    /// Records one answer. Labels and predictions outside 0–9 are ignored.
    pub fn record(&mut self, label: u8, predicted: usize) {
        if let Some(row) = self.counts.get_mut(label as usize) {
            if let Some(cell) = row.get_mut(predicted) {
                *cell += 1;
            }
        }
    }

    /// Number of answers recorded.
    pub fn total(&self) -> u32 {
        self.counts.iter().flatten().sum()
    }

    /// Number of right answers (the diagonal).
    pub fn correct(&self) -> u32 {
        (0..10).map(|k| self.counts[k][k]).sum()
    }

    /// Fraction right, 0.0 for an empty matrix.
    pub fn accuracy(&self) -> f64 {
        match self.total() {
            0 => 0.0,
            n => self.correct() as f64 / n as f64,
        }
    }
}

/// Scores `net` on every sample of `data`: the book's `scorecard`, as a confusion matrix.
#[cfg(feature = "std")]
pub fn evaluate(
    net: &crate::Network,
    data: &crate::dataset::Dataset,
) -> Result<Confusion, crate::dataset::DatasetError> {
    evaluate_with(net, data, |_, _, _| {})
}

/// [`evaluate`], also handing every sample to `each` as `(label, pixels, outputs)`: the raw
/// pixels as stored and the network's ten outputs for them. For looking at the answers
/// themselves, e.g. the most confident mistakes.
#[cfg(feature = "std")]
pub fn evaluate_with(
    net: &crate::Network,
    data: &crate::dataset::Dataset,
    mut each: impl FnMut(u8, &[u8], &[f32]),
) -> Result<Confusion, crate::dataset::DatasetError> {
    use crate::mnist::{argmax, scale_image};
    let mut inputs = vec![0.0; net.inputs()];
    let mut hidden = vec![0.0; net.hidden()];
    let mut outputs = vec![0.0; net.outputs()];
    let mut confusion = Confusion::new();
    let mut stream = data.stream()?;
    while let Some((label, pixels)) = stream.next_record()? {
        scale_image(pixels, &mut inputs);
        net.query_into(&inputs, &mut hidden, &mut outputs);
        confusion.record(label, argmax(&outputs));
        each(label, pixels, &outputs);
    }
    Ok(confusion)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accuracy_counts_the_diagonal() {
        let mut c = Confusion::new();
        c.record(3, 3);
        c.record(3, 5);
        c.record(7, 7);
        c.record(1, 7);
        assert_eq!((c.correct(), c.total()), (2, 4));
        assert_eq!(c.accuracy(), 0.5);
        assert_eq!(c.counts[3][5], 1);
    }
}

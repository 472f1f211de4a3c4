//! Scoring a network: accuracy and the confusion matrix.

#[cfg(feature = "alloc")]
use alloc::{vec, vec::Vec};

/// Counts of (true label, predicted label) pairs over a test set, for any number of classes
/// (a blob may have up to 256, and `train` makes as many outputs).
#[cfg(feature = "alloc")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confusion {
    /// `counts[label][predicted]`, square, one row and column per class.
    pub counts: Vec<Vec<u32>>,
}

#[cfg(feature = "alloc")]
impl Default for Confusion {
    /// The ten classes of MNIST's digits.
    fn default() -> Self {
        Confusion::with_classes(10)
    }
}

#[cfg(feature = "alloc")]
impl Confusion {
    /// An empty matrix for the ten digits; it grows when a larger label or answer comes.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty matrix for `classes` classes.
    pub fn with_classes(classes: usize) -> Self {
        Confusion {
            counts: vec![vec![0; classes]; classes],
        }
    }

    /// Number of classes (rows and columns).
    pub fn classes(&self) -> usize {
        self.counts.len()
    }

    /// Records one answer. A label or answer beyond the matrix grows it: nothing is dropped.
    pub fn record(&mut self, label: u8, predicted: usize) {
        let need = (label as usize).max(predicted) + 1;
        if need > self.classes() {
            for row in &mut self.counts {
                row.resize(need, 0);
            }
            self.counts.resize(need, vec![0; need]);
        }
        self.counts[label as usize][predicted] += 1;
    }

    /// Number of answers recorded.
    pub fn total(&self) -> u32 {
        self.counts.iter().flatten().sum()
    }

    /// Number of right answers (the diagonal).
    pub fn correct(&self) -> u32 {
        (0..self.classes()).map(|k| self.counts[k][k]).sum()
    }

    /// Fraction right, 0.0 for an empty matrix.
    pub fn accuracy(&self) -> f64 {
        match self.total() {
            0 => 0.0,
            n => self.correct() as f64 / n as f64,
        }
    }

    /// The first ten rows and columns: the digits, for a chart drawn for MNIST.
    pub fn digits(&self) -> [[u32; 10]; 10] {
        let mut d = [[0; 10]; 10];
        for (out, row) in d.iter_mut().zip(&self.counts) {
            for (cell, &c) in out.iter_mut().zip(row) {
                *cell = c;
            }
        }
        d
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
    use crate::digits::mnist::argmax;
    if data.is_empty() {
        // "0.00% (0/0)" would look like a score; an empty test set is a mistake.
        return Err(crate::dataset::DatasetError::Empty {
            name: data.name().into(),
        });
    }
    let mut inputs = vec![0.0; net.inputs()];
    let mut hidden = vec![0.0; net.hidden()];
    let mut outputs = vec![0.0; net.outputs()];
    let classes = net.outputs().max(data.header().classes as usize);
    let mut confusion = Confusion::with_classes(classes);
    let mut stream = data.stream()?;
    while let Some((label, pixels)) = stream.next_record()? {
        net.input_into(pixels, &mut inputs); // deskewed if the network was trained so
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

    #[test]
    fn labels_past_ten_are_counted_not_dropped() {
        let mut c = Confusion::new();
        c.record(12, 12);
        c.record(200, 3);
        c.record(1, 255);
        assert_eq!((c.correct(), c.total(), c.classes()), (1, 3, 256));
        assert_eq!(c.accuracy(), 1.0 / 3.0);
        assert_eq!((c.counts[200][3], c.counts[1][255]), (1, 1));
    }
}

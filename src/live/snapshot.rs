//! What a live view shows, as plain numbers: one [`Snapshot`] is one frame's worth of state.
//!
//! The trainer fills one in a few times a second; the SPI screen (feature `display`) is drawn
//! from it alone, so a frame can be reproduced exactly from a snapshot (the golden tests do
//! that) and drawing never touches the network. The web page (feature `web`) is sent the same
//! snapshot as JSON. It needs neither allocator nor OS: it is part of the core.

use crate::digits::mnist::{argmax, CLASSES, PIXELS};

/// What the program is doing, for the title line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Training epoch `epoch` of `epochs`.
    Training {
        /// The epoch, from 1.
        epoch: u32,
        /// Epochs in all.
        epochs: u32,
    },
    /// Scoring the network on the test set after epoch `epoch`.
    Testing {
        /// The epoch just trained, from 1.
        epoch: u32,
        /// Epochs in all.
        epochs: u32,
    },
    /// Training is over after `epochs` epochs.
    Trained {
        /// Epochs trained.
        epochs: u32,
    },
    /// `nnzero predict`: reading image files.
    Predict,
    /// `nnzero demo`: reading the test digits one after another.
    Demo,
}

/// One frame's worth of state: the digit, the network's answer and the counters.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The digit, 28×28 greyscale, row by row, ink 255 (as in MNIST).
    pub pixels: [u8; PIXELS],
    /// Its true digit, when known (not for an image file).
    pub label: Option<u8>,
    /// The ten output nodes (0..1) for this digit.
    pub outputs: [f32; CLASSES],
    /// What the program is doing.
    pub phase: Phase,
    /// Samples (or images) done in this epoch (or run), and how many there are.
    pub done: u64,
    /// See `done`.
    pub total: u64,
    /// Right answers among `seen`: in training, answers given before learning from the sample.
    pub right: u64,
    /// Samples answered so far in this epoch (or run).
    pub seen: u64,
    /// Test accuracy (0..1) after the last finished epoch, or of the model.
    pub test: Option<f32>,
    /// Training speed in samples per second.
    pub rate: Option<f32>,
}

impl Default for Snapshot {
    fn default() -> Self {
        Snapshot {
            pixels: [0; PIXELS],
            label: None,
            outputs: [0.0; CLASSES],
            phase: Phase::Predict,
            done: 0,
            total: 0,
            right: 0,
            seen: 0,
            test: None,
            rate: None,
        }
    }
}

impl Snapshot {
    /// The network's answer: the largest output node.
    pub fn answer(&self) -> usize {
        argmax(&self.outputs)
    }

    /// Whether the answer is right: `None` when the true digit is unknown.
    pub fn is_right(&self) -> Option<bool> {
        self.label.map(|l| l as usize == self.answer())
    }

    /// Fraction of right answers so far (`right / seen`), if any were seen.
    pub fn running(&self) -> Option<f64> {
        (self.seen > 0).then(|| self.right as f64 / self.seen as f64)
    }

    /// Copies a digit's pixels and outputs in; slices shorter than 784 / 10 leave the rest 0.
    pub fn set_digit(&mut self, pixels: &[u8], outputs: &[f32]) {
        let n = pixels.len().min(PIXELS);
        self.pixels[..n].copy_from_slice(&pixels[..n]);
        self.pixels[n..].fill(0);
        let k = outputs.len().min(CLASSES);
        self.outputs[..k].copy_from_slice(&outputs[..k]);
        self.outputs[k..].fill(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_and_running_accuracy() {
        let mut s = Snapshot::default();
        assert_eq!(s.running(), None);
        assert_eq!(s.is_right(), None);
        s.set_digit(&[9; 10], &[0.1, 0.8, 0.3]);
        assert_eq!(s.answer(), 1);
        assert_eq!(&s.pixels[..11], &[9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 0]);
        s.label = Some(2);
        assert_eq!(s.is_right(), Some(false));
        (s.right, s.seen) = (3, 4);
        assert_eq!(s.running(), Some(0.75));
    }
}

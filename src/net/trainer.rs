//! The book's training step, one sample at a time, with the input layer's update deferred.
//!
//! `train(inputs, targets)` does exactly what the book's `train` does:
//! ```text
//! hidden_outputs = σ(wih · inputs)              // (hidden)
//! final_outputs  = σ(who · hidden_outputs)      // (output)
//! output_errors  = targets − final_outputs
//! hidden_errors  = whoᵀ · output_errors         // with who *before* its update
//! who += lr · (output_errors ∘ final_outputs ∘ (1 − final_outputs)) · hidden_outputsᵀ
//! wih += lr · (hidden_errors ∘ hidden_outputs ∘ (1 − hidden_outputs)) · inputsᵀ
//! ```
//! The last line is the expensive one (`wih` is 200×784 for MNIST), and so is the first line of
//! the next sample. A [`Trainer`] keeps the `wih` update pending and applies it in the same pass
//! over `wih` as the next sample's forward pass ([`layer::update_then_weighted_sums`]). Every
//! weight still sees the same operations in the same order, so the weights are bit-identical to
//! the plain sequence; the pending update is applied when the trainer is dropped or
//! [`Trainer::finish`]ed, before anyone else can look at the weights.

use crate::net::activation::sigmoid_in_place;
use crate::net::layer;

/// Trains a network sample by sample; borrows the network's weights and scratch buffers.
///
/// Get one from [`Network::trainer`](crate::Network::trainer) or
/// [`FixedNetwork::trainer`](crate::FixedNetwork::trainer).
#[derive(Debug)]
pub struct Trainer<'n> {
    /// wih is (hidden, input), column-major.
    wih: &'n mut [f32],
    /// who is (output, hidden), column-major.
    who: &'n mut [f32],
    lr: f32,
    hidden_outputs: &'n mut [f32],
    /// lr · hidden_errors ∘ h ∘ (1 − h) of the last sample: its pending `wih` update.
    hidden_gradient: &'n mut [f32],
    final_outputs: &'n mut [f32],
    /// output_errors, turned into the output gradient once the hidden errors are known.
    output_errors: &'n mut [f32],
    /// The last sample's inputs, needed by its pending `wih` update.
    previous_inputs: &'n mut [f32],
    pending: bool,
    /// Direction of the next fused pass over `wih`'s blocks; flips every sample (cache reuse).
    reverse: bool,
}

/// The scratch space a [`Trainer`] works in, borrowed from the network that owns it.
pub(crate) struct Scratch<'n> {
    pub hidden_outputs: &'n mut [f32],
    pub hidden_gradient: &'n mut [f32],
    pub final_outputs: &'n mut [f32],
    pub output_errors: &'n mut [f32],
    pub previous_inputs: &'n mut [f32],
}

impl<'n> Trainer<'n> {
    /// Borrows column-major weights and scratch of matching sizes.
    pub(crate) fn new(wih: &'n mut [f32], who: &'n mut [f32], lr: f32, s: Scratch<'n>) -> Self {
        let (inputs, hidden, outputs) = (
            s.previous_inputs.len(),
            s.hidden_outputs.len(),
            s.final_outputs.len(),
        );
        assert_eq!(wih.len(), hidden * inputs, "wih is (hidden, input)");
        assert_eq!(who.len(), outputs * hidden, "who is (output, hidden)");
        assert!(s.hidden_gradient.len() == hidden && s.output_errors.len() == outputs);
        Trainer {
            wih,
            who,
            lr,
            hidden_outputs: s.hidden_outputs,
            hidden_gradient: s.hidden_gradient,
            final_outputs: s.final_outputs,
            output_errors: s.output_errors,
            previous_inputs: s.previous_inputs,
            pending: false,
            reverse: false,
        }
    }

    /// Trains on one sample and returns the network's outputs for it *before* this sample's
    /// update (what `query` would have said), which makes a free running training accuracy.
    ///
    /// # Panics
    /// If `inputs` or `targets` do not have the network's input and output sizes.
    pub fn train(&mut self, inputs: &[f32], targets: &[f32]) -> &[f32] {
        assert_eq!(inputs.len(), self.previous_inputs.len(), "input size");
        assert_eq!(targets.len(), self.final_outputs.len(), "output size");

        // hidden_outputs = σ(wih · inputs), after the last sample's pending wih update.
        if self.pending {
            layer::update_then_weighted_sums(
                self.wih,
                self.hidden_gradient,
                self.previous_inputs,
                inputs,
                self.hidden_outputs,
                self.reverse,
            );
            self.reverse = !self.reverse;
        } else {
            layer::weighted_sums(self.wih, inputs, self.hidden_outputs);
        }
        sigmoid_in_place(self.hidden_outputs);
        // final_outputs = σ(who · hidden_outputs)
        layer::forward(self.who, self.hidden_outputs, self.final_outputs);

        // output_errors = targets − final_outputs
        for ((e, &t), &o) in self
            .output_errors
            .iter_mut()
            .zip(targets)
            .zip(&*self.final_outputs)
        {
            *e = t - o;
        }
        // hidden_errors = whoᵀ · output_errors, with who before its update. The hidden errors
        // land in hidden_gradient and are turned into the gradient in place below.
        layer::backward_errors(self.who, self.output_errors, self.hidden_gradient);

        // who += lr · (output_errors ∘ o ∘ (1 − o)) · hidden_outputsᵀ
        layer::gradient_in_place(self.lr, self.output_errors, self.final_outputs);
        layer::update(self.who, self.output_errors, self.hidden_outputs);

        // wih += lr · (hidden_errors ∘ h ∘ (1 − h)) · inputsᵀ — computed now, applied with
        // the next sample's forward pass (or by finish/drop).
        layer::gradient_in_place(self.lr, self.hidden_gradient, self.hidden_outputs);
        self.previous_inputs.copy_from_slice(inputs);
        self.pending = true;

        self.final_outputs
    }

    /// Applies the pending update to `wih`, so the network's weights are complete.
    /// Dropping the trainer does the same.
    pub fn finish(self) {}

    fn flush(&mut self) {
        if self.pending {
            layer::update(self.wih, self.hidden_gradient, self.previous_inputs);
            self.pending = false;
        }
    }
}

impl Drop for Trainer<'_> {
    fn drop(&mut self) {
        self.flush();
    }
}

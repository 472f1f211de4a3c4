//! The two read-only passes through a network: `query` (inputs → outputs) and the book's
//! `backquery` (outputs → the inputs that would produce them), on column-major slices.
//!
//! [`Network`](crate::Network) and [`FixedNetwork`](crate::FixedNetwork) both call these, so
//! both give the same bits.

use crate::net::activation::logit;
use crate::net::layer;

/// `final_outputs = σ(who · σ(wih · inputs))`; `hidden_outputs` is scratch of the hidden size.
pub fn query_into(
    wih: &[f32],
    who: &[f32],
    inputs: &[f32],
    hidden_outputs: &mut [f32],
    final_outputs: &mut [f32],
) {
    layer::forward(wih, inputs, hidden_outputs);
    layer::forward(who, hidden_outputs, final_outputs);
}

/// The book's back-query: runs the network backwards from `targets` to an input image.
///
/// ```text
/// final_inputs   = logit(targets)
/// hidden_outputs = whoᵀ · final_inputs, rescaled to 0.01..0.99
/// hidden_inputs  = logit(hidden_outputs)
/// inputs         = wihᵀ · hidden_inputs, rescaled to 0.01..0.99
/// ```
/// `targets` must lie strictly between 0 and 1 (the book uses 0.01 and 0.99). `hidden` is
/// scratch of the hidden size; the image lands in `inputs`.
pub fn backquery_into(
    wih: &[f32],
    who: &[f32],
    targets: &[f32],
    hidden: &mut [f32],
    inputs: &mut [f32],
) {
    // hidden_outputs = whoᵀ · logit(targets); logit is taken term by term, as there is no
    // scratch of the output size.
    let n_out = targets.len();
    for (column, h) in who.chunks_exact(n_out).zip(hidden.iter_mut()) {
        let mut sum = 0.0;
        for (&w, &t) in column.iter().zip(targets) {
            sum += w * logit(t);
        }
        *h = sum;
    }
    rescale(hidden);
    // hidden_inputs = logit(hidden_outputs)
    for h in hidden.iter_mut() {
        *h = logit(*h);
    }
    // inputs = wihᵀ · hidden_inputs
    layer::backward_errors(wih, hidden, inputs);
    rescale(inputs);
}

/// The book's rescale to 0.01..0.99: subtract the minimum, divide by the (new) maximum,
/// times 0.98, plus 0.01. A constant signal, which the book would divide by zero, becomes 0.5.
fn rescale(values: &mut [f32]) {
    let min = values.iter().copied().fold(f32::INFINITY, f32::min);
    let max = values.iter().copied().fold(f32::NEG_INFINITY, f32::max) - min;
    for v in values.iter_mut() {
        *v = if max > 0.0 {
            (*v - min) / max * 0.98 + 0.01
        } else {
            0.5
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rescale_maps_onto_the_book_range() {
        let mut v = [-3.0, 1.0, 5.0];
        rescale(&mut v);
        assert_eq!(v, [0.01, 0.5, 0.99]);
        let mut flat = [2.0; 3];
        rescale(&mut flat);
        assert_eq!(flat, [0.5; 3]);
    }
}

//! mnist_in_a_few_lines: the book's whole MNIST recipe in a few lines of the library.
//!
//! 784 inputs (28×28 pixels), 200 hidden nodes, 10 outputs, learning rate 0.1, 5 epochs over
//! the 60,000 bundled training images, scored on the 10,000 test images after each epoch.
//! `nnzero train` is the same recipe with progress bars, options and a saved model.
//!
//! `cargo run --release --example mnist_in_a_few_lines`

use std::io::Write;

use nnzero::{dataset::Dataset, dataset::DatasetError, infer::eval::evaluate, Network};

fn main() -> Result<(), DatasetError> {
    recipe(&mut std::io::stdout()).map(drop)
}

/// The recipe; writes the test accuracy after each epoch to `out` and returns the last.
pub fn recipe(out: &mut impl Write) -> Result<f64, DatasetError> {
    let (train, test) = (Dataset::bundled_train()?, Dataset::bundled_test()?);
    let mut net = Network::new(784, 200, 10, 0.1, 1); // inputs, hidden, outputs, lr, seed
    let mut accuracy = 0.0;
    for epoch in 1..=5 {
        net.train_epoch(&train)?;
        accuracy = evaluate(&net, &test)?.accuracy();
        let _ = writeln!(out, "epoch {epoch}: test accuracy {:.2}%", 100.0 * accuracy);
    }
    Ok(accuracy)
}

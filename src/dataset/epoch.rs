//! The book's training loop over a whole dataset: [`Network::train_epoch`]. It lives with the
//! datasets, not in the network core, which knows nothing of files.

use crate::dataset::{Dataset, DatasetError};
use crate::Network;

impl Network {
    /// One epoch of the book's training loop over a whole dataset, in order: each image scaled
    /// to 0.01..1.00 ([`scale_image`](crate::digits::mnist::scale_image)), its label turned into
    /// targets ([`targets_into`](crate::digits::mnist::targets_into)), then [`train`](Self::train).
    ///
    /// ```no_run
    /// use nnzero::{dataset::Dataset, infer::eval::evaluate, Network};
    /// let (train, test) = (Dataset::bundled_train()?, Dataset::bundled_test()?);
    /// let mut net = Network::new(784, 200, 10, 0.1, 1);
    /// net.train_epoch(&train)?;
    /// println!("{:.2}%", 100.0 * evaluate(&net, &test)?.accuracy());
    /// # Ok::<(), nnzero::dataset::DatasetError>(())
    /// ```
    ///
    /// # Panics
    /// If the dataset's images do not have [`inputs`](Self::inputs) pixels.
    pub fn train_epoch(&mut self, data: &Dataset) -> Result<(), DatasetError> {
        use crate::digits::mnist::{scale_image, targets_into};
        assert_eq!(data.header().pixels(), self.inputs(), "image size");
        let mut inputs = vec![0.0; self.inputs()];
        let mut targets = vec![0.0; self.outputs()];
        let mut stream = data.stream()?;
        let mut trainer = self.trainer();
        while let Some((label, pixels)) = stream.next_record()? {
            scale_image(pixels, &mut inputs);
            targets_into(label, &mut targets);
            trainer.train(&inputs, &targets);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `train_epoch` is the book's loop over the records, bit for bit.
    #[test]
    fn an_epoch_is_train_on_every_record_in_order() {
        use crate::digits::mnist::{scale_image, targets};
        let data = Dataset::bundled_test().unwrap();
        let mut a = Network::new(784, 8, 10, 0.1, 3);
        let mut b = a.clone();
        a.train_epoch(&data).unwrap();
        let mut stream = data.stream().unwrap();
        let mut inputs = vec![0.0; 784];
        let mut n = 0;
        while let Some((label, pixels)) = stream.next_record().unwrap() {
            scale_image(pixels, &mut inputs);
            b.train(&inputs, &targets(label));
            n += 1;
        }
        assert_eq!(n, 10_000);
        assert_eq!(a.wih().as_slice(), b.wih().as_slice());
        assert_eq!(a.who().as_slice(), b.who().as_slice());
    }
}

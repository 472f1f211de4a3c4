//! The same network with its sizes fixed at compile time: no allocator needed.
//!
//! `FixedNetwork<I, H, O>` keeps its weights in nalgebra `SMatrix` arrays and its scratch in
//! plain arrays, so it can live in a `static` on a microcontroller. It calls the same kernels
//! as the heap [`Network`](crate::Network) and gives the same bits for the same seed and data.
//!
//! A 784-200-10 network is 636 KB: build it in place with [`FixedNetwork::zeroed`] in a
//! `static` (it is a `const fn`) and [`FixedNetwork::init`], rather than on the stack.

use nalgebra::{ArrayStorage, SMatrix};

use crate::net::init::init_weights;
use crate::net::query::{backquery_into, query_into};
use crate::net::trainer::{Scratch, Trainer};

/// A three-layer sigmoid network with `I` inputs, `H` hidden and `O` output nodes.
///
/// `wih` comes first and the struct is aligned to a cache line, so the input weights start on
/// a 64-byte boundary wherever the network lives (a `static`, a `Box`, the stack): no vector
/// load of the kernels straddles two lines more often than it must.
#[derive(Debug, Clone)]
#[repr(C, align(64))]
pub struct FixedNetwork<const I: usize, const H: usize, const O: usize> {
    /// wih is (hidden, input), column-major.
    wih: SMatrix<f32, H, I>,
    /// who is (output, hidden), column-major.
    who: SMatrix<f32, O, H>,
    learning_rate: f32,
    seed: u64,
    hidden_outputs: [f32; H],
    hidden_gradient: [f32; H],
    final_outputs: [f32; O],
    output_errors: [f32; O],
    previous_inputs: [f32; I],
}

impl<const I: usize, const H: usize, const O: usize> FixedNetwork<I, H, O> {
    /// A network with all weights zero; call [`init`](Self::init) before training.
    pub const fn zeroed(learning_rate: f32) -> Self {
        FixedNetwork {
            wih: SMatrix::from_array_storage(ArrayStorage([[0.0; H]; I])),
            who: SMatrix::from_array_storage(ArrayStorage([[0.0; O]; H])),
            learning_rate,
            seed: 0,
            hidden_outputs: [0.0; H],
            hidden_gradient: [0.0; H],
            final_outputs: [0.0; O],
            output_errors: [0.0; O],
            previous_inputs: [0.0; I],
        }
    }

    /// A new network with the book's random weights for `seed`, built on the stack. For large
    /// sizes prefer a `static` built with [`zeroed`](Self::zeroed) and [`init`](Self::init).
    pub fn new(learning_rate: f32, seed: u64) -> Self {
        let mut net = Self::zeroed(learning_rate);
        net.init(seed);
        net
    }

    /// Draws the book's random weights for `seed`, exactly as
    /// [`Network::new`](crate::Network::new) does.
    pub fn init(&mut self, seed: u64) {
        self.seed = seed;
        init_weights(seed, I, self.wih.as_mut_slice(), self.who.as_mut_slice());
    }

    /// The seed the weights were drawn from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The learning rate.
    pub fn learning_rate(&self) -> f32 {
        self.learning_rate
    }

    /// Input → hidden weights, (hidden, input).
    pub fn wih(&self) -> &SMatrix<f32, H, I> {
        &self.wih
    }

    /// Hidden → output weights, (output, hidden).
    pub fn who(&self) -> &SMatrix<f32, O, H> {
        &self.who
    }

    /// Both weight matrices, mutable (to load weights saved elsewhere).
    pub fn weights_mut(&mut self) -> (&mut SMatrix<f32, H, I>, &mut SMatrix<f32, O, H>) {
        (&mut self.wih, &mut self.who)
    }

    /// The network's answer for `inputs`.
    pub fn query(&self, inputs: &[f32; I]) -> [f32; O] {
        let mut hidden = [0.0; H];
        let mut outputs = [0.0; O];
        query_into(
            self.wih.as_slice(),
            self.who.as_slice(),
            inputs,
            &mut hidden,
            &mut outputs,
        );
        outputs
    }

    /// Trains on one sample, as [`Network::train`](crate::Network::train).
    pub fn train(&mut self, inputs: &[f32; I], targets: &[f32; O]) {
        self.trainer().train(inputs, targets);
    }

    /// A [`Trainer`] for a stream of samples.
    pub fn trainer(&mut self) -> Trainer<'_> {
        Trainer::new(
            self.wih.as_mut_slice(),
            self.who.as_mut_slice(),
            self.learning_rate,
            Scratch {
                hidden_outputs: &mut self.hidden_outputs,
                hidden_gradient: &mut self.hidden_gradient,
                final_outputs: &mut self.final_outputs,
                output_errors: &mut self.output_errors,
                previous_inputs: &mut self.previous_inputs,
            },
        )
    }

    /// The book's back-query for `targets`.
    pub fn backquery(&self, targets: &[f32; O]) -> [f32; I] {
        let mut hidden = [0.0; H];
        let mut inputs = [0.0; I];
        backquery_into(
            self.wih.as_slice(),
            self.who.as_slice(),
            targets,
            &mut hidden,
            &mut inputs,
        );
        inputs
    }
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;
    use crate::Network;

    #[test]
    fn fixed_and_heap_networks_agree_bit_for_bit() {
        let mut fixed = FixedNetwork::<12, 5, 3>::new(0.25, 77);
        let mut heap = Network::new(12, 5, 3, 0.25, 77);
        assert_eq!(fixed.wih().as_slice(), heap.wih().as_slice());
        assert_eq!(fixed.who().as_slice(), heap.who().as_slice());
        let mut x = [0.0f32; 12];
        for step in 0..200 {
            for (i, v) in x.iter_mut().enumerate() {
                *v = ((i * 7 + step * 13) % 17) as f32 / 17.0 * 0.99 + 0.01;
            }
            let mut t = [0.01f32; 3];
            t[step % 3] = 0.99;
            fixed.train(&x, &t);
            heap.train(&x, &t);
        }
        assert_eq!(fixed.wih().as_slice(), heap.wih().as_slice());
        assert_eq!(fixed.who().as_slice(), heap.who().as_slice());
        assert_eq!(fixed.query(&x).as_slice(), heap.query(&x).as_slice());
        assert_eq!(
            fixed.backquery(&[0.99, 0.01, 0.01]).as_slice(),
            heap.backquery(&[0.99, 0.01, 0.01])
        );
    }
}

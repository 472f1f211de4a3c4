//! The book's `neuralNetwork` class: three layers of any size, on the heap.
//!
//! ```text
//! inputs (input) ──wih──▶ hidden (hidden) ──who──▶ outputs (output)
//! ```
//! `wih` is (hidden, input) and `who` is (output, hidden), both nalgebra matrices on
//! cache-line-aligned storage ([`AlignedMatrix`]), column-major: `wih.column(j)` is input `j`'s
//! weights to every hidden node.

use alloc::vec;
use alloc::vec::Vec;
use nalgebra::base::storage::RawStorage;
use nalgebra::{Dyn, Matrix};

use crate::net::aligned::{self, AlignedMatrix};
use crate::net::init::init_weights;
use crate::net::query::{backquery_into, query_into};
use crate::net::trainer::{Scratch, Trainer};

/// A three-layer sigmoid network: the book's `neuralNetwork`.
#[derive(Debug, Clone)]
pub struct Network {
    /// wih is (hidden, input), column-major.
    wih: AlignedMatrix,
    /// who is (output, hidden), column-major.
    who: AlignedMatrix,
    learning_rate: f32,
    seed: u64,
    /// Whether the network was trained on pictures stood upright by their moments
    /// ([`crate::digits::deskew`]): every picture it reads must be deskewed the same way.
    deskew: bool,
    scratch: ScratchVecs,
}

/// The training step's scratch buffers, kept with the network so a trainer costs nothing.
#[derive(Debug, Clone)]
struct ScratchVecs {
    hidden_outputs: Vec<f32>,
    hidden_gradient: Vec<f32>,
    final_outputs: Vec<f32>,
    output_errors: Vec<f32>,
    previous_inputs: Vec<f32>,
}

impl ScratchVecs {
    fn new(inputs: usize, hidden: usize, outputs: usize) -> Self {
        ScratchVecs {
            hidden_outputs: vec![0.0; hidden],
            hidden_gradient: vec![0.0; hidden],
            final_outputs: vec![0.0; outputs],
            output_errors: vec![0.0; outputs],
            previous_inputs: vec![0.0; inputs],
        }
    }
}

impl Network {
    /// A new network with the book's random weights: `wih ~ N(0, inputs^-0.5)`,
    /// `who ~ N(0, hidden^-0.5)`, drawn from `XorShiftRng` seeded with `seed`.
    ///
    /// # Panics
    /// If a layer size is zero.
    pub fn new(
        inputs: usize,
        hidden: usize,
        outputs: usize,
        learning_rate: f32,
        seed: u64,
    ) -> Self {
        assert!(
            inputs > 0 && hidden > 0 && outputs > 0,
            "layer sizes must be positive"
        );
        let mut wih = aligned::zeros(hidden, inputs);
        let mut who = aligned::zeros(outputs, hidden);
        init_weights(seed, inputs, wih.as_mut_slice(), who.as_mut_slice());
        Self::from_aligned(wih, who, learning_rate, seed)
    }

    /// A network with the given weights: `wih` (hidden, input) and `who` (output, hidden),
    /// any nalgebra `f32` matrices (a `DMatrix`, or another network's weights); they are copied
    /// into the network's aligned storage.
    ///
    /// # Panics
    /// If `who.ncols() != wih.nrows()` or a dimension is zero.
    pub fn from_weights<S1, S2>(
        wih: Matrix<f32, Dyn, Dyn, S1>,
        who: Matrix<f32, Dyn, Dyn, S2>,
        learning_rate: f32,
        seed: u64,
    ) -> Self
    where
        S1: RawStorage<f32, Dyn, Dyn>,
        S2: RawStorage<f32, Dyn, Dyn>,
    {
        Self::from_aligned(
            aligned::copy_of(&wih),
            aligned::copy_of(&who),
            learning_rate,
            seed,
        )
    }

    /// A network that takes `wih` and `who` as they are, without a copy (a model decoded in
    /// place).
    pub(crate) fn from_aligned(
        wih: AlignedMatrix,
        who: AlignedMatrix,
        learning_rate: f32,
        seed: u64,
    ) -> Self {
        assert_eq!(
            who.ncols(),
            wih.nrows(),
            "who must have one column per hidden node"
        );
        assert!(
            !wih.is_empty() && !who.is_empty(),
            "layer sizes must be positive"
        );
        let scratch = ScratchVecs::new(wih.ncols(), wih.nrows(), who.nrows());
        Network {
            wih,
            who,
            learning_rate,
            seed,
            deskew: false,
            scratch,
        }
    }

    /// Whether the network reads pictures deskewed by their moments (recorded in its model
    /// file, `spec/model.md`).
    pub fn deskews(&self) -> bool {
        self.deskew
    }

    /// Records whether the network reads pictures deskewed: a run that trains on deskewed
    /// pictures sets it, and [`input_into`](Network::input_into) then deskews every picture.
    pub fn set_deskew(&mut self, deskew: bool) {
        self.deskew = deskew;
    }

    /// A picture's pixels (0–255, light ink on black, row by row) as this network's inputs:
    /// stood upright by its moments first if the network was trained so (and the picture is
    /// square), then scaled as the book does ([`scale_image`](crate::digits::mnist::scale_image)).
    /// The one place a picture becomes inputs, so training, scoring, `predict` and `teach`
    /// prepare it alike. Like `scale_image`, it fills as many inputs as there are pixels.
    pub fn input_into(&self, pixels: &[u8], inputs: &mut [f32]) {
        let mut buf = if self.deskew {
            vec![0u8; pixels.len()]
        } else {
            Vec::new()
        };
        let pixels = crate::digits::deskew::upright(self.deskew, pixels, &mut buf);
        crate::digits::mnist::scale_image(pixels, inputs);
    }

    /// [`input_into`](Network::input_into) into a new vector.
    pub fn input(&self, pixels: &[u8]) -> Vec<f32> {
        let mut inputs = vec![0.0; pixels.len()];
        self.input_into(pixels, &mut inputs);
        inputs
    }

    /// Number of input nodes.
    pub fn inputs(&self) -> usize {
        self.wih.ncols()
    }

    /// Number of hidden nodes.
    pub fn hidden(&self) -> usize {
        self.wih.nrows()
    }

    /// Number of output nodes.
    pub fn outputs(&self) -> usize {
        self.who.nrows()
    }

    /// The learning rate used by [`train`](Self::train).
    pub fn learning_rate(&self) -> f32 {
        self.learning_rate
    }

    /// Changes the learning rate (the book lowers it between runs to compare).
    pub fn set_learning_rate(&mut self, learning_rate: f32) {
        self.learning_rate = learning_rate;
    }

    /// The seed the weights were initialised from (recorded in model files).
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Input → hidden weights, (hidden, input).
    pub fn wih(&self) -> &AlignedMatrix {
        &self.wih
    }

    /// Hidden → output weights, (output, hidden).
    pub fn who(&self) -> &AlignedMatrix {
        &self.who
    }

    /// Both weight matrices, mutable: for the threaded trainer, which hands blocks of them to
    /// its threads.
    #[cfg(feature = "std")]
    pub(crate) fn weights_mut(&mut self) -> (&mut AlignedMatrix, &mut AlignedMatrix) {
        (&mut self.wih, &mut self.who)
    }

    /// The network's answer for `inputs`: `σ(who · σ(wih · inputs))`.
    ///
    /// # Panics
    /// If `inputs.len() != self.inputs()`.
    pub fn query(&self, inputs: &[f32]) -> Vec<f32> {
        let mut hidden = vec![0.0; self.hidden()];
        let mut outputs = vec![0.0; self.outputs()];
        self.query_into(inputs, &mut hidden, &mut outputs);
        outputs
    }

    /// [`query`](Self::query) into caller-provided buffers (no allocation): `hidden` of the
    /// hidden size is scratch, the answer lands in `outputs`.
    ///
    /// # Panics
    /// If a buffer has the wrong size.
    pub fn query_into(&self, inputs: &[f32], hidden: &mut [f32], outputs: &mut [f32]) {
        assert_eq!(inputs.len(), self.inputs(), "input size");
        assert!(hidden.len() == self.hidden() && outputs.len() == self.outputs());
        query_into(
            self.wih.as_slice(),
            self.who.as_slice(),
            inputs,
            hidden,
            outputs,
        );
    }

    /// Trains on one sample: the book's `train(inputs_list, targets_list)`.
    ///
    /// For a stream of samples, [`trainer`](Self::trainer) gives the same weights faster.
    ///
    /// # Panics
    /// If `inputs` or `targets` do not match the input and output sizes.
    pub fn train(&mut self, inputs: &[f32], targets: &[f32]) {
        self.trainer().train(inputs, targets);
    }

    /// A [`Trainer`] for a stream of samples. Its weights equal those of calling
    /// [`train`](Self::train) for each sample, bit for bit.
    pub fn trainer(&mut self) -> Trainer<'_> {
        let s = &mut self.scratch;
        Trainer::new(
            self.wih.as_mut_slice(),
            self.who.as_mut_slice(),
            self.learning_rate,
            Scratch {
                hidden_outputs: &mut s.hidden_outputs,
                hidden_gradient: &mut s.hidden_gradient,
                final_outputs: &mut s.final_outputs,
                output_errors: &mut s.output_errors,
                previous_inputs: &mut s.previous_inputs,
            },
        )
    }

    /// The book's back-query: the input image the network associates with `targets`
    /// (e.g. 0.99 for one label, 0.01 for the rest), values in 0.01..0.99.
    ///
    /// # Panics
    /// If `targets.len() != self.outputs()`.
    pub fn backquery(&self, targets: &[f32]) -> Vec<f32> {
        assert_eq!(targets.len(), self.outputs(), "output size");
        let mut hidden = vec![0.0; self.hidden()];
        let mut inputs = vec![0.0; self.inputs()];
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use nalgebra::{DMatrix, DVector};

    /// The book's `train`, written with nalgebra's operators exactly as the Python reads,
    /// as an independent reference for the kernels.
    fn book_train(wih: &mut DMatrix<f32>, who: &mut DMatrix<f32>, lr: f32, x: &[f32], t: &[f32]) {
        let sig = |m: DVector<f32>| m.map(crate::net::activation::sigmoid);
        let inputs = DVector::from_column_slice(x);
        let targets = DVector::from_column_slice(t);
        let hidden_outputs = sig(&*wih * &inputs);
        let final_outputs = sig(&*who * &hidden_outputs);
        let output_errors = &targets - &final_outputs;
        let hidden_errors = who.transpose() * &output_errors;
        let d_out = output_errors.component_mul(&final_outputs.map(|o| o * (1.0 - o)));
        *who += lr * d_out * hidden_outputs.transpose();
        let d_hid = hidden_errors.component_mul(&hidden_outputs.map(|h| h * (1.0 - h)));
        *wih += lr * d_hid * inputs.transpose();
    }

    /// `n` pseudo-random samples (inputs in the book's 0.01..1 range, one-hot targets); the
    /// trainer tests here and in `parallel` share them.
    pub(crate) fn samples(n: usize, inputs: usize, outputs: usize) -> Vec<(Vec<f32>, Vec<f32>)> {
        let mut state = 0x9E37_79B9u32;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as f32 / u32::MAX as f32
        };
        (0..n)
            .map(|k| {
                let x = (0..inputs).map(|_| next() * 0.99 + 0.01).collect();
                let t = (0..outputs)
                    .map(|o| if o == k % outputs { 0.99 } else { 0.01 })
                    .collect();
                (x, t)
            })
            .collect()
    }

    #[test]
    fn trainer_matches_the_book_formulas() {
        let mut net = Network::new(20, 8, 4, 0.3, 5);
        let (mut wih, mut who) = (net.wih().clone_owned(), net.who().clone_owned());
        let data = samples(50, 20, 4);
        {
            let mut trainer = net.trainer();
            for (x, t) in &data {
                trainer.train(x, t);
            }
        }
        for (x, t) in &data {
            book_train(&mut wih, &mut who, 0.3, x, t);
        }
        let close = |a: &AlignedMatrix, b: &DMatrix<f32>| (a - b).abs().max() < 1e-5;
        assert!(
            close(net.wih(), &wih),
            "wih differs by {}",
            (net.wih() - &wih).abs().max()
        );
        assert!(
            close(net.who(), &who),
            "who differs by {}",
            (net.who() - &who).abs().max()
        );
    }

    #[test]
    fn fused_trainer_equals_sample_by_sample_training_bit_for_bit() {
        // 90 hidden nodes: two whole blocks of the kernels and a partial one.
        let mut a = Network::new(30, 90, 5, 0.2, 3);
        let mut b = a.clone();
        let data = samples(40, 30, 5);
        let mut trainer = a.trainer();
        for (x, t) in &data {
            trainer.train(x, t);
        }
        trainer.finish();
        for (x, t) in &data {
            b.train(x, t);
        }
        assert_eq!(a.wih().as_slice(), b.wih().as_slice());
        assert_eq!(a.who().as_slice(), b.who().as_slice());
    }

    /// Finite-difference check of the output-layer update: the book's update is
    /// `lr · (−∂E/∂who)` for the squared error E = ½‖t − o‖².
    #[test]
    fn output_update_is_the_negative_gradient_of_the_squared_error() {
        let net = Network::new(6, 5, 3, 0.1, 11);
        let x = [0.2, 0.9, 0.4, 0.01, 0.7, 0.3];
        let t = [0.99, 0.01, 0.01];
        let error = |who: &DMatrix<f32>| -> f64 {
            let probe = Network::from_weights(net.wih().clone(), who.clone(), 0.1, 0);
            let o = probe.query(&x);
            o.iter()
                .zip(&t)
                .map(|(&o, &t)| 0.5 * ((t - o) as f64).powi(2))
                .sum()
        };
        let mut trained = net.clone();
        trained.train(&x, &t);
        let update = trained.who() - net.who();
        let eps = 1e-2f32;
        for k in 0..3 {
            for j in 0..5 {
                let (mut plus, mut minus) = (net.who().clone_owned(), net.who().clone_owned());
                plus[(k, j)] += eps;
                minus[(k, j)] -= eps;
                let grad = (error(&plus) - error(&minus)) / (2.0 * eps as f64);
                let expected = -0.1 * grad;
                let got = update[(k, j)] as f64;
                assert!(
                    (got - expected).abs() < 2e-4 * expected.abs().max(1e-3),
                    "who[{k},{j}]: update {got}, −lr·∂E/∂w {expected}"
                );
            }
        }
    }

    /// XOR's truth table, inputs and targets in the book's 0.01..0.99 range. The third input
    /// is a constant 1.0: the book's network has no bias weights, and without one no weighted
    /// sum can tell (0, 0) from (1, 1) apart from their size (the talk's dividing lines do not
    /// all pass through the origin).
    const XOR: [([f32; 3], f32); 4] = [
        ([0.01, 0.01, 1.0], 0.01),
        ([0.01, 0.99, 1.0], 0.99),
        ([0.99, 0.01, 1.0], 0.99),
        ([0.99, 0.99, 1.0], 0.01),
    ];

    fn learns_xor(hidden: usize, lr: f32, seed: u64) -> bool {
        let mut net = Network::new(3, hidden, 1, lr, seed);
        for _ in 0..10_000 {
            for (x, t) in &XOR {
                net.train(x, &[*t]);
            }
        }
        XOR.iter().all(|(x, t)| (net.query(x)[0] - t).abs() < 0.2)
    }

    #[test]
    fn xor_is_learned_by_a_2_3_1_network() {
        assert!(learns_xor(3, 0.3, 1));
    }

    /// With three hidden nodes some starting weights get stuck (seeds 4, 7, 9 and 10 of the
    /// first ten); with four, every one of the first ten seeds learns XOR.
    #[test]
    fn xor_is_learned_from_any_start_with_four_hidden_nodes() {
        for seed in 1..=10 {
            assert!(learns_xor(4, 0.5, seed), "seed {seed}");
        }
    }

    #[test]
    fn same_seed_same_weights_other_seed_other_weights() {
        let a = Network::new(784, 20, 10, 0.1, 1);
        let b = Network::new(784, 20, 10, 0.1, 1);
        let c = Network::new(784, 20, 10, 0.1, 2);
        assert_eq!(a.wih().as_slice(), b.wih().as_slice());
        assert_ne!(a.wih().as_slice(), c.wih().as_slice());
    }

    #[test]
    fn backquery_gives_an_image_in_the_book_range() {
        let net = Network::new(16, 6, 3, 0.1, 4);
        let img = net.backquery(&[0.99, 0.01, 0.01]);
        assert_eq!(img.len(), 16);
        let min = img.iter().copied().fold(f32::INFINITY, f32::min);
        let max = img.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        assert!(
            (min - 0.01).abs() < 1e-6 && (max - 0.99).abs() < 1e-6,
            "{min}..{max}"
        );
    }
}

//! Teaching a trained network someone's own handwriting: fine-tuning with the book's
//! one-sample-at-a-time update on a few prepared pictures of theirs, mixed with MNIST samples so
//! that what the network knew is not forgotten.
//!
//! The book's network learns one sample at a time, so a handful of pictures can move it. Each
//! pass shows every taught picture once (the first pass as it is, later passes as augmented
//! copies: a few pictures are not enough variety on their own), each followed by a few MNIST
//! training images, in an order drawn from the seed. [`cross_validate`] scores the taught
//! pictures honestly: each is read by a network taught with its fold left out.
//!
//! This module is the logic the program (`nnzero teach`) and any other front end share;
//! [`folder`] reads the usual image-folder layout (DIR/0/ … DIR/9/).

#[cfg(feature = "prepare")]
pub mod folder;

use crate::augment::{seed, AugmentRanges, Augmenter};
use crate::dataset::{Dataset, DatasetError};
use crate::digits::mnist::{argmax, scale_image, targets_into, CLASSES, PIXELS};
use crate::infer::test_time::{read, Reading};
use crate::Network;
use rand_core::Rng;

/// A prepared 28×28 picture (MNIST-style: ink 255 on 0) and the digit it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// The digit, 0..9.
    pub label: u8,
    /// Row-major 28×28 pixels.
    pub pixels: [u8; PIXELS],
}

/// How a network is taught. [`TeachConfig::DEFAULT`] is what `nnzero teach` does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TeachConfig {
    /// Passes over the taught pictures.
    pub passes: u32,
    /// MNIST training images shown after each taught picture.
    pub mnist_per_picture: u32,
    /// Learning rate throughout.
    pub lr: f32,
    /// What the augmented copies of the taught pictures are drawn from.
    pub ranges: AugmentRanges,
    /// Folds of the cross-validation (at most this many; fewer when there are fewer pictures).
    pub folds: usize,
    /// MNIST training images kept to mix in (every n-th of the set).
    pub mnist_pool: usize,
}

impl TeachConfig {
    /// `nnzero teach`'s recipe. Chosen on the cross-validated accuracy of the taught pictures
    /// and the drop on the MNIST *training* set, never on the held-out pictures or the MNIST
    /// test set (`docs/lab/2026-11-30-teach.md`).
    pub const DEFAULT: TeachConfig = TeachConfig {
        passes: 40,
        mnist_per_picture: 5,
        lr: 0.03,
        ranges: AugmentRanges::HANDWRITING,
        folds: 5,
        mnist_pool: 6000,
    };
}

/// Keeps `n` MNIST images spread evenly over `data` (every len/n-th), to mix into teaching.
pub fn mnist_pool(data: &Dataset, n: usize) -> Result<Vec<Example>, DatasetError> {
    let step = (data.len() / n.max(1)).max(1);
    let mut pool = Vec::with_capacity(n);
    let mut stream = data.stream()?;
    let mut i = 0usize;
    while let Some((label, pixels)) = stream.next_record()? {
        if i % step == 0 && pool.len() < n && pixels.len() == PIXELS {
            let mut p = [0u8; PIXELS];
            p.copy_from_slice(pixels);
            pool.push(Example { label, pixels: p });
        }
        i += 1;
    }
    Ok(pool)
}

/// Teaches `net` the `pictures`, mixing in images of `mnist`, as `config` says; `seed` fixes
/// the order and the augmented copies.
///
/// # Panics
/// If `net` does not take 784 inputs and give 10 outputs, or `mnist` is empty while
/// `config.mnist_per_picture > 0`.
pub fn teach(
    net: &mut Network,
    pictures: &[Example],
    mnist: &[Example],
    config: &TeachConfig,
    seed: u64,
) {
    teach_with(net, pictures, mnist, config, seed, &mut || {});
}

/// [`teach`], calling `taught()` after each picture of each pass (with the MNIST images mixed
/// in after it): `config.passes × pictures.len()` calls in all.
pub fn teach_with(
    net: &mut Network,
    pictures: &[Example],
    mnist: &[Example],
    config: &TeachConfig,
    seed: u64,
    taught: &mut dyn FnMut(),
) {
    assert!(net.inputs() == PIXELS && net.outputs() == CLASSES);
    assert!(!mnist.is_empty() || config.mnist_per_picture == 0);
    let saved_lr = net.learning_rate();
    net.set_learning_rate(config.lr);
    let mut aug = Augmenter::new(seed::splitmix64(seed ^ 0x7eac), config.ranges, 28);
    let (mut inputs, mut targets, mut copy) = ([0.0f32; PIXELS], [0.0f32; CLASSES], [0u8; PIXELS]);
    let mut order: Vec<usize> = (0..pictures.len()).collect();
    // A deskewing model learns every picture upright, its copies made from it upright (as
    // the run that trained it did).
    let deskew = net.deskews();
    let (mut upright, mut source) = ([0u8; PIXELS], [0u8; PIXELS]);
    let mut trainer = net.trainer();
    // The closure borrows the trainer: it ends with this block, before `finish`.
    {
        let mut step = |pixels: &[u8], label: u8, as_is: bool| {
            let pixels = crate::digits::deskew::upright(deskew && !as_is, pixels, &mut upright);
            scale_image(pixels, &mut inputs);
            targets_into(label, &mut targets);
            trainer.train(&inputs, &targets);
        };
        for pass in 0..config.passes {
            let mut rng = seed::rng_for(seed, pass, u64::MAX, 0);
            shuffle(&mut order, &mut rng);
            for &i in &order {
                let p = &pictures[i];
                if pass == 0 {
                    step(&p.pixels, p.label, false);
                } else {
                    let src = crate::digits::deskew::upright(deskew, &p.pixels, &mut source);
                    aug.augment_digit(pass, i as u64, 0, p.label, src, &mut copy);
                    step(&copy, p.label, true);
                }
                for _ in 0..config.mnist_per_picture {
                    let m = &mnist[below(&mut rng, mnist.len())];
                    step(&m.pixels, m.label, false);
                }
                taught();
            }
        }
    }
    trainer.finish();
    net.set_learning_rate(saved_lr);
}

/// One step of the book's rule on one picture (MNIST-style pixels) and its digit: what the
/// web page's "it was a 4" does, once per press.
pub fn step(net: &mut Network, pixels: &[u8], label: u8) {
    let mut inputs = vec![0.0; net.inputs()];
    let mut targets = vec![0.0; net.outputs()];
    net.input_into(pixels, &mut inputs);
    targets_into(label, &mut targets);
    net.train(&inputs, &targets);
}

/// How many of `pictures` `net` reads correctly, reading each as `nnzero predict` does
/// ([`crate::infer::test_time`]).
pub fn score(net: &Network, pictures: &[Example]) -> usize {
    pictures
        .iter()
        .filter(|p| argmax(&read(net, &p.pixels, Reading::default())) == p.label as usize)
        .count()
}

/// The fold of each picture: within each digit, in the given order, 0, 1, …, folds−1, 0, …
/// so every fold holds about the same share of every digit.
pub fn folds_of(pictures: &[Example], folds: usize) -> Vec<usize> {
    let mut seen = [0usize; CLASSES];
    pictures
        .iter()
        .map(|p| {
            let d = (p.label as usize).min(CLASSES - 1);
            let f = seen[d] % folds.max(1);
            seen[d] += 1;
            f
        })
        .collect()
}

/// Cross-validated accuracy of teaching: for each fold, a copy of `net` is taught the other
/// folds and reads this one. Returns (correct, total) and how many folds were used: at most
/// `config.folds`, at most the number of pictures of the best-represented digit.
pub fn cross_validate(
    net: &Network,
    pictures: &[Example],
    mnist: &[Example],
    config: &TeachConfig,
    seed: u64,
) -> (usize, usize, usize) {
    cross_validate_with(net, pictures, mnist, config, seed, &mut || {})
}

/// How many folds [`cross_validate`] uses: `config.folds`, at most the number of pictures of
/// the best-represented digit; 1 means none (nothing can be left out).
pub fn folds_for(pictures: &[Example], config: &TeachConfig) -> usize {
    let mut per_digit = [0usize; CLASSES];
    for p in pictures {
        per_digit[(p.label as usize).min(CLASSES - 1)] += 1;
    }
    config
        .folds
        .min(per_digit.iter().copied().max().unwrap_or(0))
        .max(1)
}

/// [`cross_validate`], calling `taught()` as [`teach_with`] does for each fold's teaching:
/// `config.passes × pictures.len() × (folds − 1)` calls in all (none for one fold).
pub fn cross_validate_with(
    net: &Network,
    pictures: &[Example],
    mnist: &[Example],
    config: &TeachConfig,
    seed: u64,
    on_taught: &mut dyn FnMut(),
) -> (usize, usize, usize) {
    let folds = folds_for(pictures, config);
    let fold = folds_of(pictures, folds);
    let mut correct = 0;
    if folds < 2 {
        // One picture per digit: nothing can be left out and still be taught.
        return (score(net, pictures), pictures.len(), 1);
    }
    for f in 0..folds {
        let (held, taught): (Vec<_>, Vec<_>) =
            pictures.iter().zip(&fold).partition(|(_, &k)| k == f);
        let taught: Vec<Example> = taught.into_iter().map(|(p, _)| p.clone()).collect();
        let held: Vec<Example> = held.into_iter().map(|(p, _)| p.clone()).collect();
        let mut copy = net.clone();
        teach_with(
            &mut copy,
            &taught,
            mnist,
            config,
            seed::mix(seed, f as u32, 0, 1),
            on_taught,
        );
        correct += score(&copy, &held);
    }
    (correct, pictures.len(), folds)
}

/// Fisher–Yates, from the back, with draws from `rng`.
fn shuffle(items: &mut [usize], rng: &mut impl Rng) {
    for i in (1..items.len()).rev() {
        items.swap(i, below(rng, i + 1));
    }
}

/// A draw in 0..n (n ≥ 1), by multiply-shift: no division, no modulo bias worth the name.
fn below(rng: &mut impl Rng, n: usize) -> usize {
    ((rng.next_u32() as u64 * n as u64) >> 32) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: u8, x: usize) -> Example {
        let mut pixels = [0u8; PIXELS];
        for y in 4..24 {
            pixels[y * 28 + x] = 255;
            pixels[y * 28 + x + 1] = 255;
        }
        Example { label, pixels }
    }

    #[test]
    fn folds_spread_every_digit() {
        let pics: Vec<Example> = (0..10)
            .flat_map(|d| (0..5).map(move |_| bar(d, 10)))
            .collect();
        let f = folds_of(&pics, 5);
        for k in 0..5 {
            assert_eq!(f.iter().filter(|&&x| x == k).count(), 10);
        }
    }

    /// Two "digits" the network has never seen (bars at different places, labelled 3 and 8,
    /// four of each), MNIST stand-ins to mix in, and an untrained 784-20-10 network.
    fn unseen_bars() -> (Vec<Example>, Vec<Example>, Network) {
        let pics = (0..4)
            .flat_map(|i| [bar(3, 6 + i), bar(8, 18 + i)])
            .collect();
        let mnist = (0..10).map(|d| bar(d as u8, 13)).collect();
        (pics, mnist, Network::new(PIXELS, 20, CLASSES, 0.1, 1))
    }

    #[test]
    fn teaching_is_deterministic_and_learns_the_pictures() {
        let (pics, mnist, base) = unseen_bars();
        let config = TeachConfig {
            passes: 10,
            lr: 0.1,
            ..TeachConfig::DEFAULT
        };
        let (mut a, mut b) = (base.clone(), base.clone());
        teach(&mut a, &pics, &mnist, &config, 5);
        teach(&mut b, &pics, &mnist, &config, 5);
        assert_eq!(a.wih(), b.wih());
        assert_eq!(score(&a, &pics), pics.len());
        assert_eq!(a.learning_rate(), base.learning_rate());
        let (correct, total, folds) = cross_validate(&base, &pics, &mnist, &config, 5);
        assert_eq!((total, folds), (8, 4));
        assert!(correct >= 6, "{correct}/8");
    }

    #[test]
    fn progress_counts_every_picture_of_every_pass_and_fold() {
        let (pics, mnist, base) = unseen_bars();
        let config = TeachConfig {
            passes: 3,
            ..TeachConfig::DEFAULT
        };
        let mut n = 0;
        let mut a = base.clone();
        teach_with(&mut a, &pics, &mnist, &config, 5, &mut || n += 1);
        assert_eq!(n, 3 * 8);
        // The same model as without counting.
        let mut b = base.clone();
        teach(&mut b, &pics, &mnist, &config, 5);
        assert_eq!(a.wih(), b.wih());
        let folds = folds_for(&pics, &config);
        let mut n = 0;
        cross_validate_with(&base, &pics, &mnist, &config, 5, &mut || n += 1);
        assert_eq!((folds, n), (4, 3 * 8 * (4 - 1)));
    }
}

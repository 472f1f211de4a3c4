//! The bare-metal demo's workload: train a small network on embedded MNIST digits and score it
//! on held-out ones, reporting as it goes. `no_std`, no allocator.
//!
//! Shared as source with `firmware-tests/`, which runs the very same code on x86_64, aarch64,
//! ARMv7 and ARMv6 and checks that it prints `expected.out`, the file the Cortex-M4F run under
//! `qemu-system-arm` must print too: the network learns the same bits on a microcontroller.

use core::fmt::{self, Write};

use nnzero::digits::mnist::{argmax, scale_image, targets_into, CLASSES, PIXELS};
use nnzero::format::blob::BlobSlice;
use nnzero::FixedNetwork;

/// Hidden nodes: 784-32-10 is 100 KB of weights, at home in a Cortex-M4F's 192 KB of RAM.
pub const HIDDEN: usize = 32;
/// Training digits: the first this many of the MNIST training set.
pub const TRAIN_DIGITS: usize = 500;
/// Held-out digits: the first this many of the MNIST test set.
pub const TEST_DIGITS: usize = 200;
/// Passes over the training digits.
pub const EPOCHS: u32 = 4;
/// Seed of the initial weights.
pub const SEED: u64 = 7;
/// Learning rate: the book's 0.1 learns too slowly from 500 digits.
pub const LEARNING_RATE: f32 = 0.2;

/// The network the demo trains.
pub type Net = FixedNetwork<PIXELS, HIDDEN, CLASSES>;

/// How many of how many digits were read right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Score {
    /// Right answers.
    pub correct: usize,
    /// Digits scored.
    pub total: usize,
}

impl fmt::Display for Score {
    /// `82.50% (165/200)`, in integer arithmetic: the same text on every target.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hundredths = (self.correct * 10_000).checked_div(self.total).unwrap_or(0);
        write!(
            f,
            "{}.{:02}% ({}/{})",
            hundredths / 100,
            hundredths % 100,
            self.correct,
            self.total
        )
    }
}

/// Initialises `net` with [`SEED`], trains it for [`EPOCHS`] on `train`, scores it on `test`,
/// and writes a report to `out`: one line per epoch, a checksum of the weights, the score.
///
/// `net` may hold anything on entry; it is re-initialised.
pub fn run(
    net: &mut Net,
    train: &BlobSlice<'_>,
    test: &BlobSlice<'_>,
    out: &mut impl Write,
) -> Result<Score, fmt::Error> {
    writeln!(
        out,
        "nnzero bare-metal: {PIXELS}-{HIDDEN}-{CLASSES}, lr {LEARNING_RATE}, seed {SEED}, \
         {} training digits, {} held out",
        train.len(),
        test.len()
    )?;
    net.init(SEED);
    let mut inputs = [0.0f32; PIXELS];
    let mut targets = [0.0f32; CLASSES];
    for epoch in 1..=EPOCHS {
        let mut trainer = net.trainer();
        let mut correct = 0;
        for (label, pixels) in train.iter() {
            scale_image(pixels, &mut inputs);
            targets_into(label, &mut targets);
            // The outputs before learning from this digit: a free running training score.
            if argmax(trainer.train(&inputs, &targets)) == label as usize {
                correct += 1;
            }
        }
        trainer.finish();
        let score = Score {
            correct,
            total: train.len(),
        };
        writeln!(out, "epoch {epoch}/{EPOCHS}: {score} right while training")?;
    }
    writeln!(out, "weights crc32 {:08x}", weights_crc32(net))?;
    let mut correct = 0;
    for (label, pixels) in test.iter() {
        scale_image(pixels, &mut inputs);
        if argmax(&net.query(&inputs)) == label as usize {
            correct += 1;
        }
    }
    let score = Score {
        correct,
        total: test.len(),
    };
    writeln!(out, "test accuracy {score} on held-out digits")?;
    Ok(score)
}

/// CRC-32 of both weight matrices' `f32` bits, little-endian, in storage (column-major) order:
/// one number that changes if any weight differs in any bit.
pub fn weights_crc32(net: &Net) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    for w in net.wih().iter().chain(net.who().iter()) {
        hasher.update(&w.to_le_bytes());
    }
    hasher.finalize()
}

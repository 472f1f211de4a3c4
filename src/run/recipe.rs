//! What a training run is asked to do: sizes, learning rate and its schedule, epochs, seed,
//! extra copies of each image, how much of the data. Two runs with the same recipe on the
//! same data give the same weights, bit for bit. nnzero's `--augment` recipe is one of them
//! ([`Recipe::HANDWRITING`], and its Pi-sized variant [`Recipe::HANDWRITING_PI`]), with the parts a checkpoint does not record as constants beside
//! it (what the copies are drawn from, how far the learning rate falls, how often other
//! digits are mixed in).

use crate::augment::AugmentRanges;

/// The recipe of a training run. The input and output sizes come from the data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recipe {
    /// Hidden nodes.
    pub hidden: u32,
    /// Learning rate of the first epoch (and the one recorded in the model).
    pub lr: f32,
    /// Learning rate of the last epoch, reached in geometric steps; `None` keeps `lr`, unless
    /// `augment` is on, which goes to a tenth of `lr`.
    pub lr_final: Option<f32>,
    /// Passes over the training data.
    pub epochs: u32,
    /// Seed of the initial weights and of the augmentations.
    pub seed: u64,
    /// Train on the first N samples only.
    pub limit: Option<u64>,
    /// Also train on copies rotated by +deg and −deg (the book: 10).
    pub rotate: Option<f32>,
    /// Augmented copies of each image (nnzero's handwriting recipe), 0 for none.
    pub augment_copies: u32,
    /// Stand every picture upright by its moments ([`crate::digits::deskew`]) before training on
    /// it, making copies of it or scoring it; the model records it, so `predict` does the
    /// same (`--augment` turns it on).
    pub deskew: bool,
}

/// The seed of the augmentations is derived from the recipe's seed: the same run twice gives
/// the same model.
pub const AUGMENT_SEED_MIX: u64 = 0x5eed_a06e_47a7_10e5;

impl Recipe {
    /// The book's recipe: 200 hidden nodes, learning rate 0.1, 5 epochs, seed 1.
    pub const BOOK: Recipe = Recipe {
        hidden: 200,
        lr: 0.1,
        lr_final: None,
        epochs: 5,
        seed: 1,
        limit: None,
        rotate: None,
        augment_copies: 0,
        deskew: false,
    };

    /// nnzero's `--augment` recipe (`nnzero train --augment`), so every front end (the
    /// program, a web page, the library's run) trains the same way: the book's, with
    /// - two augmented copies of every training image per epoch, besides the image itself,
    ///   drawn from [`Recipe::AUGMENT_RANGES`];
    /// - 400 hidden nodes, unless the user asks for another number: three times the samples
    ///   and their variety fill a larger layer (chosen on the held-out slice of the training
    ///   set and the handwriting set's tuning half; `docs/lab/2026-11-30-augment-recipe.md`);
    /// - every picture stood upright by its moments ([`crate::digits::deskew`]) before
    ///   training, making copies, scoring or reading it (`docs/lab/2026-12-05-figures-from-doc-comments.md`);
    /// - the learning rate falling to [`Recipe::AUGMENT_LR_FINAL_RATIO`] of `lr` (as any
    ///   recipe with augmented copies and no `lr_final`).
    pub const HANDWRITING: Recipe = Recipe {
        hidden: 400,
        augment_copies: 2,
        deskew: true,
        ..Recipe::BOOK
    };

    /// The Pi-sized `--augment` recipe (`nnzero train --augment=pi`): [`Recipe::HANDWRITING`]
    /// with 100 hidden nodes and one augmented copy of every training image instead of two,
    /// deskewed and with the falling learning rate all the same, so that a Pi Zero (one ARM1176
    /// core, whose memory bus every sample's weights stream through) finishes it in about an
    /// hour at most by the guide's estimates, instead of 2–4 hours. Chosen on the held-out
    /// slice of the training set and the handwriting set's tuning half among 100, 150 and 200
    /// hidden nodes with one or two copies, as the most accurate whose estimate stays within
    /// the hour (`docs/lab/2026-12-05-pi-sized-recipe.md`).
    pub const HANDWRITING_PI: Recipe = Recipe {
        hidden: 100,
        augment_copies: 1,
        ..Recipe::HANDWRITING
    };

    /// With augmented copies, the learning rate of the last epoch as a fraction of the first
    /// (unless `lr_final` says otherwise): it falls geometrically epoch by epoch, so the
    /// weights settle instead of chasing the last few samples.
    pub const AUGMENT_LR_FINAL_RATIO: f32 = 0.1;

    /// What the augmented copies are drawn from.
    pub const AUGMENT_RANGES: AugmentRanges = AugmentRanges::HANDWRITING;

    /// With `--augment`, one extra digit mixed into the training images after every this
    /// many, 0 for none: in `std`, the 754 digits of 27 typefaces in neither half of the
    /// handwriting set (`Dataset::bundled_typefaces`), then the 1,565 digits of about 80
    /// people in Italy (`Dataset::bundled_semeion`), then 4,095 scanned digits of 21 people,
    /// mostly in Switzerland (`Dataset::bundled_swiss`), in turn. The data is mixed, not the
    /// trainer: `nnzero train --augment` opens its training set with
    /// `Dataset::mixed_with(…, MIX_EVERY)`, and a library user's `Run` trains on whatever
    /// dataset it is given (what the mixed-in digits bring: `docs/lab/2026-12-01-semeion-digits.md`).
    pub const MIX_EVERY: u32 = 10;

    /// The learning rate of epoch `epoch` (1-based) of `epochs` in a training loop of one's
    /// own (the research harness `docs/lab/harnesses/augment_holdout.rs`): from `lr`, falling
    /// geometrically to `lr · ratio`. A [`Run`](super::Run) follows
    /// [`Recipe::learning_rate`].
    pub fn geometric_learning_rate(lr: f32, ratio: f32, epoch: u32, epochs: u32) -> f32 {
        let t = (epoch.max(1) - 1) as f32 / (epochs.max(2) - 1) as f32;
        lr * libm::powf(ratio, t)
    }

    /// The learning rate of `epoch` (1-based).
    pub fn learning_rate(&self, epoch: u32) -> f32 {
        let ratio = Self::AUGMENT_LR_FINAL_RATIO;
        let last = self
            .lr_final
            .or((self.augment_copies > 0).then_some(self.lr * ratio));
        match last {
            Some(last) => {
                // Geometric steps from `lr` in the first epoch to `last` in the last one.
                let t = (epoch - 1) as f32 / (self.epochs - 1).max(1) as f32;
                // libm: the same bits on every CPU.
                self.lr * libm::powf(last / self.lr, t)
            }
            None => self.lr,
        }
    }

    /// Samples trained per record: the image, its two rotations, its augmented copies.
    pub fn copies(&self) -> u64 {
        1 + 2 * self.rotate.is_some() as u64 + self.augment_copies as u64
    }

    /// Where this recipe and `other` differ, as "hidden 200 ≠ 100, epochs 5 ≠ 3"; empty when
    /// they are the same. `self` is the one asked for, `other` the one found.
    pub fn differences(&self, other: &Recipe) -> Vec<String> {
        let mut out = Vec::new();
        let mut check = |name: &str, a: String, b: String| {
            if a != b {
                out.push(format!("{name} {a} here, {b} in the checkpoint"));
            }
        };
        let opt = |v: Option<String>| v.unwrap_or_else(|| "none".into());
        check(
            "--hidden",
            self.hidden.to_string(),
            other.hidden.to_string(),
        );
        check("--lr", bits(self.lr), bits(other.lr));
        check(
            "--lr-final",
            opt(self.lr_final.map(bits)),
            opt(other.lr_final.map(bits)),
        );
        check(
            "--epochs",
            self.epochs.to_string(),
            other.epochs.to_string(),
        );
        check("--seed", self.seed.to_string(), other.seed.to_string());
        check(
            "--limit",
            opt(self.limit.map(|n| n.to_string())),
            opt(other.limit.map(|n| n.to_string())),
        );
        check(
            "--rotate",
            opt(self.rotate.map(bits)),
            opt(other.rotate.map(bits)),
        );
        check(
            "augmented copies",
            self.augment_copies.to_string(),
            other.augment_copies.to_string(),
        );
        check(
            "deskew (--no-deskew turns it off)",
            on_off(self.deskew),
            on_off(other.deskew),
        );
        out
    }
}

fn on_off(v: bool) -> String {
    (if v { "on" } else { "off" }).into()
}

/// A number as written, but compared by its bits: 0.1 and 0.10000001 differ.
fn bits(v: f32) -> String {
    format!("{v:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_runs_from_lr_to_lr_final() {
        let r = Recipe {
            lr_final: Some(0.01),
            epochs: 3,
            ..Recipe::BOOK
        };
        assert_eq!(r.learning_rate(1), 0.1);
        assert!((r.learning_rate(3) - 0.01).abs() < 1e-6);
        assert_eq!(Recipe::BOOK.learning_rate(4), 0.1);
    }

    #[test]
    fn differences_name_each_option() {
        let other = Recipe {
            hidden: 50,
            epochs: 2,
            ..Recipe::BOOK
        };
        assert_eq!(
            Recipe::BOOK.differences(&other),
            [
                "--hidden 200 here, 50 in the checkpoint",
                "--epochs 5 here, 2 in the checkpoint"
            ]
        );
        assert!(Recipe::BOOK.differences(&Recipe::BOOK).is_empty());
    }

    #[test]
    fn the_pi_recipe_is_the_handwriting_recipe_smaller() {
        let pi = Recipe::HANDWRITING_PI;
        assert_eq!((pi.hidden, pi.augment_copies), (100, 1));
        assert_eq!(
            Recipe {
                hidden: Recipe::HANDWRITING.hidden,
                augment_copies: Recipe::HANDWRITING.augment_copies,
                ..pi
            },
            Recipe::HANDWRITING
        );
        assert!(pi.deskew && pi.lr_final.is_none());
        assert!(
            (pi.learning_rate(pi.epochs) - pi.lr * Recipe::AUGMENT_LR_FINAL_RATIO).abs() < 1e-6
        );
    }

    #[test]
    fn the_learning_rate_falls_geometrically_to_the_final_ratio() {
        let ratio = Recipe::AUGMENT_LR_FINAL_RATIO;
        let rate = |epoch, epochs| Recipe::geometric_learning_rate(0.1, ratio, epoch, epochs);
        assert_eq!(rate(1, 5), 0.1);
        let last = rate(5, 5);
        assert!((last - 0.1 * ratio).abs() < 1e-6);
        assert_eq!(rate(1, 1), 0.1);
    }
}

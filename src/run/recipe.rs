//! What a training run is asked to do: sizes, learning rate and its schedule, epochs, seed,
//! extra copies of each image, how much of the data. Two runs with the same recipe on the
//! same data give the same weights, bit for bit.

use crate::augment::AugmentRecipe;

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

    /// The learning rate of `epoch` (1-based).
    pub fn learning_rate(&self, epoch: u32) -> f32 {
        let ratio = AugmentRecipe::HANDWRITING.lr_final_ratio;
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
}

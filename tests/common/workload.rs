//! The golden workload: one fixed training run whose model file must come out byte for byte
//! the same on every CPU.
//!
//! It is shared, as source, by the desktop tests (`tests/std/golden_model.rs`, `threads.rs`,
//! `fixed_network.rs`) and by the firmware tests (`firmware-tests/`), which run it on aarch64,
//! ARMv7 and ARMv6 under QEMU. Both compare
//! what it produces with `tests/data/golden/model.txt`. It is not a benchmark and not the book's
//! recipe (that is 60,000 images × 5 epochs); it is small enough to run under an emulator.
//!
//! The run: the first 2,000 MNIST training images, one epoch, 784-200-10, learning rate 0.1,
//! seed 7. The model is encoded, saved, loaded back and scored on the 10,000 test images.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use nnzero::dataset::{Dataset, TEST_FILE, TRAIN_FILE};
use nnzero::digits::mnist::{scale_image, targets_into, CLASSES, HIDDEN, PIXELS};
use nnzero::infer::eval::{evaluate, Confusion};
use nnzero::{format::model, Network};
use sha2::{Digest, Sha256};

/// Training images used: the first this many of the MNIST training set.
pub const SAMPLES: usize = 2000;
/// Seed of the initial weights.
pub const SEED: u64 = 7;
/// Learning rate.
pub const LEARNING_RATE: f32 = 0.1;

/// The golden values, as committed. Re-bless with
/// `BLESS=1 cargo test --test std golden_model::` (desktop only, after a deliberate change
/// of the maths or the model format; say why in the commit).
pub const GOLDEN: &str = include_str!("../data/golden/model.txt");

/// Where the golden file lives in a clone, for blessing.
pub const GOLDEN_PATH: &str = "tests/data/golden/model.txt";

/// The repository's `data/` directory, unless `NNZERO_DATA_DIR` says otherwise (to run a
/// copied test binary on a real Pi, copy `data/` beside it and point the variable there).
pub fn data_dir(repo_root: &Path) -> PathBuf {
    match std::env::var_os("NNZERO_DATA_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => repo_root.join("data"),
    }
}

/// Opens the bundled training and test blobs in `data_dir`.
pub fn open_data(data_dir: &Path) -> Result<(Dataset, Dataset), String> {
    let open = |name: &str| Dataset::open(data_dir.join(name)).map_err(|e| e.to_string());
    Ok((open(TRAIN_FILE)?, open(TEST_FILE)?))
}

/// Trains the workload's network on the first [`SAMPLES`] records of `train`.
pub fn train(train: &Dataset) -> Result<Network, String> {
    let mut net = Network::new(PIXELS, HIDDEN, CLASSES, LEARNING_RATE, SEED);
    let mut inputs = [0.0f32; PIXELS];
    let mut targets = [0.0f32; CLASSES];
    let mut stream = train.stream().map_err(|e| e.to_string())?;
    let mut trainer = net.trainer();
    let mut seen = 0;
    while seen < SAMPLES {
        let Some((label, pixels)) = stream.next_record().map_err(|e| e.to_string())? else {
            return Err(format!("{} has only {seen} images", train.name()));
        };
        scale_image(pixels, &mut inputs);
        targets_into(label, &mut targets);
        trainer.train(&inputs, &targets);
        seen += 1;
    }
    trainer.finish();
    Ok(net)
}

/// What the workload produced.
#[derive(Debug)]
pub struct Outcome {
    /// The model file's bytes.
    pub model: Vec<u8>,
    /// The loaded model's score on the test set.
    pub score: Confusion,
}

/// Runs the whole workload: trains, saves the model in `scratch_dir`, loads it back (checking
/// that the bytes survive the round trip) and scores the loaded model on `test`.
pub fn run(train_set: &Dataset, test: &Dataset, scratch_dir: &Path) -> Result<Outcome, String> {
    let net = train(train_set)?;
    let bytes = model::encode(&net);
    let path = scratch_dir.join("golden.nnz");
    model::save(&net, &path).map_err(|e| format!("save {}: {e}", path.display()))?;
    let loaded = model::load(&path).map_err(|e| format!("load {}: {e}", path.display()))?;
    if std::fs::read(&path).map_err(|e| e.to_string())? != bytes {
        return Err("the saved file differs from the encoded model".into());
    }
    if model::encode(&loaded) != bytes
        || loaded.wih().as_slice() != net.wih().as_slice()
        || loaded.who().as_slice() != net.who().as_slice()
    {
        return Err("the loaded model differs from the one saved".into());
    }
    let score = evaluate(&loaded, test).map_err(|e| e.to_string())?;
    Ok(Outcome {
        model: bytes,
        score,
    })
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

impl Outcome {
    /// The golden file's value lines for this outcome (`key value`, one a line).
    pub fn values(&self) -> Vec<String> {
        vec![
            format!("model-bytes {}", self.model.len()),
            format!("model-sha256 {}", sha256_hex(&self.model)),
            format!("test-correct {}", self.score.correct()),
            format!("test-total {}", self.score.total()),
        ]
    }

    /// The whole golden file for this outcome, comments included.
    pub fn golden_file(&self) -> String {
        let mut s = String::from(
            "# Golden values of the workload in tests/common/workload.rs: the first 2,000 MNIST\n\
             # training images, 1 epoch, 784-200-10, lr 0.1, seed 7; then the 10,000 test images.\n\
             # Checked by tests/std/golden_model.rs (desktop) and firmware-tests/ (aarch64, ARMv7,\n\
             # ARMv6 under QEMU). Re-bless: BLESS=1 cargo test --test std golden_model::\n",
        );
        for line in self.values() {
            s.push_str(&line);
            s.push('\n');
        }
        s
    }

    /// Compares with the committed golden values; the error lists every line that differs.
    pub fn check(&self) -> Result<(), String> {
        let golden: Vec<&str> = GOLDEN
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .collect();
        let actual = self.values();
        if golden == actual {
            return Ok(());
        }
        let mut diff = format!(
            "this CPU ({}) differs from {GOLDEN_PATH}:\n",
            std::env::consts::ARCH
        );
        for i in 0..golden.len().max(actual.len()) {
            let (g, a) = (
                golden.get(i).copied().unwrap_or(""),
                actual.get(i).map_or("", String::as_str),
            );
            if g != a {
                let _ = writeln!(diff, "- {g}\n+ {a}");
            }
        }
        Err(diff)
    }
}

//! `nnzero teach`: fine-tunes a saved model on pictures of someone's own handwriting
//! (DIR/0/ … DIR/9/), mixing in MNIST so nothing else is forgotten; the logic is the library's
//! `nnzero::teach`, shared with any other front end.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use nnzero::dataset::Dataset;
use nnzero::digits::mnist::{CLASSES, PIXELS};
use nnzero::format::atomic_save::check_writable;
use nnzero::format::model;
use nnzero::infer::eval::evaluate;
use nnzero::teach::{
    cross_validate_with, folder, folds_for, mnist_pool, score, teach_with, TeachConfig,
};

use crate::data::open_or_bundled;
use crate::error::CliError;
use crate::progress::Progress;

/// Options of `nnzero teach`.
#[derive(Args, Debug)]
pub struct TeachArgs {
    /// The model to teach.
    #[arg(long, default_value = "model.nnz", value_name = "FILE")]
    pub model: PathBuf,
    /// Where to save the taught model (atomically).
    #[arg(long, value_name = "FILE")]
    pub save: PathBuf,
    /// Seed of the order and the augmented copies: the same seed, the same taught model.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Passes over the pictures.
    #[arg(long, default_value_t = TeachConfig::DEFAULT.passes,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub passes: u32,
    /// Learning rate of the fine-tuning.
    #[arg(long, default_value_t = TeachConfig::DEFAULT.lr, value_parser = crate::train::positive_f32)]
    pub lr: f32,
    /// MNIST training images shown after each of your pictures, so nothing else is forgotten.
    #[arg(long, value_name = "N", default_value_t = TeachConfig::DEFAULT.mnist_per_picture,
          value_parser = clap::value_parser!(u32).range(0..=100))]
    pub mix: u32,
    /// Training blob the MNIST images mixed in come from [default: the bundled training set].
    #[arg(long, value_name = "BLOB")]
    pub train: Option<PathBuf>,
    /// Test blob, scored before and after [default: the bundled MNIST test set].
    #[arg(long, value_name = "BLOB")]
    pub test: Option<PathBuf>,
    /// DIR/0/ … DIR/9/: pictures of each digit, PNG or JPEG, prepared as `predict` does.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// Runs `nnzero teach`.
pub fn run(args: &TeachArgs) -> Result<(), CliError> {
    let start = Instant::now();
    check_writable(&args.save).map_err(|e| CliError::Save(args.save.clone(), e))?;
    // A training, a server or another teach writing the same file would lose one's work.
    let _lock = nnzero::run::lock::RunLock::acquire(&[&args.save])?;
    let mut net = model::load(&args.model).map_err(|e| CliError::Model(args.model.clone(), e))?;
    if net.inputs() != PIXELS || net.outputs() != CLASSES {
        return Err(CliError::Mismatch(format!(
            "{} is a {}-{}-{} network; teach needs 784 inputs (28×28) and 10 outputs",
            args.model.display(),
            net.inputs(),
            net.hidden(),
            net.outputs()
        )));
    }
    // Thousands of photos take minutes to prepare: say how far it has got.
    let mut reading: Option<Progress> = None;
    let pictures = folder::read_with(&args.dir, &mut |done, total| {
        reading
            .get_or_insert_with(|| Progress::counting("reading".into(), total as u64, "pictures"))
            .update(done as u64);
    });
    if let Some(r) = reading {
        r.finish();
    }
    let pictures = pictures.map_err(|e| CliError::Mismatch(e.to_string()))?;
    for s in &pictures.skipped {
        eprintln!("skipped {}: {}", s.path.display(), s.why);
    }
    let train = open_or_bundled(&args.train, Dataset::bundled_train)?;
    let test = open_or_bundled(&args.test, Dataset::bundled_test)?;
    for data in [&train, &test] {
        if data.header().pixels() != PIXELS {
            return Err(CliError::Mismatch(format!(
                "{} does not hold 28×28 images",
                data.name()
            )));
        }
    }
    let config = TeachConfig {
        passes: args.passes,
        lr: args.lr,
        mnist_per_picture: args.mix,
        ..TeachConfig::DEFAULT
    };
    let mnist = mnist_pool(&train, config.mnist_pool)?;
    if mnist.is_empty() {
        return Err(CliError::Mismatch(format!(
            "{} holds no samples",
            train.name()
        )));
    }
    let examples = &pictures.examples;
    let n = examples.len();
    let mut digits: Vec<u8> = examples.iter().map(|e| e.label).collect();
    digits.dedup();
    let digits: Vec<String> = digits.iter().map(|d| d.to_string()).collect();
    println!(
        "{n} picture(s) of digit(s) {} from {}",
        digits.join(" "),
        args.dir.display()
    );
    let before = score(&net, examples);
    let mnist_before = evaluate(&net, &test)?;
    // Each fold's copy is taught the other folds' pictures, then the model all of them.
    let passes = u64::from(config.passes) * n as u64;
    let total = passes * (folds_for(examples, &config) as u64 - 1) + passes;
    let mut teaching = Progress::counting("teaching".into(), total, "pictures");
    let mut done = 0u64;
    let mut taught = || {
        done += 1;
        teaching.update(done);
    };
    let (after, _, folds) =
        cross_validate_with(&net, examples, &mnist, &config, args.seed, &mut taught);
    teach_with(&mut net, examples, &mnist, &config, args.seed, &mut taught);
    teaching.finish();
    let mnist_after = evaluate(&net, &test)?;
    let pct = |c: usize| 100.0 * c as f64 / n as f64;
    println!(
        "your pictures: {:.1}% ({before}/{n}) before, {:.1}% ({after}/{n}) after",
        pct(before),
        pct(after)
    );
    if folds > 1 {
        println!(
            "  (after: {folds}-fold cross-validation, each picture read by a model not taught it)"
        );
    } else {
        println!(
            "  (one picture per digit: nothing to leave out, so \"after\" is the untaught model)"
        );
    }
    println!(
        "test set: {:.2}% before, {:.2}% after ({})",
        100.0 * mnist_before.accuracy(),
        100.0 * mnist_after.accuracy(),
        test.name()
    );
    model::save(&net, &args.save).map_err(|e| match e {
        model::ModelError::Io(io) => CliError::Save(args.save.clone(), io),
        other => CliError::Model(args.save.clone(), other),
    })?;
    println!(
        "saved {} ({:.1} s)",
        args.save.display(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

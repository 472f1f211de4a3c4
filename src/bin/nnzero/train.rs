//! `nnzero train`: the book's training loop over a dataset, epoch after epoch.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use nnzero::atomic::check_writable;
use nnzero::dataset::Dataset;
use nnzero::eval::{evaluate, Confusion};
use nnzero::mnist::{scale_image, targets_into};
use nnzero::{model, Network};

use crate::error::CliError;
use crate::progress::{Progress, UPDATE_EVERY};

/// Options of `nnzero train`.
#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Training blob [default: the bundled MNIST training set, 60,000 images].
    #[arg(long, value_name = "BLOB")]
    pub train: Option<PathBuf>,
    /// Test blob, scored after every epoch [default: the bundled MNIST test set].
    #[arg(long, value_name = "BLOB")]
    pub test: Option<PathBuf>,
    /// Hidden nodes.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=65536))]
    pub hidden: u32,
    /// Learning rate.
    #[arg(long, default_value_t = 0.1, value_parser = positive_f32)]
    pub lr: f32,
    /// Passes over the training data.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub epochs: u32,
    /// Seed of the initial weights: the same seed and data give the same model, bit for bit.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where to save the trained model (atomically).
    #[arg(long, default_value = "model.nnz", value_name = "FILE")]
    pub save: PathBuf,
    /// The live screen.
    #[cfg(feature = "display")]
    #[command(flatten)]
    pub display: crate::display::DisplayArgs,
}

impl TrainArgs {
    /// The options of a bare `nnzero train`.
    pub fn defaults() -> Self {
        use clap::FromArgMatches;
        let cmd = <Self as clap::Args>::augment_args(clap::Command::new("train"));
        let matches = cmd.get_matches_from(["train"]);
        // The defaults above always parse.
        Self::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }
}

fn positive_f32(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("{s:?} is not a positive number")),
    }
}

/// Opens the given blob or the bundled one.
pub fn open_or_bundled(
    path: &Option<PathBuf>,
    bundled: fn() -> Result<Dataset, nnzero::dataset::DatasetError>,
) -> Result<Dataset, CliError> {
    Ok(match path {
        Some(p) => Dataset::open(p)?,
        None => bundled()?,
    })
}

/// Something that watches training: a live display, a chart of the epochs.
///
/// `sample` is called for every training sample, on the training thread: it must be cheap.
pub trait Observer {
    /// Epoch `epoch` of `epochs`, over `samples` samples, begins.
    fn epoch_start(&mut self, _epoch: u32, _epochs: u32, _samples: u64) {}
    /// Sample `index` of `epoch` (label and raw pixels) was trained on; `outputs` is what the
    /// network answered before learning from it.
    fn sample(&mut self, _epoch: u32, _index: u64, _label: u8, _pixels: &[u8], _outputs: &[f32]) {}
    /// Epoch `epoch` ended, took `took`, and scored `score` on the test set.
    fn epoch_end(&mut self, _epoch: u32, _score: &Confusion, _took: Duration) {}
}

/// Runs `nnzero train`.
pub fn run(args: &TrainArgs) -> Result<(), CliError> {
    // Fail now, not after an hour of training, if the model cannot be saved.
    check_writable(&args.save).map_err(|e| CliError::Save(args.save.clone(), e))?;
    #[cfg(feature = "display")]
    let net = {
        // Opened before training, so a missing panel is reported at once, not after an epoch.
        let mut screen = args.display.open()?.map(crate::display::TrainDisplay::new);
        let net = match screen.as_mut() {
            Some(s) => train(args, &mut [s as &mut dyn Observer]),
            None => train(args, &mut []),
        }?;
        if let Some(s) = screen {
            s.finish(args.epochs);
        }
        net
    };
    #[cfg(not(feature = "display"))]
    let net = train(args, &mut [])?;
    model::save(&net, &args.save).map_err(|e| match e {
        model::ModelError::Io(io) => CliError::Save(args.save.clone(), io),
        other => CliError::Model(args.save.clone(), other),
    })?;
    println!("saved {}", args.save.display());
    Ok(())
}

/// Trains as `args` say, printing each epoch's test accuracy, telling `observers` as it goes.
pub fn train(args: &TrainArgs, observers: &mut [&mut dyn Observer]) -> Result<Network, CliError> {
    let train = open_or_bundled(&args.train, Dataset::bundled_train)?;
    let test = open_or_bundled(&args.test, Dataset::bundled_test)?;
    let (th, sh) = (train.header(), test.header());
    if th.pixels() != sh.pixels() {
        return Err(CliError::Mismatch(format!(
            "training images are {}×{} but test images {}×{}",
            th.rows, th.cols, sh.rows, sh.cols
        )));
    }
    if train.is_empty() {
        return Err(CliError::Mismatch(format!(
            "{} holds no samples",
            train.name()
        )));
    }
    // A corrupt blob is only caught at its checksum, at the end: check both before training.
    train.verify()?;
    test.verify()?;

    let classes = th.classes.max(sh.classes) as usize;
    let mut net = Network::new(
        th.pixels(),
        args.hidden as usize,
        classes,
        args.lr,
        args.seed,
    );
    eprintln!(
        "training {}-{}-{} (lr {}, seed {}) for {} epoch(s) on {} ({} samples), testing on {} ({})",
        net.inputs(),
        net.hidden(),
        net.outputs(),
        args.lr,
        args.seed,
        args.epochs,
        train.name(),
        train.len(),
        test.name(),
        test.len()
    );

    let mut inputs = vec![0.0f32; net.inputs()];
    let mut targets = vec![0.0f32; net.outputs()];
    for epoch in 1..=args.epochs {
        let label = format!("epoch {epoch}/{}", args.epochs);
        let mut progress = Progress::start(label, train.len() as u64);
        let mut trainer = net.trainer();
        let mut stream = train.stream()?;
        let mut done = 0u64;
        for o in observers.iter_mut() {
            o.epoch_start(epoch, args.epochs, train.len() as u64);
        }
        while let Some((label, pixels)) = stream.next_record()? {
            scale_image(pixels, &mut inputs);
            targets_into(label, &mut targets);
            let outputs = trainer.train(&inputs, &targets);
            for o in observers.iter_mut() {
                o.sample(epoch, done, label, pixels, outputs);
            }
            done += 1;
            if done % UPDATE_EVERY == 0 {
                progress.update(done);
            }
        }
        trainer.finish();
        let took = progress.finish();
        let score = evaluate(&net, &test)?;
        println!(
            "epoch {epoch}/{}: test accuracy {:.2}% ({}/{}), {:.1} s, {:.0} samples/s",
            args.epochs,
            100.0 * score.accuracy(),
            score.correct(),
            score.total(),
            took.as_secs_f64(),
            done as f64 / took.as_secs_f64()
        );
        for o in observers.iter_mut() {
            o.epoch_end(epoch, &score, took);
        }
    }
    Ok(net)
}

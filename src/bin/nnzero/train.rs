//! `nnzero train`: the book's training loop over a dataset, epoch after epoch.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use nnzero::atomic::check_writable;
use nnzero::augment::{warp, Affine, AugmentRanges, Augmenter};
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
    #[arg(long, default_value_t = 0.1, value_parser = positive_f32, allow_negative_numbers = true)]
    pub lr: f32,
    /// Passes over the training data.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub epochs: u32,
    /// Seed of the initial weights: the same seed and data give the same model, bit for bit.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Train on the first N samples of the training set only (a quick run).
    #[arg(long, value_name = "N", value_parser = sample_count, allow_negative_numbers = true)]
    pub limit: Option<u64>,
    /// Also train on copies of every image rotated by +DEG and −DEG degrees (the book: 10).
    #[arg(long, value_name = "DEG", value_parser = rotation_degrees)]
    pub rotate: Option<f32>,
    /// nnzero's recipe for reading real handwriting: also train on randomly rotated, slanted,
    /// scaled, shifted, thinner and thicker copies of every image (see --augment-copies).
    #[arg(long)]
    pub augment: bool,
    /// Lower the learning rate from --lr, epoch by epoch geometrically, to this in the last
    /// epoch. Small steps at the end let the weights settle instead of chasing the last few
    /// samples. --augment's recipe goes to a tenth of --lr unless this says otherwise.
    #[arg(long, value_name = "LR", value_parser = positive_f32, allow_negative_numbers = true)]
    pub lr_final: Option<f32>,
    /// Augmented copies of each image per epoch, with --augment.
    #[arg(long, default_value_t = AUGMENT_COPIES, value_name = "N", requires = "augment",
          value_parser = clap::value_parser!(u32).range(1..=16))]
    pub augment_copies: u32,
    /// Where to save the trained model (atomically).
    #[arg(long, default_value = "model.nnz", value_name = "FILE")]
    pub save: PathBuf,
    /// Also draw the test accuracy after each epoch to this chart (.png or .svg).
    #[arg(long, value_name = "FILE", value_parser = crate::charts::picture_path)]
    pub plot: Option<PathBuf>,
    /// The live screen.
    #[cfg(feature = "display")]
    #[command(flatten)]
    pub display: crate::display::DisplayArgs,
    /// Serve a live view of the run to browsers at ADDR (HOST:PORT, or a port on 127.0.0.1).
    #[cfg(feature = "web")]
    #[arg(long, value_name = "ADDR", value_parser = crate::web::parse_addr)]
    pub web: Option<std::net::SocketAddr>,
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

/// Augmented copies per image in nnzero's --augment recipe.
pub const AUGMENT_COPIES: u32 = 2;

fn rotation_degrees(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 90.0 => Ok(v),
        _ => Err(format!("{s:?} is not an angle in degrees between 0 and 90")),
    }
}

/// clap's parser for `--limit`: a number of samples, at least one.
fn sample_count(s: &str) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{s:?} is not a number of samples (1 or more)")),
    }
}

/// clap's parser for a positive, finite number.
pub fn positive_f32(s: &str) -> Result<f32, String> {
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
    if let Some(plot) = &args.plot {
        check_writable(plot).map_err(|e| CliError::Save(plot.clone(), e))?;
    }
    let mut epochs = crate::curve::EpochLog::default();
    // Opened before training, so a missing panel or a port in use is reported at once.
    #[cfg(feature = "display")]
    let mut screen = args.display.open()?.map(crate::display::TrainDisplay::new);
    #[cfg(feature = "web")]
    let mut web = args.web.map(crate::web::TrainWeb::start).transpose()?;
    let net = {
        let mut observers: Vec<&mut dyn Observer> = vec![&mut epochs];
        #[cfg(feature = "display")]
        if let Some(s) = screen.as_mut() {
            observers.push(s);
        }
        #[cfg(feature = "web")]
        if let Some(w) = web.as_mut() {
            observers.push(w);
        }
        train(args, &mut observers)?
    };
    #[cfg(feature = "display")]
    if let Some(s) = screen {
        s.finish(args.epochs);
    }
    #[cfg(feature = "web")]
    if let Some(w) = web {
        w.finish(args.epochs);
    }
    model::save(&net, &args.save).map_err(|e| match e {
        model::ModelError::Io(io) => CliError::Save(args.save.clone(), io),
        other => CliError::Model(args.save.clone(), other),
    })?;
    println!("saved {}", args.save.display());
    if let Some(plot) = &args.plot {
        let shape = format!("{}-{}-{}", net.inputs(), net.hidden(), net.outputs());
        epochs.save(args, &shape, plot)?;
        println!("plotted {}", plot.display());
    }
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
    let samples = args
        .limit
        .map_or(train.len() as u64, |n| n.min(train.len() as u64));
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
        samples,
        test.name(),
        test.len()
    );

    let mut inputs = vec![0.0f32; net.inputs()];
    let mut targets = vec![0.0f32; net.outputs()];
    let side = th.rows as usize;
    let square = th.rows == th.cols;
    if (args.rotate.is_some() || args.augment) && !square {
        return Err(CliError::Mismatch(format!(
            "--rotate and --augment need square images, {} holds {}×{}",
            train.name(),
            th.rows,
            th.cols
        )));
    }
    // A seed of its own for the augmentations, derived from --seed: the same run twice gives
    // the same model.
    let mut augmenter = args.augment.then(|| {
        Augmenter::new(
            args.seed ^ 0x5eed_a06e_47a7_10e5,
            AugmentRanges::HANDWRITING,
        )
    });
    let copies = 1
        + 2 * args.rotate.is_some() as u64
        + if args.augment {
            args.augment_copies as u64
        } else {
            0
        };
    let (mut variant, mut scratch) = (vec![0u8; th.pixels()], vec![0u8; th.pixels()]);
    let lr_final = args.lr_final.or(args.augment.then_some(args.lr / 10.0));
    for epoch in 1..=args.epochs {
        if let Some(last) = lr_final {
            // Geometric steps from --lr in the first epoch to `last` in the last one.
            let t = (epoch - 1) as f32 / (args.epochs - 1).max(1) as f32;
            net.set_learning_rate(args.lr * (last / args.lr).powf(t));
        }
        let label = format!("epoch {epoch}/{}", args.epochs);
        let mut progress = Progress::start(label, samples * copies);
        let mut trainer = net.trainer();
        let mut stream = train.stream()?;
        let mut done = 0u64;
        for o in observers.iter_mut() {
            o.epoch_start(epoch, args.epochs, samples * copies);
        }
        let mut step = |pixels: &[u8], label: u8, done: &mut u64| {
            scale_image(pixels, &mut inputs);
            targets_into(label, &mut targets);
            let outputs = trainer.train(&inputs, &targets);
            for o in observers.iter_mut() {
                o.sample(epoch, *done, label, pixels, outputs);
            }
            *done += 1;
            if *done % UPDATE_EVERY == 0 {
                progress.update(*done);
            }
        };
        for _ in 0..samples {
            let Some((label, pixels)) = stream.next_record()? else {
                break;
            };
            step(pixels, label, &mut done);
            if let Some(degrees) = args.rotate {
                for angle in [degrees, -degrees] {
                    warp(pixels, &mut variant, side, &Affine::rotation(angle));
                    step(&variant, label, &mut done);
                }
            }
            if let Some(aug) = augmenter.as_mut() {
                for _ in 0..args.augment_copies {
                    aug.augment(pixels, &mut variant, &mut scratch, side);
                    step(&variant, label, &mut done);
                }
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
    // The model records the rate the run was asked for, not the last step of a schedule.
    net.set_learning_rate(args.lr);
    Ok(net)
}

//! `nnzero train`: the book's training loop over a dataset, epoch after epoch.

use std::path::PathBuf;

use clap::Args;
use nnzero::run::{Observer, Recipe, Run};
use nnzero::Network;

use crate::checkpointing::{start_or_resume, train_with_checkpoints, Files, Paths};
use crate::data::Mixes;
use crate::error::CliError;
use crate::progress::Console;

/// Options of `nnzero train`.
#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Training blob [default: the bundled MNIST training set, 60,000 images].
    #[arg(long, value_name = "BLOB")]
    pub train: Option<PathBuf>,
    /// Test blob, scored after every epoch [default: the bundled MNIST test set].
    #[arg(long, value_name = "BLOB")]
    pub test: Option<PathBuf>,
    /// Hidden nodes [default: 200, or 400 with --augment].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=65536))]
    pub hidden: Option<u32>,
    /// Learning rate.
    #[arg(long, default_value_t = 0.1, value_parser = positive_f32, allow_negative_numbers = true)]
    pub lr: f32,
    /// Passes over the training data.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub epochs: u32,
    /// Seed of the initial weights: the same seed and data give the same model, bit for bit.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Train on the first N samples of the training set only (a quick run; with --augment
    /// the typeface, Semeion and Swiss digits mixed in count too, one in eleven).
    #[arg(long, value_name = "N", value_parser = sample_count, allow_negative_numbers = true)]
    pub limit: Option<u64>,
    /// Also train on copies of every image rotated by +DEG and −DEG degrees (the book: 10).
    #[arg(long, value_name = "DEG", value_parser = rotation_degrees)]
    pub rotate: Option<f32>,
    /// nnzero's recipe for reading real handwriting: also train on randomly rotated, slanted,
    /// scaled, shifted, thinner, thicker and wobbled copies of every image (see
    /// --augment-copies), with 400 hidden nodes unless --hidden says otherwise.
    /// --augment=pi is its Pi-sized variant: 100 hidden nodes and one copy, a sixth of the
    /// arithmetic, which a Pi Zero finishes in under an hour (estimated) instead of 2–4 hours,
    /// reading a little less well (the guide's Raspberry Pi page compares the two).
    #[arg(long, value_name = "RECIPE", num_args = 0..=1, require_equals = true,
          default_missing_value = "full", hide_possible_values = true)]
    pub augment: Option<AugmentRecipe>,
    /// Lower the learning rate from --lr, epoch by epoch geometrically, to this in the last
    /// epoch. Small steps at the end let the weights settle instead of chasing the last few
    /// samples. --augment's recipe goes to a tenth of --lr unless this says otherwise.
    #[arg(long, value_name = "LR", value_parser = positive_f32, allow_negative_numbers = true)]
    pub lr_final: Option<f32>,
    /// Augmented copies of each image per epoch, with --augment [default: 2, or 1 with
    /// --augment=pi].
    #[arg(long, value_name = "N", requires = "augment",
          value_parser = clap::value_parser!(u32).range(1..=16))]
    pub augment_copies: Option<u32>,
    /// With --augment, train on the pictures as they are instead of standing each upright by
    /// its moments first (the model records which, and predict does the same).
    #[arg(long, requires = "augment")]
    pub no_deskew: bool,
    /// With --augment, train without the digits of 27 typefaces mixed in (they, the Semeion
    /// and the Swiss digits come one after every 10 images, into any 28×28 training set of 10
    /// classes, which --augment takes for digits; data/README.md). With --no-semeion and
    /// --no-swiss too, the training set alone: a checkpoint of an --augment run made before
    /// the typeface digits existed resumes with all three.
    #[arg(long, requires = "augment")]
    pub no_typefaces: bool,
    /// With --augment, train without the 1,565 digits of about 80 people in Italy (the
    /// Semeion set, CC BY 4.0; data/semeion/README.md) mixed in with the typeface digits. A
    /// checkpoint of an --augment run made before they were mixed in resumes with this and
    /// --no-swiss.
    #[arg(long, requires = "augment")]
    pub no_semeion: bool,
    /// With --augment, train without the 4,095 scanned digits of 21 people, mostly in
    /// Switzerland (kensanata/numbers, CC0; data/README.md), mixed in after the Semeion digits.
    /// A checkpoint of an --augment run made before they were mixed in resumes with this.
    #[arg(long, requires = "augment")]
    pub no_swiss: bool,
    /// Training threads (each takes a share of the hidden nodes; the model is the same, bit
    /// for bit, for every count, so a run may resume with another) [default: the machine's
    /// cores, at most 4; with --rotate or --augment, those left beside the threads making the
    /// copies: 1 of 2 cores, 2 of 4].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=256))]
    pub threads: Option<u32>,
    /// Where to save the trained model (atomically).
    #[arg(long, default_value = "model.nnz", value_name = "FILE")]
    pub save: PathBuf,
    /// Also draw the test accuracy after each epoch to this chart (.png or .svg).
    #[arg(long, value_name = "FILE", value_parser = crate::charts::picture_path)]
    pub plot: Option<PathBuf>,
    /// Where the run keeps its checkpoint (the previous one as FILE.prev) [default: the
    /// --save path plus .ckpt]. Removed once the model is saved.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
    /// Write a checkpoint every N training images [default: every minute], and always at the
    /// end of each epoch.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub checkpoint_every: Option<u64>,
    /// Go on from the checkpoint of an interrupted run of the same command, to the same model
    /// bit for bit. Without a checkpoint the run starts from the beginning.
    #[arg(long)]
    pub resume: bool,
    /// The live screen.
    #[cfg(feature = "display")]
    #[command(flatten)]
    pub display: crate::display::DisplayArgs,
    /// Serve a live view of the run to browsers at ADDR (HOST:PORT, or a port on 127.0.0.1).
    #[cfg(feature = "web")]
    #[arg(long, value_name = "ADDR", value_parser = crate::web::parse_addr)]
    pub web: Option<std::net::SocketAddr>,
    /// With --web: a name the page may be opened by besides this machine's addresses,
    /// hostname and `localhost` (a name your router's DNS gives the Pi). Repeatable.
    #[cfg(feature = "web")]
    #[arg(long, value_name = "NAME", requires = "web")]
    pub allow_host: Vec<String>,
}

/// Which `--augment` recipe: the full one (`--augment`) or the Pi-sized one (`--augment=pi`).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AugmentRecipe {
    /// [`Recipe::HANDWRITING`]: 400 hidden nodes, two copies of every image.
    Full,
    /// [`Recipe::HANDWRITING_PI`]: 100 hidden nodes, one copy of every image.
    Pi,
}

impl AugmentRecipe {
    /// The recipe whose hidden nodes and copies it brings.
    pub fn recipe(self) -> Recipe {
        match self {
            AugmentRecipe::Full => Recipe::HANDWRITING,
            AugmentRecipe::Pi => Recipe::HANDWRITING_PI,
        }
    }
}

impl TrainArgs {
    /// The hidden nodes asked for: `--hidden`, else the book's 200, or `--augment`'s.
    pub fn hidden(&self) -> u32 {
        self.hidden.unwrap_or(
            self.augment
                .map_or(Recipe::BOOK.hidden, |a| a.recipe().hidden),
        )
    }

    /// Augmented copies per image: `--augment-copies`, else the `--augment` recipe's, 0
    /// without `--augment`.
    pub fn augment_copies(&self) -> u32 {
        self.augment.map_or(0, |a| {
            self.augment_copies.unwrap_or(a.recipe().augment_copies)
        })
    }

    /// The options of a bare `nnzero train`.
    pub fn defaults() -> Self {
        use clap::FromArgMatches;
        let cmd = <Self as clap::Args>::augment_args(clap::Command::new("train"));
        let matches = cmd.get_matches_from(["train"]);
        // The defaults above always parse.
        Self::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }
}

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

/// The recipe `args` ask for.
pub fn recipe(args: &TrainArgs) -> Recipe {
    Recipe {
        hidden: args.hidden(),
        lr: args.lr,
        lr_final: args.lr_final,
        epochs: args.epochs,
        seed: args.seed,
        limit: args.limit,
        rotate: args.rotate,
        augment_copies: args.augment_copies(),
        deskew: args
            .augment
            .is_some_and(|a| !args.no_deskew && a.recipe().deskew),
    }
}

/// The bundled digits `args` mix into the training set (with `--augment`, the typeface, the
/// Semeion and the Swiss digits, unless `--no-typefaces`, `--no-semeion` or `--no-swiss`).
pub fn mixes(args: &TrainArgs) -> Mixes {
    let mixing = args.augment.is_some() && Recipe::MIX_EVERY > 0;
    Mixes {
        typefaces: mixing && !args.no_typefaces,
        semeion: mixing && !args.no_semeion,
        swiss: mixing && !args.no_swiss,
    }
}

/// Opens the data `args` name and starts a run on them.
pub fn start(args: &TrainArgs) -> Result<Run, CliError> {
    let run = crate::data::start(recipe(args), &args.train, &args.test, mixes(args))?;
    Ok(with_threads(args, run))
}

/// `run` on the threads `args` ask for (or the library's default).
fn with_threads(args: &TrainArgs, run: Run) -> Run {
    match args.threads {
        Some(n) => run.with_threads(n as usize),
        None => run,
    }
}

/// "training 784-200-10 (lr 0.1, seed 1) for 5 epoch(s) on … (60000 samples), testing on …".
pub fn announce(run: &Run) {
    let (net, r) = (run.network(), run.recipe());
    crate::progress::warn(format_args!(
        "training {}-{}-{} (lr {}, seed {}) for {} epoch(s) on {} ({} samples), testing on {} ({})",
        net.inputs(),
        net.hidden(),
        net.outputs(),
        r.lr,
        r.seed,
        r.epochs,
        run.train_set().name(),
        run.records_per_epoch(),
        run.test_set().name(),
        run.test_set().len()
    ));
}

/// Trains as `args` say, without checkpoints, printing each epoch's test accuracy and keeping
/// it in `log` (`sweep`'s runs).
pub fn train(args: &TrainArgs, log: &mut crate::curve::EpochLog) -> Result<Network, CliError> {
    let mut run = start(args)?;
    announce(&run);
    let mut console = Console::default();
    run.run_to_end(&mut [&mut console, log])?;
    if let Some(e) = console.take_failure() {
        return Err(CliError::Output(e));
    }
    Ok(run.into_network())
}

/// Runs `nnzero train`: trains with checkpoints, saves the model, draws the chart.
pub fn run(args: &TrainArgs) -> Result<(), CliError> {
    let paths = Paths::new(Files {
        save: &args.save,
        plot: args.plot.as_deref(),
        checkpoint: args.checkpoint.as_deref(),
        train: args.train.as_deref(),
        test: args.test.as_deref(),
    })?;
    let _lock = paths.lock()?;
    // Opened before the data are read, so a missing panel is reported at once.
    #[cfg(feature = "display")]
    let mut screen = args.display.open()?.map(crate::display::TrainDisplay::new);
    #[cfg(feature = "web")]
    let mut web = args
        .web
        .map(|addr| crate::web::TrainWeb::start(addr, &args.allow_host))
        .transpose()?;
    let run = start_or_resume(
        args.resume,
        recipe(args),
        &args.train,
        &args.test,
        mixes(args),
        &paths,
    )?;
    let mut run = with_threads(args, run);
    announce(&run);
    paths.check_space(&run, args.checkpoint_every)?;

    let mut console = Console::default();
    let mut epochs = crate::curve::EpochLog::default();
    let signals = crate::signals::Signals::install();
    {
        let mut observers: Vec<&mut dyn Observer> = vec![&mut console, &mut epochs];
        #[cfg(feature = "display")]
        if let Some(s) = screen.as_mut() {
            observers.push(s);
        }
        #[cfg(feature = "web")]
        if let Some(w) = web.as_mut() {
            observers.push(w);
        }
        train_with_checkpoints(
            &mut run,
            &mut observers,
            &paths,
            args.checkpoint_every,
            &signals,
        )?;
    }
    #[cfg(feature = "display")]
    if let Some(s) = screen {
        s.finish(args.epochs);
    }
    #[cfg(feature = "web")]
    if let Some(w) = web {
        w.finish(args.epochs);
    }

    let recipe = *run.recipe();
    let net = run.into_network();
    nnzero::format::model::save(&net, &args.save).map_err(|e| CliError::SaveFinal {
        path: args.save.clone(),
        error: e.to_string(),
        checkpoint: paths.checkpoint.clone(),
    })?;
    nnzero::run::checkpoint::remove(&paths.checkpoint);
    let mut failed = console.take_failure();
    crate::progress::say(&mut failed, format_args!("saved {}", args.save.display()));
    if let Some(plot) = &args.plot {
        let shape = format!("{}-{}-{}", net.inputs(), net.hidden(), net.outputs());
        epochs.save(&recipe, &shape, plot)?;
        crate::progress::say(&mut failed, format_args!("plotted {}", plot.display()));
    }
    match failed {
        Some(e) => Err(CliError::OutputAfterSave(e, args.save.clone())),
        None => Ok(()),
    }
}

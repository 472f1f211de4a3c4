//! nnzero: train the book's network on MNIST, test it, and read digits with it.
//!
//! `nnzero` on its own (so `cargo run --release`) is `nnzero train` with the seed's recipe:
//! 784-200-10, learning rate 0.1, 5 epochs, seed 1, on the bundled MNIST, saved to model.nnz.
//!
//! `nnzero --save x` (options with no command) is `nnzero train --save x` too.
//!
//! Exit codes: 0 success, 1 an error (one line on stderr), 2 a usage error.

mod backquery;
mod charts;
mod checkpointing;
mod curve;
mod data;
#[cfg(feature = "display")]
mod demo;
#[cfg(feature = "display")]
mod display;
mod error;
mod likeness;
mod mistakes;
mod predict;
mod progress;
mod signals;
mod sweep;
mod teach;
mod test;
mod train;
#[cfg(feature = "web")]
mod web;
mod weights;

use std::io::Write;
use std::process::ExitCode;

use std::ffi::OsString;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand};

use crate::error::CliError;

#[derive(Parser, Debug)]
#[command(
    name = "nnzero",
    version,
    about = "Make Your Own Neural Network, in Rust: train on MNIST, test, read digits",
    after_help = "With no command, runs `nnzero train` with the defaults (the book's recipe)."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Train a network (default: 784-200-10, lr 0.1, 5 epochs on the bundled MNIST).
    Train(train::TrainArgs),
    /// Score a saved model on a test set.
    Test(test::TestArgs),
    /// Read digits from image files with a saved model.
    Predict(predict::PredictArgs),
    /// Train over a list of learning rates, hidden sizes or epochs; chart accuracy against it.
    Sweep(sweep::SweepArgs),
    /// Draw the image a model associates with a digit (the book's back-query).
    Backquery(backquery::BackqueryArgs),
    /// Draw each hidden node's input weights as a picture.
    Weights(weights::WeightsArgs),
    /// Teach a saved model your handwriting: pictures in DIR/0/ … DIR/9/.
    Teach(teach::TeachArgs),
    /// Show the test digits one by one on a screen, read by a saved model.
    #[cfg(feature = "display")]
    Demo(demo::DemoArgs),
    /// Serve a page to draw digits on for a saved model, and its HTTP API.
    #[cfg(feature = "web")]
    Serve(web::ServeArgs),
}

/// The arguments, with `train` put in front of options given without a command: `nnzero` alone
/// is documented as `nnzero train`, so `nnzero --save x` is `nnzero train --save x`.
fn arguments() -> Vec<OsString> {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    let first = args.get(1).and_then(|a| a.to_str()).unwrap_or("");
    if first.starts_with('-') && !matches!(first, "-h" | "--help" | "-V" | "--version") {
        args.insert(1, "train".into());
    }
    args
}

/// Commands and options that exist only with a Cargo feature, the feature, and whether this
/// build has it: a plain "unrecognized subcommand" would leave a new user guessing.
const NEEDS_FEATURE: &[(&str, &str, bool)] = &[
    ("demo", "display", cfg!(feature = "display")),
    ("--display", "display", cfg!(feature = "display")),
    ("serve", "web", cfg!(feature = "web")),
    ("--web", "web", cfg!(feature = "web")),
];

/// The hint for a command or option this build lacks, if `args` used one.
fn missing_feature(args: &[OsString]) -> Option<String> {
    let used = |name: &str| {
        args.iter().skip(1).any(|a| {
            let a = a.to_string_lossy();
            a == name || (name.starts_with("--") && a.starts_with(&format!("{name}=")))
        })
    };
    let (name, feature, _) = NEEDS_FEATURE
        .iter()
        .find(|(name, _, enabled)| !enabled && used(name))?;
    let what = if name.starts_with('-') {
        "option"
    } else {
        "command"
    };
    Some(format!(
        "the {what} `{name}` needs the `{feature}` feature, which this nnzero was built without: \
         cargo install --path . --features {feature} (or cargo run --release --features {feature} -- …)"
    ))
}

fn main() -> ExitCode {
    let args = arguments();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::InvalidSubcommand | ErrorKind::UnknownArgument
            ) =>
        {
            match missing_feature(&args) {
                Some(hint) => {
                    eprintln!("error: {hint}");
                    return ExitCode::from(2);
                }
                None => e.exit(),
            }
        }
        // Help and version print to stdout and exit 0; usage errors exit 2.
        Err(e) => e.exit(),
    };
    let command = cli
        .command
        .unwrap_or_else(|| Command::Train(train::TrainArgs::defaults()));
    let result: Result<(), CliError> = match command {
        Command::Train(args) => train::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Predict(args) => predict::run(&args),
        Command::Sweep(args) => sweep::run(&args),
        Command::Backquery(args) => backquery::run(&args),
        Command::Weights(args) => weights::run(&args),
        Command::Teach(args) => teach::run(&args),
        #[cfg(feature = "display")]
        Command::Demo(args) => demo::run(&args),
        #[cfg(feature = "web")]
        Command::Serve(args) => web::serve(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // Each file that failed has had its own error line already.
        Err(CliError::SomeFailed { .. }) => ExitCode::FAILURE,
        // Written without eprintln!, which panics when stderr is closed or full.
        Err(CliError::Interrupted { code, message }) => {
            let _ = writeln!(std::io::stderr(), "{message}");
            ExitCode::from(code)
        }
        Err(e @ CliError::Usage(_)) => {
            let _ = writeln!(std::io::stderr(), "error: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e}");
            ExitCode::FAILURE
        }
    }
}

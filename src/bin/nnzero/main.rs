//! nnzero: train the book's network on MNIST, test it, and read digits with it.
//!
//! `nnzero` on its own (so `cargo run --release`) is `nnzero train` with the seed's recipe:
//! 784-200-10, learning rate 0.1, 5 epochs, seed 1, on the bundled MNIST, saved to model.nnz.
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
mod mistakes;
mod predict;
mod progress;
mod signals;
mod sweep;
mod test;
mod train;
mod weights;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::CliError;

// The weights on cache-line boundaries: the AVX kernels run a third faster (see the module).
#[global_allocator]
static ALLOCATOR: nnzero::aligned_alloc::CacheAligned = nnzero::aligned_alloc::CacheAligned;

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
    /// Show the test digits one by one on a screen, read by a saved model.
    #[cfg(feature = "display")]
    Demo(demo::DemoArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
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
        #[cfg(feature = "display")]
        Command::Demo(args) => demo::run(&args),
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

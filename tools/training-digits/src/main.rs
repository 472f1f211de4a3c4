//! training-digits: builds the training digits `nnzero train --augment` mixes into MNIST.
//!
//! ```text
//! training-digits typefaces                # data/typefaces.blob.gz, --augment's typeface digits
//! training-digits semeion data/semeion/semeion.data.gz   # data/semeion.blob.gz
//! training-digits folders --keep-every 3 numbers/00*/   # data/swiss.blob.gz (kensanata/numbers)
//! ```
//! Each digit is prepared exactly as `nnzero predict` prepares a picture and written to a
//! gzipped blob (`data/README.md` says where each set comes from and its licence).
//!
//! This program holds the training data; `tools/handwriting-set` holds the test set, and
//! nothing of it is trained on: `typefaces` refuses the test set's fonts, whose lists it reads
//! from handwriting-set's library (with the glyph masks and pens, so there is one copy).

mod folders;
mod semeion;
mod training_digits;
mod typefaces;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Build the training digits `nnzero train --augment` mixes into MNIST")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Render the digits of typefaces in neither half of the handwriting test set as the
    /// training digits `--augment` mixes into MNIST (see typefaces.rs).
    Typefaces {
        /// Font files [default: the typefaces of typefaces.rs, from Debian's packages].
        fonts: Vec<PathBuf>,
        /// The blob to write (gzipped).
        #[arg(long, default_value = "data/typefaces.blob.gz")]
        out: PathBuf,
        /// Also draw every digit as designed to this PNG, a typeface per row.
        #[arg(long)]
        sheet: Option<PathBuf>,
    },
    /// Prepare the Semeion Handwritten Digit set (UCI's `semeion.data`) as training digits
    /// `--augment` mixes into MNIST (see semeion.rs).
    Semeion {
        /// UCI's `semeion.data` (plain or gzipped, as data/semeion/semeion.data.gz): a digit
        /// per line, 256 pixels and a one-hot label.
        source: PathBuf,
        /// The blob to write (gzipped).
        #[arg(long, default_value = "data/semeion.blob.gz")]
        out: PathBuf,
        /// Also draw every digit as prepared to this PNG, ten to a row.
        #[arg(long)]
        sheet: Option<PathBuf>,
    },
    /// Prepare scanned handwriting, one folder per writer holding 0/ … 9/ (the layout of
    /// kensanata/numbers), as training digits `--augment` mixes into MNIST (see folders.rs).
    Folders {
        /// The writers' folders, in the order their digits are written.
        #[arg(required = true)]
        writers: Vec<PathBuf>,
        /// Keep every N-th picture of each digit folder (the first, then every N-th).
        #[arg(long, default_value_t = 1, value_name = "N")]
        keep_every: usize,
        /// The blob to write (gzipped).
        #[arg(long, default_value = "data/swiss.blob.gz")]
        out: PathBuf,
        /// Also draw every digit as prepared to this PNG, ten to a row.
        #[arg(long)]
        sheet: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Cmd::Typefaces { fonts, out, sheet } => {
            let fonts = if fonts.is_empty() {
                typefaces::TYPEFACES.iter().map(PathBuf::from).collect()
            } else {
                fonts
            };
            typefaces::generate(&fonts, &out, sheet.as_deref())
        }
        Cmd::Semeion { source, out, sheet } => semeion::generate(&source, &out, sheet.as_deref()),
        Cmd::Folders {
            writers,
            keep_every,
            out,
            sheet,
        } => folders::generate(&writers, keep_every, &out, sheet.as_deref()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("training-digits: error: {e}");
            ExitCode::FAILURE
        }
    }
}

//! The data a command reads: a blob given on the command line, or the bundled MNIST.

use std::path::PathBuf;

use nnzero::dataset::{Dataset, DatasetError};
use nnzero::run::{Recipe, Run};

use crate::error::CliError;

/// Opens a bundled dataset (`Dataset::bundled_train`, …).
type Bundled = fn() -> Result<Dataset, DatasetError>;

/// Opens the given blob or the bundled one.
pub fn open_or_bundled(path: &Option<PathBuf>, bundled: Bundled) -> Result<Dataset, CliError> {
    Ok(match path {
        Some(p) => Dataset::open(p)?,
        None => bundled()?,
    })
}

/// The bundled digits `--augment` mixes into its training set, one after every
/// [`Recipe::MIX_EVERY`] images: the typeface digits, then the Semeion digits, then the
/// Swiss digits.
#[derive(Debug, Clone, Copy)]
pub struct Mixes {
    /// `Dataset::bundled_typefaces` (unless `--no-typefaces`).
    pub typefaces: bool,
    /// `Dataset::bundled_semeion` (unless `--no-semeion`).
    pub semeion: bool,
    /// `Dataset::bundled_swiss` (unless `--no-swiss`).
    pub swiss: bool,
}

/// The training and test sets named (or the bundled ones), the training set with the bundled
/// digits of `mixes` mixed in, as `--augment` trains.
pub fn open_pair(
    train: &Option<PathBuf>,
    test: &Option<PathBuf>,
    mixes: Mixes,
) -> Result<(Dataset, Dataset), CliError> {
    let mut train = open_or_bundled(train, Dataset::bundled_train)?;
    let hint = |flags: &str| {
        let flags = flags.to_string();
        move |e: DatasetError| CliError::Mismatch(format!("{e} (or add {flags})"))
    };
    // Each bundled set, whether it is wanted, and the flag that leaves it out.
    let bundled: [(bool, Bundled, &str); 3] = [
        (
            mixes.typefaces,
            Dataset::bundled_typefaces,
            "--no-typefaces",
        ),
        (mixes.semeion, Dataset::bundled_semeion, "--no-semeion"),
        (mixes.swiss, Dataset::bundled_swiss, "--no-swiss"),
    ];
    let (mut sets, mut flags) = (Vec::new(), Vec::new());
    for (wanted, open, flag) in bundled {
        if wanted {
            sets.push(open().map_err(hint(flag))?);
            flags.push(flag);
        }
    }
    if !sets.is_empty() {
        let every = Recipe::MIX_EVERY;
        train = match train.mixed_with(&sets.iter().collect::<Vec<_>>(), every) {
            Err(e @ DatasetError::MixShape { .. }) => return Err(hint(&flags.join(" "))(e)),
            other => other?,
        };
    }
    Ok((train, open_or_bundled(test, Dataset::bundled_test)?))
}

/// A new run of `recipe` on the named data (with the bundled digits of `mixes` mixed in).
pub fn start(
    recipe: Recipe,
    train: &Option<PathBuf>,
    test: &Option<PathBuf>,
    mixes: Mixes,
) -> Result<Run, CliError> {
    let (train, test) = open_pair(train, test, mixes)?;
    Ok(Run::new(recipe, train, test)?)
}

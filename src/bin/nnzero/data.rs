//! The data a command reads: a blob given on the command line, or the bundled MNIST.

use std::path::PathBuf;

use nnzero::augment::AugmentRecipe;
use nnzero::dataset::{Dataset, DatasetError};
use nnzero::run::{Recipe, Run};

use crate::error::CliError;

/// Opens the given blob or the bundled one.
pub fn open_or_bundled(
    path: &Option<PathBuf>,
    bundled: fn() -> Result<Dataset, DatasetError>,
) -> Result<Dataset, CliError> {
    Ok(match path {
        Some(p) => Dataset::open(p)?,
        None => bundled()?,
    })
}

/// The bundled digits `--augment` mixes into its training set, one after every
/// [`AugmentRecipe::mix_every`] images: the typeface digits, then the Semeion digits.
#[derive(Debug, Clone, Copy)]
pub struct Mixes {
    /// `Dataset::bundled_typefaces` (unless `--no-typefaces`).
    pub typefaces: bool,
    /// `Dataset::bundled_semeion` (unless `--no-semeion`).
    pub semeion: bool,
}

/// The training and test sets named (or the bundled ones), the training set with the bundled
/// digits of `mixes` mixed in, as `--augment` trains.
pub fn open_pair(
    train: &Option<PathBuf>,
    test: &Option<PathBuf>,
    mixes: Mixes,
) -> Result<(Dataset, Dataset), CliError> {
    let mut train = open_or_bundled(train, Dataset::bundled_train)?;
    fn hint(flags: &'static str) -> impl Fn(DatasetError) -> CliError {
        move |e| CliError::Mismatch(format!("{e} (or add {flags})"))
    }
    let mut extra = Vec::new();
    if mixes.typefaces {
        extra.push(Dataset::bundled_typefaces().map_err(hint("--no-typefaces"))?);
    }
    if mixes.semeion {
        extra.push(Dataset::bundled_semeion().map_err(hint("--no-semeion"))?);
    }
    if !extra.is_empty() {
        let every = AugmentRecipe::HANDWRITING.mix_every;
        let flags = match (mixes.typefaces, mixes.semeion) {
            (true, true) => "--no-typefaces --no-semeion",
            (true, false) => "--no-typefaces",
            _ => "--no-semeion",
        };
        train = match train.mixed_with(&extra.iter().collect::<Vec<_>>(), every) {
            Err(e @ DatasetError::MixShape { .. }) => return Err(hint(flags)(e)),
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

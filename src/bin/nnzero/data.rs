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

/// The training and test sets named (or the bundled ones); with `typefaces`, the training
/// set has the bundled typeface digits mixed in, as `--augment` trains
/// ([`AugmentRecipe::typefaces_every`]).
pub fn open_pair(
    train: &Option<PathBuf>,
    test: &Option<PathBuf>,
    typefaces: bool,
) -> Result<(Dataset, Dataset), CliError> {
    let mut train = open_or_bundled(train, Dataset::bundled_train)?;
    if typefaces {
        let every = AugmentRecipe::HANDWRITING.typefaces_every;
        let hint = |e: DatasetError| CliError::Mismatch(format!("{e} (or add --no-typefaces)"));
        let typefaces = Dataset::bundled_typefaces().map_err(hint)?;
        train = match train.mixed_with(&typefaces, every) {
            Err(e @ DatasetError::MixShape { .. }) => return Err(hint(e)),
            other => other?,
        };
    }
    Ok((train, open_or_bundled(test, Dataset::bundled_test)?))
}

/// A new run of `recipe` on the named data (with the typeface digits mixed in, if asked).
pub fn start(
    recipe: Recipe,
    train: &Option<PathBuf>,
    test: &Option<PathBuf>,
    typefaces: bool,
) -> Result<Run, CliError> {
    let (train, test) = open_pair(train, test, typefaces)?;
    Ok(Run::new(recipe, train, test)?)
}

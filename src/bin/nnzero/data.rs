//! The data a command reads: a blob given on the command line, or the bundled MNIST.

use std::path::PathBuf;

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

/// The training and test sets named (or the bundled ones).
pub fn open_pair(
    train: &Option<PathBuf>,
    test: &Option<PathBuf>,
) -> Result<(Dataset, Dataset), CliError> {
    Ok((
        open_or_bundled(train, Dataset::bundled_train)?,
        open_or_bundled(test, Dataset::bundled_test)?,
    ))
}

/// A new run of `recipe` on the named data.
pub fn start(
    recipe: Recipe,
    train: &Option<PathBuf>,
    test: &Option<PathBuf>,
) -> Result<Run, CliError> {
    let (train, test) = open_pair(train, test)?;
    Ok(Run::new(recipe, train, test)?)
}

//! The program's errors, each printed as one line.

use std::fmt;
use std::path::PathBuf;

use nnzero::dataset::DatasetError;
use nnzero::model::ModelError;

/// Everything a command can fail with.
#[derive(Debug)]
pub enum CliError {
    /// A dataset is missing or invalid.
    Dataset(DatasetError),
    /// A model file is missing or invalid.
    Model(PathBuf, ModelError),
    /// The model could not be saved.
    Save(PathBuf, std::io::Error),
    /// Training and test data, or data and model, do not fit together.
    Mismatch(String),
    /// Some input files could not be read; each has been reported already.
    SomeFailed {
        /// How many failed.
        failed: usize,
        /// Out of how many.
        total: usize,
    },
    /// Writing to stdout failed (e.g. a closed pipe).
    Output(std::io::Error),
    /// A chart or picture could not be drawn.
    Chart(PathBuf, String),
    /// Arguments that parse one by one but not together (exit code 2, like clap's).
    Usage(String),
    /// The `--display` options contradict each other.
    #[cfg(feature = "display")]
    Display(nnzero::display::PanelError),
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Dataset(e) => write!(f, "{e}"),
            CliError::Model(p, ModelError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                write!(
                    f,
                    "{}: {e}; train a model first: nnzero train --save {}",
                    p.display(),
                    p.display()
                )
            }
            CliError::Model(p, e) => write!(f, "{}: {e}", p.display()),
            CliError::Save(p, e) => write!(f, "cannot save {}: {e}", p.display()),
            CliError::Mismatch(why) => write!(f, "{why}"),
            CliError::SomeFailed { failed, total } => {
                write!(f, "{failed} of {total} file(s) could not be read")
            }
            CliError::Output(e) => write!(f, "cannot write output: {e}"),
            CliError::Chart(p, why) => write!(f, "cannot draw {}: {why}", p.display()),
            CliError::Usage(why) => write!(f, "{why}"),
            #[cfg(feature = "display")]
            CliError::Display(e) => write!(f, "display: {e}"),
        }
    }
}

impl From<DatasetError> for CliError {
    fn from(e: DatasetError) -> Self {
        CliError::Dataset(e)
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Output(e)
    }
}

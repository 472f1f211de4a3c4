//! The program's errors, each printed as one line.

use std::path::{Path, PathBuf};

use nnzero::dataset::DatasetError;
use nnzero::format::model::ModelError;

/// Everything a command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A dataset is missing or invalid.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// A model file is missing or invalid.
    #[error("{}", model_message(.0, .1))]
    Model(PathBuf, #[source] ModelError),
    /// The model could not be saved.
    #[error("cannot save {}: {}", .0.display(), .1)]
    Save(PathBuf, #[source] std::io::Error),
    /// Training and test data, or data and model, do not fit together.
    #[error("{0}")]
    Mismatch(String),
    /// Some input files could not be read; each has been reported already.
    #[error("{failed} of {total} file(s) could not be read")]
    SomeFailed {
        /// How many failed.
        failed: usize,
        /// Out of how many.
        total: usize,
    },
    /// Writing to stdout failed (e.g. a closed pipe).
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
    /// A chart or picture could not be drawn.
    #[error("cannot draw {}: {}", .0.display(), .1)]
    Chart(PathBuf, String),
    /// Arguments that parse one by one but not together (exit code 2, like clap's).
    #[error("{0}")]
    Usage(String),
    /// A training run could not start, resume or go on.
    #[error(transparent)]
    Run(nnzero::run::RunError),
    /// Another training holds the model or the checkpoint.
    #[error(transparent)]
    Lock(#[from] nnzero::run::LockError),
    /// A checkpoint could not be written or resumed from; the line says what stands.
    #[error("{0}")]
    Checkpoint(String),
    /// The trained model could not be saved; its final checkpoint stands.
    #[error(
        "cannot save {}: {error}; the trained run stands in {}: make room and run the same \
         command with --resume to save it",
        path.display(),
        checkpoint.display()
    )]
    SaveFinal {
        /// The model's path.
        path: PathBuf,
        /// Why.
        error: String,
        /// The checkpoint that holds the trained run.
        checkpoint: PathBuf,
    },
    /// Stopped by a signal after writing a checkpoint: `message` says how to go on.
    #[error("{message}")]
    Interrupted {
        /// 130 for SIGINT, 143 for SIGTERM.
        code: u8,
        /// What to print (without "error:").
        message: String,
    },
    /// Writing to stdout failed, but the model was saved.
    #[error("cannot write output: {} (the model was saved to {})", .0, .1.display())]
    OutputAfterSave(std::io::Error, PathBuf),
    /// The `--display` options contradict each other.
    #[cfg(feature = "display")]
    #[error("display: {0}")]
    Display(nnzero::live::display::PanelError),
    /// The web server could not start (its port taken, an address not this machine's): a
    /// failure, not a usage error (exit 1, not 2).
    #[cfg(feature = "web")]
    #[error("{0}")]
    Web(nnzero::live::web::WebError),
}

/// "m.nnz: No such file or directory (os error 2); train a model first: nnzero train --save
/// m.nnz", or the path and what is wrong with the file.
fn model_message(path: &Path, e: &ModelError) -> String {
    match e {
        ModelError::Io(io) if io.kind() == std::io::ErrorKind::NotFound => format!(
            "{}: {io}; train a model first: nnzero train --save {}",
            path.display(),
            path.display()
        ),
        e => format!("{}: {e}", path.display()),
    }
}

impl From<nnzero::run::RunError> for CliError {
    fn from(e: nnzero::run::RunError) -> Self {
        match e {
            nnzero::run::RunError::Dataset(d) => CliError::Dataset(d),
            nnzero::run::RunError::Mismatch(why) => CliError::Mismatch(why),
            other => CliError::Run(other),
        }
    }
}

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
    /// A training run could not start, resume or go on.
    Run(nnzero::run::RunError),
    /// Another training holds the model or the checkpoint.
    Lock(nnzero::run::LockError),
    /// A checkpoint could not be written or resumed from; the line says what stands.
    Checkpoint(String),
    /// The trained model could not be saved; its final checkpoint stands.
    SaveFinal {
        /// The model's path.
        path: PathBuf,
        /// Why.
        error: String,
        /// The checkpoint that holds the trained run.
        checkpoint: PathBuf,
    },
    /// Stopped by a signal after writing a checkpoint: `message` says how to go on.
    Interrupted {
        /// 130 for SIGINT, 143 for SIGTERM.
        code: u8,
        /// What to print (without "error:").
        message: String,
    },
    /// Writing to stdout failed, but the model was saved.
    OutputAfterSave(std::io::Error, PathBuf),
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
            CliError::Run(e) => write!(f, "{e}"),
            CliError::Lock(e) => write!(f, "{e}"),
            CliError::Checkpoint(why) => write!(f, "{why}"),
            CliError::SaveFinal {
                path,
                error,
                checkpoint,
            } => write!(
                f,
                "cannot save {}: {error}; the trained run stands in {}: make room and run the \
                 same command with --resume to save it",
                path.display(),
                checkpoint.display()
            ),
            CliError::Interrupted { message, .. } => write!(f, "{message}"),
            CliError::OutputAfterSave(e, path) => write!(
                f,
                "cannot write output: {e} (the model was saved to {})",
                path.display()
            ),
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

impl From<nnzero::run::RunError> for CliError {
    fn from(e: nnzero::run::RunError) -> Self {
        match e {
            nnzero::run::RunError::Dataset(d) => CliError::Dataset(d),
            nnzero::run::RunError::Mismatch(why) => CliError::Mismatch(why),
            other => CliError::Run(other),
        }
    }
}

impl From<nnzero::run::LockError> for CliError {
    fn from(e: nnzero::run::LockError) -> Self {
        CliError::Lock(e)
    }
}

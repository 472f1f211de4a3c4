//! `nnzero test`: scores a saved model on a test set.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use nnzero::dataset::Dataset;
use nnzero::format::atomic_save::check_writable;
use nnzero::infer::eval::evaluate;
use nnzero::{format::model, Network};

use crate::data::open_or_bundled;
use crate::error::CliError;

/// Options of `nnzero test`.
#[derive(Args, Debug)]
pub struct TestArgs {
    /// The model file to score.
    #[arg(long, default_value = "model.nnz", value_name = "FILE")]
    pub model: PathBuf,
    /// Test blob [default: the bundled MNIST test set].
    #[arg(long, value_name = "BLOB")]
    pub data: Option<PathBuf>,
    /// Print `{"accuracy", "correct", "total", "confusion"}` as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also draw the confusion matrix and the most confident mistakes (.png or .svg).
    #[arg(long, value_name = "FILE", value_parser = crate::charts::picture_path)]
    pub confusion: Option<PathBuf>,
    /// How many of the most confident mistakes to draw with --confusion.
    #[arg(long, value_name = "N", default_value_t = 16, requires = "confusion",
          value_parser = clap::value_parser!(u16).range(0..=64))]
    pub mistakes: u16,
}

/// Runs `nnzero test`.
pub fn run(args: &TestArgs) -> Result<(), CliError> {
    if let Some(path) = &args.confusion {
        check_writable(path).map_err(|e| CliError::Save(path.clone(), e))?;
    }
    let net = model::load(&args.model).map_err(|e| CliError::Model(args.model.clone(), e))?;
    let data = open_or_bundled(&args.data, Dataset::bundled_test)?;
    check_fits(&net, &args.model, &data)?;
    let score = match &args.confusion {
        Some(path) => crate::mistakes::evaluate_and_draw(
            &net,
            &data,
            &args.model,
            args.mistakes.into(),
            path,
        )?,
        None => evaluate(&net, &data)?,
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        let json = serde_json::json!({
            "accuracy": score.accuracy(),
            "correct": score.correct(),
            "total": score.total(),
            "confusion": score.counts,
        });
        writeln!(out, "{json}")?;
    } else {
        writeln!(
            out,
            "test accuracy {:.2}% ({}/{}) on {}",
            100.0 * score.accuracy(),
            score.correct(),
            score.total(),
            data.name()
        )?;
        writeln!(out, "confusion (rows: true digit, columns: answer)")?;
        writeln!(
            out,
            "      {}",
            (0..score.classes())
                .map(|d| format!("{d:>6}"))
                .collect::<String>()
        )?;
        for (digit, row) in score.counts.iter().enumerate() {
            let cells: String = row.iter().map(|c| format!("{c:>6}")).collect();
            writeln!(out, "  {digit:>2}  {cells}")?;
        }
        if let Some(path) = &args.confusion {
            writeln!(out, "drew {}", path.display())?;
        }
    }
    Ok(())
}

/// Checks that `net`, loaded from `path`, takes `data`'s images and has an output per label.
pub fn check_fits(net: &Network, path: &Path, data: &Dataset) -> Result<(), CliError> {
    let h = data.header();
    if h.pixels() == net.inputs() && h.classes as usize <= net.outputs() {
        return Ok(());
    }
    Err(CliError::Mismatch(format!(
        "{} has {} inputs and {} outputs, but {} holds {}×{} images of {} classes",
        path.display(),
        net.inputs(),
        net.outputs(),
        data.name(),
        h.rows,
        h.cols,
        h.classes
    )))
}

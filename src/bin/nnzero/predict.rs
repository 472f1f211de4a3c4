//! `nnzero predict`: reads digits from image files with a saved model.
//!
//! Prints `path<TAB>digit<TAB>confidence` per image, where confidence is the winning output
//! node's value (0..1); `--json` prints one JSON object per image with all ten outputs. An
//! image that cannot be read gets a one-line error on stderr and the others are still read;
//! the exit code is then 1.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use nnzero::mnist::{argmax, scale_image, SIDE};
use nnzero::model;

use crate::error::CliError;

/// Options of `nnzero predict`.
#[derive(Args, Debug)]
pub struct PredictArgs {
    /// The model file.
    #[arg(long, default_value = "model.nnz", value_name = "FILE")]
    pub model: PathBuf,
    /// Print one JSON object per image, with all ten outputs.
    #[arg(long)]
    pub json: bool,
    /// 28×28 greyscale PNG images, light digit on a dark background as in MNIST.
    #[arg(required = true, value_name = "IMAGE")]
    pub images: Vec<PathBuf>,
    /// With --display: how long each image stays on the screen, in seconds.
    #[cfg(feature = "display")]
    #[arg(long, value_name = "SECONDS", default_value = "2", value_parser = crate::display::parse_seconds)]
    pub hold: std::time::Duration,
    /// The live screen.
    #[cfg(feature = "display")]
    #[command(flatten)]
    pub display: crate::display::DisplayArgs,
}

/// Runs `nnzero predict`.
pub fn run(args: &PredictArgs) -> Result<(), CliError> {
    let net = model::load(&args.model).map_err(|e| CliError::Model(args.model.clone(), e))?;
    if net.inputs() != SIDE * SIDE {
        return Err(CliError::Mismatch(format!(
            "{} takes {} inputs, not the 784 pixels of a 28×28 image",
            args.model.display(),
            net.inputs()
        )));
    }
    #[cfg(feature = "display")]
    let mut screen = crate::display::Viewer::new(
        args.display.open()?,
        args.hold,
        nnzero::display::Phase::Predict,
    );
    let mut out = std::io::stdout().lock();
    let mut failed = 0;
    let mut inputs = vec![0.0f32; net.inputs()];
    for path in &args.images {
        let pixels = match load_28x28(path) {
            Ok(p) => p,
            Err(why) => {
                eprintln!("error: {}: {why}", path.display());
                failed += 1;
                continue;
            }
        };
        scale_image(&pixels, &mut inputs);
        let outputs = net.query(&inputs);
        let digit = argmax(&outputs);
        #[cfg(feature = "display")]
        screen.show_next(args.images.len() as u64, &pixels, &outputs);
        if args.json {
            let json = serde_json::json!({
                "path": path.display().to_string(),
                "digit": digit,
                "confidence": outputs[digit],
                "outputs": outputs,
            });
            writeln!(out, "{json}")?;
        } else {
            writeln!(out, "{}\t{digit}\t{:.4}", path.display(), outputs[digit])?;
        }
    }
    #[cfg(feature = "display")]
    screen.finish();
    if failed > 0 {
        return Err(CliError::SomeFailed {
            failed,
            total: args.images.len(),
        });
    }
    Ok(())
}

/// Loads a 28×28 image as greyscale bytes.
fn load_28x28(path: &Path) -> Result<Vec<u8>, String> {
    let img = image::ImageReader::open(path)
        .map_err(|e| e.to_string())?
        .with_guessed_format()
        .map_err(|e| e.to_string())?
        .decode()
        .map_err(|e| e.to_string())?
        .into_luma8();
    if img.dimensions() != (SIDE as u32, SIDE as u32) {
        let (w, h) = img.dimensions();
        return Err(format!("image is {w}×{h}, expected 28×28"));
    }
    Ok(img.into_raw())
}

//! `nnzero predict`: reads digits from photos, scans and drawings with a saved model.
//!
//! Each picture is prepared the way MNIST was made (see `nnzero::prepare`): any size, dark ink
//! on light paper or light on dark, PNG or JPEG. Prints `path<TAB>digit<TAB>confidence` per
//! picture, where confidence is the winning output node's value (0..1); `--json` prints one
//! JSON object per picture with all ten outputs. A picture that cannot be read gets a one-line
//! error on stderr and the others are still read; the exit code is then 1.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use nnzero::mnist::{argmax, scale_image, PIXELS, SIDE};
use nnzero::model;
use nnzero::prepare::{prepare_file, Limits};

use crate::error::CliError;

/// Options of `nnzero predict`.
#[derive(Args, Debug)]
pub struct PredictArgs {
    /// The model file.
    #[arg(long, default_value = "model.nnz", value_name = "FILE")]
    pub model: PathBuf,
    /// Print one JSON object per picture, with all ten outputs.
    #[arg(long)]
    pub json: bool,
    /// Write the 28×28 image the network saw for each picture into DIR (as NAME.png).
    #[arg(long, value_name = "DIR")]
    pub save_prepared: Option<PathBuf>,
    /// Print the prepared digit as text art beside the ten outputs.
    #[arg(long)]
    pub show: bool,
    /// Pictures of single digits: PNG or JPEG, any size, dark on light or light on dark.
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
    if net.inputs() != PIXELS {
        return Err(CliError::Mismatch(format!(
            "{} takes {} inputs, not the 784 pixels of a 28×28 image",
            args.model.display(),
            net.inputs()
        )));
    }
    if let Some(dir) = &args.save_prepared {
        if !dir.is_dir() {
            return Err(CliError::Mismatch(format!(
                "--save-prepared {}: not a directory",
                dir.display()
            )));
        }
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
        let prepared = match prepare_file(path, Limits::default()) {
            Ok(p) => p,
            Err(why) => {
                eprintln!("error: {}: {why}", path.display());
                failed += 1;
                continue;
            }
        };
        if let Some(dir) = &args.save_prepared {
            if let Err(why) = save_prepared(dir, path, &prepared.pixels) {
                eprintln!("error: {why}");
                failed += 1;
            }
        }
        scale_image(&prepared.pixels, &mut inputs);
        let outputs = net.query(&inputs);
        let digit = argmax(&outputs);
        #[cfg(feature = "display")]
        screen.show_next(args.images.len() as u64, &prepared.pixels, &outputs);
        if args.json {
            let json = serde_json::json!({
                "path": path.display().to_string(),
                "digit": digit,
                "confidence": outputs[digit],
                "outputs": outputs,
                "inverted": prepared.inverted,
            });
            writeln!(out, "{json}")?;
        } else {
            writeln!(out, "{}\t{digit}\t{:.4}", path.display(), outputs[digit])?;
        }
        if args.show {
            write!(out, "{}", text_art(&prepared.pixels, &outputs))?;
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

/// Saves the prepared digit as DIR/<picture's name>.png, atomically.
fn save_prepared(dir: &Path, picture: &Path, pixels: &[u8; PIXELS]) -> Result<(), String> {
    let stem = picture
        .file_stem()
        .map(|s| s.to_string_lossy())
        .unwrap_or("digit".into());
    let target = dir.join(format!("{stem}.png"));
    let mut png = Vec::new();
    image::GrayImage::from_raw(SIDE as u32, SIDE as u32, pixels.to_vec())
        .ok_or("28×28 buffer")?
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| format!("{}: {e}", target.display()))?;
    nnzero::atomic::write(&target, &png)
        .map_err(|e| format!("cannot write {}: {e}", target.display()))
}

/// The digit in shades of text, with the outputs as bars to its right.
fn text_art(pixels: &[u8; PIXELS], outputs: &[f32]) -> String {
    const SHADES: [char; 5] = [' ', '░', '▒', '▓', '█'];
    let best = argmax(outputs);
    let mut s = String::new();
    for y in 0..SIDE {
        for x in 0..SIDE {
            let v = pixels[y * SIDE + x] as usize;
            let c = SHADES[(v * (SHADES.len() - 1) + 127) / 255];
            s.push(c);
            s.push(c);
        }
        // Outputs beside rows 9..19: digit, bar, value.
        if let Some(d) = y.checked_sub(9).filter(|&d| d < outputs.len()) {
            let o = outputs[d].clamp(0.0, 1.0);
            let bar: String = "■".repeat((o * 20.0).round() as usize);
            let mark = if d == best { '◀' } else { ' ' };
            s.push_str(&format!("   {d} {bar:<20} {o:.3} {mark}"));
        }
        s.push('\n');
    }
    s
}

//! `nnzero predict`: reads digits from photos, scans and drawings with a saved model.
//!
//! Each picture is prepared the way MNIST was made (see `nnzero::prepare`): any size, dark ink
//! on light paper or light on dark, PNG or JPEG. Prints `path<TAB>digit<TAB>confidence` per
//! picture, where confidence is the winning output node's value (0..1; the mean of two reads,
//! the digit as it is and with thinner strokes, unless `--single-read`), and a fourth column
//! `unsure: maybe D (C)` when the read should not be trusted (see `nnzero::infer::confidence`); `--json` prints
//! one JSON object per picture with all ten outputs, `unsure` and the runner-up. A picture that
//! cannot be read gets a one-line error on stderr and the others are still read; the exit code
//! is then 1.
//!
//! A picture of a number written on one line (`nnzero::prepare::read_number_file`) prints the
//! number in place of the digit: `path<TAB>42<TAB>0.9876,0.9712`, a confidence per digit, and
//! `unsure: digit 2 maybe 7 (0.4123)` for each unsure digit; `--json` gives each digit's box in
//! the picture, its ten outputs and its prepared 28×28 image. A picture in which one digit is
//! found prints exactly what it did before numbers were read; `--single` reads every picture
//! as one digit, as before.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use nnzero::digits::mnist::{argmax, PIXELS, SIDE};
use nnzero::format::model;
use nnzero::infer::test_time::{read, Reading};
use nnzero::prepare::{prepare_file, read_number_file, Limits, Number};
use nnzero::Network;

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
    /// Write the 28×28 image the network saw for each picture into DIR (created if need be),
    /// as NAME.png, or NAME.EXT.png when two pictures share a name.
    #[arg(long, value_name = "DIR")]
    pub save_prepared: Option<PathBuf>,
    /// Print the prepared digit as text art beside the ten outputs.
    #[arg(long)]
    pub show: bool,
    /// Read each digit once, as the book does, instead of twice (as it is and with thinner
    /// strokes, the outputs averaged; see `nnzero::infer::test_time`).
    #[arg(long)]
    pub single_read: bool,
    /// Read each picture as one digit (the largest ink), not as a number.
    #[arg(long)]
    pub single: bool,
    /// Pictures of digits or numbers: PNG or JPEG, any size, dark on light or light on dark.
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
    let names = if let Some(dir) = &args.save_prepared {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::Mismatch(format!("--save-prepared {}: {e}", dir.display())))?;
        prepared_names(&args.images)
    } else {
        Vec::new()
    };
    #[cfg(feature = "display")]
    let mut screen = crate::display::Viewer::new(
        args.display.open()?,
        args.hold,
        nnzero::live::display::Phase::Predict,
    );
    let mut out = std::io::stdout().lock();
    let mut failed = 0;
    let reading = if args.single_read {
        Reading::Single
    } else {
        Reading::Twice
    };
    for (n, path) in args.images.iter().enumerate() {
        let (pixels, inverted, number) = if args.single {
            match prepare_file(path, Limits::default()) {
                Ok(p) => (p.pixels, p.inverted, None),
                Err(why) => {
                    eprintln!("error: {}: {why}", path.display());
                    failed += 1;
                    continue;
                }
            }
        } else {
            // Deskewed if the model was trained so, read twice unless --single-read.
            let mut reader = |p: &[u8; PIXELS]| read(&net, p, reading);
            match read_number_file(path, Limits::default(), &mut reader) {
                Ok(number) if number.digits.len() == 1 => {
                    (number.digits[0].pixels, number.inverted, None)
                }
                Ok(number) => ([0; PIXELS], number.inverted, Some(number)),
                Err(why) => {
                    eprintln!("error: {}: {why}", path.display());
                    failed += 1;
                    continue;
                }
            }
        };
        if let Some(number) = number {
            failed += print_number(&mut out, args, &net, path, &number, names.get(n))?;
            #[cfg(feature = "display")]
            for d in &number.digits {
                screen.show_next(
                    args.images.len() as u64,
                    &as_read(&net, &d.pixels),
                    &d.outputs,
                );
            }
            continue;
        }
        // What is shown and saved is what the network reads: deskewed if it was trained so.
        let seen = as_read(&net, &pixels);
        if let Some(dir) = &args.save_prepared {
            if let Err(why) = save_prepared(&dir.join(&names[n]), &seen) {
                eprintln!("error: {why}");
                failed += 1;
            }
        }
        // Deskewed if the model was trained so, read twice unless --single-read.
        let outputs = read(&net, &pixels, reading);
        let digit = argmax(&outputs);
        let read = nnzero::infer::confidence::judge(&outputs);
        #[cfg(feature = "display")]
        screen.show_next(args.images.len() as u64, &seen, &outputs);
        if args.json {
            let json = serde_json::json!({
                "path": path.display().to_string(),
                "digit": digit,
                "confidence": outputs[digit],
                "outputs": outputs,
                "inverted": inverted,
                "deskewed": net.deskews(),
                "prepared": seen.as_slice(),
                "unsure": read.unsure,
                "runner_up": { "digit": read.second, "confidence": outputs[read.second] },
            });
            writeln!(out, "{json}")?;
        } else if read.unsure {
            writeln!(
                out,
                "{}\t{digit}\t{:.4}\tunsure: maybe {} ({:.4})",
                path.display(),
                outputs[digit],
                read.second,
                outputs[read.second]
            )?;
        } else {
            writeln!(out, "{}\t{digit}\t{:.4}", path.display(), outputs[digit])?;
        }
        if args.show {
            write!(out, "{}", text_art(&seen, &outputs))?;
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

/// Prints a number of two digits or more (and saves its digits with --save-prepared, as
/// NAME-1.png, NAME-2.png…); returns how many digits could not be saved.
fn print_number(
    out: &mut impl Write,
    args: &PredictArgs,
    net: &Network,
    path: &Path,
    number: &Number,
    name: Option<&String>,
) -> Result<usize, CliError> {
    let mut failed = 0;
    // What is shown and saved is what the network reads: deskewed if it was trained so.
    let seen: Vec<[u8; PIXELS]> = number
        .digits
        .iter()
        .map(|d| as_read(net, &d.pixels))
        .collect();
    if let (Some(dir), Some(name)) = (&args.save_prepared, name) {
        let stem = name.strip_suffix(".png").unwrap_or(name);
        for (i, pixels) in seen.iter().enumerate() {
            if let Err(why) = save_prepared(&dir.join(format!("{stem}-{}.png", i + 1)), pixels) {
                eprintln!("error: {why}");
                failed += 1;
            }
        }
    }
    let reads: Vec<_> = number
        .digits
        .iter()
        .map(|d| nnzero::infer::confidence::judge(&d.outputs))
        .collect();
    let text: String = reads
        .iter()
        .map(|r| char::from(b'0' + r.best as u8))
        .collect();
    if args.json {
        let digits: Vec<_> = number
            .digits
            .iter()
            .zip(&reads)
            .zip(&seen)
            .map(|((d, r), pixels)| {
                serde_json::json!({
                    "box": d.bbox,
                    "digit": r.best,
                    "confidence": d.outputs[r.best],
                    "outputs": d.outputs,
                    "unsure": r.unsure,
                    "runner_up": { "digit": r.second, "confidence": d.outputs[r.second] },
                    "prepared": pixels.as_slice(),
                })
            })
            .collect();
        let json = serde_json::json!({
            "path": path.display().to_string(),
            "number": text,
            "digits": digits,
            "inverted": number.inverted,
            "deskewed": net.deskews(),
            "unsure": reads.iter().any(|r| r.unsure),
        });
        writeln!(out, "{json}")?;
    } else {
        let confidences: Vec<String> = number
            .digits
            .iter()
            .zip(&reads)
            .map(|(d, r)| format!("{:.4}", d.outputs[r.best]))
            .collect();
        let unsure: Vec<String> = number
            .digits
            .iter()
            .zip(&reads)
            .enumerate()
            .filter(|(_, (_, r))| r.unsure)
            .map(|(i, (d, r))| {
                format!(
                    "digit {} maybe {} ({:.4})",
                    i + 1,
                    r.second,
                    d.outputs[r.second]
                )
            })
            .collect();
        write!(out, "{}\t{text}\t{}", path.display(), confidences.join(","))?;
        if !unsure.is_empty() {
            write!(out, "\tunsure: {}", unsure.join("; "))?;
        }
        writeln!(out)?;
    }
    if args.show {
        for (d, pixels) in number.digits.iter().zip(&seen) {
            write!(out, "{}", text_art(pixels, &d.outputs))?;
        }
    }
    Ok(failed)
}

/// The names the prepared digits are saved under: `NAME.png` from the picture's stem, or its
/// whole file name (`photo7.jpg.png`) when two pictures share a stem, and `-2`, `-3`… when
/// even those collide (the same name in two folders): no prepared image overwrites another.
fn prepared_names(pictures: &[PathBuf]) -> Vec<String> {
    let stem = |p: &Path| {
        p.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "digit".into())
    };
    let mut stems: BTreeMap<String, usize> = BTreeMap::new();
    for p in pictures {
        *stems.entry(stem(p)).or_default() += 1;
    }
    let mut used = BTreeSet::new();
    pictures
        .iter()
        .map(|p| {
            let s = stem(p);
            let base = if stems[&s] > 1 {
                p.file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or(s)
            } else {
                s
            };
            let mut name = format!("{base}.png");
            let mut k = 2;
            while !used.insert(name.clone()) {
                name = format!("{base}-{k}.png");
                k += 1;
            }
            name
        })
        .collect()
}

/// Saves the prepared digit as a PNG at `target`, atomically.
fn save_prepared(target: &Path, pixels: &[u8; PIXELS]) -> Result<(), String> {
    let mut png = Vec::new();
    image::GrayImage::from_raw(SIDE as u32, SIDE as u32, pixels.to_vec())
        .ok_or("28×28 buffer")?
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| format!("{}: {e}", target.display()))?;
    nnzero::format::atomic_save::write(target, &png)
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

/// The 28×28 picture as the network reads it ([`nnzero::infer::test_time::as_read`]).
fn as_read(net: &Network, pixels: &[u8; PIXELS]) -> [u8; PIXELS] {
    let mut seen = [0u8; PIXELS];
    seen.copy_from_slice(&nnzero::infer::test_time::as_read(net, pixels));
    seen
}

//! `handwriting-set folders`: scanned handwriting in the image-folder layout (one folder per
//! writer, holding 0/ … 9/) as 28×28 training digits that `nnzero train --augment` mixes into
//! MNIST. Made for the Swiss handwritten digits of `kensanata/numbers` (`data/swiss.blob.gz`).
//!
//! Each picture is read and prepared exactly as `nnzero teach` reads a folder and as `nnzero
//! predict` prepares a picture (`nnzero::teach::folder::read`), so the network learns these
//! digits as it will later see a user's. Nothing is corrected by hand: the scans, with the
//! edges of their form boxes, go through the same preparation a user's photo does.

use std::path::PathBuf;

use crate::training_digits;

/// Reads every writer folder in `writers` (each with digit folders 0/ … 9/), keeps every
/// `keep_every`-th picture of each digit folder (the first, then every `keep_every`-th after
/// it, in file-name order), writes the prepared digits to `out` as a gzipped blob
/// (atomically), writer by writer, and every digit to `sheet`, a PNG, if asked.
pub fn generate(
    writers: &[PathBuf],
    keep_every: usize,
    out: &std::path::Path,
    sheet: Option<&std::path::Path>,
) -> Result<(), String> {
    if writers.is_empty() {
        return Err("no writer folders given (each holding 0/ … 9/)".into());
    }
    if keep_every == 0 {
        return Err("--keep-every must be at least 1".into());
    }
    let mut digits: Vec<(u8, [u8; 784])> = Vec::new();
    let mut skipped = 0;
    for writer in writers {
        let folder = nnzero::teach::folder::read(writer).map_err(|e| e.to_string())?;
        skipped += folder.skipped.len();
        // The pictures come digit by digit; count each digit's from its first.
        let mut seen = [0usize; 10];
        for e in &folder.examples {
            let k = &mut seen[e.label as usize];
            if *k % keep_every == 0 {
                digits.push((e.label, e.pixels));
            }
            *k += 1;
        }
    }
    training_digits::write_blob(&digits, out)?;
    if let Some(sheet) = sheet {
        let shown: Vec<[u8; 784]> = digits.iter().map(|(_, p)| *p).collect();
        training_digits::write_sheet(&shown, sheet)?;
    }
    println!(
        "wrote {} digits of {} writers to {} ({skipped} files skipped: not pictures by name)",
        digits.len(),
        writers.len(),
        out.display()
    );
    Ok(())
}

//! `training-digits folders`: scanned handwriting in the image-folder layout (one folder per
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
    let sources: Vec<&std::path::Path> = writers.iter().map(PathBuf::as_path).collect();
    crate::training_digits::check_outputs(&sources, out, sheet)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A 60 px picture of a dark bar on white paper, `tall` or lying.
    fn bar(path: &std::path::Path, tall: bool) {
        let img = image::GrayImage::from_fn(60, 60, |x, y| {
            let (along, across) = if tall { (y, x) } else { (x, y) };
            let ink = (12..48).contains(&along) && (27..33).contains(&across);
            image::Luma([if ink { 20 } else { 240 }])
        });
        img.save(path).unwrap();
    }

    #[test]
    fn every_nth_picture_of_each_digit_is_kept_writer_by_writer() {
        let dir = std::env::temp_dir().join(format!("folders-{}", std::process::id()));
        let writers = [dir.join("w1"), dir.join("w2")];
        for w in &writers {
            for (digit, n) in [(1, 5), (7, 2)] {
                let d = w.join(digit.to_string());
                std::fs::create_dir_all(&d).unwrap();
                for k in 0..n {
                    bar(&d.join(format!("p{k}.png")), digit == 1);
                }
            }
        }
        std::fs::write(writers[0].join("1").join("notes.txt"), "not a picture").unwrap();
        let out = dir.join("out.blob.gz");
        generate(&writers, 2, &out, None).unwrap();
        let data = nnzero::dataset::Dataset::open(&out).unwrap();
        let mut labels = Vec::new();
        let mut stream = data.stream().unwrap();
        while let Some((label, _)) = stream.next_record().unwrap() {
            labels.push(label);
        }
        // Of five 1s the 1st, 3rd and 5th; of two 7s the 1st; for each writer in turn.
        assert_eq!(labels, [1, 1, 1, 7, 1, 1, 1, 7]);
        assert!(generate(&writers, 0, &out, None).is_err());
        assert!(generate(&[], 1, &out, None).is_err());
        // A writer folder without digit folders is an error, and the blob is not touched.
        let before = std::fs::read(&out).unwrap();
        assert!(generate(std::slice::from_ref(&dir), 1, &out, None).is_err());
        assert_eq!(std::fs::read(&out).unwrap(), before);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

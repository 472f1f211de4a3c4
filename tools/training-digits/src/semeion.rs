//! `training-digits semeion`: the Semeion Handwritten Digit set (about 80 people in Italy,
//! each writing 0–9 twice, once carefully and once fast) as 28×28 training digits that
//! `nnzero train --augment` mixes into MNIST (`data/semeion.blob.gz`).
//!
//! MNIST's writers are American; these are European hands: flagged 1s, barred 7s, open 4s.
//! Semeion scanned each digit, *stretched it to fill* a 16×16 box and thresholded it, so a
//! 1 there is as wide as a 0. [`generate`] undoes the stretch as well as it can be undone
//! without the scans: each digit is squeezed back to the median width-to-height ratio of its
//! class in MNIST, drawn smoothly on a 128 px mask, and prepared exactly as `nnzero predict`
//! prepares a picture (`nnzero::prepare::prepare_gray`).
//!
//! The set is CC BY 4.0 (data/semeion/README.md): Tactile Srl, Brescia, and the Semeion
//! Research Center, Rome, through the UCI Machine Learning Repository.

use std::io::Read;
use std::path::Path;

use nnzero::prepare::{prepare_gray, Gray};

use handwriting_set::{render, MASK};

use crate::training_digits;

/// Side of Semeion's digits.
const SIDE: usize = 16;

/// Numbers on a line of `semeion.data`: 256 pixels, then the label one-hot in 10.
const FIELDS: usize = SIDE * SIDE + 10;

/// The median width-to-height ratio of each digit's ink box in MNIST (the first 3,000
/// training images of each digit, ink above 64), capped at 1: what each class is squeezed to.
const ASPECT: [f32; 10] = [0.9, 0.4, 0.95, 0.8, 0.8, 0.9, 0.7, 0.8, 0.75, 0.7];

/// Height of the digit on the mask, leaving a margin as a scan would.
const HEIGHT: usize = 96;

/// Reads `semeion.data` (`source`, plain or gzipped), writes its digits to `out` as a gzipped blob
/// (atomically), and every digit as prepared to `sheet`, a PNG, if asked.
pub fn generate(source: &Path, out: &Path, sheet: Option<&Path>) -> Result<(), String> {
    training_digits::check_outputs(&[source], out, sheet)?;
    let name = source.display();
    let text = read_text(source).map_err(|e| format!("{name}: {e}"))?;
    let mut digits: Vec<(u8, [u8; 784])> = Vec::new();
    let mut dropped = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = || format!("{name}: line {}", n + 1);
        let values = line
            .split_whitespace()
            .map(|v| v.parse::<f32>())
            .collect::<Result<Vec<f32>, _>>()
            .map_err(|e| format!("{}: {e}", at()))?;
        if values.len() != FIELDS {
            return Err(format!(
                "{}: {} numbers, not {FIELDS} (256 pixels and a one-hot label)",
                at(),
                values.len()
            ));
        }
        let (pixels, onehot) = values.split_at(SIDE * SIDE);
        let ones: Vec<usize> = (0..10).filter(|&d| onehot[d] == 1.0).collect();
        let (&[label], true) = (
            ones.as_slice(),
            onehot.iter().all(|&v| v == 0.0 || v == 1.0),
        ) else {
            return Err(format!("{}: the label is not one-hot", at()));
        };
        if let Some(v) = pixels.iter().find(|&&v| v != 0.0 && v != 1.0) {
            return Err(format!("{}: a pixel of {v}, not 0 or 1", at()));
        }
        let mask = unstretch(pixels, ASPECT[label]);
        // Black ink on white paper, as a scan of it would be.
        let paper = mask
            .iter()
            .map(|c| (255.0 * (1.0 - c.clamp(0.0, 1.0))).round() as u8)
            .collect();
        let (prepared, _) =
            prepare_gray(&Gray::new(MASK, MASK, paper)).map_err(|e| format!("{}: {e}", at()))?;
        // The digit was drawn taller than wide; a prepared digit wider than tall means the
        // preparation kept only a piece of it (a stroke the scan broke), not a digit to learn.
        if wider_than_tall(&prepared) {
            dropped.push(n + 1);
            continue;
        }
        digits.push((label as u8, prepared));
    }
    if digits.is_empty() {
        return Err(format!(
            "{name}: no digits ({} left out as pieces)",
            dropped.len()
        ));
    }
    training_digits::write_blob(&digits, out)?;
    if let Some(sheet) = sheet {
        let shown: Vec<[u8; 784]> = digits.iter().map(|(_, p)| *p).collect();
        training_digits::write_sheet(&shown, sheet)?;
    }
    println!(
        "wrote {} Semeion digits to {}; left out {} that the preparation kept only a piece of \
         (lines {dropped:?})",
        digits.len(),
        out.display(),
        dropped.len()
    );
    Ok(())
}

/// A text file, gunzipped if it starts with gzip's magic bytes (as
/// `data/semeion/semeion.data.gz`).
/// At most [`MAX_TEXT`] bytes (UCI's file is 1.3 MB): `/dev/zero` or a gzip bomb is an error,
/// not all of memory.
fn read_text(path: &Path) -> std::io::Result<String> {
    let too_big = || {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "over {} MiB: not UCI's semeion.data (1.3 MB)",
                MAX_TEXT >> 20
            ),
        )
    };
    let limit = MAX_TEXT as u64 + 1;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit)
        .read_to_end(&mut bytes)?;
    if bytes.len() > MAX_TEXT {
        return Err(too_big());
    }
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut plain = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes.as_slice())
            .take(limit)
            .read_to_end(&mut plain)?;
        if plain.len() > MAX_TEXT {
            return Err(too_big());
        }
        bytes = plain;
    }
    String::from_utf8(bytes).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// Largest `semeion.data` read, plain or unzipped.
const MAX_TEXT: usize = 16 << 20;

/// Draws a 16×16 digit of ink (0 or 1) on a [`MASK`]² mask, [`HEIGHT`] tall and `aspect`
/// times as wide, centred, with smooth edges: bilinear sampling, two box blurs (close to a
/// Gaussian of σ ≈ 3.5 px, about half a source pixel), then a soft threshold at half ink.
fn unstretch(ink: &[f32], aspect: f32) -> Vec<f32> {
    let height = HEIGHT as f32;
    let width = (height * aspect).round();
    let (x0, y0) = ((MASK as f32 - width) / 2.0, (MASK as f32 - height) / 2.0);
    let mut mask = vec![0.0f32; MASK * MASK];
    for y in 0..MASK {
        for x in 0..MASK {
            let u = (x as f32 + 0.5 - x0) * SIDE as f32 / width - 0.5;
            let v = (y as f32 + 0.5 - y0) * SIDE as f32 / height - 0.5;
            mask[y * MASK + x] = render::bilinear(ink, SIDE, u, v);
        }
    }
    for _ in 0..2 {
        mask = box_blur(&mask, 3);
    }
    mask.iter()
        .map(|&m| {
            let t = ((m - 0.35) / 0.3).clamp(0.0, 1.0);
            t * t * (3.0 - 2.0 * t)
        })
        .collect()
}

/// Whether a prepared digit's ink (above half) spans more columns than rows.
fn wider_than_tall(pixels: &[u8; 784]) -> bool {
    let inked = |i: usize| pixels[i] > 127;
    let rows = (0..28)
        .filter(|&y| (0..28).any(|x| inked(y * 28 + x)))
        .count();
    let columns = (0..28)
        .filter(|&x| (0..28).any(|y| inked(y * 28 + x)))
        .count();
    columns > rows
}

/// A (2r+1)² box blur of a [`MASK`]² mask, rows then columns, zero outside.
fn box_blur(mask: &[f32], r: usize) -> Vec<f32> {
    let n = MASK;
    let pass = |src: &[f32], horizontal: bool| {
        let mut out = vec![0.0f32; n * n];
        for a in 0..n {
            for b in 0..n {
                let lo = b.saturating_sub(r);
                let hi = (b + r).min(n - 1);
                let sum: f32 = (lo..=hi)
                    .map(|c| {
                        if horizontal {
                            src[a * n + c]
                        } else {
                            src[c * n + a]
                        }
                    })
                    .sum();
                let v = sum / (2 * r + 1) as f32;
                if horizontal {
                    out[a * n + b] = v;
                } else {
                    out[b * n + a] = v;
                }
            }
        }
        out
    };
    let rows = pass(mask, true);
    pass(&rows, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `text` to a file of its own and runs [`generate`] on it.
    fn generate_from(name: &str, text: &str) -> Result<(), String> {
        let dir = std::env::temp_dir().join(format!("semeion-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("semeion.data"), text).unwrap();
        let result = generate(&dir.join("semeion.data"), &dir.join("out.blob.gz"), None);
        let wrote = dir.join("out.blob.gz").exists();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(result.is_ok() || !wrote, "nothing is written on an error");
        result
    }

    /// A line of `semeion.data`: a bar across the middle, of pixels `pixel`, and a label
    /// with a 1 for each of `labels` (one-hot when there is one).
    fn line(pixel: &str, labels: &[usize]) -> String {
        let mut fields: Vec<String> = (0..SIDE * SIDE)
            .map(|i| {
                if (6..10).contains(&(i / SIDE)) {
                    pixel
                } else {
                    "0"
                }
                .to_string()
            })
            .collect();
        fields.extend((0..10).map(|d| if labels.contains(&d) { "1" } else { "0" }.to_string()));
        fields.join(" ")
    }

    #[test]
    fn bad_lines_are_refused_with_their_number() {
        let good = line("1", &[3]);
        let cases = [
            (line("0.7", &[3]), "line 3: a pixel of 0.7, not 0 or 1"),
            (line("1", &[3]) + " 0", "line 3: 267 numbers, not 266"),
            (line("1", &[3, 5]), "line 3: the label is not one-hot"),
            (line("1", &[]), "line 3: the label is not one-hot"),
            (line("x", &[3]), "line 3: invalid float literal"),
        ];
        for (bad, expected) in cases {
            let err = generate_from("bad", &format!("{good}\n\n{bad}\n")).unwrap_err();
            assert!(err.contains(expected), "{err}");
        }
    }

    #[test]
    fn a_digit_prepared_wider_than_tall_is_left_out() {
        // A bar across the box, squeezed to a 3's aspect, is still wider than tall: a piece.
        let err = generate_from("piece", &line("1", &[3])).unwrap_err();
        assert!(err.ends_with("no digits (1 left out as pieces)"), "{err}");
    }

    /// A line of `semeion.data` holding a 1: a bar down the middle.
    fn one() -> String {
        let mut fields: Vec<String> = (0..SIDE * SIDE)
            .map(|i| {
                if (6..10).contains(&(i % SIDE)) {
                    "1"
                } else {
                    "0"
                }
                .to_owned()
            })
            .collect();
        fields.extend((0..10).map(|d| if d == 1 { "1" } else { "0" }.to_owned()));
        fields.join(" ")
    }

    #[test]
    fn a_sheet_that_cannot_be_written_is_refused_before_the_blob_is_written() {
        let dir = std::env::temp_dir().join(format!("semeion-{}-sheet", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (source, out) = (dir.join("semeion.data"), dir.join("out.blob.gz"));
        std::fs::write(&source, one()).unwrap();
        // The sheet is a folder (issue 26: `--sheet /tmp` wrote the blob, then failed).
        let err = generate(&source, &out, Some(&dir)).unwrap_err();
        assert!(err.contains("is a directory"), "{err}");
        assert!(!out.exists());
        // The blob over its own input, or the sheet over the blob: refused too.
        let err = generate(&source, &source, None).unwrap_err();
        assert!(err.contains("is the input too"), "{err}");
        let err = generate(&source, &out, Some(&out)).unwrap_err();
        assert!(err.contains("both the blob and the sheet"), "{err}");
        assert!(!out.exists());
        // And with a proper sheet, both are written.
        generate(&source, &out, Some(&dir.join("sheet.png"))).unwrap();
        assert!(out.exists() && dir.join("sheet.png").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_endless_file_is_refused_without_reading_it_all() {
        let err = read_text(Path::new("/dev/zero")).unwrap_err().to_string();
        assert!(err.contains("not UCI's semeion.data"), "{err}");
        // A gzip bomb: 17 MiB of zeros in a few kilobytes.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut gz, &vec![b'0'; 17 << 20]).unwrap();
        let dir = std::env::temp_dir().join(format!("semeion-{}-bomb", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("bomb.gz"), gz.finish().unwrap()).unwrap();
        let err = read_text(&dir.join("bomb.gz")).unwrap_err().to_string();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(err.contains("not UCI's semeion.data"), "{err}");
    }

    #[test]
    fn a_full_width_bar_is_squeezed_to_the_class_aspect() {
        let ink = vec![1.0; SIDE * SIDE];
        let mask = unstretch(&ink, 0.5);
        let row = &mask[64 * MASK..65 * MASK];
        let inked = row.iter().filter(|&&m| m > 0.5).count();
        assert!(
            (44..=52).contains(&inked),
            "{inked} px inked, expected about 48"
        );
    }
}

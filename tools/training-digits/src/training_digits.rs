//! Writing prepared 28×28 training digits: the gzipped blob `nnzero train --augment` mixes
//! into MNIST, and a contact sheet to look at them. Shared by `typefaces`, `semeion`
//! and `folders`.

use std::path::Path;

use nnzero::format::blob::{BlobWriter, Header};

/// Writes `digits` (label, prepared pixels) to `out` as a gzipped blob, atomically.
pub fn write_blob(digits: &[(u8, [u8; 784])], out: &Path) -> Result<(), String> {
    let header = Header::new(digits.len() as u32, 28, 28, 10).map_err(|e| e.to_string())?;
    let mut blob = BlobWriter::new(Vec::new(), header).map_err(|e| e.to_string())?;
    for (label, pixels) in digits {
        blob.push(*label, pixels).map_err(|e| e.to_string())?;
    }
    let blob = blob.finish().map_err(|e| e.to_string())?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut gz, &blob).map_err(|e| e.to_string())?;
    let gz = gz.finish().map_err(|e| e.to_string())?;
    nnzero::format::atomic_save::write(out, &gz).map_err(|e| format!("{}: {e}", out.display()))
}

/// Draws `shown` to `sheet`, a PNG with ten digits per row.
pub fn write_sheet(shown: &[[u8; 784]], sheet: &Path) -> Result<(), String> {
    let rows = (shown.len() as u32).div_ceil(10);
    let mut canvas = image::GrayImage::new(10 * 28, rows * 28);
    for (k, pixels) in shown.iter().enumerate() {
        let (x0, y0) = ((k as u32 % 10) * 28, (k as u32 / 10) * 28);
        for (i, &v) in pixels.iter().enumerate() {
            canvas.put_pixel(x0 + i as u32 % 28, y0 + i as u32 / 28, image::Luma([v]));
        }
    }
    canvas
        .save(sheet)
        .map_err(|e| format!("{}: {e}", sheet.display()))
}

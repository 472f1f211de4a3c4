//! Writing prepared 28×28 training digits: the gzipped blob `nnzero train --augment` mixes
//! into MNIST, and a contact sheet to look at them. Shared by `typefaces`, `semeion`
//! and `folders`.

use std::path::Path;

use nnzero::format::blob::{BlobWriter, Header};

/// Checks, before any work, that the blob `out` and the contact sheet `sheet` could be
/// written (neither a directory nor a device, in a folder that exists) and are not the same
/// file, nor `source` (the data they are made from): so an error never comes after the blob
/// was written, and nothing the user had is replaced by mistake.
pub fn check_outputs(source: &[&Path], out: &Path, sheet: Option<&Path>) -> Result<(), String> {
    use nnzero::format::atomic_save::check_writable;
    let same = |a: &Path, b: &Path| {
        a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
    };
    for path in std::iter::once(out).chain(sheet) {
        check_writable(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if let Some(s) = source.iter().find(|s| same(s, path)) {
            return Err(format!(
                "{}: is the input too; write to another file",
                s.display()
            ));
        }
    }
    if sheet.is_some_and(|s| same(s, out)) {
        return Err(format!(
            "{}: both the blob and the sheet; give --sheet another file",
            out.display()
        ));
    }
    Ok(())
}

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

//! The first `n` records of a bundled MNIST blob, as an uncompressed blob in memory.
//!
//! Shared as source by the bare-metal image's build script (which embeds the result) and by
//! `firmware-tests/` (which runs the same workload on the Linux targets).

use std::path::Path;

use nnzero::dataset::Dataset;
use nnzero::format::blob::{BlobWriter, Header};

/// Reads the first `n` records of the blob at `path` into a new blob.
pub fn first_records(path: &Path, n: usize) -> Result<Vec<u8>, String> {
    let data = Dataset::open(path).map_err(|e| e.to_string())?;
    let h = *data.header();
    let count = u32::try_from(n).map_err(|_| format!("{n} records is too many"))?;
    let header = Header::new(count, h.rows, h.cols, h.classes).map_err(|e| e.to_string())?;
    let mut writer = BlobWriter::new(Vec::new(), header).map_err(|e| e.to_string())?;
    let mut stream = data.stream().map_err(|e| e.to_string())?;
    for _ in 0..n {
        let (label, pixels) = stream
            .next_record()
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("{} has fewer than {n} records", data.name()))?;
        writer.push(label, pixels).map_err(|e| e.to_string())?;
    }
    writer.finish().map_err(|e| e.to_string())
}

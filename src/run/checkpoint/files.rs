//! Checkpoint files on disk: [`save`] writes atomically and keeps the one it replaces as
//! `FILE.prev`; [`load_newest`] falls back to it when the newest is damaged.

use std::path::{Path, PathBuf};

use super::{
    check_header, decode_parts, encode_to, fields_len, Checkpoint, CheckpointError, CheckpointView,
    FORMAT, HEADER_PREFIX,
};
use crate::format::container::{CrcReader, TRAILER_LEN};

/// `FILE.prev`: where the checkpoint before the newest one is kept.
pub fn previous_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".prev");
    PathBuf::from(name)
}

/// Writes `c` (a [`Checkpoint`], or a [`CheckpointView`] of a running
/// [`Run`](crate::run::Run)) to `path` atomically; the checkpoint it replaces becomes `FILE.prev`.
///
/// At every moment a good checkpoint is on disk: the new one is complete and synced before
/// the old one is renamed to `.prev`, and `.prev` is only replaced by a complete checkpoint.
/// A failure (a full disk) leaves both as they were. The encoding streams into the temporary
/// file ([`encode_to`]): a checkpoint of a large network needs no second copy of it in memory.
pub fn save<'a>(c: impl Into<CheckpointView<'a>>, path: &Path) -> Result<(), CheckpointError> {
    let c = c.into();
    crate::format::atomic_save::write_keeping_previous_with(path, &previous_path(path), |file| {
        encode_to(&c, file).map(drop)
    })?;
    Ok(())
}

/// Reads and decodes the checkpoint at `path`, streaming it as models are read. Its header is
/// checked against the file's length first ([`check_header`]): a file of anything else, or
/// whose header claims more than the memory budget, is refused before the rest is read (a 3 GB
/// file took 3 GB and 18 s to be told it was no checkpoint). Then the fields (a few hundred
/// bytes), the weights straight into their vectors, and the checksum over all of it, before
/// any field is believed: memory for one copy of the weights.
pub fn load(path: &Path) -> Result<Checkpoint, CheckpointError> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let mut head = Vec::new();
    (&mut file)
        .take(HEADER_PREFIX as u64)
        .read_to_end(&mut head)?;
    let (h, header_len) = check_header(&head, len)?;
    let rest = std::io::Cursor::new(head.split_off(header_len)).chain(file);
    let mut reader = CrcReader::new(std::io::BufReader::with_capacity(64 * 1024, rest));
    reader.update(&head);
    // Within the budget now, and exactly as long as the header says (the file could still
    // change under us: then a short read is an error, not a panic).
    let mut fields = vec![0u8; fields_len(&h) as usize];
    reader.read_exact(&mut fields)?;
    let (wih_n, who_n) = h.weight_counts();
    let wih = read_f32s(&mut reader, wih_n as usize)?;
    let who = read_f32s(&mut reader, who_n as usize)?;
    let computed = reader.crc();
    let mut trailer = [0u8; TRAILER_LEN];
    reader.inner.read_exact(&mut trailer)?;
    FORMAT.check_checksum(u32::from_le_bytes(trailer), computed)?;
    decode_parts(&h, &fields, wih, who)
}

/// `n` little-endian f32s from `r`, 64 KiB at a time.
fn read_f32s(r: &mut impl std::io::Read, n: usize) -> std::io::Result<Vec<f32>> {
    let mut out = Vec::with_capacity(n);
    let mut buf = vec![0u8; 64 * 1024];
    while out.len() < n {
        let take = (4 * (n - out.len())).min(buf.len());
        r.read_exact(&mut buf[..take])?;
        out.extend(
            buf[..take]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        );
    }
    Ok(out)
}

/// The newest good checkpoint: `path`, or `FILE.prev` when `path` is damaged or missing.
/// Returns it with the file it came from and, when it is `.prev`, why `path` was passed over.
pub fn load_newest(
    path: &Path,
) -> Result<(Checkpoint, PathBuf, Option<CheckpointError>), CheckpointError> {
    let newest = match load(path) {
        Ok(c) => return Ok((c, path.to_path_buf(), None)),
        Err(e) => e,
    };
    let prev = previous_path(path);
    match load(&prev) {
        Ok(c) => Ok((c, prev, Some(newest))),
        Err(_) => Err(newest),
    }
}

/// Puts `FILE.prev` back in place of a damaged `FILE`, once a run has resumed from it.
///
/// Without this, the next save would rename the damaged `FILE` over the good `.prev` before
/// it renames the new checkpoint into place: a power cut between the two renames would leave
/// only the damaged one. The rename replaces the damaged file in one step, so a good
/// checkpoint is on disk throughout.
pub fn promote_previous(path: &Path) -> std::io::Result<()> {
    std::fs::rename(previous_path(path), path)?;
    crate::format::atomic_save::sync_dir(crate::format::atomic_save::parent_dir(path));
    Ok(())
}

/// Removes the checkpoint and its previous one (after the model is saved).
pub fn remove(path: &Path) {
    let _ = std::fs::remove_file(previous_path(path));
    let _ = std::fs::remove_file(path);
    crate::format::atomic_save::sync_dir(crate::format::atomic_save::parent_dir(path));
}

#[cfg(test)]
mod tests {
    use super::super::example;
    use super::*;
    use crate::format::container::ContainerError;

    #[test]
    fn a_damaged_checkpoint_falls_back_to_the_previous_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.ckpt");
        let mut first = example();
        save(&first, &path).unwrap();
        first.position.record = 6;
        save(&first, &path).unwrap();
        assert_eq!(load(&previous_path(&path)).unwrap().position.record, 5);
        // A bad sector in the newest.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[40] ^= 0x10;
        std::fs::write(&path, &bytes).unwrap();
        let (c, from, why) = load_newest(&path).unwrap();
        assert_eq!((c.position.record, from), (5, previous_path(&path)));
        assert!(matches!(
            why,
            Some(CheckpointError::Container(
                ContainerError::ChecksumMismatch { .. }
            ))
        ));
        // The run goes on from .prev, which takes the damaged one's place: the next save
        // keeps it as .prev, and killed between its two renames, .prev is the good one.
        promote_previous(&path).unwrap();
        assert_eq!(load(&path).unwrap().position.record, 5);
        assert!(!previous_path(&path).exists());
        std::fs::rename(&path, previous_path(&path)).unwrap(); // the next save's first rename
        assert_eq!(load_newest(&path).unwrap().0.position.record, 5);
        // Nothing else is left in the directory.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["m.ckpt.prev"]);
    }
}

//! One run per model and checkpoint: a lock file (`FILE.lock`, held with `flock`) beside each
//! file a run writes, so a second training aimed at the same model or checkpoint is refused
//! instead of both saying "saved" and the last rename winning.
//!
//! The kernel drops the lock when the process dies, however it dies, so a power cut or a
//! SIGKILL never leaves a run locked out. The lock files are removed when the run ends.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use fs4::FileExt;

/// Why a lock could not be taken.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// Another process holds it.
    #[error(
        "{path} is in use by another nnzero run (training, teaching or serving; it holds \
         {lock}); wait for it to finish, or give this one another --save or --checkpoint"
    )]
    Busy {
        /// The file both want to write.
        path: String,
        /// The lock file.
        lock: String,
    },
    /// The lock file could not be created or locked.
    #[error("cannot lock {lock}: {error}")]
    Io {
        /// The lock file.
        lock: String,
        /// Why.
        error: std::io::Error,
    },
}

/// Locks held by a run; released (and their files removed) when dropped.
#[derive(Debug)]
pub struct RunLock {
    held: Vec<(PathBuf, File)>,
}

/// `FILE.lock`.
pub fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

impl RunLock {
    /// Locks every one of `paths` (their `.lock` files), or none.
    pub fn acquire(paths: &[&Path]) -> Result<RunLock, LockError> {
        let mut lock = RunLock { held: Vec::new() };
        for path in paths {
            let file = lock_one(path)?;
            lock.held.push((lock_path(path), file));
        }
        Ok(lock)
    }
}

fn lock_one(path: &Path) -> Result<File, LockError> {
    let lock = lock_path(path);
    let io = |error| LockError::Io {
        lock: lock.display().to_string(),
        error,
    };
    loop {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock)
            .map_err(io)?;
        // Called through the trait: Rust 1.89's `File::try_lock` has the same name.
        match FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                return Err(LockError::Busy {
                    path: path.display().to_string(),
                    lock: lock.display().to_string(),
                })
            }
            Err(fs4::TryLockError::Error(e)) => return Err(io(e)),
        }
        // The holder before us may have removed the file between our open and our lock: then
        // we hold a lock on a file nobody else can find. Try again with the one at the path.
        if same_file(&file, &lock) {
            return Ok(file);
        }
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &File, path: &Path) -> bool {
    path.exists()
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // Removed while still held, so a waiting process never locks a file that then goes.
        for (path, _) in &self.held {
            let _ = std::fs::remove_file(path);
        }
        self.held.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_file_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let model = dir.path().join("m.nnz");
        let first = RunLock::acquire(&[&model]).unwrap();
        let e = RunLock::acquire(&[&model]).unwrap_err();
        assert!(matches!(e, LockError::Busy { .. }), "{e}");
        assert!(e.to_string().contains("in use by another nnzero run"));
        drop(first);
        assert!(!lock_path(&model).exists());
        RunLock::acquire(&[&model]).unwrap();
    }
}

//! Atomic file saves: write a temporary file beside the target, fsync it, rename it over the
//! target, fsync the directory. A crash or a full disk leaves the old file or the new one,
//! never half of one, and a failed save removes its temporary file.
//!
//! The temporary file is named after its target, the writer's process id and a count of the
//! process's saves, `model.nnz.tmp-1234-0`, so a user who finds one after a power cut knows
//! what it is, and two saves never share one. A process's saves are made one at a time (a
//! served model saved by two requests at once, or by a request and a signal). A save removes
//! the temporaries that earlier, dead processes left beside the same target (on Linux, where
//! `/proc` says which processes live); a live writer's are left alone.
//!
//! Only a regular file (or a link to one) is ever replaced: a save over a device, a pipe or a
//! socket (`--save /dev/null`, or a link to it) is refused, so a save never turns a special
//! file into a regular one.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Held while a save runs: this process's saves are made one at a time.
static SAVING: Mutex<()> = Mutex::new(());
/// This process's saves so far, for temporary names no two saves share.
static SAVES: AtomicU64 = AtomicU64::new(0);

/// The directory `path` lives in (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// `FILE.tmp-PID-N`: a new temporary file name for `path`, this process's `N`th.
pub fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    let n = SAVES.fetch_add(1, Ordering::Relaxed);
    name.push(format!(".tmp-{}-{n}", std::process::id()));
    parent_dir(path).join(name)
}

/// Refuses to save over anything but a regular file (following links): a device, a pipe, a
/// socket. A directory is left to the save itself, which fails on it.
pub fn check_regular(path: &Path) -> std::io::Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() && !m.is_dir() => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "is not a regular file (a device, a pipe or a socket): nnzero saves only over \
             regular files",
        )),
        _ => Ok(()),
    }
}

/// Removes `FILE.tmp-PID` files beside `path` whose process is gone. Returns how many.
pub fn remove_stale_temporaries(path: &Path) -> usize {
    let (Some(name), Ok(entries)) = (
        path.file_name().and_then(|n| n.to_str()),
        std::fs::read_dir(parent_dir(path)),
    ) else {
        return 0;
    };
    let prefix = format!("{name}.tmp-");
    let mut removed = 0;
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        // `PID-N`, or `PID` as older versions named them.
        let Some(pid) = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|rest| match rest.split_once('-') {
                Some((pid, n)) => n.parse::<u64>().ok().and(Some(pid)),
                None => Some(rest),
            })
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id()
            && !process_alive(pid)
            && std::fs::remove_file(entry.path()).is_ok()
        {
            removed += 1;
        }
    }
    removed
}

/// Whether process `pid` runs; `true` where that cannot be told, so nothing is removed.
fn process_alive(pid: u32) -> bool {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return true;
    }
    proc.join(pid.to_string()).exists()
}

/// Writes `bytes` to `path` atomically.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_with(path, |f| f.write_all(bytes))
}

/// Writes `path` atomically with what `fill` writes into the (buffered) temporary file.
pub fn write_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    write_inner(path, None, fill)
}

/// Writes `bytes` to `path` atomically and keeps the file it replaces as `previous`: once the
/// new file is complete and synced, the old one is renamed to `previous`, then the new one to
/// `path`. A crash between the two renames leaves `previous` good and `path` missing.
pub fn write_keeping_previous(path: &Path, previous: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_keeping_previous_with(path, previous, |f| f.write_all(bytes))
}

/// [`write_keeping_previous`] with what `fill` writes into the (buffered) temporary file, so
/// a large file is streamed to disk rather than built in memory first.
pub fn write_keeping_previous_with(
    path: &Path,
    previous: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    write_inner(path, Some(previous), fill)
}

fn write_inner(
    path: &Path,
    previous: Option<&Path>,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    // A save that panicked elsewhere left nothing this one needs: the lock's data is `()`.
    let _one_at_a_time = SAVING.lock().unwrap_or_else(|e| e.into_inner());
    check_regular(path)?;
    remove_stale_temporaries(path);
    let tmp = temp_path(path);
    // A file of this name is from a dead process that had our pid: never ours to keep.
    let _ = std::fs::remove_file(&tmp);
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    // A saved file gets the permissions any new file gets (0666 less the umask), or keeps
    // those of the file it replaces.
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o666);
    }
    let file = options.open(&tmp)?;
    let result = (|| {
        #[cfg(unix)]
        if let Ok(m) = std::fs::metadata(path) {
            file.set_permissions(m.permissions())?;
        }
        let mut out = std::io::BufWriter::with_capacity(256 * 1024, &file);
        fill(&mut out)?;
        out.flush()?;
        drop(out);
        file.sync_all()?;
        if let Some(previous) = previous {
            match std::fs::rename(path, previous) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(parent_dir(path));
    Ok(())
}

/// Makes renames in `dir` durable. Not every platform lets a directory be opened and synced;
/// the data is safe either way, so failures here are ignored.
pub fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Checks, before any long work, that `path` could be saved: it is not a directory nor any
/// other special file ([`check_regular`]), its directory exists and a file can be created
/// there. Leaves nothing behind.
pub fn check_writable(path: &Path) -> std::io::Result<()> {
    if path.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::IsADirectory,
            "is a directory",
        ));
    }
    check_regular(path)?;
    let tmp = temp_path(path);
    let _ = std::fs::remove_file(&tmp);
    OpenOptions::new().write(true).create_new(true).open(&tmp)?;
    std::fs::remove_file(&tmp)
}

/// Checks that the filesystem of `path` has `needed` bytes free, so a long run does not end
/// in a save that cannot be written. The error says how much is needed and how much is free.
pub fn check_space(path: &Path, needed: u64) -> std::io::Result<()> {
    let dir = parent_dir(path);
    let free = match fs4::available_space(dir) {
        Ok(free) => free,
        // A filesystem that cannot say (some network mounts) is given the benefit of the doubt.
        Err(_) => return Ok(()),
    };
    if free < needed {
        return Err(std::io::Error::new(
            std::io::ErrorKind::StorageFull,
            format!(
                "needs {} free in {} for the model and its checkpoints, only {} is free",
                human_bytes(needed),
                dir.display(),
                human_bytes(free)
            ),
        ));
    }
    Ok(())
}

/// `12.3 MB`, `456 kB`, `789 bytes`.
pub fn human_bytes(n: u64) -> String {
    match n {
        0..=9_999 => format!("{n} bytes"),
        10_000..=9_999_999 => format!("{:.0} kB", n as f64 / 1e3),
        _ => format!("{:.1} MB", n as f64 / 1e6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_whole_file_and_leaves_no_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.nnz");
        write(&path, b"first version, longer").unwrap();
        write(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn new_files_get_ordinary_permissions_and_replacements_keep_theirs() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.nnz");
        write(&path, b"x").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & 0o644, 0o644, "mode {mode:o}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        write(&path, b"y").unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o640
        );
    }

    #[test]
    fn temporaries_are_named_after_their_file_and_stale_ones_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.nnz");
        let (a, b) = (temp_path(&path), temp_path(&path));
        let ours = format!("m.nnz.tmp-{}-", std::process::id());
        for t in [&a, &b] {
            let name = t.file_name().unwrap().to_str().unwrap();
            assert!(name.starts_with(&ours), "{name}");
        }
        assert_ne!(a, b, "two saves share a temporary file");
        // Dead writers' (no process has a pid this high; the old name and the new), live
        // ones' (pid 1 is always alive), and another file's.
        for name in [
            "m.nnz.tmp-4294967",
            "m.nnz.tmp-4294967-3",
            "m.nnz.tmp-1",
            "m.nnz.tmp-1-0",
            "other.nnz.tmp-4294967",
        ] {
            std::fs::write(dir.path().join(name), b"half").unwrap();
        }
        write(&path, b"whole").unwrap();
        let mut left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "m.nnz",
                "m.nnz.tmp-1",
                "m.nnz.tmp-1-0",
                "other.nnz.tmp-4294967"
            ]
        );
    }

    /// Saves of one file from many threads at once (the web server's Save pressed twice, a
    /// signal's save during a request's): every save succeeds, and a reader only ever finds
    /// one whole version. With one temporary name a process, 34 of 50 such pairs failed.
    #[test]
    fn saves_at_once_all_succeed_and_a_reader_sees_whole_files() {
        use std::sync::atomic::{AtomicBool, AtomicUsize};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.nnz");
        write(&path, &[9u8; 1000]).unwrap();
        let (done, failed, torn, reads) = (
            AtomicBool::new(false),
            AtomicUsize::new(0),
            AtomicUsize::new(0),
            AtomicUsize::new(0),
        );
        std::thread::scope(|scope| {
            // Counts rather than asserts, so that a failure ends the test instead of hanging it.
            scope.spawn(|| {
                while !done.load(Ordering::Relaxed) {
                    let whole = std::fs::read(&path).is_ok_and(|bytes| {
                        matches!(bytes.len(), 1000 | 100_000 | 200_000 | 300_000)
                            && bytes.iter().all(|&b| b == bytes[0])
                    });
                    torn.fetch_add(!whole as usize, Ordering::Relaxed);
                    reads.fetch_add(1, Ordering::Relaxed);
                }
            });
            let writers: Vec<_> = (1..=3u8)
                .map(|k| {
                    let (path, failed) = (&path, &failed);
                    scope.spawn(move || {
                        for _ in 0..20 {
                            let e = write(path, &vec![k; 100_000 * k as usize]).is_err();
                            failed.fetch_add(e as usize, Ordering::Relaxed);
                        }
                    })
                })
                .collect();
            for w in writers {
                let _ = w.join();
            }
            done.store(true, Ordering::Relaxed);
        });
        assert_eq!(failed.into_inner(), 0, "saves failed");
        assert_eq!(torn.into_inner(), 0, "a reader saw a partial file");
        assert!(reads.into_inner() > 0);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// `--save ./null` where `null` links to /dev/null, or a socket: refused, and the special
    /// file is what it was. (Replacing it would, as root, replace the system's /dev/null.)
    #[cfg(unix)]
    #[test]
    fn special_files_are_never_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let null = dir.path().join("null");
        std::os::unix::fs::symlink("/dev/null", &null).unwrap();
        let socket = dir.path().join("socket");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        for path in [&null, &socket] {
            let e = write(path, b"model").unwrap_err();
            assert!(e.to_string().contains("not a regular file"), "{e}");
            assert!(check_writable(path).is_err());
            assert!(write_keeping_previous(path, &dir.path().join("prev"), b"x").is_err());
        }
        assert!(std::fs::symlink_metadata(&null)
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device());
        assert!(std::fs::metadata(&socket).unwrap().file_type().is_socket());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn the_previous_file_is_kept_beside_the_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let (path, prev) = (dir.path().join("c"), dir.path().join("c.prev"));
        write_keeping_previous(&path, &prev, b"one").unwrap();
        assert!(!prev.exists());
        write_keeping_previous(&path, &prev, b"two").unwrap();
        assert_eq!(std::fs::read(&prev).unwrap(), b"one");
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
    }

    #[test]
    fn a_missing_directory_is_an_error_and_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/dir/m.nnz");
        assert!(write(&path, b"x").is_err());
        assert!(check_writable(&path).is_err());
        assert!(check_writable(dir.path()).is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}

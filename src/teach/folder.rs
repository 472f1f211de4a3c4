//! Reads pictures to teach from the layout image-folder tools use: DIR/0/ … DIR/9/, each
//! holding pictures of that digit, prepared exactly as `nnzero predict` prepares them.
//!
//! What a user expects from such tools: anything not read is skipped and listed with why (a
//! folder `x/` or `5b/` beside the digit folders, a `notes.txt` or a subfolder inside one, a
//! picture of several digits);
//! hidden files (`.DS_Store`) are skipped quietly; a file named as a picture that cannot be
//! read is an error, because the user meant it to be taught.
//! Digit folders may be missing (teach only your 7s), but one that is there must not be empty.

use std::fmt;
use std::path::{Path, PathBuf};

use super::Example;
use crate::prepare::{count_digits_file, prepare_file, Limits, PrepareError};

/// What went wrong reading a folder of pictures.
#[derive(Debug)]
#[non_exhaustive]
pub enum FolderError {
    /// The folder or a digit folder could not be listed.
    Io(PathBuf, std::io::Error),
    /// No folder named 0 … 9 in it.
    NoDigits(PathBuf),
    /// A digit folder with no pictures in it.
    Empty(PathBuf),
    /// A picture that could not be prepared.
    Picture(PathBuf, PrepareError),
}

impl fmt::Display for FolderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FolderError::Io(p, e) => write!(f, "{}: {e}", p.display()),
            FolderError::NoDigits(p) => write!(
                f,
                "{}: no digit folders in it (expected {0}/0/ … {0}/9/, pictures of each digit)",
                p.display()
            ),
            FolderError::Empty(p) => write!(f, "{}: no .png or .jpg pictures in it", p.display()),
            FolderError::Picture(p, e) => write!(f, "{}: {e}", p.display()),
        }
    }
}

impl std::error::Error for FolderError {}

/// The pictures read from a folder, in digit then file-name order.
#[derive(Debug, Default)]
pub struct Folder {
    /// The prepared pictures.
    pub examples: Vec<Example>,
    /// Where each came from.
    pub paths: Vec<PathBuf>,
    /// What was not read, and why, in the order met.
    pub skipped: Vec<Skipped>,
}

/// A file or folder [`read`] did not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Its path.
    pub path: PathBuf,
    /// Why.
    pub why: Skip,
}

/// Why a file or folder was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Skip {
    /// A folder beside the digit folders whose name is not one digit (`x/`, `5b/`, `10/`).
    NotADigitFolder,
    /// A file beside the digit folders: pictures go inside DIR/0/ … DIR/9/.
    FileBesideDigits,
    /// A file named 0 … 9 where a folder was expected.
    DigitNotAFolder,
    /// A folder inside a digit folder: only the digit folder itself is read.
    Subfolder,
    /// A file whose name is not a .png or .jpg picture's.
    NotAPicture,
    /// A picture that holds several digits (a number): teaching takes one digit a picture.
    SeveralDigits,
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Skip::NotADigitFolder => "not a digit folder (digit folders are named 0 to 9)",
            Skip::FileBesideDigits => "a file beside the digit folders (put pictures in 0/ … 9/)",
            Skip::DigitNotAFolder => "a file, not a folder of pictures",
            Skip::Subfolder => "a folder inside a digit folder (only the digit folder is read)",
            Skip::NotAPicture => "not a .png or .jpg picture",
            Skip::SeveralDigits => "it holds several digits; teach takes one digit a picture",
        })
    }
}

/// True for names starting with a dot (`.DS_Store`, `.git`): skipped without a word.
fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

/// The entries of `dir`, sorted by name.
fn list(dir: &Path) -> Result<Vec<PathBuf>, FolderError> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| FolderError::Io(dir.to_path_buf(), e))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(|e| FolderError::Io(dir.to_path_buf(), e))?;
    paths.sort();
    Ok(paths)
}

/// True for the names `predict` reads: .png, .jpg, .jpeg, in any case.
fn is_picture_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["png", "jpg", "jpeg"].contains(&e.to_ascii_lowercase().as_str()))
}

/// Reads and prepares DIR/0/ … DIR/9/.
pub fn read(dir: &Path) -> Result<Folder, FolderError> {
    read_with(dir, &mut |_, _| {})
}

/// [`read`], calling `progress(done, total)` after each picture is prepared (`total`: the
/// pictures found, listed before any is prepared, so a big folder shows how far it has got).
pub fn read_with(
    dir: &Path,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Folder, FolderError> {
    // Listing the folder first gives "not found" or "not a directory" for the folder itself.
    let top = list(dir)?;
    let mut out = Folder::default();
    let is_digit = |p: &Path| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.len() == 1 && n.as_bytes()[0].is_ascii_digit())
    };
    // What sits beside the digit folders, first: a user who named a folder `5b` wants to hear.
    for path in top.iter().filter(|p| !is_hidden(p)) {
        let why = match (is_digit(path), path.is_dir()) {
            (true, true) => continue,
            (true, false) => Skip::DigitNotAFolder,
            (false, true) => Skip::NotADigitFolder,
            (false, false) => Skip::FileBesideDigits,
        };
        out.skipped.push(Skipped {
            path: path.clone(),
            why,
        });
    }
    // Every digit folder's pictures, listed before any is prepared.
    let mut folders: Vec<(u8, PathBuf, Vec<PathBuf>)> = Vec::new();
    for digit in 0u8..10 {
        let sub = dir.join(digit.to_string());
        if !sub.is_dir() {
            continue;
        }
        let mut pictures = Vec::new();
        for path in list(&sub)? {
            if is_hidden(&path) {
                continue;
            }
            let why = if path.is_dir() {
                Skip::Subfolder
            } else if !path.is_file() || !is_picture_name(&path) {
                Skip::NotAPicture
            } else {
                pictures.push(path);
                continue;
            };
            out.skipped.push(Skipped { path, why });
        }
        if pictures.is_empty() {
            return Err(FolderError::Empty(sub));
        }
        folders.push((digit, sub, pictures));
    }
    if folders.is_empty() {
        return Err(FolderError::NoDigits(dir.to_path_buf()));
    }
    let total = folders.iter().map(|(_, _, p)| p.len()).sum();
    let mut done = 0;
    for (digit, sub, pictures) in folders {
        let before = out.examples.len();
        for path in pictures {
            let p = prepare_file(&path, Limits::default())
                .map_err(|e| FolderError::Picture(path.clone(), e))?;
            done += 1;
            progress(done, total);
            if count_digits_file(&path, Limits::default()).is_ok_and(|n| n > 1) {
                out.skipped.push(Skipped {
                    path,
                    why: Skip::SeveralDigits,
                });
                continue;
            }
            out.examples.push(Example {
                label: digit,
                pixels: p.pixels,
            });
            out.paths.push(path);
        }
        if out.examples.len() == before {
            return Err(FolderError::Empty(sub));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_counts_every_picture_found_before_any_is_prepared() {
        let taught = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/teach/taught");
        let dir = tempfile::tempdir().unwrap();
        for (digit, files) in [("3", 2), ("7", 3)] {
            std::fs::create_dir_all(dir.path().join(digit)).unwrap();
            for k in 0..files {
                let name = format!("{k:02}.png");
                std::fs::copy(
                    taught.join(digit).join(&name),
                    dir.path().join(digit).join(&name),
                )
                .unwrap();
            }
        }
        std::fs::write(dir.path().join("7/notes.txt"), "not a picture").unwrap();
        let mut seen = Vec::new();
        let folder = read_with(dir.path(), &mut |done, total| seen.push((done, total))).unwrap();
        assert_eq!(seen, (1..=5).map(|k| (k, 5)).collect::<Vec<_>>());
        assert_eq!(folder.examples.len(), 5);
        assert_eq!(folder.skipped.len(), 1);
    }
}

//! Reads pictures to teach from the layout image-folder tools use: DIR/0/ … DIR/9/, each
//! holding pictures of that digit, prepared exactly as `nnzero predict` prepares them.
//!
//! What a user expects from such tools: files that are not pictures by name (a `notes.txt`, a
//! `Thumbs.db`) are skipped and listed; hidden files (`.DS_Store`) are skipped quietly; a file
//! named as a picture that cannot be read is an error, because the user meant it to be taught.
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
    /// Files skipped because their names are not those of pictures.
    pub skipped: Vec<PathBuf>,
    /// Pictures skipped because they hold several digits (a number): one digit a picture.
    pub several: Vec<PathBuf>,
}

/// True for the names `predict` reads: .png, .jpg, .jpeg, in any case.
fn is_picture_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["png", "jpg", "jpeg"].contains(&e.to_ascii_lowercase().as_str()))
}

/// Reads and prepares DIR/0/ … DIR/9/.
pub fn read(dir: &Path) -> Result<Folder, FolderError> {
    // Listing the folder first gives "not found" or "not a directory" for the folder itself.
    std::fs::read_dir(dir).map_err(|e| FolderError::Io(dir.to_path_buf(), e))?;
    let mut out = Folder::default();
    let mut any = false;
    for digit in 0u8..10 {
        let sub = dir.join(digit.to_string());
        if !sub.is_dir() {
            continue;
        }
        any = true;
        let mut files: Vec<PathBuf> = std::fs::read_dir(&sub)
            .map_err(|e| FolderError::Io(sub.clone(), e))?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(|e| FolderError::Io(sub.clone(), e))?;
        files.sort();
        let before = out.examples.len();
        for path in files {
            let hidden = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if hidden {
                continue;
            }
            if !path.is_file() || !is_picture_name(&path) {
                out.skipped.push(path);
                continue;
            }
            let p = prepare_file(&path, Limits::default())
                .map_err(|e| FolderError::Picture(path.clone(), e))?;
            if count_digits_file(&path, Limits::default()).is_ok_and(|n| n > 1) {
                out.several.push(path);
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
    if !any {
        return Err(FolderError::NoDigits(dir.to_path_buf()));
    }
    Ok(out)
}

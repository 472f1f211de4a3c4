//! `--display png:DIR`: the screen as PNG files, one per frame, for a desktop or a README.
//!
//! Frames are numbered `frame-000001.png`, `frame-000002.png`, … in the order drawn, at the
//! same rate a panel would get them (`--fps`); a frame where nothing changed is not written.
//! Mind the disk on a long run: 4 frames a second for an hour is 14,400 files of 2–6 KB.

use std::path::{Path, PathBuf};

use embedded_graphics::pixelcolor::Rgb565;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::Rectangle;
use embedded_graphics::Pixel;

use super::framebuffer::Framebuffer;
use super::target::{Panel, PanelError};

/// A panel that writes each frame to `DIR/frame-NNNNNN.png`.
#[derive(Debug)]
pub struct PngPanel {
    dir: PathBuf,
    frame: Framebuffer,
    written: u64,
    dirty: bool,
}

impl PngPanel {
    /// Creates `dir` if needed; frames will be `size` (black and white if `mono`).
    pub fn open(dir: &Path, size: Size, mono: bool) -> Result<Self, PanelError> {
        std::fs::create_dir_all(dir).map_err(|e| PanelError::Open {
            what: dir.display().to_string(),
            why: e.to_string(),
            hint: "",
        })?;
        Ok(PngPanel {
            dir: dir.to_path_buf(),
            frame: Framebuffer::new(size, mono),
            written: 0,
            dirty: false,
        })
    }

    /// How many frames have been written.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// The frame as drawn so far.
    pub fn frame(&self) -> &Framebuffer {
        &self.frame
    }
}

impl OriginDimensions for PngPanel {
    fn size(&self) -> Size {
        self.frame.size()
    }
}

impl DrawTarget for PngPanel {
    type Color = Rgb565;
    type Error = PanelError;

    fn draw_iter<I>(&mut self, pixels: I) -> Result<(), PanelError>
    where
        I: IntoIterator<Item = Pixel<Rgb565>>,
    {
        self.dirty = true;
        let Ok(()) = self.frame.draw_iter(pixels);
        Ok(())
    }

    fn fill_solid(&mut self, area: &Rectangle, color: Rgb565) -> Result<(), PanelError> {
        self.dirty = true;
        let Ok(()) = self.frame.fill_solid(area, color);
        Ok(())
    }
}

impl Panel for PngPanel {
    fn flush(&mut self) -> Result<(), PanelError> {
        if !self.dirty {
            return Ok(());
        }
        let path = self.dir.join(format!("frame-{:06}.png", self.written + 1));
        self.frame
            .to_image()
            .save(&path)
            .map_err(|e| PanelError::Io(format!("cannot write {}: {e}", path.display())))?;
        self.written += 1;
        self.dirty = false;
        Ok(())
    }
}

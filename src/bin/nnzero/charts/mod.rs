//! Charts and pictures, drawn with plotters and saved as PNG or SVG by the file's extension.
//!
//! Only this module knows about plotters: the commands hand it plain numbers and pixels.
//! - [`line`]: accuracy against epochs, learning rate, hidden nodes (`train --plot`, `sweep`).
//! - [`confusion`]: the confusion matrix and the most confident mistakes (`test --confusion`).
//! - [`tiles`]: 28×28 pictures in a grid: back-queried digits, hidden nodes' input weights.
//!
//! Text is drawn in DejaVu Sans, compiled in from `assets/fonts` (plotters' `ab_glyph` feature
//! draws only with fonts registered from bytes, and spares us fontconfig and freetype). A PNG
//! is drawn into an RGB buffer and encoded by `image`; an SVG into a string. Both are saved with
//! [`nnzero::format::atomic_save::write`]: a failed draw or save leaves no file behind.

pub mod confusion;
pub mod kerned;
pub mod line;
pub mod tiles;

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::CliError;

/// The font family every chart's text uses.
pub const FONT: &str = "sans-serif";

static FONT_BYTES: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans.ttf");

/// Registers the compiled-in font with plotters, once.
fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is ours and parses (a test draws text with it); should it ever fail, the
        // text-drawing calls report it as a drawing error instead of panicking here.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES);
    });
}

/// The kind of file a picture is saved as, chosen by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.png`: a bitmap.
    Png,
    /// `.svg`: vector graphics (pixel pictures become one rectangle per pixel).
    Svg,
}

impl Format {
    /// The format `path`'s extension asks for, if it is one we write.
    pub fn of(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "png" => Some(Format::Png),
            "svg" => Some(Format::Svg),
            _ => None,
        }
    }
}

/// clap's parser for a picture's path: it must end in `.png` or `.svg`.
pub fn picture_path(s: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(s);
    match Format::of(&path) {
        Some(_) => Ok(path),
        None => Err(format!("{s:?} must end in .png or .svg")),
    }
}

/// What drawing on a backend `DB` returns.
pub type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A picture that can be drawn on any plotters backend.
pub trait Figure {
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);
    /// Draws the whole picture on `root`, which is [`size`](Self::size) large and white.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

/// Draws `figure` and saves it to `path` (PNG or SVG by the extension), atomically.
pub fn save(figure: &impl Figure, path: &Path) -> Result<(), CliError> {
    let bytes = render(figure, Format::of(path).unwrap_or(Format::Png))
        .map_err(|why| CliError::Chart(path.to_path_buf(), why.replace('\n', " ")))?;
    nnzero::format::atomic_save::write(path, &bytes)
        .map_err(|e| CliError::Save(path.to_path_buf(), e))
}

/// The most pixels a picture may have: 48 M (a 144 MB buffer), far above any sensible chart,
/// well below what a Pi can hold.
pub const MAX_PIXELS: u64 = 48 << 20;

/// Draws `figure` into the bytes of a PNG or SVG file.
pub fn render(figure: &impl Figure, format: Format) -> Result<Vec<u8>, String> {
    register_font();
    let (w, h) = figure.size();
    if w as u64 * h as u64 > MAX_PIXELS {
        return Err(format!(
            "the picture would be {w}×{h} pixels, more than {} M; make it smaller (e.g. --scale)",
            MAX_PIXELS >> 20
        ));
    }
    match format {
        Format::Png => {
            let mut buf = vec![0u8; w as usize * h as usize * 3];
            {
                let bitmap = BitMapBackend::with_buffer(&mut buf, (w, h));
                let root = kerned::Kerned::new(bitmap, FONT_BYTES).into_drawing_area();
                root.fill(&WHITE).map_err(|e| e.to_string())?;
                figure.draw(&root).map_err(|e| e.to_string())?;
                root.present().map_err(|e| e.to_string())?;
            }
            encode_png(&buf, w, h)
        }
        Format::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
                root.fill(&WHITE).map_err(|e| e.to_string())?;
                figure.draw(&root).map_err(|e| e.to_string())?;
                root.present().map_err(|e| e.to_string())?;
            }
            Ok(svg.into_bytes())
        }
    }
}

/// Encodes packed RGB pixels as a PNG file's bytes.
fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, String> {
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    use image::ImageEncoder;
    let mut png = Vec::new();
    // `image` compresses fast by default; charts are small, and half the bytes is worth a few
    // milliseconds (the README's pictures live in the repository).
    PngEncoder::new_with_quality(&mut png, CompressionType::Best, FilterType::Adaptive)
        .write_image(rgb, w, h, image::ExtendedColorType::Rgb8)
        .map_err(|e| e.to_string())?;
    Ok(png)
}

/// A text style: the chart font at `size` px, anchored at `h`/`v` of the text's box.
pub fn text_style(size: f64, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font()).pos(Pos::new(h, v))
}

/// Writes `text` at `at` (pixels), anchored by `style`.
pub fn label<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    at: (i32, i32),
    style: &TextStyle<'_>,
) -> DrawResult<DB> {
    root.draw(&Text::new(text.to_string(), at, style.clone()))
}

/// A number as short as it can be written: `0.1`, `200`, `0.05`, `1e-4`.
pub fn short_number(x: f64) -> String {
    if x == x.trunc() && x.abs() < 1e9 {
        return format!("{}", x as i64);
    }
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "0" || s == "-0" {
        format!("{x:e}")
    } else {
        s.to_string()
    }
}

/// The ten colours of matplotlib's `tab10`, for series that need telling apart.
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// `a` moved a fraction `t` (0..1) of the way to `b`.
pub fn mix(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let m = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * t).round() as u8;
    RGBColor(m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_the_extension() {
        assert_eq!(Format::of(Path::new("a/b.PNG")), Some(Format::Png));
        assert_eq!(Format::of(Path::new("c.svg")), Some(Format::Svg));
        assert_eq!(Format::of(Path::new("c.jpg")), None);
        assert_eq!(Format::of(Path::new("png")), None);
        assert!(picture_path("x.gif").is_err());
    }

    #[test]
    fn numbers_are_written_short() {
        assert_eq!(short_number(200.0), "200");
        assert_eq!(short_number(0.1), "0.1");
        assert_eq!(short_number(0.05), "0.05");
        assert_eq!(short_number(0.00001), "1e-5");
    }

    #[test]
    fn mixing_goes_from_one_colour_to_the_other() {
        let (a, b) = (RGBColor(0, 100, 200), RGBColor(200, 100, 0));
        assert_eq!(mix(a, b, 0.0), a);
        assert_eq!(mix(a, b, 1.0), b);
        assert_eq!(mix(a, b, 0.5), RGBColor(100, 100, 100));
    }
}

//! `training-digits typefaces`: the digits of typefaces in neither half of the handwriting test
//! set (`tools/handwriting-set`), as the 28×28 training digits `nnzero train --augment` mixes
//! into MNIST (`data/typefaces.blob.gz`).
//!
//! Each digit is drawn with three pens (thinner, as designed, bolder) and prepared exactly as
//! `nnzero predict` prepares a picture (`nnzero::prepare::prepare_gray`), so the network
//! learns them the way it will see a picture of them. MNIST's 250 writers are American; these
//! add handwriting and print of other shapes (open 4s, flagged 1s, serifed 2s, Korean, Thai
//! and Japanese pens). None of them is in the test set: [`generate`] refuses one that is.

use std::path::{Path, PathBuf};

use ab_glyph::{Font, FontVec};
use nnzero::prepare::{prepare_gray, Gray};

use handwriting_set::fonts::{glyph_mask, REPORT_FONTS, TUNE_FONTS};
use handwriting_set::{render, MASK};

use crate::training_digits;

/// The typefaces, from Debian's packages (data/README.md lists each package's licence).
/// Chosen before any scoring, for looking like something a person might write or print by
/// hand; fonts without digits of their own and ornamental ones were left out.
pub const TYPEFACES: &[&str] = &[
    "/usr/share/fonts/truetype/nanum/NanumPen.ttf",
    "/usr/share/fonts/truetype/nanum/NanumBrush.ttf",
    "/usr/share/fonts/truetype/nanum/NanumBarunpenR.ttf",
    "/usr/share/fonts/truetype/nanum/NanumBarunpenB.ttf",
    "/usr/share/fonts/truetype/tlwg/Purisa.ttf",
    "/usr/share/fonts/truetype/tlwg/Purisa-Bold.ttf",
    "/usr/share/fonts/truetype/tlwg/Purisa-Oblique.ttf",
    "/usr/share/fonts/truetype/tomsontalks/TomsonTalks.ttf",
    "/usr/share/fonts/truetype/isabella/Isabella.ttf",
    "/usr/share/fonts/opentype/havana/Havana-Regular.otf",
    "/usr/share/fonts/truetype/dustin/Domestic_Manners.ttf",
    "/usr/share/fonts/truetype/dustin/Dustismo.ttf",
    "/usr/share/fonts/opentype/urw-base35/Z003-MediumItalic.otf",
    "/usr/share/fonts/opentype/opendyslexic/OpenDyslexic-Regular.otf",
    "/usr/share/fonts/truetype/andika/Andika-Regular.ttf",
    "/usr/share/fonts/truetype/comfortaa/Comfortaa-Regular.ttf",
    "/usr/share/fonts/truetype/quicksand/Quicksand-Regular.ttf",
    "/usr/share/fonts/truetype/motoya-l-maruberi/MTLmr3m.ttf",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/opentype/urw-base35/NimbusSans-Regular.otf",
    "/usr/share/fonts/opentype/cantarell/Cantarell-Regular.otf",
    "/usr/share/fonts/opentype/yanone-kaffeesatz/YanoneKaffeesatz-Regular.otf",
    "/usr/share/fonts/opentype/mplus/Mplus1-Regular.otf",
    "/usr/share/fonts/truetype/gnutypewriter/GNUTypewriter.ttf",
];

/// The Debian packages holding [`TYPEFACES`].
pub const PACKAGES: &str = "fonts-nanum-extra fonts-tlwg-purisa-ttf fonts-tomsontalks \
    fonts-isabella fonts-havana fonts-dustin fonts-urw-base35 fonts-opendyslexic \
    fonts-sil-andika fonts-comfortaa fonts-quicksand fonts-motoya-l-maruberi fonts-arphic-ukai \
    fonts-dejavu-core fonts-liberation fonts-cantarell fonts-yanone-kaffeesatz fonts-mplus \
    fonts-gnutypewriter";

/// Pen radii (px on the 128 px mask) each digit is drawn with: thinner, as designed, bolder.
/// A thinner pen that would leave under 60 % of the ink (a hairline face) is skipped.
const RADII: [i32; 3] = [-2, 0, 3];

/// Renders `fonts`' digits and writes them to `out` as a gzipped blob (atomically), and every
/// digit as designed to `sheet`, a PNG with a font per row, if asked.
pub fn generate(fonts: &[PathBuf], out: &Path, sheet: Option<&Path>) -> Result<(), String> {
    let sources: Vec<&Path> = fonts.iter().map(PathBuf::as_path).collect();
    training_digits::check_outputs(&sources, out, sheet)?;
    let mut digits: Vec<(u8, [u8; 784])> = Vec::new();
    let mut shown = Vec::new();
    for path in fonts {
        let name = path.display().to_string();
        let bytes =
            std::fs::read(path).map_err(|e| format!("{name}: {e} (apt-get install {PACKAGES})"))?;
        // By the file's bytes, so a copy or a link of a test font is refused too.
        for test_font in TUNE_FONTS.iter().chain(REPORT_FONTS) {
            if std::fs::read(test_font).is_ok_and(|b| b == bytes) {
                return Err(format!(
                    "{name}: a font of the test set ({test_font}), never trained on"
                ));
            }
        }
        let font = FontVec::try_from_vec(bytes).map_err(|e| format!("{name}: {e}"))?;
        // A face without digits draws its "missing" box (glyph 0) for them.
        if (b'0'..=b'9').any(|c| font.glyph_id(char::from(c)).0 == 0) {
            return Err(format!("{name}: has no digits"));
        }
        for digit in 0..10u8 {
            let glyph =
                glyph_mask(&font, digit).ok_or_else(|| format!("{name}: no glyph for {digit}"))?;
            let ink = |m: &[f32]| m.iter().sum::<f32>();
            for radius in RADII {
                let mask = render::pen(&glyph, MASK, radius);
                if ink(&mask) < 0.6 * ink(&glyph) {
                    continue;
                }
                // Black ink on white paper, as a scan of it would be.
                let paper = mask
                    .iter()
                    .map(|c| (255.0 * (1.0 - c.clamp(0.0, 1.0))).round() as u8)
                    .collect();
                let (pixels, _) = prepare_gray(&Gray::new(MASK, MASK, paper))
                    .map_err(|e| format!("{name}: digit {digit}: {e}"))?;
                digits.push((digit, pixels));
                if radius == 0 {
                    shown.push(pixels);
                }
            }
        }
    }

    training_digits::write_blob(&digits, out)?;
    if let Some(sheet) = sheet {
        training_digits::write_sheet(&shown, sheet)?;
    }
    println!(
        "wrote {} digits of {} typefaces to {}",
        digits.len(),
        fonts.len(),
        out.display()
    );
    Ok(())
}

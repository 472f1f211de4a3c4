//! The handwriting test set's fonts, each half's, and a font's digit drawn as a mask.
//! `training-digits typefaces` reads the lists to refuse a test font.

use ab_glyph::{Font, FontVec, PxScale};

use crate::MASK;

/// Handwriting fonts from Debian's packages (fonts-bwht, fonts-comic-neue, fonts-kaushanscript,
/// fonts-dkg-handwriting, fonts-humor-sans, fonts-kristi, fonts-rufscript, fonts-femkeklaver,
/// fonts-kiloji): the tuning half's.
pub const TUNE_FONTS: &[&str] = &[
    "/usr/share/fonts/opentype/bwht/BecauseWeBuild-Regular.otf",
    "/usr/share/fonts/opentype/bwht/BecauseWeCreate-Regular.otf",
    "/usr/share/fonts/opentype/bwht/BecauseWeMentor-Regular.otf",
    "/usr/share/fonts/opentype/comic-neue/ComicNeue-Regular.otf",
    "/usr/share/fonts/opentype/kaushanscript/KaushanScript-Regular.otf",
    "/usr/share/fonts/truetype/fifthhorseman/dkg.ttf",
    "/usr/share/fonts/truetype/humor-sans/Humor-Sans.ttf",
    "/usr/share/fonts/truetype/kristi/Kristi.ttf",
    "/usr/share/fonts/truetype/rufscript/Rufscript010.ttf",
    "/usr/share/fonts/truetype/femkeklaver/femkeklaver.ttf",
    "/usr/share/fonts/truetype/kiloji/kiloji.ttf",
];

/// The report half's fonts, none of them in the tuning half (fonts-bwht, fonts-dancingscript,
/// fonts-breip, fonts-ecolier-court, fonts-klee, fonts-leckerli-one, fonts-cabinsketch,
/// fonts-seto, fonts-lobster).
pub const REPORT_FONTS: &[&str] = &[
    "/usr/share/fonts/opentype/bwht/BecauseWeConnect-Regular.otf",
    "/usr/share/fonts/opentype/bwht/BecauseWeLearn-Regular.otf",
    "/usr/share/fonts/opentype/bwht/BecauseWeOrganize-Regular.otf",
    "/usr/share/fonts/opentype/dancingscript/DancingScript-Regular.otf",
    "/usr/share/fonts/truetype/breip/Breip.ttf",
    "/usr/share/fonts/truetype/ecolier-court/Ecolier-court.ttf",
    "/usr/share/fonts/truetype/klee/KleeOne-Regular.ttf",
    "/usr/share/fonts/truetype/leckerli-one/LeckerliOne-Regular.ttf",
    "/usr/share/fonts/truetype/cabinsketch/CabinSketch-Regular.ttf",
    "/usr/share/fonts/truetype/seto/setofont.ttf",
    "/usr/share/fonts/opentype/lobster/lobster.otf",
];

/// A font's digit as a coverage mask, its height 80 % of the mask, centred.
pub fn glyph_mask(font: &FontVec, digit: u8) -> Option<Vec<f32>> {
    let id = font.glyph_id(char::from(b'0' + digit));
    let probe = font.outline_glyph(id.with_scale(PxScale::from(100.0)))?;
    let b = probe.px_bounds();
    let fit = 0.8 * MASK as f32 / b.height().max(b.width() * 1.0);
    let glyph = font.outline_glyph(id.with_scale(PxScale::from(100.0 * fit)))?;
    let b = glyph.px_bounds();
    let (ox, oy) = (
        (MASK as f32 - b.width()) / 2.0,
        (MASK as f32 - b.height()) / 2.0,
    );
    let mut mask = vec![0.0; MASK * MASK];
    glyph.draw(|x, y, c| {
        let (px, py) = ((x as f32 + ox) as usize, (y as f32 + oy) as usize);
        if px < MASK && py < MASK {
            mask[py * MASK + px] = c;
        }
    });
    Some(mask)
}

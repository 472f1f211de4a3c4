//! handwriting-set: builds and scores nnzero's test set of "own handwriting".
//!
//! ```text
//! handwriting-set generate --out tests/handwriting      # needs the Debian fonts listed below
//! handwriting-set score --model model.nnz               # accuracy per group, from the manifest
//! handwriting-set score --model model.nnz --book        # the book's preparation, for comparison
//! ```
//! The set looks like real use: digits from 15 handwriting fonts and from pen strokes drawn
//! by programmatic hands, on canvases from 28 to 320 px, off centre, slanted up to ±12°, thin
//! and thick pens, white, grey or tinted paper, uneven light, noise and specks, some light
//! chalk on a dark board, saved as greyscale, RGB, RGBA (transparent, from a paint program)
//! and JPEG. It is generated once and committed; no test needs the fonts. Nothing in it is
//! ever trained on.

mod hands;
mod render;
mod rng;
mod teach_hand;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ab_glyph::{Font, FontVec, PxScale};
use clap::{Parser, Subcommand};
use nnzero::mnist::{argmax, scale_image};
use nnzero::prepare::{prepare_file, Limits};

use crate::render::{Mode, Page};
use crate::rng::Rng;

/// Handwriting fonts from Debian's packages (fonts-bwht, fonts-comic-neue, fonts-dancingscript,
/// fonts-kaushanscript, fonts-breip, fonts-dkg-handwriting, fonts-ecolier-court,
/// fonts-humor-sans, fonts-klee, fonts-kristi, fonts-leckerli-one, fonts-rufscript).
const FONTS: &[&str] = &[
    "/usr/share/fonts/opentype/bwht/BecauseWeBuild-Regular.otf",
    "/usr/share/fonts/opentype/bwht/BecauseWeConnect-Regular.otf",
    "/usr/share/fonts/opentype/bwht/BecauseWeCreate-Regular.otf",
    "/usr/share/fonts/opentype/bwht/BecauseWeLearn-Regular.otf",
    "/usr/share/fonts/opentype/bwht/BecauseWeMentor-Regular.otf",
    "/usr/share/fonts/opentype/bwht/BecauseWeOrganize-Regular.otf",
    "/usr/share/fonts/opentype/comic-neue/ComicNeue-Regular.otf",
    "/usr/share/fonts/opentype/dancingscript/DancingScript-Regular.otf",
    "/usr/share/fonts/opentype/kaushanscript/KaushanScript-Regular.otf",
    "/usr/share/fonts/truetype/breip/Breip.ttf",
    "/usr/share/fonts/truetype/fifthhorseman/dkg.ttf",
    "/usr/share/fonts/truetype/ecolier-court/Ecolier-court.ttf",
    "/usr/share/fonts/truetype/humor-sans/Humor-Sans.ttf",
    "/usr/share/fonts/truetype/klee/KleeOne-Regular.ttf",
    "/usr/share/fonts/truetype/kristi/Kristi.ttf",
    "/usr/share/fonts/truetype/leckerli-one/LeckerliOne-Regular.ttf",
    "/usr/share/fonts/truetype/rufscript/Rufscript010.ttf",
];

/// Side of the masks digits are drawn in before they go on paper.
const MASK: usize = 128;

#[derive(Parser)]
#[command(about = "Build and score nnzero's own-handwriting test set")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Draw the set: pictures and a manifest.csv.
    Generate {
        /// Output folder.
        #[arg(long, default_value = "tests/handwriting")]
        out: PathBuf,
        /// Pictures per digit drawn by programmatic hands (fonts add one per font per digit).
        #[arg(long, default_value_t = 14)]
        strokes: usize,
        /// Seed: the same seed, the same set.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Read the set with a model and print the accuracy per group.
    Score {
        /// Model file.
        #[arg(long)]
        model: PathBuf,
        /// The set's folder.
        #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/handwriting"))]
        dir: PathBuf,
        /// Prepare pictures the book's way (resize to 28×28, invert) instead.
        #[arg(long)]
        book: bool,
    },
    /// Draw the hand `nnzero teach` is tested with (see teach_hand.rs).
    TeachHand {
        /// Output folder.
        #[arg(long, default_value = "tests/teach")]
        out: PathBuf,
        /// Seed: the same seed, the same pictures.
        #[arg(long, default_value_t = 9)]
        seed: u64,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Cmd::Generate { out, strokes, seed } => generate(&out, strokes, seed),
        Cmd::Score { model, dir, book } => {
            score(&model, &dir, book).map(|report| print!("{report}"))
        }
        Cmd::TeachHand { out, seed } => teach_hand::generate(&out, seed),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("handwriting-set: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// One picture to draw.
struct Item {
    digit: u8,
    hand: String,
    mask: Vec<f32>,
    /// Pen width relative to the digit's height.
    pen: f32,
}

fn generate(out: &Path, strokes_per_digit: usize, seed: u64) -> Result<(), String> {
    let mut rng = Rng::new(seed);
    let mut items = Vec::new();
    for path in FONTS {
        let bytes =
            std::fs::read(path).map_err(|e| format!("{path}: {e} (install the font packages)"))?;
        let font = FontVec::try_from_vec(bytes).map_err(|e| format!("{path}: {e}"))?;
        let name = Path::new(path)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("font")
            .to_string();
        for digit in 0..10u8 {
            let glyph =
                glyph_mask(&font, digit).ok_or_else(|| format!("{path}: no glyph for {digit}"))?;
            // Thinner or thicker pens: erode or dilate the glyph; a hairline font is not
            // eroded away (it keeps at least 60% of its ink).
            let mut radius = *rng.pick(&[-2, -1, 0, 0, 1, 2, 3]);
            let mut mask = render::pen(&glyph, MASK, radius);
            let ink = |m: &[f32]| m.iter().sum::<f32>();
            while radius < 0 && ink(&mask) < 0.6 * ink(&glyph) {
                radius += 1;
                mask = render::pen(&glyph, MASK, radius);
            }
            items.push(Item {
                digit,
                hand: name.clone(),
                pen: 0.08 + 0.015 * radius as f32,
                mask,
            });
        }
    }
    for k in 0..strokes_per_digit {
        let hand = hands::Hand::random(&mut rng);
        for digit in 0..10u8 {
            let strokes = hand.digit(digit, &mut rng);
            let pen = rng.range(0.035, 0.17);
            let mask = hands::rasterise(&strokes, MASK, pen * MASK as f32 * 0.8);
            items.push(Item {
                digit,
                hand: format!("strokes{k:02}"),
                mask,
                pen,
            });
        }
    }

    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut manifest = String::from("file,digit,hand,width,height,polarity,mode,slant,stroke\n");
    for (n, item) in items.iter().enumerate() {
        let page = random_page(&mut rng);
        let img = render::compose(&item.mask, MASK, &page, &mut rng);
        let ext = if page.mode == Mode::Jpeg {
            "jpg"
        } else {
            "png"
        };
        let file = format!("{n:04}_{}.{ext}", item.digit);
        let path = out.join(&file);
        save(&img, &path, page.mode, &mut rng)?;
        let polarity = if page.paper[0] < page.ink[0] {
            "light-on-dark"
        } else {
            "dark-on-light"
        };
        let stroke = match item.pen {
            p if p < 0.07 => "thin",
            p if p > 0.12 => "thick",
            _ => "regular",
        };
        let slant = page.shear.atan().to_degrees();
        let _ = writeln!(
            manifest,
            "{file},{},{},{},{},{polarity},{},{slant:.1},{stroke}",
            item.digit,
            item.hand,
            page.size.0,
            page.size.1,
            page.mode.name()
        );
    }
    std::fs::write(out.join("manifest.csv"), manifest).map_err(|e| e.to_string())?;
    println!("wrote {} pictures to {}", items.len(), out.display());
    Ok(())
}

/// A font's digit as a coverage mask, its height 80 % of the mask, centred.
fn glyph_mask(font: &FontVec, digit: u8) -> Option<Vec<f32>> {
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

/// Paper, ink, light and framing for one picture, drawn at random.
fn random_page(rng: &mut Rng) -> Page {
    let side = *rng.pick(&[28u32, 40, 56, 64, 96, 128, 160, 200, 256, 320]);
    let aspect = rng.range(0.8, 1.25);
    let size = (side, ((side as f32 * aspect).round() as u32).max(28));
    let digit_height = size.1.min(size.0) as f32 * rng.range(0.4, 0.8);
    // Off centre, but on the page.
    let room = |len: u32| (len as f32 - digit_height).max(0.0) * 0.4;
    let centre = (
        size.0 as f32 / 2.0 + rng.range(-room(size.0), room(size.0)),
        size.1 as f32 / 2.0 + rng.range(-room(size.1), room(size.1)),
    );
    let mode = *rng.pick(&[
        Mode::Grey,
        Mode::Grey,
        Mode::Rgb,
        Mode::Rgb,
        Mode::Rgba,
        Mode::Jpeg,
        Mode::Jpeg,
    ]);
    let dark_board = mode != Mode::Rgba && rng.chance(0.2);
    let (paper, ink) = if dark_board {
        let board = *rng.pick(&[
            [30.0, 32.0, 35.0],
            [25.0, 60.0, 40.0],
            [10.0, 10.0, 10.0],
            [40.0, 40.0, 70.0],
        ]);
        let chalk = *rng.pick(&[
            [240.0, 240.0, 235.0],
            [250.0, 240.0, 150.0],
            [200.0, 200.0, 200.0],
        ]);
        (board, chalk)
    } else {
        let paper = *rng.pick(&[
            [250.0, 250.0, 250.0],
            [235.0, 235.0, 230.0],
            [200.0, 200.0, 200.0],
            [170.0, 170.0, 165.0],
            [250.0, 240.0, 200.0],
            [220.0, 235.0, 250.0],
            [250.0, 222.0, 228.0],
        ]);
        let ink = *rng.pick(&[
            [15.0, 15.0, 20.0],
            [30.0, 40.0, 140.0],
            [90.0, 90.0, 95.0],
            [140.0, 25.0, 25.0],
            [40.0, 40.0, 40.0],
        ]);
        (paper, ink)
    };
    let photo = mode == Mode::Jpeg || rng.chance(0.4);
    Page {
        size,
        digit_height,
        centre,
        rotate: rng.range(-6.0, 6.0),
        shear: rng.range(-12.0f32, 12.0).to_radians().tan(),
        paper,
        ink,
        light: if photo { rng.range(0.1, 0.45) } else { 0.0 },
        light_angle: rng.range(0.0, std::f32::consts::TAU),
        noise: if photo { rng.range(2.0, 10.0) } else { 0.0 },
        specks: if photo {
            rng.range(0.0, 6.0) as usize
        } else {
            0
        },
        mode,
    }
}

fn save(img: &image::DynamicImage, path: &Path, mode: Mode, rng: &mut Rng) -> Result<(), String> {
    let err = |e: image::ImageError| format!("{}: {e}", path.display());
    if mode == Mode::Jpeg {
        let file = std::fs::File::create(path).map_err(|e| e.to_string())?;
        let quality = rng.range(70.0, 92.0) as u8;
        let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(
            std::io::BufWriter::new(file),
            quality,
        );
        enc.encode_image(img).map_err(err)
    } else {
        img.save(path).map_err(err)
    }
}

/// One row of the manifest.
struct Entry {
    file: String,
    digit: u8,
    groups: Vec<(&'static str, String)>,
}

fn read_manifest(dir: &Path) -> Result<Vec<Entry>, String> {
    let path = dir.join("manifest.csv");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut entries = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != 9 {
            return Err(format!(
                "{}: line {}: expected 9 fields",
                path.display(),
                n + 1
            ));
        }
        let digit = f[1]
            .parse()
            .map_err(|_| format!("line {}: bad digit", n + 1))?;
        let side: u32 = f[3]
            .parse::<u32>()
            .unwrap_or(0)
            .max(f[4].parse().unwrap_or(0));
        let size = match side {
            0..=40 => "28–40 px",
            41..=100 => "56–96 px",
            101..=200 => "128–200 px",
            _ => "256–400 px",
        };
        let hand = if f[2].starts_with("strokes") {
            "pen strokes"
        } else {
            "fonts"
        };
        let slant: f32 = f[7].parse().unwrap_or(0.0);
        let slant = if slant.abs() >= 6.0 {
            "slant 6–12°"
        } else {
            "slant < 6°"
        };
        entries.push(Entry {
            file: f[0].to_string(),
            digit,
            groups: vec![
                ("size", size.to_string()),
                ("polarity", f[5].to_string()),
                ("mode", f[6].to_string()),
                ("hand", hand.to_string()),
                ("slant", slant.to_string()),
                ("stroke", f[8].to_string()),
            ],
        });
    }
    Ok(entries)
}

/// Reads every picture of the set with `model`; returns the report.
pub fn score(model: &Path, dir: &Path, book: bool) -> Result<String, String> {
    let net = nnzero::model::load(model).map_err(|e| format!("{}: {e}", model.display()))?;
    let entries = read_manifest(dir)?;
    let mut tally: std::collections::BTreeMap<(&str, String), (u32, u32)> = Default::default();
    let mut inputs = vec![0.0f32; 784];
    let (mut right, mut total) = (0u32, 0u32);
    let mut wrong = Vec::new();
    for e in &entries {
        let path = dir.join(&e.file);
        let pixels = if book {
            book_preparation(&path)?
        } else {
            prepare_file(&path, Limits::default())
                .map_err(|err| format!("{}: {err}", path.display()))?
                .pixels
                .to_vec()
        };
        scale_image(&pixels, &mut inputs);
        let answer = argmax(&net.query(&inputs));
        let ok = answer == e.digit as usize;
        if !ok {
            wrong.push(format!("{}: {} read as {answer}", e.file, e.digit));
        }
        right += ok as u32;
        total += 1;
        for (group, value) in &e.groups {
            let t = tally.entry((group, value.clone())).or_default();
            t.0 += ok as u32;
            t.1 += 1;
        }
    }
    let mut report = format!(
        "{}: {right}/{total} = {:.1} % ({} preparation)\n",
        dir.display(),
        100.0 * right as f64 / total.max(1) as f64,
        if book {
            "the book's"
        } else {
            "nnzero's MNIST-style"
        }
    );
    for ((group, value), (r, t)) in &tally {
        let _ = writeln!(
            report,
            "  {group:<9} {value:<15} {r:>4}/{t:<4} {:>5.1} %",
            100.0 * *r as f64 / *t as f64
        );
    }
    let _ = writeln!(report, "misread: {}", wrong.join("; "));
    Ok(report)
}

/// The book's preparation: the whole picture resized to 28×28, greyscale, inverted.
fn book_preparation(path: &Path) -> Result<Vec<u8>, String> {
    let img = image::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let small = img
        .resize_exact(28, 28, image::imageops::FilterType::Triangle)
        .to_luma8();
    Ok(small.pixels().map(|p| 255 - p.0[0]).collect())
}

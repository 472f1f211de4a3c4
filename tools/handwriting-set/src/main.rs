//! handwriting-set: builds and scores nnzero's test set of "own handwriting".
//!
//! ```text
//! handwriting-set generate --half tune     # tests/data/handwriting/tune (needs fonts.rs's fonts)
//! handwriting-set generate --half report   # tests/data/handwriting/report
//! handwriting-set score --model model.nnz  # accuracy per group, both halves side by side
//! handwriting-set score --model model.nnz --book     # the book's preparation, for comparison
//! handwriting-set score --model model.nnz --unsure   # the "unsure" trade-off, tuning half
//! handwriting-set score --model model.nnz --dir D    # any folder with a manifest.csv
//! handwriting-set sheet --dir D --out sheet.png      # each picture beside its prepared digit
//! handwriting-set teach-hand               # tests/teach, the hand `nnzero teach` is tested with
//! handwriting-set numbers --half tune      # tests/data/numbers/tune: handwritten numbers
//! handwriting-set numbers --out D --score model.nnz   # read them, whole numbers and digits
//! ```
//! The set looks like real use: digits from 22 handwriting fonts and from pen strokes drawn
//! by programmatic hands, on canvases from 28 px to a 1200 px page, off centre, slanted up to
//! ±12°, white, grey or tinted paper, uneven light, noise and specks, some chalk on a dark
//! board, saved as greyscale, RGB, RGBA (transparent, from a paint program) and JPEG; and
//! scenes that broke the first preparation: a phone photo with the desk around the sheet and a
//! shadow, ruled paper, a pencil, a marker, a thin pen on a large page, a digit 8–16 px tall.
//!
//! It comes in two halves with disjoint fonts and hands, drawn from different seeds: the
//! *tuning* half, on which the preparation and the "unsure" thresholds were tuned, and the
//! *report* half, whose figure is the one that counts. It is generated once and committed; no
//! test needs the fonts. Nothing in it is ever trained on: the training digits are built by
//! another program, `tools/training-digits`, which refuses this set's fonts (the font lists,
//! the glyph masks and the renderer it shares are this crate's library, src/lib.rs).

mod hands;
mod numbers;
mod teach_hand;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ab_glyph::FontVec;
use clap::{Parser, Subcommand};
use nnzero::digits::mnist::argmax;
use nnzero::infer::test_time::{read, Reading};
use nnzero::prepare::{prepare_file, Limits};

use handwriting_set::fonts::{glyph_mask, REPORT_FONTS, TUNE_FONTS};
use handwriting_set::render::{self, Mode, Page};
use handwriting_set::rng::Rng;
use handwriting_set::MASK;

/// The two halves of the set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Half {
    /// Tune on this one.
    Tune,
    /// Report this one.
    Report,
}

impl Half {
    fn name(self) -> &'static str {
        match self {
            Half::Tune => "tune",
            Half::Report => "report",
        }
    }
    fn fonts(self) -> &'static [&'static str] {
        match self {
            Half::Tune => TUNE_FONTS,
            Half::Report => REPORT_FONTS,
        }
    }
    /// Each half its own seed, so its hands and pages are its own.
    fn seed(self) -> u64 {
        match self {
            Half::Tune => 2026,
            Half::Report => 7331,
        }
    }
}

/// What is around the digit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scene {
    /// A page, a scan or a drawing, as in the first set.
    Plain,
    /// A phone photo: the desk around the sheet, a shadow.
    Desk,
    /// Ruled paper.
    Ruled,
    /// A pencil: grey, grainy ink.
    Pencil,
    /// A marker: strokes up to a quarter of the digit's height.
    Marker,
    /// A thin pen on a large page: ink well under 1 % of the picture.
    ThinPage,
    /// A digit 8–16 px tall.
    Tiny,
}

impl Scene {
    fn name(self) -> &'static str {
        match self {
            Scene::Plain => "plain",
            Scene::Desk => "desk photo",
            Scene::Ruled => "ruled paper",
            Scene::Pencil => "pencil",
            Scene::Marker => "marker",
            Scene::ThinPage => "thin pen big page",
            Scene::Tiny => "tiny digit",
        }
    }
    fn random(rng: &mut Rng) -> Scene {
        *rng.pick(&[
            Scene::Plain,
            Scene::Plain,
            Scene::Plain,
            Scene::Plain,
            Scene::Desk,
            Scene::Ruled,
            Scene::Pencil,
            Scene::Marker,
            Scene::ThinPage,
            Scene::Tiny,
        ])
    }
}

#[derive(Parser)]
#[command(about = "Build and score nnzero's own-handwriting test set")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Draw one half of the set: pictures and a manifest.csv.
    Generate {
        /// Which half (its fonts, its seed).
        #[arg(long, value_enum)]
        half: Half,
        /// Output folder [default: tests/data/handwriting/<half>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Pictures per digit drawn by programmatic hands (fonts add one per font per digit).
        #[arg(long, default_value_t = 12)]
        strokes: usize,
        /// Seed [default: the half's own].
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Draw a contact sheet: each picture beside the 28×28 digit the preparation made of it.
    Sheet {
        /// A folder with a manifest.csv.
        #[arg(long)]
        dir: PathBuf,
        /// Only pictures whose manifest row contains this text (a scene, a mode…).
        #[arg(long, default_value = "")]
        only: String,
        /// At most this many pictures (1 to 1,000: a sheet of more is too big to look at, and
        /// its canvas would be gigabytes).
        #[arg(long, default_value_t = 20,
              value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1000))]
        count: usize,
        /// The PNG to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Read the set with a model and print the accuracy per group, both halves side by side.
    Score {
        /// Model file.
        #[arg(long)]
        model: PathBuf,
        /// The set's folder, holding tune/ and report/.
        #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/handwriting"))]
        set: PathBuf,
        /// Score one folder with a manifest.csv instead (a set made by someone else).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Prepare pictures the book's way (resize to 28×28, invert) instead.
        #[arg(long)]
        book: bool,
        /// Print how many misreads and right reads the "unsure" rule marks, for a grid of
        /// thresholds, on the tuning half (where they are chosen).
        #[arg(long)]
        unsure: bool,
        /// Stand each prepared digit upright by its moments (`nnzero::digits::deskew`) before reading
        /// it, even if the model does not record that it was trained so (one saved by
        /// examples/augment_holdout.rs deskew=1). A model that records it (`nnzero train
        /// --augment`) is read deskewed without this.
        #[arg(long)]
        deskew: bool,
        /// Read each digit once, as the book does, instead of as `nnzero predict` does (twice,
        /// as it is and with thinner strokes, the outputs averaged: `nnzero::infer::test_time`).
        #[arg(long)]
        single_read: bool,
    },
    /// Draw one half of the handwritten numbers (see numbers.rs), or score a folder of them.
    Numbers {
        /// Which half (its hands, its fonts, its seed).
        #[arg(long, value_enum, default_value = "tune")]
        half: Half,
        /// Output folder [default: tests/data/numbers/<half>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// How many numbers (1 to 10,000).
        #[arg(long, default_value_t = 120,
              value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=10_000))]
        count: usize,
        /// Score the numbers in --out with this model instead of drawing them.
        #[arg(long, value_name = "MODEL")]
        score: Option<PathBuf>,
        /// Seed of the drawing [default: the half's own seed + 23 for the tuning half, + 26
        /// for the report half: the report halves drawn with + 23, + 24 and + 25 were read
        /// before the method changed, so a fresh one was drawn each time
        /// (docs/lab/2026-12-05-numbers.md, docs/lab/2026-12-05-touching-digits.md,
        /// docs/lab/2026-12-06-numbers-on-a-desk-and-in-pencil.md)].
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Draw the hand `nnzero teach` is tested with (see teach_hand.rs).
    TeachHand {
        /// Output folder.
        #[arg(long, default_value = "tests/data/teach")]
        out: PathBuf,
        /// Seed: the same seed, the same pictures.
        #[arg(long, default_value_t = 9)]
        seed: u64,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Cmd::Generate {
            half,
            out,
            strokes,
            seed,
        } => {
            let out = out.unwrap_or_else(|| Path::new("tests/data/handwriting").join(half.name()));
            generate(&out, half, strokes, seed.unwrap_or(half.seed()))
        }
        Cmd::Sheet {
            dir,
            only,
            count,
            out,
        } => sheet(&dir, &only, count, &out),
        Cmd::Score {
            model,
            set,
            dir,
            book,
            unsure,
            deskew,
            single_read,
        } => {
            let reading = if single_read {
                Reading::Single
            } else {
                Reading::Twice
            };
            let result = if unsure {
                unsure_table(&model, &set.join("tune"), deskew, reading)
            } else if let Some(dir) = dir {
                score(
                    &model,
                    &[(dir.display().to_string(), dir.clone())],
                    book,
                    deskew,
                    reading,
                )
            } else {
                score(
                    &model,
                    &[
                        ("tune".to_string(), set.join("tune")),
                        ("report".to_string(), set.join("report")),
                    ],
                    book,
                    deskew,
                    reading,
                )
            };
            result.map(|report| print!("{report}"))
        }
        Cmd::TeachHand { out, seed } => teach_hand::generate(&out, seed),
        Cmd::Numbers {
            half,
            out,
            count,
            score,
            seed,
        } => {
            let out = out.unwrap_or_else(|| Path::new("tests/data/numbers").join(half.name()));
            let seed = seed.unwrap_or(match half {
                Half::Tune => half.seed() + 23,
                Half::Report => half.seed() + 26,
            });
            match score {
                Some(model) => numbers::score(&model, &out),
                None => numbers::generate(&out, half, count, seed),
            }
        }
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
    scene: Scene,
}

fn generate(out: &Path, half: Half, strokes_per_digit: usize, seed: u64) -> Result<(), String> {
    let mut rng = Rng::new(seed);
    let mut items = Vec::new();
    for path in half.fonts() {
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
            let scene = Scene::random(&mut rng);
            // Thinner or thicker pens: erode or dilate the glyph; a hairline font is not
            // eroded away (it keeps at least 60% of its ink). A marker is much thicker.
            let mut radius = match scene {
                Scene::Marker => *rng.pick(&[4, 5, 6, 7]),
                Scene::ThinPage | Scene::Pencil => *rng.pick(&[-2, -1, 0]),
                _ => *rng.pick(&[-2, -1, 0, 0, 1, 2, 3]),
            };
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
                scene,
            });
        }
    }
    for k in 0..strokes_per_digit {
        let hand = hands::Hand::random(&mut rng);
        for digit in 0..10u8 {
            let strokes = hand.digit(digit, &mut rng);
            let scene = Scene::random(&mut rng);
            let pen = match scene {
                Scene::Marker => rng.range(0.18, 0.26),
                Scene::ThinPage | Scene::Pencil => rng.range(0.02, 0.06),
                _ => rng.range(0.035, 0.17),
            };
            let mask = hands::rasterise(&strokes, MASK, pen * MASK as f32 * 0.8);
            items.push(Item {
                digit,
                hand: format!("{}-strokes{k:02}", half.name()),
                mask,
                pen,
                scene,
            });
        }
    }

    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut manifest =
        String::from("file,digit,hand,width,height,polarity,mode,slant,stroke,scene\n");
    for (n, item) in items.iter().enumerate() {
        let page = random_page(&mut rng, item.scene);
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
            "{file},{},{},{},{},{polarity},{},{slant:.1},{stroke},{}",
            item.digit,
            item.hand,
            page.size.0,
            page.size.1,
            page.mode.name(),
            item.scene.name()
        );
    }
    std::fs::write(out.join("manifest.csv"), manifest).map_err(|e| e.to_string())?;
    println!("wrote {} pictures to {}", items.len(), out.display());
    Ok(())
}

/// Paper, ink, light and framing for one picture in `scene`, drawn at random.
fn random_page(rng: &mut Rng, scene: Scene) -> Page {
    let (size, digit_frac) = match scene {
        Scene::Desk => {
            let side = rng.range(480.0, 800.0);
            (aspect_size(rng, side), rng.range(0.2, 0.4))
        }
        Scene::ThinPage => {
            let side = rng.range(900.0, 1200.0);
            ((side as u32, (side * 0.75) as u32), rng.range(0.15, 0.35))
        }
        Scene::Tiny => {
            let side = *rng.pick(&[28.0, 32.0, 40.0, 48.0, 64.0]);
            let size = aspect_size(rng, side);
            let h = rng.range(8.0, 16.0);
            (size, h / size.0.min(size.1) as f32)
        }
        Scene::Ruled => {
            let side = rng.range(160.0, 400.0);
            (aspect_size(rng, side), rng.range(0.35, 0.6))
        }
        _ => {
            let side = *rng.pick(&[
                28.0, 40.0, 56.0, 64.0, 96.0, 128.0, 160.0, 200.0, 256.0, 320.0,
            ]);
            (aspect_size(rng, side), rng.range(0.4, 0.8))
        }
    };
    let short = size.1.min(size.0) as f32;
    let digit_height = short * digit_frac;
    // Off centre, but on the page (on the sheet, for a desk photo).
    let room = |len: u32| (len as f32 - digit_height).max(0.0) * 0.4;
    let mut centre = (
        size.0 as f32 / 2.0 + rng.range(-room(size.0), room(size.0)),
        size.1 as f32 / 2.0 + rng.range(-room(size.1), room(size.1)),
    );
    let mode = match scene {
        Scene::Desk => Mode::Jpeg,
        Scene::ThinPage => *rng.pick(&[Mode::Grey, Mode::Jpeg]),
        Scene::Ruled | Scene::Pencil => *rng.pick(&[Mode::Grey, Mode::Rgb, Mode::Jpeg]),
        _ => *rng.pick(&[
            Mode::Grey,
            Mode::Grey,
            Mode::Rgb,
            Mode::Rgb,
            Mode::Rgba,
            Mode::Jpeg,
            Mode::Jpeg,
        ]),
    };
    let dark_board = scene == Scene::Plain && mode != Mode::Rgba && rng.chance(0.2);
    let (paper, mut ink) = if dark_board {
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
    let mut grain = 0.0;
    if scene == Scene::Pencil {
        let g = rng.range(90.0, 150.0);
        ink = [g, g, g + 5.0];
        grain = rng.range(0.2, 0.5);
    }
    let mut desk = None;
    if scene == Scene::Desk {
        let colour = *rng.pick(&[
            [90.0, 65.0, 45.0],
            [120.0, 120.0, 125.0],
            [190.0, 160.0, 120.0],
            [30.0, 30.0, 32.0],
            [60.0, 80.0, 70.0],
        ]);
        let half = (
            size.0 as f32 * rng.range(0.3, 0.42),
            size.1 as f32 * rng.range(0.3, 0.42),
        );
        let sheet = (
            size.0 as f32 / 2.0 + rng.range(-0.12, 0.12) * size.0 as f32,
            size.1 as f32 / 2.0 + rng.range(-0.12, 0.12) * size.1 as f32,
        );
        // The digit on the sheet, clear of its edges.
        let slack = |h: f32| (h - digit_height * 0.7).max(0.0) * 0.6;
        centre = (
            sheet.0 + rng.range(-slack(half.0), slack(half.0)),
            sheet.1 + rng.range(-slack(half.1), slack(half.1)),
        );
        desk = Some(render::Desk {
            colour,
            centre: sheet,
            half,
            angle: rng.range(-8.0, 8.0),
            shadow: rng.range(0.0, 0.35),
        });
    }
    let ruled = (scene == Scene::Ruled).then(|| render::Ruled {
        spacing: digit_height * rng.range(0.5, 1.1),
        offset: rng.range(0.0, 40.0),
        width: rng.range(1.0, 2.5),
        colour: *rng.pick(&[
            [150.0, 180.0, 230.0],
            [170.0, 170.0, 170.0],
            [120.0, 150.0, 210.0],
        ]),
        tilt: rng.range(-2.0, 2.0),
    });
    let photo = mode == Mode::Jpeg || (scene == Scene::Plain && rng.chance(0.4));
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
        // Noise costs bytes in the committed set: strong only in small JPEGs.
        noise: match (photo, mode, scene) {
            (false, _, _) => 0.0,
            (true, Mode::Jpeg, Scene::Desk | Scene::ThinPage) => rng.range(1.5, 3.5),
            (true, Mode::Jpeg, _) => rng.range(2.0, 7.0),
            _ => rng.range(1.0, 3.0),
        },
        specks: if photo {
            rng.range(0.0, 6.0) as usize
        } else {
            0
        },
        mode,
        desk,
        ruled,
        grain,
    }
}

/// A canvas whose width is `side` and whose height is 0.8–1.25 times it (at least 28 px).
fn aspect_size(rng: &mut Rng, side: f32) -> (u32, u32) {
    let aspect = rng.range(0.8, 1.25);
    (side as u32, ((side * aspect).round() as u32).max(28))
}

fn save(img: &image::DynamicImage, path: &Path, mode: Mode, rng: &mut Rng) -> Result<(), String> {
    let err = |e: image::ImageError| format!("{}: {e}", path.display());
    if mode == Mode::Jpeg {
        let file = std::fs::File::create(path).map_err(|e| e.to_string())?;
        let quality = rng.range(60.0, 88.0) as u8;
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
        if f.len() < 9 {
            return Err(format!(
                "{}: line {}: expected at least 9 fields",
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
            201..=400 => "256–400 px",
            _ => "480–1200 px",
        };
        let hand = if f[2].contains("strokes") {
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
        let mut groups = vec![
            ("size", size.to_string()),
            ("polarity", f[5].to_string()),
            ("mode", f[6].to_string()),
            ("hand", hand.to_string()),
            ("slant", slant.to_string()),
            ("stroke", f[8].to_string()),
        ];
        if let Some(scene) = f.get(9) {
            groups.push(("scene", scene.to_string()));
        }
        entries.push(Entry {
            file: f[0].to_string(),
            digit,
            groups,
        });
    }
    Ok(entries)
}

/// Right and total per (group, value), overall, and the misreads, for one folder.
struct Tally {
    groups: BTreeMap<(&'static str, String), (u32, u32)>,
    right: u32,
    total: u32,
    wrong: Vec<String>,
}

/// Each picture's digit and the network's ten outputs for it.
type Reads = Vec<(u8, Vec<f32>)>;

/// Reads every picture of the folder `dir` with `net`; the outputs for each picture too.
fn read_set(
    net: &nnzero::Network,
    dir: &Path,
    book: bool,
    reading: Reading,
) -> Result<(Tally, Reads), String> {
    let entries = read_manifest(dir)?;
    let mut t = Tally {
        groups: BTreeMap::new(),
        right: 0,
        total: 0,
        wrong: Vec::new(),
    };
    let mut reads = Vec::new();
    for e in &entries {
        let path = dir.join(&e.file);
        let pixels = if book {
            Ok(book_preparation(&path)?)
        } else {
            prepare_file(&path, Limits::default()).map(|p| p.pixels.to_vec())
        };
        // A picture the preparation refuses counts as a misread (outputs all zero).
        let outputs = match pixels {
            // Deskewed if the model reads so, and read twice unless `reading` says once, as
            // `nnzero predict` does.
            Ok(pixels) => read(net, &pixels, reading),
            Err(err) => {
                t.wrong
                    .push(format!("{}: {} not read ({err})", e.file, e.digit));
                vec![0.0; 10]
            }
        };
        let answer = argmax(&outputs);
        let ok = answer == e.digit as usize && outputs[answer] > 0.0;
        if !ok && outputs[answer] > 0.0 {
            t.wrong
                .push(format!("{}: {} read as {answer}", e.file, e.digit));
        }
        t.right += ok as u32;
        t.total += 1;
        for (group, value) in &e.groups {
            let g = t.groups.entry((group, value.clone())).or_default();
            g.0 += ok as u32;
            g.1 += 1;
        }
        reads.push((e.digit, outputs));
    }
    Ok((t, reads))
}

fn percent(r: u32, t: u32) -> String {
    if t == 0 {
        "–".to_string()
    } else {
        format!("{r:>4}/{t:<4} {:>5.1} %", 100.0 * r as f64 / t as f64)
    }
}

/// Loads `model`, deskewing if it records so or `deskew` says so.
/// A model that reads 28×28 digits (784 inputs, 10 outputs): anything else is an error, not
/// a panic halfway through the set.
fn load(model: &Path, deskew: bool) -> Result<nnzero::Network, String> {
    let mut net =
        nnzero::format::model::load(model).map_err(|e| format!("{}: {e}", model.display()))?;
    if (net.inputs(), net.outputs()) != (784, 10) {
        return Err(format!(
            "{}: a {}-{}-{} model; the set's digits need 784 inputs (28×28) and 10 outputs",
            model.display(),
            net.inputs(),
            net.hidden(),
            net.outputs()
        ));
    }
    if deskew {
        net.set_deskew(true);
    }
    Ok(net)
}

/// Reads every picture of each named folder with `model`; returns the report, one column
/// per folder.
pub fn score(
    model: &Path,
    dirs: &[(String, PathBuf)],
    book: bool,
    deskew: bool,
    reading: Reading,
) -> Result<String, String> {
    let net = load(model, deskew)?;
    let mut tallies = Vec::new();
    for (_, dir) in dirs {
        tallies.push(read_set(&net, dir, book, reading)?.0);
    }
    let mut report = format!(
        "{} preparation{}{}, {}\n{:<28}",
        if book {
            "the book's"
        } else {
            "nnzero's MNIST-style"
        },
        if net.deskews() { ", deskewed" } else { "" },
        match reading {
            Reading::Twice => ", read twice (as it is and thinner)",
            Reading::Single => ", read once",
        },
        model.display(),
        ""
    );
    for (name, _) in dirs {
        let _ = write!(report, " {name:<18}");
    }
    let _ = write!(report, "\n{:<28}", "all");
    for t in &tallies {
        let _ = write!(report, " {:<18}", percent(t.right, t.total));
    }
    report.push('\n');
    let mut keys: Vec<(&str, String)> = tallies
        .iter()
        .flat_map(|t| t.groups.keys().cloned())
        .collect();
    keys.sort();
    keys.dedup();
    for key in &keys {
        let _ = write!(report, "  {:<9} {:<16}", key.0, key.1);
        for t in &tallies {
            let (r, n) = t.groups.get(key).copied().unwrap_or((0, 0));
            let _ = write!(report, " {:<18}", percent(r, n));
        }
        report.push('\n');
    }
    for ((name, _), t) in dirs.iter().zip(&tallies) {
        let _ = writeln!(report, "misread ({name}): {}", t.wrong.join("; "));
    }
    Ok(report)
}

/// The "unsure" rule's trade-off on one folder (the tuning half): for each pair of
/// thresholds, the share of misreads it marks and the share of right reads it marks.
fn unsure_table(
    model: &Path,
    dir: &Path,
    deskew: bool,
    reading: Reading,
) -> Result<String, String> {
    let net = load(model, deskew)?;
    let (t, reads) = read_set(&net, dir, false, reading)?;
    let wrong = (t.total - t.right).max(1);
    let mut report = format!(
        "{}: {} misread of {}; unsure marks (misreads marked, right reads marked)\n",
        dir.display(),
        t.total - t.right,
        t.total
    );
    let _ = write!(report, "{:>10}", "low\\close");
    let closes = [0.0f32, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5];
    for c in closes {
        let _ = write!(report, " {c:>13.2}");
    }
    report.push('\n');
    for low in [0.0f32, 0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8] {
        let _ = write!(report, "{low:>10.2}");
        for close in closes {
            let (mut caught, mut bothered) = (0u32, 0u32);
            for (digit, outputs) in &reads {
                let c = nnzero::infer::confidence::judge_with(outputs, low, close);
                let ok = c.best == *digit as usize;
                if c.unsure {
                    if ok {
                        bothered += 1;
                    } else {
                        caught += 1;
                    }
                }
            }
            let _ = write!(
                report,
                " {:>5.0}% {:>5.1}%",
                100.0 * caught as f64 / wrong as f64,
                100.0 * bothered as f64 / t.right.max(1) as f64
            );
        }
        report.push('\n');
    }
    let _ = writeln!(
        report,
        "in use: low {} close {}",
        nnzero::infer::confidence::LOW,
        nnzero::infer::confidence::CLOSE
    );
    Ok(report)
}

/// Each picture (fitted in 112×112) beside its prepared digit (28×28 drawn 4×), four pairs
/// a row, the picture's number written by neither: the order is the manifest's.
fn sheet(dir: &Path, only: &str, count: usize, out: &Path) -> Result<(), String> {
    let path = dir.join("manifest.csv");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let files: Vec<String> = text
        .lines()
        .skip(1)
        .filter(|l| l.contains(only))
        .take(count)
        .map(|l| l.split(',').next().unwrap_or("").to_string())
        .collect();
    const CELL: u32 = 112;
    let cols = 4u32;
    let rows = (files.len() as u32).div_ceil(cols).max(1);
    let mut canvas = image::RgbImage::from_pixel(
        cols * (2 * CELL + 8),
        rows * (CELL + 8),
        image::Rgb([255, 0, 255]),
    );
    for (k, file) in files.iter().enumerate() {
        let (cx, cy) = (
            (k as u32 % cols) * (2 * CELL + 8),
            (k as u32 / cols) * (CELL + 8),
        );
        let p = dir.join(file);
        let img = image::open(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        let small = img
            .resize(CELL, CELL, image::imageops::FilterType::Triangle)
            .to_rgb8();
        image::imageops::replace(&mut canvas, &small, cx as i64, cy as i64);
        let prepared = match prepare_file(&p, Limits::default()) {
            Ok(d) => image::GrayImage::from_raw(28, 28, d.pixels.to_vec()).unwrap_or_default(),
            Err(_) => image::GrayImage::from_pixel(28, 28, image::Luma([128])),
        };
        let big =
            image::imageops::resize(&prepared, CELL, CELL, image::imageops::FilterType::Nearest);
        let big = image::DynamicImage::ImageLuma8(big).to_rgb8();
        image::imageops::replace(&mut canvas, &big, (cx + CELL) as i64, cy as i64);
    }
    canvas
        .save(out)
        .map_err(|e| format!("{}: {e}", out.display()))?;
    println!("{}", files.join(" "));
    Ok(())
}

/// The book's preparation: the whole picture resized to 28×28, greyscale, inverted.
fn book_preparation(path: &Path) -> Result<Vec<u8>, String> {
    let img = image::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let small = img
        .resize_exact(28, 28, image::imageops::FilterType::Triangle)
        .to_luma8();
    Ok(small.pixels().map(|p| 255 - p.0[0]).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_bounded_on_the_command_line() {
        use clap::Parser;
        let sheet = |n: &str| {
            Cli::try_parse_from(["hs", "sheet", "--dir", "d", "--out", "o.png", "--count", n])
        };
        assert!(sheet("1000").is_ok());
        let err = sheet("1000000000").err().unwrap().to_string();
        assert!(err.contains("1..=1000"), "{err}");
        assert!(sheet("0").is_err());
        let numbers = |n: &str| Cli::try_parse_from(["hs", "numbers", "--count", n]);
        assert!(numbers("120").is_ok());
        assert!(numbers("1000000000").is_err());
    }

    #[test]
    fn a_model_of_another_shape_is_one_error_not_a_panic() {
        let dir = std::env::temp_dir().join(format!("handwriting-set-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m50.nnz");
        nnzero::format::model::save(&nnzero::Network::new(50, 10, 10, 0.1, 1), &path).unwrap();
        let set = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data");
        let tune = set.join("handwriting/tune");
        let err = score(
            &path,
            &[("tune".into(), tune)],
            false,
            false,
            Reading::Twice,
        )
        .unwrap_err();
        assert!(err.contains("a 50-10-10 model"), "{err}");
        let err = numbers::score(&path, &set.join("numbers/tune")).unwrap_err();
        assert!(err.contains("a 50-10-10 model"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

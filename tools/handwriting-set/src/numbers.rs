//! Handwritten numbers (2–8 digits on one line) for `nnzero predict`'s number reading: a
//! tuning half and a report half, like the single digits' (tests/data/numbers/{tune,report}).
//!
//! Each number is written by one programmatic hand ([`crate::hands`]), drawn afresh from the
//! half's own seed, so the halves share no hand (and, where the fonts are installed, with the
//! half's own fonts: none of the tuning half's in the report half). The digits are set side by
//! side with the gaps people leave, or touching (the `touching` scene), and put on paper by the
//! single digits' renderer ([`crate::render`]) in one of the scenes: plain, a phone photo (the
//! desk around the sheet, a shadow), ruled paper, a pencil, a marker, touching digits.
//!
//! `handwriting-set numbers --half tune` draws a half; `--score MODEL --dir D` reads one with
//! `nnzero::prepare::read_number_file` and prints whole-number and per-digit accuracy by scene.

use std::fmt::Write as _;
use std::path::Path;

use ab_glyph::FontVec;
use nnzero::digits::mnist::argmax;
use nnzero::infer::test_time::{read, Reading};
use nnzero::prepare::{read_number_file, Limits};

use handwriting_set::fonts::glyph_mask;
use handwriting_set::render::{self, Desk, Mode};
use handwriting_set::rng::Rng;
use handwriting_set::MASK;

use crate::{hands, random_page, save, Half, Scene};

/// The scenes numbers are written in.
const SCENES: &[&str] = &["plain", "photo", "ruled", "pencil", "marker", "touching"];

/// One digit's drawing: its mask and the columns its ink spans.
struct Glyph {
    mask: Vec<f32>,
    x0: usize,
    x1: usize,
}

impl Glyph {
    fn new(mask: Vec<f32>) -> Self {
        let cols: Vec<usize> = (0..MASK)
            .filter(|&x| (0..MASK).any(|y| mask[y * MASK + x] > 0.2))
            .collect();
        let (x0, x1) = (
            cols.first().copied().unwrap_or(0),
            cols.last().map_or(MASK, |&x| x + 1),
        );
        Glyph { mask, x0, x1 }
    }
}

/// Draws `count` numbers of `half` into `out` with a manifest.csv.
pub fn generate(out: &Path, half: Half, count: usize, seed: u64) -> Result<(), String> {
    let mut rng = Rng::new(seed);
    // The half's fonts that are installed; the hands need none.
    let fonts: Vec<(String, FontVec)> = half
        .fonts()
        .iter()
        .filter_map(|p| {
            let f = FontVec::try_from_vec(std::fs::read(p).ok()?).ok()?;
            let name = Path::new(p).file_stem()?.to_str()?.to_string();
            Some((name, f))
        })
        .collect();
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut manifest = String::from("file,number,digits,hand,width,height,polarity,mode,scene\n");
    for n in 0..count {
        let scene = SCENES[n % SCENES.len()];
        let len = 2 + (n / SCENES.len()) % 7;
        let digits: Vec<u8> = (0..len).map(|_| rng.range(0.0, 9.999) as u8).collect();
        let marker = scene == "marker";
        let thin = scene == "pencil";
        // A writer: a font (when there are fonts, one number in three) or a hand.
        let (hand, glyphs) = if !fonts.is_empty() && n % 3 == 0 {
            let (name, font) = &fonts[(n / 3) % fonts.len()];
            let radius = if marker { 5 } else { *rng.pick(&[-1, 0, 1, 2]) };
            let glyphs = digits
                .iter()
                .map(|&d| {
                    glyph_mask(font, d)
                        .map(|g| Glyph::new(render::pen(&g, MASK, radius)))
                        .ok_or_else(|| format!("{name}: no glyph for {d}"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            (name.clone(), glyphs)
        } else {
            let hand = hands::Hand::random(&mut rng);
            let pen = if marker {
                rng.range(0.16, 0.22)
            } else if thin {
                rng.range(0.03, 0.06)
            } else {
                rng.range(0.05, 0.14)
            };
            let glyphs = digits
                .iter()
                .map(|&d| {
                    let strokes = hand.digit(d, &mut rng);
                    Glyph::new(hands::rasterise(&strokes, MASK, pen * MASK as f32 * 0.8))
                })
                .collect();
            (format!("{}-number{n:03}", half.name()), glyphs)
        };
        // Side by side: gaps of 5–30 % of the height, or touching (overlapping by 0–8 %).
        let height = 0.8 * MASK as f32;
        let mut placed = Vec::new();
        let mut cursor = 0.0f32;
        for (i, g) in glyphs.iter().enumerate() {
            if i > 0 {
                cursor += if scene == "touching" && (i == 1 || rng.chance(0.5)) {
                    -rng.range(0.0, 0.08) * height
                } else {
                    rng.range(0.05, 0.3) * height
                };
            }
            placed.push(cursor - g.x0 as f32);
            cursor += (g.x1 - g.x0) as f32;
        }
        let total = cursor;
        // A square mask holding the row in its middle (the renderer draws square masks).
        let side = (total / 0.8).ceil() as usize + 2;
        let side = side.max(MASK);
        let mut mask = vec![0.0f32; side * side];
        let (ox, oy) = (
            (side as f32 - total) / 2.0,
            (side as f32 - MASK as f32) / 2.0,
        );
        for (g, &at) in glyphs.iter().zip(&placed) {
            for y in 0..MASK {
                for x in 0..MASK {
                    let v = g.mask[y * MASK + x];
                    let (tx, ty) = ((ox + at + x as f32) as usize, (oy as usize + y));
                    if v > 0.0 && tx < side && ty < side {
                        let t = &mut mask[ty * side + tx];
                        *t = t.max(v);
                    }
                }
            }
        }
        // The page: the single digits' colours, light and noise for the scene, then a canvas
        // wide enough for the number.
        let single = match scene {
            "photo" => Scene::Desk,
            "ruled" => Scene::Ruled,
            "pencil" => Scene::Pencil,
            "marker" => Scene::Marker,
            _ => Scene::Plain,
        };
        let mut page = random_page(&mut rng, single);
        if page.mode == Mode::Rgba && scene != "plain" {
            page.mode = Mode::Rgb;
        }
        let digit_h = rng.range(28.0, 90.0);
        let number_w = digit_h * total / height;
        let fill = if scene == "photo" {
            rng.range(0.35, 0.55)
        } else {
            rng.range(0.5, 0.8)
        };
        let w = (number_w / fill).max(digit_h * 2.0).round() as u32;
        let h = (digit_h * rng.range(1.8, 3.5)).max(w as f32 * 0.3).round() as u32;
        page.size = (w, h);
        page.rotate = rng.range(-3.0, 3.0);
        page.digit_height = digit_h * side as f32 / MASK as f32;
        page.centre = (
            w as f32 / 2.0 + rng.range(-0.08, 0.08) * w as f32 * (1.0 - fill),
            h as f32 / 2.0 + rng.range(-0.15, 0.15) * (h as f32 - digit_h),
        );
        if let Some(r) = &mut page.ruled {
            r.spacing = digit_h * rng.range(0.6, 1.2);
        }
        if let Some(d) = &mut page.desk {
            *d = Desk {
                centre: page.centre,
                half: (w as f32 * rng.range(0.36, 0.44), h as f32 * 0.4),
                angle: rng.range(-4.0, 4.0),
                ..d.clone()
            };
        }
        let img = render::compose(&mask, side, &page, &mut rng);
        let ext = if page.mode == Mode::Jpeg {
            "jpg"
        } else {
            "png"
        };
        let number: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
        let file = format!("{n:03}_{number}.{ext}");
        save(&img, &out.join(&file), page.mode, &mut rng)?;
        let polarity = if page.paper[0] < page.ink[0] {
            "light-on-dark"
        } else {
            "dark-on-light"
        };
        let _ = writeln!(
            manifest,
            "{file},{number},{len},{hand},{w},{h},{polarity},{},{scene}",
            page.mode.name()
        );
    }
    std::fs::write(out.join("manifest.csv"), manifest).map_err(|e| e.to_string())?;
    println!("wrote {count} numbers to {}", out.display());
    Ok(())
}

/// Reads every number of `dir` with `model` and prints the accuracy by scene and length.
pub fn score(model: &Path, dir: &Path) -> Result<(), String> {
    let net = crate::load(model, false)?;
    let text = std::fs::read_to_string(dir.join("manifest.csv")).map_err(|e| e.to_string())?;
    let mut by: std::collections::BTreeMap<String, (u32, u32)> = Default::default();
    let (mut right, mut total, mut dr, mut dt, mut r26, mut t26) = (0, 0, 0, 0, 0, 0);
    // A set of numbers, or of single digits (tests/handwriting: `digit` in place of `number`),
    // to see that the number path reads one digit in each of them.
    let header: Vec<&str> = text.lines().next().unwrap_or("").split(',').collect();
    let scene_at = header.iter().position(|&c| c == "scene").unwrap_or(0);
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (file, want, scene) = (f[0], f[1], f[scene_at]);
        let mut reader = |p: &[u8; 784]| read(&net, p, Reading::Twice);
        let mut boxes = String::new();
        let got: String = match read_number_file(&dir.join(file), Limits::default(), &mut reader) {
            Ok(n) => {
                for d in &n.digits {
                    let _ = write!(boxes, " {:?}", d.bbox);
                }
                n.digits
                    .iter()
                    .map(|d| char::from(b'0' + argmax(&d.outputs) as u8))
                    .collect()
            }
            Err(e) => format!("error: {e}"),
        };
        let ok = got == want;
        if !ok {
            println!("{file}: read {got}{boxes}");
        }
        right += ok as u32;
        total += 1;
        if want.len() <= 6 {
            r26 += ok as u32;
            t26 += 1;
        }
        // Per digit: position by position when the count is right, else none of them.
        dt += want.len() as u32;
        if got.len() == want.len() {
            dr += got
                .bytes()
                .zip(want.bytes())
                .filter(|(a, b)| a == b)
                .count() as u32;
        }
        for key in [format!("scene {scene}"), format!("{} digits", want.len())] {
            let e = by.entry(key).or_default();
            e.0 += ok as u32;
            e.1 += 1;
        }
    }
    for (k, (r, t)) in &by {
        println!(
            "{k:<16} {r:>4}/{t:<4} {:5.1} %",
            100.0 * *r as f64 / *t as f64
        );
    }
    let pct = |a: u32, b: u32| 100.0 * a as f64 / b.max(1) as f64;
    println!(
        "numbers: {right}/{total} = {:.1} %; 2-6 digits: {r26}/{t26} = {:.1} %; digits: {dr}/{dt} = {:.1} %",
        pct(right, total),
        pct(r26, t26),
        pct(dr, dt)
    );
    Ok(())
}

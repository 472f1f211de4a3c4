//! The hand `nnzero teach` is tested with: a "digital clock" hand that writes every digit as
//! straight strokes on a box, like the segments of a calculator, with a slashed 0, a 1 with a
//! flag and a base, a 7 with a hook and a bar. People do write like this (on forms with boxes),
//! and a network trained on MNIST reads it badly, which is the point: teaching must fix it.
//!
//! Each picture is the hand's digit with fresh wobble (every corner moves), slant, rotation,
//! width and pen, drawn dark on light grey paper with a little noise, and saved as a greyscale
//! PNG. `handwriting-set teach-hand --out tests/data/teach` writes 25 per digit: the first 5 to
//! `taught/<digit>/`, the other 20 to `held-out/<digit>/`. Self-contained (its own random
//! source and rasteriser), so the rest of the tool can change without changing this set.

use std::path::Path;

use image::GrayImage;
use rand_core::{Rng as _, SeedableRng};
use rand_xorshift::XorShiftRng;

/// Pictures per digit taught, and held out.
pub const TAUGHT: usize = 5;
/// Pictures per digit held out.
pub const HELD_OUT: usize = 20;

/// Canvas side, pixels.
const CANVAS: u32 = 64;

/// The digit's strokes in a unit box (x right, y down, 0..1 both).
fn strokes(digit: u8) -> Vec<Vec<(f32, f32)>> {
    let (l, r, t, m, b) = (0.0, 1.0, 0.0, 0.5, 1.0);
    match digit {
        0 => vec![
            vec![(l, t), (r, t), (r, b), (l, b), (l, t)],
            vec![(0.85, 0.12), (0.15, 0.88)],
        ],
        1 => vec![
            vec![(0.2, 0.25), (0.55, t), (0.55, b)],
            vec![(0.15, b), (0.95, b)],
        ],
        2 => vec![vec![(l, t), (r, t), (r, m), (l, m), (l, b), (r, b)]],
        3 => vec![vec![(l, t), (r, t), (r, b), (l, b)], vec![(0.3, m), (r, m)]],
        4 => vec![vec![(l, t), (l, m), (r, m)], vec![(r, t), (r, b)]],
        5 => vec![vec![(r, t), (l, t), (l, m), (r, m), (r, b), (l, b)]],
        6 => vec![vec![(r, t), (l, t), (l, b), (r, b), (r, m), (l, m)]],
        7 => vec![
            vec![(l, 0.2), (l, t), (r, t), (r, b)],
            vec![(0.55, m), (1.0, m)],
        ],
        8 => vec![
            vec![(l, t), (r, t), (r, b), (l, b), (l, t)],
            vec![(l, m), (r, m)],
        ],
        _ => vec![vec![(r, m), (l, m), (l, t), (r, t), (r, b), (l, b)]],
    }
}

/// Uniform in lo..hi.
fn range(rng: &mut XorShiftRng, lo: f32, hi: f32) -> f32 {
    let u = (rng.next_u32() >> 8) as f32 / (1u32 << 24) as f32;
    lo + (hi - lo) * u
}

/// Distance from `p` to the segment `a`–`b`.
fn distance(p: (f32, f32), a: (f32, f32), b: (f32, f32)) -> f32 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    ((p.0 - a.0 - t * dx).powi(2) + (p.1 - a.1 - t * dy).powi(2)).sqrt()
}

/// One picture of `digit` in the hand, fresh wobble from `rng`.
pub fn picture(digit: u8, rng: &mut XorShiftRng) -> GrayImage {
    let size = CANVAS as f32;
    let height = range(rng, 0.62, 0.78) * size;
    let width = height * range(rng, 0.5, 0.65);
    let slant = range(rng, -0.05, 0.2);
    let (s, c) = range(rng, -5f32, 5.0).to_radians().sin_cos();
    let pen = height * range(rng, 0.07, 0.12);
    let centre = (
        size / 2.0 + range(rng, -3.0, 3.0),
        size / 2.0 + range(rng, -3.0, 3.0),
    );
    let wobble = 0.05;
    let segments: Vec<((f32, f32), (f32, f32))> = strokes(digit)
        .into_iter()
        .flat_map(|stroke| {
            let pts: Vec<(f32, f32)> = stroke
                .into_iter()
                .map(|(x, y)| {
                    let x = x + range(rng, -wobble, wobble);
                    let y = y + range(rng, -wobble, wobble);
                    // Box coordinates to pixels: slant, then turn about the centre.
                    let (u, v) = (
                        (x - 0.5) * width + slant * (0.5 - y) * height,
                        (y - 0.5) * height,
                    );
                    (centre.0 + c * u - s * v, centre.1 + s * u + c * v)
                })
                .collect();
            pts.windows(2).map(|w| (w[0], w[1])).collect::<Vec<_>>()
        })
        .collect();
    let (paper, ink) = (range(rng, 215.0, 245.0), range(rng, 10.0, 60.0));
    GrayImage::from_fn(CANVAS, CANVAS, |x, y| {
        let p = (x as f32 + 0.5, y as f32 + 0.5);
        let d = segments
            .iter()
            .map(|&(a, b)| distance(p, a, b))
            .fold(f32::INFINITY, f32::min);
        let cover = (pen / 2.0 - d + 0.5).clamp(0.0, 1.0);
        let noise = range(rng, -6.0, 6.0);
        image::Luma([(paper + (ink - paper) * cover + noise).clamp(0.0, 255.0) as u8])
    })
}

/// Writes `out/taught/<d>/NN.png` and `out/held-out/<d>/NN.png`.
pub fn generate(out: &Path, seed: u64) -> Result<(), String> {
    let mut rng = XorShiftRng::seed_from_u64(seed);
    for digit in 0..10u8 {
        for n in 0..TAUGHT + HELD_OUT {
            let (part, k) = if n < TAUGHT {
                ("taught", n)
            } else {
                ("held-out", n - TAUGHT)
            };
            let dir = out.join(part).join(digit.to_string());
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let path = dir.join(format!("{k:02}.png"));
            picture(digit, &mut rng)
                .save(&path)
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(())
}

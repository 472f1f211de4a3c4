//! The digit into MNIST's frame: cropped to its ink, the longer side scaled to 20 px with a
//! triangle filter (antialiasing when shrinking, smooth when enlarging a tiny digit), the
//! aspect ratio kept, and placed in 28×28 with its centre of mass at the centre.

use super::BOX;
use crate::digits::mnist::SIDE;

/// The 28×28 digit from ink strengths `ink` (0..1, `w`×`h`); `None` when there is no ink.
pub(super) fn fit(ink: &[f32], w: usize, h: usize) -> Option<[u8; SIDE * SIDE]> {
    let (x0, y0, x1, y1) = bounding_box(ink, w, h)?;
    let (cw, ch) = (x1 - x0, y1 - y0);
    let scale = BOX as f32 / cw.max(ch) as f32;
    let nw = ((cw as f32 * scale).round() as usize).clamp(1, BOX);
    let nh = ((ch as f32 * scale).round() as usize).clamp(1, BOX);
    let crop: Vec<f32> = (y0..y1)
        .flat_map(|y| ink[y * w + x0..y * w + x1].iter().copied())
        .collect();
    let small = resize(&crop, cw, ch, nw, nh);
    Some(centre_by_mass(&small, nw, nh))
}

/// The smallest rectangle (x0, y0, x1, y1), ends exclusive, holding every non-zero pixel.
pub(super) fn bounding_box(v: &[f32], w: usize, h: usize) -> Option<(usize, usize, usize, usize)> {
    let (mut x0, mut y0, mut x1, mut y1) = (w, h, 0, 0);
    for y in 0..h {
        for x in 0..w {
            if v[y * w + x] > 0.0 {
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1));
            }
        }
    }
    (x1 > x0).then_some((x0, y0, x1, y1))
}

/// Separable resampling with a triangle filter whose support widens with the shrink factor,
/// so every source pixel counts (as `image`'s `FilterType::Triangle`).
fn resize(src: &[f32], w: usize, h: usize, nw: usize, nh: usize) -> Vec<f32> {
    let across = weights(w, nw);
    let mut tmp = vec![0.0f32; nw * h];
    for y in 0..h {
        for (x, (start, ws)) in across.iter().enumerate() {
            tmp[y * nw + x] = ws
                .iter()
                .enumerate()
                .map(|(k, &c)| c * src[y * w + start + k])
                .sum();
        }
    }
    let down = weights(h, nh);
    let mut out = vec![0.0f32; nw * nh];
    for (y, (start, ws)) in down.iter().enumerate() {
        for x in 0..nw {
            out[y * nw + x] = ws
                .iter()
                .enumerate()
                .map(|(k, &c)| c * tmp[(start + k) * nw + x])
                .sum();
        }
    }
    out
}

/// For each of `to` outputs, the first source index and the normalised weights from there.
fn weights(from: usize, to: usize) -> Vec<(usize, Vec<f32>)> {
    let ratio = from as f32 / to as f32;
    let support = ratio.max(1.0);
    (0..to)
        .map(|i| {
            let centre = (i as f32 + 0.5) * ratio;
            let lo = ((centre - support).floor().max(0.0)) as usize;
            let hi = ((centre + support).ceil() as usize).min(from);
            let mut ws: Vec<f32> = (lo..hi)
                .map(|j| (1.0 - ((j as f32 + 0.5 - centre) / support).abs()).max(0.0))
                .collect();
            let total: f32 = ws.iter().sum();
            if total > 0.0 {
                ws.iter_mut().for_each(|c| *c /= total);
            }
            (lo, ws)
        })
        .collect()
}

/// Places the `w`×`h` image in a 28×28 field with its centre of mass at the field's centre
/// (to the nearest pixel, as MNIST did), and scales the brightest pixel to 255 (every MNIST
/// digit has full-white ink).
fn centre_by_mass(img: &[f32], w: usize, h: usize) -> [u8; SIDE * SIDE] {
    let (mut mass, mut mx, mut my, mut peak) = (0.0f64, 0.0f64, 0.0f64, 0.0f32);
    for y in 0..h {
        for x in 0..w {
            let m = img[y * w + x].max(0.0);
            mass += m as f64;
            mx += m as f64 * (x as f64 + 0.5);
            my += m as f64 * (y as f64 + 0.5);
            peak = peak.max(m);
        }
    }
    let (cx, cy) = if mass > 0.0 {
        (mx / mass, my / mass)
    } else {
        (w as f64 / 2.0, h as f64 / 2.0)
    };
    let ox = (SIDE as f64 / 2.0 - cx).round() as isize;
    let oy = (SIDE as f64 / 2.0 - cy).round() as isize;
    let mut out = [0u8; SIDE * SIDE];
    for y in 0..h {
        for x in 0..w {
            let (tx, ty) = (x as isize + ox, y as isize + oy);
            if (0..SIDE as isize).contains(&tx) && (0..SIDE as isize).contains(&ty) {
                let v = if peak > 0.0 {
                    img[y * w + x].max(0.0) * 255.0 / peak
                } else {
                    0.0
                };
                out[ty as usize * SIDE + tx as usize] = v.round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    out
}

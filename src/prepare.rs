//! Preparing your own handwriting the way MNIST was made.
//!
//! MNIST's digits were scanned, cropped to their ink, scaled so the longer side is 20 pixels
//! (keeping the aspect ratio, with antialiasing), and placed in a 28×28 field so that their
//! centre of mass sits at its centre; the ink is light on black. The book's preparation of
//! a user's picture — resize the whole picture to 28×28 and invert it — keeps the paper, the
//! margins and the shadows, and the network sees a small grey smudge. This module does what
//! MNIST did, after cleaning up what a photo or a paint program adds:
//!
//! 1. decode PNG or JPEG within memory limits that suit a Pi; composite alpha onto white;
//!    RGB to luminance;
//! 2. find the paper's level from the image's border and invert when the ink is darker than
//!    the paper;
//! 3. even out uneven light (subtract a smooth estimate of the paper, tile by tile), stretch
//!    the contrast so the ink is full white;
//! 4. drop paper noise: faint pixels below a threshold (Otsu's) and specks much smaller than
//!    the digit's strokes;
//! 5. crop to the ink, scale the longer side to 20 px with a triangle filter (antialiasing),
//!    and place the result in 28×28 with its centre of mass at the centre.

use std::fmt;
use std::path::Path;

use image::imageops::FilterType;
use image::{DynamicImage, ImageBuffer, ImageReader, Luma};

use crate::mnist::SIDE;

/// The longest side the digit is scaled to, as in MNIST.
pub const BOX: usize = 20;

/// How large an image may be: a 12-megapixel phone photo fits, a decompression bomb does not.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Widest and tallest image accepted, in pixels.
    pub max_side: u32,
    /// Most memory the decoder may allocate, in bytes.
    pub max_alloc: u64,
}

impl Default for Limits {
    /// 8192 px a side and 256 MiB: a 12 MP RGBA photo is 48 MB, and a Pi Zero 2 has 512 MB.
    fn default() -> Self {
        Limits {
            max_side: 8192,
            max_alloc: 256 << 20,
        }
    }
}

/// Why an image could not be prepared.
#[derive(Debug)]
#[non_exhaustive]
pub enum PrepareError {
    /// The file could not be opened or read.
    Io(std::io::Error),
    /// The bytes are not a PNG or JPEG image this build can decode (or are truncated).
    Decode(String),
    /// The image is larger than the limits allow.
    TooLarge {
        /// Width, pixels.
        width: u32,
        /// Height, pixels.
        height: u32,
        /// The limit on either side.
        limit: u32,
    },
    /// There is no ink: the image is empty or (nearly) one colour.
    NoDigit,
}

impl fmt::Display for PrepareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrepareError::Io(e) => write!(f, "{e}"),
            PrepareError::Decode(e) => write!(f, "not a readable PNG or JPEG image: {e}"),
            PrepareError::TooLarge {
                width,
                height,
                limit,
            } => write!(
                f,
                "image is {width}×{height} pixels, larger than the {limit}×{limit} limit"
            ),
            PrepareError::NoDigit => {
                write!(f, "no digit found: the image is empty or all one colour")
            }
        }
    }
}

impl std::error::Error for PrepareError {}

/// A prepared digit: MNIST-style pixels (0 background, 255 ink) and what was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// 28×28 pixels, row-major, light ink on black.
    pub pixels: [u8; SIDE * SIDE],
    /// True when the picture had dark ink on light paper and was inverted.
    pub inverted: bool,
    /// The picture's size, width × height.
    pub source_size: (u32, u32),
}

/// Decodes and prepares an image file.
pub fn prepare_file(path: &Path, limits: Limits) -> Result<Prepared, PrepareError> {
    let open = || -> Result<ImageReader<_>, PrepareError> {
        ImageReader::open(path)
            .map_err(PrepareError::Io)?
            .with_guessed_format()
            .map_err(PrepareError::Io)
    };
    // The header alone first: a 100000×100000 PNG is refused before anything is allocated.
    let (width, height) = open()?
        .into_dimensions()
        .map_err(|e| decode_error(e, 0, 0, limits))?;
    if width > limits.max_side || height > limits.max_side {
        return Err(PrepareError::TooLarge {
            width,
            height,
            limit: limits.max_side,
        });
    }
    if width == 0 || height == 0 {
        return Err(PrepareError::NoDigit);
    }
    let mut reader = open()?;
    let mut l = image::Limits::default();
    l.max_image_width = Some(limits.max_side);
    l.max_image_height = Some(limits.max_side);
    l.max_alloc = Some(limits.max_alloc);
    reader.limits(l);
    let img = reader
        .decode()
        .map_err(|e| decode_error(e, width, height, limits))?;
    prepare_image(&img)
}

/// Prepares an already decoded image.
pub fn prepare_image(img: &DynamicImage) -> Result<Prepared, PrepareError> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let luma = luminance_on_white(img);
    let (pixels, inverted) = prepare_luma(&luma, w, h)?;
    Ok(Prepared {
        pixels,
        inverted,
        source_size: (w as u32, h as u32),
    })
}

fn decode_error(e: image::ImageError, width: u32, height: u32, limits: Limits) -> PrepareError {
    match e {
        image::ImageError::Limits(_) => PrepareError::TooLarge {
            width,
            height,
            limit: limits.max_side,
        },
        image::ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            PrepareError::Decode("the file is cut short".into())
        }
        image::ImageError::IoError(io) => PrepareError::Io(io),
        other => PrepareError::Decode(one_line(&other.to_string())),
    }
}

fn one_line(s: &str) -> String {
    s.lines().next().unwrap_or("").to_string()
}

/// Luminance (Rec. 601 weights) in 0..255, with any transparency composited onto white paper,
/// as a paint program's "transparent background" means.
fn luminance_on_white(img: &DynamicImage) -> Vec<f32> {
    let rgba = img.to_rgba32f();
    rgba.pixels()
        .map(|p| {
            let [r, g, b, a] = p.0;
            let y = 0.299 * r + 0.587 * g + 0.114 * b;
            255.0 * (a * y + (1.0 - a))
        })
        .collect()
}

/// The preparation itself, on luminance values in 0..255 (`w`×`h`, row-major). Returns the
/// 28×28 MNIST-style pixels and whether the picture was inverted.
pub fn prepare_luma(
    luma: &[f32],
    w: usize,
    h: usize,
) -> Result<([u8; SIDE * SIDE], bool), PrepareError> {
    assert_eq!(luma.len(), w * h);
    if w == 0 || h == 0 {
        return Err(PrepareError::NoDigit);
    }
    // 2. The paper is what the border is made of; the ink is whichever extreme is farther
    // from it. Invert dark ink so that ink is bright, as in MNIST.
    let paper = median(&border(luma, w, h));
    let (dark, light) = (percentile(luma, 0.01), percentile(luma, 0.99));
    let inverted = paper - dark > light - paper;
    let mut v: Vec<f32> = if inverted {
        luma.iter().map(|&y| 255.0 - y).collect()
    } else {
        luma.to_vec()
    };

    // 3. Subtract the paper, estimated tile by tile so uneven light goes too.
    subtract_background(&mut v, w, h);

    // 4. Ink is what Otsu's threshold separates from the paper's remaining noise; the ink's
    // own level (a high percentile of the ink, not of the whole picture, where a thin digit
    // may be one pixel in a thousand) is stretched to full white.
    let threshold = otsu(&v);
    let ink: Vec<f32> = v.iter().copied().filter(|&p| p > threshold).collect();
    let level = percentile(&ink, 0.9);
    if ink.is_empty() || level < 24.0 {
        return Err(PrepareError::NoDigit);
    }
    for p in &mut v {
        *p = (*p * 255.0 / level).min(255.0);
    }
    // Of the ink, keep the pieces that are part of the digit; specks and smudges go.
    let keep = digit_mask(&v, w, h, threshold * 255.0 / level);
    for (p, &k) in v.iter_mut().zip(&keep) {
        if !k {
            *p = 0.0;
        }
    }

    // 5. Crop to the ink, scale into the 20×20 box, centre by mass in 28×28.
    let (x0, y0, x1, y1) = bounding_box(&v, w, h);
    let (cw, ch) = (x1 - x0, y1 - y0);
    // image's f32 pixels live in 0..1 (its filters clamp to that range).
    let crop: Vec<f32> = (y0..y1)
        .flat_map(|y| v[y * w + x0..y * w + x1].iter().map(|p| p / 255.0))
        .collect();
    let scale = BOX as f32 / cw.max(ch) as f32;
    let nw = ((cw as f32 * scale).round() as u32).clamp(1, BOX as u32);
    let nh = ((ch as f32 * scale).round() as u32).clamp(1, BOX as u32);
    let src: ImageBuffer<Luma<f32>, Vec<f32>> =
        ImageBuffer::from_raw(cw as u32, ch as u32, crop).ok_or(PrepareError::NoDigit)?;
    let small = image::imageops::resize(&src, nw, nh, FilterType::Triangle);
    Ok((centre_by_mass(&small), inverted))
}

/// Pixels of a strip around the edge, a twentieth of the shorter side wide (at least one).
fn border(v: &[f32], w: usize, h: usize) -> Vec<f32> {
    let b = (w.min(h) / 20).max(1);
    let mut out = Vec::new();
    for y in 0..h {
        for x in 0..w {
            if x < b || y < b || x >= w.saturating_sub(b) || y >= h.saturating_sub(b) {
                out.push(v[y * w + x]);
            }
        }
    }
    out
}

fn median(v: &[f32]) -> f32 {
    percentile(v, 0.5)
}

/// The `q`-quantile of `v` (0 ≤ q ≤ 1), by partial sorting of a copy.
fn percentile(v: &[f32], q: f32) -> f32 {
    if v.is_empty() {
        return 0.0;
    }
    let mut s = v.to_vec();
    let k = ((s.len() - 1) as f32 * q).round() as usize;
    let (_, x, _) = s.select_nth_unstable_by(k, f32::total_cmp);
    *x
}

/// Subtracts a smooth estimate of the background: the 30th percentile of each tile of a
/// grid (the ink is a minority of almost every tile), interpolated bilinearly between tile
/// centres. Small images are too small for tiles: they get one level for the whole image.
fn subtract_background(v: &mut [f32], w: usize, h: usize) {
    let tiles = (w.min(h) / 24).clamp(1, 8);
    let (tw, th) = (w.div_ceil(tiles), h.div_ceil(tiles));
    let mut level = vec![0.0f32; tiles * tiles];
    for ty in 0..tiles {
        for tx in 0..tiles {
            let mut cell = Vec::with_capacity(tw * th);
            for y in ty * th..((ty + 1) * th).min(h) {
                for x in tx * tw..((tx + 1) * tw).min(w) {
                    cell.push(v[y * w + x]);
                }
            }
            level[ty * tiles + tx] = percentile(&cell, 0.3);
        }
    }
    let at = |gx: f32, gy: f32| -> f32 {
        // Bilinear between tile centres, clamped at the edges.
        let gx = gx.clamp(0.0, (tiles - 1) as f32);
        let gy = gy.clamp(0.0, (tiles - 1) as f32);
        let (x0, y0) = (gx.floor() as usize, gy.floor() as usize);
        let (x1, y1) = ((x0 + 1).min(tiles - 1), (y0 + 1).min(tiles - 1));
        let (fx, fy) = (gx - x0 as f32, gy - y0 as f32);
        let top = level[y0 * tiles + x0] * (1.0 - fx) + level[y0 * tiles + x1] * fx;
        let bottom = level[y1 * tiles + x0] * (1.0 - fx) + level[y1 * tiles + x1] * fx;
        top * (1.0 - fy) + bottom * fy
    };
    for y in 0..h {
        for x in 0..w {
            let gx = (x as f32 + 0.5) / tw as f32 - 0.5;
            let gy = (y as f32 + 0.5) / th as f32 - 0.5;
            let p = &mut v[y * w + x];
            *p = (*p - at(gx, gy)).max(0.0);
        }
    }
}

/// Otsu's threshold of values in 0..255: the level that best splits paper from ink.
fn otsu(v: &[f32]) -> f32 {
    let mut hist = [0u64; 256];
    for &p in v {
        hist[p.clamp(0.0, 255.0) as usize] += 1;
    }
    let total = v.len() as f64;
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &c)| i as f64 * c as f64)
        .sum();
    let (mut w0, mut sum0, mut best, mut best_t) = (0.0, 0.0, -1.0, 0usize);
    for (t, &c) in hist.iter().enumerate() {
        w0 += c as f64;
        sum0 += t as f64 * c as f64;
        let w1 = total - w0;
        if w0 == 0.0 || w1 == 0.0 {
            continue;
        }
        let (m0, m1) = (sum0 / w0, (sum_all - sum0) / w1);
        let between = w0 * w1 * (m0 - m1) * (m0 - m1);
        if between > best {
            best = between;
            best_t = t;
        }
    }
    best_t as f32 + 0.5
}

/// The pixels to keep: above `threshold`, in the largest 8-connected piece and the pieces near
/// it of at least 15% of its area (or anywhere, from 40%), plus a one-pixel rim of
/// antialiasing around them.
fn digit_mask(v: &[f32], w: usize, h: usize, threshold: f32) -> Vec<bool> {
    let mut label = vec![0u32; w * h];
    let mut areas = vec![0usize]; // label 0: background
    let mut stack = Vec::new();
    for start in 0..w * h {
        if v[start] <= threshold || label[start] != 0 {
            continue;
        }
        let id = areas.len() as u32;
        let mut area = 0;
        label[start] = id;
        stack.push(start);
        while let Some(i) = stack.pop() {
            area += 1;
            let (x, y) = ((i % w) as isize, (i / w) as isize);
            for dy in -1..=1 {
                for dx in -1..=1 {
                    let (nx, ny) = (x + dx, y + dy);
                    if nx < 0 || ny < 0 || nx >= w as isize || ny >= h as isize {
                        continue;
                    }
                    let j = ny as usize * w + nx as usize;
                    if v[j] > threshold && label[j] == 0 {
                        label[j] = id;
                        stack.push(j);
                    }
                }
            }
        }
        areas.push(area);
    }
    // The digit's main stroke is the largest piece. Other pieces stay if they are a real part
    // of a digit (a 5's bar, a broken loop): big enough and close to the main piece.
    let largest_id = (1..areas.len()).max_by_key(|&i| areas[i]).unwrap_or(0);
    let largest = areas[largest_id];
    let (mut bx0, mut by0, mut bx1, mut by1) = (w, h, 0, 0);
    for (i, &l) in label.iter().enumerate() {
        if l as usize == largest_id && largest_id != 0 {
            let (x, y) = (i % w, i / w);
            (bx0, by0, bx1, by1) = (bx0.min(x), by0.min(y), bx1.max(x + 1), by1.max(y + 1));
        }
    }
    let margin = (bx1.saturating_sub(bx0)).max(by1.saturating_sub(by0)) / 3;
    let near = |x: usize, y: usize| {
        x + margin >= bx0 && x < bx1 + margin && y + margin >= by0 && y < by1 + margin
    };
    let mut big = vec![false; areas.len()];
    for (i, &l) in label.iter().enumerate() {
        let l = l as usize;
        if l != 0 && !big[l] {
            let a = areas[l];
            big[l] = l == largest_id
                || (a * 100 >= largest * 15 && near(i % w, i / w))
                || a * 100 >= largest * 40;
        }
    }
    let core: Vec<bool> = label.iter().map(|&l| big[l as usize]).collect();
    // The rim: faint edge pixels next to kept ink are part of the stroke's antialiasing.
    let mut keep = core.clone();
    for y in 0..h {
        for x in 0..w {
            if core[y * w + x] {
                for (nx, ny) in [
                    (x.wrapping_sub(1), y),
                    (x + 1, y),
                    (x, y.wrapping_sub(1)),
                    (x, y + 1),
                ] {
                    if nx < w && ny < h {
                        keep[ny * w + nx] = true;
                    }
                }
            }
        }
    }
    keep
}

/// The smallest rectangle (x0, y0, x1, y1), ends exclusive, holding every non-zero pixel.
fn bounding_box(v: &[f32], w: usize, h: usize) -> (usize, usize, usize, usize) {
    let (mut x0, mut y0, mut x1, mut y1) = (w, h, 0, 0);
    for y in 0..h {
        for x in 0..w {
            if v[y * w + x] > 0.0 {
                x0 = x0.min(x);
                y0 = y0.min(y);
                x1 = x1.max(x + 1);
                y1 = y1.max(y + 1);
            }
        }
    }
    (x0, y0, x1, y1)
}

/// Places `img` in a 28×28 field with its centre of mass at the field's centre, and scales
/// the brightest pixel to 255 (every MNIST digit has full-white ink).
fn centre_by_mass(img: &ImageBuffer<Luma<f32>, Vec<f32>>) -> [u8; SIDE * SIDE] {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let (mut mass, mut mx, mut my, mut peak) = (0.0f64, 0.0f64, 0.0f64, 0.0f32);
    for (x, y, p) in img.enumerate_pixels() {
        let m = p.0[0].max(0.0);
        mass += m as f64;
        mx += m as f64 * (x as f64 + 0.5);
        my += m as f64 * (y as f64 + 0.5);
        peak = peak.max(m);
    }
    let (cx, cy) = if mass > 0.0 {
        (mx / mass, my / mass)
    } else {
        (w as f64 / 2.0, h as f64 / 2.0)
    };
    let ox = (SIDE as f64 / 2.0 - cx).round() as isize;
    let oy = (SIDE as f64 / 2.0 - cy).round() as isize;
    let mut out = [0u8; SIDE * SIDE];
    for (x, y, p) in img.enumerate_pixels() {
        let (tx, ty) = (x as isize + ox, y as isize + oy);
        if (0..SIDE as isize).contains(&tx) && (0..SIDE as isize).contains(&ty) {
            let v = if peak > 0.0 {
                p.0[0].max(0.0) * 255.0 / peak
            } else {
                0.0
            };
            out[ty as usize * SIDE + tx as usize] = v.round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `w`×`h` picture of paper level `paper` with a ring of ink level `ink` around
    /// (cx, cy), radius `r`, drawn with a pen `pen` wide.
    fn ring(
        (w, h): (usize, usize),
        (cx, cy): (f32, f32),
        r: f32,
        pen: f32,
        (paper, ink): (f32, f32),
    ) -> Vec<f32> {
        let mut v = vec![paper; w * h];
        for y in 0..h {
            for x in 0..w {
                let d = ((x as f32 + 0.5 - cx).powi(2) + (y as f32 + 0.5 - cy).powi(2)).sqrt();
                let cover = (pen / 2.0 - (d - r).abs() + 0.5).clamp(0.0, 1.0);
                v[y * w + x] = paper + (ink - paper) * cover;
            }
        }
        v
    }

    fn centre_of_mass(p: &[u8; 784]) -> (f32, f32) {
        let (mut m, mut mx, mut my) = (0.0, 0.0, 0.0);
        for (i, &v) in p.iter().enumerate() {
            let v = v as f32;
            m += v;
            mx += v * ((i % 28) as f32 + 0.5);
            my += v * ((i / 28) as f32 + 0.5);
        }
        (mx / m, my / m)
    }

    fn extent(p: &[u8; 784]) -> (usize, usize) {
        let (mut x0, mut y0, mut x1, mut y1) = (28, 28, 0, 0);
        for (i, &v) in p.iter().enumerate() {
            if v > 0 {
                x0 = x0.min(i % 28);
                y0 = y0.min(i / 28);
                x1 = x1.max(i % 28 + 1);
                y1 = y1.max(i / 28 + 1);
            }
        }
        (x1 - x0, y1 - y0)
    }

    #[test]
    fn a_dark_ring_on_white_paper_becomes_a_centred_light_ring() {
        // Off centre on a 300×200 canvas, 60 px across.
        let luma = ring((300, 200), (70.0, 140.0), 30.0, 6.0, (240.0, 20.0));
        let (p, inverted) = prepare_luma(&luma, 300, 200).unwrap();
        assert!(inverted);
        let (cx, cy) = centre_of_mass(&p);
        assert!(
            (cx - 14.0).abs() <= 0.6 && (cy - 14.0).abs() <= 0.6,
            "centre of mass {cx},{cy}"
        );
        let (w, h) = extent(&p);
        assert!(
            (19..=21).contains(&w) && (19..=21).contains(&h),
            "extent {w}×{h}"
        );
        assert_eq!(p.iter().copied().max(), Some(255));
        assert_eq!(p[0], 0);
        assert_eq!(p[14 * 28 + 14], 0, "the ring's hole is background");
    }

    #[test]
    fn light_ink_on_dark_paper_is_not_inverted() {
        let luma = ring((64, 64), (32.0, 32.0), 20.0, 4.0, (30.0, 230.0));
        let (p, inverted) = prepare_luma(&luma, 64, 64).unwrap();
        assert!(!inverted);
        assert!(p.contains(&255));
    }

    #[test]
    fn uneven_light_and_noise_do_not_make_ink() {
        // Paper going from 140 to 250 across, specks of noise, a ring of ink.
        let (w, h) = (160, 120);
        let mut luma = ring((w, h), (80.0, 60.0), 35.0, 5.0, (0.0, -180.0));
        let mut state = 1u32;
        for y in 0..h {
            for x in 0..w {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let noise = ((state >> 24) as f32 - 128.0) / 16.0;
                let paper = 140.0 + 110.0 * x as f32 / w as f32;
                luma[y * w + x] = (luma[y * w + x] + paper + noise).clamp(0.0, 255.0);
            }
        }
        for &(x, y) in &[(10usize, 10usize), (150, 100), (20, 100)] {
            luma[y * w + x] = 0.0; // black specks far from the digit
        }
        let (p, inverted) = prepare_luma(&luma, w, h).unwrap();
        assert!(inverted);
        let (ew, eh) = extent(&p);
        assert!(
            (18..=22).contains(&ew) && (18..=22).contains(&eh),
            "extent {ew}×{eh}"
        );
        let (cx, cy) = centre_of_mass(&p);
        assert!(
            (cx - 14.0).abs() <= 0.8 && (cy - 14.0).abs() <= 0.8,
            "{cx},{cy}"
        );
    }

    #[test]
    fn a_tall_thin_stroke_keeps_its_aspect_ratio() {
        // A vertical bar 8×100 on a 200×200 canvas: 20 px tall, about 2 px wide.
        let (w, h) = (200, 200);
        let mut luma = vec![255.0; w * h];
        for y in 50..150 {
            for x in 96..104 {
                luma[y * w + x] = 0.0;
            }
        }
        let (p, _) = prepare_luma(&luma, w, h).unwrap();
        let (ew, eh) = extent(&p);
        assert_eq!(eh, 20);
        assert!((1..=3).contains(&ew), "width {ew}");
    }

    #[test]
    fn blank_and_uniform_images_have_no_digit() {
        for level in [0.0, 128.0, 255.0] {
            let luma = vec![level; 50 * 40];
            assert!(matches!(
                prepare_luma(&luma, 50, 40),
                Err(PrepareError::NoDigit)
            ));
        }
    }
}

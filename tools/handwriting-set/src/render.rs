//! Puts a digit on paper: a coverage mask of the ink is mapped onto a canvas (scaled, turned,
//! slanted, off centre), then given paper and ink colours, uneven light, noise and specks,
//! and saved the way people save pictures (greyscale or RGB PNG, RGBA from a paint program,
//! JPEG from a phone).

use image::{DynamicImage, GrayImage, Rgb, RgbImage, Rgba, RgbaImage};

use crate::rng::Rng;

/// How a picture is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Greyscale PNG.
    Grey,
    /// RGB PNG.
    Rgb,
    /// RGBA PNG, transparent paper (a paint program's drawing).
    Rgba,
    /// RGB JPEG (a photo).
    Jpeg,
}

impl Mode {
    /// Name used in the manifest.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Grey => "grey",
            Mode::Rgb => "rgb",
            Mode::Rgba => "rgba",
            Mode::Jpeg => "jpeg",
        }
    }
}

/// Everything about one picture but the digit's shape.
#[derive(Debug, Clone)]
pub struct Page {
    /// Canvas width and height, pixels.
    pub size: (u32, u32),
    /// Height of the digit's box on the canvas, pixels.
    pub digit_height: f32,
    /// Centre of the digit on the canvas.
    pub centre: (f32, f32),
    /// Rotation, degrees (clockwise on screen).
    pub rotate: f32,
    /// Slant: x moves by `shear` · (height above the centre).
    pub shear: f32,
    /// Paper colour, 0..255.
    pub paper: [f32; 3],
    /// Ink colour.
    pub ink: [f32; 3],
    /// Strength of uneven light (0: even).
    pub light: f32,
    /// Direction of the light's gradient, radians.
    pub light_angle: f32,
    /// Standard deviation of the sensor/paper noise, 0..255 units.
    pub noise: f32,
    /// Number of specks of dirt.
    pub specks: usize,
    /// How it is saved.
    pub mode: Mode,
    /// A desk around the sheet of paper (a phone photo), if any.
    pub desk: Option<Desk>,
    /// Ruled lines on the paper, if any.
    pub ruled: Option<Ruled>,
    /// A pencil's grain: ink coverage is thinned by up to this fraction, pixel by pixel.
    pub grain: f32,
}

/// A desk seen around the sheet of paper.
#[derive(Debug, Clone)]
pub struct Desk {
    /// The desk's colour.
    pub colour: [f32; 3],
    /// The sheet's centre on the canvas.
    pub centre: (f32, f32),
    /// Half its width and height.
    pub half: (f32, f32),
    /// Its rotation, degrees.
    pub angle: f32,
    /// A shadow's darkening across the picture (0: none), from the light's direction.
    pub shadow: f32,
}

/// Ruled paper.
#[derive(Debug, Clone)]
pub struct Ruled {
    /// Distance between lines, pixels.
    pub spacing: f32,
    /// Where the first line is, pixels.
    pub offset: f32,
    /// Line width, pixels.
    pub width: f32,
    /// The lines' colour.
    pub colour: [f32; 3],
    /// The lines' tilt, degrees.
    pub tilt: f32,
}

/// Draws the `msize`×`msize` coverage `mask` (its unit box spans the middle 80 %) on `page`.
pub fn compose(mask: &[f32], msize: usize, page: &Page, rng: &mut Rng) -> DynamicImage {
    let (w, h) = page.size;
    let k = page.digit_height / (0.8 * msize as f32); // canvas px per mask px
    let (s, c) = page.rotate.to_radians().sin_cos();
    // Forward: canvas = centre + R · Shear · k · (m − mc); inverse of R·Shear, for sampling.
    let (a, b, cc, d) = (c, c * -page.shear - s, s, s * -page.shear + c);
    let det = a * d - b * cc;
    let inv = (d / det, -b / det, -cc / det, a / det);
    let mc = msize as f32 / 2.0;
    let ss = ((1.0 / k).ceil() as usize).clamp(1, 4); // subsamples per side when shrinking
    let mut cover = vec![0.0f32; (w * h) as usize];
    for y in 0..h {
        for x in 0..w {
            let mut sum = 0.0;
            for sy in 0..ss {
                for sx in 0..ss {
                    let px = x as f32 + (sx as f32 + 0.5) / ss as f32 - page.centre.0;
                    let py = y as f32 + (sy as f32 + 0.5) / ss as f32 - page.centre.1;
                    let mx = (inv.0 * px + inv.1 * py) / k + mc;
                    let my = (inv.2 * px + inv.3 * py) / k + mc;
                    sum += bilinear(mask, msize, mx - 0.5, my - 0.5);
                }
            }
            cover[(y * w + x) as usize] = sum / (ss * ss) as f32;
        }
    }

    if page.mode == Mode::Rgba {
        // A paint program: ink where drawn, transparent elsewhere, no light or noise.
        let img = RgbaImage::from_fn(w, h, |x, y| {
            let a = cover[(y * w + x) as usize];
            let [r, g, b] = page.ink.map(|v| v as u8);
            Rgba([r, g, b, (a * 255.0).round() as u8])
        });
        return DynamicImage::ImageRgba8(img);
    }

    let mut rgb = vec![[0.0f32; 3]; (w * h) as usize];
    let (lc, ls) = (page.light_angle.cos(), page.light_angle.sin());
    for y in 0..h {
        for x in 0..w {
            let i = (y * w + x) as usize;
            let a = cover[i];
            // Light falls off linearly across the page in the light's direction.
            let t =
                ((x as f32 / w as f32 - 0.5) * lc + (y as f32 / h as f32 - 0.5) * ls + 0.71) / 1.42;
            let mut light = 1.0 - page.light * t.clamp(0.0, 1.0);
            let n = page.noise * rng.normal();
            let a = if page.grain > 0.0 {
                a * (1.0 - page.grain * rng.range(0.0, 1.0))
            } else {
                a
            };
            let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
            let mut paper = page.paper;
            let mut on_paper = true;
            if let Some(desk) = &page.desk {
                // A soft shadow (a hand, a phone) over one side.
                let st = ((t - 0.55) * 6.0).clamp(0.0, 1.0);
                light *= 1.0 - desk.shadow * st;
                let (s, c) = desk.angle.to_radians().sin_cos();
                let (dx, dy) = (px - desk.centre.0, py - desk.centre.1);
                let (u, v) = (c * dx + s * dy, -s * dx + c * dy);
                // Coverage of the sheet with a one-pixel soft edge.
                let inside = (desk.half.0 - u.abs()).min(desk.half.1 - v.abs());
                let cov = (inside + 0.5).clamp(0.0, 1.0);
                on_paper = cov > 0.5;
                for ((p, &sheet), &wood) in paper.iter_mut().zip(&page.paper).zip(&desk.colour) {
                    *p = sheet * cov + wood * (1.0 - cov);
                }
            }
            if let (Some(r), true) = (&page.ruled, on_paper) {
                let yy = py - (px - w as f32 / 2.0) * r.tilt.to_radians().tan() - r.offset;
                let d = (yy - r.spacing * (yy / r.spacing).round()).abs();
                let cov = (r.width / 2.0 - d + 0.5).clamp(0.0, 1.0);
                for (p, &line) in paper.iter_mut().zip(&r.colour) {
                    *p = *p * (1.0 - cov) + line * cov;
                }
            }
            for (ch, out) in rgb[i].iter_mut().enumerate() {
                let v = paper[ch] * (1.0 - a) + page.ink[ch] * a;
                *out = (v * light + n).clamp(0.0, 255.0);
            }
        }
    }
    // Specks of dirt: a few pixels of ink colour (or a little darker than the paper).
    for _ in 0..page.specks {
        let (x, y) = (
            rng.range(0.0, w as f32) as u32,
            rng.range(0.0, h as f32) as u32,
        );
        let size = if rng.chance(0.5) { 1 } else { 2 };
        for dy in 0..size {
            for dx in 0..size {
                if x + dx < w && y + dy < h {
                    rgb[((y + dy) * w + x + dx) as usize] = page.ink;
                }
            }
        }
    }
    let to_u8 = |v: f32| v.round().clamp(0.0, 255.0) as u8;
    match page.mode {
        Mode::Grey => DynamicImage::ImageLuma8(GrayImage::from_fn(w, h, |x, y| {
            let p = rgb[(y * w + x) as usize];
            image::Luma([to_u8(0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2])])
        })),
        _ => DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
            Rgb(rgb[(y * w + x) as usize].map(to_u8))
        })),
    }
}

/// A square mask of side `size` sampled at (x, y) in pixel coordinates (pixel centres at whole
/// numbers), bilinearly, with nothing outside it.
pub fn bilinear(mask: &[f32], size: usize, x: f32, y: f32) -> f32 {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let at = |xi: f32, yi: f32| {
        if xi < 0.0 || yi < 0.0 || xi >= size as f32 || yi >= size as f32 {
            0.0
        } else {
            mask[yi as usize * size + xi as usize]
        }
    };
    let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1.0, y0) * fx;
    let bottom = at(x0, y0 + 1.0) * (1.0 - fx) + at(x0 + 1.0, y0 + 1.0) * fx;
    top * (1.0 - fy) + bottom * fy
}

/// Grey-level dilation (`radius > 0`) or erosion (`radius < 0`) of a mask by a disc: the
/// same digit written with a thicker or thinner pen.
pub fn pen(mask: &[f32], size: usize, radius: i32) -> Vec<f32> {
    if radius == 0 {
        return mask.to_vec();
    }
    let r = radius.abs();
    let mut out = vec![0.0; size * size];
    for y in 0..size as i32 {
        for x in 0..size as i32 {
            let mut v: f32 = if radius > 0 { 0.0 } else { 1.0 };
            for dy in -r..=r {
                for dx in -r..=r {
                    if dx * dx + dy * dy > r * r {
                        continue;
                    }
                    let (nx, ny) = (x + dx, y + dy);
                    let m = if nx < 0 || ny < 0 || nx >= size as i32 || ny >= size as i32 {
                        0.0
                    } else {
                        mask[(ny * size as i32 + nx) as usize]
                    };
                    v = if radius > 0 { v.max(m) } else { v.min(m) };
                }
            }
            out[(y * size as i32 + x) as usize] = v;
        }
    }
    out
}

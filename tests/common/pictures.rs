//! Pictures of digits drawn for the tests of the preparation: the cases of issue 9, each as a
//! photo or scan would have it. Shared by `predict_pictures.rs` and `handwriting.rs`.
#![allow(dead_code)]

use std::path::Path;

/// Coverage (0..1) of an ellipse outline drawn as PIL's `ellipse(bbox, width=stroke)` does:
/// inside the box's ellipse and outside the ellipse of the box shrunk by `stroke`, sampled
/// 4×4 per pixel.
pub fn ring_cover(x: f32, y: f32, (x0, y0, x1, y1): (f32, f32, f32, f32), stroke: f32) -> f32 {
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let (rx, ry) = ((x1 - x0) / 2.0, (y1 - y0) / 2.0);
    let mut hits = 0;
    for sy in 0..4 {
        for sx in 0..4 {
            let (px, py) = (x + (sx as f32 + 0.5) / 4.0, y + (sy as f32 + 0.5) / 4.0);
            let outer = ((px - cx) / rx).powi(2) + ((py - cy) / ry).powi(2) <= 1.0;
            let (irx, iry) = (rx - stroke, ry - stroke);
            let inner = irx > 0.0
                && iry > 0.0
                && ((px - cx) / irx).powi(2) + ((py - cy) / iry).powi(2) < 1.0;
            hits += (outer && !inner) as u32;
        }
    }
    hits as f32 / 16.0
}

/// An "8" as two ellipse outlines (boxes `top` and `bottom`) with a pen `stroke` wide: its
/// coverage on a `w`×`h` canvas.
pub fn eight(
    (w, h): (u32, u32),
    top: (f32, f32, f32, f32),
    bottom: (f32, f32, f32, f32),
    stroke: f32,
) -> Vec<f32> {
    let mut cover = vec![0.0; (w * h) as usize];
    for y in 0..h {
        for x in 0..w {
            let (fx, fy) = (x as f32, y as f32);
            let c = ring_cover(fx, fy, top, stroke).max(ring_cover(fx, fy, bottom, stroke));
            cover[(y * w + x) as usize] = c;
        }
    }
    cover
}

/// Issue 9, defect 1: a 320×320 grey page (235) with the "8" of circles (110,50,210,150) and
/// (100,150,220,270), ink 20, pen `stroke` px.
pub fn thick_eight(stroke: f32) -> image::GrayImage {
    let cover = eight(
        (320, 320),
        (110.0, 50.0, 210.0, 150.0),
        (100.0, 150.0, 220.0, 270.0),
        stroke,
    );
    on_paper(320, 320, &cover, 235.0, 20.0)
}

/// Issue 9, defect 2: a 1200×900 page, an "8" about 260 px tall written with an 8 px pen.
pub fn thin_pen_page() -> image::GrayImage {
    let cover = eight(
        (1200, 900),
        (560.0, 300.0, 660.0, 410.0),
        (545.0, 410.0, 675.0, 560.0),
        8.0,
    );
    on_paper(1200, 900, &cover, 240.0, 30.0)
}

/// Ink over paper: `paper` where the coverage is 0, `ink` where it is 1.
pub fn on_paper(w: u32, h: u32, cover: &[f32], paper: f32, ink: f32) -> image::GrayImage {
    image::GrayImage::from_fn(w, h, |x, y| {
        let c = cover[(y * w + x) as usize];
        image::Luma([(paper + (ink - paper) * c).round() as u8])
    })
}

/// Issue 9, defect 3: a 640×480 phone photo of a sheet (light, turned 7°) on a dark desk,
/// a shadow over one side, and a "1" written on the sheet, 150 px tall, 9 px pen.
pub fn desk_photo() -> image::RgbImage {
    let (w, h) = (640u32, 480u32);
    let (s, c) = 7f32.to_radians().sin_cos();
    image::RgbImage::from_fn(w, h, |x, y| {
        let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
        let (dx, dy) = (px - 330.0, py - 250.0);
        let (u, v) = (c * dx + s * dy, -s * dx + c * dy);
        let sheet = ((240.0 - u.abs()).min(180.0 - v.abs()) + 0.5).clamp(0.0, 1.0);
        // The "1": a slightly slanted bar from (335, 170) to (320, 320), 9 px wide.
        let t = ((py - 170.0) / 150.0).clamp(0.0, 1.0);
        let (lx, ly) = (335.0 - 15.0 * t, 170.0 + 150.0 * t);
        let d = ((px - lx).powi(2) + (py - ly).powi(2)).sqrt();
        let ink = (4.5 - d + 0.5).clamp(0.0, 1.0) * sheet;
        let shadow = 1.0 - 0.3 * ((px - 380.0) / 200.0).clamp(0.0, 1.0);
        let paper = [225.0, 222.0, 215.0];
        let desk = [95.0, 70.0, 50.0];
        let mut rgb = [0u8; 3];
        for k in 0..3 {
            let base = paper[k] * sheet + desk[k] * (1.0 - sheet);
            let v = (base * (1.0 - ink) + 25.0 * ink) * shadow;
            rgb[k] = v.round().clamp(0.0, 255.0) as u8;
        }
        image::Rgb(rgb)
    })
}

/// A clean "7", dark ink on light paper.
pub fn seven() -> image::GrayImage {
    image::GrayImage::from_fn(60, 80, |x, y| {
        let on = (15..45).contains(&x) && (10..14).contains(&y)
            || (x as i32 - 44 + (y as i32 - 12) / 3).abs() < 3 && (12..70).contains(&y);
        image::Luma([if on { 20 } else { 235 }])
    })
}

/// Saves a picture as a JPEG of quality 90.
pub fn save_jpeg(img: &image::DynamicImage, path: &Path) {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(img)
        .unwrap();
    std::fs::write(path, out).unwrap();
}

/// A 4,000×3,000 phone photo of a number on a page that fills the frame: the picture at
/// `number` (a number of the numbers set written on paper) scaled up (bilinear) to half the
/// photo's width, in the middle of the rest of its paper (its corner's colour), lit from one
/// side.
pub fn big_number_photo(number: &Path) -> image::RgbImage {
    let (w, h) = (4000u32, 3000u32);
    let small = image::open(number).unwrap().to_rgb8();
    let scale = (w / 2) as f32 / small.width() as f32;
    let (sw, sh) = (w / 2, (small.height() as f32 * scale) as u32);
    let big = image::imageops::resize(&small, sw, sh, image::imageops::FilterType::Triangle);
    let (x0, y0) = ((w - sw) / 2, (h - sh) / 2);
    let paper = small.get_pixel(0, 0).0;
    image::RgbImage::from_fn(w, h, |x, y| {
        let light = 1.0 - 0.25 * x as f32 / w as f32;
        let p = if (x0..x0 + sw).contains(&x) && (y0..y0 + sh).contains(&y) {
            big.get_pixel(x - x0, y - y0).0
        } else {
            paper
        };
        image::Rgb(p.map(|c| (c as f32 * light) as u8))
    })
}

/// A 4,000×3,000 page of scribbles: `strokes` random pen strokes (straight and curled) of a
/// pen 4–12 px wide, dark on light, from a fixed seed.
pub fn scribble_page(strokes: usize) -> image::GrayImage {
    let (w, h) = (4000usize, 3000usize);
    let mut cover = vec![0u8; w * h];
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f32 / (1u64 << 53) as f32
    };
    for _ in 0..strokes {
        let (mut x, mut y) = (next() * w as f32, next() * h as f32);
        let (mut angle, turn) = (next() * 6.3, (next() - 0.5) * 0.2);
        let r = 2.0 + next() * 4.0;
        for _ in 0..(40.0 + next() * 300.0) as usize {
            let (x0, x1) = ((x - r).max(0.0) as usize, ((x + r) as usize + 1).min(w));
            let (y0, y1) = ((y - r).max(0.0) as usize, ((y + r) as usize + 1).min(h));
            for py in y0..y1 {
                for px in x0..x1 {
                    if (px as f32 - x).powi(2) + (py as f32 - y).powi(2) <= r * r {
                        cover[py * w + px] = 1;
                    }
                }
            }
            (x, y) = (x + 2.0 * angle.cos(), y + 2.0 * angle.sin());
            angle += turn;
        }
    }
    image::GrayImage::from_fn(w as u32, h as u32, |x, y| {
        image::Luma([if cover[y as usize * w + x as usize] == 1 {
            30
        } else {
            235
        }])
    })
}

/// A 1 leaning by a third of its height, dark on light: deskewing stands it upright, so the
/// digit a deskewing network reads differs from the one prepared.
pub fn leaning_one() -> image::GrayImage {
    image::GrayImage::from_fn(60, 80, |x, y| {
        let centre = 38.0 - (y as f32 - 10.0) / 3.0;
        let on = (10..70).contains(&y) && (x as f32 - centre).abs() < 3.0;
        image::Luma([if on { 20 } else { 235 }])
    })
}

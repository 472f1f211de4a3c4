//! Hollow strokes filled in: an outline font (or a digit drawn as a double line, "bubble"
//! writing) is two thin contours with paper between them, and a network trained on MNIST's
//! solid strokes reads most of them as 8 (the contours make loops everywhere).
//!
//! The paper between the two contours of a hollow stroke is a *hole* of the ink (paper not
//! connected to the paper around the digit) shaped like a stroke: narrow, many times longer
//! than wide, and bent (a 7's, a 2's or a 5's path). The holes a digit has of its own — a 0's,
//! a 6's or a 9's loop, an 8's two, a 4's triangle — are convex, or nearly: a disc, an oval
//! however narrow, a triangle. So a hole is filled when
//! - it is narrow next to the digit: its width, 2·area/perimeter (a channel `c` wide gives
//!   `c`, a disc of radius `r` gives `r`), at most a fifth of the digit's longer side;
//! - it is long: area/width at least 6 widths (a disc is π, a 3:1 oval about 4.7);
//! - it is not convex: at most 70 % of its convex hull (an oval, a triangle: over 90 %).
//!
//! A sketchy or faint contour has gaps, through which the paper inside would join the paper
//! outside; the holes are therefore those of the ink grown by a few pixels (a morphological
//! closing), and the paper restored next to the contours once a hole is chosen. Specks of
//! paper inside a stroke (a marker's streaks) are filled too.

use super::background::dilate;

/// The widest a hole may be, as a fraction of the digit's longer side: an outline font's
/// channel is 10–15 % of it, an 8's loop 15 % or more.
const MAX_WIDTH: f32 = 0.2;

/// The least length of a hole, area/width, in widths.
const MIN_ELONGATION: f32 = 6.0;

/// The most of its convex hull a hole may cover (an oval covers over 90 %).
const MAX_SOLIDITY: f32 = 0.7;

/// A hole of at most this fraction of the digit's box area is filled whatever its shape.
const TINY: f32 = 0.002;

/// Gaps in a contour up to twice this fraction of the digit's longer side are closed.
const GAP: f32 = 0.015;

/// Fills the holes of `keep` (`w`×`h`) that are the inside of a hollow stroke; returns how
/// many pixels were filled.
pub(super) fn fill_hollow_strokes(keep: &mut [bool], w: usize, h: usize) -> usize {
    let Some(b) = bbox(keep, w, h) else {
        return 0;
    };
    let long = (b.2 - b.0).max(b.3 - b.1) as f32;
    // The contours as they are, and closed: closing a gap can also split a channel where it
    // narrows, so each is tried and what either finds is filled.
    let gap = ((GAP * long).round() as usize).max(1);
    let mut fill = holes_to_fill(keep, w, h, b, 0);
    fill.extend(holes_to_fill(keep, w, h, b, gap));
    let mut filled = 0;
    for j in fill {
        filled += !keep[j] as usize;
        keep[j] = true;
    }
    filled
}

/// The pixels of `keep`'s hollow-stroke holes (those of `keep` grown by `r`, then grown back),
/// as indices into the picture; `b` is `keep`'s box.
fn holes_to_fill(
    keep: &[bool],
    w: usize,
    h: usize,
    (x0, y0, x1, y1): (usize, usize, usize, usize),
    r: usize,
) -> Vec<usize> {
    let long = (x1 - x0).max(y1 - y0) as f32;
    // The box with a margin of r + 1 all round (outside the picture counts as paper), so the
    // paper around the digit stays connected once the ink is grown.
    let m = r + 1;
    let (bw, bh) = (x1 - x0 + 2 * m, y1 - y0 + 2 * m);
    let inside = |bx: usize, by: usize| -> Option<usize> {
        let (x, y) = ((bx + x0).checked_sub(m)?, (by + y0).checked_sub(m)?);
        (x < w && y < h).then_some(y * w + x)
    };
    let ink: Vec<u8> = (0..bw * bh)
        .map(|i| match inside(i % bw, i / bw) {
            Some(j) if keep[j] => 255,
            _ => 0,
        })
        .collect();
    let grown = dilate(&ink, bw, bh, 2 * r + 1);
    // The holes of the grown ink, 4-connected; those reaching the margin are the outside.
    let mut label = vec![0u32; bw * bh];
    let mut stack = Vec::new();
    let mut chosen = vec![0u8; bw * bh];
    let mut any = false;
    let box_area = ((x1 - x0) * (y1 - y0)) as f32;
    for start in 0..bw * bh {
        if grown[start] != 0 || label[start] != 0 {
            continue;
        }
        let id = start as u32 + 1;
        let (mut pixels, mut perimeter, mut open) = (Vec::new(), 0usize, false);
        label[start] = id;
        stack.push(start);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % bw, i / bw);
            pixels.push(i);
            open |= x == 0 || y == 0 || x + 1 == bw || y + 1 == bh;
            let mut next_to_ink = false;
            for (nx, ny) in [
                (x.wrapping_sub(1), y),
                (x + 1, y),
                (x, y.wrapping_sub(1)),
                (x, y + 1),
            ] {
                if nx >= bw || ny >= bh {
                    continue;
                }
                let j = ny * bw + nx;
                if grown[j] != 0 {
                    next_to_ink = true;
                } else if label[j] == 0 {
                    label[j] = id;
                    stack.push(j);
                }
            }
            perimeter += next_to_ink as usize;
        }
        if open {
            continue;
        }
        // Measured as the hole will be once the paper next to the contours is back: r wider.
        let (area, perimeter) = (pixels.len() as f32, perimeter.max(1) as f32);
        let width = 2.0 * area / perimeter + 2.0 * r as f32;
        let length = (area + perimeter * r as f32) / width;
        let hollow = width <= MAX_WIDTH * long
            && length >= MIN_ELONGATION * width
            && area <= MAX_SOLIDITY * hull_area(&pixels, bw);
        if hollow || area <= TINY * box_area {
            for &i in &pixels {
                chosen[i] = 255;
            }
            any = true;
        }
    }
    if !any {
        return Vec::new();
    }
    // The chosen holes grown back by r: the paper between the contours, up to the ink.
    let restored = dilate(&chosen, bw, bh, 2 * r + 1);
    (0..bw * bh)
        .filter(|&i| restored[i] != 0 && ink[i] == 0)
        .filter_map(|i| inside(i % bw, i / bw))
        .collect()
}

/// The area of the convex hull of a set of pixels (indices into rows `bw` wide), each pixel a
/// unit square: Andrew's monotone chain over the ends of each row's run, then the shoelace.
fn hull_area(pixels: &[usize], bw: usize) -> f32 {
    use std::collections::BTreeMap;
    let mut rows: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    for &i in pixels {
        let (x, y) = (i % bw, i / bw);
        let e = rows.entry(y).or_insert((x, x));
        *e = (e.0.min(x), e.1.max(x));
    }
    let mut pts: Vec<(i64, i64)> = Vec::with_capacity(rows.len() * 4);
    for (&y, &(a, b)) in &rows {
        let (y, a, b) = (y as i64, a as i64, b as i64 + 1);
        pts.extend([(a, y), (b, y), (a, y + 1), (b, y + 1)]);
    }
    pts.sort_unstable();
    pts.dedup();
    if pts.len() < 3 {
        return pixels.len() as f32;
    }
    let cross = |o: (i64, i64), a: (i64, i64), b: (i64, i64)| {
        (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
    };
    let mut hull: Vec<(i64, i64)> = Vec::with_capacity(2 * pts.len());
    for pass in 0..2 {
        let start = hull.len();
        let iter: Box<dyn Iterator<Item = &(i64, i64)>> = if pass == 0 {
            Box::new(pts.iter())
        } else {
            Box::new(pts.iter().rev())
        };
        for &p in iter {
            while hull.len() >= start + 2
                && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0
            {
                hull.pop();
            }
            hull.push(p);
        }
        hull.pop();
    }
    let twice: i64 = (0..hull.len())
        .map(|k| {
            let (a, b) = (hull[k], hull[(k + 1) % hull.len()]);
            a.0 * b.1 - b.0 * a.1
        })
        .sum();
    (twice.abs() as f32 / 2.0).max(pixels.len() as f32)
}

/// The smallest box (x0, y0, x1, y1), ends exclusive, holding every pixel of `m`.
pub(super) fn bbox(m: &[bool], w: usize, h: usize) -> Option<(usize, usize, usize, usize)> {
    let (mut x0, mut y0, mut x1, mut y1) = (w, h, 0, 0);
    for y in 0..h {
        for x in 0..w {
            if m[y * w + x] {
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1));
            }
        }
    }
    (x1 > x0).then_some((x0, y0, x1, y1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `w`×`h` mask with the pixels where `f(x, y)` holds.
    fn mask(w: usize, h: usize, f: impl Fn(f32, f32) -> bool) -> Vec<bool> {
        (0..w * h)
            .map(|i| f((i % w) as f32 + 0.5, (i / w) as f32 + 0.5))
            .collect()
    }

    #[test]
    fn the_inside_of_a_hollow_seven_is_filled_even_through_a_gap() {
        // An outlined "7": a bar across the top and a stem, drawn as their 2 px contour.
        let (w, h) = (100, 120);
        let seven = |x: f32, y: f32| {
            (20.0..80.0).contains(&x) && (10.0..24.0).contains(&y)
                || (66.0..80.0).contains(&x) && (10.0..110.0).contains(&y)
        };
        let inside = |x: f32, y: f32| {
            (22.0..78.0).contains(&x) && (12.0..22.0).contains(&y)
                || (68.0..78.0).contains(&x) && (12.0..108.0).contains(&y)
        };
        let mut m = mask(w, h, |x, y| seven(x, y) && !inside(x, y));
        assert_eq!(fill_hollow_strokes(&mut m, w, h), 1420);
        assert_eq!(m, mask(w, h, seven));
        // The same with a 2 px gap in the contour's far end, as a sketchy pen leaves.
        let mut m = mask(w, h, |x, y| {
            seven(x, y) && !inside(x, y) && !((72.0..74.0).contains(&x) && y > 100.0)
        });
        assert!(fill_hollow_strokes(&mut m, w, h) >= 1400);
        assert!(
            m[60 * w + 72] && m[16 * w + 40],
            "the stem and the bar are solid"
        );
    }

    #[test]
    fn the_loops_of_a_zero_and_an_eight_stay_open() {
        let (w, h) = (100, 140);
        let ring = |x: f32, y: f32, cx: f32, cy: f32, rx: f32, ry: f32| {
            let d = ((x - cx) / rx).powi(2) + ((y - cy) / ry).powi(2);
            (0.8..=1.0).contains(&d)
        };
        // A narrow 0, 3:1 tall, and an 8 of two ovals.
        let zero = mask(w, h, |x, y| ring(x, y, 50.0, 70.0, 22.0, 62.0));
        let eight = mask(w, h, |x, y| {
            ring(x, y, 50.0, 38.0, 25.0, 30.0) || ring(x, y, 50.0, 100.0, 30.0, 33.0)
        });
        for original in [zero, eight] {
            let mut m = original.clone();
            assert_eq!(fill_hollow_strokes(&mut m, w, h), 0);
            assert_eq!(m, original);
        }
    }

    #[test]
    fn an_outlined_zero_is_filled_between_its_contours_but_keeps_its_hole() {
        let (w, h) = (100, 140);
        let d = |x: f32, y: f32| ((x - 50.0) / 40.0).powi(2) + ((y - 70.0) / 60.0).powi(2);
        // Contours at d = 1 and d = 0.6 (about 2 px each), paper between and inside.
        let outline = |x: f32, y: f32| {
            let v = d(x, y);
            (0.93..=1.0).contains(&v) || (0.56..=0.62).contains(&v)
        };
        let mut m = mask(w, h, outline);
        assert!(fill_hollow_strokes(&mut m, w, h) > 0);
        assert!(m[70 * w + 50 - 35], "between the contours is ink now");
        assert!(!m[70 * w + 50], "the 0's hole stays paper");
    }
}

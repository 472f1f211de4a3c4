//! Connected pieces of ink (pieces a pencil's grain apart count as one), and which of them
//! are the digit.
//!
//! The digit is the most digit-like piece: much ink, strokes rather than a blob, paper around
//! it rather than ink of the other colour (a hole between strokes looks like ink of the other
//! polarity, but it is surrounded by strokes), clear of the picture's edge (a desk, the
//! paper's edge, a finger), and near the middle. The pieces near it with at least a tenth of
//! its ink (a 5's bar, a broken loop) are part of it; specks, smudges and distant marks are
//! not.

/// A connected piece of ink: its area and bounding box (ends exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Piece {
    pub area: usize,
    pub x0: usize,
    pub y0: usize,
    pub x1: usize,
    pub y1: usize,
}

/// Labels the 8-connected pieces of `mask`: a label per pixel (0 off the mask, `k` for
/// `pieces[k - 1]`) and the pieces.
pub(super) fn label(mask: &[bool], w: usize, h: usize) -> (Vec<u32>, Vec<Piece>) {
    let mut labels = vec![0u32; w * h];
    let mut pieces = Vec::new();
    let mut stack = Vec::new();
    for start in 0..w * h {
        if !mask[start] || labels[start] != 0 {
            continue;
        }
        let id = pieces.len() as u32 + 1;
        let mut p = Piece {
            area: 0,
            x0: w,
            y0: h,
            x1: 0,
            y1: 0,
        };
        labels[start] = id;
        stack.push(start);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            p.area += 1;
            (p.x0, p.y0, p.x1, p.y1) = (p.x0.min(x), p.y0.min(y), p.x1.max(x + 1), p.y1.max(y + 1));
            for ny in y.saturating_sub(1)..(y + 2).min(h) {
                for nx in x.saturating_sub(1)..(x + 2).min(w) {
                    let j = ny * w + nx;
                    if mask[j] && labels[j] == 0 {
                        labels[j] = id;
                        stack.push(j);
                    }
                }
            }
        }
        pieces.push(p);
    }
    (labels, pieces)
}

/// How far apart two pieces of ink may be and still count as one: a faint pencil's stroke is
/// grains with paper between them, and a digit found as its grains loses its faintest parts to
/// the tenth-of-its-ink rule (a tiny pencil 3 read as a blob). A gap of about 2 px in a
/// 300 px picture, 6 px in a megapixel one (measured on the tuning half: a third of this or
/// twice it read the same; four times it joined a 7 to a speck).
pub(super) fn bridge(w: usize, h: usize) -> usize {
    (w.max(h) / 300).max(1)
}

/// [`label`] with pieces less than `2·gap + 1` pixels apart joined: the labels of `mask` grown
/// by `gap` in every direction, kept only on `mask`'s own pixels (areas and boxes are those of
/// the ink itself).
pub(super) fn label_bridged(
    mask: &[bool],
    w: usize,
    h: usize,
    gap: usize,
) -> (Vec<u32>, Vec<Piece>) {
    if gap == 0 {
        return label(mask, w, h);
    }
    let ink: Vec<u8> = mask.iter().map(|&m| if m { 255 } else { 0 }).collect();
    let grown: Vec<bool> = super::background::dilate(&ink, w, h, 2 * gap + 1)
        .iter()
        .map(|&v| v != 0)
        .collect();
    let (mut labels, grown_pieces) = label(&grown, w, h);
    let mut pieces: Vec<Piece> = grown_pieces
        .iter()
        .map(|_| Piece {
            area: 0,
            x0: w,
            y0: h,
            x1: 0,
            y1: 0,
        })
        .collect();
    for (i, l) in labels.iter_mut().enumerate() {
        if !mask[i] {
            *l = 0;
            continue;
        }
        let p = &mut pieces[*l as usize - 1];
        let (x, y) = (i % w, i / w);
        p.area += 1;
        (p.x0, p.y0, p.x1, p.y1) = (p.x0.min(x), p.y0.min(y), p.x1.max(x + 1), p.y1.max(y + 1));
    }
    (labels, pieces)
}

/// What was chosen: the digit's pixels and how digit-like its main piece is.
pub(super) struct Choice {
    /// The pixels of the digit's pieces.
    pub keep: Vec<bool>,
    /// The main piece's ink (sum of top-hat) times how digit-like it is.
    pub score: f32,
}

/// A piece's measurements.
#[derive(Debug, Clone, Copy, Default)]
struct Stats {
    /// Sum of the top-hat over the piece.
    mass: f32,
    /// Pixels of the piece next to a pixel that is not ink (or the picture's edge).
    boundary: usize,
    /// Sum and count of the other polarity's top-hat just outside the piece.
    rim_sum: f32,
    rim_n: usize,
}

/// Picks the digit among the pieces of `mask`. `hat` is this polarity's top-hat, `other` the
/// opposite polarity's (ink of the other colour).
pub(super) fn choose(
    mask: &[bool],
    hat: &[u8],
    other: &[u8],
    w: usize,
    h: usize,
) -> Option<Choice> {
    let (labels, pieces) = label_bridged(mask, w, h, bridge(w, h));
    if pieces.is_empty() {
        return None;
    }
    let mut stats = vec![Stats::default(); pieces.len()];
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            let l = labels[i] as usize;
            if l == 0 {
                continue;
            }
            let s = &mut stats[l - 1];
            s.mass += hat[i] as f32;
            let edge = x == 0 || y == 0 || x + 1 == w || y + 1 == h;
            if edge || !mask[i - 1] || !mask[i + 1] || !mask[i - w] || !mask[i + w] {
                s.boundary += 1;
            }
            // Just outside the piece, one and two pixels away.
            for (dx, dy) in [
                (-1, 0),
                (1, 0),
                (0, -1),
                (0, 1),
                (-2, 0),
                (2, 0),
                (0, -2),
                (0, 2),
            ] {
                let (nx, ny) = (x as isize + dx, y as isize + dy);
                if nx < 0 || ny < 0 || nx >= w as isize || ny >= h as isize {
                    continue;
                }
                let j = ny as usize * w + nx as usize;
                if !mask[j] {
                    s.rim_sum += other[j] as f32;
                    s.rim_n += 1;
                }
            }
        }
    }
    let scores: Vec<f32> = pieces
        .iter()
        .zip(&stats)
        .map(|(p, s)| s.mass * likeness(p, s, w, h))
        .collect();
    let best =
        (0..pieces.len()).max_by(|&a, &b| scores[a].total_cmp(&scores[b]).then(b.cmp(&a)))?;
    if scores[best] <= 0.0 {
        return None;
    }
    // The pieces near the digit with a tenth of its ink or more, growing the box as they join.
    let mut chosen = vec![false; pieces.len()];
    chosen[best] = true;
    let b = pieces[best];
    let mut bbox = (b.x0, b.y0, b.x1, b.y1);
    loop {
        let margin = (bbox.2 - bbox.0).max(bbox.3 - bbox.1) / 4;
        let mut grew = false;
        for (k, p) in pieces.iter().enumerate() {
            if chosen[k]
                || stats[k].mass < 0.1 * stats[best].mass
                || !part_of_a_digit(p, &stats[k], w, h)
            {
                continue;
            }
            let near = p.x1 + margin > bbox.0
                && p.x0 < bbox.2 + margin
                && p.y1 + margin > bbox.1
                && p.y0 < bbox.3 + margin;
            if near {
                chosen[k] = true;
                bbox = (
                    bbox.0.min(p.x0),
                    bbox.1.min(p.y0),
                    bbox.2.max(p.x1),
                    bbox.3.max(p.y1),
                );
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    let keep = labels
        .iter()
        .map(|&l| l != 0 && chosen[l as usize - 1])
        .collect();
    Some(Choice {
        keep,
        score: scores[best],
    })
}

/// A piece that could be part of a digit: not along the picture's edge, not a hole.
fn part_of_a_digit(p: &Piece, s: &Stats, w: usize, h: usize) -> bool {
    !touches_edge(p, w, h) && rim_ratio(p, s) < 0.35
}

fn touches_edge(p: &Piece, w: usize, h: usize) -> bool {
    p.x0 == 0 || p.y0 == 0 || p.x1 == w || p.y1 == h
}

/// How strong the other polarity's ink is around the piece, relative to the piece's own: about
/// 0 around a stroke (paper), about 1 around a hole (the strokes that enclose it).
fn rim_ratio(p: &Piece, s: &Stats) -> f32 {
    if s.rim_n == 0 || s.mass <= 0.0 {
        return 0.0;
    }
    // The rim's mean of the other polarity's top-hat over the piece's own mean.
    (s.rim_sum / s.rim_n as f32) / (s.mass / p.area.max(1) as f32).max(1.0)
}

/// How digit-like a piece is, 0..1.
fn likeness(p: &Piece, s: &Stats, w: usize, h: usize) -> f32 {
    let (bw, bh) = ((p.x1 - p.x0) as f32, (p.y1 - p.y0) as f32);
    let long = bw.max(bh);
    let mut f = 1.0;
    // Strokes, not a blob: a disc's thickness (2·area/perimeter) is half its width, a
    // digit's strokes are a quarter of its height at most.
    let thickness = 2.0 * p.area as f32 / s.boundary.max(1) as f32;
    let blob = thickness / long.max(1.0);
    if blob > 0.3 {
        f *= (0.3 / blob).powi(4);
    }
    // Paper around it, not ink of the other colour.
    f *= (1.0 - 1.5 * rim_ratio(p, s)).clamp(0.05, 1.0);
    // Clear of the picture's edge: the desk, the paper's edge, a shadow's border. A strip of
    // desk can hold many times a thin pen's ink, so the penalty is steep
    // (`docs/lab/2026-12-05-figures-from-doc-comments.md`). A
    // digit cropped tight to its ink has been given a margin before this.
    if touches_edge(p, w, h) {
        f *= 0.05;
    }
    // A long thin line the length of the picture (a margin, a fold) is not a digit.
    if (bh >= 0.85 * h as f32 || bw >= 0.85 * w as f32) && thickness * 25.0 < long {
        f *= 0.2;
    }
    // Near the middle, where people put what they photograph.
    let (cx, cy) = ((p.x0 + p.x1) as f32 / 2.0, (p.y0 + p.y1) as f32 / 2.0);
    let (dx, dy) = (cx / w as f32 - 0.5, cy / h as f32 - 0.5);
    f *= 1.0 - 0.5 * (dx * dx + dy * dy).sqrt() / std::f32::consts::FRAC_1_SQRT_2;
    f
}

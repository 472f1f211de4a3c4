//! The digits of a number written on one line: the pieces of ink beside the digit the
//! single-digit search found, joined into digits and put in order from left to right.
//!
//! The line is the digit found by [`super::polarity`] (its height `H`, its rows): a piece
//! belongs to the number when most of it lies in those rows and a chain of pieces less than
//! [`MAX_GAP`]·`H` apart leads to it; specks (under [`MIN_MASS`] of the heaviest piece), ink
//! along the picture's edge and marks above or below the line are dropped. Pieces one above
//! the other (a 5's bar, a 4 in two strokes, a broken stroke, a 1's serif) are one digit;
//! a group much wider than a digit is touching digits, which may be cut where the ink is
//! thinnest ([`cut_columns`], [`cut_candidates`]); [`super::number`] chooses the cuts.

use super::components::{bridge, label_bridged, Piece};

/// A piece more than this many line heights from the rest of the number is not part of it.
const MAX_GAP: f32 = 1.0;
/// A piece with less ink than this fraction of the heaviest piece's is a speck.
const MIN_MASS: f32 = 0.06;
/// Two pieces are one digit when their columns overlap by this fraction of the narrower's width.
const SAME_DIGIT_OVERLAP: f32 = 0.4;
/// A group shorter than this fraction of the line that overlaps no digit is a dot or a dash,
/// joined to a digit it touches within [`NEAR_SMALL`]·`H`, or dropped.
const SMALL: f32 = 0.5;
/// See [`SMALL`].
const NEAR_SMALL: f32 = 0.12;
/// A group at least this many line heights wide may be touching digits.
pub(super) const WIDE: f32 = 0.85;
/// [`WIDE`] for a group alone on its line: a single digit may be as wide as it is tall
/// (the tuning half of the single digits: 7 of 230 cut in two at 0.85).
pub(super) const WIDE_ALONE: f32 = 1.25;
/// Neighbours this close (in line heights)…
const BROKEN_GAP: f32 = 0.08;
/// …and this narrow together are one broken digit ([`join_broken`]).
const BROKEN_WIDTH: f32 = 0.75;

/// One digit's ink (or touching digits' ink, when wide): the labels of its pieces and the
/// columns it keeps.
#[derive(Debug, Clone)]
pub(super) struct Group {
    /// The labels (1-based, as [`label_bridged`]'s) of its pieces.
    pub labels: Vec<u32>,
    /// Its box (x0, y0, x1, y1), ends exclusive.
    pub bbox: (usize, usize, usize, usize),
}

/// The pieces of a picture's ink, grouped into the digits of one line.
pub(super) struct Line {
    /// A label per pixel (0 off the ink).
    pub labels: Vec<u32>,
    /// The groups, left to right.
    pub groups: Vec<Group>,
    /// The line's height, pixels.
    pub height: usize,
}

/// Groups the ink `mask` (`w`×`h`, with top-hat `hat`) around the digit found at `digit`
/// (pixels with ink) into the digits of one line.
pub(super) fn line(mask: &[bool], hat: &[u8], digit: &[f32], w: usize, h: usize) -> Option<Line> {
    let (labels, pieces) = label_bridged(mask, w, h, bridge(w, h));
    let mut mass = vec![0.0f32; pieces.len()];
    let mut main = vec![false; pieces.len()];
    for (i, &l) in labels.iter().enumerate() {
        if l != 0 {
            mass[l as usize - 1] += hat[i] as f32;
            if digit[i] > 0.0 {
                main[l as usize - 1] = true;
            }
        }
    }
    let edge = |p: &Piece| p.x0 == 0 || p.y0 == 0 || p.x1 == w || p.y1 == h;
    // The line is the found digit's pieces clear of the edge; if it has none (a number on a
    // sheet whose edge outweighed each digit), the heaviest piece clear of the edge.
    let mut mains: Vec<usize> = (0..pieces.len())
        .filter(|&k| main[k] && !edge(&pieces[k]))
        .collect();
    if mains.is_empty() {
        mains.extend(
            (0..pieces.len())
                .filter(|&k| !edge(&pieces[k]))
                .max_by(|&a, &b| mass[a].total_cmp(&mass[b])),
        );
        main.iter_mut().for_each(|m| *m = false);
    }
    if mains.is_empty() {
        return None;
    }
    for &k in &mains {
        main[k] = true;
    }
    let band = mains.iter().fold((usize::MAX, 0), |(a, b), &k| {
        (a.min(pieces[k].y0), b.max(pieces[k].y1))
    });
    let height = band.1 - band.0;
    let heaviest = mains.iter().map(|&k| mass[k]).fold(0.0, f32::max);
    // Candidates: on the line, not a speck, not along the edge.
    let on_line = |p: &Piece| {
        let inside = p.y1.min(band.1).saturating_sub(p.y0.max(band.0));
        2 * inside >= p.y1 - p.y0 && (p.y1 - p.y0) as f32 <= 1.5 * height as f32
    };
    let mut keep: Vec<usize> = (0..pieces.len())
        .filter(|&k| {
            main[k] || (on_line(&pieces[k]) && !edge(&pieces[k]) && mass[k] >= MIN_MASS * heaviest)
        })
        .collect();
    keep.sort_by_key(|&k| (pieces[k].x0, k));
    // The chain: start from the found digit's columns and grow while a piece is near.
    let (mut x0, mut x1) = mains.iter().fold((usize::MAX, 0), |(a, b), &k| {
        (a.min(pieces[k].x0), b.max(pieces[k].x1))
    });
    let gap = (MAX_GAP * height as f32) as usize;
    let mut chained = vec![false; pieces.len()];
    for &k in &mains {
        chained[k] = true;
    }
    loop {
        let mut grew = false;
        for &k in &keep {
            let p = &pieces[k];
            if !chained[k] && p.x1 + gap >= x0 && p.x0 <= x1 + gap {
                chained[k] = true;
                (x0, x1) = (x0.min(p.x0), x1.max(p.x1));
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    keep.retain(|&k| chained[k]);
    // Pieces one above the other are one digit.
    let mut groups: Vec<Group> = Vec::new();
    for &k in &keep {
        let p = pieces[k];
        let overlaps = |g: &Group| {
            let o = p.x1.min(g.bbox.2).saturating_sub(p.x0.max(g.bbox.0)) as f32;
            let narrower = (p.x1 - p.x0).min(g.bbox.2 - g.bbox.0).max(1) as f32;
            o >= SAME_DIGIT_OVERLAP * narrower
        };
        match groups.iter_mut().rev().find(|g| overlaps(g)) {
            Some(g) => g.add(k, &p),
            None => groups.push(Group {
                labels: vec![k as u32 + 1],
                bbox: (p.x0, p.y0, p.x1, p.y1),
            }),
        }
    }
    merge_overlapping(&mut groups);
    join_small(&mut groups, height);
    groups.sort_by_key(|g| (g.bbox.0, g.bbox.2));
    join_broken(&mut groups, height);
    Some(Line {
        labels,
        groups,
        height,
    })
}

impl Group {
    fn add(&mut self, k: usize, p: &Piece) {
        self.labels.push(k as u32 + 1);
        let b = &mut self.bbox;
        *b = (b.0.min(p.x0), b.1.min(p.y0), b.2.max(p.x1), b.3.max(p.y1));
    }

    fn absorb(&mut self, other: Group) {
        self.labels.extend(other.labels);
        let (b, o) = (&mut self.bbox, other.bbox);
        *b = (b.0.min(o.0), b.1.min(o.1), b.2.max(o.2), b.3.max(o.3));
    }
}

/// Groups that grew into each other's columns are one.
fn merge_overlapping(groups: &mut Vec<Group>) {
    loop {
        let mut merged = false;
        'outer: for i in 0..groups.len() {
            for j in i + 1..groups.len() {
                let (a, b) = (groups[i].bbox, groups[j].bbox);
                let o = a.2.min(b.2).saturating_sub(a.0.max(b.0)) as f32;
                let narrower = (a.2 - a.0).min(b.2 - b.0).max(1) as f32;
                if o >= SAME_DIGIT_OVERLAP * narrower {
                    let g = groups.remove(j);
                    groups[i].absorb(g);
                    merged = true;
                    break 'outer;
                }
            }
        }
        if !merged {
            return;
        }
    }
}

/// Dots and dashes beside the digits: joined to a digit they nearly touch, dropped otherwise.
fn join_small(groups: &mut Vec<Group>, height: usize) {
    let small = |g: &Group| ((g.bbox.3 - g.bbox.1) as f32) < SMALL * height as f32;
    let near = (NEAR_SMALL * height as f32) as usize;
    let mut i = 0;
    while i < groups.len() {
        if !small(&groups[i]) || groups.len() == 1 {
            i += 1;
            continue;
        }
        let b = groups[i].bbox;
        let gap = |o: &Group| {
            let ob = o.bbox;
            ob.0.saturating_sub(b.2).max(b.0.saturating_sub(ob.2))
        };
        let target = (0..groups.len())
            .filter(|&j| j != i && !small(&groups[j]))
            .min_by_key(|&j| gap(&groups[j]));
        let g = groups.remove(i);
        if let Some(j) = target.filter(|&j| {
            let j = if j > i { j - 1 } else { j };
            gap(&groups[j]) <= near
        }) {
            let j = if j > i { j - 1 } else { j };
            groups[j].absorb(g);
        }
        // `i` now points at the next group either way.
    }
}

/// Neighbours almost touching whose union is no wider than a digit are one digit broken in
/// two (a pencil's 0 that did not close, a tiny digit's thin stroke), not two digits.
fn join_broken(groups: &mut Vec<Group>, height: usize) {
    let mut i = 1;
    while i < groups.len() {
        let (a, b) = (groups[i - 1].bbox, groups[i].bbox);
        let gap = b.0.saturating_sub(a.2) as f32;
        let union = (b.2.max(a.2) - a.0) as f32;
        if gap <= BROKEN_GAP * height as f32 && union <= BROKEN_WIDTH * height as f32 {
            let g = groups.remove(i);
            groups[i - 1].absorb(g);
        } else {
            i += 1;
        }
    }
}

/// The ink of group `g` in each of its columns (from its box's left edge).
pub(super) fn columns(line: &Line, g: &Group, w: usize) -> Vec<usize> {
    let (x0, y0, x1, y1) = g.bbox;
    let mut column = vec![0usize; x1 - x0];
    for y in y0..y1 {
        for x in x0..x1 {
            let l = line.labels[y * w + x];
            if l != 0 && g.labels.contains(&l) {
                column[x - x0] += 1;
            }
        }
    }
    column
}

/// Where touching digits could be cut: the columns of `column` where the ink is locally
/// thinnest, thinnest first, each more than `spacing` from the others, at most `count`.
pub(super) fn cut_columns(column: &[usize], spacing: usize, count: usize) -> Vec<usize> {
    let mut xs: Vec<usize> = (1..column.len().saturating_sub(1))
        .filter(|&x| column[x] <= column[x - 1] && column[x] <= column[x + 1])
        .collect();
    xs.sort_by_key(|&x| (column[x], x));
    let mut out: Vec<usize> = Vec::new();
    for x in xs {
        // A few columns apart, not every column of one valley.
        if out.iter().all(|&o| o.abs_diff(x) > spacing) {
            out.push(x);
        }
        if out.len() == count {
            break;
        }
    }
    out
}

/// Where a cut near column `at` of `column` could go: the thinnest columns within `reach`
/// (local minima first, the thinnest first, at most `count`; ties nearest `at`).
pub(super) fn cut_candidates(
    column: &[usize],
    at: usize,
    reach: usize,
    count: usize,
) -> Vec<usize> {
    let width = column.len();
    if width < 3 {
        return vec![at.clamp(1, width.max(2) - 1)];
    }
    let lo = at.saturating_sub(reach).max(1);
    let hi = (at + reach).min(width - 2).max(lo);
    let mut xs: Vec<usize> = (lo..=hi).collect();
    let minimum = |x: usize| column[x] <= column[x - 1] && column[x] <= column[x + 1];
    xs.sort_by_key(|&x| (!minimum(x), column[x], x.abs_diff(at)));
    let mut out: Vec<usize> = Vec::new();
    for x in xs {
        // Candidates a few columns apart, not every column of one valley.
        if out.iter().all(|&o| o.abs_diff(x) > reach / 4) {
            out.push(x);
        }
        if out.len() == count {
            break;
        }
    }
    out
}

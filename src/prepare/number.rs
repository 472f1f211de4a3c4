//! Reading a whole number: the digits of a number written on one line, each prepared as a
//! single digit is and read by the same model.
//!
//! The picture is worked on exactly as for one digit ([`super::prepare_gray`]: the same
//! decoding, margin, enlargement, polarity, top-hat, threshold and ruled lines); then
//! [`super::segment`] finds the pieces beside the digit on its line and groups them into
//! digits. A picture in which one digit is found is prepared exactly as today, so a single
//! digit reads the same whichever path reads it. Each digit of a longer number is cropped to
//! its own ink and fitted into 28×28 by [`super::fit`] (crop, 20 px, centre of mass).
//!
//! A group much wider than a digit is touching digits. It may be cut at any of the columns
//! where its ink is thinnest; every piece between two such columns is read by the network,
//! and the cuts whose pieces are best digits win ([`best_cut`]): a piece scores the log of the
//! network's winning output, less a cost for a width no digit of that class has (a "1" is
//! narrow, other digits about a digit's width) and a small cost per piece. Judging the pieces
//! by shape as well as by the network matters because the network reads a slice of touching
//! digits surely as some digit: by confidence alone a 1 touching its neighbour was absorbed
//! and joined pairs were cut where the slices looked surest. A piece alone on its line is cut
//! more warily ([`even_cut`]), so that a wide single digit reads as it always has.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use super::components::label;
use super::fill::fill_hollow_strokes;
use super::gray::{self, Gray};
use super::lines::remove_ruled_lines;
use super::polarity::{dilate1, find_digit, find_digit_as, Found};
use super::segment::{columns, cut_candidates, cut_columns, line, Group, Line, WIDE, WIDE_ALONE};
use super::{decode, fit, PrepareError, TIGHT_CROP_MARGIN_DIV, TIGHT_CROP_MAX_SIDE};
use crate::digits::mnist::SIDE;

/// The most digits read from one picture.
pub const MAX_DIGITS: usize = 32;

/// A digit's width as a fraction of the line's height, for guessing how many touching digits
/// a wide group holds.
const DIGIT_WIDTH: f32 = 0.62;
/// The narrowest piece a cut may leave that the network reads as anything but a 1, in digit
/// widths (for a lone piece, [`even_cut`], the narrowest piece at all).
const MIN_PART: f32 = 0.45;
/// What a count twice or half the lone piece's width in digits costs ([`even_cut`]), in the
/// mean log of the digits' confidences.
const COUNT_COST: f32 = 1.0;
/// The narrowest piece a cut may leave at all (a 1), in digit widths.
const MIN_ONE: f32 = 0.25;
/// The widest piece a cut may leave, in digit widths.
const MAX_PART: f32 = 2.0;
/// A 1 wider than this (in digit widths) costs [`SHAPE_COST`] per doubling.
const ONE_WIDTH: f32 = 0.7;
/// Another digit costs [`SHAPE_COST`] per doubling of its width beyond this many doublings
/// away from a digit width (0.4: from 0.76 to 1.32 digit widths is free).
const WIDTH_SLACK: f32 = 0.4;
/// What a width no digit of the piece's class has costs, per doubling, in the log of the
/// network's output.
const SHAPE_COST: f32 = 2.0;
/// What each piece costs, in the log of the network's output: without it, cutting a digit in
/// two surely read halves would cost nothing.
const PIECE_COST: f32 = 0.2;
/// At most this many columns are tried as cuts in one group.
const MAX_CUT_COLUMNS: usize = 24;
/// Cut columns are more than this many digit widths apart.
const CUT_SPACING: f32 = 0.08;

/// Why a number could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub enum NumberError {
    /// The picture could not be prepared (unreadable, too large, blank).
    Prepare(PrepareError),
    /// More digits than [`MAX_DIGITS`].
    TooManyDigits(usize),
}

impl fmt::Display for NumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NumberError::Prepare(e) => write!(f, "{e}"),
            NumberError::TooManyDigits(n) => write!(
                f,
                "found {n} digits or more; a picture is read as one number of at most \
                 {MAX_DIGITS} digits (crop it to the number)"
            ),
        }
    }
}

impl std::error::Error for NumberError {}

impl From<PrepareError> for NumberError {
    fn from(e: PrepareError) -> Self {
        NumberError::Prepare(e)
    }
}

/// One digit of a number.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberDigit {
    /// Its box in the picture (x0, y0, x1, y1), pixels, ends exclusive.
    pub bbox: [u32; 4],
    /// The 28×28 digit, MNIST-style (light ink on black).
    pub pixels: [u8; SIDE * SIDE],
    /// The network's outputs for it, as the reader gave them.
    pub outputs: Vec<f32>,
}

/// A number read from a picture.
#[derive(Debug, Clone, PartialEq)]
pub struct Number {
    /// Its digits, left to right (one for a picture of one digit).
    pub digits: Vec<NumberDigit>,
    /// True when the picture had dark ink on light paper.
    pub inverted: bool,
    /// The picture's size, width × height.
    pub source_size: (u32, u32),
}

/// Reads the number in an image file; `read` gives the network's outputs for a 28×28 digit.
pub fn read_number_file(
    path: &Path,
    limits: super::Limits,
    read: &mut dyn FnMut(&[u8; SIDE * SIDE]) -> Vec<f32>,
) -> Result<Number, NumberError> {
    let file = std::fs::File::open(path).map_err(PrepareError::Io)?;
    let (gray, source_size) = decode::decode(std::io::BufReader::new(file), limits)?;
    read_number_gray(&gray, source_size, read)
}

/// Reads the number in an image held in memory (PNG or JPEG bytes).
pub fn read_number_bytes(
    bytes: &[u8],
    limits: super::Limits,
    read: &mut dyn FnMut(&[u8; SIDE * SIDE]) -> Vec<f32>,
) -> Result<Number, NumberError> {
    let (gray, source_size) = decode::decode(std::io::Cursor::new(bytes), limits)?;
    read_number_gray(&gray, source_size, read)
}

/// How many digits the picture holds, without a network: wide groups are counted by their
/// width. For refusing several digits where one is expected (teaching).
pub fn count_digits_bytes(bytes: &[u8], limits: super::Limits) -> Result<usize, NumberError> {
    let mut guess = |_: &[u8; SIDE * SIDE]| vec![1.0f32; 10];
    let (gray, size) = decode::decode(std::io::Cursor::new(bytes), limits)?;
    Ok(read_number_gray(&gray, size, &mut guess)?.digits.len())
}

/// [`count_digits_bytes`] for a file.
pub fn count_digits_file(path: &Path, limits: super::Limits) -> Result<usize, NumberError> {
    let bytes = std::fs::read(path).map_err(PrepareError::Io)?;
    count_digits_bytes(&bytes, limits)
}

/// The number in a decoded picture (`gray`, from a `source_size` picture).
pub fn read_number_gray(
    gray: &Gray,
    source_size: (u32, u32),
    read: &mut dyn FnMut(&[u8; SIDE * SIDE]) -> Vec<f32>,
) -> Result<Number, NumberError> {
    if gray.w == 0 || gray.h == 0 {
        return Err(PrepareError::NoDigit.into());
    }
    // The working picture, exactly as `prepare_gray` makes it.
    let side = gray.w.max(gray.h);
    let (padded, margin) = if side <= TIGHT_CROP_MAX_SIDE && gray.ink_on_edge() {
        let m = (side / TIGHT_CROP_MARGIN_DIV).max(1);
        (Some(gray.padded_with_paper(m)), m)
    } else {
        (None, 0)
    };
    let base = padded.as_ref().unwrap_or(gray);
    let work = base.enlarged_to(gray::MIN_WORK_SIDE);
    let (w, h) = (work.w, work.h);
    let found = find_digit(&work).ok_or(PrepareError::NoDigit)?;
    // Working pixels to the picture's: undo the enlargement, the margin, the shrinking.
    let k = (w / base.w.max(1)).max(1) as f32;
    let (sx, sy) = (
        source_size.0 as f32 / gray.w as f32,
        source_size.1 as f32 / gray.h as f32,
    );
    let to_source = |b: (usize, usize, usize, usize)| {
        let f = |v: usize, s: f32, lim: u32| {
            (((v as f32 / k - margin as f32).max(0.0) * s).round() as u32).min(lim)
        };
        [
            f(b.0, sx, source_size.0),
            f(b.1, sy, source_size.1),
            f(b.2, sx, source_size.0),
            f(b.3, sy, source_size.1),
        ]
    };
    // One digit, exactly as a single digit is prepared today.
    let single = |read: &mut dyn FnMut(&[u8; SIDE * SIDE]) -> Vec<f32>| {
        let pixels = fit::fit(&found.ink, w, h).ok_or(PrepareError::NoDigit)?;
        let bbox = fit::bounding_box(&found.ink, w, h)
            .map(to_source)
            .unwrap_or_default();
        Ok::<_, NumberError>(Number {
            digits: vec![NumberDigit {
                bbox,
                outputs: read(&pixels),
                pixels,
            }],
            inverted: found.inverted,
            source_size,
        })
    };
    // The line in the polarity the single digit was found in, and in the other one; the
    // reading the network is surer of wins.
    let mut best: Option<(f32, Vec<NumberDigit>, &Found, bool)> = None;
    // The other polarity when today's find is not ink on paper, or is wider than tall, and
    // the other's is ink on paper: the paper between a thin pen's digits, found as light ink
    // where the digits are dark (on a sheet photographed on a dark desk, the desk makes the
    // paper look like the ink).
    let wider_than_tall =
        fit::bounding_box(&found.ink, w, h).is_some_and(|b| b.2 - b.0 > b.3 - b.1);
    let other = if found.on_paper && !wider_than_tall {
        None
    } else {
        find_digit_as(&work, Some(!found.inverted)).filter(|o| o.on_paper)
    };
    for f in std::iter::once(&found).chain(other.as_ref()) {
        let line = match read_line(f, w, h, &to_source, Cuts::Even, read) {
            // More than 32 digits in the other polarity (the paper between strokes, cut up) is
            // not this picture's number: the polarity found first decides.
            Err(NumberError::TooManyDigits(_)) if !std::ptr::eq(f, &found) => None,
            line => line?,
        };
        let Some((digits, lone, cut)) = line else {
            continue;
        };
        // Several pieces none of which the network reads surely are not a number: the
        // speckle of a pencil digit too small to read, say. One digit it stays.
        if digits.len() < 2 || digits.iter().all(|d| top(d) < NUMBER_PART_SURE) {
            continue;
        }
        let score = sureness(&digits);
        if lone && !lone_cut_holds(&digits, score, || Ok(sureness(&single(read)?.digits)))? {
            continue;
        }
        if best.as_ref().is_none_or(|(b, ..)| score > *b) {
            best = Some((score, digits, f, cut && !lone));
        }
    }
    let Some((score, mut digits, mut f, mut recut)) = best else {
        return single(read);
    };
    // A faint pencil's strokes lose their faintest parts to the threshold (a 0 found as two
    // arcs, a 7 without its bar): the line is read again with those parts joined back, and
    // the reading the network is surer of wins. Only a line already read as a number.
    let fainter = with_faint_strokes(f, w, h);
    if let Some(faint) = &fainter {
        // More than 32 digits with the faint strokes (specks joined into pieces) is no better
        // reading: the first one stands.
        if let Ok(Some((d, false, cut))) = read_line(faint, w, h, &to_source, Cuts::Even, read) {
            if d.len() >= 2 && sureness(&d) > score + FAINT_MARGIN {
                (digits, f, recut) = (d, faint, cut);
            }
        }
    }
    // A line of several groups read as a number, with touching digits in it: cut again, with
    // every cut column weighed ([`best_cut`]). Only a line already read as a number, so that
    // no picture of one digit reads otherwise than it did.
    if recut {
        if let Some((cut, false, _)) = read_line(f, w, h, &to_source, Cuts::Best, read)? {
            if cut.len() > 1 && cut.iter().any(|d| top(d) >= NUMBER_PART_SURE) {
                digits = cut;
            }
        }
    }
    Ok(Number {
        digits,
        inverted: f.inverted,
        source_size,
    })
}

/// `found` with its mask grown by hysteresis: ink above half the threshold is kept where it
/// touches ink above the threshold (as Canny keeps an edge's weak parts). `None` when that
/// adds nothing.
fn with_faint_strokes(found: &Found, w: usize, h: usize) -> Option<Found> {
    let threshold = found
        .mask
        .iter()
        .zip(&found.hat)
        .filter(|(&m, _)| m)
        .map(|(_, &v)| v)
        .min()?;
    let low = threshold / 2;
    let mut weak: Vec<bool> = found.hat.iter().map(|&v| v > low).collect();
    remove_ruled_lines(&mut weak, w, h);
    let (labels, pieces) = label(&weak, w, h);
    let mut strong = vec![false; pieces.len() + 1];
    for (&l, &m) in labels.iter().zip(&found.mask) {
        strong[l as usize] |= m && l != 0;
    }
    let mask: Vec<bool> = labels
        .iter()
        .zip(&found.mask)
        .map(|(&l, &m)| m || strong[l as usize])
        .collect();
    (mask != found.mask).then(|| Found {
        mask,
        ..found.clone()
    })
}

/// How [`read_line`] cuts a group of touching digits.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cuts {
    /// [`even_cut`] for every group: evenly spaced, few choices.
    Even,
    /// [`best_cut`] where the line has several groups, [`even_cut`] for a lone one.
    Best,
}

/// One piece of ink cut into digits (`cut`, of [`sureness`] `score`) is kept only when each
/// part is as tall as a digit ([`LONE_PART_HEIGHT`] of the tallest: not a 7's long bar), the
/// network reads each part surely ([`LONE_PART_SURE`]), and it is surer of the cut than of the
/// piece read as one digit (`single`, computed only when needed). A lone digit that is merely
/// wide (a marker 8, a 7 with a long bar) so reads exactly as a single digit does.
fn lone_cut_holds(
    cut: &[NumberDigit],
    score: f32,
    single: impl FnOnce() -> Result<f32, NumberError>,
) -> Result<bool, NumberError> {
    let height = |d: &NumberDigit| d.bbox[3].saturating_sub(d.bbox[1]) as f32;
    let tallest = cut.iter().map(height).fold(0.0f32, f32::max);
    if cut
        .iter()
        .any(|d| height(d) < LONE_PART_HEIGHT * tallest || top(d) < LONE_PART_SURE)
    {
        return Ok(false);
    }
    Ok(score > single()?)
}

/// The network's top output for a digit.
fn top(d: &NumberDigit) -> f32 {
    d.outputs.iter().copied().fold(0.0f32, f32::max)
}

/// A reading of several digits is kept only if the network reads one of them at least this
/// surely.
const NUMBER_PART_SURE: f32 = 0.5;

/// How much surer (in [`sureness`]) the network must be of a line read with its faint strokes
/// joined back ([`with_faint_strokes`]) for that reading to win: on the tuning half, the
/// readings it rightly replaced were 0.06–0.85 surer, those it would wrongly have replaced at
/// most 0.04.
const FAINT_MARGIN: f32 = 0.05;

/// The shortest part of a lone piece's cut, as a fraction of the tallest.
const LONE_PART_HEIGHT: f32 = 0.5;

/// The least top output of each part of a lone piece's cut.
const LONE_PART_SURE: f32 = 0.6;

/// How sure the network is of a reading: the mean log of each digit's winning output.
fn sureness(digits: &[NumberDigit]) -> f32 {
    let sum: f32 = digits.iter().map(|d| top(d).max(1e-4).ln()).sum();
    sum / digits.len().max(1) as f32
}

/// The digits of the line around the digit `found` (in the `w`×`h` working picture), wide
/// groups cut as `cuts` says, each read; whether they were all cut from one piece of ink
/// alone on its line; and whether any group was wide enough to cut. `None` when there is no
/// line.
fn read_line(
    found: &Found,
    w: usize,
    h: usize,
    to_source: &dyn Fn((usize, usize, usize, usize)) -> [u32; 4],
    cuts: Cuts,
    read: &mut dyn FnMut(&[u8; SIDE * SIDE]) -> Vec<f32>,
) -> Result<Option<(Vec<NumberDigit>, bool, bool)>, NumberError> {
    let Some(line) = line(&found.mask, &found.hat, &found.ink, w, h) else {
        return Ok(None);
    };
    if line.groups.len() > MAX_DIGITS {
        return Err(NumberError::TooManyDigits(line.groups.len()));
    }
    let ink = Ink {
        line: &line,
        hat: &found.hat,
        level: found.level as f32,
        w,
    };
    let height = line.height.max(1) as f32;
    // A digit's width: the median of this line's digits that are not wide, if there are two.
    let mut narrow: Vec<usize> = line
        .groups
        .iter()
        .map(|g| g.bbox.2 - g.bbox.0)
        .filter(|&gw| (gw as f32) < WIDE * height)
        .collect();
    narrow.sort_unstable();
    let digit_width = if narrow.len() >= 2 {
        (narrow[narrow.len() / 2] as f32).max(DIGIT_WIDTH * height * 0.6)
    } else {
        DIGIT_WIDTH * height
    };
    let mut digits: Vec<NumberDigit> = Vec::new();
    let mut cut = false;
    for g in &line.groups {
        let width = (g.bbox.2 - g.bbox.0) as f32;
        let mut parts = vec![(g.bbox.0, g.bbox.2)];
        let wide = if line.groups.len() == 1 {
            WIDE_ALONE
        } else {
            WIDE
        };
        if width >= wide * height {
            cut = true;
            parts = if line.groups.len() == 1 || cuts == Cuts::Even {
                let narrowest = (MIN_PART * digit_width) as usize;
                even_cut(&ink, g, width / digit_width, narrowest, read)
            } else {
                best_cut(&ink, g, digit_width, read)
            };
        }
        if digits.len() + parts.len() > MAX_DIGITS {
            return Err(NumberError::TooManyDigits(digits.len() + parts.len()));
        }
        for (c0, c1) in parts {
            let Some((pixels, b)) = ink.digit(g, c0, c1) else {
                continue;
            };
            digits.push(NumberDigit {
                bbox: to_source(b),
                outputs: read(&pixels),
                pixels,
            });
        }
    }
    Ok(Some((digits, line.groups.len() == 1, cut)))
}

/// The working picture's ink, for cutting digits out of it.
struct Ink<'a> {
    line: &'a Line,
    hat: &'a [u8],
    level: f32,
    w: usize,
}

impl Ink<'_> {
    /// The 28×28 digit of group `g`'s ink in columns `c0..c1`, and its box.
    #[allow(clippy::type_complexity)]
    fn digit(
        &self,
        g: &Group,
        c0: usize,
        c1: usize,
    ) -> Option<([u8; SIDE * SIDE], (usize, usize, usize, usize))> {
        // A crop two pixels wider than the group each way, for the rim `dilate1` adds.
        let (x0, y0) = (c0.saturating_sub(2), g.bbox.1.saturating_sub(2));
        let x1 = (c1 + 2).min(self.w);
        let y1 = (g.bbox.3 + 2).min(self.line.labels.len() / self.w);
        let (cw, ch) = (x1 - x0, y1 - y0);
        let mut mask = vec![false; cw * ch];
        for y in y0..y1 {
            for x in c0..c1 {
                let l = self.line.labels[y * self.w + x];
                mask[(y - y0) * cw + x - x0] = l != 0 && g.labels.contains(&l);
            }
        }
        let b = super::fill::bbox(&mask, cw, ch)?;
        // As `polarity` makes a digit's ink: a one-pixel rim, hollow strokes filled, the
        // top-hat at the ink's own strength.
        let keep = dilate1(&mask, cw, ch);
        let mut filled = keep.clone();
        fill_hollow_strokes(&mut filled, cw, ch);
        let mut ink = vec![0.0f32; cw * ch];
        for y in 0..ch {
            for x in 0..cw {
                let i = y * cw + x;
                let v = self.hat[(y + y0) * self.w + x + x0] as f32;
                ink[i] = match (keep[i], filled[i]) {
                    (true, _) => (v / self.level).min(1.0),
                    (false, true) => 1.0,
                    (false, false) => 0.0,
                };
            }
        }
        let pixels = fit::fit(&ink, cw, ch)?;
        Some((pixels, (b.0 + x0, b.1 + y0, b.2 + x0, b.3 + y0)))
    }
}

/// The columns of the touching digits in `g` (a digit `digit_width` pixels wide): the cuts,
/// among the columns where the ink is thinnest, whose pieces score best (dynamic programming
/// over the cut columns, left to right). A piece scores the log of the network's winning
/// output, less [`SHAPE_COST`] for a width its digit does not have and [`PIECE_COST`]; the
/// group uncut is one of the choices.
fn best_cut(
    ink: &Ink,
    g: &Group,
    digit_width: f32,
    read: &mut dyn FnMut(&[u8; SIDE * SIDE]) -> Vec<f32>,
) -> Vec<(usize, usize)> {
    let column = columns(ink.line, g, ink.w);
    let width = column.len();
    let spacing = ((CUT_SPACING * digit_width) as usize).max(1);
    let mut cuts = cut_columns(&column, spacing, MAX_CUT_COLUMNS);
    cuts.extend([0, width]);
    cuts.sort_unstable();
    cuts.dedup();
    let (min_one, min_part, max_part) = (
        (MIN_ONE * digit_width) as usize,
        (MIN_PART * digit_width) as usize,
        (MAX_PART * digit_width) as usize,
    );
    // The score of the piece in columns a..b (relative to the box).
    let mut piece = |a: usize, b: usize| -> f32 {
        let pw = b - a;
        if pw < min_one || pw > max_part {
            return f32::NEG_INFINITY;
        }
        let Some((pixels, _)) = ink.digit(g, g.bbox.0 + a, g.bbox.0 + b) else {
            return f32::NEG_INFINITY;
        };
        let outputs = read(&pixels);
        let (class, sure) = outputs
            .iter()
            .copied()
            .enumerate()
            .fold((0, 0.0f32), |m, (i, v)| if v > m.1 { (i, v) } else { m });
        if class != 1 && pw < min_part {
            // A sliver of a 0 or an 8 reads surely as something; only a 1 is this narrow.
            return f32::NEG_INFINITY;
        }
        let r = pw as f32 / digit_width;
        let misfit = if class == 1 {
            (r / ONE_WIDTH).log2().max(0.0)
        } else {
            (r.log2().abs() - WIDTH_SLACK).max(0.0)
        };
        sure.max(1e-4).ln() - SHAPE_COST * misfit - PIECE_COST
    };
    // best[j]: the best score of the columns up to cut j, and the cut before it.
    let n = cuts.len();
    let mut best: Vec<(f32, usize)> = vec![(f32::NEG_INFINITY, 0); n];
    best[0].0 = 0.0;
    for j in 1..n {
        for i in 0..j {
            if best[i].0 > f32::NEG_INFINITY {
                let s = best[i].0 + piece(cuts[i], cuts[j]);
                if s > best[j].0 {
                    best[j] = (s, i);
                }
            }
        }
    }
    if best[n - 1].0 == f32::NEG_INFINITY {
        return vec![(g.bbox.0, g.bbox.2)];
    }
    let mut parts = Vec::new();
    let mut j = n - 1;
    while j > 0 {
        let i = best[j].1;
        parts.push((g.bbox.0 + cuts[i], g.bbox.0 + cuts[j]));
        j = i;
    }
    parts.reverse();
    parts
}

/// The columns of a lone piece of ink that may be touching digits (the only group on its
/// line): for each count near what its width suggests (`guess` digits), cuts evenly spaced
/// where the ink is thinnest, each moved in turn to the candidate the network reads most
/// surely; the count and cuts whose digits are read most surely (the mean log of each digit's
/// winning output, less [`COUNT_COST`] per doubling away from `guess`) win. Narrower in its
/// choices than [`best_cut`] on purpose: a lone wide digit (a marker 8, a 7 with a long bar)
/// must read exactly as a single digit, and [`best_cut`]'s freedom finds surer cuts of it.
fn even_cut(
    ink: &Ink,
    g: &Group,
    guess: f32,
    narrowest: usize,
    read: &mut dyn FnMut(&[u8; SIDE * SIDE]) -> Vec<f32>,
) -> Vec<(usize, usize)> {
    let column = columns(ink.line, g, ink.w);
    let width = column.len();
    let lo = ((guess * 0.6).floor() as usize).max(1);
    let hi = ((guess * 1.4).ceil() as usize).clamp(2, MAX_DIGITS);
    // ln(confidence) of the digit in columns c0..c1 (relative to the box), remembered.
    let mut seen: HashMap<(usize, usize), f32> = HashMap::new();
    let mut sure = |c0: usize, c1: usize| -> f32 {
        *seen
            .entry((c0, c1))
            .or_insert_with(|| match ink.digit(g, g.bbox.0 + c0, g.bbox.0 + c1) {
                Some((pixels, _)) => {
                    let o = read(&pixels);
                    o.iter().copied().fold(0.0f32, f32::max).max(1e-4).ln()
                }
                None => -10.0,
            })
    };
    let mut best: Option<(f32, Vec<usize>)> = None;
    for k in lo..=hi {
        let reach = width / (2 * k);
        let mut edges: Vec<usize> = vec![0];
        for i in 1..k {
            let at = i * width / k;
            edges.push(cut_candidates(&column, at, reach / 2, 1)[0]);
        }
        edges.push(width);
        let mut total = |e: &[usize]| -> f32 {
            if e.windows(2).any(|p| p[1] < p[0] + narrowest) {
                return f32::NEG_INFINITY;
            }
            e.windows(2).map(|p| sure(p[0], p[1])).sum::<f32>() / k as f32
        };
        let mut score = total(&edges);
        for i in 1..k {
            let at = i * width / k;
            for c in cut_candidates(&column, at, reach, 4) {
                let mut tried = edges.clone();
                tried[i] = c;
                let s = total(&tried);
                if s > score {
                    (score, edges) = (s, tried);
                }
            }
        }
        score -= COUNT_COST * (k as f32 / guess).log2().abs();
        if best.as_ref().is_none_or(|(b, _)| score > *b) {
            best = Some((score, edges));
        }
    }
    match best {
        Some((_, e)) => e
            .windows(2)
            .map(|p| (g.bbox.0 + p[0], g.bbox.0 + p[1]))
            .collect(),
        None => vec![(g.bbox.0, g.bbox.2)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A white `w`×`h` picture with a dark ring (a 0) in each box (x0, y0, x1, y1).
    fn rings(w: usize, h: usize, boxes: &[(f32, f32, f32, f32)]) -> Gray {
        let mut px = vec![245u8; w * h];
        for &(x0, y0, x1, y1) in boxes {
            let (cx, cy, rx, ry) = (
                (x0 + x1) / 2.0,
                (y0 + y1) / 2.0,
                (x1 - x0) / 2.0,
                (y1 - y0) / 2.0,
            );
            for y in 0..h {
                for x in 0..w {
                    let (dx, dy) = ((x as f32 + 0.5 - cx) / rx, (y as f32 + 0.5 - cy) / ry);
                    let d = (dx * dx + dy * dy).sqrt();
                    if (d - 0.85).abs() < 0.15 {
                        px[y * w + x] = 20;
                    }
                }
            }
        }
        Gray::new(w, h, px)
    }

    fn count(n: &Number) -> Vec<u32> {
        n.digits.iter().map(|d| d.bbox[0]).collect()
    }

    #[test]
    fn three_digits_are_found_left_to_right_with_their_boxes() {
        let g = rings(
            320,
            140,
            &[
                (60.0, 40.0, 100.0, 100.0),
                (130.0, 40.0, 170.0, 100.0),
                (200.0, 42.0, 240.0, 102.0),
            ],
        );
        let mut reads = 0;
        let n = read_number_gray(&g, (640, 280), &mut |_| {
            reads += 1;
            vec![0.5; 10]
        })
        .unwrap();
        assert_eq!(n.digits.len(), 3, "{:?}", count(&n));
        // Each digit once, and once more with the line's faint strokes joined back (the rings'
        // antialiased rims); the network is no surer of that reading, so the first stays.
        assert_eq!(reads, 6);
        let xs = count(&n);
        assert!(xs.windows(2).all(|p| p[0] < p[1]), "{xs:?}");
        // Boxes are in the picture's pixels (twice the decoded size here).
        let b = n.digits[0].bbox;
        assert!(
            (110..=130).contains(&b[0]) && (190..=210).contains(&b[2]),
            "{b:?}"
        );
        assert!(n.inverted);
    }

    #[test]
    fn one_digit_is_prepared_exactly_as_a_single_digit() {
        let g = rings(200, 160, &[(70.0, 40.0, 120.0, 120.0)]);
        let n = read_number_gray(&g, (200, 160), &mut |_| vec![0.0; 10]).unwrap();
        assert_eq!(n.digits.len(), 1);
        let (pixels, inverted) = super::super::prepare_gray(&g).unwrap();
        assert_eq!(n.digits[0].pixels, pixels);
        assert_eq!(n.inverted, inverted);
    }

    #[test]
    fn more_than_32_digits_is_an_error_not_a_long_wait() {
        let boxes: Vec<_> = (0..40)
            .map(|i| (20.0 + 24.0 * i as f32, 20.0, 36.0 + 24.0 * i as f32, 44.0))
            .collect();
        let g = rings(1000, 64, &boxes);
        let e = read_number_gray(&g, (1000, 64), &mut |_| vec![0.0; 10]).unwrap_err();
        assert!(
            matches!(e, NumberError::TooManyDigits(n) if n > MAX_DIGITS),
            "{e}"
        );
        assert!(e.to_string().contains("at most 32 digits"));
    }

    #[test]
    fn a_blank_picture_has_no_number() {
        let g = Gray::new(100, 100, vec![200; 100 * 100]);
        let e = read_number_gray(&g, (100, 100), &mut |_| vec![0.0; 10]).unwrap_err();
        assert!(matches!(e, NumberError::Prepare(PrepareError::NoDigit)));
    }
}

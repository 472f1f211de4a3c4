//! Ruled lines: long, thin, nearly horizontal ink that runs across the page. They are taken
//! out of the ink before the digit is looked for, or a digit written on a line would be one
//! piece with it. Where a stroke of the digit crosses the line the ink is thick in that
//! column, so the crossing stays and the digit is not cut.

use super::components::label;

/// Removes ruled lines from `mask` (`w`×`h`); returns how many were found.
pub(super) fn remove_ruled_lines(mask: &mut [bool], w: usize, h: usize) -> usize {
    // A line is at most this thick (at working size a ruled line is 1–4 px, blurred a little).
    let thick = (h / 64).max(4);
    // Ink that is thin vertically: its column's run through it is short.
    let mut thin = vec![false; w * h];
    for x in 0..w {
        let mut y = 0;
        while y < h {
            if !mask[y * w + x] {
                y += 1;
                continue;
            }
            let start = y;
            while y < h && mask[y * w + x] {
                y += 1;
            }
            if y - start <= thick {
                for t in start..y {
                    thin[t * w + x] = true;
                }
            }
        }
    }
    // A stroke crossing the line interrupts its thin run: bridge gaps of up to a tenth of the
    // width along each row so the two halves are one line, and gaps of any length where ink
    // goes on all the way (a digit's bar written along the line makes it thick for a while).
    let gap = (w / 10).max(2);
    let mut bridged = thin.clone();
    for y in 0..h {
        let row = &thin[y * w..(y + 1) * w];
        let mut last: Option<usize> = None;
        for (x, &on) in row.iter().enumerate() {
            if on {
                if let Some(l) = last {
                    let inked = mask[y * w + l + 1..y * w + x].iter().all(|&m| m);
                    if x - l > 1 && (x - l <= gap || inked) {
                        bridged[y * w + l + 1..y * w + x].fill(true);
                    }
                }
                last = Some(x);
            }
        }
    }
    let (labels, pieces) = label(&bridged, w, h);
    let mut found = 0;
    let mut is_line = vec![false; pieces.len() + 1];
    for (i, p) in pieces.iter().enumerate() {
        let (bw, bh) = (p.x1 - p.x0, p.y1 - p.y0);
        // Across more than half the page, and no steeper than about 4°: longer than a digit's
        // bar unless the digit fills the picture, which ruled paper around it rules out.
        if bw * 100 >= w * 55 && bh <= (bw * 7 / 100).max(2 * thick) {
            is_line[i + 1] = true;
            found += 1;
        }
    }
    if found > 0 {
        for ((m, &l), &t) in mask.iter_mut().zip(&labels).zip(&thin) {
            if t && is_line[l as usize] {
                *m = false;
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ruled_line_goes_and_the_stroke_crossing_it_stays() {
        let (w, h) = (200, 100);
        let mut mask = vec![false; w * h];
        for x in 0..w {
            // A line two pixels thick, slightly tilted.
            let y = 50 + x / 100;
            mask[y * w + x] = true;
            mask[(y + 1) * w + x] = true;
        }
        for y in 20..80 {
            for x in 100..106 {
                mask[y * w + x] = true; // a stroke crossing it
            }
        }
        assert_eq!(remove_ruled_lines(&mut mask, w, h), 1);
        assert!(!mask[50 * w + 10] && !mask[51 * w + 190]);
        assert!((20..80).all(|y| mask[y * w + 103]), "the stroke is whole");
    }

    #[test]
    fn a_line_with_a_bar_written_along_it_goes_and_the_bar_stays() {
        // A 2's base, 6 px thick and 80 px long, lying on a 2 px line: the line's thin run
        // stops for longer than the gap a crossing stroke makes.
        let (w, h) = (200, 100);
        let mut mask = vec![false; w * h];
        for x in 0..w {
            mask[60 * w + x] = true;
            mask[61 * w + x] = true;
        }
        for y in 56..62 {
            for x in 60..140 {
                mask[y * w + x] = true;
            }
        }
        assert_eq!(remove_ruled_lines(&mut mask, w, h), 1);
        assert!(!mask[60 * w + 10] && !mask[61 * w + 190]);
        assert!((56..62).all(|y| mask[y * w + 100]), "the bar is whole");
    }

    #[test]
    fn a_digit_bar_is_not_a_line() {
        let (w, h) = (200, 100);
        let mut mask = vec![false; w * h];
        for x in 60..140 {
            mask[30 * w + x] = true;
        }
        assert_eq!(remove_ruled_lines(&mut mask, w, h), 0);
        assert!(mask[30 * w + 100]);
    }
}

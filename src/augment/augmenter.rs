//! The [`Augmenter`]: one copy of a digit made from its random draws, a European stroke, the
//! stroke width, the warp with its elastic field, then the pen and the scan.

use alloc::vec;
use alloc::vec::Vec;

use super::draw::Pen;
use super::{
    elastic, european, random_map, seed, soften, stroke_width, warp_displaced, AugmentRanges,
};

/// Makes augmented copies: copy `copy` of sample `index` in epoch `epoch` depends on those
/// numbers and the seed alone, never on which copies were made before.
#[derive(Debug, Clone)]
pub struct Augmenter {
    seed: u64,
    side: usize,
    ranges: AugmentRanges,
    elastic: Option<elastic::Elastic>,
    /// The displacement field, x then y, side² each.
    dx: Vec<f32>,
    dy: Vec<f32>,
    /// The image with its strokes changed, before the warp.
    stroked: Vec<u8>,
    /// A step on the way: a marker's first full dilation, or the warped copy before it is
    /// softened.
    between: Vec<u8>,
    /// The digit with a European stroke drawn on it, before everything else.
    amended: Vec<u8>,
}

impl Augmenter {
    /// An augmenter of `side`×`side` images with `ranges`, seeded with `seed`.
    pub fn new(seed: u64, ranges: AugmentRanges, side: usize) -> Self {
        Augmenter {
            seed,
            side,
            ranges,
            elastic: (ranges.elastic > 0.0)
                .then(|| elastic::Elastic::new(side, ranges.elastic_sigma)),
            dx: vec![0.0; side * side],
            dy: vec![0.0; side * side],
            stroked: vec![0; side * side],
            between: vec![0; side * side],
            amended: vec![0; side * side],
        }
    }

    /// The ranges copies are drawn from.
    pub fn ranges(&self) -> &AugmentRanges {
        &self.ranges
    }

    /// Writes copy `copy` of sample `index` of epoch `epoch`, made from `src`, into `dst`:
    /// an image without a label, so it never gets a European stroke (see
    /// [`Augmenter::augment_digit`]).
    ///
    /// # Panics
    /// If `src` or `dst` is not side² long.
    pub fn augment(&mut self, epoch: u32, index: u64, copy: u32, src: &[u8], dst: &mut [u8]) {
        self.make(epoch, index, copy, None, src, dst)
    }

    /// [`Augmenter::augment`] for a digit whose label is known: a 1 may also get a flag and
    /// a 7 a bar ([`european`]; chances `flag` and `bar` of the ranges).
    ///
    /// # Panics
    /// If `src` or `dst` is not side² long.
    pub fn augment_digit(
        &mut self,
        epoch: u32,
        index: u64,
        copy: u32,
        label: u8,
        src: &[u8],
        dst: &mut [u8],
    ) {
        self.make(epoch, index, copy, Some(label), src, dst)
    }

    fn make(
        &mut self,
        epoch: u32,
        index: u64,
        copy: u32,
        label: Option<u8>,
        src: &[u8],
        dst: &mut [u8],
    ) {
        let mut rng = seed::rng_for(self.seed, epoch, index, copy);
        let (map, grow) = random_map(&mut rng, &self.ranges);
        // Simard's α is for 28×28 digits: a larger image wobbles in proportion.
        let alpha = self.ranges.elastic * self.side as f32 / 28.0;
        let field = match self.elastic.as_mut() {
            Some(e) => {
                e.field(&mut rng, alpha, &mut self.dx);
                e.field(&mut rng, alpha, &mut self.dy);
                Some((&self.dx[..], &self.dy[..]))
            }
            None => None,
        };
        // The pen and the scan, drawn after everything above, so a recipe without them
        // makes the same copies as before they existed.
        let Pen {
            marker,
            blur,
            low_res,
        } = Pen::draw(&mut rng, &self.ranges);
        // The European stroke, drawn last of all (a recipe without it makes the same copies
        // as before it existed), is the first thing done to the digit.
        let stroke = label
            .and_then(|l| european::Stroke::draw(&mut rng, l, self.ranges.flag, self.ranges.bar));
        let src = match stroke {
            Some(s) if european::draw(src, &mut self.amended, &mut self.between, self.side, s) => {
                &self.amended[..]
            }
            _ => src,
        };
        match marker {
            Some(more) => {
                stroke_width(src, &mut self.between, self.side, 1.0);
                stroke_width(&self.between, &mut self.stroked, self.side, more);
            }
            None => stroke_width(src, &mut self.stroked, self.side, grow),
        }
        if !(blur || low_res) {
            return warp_displaced(&self.stroked, dst, self.side, &map, field);
        }
        warp_displaced(&self.stroked, &mut self.between, self.side, &map, field);
        match (low_res && self.side % 2 == 0, blur) {
            (true, true) => {
                soften::low_res(&self.between, &mut self.stroked, self.side);
                soften::blur(&self.stroked, dst, self.side);
            }
            (true, false) => soften::low_res(&self.between, dst, self.side),
            (false, true) => soften::blur(&self.between, dst, self.side),
            (false, false) => dst.copy_from_slice(&self.between),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::augment::reference;
    use crate::augment::test_pictures::pictures;

    fn square() -> [u8; 784] {
        let mut img = [0u8; 784];
        for y in 8..20 {
            for x in 10..18 {
                img[y * 28 + x] = 255;
            }
        }
        img
    }

    #[test]
    fn the_same_seed_gives_the_same_digits() {
        let img = square();
        let run = |seed| {
            let mut aug = Augmenter::new(seed, AugmentRanges::HANDWRITING, 28);
            let mut out = [0u8; 784];
            let mut all = [0u8; 784 * 3];
            for k in 0..3 {
                aug.augment(1, 0, k, &img, &mut out);
                all[k as usize * 784..(k as usize + 1) * 784].copy_from_slice(&out);
            }
            all
        };
        assert_eq!(run(4), run(4));
        assert_ne!(run(4), run(5));
    }

    #[test]
    fn a_copy_depends_only_on_its_counters_not_on_what_came_before() {
        let img = square();
        let mut a = Augmenter::new(9, AugmentRanges::HANDWRITING, 28);
        let mut b = a.clone();
        let (mut x, mut y) = ([0u8; 784], [0u8; 784]);
        // b makes other copies first; the copy (3, 41, 1) must come out the same.
        for i in 0..5 {
            b.augment(2, i, 0, &img, &mut y);
        }
        a.augment(3, 41, 1, &img, &mut x);
        b.augment(3, 41, 1, &img, &mut y);
        assert_eq!(x, y);
        a.augment(3, 41, 0, &img, &mut y);
        assert_ne!(x, y);
    }

    #[test]
    fn without_the_chances_of_new_strokes_a_labelled_copy_is_the_unlabelled_one() {
        // A tall block, measurable as a 1 or a 7.
        let mut img = [0u8; 784];
        for y in 4..24 {
            for x in 12..16 {
                img[y * 28 + x] = 255;
            }
        }
        let none = AugmentRanges {
            flag: 0.0,
            bar: 0.0,
            ..AugmentRanges::HANDWRITING
        };
        let (mut plain, mut labelled) = ([0u8; 784], [0u8; 784]);
        let (mut a, mut b) = (Augmenter::new(3, none, 28), Augmenter::new(3, none, 28));
        for (i, label) in [1u8, 7, 1, 7, 4].into_iter().enumerate() {
            a.augment(2, i as u64, 1, &img, &mut plain);
            b.augment_digit(2, i as u64, 1, label, &img, &mut labelled);
            assert_eq!(plain, labelled, "copy {i} of a {label}");
        }
        // With the recipe's chances, some copy of a 1 does get its flag.
        let mut c = Augmenter::new(3, AugmentRanges::HANDWRITING, 28);
        assert!((0..8u64).any(|i| {
            a.augment(2, i, 1, &img, &mut plain);
            c.augment_digit(2, i, 1, 1, &img, &mut labelled);
            plain != labelled
        }));
    }

    #[test]
    fn elastic_copies_wobble_but_keep_the_ink_in_place() {
        let img = square();
        let still = AugmentRanges {
            rotate: 0.0,
            shear: 0.0,
            scale: 0.0,
            aspect: 0.0,
            shift: 0.0,
            stroke: 0.0,
            ..AugmentRanges::HANDWRITING
        };
        let mut aug = Augmenter::new(1, still, 28);
        let mut out = [0u8; 784];
        let ink = |im: &[u8]| im.iter().map(|&v| v as f64).sum::<f64>();
        // One copy can squeeze or stretch a block a lot (Simard's α 34 is strong); on average
        // the field neither adds nor removes ink.
        let mut ratio = 0.0;
        for i in 0..20 {
            aug.augment(1, i, 0, &img, &mut out);
            assert_ne!(out, img);
            ratio += ink(&out) / ink(&img) / 20.0;
        }
        assert!((0.75..1.3).contains(&ratio), "mean ink ratio {ratio}");
        let none = AugmentRanges {
            elastic: 0.0,
            ..still
        };
        Augmenter::new(1, none, 28).augment(1, 0, 0, &img, &mut out);
        assert_eq!(out, img);
    }

    #[test]
    fn copies_are_the_first_version_bit_for_bit() {
        // The whole copy, recipe and all, against the one made of the first versions: every
        // digit of the bundled test set's first 100 (or the pictures above without it), many
        // seeds, σ 1.5 and 4, with and without the elastic part.
        // The first versions had no pen or scan steps (`soften`, markers): the recipe without
        // them; the `pen_and_scan_*` tests below cover those.
        let digits: Vec<Vec<u8>> = pictures(28, 1).into_iter().chain(test_digits()).collect();
        let first = AugmentRanges {
            thick: 0.0,
            blur: 0.0,
            low_res: 0.0,
            ..AugmentRanges::HANDWRITING
        };
        for (seed, ranges) in [
            (3, first),
            (
                8,
                AugmentRanges {
                    elastic_sigma: 1.5,
                    ..first
                },
            ),
            (
                0,
                AugmentRanges {
                    elastic: 0.0,
                    ..first
                },
            ),
        ] {
            let mut new = Augmenter::new(seed, ranges, 28);
            let mut old = reference::Augmenter::new(seed, ranges, 28);
            let (mut a, mut b) = ([0u8; 784], [1u8; 784]);
            for (i, img) in digits.iter().enumerate() {
                for epoch in 1..4 {
                    for copy in 0..2 {
                        new.augment(epoch, i as u64, copy, img, &mut a);
                        old.augment(epoch, i as u64, copy, img, &mut b);
                        assert_eq!(a, b, "seed {seed}, sample {i}, epoch {epoch}, copy {copy}");
                    }
                }
            }
        }
    }

    #[test]
    fn pen_and_scan_steps_soften_the_copy_the_rest_of_the_recipe_made() {
        // Blur and half resolution are drawn after the map and the field, so a copy with them
        // is exactly the same copy without them, then softened.
        let digits: Vec<Vec<u8>> = pictures(28, 3).into_iter().chain(test_digits()).collect();
        let plain = AugmentRanges {
            thick: 0.0,
            blur: 0.0,
            low_res: 0.0,
            ..AugmentRanges::HANDWRITING
        };
        let with = |blur, low_res| AugmentRanges {
            blur,
            low_res,
            ..plain
        };
        let mut base = Augmenter::new(7, plain, 28);
        let mut blurred = Augmenter::new(7, with(1.0, 0.0), 28);
        let mut low = Augmenter::new(7, with(0.0, 1.0), 28);
        let mut both = Augmenter::new(7, with(1.0, 1.0), 28);
        let (mut a, mut b, mut c) = ([0u8; 784], [0u8; 784], [0u8; 784]);
        for (i, img) in digits.iter().enumerate() {
            base.augment(2, i as u64, 1, img, &mut a);
            blurred.augment(2, i as u64, 1, img, &mut b);
            soften::blur(&a, &mut c, 28);
            assert_eq!(b, c, "blur, sample {i}");
            low.augment(2, i as u64, 1, img, &mut b);
            soften::low_res(&a, &mut c, 28);
            assert_eq!(b, c, "low resolution, sample {i}");
            both.augment(2, i as u64, 1, img, &mut b);
            soften::blur(&c, &mut a, 28);
            assert_eq!(b, a, "both, sample {i}");
        }
    }

    #[test]
    fn pen_and_scan_chances_are_kept_and_markers_write_thicker() {
        let digits = test_digits();
        let img = square();
        let digits = if digits.is_empty() {
            vec![img.to_vec()]
        } else {
            digits
        };
        let plain = AugmentRanges {
            thick: 0.0,
            blur: 0.0,
            low_res: 0.0,
            ..AugmentRanges::HANDWRITING
        };
        let marker = AugmentRanges {
            thick: 1.0,
            ..plain
        };
        let quarter = AugmentRanges {
            blur: 0.25,
            ..plain
        };
        let (mut p, mut m, mut q) = (
            Augmenter::new(5, plain, 28),
            Augmenter::new(5, marker, 28),
            Augmenter::new(5, quarter, 28),
        );
        let ink = |im: &[u8]| im.iter().map(|&v| v as u64).sum::<u64>();
        let (mut a, mut b) = ([0u8; 784], [0u8; 784]);
        let (mut thicker, mut softened, mut n) = (0, 0, 0);
        for (i, img) in digits.iter().enumerate() {
            for copy in 0..4 {
                p.augment(1, i as u64, copy, img, &mut a);
                m.augment(1, i as u64, copy, img, &mut b);
                thicker += (ink(&b) > ink(&a)) as u32;
                q.augment(1, i as u64, copy, img, &mut b);
                softened += (b != a) as u32;
                n += 1;
            }
        }
        // Every marker copy has more ink than the pen's copy; about a quarter are blurred.
        assert_eq!(thicker, n);
        let share = softened as f64 / n as f64;
        assert!(
            digits.len() < 50 || (0.15..0.35).contains(&share),
            "{softened} of {n} blurred"
        );
        // The same counters, the same copy.
        let mut again = Augmenter::new(5, marker, 28);
        m.augment(3, 9, 1, &img, &mut a);
        again.augment(3, 9, 1, &img, &mut b);
        assert_eq!(a, b);
    }

    /// The first 100 digits of the bundled MNIST test set, when the crate can read it.
    fn test_digits() -> Vec<Vec<u8>> {
        #[cfg(feature = "std")]
        if let Ok(data) = crate::dataset::Dataset::bundled_test() {
            let mut out = Vec::new();
            if let Ok(mut stream) = data.stream() {
                while let (true, Ok(Some((_, pixels)))) = (out.len() < 100, stream.next_record()) {
                    out.push(pixels.to_vec());
                }
            }
            return out;
        }
        Vec::new()
    }
}

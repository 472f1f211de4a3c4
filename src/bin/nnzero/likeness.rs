//! How alike the ten back-query pictures are, and what to say when they all look the same.
//!
//! A wide network (400 hidden nodes) or one trained on deskewed pictures (`--augment`) spreads
//! each answer over many hidden nodes a little, so running it backwards from any answer gives
//! much the same grey blob. That looks like a bug; a line saying why, and what to try, does not.

/// Mean pairwise correlation from which the ten pictures are called near-identical: about
/// halfway between the most alike sheet that still shows digits and the least alike blob
/// sheet among the models measured in docs/lab/2026-12-05-backquery-likeness.md.
pub const NEAR_IDENTICAL: f64 = 0.8;

/// The mean Pearson correlation of every pair of `pictures` (each the same length): 1 when
/// they are the same picture up to brightness and contrast. A flat picture (no variation) has
/// no correlation with anything; it counts as alike (1), being as uninformative.
pub fn mean_correlation(pictures: &[Vec<f32>]) -> f64 {
    let centred: Vec<(Vec<f64>, f64)> = pictures
        .iter()
        .map(|p| {
            let mean = p.iter().map(|&v| f64::from(v)).sum::<f64>() / p.len().max(1) as f64;
            let c: Vec<f64> = p.iter().map(|&v| f64::from(v) - mean).collect();
            let norm = c.iter().map(|v| v * v).sum::<f64>().sqrt();
            (c, norm)
        })
        .collect();
    let (mut sum, mut pairs) = (0.0, 0usize);
    for (i, (a, na)) in centred.iter().enumerate() {
        for (b, nb) in &centred[i + 1..] {
            sum += if *na == 0.0 || *nb == 0.0 {
                1.0
            } else {
                a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>() / (na * nb)
            };
            pairs += 1;
        }
    }
    if pairs == 0 {
        0.0
    } else {
        sum / pairs as f64
    }
}

/// The line to print when the pictures are near-identical (`None` when they differ): why, for
/// this model, and what to try instead.
pub fn explain(correlation: f64, hidden: usize, deskews: bool) -> Option<String> {
    if correlation < NEAR_IDENTICAL {
        return None;
    }
    let mut why = Vec::new();
    if hidden > 200 {
        why.push(format!("{hidden} hidden nodes"));
    }
    if deskews {
        why.push("training on deskewed pictures (--augment)".to_owned());
    }
    let why = if why.is_empty() {
        "this model".to_owned()
    } else {
        why.join(" and ")
    };
    Some(format!(
        "note: the pictures are near-identical (mean correlation {correlation:.2}, over \
         {NEAR_IDENTICAL}): {why} spread each answer thinly over many hidden nodes, so running \
         it backwards gives much the same blob for every digit. The model is fine; to see \
         digits, try the back-query of a narrower model trained without --augment (as in \
         `nnzero train --hidden 100`), or `nnzero weights` for what the hidden nodes respond to"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_picture_is_alike_and_opposites_are_not() {
        let a: Vec<f32> = (0..784).map(|i| (i % 28) as f32 / 27.0).collect();
        let b: Vec<f32> = a.iter().map(|v| 0.2 + 0.5 * v).collect();
        assert!((mean_correlation(&[a.clone(), b]) - 1.0).abs() < 1e-9);
        let c: Vec<f32> = a.iter().map(|v| 1.0 - v).collect();
        assert!((mean_correlation(&[a.clone(), c]) + 1.0).abs() < 1e-9);
        assert_eq!(mean_correlation(&[a.clone(), vec![0.5; 784]]), 1.0);
        assert_eq!(mean_correlation(&[a]), 0.0);
    }

    #[test]
    fn only_near_identical_pictures_are_explained() {
        assert_eq!(explain(0.5, 400, true), None);
        let line = explain(0.95, 400, true).unwrap();
        assert!(
            line.contains("400 hidden nodes") && line.contains("deskewed"),
            "{line}"
        );
        assert!(!explain(0.95, 100, false)
            .unwrap()
            .contains("hidden nodes and"));
    }
}

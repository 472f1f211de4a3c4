//! MNIST conventions: 28×28 images of the digits 0–9, and the book's scaling of them.
//!
//! Inputs are pixels scaled to 0.01..1.00 (`pixel / 255 · 0.99 + 0.01`): never exactly zero,
//! which would switch off the weight update for that pixel. Targets are 0.99 for the label and
//! 0.01 elsewhere: a sigmoid can never reach 0 or 1, and asking it to saturates the weights.

/// Image height and width of MNIST digits.
pub const SIDE: usize = 28;
/// Pixels per image, the network's input size.
pub const PIXELS: usize = SIDE * SIDE;
/// The ten digits, the network's output size.
pub const CLASSES: usize = 10;
/// The book's hidden layer size for MNIST.
pub const HIDDEN: usize = 200;

/// The book's input scaling of one pixel: `pixel / 255 · 0.99 + 0.01`.
#[inline]
pub fn scale_pixel(pixel: u8) -> f32 {
    pixel as f32 / 255.0 * 0.99 + 0.01
}

/// Scales a whole image of pixels into `inputs` (same length).
#[inline]
pub fn scale_image(pixels: &[u8], inputs: &mut [f32]) {
    for (x, &p) in inputs.iter_mut().zip(pixels) {
        *x = scale_pixel(p);
    }
}

/// The book's target vector for `label`: 0.99 at the label, 0.01 elsewhere.
#[inline]
pub fn targets_into(label: u8, targets: &mut [f32]) {
    for (k, t) in targets.iter_mut().enumerate() {
        *t = if k == label as usize { 0.99 } else { 0.01 };
    }
}

/// The target vector for `label` among the ten digits.
pub fn targets(label: u8) -> [f32; CLASSES] {
    let mut t = [0.0; CLASSES];
    targets_into(label, &mut t);
    t
}

/// The index of the largest output: the network's answer. Ties go to the lower index.
pub fn argmax(outputs: &[f32]) -> usize {
    let mut best = 0;
    for (k, &o) in outputs.iter().enumerate() {
        if o > outputs[best] {
            best = k;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaling_spans_the_book_range() {
        assert_eq!(scale_pixel(0), 0.01);
        assert!((scale_pixel(255) - 1.0).abs() < 1e-7);
        assert!((scale_pixel(128) - 0.506_941).abs() < 1e-5);
    }

    #[test]
    fn targets_mark_the_label() {
        let t = targets(3);
        assert_eq!(t[3], 0.99);
        assert_eq!(t.iter().filter(|&&v| v == 0.01).count(), 9);
    }

    #[test]
    fn argmax_picks_the_first_largest() {
        assert_eq!(argmax(&[0.1, 0.7, 0.7, 0.2]), 1);
        assert_eq!(argmax(&[0.9]), 0);
    }
}

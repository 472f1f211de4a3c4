//! One fully connected sigmoid layer: its forward pass and its backward pass, side by side.
//!
//! A layer's weights are a matrix `w` of shape (outputs, inputs), stored **column-major** as
//! nalgebra stores it: column `j` holds the weights from input `j` to every output node, so it
//! is `outputs` contiguous floats. Every kernel walks the columns in order and, inside a column,
//! works on all output nodes at once. That vectorises (SSE/AVX/NEON lanes are different output
//! nodes) without reordering any sum: node `i` always adds its terms for `j = 0, 1, 2, …` in
//! turn, so the result is bit-identical on every CPU. No FMA is involved: Rust never contracts
//! `a * b + c` on its own.
//!
//! In the book's notation, for a layer with inputs `x`, outputs `o` and errors `e`:
//! ```text
//! forward:   o = σ(W · x)
//! backward:  e_x = Wᵀ · e               (errors split back in proportion to the weights)
//!            W  += lr · (e ∘ o ∘ (1 − o)) · xᵀ
//! ```

use crate::activation::sigmoid_in_place;

/// `sums = W · inputs`: each output node's weighted sum of the inputs.
///
/// `w` is (outputs, inputs) column-major; `sums` has `outputs` elements.
#[inline]
pub fn weighted_sums(w: &[f32], inputs: &[f32], sums: &mut [f32]) {
    assert_eq!(w.len(), sums.len() * inputs.len());
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if std::is_x86_feature_detected!("avx") {
        #[allow(unsafe_code)]
        // SAFETY: the CPU has just been found to support AVX.
        return unsafe { avx::sums(w, inputs, sums) };
    }
    sums_portable(w, inputs, sums)
}

/// Forward pass: `outputs = σ(W · inputs)`.
#[inline]
pub fn forward(w: &[f32], inputs: &[f32], outputs: &mut [f32]) {
    weighted_sums(w, inputs, outputs);
    sigmoid_in_place(outputs);
}

/// Backward pass, part one: the errors of this layer's inputs, `input_errors = Wᵀ · errors`.
///
/// Each input's error is the output errors split back in proportion to the weights it feeds
/// them through (the book's "recombining" of errors, without the normalisation).
#[inline]
pub fn backward_errors(w: &[f32], errors: &[f32], input_errors: &mut [f32]) {
    let n_out = errors.len();
    debug_assert_eq!(w.len(), n_out * input_errors.len());
    if n_out <= 16 {
        // A short column (who has 10 rows): one dot product per input would be a chain of
        // dependent adds. Add output k's term to every input at once instead; each sum still
        // takes its terms in the order k = 0, 1, 2, …, so the bits are the same.
        input_errors.fill(0.0);
        for (k, &e) in errors.iter().enumerate() {
            for (ei, column) in input_errors.iter_mut().zip(w.chunks_exact(n_out)) {
                *ei += column[k] * e;
            }
        }
        return;
    }
    for (column, ei) in w.chunks_exact(n_out).zip(input_errors.iter_mut()) {
        let mut sum = 0.0;
        for (&wij, &e) in column.iter().zip(errors) {
            sum += wij * e;
        }
        *ei = sum;
    }
}

/// Backward pass, part two: turns `errors` into the scaled gradient `lr · errors ∘ o ∘ (1 − o)`
/// in place.
///
/// `errors ∘ o ∘ (1 − o)` is the error times the slope of the sigmoid at the output; the
/// learning rate is folded in here, once per node, instead of once per weight.
#[inline]
pub fn gradient_in_place(lr: f32, errors: &mut [f32], outputs: &[f32]) {
    for (e, &o) in errors.iter_mut().zip(outputs) {
        *e = lr * (*e * o * (1.0 - o));
    }
}

/// Backward pass, part three: the weight update `W += gradient · inputsᵀ`.
#[inline]
pub fn update(w: &mut [f32], gradient: &[f32], inputs: &[f32]) {
    let n_out = gradient.len();
    debug_assert_eq!(w.len(), n_out * inputs.len());
    for (column, &x) in w.chunks_exact_mut(n_out).zip(inputs) {
        for (wij, &g) in column.iter_mut().zip(gradient) {
            *wij += g * x;
        }
    }
}

/// [`update`] with the previous sample's gradient and inputs, fused with [`weighted_sums`] of
/// the next sample's inputs: one pass over `W` instead of two.
///
/// Every weight is updated exactly as [`update`] would, then used exactly as
/// [`weighted_sums`] would, so the result is bit-identical to calling the two in turn. For the
/// 784×200 input layer this saves a third of the memory traffic of a training step.
///
/// `reverse` walks the blocks of output nodes last to first. The result is the same bits
/// either way (each node still adds its terms in column order); alternating the direction from
/// one sample to the next starts each pass on the weights the last one left in the cache.
#[inline]
pub fn update_then_weighted_sums(
    w: &mut [f32],
    gradient: &[f32],
    previous_inputs: &[f32],
    inputs: &[f32],
    sums: &mut [f32],
    reverse: bool,
) {
    let n_out = sums.len();
    assert!(gradient.len() == n_out && previous_inputs.len() == inputs.len());
    assert_eq!(w.len(), n_out * inputs.len());
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if std::is_x86_feature_detected!("avx") {
        #[allow(unsafe_code)]
        // SAFETY: the CPU has just been found to support AVX.
        return unsafe { avx::fused(w, gradient, previous_inputs, inputs, sums, reverse) };
    }
    fused(w, gradient, previous_inputs, inputs, sums, reverse)
}

#[inline(always)]
fn fused(w: &mut [f32], g: &[f32], xp: &[f32], x: &[f32], sums: &mut [f32], reverse: bool) {
    let n_out = sums.len();
    let blocks = n_out / BLOCK;
    for b in 0..blocks {
        let r0 = BLOCK * if reverse { blocks - 1 - b } else { b };
        let g: &[f32; BLOCK] = slice_block(g, r0);
        let mut s = [0.0f32; BLOCK];
        for ((column, &x_prev), &x) in w.chunks_exact_mut(n_out).zip(xp).zip(x) {
            let wb: &mut [f32; BLOCK] = slice_block_mut(column, r0);
            for k in 0..BLOCK {
                wb[k] += g[k] * x_prev;
                s[k] += wb[k] * x;
            }
        }
        sums[r0..r0 + BLOCK].copy_from_slice(&s);
    }
    // The last rows, fewer than a block.
    let r0 = blocks * BLOCK;
    let (g, s) = (&g[r0..], &mut sums[r0..]);
    s.fill(0.0);
    for ((column, &x_prev), &x) in w.chunks_exact_mut(n_out).zip(xp).zip(x) {
        for ((wij, &gi), si) in column[r0..].iter_mut().zip(g).zip(s.iter_mut()) {
            *wij += gi * x_prev;
            *si += *wij * x;
        }
    }
}

#[inline(always)]
fn sums_portable(w: &[f32], inputs: &[f32], sums: &mut [f32]) {
    let n_out = sums.len();
    let mut r0 = 0;
    while r0 + BLOCK <= n_out {
        let mut s = [0.0f32; BLOCK];
        for (column, &x) in w.chunks_exact(n_out).zip(inputs) {
            let wb = slice_block(column, r0);
            for k in 0..BLOCK {
                s[k] += wb[k] * x;
            }
        }
        sums[r0..r0 + BLOCK].copy_from_slice(&s);
        r0 += BLOCK;
    }
    let s = &mut sums[r0..];
    s.fill(0.0);
    for (column, &x) in w.chunks_exact(n_out).zip(inputs) {
        for (si, &wij) in s.iter_mut().zip(&column[r0..]) {
            *si += wij * x;
        }
    }
}

/// The same kernels compiled for AVX, chosen at run time on x86_64: twice the lanes of the
/// SSE2 baseline. Lanes are independent output nodes and there is no FMA (AVX alone does not
/// have it, and Rust never contracts), so the bits are those of the portable code.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[allow(unsafe_code)]
mod avx {
    /// # Safety
    /// The CPU must support AVX.
    #[target_feature(enable = "avx")]
    pub(super) unsafe fn fused(
        w: &mut [f32],
        g: &[f32],
        xp: &[f32],
        x: &[f32],
        sums: &mut [f32],
        reverse: bool,
    ) {
        super::fused(w, g, xp, x, sums, reverse)
    }

    /// # Safety
    /// The CPU must support AVX.
    #[target_feature(enable = "avx")]
    pub(super) unsafe fn sums(w: &[f32], inputs: &[f32], sums: &mut [f32]) {
        super::sums_portable(w, inputs, sums)
    }
}

/// Output nodes handled together by the summing kernels. Their running sums (and gradients)
/// stay in registers while the kernel walks every column, instead of going through memory
/// once per column; each node still adds its terms in column order. 40 divides the book's
/// 200 hidden nodes and fits the registers of SSE2, AVX2 and NEON.
const BLOCK: usize = 40;

#[inline(always)]
fn slice_block(v: &[f32], r0: usize) -> &[f32; BLOCK] {
    match v[r0..r0 + BLOCK].try_into() {
        Ok(b) => b,
        Err(_) => unreachable!("the range is BLOCK long"),
    }
}

#[inline(always)]
fn slice_block_mut(v: &mut [f32], r0: usize) -> &mut [f32; BLOCK] {
    match (&mut v[r0..r0 + BLOCK]).try_into() {
        Ok(b) => b,
        Err(_) => unreachable!("the range is BLOCK long"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The talk's worked example: two nodes per layer, inputs 1.0 and 0.5,
    /// W = [[0.9, 0.3], [0.2, 0.8]] → outputs 0.7408 and 0.6457.
    #[test]
    fn forward_reproduces_the_book_example() {
        // Column-major: column 0 = weights from input 0 = (w11, w21) = (0.9, 0.2).
        let w = [0.9, 0.2, 0.3, 0.8];
        let mut out = [0.0; 2];
        weighted_sums(&w, &[1.0, 0.5], &mut out);
        assert!((out[0] - 1.05).abs() < 1e-6 && (out[1] - 0.6).abs() < 1e-6);
        forward(&w, &[1.0, 0.5], &mut out);
        assert!((out[0] - 0.7408).abs() < 5e-5, "{}", out[0]);
        assert!((out[1] - 0.6457).abs() < 5e-5, "{}", out[1]);
    }

    #[test]
    fn both_ways_of_splitting_errors_back_give_the_same_bits() {
        let mut state = 777u32;
        let mut next = move || {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        };
        let (n_out, n_in) = (10, 37);
        let w: Vec<f32> = (0..n_out * n_in).map(|_| next()).collect();
        let e: Vec<f32> = (0..n_out).map(|_| next()).collect();
        let mut short = vec![0.0; n_in];
        backward_errors(&w, &e, &mut short);
        for (j, &got) in short.iter().enumerate() {
            let mut dot = 0.0f32;
            for k in 0..n_out {
                dot += w[j * n_out + k] * e[k];
            }
            assert_eq!(got.to_bits(), dot.to_bits(), "input {j}");
        }
    }

    /// The book splits errors back in proportion to the weights: with output errors 0.8 and
    /// 0.5 and W = [[2.0, 3.0], [1.0, 4.0]], the hidden errors are Wᵀ · e = (2.1, 4.4).
    #[test]
    fn errors_are_split_back_in_proportion_to_the_weights() {
        let w = [2.0, 1.0, 3.0, 4.0]; // rows (2, 3) and (1, 4), column-major
        let mut back = [0.0; 2];
        backward_errors(&w, &[0.8, 0.5], &mut back);
        assert!((back[0] - 2.1).abs() < 1e-6, "{}", back[0]);
        assert!((back[1] - 4.4).abs() < 1e-6, "{}", back[1]);
    }

    #[test]
    fn update_adds_the_outer_product() {
        let mut w = [0.0; 6]; // (2 outputs, 3 inputs)
        update(&mut w, &[1.0, 2.0], &[3.0, 4.0, 5.0]);
        // Column j = gradient * x_j.
        assert_eq!(w, [3.0, 6.0, 4.0, 8.0, 5.0, 10.0]);
    }

    /// Sizes below, at and above the kernels' block of rows, so both paths are exercised.
    #[test]
    fn fused_update_and_sums_equal_the_two_steps_bit_for_bit() {
        let mut state = 12345u32;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state as f32 / u32::MAX as f32) - 0.5
        };
        for (n_out, n_in) in [(7, 13), (BLOCK, 5), (2 * BLOCK + 3, 9)] {
            let w0: Vec<f32> = (0..n_out * n_in).map(|_| next()).collect();
            let g: Vec<f32> = (0..n_out).map(|_| next() * 0.1).collect();
            let xp: Vec<f32> = (0..n_in).map(|_| next()).collect();
            let x: Vec<f32> = (0..n_in).map(|_| next()).collect();

            let mut w_a = w0.clone();
            let mut sums_a = vec![0.0; n_out];
            update(&mut w_a, &g, &xp);
            weighted_sums(&w_a, &x, &mut sums_a);

            let mut w_b = w0.clone();
            let mut sums_b = vec![9.0; n_out];
            update_then_weighted_sums(&mut w_b, &g, &xp, &x, &mut sums_b, false);

            let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&w_a), bits(&w_b), "{n_out}×{n_in}");
            assert_eq!(bits(&sums_a), bits(&sums_b), "{n_out}×{n_in}");

            // Reversed block order and the portable (non-AVX) code give the same bits.
            let mut w_c = w0.clone();
            let mut sums_c = vec![0.0; n_out];
            update_then_weighted_sums(&mut w_c, &g, &xp, &x, &mut sums_c, true);
            assert_eq!((bits(&w_c), bits(&sums_c)), (bits(&w_a), bits(&sums_a)));
            let mut w_d = w0.clone();
            let mut sums_d = vec![0.0; n_out];
            fused(&mut w_d, &g, &xp, &x, &mut sums_d, true);
            assert_eq!((bits(&w_d), bits(&sums_d)), (bits(&w_a), bits(&sums_a)));
            let mut sums_e = vec![0.0; n_out];
            sums_portable(&w_a, &x, &mut sums_e);
            assert_eq!(bits(&sums_e), bits(&sums_a));

            // And the sums are the plain dot products, added in column order.
            for (i, &s) in sums_a.iter().enumerate() {
                let mut dot = 0.0f32;
                for j in 0..n_in {
                    dot += w_a[j * n_out + i] * x[j];
                }
                assert_eq!(s.to_bits(), dot.to_bits(), "row {i} of {n_out}×{n_in}");
            }
        }
    }
}

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

use crate::net::activation::sigmoid_in_place;

/// Calls kernel `$name` in the best vector code the CPU has (see [`kernel`]), or the portable
/// `$portable`; every one gives the same bits.
macro_rules! best_kernel {
    ($name:ident, $portable:ident($($arg:expr),*)) => {{
        #[cfg(all(feature = "std", target_arch = "x86_64"))]
        match x86::kernel() {
            #[allow(unsafe_code)]
            // SAFETY: the CPU has been found to support AVX-512F.
            x86::Kernel::Avx512 => return unsafe { x86::avx512::$name($($arg),*) },
            #[allow(unsafe_code)]
            // SAFETY: the CPU has been found to support AVX.
            x86::Kernel::Avx => return unsafe { x86::avx::$name($($arg),*) },
            x86::Kernel::Portable => {}
        }
        $portable($($arg),*)
    }};
}

/// `sums = W · inputs`: each output node's weighted sum of the inputs.
///
/// `w` is (outputs, inputs) column-major; `sums` has `outputs` elements.
#[inline]
pub fn weighted_sums(w: &[f32], inputs: &[f32], sums: &mut [f32]) {
    assert_eq!(w.len(), sums.len() * inputs.len());
    best_kernel!(sums, sums_portable(w, inputs, sums))
}

/// `sums += W · inputs`: each output node goes on adding the inputs' terms, in column order,
/// after what its sum already holds. [`weighted_sums`] is this from zeros, so a layer's sums
/// taken over one range of columns after another give the same bits as in one go: the
/// threaded trainer adds up the output layer block by block of hidden nodes, each thread
/// carrying on from the last one's sums.
///
/// `w` is (outputs, inputs) column-major; `sums` has `outputs` elements.
#[inline]
pub fn weighted_sums_onto(w: &[f32], inputs: &[f32], sums: &mut [f32]) {
    assert_eq!(w.len(), sums.len() * inputs.len());
    best_kernel!(sums_onto, sums_onto_portable(w, inputs, sums))
}

#[inline(always)]
fn sums_onto_portable(w: &[f32], inputs: &[f32], sums: &mut [f32]) {
    // Ten outputs (the digits) in registers; any other count through memory.
    if let Ok(s) = <&mut [f32; 10]>::try_from(&mut *sums) {
        let mut acc = *s;
        for (column, &x) in w.chunks_exact(10).zip(inputs) {
            let wb: &[f32; 10] = block(column, 0);
            for k in 0..10 {
                acc[k] += wb[k] * x;
            }
        }
        *s = acc;
        return;
    }
    let n_out = sums.len();
    for (column, &x) in w.chunks_exact(n_out).zip(inputs) {
        for (si, &wij) in sums.iter_mut().zip(column) {
            *si += wij * x;
        }
    }
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
        // dependent adds. Eight inputs at once instead, one vector lane each; every sum still
        // takes its terms in the order k = 0, 1, 2, …, so the bits are the same.
        let mut columns = w.chunks_exact(8 * n_out);
        let mut outs = input_errors.chunks_exact_mut(8);
        for (eight, out) in columns.by_ref().zip(outs.by_ref()) {
            let mut acc = [0.0f32; 8];
            for (k, &e) in errors.iter().enumerate() {
                for (l, a) in acc.iter_mut().enumerate() {
                    *a += eight[l * n_out + k] * e;
                }
            }
            out.copy_from_slice(&acc);
        }
        for (column, ei) in columns
            .remainder()
            .chunks_exact(n_out)
            .zip(outs.into_remainder())
        {
            *ei = column
                .iter()
                .zip(errors)
                .fold(0.0, |sum, (&wij, &e)| sum + wij * e);
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
    best_kernel!(
        fused,
        fused(w, gradient, previous_inputs, inputs, sums, reverse)
    )
}

#[inline(always)]
fn fused(w: &mut [f32], g: &[f32], xp: &[f32], x: &[f32], sums: &mut [f32], reverse: bool) {
    let n_out = sums.len();
    let blocks = n_out / BLOCK;
    for b in 0..blocks {
        let r0 = BLOCK * if reverse { blocks - 1 - b } else { b };
        fused_block::<BLOCK>(w, n_out, r0, g, xp, x, sums);
    }
    // The rows after the last whole block: a block of a multiple of eight (the threaded
    // trainer's blocks of 16k rows leave 8, 16, 24 or 32), then any odd rows one by one.
    let r0 = blocks * BLOCK;
    let tail = (n_out - r0) / 8 * 8;
    match tail {
        8 => fused_block::<8>(w, n_out, r0, g, xp, x, sums),
        16 => fused_block::<16>(w, n_out, r0, g, xp, x, sums),
        24 => fused_block::<24>(w, n_out, r0, g, xp, x, sums),
        32 => fused_block::<32>(w, n_out, r0, g, xp, x, sums),
        _ => {}
    }
    fused_rows(w, n_out, r0 + tail, n_out, g, xp, x, sums);
}

/// Rows `r0..r0 + B` of the fused kernel, their sums kept in registers.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn fused_block<const B: usize>(
    w: &mut [f32],
    n_out: usize,
    r0: usize,
    g: &[f32],
    xp: &[f32],
    x: &[f32],
    sums: &mut [f32],
) {
    let g: &[f32; B] = block(g, r0);
    let mut s = [0.0f32; B];
    for ((column, &x_prev), &x) in w.chunks_exact_mut(n_out).zip(xp).zip(x) {
        let wb: &mut [f32; B] = block_mut(column, r0);
        for k in 0..B {
            wb[k] += g[k] * x_prev;
            s[k] += wb[k] * x;
        }
    }
    sums[r0..r0 + B].copy_from_slice(&s);
}

/// Rows `from..to` of the fused kernel, any number of them, their sums in memory.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn fused_rows(
    w: &mut [f32],
    n_out: usize,
    from: usize,
    to: usize,
    g: &[f32],
    xp: &[f32],
    x: &[f32],
    sums: &mut [f32],
) {
    let (g, s) = (&g[from..to], &mut sums[from..to]);
    s.fill(0.0);
    for ((column, &x_prev), &x) in w.chunks_exact_mut(n_out).zip(xp).zip(x) {
        for ((wij, &gi), si) in column[from..to].iter_mut().zip(g).zip(s.iter_mut()) {
            *wij += gi * x_prev;
            *si += *wij * x;
        }
    }
}

#[inline(always)]
fn sums_portable(w: &[f32], inputs: &[f32], sums: &mut [f32]) {
    let n_out = sums.len();
    let blocks = n_out / BLOCK;
    for b in 0..blocks {
        sums_block::<BLOCK>(w, n_out, b * BLOCK, inputs, sums);
    }
    let r0 = blocks * BLOCK;
    let tail = (n_out - r0) / 8 * 8;
    match tail {
        8 => sums_block::<8>(w, n_out, r0, inputs, sums),
        16 => sums_block::<16>(w, n_out, r0, inputs, sums),
        24 => sums_block::<24>(w, n_out, r0, inputs, sums),
        32 => sums_block::<32>(w, n_out, r0, inputs, sums),
        _ => {}
    }
    sums_rows(w, n_out, r0 + tail, n_out, inputs, sums);
}

#[inline(always)]
fn sums_block<const B: usize>(
    w: &[f32],
    n_out: usize,
    r0: usize,
    inputs: &[f32],
    sums: &mut [f32],
) {
    let mut s = [0.0f32; B];
    for (column, &x) in w.chunks_exact(n_out).zip(inputs) {
        let wb: &[f32; B] = block(column, r0);
        for k in 0..B {
            s[k] += wb[k] * x;
        }
    }
    sums[r0..r0 + B].copy_from_slice(&s);
}

#[inline(always)]
fn sums_rows(w: &[f32], n_out: usize, from: usize, to: usize, inputs: &[f32], sums: &mut [f32]) {
    let s = &mut sums[from..to];
    s.fill(0.0);
    for (column, &x) in w.chunks_exact(n_out).zip(inputs) {
        for (si, &wij) in s.iter_mut().zip(&column[from..to]) {
            *si += wij * x;
        }
    }
}

/// Which vector code the kernels run: AVX where the CPU has it, AVX-512 only if allowed (see
/// [`allow_avx512`]).
///
/// `"avx512"`, `"avx"` or `"portable"` (SSE2 on x86_64, NEON on aarch64: the compiler's
/// baseline for the target). Every one gives the same bits.
pub fn kernel() -> &'static str {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    return match x86::kernel() {
        x86::Kernel::Avx512 => "avx512",
        x86::Kernel::Avx => "avx",
        x86::Kernel::Portable => "portable",
    };
    #[allow(unreachable_code)]
    "portable"
}

/// Whether this CPU has AVX-512 (AVX-512F), which the kernels can use if allowed.
pub fn has_avx512() -> bool {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    return std::is_x86_feature_detected!("avx512f");
    #[allow(unreachable_code)]
    false
}

/// Lets the kernels run their AVX-512 code on a CPU that has it, or not (the default). The
/// bits are the same either way; it is off because it has not paid where measured: the
/// kernels stream `wih` through the cache and wait on memory, not on arithmetic (`docs/lab/2026-12-05-figures-from-doc-comments.md`;
/// `cargo bench --bench train` compares the two on any CPU that has it).
pub fn allow_avx512(allow: bool) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    x86::ALLOW_AVX512.store(allow, core::sync::atomic::Ordering::Relaxed);
    let _ = allow;
}

/// The same kernels compiled for AVX and for AVX-512, chosen at run time on x86_64.
///
/// Vector lanes are different output nodes (rows), never terms of one sum: a wider vector
/// does more rows at once, while each row still adds its terms one column after another, so
/// the number of lanes cannot change the order of any addition. Nor is there FMA (Rust never
/// contracts `a * b + c`, whatever the target features), so the bits are those of the portable
/// code on every CPU.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[allow(unsafe_code)]
mod x86 {
    use core::sync::atomic::{AtomicBool, Ordering};

    pub(super) static ALLOW_AVX512: AtomicBool = AtomicBool::new(false);

    pub(super) enum Kernel {
        Avx512,
        Avx,
        Portable,
    }

    #[inline(always)]
    pub(super) fn kernel() -> Kernel {
        // std caches the CPU's features: each check is a load.
        if std::is_x86_feature_detected!("avx512f") && ALLOW_AVX512.load(Ordering::Relaxed) {
            Kernel::Avx512
        } else if std::is_x86_feature_detected!("avx") {
            Kernel::Avx
        } else {
            Kernel::Portable
        }
    }

    /// The kernels compiled with `$feature` enabled: the same source, wider instructions.
    macro_rules! compiled_for {
        ($module:ident, $feature:literal) => {
            pub(super) mod $module {
                /// # Safety
                /// The CPU must support the module's feature.
                #[target_feature(enable = $feature)]
                pub(in super::super) unsafe fn fused(
                    w: &mut [f32],
                    g: &[f32],
                    xp: &[f32],
                    x: &[f32],
                    sums: &mut [f32],
                    reverse: bool,
                ) {
                    super::super::fused(w, g, xp, x, sums, reverse)
                }

                /// # Safety
                /// The CPU must support the module's feature.
                #[target_feature(enable = $feature)]
                pub(in super::super) unsafe fn sums(w: &[f32], inputs: &[f32], sums: &mut [f32]) {
                    super::super::sums_portable(w, inputs, sums)
                }

                /// # Safety
                /// The CPU must support the module's feature.
                #[target_feature(enable = $feature)]
                pub(in super::super) unsafe fn sums_onto(
                    w: &[f32],
                    inputs: &[f32],
                    sums: &mut [f32],
                ) {
                    super::super::sums_onto_portable(w, inputs, sums)
                }
            }
        };
    }

    compiled_for!(avx, "avx");
    compiled_for!(avx512, "avx512f");
}

/// Output nodes handled together by the summing kernels. Their running sums (and gradients)
/// stay in registers while the kernel walks every column, instead of going through memory
/// once per column; each node still adds its terms in column order. 40 rows are five AVX or
/// ten SSE/NEON registers, and a 200-node layer is five blocks.
const BLOCK: usize = 40;

#[inline(always)]
fn block<const B: usize>(v: &[f32], r0: usize) -> &[f32; B] {
    match v[r0..r0 + B].try_into() {
        Ok(b) => b,
        Err(_) => unreachable!("the range is B long"),
    }
}

#[inline(always)]
fn block_mut<const B: usize>(v: &mut [f32], r0: usize) -> &mut [f32; B] {
    match (&mut v[r0..r0 + B]).try_into() {
        Ok(b) => b,
        Err(_) => unreachable!("the range is B long"),
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

    /// Wherever the weights sit in memory (aligned or not for the vector loads), the kernels
    /// give the plain column-order sums, bit for bit.
    #[test]
    fn kernels_give_the_same_bits_wherever_the_weights_sit() {
        let (n_out, n_in) = (200, 11);
        let mut state = 99u32;
        let mut next = move || {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        };
        let w0: Vec<f32> = (0..n_out * n_in).map(|_| next()).collect();
        let g: Vec<f32> = (0..n_out).map(|_| next() * 0.1).collect();
        let xp: Vec<f32> = (0..n_in).map(|_| next()).collect();
        let x: Vec<f32> = (0..n_in).map(|_| next()).collect();
        let mut updated = w0.clone();
        for (j, &xj) in xp.iter().enumerate() {
            for i in 0..n_out {
                updated[j * n_out + i] += g[i] * xj;
            }
        }
        let dot = |w: &[f32], i: usize| (0..n_in).fold(0.0f32, |s, j| s + w[j * n_out + i] * x[j]);
        let want: Vec<u32> = (0..n_out).map(|i| dot(&updated, i).to_bits()).collect();
        let mut buf = vec![0.0f32; n_out * n_in + 8];
        for offset in 0..8 {
            for reverse in [false, true] {
                let w = &mut buf[offset..offset + n_out * n_in];
                w.copy_from_slice(&w0);
                let mut sums = vec![0.0; n_out];
                update_then_weighted_sums(w, &g, &xp, &x, &mut sums, reverse);
                let got: Vec<u32> = sums.iter().map(|v| v.to_bits()).collect();
                assert_eq!(got, want, "offset {offset}");
                assert!(w
                    .iter()
                    .zip(&updated)
                    .all(|(a, b)| a.to_bits() == b.to_bits()));
                weighted_sums(w, &x, &mut sums);
                let again: Vec<u32> = sums.iter().map(|v| v.to_bits()).collect();
                assert_eq!(again, want, "offset {offset}");
            }
        }
    }

    /// The AVX-512 code (where the CPU has it) gives the AVX code's bits: a 200×784 layer
    /// trained through a few steps with each.
    #[test]
    fn avx512_and_avx_give_the_same_bits() {
        let mut state = 31337u32;
        let mut next = move || {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        };
        let (n_out, n_in) = (200, 784);
        let w0: Vec<f32> = (0..n_out * n_in).map(|_| next() * 0.1).collect();
        let steps: Vec<(Vec<f32>, Vec<f32>)> = (0..4)
            .map(|_| {
                let g = (0..n_out).map(|_| next() * 0.01).collect();
                let x = (0..n_in).map(|_| next() + 0.5).collect();
                (g, x)
            })
            .collect();
        let run = |avx512: bool| {
            allow_avx512(avx512);
            let mut w = w0.clone();
            let mut out = Vec::new();
            let mut sums = vec![0.0; n_out];
            weighted_sums(&w, &steps[0].1, &mut sums);
            out.extend_from_slice(&sums);
            for k in 1..steps.len() {
                let (g, xp) = (&steps[k - 1].0, &steps[k - 1].1);
                update_then_weighted_sums(&mut w, g, xp, &steps[k].1, &mut sums, k % 2 == 0);
                out.extend_from_slice(&sums);
            }
            let mut tail = vec![0.0; n_out];
            weighted_sums_onto(&w, &steps[0].1, &mut tail);
            out.extend_from_slice(&tail);
            out.extend_from_slice(&w);
            allow_avx512(false);
            out.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        };
        assert_eq!(
            run(true),
            run(false),
            "AVX-512 on this CPU: {}",
            has_avx512()
        );
    }

    /// The output layer's sums taken over ranges of its inputs one after another (as the
    /// threaded trainer's blocks do) equal the sums in one go, bit for bit.
    #[test]
    fn sums_taken_range_after_range_equal_the_sums_in_one_go() {
        let mut state = 4242u32;
        let mut next = move || {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        };
        for n_out in [10, 3, 17] {
            let n_in = 200;
            let w: Vec<f32> = (0..n_out * n_in).map(|_| next()).collect();
            let x: Vec<f32> = (0..n_in).map(|_| next()).collect();
            let mut want = vec![0.0; n_out];
            weighted_sums(&w, &x, &mut want);
            for cuts in [
                &[0, 200][..],
                &[0, 96, 200],
                &[0, 48, 96, 144, 200],
                &[0, 1, 199, 200],
            ] {
                let mut got = vec![0.0; n_out];
                for r in cuts.windows(2) {
                    let (a, b) = (r[0], r[1]);
                    weighted_sums_onto(&w[a * n_out..b * n_out], &x[a..b], &mut got);
                }
                let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got), bits(&want), "{n_out} outputs, cuts {cuts:?}");
            }
        }
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
        for (n_out, n_in) in [
            (7, 13),
            (BLOCK, 5),
            (2 * BLOCK + 3, 9),
            (48, 6),
            (BLOCK + 16, 5),
            (2 * BLOCK + 24, 7),
            (BLOCK + 37, 4),
        ] {
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

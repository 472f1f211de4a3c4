//! The first, plain versions of a copy's three steps (stroke width, elastic field, warp), as
//! they were before they were made fast: the reference the fast ones must match bit for bit.
//!
//! Not part of the library: the tests of `augment` compile it (`cfg(test)`), and
//! `benches/augment.rs` includes it by path to time the old copy beside the new one. So it
//! names nothing of the crate but what `super` gives it (the bench imports the same names).

use alloc::vec;
use alloc::vec::Vec;

use super::{random_map, seed, Affine, AugmentRanges};

/// The 2×2 matrix of `map` (x right, y down), row-major: `Affine::matrix`, unchanged.
fn matrix(map: &Affine) -> [f32; 4] {
    let t = map.rotate.to_radians();
    let (s, c) = (libm::sinf(t), libm::cosf(t));
    let r = [c, s, -s, c];
    let m = [map.scale_x, -map.shear * map.scale_y, 0.0, map.scale_y];
    [
        r[0] * m[0] + r[1] * m[2],
        r[0] * m[1] + r[1] * m[3],
        r[2] * m[0] + r[3] * m[2],
        r[2] * m[1] + r[3] * m[3],
    ]
}

/// The warp with an optional displacement field, per pixel through [`sample`].
pub fn warp_displaced(
    src: &[u8],
    dst: &mut [u8],
    side: usize,
    map: &Affine,
    field: Option<(&[f32], &[f32])>,
) {
    assert!(src.len() == side * side && dst.len() == side * side);
    if let Some((fx, fy)) = field {
        assert!(fx.len() == side * side && fy.len() == side * side);
    }
    let [a, b, c, d] = matrix(map);
    let det = a * d - b * c;
    let (ia, ib, ic, id) = (d / det, -b / det, -c / det, a / det);
    let centre = side as f32 / 2.0;
    for y in 0..side {
        for x in 0..side {
            let dx = x as f32 + 0.5 - centre - map.shift_x;
            let dy = y as f32 + 0.5 - centre - map.shift_y;
            let mut sx = ia * dx + ib * dy + centre - 0.5;
            let mut sy = ic * dx + id * dy + centre - 0.5;
            if let Some((fx, fy)) = field {
                sx += fx[y * side + x];
                sy += fy[y * side + x];
            }
            dst[y * side + x] = sample(src, side, sx, sy);
        }
    }
}

/// Bilinear sample at (x, y) in pixel-index coordinates; 0 outside: `libm` floor and round,
/// a bounds check per tap.
pub fn sample(src: &[u8], side: usize, x: f32, y: f32) -> u8 {
    let (x0, y0) = (libm::floorf(x), libm::floorf(y));
    let (fx, fy) = (x - x0, y - y0);
    let at = |xi: f32, yi: f32| -> f32 {
        if xi < 0.0 || yi < 0.0 || xi >= side as f32 || yi >= side as f32 {
            0.0
        } else {
            src[yi as usize * side + xi as usize] as f32
        }
    };
    let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1.0, y0) * fx;
    let bottom = at(x0, y0 + 1.0) * (1.0 - fx) + at(x0 + 1.0, y0 + 1.0) * fx;
    let v = top * (1.0 - fy) + bottom * fy;
    libm::roundf(v.clamp(0.0, 255.0)) as u8
}

/// Stroke width change, each pixel's four neighbours checked against the image's edge.
pub fn stroke_width(src: &[u8], dst: &mut [u8], side: usize, grow: f32) {
    assert!(src.len() == side * side && dst.len() == side * side);
    let grow = grow.clamp(-1.0, 1.0);
    for y in 0..side {
        for x in 0..side {
            let v = src[y * side + x];
            let mut ext = v;
            for (nx, ny) in [
                (x.wrapping_sub(1), y),
                (x + 1, y),
                (x, y.wrapping_sub(1)),
                (x, y + 1),
            ] {
                let n = if nx < side && ny < side {
                    src[ny * side + nx]
                } else {
                    0
                };
                ext = if grow >= 0.0 { ext.max(n) } else { ext.min(n) };
            }
            let mixed = v as f32 + (ext as f32 - v as f32) * libm::fabsf(grow);
            dst[y * side + x] = libm::roundf(mixed) as u8;
        }
    }
}

/// The normalised Gaussian of `sigma` pixels, taps −radius..=radius: `Elastic::new`'s.
pub fn kernel(sigma: f32) -> Vec<f32> {
    let sigma = sigma.max(0.1);
    let radius = libm::ceilf(3.0 * sigma) as usize;
    let mut kernel: Vec<f32> = (0..=2 * radius)
        .map(|i| {
            let d = i as f32 - radius as f32;
            libm::expf(-(d * d) / (2.0 * sigma * sigma))
        })
        .collect();
    let mut sum = 0.0f32;
    for &k in &kernel {
        sum += k;
    }
    for k in &mut kernel {
        *k /= sum;
    }
    kernel
}

/// One displacement component: side² draws from `rng` in −1..1, smoothed by `kernel` over
/// rows then columns as a plain double loop (taps outside the image skipped), times `alpha`.
pub fn field(
    kernel: &[f32],
    side: usize,
    rng: &mut impl rand_core::Rng,
    alpha: f32,
    out: &mut [f32],
) {
    let n = side;
    assert_eq!(out.len(), n * n);
    let noise: Vec<f32> = (0..n * n)
        .map(|_| {
            let u = (rng.next_u32() >> 8) as f32 * (1.0 / (1u32 << 24) as f32);
            2.0 * u - 1.0
        })
        .collect();
    let r = kernel.len() / 2;
    let mut rows = vec![0.0f32; n * n];
    for y in 0..n {
        for x in 0..n {
            let mut acc = 0.0f32;
            for (k, &w) in kernel.iter().enumerate() {
                if x + k >= r && x + k - r < n {
                    acc += w * noise[y * n + x + k - r];
                }
            }
            rows[y * n + x] = acc;
        }
    }
    for y in 0..n {
        for x in 0..n {
            let mut acc = 0.0f32;
            for (k, &w) in kernel.iter().enumerate() {
                if y + k >= r && y + k - r < n {
                    acc += w * rows[(y + k - r) * n + x];
                }
            }
            out[y * n + x] = alpha * acc;
        }
    }
}

/// [`field`] as the library made it until the zero padding: the same sums walked tap by tap
/// over the part of each row (column) inside the image. What the old copy in the bench runs.
pub fn field_by_taps(
    kernel: &[f32],
    side: usize,
    rng: &mut impl rand_core::Rng,
    alpha: f32,
    field: &mut [f32],
    noise: &mut [f32],
    rows: &mut [f32],
) {
    let n = side;
    assert_eq!(field.len(), n * n);
    for v in noise.iter_mut() {
        let u = (rng.next_u32() >> 8) as f32 * (1.0 / (1u32 << 24) as f32);
        *v = 2.0 * u - 1.0;
    }
    let r = kernel.len() / 2;
    rows.fill(0.0);
    for (noise, out) in noise.chunks_exact(n).zip(rows.chunks_exact_mut(n)) {
        for (k, &w) in kernel.iter().enumerate() {
            let lo = r.saturating_sub(k);
            let hi = (n + r).saturating_sub(k).min(n);
            if lo >= hi {
                continue;
            }
            let from = lo + k - r;
            for (o, &v) in out[lo..hi].iter_mut().zip(&noise[from..from + hi - lo]) {
                *o += w * v;
            }
        }
    }
    field.fill(0.0);
    for (y, out) in field.chunks_exact_mut(n).enumerate() {
        for (k, &w) in kernel.iter().enumerate() {
            let sy = y + k;
            if sy < r || sy - r >= n {
                continue;
            }
            let row = &rows[(sy - r) * n..(sy - r + 1) * n];
            for (o, &v) in out.iter_mut().zip(row) {
                *o += w * v;
            }
        }
    }
    for v in field.iter_mut() {
        *v *= alpha;
    }
}

/// `Augmenter` as it was: the plain steps above, the field by [`field_by_taps`].
#[derive(Debug, Clone)]
pub struct Augmenter {
    seed: u64,
    side: usize,
    ranges: AugmentRanges,
    kernel: Option<Vec<f32>>,
    dx: Vec<f32>,
    dy: Vec<f32>,
    stroked: Vec<u8>,
    noise: Vec<f32>,
    rows: Vec<f32>,
}

impl Augmenter {
    /// As `Augmenter::new`.
    pub fn new(seed: u64, ranges: AugmentRanges, side: usize) -> Self {
        Augmenter {
            seed,
            side,
            ranges,
            kernel: (ranges.elastic > 0.0).then(|| kernel(ranges.elastic_sigma)),
            dx: vec![0.0; side * side],
            dy: vec![0.0; side * side],
            stroked: vec![0; side * side],
            noise: vec![0.0; side * side],
            rows: vec![0.0; side * side],
        }
    }

    /// As `Augmenter::augment`.
    pub fn augment(&mut self, epoch: u32, index: u64, copy: u32, src: &[u8], dst: &mut [u8]) {
        let mut rng = seed::rng_for(self.seed, epoch, index, copy);
        let (map, grow) = random_map(&mut rng, &self.ranges);
        stroke_width(src, &mut self.stroked, self.side, grow);
        let alpha = self.ranges.elastic * self.side as f32 / 28.0;
        let f = match self.kernel.as_deref() {
            Some(k) => {
                let (n, r) = (&mut self.noise[..], &mut self.rows[..]);
                field_by_taps(k, self.side, &mut rng, alpha, &mut self.dx, n, r);
                field_by_taps(k, self.side, &mut rng, alpha, &mut self.dy, n, r);
                Some((&self.dx[..], &self.dy[..]))
            }
            None => None,
        };
        warp_displaced(&self.stroked, dst, self.side, &map, f);
    }
}

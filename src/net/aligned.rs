//! Weights on cache-line boundaries, owned by whoever holds them: [`AlignedBuf`], a heap slice
//! of `f32` that starts on a 64-byte boundary, and [`AlignedMatrix`], an nalgebra matrix stored
//! in one.
//!
//! The training kernels read and write the 784×200 input weights with 32-byte AVX loads and
//! stores. glibc hands out large blocks 16 bytes past a page boundary, so every other 32-byte
//! access of a `Vec`'s weights straddles two cache lines, and a training step costs about half
//! as much again (`docs/lab/2026-12-05-figures-from-doc-comments.md`). The network therefore owns its weights in aligned storage: a library user gets full
//! speed without installing a global allocator. The threaded trainer also gives each thread its
//! block of weights in an `AlignedBuf` of its own, so no two threads write one cache line.
//!
//! Alignment changes speed only: the kernels give the same bits wherever the weights sit.
#![allow(unsafe_code)]

use alloc::alloc::{alloc_zeroed, dealloc, handle_alloc_error, Layout};
use core::fmt;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

use nalgebra::base::storage::{IsContiguous, Owned, RawStorage, RawStorageMut, Storage};
use nalgebra::{DefaultAllocator, Dim, Dyn, Matrix, VecStorage, U1};

/// The alignment of every buffer: one cache line.
pub const ALIGN: usize = 64;

/// `f32`s in one cache line: a block of rows this long starts a new line in every column.
pub const LINE_FLOATS: usize = ALIGN / core::mem::size_of::<f32>();

/// A fixed-length, zero-initialised, 64-byte-aligned heap slice of `f32`.
pub struct AlignedBuf {
    ptr: NonNull<f32>,
    len: usize,
}

// SAFETY: an AlignedBuf owns its floats exclusively, like a Vec<f32>.
unsafe impl Send for AlignedBuf {}
// SAFETY: shared references only read, like &[f32].
unsafe impl Sync for AlignedBuf {}

impl AlignedBuf {
    /// `len` zeros, starting on a cache-line boundary.
    ///
    /// # Panics
    /// If `len` floats overflow `isize`; aborts if the allocator fails, as `Vec` does.
    pub fn zeroed(len: usize) -> Self {
        let Some(layout) = Self::layout(len) else {
            return AlignedBuf {
                ptr: dangling(),
                len: 0,
            };
        };
        // SAFETY: the layout has a non-zero size.
        let raw = unsafe { alloc_zeroed(layout) };
        let Some(ptr) = NonNull::new(raw.cast::<f32>()) else {
            handle_alloc_error(layout)
        };
        AlignedBuf { ptr, len }
    }

    /// A copy of `values`, aligned.
    pub fn from_slice(values: &[f32]) -> Self {
        let mut buf = Self::zeroed(values.len());
        buf.copy_from_slice(values);
        buf
    }

    /// The layout of `len` floats, or `None` for an empty buffer (no allocation).
    fn layout(len: usize) -> Option<Layout> {
        if len == 0 {
            return None;
        }
        let bytes = len
            .checked_mul(core::mem::size_of::<f32>())
            .expect("buffer size overflows");
        Some(Layout::from_size_align(bytes, ALIGN).expect("buffer size overflows"))
    }
}

/// An aligned, non-null pointer for an empty buffer (never dereferenced, never freed).
fn dangling() -> NonNull<f32> {
    #[repr(align(64))]
    #[allow(dead_code)] // only its alignment matters
    struct Line([f32; LINE_FLOATS]);
    NonNull::<Line>::dangling().cast()
}

impl Drop for AlignedBuf {
    fn drop(&mut self) {
        if let Some(layout) = Self::layout(self.len) {
            // SAFETY: allocated in `zeroed` with this very layout.
            unsafe { dealloc(self.ptr.as_ptr().cast(), layout) }
        }
    }
}

impl Deref for AlignedBuf {
    type Target = [f32];
    fn deref(&self) -> &[f32] {
        // SAFETY: `len` initialised floats live at `ptr` (or `len` is 0 and `ptr` is aligned).
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl DerefMut for AlignedBuf {
    fn deref_mut(&mut self) -> &mut [f32] {
        // SAFETY: as for `deref`, and `&mut self` is exclusive.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl Clone for AlignedBuf {
    fn clone(&self) -> Self {
        Self::from_slice(self)
    }
}

impl fmt::Debug for AlignedBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl PartialEq for AlignedBuf {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

/// nalgebra storage in an [`AlignedBuf`]: a column-major (rows, cols) matrix, contiguous.
#[derive(Clone, PartialEq)]
pub struct AlignedStorage {
    buf: AlignedBuf,
    nrows: Dyn,
    ncols: Dyn,
}

impl fmt::Debug for AlignedStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlignedStorage")
            .field("nrows", &self.nrows.value())
            .field("ncols", &self.ncols.value())
            .field("data", &self.buf)
            .finish()
    }
}

/// A heap matrix of `f32` on cache-line-aligned storage. It reads like a `DMatrix<f32>`
/// (indexing, `as_slice`, iterators, arithmetic into a `DMatrix`), column-major.
pub type AlignedMatrix = Matrix<f32, Dyn, Dyn, AlignedStorage>;

/// A (rows, cols) matrix of zeros.
pub fn zeros(nrows: usize, ncols: usize) -> AlignedMatrix {
    Matrix::from_data(AlignedStorage {
        buf: AlignedBuf::zeroed(nrows.checked_mul(ncols).expect("matrix size overflows")),
        nrows: Dyn(nrows),
        ncols: Dyn(ncols),
    })
}

/// An aligned copy of any `f32` matrix, element for element.
pub fn copy_of<R: Dim, C: Dim, S: RawStorage<f32, R, C>>(
    m: &Matrix<f32, R, C, S>,
) -> AlignedMatrix {
    let mut out = zeros(m.nrows(), m.ncols());
    // Both iterate in column-major order.
    for (o, &v) in out.iter_mut().zip(m.iter()) {
        *o = v;
    }
    out
}

// SAFETY: `buf` holds exactly nrows·ncols floats, column-major with a column stride of nrows;
// the shape cannot change after construction (no safe method resizes the buffer).
unsafe impl RawStorage<f32, Dyn, Dyn> for AlignedStorage {
    type RStride = U1;
    type CStride = Dyn;

    fn ptr(&self) -> *const f32 {
        self.buf.as_ptr()
    }

    fn shape(&self) -> (Dyn, Dyn) {
        (self.nrows, self.ncols)
    }

    fn strides(&self) -> (U1, Dyn) {
        (U1, self.nrows)
    }

    fn is_contiguous(&self) -> bool {
        true
    }

    unsafe fn as_slice_unchecked(&self) -> &[f32] {
        &self.buf
    }
}

// SAFETY: as for RawStorage; the owned copies have the same shape and elements.
unsafe impl Storage<f32, Dyn, Dyn> for AlignedStorage {
    fn into_owned(self) -> Owned<f32, Dyn, Dyn>
    where
        DefaultAllocator: nalgebra::allocator::Allocator<Dyn, Dyn>,
    {
        self.clone_owned()
    }

    fn clone_owned(&self) -> Owned<f32, Dyn, Dyn>
    where
        DefaultAllocator: nalgebra::allocator::Allocator<Dyn, Dyn>,
    {
        VecStorage::new(self.nrows, self.ncols, self.buf.to_vec())
    }

    fn forget_elements(self) {
        // f32 has no destructor: dropping the buffer frees it and forgets nothing else.
    }
}

// SAFETY: as for RawStorage; `&mut self` gives exclusive access to the buffer.
unsafe impl RawStorageMut<f32, Dyn, Dyn> for AlignedStorage {
    fn ptr_mut(&mut self) -> *mut f32 {
        self.buf.as_mut_ptr()
    }

    unsafe fn as_mut_slice_unchecked(&mut self) -> &mut [f32] {
        &mut self.buf
    }
}

// SAFETY: every index 0..nrows·ncols is an element of the matrix.
unsafe impl IsContiguous for AlignedStorage {}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::DMatrix;

    #[test]
    fn buffers_start_on_a_cache_line_and_hold_zeros() {
        for len in [0usize, 1, 3, 16, 1000, 156_800] {
            let mut b = AlignedBuf::zeroed(len);
            assert_eq!(b.as_ptr() as usize % ALIGN, 0, "{len} floats");
            assert_eq!(b.len(), len);
            assert!(b.iter().all(|&v| v == 0.0));
            b.iter_mut().enumerate().for_each(|(i, v)| *v = i as f32);
            let c = b.clone();
            assert_eq!(c.as_ptr() as usize % ALIGN, 0);
            assert_eq!(c, b);
        }
    }

    #[test]
    fn an_aligned_matrix_reads_like_a_dmatrix() {
        let d = DMatrix::from_row_slice(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let mut a = copy_of(&d);
        assert_eq!(a.as_slice().as_ptr() as usize % ALIGN, 0);
        assert_eq!(a.as_slice(), d.as_slice());
        assert_eq!(a, d);
        assert_eq!(a[(1, 2)], 6.0);
        a[(0, 1)] = 9.0;
        assert_eq!(a.transpose().as_slice(), &[1.0, 9.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!((&a - &d).max(), 7.0);
        assert_eq!(a.clone_owned().column(1).as_slice(), &[9.0, 5.0]);
    }
}

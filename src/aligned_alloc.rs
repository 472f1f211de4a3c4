//! A global allocator that puts every allocation on a 64-byte (cache-line) boundary.
//!
//! The training kernels read and write the 784×200 input weights with 32-byte AVX loads and
//! stores. glibc hands out large blocks 16 bytes past a page boundary, so every other 32-byte
//! access of `wih` straddles two cache lines, and a training step costs about half as much
//! again (measured: 21 µs a sample aligned against 31 µs not, for the fused kernel alone).
//! The weights live in an nalgebra `DMatrix`, whose `Vec` storage takes whatever alignment the
//! allocator gives, so the fix belongs to the allocator:
//!
//! ```
//! #[global_allocator]
//! static ALLOCATOR: nnzero::aligned_alloc::CacheAligned = nnzero::aligned_alloc::CacheAligned;
//! ```
//!
//! `nnzero`, its benchmarks and its tests do this. Alignment changes speed only: the kernels
//! give the same bits wherever the weights sit.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};

/// Every allocation aligned to at least a cache line, on top of the system allocator.
#[derive(Debug, Clone, Copy, Default)]
pub struct CacheAligned;

/// The alignment of every block.
pub const ALIGN: usize = 64;

/// The layout actually asked of the system: the same size, at least [`ALIGN`]. It depends on
/// the alignment alone, never the size, so a block grown or shrunk by `realloc` is freed with
/// the layout it was allocated with.
fn aligned(layout: Layout) -> Layout {
    match layout.align_to(ALIGN) {
        Ok(l) => l,
        // Only for sizes near isize::MAX, which the system cannot allocate anyway.
        Err(_) => layout,
    }
}

// SAFETY: every method forwards to `System` with `aligned(layout)`, which keeps the size and
// only raises the alignment (a power of two), so each block is allocated, resized and freed
// with one and the same layout, and is at least as aligned as the caller asked.
unsafe impl GlobalAlloc for CacheAligned {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: `aligned` keeps the caller's non-zero size.
        unsafe { System.alloc(aligned(layout)) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(aligned(layout)) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` with `aligned(layout)`, the same layout as here.
        unsafe { System.dealloc(ptr, aligned(layout)) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` was allocated with `aligned(layout)`; the new block keeps its alignment.
        unsafe { System.realloc(ptr, aligned(layout), new_size) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_cache_aligned_and_usable() {
        let a = CacheAligned;
        for size in [1usize, 3, 64, 1000, 627_200] {
            let layout = Layout::from_size_align(size, 4).unwrap();
            // SAFETY: a non-zero size; the block is written within its size, grown, checked and
            // freed with the layout it has.
            unsafe {
                let p = a.alloc(layout);
                assert!(!p.is_null());
                assert_eq!(p as usize % ALIGN, 0, "{size} bytes");
                p.write_bytes(7, size);
                let q = a.realloc(p, layout, size * 2);
                assert_eq!(q as usize % ALIGN, 0);
                assert_eq!(*q.add(size - 1), 7);
                a.dealloc(q, Layout::from_size_align(size * 2, 4).unwrap());
            }
        }
    }
}

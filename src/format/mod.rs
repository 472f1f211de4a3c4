//! The files nnzero writes and reads: one container (magic, version, length, CRC) around every
//! payload, the dataset blob, the model file, and the atomic save they all go through. The
//! formats are specified in `spec/`.

#[cfg(feature = "std")]
pub mod atomic_save;
pub mod blob;
pub mod container;
#[cfg(feature = "alloc")]
pub mod model;

//! The parsers of mnist2blob, as a library so that the fuzz targets (`fuzz/`) reach them.
//!
//! - [`idx`]: MNIST's IDX files (`idx3-ubyte` images, `idx1-ubyte` labels).
//! - [`csv`]: the book's CSV, `label,p0,…,p783` per line.
#![deny(missing_docs)]

pub mod csv;
pub mod idx;

//! The IDX format of the original MNIST files (LeCun et al.), as far as MNIST uses it.
//!
//! ```text
//! magic    0x00 0x00 <type> <dims>      type 0x08 = unsigned byte
//! sizes    <dims> × u32 big-endian      images: count, rows, cols; labels: count
//! data     count × rows × cols bytes, row-major (or count label bytes)
//! ```

use std::fmt;

/// What can be wrong with an IDX file.
#[derive(Debug, PartialEq, Eq)]
pub enum IdxError {
    /// The first two bytes are not zero, or the data type is not unsigned bytes (0x08).
    BadMagic([u8; 4]),
    /// The file has a different number of dimensions than expected.
    WrongDimensions {
        /// Dimensions expected (3 for images, 1 for labels).
        expected: u8,
        /// Dimensions in the file.
        found: u8,
    },
    /// The file ends before its sizes, or before the data they promise.
    Truncated {
        /// Bytes the header implies.
        expected: u64,
        /// Bytes in the file.
        found: u64,
    },
    /// Bytes follow the data the header promises.
    TrailingBytes {
        /// Bytes the header implies.
        expected: u64,
        /// Bytes in the file.
        found: u64,
    },
    /// An image side is zero or does not fit a blob (65,535 at most).
    BadImageSize {
        /// Rows in the file.
        rows: u32,
        /// Columns in the file.
        cols: u32,
    },
}

impl fmt::Display for IdxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdxError::BadMagic(m) => write!(
                f,
                "not an unsigned-byte IDX file (magic {:02x} {:02x} {:02x} {:02x})",
                m[0], m[1], m[2], m[3]
            ),
            IdxError::WrongDimensions { expected, found } => write!(
                f,
                "IDX file has {found} dimension(s), expected {expected} ({})",
                if *expected == 3 {
                    "count, rows, cols: an images file"
                } else {
                    "count: a labels file"
                }
            ),
            IdxError::Truncated { expected, found } => {
                write!(
                    f,
                    "IDX file is truncated: {found} bytes, its header implies {expected}"
                )
            }
            IdxError::TrailingBytes { expected, found } => {
                write!(
                    f,
                    "IDX file has {found} bytes, its header implies {expected}"
                )
            }
            IdxError::BadImageSize { rows, cols } => {
                write!(f, "IDX images are {rows}×{cols}: sides must be 1..=65535")
            }
        }
    }
}

impl std::error::Error for IdxError {}

/// A parsed IDX file: its sizes and its data bytes.
#[derive(Debug, PartialEq, Eq)]
pub struct Idx<'a> {
    /// The sizes: `[count, rows, cols]` for images, `[count]` for labels.
    pub dims: Vec<u32>,
    /// The data, row-major.
    pub data: &'a [u8],
}

/// Parses `bytes` as an unsigned-byte IDX file with `ndim` dimensions.
pub fn parse(bytes: &[u8], ndim: u8) -> Result<Idx<'_>, IdxError> {
    let found = bytes.len() as u64;
    if bytes.len() < 4 {
        return Err(IdxError::Truncated { expected: 4, found });
    }
    let magic = [bytes[0], bytes[1], bytes[2], bytes[3]];
    if magic[0] != 0 || magic[1] != 0 || magic[2] != 0x08 {
        return Err(IdxError::BadMagic(magic));
    }
    if magic[3] != ndim {
        return Err(IdxError::WrongDimensions {
            expected: ndim,
            found: magic[3],
        });
    }
    let header_len = 4 + 4 * ndim as usize;
    if bytes.len() < header_len {
        return Err(IdxError::Truncated {
            expected: header_len as u64,
            found,
        });
    }
    let dims: Vec<u32> = bytes[4..header_len]
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    // Saturating: a header may claim more bytes than any file can hold.
    let body = dims.iter().fold(1u64, |n, &d| n.saturating_mul(d as u64));
    let expected = body.saturating_add(header_len as u64);
    if found < expected {
        return Err(IdxError::Truncated { expected, found });
    }
    if found > expected {
        return Err(IdxError::TrailingBytes { expected, found });
    }
    Ok(Idx {
        dims,
        data: &bytes[header_len..],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(n: u32, body: &[u8]) -> Vec<u8> {
        let mut b = vec![0, 0, 8, 1];
        b.extend(n.to_be_bytes());
        b.extend(body);
        b
    }

    #[test]
    fn parses_a_labels_file() {
        let bytes = labels(3, &[1, 2, 3]);
        let idx = parse(&bytes, 1).unwrap();
        assert_eq!(idx.dims, [3]);
        assert_eq!(idx.data, [1, 2, 3]);
    }

    #[test]
    fn names_what_is_wrong() {
        assert_eq!(
            parse(&labels(3, &[1, 2]), 1),
            Err(IdxError::Truncated {
                expected: 11,
                found: 10
            })
        );
        assert_eq!(
            parse(&labels(3, &[1, 2, 3, 4]), 1),
            Err(IdxError::TrailingBytes {
                expected: 11,
                found: 12
            })
        );
        assert_eq!(
            parse(&labels(3, &[1, 2, 3]), 3),
            Err(IdxError::WrongDimensions {
                expected: 3,
                found: 1
            })
        );
        assert_eq!(
            parse(b"PK\x03\x04", 1),
            Err(IdxError::BadMagic(*b"PK\x03\x04"))
        );
        assert_eq!(
            parse(&[0, 0], 1),
            Err(IdxError::Truncated {
                expected: 4,
                found: 2
            })
        );
        // A header claiming 2^32 − 1 images of 2^32 − 1 squared pixels: refused, not allocated.
        let mut huge = vec![0, 0, 8, 3];
        huge.extend([0xff; 12]);
        assert!(matches!(parse(&huge, 3), Err(IdxError::Truncated { .. })));
    }
}

//! Reading digits with a trained network: scoring a test set, the unsure rule, and reading one
//! picture several ways at test time.

pub mod confidence;
pub mod eval;
#[cfg(feature = "alloc")]
pub mod test_time;

//! MNIST IDX files: mnist2blob's parser, as an images file (3 dimensions) and a labels file (1).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mnist2blob::idx;

fuzz_target!(|data: &[u8]| {
    for ndim in [1, 3] {
        if let Ok(parsed) = idx::parse(data, ndim) {
            let body: u64 = parsed.dims.iter().map(|&d| d as u64).product();
            assert_eq!(parsed.data.len() as u64, body);
        }
    }
});

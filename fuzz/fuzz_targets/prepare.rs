//! Picture preparation on arbitrary bytes: `nnzero::prepare::prepare_bytes` with the default
//! limits, what `nnzero predict` does with a photo and the web page with an upload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nnzero::prepare::{prepare_bytes, Limits};

fuzz_target!(|data: &[u8]| {
    if let Ok(prepared) = prepare_bytes(data, Limits::default()) {
        assert_eq!(prepared.pixels.len(), 28 * 28);
    }
});

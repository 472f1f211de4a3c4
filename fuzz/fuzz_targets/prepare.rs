//! Picture preparation on arbitrary bytes: `nnzero::prepare::prepare_bytes` with the default
//! limits, what `nnzero predict` does with a photo and the web page with an upload, and the
//! number path (`read_number_bytes`, issue 23) with a stand-in reader.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nnzero::prepare::{read_number_bytes, prepare_bytes, Limits, MAX_DIGITS};

fuzz_target!(|data: &[u8]| {
    if let Ok(prepared) = prepare_bytes(data, Limits::default()) {
        assert_eq!(prepared.pixels.len(), 28 * 28);
    }
    let mut reader = |p: &[u8; 784]| vec![f32::from(p[0]) / 255.0; 10];
    if let Ok(number) = read_number_bytes(data, Limits::default(), &mut reader) {
        assert!((1..=MAX_DIGITS).contains(&number.digits.len()));
    }
});

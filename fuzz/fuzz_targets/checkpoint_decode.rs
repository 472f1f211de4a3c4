//! Checkpoint files: `nnzero::run::checkpoint::decode` on arbitrary bytes; whatever it
//! accepts re-encodes to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nnzero::run::checkpoint;

fuzz_target!(|data: &[u8]| {
    let Ok(c) = checkpoint::decode(data) else { return };
    assert_eq!(checkpoint::encode(&c), data);
});

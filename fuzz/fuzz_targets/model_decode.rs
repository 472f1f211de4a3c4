//! Model files: `nnzero::format::model::decode` on arbitrary bytes, and a saved-then-loaded round trip
//! of whatever it accepts (the streaming `load` must agree with `decode`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nnzero::format::model;

fuzz_target!(|data: &[u8]| {
    let Ok(net) = model::decode(data) else { return };
    // Whatever decodes re-encodes to the same bytes: one encoding per model.
    assert_eq!(model::encode(&net), data);
    let mut streamed = Vec::new();
    model::encode_to(&net, &mut streamed).unwrap();
    assert_eq!(streamed, data);
});

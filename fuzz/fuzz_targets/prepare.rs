//! Picture preparation on arbitrary bytes: `nnzero::prepare::prepare_file` with the default
//! limits (what `nnzero predict` does with a photo), from a file in memory-backed /dev/shm
//! when there is one.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use nnzero::prepare::{prepare_file, Limits};

fuzz_target!(|data: &[u8]| {
    let dir = std::path::Path::new("/dev/shm");
    let mut file = if dir.is_dir() {
        tempfile::NamedTempFile::new_in(dir)
    } else {
        tempfile::NamedTempFile::new()
    }
    .unwrap();
    file.write_all(data).unwrap();
    if let Ok(prepared) = prepare_file(file.path(), Limits::default()) {
        assert_eq!(prepared.pixels.len(), 28 * 28);
    }
});

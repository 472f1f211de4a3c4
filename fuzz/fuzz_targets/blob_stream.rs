//! Dataset blobs streamed as `nnzero train` reads them: plain or gzip (one member or several),
//! through `dataset::blob_reader`, record by record to the checksum.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut reader) = nnzero::dataset::blob_reader(std::io::Cursor::new(data.to_vec())) else {
        return;
    };
    let mut pixels = vec![0u8; reader.header().pixels()];
    let classes = reader.header().classes;
    // Ends: every record is read or an error stops it; the loop cannot outlast the data.
    while let Ok(Some(label)) = reader.next_into(&mut pixels) {
        assert!((label as u16) < classes);
    }
});

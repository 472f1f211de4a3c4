//! Dataset blobs held in memory: `BlobSlice::parse`, then every record and some indices far
//! out of range.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nnzero::format::blob::{BlobReader, BlobSlice};

fuzz_target!(|data: &[u8]| {
    let slice = BlobSlice::parse(data);
    // The streaming reader must agree with the slice parser on plain bytes.
    let streamed = BlobReader::new(data).and_then(|r| r.verify());
    assert_eq!(slice.is_ok(), streamed.is_ok(), "{slice:?} vs {streamed:?}");
    let Ok(blob) = slice else { return };
    let classes = blob.header().classes;
    for (label, pixels) in blob.iter() {
        assert!((label as u16) < classes);
        assert_eq!(pixels.len(), blob.header().pixels());
    }
    for i in [blob.len(), usize::MAX, usize::MAX / 2 + 1, usize::MAX / blob.header().record_len() + 1] {
        assert!(blob.get(i).is_none());
    }
});

//! The book's CSV: mnist2blob's parser. The first byte picks the image size (0: MNIST's 784
//! pixels, else 1 to 16, so short inputs reach whole records), the rest is the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mnist2blob::csv;

fuzz_target!(|data: &[u8]| {
    let Some((&size, text)) = data.split_first() else { return };
    let pixels = match size {
        0 => 784,
        s => 1 + (s % 16) as usize,
    };
    let text = String::from_utf8_lossy(text);
    let mut records = 0;
    let result = csv::parse(&text, pixels, |label, px| {
        assert!(label <= 9);
        assert_eq!(px.len(), pixels);
        records += 1;
    });
    if let Ok(count) = result {
        assert_eq!(count, records);
    }
});

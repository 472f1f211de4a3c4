//! The golden model: one fixed training run must give the same model file, byte for byte, on
//! every CPU. `firmware-tests/` runs the same workload on aarch64, ARMv7 and ARMv6 under QEMU
//! and checks the same golden file.
//!
//! Re-bless after a deliberate change of the maths or the model format (and say why):
//! `BLESS=1 cargo test --test std golden_model::`.

use crate::common::workload;

use std::path::Path;

#[test]
fn golden_model_bytes_and_test_accuracy() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (train, test) =
        workload::open_data(&workload::data_dir(root)).unwrap_or_else(|e| panic!("{e}"));
    let scratch = tempfile::tempdir().unwrap();
    eprintln!("golden model: training on 2,000 images, testing on 10,000");
    let outcome = workload::run(&train, &test, scratch.path()).unwrap_or_else(|e| panic!("{e}"));
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(root.join(workload::GOLDEN_PATH), outcome.golden_file()).unwrap();
        eprintln!("blessed {}", workload::GOLDEN_PATH);
        return;
    }
    if let Err(diff) = outcome.check() {
        panic!("{diff}");
    }
    // Guards the golden file itself: a blessed model that cannot read digits is no reference.
    let accuracy = outcome.score.accuracy();
    assert!(
        accuracy > 0.8,
        "accuracy {accuracy} after 2,000 images is too low to be a fair reference"
    );
}

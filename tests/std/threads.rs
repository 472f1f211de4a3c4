//! The golden workload (tests/common/workload.rs) trained on 1, 2, 3 and 4 threads: every
//! count gives the golden model file, byte for byte. `firmware-tests/` checks the same on
//! aarch64 and ARMv7 under QEMU.

use crate::common::workload;

use std::path::Path;

use nnzero::digits::mnist::{scale_image, targets_into, CLASSES, HIDDEN, PIXELS};
use nnzero::{format::model, Network, ParallelTrainer};

#[test]
fn every_thread_count_trains_the_golden_model() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (train, _) =
        workload::open_data(&workload::data_dir(root)).unwrap_or_else(|e| panic!("{e}"));
    for threads in 1..=4 {
        eprintln!("threads: the golden workload on {threads} thread(s), of 1 to 4");
        let net = Network::new(
            PIXELS,
            HIDDEN,
            CLASSES,
            workload::LEARNING_RATE,
            workload::SEED,
        );
        let mut trainer = ParallelTrainer::new(net, threads);
        assert_eq!(trainer.threads(), threads);
        let (mut inputs, mut targets) = ([0.0f32; PIXELS], [0.0f32; CLASSES]);
        let mut stream = train.stream().unwrap();
        for _ in 0..workload::SAMPLES {
            let (label, pixels) = stream.next_record().unwrap().expect("enough images");
            scale_image(pixels, &mut inputs);
            targets_into(label, &mut targets);
            trainer.train(&inputs, &targets);
        }
        let bytes = model::encode(&trainer.into_network());
        let want = format!("model-sha256 {}", workload::sha256_hex(&bytes));
        assert!(
            workload::GOLDEN.lines().any(|l| l == want),
            "{threads} threads: {want} differs from {}",
            workload::GOLDEN_PATH
        );
    }
}

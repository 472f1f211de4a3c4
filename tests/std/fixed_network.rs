//! `FixedNetwork` (sizes fixed at compile time, static storage, no allocator) against the heap
//! `Network` at the book's MNIST size: the same weights, outputs and back-queries, bit for bit,
//! and the golden model of `tests/data/golden/model.txt` when trained on the golden workload.

use crate::common::workload;

use std::path::Path;
use std::sync::Mutex;

use nalgebra::DMatrix;
use nnzero::digits::mnist::{scale_image, targets_into, CLASSES, HIDDEN, PIXELS};
use nnzero::{format::model, FixedNetwork, Network};

/// In a `static`, built by the `const fn zeroed`, as on a microcontroller: 636 KB of weights
/// that never touch the stack or the heap.
static FIXED: Mutex<FixedNetwork<PIXELS, HIDDEN, CLASSES>> =
    Mutex::new(FixedNetwork::zeroed(workload::LEARNING_RATE));

#[test]
fn fixed_network_trains_the_golden_model_bit_for_bit() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (train, test) =
        workload::open_data(&workload::data_dir(root)).unwrap_or_else(|e| panic!("{e}"));
    let mut fixed = FIXED.lock().unwrap_or_else(|e| e.into_inner());
    fixed.init(workload::SEED);
    let heap = workload::train(&train).unwrap_or_else(|e| panic!("{e}"));

    let mut inputs = [0.0f32; PIXELS];
    let mut targets = [0.0f32; CLASSES];
    let mut stream = train.stream().unwrap();
    let mut trainer = fixed.trainer();
    for _ in 0..workload::SAMPLES {
        let (label, pixels) = stream.next_record().unwrap().expect("2,000 images");
        scale_image(pixels, &mut inputs);
        targets_into(label, &mut targets);
        trainer.train(&inputs, &targets);
    }
    trainer.finish();

    let bits = |w: &[f32]| w.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(fixed.wih().as_slice()), bits(heap.wih().as_slice()));
    assert_eq!(bits(fixed.who().as_slice()), bits(heap.who().as_slice()));

    // Its weights, written as a model file, are the golden model.
    let as_heap = Network::from_weights(
        DMatrix::from_column_slice(HIDDEN, PIXELS, fixed.wih().as_slice()),
        DMatrix::from_column_slice(CLASSES, HIDDEN, fixed.who().as_slice()),
        fixed.learning_rate(),
        fixed.seed(),
    );
    let golden_sha = workload::GOLDEN
        .lines()
        .find_map(|l| l.strip_prefix("model-sha256 "))
        .expect("model-sha256 in the golden file");
    assert_eq!(workload::sha256_hex(&model::encode(&as_heap)), golden_sha);

    // Queries and back-queries agree on real test digits.
    let mut stream = test.stream().unwrap();
    for _ in 0..200 {
        let (_, pixels) = stream.next_record().unwrap().expect("test images");
        scale_image(pixels, &mut inputs);
        assert_eq!(bits(&fixed.query(&inputs)), bits(&heap.query(&inputs)));
    }
    for digit in 0..CLASSES as u8 {
        targets_into(digit, &mut targets);
        assert_eq!(
            bits(&fixed.backquery(&targets)),
            bits(&heap.backquery(&targets))
        );
    }
}

//! The firmware tests: on whatever target this is built for (x86_64 natively; aarch64, ARMv7
//! and ARMv6 under QEMU), the golden training run must give the desktop's model bytes and test
//! accuracy, blobs and model files must read back, and the bare-metal demo's workload must
//! print what the Cortex-M4F prints.

use firmware_tests::{bare_metal, golden, repo_root, subset};
use nnzero::dataset::{Dataset, TEST_FILE, TRAIN_FILE};
use nnzero::digits::mnist::{CLASSES, SIDE};
use nnzero::format::blob::{BlobSlice, BlobWriter, Header};

fn data(name: &str) -> Dataset {
    let path = golden::data_dir(repo_root()).join(name);
    Dataset::open(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// The golden model: same SHA-256 of the model file, same test score, as the desktop.
#[test]
fn golden_model_matches_the_desktop() {
    let (train, test) = (data(TRAIN_FILE), data(TEST_FILE));
    let scratch = tempfile::tempdir().unwrap();
    let outcome = golden::run(&train, &test, scratch.path()).unwrap_or_else(|e| panic!("{e}"));
    if let Err(diff) = outcome.check() {
        panic!("{diff}");
    }
    eprintln!(
        "{}: {} bytes, sha256 {}, {}/{} test digits right",
        std::env::consts::ARCH,
        outcome.model.len(),
        golden::sha256_hex(&outcome.model),
        outcome.score.correct(),
        outcome.score.total()
    );
}

/// The golden model trained on two and on three threads: the same model bytes as one thread
/// on the desktop (the threads split the hidden nodes; every sum keeps its order).
#[test]
fn golden_model_on_threads_matches_the_desktop() {
    let train = data(TRAIN_FILE);
    for threads in [2, 3] {
        let net =
            firmware_tests::golden_on_threads(&train, threads).unwrap_or_else(|e| panic!("{e}"));
        let sha = golden::sha256_hex(&nnzero::format::model::encode(&net));
        let want = format!("model-sha256 {sha}");
        assert!(
            golden::GOLDEN.lines().any(|l| l == want),
            "{} on {threads} threads: {want} is not the golden model",
            std::env::consts::ARCH
        );
        eprintln!(
            "{} on {threads} threads: sha256 {sha}",
            std::env::consts::ARCH
        );
    }
}

/// The gzip test blob streams and verifies (every label, length, CRC), and a blob written here
/// parses in place with the no-allocator `BlobSlice` and holds the same records.
#[test]
fn blobs_stream_verify_and_parse_in_place() {
    let test = data(TEST_FILE);
    test.verify().unwrap_or_else(|e| panic!("{e}"));
    let h = test.header();
    assert_eq!(
        (
            h.count,
            h.rows as usize,
            h.cols as usize,
            h.classes as usize
        ),
        (10_000, SIDE, SIDE, CLASSES)
    );

    let n = 300;
    let mut writer = BlobWriter::new(Vec::new(), Header::new(n, 28, 28, 10).unwrap()).unwrap();
    let mut stream = test.stream().unwrap();
    let mut records = Vec::new();
    for _ in 0..n {
        let (label, pixels) = stream.next_record().unwrap().expect("300 records");
        writer.push(label, pixels).unwrap();
        records.push((label, pixels.to_vec()));
    }
    let bytes = writer.finish().unwrap();
    let slice = BlobSlice::parse(&bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(slice.len(), n as usize);
    assert!(slice.iter().map(|(l, p)| (l, p.to_vec())).eq(records));
    let mut corrupt = bytes.clone();
    corrupt[1000] ^= 1;
    assert!(
        BlobSlice::parse(&corrupt).is_err(),
        "a flipped bit must be caught"
    );
}

/// The bare-metal image's workload, run here, prints `bare-metal/expected.out`: the file the
/// Cortex-M4F's output is compared with in CI.
#[test]
fn bare_metal_workload_prints_the_expected_output() {
    let cut = |name, n| {
        let path = golden::data_dir(repo_root()).join(name);
        subset::first_records(&path, n).unwrap_or_else(|e| panic!("{e}"))
    };
    let train = cut(TRAIN_FILE, bare_metal::TRAIN_DIGITS);
    let test = cut(TEST_FILE, bare_metal::TEST_DIGITS);
    let (train, test) = (
        BlobSlice::parse(&train).unwrap(),
        BlobSlice::parse(&test).unwrap(),
    );
    let mut net = Box::new(bare_metal::Net::zeroed(bare_metal::LEARNING_RATE));
    let mut out = String::new();
    let score = bare_metal::run(&mut net, &train, &test, &mut out).unwrap();
    let expected = include_str!("../bare-metal/expected.out");
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        expected.lines().collect::<Vec<_>>(),
        "this CPU ({}) differs from bare-metal/expected.out",
        std::env::consts::ARCH
    );
    assert!(score.correct * 2 > score.total, "{score}: not learned");
}

//! The bundled blobs in data/ hold exactly the original MNIST files, image for image: running
//! mnist2blob on data/mnist/ reproduces them.

use std::path::Path;
use std::process::Command;

use nnzero::dataset::Dataset;

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

#[test]
fn bundled_blobs_are_the_original_mnist() {
    let dir = tempfile::tempdir().unwrap();
    for (prefix, bundled, count) in [
        ("train", "mnist-train.blob.gz", 60_000),
        ("t10k", "mnist-test.blob.gz", 10_000),
    ] {
        let out = dir.path().join(format!("{prefix}.blob"));
        let src = repo().join("data/mnist");
        let o = Command::new(env!("CARGO_BIN_EXE_mnist2blob"))
            .arg("--images")
            .arg(src.join(format!("{prefix}-images-idx3-ubyte.gz")))
            .arg("--labels")
            .arg(src.join(format!("{prefix}-labels-idx1-ubyte.gz")))
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

        let converted = Dataset::open(&out).unwrap();
        let shipped = Dataset::open(repo().join("data").join(bundled)).unwrap();
        assert_eq!(converted.header(), shipped.header());
        assert_eq!(shipped.len(), count);
        let (mut a, mut b) = (converted.stream().unwrap(), shipped.stream().unwrap());
        let mut n = 0;
        loop {
            match (a.next_record().unwrap(), b.next_record().unwrap()) {
                (Some(x), Some(y)) => assert_eq!(x, y, "record {n} of {bundled}"),
                (None, None) => break,
                _ => panic!("{bundled} has a different number of records"),
            }
            n += 1;
        }
        assert_eq!(n, count);
    }
}

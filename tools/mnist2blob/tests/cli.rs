//! mnist2blob from the outside: IDX and CSV in, blobs out, and every kind of bad input refused
//! with a named one-line error, no output file, and an existing output left alone.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

use nnzero::format::blob::BlobSlice;

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mnist2blob"))
        .args(args)
        .current_dir(dir)
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap()
}

fn idx(magic_type: u8, dims: &[u32], body: &[u8]) -> Vec<u8> {
    let mut b = vec![0, 0, magic_type, dims.len() as u8];
    for d in dims {
        b.extend(d.to_be_bytes());
    }
    b.extend(body);
    b
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// Three 2×2 images with labels 4, 0, 9.
fn write_inputs(dir: &Path) {
    let images = idx(
        8,
        &[3, 2, 2],
        &[0, 1, 2, 3, 10, 11, 12, 13, 250, 251, 252, 255],
    );
    let labels = idx(8, &[3], &[4, 0, 9]);
    fs::write(dir.join("images.idx"), &images).unwrap();
    fs::write(dir.join("labels.idx"), &labels).unwrap();
    fs::write(dir.join("images.idx.gz"), gz(&images)).unwrap();
    fs::write(dir.join("labels.idx.gz"), gz(&labels)).unwrap();
}

fn assert_refused(dir: &Path, args: &[&str], what: &str) {
    fs::write(dir.join("out.blob"), b"precious").unwrap();
    let o = run(dir, args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(what), "{err:?} should mention {what:?}");
    assert!(!err.contains("panicked"));
    assert_eq!(
        fs::read(dir.join("out.blob")).unwrap(),
        b"precious",
        "output touched"
    );
    let names: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        names.iter().all(|n| !n.to_string_lossy().ends_with(".tmp")),
        "{names:?}"
    );
}

#[test]
fn converts_raw_and_gzip_idx_to_the_same_blob() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_inputs(d);
    let o = run(
        d,
        &[
            "--images",
            "images.idx",
            "--labels",
            "labels.idx",
            "-o",
            "a.blob",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(
        d,
        &[
            "--images",
            "images.idx.gz",
            "--labels",
            "labels.idx.gz",
            "-o",
            "b.blob",
        ],
    );
    assert!(o.status.success());
    let a = fs::read(d.join("a.blob")).unwrap();
    assert_eq!(a, fs::read(d.join("b.blob")).unwrap());
    let blob = BlobSlice::parse(&a).unwrap();
    let records: Vec<_> = blob.iter().map(|(l, p)| (l, p.to_vec())).collect();
    assert_eq!(
        records,
        [
            (4, vec![0, 1, 2, 3]),
            (0, vec![10, 11, 12, 13]),
            (9, vec![250, 251, 252, 255])
        ]
    );
    // A .gz output name gives a gzip blob holding the same bytes.
    let o = run(
        d,
        &[
            "--images",
            "images.idx",
            "--labels",
            "labels.idx",
            "-o",
            "c.blob.gz",
        ],
    );
    assert!(o.status.success());
    let packed = fs::read(d.join("c.blob.gz")).unwrap();
    assert_eq!(&packed[..2], &[0x1f, 0x8b]);
    let mut unpacked = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&packed[..]),
        &mut unpacked,
    )
    .unwrap();
    assert_eq!(unpacked, a);
}

#[test]
fn converts_the_books_csv() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(
        d.join("m.csv"),
        "4,0,1,2,3\n0,10,11,12,13\r\n9,250,251,252,255\n",
    )
    .unwrap();
    let o = run(d, &["--csv", "m.csv", "--side", "2", "-o", "csv.blob"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    write_inputs(d);
    run(
        d,
        &[
            "--images",
            "images.idx",
            "--labels",
            "labels.idx",
            "-o",
            "idx.blob",
        ],
    );
    assert_eq!(
        fs::read(d.join("csv.blob")).unwrap(),
        fs::read(d.join("idx.blob")).unwrap()
    );
}

#[test]
fn bad_idx_input_is_refused_with_a_named_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_inputs(d);
    let images = fs::read(d.join("images.idx")).unwrap();
    fs::write(d.join("truncated.idx"), &images[..images.len() - 3]).unwrap();
    fs::write(d.join("truncated.idx.gz"), &gz(&images)[..30]).unwrap();
    let mut magic = images.clone();
    magic[2] = 0x0d; // float data
    fs::write(d.join("magic.idx"), magic).unwrap();
    fs::write(d.join("labels9.idx"), idx(8, &[3], &[4, 0, 12])).unwrap();
    fs::write(d.join("labels4.idx"), idx(8, &[4], &[4, 0, 1, 2])).unwrap();
    fs::write(d.join("two_dims.idx"), idx(8, &[3, 4], &[0; 12])).unwrap();
    fs::write(d.join("empty.idx"), b"").unwrap();

    let cases: &[(&[&str], &str)] = &[
        (
            &["--images", "truncated.idx", "--labels", "labels.idx"],
            "truncated.idx: IDX file is truncated",
        ),
        (
            &["--images", "truncated.idx.gz", "--labels", "labels.idx"],
            "cannot read truncated.idx.gz",
        ),
        (
            &["--images", "magic.idx", "--labels", "labels.idx"],
            "not an unsigned-byte IDX file",
        ),
        (
            &["--images", "labels.idx", "--labels", "labels.idx"],
            "1 dimension(s), expected 3",
        ),
        (
            &["--images", "two_dims.idx", "--labels", "labels.idx"],
            "2 dimension(s), expected 3",
        ),
        (
            &["--images", "images.idx", "--labels", "images.idx"],
            "expected 1",
        ),
        (
            &["--images", "images.idx", "--labels", "labels9.idx"],
            "record 2 has label 12",
        ),
        (
            &["--images", "images.idx", "--labels", "labels4.idx"],
            "3 images but the labels file 4",
        ),
        (
            &["--images", "missing.idx", "--labels", "labels.idx"],
            "cannot read missing.idx",
        ),
        (
            &["--images", "empty.idx", "--labels", "labels.idx"],
            "truncated",
        ),
    ];
    for (args, what) in cases {
        let mut all = args.to_vec();
        all.extend(["-o", "out.blob"]);
        assert_refused(d, &all, what);
    }
}

#[test]
fn bad_csv_input_is_refused_with_a_named_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("short.csv"), "4,0,1,2,3\n5,1,2\n").unwrap();
    fs::write(d.join("label.csv"), "4,0,1,2,3\n10,1,2,3,4\n").unwrap();
    fs::write(d.join("pixel.csv"), "4,0,1,2,x\n").unwrap();
    assert_refused(
        d,
        &["--csv", "short.csv", "--side", "2", "-o", "out.blob"],
        "line 2: 3 fields",
    );
    assert_refused(
        d,
        &["--csv", "label.csv", "--side", "2", "-o", "out.blob"],
        "line 2, field 1",
    );
    assert_refused(
        d,
        &["--csv", "pixel.csv", "--side", "2", "-o", "out.blob"],
        "field 5",
    );
}

#[test]
fn an_unwritable_output_is_a_named_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_inputs(d);
    let o = run(
        d,
        &[
            "--images",
            "images.idx",
            "--labels",
            "labels.idx",
            "-o",
            "no/dir/x.blob",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot write no/dir/x.blob"));
    let o = run(d, &["--images", "images.idx", "-o", "x.blob"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "missing --labels is a usage error"
    );
}

/// Runs mnist2blob with its address space capped at `bytes` (prlimit --as), so running out of
/// memory shows as an abort rather than as the machine swapping.
fn run_limited(dir: &Path, bytes: u64, args: &[&str]) -> Output {
    Command::new("prlimit")
        .arg(format!("--as={bytes}"))
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_mnist2blob"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("prlimit (util-linux) is needed for the memory tests")
}

#[test]
fn endless_input_stops_at_the_cap_within_a_pis_memory() {
    // /dev/zero never ends: it used to be read whole (2.1 GB in 2 s) until the allocator gave
    // up. Now reading stops at 128 MiB, well inside 400 MB of address space.
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("out.blob"), b"precious").unwrap();
    let o = run_limited(
        dir.path(),
        400 << 20,
        &["--csv", "/dev/zero", "-o", "out.blob"],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("more than 128 MiB when unpacked"), "{err}");
    assert_eq!(fs::read(dir.path().join("out.blob")).unwrap(), b"precious");
}

#[test]
fn a_gzip_bomb_stops_at_the_cap() {
    // 129 MiB of zeros is 129 KB of gzip; the old 1 GiB cap unpacked all of it.
    let dir = tempfile::tempdir().unwrap();
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..129 {
        e.write_all(&zeros).unwrap();
    }
    fs::write(dir.path().join("bomb.csv.gz"), e.finish().unwrap()).unwrap();
    assert_refused(
        dir.path(),
        &["--csv", "bomb.csv.gz", "-o", "out.blob"],
        "more than 128 MiB when unpacked",
    );
}

/// `--csv c.csv -o c.csv` replaced its input with the blob; now refused, the input kept. And
/// an input of no images gave an empty blob; now refused.
#[test]
fn the_output_may_not_be_an_input_nor_the_input_empty() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_inputs(d);
    let csv = "4,0,1,2,3\n";
    fs::write(d.join("c.csv"), csv).unwrap();
    for args in [
        &["--csv", "c.csv", "--side", "2", "-o", "c.csv"][..],
        &["--csv", "c.csv", "--side", "2", "-o", "./c.csv"],
        &[
            "--images",
            "images.idx",
            "--labels",
            "labels.idx",
            "-o",
            "labels.idx",
        ],
    ] {
        let o = run(d, args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("is also an input"), "{err}");
    }
    assert_eq!(fs::read_to_string(d.join("c.csv")).unwrap(), csv);
    assert_eq!(
        fs::read(d.join("labels.idx")).unwrap(),
        idx(8, &[3], &[4, 0, 9])
    );
    fs::write(d.join("none.idx"), idx(8, &[0, 2, 2], &[])).unwrap();
    fs::write(d.join("nolabels.idx"), idx(8, &[0], &[])).unwrap();
    let args = [
        "--images",
        "none.idx",
        "--labels",
        "nolabels.idx",
        "-o",
        "out.blob",
    ];
    assert_refused(d, &args, "none.idx: holds no images");
    fs::write(d.join("empty.csv"), "").unwrap();
    assert_refused(
        d,
        &["--csv", "empty.csv", "-o", "out.blob"],
        "holds no images",
    );
}

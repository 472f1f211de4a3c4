//! What a header may make nnzero allocate, and what saving and loading cost: the program run
//! under an address-space cap (`prlimit --as`), as on a Raspberry Pi with 512 MB, against files
//! whose headers claim more than the file holds or than a Pi has.

use crate::common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use common::{assert_ok, assert_one_line_error, stdout};
use nnzero::format::blob::{BlobWriter, Header};
use nnzero::{format::model, Network};

/// Runs `nnzero` in `dir` with its address space capped at `mib` MiB.
fn nnzero_limited(dir: &Path, mib: u64, args: &[&str]) -> Output {
    Command::new("prlimit")
        .arg(format!("--as={}", mib << 20))
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_nnzero"))
        .args(args)
        .current_dir(dir)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("prlimit (util-linux) is needed for the memory tests")
}

/// A blob of `count` 28×28 images labelled `k % classes`.
fn write_blob(path: &Path, count: u32, classes: u16) {
    let header = Header::new(count, 28, 28, classes).unwrap();
    let mut w = BlobWriter::new(Vec::new(), header).unwrap();
    for k in 0..count {
        let px: Vec<u8> = (0..784)
            .map(|i| ((i * 7 + k as usize * 13) % 256) as u8)
            .collect();
        w.push((k % classes as u32) as u8, &px).unwrap();
    }
    fs::write(path, w.finish().unwrap()).unwrap();
}

#[test]
fn a_header_claiming_huge_images_is_refused_before_allocating() {
    // 19 bytes: one 65535×65535 image, count 0 so the file is complete and its checksum right.
    // `train` used to make a network with 4.3 G inputs (4.2 GB, then abort under 2 GB).
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut b = b"NNZB\x01\x00\xff\xff\x03\xff\xff\x03\x0a".to_vec();
    b.extend(crc32fast::hash(&b).to_le_bytes());
    fs::write(d.join("huge.blob"), &b).unwrap();
    let o = nnzero_limited(
        d,
        512,
        &[
            "train",
            "--train",
            "huge.blob",
            "--test",
            "huge.blob",
            "--save",
            "m.nnz",
        ],
    );
    assert_one_line_error(&o, "over nnzero's budget of 256 MiB");
    assert!(!d.join("m.nnz").exists());
}

#[test]
fn a_model_over_the_budget_is_refused_by_its_header() {
    // A 784-100000-10 header (314 MB of weights) on a file of the right length, mostly a
    // hole: refused before a byte of weights is read or allocated.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut head = b"NNZM\x01".to_vec();
    head.extend([0x90, 0x06, 0xa0, 0x8d, 0x06, 0x0a]); // 784, 100000, 10
    head.extend(0.1f32.to_le_bytes());
    head.push(1);
    let weights = 784u64 * 100_000 * 4 + 4 + 100_000 * 10 * 4 + 3 + 4;
    let f = fs::File::create(d.join("big.nnz")).unwrap();
    use std::io::Write;
    (&f).write_all(&head).unwrap();
    f.set_len(head.len() as u64 + weights).unwrap();
    write_blob(&d.join("one.blob"), 1, 10);
    let o = nnzero_limited(
        d,
        512,
        &["test", "--model", "big.nnz", "--data", "one.blob"],
    );
    assert_one_line_error(&o, "over nnzero's budget of 256 MiB");
}

#[test]
fn loading_a_large_model_needs_one_copy_of_it() {
    // 784-32768-10: 103 MB of weights. Loading used to read the file into memory, decode it
    // into two more vectors and build the matrices (3×): under a 300 MiB cap it aborted. Now
    // the weights stream from the file into the matrices. (Saving streams too: see
    // `training_with_checkpoints_needs_no_copy_of_a_large_model`.)
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_blob(&d.join("one.blob"), 1, 10);
    model::save(&Network::new(784, 32768, 10, 0.1, 1), &d.join("big.nnz")).unwrap();
    assert!(fs::metadata(d.join("big.nnz")).unwrap().len() > 784 * 32768 * 4);
    let o = nnzero_limited(
        d,
        300,
        &["test", "--model", "big.nnz", "--data", "one.blob"],
    );
    assert_ok(&o);
    assert!(stdout(&o).contains("/1)"), "{}", stdout(&o));
}

#[test]
fn training_with_checkpoints_needs_no_copy_of_a_large_model() {
    // 784-32768-10: 104 MB of weights, which the one training thread also keeps in its block
    // (208 MB in all). Each checkpoint was built in memory, the weights copied three times
    // over (520 MB at its peak, 512 MB of RSS measured): under a 384 MiB cap the first
    // checkpoint aborted the run. Now checkpoints and the model stream to their files, and a
    // resume fits the same cap.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_blob(&d.join("train.blob"), 20, 10);
    write_blob(&d.join("test.blob"), 2, 10);
    let args = |save: &'static str| {
        [
            "train",
            "--train",
            "train.blob",
            "--test",
            "test.blob",
            "--hidden",
            "32768",
            "--epochs",
            "2",
            "--threads",
            "1",
            "--checkpoint-every",
            "5",
            "--save",
            save,
        ]
    };
    let o = nnzero_limited(d, 384, &args("ref.nnz"));
    assert_ok(&o);
    assert_eq!(
        stdout(&o)
            .lines()
            .filter(|l| l.starts_with("epoch "))
            .count(),
        2
    );
    let len = fs::metadata(d.join("ref.nnz")).unwrap().len();
    assert!(len > 4 * 32768 * 794, "{len}");
    assert!(!d.join("ref.nnz.ckpt").exists());
    // Stopped by SIGTERM after its first checkpoint, then resumed, under the same cap.
    let child = Command::new("prlimit")
        .arg(format!("--as={}", 384u64 << 20))
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_nnzero"))
        .args(args("m.nnz"))
        .current_dir(d)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while !d.join("m.nnz.ckpt").exists() {
        assert!(start.elapsed().as_secs() < 120, "no checkpoint");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(143), "{}", common::stderr(&o));
    let mut resume = args("m.nnz").to_vec();
    resume.push("--resume");
    let o = nnzero_limited(d, 384, &resume);
    assert_ok(&o);
    assert!(common::stderr(&o).contains("resuming from m.nnz.ckpt"));
    assert_eq!(
        fs::read(d.join("m.nnz")).unwrap(),
        fs::read(d.join("ref.nnz")).unwrap()
    );
}

#[test]
fn an_empty_test_set_is_refused_not_scored() {
    // It printed "test accuracy 0.00% (0/0)" and exit 0.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    model::save(&Network::new(784, 8, 10, 0.1, 1), &d.join("m.nnz")).unwrap();
    write_blob(&d.join("empty.blob"), 0, 10);
    let o = common::nnzero(d, &["test", "--model", "m.nnz", "--data", "empty.blob"]);
    assert_one_line_error(&o, "empty.blob holds no samples");
}

#[test]
fn more_than_ten_classes_are_all_scored() {
    // Confusion was 10×10: labels 10 and 11 were dropped, and the total said 20 of 24.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    model::save(&Network::new(784, 8, 12, 0.1, 1), &d.join("m.nnz")).unwrap();
    write_blob(&d.join("twelve.blob"), 24, 12);
    let o = common::nnzero(
        d,
        &[
            "test",
            "--model",
            "m.nnz",
            "--data",
            "twelve.blob",
            "--json",
        ],
    );
    assert_ok(&o);
    let json: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(json["total"], 24, "{json}");
    assert_eq!(json["confusion"].as_array().unwrap().len(), 12);
}

#[test]
fn a_network_too_large_for_a_pi_is_refused_before_training() {
    // 2048×2048 images in a small gzip blob, 200 hidden nodes: 3.2 GB of weights. It trained
    // (4.2 GB) and then aborted in the save, losing the run.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let header = Header::new(2, 2048, 2048, 10).unwrap();
    let mut w = BlobWriter::new(
        flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast()),
        header,
    )
    .unwrap();
    let px = vec![0u8; 2048 * 2048];
    w.push(1, &px).unwrap();
    w.push(2, &px).unwrap();
    let gz = w.finish().unwrap().finish().unwrap();
    assert!(gz.len() < 64 * 1024, "{}", gz.len());
    fs::write(d.join("big.blob.gz"), gz).unwrap();
    let o = nnzero_limited(
        d,
        512,
        &[
            "train",
            "--train",
            "big.blob.gz",
            "--test",
            "big.blob.gz",
            "--save",
            "m.nnz",
        ],
    );
    assert_one_line_error(&o, "a 4194304-200-10 network needs 3201 MiB");
    assert!(!d.join("m.nnz").exists());
}

/// A 28×28 white PNG whose colour profile (iCCP) inflates to 120 MiB from 122 KB: inflating
/// it aborted `predict` under a 96 MiB cap ("memory allocation … failed") and cost 129 MB
/// uncapped. Profiles and text are never inflated: the picture is read, and found blank.
#[test]
fn a_png_profile_bomb_is_not_inflated() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let chunk = |out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]| {
        out.extend((data.len() as u32).to_be_bytes());
        out.extend(kind);
        out.extend(data);
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        out.extend(crc.finalize().to_be_bytes());
    };
    let zlib = |data: &[u8]| {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(data).unwrap();
        z.finish().unwrap()
    };
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(
        &mut png,
        b"IHDR",
        &[0, 0, 0, 28, 0, 0, 0, 28, 8, 0, 0, 0, 0],
    );
    let mut iccp = b"bomb\0\0".to_vec();
    iccp.extend(zlib(&vec![0u8; 120 << 20]));
    chunk(&mut png, b"iCCP", &iccp);
    let rows: Vec<u8> = (0..28)
        .flat_map(|_| [0].into_iter().chain([255; 28]))
        .collect();
    chunk(&mut png, b"IDAT", &zlib(&rows));
    chunk(&mut png, b"IEND", &[]);
    assert!(png.len() < 200_000, "{}", png.len());
    fs::write(d.join("bomb.png"), &png).unwrap();
    let model = d.join("m.nnz");
    model::save(&Network::new(784, 10, 10, 0.1, 1), &model).unwrap();
    let o = nnzero_limited(d, 96, &["predict", "--model", "m.nnz", "bomb.png"]);
    assert_one_line_error(&o, "bomb.png: no digit found");
}

/// A 300 MB file where a checkpoint should be (a disk image, a video): refused from its first
/// bytes, in a 64 MiB address space. It was read whole first (3 GB of RSS and 18 s for a
/// 3 GB file) before "no NNZC magic".
#[test]
fn a_huge_file_in_place_of_a_checkpoint_is_refused_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Sparse: no disk is used.
    fs::File::create(d.join("m.nnz.ckpt"))
        .unwrap()
        .set_len(300 << 20)
        .unwrap();
    let o = nnzero_limited(d, 64, &["train", "--save", "m.nnz", "--resume"]);
    assert_one_line_error(&o, "m.nnz.ckpt");
    assert!(
        common::stderr(&o).contains("magic"),
        "{}",
        common::stderr(&o)
    );
}

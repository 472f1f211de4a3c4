//! Writes the digits the image embeds: the first `TRAIN_DIGITS` MNIST training images and the
//! first `TEST_DIGITS` test images, cut from the repository's `data/` blobs, uncompressed so
//! the microcontroller reads them in place. Also puts `memory.x` where the linker finds it.

#[path = "subset.rs"]
mod subset;
// The digit counts, from the workload the image runs (the rest of the module is for the target).
#[allow(dead_code)]
#[path = "src/workload.rs"]
mod workload;

use std::path::{Path, PathBuf};

fn main() -> Result<(), String> {
    let out = PathBuf::from(std::env::var("OUT_DIR").map_err(|e| e.to_string())?);
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    for (file, name, n) in [
        ("mnist-train.blob.gz", "train.blob", workload::TRAIN_DIGITS),
        ("mnist-test.blob.gz", "test.blob", workload::TEST_DIGITS),
    ] {
        let path = data.join(file);
        println!("cargo:rerun-if-changed={}", path.display());
        let blob =
            subset::first_records(&path, n).map_err(|e| format!("{}: {e}", path.display()))?;
        std::fs::write(out.join(name), blob).map_err(|e| e.to_string())?;
    }
    std::fs::copy("memory.x", out.join("memory.x")).map_err(|e| e.to_string())?;
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=subset.rs");
    println!("cargo:rerun-if-changed=src/workload.rs");
    Ok(())
}

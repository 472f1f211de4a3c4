//! The workloads the firmware tests run on each target, as source shared with the desktop
//! tests and the bare-metal image, so that every CPU runs exactly the same code:
//!
//! - [`golden`]: `tests/golden/workload.rs`, the golden model (2,000 MNIST images, 784-200-10).
//! - [`bare_metal`]: `bare-metal/src/workload.rs`, the bare-metal demo (500 digits, 784-32-10).
//! - [`subset`]: `bare-metal/subset.rs`, the first digits of a blob, as the demo embeds them.
//!
//! The tests themselves are in `tests/firmware.rs`. Run them on a target through the QEMU
//! runners of the repository's `.cargo/config.toml`, e.g.
//! `cargo test --release --target aarch64-unknown-linux-gnu` in this directory.

#![deny(missing_docs)]

#[path = "../../tests/golden/workload.rs"]
pub mod golden;

#[path = "../bare-metal/src/workload.rs"]
pub mod bare_metal;

#[path = "../bare-metal/subset.rs"]
pub mod subset;

use std::path::Path;

/// The repository this crate sits in.
pub fn repo_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

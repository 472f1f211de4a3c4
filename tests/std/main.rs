//! The integration tests that need only the default features, as one test binary: each file
//! was a binary of its own, and each binary linked the whole library again. Run one file's
//! tests with its module name, e.g. `cargo test --test std golden_model::`.

#[path = "../common/mod.rs"]
mod common;

mod cli;
mod examples;
mod fixed_network;
mod golden_model;
mod handwriting;
mod limits;
mod numbers;
mod predict_pictures;
mod resume;
mod structure;
mod teach;
mod threads;
mod viz;

//! # nnzero
//!
//! The three-layer network of Tariq Rashid's *Make Your Own Neural Network*: sigmoid nodes,
//! weights drawn from Normal(0, 1/√incoming), trained one sample at a time by back-propagating
//! the output errors (hidden errors = Wᵀ · output errors). The maths is the book's, in `f32`, on
//! [`nalgebra`] matrices, written so that the same seed and data give bit-identical weights on
//! every CPU (x86_64, aarch64, ARMv7, ARMv6).
//!
//! ```
//! # #[cfg(feature = "alloc")] {
//! use nnzero::Network;
//! // The book's small example: 3 inputs, 3 hidden nodes, 3 outputs, learning rate 0.3.
//! let mut net = Network::new(3, 3, 3, 0.3, 42);
//! net.train(&[1.0, 0.5, -1.5], &[0.99, 0.01, 0.01]);
//! let outputs = net.query(&[1.0, 0.5, -1.5]);
//! assert_eq!(outputs.len(), 3);
//! # }
//! ```
//!
//! ## Features
//! The crate layers like `postcard`: a core that needs neither allocator nor OS, `alloc` on top
//! of it, `std` on top of that.
//! - core (no features): [`FixedNetwork`] with const-generic sizes in static storage, the layer
//!   kernels, MNIST scaling, blob parsing over byte slices. Builds for `thumbv7em-none-eabihf`
//!   and `aarch64-unknown-none`; `firmware-tests/bare-metal/` trains with it on a Cortex-M4F.
//! - `alloc`: the heap-sized [`Network`], model files encoded into a `Vec`.
//! - `std` (default): files, a streaming blob reader with transparent gzip, atomic saves.
//! - `prepare` (default, with `cli`): [`prepare`], photos and drawings of digits made to look
//!   like MNIST (decodes PNG and JPEG with the `image` crate).
//! - `cli` (default): the `nnzero` program (clap, indicatif); never needed by the library.
//! - `embed-data`: the bundled MNIST, and the typeface, Semeion and Swiss digits `--augment`
//!   mixes in, compiled into the binary.
//! - `display`: a live screen on a Raspberry Pi (SPI/I2C panels, or PNG frames), see
//!   the `display` module; nothing else depends on it.
//! - `web`: the live view and a drawing page in a browser (`nnzero serve`, `train --web`), an
//!   HTTP API beside them; see the `web` module.
#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![deny(missing_docs)]
#![deny(unsafe_code)]

#[cfg(feature = "alloc")]
extern crate alloc;

// The core: needs neither an allocator nor an OS (the network, its kernels, the digit
// conventions, blob parsing over byte slices, the augmenter's maths).
pub mod augment;
pub mod digits;
pub mod format;
pub mod infer;
pub mod live;
pub mod net;

// The std layer: files, threads, runs.
#[cfg(feature = "std")]
pub mod dataset;
#[cfg(feature = "std")]
pub mod parallel;
#[cfg(feature = "prepare")]
pub mod prepare;
#[cfg(feature = "std")]
pub mod run;
#[cfg(feature = "std")]
pub mod teach;

pub use net::fixed_network::FixedNetwork;
#[cfg(feature = "alloc")]
pub use net::network::Network;
pub use net::trainer::Trainer;
#[cfg(feature = "std")]
pub use parallel::ParallelTrainer;

//! The network core: the book's three layers, their kernels and their initial weights. It needs
//! neither an allocator nor an OS ([`FixedNetwork`](fixed_network::FixedNetwork) keeps its
//! weights in static storage); [`Network`](network::Network) sizes itself on the heap (`alloc`).
//! Nothing here knows about files, datasets, runs or screens.

pub mod activation;
#[cfg(feature = "alloc")]
pub mod aligned;
pub mod exp;
pub mod fixed_network;
pub mod init;
pub mod layer;
#[cfg(feature = "alloc")]
pub mod network;
pub mod normal;
pub mod query;
pub mod trainer;

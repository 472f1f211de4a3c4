//! The live views of a run: the [`snapshot`] every view reads, a screen on a Raspberry Pi
//! (`display` feature) and a page in a browser (`web` feature). Training never waits for them.

#[cfg(feature = "display")]
pub mod display;
pub mod snapshot;
#[cfg(feature = "web")]
pub mod web;

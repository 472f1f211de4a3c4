//! What the screen shows: [`Snapshot`] and [`Phase`], which live in [`crate::live::snapshot`] so that
//! the web page (feature `web`) and anything else can share them without the display feature.

pub use crate::live::snapshot::{Phase, Snapshot};

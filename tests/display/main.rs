//! The integration tests of the live screen (`--features display`), as one test binary:
//! the program's flags (`cli`), the golden frames (`frames`), the display thread (`live`) and
//! the panel on a mocked SPI bus (`spi`).

#[path = "../common/mod.rs"]
mod common;

mod cli;
mod frames;
mod live;
mod spi;

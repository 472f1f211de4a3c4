//! nnzero on a microcontroller: trains a 784-32-10 network on 500 MNIST digits embedded in the
//! image and prints its accuracy on 200 held-out ones, on a Cortex-M4F (QEMU's mps2-an386).
//!
//! No allocator and no OS: the network lives in static storage (`FixedNetwork::zeroed`), the
//! digits are uncompressed blobs in flash read with `BlobSlice`, output (a line at a time, see
//! `report`) and the exit status go to the host by semihosting. Run it with
//! `cargo run --release` in this directory.
#![no_std]
#![no_main]

mod report;
mod workload;

use core::fmt::Write;

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hio};
use nnzero::format::blob::BlobSlice;
use panic_semihosting as _;
use report::LineWriter;

/// Written by build.rs from the repository's `data/`: the first digits of each MNIST set.
static TRAIN: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/train.blob"));
static TEST: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/test.blob"));

/// Below this the network has not learned: guessing scores 10 %.
const PASS_PERCENT: usize = 50;

#[entry]
fn main() -> ! {
    // cortex-m-rt turns an `#[entry]` function's `static mut` into a safe `&'static mut`:
    // 100 KB of weights in static RAM (.data, as the learning rate is not zero), never on
    // the stack or a heap.
    static mut NET: workload::Net = workload::Net::zeroed(workload::LEARNING_RATE);

    let status = match run(NET) {
        Ok(true) => debug::EXIT_SUCCESS,
        Ok(false) => debug::EXIT_FAILURE,
        Err(why) => {
            if let Ok(err) = hio::hstderr() {
                let _ = writeln!(LineWriter::new(err), "error: {why}");
            }
            debug::EXIT_FAILURE
        }
    };
    debug::exit(status);
    // Only reached without a debugger or emulator to exit to.
    loop {
        cortex_m::asm::wfi();
    }
}

/// Trains and scores; `Ok(true)` when the network has learned to read digits.
fn run(net: &mut workload::Net) -> Result<bool, &'static str> {
    let train = BlobSlice::parse(TRAIN).map_err(|_| "the embedded training digits are corrupt")?;
    let test = BlobSlice::parse(TEST).map_err(|_| "the embedded test digits are corrupt")?;
    if train.len() != workload::TRAIN_DIGITS || test.len() != workload::TEST_DIGITS {
        return Err("the embedded digits are not the ones the workload expects");
    }
    let mut out = LineWriter::new(hio::hstdout().map_err(|_| "no semihosting stdout")?);
    let score = workload::run(net, &train, &test, &mut out)
        .and_then(|score| out.flush().map(|()| score))
        .map_err(|_| "cannot write to the host")?;
    Ok(score.correct * 100 >= PASS_PERCENT * score.total)
}

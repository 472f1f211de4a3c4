//! `nnzero demo`: the test digits one after another, read by a saved model, on the screen.
//!
//! Prints `index<TAB>label<TAB>answer<TAB>confidence` per digit, and shows each on the
//! `--display` for `--hold` seconds with the running count of right answers. Runs until
//! interrupted, going round the test set again at its end, or for `--count` digits.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use nnzero::dataset::Dataset;
use nnzero::digits::mnist::{argmax, PIXELS};
use nnzero::format::model;
use nnzero::live::display::Phase;

use crate::data::open_or_bundled;
use crate::display::{parse_seconds, DisplayArgs, Viewer};
use crate::error::CliError;

/// Options of `nnzero demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// The model file.
    #[arg(long, default_value = "model.nnz", value_name = "FILE")]
    pub model: PathBuf,
    /// Test blob to show [default: the bundled MNIST test set].
    #[arg(long, value_name = "BLOB")]
    pub data: Option<PathBuf>,
    /// How long each digit stays on the screen, in seconds.
    #[arg(long, value_name = "SECONDS", default_value = "1", value_parser = parse_seconds)]
    pub hold: Duration,
    /// Stop after this many digits [default: run until interrupted].
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,
    /// The live screen.
    #[command(flatten)]
    pub display: DisplayArgs,
}

/// Runs `nnzero demo`.
pub fn run(args: &DemoArgs) -> Result<(), CliError> {
    let net = model::load(&args.model).map_err(|e| CliError::Model(args.model.clone(), e))?;
    let data = open_or_bundled(&args.data, Dataset::bundled_test)?;
    crate::test::check_fits(&net, &args.model, &data)?;
    if net.inputs() != PIXELS {
        return Err(CliError::Mismatch(format!(
            "{} takes {} inputs, not the 784 pixels of a 28×28 image",
            args.model.display(),
            net.inputs()
        )));
    }
    if data.is_empty() {
        return Err(CliError::Mismatch(format!(
            "{} holds no samples",
            data.name()
        )));
    }
    let mut screen = Viewer::new(args.display.open()?, args.hold, Phase::Demo);
    let mut out = std::io::stdout().lock();
    let mut inputs = vec![0.0f32; PIXELS];
    let mut shown = 0u64;
    let total = data.len() as u64;
    'passes: loop {
        let mut stream = data.stream()?;
        let mut index = 0u64;
        while let Some((label, pixels)) = stream.next_record()? {
            if args.count.is_some_and(|c| shown >= c) {
                break 'passes;
            }
            net.input_into(pixels, &mut inputs);
            let outputs = net.query(&inputs);
            let answer = argmax(&outputs);
            writeln!(out, "{index}\t{label}\t{answer}\t{:.4}", outputs[answer])?;
            out.flush()?;
            shown += 1;
            index += 1;
            let last = args.count.is_some_and(|c| shown >= c);
            // With --count the screen counts up to it ("demo 1/5"), else through the test set.
            let place = match args.count {
                Some(c) => (shown, c),
                None => (index, total),
            };
            screen.show(place, Some(label), pixels, &outputs, last);
        }
        if args.count.is_some_and(|c| shown >= c) {
            break;
        }
    }
    screen.finish();
    Ok(())
}

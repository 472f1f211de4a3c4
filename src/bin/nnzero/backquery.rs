//! `nnzero backquery`: the book's back-query. Ask the network to run backwards from an answer
//! ("this is a 3": 0.99 for the 3, 0.01 for the rest) to the image it associates with it, and
//! draw that image scaled up, ink dark on white as the book shows it.

use std::path::{Path, PathBuf};

use clap::Args;
use nnzero::digits::mnist::targets_into;
use nnzero::format::atomic_save::check_writable;
use nnzero::{format::model, Network};

use crate::charts::tiles::{Colours, Tile, TileGrid};
use crate::error::CliError;
use crate::likeness;
use crate::mistakes::file_name;

/// Options of `nnzero backquery`.
#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["digit", "all"])))]
pub struct BackqueryArgs {
    /// The model file to look into.
    #[arg(long, default_value = "model.nnz", value_name = "FILE")]
    pub model: PathBuf,
    /// The digit to back-query.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=9))]
    pub digit: Option<u8>,
    /// All ten digits, side by side.
    #[arg(long)]
    pub all: bool,
    /// The picture, .png or .svg [default: backquery-N.png, or backquery.png with --all].
    #[arg(short, long, value_name = "FILE", value_parser = crate::charts::picture_path)]
    pub output: Option<PathBuf>,
    /// Screen pixels per image pixel, each way (nearest neighbour).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=32))]
    pub scale: u32,
}

/// Loads a model, naming the file in any error.
pub fn load(path: &Path) -> Result<Network, CliError> {
    model::load(path).map_err(|e| CliError::Model(path.to_path_buf(), e))
}

/// The side of the square images `net` reads (28 for MNIST), or why it has none.
pub fn square_side(net: &Network, path: &Path) -> Result<usize, CliError> {
    let n = net.inputs();
    let side = (n as f64).sqrt().round() as usize;
    if side * side == n {
        Ok(side)
    } else {
        Err(CliError::Mismatch(format!(
            "{} has {n} inputs, not a square image's pixels",
            path.display()
        )))
    }
}

/// The back-queried image of output `digit`, mapped to 0 (white) … 1 (black ink).
pub fn backquery_digit(net: &Network, digit: usize) -> Vec<f32> {
    let mut targets = vec![0.0; net.outputs()];
    targets_into(digit as u8, &mut targets);
    // The book's backquery rescales the inputs it finds to 0.01..0.99.
    net.backquery(&targets)
        .iter()
        .map(|v| ((v - 0.01) / 0.98).clamp(0.0, 1.0))
        .collect()
}

/// Runs `nnzero backquery`.
pub fn run(args: &BackqueryArgs) -> Result<(), CliError> {
    let output = args.output.clone().unwrap_or_else(|| match args.digit {
        Some(d) if !args.all => PathBuf::from(format!("backquery-{d}.png")),
        _ => PathBuf::from("backquery.png"),
    });
    check_writable(&output).map_err(|e| CliError::Save(output.clone(), e))?;
    let net = load(&args.model)?;
    let side = square_side(&net, &args.model)?;
    let digits: Vec<usize> = match args.digit {
        Some(d) if !args.all => vec![d as usize],
        _ => (0..net.outputs().min(10)).collect(),
    };
    if let Some(&d) = digits.iter().find(|&&d| d >= net.outputs()) {
        return Err(CliError::Mismatch(format!(
            "{} has {} outputs: there is no digit {d}",
            args.model.display(),
            net.outputs()
        )));
    }
    let tiles = digits
        .iter()
        .map(|&d| Tile {
            values: backquery_digit(&net, d),
            caption: if digits.len() == 1 {
                format!("backquery of {d}")
            } else {
                d.to_string()
            },
        })
        .collect::<Vec<_>>();
    let grid = TileGrid {
        title: if tiles.len() > 1 {
            format!(
                "Backquery of {}: the image behind each answer",
                file_name(&args.model)
            )
        } else {
            String::new()
        },
        subtitle: String::new(),
        side,
        scale: args.scale,
        columns: tiles.len(),
        tiles,
        colours: Colours::Ink,
        colour_bar: None,
    };
    let pictures: Vec<Vec<f32>> = grid.tiles.iter().map(|t| t.values.clone()).collect();
    crate::charts::save(&grid, &output)?;
    println!("drew {}", output.display());
    if pictures.len() > 1 {
        let r = likeness::mean_correlation(&pictures);
        println!(
            "the {} pictures' mean pairwise correlation: {r:.3}",
            pictures.len()
        );
        if let Some(line) = likeness::explain(r, net.hidden(), net.deskews()) {
            println!("{line}");
        }
    }
    Ok(())
}

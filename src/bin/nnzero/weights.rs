//! `nnzero weights`: what each hidden node looks for. Row `h` of `wih` holds hidden node `h`'s
//! weights from every input pixel; drawn as a 28×28 tile it shows the strokes that excite the
//! node (red) and those that inhibit it (blue).

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use nnzero::format::atomic_save::check_writable;

use crate::backquery::{load, square_side};
use crate::charts::tiles::{Colours, Tile, TileGrid};
use crate::error::CliError;
use crate::mistakes::file_name;

/// How weights are scaled to colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Normalise {
    /// Each tile by its own largest |weight|: every node's pattern is plain to see.
    Tile,
    /// All tiles by the largest |weight| of any: strong and weak nodes can be compared.
    Global,
}

/// Options of `nnzero weights`.
#[derive(Args, Debug)]
pub struct WeightsArgs {
    /// The model file to look into.
    #[arg(long, default_value = "model.nnz", value_name = "FILE")]
    pub model: PathBuf,
    /// The picture, .png or .svg.
    #[arg(short, long, default_value = "weights.png", value_name = "FILE",
          value_parser = crate::charts::picture_path)]
    pub output: PathBuf,
    /// Scale each tile by its own largest |weight|, or all by the largest of all.
    #[arg(long, value_enum, default_value_t = Normalise::Tile)]
    pub normalise: Normalise,
    /// Tiles per row.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub columns: u32,
    /// Screen pixels per weight, each way.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=16))]
    pub scale: u32,
}

/// Each hidden node's input weights, in −1..1 as `normalise` says, and the scale(s) used.
pub fn tiles(wih: &nalgebra::DMatrix<f32>, normalise: Normalise) -> (Vec<Vec<f32>>, Vec<f32>) {
    // wih is (hidden, input): row h is node h's weights from every pixel.
    let rows: Vec<Vec<f32>> = wih
        .row_iter()
        .map(|r| r.iter().copied().collect())
        .collect();
    let largest = |v: &[f32]| v.iter().fold(0.0f32, |m, w| m.max(w.abs()));
    let global = rows.iter().map(|r| largest(r)).fold(0.0f32, f32::max);
    let scales: Vec<f32> = rows
        .iter()
        .map(|r| match normalise {
            Normalise::Tile => largest(r),
            Normalise::Global => global,
        })
        .collect();
    let tiles = rows
        .iter()
        .zip(&scales)
        .map(|(r, &s)| {
            let s = if s > 0.0 { s } else { 1.0 };
            r.iter().map(|w| w / s).collect()
        })
        .collect();
    (tiles, scales)
}

/// Runs `nnzero weights`.
pub fn run(args: &WeightsArgs) -> Result<(), CliError> {
    check_writable(&args.output).map_err(|e| CliError::Save(args.output.clone(), e))?;
    let net = load(&args.model)?;
    let side = square_side(&net, &args.model)?;
    let (values, _) = tiles(&net.wih().clone_owned(), args.normalise);
    // The spread of the nodes' own largest |w|, whatever the tiles were scaled by: with
    // --normalise global every scale is the same one, which says nothing about the nodes.
    let (lo, hi) = net
        .wih()
        .row_iter()
        .map(|r| r.iter().fold(0.0f32, |m, w| m.max(w.abs())))
        .fold((f32::INFINITY, 0.0f32), |(lo, hi), s| {
            (lo.min(s), hi.max(s))
        });
    let (how, bar) = match args.normalise {
        Normalise::Tile => (
            "each tile scaled to its own largest |w|".to_string(),
            ["−largest |w|".into(), "0".into(), "+largest |w|".into()],
        ),
        Normalise::Global => (
            format!("all tiles on one scale, ±{hi:.3}"),
            [format!("−{hi:.3}"), "0".into(), format!("+{hi:.3}")],
        ),
    };
    let n = values.len();
    let grid = TileGrid {
        title: format!(
            "Input weights of {}'s {n} hidden nodes",
            file_name(&args.model)
        ),
        subtitle: format!(
            "one tile per node (node 0 top left, row by row), one square per pixel; blue \
             negative, white 0, red positive; {how}"
        ),
        tiles: values
            .into_iter()
            .map(|values| Tile {
                values,
                caption: String::new(),
            })
            .collect(),
        side,
        scale: args.scale,
        columns: args.columns as usize,
        colours: Colours::Diverging,
        colour_bar: Some(bar),
    };
    crate::charts::save(&grid, &args.output)?;
    println!(
        "drew {}: {n} tiles of {side}×{side}; largest |w| per node {lo:.3}..{hi:.3}",
        args.output.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use nalgebra::DMatrix;

    #[test]
    fn tiles_are_rows_of_wih_scaled_per_tile_or_globally() {
        // 2 hidden nodes, 4 inputs.
        let wih = DMatrix::from_row_slice(2, 4, &[0.5, -0.25, 0.0, 0.1, 2.0, 0.0, -1.0, 0.0]);
        let (t, s) = tiles(&wih, Normalise::Tile);
        assert_eq!(s, [0.5, 2.0]);
        assert_eq!(t[0], [1.0, -0.5, 0.0, 0.2]);
        assert_eq!(t[1], [1.0, 0.0, -0.5, 0.0]);
        let (t, s) = tiles(&wih, Normalise::Global);
        assert_eq!(s, [2.0, 2.0]);
        assert_eq!(t[0], [0.25, -0.125, 0.0, 0.05]);
        // A node with no weights at all stays white instead of dividing by zero.
        let (t, _) = tiles(&DMatrix::zeros(1, 4), Normalise::Tile);
        assert_eq!(t[0], [0.0; 4]);
    }
}

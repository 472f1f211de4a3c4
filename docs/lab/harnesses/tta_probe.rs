//! Test-time augmentation, measured: reads each prepared digit several times under small
//! fixed variations (shifts, rotations, thinner and thicker strokes, scalings, or a fixed
//! draw of `--augment`'s own affine maps) and averages the network's ten outputs, for a set of
//! variant sets, on handwriting folders and optionally the MNIST test set.
//!
//! ```text
//! cargo run --release --example tta_probe -- MODEL [--mnist] DIR...   # folders with a manifest.csv
//! ```
//! For each folder and variant set it prints pictures read right, how many misreads and right
//! reads the "unsure" rule marks, and (with `--mnist`) MNIST test accuracy and the time per
//! read. Tune on `tests/data/handwriting/tune` or on folders made with `handwriting-set generate
//! --half tune --seed N --out DIR` (the tuning half's fonts, new hands and pages); never on the
//! report half. The figures it gave are in the README ("The handwriting test set"): only a
//! thinner second read read the handwriting better, set after set, so `nnzero predict` reads
//! each digit as it is and 0.5 thinner (`nnzero::infer::test_time`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use nnzero::augment::{random_map, seed, stroke_width, warp, Affine, AugmentRanges};
use nnzero::dataset::Dataset;
use nnzero::digits::mnist::{argmax, scale_image, PIXELS, SIDE};
use nnzero::infer::confidence::judge;
use nnzero::prepare::{prepare_file, Limits};
use nnzero::Network;

/// One variation: an affine map and a change of stroke width (as `nnzero::augment`).
type Variant = (Affine, f32);

const ID: Variant = (Affine::IDENTITY, 0.0);

fn shift(x: f32, y: f32) -> Variant {
    let map = Affine {
        shift_x: x,
        shift_y: y,
        ..Affine::IDENTITY
    };
    (map, 0.0)
}

fn rotate(degrees: f32) -> Variant {
    (Affine::rotation(degrees), 0.0)
}

fn scale(s: f32) -> Variant {
    let map = Affine {
        scale_x: s,
        scale_y: s,
        ..Affine::IDENTITY
    };
    (map, 0.0)
}

fn stroke(grow: f32) -> Variant {
    (Affine::IDENTITY, grow)
}

fn shear(k: f32) -> Variant {
    let map = Affine {
        shear: k,
        ..Affine::IDENTITY
    };
    (map, 0.0)
}

/// `n` fixed draws of `--augment`'s affine maps and stroke changes, each range times `k`.
fn drawn(n: u32, k: f32) -> Vec<Variant> {
    let h = AugmentRanges::HANDWRITING;
    let ranges = AugmentRanges {
        rotate: h.rotate * k,
        shear: h.shear * k,
        scale: h.scale * k,
        aspect: h.aspect * k,
        shift: h.shift * k,
        stroke: h.stroke * k,
        ..h
    };
    (0..n)
        .map(|i| random_map(&mut seed::rng_for(12345, 0, 0, i), &ranges))
        .collect()
}

fn variant_sets() -> Vec<(&'static str, Vec<Variant>)> {
    let shifts = [
        shift(1.0, 0.0),
        shift(-1.0, 0.0),
        shift(0.0, 1.0),
        shift(0.0, -1.0),
    ];
    let diagonal = [
        shift(1.0, 1.0),
        shift(-1.0, -1.0),
        shift(1.0, -1.0),
        shift(-1.0, 1.0),
    ];
    let with_id = |v: &[Variant]| [&[ID], v].concat();
    vec![
        ("plain", vec![ID]),
        ("shift ±1", with_id(&shifts)),
        ("shift diagonal", with_id(&diagonal)),
        ("rotate ±5°", with_id(&[rotate(5.0), rotate(-5.0)])),
        ("rotate ±8°", with_id(&[rotate(8.0), rotate(-8.0)])),
        ("stroke ±0.5", with_id(&[stroke(0.5), stroke(-0.5)])),
        ("thinner 0.5", with_id(&[stroke(-0.5)])),
        ("only thinner 0.5", vec![stroke(-0.5)]),
        ("thinner 0.25", with_id(&[stroke(-0.25)])),
        ("thinner 1", with_id(&[stroke(-1.0)])),
        ("scale 0.9, 1.1", with_id(&[scale(0.9), scale(1.1)])),
        ("slant ±0.15", with_id(&[shear(0.15), shear(-0.15)])),
        (
            "shift, rotate, stroke",
            [
                with_id(&shifts),
                vec![rotate(5.0), rotate(-5.0), stroke(0.5), stroke(-0.5)],
            ]
            .concat(),
        ),
        (
            "thinner, rotate ±8°",
            with_id(&[stroke(-0.5), rotate(8.0), rotate(-8.0)]),
        ),
        ("16 drawn maps", drawn(16, 1.0)),
        ("16 drawn, half ranges", drawn(16, 0.5)),
        ("32 drawn, half ranges", drawn(32, 0.5)),
        (
            "16 plain + 16 drawn",
            [vec![ID; 16], drawn(16, 1.0)].concat(),
        ),
    ]
}

/// The mean of the network's outputs over the variants of the upright digit `up`.
fn read(net: &Network, up: &[u8], variants: &[Variant]) -> [f32; 10] {
    let (mut stroked, mut warped) = ([0u8; PIXELS], [0u8; PIXELS]);
    let mut inputs = [0.0f32; PIXELS];
    let (mut hidden, mut outputs) = (vec![0.0f32; net.hidden()], [0.0f32; 10]);
    let mut sum = [0.0f32; 10];
    for (map, grow) in variants {
        let src: &[u8] = if *grow != 0.0 {
            stroke_width(up, &mut stroked, SIDE, *grow);
            &stroked
        } else {
            up
        };
        let picture: &[u8] = if *map != Affine::IDENTITY {
            warp(src, &mut warped, SIDE, map);
            &warped
        } else {
            src
        };
        scale_image(picture, &mut inputs);
        net.query_into(&inputs, &mut hidden, &mut outputs);
        for (s, o) in sum.iter_mut().zip(outputs) {
            *s += o;
        }
    }
    sum.map(|s| s / variants.len() as f32)
}

/// The digit as the network reads it: stood upright if it was trained so.
fn upright(net: &Network, pixels: &[u8]) -> [u8; PIXELS] {
    let mut buf = [0u8; PIXELS];
    let mut out = [0u8; PIXELS];
    out.copy_from_slice(nnzero::digits::deskew::upright(
        net.deskews(),
        pixels,
        &mut buf,
    ));
    out
}

/// Each picture of a folder with a manifest.csv: its digit and its prepared, upright digit
/// (None when the preparation refuses it: a misread).
fn folder(net: &Network, dir: &Path) -> Vec<(u8, Option<[u8; PIXELS]>)> {
    let text = std::fs::read_to_string(dir.join("manifest.csv")).expect("manifest.csv");
    text.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let digit = f[1].parse().expect("digit");
            let prepared = prepare_file(&dir.join(f[0]), Limits::default()).ok();
            (digit, prepared.map(|p| upright(net, &p.pixels)))
        })
        .collect()
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mnist = args.iter().any(|a| a == "--mnist");
    args.retain(|a| a != "--mnist");
    let Some((model, dirs)) = args.split_first() else {
        eprintln!("usage: tta_probe MODEL [--mnist] DIR...");
        std::process::exit(2);
    };
    let net = nnzero::format::model::load(Path::new(model)).expect("model");
    let sets = variant_sets();
    for dir in dirs.iter().map(PathBuf::from) {
        let pictures = folder(&net, &dir);
        println!("{}", dir.display());
        for (name, variants) in &sets {
            let (mut right, mut wrong, mut right_marked, mut wrong_marked) = (0, 0, 0, 0);
            for (digit, up) in &pictures {
                let Some(up) = up else {
                    wrong += 1;
                    continue;
                };
                let outputs = read(&net, up, variants);
                let unsure = judge(&outputs).unsure as u32;
                if argmax(&outputs) == *digit as usize {
                    right += 1;
                    right_marked += unsure;
                } else {
                    wrong += 1;
                    wrong_marked += unsure;
                }
            }
            println!(
                "  {name:<24} {:>2} reads  {right}/{}  unsure marks {wrong_marked}/{wrong} misreads, \
                 {right_marked}/{right} right reads",
                variants.len(),
                right + wrong
            );
        }
    }
    if mnist {
        let data = Dataset::bundled_test().expect("the MNIST test set");
        let mut stream = data.stream().expect("the MNIST test set");
        let mut digits = Vec::new();
        while let Some((label, pixels)) = stream.next_record().expect("a record") {
            digits.push((label, upright(&net, pixels)));
        }
        println!("MNIST test set ({} digits)", digits.len());
        for (name, variants) in &sets {
            let start = Instant::now();
            let right = digits
                .iter()
                .filter(|(label, up)| argmax(&read(&net, up, variants)) == *label as usize)
                .count();
            let per_read = start.elapsed().as_secs_f64() / digits.len() as f64;
            println!(
                "  {name:<24} {:>2} reads  {:.2} %  {:.0} µs a digit",
                variants.len(),
                100.0 * right as f64 / digits.len() as f64,
                per_read * 1e6
            );
        }
    }
}

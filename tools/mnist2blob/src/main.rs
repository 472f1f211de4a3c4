//! mnist2blob: turns MNIST IDX files (.gz or raw) or the book's CSV into an nnzero dataset blob.
//!
//! ```text
//! mnist2blob --images train-images-idx3-ubyte.gz --labels train-labels-idx1-ubyte.gz -o train.blob
//! mnist2blob --csv mnist_train.csv -o train.blob.gz
//! ```
//! The output is written atomically and only once the whole input has been checked: a corrupt
//! input leaves no output file, and an existing one untouched. An output name ending in `.gz`
//! is gzip-compressed.

use std::fmt;
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use mnist2blob::{csv, idx};
use nnzero::format::blob::{BlobError, BlobWriter, Header};

/// Inputs larger than this, unpacked, are refused: 128 MiB holds MNIST's largest files (the
/// book's training CSV is 105 MiB, the IDX images 45 MiB), and the conversion, which holds the
/// input and the blob at once, stays within a Raspberry Pi Zero 2's 512 MB. Checked as the
/// bytes arrive, so `/dev/zero` or a gzip bomb stops at the cap.
const MAX_INPUT: u64 = 128 << 20;

#[derive(Parser, Debug)]
#[command(
    version,
    about = "Convert MNIST IDX files or the book's CSV into an nnzero dataset blob"
)]
struct Args {
    /// IDX images file (idx3-ubyte, plain or .gz).
    #[arg(long, requires = "labels", conflicts_with = "csv")]
    images: Option<PathBuf>,
    /// IDX labels file (idx1-ubyte, plain or .gz).
    #[arg(long, requires = "images")]
    labels: Option<PathBuf>,
    /// The book's CSV: `label,p0,…,p783` per line (plain or .gz).
    #[arg(long, required_unless_present = "images")]
    csv: Option<PathBuf>,
    /// Image side for CSV input (MNIST: 28).
    #[arg(long, default_value_t = 28, value_parser = clap::value_parser!(u16).range(1..))]
    side: u16,
    /// Output blob; gzip-compressed when the name ends in `.gz`.
    #[arg(short, long)]
    output: PathBuf,
}

#[derive(Debug)]
enum Error {
    Read(PathBuf, std::io::Error),
    TooLarge(PathBuf),
    Idx(PathBuf, idx::IdxError),
    Csv(PathBuf, csv::CsvError),
    CountMismatch {
        images: u32,
        labels: u32,
    },
    Blob(BlobError),
    Write(PathBuf, std::io::Error),
    /// The output is one of the inputs: writing it would replace the input.
    OutputIsInput(PathBuf),
    /// The input holds no images: an empty blob trains nothing.
    Empty(PathBuf),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Read(p, e) => write!(f, "cannot read {}: {e}", p.display()),
            Error::TooLarge(p) => {
                write!(
                    f,
                    "{}: more than {} MiB when unpacked (the most mnist2blob reads, to fit \
                     a Raspberry Pi's memory)",
                    p.display(),
                    MAX_INPUT >> 20
                )
            }
            Error::Idx(p, e) => write!(f, "{}: {e}", p.display()),
            Error::Csv(p, e) => write!(f, "{}: {e}", p.display()),
            Error::CountMismatch { images, labels } => {
                write!(
                    f,
                    "the images file holds {images} images but the labels file {labels} labels"
                )
            }
            Error::Blob(e) => write!(f, "{e}"),
            Error::Write(p, e) => write!(f, "cannot write {}: {e}", p.display()),
            Error::OutputIsInput(p) => write!(
                f,
                "the output {} is also an input: writing it would replace the input (choose \
                 another --output)",
                p.display()
            ),
            Error::Empty(p) => write!(f, "{}: holds no images", p.display()),
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("mnist2blob: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Whether `a` and `b` name the same existing file (through links, `./`, `..`).
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn run(args: &Args) -> Result<String, Error> {
    let inputs = [&args.images, &args.labels, &args.csv];
    if let Some(input) = inputs
        .into_iter()
        .flatten()
        .find(|i| same_file(i, &args.output))
    {
        return Err(Error::OutputIsInput(input.clone()));
    }
    let blob = match (&args.images, &args.labels, &args.csv) {
        (Some(images), Some(labels), _) => from_idx(images, labels)?,
        (_, _, Some(csv)) => from_csv(csv, args.side)?,
        _ => unreachable!("clap requires --images/--labels or --csv"),
    };
    let (header, _) = Header::decode(&blob).map_err(Error::Blob)?;
    let gz = args.output.extension().is_some_and(|e| e == "gz");
    let bytes = if gz { gzip(&blob) } else { blob };
    nnzero::format::atomic_save::write(&args.output, &bytes)
        .map_err(|e| Error::Write(args.output.clone(), e))?;
    Ok(format!(
        "wrote {}: {} images of {}×{}, {} bytes{}",
        args.output.display(),
        header.count,
        header.rows,
        header.cols,
        bytes.len(),
        if gz { " (gzip)" } else { "" }
    ))
}

/// Reads a whole file, unpacking gzip (every member) when it starts with gzip's magic bytes,
/// stopping at [`MAX_INPUT`] bytes whichever it is.
fn read_input(path: &Path) -> Result<Vec<u8>, Error> {
    let err = |e| Error::Read(path.into(), e);
    let file = std::fs::File::open(path).map_err(err)?;
    let mut raw = std::io::BufReader::new(file);
    let gz = raw.fill_buf().map_err(err)?.starts_with(&[0x1f, 0x8b]);
    let input: Box<dyn Read> = if gz {
        Box::new(flate2::bufread::MultiGzDecoder::new(raw))
    } else {
        Box::new(raw)
    };
    let mut out = Vec::new();
    input
        .take(MAX_INPUT + 1)
        .read_to_end(&mut out)
        .map_err(err)?;
    if out.len() as u64 > MAX_INPUT {
        return Err(Error::TooLarge(path.into()));
    }
    Ok(out)
}

fn from_idx(images_path: &Path, labels_path: &Path) -> Result<Vec<u8>, Error> {
    let images_raw = read_input(images_path)?;
    let labels_raw = read_input(labels_path)?;
    let images = idx::parse(&images_raw, 3).map_err(|e| Error::Idx(images_path.into(), e))?;
    let labels = idx::parse(&labels_raw, 1).map_err(|e| Error::Idx(labels_path.into(), e))?;
    let (count, rows, cols) = (images.dims[0], images.dims[1], images.dims[2]);
    if count == 0 {
        return Err(Error::Empty(images_path.into()));
    }
    if labels.dims[0] != count {
        return Err(Error::CountMismatch {
            images: count,
            labels: labels.dims[0],
        });
    }
    let side = |v: u32| u16::try_from(v).ok().filter(|&s| s > 0);
    let (Some(r), Some(c)) = (side(rows), side(cols)) else {
        return Err(Error::Idx(
            images_path.into(),
            idx::IdxError::BadImageSize { rows, cols },
        ));
    };
    let header = Header::new(count, r, c, 10).map_err(Error::Blob)?;
    let mut w = BlobWriter::new(Vec::new(), header).map_err(Error::Blob)?;
    for (&label, pixels) in labels
        .data
        .iter()
        .zip(images.data.chunks_exact(header.pixels()))
    {
        w.push(label, pixels).map_err(Error::Blob)?;
    }
    w.finish().map_err(Error::Blob)
}

fn from_csv(path: &Path, side: u16) -> Result<Vec<u8>, Error> {
    let raw = read_input(path)?;
    let text = String::from_utf8_lossy(&raw);
    let pixels = side as usize * side as usize;
    // Two passes: the header needs the count before the first record.
    let count = csv::parse(&text, pixels, |_, _| {}).map_err(|e| Error::Csv(path.into(), e))?;
    let count = u32::try_from(count).map_err(|_| Error::TooLarge(path.into()))?;
    if count == 0 {
        return Err(Error::Empty(path.into()));
    }
    let header = Header::new(count, side, side, 10).map_err(Error::Blob)?;
    let mut w = BlobWriter::new(Vec::new(), header).map_err(Error::Blob)?;
    let mut result = Ok(());
    csv::parse(&text, pixels, |label, px| {
        if result.is_ok() {
            result = w.push(label, px);
        }
    })
    .map_err(|e| Error::Csv(path.into(), e))?;
    result.map_err(Error::Blob)?;
    w.finish().map_err(Error::Blob)
}

/// Best compression: the blob is written once and read on every epoch, often from an SD card.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

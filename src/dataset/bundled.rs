//! The data sets that come with nnzero, in one table ([`BUNDLED`]): MNIST's training and test
//! sets, and the typeface, Semeion and Swiss digits `--augment` mixes into MNIST. Each is read
//! from the repository's `data/`, or, built with the `embed-data` feature, from the bytes
//! compiled into the binary (so one file copied to a Pi can train).

use std::path::Path;

use super::{Dataset, DatasetError};

/// Where the bundled data lives in a clone of the repository.
pub const BUNDLED_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data");
/// File name of the bundled MNIST training set ([`BUNDLED`]'s first).
pub const TRAIN_FILE: &str = "mnist-train.blob.gz";
/// File name of the bundled MNIST test set ([`BUNDLED`]'s second).
pub const TEST_FILE: &str = "mnist-test.blob.gz";

/// One of the data sets that come with nnzero: a row of [`BUNDLED`].
#[derive(Debug, Clone, Copy)]
pub struct BundledSet {
    /// What it is, in messages: "MNIST training set" ("embedded MNIST training set" when it
    /// is compiled in; its path when it is read from [`BUNDLED_DIR`]).
    pub name: &'static str,
    /// Its file in [`BUNDLED_DIR`] (and `data/README.md`, which says where it comes from).
    pub file: &'static str,
    /// What it holds.
    pub about: &'static str,
    /// Its bytes, compiled into the binary.
    #[cfg(feature = "embed-data")]
    pub embedded: &'static [u8],
}

/// A row of [`BUNDLED`]: its file named once, for the path and for `include_bytes!` (which is
/// relative to this file).
macro_rules! bundled_set {
    ($name:literal, $file:literal, $about:literal) => {
        BundledSet {
            name: $name,
            file: $file,
            about: $about,
            #[cfg(feature = "embed-data")]
            embedded: include_bytes!(concat!("../../data/", $file)),
        }
    };
}

/// The data sets that come with nnzero, in this order: MNIST's training and test sets, then
/// the three `--augment` mixes into MNIST, in the order it mixes them
/// ([`Dataset::mixed_with`]). [`Dataset::bundled`] opens one; `Dataset::bundled_train` and
/// the others open their row.
pub static BUNDLED: [BundledSet; 5] = [
    bundled_set!("MNIST training set", "mnist-train.blob.gz", "60,000 images"),
    bundled_set!("MNIST test set", "mnist-test.blob.gz", "10,000 images"),
    bundled_set!(
        "typeface digits",
        "typefaces.blob.gz",
        "754 images of 27 typefaces in neither half of the handwriting set \
         (`tools/training-digits typefaces`)"
    ),
    bundled_set!(
        "Semeion digits",
        "semeion.blob.gz",
        "1,565 images of about 80 people in Italy, each writing 0–9 twice \
         (`tools/training-digits semeion`)"
    ),
    bundled_set!(
        "Swiss digits",
        "swiss.blob.gz",
        "4,095 scanned digits of 21 people, mostly in Switzerland: every third of the 600 each \
         copied (`tools/training-digits folders`)"
    ),
];

impl Dataset {
    /// A bundled data set ([`BUNDLED`]'s row `set`), embedded or from the repository.
    pub fn bundled(set: &BundledSet) -> Result<Self, DatasetError> {
        #[cfg(feature = "embed-data")]
        return Self::embedded(&format!("embedded {}", set.name), set.embedded);
        #[cfg(not(feature = "embed-data"))]
        Self::bundled_file(set.file)
    }

    /// The bundled MNIST training set (60,000 images), embedded or from the repository.
    pub fn bundled_train() -> Result<Self, DatasetError> {
        Self::bundled(&BUNDLED[0])
    }

    /// The bundled typeface digits (754 images of 27 typefaces in neither half of the
    /// handwriting set), embedded or from the repository: what `--augment` mixes into MNIST
    /// ([`Dataset::mixed_with`]).
    pub fn bundled_typefaces() -> Result<Self, DatasetError> {
        Self::bundled(&BUNDLED[2])
    }

    /// The bundled Semeion digits (1,565 images of about 80 people in Italy, each writing 0–9
    /// twice), embedded or from the repository: what `--augment` mixes into MNIST with the
    /// typeface digits ([`Dataset::mixed_with`]).
    pub fn bundled_semeion() -> Result<Self, DatasetError> {
        Self::bundled(&BUNDLED[3])
    }

    /// The bundled Swiss digits (4,095 scanned digits of 21 people, mostly in Switzerland: every
    /// third of the 600 each copied), embedded or from the repository: what `--augment` mixes
    /// into MNIST after the typeface and Semeion digits ([`Dataset::mixed_with`]).
    pub fn bundled_swiss() -> Result<Self, DatasetError> {
        Self::bundled(&BUNDLED[4])
    }

    /// The bundled MNIST test set (10,000 images), embedded or from the repository.
    pub fn bundled_test() -> Result<Self, DatasetError> {
        Self::bundled(&BUNDLED[1])
    }

    // Not compiled into an `embed-data` binary, which must not even name the repository's path
    // (tests/embed_data.rs).
    #[cfg_attr(feature = "embed-data", allow(dead_code))]
    fn bundled_file(name: &str) -> Result<Self, DatasetError> {
        let path = Path::new(BUNDLED_DIR).join(name);
        if !path.exists() {
            return Err(DatasetError::BundledMissing { path });
        }
        Self::open(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each constructor opens its row of the table, by the name it has always had.
    #[test]
    fn each_bundled_set_opens_its_row() {
        assert_eq!((BUNDLED[0].file, BUNDLED[1].file), (TRAIN_FILE, TEST_FILE));
        let sets = [
            (Dataset::bundled_train(), "MNIST training set", TRAIN_FILE),
            (Dataset::bundled_test(), "MNIST test set", TEST_FILE),
            (
                Dataset::bundled_typefaces(),
                "typeface digits",
                "typefaces.blob.gz",
            ),
            (
                Dataset::bundled_semeion(),
                "Semeion digits",
                "semeion.blob.gz",
            ),
            (Dataset::bundled_swiss(), "Swiss digits", "swiss.blob.gz"),
        ];
        for (data, name, file) in sets {
            let data = data.unwrap();
            if cfg!(feature = "embed-data") {
                assert_eq!(data.name(), format!("embedded {name}"));
            } else {
                assert_eq!(
                    data.name(),
                    Path::new(BUNDLED_DIR).join(file).display().to_string()
                );
            }
        }
    }

    /// The digits `--augment` mixes in (the typefaces', the Semeion set's, the Swiss set's): whole,
    /// MNIST-sized, every digit there.
    #[test]
    fn the_bundled_mixed_in_digits_are_whole() {
        let sets = [
            (Dataset::bundled_typefaces(), 754, 70),
            (Dataset::bundled_semeion(), 1565, 140),
            (Dataset::bundled_swiss(), 4095, 400),
        ];
        for (data, count, least) in sets {
            let data = data.unwrap();
            data.verify().unwrap();
            let h = data.header();
            assert_eq!((h.count, h.rows, h.cols, h.classes), (count, 28, 28, 10));
            let mut per_digit = [0; 10];
            let mut stream = data.stream().unwrap();
            while let Some((label, pixels)) = stream.next_record().unwrap() {
                per_digit[label as usize] += 1;
                assert!(pixels.iter().any(|&p| p > 128), "a digit with ink");
            }
            assert!(per_digit.iter().all(|&n| n >= least), "{per_digit:?}");
        }
    }
}

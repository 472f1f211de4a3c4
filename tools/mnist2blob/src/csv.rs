//! The book's CSV form of MNIST: one image per line, `label,p0,p1,…,p783`. A header line
//! first (`label,pixel0,…` or `label,1x1,…`, as Kaggle's and other copies have) is skipped.

use std::fmt;

/// What can be wrong with a CSV line.
#[derive(Debug, PartialEq, Eq)]
pub enum CsvError {
    /// A line has the wrong number of fields.
    WrongFieldCount {
        /// 1-based line number.
        line: usize,
        /// Fields expected: the label and every pixel.
        expected: usize,
        /// Fields found.
        found: usize,
    },
    /// A field is not a whole number in range.
    BadValue {
        /// 1-based line number.
        line: usize,
        /// 1-based field number.
        field: usize,
        /// What was there.
        value: String,
        /// The allowed range.
        range: &'static str,
    },
    /// No lines with data.
    Empty,
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CsvError::WrongFieldCount {
                line,
                expected,
                found,
            } => write!(
                f,
                "line {line}: {found} fields, expected {expected} (the label, then every pixel)"
            ),
            CsvError::BadValue {
                line,
                field,
                value,
                range,
            } => {
                write!(
                    f,
                    "line {line}, field {field}: {value:?} is not a number in {range}"
                )
            }
            CsvError::Empty => write!(f, "the CSV file holds no images"),
        }
    }
}

impl std::error::Error for CsvError {}

/// Parses the whole CSV text; calls `record(label, pixels)` for each line in order.
/// Blank lines and a header line (its first field is not a number) are skipped; a `\r\n`
/// line ending is accepted.
pub fn parse(
    text: &str,
    pixels: usize,
    mut record: impl FnMut(u8, &[u8]),
) -> Result<usize, CsvError> {
    let mut buf = vec![0u8; pixels];
    let mut count = 0;
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        if count == 0 && is_header(line) {
            continue;
        }
        let mut fields = line.split(',');
        let label = field(fields.next().unwrap_or(""), line_no, 1, 9, "0..=9")?;
        let mut found = 1;
        for (k, value) in fields.enumerate() {
            found += 1;
            if k < pixels {
                buf[k] = field(value, line_no, k + 2, 255, "0..=255")?;
            }
        }
        if found != pixels + 1 {
            return Err(CsvError::WrongFieldCount {
                line: line_no,
                expected: pixels + 1,
                found,
            });
        }
        record(label, &buf);
        count += 1;
    }
    if count == 0 {
        return Err(CsvError::Empty);
    }
    Ok(count)
}

/// A column-name line such as `label,pixel0,pixel1,…`: its first field starts with a letter.
fn is_header(line: &str) -> bool {
    let first = line
        .split(',')
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches('"');
    first.starts_with(|c: char| c.is_ascii_alphabetic())
}

fn field(
    value: &str,
    line: usize,
    field: usize,
    max: u8,
    range: &'static str,
) -> Result<u8, CsvError> {
    match value.trim().parse::<u8>() {
        Ok(v) if v <= max => Ok(v),
        _ => Err(CsvError::BadValue {
            line,
            field,
            value: value.to_string(),
            range,
        }),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_header_line_is_skipped() {
        let mut got = Vec::new();
        let text = "label,pixel0,pixel1\n3,0,255\n";
        let n = super::parse(text, 2, |l, p| got.push((l, p.to_vec()))).unwrap();
        assert_eq!(n, 1);
        assert_eq!(got, [(3, vec![0, 255])]);
        // Only before the first image: a word later on is still an error.
        let err = super::parse("3,0,255\nlabel,pixel0,pixel1\n", 2, |_, _| {}).unwrap_err();
        assert!(err.to_string().starts_with("line 2, field 1"), "{err}");
        // A header and nothing else holds no images.
        assert_eq!(
            super::parse("label,p0,p1\n", 2, |_, _| {}),
            Err(super::CsvError::Empty)
        );
    }

    use super::*;

    #[test]
    fn reads_lines_in_order() {
        let mut got = Vec::new();
        let n = parse("5,0,255,7,8\r\n\n3,1,2,3,4\n", 4, |l, p| {
            got.push((l, p.to_vec()))
        })
        .unwrap();
        assert_eq!(n, 2);
        assert_eq!(got, [(5, vec![0, 255, 7, 8]), (3, vec![1, 2, 3, 4])]);
    }

    #[test]
    fn names_the_line_and_field() {
        let e = parse("5,0,1,2,3\n12,0,1,2,3\n", 4, |_, _| {}).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 2, field 1: \"12\" is not a number in 0..=9"
        );
        let e = parse("5,0,1,2\n", 4, |_, _| {}).unwrap_err();
        assert_eq!(
            e,
            CsvError::WrongFieldCount {
                line: 1,
                expected: 5,
                found: 4
            }
        );
        let e = parse("5,0,1,2,256\n", 4, |_, _| {}).unwrap_err();
        assert!(matches!(
            e,
            CsvError::BadValue {
                line: 1,
                field: 5,
                ..
            }
        ));
        assert_eq!(parse("\n\n", 4, |_, _| {}).unwrap_err(), CsvError::Empty);
    }
}

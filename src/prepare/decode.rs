//! PNG and JPEG straight to 8-bit luminance, shrunk to a working size as they are read.
//!
//! A picture costs about one byte a pixel at most, never the twenty of a decoded `f32` RGBA
//! image: a PNG is read row by row into a shrinking buffer (an all-white 8192² PNG needs a few
//! MB); a JPEG is decoded by zune-jpeg straight to its luminance channel (a 12 MP photo is
//! 12 MB), then shrunk. A JPEG that is cut short is an error, as a PNG is (zune-jpeg's strict
//! mode; a lenient decoder fills the rest with grey and a wrong answer follows).

use std::io::{BufRead, Read, Seek, SeekFrom};

use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;

use super::gray::{shrink_factor, Gray, Shrinker};
use super::{Limits, PrepareError};

/// Decodes a PNG or JPEG to luminance at working size; returns it and the picture's size.
pub(super) fn decode<R: BufRead + Seek>(
    mut reader: R,
    limits: Limits,
) -> Result<(Gray, (u32, u32)), PrepareError> {
    let mut magic = [0u8; 8];
    let n = read_up_to(&mut reader, &mut magic)?;
    reader.seek(SeekFrom::Start(0)).map_err(PrepareError::Io)?;
    if n == 8 && magic == *b"\x89PNG\r\n\x1a\n" {
        png(reader, limits)
    } else if n >= 3 && magic[..3] == [0xFF, 0xD8, 0xFF] {
        jpeg(reader, limits)
    } else if n == 0 {
        Err(PrepareError::Decode("the file is empty".into()))
    } else {
        Err(PrepareError::Decode(
            "the file starts like neither a PNG nor a JPEG".into(),
        ))
    }
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> Result<usize, PrepareError> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(PrepareError::Io(e)),
        }
    }
    Ok(n)
}

fn check_side(width: u32, height: u32, limits: Limits) -> Result<(), PrepareError> {
    if width > limits.max_side || height > limits.max_side {
        return Err(PrepareError::TooLarge {
            width,
            height,
            limit: limits.max_side,
        });
    }
    if width == 0 || height == 0 {
        return Err(PrepareError::NoDigit);
    }
    Ok(())
}

fn check_budget(width: u32, height: u32, need: u64, limits: Limits) -> Result<(), PrepareError> {
    if need > limits.max_alloc {
        return Err(PrepareError::OverBudget {
            width,
            height,
            need_mib: need.div_ceil(1 << 20),
            budget_mib: limits.max_alloc >> 20,
        });
    }
    Ok(())
}

fn png_error(e: png::DecodingError) -> PrepareError {
    match e {
        png::DecodingError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            PrepareError::Decode("the file is cut short".into())
        }
        png::DecodingError::IoError(io) => PrepareError::Io(io),
        png::DecodingError::LimitsExceeded => {
            PrepareError::Decode("the PNG needs more memory than allowed".into())
        }
        other => PrepareError::Decode(one_line(&other.to_string())),
    }
}

fn one_line(s: &str) -> String {
    s.lines().next().unwrap_or("").to_string()
}

/// Luminance of one 8-bit pixel (Rec. 601 weights, as JPEG's Y), with alpha composited onto
/// white paper, as a paint program's "transparent background" means.
fn luma(px: &[u8]) -> u8 {
    let (y, a) = match *px {
        [g] => (g as u32, 255),
        [g, a] => (g as u32, a as u32),
        [r, g, b] => (
            (77 * r as u32 + 150 * g as u32 + 29 * b as u32 + 128) >> 8,
            255,
        ),
        [r, g, b, a, ..] => (
            (77 * r as u32 + 150 * g as u32 + 29 * b as u32 + 128) >> 8,
            a as u32,
        ),
        [] => (255, 255),
    };
    ((a * y + (255 - a) * 255 + 127) / 255) as u8
}

fn png<R: BufRead + Seek>(reader: R, limits: Limits) -> Result<(Gray, (u32, u32)), PrepareError> {
    let mut decoder = png::Decoder::new_with_limits(
        reader,
        png::Limits {
            bytes: usize::try_from(limits.max_alloc).unwrap_or(usize::MAX),
        },
    );
    // Colour profiles and text are of no use here, and each is zlib data that may inflate a
    // thousandfold (a 122 KB iCCP "bomb" of 120 MiB aborted `predict` under a 128 MiB cap):
    // never inflated.
    decoder.set_ignore_iccp_chunk(true);
    decoder.set_ignore_text_chunk(true);
    // Palettes and low bit depths expanded, 16 bits cut to 8: every row is 8-bit G, GA,
    // RGB or RGBA.
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(png_error)?;
    let (width, height, interlaced) = {
        let info = reader.info();
        (info.width, info.height, info.interlaced)
    };
    check_side(width, height, limits)?;
    let (w, h) = (width as usize, height as usize);
    let channels = reader.output_color_type().0.samples();
    let f = shrink_factor(w, h);
    let mut shrinker = Shrinker::new(w, h, f);
    let mut row_luma = vec![0u8; w];
    if interlaced {
        // Adam7 rows arrive pass by pass: the whole frame is needed, within the budget.
        let size = reader.output_buffer_size().ok_or(PrepareError::TooLarge {
            width,
            height,
            limit: limits.max_side,
        })?;
        check_budget(width, height, size as u64, limits)?;
        let mut buf = vec![0u8; size];
        reader.next_frame(&mut buf).map_err(png_error)?;
        for row in buf.chunks_exact(w * channels).take(h) {
            for (l, px) in row_luma.iter_mut().zip(row.chunks_exact(channels)) {
                *l = luma(px);
            }
            shrinker.push_row(&row_luma);
        }
    } else {
        for _ in 0..h {
            let row = reader
                .next_row()
                .map_err(png_error)?
                .ok_or_else(|| PrepareError::Decode("the file is cut short".into()))?;
            for (l, px) in row_luma.iter_mut().zip(row.data().chunks_exact(channels)) {
                *l = luma(px);
            }
            shrinker.push_row(&row_luma);
        }
    }
    Ok((shrinker.finish(), (width, height)))
}

fn jpeg<R: BufRead + Seek>(reader: R, limits: Limits) -> Result<(Gray, (u32, u32)), PrepareError> {
    // The whole file (a phone's 12 MP JPEG is a few MB): its end is checked before decoding.
    let mut bytes = Vec::new();
    reader
        .take(limits.max_alloc)
        .read_to_end(&mut bytes)
        .map_err(PrepareError::Io)?;
    let Some(scan) = whole_scan(&bytes) else {
        return Err(PrepareError::Decode(
            "the file is cut short (no end-of-image marker after the image data)".into(),
        ));
    };
    let scan_bytes = (bytes.len() - scan) as u64;
    let reader = std::io::Cursor::new(bytes);
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::Luma)
        .set_strict_mode(true)
        .set_max_width(limits.max_side as usize)
        .set_max_height(limits.max_side as usize);
    let mut decoder = JpegDecoder::new_with_options(reader, options);
    decoder.decode_headers().map_err(jpeg_error)?;
    let info = decoder
        .info()
        .ok_or_else(|| PrepareError::Decode("no JPEG header".into()))?;
    let (width, height) = (info.width as u32, info.height as u32);
    check_side(width, height, limits)?;
    // Every 8×8 block of luminance costs at least one bit of image data: a header claiming
    // more pixels than the data can hold is a file cut short (or a bomb), whose missing part
    // a decoder would fill with grey.
    let blocks = (width as u64).div_ceil(8) * (height as u64).div_ceil(8);
    if scan_bytes * 8 < blocks {
        return Err(PrepareError::Decode(format!(
            "the file is cut short: {scan_bytes} bytes of image data cannot hold {width}×{height} pixels"
        )));
    }
    // The luminance itself, and for a progressive JPEG the coefficients of every component
    // (two bytes a sample) that zune-jpeg holds until the last scan.
    let pixels = width as u64 * height as u64;
    let progressive = info.sof.is_progressive();
    let need = pixels
        * if progressive {
            1 + 2 * info.components as u64
        } else {
            1
        };
    check_budget(width, height, need, limits)?;
    let orientation = decoder
        .exif()
        .and_then(|exif| image::metadata::Orientation::from_exif_chunk(exif));
    let px = decoder.decode().map_err(jpeg_error)?;
    let (w, h) = (width as usize, height as usize);
    if px.len() != w * h {
        return Err(PrepareError::Decode(
            "the JPEG decoded to an unexpected size".into(),
        ));
    }
    let f = shrink_factor(w, h);
    let gray = if f == 1 {
        Gray::new(w, h, px)
    } else {
        let mut shrinker = Shrinker::new(w, h, f);
        for row in px.chunks_exact(w) {
            shrinker.push_row(row);
        }
        drop(px);
        shrinker.finish()
    };
    let gray = match orientation {
        Some(o) => gray.oriented(o),
        None => gray,
    };
    Ok((gray, (width, height)))
}

/// Where the JPEG's first scan starts, if its image data is followed by its end-of-image
/// marker. Entropy-coded data
/// never holds 0xFF 0xD9 (a 0xFF in it is stuffed as 0xFF 0x00), so its absence after the
/// first start-of-scan means the file was cut short; zune-jpeg would fill the rest with grey
/// (even in strict mode, for some files), and the network would read the grey.
fn whole_scan(b: &[u8]) -> Option<usize> {
    let mut pos = 2; // after SOI
                     // The segments before the first scan have lengths: walk them (an EXIF thumbnail inside
                     // one has its own end marker, which must not count).
    while pos + 4 <= b.len() {
        if b[pos] != 0xFF {
            return None;
        }
        let marker = b[pos + 1];
        if marker == 0xFF {
            pos += 1; // fill byte
            continue;
        }
        if marker == 0xDA {
            return b[pos..]
                .windows(2)
                .any(|m| m == [0xFF, 0xD9])
                .then_some(pos);
        }
        let len = u16::from_be_bytes([b[pos + 2], b[pos + 3]]) as usize;
        pos += 2 + len;
    }
    None
}

fn jpeg_error(e: zune_jpeg::errors::DecodeErrors) -> PrepareError {
    let text = one_line(&e.to_string());
    if text.contains("Premature end") || text.to_ascii_lowercase().contains("eof") {
        PrepareError::Decode(format!("the file is cut short ({text})"))
    } else {
        PrepareError::Decode(text)
    }
}

//! ChemStation `.ch` header: version sniffing, data layout, scaling and the descriptive strings.
//!
//! Offsets follow the layouts documented by the public readers rainbow (docs/agilent/ch_fid.rst), chromConverter
//! (`get_agilent_offsets`) and entab, and were checked byte by byte on the corpus files.

use super::{Errors, IoError};

/// Byte offset of the big-endian `u32` header-size field: header bytes = (value − 1) × 512.
const HEADER_BLOCKS_AT: usize = 264;
/// Byte offset of the run start time (big-endian `f32`, milliseconds).
pub(super) const START_TIME_AT: u64 = 282;
/// Byte offset of the run end time (big-endian `f32`, milliseconds).
pub(super) const END_TIME_AT: u64 = 286;
/// Header length of version 179 files (their size field is not reliable: 9 on a Mustang file).
const HEADER_179: usize = 6144;

/// How the data points are stored.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Encoding {
    /// One little-endian `f64` per point (version 179).
    LittleEndianF64,
    /// Big-endian `i16` second differences with a 48-bit absolute-value escape (versions 81 and 181).
    DoubleDelta,
}

/// Where and how the data are stored, and how to turn them into a signal and a time axis.
#[derive(Debug, Clone)]
pub(super) struct Layout {
    pub version: &'static str,
    pub data_offset: usize,
    pub encoding: Encoding,
    /// Multiplier applied to every raw value.
    pub scale: f64,
    /// Added after scaling.
    pub intercept: f64,
    pub start_ms: f64,
    pub end_ms: f64,
    /// True when the end time is the time of the last point (179/181); false when it closes the last interval (81).
    pub end_is_last_point: bool,
}

/// The version string at byte 0 when it is one this module knows.
pub(super) fn version(bytes: &[u8]) -> Option<&'static str> {
    const KNOWN: [&str; 7] = ["179", "181", "81", "8", "130", "131", "30"];
    let len = usize::from(*bytes.first()?);
    let text = bytes.get(1..1 + len)?;
    KNOWN.into_iter().find(|v| v.as_bytes() == text)
}

/// Reads the fixed header fields for `version`, checking each against the file.
pub(super) fn layout(version: &'static str, bytes: &[u8], err: &Errors) -> Result<Layout, IoError> {
    let (data_offset, encoding, scale_at, intercept_at, end_is_last_point) = match version {
        "179" => (HEADER_179, Encoding::LittleEndianF64, 4732, 4724, true),
        "181" => (header_blocks(bytes, err)?, Encoding::DoubleDelta, 4732, 4724, true),
        "81" => (header_blocks(bytes, err)?, Encoding::DoubleDelta, 644, 636, false),
        other => {
            return Err(err.corrupt(
                0,
                format!("ChemStation .ch version {other} is not supported (only 81, 179 and 181 FID traces)"),
            ));
        }
    };
    if data_offset > bytes.len() {
        return Err(err.corrupt(bytes.len() as u64, format!("file ends inside the {data_offset}-byte header")));
    }
    let start_ms = f64::from(f32_be(bytes, START_TIME_AT as usize, err)?);
    let end_ms = f64::from(f32_be(bytes, END_TIME_AT as usize, err)?);
    let scale = f64_be(bytes, scale_at, err)?;
    let intercept = f64_be(bytes, intercept_at, err)?;
    for (value, at) in [(start_ms, START_TIME_AT), (end_ms, END_TIME_AT), (scale, scale_at as u64)] {
        if !value.is_finite() {
            return Err(err.non_finite(at));
        }
    }
    // chromConverter treats a NaN intercept as absent; do the same for any non-finite one.
    let intercept = if intercept.is_finite() { intercept } else { 0.0 };
    Ok(Layout { version, data_offset, encoding, scale, intercept, start_ms, end_ms, end_is_last_point })
}

/// Header length from the block-count field at byte 264.
fn header_blocks(bytes: &[u8], err: &Errors) -> Result<usize, IoError> {
    let blocks = u32::from_be_bytes(take(bytes, HEADER_BLOCKS_AT, err)?);
    if !(2..=64).contains(&blocks) {
        return Err(err.corrupt(HEADER_BLOCKS_AT as u64, format!("implausible header size field {blocks}")));
    }
    Ok((blocks as usize - 1) * 512)
}

fn take<const N: usize>(bytes: &[u8], at: usize, err: &Errors) -> Result<[u8; N], IoError> {
    bytes
        .get(at..at + N)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| err.corrupt(bytes.len() as u64, format!("file ends before the header field at byte {at}")))
}

fn f32_be(bytes: &[u8], at: usize, err: &Errors) -> Result<f32, IoError> {
    Ok(f32::from_be_bytes(take(bytes, at, err)?))
}

fn f64_be(bytes: &[u8], at: usize, err: &Errors) -> Result<f64, IoError> {
    Ok(f64::from_be_bytes(take(bytes, at, err)?))
}

/// Descriptive strings from the header; each is `None` when absent or unreadable.
#[derive(Debug, Default)]
pub(super) struct HeaderText {
    pub sample_name: Option<String>,
    pub operator: Option<String>,
    pub date: Option<String>,
    pub instrument: Option<String>,
    pub method: Option<String>,
    pub software: Option<String>,
    pub unit: Option<String>,
    pub signal: Option<String>,
}

/// Reads the descriptive strings. Versions 179/181 store UTF-16LE Pascal strings (length = code units), version
/// 81 one-byte Pascal strings.
pub(super) fn metadata(bytes: &[u8], layout: &Layout) -> HeaderText {
    match layout.version {
        "81" => HeaderText {
            sample_name: pascal8(bytes, 24),
            operator: pascal8(bytes, 148),
            date: pascal8(bytes, 178),
            instrument: pascal8(bytes, 208),
            method: pascal8(bytes, 228),
            software: None,
            unit: pascal8(bytes, 580),
            signal: pascal8(bytes, 596),
        },
        _ => HeaderText {
            sample_name: pascal16(bytes, 858),
            operator: pascal16(bytes, 1880),
            date: pascal16(bytes, 2391),
            instrument: pascal16(bytes, 2492),
            method: pascal16(bytes, 2574),
            software: pascal16(bytes, 3089),
            unit: pascal16(bytes, 4172),
            signal: pascal16(bytes, 4213),
        },
    }
}

/// One-byte-length Pascal string of 8-bit characters (Latin-1), trimmed.
fn pascal8(bytes: &[u8], at: usize) -> Option<String> {
    let len = usize::from(*bytes.get(at)?);
    let raw = bytes.get(at + 1..at + 1 + len)?;
    Some(raw.iter().map(|&b| char::from(b)).collect::<String>().trim().to_string())
}

/// One-byte-length Pascal string of UTF-16LE code units, trimmed; unpaired surrogates become U+FFFD.
fn pascal16(bytes: &[u8], at: usize) -> Option<String> {
    let len = usize::from(*bytes.get(at)?);
    let raw = bytes.get(at + 1..at + 1 + 2 * len)?;
    let units = raw.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
    let text: String = char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect();
    Some(text.trim_matches(|c: char| c.is_whitespace() || c == '\0').to_string())
}

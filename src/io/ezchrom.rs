//! EZChrom Elite ASCII export (`.dat.asc`).
//!
//! A header of `Key:` lines whose values are separated by commas or tabs, one value per channel where that
//! applies (`Sampling Rate:,20.000000,20.000000,Hz`, `Total Data Points:,18001,18001,Pts.`,
//! `Y Axis Multiplier:,0.000130208,0.000130208`, `Y Axis Title:,pA,25 µV`), then the raw integers, one per line:
//! all of channel 1, then all of channel 2. The signal is raw × Y-axis multiplier in the unit of the Y-axis
//! title; the time of sample `i` is `i / sampling rate` seconds (the X-axis multiplier only converts seconds to
//! the minutes EZChrom displays). Old exports write the micro sign in latin-1, which is decoded as such.

use std::path::Path;

use super::series::{self, check_count};
use super::text::{decode, numbered_lines};
use super::{IoError, Location};
use crate::chromatogram::{Chromatogram, Metadata};

/// Format name used in errors and metadata.
pub const FORMAT: &str = "EZChrom ASCII export";

/// True when the start of a file has the EZChrom header lines (`Sampling Rate:` and `Total Data Points:`).
pub fn looks_like(head: &[u8]) -> bool {
    let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    has(b"Sampling Rate:") && has(b"Total Data Points:")
}

/// One header line: key and its values (separators and blanks removed).
struct HeaderLine<'a> {
    line: usize,
    key: &'a str,
    values: Vec<&'a str>,
}

/// Reads both (or all) channels. Errors: [`IoError::Corrupt`] for a missing or bad sampling rate or point
/// count, a value that is not a number, or fewer/more values than the header promises (truncation), each with
/// its line or field; [`IoError::TooLarge`] when the header claims more than [`super::MAX_POINTS`] points;
/// [`IoError::NonFinite`] for NaN or infinite values.
pub fn read(bytes: &[u8], path: &Path) -> Result<Vec<Chromatogram>, IoError> {
    let text = decode(bytes);
    let corrupt = |at: Location, what: String| IoError::Corrupt { format: FORMAT, at, what, path: path.into() };
    let mut lines = numbered_lines(&text).peekable();
    let mut header = Vec::new();
    while let Some(&(line, raw)) = lines.peek() {
        let trimmed = raw.trim();
        if trimmed.parse::<f64>().is_ok() {
            break;
        }
        lines.next();
        if let Some((key, rest)) = trimmed.split_once(':') {
            let sep = if rest.contains('\t') { '\t' } else { ',' };
            let values = rest.split(sep).map(str::trim).filter(|v| !v.is_empty()).collect();
            header.push(HeaderLine { line, key: key.trim(), values });
        }
    }
    let find = |key: &str| header.iter().find(|h| h.key.eq_ignore_ascii_case(key));
    let numbers = |key: &str| -> Vec<f64> {
        find(key).map(|h| h.values.iter().filter_map(|v| v.parse().ok()).collect()).unwrap_or_default()
    };
    let counts_line = find("Total Data Points")
        .ok_or_else(|| corrupt(Location::Field("Total Data Points".into()), "missing point counts".into()))?;
    let counts: Vec<f64> = numbers("Total Data Points");
    let rates = numbers("Sampling Rate");
    let multipliers = numbers("Y Axis Multiplier");
    let units: Vec<String> =
        find("Y Axis Title").map(|h| h.values.iter().map(|v| v.to_string()).collect()).unwrap_or_default();
    if counts.is_empty() {
        return Err(corrupt(Location::Line(counts_line.line), "no point counts".into()));
    }
    let mut total: u64 = 0;
    for &count in &counts {
        if !(count >= 0.0 && count.fract() == 0.0) {
            return Err(corrupt(Location::Line(counts_line.line), format!("point count {count} is not a count")));
        }
        check_count(FORMAT, count as u64, Location::Line(counts_line.line), path)?;
        total += count as u64;
    }
    check_count(FORMAT, total, Location::Line(counts_line.line), path)?;

    let metadata = metadata(&header);
    let mut out = Vec::with_capacity(counts.len());
    for (ch, &count) in counts.iter().enumerate() {
        let count = count as usize;
        let rate_hz = rates.get(ch).or(rates.first()).copied().unwrap_or(f64::NAN);
        if !(rate_hz.is_finite() && rate_hz > 0.0) {
            return Err(corrupt(Location::Field("Sampling Rate".into()), format!("channel {} rate {rate_hz}", ch + 1)));
        }
        let multiplier = multipliers.get(ch).or(multipliers.first()).copied().unwrap_or(1.0);
        let mut signal = Vec::with_capacity(count.min(bytes.len() / 2));
        let mut first_line = None;
        while signal.len() < count {
            let Some((line, raw)) = lines.next() else {
                let what = format!("channel {} has {} of its {count} values", ch + 1, signal.len());
                return Err(corrupt(Location::Line(text.lines().count().max(1)), what));
            };
            let raw = raw.trim();
            if raw.is_empty() {
                continue;
            }
            let value: f64 =
                raw.parse().map_err(|_| corrupt(Location::Line(line), format!("`{raw}` is not a number")))?;
            first_line.get_or_insert(line);
            signal.push(value * multiplier);
        }
        let time_s = (0..count).map(|i| i as f64 / rate_hz).collect();
        let c = Chromatogram {
            time_s,
            signal,
            signal_unit: units.get(ch).cloned().unwrap_or_default(),
            channel: format!("Channel {}", ch + 1),
            metadata: metadata.clone(),
        };
        let start = first_line.unwrap_or(0);
        out.push(series::check(FORMAT, c, path, &|i| Location::Line(start + i))?);
    }
    if let Some((line, _)) = lines.find(|(_, raw)| !raw.trim().is_empty()) {
        return Err(corrupt(Location::Line(line), format!("more values than the {total} the header declares")));
    }
    Ok(out)
}

fn metadata(header: &[HeaderLine]) -> Metadata {
    let get = |key: &str| {
        header.iter().find(|h| h.key.eq_ignore_ascii_case(key)).map(|h| h.values.join(" ")).filter(|v| !v.is_empty())
    };
    let mut m = Metadata {
        format: FORMAT.to_string(),
        sample_name: get("Sample ID"),
        acquisition_date: get("Acquisition Date and Time"),
        ..Default::default()
    };
    for key in ["Data File", "Method", "User Name", "Version", "X Axis Title", "X Axis Multiplier"] {
        if let Some(v) = get(key) {
            m.extra.push((key.to_string(), v));
        }
    }
    m
}

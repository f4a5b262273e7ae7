//! EZChrom Elite binary runs (`.dat`, an OLE2 compound file opened by [`super::ole`]).
//!
//! | stream | what Elute reads |
//! |---|---|
//! | `Detector Data/Detector N Trace` | +0 u32 3, +4 u32 n, +8 u32 n, +12 u32 1, +16 u32 0, +20 n × i32 raw values, then a 40-byte trailer with f32 x_mul (s per point) at +16 and f32 y_mul at +20 |
//! | `Detector Trace Handler` | MFC archive of Pascal (u8-length) strings: per trace its position ("0", "100"), u32, name ("Front Signal"), f32 x_mul, unit ("pA", latin-1 "25 µV"), f32 y_mul |
//! | `Chrom Header` | +8 f64 OLE date of the acquisition (days since 1899-12-30, local time of the instrument, no zone) |
//!
//! The signal is raw × y_mul in the handler's unit; point i is at i × x_mul seconds, computed as i / (1 / x_mul) with
//! the rate snapped to a whole number of Hz (first point at 0, the ASCII export's `i / sampling rate`). The handler is
//! walked string by string, never at fixed offsets: the unit's length moves everything after it. A handler that
//! disagrees with the trace's trailer multipliers gets a warning (the trailer, stored with the values, is used).

use std::path::Path;

use super::ole::{self, Ole};
use super::series::{self, check_count};
use super::{IoError, Location};
use crate::chromatogram::{Chromatogram, Metadata};

/// Format name used in errors and metadata.
pub const FORMAT: &str = "EZChrom Elite .dat";

const TRACE_STORAGE: &str = "Detector Data";
const TRACE_HEADER_BYTES: usize = 20;
const TRACE_TRAILER_BYTES: usize = 40;

/// True when an opened compound file has EZChrom detector traces.
pub fn looks_like(file: &Ole) -> bool {
    file.stream_paths().iter().any(|(p, _)| trace_position(p).is_some())
}

/// A trace's description in the `Detector Trace Handler`.
#[derive(Debug, Clone, PartialEq)]
struct TraceInfo {
    name: String,
    unit: String,
    x_mul_s: f32,
    y_mul: f32,
}

/// Reads every detector trace. Errors: [`IoError::Corrupt`] naming the stream for a bad header, a stream
/// shorter than its point count plus trailer (truncation) or a bad multiplier; [`IoError::TooLarge`] past
/// [`super::MAX_POINTS`]; [`IoError::NoData`] when there is no trace.
pub fn read(bytes: &[u8], path: &Path) -> Result<Vec<Chromatogram>, IoError> {
    let mut file = Ole::open(bytes, FORMAT, path)?;
    let paths = file.stream_paths();
    let mut traces: Vec<(u32, String)> =
        paths.iter().filter_map(|(p, _)| trace_position(p).map(|n| (n, p.clone()))).collect();
    traces.sort();
    let find = |suffix: &str| paths.iter().find(|(p, _)| p.ends_with(suffix)).map(|(p, _)| p.clone());
    let handler = match find("Detector Trace Handler") {
        Some(p) => file.stream(&p)?,
        None => Vec::new(),
    };
    let acquired = match find("Chrom Header") {
        Some(p) => ole::f64_le(&file.stream(&p)?, 8).and_then(ole_date),
        None => None,
    };
    let mut out = Vec::new();
    for (position, stream_path) in traces {
        let stream = file.stream(&stream_path)?;
        let info = trace_info(&handler, &position.to_string());
        let mut c = read_trace(&stream, &stream_path, info, &file, path)?;
        c.metadata.acquisition_date = acquired.clone();
        c.metadata.extra.push(("detector position".to_string(), position.to_string()));
        out.push(c);
    }
    if out.is_empty() {
        return Err(IoError::NoData { format: FORMAT, path: path.to_path_buf() });
    }
    Ok(out)
}

/// "Detector Data/Detector 100 Trace" → 100.
fn trace_position(stream_path: &str) -> Option<u32> {
    let rest = stream_path.strip_prefix(TRACE_STORAGE)?.strip_prefix("/Detector ")?;
    rest.strip_suffix(" Trace")?.parse().ok()
}

fn read_trace(
    stream: &[u8],
    stream_path: &str,
    info: Option<TraceInfo>,
    file: &Ole,
    path: &Path,
) -> Result<Chromatogram, IoError> {
    let field = |what: String| file.corrupt(Location::Field(stream_path.to_string()), what);
    let (Some(count), Some(count_again)) = (ole::u32_le(stream, 4), ole::u32_le(stream, 8)) else {
        return Err(field(format!("header is {} bytes, shorter than {TRACE_HEADER_BYTES}", stream.len())));
    };
    if count != count_again {
        return Err(field(format!("point counts {count} (+4) and {count_again} (+8) differ")));
    }
    check_count(FORMAT, count as u64, Location::Field(stream_path.to_string()), path)?;
    let count = count as usize;
    let trailer_at = TRACE_HEADER_BYTES + 4 * count;
    if stream.len() < trailer_at + TRACE_TRAILER_BYTES {
        let held = stream.len().saturating_sub(TRACE_HEADER_BYTES + TRACE_TRAILER_BYTES) / 4;
        return Err(field(format!("the header claims {count} points, the stream holds {held} and its trailer")));
    }
    let x_mul_s = ole::f32_le(stream, trailer_at + 16).unwrap_or(f32::NAN);
    let y_mul = ole::f32_le(stream, trailer_at + 20).unwrap_or(f32::NAN);
    if !(x_mul_s.is_finite() && x_mul_s > 0.0 && y_mul.is_finite()) {
        return Err(field(format!("trailer multipliers x {x_mul_s} s, y {y_mul}")));
    }
    let signal = stream[TRACE_HEADER_BYTES..trailer_at]
        .chunks_exact(4)
        .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64 * y_mul as f64)
        .collect();
    let rate_hz = rate_hz(x_mul_s);
    let time_s = (0..count).map(|i| i as f64 / rate_hz).collect();
    let mut metadata = Metadata { format: FORMAT.to_string(), ..Default::default() };
    metadata.extra.push(("Y Axis Multiplier".to_string(), y_mul.to_string()));
    metadata.extra.push(("seconds per point".to_string(), x_mul_s.to_string()));
    if let Some(i) = &info
        && (i.x_mul_s != x_mul_s || i.y_mul != y_mul)
    {
        let what = format!("handler multipliers x {} s, y {} differ from the trace's: trace used", i.x_mul_s, i.y_mul);
        metadata.extra.push(("warning".to_string(), what));
    }
    let (channel, unit) = match info {
        Some(i) => (i.name, i.unit),
        None => (stream_path.trim_start_matches("Detector Data/").to_string(), String::new()),
    };
    metadata.detector = Some(channel.clone());
    let c = Chromatogram { time_s, signal, signal_unit: unit, channel, metadata };
    let locate = |i: usize| Location::Field(format!("{stream_path} +{}", TRACE_HEADER_BYTES + 4 * i));
    series::check(FORMAT, c, path, &locate)
}

/// Points per second from the f32 step: the step's shortest decimal (0.1, not 0.100000001), inverted, and
/// snapped to a whole rate within 1e-6 Hz, so times equal the ASCII export's `i / sampling rate`.
fn rate_hz(x_mul_s: f32) -> f64 {
    let step_s: f64 = x_mul_s.to_string().parse().unwrap_or(x_mul_s as f64);
    let rate_hz = 1.0 / step_s;
    if (rate_hz - rate_hz.round()).abs() < 1e-6 { rate_hz.round() } else { rate_hz }
}

/// A u8-length string at `at` (latin-1) and the offset after it.
fn pascal(bytes: &[u8], at: usize) -> Option<(String, usize)> {
    let len = *bytes.get(at)? as usize;
    let text = bytes.get(at + 1..at + 1 + len)?;
    if text.iter().any(|&b| b < 0x20 || b == 0x7f) {
        return None;
    }
    Some((text.iter().map(|&b| b as char).collect(), at + 1 + len))
}

/// Walks the handler's strings to the trace whose position string is `position`: position, u32, name, f32 x_mul,
/// unit, f32 y_mul. `None` when no such well-formed record is found.
fn trace_info(handler: &[u8], position: &str) -> Option<TraceInfo> {
    (0..handler.len()).find_map(|at| {
        let (found, after) = pascal(handler, at)?;
        if found != position {
            return None;
        }
        let (name, after_name) = pascal(handler, after + 4).filter(|(n, _)| !n.is_empty())?;
        let x_mul_s = ole::f32_le(handler, after_name)?;
        let (unit, after_unit) = pascal(handler, after_name + 4)?;
        let y_mul = ole::f32_le(handler, after_unit)?;
        (x_mul_s.is_finite() && x_mul_s > 0.0 && y_mul.is_finite()).then_some(TraceInfo { name, unit, x_mul_s, y_mul })
    })
}

/// An OLE automation date (days since 1899-12-30, fraction = time of day) as "YYYY-MM-DD HH:MM:SS", to the
/// nearest second; `None` outside years 1900–9999.
fn ole_date(days: f64) -> Option<String> {
    if !(1.0..=2_958_465.0).contains(&days) {
        return None;
    }
    let total_s = (days * 86_400.0).round() as i64;
    let (day, second_of_day) = (total_s.div_euclid(86_400), total_s.rem_euclid(86_400));
    // Days since 1970-01-01, then the civil-from-days algorithm (proleptic Gregorian).
    let z = day - 25_569 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let (h, min, s) = (second_of_day / 3600, second_of_day % 3600 / 60, second_of_day % 60);
    Some(format!("{y:04}-{m:02}-{d:02} {h:02}:{min:02}:{s:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ole_dates_convert_to_civil_time() {
        assert_eq!(ole_date(45106.672002).as_deref(), Some("2023-06-29 16:07:41"));
        assert_eq!(ole_date(2.0).as_deref(), Some("1900-01-01 00:00:00"));
        assert_eq!(ole_date(f64::NAN), None);
        assert_eq!(ole_date(-5.0), None);
    }

    #[test]
    fn handler_strings_are_walked_not_indexed() {
        let mut h = vec![0u8, 7, 1, b'0'];
        h.extend(1u32.to_le_bytes());
        h.push(5);
        h.extend(b"Front");
        h.extend(0.1f32.to_le_bytes());
        h.extend([6, b'c', b'o', b'u', b'n', b't', b's']);
        h.extend(0.5f32.to_le_bytes());
        let info = trace_info(&h, "0").expect("found");
        assert_eq!((info.name.as_str(), info.unit.as_str(), info.x_mul_s, info.y_mul), ("Front", "counts", 0.1, 0.5));
        assert_eq!(trace_info(&h, "100"), None);
    }
}

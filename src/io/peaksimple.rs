//! SRI PeakSimple runs: binary `.CHR`, its ASCII export `.ASC`, and the `.RES` results file beside them.
//!
//! | file | layout |
//! |---|---|
//! | `.CHR` | latin-1 `<KEY>=value` CRLF header lines (TYPE … DESCRIPTION, COLUMN, CARRIER … DATE, TIME, RATE, SIZE …), ending with the `<CONTROL FILENAME>=` line; then SIZE × i32 LE raw values to the end of the file |
//! | `.ASC` | (UTF-8 BOM) the same header lines, then one sample per line written twice (`508,508`), no time column |
//! | `.RES` | positional lines, then component rows `"name",0.000,0.0000,0.0000,"",0.0000` |
//!
//! The files state no unit and no scale factor: the signal is the raw integer, unit `counts (raw)`. Point i is at
//! i / RATE seconds (RATE `5Hz`, `20 Hz`, `2.5Hz`: the whole number before "Hz"). A data part shorter than SIZE is
//! read as it is with a warning saying how many points are missing (the time axis is never stretched); one longer
//! than SIZE is cut to SIZE with a warning. Header fields are kept: DESCRIPTION as the detector, DATE (M-D-YYYY,
//! space-padded) and TIME as the acquisition date, the others in `extra`.
//!
//! A `.RES` whose component rows are all zero means PeakSimple identified no peak: that is noted, no peak is
//! added. The meaning of its columns is not established from a file with values, so non-zero rows are noted, not read.

use std::path::Path;

use super::series::{self, check_count};
use super::text::{decode, strip_bom};
use super::{IoError, Location};
use crate::chromatogram::{Chromatogram, Metadata};

/// Format name used in errors and metadata (binary `.CHR`).
pub const FORMAT_CHR: &str = "SRI PeakSimple .CHR";
/// Format name of the ASCII export.
pub const FORMAT_ASC: &str = "SRI PeakSimple .ASC";

/// The header line after which the data start.
const LAST_HEADER_KEY: &[u8] = b"<CONTROL FILENAME>=";
/// What the files say about the signal's unit: nothing.
const RAW_UNIT: &str = "counts (raw)";

/// True when the start of a file has the PeakSimple header keys.
pub fn looks_like(head: &[u8]) -> bool {
    let head = strip_bom(head);
    let has = |needle: &[u8]| memchr::memmem::find(head, needle).is_some();
    head.starts_with(b"<") && has(b"<RATE>=") && has(b"<SIZE>=")
}

/// The header lines as (key, value), and the offset where the data start.
struct Header {
    fields: Vec<(String, String)>,
    data_at: usize,
}

/// Reads a `.CHR` or `.ASC` (told apart by the data part: text digits or binary). Errors: [`IoError::Corrupt`]
/// for a missing `<CONTROL FILENAME>` line, a bad RATE or SIZE, or an ASC line that is not a number;
/// [`IoError::TooLarge`] when SIZE exceeds [`super::MAX_POINTS`]; [`IoError::NoData`] when there are no samples.
pub fn read(bytes: &[u8], path: &Path) -> Result<Vec<Chromatogram>, IoError> {
    let bom = bytes.len() - strip_bom(bytes).len();
    let header =
        header(bytes, bom).ok_or_else(|| corrupt(FORMAT_CHR, path, Location::File, "no <CONTROL FILENAME> line"))?;
    let data = &bytes[header.data_at..];
    let is_ascii = !data.is_empty() && data.iter().all(|b| b"0123456789-+,. \t\r\n".contains(b));
    let format = if is_ascii { FORMAT_ASC } else { FORMAT_CHR };
    let rate_hz =
        rate_hz(&header).ok_or_else(|| corrupt(format, path, Location::Field("RATE".into()), "no rate in Hz"))?;
    let size = field(&header, "SIZE").and_then(|s| s.trim().parse::<u64>().ok());
    let size = size.ok_or_else(|| corrupt(format, path, Location::Field("SIZE".into()), "no point count"))?;
    check_count(format, size, Location::Field("SIZE".into()), path)?;
    let (raw, mut warnings) = if is_ascii { ascii_values(data, format, path)? } else { binary_values(data) };
    let raw = fit_to_size(raw, size as usize, &mut warnings);
    let time_s = (0..raw.len()).map(|i| i as f64 / rate_hz).collect();
    let mut metadata = metadata(&header, format);
    metadata.extra.extend(warnings.into_iter().map(|w| ("warning".to_string(), w)));
    let channel = metadata.detector.clone().unwrap_or_else(|| "Ch1".to_string());
    let c = Chromatogram { time_s, signal: raw, signal_unit: RAW_UNIT.to_string(), channel, metadata };
    let data_at = header.data_at;
    let locate = |i: usize| {
        if is_ascii { Location::Field(format!("sample {}", i + 1)) } else { Location::Byte((data_at + 4 * i) as u64) }
    };
    Ok(vec![series::check(format, c, path, &locate)?])
}

fn corrupt(format: &'static str, path: &Path, at: Location, what: &str) -> IoError {
    IoError::Corrupt { format, at, what: what.to_string(), path: path.to_path_buf() }
}

fn header(bytes: &[u8], start: usize) -> Option<Header> {
    let key_at = start + memchr::memmem::find(&bytes[start..], LAST_HEADER_KEY)?;
    let line_end = key_at + memchr::memchr(b'\n', &bytes[key_at..])?;
    let text = decode(&bytes[start..line_end]);
    let fields = text
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix('<')?.split_once(">="))
        .map(|(k, v)| (k.trim().to_string(), v.trim_end_matches('\r').to_string()))
        .collect();
    Some(Header { fields, data_at: line_end + 1 })
}

fn field<'a>(header: &'a Header, key: &str) -> Option<&'a str> {
    header.fields.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
}

/// RATE as Hz: the number before "Hz" ("5Hz", "20 Hz", "2.5Hz"); must be positive and finite.
fn rate_hz(header: &Header) -> Option<f64> {
    let text = field(header, "RATE")?.trim();
    let number: String = text.chars().take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',').collect();
    let hz: f64 = number.replace(',', ".").parse().ok()?;
    (hz.is_finite() && hz > 0.0 && hz <= 1e6).then_some(hz)
}

/// The i32 LE values of a `.CHR` data part; a trailing partial value is dropped with a warning.
fn binary_values(data: &[u8]) -> (Vec<f64>, Vec<String>) {
    let values = data.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64).collect();
    let rest = data.len() % 4;
    let warnings = if rest == 0 { vec![] } else { vec![format!("{rest} trailing bytes (a partial value) ignored")] };
    (values, warnings)
}

/// The first value of each `v,v` line of an `.ASC`; a line whose two copies differ is counted in a warning.
fn ascii_values(data: &[u8], format: &'static str, path: &Path) -> Result<(Vec<f64>, Vec<String>), IoError> {
    let text = decode(data);
    let mut values = Vec::new();
    let mut differing = 0usize;
    for (i, line) in text.split('\n').map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        let mut parts = line.split(',').map(str::trim);
        let parse = |p: Option<&str>| p.and_then(|v| v.parse::<f64>().ok());
        let what = format!("sample {}: `{line}` is not a number", i + 1);
        let first = parse(parts.next())
            .ok_or_else(|| corrupt(format, path, Location::Field(format!("sample {}", i + 1)), &what))?;
        if parse(parts.next()).is_some_and(|second| second != first) {
            differing += 1;
        }
        values.push(first);
    }
    let warnings = if differing == 0 {
        vec![]
    } else {
        vec![format!("{differing} lines hold two different values: the first was read")]
    };
    Ok((values, warnings))
}

/// Cuts the values to SIZE, or warns how many are missing; never pads or stretches.
fn fit_to_size(mut values: Vec<f64>, size: usize, warnings: &mut Vec<String>) -> Vec<f64> {
    if values.len() < size {
        warnings
            .push(format!("{} of the {size} points SIZE declares are missing (file truncated?)", size - values.len()));
    } else if values.len() > size {
        warnings.push(format!("{} values after the {size} SIZE declares ignored", values.len() - size));
        values.truncate(size);
    }
    values
}

fn metadata(header: &Header, format: &str) -> Metadata {
    let get = |key: &str| field(header, key).map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
    let date = match (get("DATE"), get("TIME")) {
        (Some(d), Some(t)) => Some(civil_date(&d, &t).unwrap_or(format!("{d} {t}"))),
        (d, t) => d.or(t),
    };
    let mapped = ["DESCRIPTION", "SAMPLE", "DATE", "TIME", "RATE", "SIZE"];
    let mut extra: Vec<(String, String)> = header
        .fields
        .iter()
        .filter(|(k, v)| !v.trim().is_empty() && !mapped.iter().any(|m| k.eq_ignore_ascii_case(m)))
        .map(|(k, v)| (k.to_lowercase(), v.trim().to_string()))
        .collect();
    extra.push(("unit".to_string(), "not stated by the file: raw integers".to_string()));
    for key in ["RATE", "SIZE"] {
        if let Some(v) = get(key) {
            extra.push((key.to_lowercase(), v));
        }
    }
    Metadata {
        format: format.to_string(),
        sample_name: get("SAMPLE"),
        detector: get("DESCRIPTION"),
        acquisition_date: date,
        extra,
        ..Default::default()
    }
}

/// " 3- 5-2022" + "22: 7:15" → "2022-03-05 22:07:15".
fn civil_date(date: &str, time: &str) -> Option<String> {
    let numbers = |s: &str, sep: char| -> Option<Vec<u32>> { s.split(sep).map(|p| p.trim().parse().ok()).collect() };
    let (d, t) = (numbers(date, '-')?, numbers(time, ':')?);
    let [month, day, year] = <[u32; 3]>::try_from(d).ok()?;
    let [h, m, s] = <[u32; 3]>::try_from(t).ok()?;
    let valid = (1..=12).contains(&month) && (1..=31).contains(&day) && h < 24 && m < 60 && s < 61;
    valid.then(|| format!("{year:04}-{month:02}-{day:02} {h:02}:{m:02}:{s:02}"))
}

/// When a `.RES` with the same stem lies beside `path`, notes what it says (see the module docs).
pub fn attach_results(chromatograms: &mut [Chromatogram], path: &Path) {
    let res = ["RES", "res"].iter().map(|e| path.with_extension(e)).find(|p| p.is_file());
    let (Some(res), Some(c)) = (res, chromatograms.first_mut()) else { return };
    let Ok(bytes) = std::fs::read(&res) else { return };
    let note = results_note(&decode(strip_bom(&bytes)));
    let name = res.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    c.metadata.extra.push(("peak table".to_string(), format!("{name}: {note}")));
}

/// What a `.RES` text says, as a note.
fn results_note(text: &str) -> String {
    let rows: Vec<Vec<f64>> = text
        .lines()
        .filter(|l| l.trim_start().starts_with('"'))
        .map(|l| l.split(',').skip(1).filter_map(|v| v.trim().parse().ok()).collect())
        .collect();
    if rows.is_empty() {
        "no component rows".to_string()
    } else if rows.iter().flatten().all(|v| *v == 0.0) {
        format!("{} components listed, every value 0: no peaks identified", rows.len())
    } else {
        format!("{} components with values (columns not established: not read)", rows.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header_with_rate(rate: &str) -> Header {
        Header { fields: vec![("RATE".into(), rate.into())], data_at: 0 }
    }

    #[test]
    fn rates_read_the_whole_number() {
        for (text, hz) in [("5Hz", 5.0), ("10Hz", 10.0), ("20 Hz", 20.0), ("2.5Hz", 2.5), ("12,5 Hz", 12.5)] {
            assert_eq!(rate_hz(&header_with_rate(text)), Some(hz), "{text}");
        }
        for bad in ["Hz", "0Hz", "-5Hz", ""] {
            assert_eq!(rate_hz(&header_with_rate(bad)), None, "{bad}");
        }
    }

    #[test]
    fn dates_are_month_day_year() {
        assert_eq!(civil_date(" 3- 5-2022", "22: 7:15").as_deref(), Some("2022-03-05 22:07:15"));
        assert_eq!(civil_date("13- 5-2022", "22: 7:15"), None);
    }

    #[test]
    fn all_zero_results_are_no_peaks() {
        let zero = "x\r\r\n\"A\",0.000,0.0000,0.0000,\"\",0.0000\r\r\n\"B\",0.000,0.0000,0.0000,\"\",0.0000\r\r\n";
        assert!(results_note(zero).contains("no peaks identified"));
        assert!(results_note("\"A\",1.2,3,0,\"\",0").contains("not read"));
    }
}

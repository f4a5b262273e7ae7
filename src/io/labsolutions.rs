//! Shimadzu LabSolutions ASCII export (`.txt`): INI-like `[Section]` blocks of TAB-separated lines.
//!
//! | block | what Elute reads |
//! |---|---|
//! | `[Header]`, `[Sample Information]` | `Application Name`, `Sample Name`, `Acquired`, `Operator Name` |
//! | `[Peak Table(ChN)]` | `# of Peaks`, a header row (`Peak#`, `R.Time`, …, `Area`, `Height`, …, `Name`), one row per peak; R.Time in minutes |
//! | `[Chromatogram (ChN)]` | `Interval(msec)`, `# of Points`, start/end, the header `R.Time (min)\tIntensity`, then the rows |
//!
//! The rows carry their own times, rounded to 1e-5 min (the first at half an interval: 0.00033 min at 40 ms). When
//! every row lies within that rounding of `first row (to the ms) + i × Interval(msec)`, that exact axis is used (0.020
//! s + i × 0.040 s for the corpus file, the `.gcd`'s own axis); otherwise the rows as written. `# of Points` must match
//! the rows found, else the block is refused (a truncated export). The files state no unit: the `.gcd` they come from
//! says uV, this text does not, so the unit is left empty.

use std::path::Path;

use super::series::{self, check_count};
use super::text::{decode, numbered_lines};
use super::{IoError, Location};
use crate::chromatogram::{Chromatogram, Metadata, PeakTableEntry};

/// Format name used in errors and metadata.
pub const FORMAT: &str = "LabSolutions ASCII export";

/// True when a text starts with `[Header]` and names LabSolutions.
pub fn looks_like(head: &[u8]) -> bool {
    let head = super::text::strip_bom(head);
    head.starts_with(b"[Header]") && memchr::memmem::find(head, b"LabSolutions").is_some()
}

/// One `[Section]`: its name, first line number and its lines.
struct Section<'a> {
    name: &'a str,
    lines: Vec<(usize, &'a str)>,
}

/// Reads every `[Chromatogram (ChN)]` block, with the matching peak table. Errors: [`IoError::Corrupt`] at the
/// line of a value that is not a number or of a point count that does not match; [`IoError::NoData`] when there
/// is no chromatogram block.
pub fn read(bytes: &[u8], path: &Path) -> Result<Vec<Chromatogram>, IoError> {
    let text = decode(bytes);
    let sections = sections(&text);
    let value = |section: &str, key: &str| {
        sections.iter().filter(|s| s.name == section).flat_map(|s| s.lines.iter()).find_map(|(_, l)| {
            let (k, v) = l.split_once('\t')?;
            (k.trim() == key).then(|| v.trim().to_string()).filter(|v| !v.is_empty())
        })
    };
    let metadata = Metadata {
        format: FORMAT.to_string(),
        sample_name: value("[Sample Information]", "Sample Name"),
        acquisition_date: value("[Sample Information]", "Acquired"),
        extra: [
            ("software", value("[Header]", "Application Name")),
            ("operator", value("[Sample Information]", "Operator Name")),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_string(), v?)))
        .collect(),
        ..Default::default()
    };
    let mut out = Vec::new();
    for section in sections.iter().filter(|s| s.name.starts_with("[Chromatogram (")) {
        let channel = section.name.trim_start_matches("[Chromatogram (").trim_end_matches(")]").to_string();
        let mut c = chromatogram(section, &channel, metadata.clone(), path)?;
        let table = sections.iter().find(|s| s.name == format!("[Peak Table({channel})]"));
        if let Some(table) = table {
            c.metadata.peaks = peak_table(table, path)?;
        }
        out.push(c);
    }
    if out.is_empty() {
        return Err(IoError::NoData { format: FORMAT, path: path.to_path_buf() });
    }
    Ok(out)
}

fn sections(text: &str) -> Vec<Section<'_>> {
    let mut out: Vec<Section> = Vec::new();
    for (line, raw) in numbered_lines(text) {
        let trimmed = raw.trim_end_matches('\r');
        if trimmed.starts_with('[') && trimmed.trim_end().ends_with(']') {
            out.push(Section { name: trimmed.trim(), lines: Vec::new() });
        } else if let Some(s) = out.last_mut() {
            s.lines.push((line, trimmed));
        }
    }
    out
}

fn corrupt(path: &Path, line: usize, what: String) -> IoError {
    IoError::Corrupt { format: FORMAT, at: Location::Line(line), what, path: path.to_path_buf() }
}

fn chromatogram(section: &Section, channel: &str, metadata: Metadata, path: &Path) -> Result<Chromatogram, IoError> {
    let start = section.lines.first().map_or(0, |l| l.0);
    let header_at = section.lines.iter().position(|(_, l)| l.starts_with("R.Time"));
    let header_at = header_at.ok_or_else(|| corrupt(path, start, "no `R.Time (min)` header row".into()))?;
    let claimed = section.lines[..header_at].iter().find_map(|(line, l)| {
        let (k, v) = l.split_once('\t')?;
        (k.trim() == "# of Points").then(|| (*line, v.trim().parse::<u64>().ok()))
    });
    let (mut time_s, mut signal) = (Vec::new(), Vec::new());
    let mut rows = Vec::new();
    for &(line, l) in section.lines[header_at + 1..].iter().filter(|(_, l)| !l.trim().is_empty()) {
        let mut cells = l.split('\t').map(|c| c.trim().parse::<f64>());
        let (Some(Ok(t_min)), Some(Ok(y))) = (cells.next(), cells.next()) else {
            return Err(corrupt(path, line, format!("`{l}` is not a time and an intensity")));
        };
        time_s.push(t_min * 60.0);
        signal.push(y);
        rows.push(line);
        check_count(FORMAT, rows.len() as u64, Location::Line(line), path)?;
    }
    if let Some((line, count)) = claimed
        && count != Some(rows.len() as u64)
    {
        return Err(corrupt(path, line, format!("`# of Points` says {count:?}, the block has {} rows", rows.len())));
    }
    let interval_ms = section.lines[..header_at].iter().find_map(|(_, l)| {
        let (k, v) = l.split_once('\t')?;
        (k.trim() == "Interval(msec)").then(|| v.trim().parse::<f64>().ok()).flatten()
    });
    if let Some(regular) = interval_ms.and_then(|ms| regular_axis(&time_s, ms)) {
        time_s = regular;
    }
    let c = Chromatogram { time_s, signal, signal_unit: String::new(), channel: channel.to_string(), metadata };
    series::check(FORMAT, c, path, &|i| Location::Line(rows.get(i).copied().unwrap_or(start)))
}

/// Half the last digit of the rows' times: 0.000005 min, in seconds.
const ROW_ROUNDING_S: f64 = 0.5e-5 * 60.0;

/// The rows' times are rounded to 1e-5 min (0.6 ms): when every row lies within that rounding of
/// `t0 + i × interval`, with `t0` the first row to the whole millisecond, that exact axis is returned.
fn regular_axis(rows_s: &[f64], interval_ms: f64) -> Option<Vec<f64>> {
    let first_ms = (rows_s.first()? * 1000.0).round();
    if !(interval_ms.is_finite() && interval_ms > 0.0) {
        return None;
    }
    let axis: Vec<f64> = (0..rows_s.len()).map(|i| (first_ms + i as f64 * interval_ms) / 1000.0).collect();
    axis.iter().zip(rows_s).all(|(a, r)| (a - r).abs() <= ROW_ROUNDING_S + 1e-9).then_some(axis)
}

fn peak_table(section: &Section, path: &Path) -> Result<Vec<PeakTableEntry>, IoError> {
    let Some(header_at) = section.lines.iter().position(|(_, l)| l.starts_with("Peak#")) else { return Ok(Vec::new()) };
    let header: Vec<&str> = section.lines[header_at].1.split('\t').map(str::trim).collect();
    let column = |name: &str| header.iter().position(|h| *h == name);
    let (Some(rt), area, height, name) = (column("R.Time"), column("Area"), column("Height"), column("Name")) else {
        return Ok(Vec::new());
    };
    let mut peaks = Vec::new();
    for &(line, l) in section.lines[header_at + 1..].iter().filter(|(_, l)| !l.trim().is_empty()) {
        let cells: Vec<&str> = l.split('\t').collect();
        let number = |i: Option<usize>| i.and_then(|i| cells.get(i)).and_then(|c| c.trim().parse::<f64>().ok());
        let rt_min = number(Some(rt)).ok_or_else(|| corrupt(path, line, format!("no retention time in `{l}`")))?;
        if !(rt_min.is_finite() && rt_min >= 0.0) {
            return Err(corrupt(path, line, format!("retention time {rt_min}")));
        }
        let name = name.and_then(|i| cells.get(i)).map(|c| c.trim().to_string()).unwrap_or_default();
        let finite = |v: Option<f64>| v.filter(|v| v.is_finite());
        peaks.push(PeakTableEntry {
            name,
            retention_time_s: rt_min * 60.0,
            area: finite(number(area)),
            height: finite(number(height)),
        });
    }
    Ok(peaks)
}

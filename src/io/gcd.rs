//! Shimadzu GCsolution / LabSolutions `.gcd` runs (an OLE2 compound file, opened by [`super::ole`]).
//!
//! | stream | what Elute reads |
//! |---|---|
//! | `LSS Raw Data/Chromatogram ChN` | +0 `RC\0\0`, +4 i32 interval (ms), +8 i32 point count n, +12 (not the length: ignored), +24 n × f64 signal; empty streams (unused channels) are skipped |
//! | `LSS Raw Data/2D Data Item` | 2 bytes (02 00), then latin-1 XML, doubles as 16 hex digits of their LE bytes: `<Rate>` (ms), `<DLT>` delay (ms), `<AT>` run length (ms), unit `US ID=DUS` of `Axis ID="0"`, detector `<DSN>`, data-source id `<DSID>` |
//! | `LSS Data Processing/PT-<DSID>` | peak table, "VER1" layout only: +4 i32 rows, rows from +20 of (length − 20)/rows bytes; in a row +4 i32 R.Time (ms), +8 f64 area, +24 f64 height |
//!
//! **Time axis.** Point i is at `DLT + i × interval` (ms). LabSolutions' own ASCII export of the corpus run puts its
//! first row at half an interval (0.00033 min at 40 ms), which is its DLT (20 ms): this convention reproduces that
//! export to its 5-decimal rounding and uses the file's own delay field rather than a fixed half-interval. When the
//! 2D Data Item is missing or unreadable, the delay falls back to half an interval and a note says so.
//!
//! A peak table in another layout (an older "V0" exists) or one that does not add up is skipped with a note in the
//! metadata; the chromatogram is still read.

use std::path::Path;

use super::ole::{self, Ole};
use super::series::{self, check_count};
use super::text::decode;
use super::{IoError, Location};
use crate::chromatogram::{Chromatogram, Metadata, PeakTableEntry};

/// Format name used in errors and metadata.
pub const FORMAT: &str = "Shimadzu GCsolution .gcd";

const RAW_STORAGE: &str = "LSS Raw Data";
const DATA_ITEM: &str = "LSS Raw Data/2D Data Item";
const SIGNAL_HEADER_BYTES: usize = 24;
const PEAK_HEADER_BYTES: usize = 20;
/// Smallest peak-table row that holds the fields read (height ends at +32).
const MIN_PEAK_ROW_BYTES: usize = 32;

/// True when an opened compound file has the LabSolutions raw-data streams.
pub fn looks_like(file: &Ole) -> bool {
    file.has_stream("LSS Raw Data/Chromatogram Ch1")
}

/// What the 2D Data Item says about a channel.
#[derive(Default)]
struct DataItem {
    rate_ms: Option<f64>,
    delay_ms: Option<f64>,
    run_length_ms: Option<f64>,
    unit: Option<String>,
    detector: Option<String>,
    source_id: Option<String>,
}

/// Reads every non-empty channel. Errors: [`IoError::Corrupt`] naming the stream for a bad header, a point
/// count the stream does not hold (truncation) or a bad interval; [`IoError::TooLarge`] past
/// [`super::MAX_POINTS`]; [`IoError::NonFinite`] at the byte of a NaN/infinite value; [`IoError::NoData`] when
/// no channel has data.
pub fn read(bytes: &[u8], path: &Path) -> Result<Vec<Chromatogram>, IoError> {
    let mut file = Ole::open(bytes, FORMAT, path)?;
    let mut channels: Vec<(u32, String)> = file
        .stream_paths()
        .into_iter()
        .filter(|(_, len)| *len > 0)
        .filter_map(|(p, _)| channel_number(&p).map(|n| (n, p)))
        .collect();
    channels.sort();
    let (item, item_note) = match file.stream(DATA_ITEM) {
        Ok(xml) => match parse_data_item(&decode(&xml)) {
            Some(item) => (item, None),
            None => (DataItem::default(), Some(format!("`{DATA_ITEM}` is not readable XML"))),
        },
        Err(_) => (DataItem::default(), Some(format!("`{DATA_ITEM}` is missing"))),
    };
    let mut out = Vec::new();
    for (number, stream_path) in channels {
        let stream = file.stream(&stream_path)?;
        let mut c = read_channel(&stream, &stream_path, &item, &file, path)?;
        c.channel = format!("Ch{number}");
        c.metadata.extra.extend(item_note.iter().map(|n| ("note".to_string(), n.clone())));
        if number == 1 {
            attach_peaks(&mut file, &item, &mut c.metadata);
        }
        out.push(c);
    }
    if out.is_empty() {
        return Err(IoError::NoData { format: FORMAT, path: path.to_path_buf() });
    }
    Ok(out)
}

/// "LSS Raw Data/Chromatogram Ch3" → 3.
fn channel_number(stream_path: &str) -> Option<u32> {
    let rest = stream_path.strip_prefix(RAW_STORAGE)?.strip_prefix('/')?.strip_prefix("Chromatogram Ch")?;
    rest.parse().ok()
}

fn read_channel(
    stream: &[u8],
    stream_path: &str,
    item: &DataItem,
    file: &Ole,
    path: &Path,
) -> Result<Chromatogram, IoError> {
    let field = |what: String| file.corrupt(Location::Field(stream_path.to_string()), what);
    if !stream.starts_with(b"RC") || stream.len() < SIGNAL_HEADER_BYTES {
        return Err(field(format!("not a LabSolutions signal header ({} bytes)", stream.len())));
    }
    let interval_ms = ole::i32_le(stream, 4).unwrap_or(0);
    let count = ole::i32_le(stream, 8).unwrap_or(-1);
    if interval_ms <= 0 {
        return Err(field(format!("sampling interval {interval_ms} ms at +4")));
    }
    if count < 0 {
        return Err(field(format!("point count {count} at +8")));
    }
    check_count(FORMAT, count as u64, Location::Field(stream_path.to_string()), path)?;
    let held = (stream.len() - SIGNAL_HEADER_BYTES) / 8;
    if held < count as usize {
        return Err(field(format!("the header claims {count} points, the stream holds {held}")));
    }
    let count = count as usize;
    let signal: Vec<f64> = stream[SIGNAL_HEADER_BYTES..SIGNAL_HEADER_BYTES + 8 * count]
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
        .collect();
    let interval = interval_ms as f64;
    let delay_ms = item.delay_ms.filter(|d| d.is_finite()).unwrap_or(interval / 2.0);
    let time_s = (0..count).map(|i| (delay_ms + i as f64 * interval) / 1000.0).collect();
    let mut metadata = Metadata {
        format: FORMAT.to_string(),
        detector: item.detector.clone(),
        extra: vec![
            ("sampling interval (ms)".to_string(), interval_ms.to_string()),
            ("delay DLT (ms)".to_string(), delay_ms.to_string()),
            ("time axis".to_string(), "point i at DLT + i × interval (LabSolutions' export)".to_string()),
        ],
        ..Default::default()
    };
    if let Some(at) = item.run_length_ms {
        metadata.extra.push(("run length AT (min)".to_string(), format!("{:.3}", at / 60_000.0)));
    }
    if let Some(rate) = item.rate_ms.filter(|r| *r != interval) {
        let note = format!("2D Data Item rate {rate} ms differs from the stream's {interval_ms} ms: stream used");
        metadata.extra.push(("warning".to_string(), note));
    }
    let extra_bytes = stream.len() - SIGNAL_HEADER_BYTES - 8 * count;
    if extra_bytes > 0 {
        metadata.extra.push(("warning".to_string(), format!("{extra_bytes} bytes after the last point ignored")));
    }
    let c = Chromatogram {
        time_s,
        signal,
        signal_unit: item.unit.clone().unwrap_or_default(),
        channel: String::new(),
        metadata,
    };
    let locate = |i: usize| Location::Field(format!("{stream_path} +{}", SIGNAL_HEADER_BYTES + 8 * i));
    series::check(FORMAT, c, path, &locate)
}

/// A double written as the 16 hex digits of its little-endian bytes ("000000000000F03F" = 1.0).
fn hex_f64(text: &str) -> Option<f64> {
    let text = text.trim();
    if text.len() != 16 || !text.is_ascii() {
        return None;
    }
    let mut le = [0u8; 8];
    for (i, byte) in le.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(f64::from_le_bytes(le))
}

/// The XML starts after a 2-byte prefix (02 00 in the corpus file) and may end with NUL or blank padding.
fn parse_data_item(xml: &str) -> Option<DataItem> {
    let xml = &xml[xml.find('<')?..];
    let doc = roxmltree::Document::parse(xml.trim_end_matches(['\0', ' ', '\r', '\n'])).ok()?;
    let dii = doc.descendants().find(|n| n.has_tag_name("DII"))?;
    let child_text = |name: &str| {
        dii.children().find(|n| n.has_tag_name(name)).and_then(|n| n.text()).map(str::trim).map(str::to_string)
    };
    let unit = dii.descendants().find(|n| n.has_tag_name("Axis") && n.attribute("ID") == Some("0")).and_then(|axis| {
        let selected = axis.attribute("DUS")?;
        let us = axis.children().find(|n| n.has_tag_name("US") && n.attribute("ID") == Some(selected))?;
        us.children().find(|n| n.has_tag_name("Unit"))?.text().map(|t| t.trim().to_string())
    });
    Some(DataItem {
        rate_ms: child_text("Rate").and_then(|r| r.parse().ok()),
        delay_ms: child_text("DLT").as_deref().and_then(hex_f64),
        run_length_ms: child_text("AT").as_deref().and_then(hex_f64),
        unit,
        detector: child_text("DSN").filter(|s| !s.is_empty()),
        source_id: child_text("DSID").filter(|s| !s.is_empty()),
    })
}

/// Puts the channel's peak table into `metadata.peaks`, or a note saying why there is none.
fn attach_peaks(file: &mut Ole, item: &DataItem, metadata: &mut Metadata) {
    let source = item.source_id.as_deref().unwrap_or("GC.1.1.DET.1.DetCh");
    let stream_path = format!("LSS Data Processing/PT-{source}");
    if !file.has_stream(&stream_path) {
        return;
    }
    let result = file.stream(&stream_path).map_err(|e| e.to_string()).and_then(|s| parse_peak_table(&s));
    match result {
        Ok(peaks) => metadata.peaks = peaks,
        Err(why) => metadata.extra.push(("note".to_string(), format!("peak table `{stream_path}` skipped: {why}"))),
    }
}

/// The "VER1" peak table; any other layout, or one whose rows do not fill the stream, is an `Err` note.
fn parse_peak_table(stream: &[u8]) -> Result<Vec<PeakTableEntry>, String> {
    if !stream.starts_with(b"VER1") {
        return Err("not the VER1 layout (an older layout Elute does not read)".to_string());
    }
    let rows = ole::i32_le(stream, 4).ok_or("no row count")?;
    if rows <= 0 {
        return Ok(Vec::new());
    }
    let rows = rows as usize;
    let body = stream.len().saturating_sub(PEAK_HEADER_BYTES);
    if !body.is_multiple_of(rows) || body / rows < MIN_PEAK_ROW_BYTES {
        return Err(format!("{rows} rows do not fill {body} bytes"));
    }
    let row_bytes = body / rows;
    (0..rows)
        .map(|r| {
            let at = PEAK_HEADER_BYTES + r * row_bytes;
            let rt_ms = ole::i32_le(stream, at + 4).ok_or("short row")?;
            let area = ole::f64_le(stream, at + 8).ok_or("short row")?;
            let height = ole::f64_le(stream, at + 24).ok_or("short row")?;
            if !(area.is_finite() && height.is_finite()) || rt_ms < 0 {
                return Err(format!("row {} has a bad value", r + 1));
            }
            let retention_time_s = rt_ms as f64 / 1000.0;
            Ok(PeakTableEntry { name: String::new(), retention_time_s, area: Some(area), height: Some(height) })
        })
        .collect()
}

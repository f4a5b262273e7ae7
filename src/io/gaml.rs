//! GAML (Generalized Analytical Markup Language) XML, as PerkinElmer TotalChrom/Turbochrom and others export.
//!
//! `<GAML>` → `<experiment>` → `<trace>` → `<Xdata units=...>` → `<values format=... byteorder=... numvalues=...>`
//! (base64 of little-endian `INTEL` or big-endian `MOTOROLA` FLOAT64/FLOAT32/INT32) and one or more `<Ydata>`
//! with their own `<values>` and an optional `<peaktable>` of `<peak name=...>` entries. Each `<Ydata>` becomes
//! one chromatogram.
//!
//! Peak retention times are the standard `<peakXvalue>` (the apex on the file's own X axis, so markers line up
//! with the trace), falling back to Turbochrom's `PK_RET_TIME` (seconds) when absent. Areas and heights come
//! from `PK_AREA` / `PK_HEIGHT`. Note: in the PerkinElmer example the X axis spans the method's 122.0 min run
//! time, 0.6 % longer than the 2912 samples at 0.4 Hz actually took, so `PK_RET_TIME` (on the 2.5 s clock)
//! sits about 18 s earlier than `peakXvalue` late in the run; the file is reported as written.

use std::path::Path;

use base64::Engine;
use roxmltree::{Document, Node, ParsingOptions};

use super::series::{self, check_count};
use super::text::decode;
use super::{IoError, Location};
use crate::chromatogram::{Chromatogram, Metadata, PeakTableEntry, TimeUnit};

/// Format name used in errors and metadata.
pub const FORMAT: &str = "GAML XML";

/// True when the start of an XML file has a `<GAML` root element.
pub fn looks_like(head: &[u8]) -> bool {
    head.windows(5).any(|w| w == b"<GAML")
}

/// Reads every `<Ydata>` of every trace. Errors: [`IoError::Corrupt`] for malformed XML (with its line), bad
/// base64, a byte count that does not match `numvalues`, an unknown number format or X and Y of different
/// lengths; [`IoError::TooLarge`] for `numvalues` above [`super::MAX_POINTS`] (checked before decoding);
/// [`IoError::NoData`] without any trace; [`IoError::NonFinite`], [`IoError::NotMonotonic`].
pub fn read(bytes: &[u8], path: &Path) -> Result<Vec<Chromatogram>, IoError> {
    let corrupt = |at: Location, what: String| IoError::Corrupt { format: FORMAT, at, what, path: path.into() };
    let text = decode(bytes);
    let options = ParsingOptions { allow_dtd: false, ..Default::default() };
    let doc = Document::parse_with_options(&text, options)
        .map_err(|e| corrupt(Location::Line(e.pos().row as usize), e.to_string()))?;
    let root = doc.root_element();
    if root.tag_name().name() != "GAML" {
        return Err(corrupt(Location::Field(root.tag_name().name().into()), "root element is not <GAML>".into()));
    }
    let mut out = Vec::new();
    for experiment in children(root, "experiment") {
        let base = Metadata {
            format: FORMAT.to_string(),
            sample_name: experiment.attribute("name").or(root.attribute("name")).map(str::to_string),
            acquisition_date: children(experiment, "collectdate").next().and_then(|n| n.text()).map(trimmed),
            ..Default::default()
        };
        for trace in children(experiment, "trace") {
            let mut metadata = base.clone();
            let instrument = parameter(trace, "IN_INST_NAME").filter(|v| !v.eq_ignore_ascii_case("unknown"));
            metadata.instrument = instrument.or_else(|| parameter(trace, "IN_IPM_NAME"));
            if let Some(technique) = trace.attribute("technique") {
                metadata.extra.push(("technique".into(), technique.into()));
            }
            let trace_name = trace.attribute("name").unwrap_or("trace").to_string();
            for xdata in children(trace, "Xdata") {
                let seconds_per_unit = x_unit_seconds(xdata.attribute("units"), &mut metadata);
                let x = values(xdata, path)?;
                let time_s: Vec<f64> = x.iter().map(|v| v * seconds_per_unit).collect();
                let ydatas: Vec<Node> = children(xdata, "Ydata").collect();
                for (k, ydata) in ydatas.iter().enumerate() {
                    let signal = values(*ydata, path)?;
                    let line = doc.text_pos_at(ydata.range().start).row as usize;
                    if signal.len() != time_s.len() {
                        let what = format!("{} X values but {} Y values", time_s.len(), signal.len());
                        return Err(corrupt(Location::Line(line), what));
                    }
                    let mut md = metadata.clone();
                    md.peaks = peak_table(*ydata, seconds_per_unit);
                    let unit = ydata.attribute("units").filter(|u| !u.eq_ignore_ascii_case("unknown"));
                    let channel = match (ydatas.len(), ydata.attribute("label")) {
                        (1, _) => trace_name.clone(),
                        (_, Some(label)) => format!("{trace_name} {label}"),
                        (_, None) => format!("{trace_name} {}", k + 1),
                    };
                    let c = Chromatogram {
                        time_s: time_s.clone(),
                        signal,
                        signal_unit: unit.unwrap_or("").to_string(),
                        channel,
                        metadata: md,
                    };
                    out.push(series::check(FORMAT, c, path, &|i| Location::Field(format!("values[{i}]")))?);
                }
            }
        }
    }
    if out.is_empty() {
        return Err(IoError::NoData { format: FORMAT, path: path.into() });
    }
    Ok(out)
}

fn children<'a, 'i>(node: Node<'a, 'i>, name: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(move |n| n.is_element() && n.tag_name().name() == name)
}

fn trimmed(s: &str) -> String {
    s.trim().to_string()
}

/// Text of the direct `<parameter name="...">` child, if present and not empty.
fn parameter(node: Node, name: &str) -> Option<String> {
    children(node, "parameter")
        .find(|p| p.attribute("name") == Some(name))
        .and_then(|p| p.text())
        .map(trimmed)
        .filter(|v| !v.is_empty())
}

/// Seconds per X unit; records an unknown unit (taken as minutes, GAML's usual chromatogram axis).
fn x_unit_seconds(units: Option<&str>, metadata: &mut Metadata) -> f64 {
    let (seconds, shown) = match units.map(str::to_ascii_uppercase).as_deref() {
        Some("SECONDS") => (1.0, TimeUnit::Seconds),
        Some("MILLISECONDS") => (1e-3, TimeUnit::Milliseconds),
        Some("HOURS") => (3600.0, TimeUnit::Minutes),
        Some("MINUTES") => (60.0, TimeUnit::Minutes),
        other => {
            let unit = other.unwrap_or("none");
            metadata.extra.push(("time unit".into(), format!("min (assumed: X units {unit})")));
            (60.0, TimeUnit::Minutes)
        }
    };
    metadata.time_unit = Some(shown);
    seconds
}

/// Decodes the `<values>` child of an `<Xdata>` or `<Ydata>`.
fn values(parent: Node, path: &Path) -> Result<Vec<f64>, IoError> {
    let doc_line = |n: Node| n.document().text_pos_at(n.range().start).row as usize;
    let corrupt = |n: Node, what: String| IoError::Corrupt {
        format: FORMAT,
        at: Location::Line(doc_line(n)),
        what,
        path: path.into(),
    };
    let node = children(parent, "values").next().ok_or_else(|| corrupt(parent, "no <values> element".into()))?;
    let width = match node.attribute("format").map(str::to_ascii_uppercase).as_deref() {
        Some("FLOAT64") => 8,
        Some("FLOAT32") | Some("INT32") => 4,
        other => return Err(corrupt(node, format!("unknown number format {other:?}"))),
    };
    let float = node.attribute("format").is_some_and(|f| f.to_ascii_uppercase().starts_with("FLOAT"));
    let big_endian = node.attribute("byteorder").is_some_and(|b| b.eq_ignore_ascii_case("MOTOROLA"));
    let text: String = node.text().unwrap_or("").chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if let Some(n) = node.attribute("numvalues") {
        let n: u64 = n.trim().parse().map_err(|_| corrupt(node, format!("numvalues `{n}` is not a count")))?;
        check_count(FORMAT, n, Location::Line(doc_line(node)), path)?;
        let expected = (n as usize) * width;
        let decoded_len = text.len() / 4 * 3;
        if decoded_len < expected || decoded_len > expected + 2 {
            return Err(corrupt(node, format!("{n} values need {expected} bytes, base64 holds about {decoded_len}")));
        }
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(text.as_bytes())
        .map_err(|e| corrupt(node, format!("bad base64: {e}")))?;
    if raw.len() % width != 0 {
        return Err(corrupt(node, format!("{} bytes is not a whole number of {width}-byte values", raw.len())));
    }
    Ok(raw
        .chunks_exact(width)
        .map(|b| match (width, float, big_endian) {
            (8, _, false) => f64::from_le_bytes(b.try_into().unwrap_or([0; 8])),
            (8, _, true) => f64::from_be_bytes(b.try_into().unwrap_or([0; 8])),
            (_, true, false) => f32::from_le_bytes(b.try_into().unwrap_or([0; 4])) as f64,
            (_, true, true) => f32::from_be_bytes(b.try_into().unwrap_or([0; 4])) as f64,
            (_, false, false) => i32::from_le_bytes(b.try_into().unwrap_or([0; 4])) as f64,
            (_, false, true) => i32::from_be_bytes(b.try_into().unwrap_or([0; 4])) as f64,
        })
        .collect())
}

/// The `<peaktable>` under a `<Ydata>`: name, apex time (seconds), area and height.
fn peak_table(ydata: Node, seconds_per_unit: f64) -> Vec<PeakTableEntry> {
    let number = |p: Node, tag: &'static str| children(p, tag).next()?.text()?.trim().parse::<f64>().ok();
    let param = |p: Node, name: &str| parameter(p, name)?.parse::<f64>().ok().filter(|v| v.is_finite());
    children(ydata, "peaktable")
        .flat_map(|t| children(t, "peak"))
        .filter_map(|p| {
            let rt = number(p, "peakXvalue")
                .map(|x| x * seconds_per_unit)
                .or_else(|| param(p, "PK_RET_TIME"))
                .filter(|t| t.is_finite())?;
            let name = p.attribute("name").map(str::to_string).or_else(|| parameter(p, "PK_NAME")).unwrap_or_default();
            Some(PeakTableEntry {
                name,
                retention_time_s: rt,
                area: param(p, "PK_AREA"),
                height: param(p, "PK_HEIGHT").or_else(|| number(p, "peakYvalue")),
            })
        })
        .collect()
}

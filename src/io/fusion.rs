//! INFICON Fusion micro-GC run files (`.fusion-data`, JSON).
//!
//! `detectors` holds one entry per module (`moduleA:tcd`, `moduleB:tcd`): integer `values` sampled at
//! `nValuesPerSecond` from the start of the run (time of sample `i` is `i / rate` seconds), and under
//! `analysis.peaks` the instrument's integration: `top`, `start`, `end` in seconds, `area`, `height`, and a
//! `label` for identified compounds. Each module becomes one channel with its peaks in the metadata.

use std::path::Path;

use serde_json::Value;

use super::series::{self, check_count};
use super::{IoError, Location};
use crate::chromatogram::{Chromatogram, Metadata, PeakTableEntry};

/// Format name used in errors and metadata.
pub const FORMAT: &str = "INFICON Fusion JSON";

/// True when the bytes look like a Fusion run: a JSON object with `"detectors"` and `"runTimeStamp"` keys.
pub fn looks_like(bytes: &[u8]) -> bool {
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    has(b"\"detectors\"") && has(b"\"runTimeStamp\"")
}

/// Reads every detector module as one channel. Errors: [`IoError::Corrupt`] for invalid JSON (with its line)
/// or a missing/ill-typed field (named), [`IoError::NoData`] without detectors, [`IoError::TooLarge`] when
/// `nValuesExpected` exceeds [`super::MAX_POINTS`], [`IoError::NonFinite`] for non-finite values.
pub fn read(bytes: &[u8], path: &Path) -> Result<Vec<Chromatogram>, IoError> {
    let corrupt = |at: Location, what: String| IoError::Corrupt { format: FORMAT, at, what, path: path.into() };
    let root: Value = serde_json::from_slice(super::text::strip_bom(bytes))
        .map_err(|e| corrupt(Location::Line(e.line()), format!("invalid JSON: {e}")))?;
    let detectors = root
        .get("detectors")
        .and_then(Value::as_object)
        .ok_or_else(|| corrupt(Location::Field("detectors".into()), "missing or not an object".into()))?;
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    let mut base = Metadata {
        format: FORMAT.to_string(),
        sample_name: text(root.pointer("/annotations/name")),
        instrument: text(root.pointer("/systemConfiguration/systemInfo/systemPartNumber"))
            .map(|pn| format!("INFICON Fusion {pn}")),
        acquisition_date: text(root.get("runTimeStamp")),
        ..Default::default()
    };
    for (key, pointer) in [
        ("method", "/methodName"),
        ("serial number", "/systemConfiguration/systemInfo/systemSerialNumber"),
        ("software", "/softwareVersion/version"),
        ("valve position", "/annotations/valcoPositionName"),
    ] {
        if let Some(v) = text(root.pointer(pointer)) {
            base.extra.push((key.to_string(), v));
        }
    }

    let mut out = Vec::new();
    for (name, det) in detectors {
        let field = |f: &str| Location::Field(format!("detectors/{name}/{f}"));
        if let Some(expected) = det.get("nValuesExpected").and_then(Value::as_u64) {
            check_count(FORMAT, expected, field("nValuesExpected"), path)?;
        }
        let rate_hz = det.get("nValuesPerSecond").and_then(Value::as_f64).unwrap_or(f64::NAN);
        if !(rate_hz.is_finite() && rate_hz > 0.0) {
            return Err(corrupt(field("nValuesPerSecond"), "missing or not a positive rate".into()));
        }
        let values = det
            .get("values")
            .and_then(Value::as_array)
            .ok_or_else(|| corrupt(field("values"), "missing or not an array".into()))?;
        check_count(FORMAT, values.len() as u64, field("values"), path)?;
        let signal = values
            .iter()
            .enumerate()
            .map(|(i, v)| v.as_f64().ok_or_else(|| corrupt(field(&format!("values[{i}]")), "not a number".into())))
            .collect::<Result<Vec<f64>, IoError>>()?;
        let time_s = (0..signal.len()).map(|i| i as f64 / rate_hz).collect();
        let module = name.split(':').next().unwrap_or(name);
        let mut metadata = base.clone();
        let detector = name.split(':').nth(1).unwrap_or("tcd").to_ascii_uppercase();
        metadata.detector = Some(match text(det.get("carrierGas")) {
            Some(gas) => format!("{detector}, {gas} carrier"),
            None => detector,
        });
        metadata.peaks = peaks(det);
        let c = Chromatogram { time_s, signal, signal_unit: "counts".into(), channel: module_name(module), metadata };
        out.push(series::check(FORMAT, c, path, &|i| field(&format!("values[{i}]")))?);
    }
    if out.is_empty() {
        return Err(IoError::NoData { format: FORMAT, path: path.into() });
    }
    Ok(out)
}

/// `moduleA` → `Module A`.
fn module_name(module: &str) -> String {
    match module.strip_prefix("module") {
        Some(letter) if !letter.is_empty() => format!("Module {letter}"),
        _ => module.to_string(),
    }
}

/// The instrument's peak table; entries without a finite `top` are skipped.
fn peaks(det: &Value) -> Vec<PeakTableEntry> {
    let Some(list) = det.pointer("/analysis/peaks").and_then(Value::as_array) else { return Vec::new() };
    list.iter()
        .filter_map(|p| {
            let top = p.get("top").and_then(Value::as_f64).filter(|t| t.is_finite())?;
            Some(PeakTableEntry {
                name: p.get("label").and_then(Value::as_str).unwrap_or("").to_string(),
                retention_time_s: top,
                area: p.get("area").and_then(Value::as_f64),
                height: p.get("height").and_then(Value::as_f64),
            })
        })
        .collect()
}

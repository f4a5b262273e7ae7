//! Agilent ChemStation / OpenLab `.ch` detector traces (GC-FID and similar single-channel signals).
//!
//! Three layouts are read, all sniffed from the version string at byte 0 (a Pascal string: length byte + ASCII):
//!
//! | version | header | data | time axis |
//! |---|---|---|---|
//! | `179` | 6144 bytes | little-endian `f64` per point, to the end of the file | `n` points from start to end |
//! | `181` | `(u32 @264 − 1) × 512` bytes | big-endian "double delta" `i16` stream | `n` points from start to end |
//! | `81` (old) | `(u32 @264 − 1) × 512` bytes | same double-delta stream | `n` intervals from start to end |
//!
//! In every version the run start and end times are big-endian `f32` milliseconds at bytes 282 and 286, and the
//! raw values are multiplied by a big-endian `f64` scaling factor and offset by an intercept (179/181: bytes 4732 and
//! 4724; 81: bytes 644 and 636). 179 files exist in a "4-byte" (Asterix ChemStation) and an "8-byte" (Mustang,
//! OpenLab) flavour; both store one little-endian `f64` per point (the 4-byte flavour's values simply have a zero
//! low word), so one decoder reads both.
//!
//! The end-time convention differs: in 179/181 files the end field is the time of the last point, so the step is
//! `(end − start)/(n − 1)` (exactly 50.000 ms and 200.000 ms on the corpus files); in the old 81 file it is the end
//! of the last sampling interval, so the step is `(end − start)/n` (exactly 200.000 ms there, against 200.074 ms for
//! the other convention).

use std::path::Path;

use crate::chromatogram::{Chromatogram, Metadata};
use crate::io::{IoError, Location, MAX_POINTS};

mod decode;
mod header;
mod span;

use header::Layout;

/// Format name used in errors.
const FORMAT: &str = "ChemStation .ch";

/// True when `bytes` start with a ChemStation `.ch` version string this module reads (8, 81, 179, 181) or
/// recognises and rejects with a clear error (30, 130, 131: UV/DAD traces).
pub fn looks_like(bytes: &[u8]) -> bool {
    header::version(bytes).is_some()
}

/// Reads one ChemStation `.ch` file into a single [`Chromatogram`] (time in seconds, signal in the file's unit,
/// usually pA for an FID).
///
/// Errors (`path` names the file in each): [`IoError::Corrupt`] with the byte offset for a short header, bad
/// header fields, a truncated data stream or an unsupported version; [`IoError::TooLarge`] when the data would
/// exceed [`MAX_POINTS`] points (checked before allocating); [`IoError::NonFinite`] for NaN/infinite values,
/// scaling factors or times; [`IoError::NotMonotonic`] when the header's end time is not after its start time;
/// [`IoError::NoData`] when the file holds no points.
pub fn read(bytes: &[u8], path: &Path) -> Result<Vec<Chromatogram>, IoError> {
    read_with(bytes, path, EndTime::LastPoint)
}

/// What the header's end time marks, which decides the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndTime {
    /// A stand-alone `.ch` file: the time of the last point (179/181) or the end of its interval (81); the
    /// 8-byte v179 point count is used when present. See [`span`].
    LastPoint,
    /// An OpenLab CDS `.dx` member: the run's stop time, a whole number of steps from time 0 (300000 ms = 750 ×
    /// 400 ms on the corpus file, whose first point is at 62.5 ms); byte 278 is no point count there (it holds 22).
    RunEnd,
}

/// [`read`] with the end-time convention of the container the bytes came from (`path` names them in errors).
pub fn read_with(bytes: &[u8], path: &Path, end_time: EndTime) -> Result<Vec<Chromatogram>, IoError> {
    let err = Errors { path };
    let version = header::version(bytes).ok_or_else(|| err.corrupt(0, "no ChemStation version string"))?;
    let layout = header::layout(version, bytes, &err)?;

    let raw = match layout.encoding {
        header::Encoding::LittleEndianF64 => decode::f64_le(bytes, layout.data_offset, &err)?,
        header::Encoding::DoubleDelta => decode::double_delta(bytes, layout.data_offset, &err)?,
    };
    if raw.is_empty() {
        return Err(IoError::NoData { format: FORMAT, path: path.to_path_buf() });
    }
    let signal = scale(&raw, &layout, &err)?;
    let header_count = eight_byte_point_count(bytes, &layout);
    let (time_s, warning) = if signal.len() == 1 {
        (vec![layout.start_ms / 1000.0], None)
    } else {
        let sampling = match end_time {
            EndTime::LastPoint => span::sampling(&layout, signal.len(), header_count, &err)?,
            EndTime::RunEnd => span::sampling_to_run_end(&layout, signal.len(), &err)?,
        };
        (time_axis(&layout, sampling.step_ms, signal.len(), &err)?, sampling.warning)
    };

    let meta = header::metadata(bytes, &layout);
    let channel = match meta.signal.as_deref() {
        Some(s) if !s.is_empty() => s.to_string(),
        _ => channel_from_file_name(path),
    };
    let mut extra = vec![
        ("ChemStation file version".to_string(), version.to_string()),
        ("scaling factor".to_string(), layout.scale.to_string()),
    ];
    if let Some(warning) = warning {
        extra.push(("warning".to_string(), warning));
    }
    if layout.intercept != 0.0 {
        extra.push(("intercept".to_string(), layout.intercept.to_string()));
    }
    for (key, value) in [("method", &meta.method), ("operator", &meta.operator), ("software", &meta.software)] {
        if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
            extra.push((key.to_string(), v.clone()));
        }
    }
    let metadata = Metadata {
        format: format!("ChemStation .ch v{version}"),
        sample_name: meta.sample_name.filter(|s| !s.is_empty()),
        instrument: meta.instrument.filter(|s| !s.is_empty()),
        detector: detector_kind(&channel, path),
        acquisition_date: meta.date.filter(|s| !s.is_empty()),
        peaks: Vec::new(),
        extra,
        time_unit: None, // the format's: ChemStation shows minutes
    };
    let chromatogram = Chromatogram { time_s, signal, signal_unit: meta.unit.unwrap_or_default(), channel, metadata };
    let point_size = if layout.encoding == header::Encoding::LittleEndianF64 { 8 } else { 0 };
    let locate = |i: usize| Location::Byte((layout.data_offset + i * point_size) as u64);
    Ok(vec![crate::io::series::check(FORMAT, chromatogram, path, &locate)?])
}

/// Channel name when the header has none: the part of the file name that starts with a detector type
/// ("…_FID1A_blank.ch" → "FID1A"), else the whole file stem.
fn channel_from_file_name(path: &Path) -> String {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    stem.split(['_', '-', ' ', '.'])
        .find(|part| DETECTOR_KINDS.iter().any(|k| part.to_uppercase().starts_with(k)))
        .map(str::to_string)
        .unwrap_or(stem)
}

/// Detector types recognised in signal descriptions and file names.
const DETECTOR_KINDS: [&str; 8] = ["FID", "TCD", "ECD", "NPD", "FPD", "DAD", "MWD", "VWD"];

/// The detector type named in the signal description or the file name ("FID1A.ch" → "FID"); the header has no
/// dedicated field.
fn detector_kind(channel: &str, path: &Path) -> Option<String> {
    let name = path.file_name().map(|s| s.to_string_lossy().to_uppercase()).unwrap_or_default();
    let channel = channel.to_uppercase();
    DETECTOR_KINDS.into_iter().find(|k| channel.contains(k) || name.contains(k)).map(str::to_string)
}

/// Applies the header's scaling factor and intercept; every result must be finite.
fn scale(raw: &[f64], layout: &Layout, err: &Errors) -> Result<Vec<f64>, IoError> {
    let point_size = match layout.encoding {
        header::Encoding::LittleEndianF64 => 8,
        header::Encoding::DoubleDelta => 0,
    };
    raw.iter()
        .enumerate()
        .map(|(i, &v)| {
            let y = v * layout.scale + layout.intercept;
            if y.is_finite() {
                Ok(y)
            } else {
                // For fixed-size records the offending byte is known; for the delta stream point to the data start.
                Err(err.non_finite(layout.data_offset as u64 + (i as u64) * point_size))
            }
        })
        .collect()
}

/// The 8-byte v179 flavour's point count (byte 278). That flavour is told from the 4-byte one by its data: the
/// 4-byte flavour's values have a zero low word, so any nonzero low word marks the 8-byte flavour.
fn eight_byte_point_count(bytes: &[u8], layout: &Layout) -> Option<usize> {
    if layout.encoding != header::Encoding::LittleEndianF64 {
        return None;
    }
    let data = bytes.get(layout.data_offset..)?;
    if !data.chunks_exact(8).any(|c| c[..4] != [0; 4]) {
        return None;
    }
    let field = bytes.get(span::POINT_COUNT_AT..span::POINT_COUNT_AT + 4)?;
    let count = u32::from_be_bytes(field.try_into().ok()?) as usize;
    (count <= MAX_POINTS).then_some(count)
}

/// Evenly spaced times in seconds from the header's start time (milliseconds) at `step_ms`.
fn time_axis(layout: &Layout, step_ms: f64, n: usize, err: &Errors) -> Result<Vec<f64>, IoError> {
    let (start_ms, end_ms) = (layout.start_ms, layout.end_ms);
    if end_ms <= start_ms {
        return Err(IoError::NotMonotonic {
            format: FORMAT,
            at: Location::Byte(header::END_TIME_AT),
            path: err.path(),
        });
    }
    let time_s: Vec<f64> = (0..n).map(|i| (start_ms + step_ms * i as f64) / 1000.0).collect();
    if time_s.windows(2).any(|w| w[1] <= w[0]) {
        // A step below the resolution of f64 at this start time.
        return Err(IoError::NotMonotonic {
            format: FORMAT,
            at: Location::Byte(header::END_TIME_AT),
            path: err.path(),
        });
    }
    Ok(time_s)
}

/// Builds this format's errors for one file.
struct Errors<'a> {
    path: &'a Path,
}

impl Errors<'_> {
    fn path(&self) -> std::path::PathBuf {
        self.path.to_path_buf()
    }

    fn corrupt(&self, at: u64, what: impl Into<String>) -> IoError {
        IoError::Corrupt { format: FORMAT, at: Location::Byte(at), what: what.into(), path: self.path() }
    }

    fn non_finite(&self, at: u64) -> IoError {
        IoError::NonFinite { format: FORMAT, at: Location::Byte(at), path: self.path() }
    }

    fn too_large(&self, at: u64, claimed: u64) -> IoError {
        IoError::TooLarge { format: FORMAT, at: Location::Byte(at), claimed, limit: MAX_POINTS, path: self.path() }
    }
}

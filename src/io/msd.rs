//! Agilent MSD ChemStation / MassHunter GC-MS `data.ms`: the total ion chromatogram (TIC) of a scan run.
//!
//! | where | what |
//! |---|---|
//! | +0 | bytes `01 32 00 00` |
//! | +4 | Pascal string `GC / MS Data File` (LC files say `MSD Spectral File`: refused) |
//! | +24, +148, +178, +208, +228 | Pascal strings: sample name, operator, acquisition date, instrument, method |
//! | 0x10A | `u16` BE word index `w` of the first record: it starts at byte `(w − 1) × 2` |
//! | 0x142 | scan count, `u16` **little**-endian (the only little-endian number) |
//!
//! Each record (all big-endian): +0 `u16` length in 16-bit words (itself included), +2 `u32` retention time in
//! ms, +12 `u16` number of (m/z, abundance) pairs `k`, +18 `k` pairs of `u16` m/z × 20 and `u16` encoded
//! abundance, then 10 bytes whose last 4 are the scan's TIC (`u32`). The next record starts `2 × length` bytes on.
//!
//! The TIC read is the stored per-scan value, which MassHunter exports (`tic_front.csv` equals it row for row), not
//! the sum of the decoded abundances (that differs by up to 30 counts). Layout from the corpus MANIFEST ("New
//! formats"), checked byte by byte on rainbow_yellow.D/data.ms; the header strings sit at the offsets of the old
//! ChemStation `.ch` v81 header, where this file shows its date, instrument and method.
//!
//! Every record walk is bounded by the file length and the header's scan count; a record shorter than its own
//! fixed part (a length of 0 included) is corruption, never a loop. A file cut short after whole records is read
//! with a warning naming the missing scans.

use std::path::{Path, PathBuf};

use crate::chromatogram::{Chromatogram, Metadata};
use crate::io::{IoError, Location, series};

/// Format name used in errors.
const FORMAT: &str = "Agilent MSD data.ms";
/// The file's first four bytes.
const MAGIC: [u8; 4] = [0x01, 0x32, 0x00, 0x00];
/// The GC-MS type string (Pascal string at byte 4).
const GC_TYPE: &[u8] = b"GC / MS Data File";
/// The LC-MS type string, recognised to refuse it clearly.
const LC_TYPE: &[u8] = b"MSD Spectral File";
/// Byte offset of the first record's word index (`u16` BE).
const FIRST_RECORD_WORD_AT: usize = 0x10A;
/// Byte offset of the scan count (`u16` LE).
const SCAN_COUNT_AT: usize = 0x142;
/// Bytes of a record outside its pairs: 18 before them, 10 after.
const RECORD_FIXED_BYTES: usize = 28;
/// Divisor of the stored m/z values.
const MZ_PER_UNIT: f64 = 20.0;

/// True when `bytes` start like a ChemStation MS file (GC or LC).
pub fn looks_like(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC) && matches!(type_string(bytes), Some(t) if t == GC_TYPE || t == LC_TYPE)
}

fn type_string(bytes: &[u8]) -> Option<&[u8]> {
    let len = usize::from(*bytes.get(4)?);
    bytes.get(5..5 + len)
}

/// One scan as stored.
struct Scan {
    time_ms: u32,
    tic_counts: u32,
    /// Smallest and largest stored m/z × 20 among the pairs; `None` for a scan without pairs.
    mz_range_raw: Option<(u16, u16)>,
}

/// Reads the TIC of a GC-MS `data.ms` into one [`Chromatogram`]: channel "TIC", unit "counts", time in seconds;
/// scan count and m/z range in `metadata.extra`.
///
/// Errors name `path`: [`IoError::Corrupt`] at the byte of a bad header field or record (an LC "MSD Spectral
/// File" included), [`IoError::NoData`] when no whole record is present, and the [`series::check`] errors
/// (non-increasing retention times, say).
pub fn read(bytes: &[u8], path: &Path) -> Result<Vec<Chromatogram>, IoError> {
    let err = Errors { path };
    if type_string(bytes) == Some(LC_TYPE) {
        return Err(err.corrupt(4, "an LC-MS \"MSD Spectral File\": only GC-MS \"GC / MS Data File\" is read"));
    }
    if !bytes.starts_with(&MAGIC) || type_string(bytes) != Some(GC_TYPE) {
        return Err(err.corrupt(0, "no \"GC / MS Data File\" header"));
    }
    let first_record_at = first_record_offset(bytes, &err)?;
    let scan_count = usize::from(u16::from_le_bytes(field(bytes, SCAN_COUNT_AT, &err)?));
    let (scans, stopped) = walk(bytes, first_record_at, scan_count, &err)?;
    if scans.is_empty() {
        return Err(stopped.unwrap_or(IoError::NoData { format: FORMAT, path: path.to_path_buf() }));
    }
    let warning = stopped.map(|e| format!("read {} of the header's {scan_count} scans: {e}", scans.len()));
    let chromatogram = Chromatogram {
        time_s: scans.iter().map(|s| f64::from(s.time_ms) / 1000.0).collect(),
        signal: scans.iter().map(|s| f64::from(s.tic_counts)).collect(),
        signal_unit: "counts".into(),
        channel: "TIC".into(),
        metadata: metadata(bytes, &scans, scan_count, warning),
    };
    let offsets = record_offsets(bytes, first_record_at, scans.len());
    let locate = |i: usize| Location::Byte(offsets.get(i).copied().unwrap_or(first_record_at) as u64);
    Ok(vec![series::check(FORMAT, chromatogram, path, &locate)?])
}

/// Byte offset of the first record, from the word index at 0x10A; it must lie past that field and inside the file.
fn first_record_offset(bytes: &[u8], err: &Errors) -> Result<usize, IoError> {
    let word = usize::from(u16::from_be_bytes(field(bytes, FIRST_RECORD_WORD_AT, err)?));
    let at = word.saturating_sub(1) * 2;
    if at < SCAN_COUNT_AT + 2 || at >= bytes.len() {
        let what = format!(
            "first record at byte {at} (word {word}) is outside the data area of this {}-byte file",
            bytes.len()
        );
        return Err(err.corrupt(FIRST_RECORD_WORD_AT as u64, what));
    }
    Ok(at)
}

/// Reads up to `scan_count` records from `at`. Returns the whole records read and, when the walk stopped early,
/// why (the error it would have been); the caller decides whether that is fatal.
fn walk(bytes: &[u8], mut at: usize, scan_count: usize, err: &Errors) -> Result<(Vec<Scan>, Option<IoError>), IoError> {
    // Every record holds at least its fixed part, so the file length bounds the allocation.
    let mut scans = Vec::with_capacity(scan_count.min(bytes.len() / RECORD_FIXED_BYTES));
    for _ in 0..scan_count {
        match record(bytes, at, err) {
            Ok((scan, length_bytes)) => {
                scans.push(scan);
                at += length_bytes;
            }
            Err(e) => return Ok((scans, Some(e))),
        }
    }
    Ok((scans, None))
}

/// One record at `at` and its length in bytes.
fn record(bytes: &[u8], at: usize, err: &Errors) -> Result<(Scan, usize), IoError> {
    let length_bytes = usize::from(u16::from_be_bytes(field(bytes, at, err)?)) * 2;
    let pairs = usize::from(u16::from_be_bytes(field(bytes, at + 12, err)?));
    let needed = RECORD_FIXED_BYTES + 4 * pairs;
    if length_bytes != needed {
        let what = format!("record of {length_bytes} bytes for {pairs} m/z pairs (needs {needed})");
        return Err(err.corrupt(at as u64, what));
    }
    let Some(body) = bytes.get(at..at + length_bytes) else {
        return Err(
            err.corrupt(bytes.len() as u64, format!("file ends inside the {length_bytes}-byte record at byte {at}"))
        );
    };
    let time_ms = u32::from_be_bytes([body[2], body[3], body[4], body[5]]);
    let tic = &body[length_bytes - 4..];
    let tic_counts = u32::from_be_bytes([tic[0], tic[1], tic[2], tic[3]]);
    let mz = body[18..18 + 4 * pairs].chunks_exact(4).map(|p| u16::from_be_bytes([p[0], p[1]]));
    let mz_range_raw =
        mz.fold(None, |r: Option<(u16, u16)>, m| Some(r.map_or((m, m), |(lo, hi)| (lo.min(m), hi.max(m)))));
    Ok((Scan { time_ms, tic_counts, mz_range_raw }, length_bytes))
}

/// Byte offsets of the first `n` records (for error locations); stops at the first unreadable length.
fn record_offsets(bytes: &[u8], mut at: usize, n: usize) -> Vec<usize> {
    let mut offsets = Vec::with_capacity(n);
    for _ in 0..n {
        offsets.push(at);
        match bytes.get(at..at + 2) {
            Some(w) if w != [0, 0] => at += usize::from(u16::from_be_bytes([w[0], w[1]])) * 2,
            _ => break,
        }
    }
    offsets
}

/// Format, header strings, scan count, m/z range and the truncation warning.
fn metadata(bytes: &[u8], scans: &[Scan], scan_count: usize, warning: Option<String>) -> Metadata {
    let mut extra = vec![("scans".to_string(), scans.len().to_string())];
    if let Some((lo, hi)) = scans.iter().filter_map(|s| s.mz_range_raw).reduce(|a, b| (a.0.min(b.0), a.1.max(b.1))) {
        let (lo, hi) = (f64::from(lo) / MZ_PER_UNIT, f64::from(hi) / MZ_PER_UNIT);
        extra.push(("m/z range".to_string(), format!("{lo}..{hi}")));
    }
    if scans.len() != scan_count {
        extra.push(("header scan count".to_string(), scan_count.to_string()));
    }
    for (key, at) in [("operator", 148), ("method", 228)] {
        if let Some(v) = pascal(bytes, at) {
            extra.push((key.to_string(), v));
        }
    }
    if let Some(w) = warning {
        extra.push(("warning".to_string(), w));
    }
    Metadata {
        format: "Agilent MSD ChemStation data.ms".into(),
        sample_name: pascal(bytes, 24),
        instrument: pascal(bytes, 208),
        detector: Some("MSD".into()),
        acquisition_date: pascal(bytes, 178),
        peaks: Vec::new(),
        extra,
        time_unit: None, // the format's: MSD ChemStation shows minutes
    }
}

/// Non-empty trimmed one-byte Pascal string of Latin-1 characters at `at`.
fn pascal(bytes: &[u8], at: usize) -> Option<String> {
    let len = usize::from(*bytes.get(at)?);
    let raw = bytes.get(at + 1..at + 1 + len)?;
    let text: String = raw.iter().map(|&b| char::from(b)).collect();
    let text = text.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    (!text.is_empty()).then(|| text.to_string())
}

fn field<const N: usize>(bytes: &[u8], at: usize, err: &Errors) -> Result<[u8; N], IoError> {
    bytes
        .get(at..at + N)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| err.corrupt(bytes.len() as u64, format!("file ends before the field at byte {at}")))
}

/// Builds this format's errors for one file.
struct Errors<'a> {
    path: &'a Path,
}

impl Errors<'_> {
    fn corrupt(&self, at: u64, what: impl Into<String>) -> IoError {
        IoError::Corrupt { format: FORMAT, at: Location::Byte(at), what: what.into(), path: PathBuf::from(self.path) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal file: header, `records` (each: time ms, TIC, m/z × 20 values), scan count `count`.
    fn file(records: &[(u32, u32, &[u16])], count: u16) -> Vec<u8> {
        let mut b = vec![0u8; 0x200];
        b[..4].copy_from_slice(&MAGIC);
        b[4] = GC_TYPE.len() as u8;
        b[5..5 + GC_TYPE.len()].copy_from_slice(GC_TYPE);
        b[FIRST_RECORD_WORD_AT..FIRST_RECORD_WORD_AT + 2].copy_from_slice(&(0x200u16 / 2 + 1).to_be_bytes());
        b[SCAN_COUNT_AT..SCAN_COUNT_AT + 2].copy_from_slice(&count.to_le_bytes());
        for &(t, tic, mz) in records {
            let words = (RECORD_FIXED_BYTES + 4 * mz.len()) / 2;
            let mut r = vec![0u8; words * 2];
            r[..2].copy_from_slice(&(words as u16).to_be_bytes());
            r[2..6].copy_from_slice(&t.to_be_bytes());
            r[12..14].copy_from_slice(&(mz.len() as u16).to_be_bytes());
            for (i, m) in mz.iter().enumerate() {
                r[18 + 4 * i..20 + 4 * i].copy_from_slice(&m.to_be_bytes());
            }
            let n = r.len();
            r[n - 4..].copy_from_slice(&tic.to_be_bytes());
            b.extend(r);
        }
        b
    }

    #[test]
    fn reads_stored_tic_times_and_mz_range() {
        let b = file(&[(1000, 50, &[2000, 3000]), (1500, 70, &[2100])], 2);
        let c = &read(&b, Path::new("data.ms")).unwrap()[0];
        assert_eq!(c.time_s, [1.0, 1.5]);
        assert_eq!(c.signal, [50.0, 70.0]);
        assert!(c.metadata.extra.contains(&("m/z range".into(), "100..150".into())));
    }

    #[test]
    fn zero_length_record_and_truncation_do_not_loop_or_stretch() {
        let mut b = file(&[(1000, 50, &[2000])], 3);
        b.extend([0u8; 40]);
        let c = &read(&b, Path::new("data.ms")).unwrap()[0];
        assert_eq!(c.time_s.len(), 1);
        assert!(c.metadata.extra.iter().any(|(k, v)| k == "warning" && v.contains("1 of the header's 3")));
        let b = file(&[(1000, 50, &[2000])], 1);
        assert!(matches!(read(&b[..b.len() - 3], Path::new("data.ms")), Err(IoError::Corrupt { .. })));
    }
}

//! Agilent `.D` run folders: every signal of one injection, read as one run.
//!
//! | file in the folder (names case-insensitive) | read as |
//! |---|---|
//! | `*.ch` | one channel each, by the [`chemstation`](crate::io::chemstation) reader (`FID1A.ch`, `TCD2B.ch`) |
//! | `data.ms` | the MSD total ion chromatogram, by the [`msd`](crate::io::msd) reader |
//! | `Result.xml` | peak table, sample name and injection date, by [`agilent_result`](crate::io::agilent_result) |
//!
//! Other files (methods, `tic_front.csv` exports, `dataSim.ms`) are not read: an export repeats a stored signal,
//! and the MassHunter TIC export interleaves scan and SIM rows. Channels come in file-name order, `.ch` files
//! first. A member that cannot be read is named in a warning on the first channel that could; only when none can
//! is its error returned. Peaks go to the channel their `SignalDesc` names (to the only channel when one).

use std::path::{Path, PathBuf};

use crate::chromatogram::Chromatogram;
use crate::io::{IoError, agilent_result, read_file};

/// Format name used in errors.
const FORMAT: &str = "Agilent .D folder";
/// Largest member file read (bytes): past it a `.ch` or `data.ms` would exceed [`MAX_POINTS`](crate::io::MAX_POINTS)
/// anyway.
pub const MAX_MEMBER_BYTES: u64 = 1 << 30;

/// True when `path` is a directory whose name ends in `.D` (any case).
pub fn is_d_folder(path: &Path) -> bool {
    path.is_dir() && path.extension().is_some_and(|e| e.eq_ignore_ascii_case("d"))
}

/// The `.D` folder that holds `file`, when its parent is one (for callers that open a member's whole run).
pub fn enclosing_folder(file: &Path) -> Option<&Path> {
    file.parent().filter(|p| is_d_folder(p))
}

/// The metadata key under which [`read`] names the member file each channel came from (`FID1A.ch`).
pub const MEMBER_KEY: &str = "file in the folder";

/// The first of `channels` (a [`read`] of a `.D` folder) that came from the member file `file` (`None` for a
/// member that is not a signal file, such as `Result.xml`, or for channels not read from a folder).
pub fn member_channel(channels: &[Chromatogram], file: &Path) -> Option<usize> {
    let name = file.file_name()?.to_string_lossy();
    channels.iter().position(|c| c.metadata.extra.iter().any(|(k, v)| k == MEMBER_KEY && v.eq_ignore_ascii_case(&name)))
}

/// The signal files of a `.D` folder that [`read`] reads, in its order: `*.ch`, then `data.ms`.
pub fn signal_files(dir: &Path) -> Result<Vec<PathBuf>, IoError> {
    let entries = std::fs::read_dir(dir).map_err(|source| IoError::Open { path: dir.to_path_buf(), source })?;
    let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
    files.sort();
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let mut signals: Vec<PathBuf> = files.iter().filter(|p| name(p).ends_with(".ch")).cloned().collect();
    signals.extend(files.iter().filter(|p| name(p) == "data.ms").cloned());
    Ok(signals)
}

/// Reads every signal in the `.D` folder `dir`. Errors: [`IoError::NotRunFolder`] for a directory that is not a
/// `.D` folder, [`IoError::NoData`] when it holds no signal file, the first member's error when none is readable.
pub fn read(dir: &Path) -> Result<Vec<Chromatogram>, IoError> {
    if !is_d_folder(dir) {
        return Err(IoError::NotRunFolder { path: dir.to_path_buf() });
    }
    let mut channels = Vec::new();
    // The file stem each channel came from (`FID1A`): what `Result.xml` names when the header says "Front Signal".
    let mut stems = Vec::new();
    let mut failures = Vec::new();
    for file in signal_files(dir)? {
        match read_member(&file) {
            Ok(mut read) => {
                let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                stems.extend(std::iter::repeat_n(stem, read.len()));
                let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                for c in &mut read {
                    c.metadata.extra.push((MEMBER_KEY.into(), name.clone()));
                }
                channels.extend(read);
            }
            Err(e) => failures.push(e),
        }
    }
    if channels.is_empty() {
        return Err(failures.into_iter().next().unwrap_or(IoError::NoData { format: FORMAT, path: dir.to_path_buf() }));
    }
    for (i, failure) in failures.iter().enumerate() {
        channels[0].metadata.extra.push((format!("warning (member {})", i + 1), format!("not read: {failure}")));
    }
    apply_report(dir, &mut channels, &stems);
    for c in &mut channels {
        c.metadata.extra.push(("folder".into(), dir.display().to_string()));
    }
    Ok(channels)
}

/// One member file, refused past [`MAX_MEMBER_BYTES`] before it is read.
fn read_member(file: &Path) -> Result<Vec<Chromatogram>, IoError> {
    let len = std::fs::metadata(file).map_err(|source| IoError::Open { path: file.to_path_buf(), source })?.len();
    if len > MAX_MEMBER_BYTES {
        let what = format!("{len} bytes, more than the {MAX_MEMBER_BYTES}-byte limit for one signal file");
        return Err(IoError::Corrupt { format: FORMAT, at: crate::io::Location::File, what, path: file.to_path_buf() });
    }
    read_file(file)
}

/// Adds `Result.xml`'s peaks, sample name and date (where the signal files have none). A peak goes to the
/// channel whose name or file stem its signal description names. A report that cannot be read is a warning.
fn apply_report(dir: &Path, channels: &mut [Chromatogram], stems: &[String]) {
    let Some(report_path) = find_case_insensitive(dir, "result.xml") else { return };
    let report = std::fs::read(&report_path)
        .map_err(|source| IoError::Open { path: report_path.clone(), source })
        .and_then(|bytes| agilent_result::read(&bytes, &report_path));
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            channels[0].metadata.extra.push(("warning (Result.xml)".into(), format!("not read: {e}")));
            return;
        }
    };
    let single = channels.len() == 1;
    for (c, stem) in channels.iter_mut().zip(stems) {
        let names =
            |desc: &str| agilent_result::signal_matches(desc, &c.channel) || agilent_result::signal_matches(desc, stem);
        let ours: Vec<_> =
            report.peaks.iter().filter(|(desc, _)| single || names(desc)).map(|(_, p)| p.clone()).collect();
        let meta = &mut c.metadata;
        meta.sample_name = meta.sample_name.take().or_else(|| report.sample_name.clone());
        meta.acquisition_date = meta.acquisition_date.take().or_else(|| report.acquisition_date.clone());
        meta.peaks.extend(ours);
    }
}

fn find_case_insensitive(dir: &Path, name: &str) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_file() && p.file_name().is_some_and(|n| n.to_string_lossy().eq_ignore_ascii_case(name)))
}

/// The bytes that identify a `.D` folder's run, for a content hash: each file [`read`] reads (signal files, then
/// `Result.xml`), as its name, its length (`u64` LE) and its bytes.
pub fn identity_bytes(dir: &Path) -> Result<Vec<u8>, IoError> {
    let mut files = signal_files(dir)?;
    files.extend(find_case_insensitive(dir, "result.xml"));
    let mut out = Vec::new();
    for file in files {
        let bytes = std::fs::read(&file).map_err(|source| IoError::Open { path: file.clone(), source })?;
        out.extend(file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default().into_bytes());
        out.extend((bytes.len() as u64).to_le_bytes());
        out.extend(bytes);
    }
    Ok(out)
}

//! Readers: every chromatogram format a lab hands you, detected from content, with typed errors.
//!
//! [`read_file`] / [`read_bytes`] sniff the format and return one [`Chromatogram`] per channel or run.
//! Each format lives in its own file. Errors name the file and say what is wrong and where.

use std::path::{Path, PathBuf};

use crate::chromatogram::Chromatogram;

pub mod andi;
pub mod chemstation;

/// Largest number of points any reader accepts in one chromatogram (guards allocations against headers
/// that claim billions of points).
pub const MAX_POINTS: usize = 50_000_000;

/// Where in a file a problem was found.
#[derive(Debug, Clone, PartialEq)]
pub enum Location {
    /// 1-based line number (text formats).
    Line(usize),
    /// Byte offset from the start of the file (binary formats).
    Byte(u64),
    /// A named field, variable or element.
    Field(String),
    /// Nowhere in particular (the whole file).
    File,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Line(n) => write!(f, "line {n}"),
            Location::Byte(n) => write!(f, "byte {n}"),
            Location::Field(name) => write!(f, "field `{name}`"),
            Location::File => write!(f, "file"),
        }
    }
}

/// What went wrong reading a chromatogram file. The path comes last in every message.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    #[error("cannot read: {source} ({path})")]
    Open { path: PathBuf, source: std::io::Error },
    #[error("the file is empty ({path})")]
    Empty { path: PathBuf },
    #[error("not a chromatogram format Elute knows ({path})")]
    UnknownFormat { path: PathBuf },
    #[error("{format}: truncated or corrupt at {at}: {what} ({path})")]
    Corrupt { format: &'static str, at: Location, what: String, path: PathBuf },
    #[error("{format}: time axis is not increasing at {at} ({path})")]
    NotMonotonic { format: &'static str, at: Location, path: PathBuf },
    #[error("{format}: value is NaN or infinite at {at} ({path})")]
    NonFinite { format: &'static str, at: Location, path: PathBuf },
    #[error("{format}: {at} claims {claimed} points, more than the limit of {limit} ({path})")]
    TooLarge { format: &'static str, at: Location, claimed: u64, limit: usize, path: PathBuf },
    #[error("{format}: no data found ({path})")]
    NoData { format: &'static str, path: PathBuf },
}

/// Reads a file and returns every chromatogram in it (one per channel or per run).
pub fn read_file(path: &Path) -> Result<Vec<Chromatogram>, IoError> {
    let bytes = std::fs::read(path).map_err(|source| IoError::Open { path: path.to_path_buf(), source })?;
    read_bytes(&bytes, path)
}

/// Reads chromatograms from bytes already in memory; `path` names the source in errors and is used only as a
/// hint (its extension) when the content is ambiguous.
pub fn read_bytes(bytes: &[u8], path: &Path) -> Result<Vec<Chromatogram>, IoError> {
    if bytes.is_empty() {
        return Err(IoError::Empty { path: path.to_path_buf() });
    }
    if andi::looks_like(bytes) {
        return andi::read(bytes, path);
    }
    if chemstation::looks_like(bytes) {
        return chemstation::read(bytes, path);
    }
    Err(IoError::UnknownFormat { path: path.to_path_buf() })
}

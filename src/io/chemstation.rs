//! Agilent ChemStation `.ch` reader. Stub: the binary-formats helper replaces this file.

use std::path::Path;

use super::IoError;
use crate::chromatogram::Chromatogram;

/// True when the bytes start like this format (stub: always false).
pub fn looks_like(bytes: &[u8]) -> bool {
    let _ = bytes;
    false
}

/// Reads every channel of the file (stub: always [`IoError::UnknownFormat`]).
pub fn read(bytes: &[u8], path: &Path) -> Result<Vec<Chromatogram>, IoError> {
    let _ = bytes;
    Err(IoError::UnknownFormat { path: path.to_path_buf() })
}

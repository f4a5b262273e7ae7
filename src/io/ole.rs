//! OLE2 compound files (Microsoft CFB): the container of Shimadzu `.gcd` and EZChrom Elite `.dat` runs.
//!
//! | piece | what it does |
//! |---|---|
//! | [`MAGIC`], [`is_ole`] | the 8-byte signature every compound file starts with |
//! | [`Ole::open`] | opens the container from bytes in memory (the `cfb` crate decodes sectors and directory) |
//! | [`Ole::has_stream`], [`Ole::stream_paths`] | what is inside, for sniffing and for errors |
//! | [`Ole::stream`] | one stream's bytes, refused past [`MAX_STREAM_BYTES`] or past the file's own length |
//!
//! Errors are [`IoError::Corrupt`] naming the stream (`Location::Field`) and the format being read.

use std::io::{Cursor, Read};
use std::path::Path;

use super::{IoError, Location};

/// The signature at byte 0 of every OLE2 compound file.
pub const MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Largest stream read into memory (bytes): 8 × [`super::MAX_POINTS`] f64 values plus headers fit under it.
pub const MAX_STREAM_BYTES: u64 = 8 * super::MAX_POINTS as u64 + 1_048_576;

/// True when `bytes` start with the compound-file signature.
pub fn is_ole(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

/// An opened compound file and what is needed to report errors about it.
pub struct Ole<'a> {
    file: cfb::CompoundFile<Cursor<&'a [u8]>>,
    file_len_bytes: u64,
    format: &'static str,
    path: &'a Path,
}

impl<'a> Ole<'a> {
    /// Opens a compound file held in memory. `format` names the reader in errors.
    pub fn open(bytes: &'a [u8], format: &'static str, path: &'a Path) -> Result<Self, IoError> {
        let opened = std::panic::catch_unwind(|| cfb::CompoundFile::open(Cursor::new(bytes)));
        let file = match opened {
            Ok(Ok(file)) => file,
            Ok(Err(e)) => {
                return Err(corrupt(format, path, Location::Byte(0), format!("not a readable OLE2 file: {e}")));
            }
            Err(_) => return Err(corrupt(format, path, Location::Byte(0), "OLE2 directory is corrupt".into())),
        };
        Ok(Ole { file, file_len_bytes: bytes.len() as u64, format, path })
    }

    /// True when a stream (not a storage) exists at `stream_path` ("LSS Raw Data/Chromatogram Ch1").
    pub fn has_stream(&self, stream_path: &str) -> bool {
        self.file.is_stream(stream_path)
    }

    /// Every stream's path and claimed length in bytes, in directory order.
    pub fn stream_paths(&self) -> Vec<(String, u64)> {
        self.file
            .walk()
            .filter(|e| e.is_stream())
            .map(|e| (e.path().to_string_lossy().trim_start_matches('/').to_string(), e.len()))
            .collect()
    }

    /// The whole of one stream. Fails when it is missing, claims more than [`MAX_STREAM_BYTES`] or more than
    /// the file holds, or its sector chain is broken.
    pub fn stream(&mut self, stream_path: &str) -> Result<Vec<u8>, IoError> {
        let at = || Location::Field(stream_path.to_string());
        let mut stream = match self.file.open_stream(stream_path) {
            Ok(s) => s,
            Err(e) => return Err(self.corrupt(at(), format!("cannot open stream: {e}"))),
        };
        let claimed_bytes = stream.len();
        if claimed_bytes > MAX_STREAM_BYTES || claimed_bytes > self.file_len_bytes {
            let what = format!("stream claims {claimed_bytes} bytes in a file of {}", self.file_len_bytes);
            return Err(self.corrupt(at(), what));
        }
        let mut out = Vec::with_capacity(claimed_bytes as usize);
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| stream.read_to_end(&mut out)));
        match read {
            Ok(Ok(n)) if n as u64 == claimed_bytes => Ok(out),
            Ok(Ok(n)) => Err(self.corrupt(at(), format!("stream has {n} of its {claimed_bytes} bytes"))),
            Ok(Err(e)) => Err(self.corrupt(at(), format!("stream is truncated or corrupt: {e}"))),
            Err(_) => Err(self.corrupt(at(), "stream's sector chain is corrupt".into())),
        }
    }

    /// An [`IoError::Corrupt`] for this file.
    pub fn corrupt(&self, at: Location, what: String) -> IoError {
        corrupt(self.format, self.path, at, what)
    }
}

fn corrupt(format: &'static str, path: &Path, at: Location, what: String) -> IoError {
    IoError::Corrupt { format, at, what, path: path.to_path_buf() }
}

/// Little-endian reads from a stream's bytes; `None` past its end.
pub fn u32_le(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

/// See [`u32_le`].
pub fn i32_le(bytes: &[u8], at: usize) -> Option<i32> {
    u32_le(bytes, at).map(|v| v as i32)
}

/// See [`u32_le`].
pub fn f32_le(bytes: &[u8], at: usize) -> Option<f32> {
    u32_le(bytes, at).map(f32::from_bits)
}

/// See [`u32_le`].
pub fn f64_le(bytes: &[u8], at: usize) -> Option<f64> {
    Some(f64::from_le_bytes(bytes.get(at..at.checked_add(8)?)?.try_into().ok()?))
}

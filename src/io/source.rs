//! Getting a file's bytes safely: only regular files are read, never more than a size cap, and a session file
//! given as a run is recognised.
//!
//! | check | why |
//! |---|---|
//! | the path is a regular file (symlinks followed) | a FIFO with no writer would block `open` forever; `/dev/zero` never ends; a folder is not a run |
//! | its size is at most [`MAX_FILE_BYTES`] | a 3 GB file would be loaded whole before it is even sniffed |
//! | the bytes read are capped too | a file can grow while it is read, and `/proc` files report size 0 |
//! | [`is_session`] | an Elute session JSON is not a run: say so instead of a Fusion reader's "missing `detectors`" |

use std::io::Read;
use std::path::Path;

use super::IoError;

/// The largest file any reader loads (1 GiB). The largest real runs are well below it: 50 million points of
/// ChemStation f64 (the [`super::MAX_POINTS`] limit) are 400 MB, and text exports of as many points are about
/// 800 MB.
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// The `format` tag every Elute session file carries (its one home: `session::FORMAT_TAG` is this).
pub const SESSION_FORMAT_TAG: &str = "elute-session";

/// Reads a whole run file after checking what it is: a regular file of at most [`MAX_FILE_BYTES`].
///
/// A folder, FIFO, socket or device is refused before it is opened (so a FIFO cannot hang the read);
/// a symlink loop, a missing or unreadable file is [`IoError::Open`] with the system's reason.
pub fn read_source(path: &Path) -> Result<Vec<u8>, IoError> {
    read_capped(path, MAX_FILE_BYTES)
}

/// [`read_source`] with an explicit cap (tests use a small one).
pub fn read_capped(path: &Path, max_bytes: u64) -> Result<Vec<u8>, IoError> {
    let open_error = |source| IoError::Open { path: path.to_path_buf(), source };
    let meta = std::fs::metadata(path).map_err(open_error)?;
    if let Some(kind) = not_a_file(&meta) {
        return Err(IoError::NotAFile { kind, path: path.to_path_buf() });
    }
    if meta.len() > max_bytes {
        return Err(IoError::FileTooLarge { bytes: meta.len(), limit: max_bytes, path: path.to_path_buf() });
    }
    let file = std::fs::File::open(path).map_err(open_error)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(max_bytes + 1).read_to_end(&mut bytes).map_err(open_error)?;
    if bytes.len() as u64 > max_bytes {
        return Err(IoError::FileTooLarge { bytes: bytes.len() as u64, limit: max_bytes, path: path.to_path_buf() });
    }
    Ok(bytes)
}

/// What a non-regular file is ("a folder", "a FIFO (named pipe)", ...); `None` for a regular file.
fn not_a_file(meta: &std::fs::Metadata) -> Option<&'static str> {
    let kind = meta.file_type();
    if kind.is_file() {
        return None;
    }
    if kind.is_dir() {
        return Some("a folder");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
        if kind.is_char_device() || kind.is_block_device() {
            return Some("a device");
        }
    }
    Some("not a regular file")
}

/// True when `bytes` look like an Elute session: a JSON object (after an optional byte-order mark and blanks)
/// whose first 4 KiB carry [`SESSION_FORMAT_TAG`]. Other JSON (INFICON Fusion, say) goes to the run readers.
pub fn is_session(bytes: &[u8]) -> bool {
    let bytes = super::text::strip_bom(bytes);
    let head = &bytes[..bytes.len().min(4096)];
    head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
        && memchr::memmem::find(head, SESSION_FORMAT_TAG.as_bytes()).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_and_large_files_are_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let e = read_source(dir.path()).unwrap_err();
        assert!(matches!(e, IoError::NotAFile { kind: "a folder", .. }), "{e}");
        let big = dir.path().join("big.csv");
        std::fs::write(&big, vec![b'1'; 2000]).unwrap();
        let e = read_capped(&big, 1000).unwrap_err();
        assert!(e.to_string().contains("2000 bytes"), "{e}");
        assert_eq!(read_capped(&big, 2000).unwrap().len(), 2000);
    }
}

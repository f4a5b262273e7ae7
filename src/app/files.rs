//! Opening runs and sessions, the app's data directory (autosave, recent files), and the embedded default run.

use std::path::{Path, PathBuf};

use super::state::Run;
use crate::session::{self, RunRef, Session};

/// The embedded default run (SOLV001.CDF, see assets/NOTICE.md).
pub const DEFAULT_RUN_BYTES: &[u8] = include_bytes!("../../assets/SOLV001.CDF");
/// Name the embedded run goes by.
pub const DEFAULT_RUN_NAME: &str = "SOLV001.CDF";

/// What a file turned out to be.
#[derive(Debug)]
// Built once per opened file and moved straight into the app: boxing the larger variant would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum Opened {
    /// A session file (its `embedded_run` taken out), with its run when it could be found (else a warning says
    /// why not); `note` says where the run came from when it was not the referenced file.
    Session { session: Session, run: Option<Run>, warning: Option<String>, note: Option<String> },
    /// A chromatogram file and the run reference that points at it.
    Run { run: Run, reference: RunRef },
}

/// SHA-256 of the embedded default run's bytes (what its run reference carries).
pub fn default_run_sha256() -> String {
    session::sha256_hex(DEFAULT_RUN_BYTES)
}

/// True when `run` is the embedded default run (no path, the same channels).
pub fn is_default_run(run: &Run) -> bool {
    run.path.is_none() && default_run().is_some_and(|d| d.channels == run.channels)
}

/// The embedded default run, once the readers can read it (`None` until then).
pub fn default_run() -> Option<Run> {
    let channels = crate::io::read_bytes(DEFAULT_RUN_BYTES, Path::new(DEFAULT_RUN_NAME)).ok()?;
    (!channels.is_empty()).then_some(Run { path: None, channels, channel: 0 })
}

/// True when `bytes` look like JSON (first non-blank byte is `{`): then it is read as a session.
fn looks_like_json(bytes: &[u8]) -> bool {
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// Reads a run file into a [`Run`] plus the reference a session stores (absolute path, SHA-256, first channel with
/// data).
pub fn read_run(path: &Path) -> Result<(Run, RunRef), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e} ({})", path.display()))?;
    let channels = crate::io::read_bytes(&bytes, path).map_err(|e| e.to_string())?;
    if channels.is_empty() || channels.iter().all(|c| c.is_empty()) {
        return Err(format!("no chromatogram data in the file ({})", path.display()));
    }
    let channel = channels.iter().position(|c| !c.is_empty()).unwrap_or(0);
    // Absolute, so the session finds it again wherever the session file is saved.
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let reference = RunRef {
        path: absolute.display().to_string(),
        sha256: session::sha256_hex(&bytes),
        channel: u32::try_from(channel + 1).unwrap_or(1),
    };
    Ok((Run { path: Some(path.to_path_buf()), channels, channel }, reference))
}

/// Opens a session (JSON) or a chromatogram file. The error is the reader's or the session loader's message.
pub fn open_path(path: &Path) -> Result<Opened, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e} ({})", path.display()))?;
    if !looks_like_json(&bytes) {
        let (run, reference) = read_run(path)?;
        return Ok(Opened::Run { run, reference });
    }
    let text = String::from_utf8(bytes).map_err(|_| format!("not UTF-8 text ({})", path.display()))?;
    let mut session = session::parse(&text, path).map_err(|e| e.to_string())?;
    let embedded = session.embedded_run.take();
    let Some(reference) = &session.run else {
        // A pure simulation, or a session that only embeds its data.
        let run =
            embedded.and_then(|e| e.to_chromatogram().ok()).map(|c| Run { path: None, channels: vec![c], channel: 0 });
        return Ok(Opened::Session { session, run, warning: None, note: None });
    };
    let run_path = resolve(path, &reference.path);
    let from_file = read_run(&run_path).map(|(mut run, actual)| {
        run.channel = (reference.channel.max(1) as usize - 1).min(run.channels.len() - 1);
        (run, actual.sha256 == reference.sha256)
    });
    let from_embedded = || {
        embedded.as_ref().and_then(|e| e.to_chromatogram().ok()).map(|c| Run {
            path: None,
            channels: vec![c],
            channel: 0,
        })
    };
    let (run, warning, note) = match from_file {
        Ok((run, true)) => (Some(run), None, None),
        // The built-in example run, recognised by its content hash.
        _ if reference.sha256 == default_run_sha256() && default_run().is_some() => (default_run(), None, None),
        Ok((run, false)) => match from_embedded() {
            Some(e) => (
                Some(e),
                None,
                Some(format!(
                    "the run file has changed ({}): using the run data embedded in the session",
                    run_path.display()
                )),
            ),
            None => (
                Some(run),
                Some(format!("the run file has changed since the session was saved ({})", run_path.display())),
                None,
            ),
        },
        Err(e) => match from_embedded() {
            Some(run) => {
                (Some(run), None, Some("using the run data embedded in the session (run file not found)".into()))
            }
            None => (None, Some(format!("session opened without its run: {e}")), None),
        },
    };
    Ok(Opened::Session { session, run, warning, note })
}

/// A run path from a session: relative paths are relative to the session file's folder.
pub fn resolve(session_path: &Path, run_path: &str) -> PathBuf {
    let p = PathBuf::from(run_path);
    if p.is_absolute() {
        return p;
    }
    session_path.parent().map_or(p.clone(), |dir| dir.join(&p))
}

/// The app's data directory: autosave and recent files.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

/// Most recent files remembered.
const MAX_RECENT: usize = 10;

impl DataDir {
    /// The data directory at `root` (created on first write).
    pub fn new(root: PathBuf) -> DataDir {
        DataDir { root }
    }

    /// The platform's data directory for Elute (~/.local/share/elute on Linux), if there is a home.
    pub fn platform() -> Option<DataDir> {
        eframe::storage_dir("Elute").map(DataDir::new)
    }

    fn autosave_path(&self) -> PathBuf {
        self.root.join("autosave.elute.json")
    }

    fn recent_path(&self) -> PathBuf {
        self.root.join("recent.json")
    }

    /// Writes the autosave copy of an unsaved session.
    pub fn write_autosave(&self, session: &Session) -> Result<(), String> {
        std::fs::create_dir_all(&self.root).map_err(|e| format!("{e} ({})", self.root.display()))?;
        session::save(session, &self.autosave_path()).map_err(|e| e.to_string())
    }

    /// The autosaved session left by a session that did not end cleanly, if any and readable.
    pub fn read_autosave(&self) -> Option<Session> {
        session::load(&self.autosave_path()).ok()
    }

    /// Removes the autosave copy (after a save, a clean exit or a discard).
    pub fn remove_autosave(&self) {
        let _ = std::fs::remove_file(self.autosave_path());
    }

    /// The recent files, most recent first (missing or unreadable list: empty).
    pub fn read_recent(&self) -> Vec<PathBuf> {
        std::fs::read_to_string(self.recent_path())
            .ok()
            .and_then(|t| serde_json::from_str::<Vec<PathBuf>>(&t).ok())
            .unwrap_or_default()
    }

    /// Puts `path` first in the recent list and writes the list.
    pub fn push_recent(&self, recent: &mut Vec<PathBuf>, path: &Path) {
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        recent.retain(|p| p != &path);
        recent.insert(0, path);
        recent.truncate(MAX_RECENT);
        if std::fs::create_dir_all(&self.root).is_ok()
            && let Ok(text) = serde_json::to_string_pretty(recent)
        {
            let _ = session::write_atomically(&self.recent_path(), text.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn autosave_and_recent_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::new(dir.path().join("elute"));
        assert!(data.read_autosave().is_none());
        data.write_autosave(&Session::paper_btex()).unwrap();
        assert_eq!(data.read_autosave().unwrap(), Session::paper_btex());
        data.remove_autosave();
        assert!(data.read_autosave().is_none());
        let mut recent = Vec::new();
        data.push_recent(&mut recent, Path::new("/a"));
        data.push_recent(&mut recent, Path::new("/b"));
        data.push_recent(&mut recent, Path::new("/a"));
        assert_eq!(data.read_recent(), vec![PathBuf::from("/a"), PathBuf::from("/b")]);
    }

    #[test]
    fn unreadable_files_give_the_readers_message() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.cdf");
        std::fs::write(&bad, b"not a chromatogram").unwrap();
        let e = open_path(&bad).unwrap_err();
        assert!(e.contains("bad.cdf"), "{e}");
        let newer = dir.path().join("newer.json");
        std::fs::write(&newer, session::to_json(&Session::paper_btex()).replace("\"version\": 1", "\"version\": 9"))
            .unwrap();
        assert!(open_path(&newer).unwrap_err().contains("newer"));
        assert_eq!(resolve(Path::new("/x/s.json"), "r.cdf"), PathBuf::from("/x/r.cdf"));
    }
}

//! The app's data directory: autosave and recent files.

use std::path::{Path, PathBuf};

use crate::session::{self, Session};

/// The app's data directory: autosave and recent files.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

/// An autosaved session found at start-up.
#[derive(Debug, Clone, PartialEq)]
pub struct Autosave {
    /// The session as autosaved (its run by reference, or embedded).
    pub session: Session,
    /// The session's own file when it had one (else it was never saved).
    pub session_file: Option<PathBuf>,
    /// When the autosave was written.
    pub written: Option<std::time::SystemTime>,
    /// Where the autosave copy is.
    pub path: PathBuf,
}

impl Autosave {
    /// What the autosave is of: the session's file, else its run's, else "an unsaved session".
    pub fn describe(&self) -> String {
        match (&self.session_file, &self.session.run) {
            (Some(f), _) => format!("session {}", f.display()),
            (None, Some(r)) => format!("unsaved session on run {}", r.path),
            (None, None) => "unsaved session".into(),
        }
    }

    /// How long ago it was written, in words ("3 min ago"); "at an unknown time" when the clock cannot tell.
    pub fn age(&self) -> String {
        let Some(elapsed) = self.written.and_then(|w| w.elapsed().ok()) else { return "at an unknown time".into() };
        match elapsed.as_secs() {
            s if s < 60 => format!("{s} s ago"),
            s if s < 3600 => format!("{} min ago", s / 60),
            s if s < 48 * 3600 => format!("{:.1} h ago", s as f64 / 3600.0),
            s => format!("{} days ago", s / 86_400),
        }
    }
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

    fn autosave_origin_path(&self) -> PathBuf {
        self.root.join("autosave-origin.json")
    }

    /// Writes the autosave copy of a changed session (both files atomically), with the session's own file when
    /// it has one, so a restore knows where it came from.
    pub fn write_autosave(&self, session: &Session, session_file: Option<&Path>) -> Result<(), String> {
        std::fs::create_dir_all(&self.root).map_err(|e| format!("{e} ({})", self.root.display()))?;
        let origin = serde_json::to_string(&session_file).map_err(|e| e.to_string())?;
        session::write_atomically(&self.autosave_origin_path(), origin.as_bytes())
            .map_err(|e| format!("{e} ({})", self.autosave_origin_path().display()))?;
        session::save(session, &self.autosave_path()).map_err(|e| e.to_string())
    }

    /// The autosaved session left by a session that did not end cleanly, if any and readable.
    pub fn read_autosave(&self) -> Option<Autosave> {
        let path = self.autosave_path();
        let session = session::load(&path).ok()?;
        let session_file = std::fs::read_to_string(self.autosave_origin_path())
            .ok()
            .and_then(|t| serde_json::from_str::<Option<PathBuf>>(&t).ok())
            .flatten();
        let written = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        Some(Autosave { session, session_file, written, path })
    }

    /// Removes the autosave copy (after a save, a clean exit or a discard).
    pub fn remove_autosave(&self) {
        let _ = std::fs::remove_file(self.autosave_path());
        let _ = std::fs::remove_file(self.autosave_origin_path());
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
        data.write_autosave(&Session::paper_btex(), Some(Path::new("/x/s.elute.json"))).unwrap();
        let back = data.read_autosave().unwrap();
        assert_eq!(back.session, Session::paper_btex());
        assert_eq!(back.session_file, Some(PathBuf::from("/x/s.elute.json")));
        assert!(back.age().ends_with(" ago"), "{}", back.age());
        data.remove_autosave();
        assert!(data.read_autosave().is_none());
        let mut recent = Vec::new();
        data.push_recent(&mut recent, Path::new("/a"));
        data.push_recent(&mut recent, Path::new("/b"));
        data.push_recent(&mut recent, Path::new("/a"));
        assert_eq!(data.read_recent(), vec![PathBuf::from("/a"), PathBuf::from("/b")]);
    }
}

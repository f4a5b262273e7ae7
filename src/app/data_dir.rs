//! The app's data directory: autosave and recent files.

use std::path::{Path, PathBuf};

use crate::session::{self, Session};

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
}

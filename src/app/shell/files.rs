//! Opening and saving: runs and sessions from files, the session as saved (with the run embedded when asked or
//! when it is the built-in example), exports' outcome messages, and asking for a path.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use super::App;
use crate::app::actions::{Action, Command};
use crate::app::files::{Opened, open_path};
use crate::app::panels::dialogs::{PathPrompt, PathPurpose};
use crate::app::state::Document;
use crate::model::Column;
use crate::session::{self, Baseline, Session};

impl App {
    pub(super) fn open(&mut self, path: &Path) {
        match open_path(path) {
            Err(e) => self.error = Some(e),
            Ok(Opened::Session { session, run, warning, note }) => {
                let mut doc = Document::new(session);
                doc.run = run.map(Arc::new);
                self.replace_document(doc, Some(path.to_path_buf()));
                self.error = warning;
                self.message = match note {
                    Some(n) => format!("opened session {}; {n}", path.display()),
                    None => format!("opened session {}", path.display()),
                };
                self.remember(path);
            }
            Ok(Opened::Run { run, reference }) => {
                // Keep the column if the current document is already about a run; start fresh peaks.
                let column = if self.doc.run.is_some() { self.doc.session.column } else { Column::default_preset() };
                let mut session = Session::new(column, Vec::new());
                let base = crate::app::estimate::median(&run.chromatogram().signal);
                session.baseline = Some(Baseline::constant(base));
                session.run = Some(reference);
                let mut doc = Document::new(session);
                doc.run = Some(Arc::new(run));
                self.replace_document(doc, None);
                self.error = None;
                self.remember(path);
                // Show it fitted, like the default run: detect, then fit all; the result counts as the opened document.
                self.fit_after_detect = true;
                self.apply(Action::Command(Command::DetectPeaks));
                self.message = format!("opened run {}", path.display());
            }
        }
    }

    pub(super) fn remember(&mut self, path: &Path) {
        if let Some(d) = &self.config.data_dir {
            d.push_recent(&mut self.recent, path);
        }
    }

    /// The session as written to files: the document's, with the measured channel embedded when the run is the
    /// built-in example or the user asked for embedding.
    pub fn session_to_save(&self) -> Session {
        let mut s = self.doc.session.clone();
        // The fit summary keeps only peaks that still carry fit statistics (an edited peak's are gone), so that
        // reopening shows the same uncertainties.
        crate::app::state::sync_summary(&mut s, &self.doc.stats);
        s.embedded_run = None;
        if let Some(run) = &self.doc.run
            && (self.view.embed_run || crate::app::files::is_default_run(run))
        {
            // A channel the readers accepted always embeds; should it not, the session refers by path only.
            s.embedded_run = session::EmbeddedRun::from_chromatogram(run.chromatogram()).ok();
        }
        s
    }

    pub(super) fn save_to(&mut self, path: &Path) {
        match session::save(&self.session_to_save(), path) {
            Ok(()) => {
                self.session_path = Some(path.to_path_buf());
                self.saved_revision = self.revision;
                self.message = format!("saved {}", path.display());
                if let Some(d) = &self.config.data_dir {
                    d.remove_autosave();
                }
                self.remember(path);
            }
            Err(e) => self.error = Some(e.to_string()),
        }
    }

    pub(super) fn report_write(&mut self, result: std::io::Result<()>, path: &Path, what: &str) {
        match result {
            Ok(()) => self.message = format!("wrote {what} to {}", path.display()),
            Err(e) => self.error = Some(format!("cannot write {what}: {e} ({})", path.display())),
        }
    }

    /// Asks for a path: the native dialog when allowed and available, else the path field.
    pub(super) fn ask_path(&mut self, purpose: PathPurpose) {
        if self.config.native_dialogs {
            let asked = Instant::now();
            let dialog = rfd::FileDialog::new();
            let picked = match purpose {
                PathPurpose::Open => dialog
                    .add_filter("Chromatograms and sessions", &["cdf", "ch", "csv", "txt", "json", "asc", "tsv", "xml"])
                    .add_filter("All files", &["*"])
                    .pick_file(),
                PathPurpose::Save => dialog.set_file_name("session.elute.json").save_file(),
                PathPurpose::ExportCsv => dialog.set_file_name("peaks.csv").save_file(),
                PathPurpose::ExportJson => dialog.set_file_name("session.json").save_file(),
                PathPurpose::ExportSvg => dialog.set_file_name("chromatogram.svg").save_file(),
                PathPurpose::ExportPng => dialog.set_file_name("chromatogram.png").save_file(),
                PathPurpose::ExportReport => dialog.set_file_name("report.html").save_file(),
            };
            if let Some(p) = picked {
                self.apply(purpose.action(p));
                return;
            }
            // None at once means no dialog could appear (no portal: Xvfb, a bare WM): offer the path field.
            // None after a while means the user cancelled the dialog.
            if asked.elapsed() > super::NO_DIALOG_WITHIN {
                return;
            }
        }
        let text = match purpose {
            PathPurpose::Save => self.session_path.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
            _ => String::new(),
        };
        self.prompt = Some(PathPrompt { purpose, text });
    }
}

//! Opening and saving: runs and sessions from files, the session as saved (with the run embedded when asked or
//! when it is the built-in example), exports' outcome messages, and asking for a path.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use super::app::{App, NO_DIALOG_WITHIN};
use super::panels::dialogs::{PathPrompt, PathPurpose};
use super::state::Document;
use crate::model::{Baseline, Column};
use crate::session::open::{Opened, is_default_run, open_path};
use crate::session::{self, Session};

impl App {
    pub(super) fn open(&mut self, path: &Path) {
        match open_path(path) {
            Err(e) => self.outbox.error = Some(e),
            Ok(Opened::Session { session, run, warning, note }) => {
                let mut doc = Document::new(session);
                doc.run = run.map(Arc::new);
                self.replace_document(doc, Some(path.to_path_buf()));
                self.outbox.error = warning;
                self.outbox.message = match note {
                    Some(n) => format!("opened session {}; {n}", path.display()),
                    None => format!("opened session {}", path.display()),
                };
                self.remember(path);
            }
            Ok(Opened::Run { run, reference }) => {
                // Keep the column if the current document is already about a run; start fresh peaks.
                let old = &self.editing.doc;
                let (column, assumed) = match old.run {
                    Some(_) => (old.session.column, old.column_assumed),
                    None => (Column::default_preset(), true),
                };
                let mut session = Session::new(column, Vec::new());
                let base = crate::app::estimate::median(&run.chromatogram().signal);
                session.baseline = Some(Baseline::constant(base));
                session.run = Some(reference);
                let mut doc = Document::new(session);
                doc.run = Some(Arc::new(run));
                doc.column_assumed = assumed;
                self.replace_document(doc, None);
                self.outbox.error = None;
                self.remember(path);
                // Show it fitted, like the default run (a detection fits every peak it finds, with t0, t1 and τ on
                // an assumed column, as `elute fit` does); the result counts as the opened document.
                self.start_job(self.detect_job(), true);
                self.outbox.message = format!("opened run {}", path.display());
            }
        }
    }

    pub(super) fn remember(&mut self, path: &Path) {
        if let Some(d) = &self.config.data_dir {
            d.push_recent(&mut self.files.recent, path);
        }
    }

    /// The session as written to files: the document's, with the measured channel embedded when the run is the
    /// built-in example or the user asked for embedding.
    pub fn session_to_save(&self) -> Session {
        // The fit summary keeps only peaks that still carry fit figures (an edited peak's are gone), so that
        // reopening shows the same uncertainties.
        let mut s = self.editing.doc.session_to_save();
        s.embedded_run = None;
        if let Some(run) = &self.editing.doc.run
            && (self.settings.embed_run || is_default_run(run))
        {
            // A channel the readers accepted always embeds; should it not, the session refers by path only.
            s.embedded_run = session::EmbeddedRun::from_chromatogram(run.chromatogram()).ok();
        }
        s
    }

    pub(super) fn save_to(&mut self, path: &Path) {
        match session::save(&self.session_to_save(), path) {
            Ok(()) => {
                self.editing.session_path = Some(path.to_path_buf());
                self.editing.saved_revision = self.editing.revision;
                self.outbox.message = format!("saved {}", path.display());
                if let Some(d) = &self.config.data_dir {
                    d.remove_autosave();
                }
                self.remember(path);
                self.saved();
            }
            Err(e) => {
                self.outbox.error = Some(e.to_string());
                self.files.after_save = None;
            }
        }
    }

    pub(super) fn report_write(&mut self, result: std::io::Result<()>, path: &Path, what: &str) {
        match result {
            Ok(()) => self.outbox.message = format!("wrote {what} to {}", path.display()),
            Err(e) => self.outbox.error = Some(format!("cannot write {what}: {e} ({})", path.display())),
        }
    }

    /// Asks for a path: the native dialog when allowed and available, else the path field.
    pub(super) fn ask_path(&mut self, purpose: PathPurpose) {
        if self.config.native_dialogs {
            let asked = Instant::now();
            let dialog = rfd::FileDialog::new();
            let mut readable = crate::io::run_file_extensions();
            readable.push("json"); // sessions (`.elute.json`)
            readable.sort_unstable();
            readable.dedup();
            let picked = match purpose {
                PathPurpose::Open => dialog
                    .add_filter("Chromatograms and sessions", &readable)
                    .add_filter("All files", &["*"])
                    .pick_file(),
                PathPurpose::OpenFolder => dialog.pick_folder(),
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
            if asked.elapsed() > NO_DIALOG_WITHIN {
                return;
            }
        }
        let text = match purpose {
            PathPurpose::Save => {
                self.editing.session_path.as_ref().map(|p| p.display().to_string()).unwrap_or_default()
            }
            // The folder the last path typed was in, ready for a file name.
            _ => self.files.last_folder.as_ref().map(|f| format!("{}/", f.display())).unwrap_or_default(),
        };
        self.files.prompt = Some(PathPrompt::new(purpose, text));
    }
}

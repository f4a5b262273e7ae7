//! Asking before unsaved changes are lost: quitting (Ctrl+Q, the menu, the window's close button) and opening
//! another file wait for the user's answer — save, discard or stay.

use super::actions::{Command, UnsavedChoice};
use super::app::{App, Discarding};

impl App {
    /// Quits, or asks first when there are unsaved changes.
    pub(super) fn quit_or_ask(&mut self) {
        if self.is_dirty() && !self.outbox.closing {
            self.files.unsaved_question = Some(Discarding::Quit);
        } else {
            self.go_on(Discarding::Quit);
        }
    }

    /// Opens `path`, or asks first when there are unsaved changes.
    pub(super) fn open_or_ask(&mut self, path: std::path::PathBuf) {
        if self.is_dirty() {
            self.files.unsaved_question = Some(Discarding::Open(path));
        } else {
            self.open(&path);
        }
    }

    /// The window's close button: held back while there are unsaved changes, and the question asked.
    pub(super) fn close_requested(&mut self, ctx: &egui::Context) {
        if ctx.input(|i| i.viewport().close_requested()) && self.is_dirty() && !self.outbox.closing {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.files.unsaved_question = Some(Discarding::Quit);
        }
    }

    /// Takes the user's answer to the question about unsaved changes.
    pub(super) fn resolve_unsaved(&mut self, choice: UnsavedChoice) {
        let Some(waiting) = self.files.unsaved_question.take() else { return };
        match choice {
            UnsavedChoice::Cancel => self.outbox.message = "kept the unsaved changes".into(),
            UnsavedChoice::Discard => {
                if let Some(d) = &self.config.data_dir {
                    d.remove_autosave();
                }
                // Nothing is unsaved any more, by the user's choice.
                self.editing.saved_revision = self.editing.revision;
                self.go_on(waiting);
            }
            UnsavedChoice::Save => {
                // Goes on once saved (see `saved`): at once to the session's file or through a native dialog,
                // or later through the path field. A failed save or a cancelled dialog drops it.
                self.files.after_save = Some(waiting);
                self.command(Command::Save);
                if self.files.prompt.is_none() {
                    self.files.after_save = None;
                }
            }
        }
    }

    /// After a successful save: what waited for it goes on.
    pub(super) fn saved(&mut self) {
        if let Some(waiting) = self.files.after_save.take() {
            self.go_on(waiting);
        }
    }

    fn go_on(&mut self, waiting: Discarding) {
        match waiting {
            Discarding::Quit => {
                self.outbox.closing = true;
                self.outbox.quit = true;
            }
            Discarding::Open(path) => self.open(&path),
        }
    }
}

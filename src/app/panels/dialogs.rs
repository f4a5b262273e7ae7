//! Small windows: the path field used when no native file dialog can appear, and the offer to restore an
//! autosaved session after a crash.

use std::path::{Path, PathBuf};

use crate::app::actions::{Action, UnsavedChoice};
use crate::app::app::Discarding;
use crate::app::data_dir::Autosave;

/// What a typed path is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathPurpose {
    Open,
    OpenFolder,
    Save,
    ExportCsv,
    ExportJson,
    ExportSvg,
    ExportPng,
    ExportReport,
}

impl PathPurpose {
    fn title(self) -> &'static str {
        match self {
            PathPurpose::Open => "Open file",
            PathPurpose::OpenFolder => "Open .D folder",
            PathPurpose::Save => "Save session as",
            PathPurpose::ExportCsv => "Export peak table (CSV)",
            PathPurpose::ExportJson => "Export session JSON",
            PathPurpose::ExportSvg => "Export plot (SVG)",
            PathPurpose::ExportPng => "Export plot (PNG)",
            PathPurpose::ExportReport => "Export report (HTML)",
        }
    }

    /// The action that uses the path.
    pub fn action(self, path: PathBuf) -> Action {
        match self {
            PathPurpose::Open | PathPurpose::OpenFolder => Action::OpenPath(path),
            PathPurpose::Save => Action::SavePath(path),
            PathPurpose::ExportCsv => Action::ExportCsvPath(path),
            PathPurpose::ExportJson => Action::ExportJsonPath(path),
            PathPurpose::ExportSvg => Action::ExportSvgPath(path),
            PathPurpose::ExportPng => Action::ExportPngPath(path),
            PathPurpose::ExportReport => Action::ExportReportPath(path),
        }
    }
}

/// A path being typed.
#[derive(Debug, Clone)]
pub struct PathPrompt {
    pub purpose: PathPurpose,
    pub text: String,
    /// True once the field has taken the keyboard focus (it takes it when it first appears).
    pub focused: bool,
}

impl PathPrompt {
    /// A prompt for `purpose`, its field filled with `text`.
    pub fn new(purpose: PathPurpose, text: String) -> Self {
        PathPrompt { purpose, text, focused: false }
    }

    /// The path typed, with a leading `~` expanded to the home folder; `None` when the field is empty.
    pub fn path(&self) -> Option<PathBuf> {
        let text = self.text.trim();
        (!text.is_empty()).then(|| expand_home(text, std::env::var_os("HOME").map(PathBuf::from)))
    }
}

/// `text` as a path, with a leading `~` (alone or before `/`) replaced by `home` when it is known.
pub fn expand_home(text: &str, home: Option<PathBuf>) -> PathBuf {
    match (text.strip_prefix('~'), home) {
        (Some(""), Some(home)) => home,
        (Some(rest), Some(home)) if rest.starts_with('/') => home.join(rest.trim_start_matches('/')),
        _ => PathBuf::from(text),
    }
}

/// Draws the path field window. Returns the action and whether the prompt is finished (done or cancelled).
pub fn path_prompt_ui(ctx: &egui::Context, prompt: &mut PathPrompt) -> (Vec<Action>, bool) {
    let mut actions = Vec::new();
    let mut finished = false;
    egui::Window::new(prompt.purpose.title()).collapsible(false).resizable(false).show(ctx, |ui| {
        ui.label("No file dialog is available here: type a path.");
        let r = ui.add(
            egui::TextEdit::singleline(&mut prompt.text).desired_width(420.0).hint_text("/path/to/file (~ for home)"),
        );
        if !prompt.focused {
            r.request_focus();
            prompt.focused = true;
        }
        let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        ui.horizontal(|ui| {
            if (ui.button("OK").clicked() || enter)
                && let Some(path) = prompt.path()
            {
                actions.push(prompt.purpose.action(path));
                finished = true;
            }
            if ui.button("Cancel").clicked() {
                finished = true;
            }
        });
    });
    (actions, finished)
}

/// Draws the autosave offer: what was autosaved and when, in a modal window that blocks the rest of the app
/// until the user answers.
pub fn autosave_offer_ui(ctx: &egui::Context, offer: &Autosave) -> Vec<Action> {
    let mut actions = Vec::new();
    egui::Modal::new(egui::Id::unique("autosave-offer")).show(ctx, |ui| {
        ui.heading("Restore unsaved work?");
        ui.label(format!(
            "Elute did not close cleanly last time. The {} was autosaved {} with {} peaks.",
            offer.describe(),
            offer.age(),
            offer.session.peaks.len()
        ));
        ui.label(format!("The copy is at {}.", offer.path.display()));
        ui.horizontal(|ui| {
            if ui.button("Restore").clicked() {
                actions.push(Action::RestoreAutosave);
            }
            if ui.button("Discard").clicked() {
                actions.push(Action::DiscardAutosave);
            }
        });
    });
    actions
}

/// Asks what to do with unsaved changes before `waiting` discards them: Save, Discard or Cancel, in a modal.
pub fn unsaved_changes_ui(ctx: &egui::Context, waiting: &Discarding, session_file: Option<&Path>) -> Vec<Action> {
    let mut actions = Vec::new();
    let what = match waiting {
        Discarding::Quit => "Quitting".to_string(),
        Discarding::Open(p) => format!("Opening {}", p.display()),
    };
    let doc = session_file.map_or_else(
        || "The session has never been saved".to_string(),
        |p| format!("The session {} has unsaved changes", p.display()),
    );
    egui::Modal::new(egui::Id::unique("unsaved-changes")).show(ctx, |ui| {
        ui.heading("Unsaved changes");
        ui.label(format!("{doc}. {what} would lose them."));
        ui.horizontal(|ui| {
            let save = if session_file.is_some() { "Save" } else { "Save as…" };
            if ui.button(save).clicked() {
                actions.push(Action::ResolveUnsaved(UnsavedChoice::Save));
            }
            if ui.button("Discard changes").clicked() {
                actions.push(Action::ResolveUnsaved(UnsavedChoice::Discard));
            }
            if ui.button("Cancel").clicked() {
                actions.push(Action::ResolveUnsaved(UnsavedChoice::Cancel));
            }
        });
    });
    actions
}

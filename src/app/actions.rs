//! Every user intent as one [`Action`]. Parameterless commands ([`Command`]) carry their label, tooltip and
//! keyboard shortcut, so menus, buttons and keys cannot drift apart.

use std::path::PathBuf;

use egui::{Key, KeyboardShortcut, Modifiers};

use super::params::ParamMode;
use super::settings::ThemeChoice;
use super::state::Gesture;
use crate::model::{Baseline, Column, Method, Peak};

/// A command without parameters: menus, toolbar buttons and shortcuts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Open a run or a session through the file dialog (or the path field when no dialog can appear).
    Open,
    /// Open an Agilent `.D` run folder (every signal in it) through the folder dialog or the path field.
    OpenFolder,
    /// Save the session to its file, asking for a path the first time.
    Save,
    /// Save the session under a new path.
    SaveAs,
    /// Undo the last change to the document.
    Undo,
    /// Redo the last undone change.
    Redo,
    /// Copy the peak table as tab-separated text.
    CopyTable,
    /// Export the peak table as CSV.
    ExportCsv,
    /// Export the session JSON.
    ExportJson,
    /// Export the plot as SVG.
    ExportSvg,
    /// Export the plot as PNG (a screenshot of the plot area).
    ExportPng,
    /// Export the one-page HTML report.
    ExportReport,
    /// Fit the selected peak.
    FitPeak,
    /// Fit every peak.
    FitAll,
    /// Fit the peaks whose mean lies in the visible time range of the plot.
    FitWindow,
    /// Find peaks in the measured run.
    DetectPeaks,
    /// Remove the selected peak.
    DeletePeak,
    /// Reset the plot view to show everything.
    ResetView,
    /// Switch the time axis between seconds and minutes.
    ToggleTimeUnit,
    /// Close the window.
    Quit,
}

impl Command {
    /// Menu and button label.
    pub fn label(self) -> &'static str {
        match self {
            Command::Open => "Open…",
            Command::OpenFolder => "Open folder…",
            Command::Save => "Save",
            Command::SaveAs => "Save as…",
            Command::Undo => "Undo",
            Command::Redo => "Redo",
            Command::CopyTable => "Copy peak table",
            Command::ExportCsv => "Export peak table (CSV)…",
            Command::ExportJson => "Export session JSON…",
            Command::ExportSvg => "Export plot (SVG)…",
            Command::ExportPng => "Export plot (PNG)…",
            Command::ExportReport => "Export report (HTML)…",
            Command::FitPeak => "Fit peak",
            Command::FitAll => "Fit all",
            Command::FitWindow => "Fit window",
            Command::DetectPeaks => "Detect peaks",
            Command::DeletePeak => "Delete peak",
            Command::ResetView => "Reset view",
            Command::ToggleTimeUnit => "Minutes / seconds",
            Command::Quit => "Quit",
        }
    }

    /// Tooltip text.
    pub fn tooltip(self) -> &'static str {
        match self {
            Command::Open => "Open a chromatogram (netCDF, ChemStation, CSV, …) or an Elute session (.json)",
            Command::OpenFolder => "Open an Agilent .D run folder: its .ch signals, data.ms TIC and Result.xml peaks",
            Command::Save => "Save the session as JSON (atomic: temporary file, then rename)",
            Command::SaveAs => "Save the session under a new file name",
            Command::Undo => "Undo the last change (one slider drag is one step)",
            Command::Redo => "Redo the last undone change",
            Command::CopyTable => "Copy the peak table as tab-separated text that pastes into a spreadsheet",
            Command::ExportCsv => "Write the peak table as CSV (units in the header)",
            Command::ExportJson => "Write the session JSON (the same file `elute fit` writes)",
            Command::ExportSvg => "Write the chromatogram with the model curves as SVG",
            Command::ExportPng => "Write the plot area as shown on screen as PNG",
            Command::ExportReport => "Write a one-page HTML report (run, column, plot, peak table) that prints to PDF",
            Command::FitPeak => "Fit k_a and k_d of the selected peak to the measured run (in the background)",
            Command::FitAll => "Fit every peak to the measured run (in the background)",
            Command::FitWindow => "Fit the peaks whose mean lies in the visible time range (zoom in first)",
            Command::DetectPeaks => "Find peaks above the noise threshold and add them with initial k_a, k_d",
            Command::DeletePeak => "Remove the selected peak",
            Command::ResetView => "Zoom out to show the whole run",
            Command::ToggleTimeUnit => "Show the time axis in minutes or in seconds",
            Command::Quit => "Close Elute",
        }
    }

    /// Keyboard shortcut, if any.
    pub fn shortcut(self) -> Option<KeyboardShortcut> {
        let cmd = Modifiers::COMMAND;
        let shift = Modifiers::COMMAND.plus(Modifiers::SHIFT);
        Some(match self {
            Command::Open => KeyboardShortcut::new(cmd, Key::O),
            Command::Save => KeyboardShortcut::new(cmd, Key::S),
            Command::SaveAs => KeyboardShortcut::new(shift, Key::S),
            Command::Undo => KeyboardShortcut::new(cmd, Key::Z),
            Command::Redo => KeyboardShortcut::new(shift, Key::Z),
            Command::CopyTable => KeyboardShortcut::new(shift, Key::C),
            Command::ExportCsv => KeyboardShortcut::new(cmd, Key::E),
            Command::FitPeak => KeyboardShortcut::new(cmd, Key::F),
            Command::FitAll => KeyboardShortcut::new(shift, Key::F),
            Command::DetectPeaks => KeyboardShortcut::new(cmd, Key::D),
            Command::DeletePeak => KeyboardShortcut::new(Modifiers::NONE, Key::Delete),
            Command::ResetView => KeyboardShortcut::new(cmd, Key::R),
            Command::ToggleTimeUnit => KeyboardShortcut::new(cmd, Key::M),
            Command::Quit => KeyboardShortcut::new(cmd, Key::Q),
            Command::OpenFolder
            | Command::ExportJson
            | Command::ExportSvg
            | Command::ExportPng
            | Command::ExportReport
            | Command::FitWindow => return None,
        })
    }

    /// Commands with shortcuts, checked each frame. Longer modifier sets first, so Ctrl+Shift+Z is not taken
    /// for Ctrl+Z.
    pub const WITH_SHORTCUTS: [Command; 14] = [
        Command::SaveAs,
        Command::Redo,
        Command::CopyTable,
        Command::FitAll,
        Command::Open,
        Command::Save,
        Command::Undo,
        Command::ExportCsv,
        Command::FitPeak,
        Command::DetectPeaks,
        Command::DeletePeak,
        Command::ResetView,
        Command::ToggleTimeUnit,
        Command::Quit,
    ];
}

/// A change to the view settings (not to the document: no undo step).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Setting {
    /// The time axis in minutes (true) or seconds.
    Minutes(bool),
    /// What the peak sliders show.
    ParamMode(ParamMode),
    /// The peak detection threshold, in noise standard deviations.
    Threshold(f64),
    /// The most peaks a detection keeps (see [`Settings::max_peaks`](super::settings::Settings)).
    MaxPeaks(usize),
    /// The colour theme.
    Theme(ThemeChoice),
    /// Embed the measured channel in saved sessions.
    EmbedRun(bool),
    /// How the curves are computed.
    Method(Method),
    /// Fit the inlet tail τ (true) or hold it at the column's value.
    FitInletTail(bool),
    /// Label each peak on the plot with its name and t_R.
    PeakLabels(bool),
}

/// The answers to "unsaved changes: save them first?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnsavedChoice {
    /// Save the session (asking for a path the first time), then go on.
    Save,
    /// Go on without saving (the autosave copy is removed too).
    Discard,
    /// Stay: do not quit or open.
    Cancel,
}

/// Everything the user can ask for. Panels return these; the app applies them (see `App::ui` for when).
#[must_use = "an action does nothing until the app applies it"]
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// A parameterless command.
    Command(Command),
    /// Open this file (run or session).
    OpenPath(PathBuf),
    /// Save the session to this path (and remember it as the session's file).
    SavePath(PathBuf),
    /// Write the peak table CSV to this path.
    ExportCsvPath(PathBuf),
    /// Write the session JSON to this path without making it the session's file.
    ExportJsonPath(PathBuf),
    /// Write the plot SVG to this path.
    ExportSvgPath(PathBuf),
    /// Write the plot area as PNG to this path (on the next rendered frame).
    ExportPngPath(PathBuf),
    /// Write the HTML report to this path.
    ExportReportPath(PathBuf),
    /// Replace peak `index` with `peak`.
    SetPeak { index: usize, peak: Peak, gesture: Gesture },
    /// Replace the column.
    SetColumn { column: Column, gesture: Gesture },
    /// Give t0 (s) on an assumed column: the column takes it and fits hold it.
    SetHoldupTime { holdup_time_s: f64 },
    /// Start (true) or stop the pick mode: the next click on the trace takes that peak as the unretained peak.
    PickUnretained(bool),
    /// Replace the baseline (`None`: zero).
    SetBaseline { baseline: Option<Baseline>, gesture: Gesture },
    /// Add a peak whose apex is near this time (s), shaped from the measured trace there.
    AddPeakAt { time_s: f64 },
    /// Remove peak `index`.
    RemovePeak(usize),
    /// Select a peak (or none).
    Select(Option<usize>),
    /// Show another channel of the run.
    SelectChannel(usize),
    /// Stop the running background job.
    CancelJob,
    /// Restore the autosaved session found at start-up.
    RestoreAutosave,
    /// Forget the autosaved session found at start-up.
    DiscardAutosave,
    /// Answer the question about unsaved changes (asked before quitting or opening another file).
    ResolveUnsaved(UnsavedChoice),
    /// Hide the error banner.
    DismissError,
    /// Change a view setting.
    Set(Setting),
}

impl Action {
    /// Whether applying it reads the curves for what it writes or adds (a file, the clipboard, a peak shaped from
    /// the residual): then they must be the full-resolution ones.
    pub fn reads_curves(&self) -> bool {
        matches!(
            self,
            Action::ExportCsvPath(_)
                | Action::ExportSvgPath(_)
                | Action::ExportReportPath(_)
                | Action::AddPeakAt { .. }
                | Action::Command(Command::CopyTable)
        )
    }
}

impl From<Command> for Action {
    fn from(c: Command) -> Action {
        Action::Command(c)
    }
}

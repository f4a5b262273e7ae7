//! The menu bar. Every entry is a [`Command`] with its label, tooltip and shortcut.

use std::path::PathBuf;

use crate::app::actions::{Action, Command, Setting};
use crate::app::params::ParamMode;
use crate::app::settings::{Settings, ThemeChoice};
use crate::app::ui::SidePanels;
use crate::model::Method;

/// What decides which entries are enabled.
pub struct MenuState<'a> {
    pub can_undo: bool,
    pub can_redo: bool,
    pub has_selection: bool,
    pub has_run: bool,
    pub job_running: bool,
    pub recent: &'a [PathBuf],
}

/// A menu entry for `command`: label, shortcut text and tooltip. True when clicked.
pub fn command_button(ui: &mut egui::Ui, command: Command, enabled: bool) -> bool {
    let mut button = egui::Button::new(command.label());
    if let Some(sc) = command.shortcut() {
        button = button.shortcut_text(ui.ctx().format_shortcut(&sc));
    }
    let clicked = ui.add_enabled(enabled, button).on_hover_text(command.tooltip()).clicked();
    if clicked {
        ui.close();
    }
    clicked
}

/// Draws the menu bar.
/// About 100 lines: it is the menu's declaration, one line per entry, in the order the user sees them.
/// The side panels' visibility is view state, toggled here directly (like the zoom).
pub fn menu_bar_ui(
    ui: &mut egui::Ui,
    state: &MenuState<'_>,
    settings: &Settings,
    panels: &mut SidePanels,
) -> Vec<Action> {
    let mut actions = Vec::new();
    let mut settings_changed = Vec::new();
    let mut open_recent: Option<PathBuf> = None;
    let mut cmd = |ui: &mut egui::Ui, c: Command, enabled: bool| {
        if command_button(ui, c, enabled) {
            actions.push(Action::Command(c));
        }
    };
    let mut set = |s: Setting| settings_changed.push(s);
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            cmd(ui, Command::Open, true);
            cmd(ui, Command::OpenFolder, true);
            ui.menu_button("Open recent", |ui| {
                if state.recent.is_empty() {
                    ui.label("(none yet)");
                }
                for p in state.recent {
                    if ui.button(p.display().to_string()).clicked() {
                        open_recent = Some(p.clone());
                        ui.close();
                    }
                }
            });
            cmd(ui, Command::Save, true);
            cmd(ui, Command::SaveAs, true);
            let mut embed = settings.embed_run;
            ui.checkbox(&mut embed, "Embed run data in session").on_hover_text(
                "Save the measured channel (time and signal) inside the session file, so it reopens without the \
                 run file. Sessions on the built-in example run always embed it.",
            );
            if embed != settings.embed_run {
                set(Setting::EmbedRun(embed));
            }
            ui.separator();
            cmd(ui, Command::ExportCsv, true);
            cmd(ui, Command::CopyTable, true);
            cmd(ui, Command::ExportJson, true);
            cmd(ui, Command::ExportSvg, true);
            cmd(ui, Command::ExportPng, true);
            cmd(ui, Command::ExportReport, true);
            ui.separator();
            cmd(ui, Command::Quit, true);
        });
        ui.menu_button("Edit", |ui| {
            cmd(ui, Command::Undo, state.can_undo);
            cmd(ui, Command::Redo, state.can_redo);
            ui.separator();
            cmd(ui, Command::DeletePeak, state.has_selection);
        });
        ui.menu_button("Fit", |ui| {
            cmd(ui, Command::FitPeak, state.has_selection && state.has_run && !state.job_running);
            cmd(ui, Command::FitAll, state.has_run && !state.job_running);
            cmd(ui, Command::FitWindow, state.has_run && !state.job_running);
            cmd(ui, Command::DetectPeaks, state.has_run && !state.job_running);
        });
        ui.menu_button("View", |ui| {
            cmd(ui, Command::ResetView, true);
            cmd(ui, Command::ToggleTimeUnit, true);
            let mut labels = settings.peak_labels;
            ui.checkbox(&mut labels, "Peak labels")
                .on_hover_text("Label each peak on the plot at its apex with its name and retention time");
            if labels != settings.peak_labels {
                set(Setting::PeakLabels(labels));
            }
            ui.checkbox(&mut panels.column, "Column panel").on_hover_text("Show the column parameters on the left");
            ui.checkbox(&mut panels.peaks, "Peaks panel").on_hover_text("Show the peak table and editor on the right");
            ui.checkbox(&mut panels.column_view, "Column view (bands inside the column)").on_hover_text(
                "Under the chromatogram: each peak's band in the gas and in the film along the column, with play, \
                 speed and a time slider whose moment is a cursor line on the chromatogram",
            );
            ui.separator();
            ui.label("Theme");
            for t in ThemeChoice::ALL {
                let r = ui.radio(settings.theme == t, t.label());
                if r.on_hover_text("Dark or light colours; \"Follow the system\" uses the desktop's setting").clicked()
                {
                    set(Setting::Theme(t));
                }
            }
            ui.separator();
            ui.label("Text size (for projectors)");
            ui.horizontal(|ui| {
                if ui.button("Larger").on_hover_text("Zoom the whole interface in (Ctrl +)").clicked() {
                    egui::gui_zoom::zoom_in(ui.ctx());
                }
                if ui.button("Smaller").on_hover_text("Zoom the whole interface out (Ctrl −)").clicked() {
                    egui::gui_zoom::zoom_out(ui.ctx());
                }
                if ui.button("Reset").on_hover_text("Back to 100 % (Ctrl 0)").clicked() {
                    ui.ctx().set_zoom_factor(1.0);
                }
            });
            ui.separator();
            ui.label("Peak sliders");
            for m in ParamMode::ALL {
                if ui.radio(settings.param_mode == m, m.label()).clicked() {
                    set(Setting::ParamMode(m));
                }
            }
            ui.separator();
            ui.label("Model evaluation");
            if ui.radio(settings.method == Method::Closed, "Closed form (fast)").clicked() {
                set(Setting::Method(Method::Closed));
            }
            let r = ui.radio(settings.method == Method::Quadrature, "Quadrature (reference, slow)");
            if r.on_hover_text("The paper's adaptive quadrature: exact but slow on long runs").clicked() {
                set(Setting::Method(Method::Quadrature));
            }
        });
    });
    actions.extend(settings_changed.into_iter().map(Action::Set));
    actions.extend(open_recent.map(Action::OpenPath));
    actions
}

//! The menu bar. Every entry is a [`Command`] with its label, tooltip and shortcut.

use std::path::PathBuf;

use crate::app::actions::{Action, Command};
use crate::app::params::ParamMode;
use crate::model::Method;

/// View settings the menus change directly (not part of the document).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewSettings {
    /// Time axis in minutes.
    pub minutes: bool,
    /// How curves are computed (Closed is the fast default).
    pub method: Method,
    /// What the peak sliders show.
    pub param_mode: ParamMode,
    /// Dark, light, or following the system.
    pub theme: ThemeChoice,
    /// Embed the measured channel in saved sessions (the embedded default run always is).
    pub embed_run: bool,
}

/// The colour theme: following the system (the default) or forced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum ThemeChoice {
    /// Follow the desktop's dark/light setting (egui falls back to dark when the system does not say).
    #[default]
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

impl ThemeChoice {
    /// Every choice, in menu order.
    pub const ALL: [ThemeChoice; 3] = [ThemeChoice::System, ThemeChoice::Light, ThemeChoice::Dark];

    /// Menu label.
    pub fn label(self) -> &'static str {
        match self {
            ThemeChoice::System => "Follow the system",
            ThemeChoice::Light => "Light",
            ThemeChoice::Dark => "Dark",
        }
    }

    /// egui's preference for this choice.
    pub fn preference(self) -> egui::ThemePreference {
        match self {
            ThemeChoice::System => egui::ThemePreference::System,
            ThemeChoice::Light => egui::ThemePreference::Light,
            ThemeChoice::Dark => egui::ThemePreference::Dark,
        }
    }
}

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
pub fn menu_bar_ui(ui: &mut egui::Ui, state: &MenuState<'_>, view: &mut ViewSettings) -> Vec<Action> {
    let mut actions = Vec::new();
    let mut cmd = |ui: &mut egui::Ui, c: Command, enabled: bool| {
        if command_button(ui, c, enabled) {
            actions.push(Action::Command(c));
        }
    };
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            cmd(ui, Command::Open, true);
            ui.menu_button("Open recent", |ui| {
                if state.recent.is_empty() {
                    ui.label("(none yet)");
                }
                for p in state.recent {
                    if ui.button(p.display().to_string()).clicked() {
                        actions_push_open(p, ui);
                    }
                }
            });
            cmd(ui, Command::Save, true);
            cmd(ui, Command::SaveAs, true);
            ui.checkbox(&mut view.embed_run, "Embed run data in session").on_hover_text(
                "Save the measured channel (time and signal) inside the session file, so it reopens without the \
                 run file. Sessions on the built-in example run always embed it.",
            );
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
            ui.separator();
            ui.label("Theme");
            for t in ThemeChoice::ALL {
                ui.radio_value(&mut view.theme, t, t.label())
                    .on_hover_text("Dark or light colours; \"Follow the system\" uses the desktop's setting");
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
                ui.radio_value(&mut view.param_mode, m, m.label());
            }
            ui.separator();
            ui.label("Model evaluation");
            ui.radio_value(&mut view.method, Method::Closed, "Closed form (fast)");
            ui.radio_value(&mut view.method, Method::Quadrature, "Quadrature (reference, slow)")
                .on_hover_text("The paper's adaptive quadrature: exact but slow on long runs");
        });
    });
    // Recent entries are collected through egui memory to keep the closure borrow simple.
    if let Some(p) = ui.ctx().data_mut(|d| d.remove_temp::<PathBuf>(egui::Id::unique(RECENT_KEY))) {
        actions.push(Action::OpenPath(p));
    }
    actions
}

const RECENT_KEY: &str = "elute-open-recent";

fn actions_push_open(path: &std::path::Path, ui: &mut egui::Ui) {
    let p = path.to_path_buf();
    ui.ctx().data_mut(|d| d.insert_temp(egui::Id::unique(RECENT_KEY), p));
    ui.close();
}

//! The status bar (file, channel, points, messages, model time) and the error banner.

use egui::{Color32, RichText};

use crate::app::actions::Action;
use crate::app::state::Document;

/// What the status bar shows besides the document.
pub struct StatusInfo<'a> {
    /// The session file, if saved.
    pub session_path: Option<&'a std::path::Path>,
    /// Whether the document has unsaved changes.
    pub dirty: bool,
    /// The last message.
    pub message: &'a str,
    /// Points in the model curves.
    pub model_points: usize,
    /// Time of the last model recomputation, ms.
    pub model_ms: f64,
    /// That recomputation was a drag preview (the changed peaks only, at screen resolution).
    pub model_preview: bool,
}

/// What the pointer does on the plot, always shown in the status bar.
pub const POINTER_HINT: &str = "Plot: click a curve to select it, Shift+click to add a peak, right-click a curve to \
                                delete it";

/// Draws the status bar; returns a channel switch when the run has several channels.
pub fn status_ui(ui: &mut egui::Ui, doc: &Document, info: &StatusInfo<'_>) -> Vec<Action> {
    let mut actions = Vec::new();
    ui.horizontal_wrapped(|ui| {
        match &doc.run {
            Some(run) => {
                ui.label(format!("File: {}", run.display_name()));
                ui.separator();
                if run.channels.len() > 1 {
                    let mut channel = run.channel;
                    let label = ui.label("Channel");
                    egui::ComboBox::from_id_salt("channel")
                        .selected_text(format!("Channel {}: {}", channel + 1, run.chromatogram().channel))
                        .show_ui(ui, |ui| {
                            for (i, c) in run.channels.iter().enumerate() {
                                ui.selectable_value(&mut channel, i, format!("{}: {}", i + 1, c.channel));
                            }
                        })
                        .response
                        .labelled_by(label.id)
                        .on_hover_text("Another channel: its peaks are detected and fitted afresh");
                    if channel != run.channel {
                        actions.push(Action::SelectChannel(channel));
                    }
                } else {
                    ui.label(format!("Channel: {}", run.chromatogram().channel));
                }
                ui.separator();
                ui.label(format!("{} points", run.chromatogram().len()));
            }
            None => {
                ui.label("Simulation (no measured run)");
                ui.separator();
                ui.label(format!("{} points", info.model_points));
            }
        }
        ui.separator();
        let session = info.session_path.map_or_else(|| "unsaved session".into(), |p| p.display().to_string());
        ui.label(format!("{session}{}", if info.dirty { " *" } else { "" }));
        ui.separator();
        if info.model_preview {
            ui.label(format!("model {:.2} ms (preview)", info.model_ms))
                .on_hover_text("Time to recompute the dragged curves at screen resolution; in full on release");
        } else {
            ui.label(format!("model {:.2} ms", info.model_ms)).on_hover_text("Time to recompute every curve");
        }
        ui.separator();
        ui.label(POINTER_HINT).on_hover_text("What a click on the plot does");
        if !info.message.is_empty() {
            ui.separator();
            ui.label(info.message);
        }
    });
    actions
}

/// A visible error banner; returns `DismissError` when closed.
pub fn banner_ui(ui: &mut egui::Ui, error: &str) -> Vec<Action> {
    let mut actions = Vec::new();
    egui::Frame::new().fill(Color32::from_rgb(120, 20, 20)).inner_margin(6.0).show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.label(RichText::new(format!("Error: {error}")).color(Color32::WHITE).strong());
            if ui.button("Dismiss").clicked() {
                actions.push(Action::DismissError);
            }
        });
    });
    actions
}

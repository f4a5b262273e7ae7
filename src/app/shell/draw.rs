//! Drawing the window: panels in order, same-frame application of side-panel edits, shortcuts, dropped files,
//! clipboard and PNG export.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::{App, Repainter};
use crate::app::actions::{Action, Command};
use crate::app::confidence::Confidence;
use crate::app::export::table_rows;
use crate::app::panels::column::column_ui;
use crate::app::panels::confidence::confidence_ui;
use crate::app::panels::dialogs::{autosave_offer_ui, path_prompt_ui};
use crate::app::panels::fit::{JobView, fit_ui};
use crate::app::panels::menus::{MenuState, menu_bar_ui};
use crate::app::panels::peak_table::{peak_editor_ui, peak_table_ui};
use crate::app::panels::plot::plot_ui;
use crate::app::panels::status::{StatusInfo, banner_ui, status_ui};

impl App {
    /// Draws the whole window and applies what the user did. Works in any `Ui` (eframe or egui_kittest).
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.repaint = Repainter(Some(ctx.clone()));
        let theme = self.view.theme.preference();
        if ctx.options(|o| o.theme_preference) != theme {
            ctx.set_theme(theme);
        }
        self.poll_job();
        let dragging = ctx.input(|i| i.pointer.any_down());
        self.update_confidence(dragging);
        let mut actions = self.keyboard_and_drops(&ctx);

        egui::Panel::top("menu").show(ui, |ui| {
            let state = MenuState {
                can_undo: self.history.can_undo(),
                can_redo: self.history.can_redo(),
                has_selection: self.selected.is_some(),
                has_run: self.doc.run.is_some(),
                job_running: self.job.is_some(),
                recent: &self.recent,
            };
            actions.extend(menu_bar_ui(ui, &state, &mut self.view));
        });
        if let Some(e) = &self.error {
            let e = e.clone();
            egui::Panel::top("banner").show(ui, |ui| actions.extend(banner_ui(ui, &e)));
        }
        self.ensure_curves();
        egui::Panel::bottom("status").show(ui, |ui| {
            let info = StatusInfo {
                session_path: self.session_path.as_deref(),
                dirty: self.is_dirty(),
                message: &self.message,
                model_points: self.curves.time_s.len(),
                model_ms: self.curves.compute_ms,
            };
            actions.extend(status_ui(ui, &self.doc, &info));
        });
        egui::Panel::left("column").resizable(true).default_size(250.0).show(ui, |ui| {
            egui::ScrollArea::vertical().id_salt("column-scroll").show(ui, |ui| {
                ui.heading("Column");
                actions.extend(column_ui(ui, &self.doc));
            });
        });
        let rows = table_rows(&self.doc, &self.curves);
        egui::Panel::right("peaks").resizable(true).default_size(430.0).show(ui, |ui| {
            egui::ScrollArea::vertical().id_salt("peaks-scroll").show(ui, |ui| {
                ui.heading("Peaks");
                actions.extend(peak_table_ui(ui, &rows, self.selected));
                ui.separator();
                let job = self.job.as_ref().map(|(j, _)| JobView {
                    label: &j.label,
                    progress: j.progress(),
                    elapsed_s: j.started.elapsed().as_secs_f32(),
                });
                actions.extend(fit_ui(
                    ui,
                    self.doc.run.is_some(),
                    self.selected.is_some(),
                    job,
                    &mut self.threshold_sigma,
                    &self.view,
                ));
                ui.separator();
                match self.selected {
                    Some(i) => {
                        ui.heading(format!("Peak {}", i + 1));
                        actions.extend(peak_editor_ui(ui, &self.doc, i, &mut self.view.param_mode));
                        ui.separator();
                        egui::CollapsingHeader::new("Confidence region of (k_a, k_d)")
                            .default_open(true)
                            .show(ui, |ui| confidence_ui(ui, self.confidence.as_ref()));
                    }
                    None => {
                        ui.label("Select a peak (table row or curve) to edit it.");
                    }
                }
            });
        });
        // Edits from the side panels show in the plot in this same frame.
        for a in actions.drain(..) {
            self.apply(a);
        }
        self.ensure_curves();
        self.plot_view.minutes = self.view.minutes;
        egui::CentralPanel::default().show(ui, |ui| {
            if let Some(e) = &self.curves.error {
                ui.colored_label(egui::Color32::RED, e);
            }
            self.plot_rect = Some(ui.max_rect());
            actions.extend(plot_ui(ui, &self.doc, &self.curves, self.revision, self.selected, &mut self.plot_view));
        });
        if let Some(prompt) = &mut self.prompt {
            let (a, finished) = path_prompt_ui(&ctx, prompt);
            actions.extend(a);
            if finished {
                self.prompt = None;
            }
        }
        if let Some(offer) = &self.autosave_offer {
            actions.extend(autosave_offer_ui(&ctx, offer.peaks.len()));
        }
        let before = self.revision;
        let selected_before = self.selected;
        for a in actions {
            self.apply(a);
        }
        if self.revision != before {
            self.ensure_curves();
            ctx.request_repaint();
        } else if self.selected != selected_before {
            ctx.request_repaint();
        }
        self.update_confidence(dragging);
        if self.confidence.as_ref().is_some_and(Confidence::is_computing) {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
        if !ctx.input(|i| i.pointer.any_down()) {
            self.history.end_gesture();
        }
        if let Some(text) = self.pending_clipboard.take() {
            ctx.copy_text(text);
        }
        self.png_export(&ctx);
        if self.job.is_some() {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
        if std::mem::take(&mut self.quit_requested) {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        self.autosave_tick();
    }

    /// Asks for a screenshot when a PNG export is pending, and reports finished ones.
    fn png_export(&mut self, ctx: &egui::Context) {
        if let Some(path) = self.pending_png.take() {
            let rect = self.plot_rect;
            let results = Arc::clone(&self.screenshot_results);
            let ppp = ctx.pixels_per_point();
            let waker = ctx.clone();
            ctx.request_screenshot(move |image| {
                let image = match rect {
                    Some(r) => image.region(&r, Some(ppp)),
                    None => (*image).clone(),
                };
                let result = crate::app::export::write_png(&path, &image);
                if let Ok(mut r) = results.lock() {
                    r.push(result.map(|()| format!("wrote plot PNG to {}", path.display())));
                }
                waker.request_repaint();
            });
            ctx.request_repaint();
        }
        let done: Vec<Result<String, String>> =
            self.screenshot_results.lock().map(|mut r| std::mem::take(&mut *r)).unwrap_or_default();
        for r in done {
            match r {
                Ok(m) => self.message = m,
                Err(e) => self.error = Some(e),
            }
        }
    }

    /// Shortcuts and dropped files, as actions.
    fn keyboard_and_drops(&mut self, ctx: &egui::Context) -> Vec<Action> {
        let mut actions = Vec::new();
        let typing = ctx.egui_wants_keyboard_input();
        for c in Command::WITH_SHORTCUTS {
            let Some(sc) = c.shortcut() else { continue };
            // While a text field has focus, its own keys win (Delete, Ctrl+Z, copy).
            if typing && matches!(c, Command::DeletePeak | Command::Undo | Command::Redo | Command::CopyTable) {
                continue;
            }
            if ctx.input_mut(|i| i.consume_shortcut(&sc)) {
                actions.push(Action::Command(c));
            }
        }
        let dropped: Vec<PathBuf> = ctx.input(|i| i.raw.dropped_files.iter().map(|f| f.path().to_path_buf()).collect());
        actions.extend(dropped.into_iter().take(1).map(Action::OpenPath));
        actions
    }
}

//! Drawing the window: panels in order, shortcuts, dropped files, clipboard and PNG export.
//!
//! Every panel returns [`Action`]s and the app applies them in two batches, for one reason: the side panels are
//! laid out before the plot, and an edit made there (a slider drag, a typed value) must show in the plot in the
//! same frame, or a drag would lag a frame behind the pointer. So the menu, banner, status and side-panel actions
//! are applied before the plot is drawn, and the plot's and the dialogs' actions after it, at the end of the frame.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::actions::{Action, Command};
use super::app::{App, Repainter};
use super::export::{resolutions, table_rows};
use super::panels::column::column_ui;
use super::panels::column_view::{ColumnViewInput, column_view_ui};
use super::panels::confidence::confidence_ui;
use super::panels::dialogs::{autosave_offer_ui, path_prompt_ui, unsaved_changes_ui};
use super::panels::fit::{JobView, fit_ui};
use super::panels::menus::{MenuState, menu_bar_ui};
use super::panels::peak_table::{TableInput, peak_editor_ui, peak_table_ui};
use super::panels::plot::{peak_color, plot_ui};
use super::panels::status::{StatusInfo, banner_ui, status_ui};
use super::region::Confidence;

/// The least width of a side panel (points).
const SIDE_PANEL_MIN_PX: f32 = 120.0;
/// The largest share of the window's width either side panel may take.
const SIDE_PANEL_MAX_SHARE: f32 = 0.3;

/// The side panels' first widths (column, peaks) in points for a window `width_px` wide: 250 and 430 on a wide
/// window, less on a narrow one, so that the plot keeps at least half the width.
pub fn side_panel_widths(width_px: f32) -> (f32, f32) {
    ((width_px * 0.18).clamp(SIDE_PANEL_MIN_PX, 250.0), (width_px * 0.25).clamp(SIDE_PANEL_MIN_PX, 430.0))
}

/// The fewest table rows kept in view when the editor below needs the height.
const TABLE_MIN_ROWS: f32 = 8.0;

/// The peak table's height: what is left in the panel's view once `below_px` (the fit controls and editor, as
/// tall as last frame) is set aside, and at least [`TABLE_MIN_ROWS`] rows.
fn table_height_px(ui: &egui::Ui, below_px: f32) -> f32 {
    let row_px = ui.spacing().interact_size.y + ui.spacing().item_spacing.y;
    let menu_px = row_px + ui.spacing().item_spacing.y;
    (ui.available_height() - menu_px - below_px).max(TABLE_MIN_ROWS * row_px)
}

/// Forgets every scroll position and panel width (egui keeps them, across runs too): a newly opened file starts
/// at the top of its table, with the panels at their first widths.
fn forget_layout(ctx: &egui::Context) {
    ctx.data_mut(|d| {
        d.remove_by_type::<egui::scroll_area::State>();
        d.remove_by_type::<egui::containers::panel::PanelState>();
    });
}

/// Which side panels are open (each collapses from the View menu, or by dragging or double-clicking its edge).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SidePanels {
    /// The column panel on the left.
    pub column: bool,
    /// The peak table and editor on the right.
    pub peaks: bool,
    /// The column view (the bands inside the column, teaching) under the chromatogram.
    pub column_view: bool,
}

impl Default for SidePanels {
    fn default() -> SidePanels {
        SidePanels { column: true, peaks: true, column_view: false }
    }
}

impl App {
    /// Draws the whole window and applies what the user did. Works in any `Ui` (eframe or egui_kittest).
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.repaint = Repainter(Some(ctx.clone()));
        let theme = self.settings.theme.preference();
        if ctx.options(|o| o.theme_preference) != theme {
            ctx.set_theme(theme);
        }
        if std::mem::take(&mut self.fresh_layout) {
            forget_layout(&ctx);
        }
        self.poll_job();
        self.close_requested(&ctx);
        let dragging = ctx.input(|i| i.pointer.any_down());
        self.pointer_held = dragging;
        self.update_confidence(dragging);
        let mut actions = self.keyboard_and_drops(&ctx);
        actions.extend(self.top_and_bottom_ui(ui));
        actions.extend(self.side_panels_ui(ui));
        // The first batch (see the module doc): side-panel edits show in the plot in this same frame.
        for a in actions.drain(..) {
            self.apply(a);
        }
        self.refresh_curves(false);
        self.plot_view.minutes = self.settings.minutes;
        self.plot_view.show_labels = self.settings.peak_labels;
        self.column_view_ui(ui);
        egui::CentralPanel::default().show(ui, |ui| {
            if let Some(e) = &self.curves.error {
                ui.colored_label(egui::Color32::RED, e);
            }
            self.outbox.plot_rect = Some(ui.max_rect());
            let e = &self.editing;
            actions.extend(plot_ui(ui, &e.doc, &self.curves, e.revision, self.selected, &mut self.plot_view));
        });
        actions.extend(self.dialogs_ui(&ctx));
        // The second batch: the plot's and the dialogs' actions.
        let before = self.editing.revision;
        let selected_before = self.selected;
        for a in actions {
            self.apply(a);
        }
        // A drag that has ended gets its full-resolution curves here, once its last edit is in.
        let finished = self.refresh_curves(!self.pointer_held);
        if self.editing.revision != before || finished || self.selected != selected_before {
            ctx.request_repaint();
        }
        self.end_of_frame(&ctx, dragging);
    }

    /// The menu bar, the error banner and the status bar.
    fn top_and_bottom_ui(&mut self, ui: &mut egui::Ui) -> Vec<Action> {
        let mut actions = Vec::new();
        egui::Panel::top("menu").show(ui, |ui| {
            let state = MenuState {
                can_undo: self.editing.history.can_undo(),
                can_redo: self.editing.history.can_redo(),
                has_selection: self.selected.is_some(),
                has_run: self.editing.doc.run.is_some(),
                job_running: self.job.is_some(),
                recent: &self.files.recent,
            };
            actions.extend(menu_bar_ui(ui, &state, &self.settings, &mut self.side_panels));
        });
        if let Some(e) = self.outbox.error.clone() {
            egui::Panel::top("banner").show(ui, |ui| actions.extend(banner_ui(ui, &e)));
        }
        self.refresh_curves(false);
        egui::Panel::bottom("status").show(ui, |ui| {
            let info = StatusInfo {
                session_path: self.editing.session_path.as_deref(),
                dirty: self.is_dirty(),
                message: &self.outbox.message,
                model_points: self.curves.time_s.len(),
                model_ms: self.curves.compute_ms,
                model_preview: self.curves.is_preview(),
            };
            actions.extend(status_ui(ui, &self.editing.doc, &info));
        });
        actions
    }

    /// The column panel on the left; the peak table, the fit controls and the selected peak's editor on the
    /// right.
    fn side_panels_ui(&mut self, ui: &mut egui::Ui) -> Vec<Action> {
        let mut actions = Vec::new();
        let width = ui.available_width();
        let (column_px, peaks_px) = side_panel_widths(width);
        let column = egui::Panel::left("column")
            .resizable(true)
            .default_size(column_px)
            .size_range(SIDE_PANEL_MIN_PX..=(width * SIDE_PANEL_MAX_SHARE).max(SIDE_PANEL_MIN_PX));
        column.show_collapsible(ui, &mut self.side_panels.column, |ui| {
            egui::ScrollArea::both().id_salt("column-scroll").show(ui, |ui| {
                ui.heading("Column");
                actions.extend(column_ui(ui, &self.editing.doc));
            });
        });
        let rows = table_rows(&self.editing.doc, &self.curves);
        let resolution = resolutions(&rows);
        let pending: Vec<bool> = (0..rows.len()).map(|i| self.curves.is_preview_peak(i)).collect();
        let peaks = egui::Panel::right("peaks")
            .resizable(true)
            .default_size(peaks_px)
            .size_range(SIDE_PANEL_MIN_PX..=(width * SIDE_PANEL_MAX_SHARE).max(SIDE_PANEL_MIN_PX));
        let mut peaks_open = self.side_panels.peaks;
        peaks.show_collapsible(ui, &mut peaks_open, |ui| {
            egui::ScrollArea::both().id_salt("peaks-scroll").show(ui, |ui| {
                ui.heading("Peaks");
                let below = egui::Id::unique("peak-table-below");
                let below_px: f32 = ui.ctx().data(|d| d.get_temp(below)).unwrap_or(0.0);
                let input = TableInput {
                    rows: &rows,
                    resolution: &resolution,
                    selected: self.selected,
                    minutes: self.settings.minutes,
                    height_px: table_height_px(ui, below_px),
                    pending: &pending,
                };
                actions.extend(peak_table_ui(ui, &input));
                let below_top = ui.cursor().top();
                ui.separator();
                let job = self.job.as_ref().map(|r| JobView {
                    label: &r.job.label,
                    progress: r.job.progress(),
                    elapsed_s: r.job.started.elapsed().as_secs_f32(),
                });
                actions.extend(fit_ui(ui, &self.fit_panel(), job));
                let doc = &self.editing.doc;
                ui.separator();
                match self.selected {
                    Some(i) => {
                        ui.heading(format!("Peak {}", i + 1));
                        actions.extend(peak_editor_ui(ui, doc, i, self.settings.param_mode));
                        ui.separator();
                        egui::CollapsingHeader::new("Confidence region of (k_a, k_d)")
                            .default_open(true)
                            .show(ui, |ui| confidence_ui(ui, self.confidence.as_ref()));
                    }
                    None => {
                        ui.label("Select a peak (table row or curve) to edit it.");
                    }
                }
                // What the table leaves room for next frame.
                let below_px = ui.min_rect().bottom() - below_top;
                ui.ctx().data_mut(|d| d.insert_temp(below, below_px));
            });
        });
        self.side_panels.peaks = peaks_open;
        actions
    }

    /// The column view under the chromatogram when it is open, its time moved on while it plays; its time is
    /// the chromatogram's cursor line.
    fn column_view_ui(&mut self, ui: &mut egui::Ui) {
        self.plot_view.cursor_s = None;
        (self.column_view_frame, self.column_view_hover) = (None, None);
        if !self.side_panels.column_view {
            return;
        }
        let ctx = ui.ctx().clone();
        let end_s = self.curves.time_s.last().copied().unwrap_or(0.0).max(1.0);
        let frame_s = f64::from(ctx.input(|i| i.stable_dt));
        self.column_view.advance(frame_s, end_s);
        if self.column_view.playing {
            ctx.request_repaint();
        }
        let doc = &self.editing.doc;
        let colors: Vec<egui::Color32> =
            (0..doc.session.peaks.len()).map(|i| peak_color(doc.ids.get(i).copied().unwrap_or(i as u64))).collect();
        let unit = doc.run.as_ref().map(|r| r.chromatogram().signal_unit.clone()).unwrap_or_default();
        let input = ColumnViewInput {
            column: &doc.session.column,
            peaks: &doc.session.peaks,
            colors: &colors,
            selected: self.selected,
            end_s,
            signal_unit: if unit.is_empty() { "(no unit)" } else { &unit },
        };
        let height = ui.available_height();
        let view = &mut self.column_view;
        let mut drawn = None;
        egui::Panel::bottom("column-view")
            .resizable(true)
            .default_size(height * 0.42)
            .size_range(160.0..=(height * 0.75).max(160.0))
            .show(ui, |ui| {
                ui.strong("Column view: the bands inside the column");
                drawn = Some(column_view_ui(ui, &input, view));
            });
        (self.column_view_frame, self.column_view_hover) = drawn.map_or((None, None), |(f, h)| (Some(f), h));
        self.plot_view.cursor_s = Some(self.column_view.time_s);
    }

    /// The path field and the autosave offer.
    fn dialogs_ui(&mut self, ctx: &egui::Context) -> Vec<Action> {
        let mut actions = Vec::new();
        if let Some(prompt) = &mut self.files.prompt {
            let (a, finished) = path_prompt_ui(ctx, prompt);
            if finished {
                if let Some(path) = prompt.path().filter(|_| !a.is_empty()) {
                    let folder = if path.is_dir() { Some(path.as_path()) } else { path.parent() };
                    self.files.last_folder = folder.filter(|f| !f.as_os_str().is_empty()).map(Path::to_path_buf);
                }
                self.files.prompt = None;
                if a.is_empty() {
                    // Cancelled: nothing waits for a save any more.
                    self.files.after_save = None;
                }
            }
            actions.extend(a);
        }
        if let Some(offer) = &self.files.autosave_offer {
            actions.extend(autosave_offer_ui(ctx, offer));
        } else if let Some(waiting) = &self.files.unsaved_question {
            let path = self.editing.session_path.as_deref();
            actions.extend(unsaved_changes_ui(ctx, waiting, path));
        }
        actions
    }

    /// The confidence contour, gestures, clipboard, PNG export, repaints, closing and the autosave.
    fn end_of_frame(&mut self, ctx: &egui::Context, dragging: bool) {
        self.update_confidence(dragging);
        if self.confidence.as_ref().is_some_and(Confidence::is_computing) {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
        if !ctx.input(|i| i.pointer.any_down()) {
            self.editing.history.end_gesture();
        }
        if let Some(text) = self.outbox.clipboard.take() {
            ctx.copy_text(text);
        }
        self.png_export(ctx);
        if self.job.is_some() {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
        if std::mem::take(&mut self.outbox.quit) {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        self.autosave_tick();
        self.update_title(ctx);
    }

    /// The window title: the open file's name, "•" while it has unsaved changes (sent only when it changes).
    fn update_title(&mut self, ctx: &egui::Context) {
        let title = self.window_title_now();
        if title != self.outbox.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.outbox.title = title;
        }
    }

    /// What the window title should say now.
    fn window_title_now(&self) -> String {
        let file_name = |p: &std::path::Path| {
            p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned())
        };
        let e = &self.editing;
        let name = match (&e.session_path, &e.doc.run) {
            (Some(p), _) => file_name(p),
            (None, Some(run)) => run.display_name(),
            (None, None) => "simulation".into(),
        };
        let mark = if self.is_dirty() { " •" } else { "" };
        format!("{name}{mark} — Elute")
    }

    /// Asks for a screenshot when a PNG export is pending, and reports finished ones.
    fn png_export(&mut self, ctx: &egui::Context) {
        if let Some(path) = self.outbox.png.take() {
            let rect = self.outbox.plot_rect;
            let results = Arc::clone(&self.outbox.screenshot_results);
            let ppp = ctx.pixels_per_point();
            let waker = ctx.clone();
            ctx.request_screenshot(move |image| {
                let image = match rect {
                    Some(r) => image.region(&r, Some(ppp)),
                    None => (*image).clone(),
                };
                let result = super::export::write_png(&path, &image);
                if let Ok(mut r) = results.lock() {
                    r.push(result.map(|()| format!("wrote plot PNG to {}", path.display())));
                }
                waker.request_repaint();
            });
            ctx.request_repaint();
        }
        let done: Vec<Result<String, String>> =
            self.outbox.screenshot_results.lock().map(|mut r| std::mem::take(&mut *r)).unwrap_or_default();
        for r in done {
            match r {
                Ok(m) => self.outbox.message = m,
                Err(e) => self.outbox.error = Some(e),
            }
        }
    }

    /// Shortcuts and dropped files, as actions.
    fn keyboard_and_drops(&mut self, ctx: &egui::Context) -> Vec<Action> {
        let mut actions = Vec::new();
        // A question in a modal window blocks the rest of the app, its shortcuts and drops too.
        if self.files.autosave_offer.is_some() || self.files.unsaved_question.is_some() {
            return actions;
        }
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

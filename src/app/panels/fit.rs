//! The fitting controls: Fit peak, Fit all, Detect peaks with its noise threshold, whether the inlet tail τ is
//! fitted, the ways to give t0 when a run does not determine it, and the running job's progress bar with Cancel.

use egui::{DragValue, ProgressBar, Slider};

use crate::app::actions::{Action, Command, Setting};
use crate::app::settings::{MAX_PEAKS_RANGE, THRESHOLD_RANGE};

/// The running job, as the panel shows it.
pub struct JobView<'a> {
    pub label: &'a str,
    pub progress: f32,
    pub elapsed_s: f32,
}

/// What the fit panel shows (built by the app each frame).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitPanel {
    /// There is a measured run to fit.
    pub has_run: bool,
    /// A peak is selected.
    pub has_selection: bool,
    /// Detection threshold, in noise standard deviations.
    pub threshold_sigma: f64,
    /// The most peaks a detection keeps.
    pub max_peaks: usize,
    /// Fits free the inlet tail τ.
    pub fit_inlet_tail: bool,
    /// The column is a generic preset (not the run's).
    pub column_assumed: bool,
    /// The last fit said the run does not determine t0.
    pub t0_undetermined: bool,
    /// The user gave t0 (fits hold it).
    pub holdup_known: bool,
    /// The column's hold-up time t0, s.
    pub holdup_time_s: f64,
    /// The next click on the trace picks the unretained peak.
    pub picking_unretained: bool,
}

/// Egui temporary data under this id asks the column panel to focus its t0 field (or its first geometry field).
pub fn focus_column_request_id() -> egui::Id {
    egui::Id::unique("elute-focus-column-t0")
}

/// Draws the fit controls of `panel`, with the running `job` if any.
pub fn fit_ui(ui: &mut egui::Ui, panel: &FitPanel, job: Option<JobView<'_>>) -> Vec<Action> {
    let mut actions = Vec::new();
    let idle = job.is_none();
    let has_run = panel.has_run;
    ui.horizontal_wrapped(|ui| {
        for (c, enabled) in [
            (Command::FitPeak, has_run && panel.has_selection && idle),
            (Command::FitAll, has_run && idle),
            (Command::FitWindow, has_run && idle),
            (Command::DetectPeaks, has_run && idle),
        ] {
            let tip = match c.shortcut() {
                Some(sc) => format!("{} ({})", c.tooltip(), ui.ctx().format_shortcut(&sc)),
                None => c.tooltip().to_string(),
            };
            if ui.add_enabled(enabled, egui::Button::new(c.label())).on_hover_text(tip).clicked() {
                actions.push(Action::Command(c));
            }
        }
    });
    let mut threshold = panel.threshold_sigma;
    ui.add(Slider::new(&mut threshold, 2.0..=200.0).logarithmic(true).text("threshold (× noise)"))
        .on_hover_text("Detect peaks whose apex rises more than this many noise standard deviations");
    if threshold != panel.threshold_sigma && THRESHOLD_RANGE.contains(&threshold) {
        actions.push(Action::Set(Setting::Threshold(threshold)));
    }
    let mut max_peaks = panel.max_peaks;
    ui.horizontal(|ui| {
        ui.label("at most");
        ui.add(egui::DragValue::new(&mut max_peaks).range(MAX_PEAKS_RANGE).speed(0.5)).on_hover_text(
            "The most peaks Detect keeps (the most prominent). It rises by itself for peaks that stand 4× over the \
             threshold, up to 200; the status bar says when it binds",
        );
        ui.label("peaks");
    });
    if max_peaks != panel.max_peaks && MAX_PEAKS_RANGE.contains(&max_peaks) {
        actions.push(Action::Set(Setting::MaxPeaks(max_peaks)));
    }
    let mut fit_tail = panel.fit_inlet_tail;
    let tip = "Fit the inlet tail τ (s) with every peak. Off: τ is held at the column's value (the default on a \
               known column or a template, where a fitted tail only adds bias); on: the default on the assumed \
               preset column";
    if ui.checkbox(&mut fit_tail, "Fit the inlet tail τ").on_hover_text(tip).changed() {
        actions.push(Action::Set(Setting::FitInletTail(fit_tail)));
    }
    if panel.column_assumed && (panel.t0_undetermined || panel.holdup_known || panel.picking_unretained) {
        actions.extend(holdup_ui(ui, panel));
    }
    if !has_run {
        ui.label("Open a measured run to fit.");
    }
    if let Some(job) = job {
        ui.horizontal(|ui| {
            ui.add(
                ProgressBar::new(job.progress)
                    .show_percentage()
                    .desired_width(160.0)
                    .text(format!("{} {:.1} s", job.label, job.elapsed_s)),
            );
            if ui.button("Cancel").on_hover_text("Stop the job; the document stays as it was").clicked() {
                actions.push(Action::CancelJob);
            }
        });
    }
    actions
}

/// The ways to give t0 on an assumed column: the column panel, a typed hold-up time, or the unretained peak.
fn holdup_ui(ui: &mut egui::Ui, panel: &FitPanel) -> Vec<Action> {
    let mut actions = Vec::new();
    ui.separator();
    if panel.holdup_known {
        ui.label(format!("t0 = {:.3} s given: fits hold it", panel.holdup_time_s));
    } else {
        ui.label(
            egui::RichText::new("This run does not determine t0 (hold-up time)").color(ui.visuals().warn_fg_color),
        );
        ui.label("k_a, μ and k' depend on it. Give it one of these ways:");
    }
    let tip = "Focus the column panel on the left: enter the column's t0 (or its geometry)";
    if ui.button("Set the column (panel on the left)").on_hover_text(tip).clicked() {
        ui.ctx().data_mut(|d| d.insert_temp(focus_column_request_id(), true));
    }
    ui.horizontal(|ui| {
        let label = ui.label("Hold-up time t0");
        let mut t0_s = panel.holdup_time_s;
        let r = ui
            .add(DragValue::new(&mut t0_s).speed(0.01).range(1e-3..=1e5).max_decimals(3).suffix(" s"))
            .labelled_by(label.id)
            .on_hover_text("The gas hold-up time t0, s: fits hold it");
        if r.changed() && t0_s.is_finite() && t0_s > 0.0 {
            actions.push(Action::SetHoldupTime { holdup_time_s: t0_s });
        }
    });
    let (text, tip) = if panel.picking_unretained {
        ("Stop picking", "Leave the pick mode without giving t0")
    } else {
        (
            "Pick the unretained peak",
            "The next click on the trace takes that peak's apex as the unretained (air, methane) peak: \
             t0 = t_apex − t1/2 − τ",
        )
    };
    if ui.selectable_label(panel.picking_unretained, text).on_hover_text(tip).clicked() {
        actions.push(Action::PickUnretained(!panel.picking_unretained));
    }
    actions
}

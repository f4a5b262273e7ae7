//! The fitting controls: Fit peak, Fit all, Detect peaks with its noise threshold, and the running job's
//! progress bar with Cancel.

use egui::{ProgressBar, Slider};

use crate::app::actions::{Action, Command, Setting};
use crate::app::settings::THRESHOLD_RANGE;

/// The running job, as the panel shows it.
pub struct JobView<'a> {
    pub label: &'a str,
    pub progress: f32,
    pub elapsed_s: f32,
}

/// Draws the fit controls, with the detection threshold `threshold_sigma` (in units of the noise level).
pub fn fit_ui(
    ui: &mut egui::Ui,
    has_run: bool,
    has_selection: bool,
    job: Option<JobView<'_>>,
    threshold_sigma: f64,
) -> Vec<Action> {
    let mut actions = Vec::new();
    let idle = job.is_none();
    ui.horizontal_wrapped(|ui| {
        for (c, enabled) in [
            (Command::FitPeak, has_run && has_selection && idle),
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
    let mut threshold = threshold_sigma;
    ui.add(Slider::new(&mut threshold, 2.0..=200.0).logarithmic(true).text("threshold (× noise)"))
        .on_hover_text("Detect peaks whose apex rises more than this many noise standard deviations");
    if threshold != threshold_sigma && THRESHOLD_RANGE.contains(&threshold) {
        actions.push(Action::Set(Setting::Threshold(threshold)));
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

//! The peak table (select a row; right-click or Delete removes) and the selected peak's editor: sliders for
//! (k_a, k_d, area), (K, k_d, area) or (mean, σ, area), logarithmic where the range spans decades.

use egui::{RichText, Slider};

use super::gesture;
use crate::app::actions::{Action, Setting};
use crate::app::params::ParamMode;
use crate::app::state::Document;
use crate::model::moments::{inlet_sd_s, rates_from_moments, unretained_mean_s};
use crate::session::PeakRow;

fn fmt_opt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{v:.digits$}"))
}

fn fmt_se(v: f64, se: Option<f64>) -> String {
    match se {
        Some(se) => format!("{v:.4} ± {se:.2}"),
        None => format!("{v:.4}"),
    }
}

/// The table of peaks: fitted values with standard errors, and the lab metrics of each model curve (conventions
/// in the header tooltips). Returns selection and removal requests.
pub fn peak_table_ui(
    ui: &mut egui::Ui,
    rows: &[PeakRow],
    resolution: &[Option<f64>],
    selected: Option<usize>,
) -> Vec<Action> {
    let mut actions = Vec::new();
    if rows.is_empty() {
        ui.label("No peaks. Click on the measured trace to add one, or use Detect peaks.");
        return actions;
    }
    egui::ScrollArea::both().id_salt("peak-table").max_height(260.0).show(ui, |ui| {
        egui::Grid::new("peaks").striped(true).num_columns(12).show(ui, |ui| {
            for (h, tip) in [
                ("name", "Analyte name (click to select)"),
                ("t_R (s)", "Retention time: apex of the model curve (parabolic refinement), s"),
                ("area", "Peak area, signal units × s"),
                ("height", "Apex height above the baseline, signal units"),
                ("k_a (1/s)", "Adsorption rate, 1/s (± standard error when fitted)"),
                ("k_d (1/s)", "Desorption rate, 1/s (± standard error when fitted)"),
                ("R²", "Coefficient of determination of the last fit, over the peak's window"),
                ("W50 (s)", "Width at 50 % of the height of the model curve, s"),
                ("T", "USP tailing T = W5/(2·f5) of the model curve at 5 % height, f5 the front half-width (1 symmetric, > 1 tailing)"),
                ("As", "Asymmetry As = b10/a10 of the model curve at 10 % height: back over front half-width (1 symmetric)"),
                ("N", "Plates N = 5.54·(t_R/W50)² of the model curve, half-height method (dimensionless)"),
                ("Rs", "Resolution to the previous peak in time, Rs = 1.18·(t_R2 − t_R1)/(W50,1 + W50,2) of the model curves (half-height method)"),
            ] {
                ui.label(RichText::new(h).strong()).on_hover_text(tip);
            }
            ui.end_row();
            for (i, row) in rows.iter().enumerate() {
                let r = ui.selectable_label(selected == Some(i), &row.peak);
                if r.clicked() {
                    actions.push(Action::Select(Some(i)));
                }
                r.context_menu(|ui| {
                    if ui.button("Delete peak").clicked() {
                        actions.push(Action::RemovePeak(i));
                        ui.close();
                    }
                });
                ui.label(format!("{:.2}", row.retention_time_s));
                ui.label(format!("{:.4e}", row.area));
                ui.label(fmt_opt(row.height, 2));
                ui.label(fmt_se(row.ka_per_s, row.ka_se_per_s));
                ui.label(fmt_se(row.kd_per_s, row.kd_se_per_s));
                ui.label(fmt_opt(row.r2, 4));
                ui.label(fmt_opt(row.w50_s, 3));
                ui.label(fmt_opt(row.tailing_usp, 2));
                ui.label(fmt_opt(row.asymmetry_10, 2));
                ui.label(fmt_opt(row.plates_half_height, 0));
                ui.label(fmt_opt(resolution.get(i).copied().flatten(), 2));
                ui.end_row();
            }
        });
    });
    actions
}

/// Upper end of the area slider: ten times the largest |area|, rounded up to a power of ten (so the range
/// does not move during a drag).
fn area_ceiling(doc: &Document) -> f64 {
    let max = doc.session.peaks.iter().map(|p| p.area.abs()).fold(1e-12_f64, f64::max);
    10f64.powf(max.log10().ceil() + 1.0)
}

/// The editor of peak `index`: name, parameter mode and sliders. Returns the edits.
pub fn peak_editor_ui(ui: &mut egui::Ui, doc: &Document, index: usize, mode: ParamMode) -> Vec<Action> {
    let mut actions = Vec::new();
    let Some(peak) = doc.session.peaks.get(index) else { return actions };
    let column = &doc.session.column;
    ui.spacing_mut().slider_width = 220.0;
    let mut edited = peak.clone();
    let mut gesture_of_edit = None;
    ui.horizontal(|ui| {
        let label = ui.label("Name");
        let r = ui.text_edit_singleline(&mut edited.name).labelled_by(label.id);
        if r.changed() {
            gesture_of_edit = Some(gesture(&r));
        }
    });
    ui.horizontal(|ui| {
        ui.label("Sliders:");
        for m in ParamMode::ALL {
            if ui.selectable_label(mode == m, m.label()).clicked() && m != mode {
                actions.push(Action::Set(Setting::ParamMode(m)));
            }
        }
    });
    let mut slider =
        |ui: &mut egui::Ui, value: &mut f64, range: std::ops::RangeInclusive<f64>, text: &str, tip: &str| {
            let log = *range.start() > 0.0 && range.end() / range.start() > 100.0;
            let r = ui.add(Slider::new(value, range).logarithmic(log).text(text).smart_aim(false)).on_hover_text(tip);
            if r.changed() {
                gesture_of_edit = Some(gesture(&r));
            }
            r.changed()
        };
    match mode {
        ParamMode::Rates => {
            slider(ui, &mut edited.ka_per_s, 1e-3..=1e7, "k_a (1/s)", "Adsorption rate k_a in 1/s (log scale)");
            slider(ui, &mut edited.kd_per_s, 1e-3..=1e4, "k_d (1/s)", "Desorption rate k_d in 1/s (log scale)");
        }
        ParamMode::Partition => {
            let mut k = peak.partition_constant();
            if slider(ui, &mut k, 1e-3..=1e6, "K = k_a/k_d", "Partition constant K, dimensionless (log scale)") {
                edited.ka_per_s = k * edited.kd_per_s;
            }
            if slider(ui, &mut edited.kd_per_s, 1e-3..=1e4, "k_d (1/s)", "Desorption rate k_d in 1/s (log scale)") {
                edited.ka_per_s = k * edited.kd_per_s;
            }
        }
        ParamMode::Moments => {
            let (mut mean, mut sigma) =
                (crate::model::moments(column, peak).mean_s, crate::model::moments(column, peak).variance_s2.sqrt());
            let lo_mean = unretained_mean_s(column) * 1.0001 + 1e-6;
            let hi_mean = lo_mean.max(mean) * 4.0;
            let lo_sigma = inlet_sd_s(column) * 1.0001 + 1e-6;
            let hi_sigma = (lo_sigma * 1000.0).max(sigma * 2.0);
            let a = slider(ui, &mut mean, lo_mean..=hi_mean, "mean (s)", "Mean retention time (first moment) in s");
            let b = slider(ui, &mut sigma, lo_sigma..=hi_sigma, "σ (s)", "Standard deviation of the peak in s");
            if (a || b)
                && let Some((ka, kd)) = rates_from_moments(column, mean, sigma)
            {
                edited.ka_per_s = ka;
                edited.kd_per_s = kd;
            }
        }
    }
    if edited.area > 0.0 {
        let top = area_ceiling(doc);
        slider(ui, &mut edited.area, top * 1e-6..=top, "area", "Peak area in signal units × s (log scale)");
    } else {
        ui.horizontal(|ui| {
            let r = ui.add(egui::DragValue::new(&mut edited.area).speed(1.0)).on_hover_text("Peak area, signal × s");
            ui.label("area (negative peak)");
            if r.changed() {
                gesture_of_edit = Some(gesture(&r));
            }
        });
    }
    ui.label(format!(
        "μ = {:.4} adsorptions, k' = {:.4}, mean {:.3} s, σ {:.3} s",
        column.mu(edited.ka_per_s),
        column.alpha() * edited.ka_per_s / edited.kd_per_s,
        crate::model::moments(column, &edited).mean_s,
        crate::model::moments(column, &edited).variance_s2.sqrt()
    ));
    if ui.button("Delete peak").on_hover_text("Remove this peak (Delete)").clicked() {
        actions.push(Action::RemovePeak(index));
    }
    if let Some(g) = gesture_of_edit
        && edited != *peak
        && edited.validate().is_ok()
    {
        actions.push(Action::SetPeak { index, peak: edited, gesture: g });
    }
    actions
}

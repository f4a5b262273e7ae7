//! The peak table (a click anywhere on a row selects it; right-click or Delete removes) and the selected peak's editor: sliders for
//! (k_a, k_d, area), (K, k_d, area) or (mean, σ, area), logarithmic where the range spans decades.

use std::ops::RangeInclusive;

use egui::{Color32, RichText};

use super::gesture;
use super::sliders::{log_range_around, value_slider};
use super::table_grid::{Cell, Grid, HeaderCell, grid_ui};
use super::table_view::{COLUMNS, TableView, columns_menu_ui, header};
use crate::app::actions::{Action, Setting};
use crate::app::params::ParamMode;
use crate::app::state::Document;
use crate::fit::Quality;
use crate::model::moments::{inlet_sd_s, rates_from_moments, unretained_mean_s};
use crate::session::PeakRow;

fn fmt_opt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{v:.digits$}"))
}

fn fmt_se(v: f64, se: Option<f64>) -> String {
    crate::app::format::value_with_se(v, se)
}

/// Every quality flag, to read a row's flag back from its label.
const QUALITIES: [Quality; 7] = [
    Quality::Ok,
    Quality::PoorFit,
    Quality::AreaAtBound,
    Quality::NotDetermined,
    Quality::Added,
    Quality::Unmatched,
    Quality::NotFitted,
];

/// The flag whose label is `label` (a [`PeakRow`]'s `quality`); unknown labels read as not fitted.
pub fn quality_of(label: &str) -> Quality {
    QUALITIES.into_iter().find(|q| q.label() == label).unwrap_or(Quality::NotFitted)
}

/// The colour a flag is shown in (`None`: the plain text colour): green ok, red for figures that are wrong
/// (poor fit, area at its bound), amber for figures the run does not determine, blue for peaks the user placed,
/// grey for peaks without fit figures.
pub fn quality_colour(quality: Quality, visuals: &egui::Visuals) -> Option<Color32> {
    let dark = visuals.dark_mode;
    match quality {
        Quality::Ok => Some(if dark { Color32::from_rgb(110, 200, 110) } else { Color32::from_rgb(20, 120, 40) }),
        Quality::PoorFit | Quality::AreaAtBound => Some(visuals.error_fg_color),
        Quality::NotDetermined => Some(visuals.warn_fg_color),
        Quality::Added => Some(if dark { Color32::from_rgb(120, 170, 255) } else { Color32::from_rgb(30, 80, 200) }),
        Quality::Unmatched | Quality::NotFitted => None,
    }
}

/// `text` in the colour of `quality`.
fn flagged(text: String, quality: Quality, visuals: &egui::Visuals) -> RichText {
    let t = RichText::new(text);
    match quality_colour(quality, visuals) {
        Some(c) => t.color(c),
        None => t,
    }
}

/// The cells of one row: a zero area and an R² below 0 show the flag, not a number that reads as a result. The
/// retention time is in minutes when `minutes`, else in seconds.
fn row_cells(row: &PeakRow, rs: Option<f64>, minutes: bool, visuals: &egui::Visuals) -> [RichText; 13] {
    let quality = quality_of(&row.quality);
    let plain = |s: String| RichText::new(s);
    let area = if quality == Quality::AreaAtBound {
        flagged(format!("0 ({})", quality.label()), quality, visuals)
    } else {
        plain(fmt_se(row.area, row.area_se))
    };
    let r2 = match row.r2 {
        Some(r2) if r2 < 0.0 => flagged(format!("< 0 ({})", quality.label()), quality, visuals),
        r2 => plain(fmt_opt(r2, 4)),
    };
    let t_r =
        if minutes { format!("{:.3}", row.retention_time_s / 60.0) } else { format!("{:.2}", row.retention_time_s) };
    [
        plain(row.peak.clone()),
        flagged(quality.label().to_string(), quality, visuals),
        plain(t_r),
        area,
        plain(fmt_opt(row.height, 2)),
        plain(fmt_se(row.ka_per_s, row.ka_se_per_s)),
        plain(fmt_se(row.kd_per_s, row.kd_se_per_s)),
        r2,
        plain(fmt_opt(row.w50_s, 3)),
        plain(fmt_opt(row.tailing_usp, 2)),
        plain(fmt_opt(row.asymmetry_10, 2)),
        plain(fmt_opt(row.plates_half_height, 0)),
        plain(fmt_opt(rs, 2)),
    ]
}

/// The columns read from the peak's model curve (t_R, height, W50, T, As, N, Rs): shown as [`PENDING`] while
/// the curve is a drag preview.
const CURVE_COLUMNS: [usize; 7] = [2, 4, 8, 9, 10, 11, 12];

/// What a figure from a peak's curve shows while that curve is a drag preview: it follows on release.
pub const PENDING: &str = "…";

/// How the cells are shown: the time unit and the colours.
#[derive(Clone, Copy)]
struct Look<'a> {
    minutes: bool,
    visuals: &'a egui::Visuals,
}

/// The grid cells of a row named `who`, the columns in `shown`: each with an accessible name that says which
/// peak and column it is ("toluene, k_a (1/s): 0.12"). A `pending` row's figures from the model curve show as
/// [`PENDING`].
fn grid_row(row: &PeakRow, who: &str, rs: Option<f64>, pending: bool, shown: &[usize], look: Look<'_>) -> Vec<Cell> {
    let Look { minutes, visuals } = look;
    let quality = quality_of(&row.quality);
    let mut cells = row_cells(row, rs, minutes, visuals);
    cells[0] = RichText::new(who);
    if pending {
        for c in CURVE_COLUMNS {
            cells[c] = RichText::new(PENDING).weak();
        }
    }
    shown
        .iter()
        .map(|&c| {
            let text = cells[c].clone();
            let label =
                if c == 0 { who.to_string() } else { format!("{who}, {}: {}", header(c, minutes), text.text()) };
            let flag = c == 1 || quality != Quality::Ok && matches!(c, 3 | 7);
            let tip = flag.then(|| format!("{}: {}", quality.label(), quality.describe()));
            Cell { text, label, tip }
        })
        .collect()
}

/// Each row's name: the peak's, or for an unnamed one its place in retention order ("peak 3", as the plot labels
/// it).
fn row_names(rows: &[PeakRow], resolution: &[Option<f64>]) -> Vec<String> {
    let mut names: Vec<String> = rows.iter().map(|r| r.peak.trim().to_string()).collect();
    for (rank, i) in TableView::default().order(rows, resolution).into_iter().enumerate() {
        if names[i].is_empty() {
            names[i] = format!("peak {}", rank + 1);
        }
    }
    names
}

/// What the peak table shows and how high it may be.
pub struct TableInput<'a> {
    pub rows: &'a [PeakRow],
    pub resolution: &'a [Option<f64>],
    pub selected: Option<usize>,
    /// The plot's time axis is in minutes: so is the retention time.
    pub minutes: bool,
    /// The height the table may fill, in points.
    pub height_px: f32,
    /// Per row: its model curve is a drag preview, so the figures read from it are not shown yet.
    pub pending: &'a [bool],
}

/// The table of peaks: fitted values with standard errors, and the lab metrics of each model curve (conventions
/// in the header tooltips), in retention order or sorted by the column whose header was clicked, with the
/// columns chosen in its "Columns…" menu. Its header and name column stay in view while the rest scrolls.
/// Returns selection and removal requests.
pub fn peak_table_ui(ui: &mut egui::Ui, input: &TableInput<'_>) -> Vec<Action> {
    let mut actions = Vec::new();
    let rows = input.rows;
    if rows.is_empty() {
        ui.label("No peaks. Shift+click on the measured trace to add one, or use Detect peaks.");
        return actions;
    }
    let minutes = input.minutes;
    let mut view = TableView::load(ui.ctx());
    columns_menu_ui(ui, &mut view, minutes);
    let shown: Vec<usize> = (0..COLUMNS.len()).filter(|&c| view.shows(c)).collect();
    let headers: Vec<HeaderCell> = shown
        .iter()
        .map(|&c| {
            let (mark, said) = view.marker(c);
            HeaderCell {
                text: format!("{}{mark}", header(c, minutes)),
                label: format!("{}{said}", header(c, minutes)),
                tip: format!("{}. Click to sort by this column (again: reverse)", COLUMNS[c].1),
                sorting: view.sort_column == c,
            }
        })
        .collect();
    let order = view.order(rows, input.resolution);
    let visuals = ui.visuals().clone();
    let names = row_names(rows, input.resolution);
    let rs = |i: usize| input.resolution.get(i).copied().flatten();
    let look = Look { minutes, visuals: &visuals };
    let pending = |i: usize| input.pending.get(i).copied().unwrap_or(false);
    let cells: Vec<Vec<Cell>> =
        order.iter().map(|&i| grid_row(&rows[i], &names[i], rs(i), pending(i), &shown, look)).collect();
    let selected_row = input.selected.and_then(|s| order.iter().position(|&i| i == s));
    let grid = Grid { id: egui::Id::unique("peak-table"), headers: &headers, cells: &cells, selected_row };
    let events = grid_ui(ui, &grid, input.height_px);
    if let Some(h) = events.header {
        view.click_header(shown[h]);
    }
    if let Some(r) = events.select {
        actions.push(Action::Select(Some(order[r])));
    }
    if let Some(r) = events.delete {
        actions.push(Action::RemovePeak(order[r]));
    }
    view.store(ui.ctx());
    actions
}

/// The line under the sliders, the same in every slider mode: adsorptions, retention factor, mean and σ.
pub fn readout(column: &crate::model::Column, peak: &crate::model::Peak) -> String {
    let m = crate::model::moments(column, peak);
    format!(
        "μ = {:.4} adsorptions, k' = {:.4}, mean {:.3} s, σ {:.3} s",
        column.mu(peak.ka_per_s),
        column.alpha() * peak.ka_per_s / peak.kd_per_s,
        m.mean_s,
        m.variance_s2.sqrt()
    )
}

/// The editor of peak `index`: name, parameter mode and sliders. Returns the edits. Only the value the user moved
/// changes (with what the mode derives from it): every slider's range follows its value (see
/// [`value_slider`]), so no other value is clamped.
pub fn peak_editor_ui(ui: &mut egui::Ui, doc: &Document, index: usize, mode: ParamMode) -> Vec<Action> {
    let mut actions = Vec::new();
    let Some(peak) = doc.session.peaks.get(index) else { return actions };
    let column = &doc.session.column;
    let peak_id = doc.ids.get(index).copied().unwrap_or_default();
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
    let mut slider = |ui: &mut egui::Ui, value: &mut f64, range: RangeInclusive<f64>, text: &str, tip: &str| {
        let key = egui::Id::unique(("peak-slider", peak_id, text));
        let g = value_slider(ui, key, value, range, text, tip);
        if g.is_some() {
            gesture_of_edit = g;
        }
        g.is_some()
    };
    let around = |v: f64| log_range_around(v).unwrap_or(1e-3..=1e3);
    match mode {
        ParamMode::Rates => {
            slider(
                ui,
                &mut edited.ka_per_s,
                around(peak.ka_per_s),
                "k_a (1/s)",
                "Adsorption rate k_a in 1/s (log scale)",
            );
            slider(
                ui,
                &mut edited.kd_per_s,
                around(peak.kd_per_s),
                "k_d (1/s)",
                "Desorption rate k_d in 1/s (log scale)",
            );
        }
        ParamMode::Partition => {
            let mut k = peak.partition_constant();
            let k_range = around(k);
            if slider(ui, &mut k, k_range, "K = k_a/k_d", "Partition constant K, dimensionless (log scale)") {
                edited.ka_per_s = k * edited.kd_per_s;
            }
            if slider(
                ui,
                &mut edited.kd_per_s,
                around(peak.kd_per_s),
                "k_d (1/s)",
                "Desorption rate k_d in 1/s (log scale)",
            ) {
                edited.ka_per_s = k * edited.kd_per_s;
            }
        }
        ParamMode::Moments => {
            let m = crate::model::moments(column, peak);
            let (mut mean, mut sigma) = (m.mean_s, m.variance_s2.sqrt());
            let lo_mean = unretained_mean_s(column) * 1.0001 + 1e-6;
            let hi_mean = lo_mean.max(mean) * 2.0;
            let lo_sigma = inlet_sd_s(column) * 1.0001 + 1e-6;
            let hi_sigma = (lo_sigma * 1000.0).max(sigma * 10.0);
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
        slider(ui, &mut edited.area, around(peak.area), "area", "Peak area in signal units × s (log scale)");
    } else {
        ui.horizontal(|ui| {
            let r = ui.add(egui::DragValue::new(&mut edited.area).speed(1.0)).on_hover_text("Peak area, signal × s");
            ui.label("area (negative peak)");
            if r.changed() {
                gesture_of_edit = Some(gesture(&r));
            }
        });
    }
    ui.label(readout(column, &edited));
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

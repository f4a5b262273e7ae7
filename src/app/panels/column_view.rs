//! The column view under the chromatogram: the time control, then each peak's band in the gas and in the film
//! along the column (and, on request, the carrier's pressure and velocity), and what leaves at the outlet.
//! Hovering a band tells what it is doing. The time is also a cursor line on the chromatogram.

use egui::Color32;
use egui_plot::{Line, Plot, PlotPoints, VLine};

use super::plot_axes::with_ticks;
use crate::app::column_view::{self, BandInfo, ColumnView, Frame, SPEEDS};
use crate::model::{Column, Peak};

/// What the view draws from: the column and peaks (the document's, or a what-if's), their colours.
pub struct ColumnViewInput<'a> {
    pub column: &'a Column,
    pub peaks: &'a [Peak],
    pub colors: &'a [Color32],
    /// The peak whose outlet value is read out (else the one leaving most strongly).
    pub selected: Option<usize>,
    /// The end of the time control, s.
    pub end_s: f64,
    /// The signal unit of the chromatogram, for the outlet readout.
    pub signal_unit: &'a str,
}

/// Draws the view; the time control changes `view` (view state, like a zoom). Returns what was drawn and the
/// hovered band's text.
pub fn column_view_ui(
    ui: &mut egui::Ui,
    input: &ColumnViewInput<'_>,
    view: &mut ColumnView,
) -> (Frame, Option<String>) {
    controls_ui(ui, input.end_s, view);
    let frame = column_view::frame(input.column, input.peaks, view.time_s, view.show_carrier);
    ui.label(outlet_text(input, view.time_s)).on_hover_text(
        "The profile's value at x = L is the signal the detector sees: the chromatogram's model curve under the \
         cursor line",
    );
    let Some((i, fraction, response)) = bands_ui(ui, input, &frame, view) else { return (frame, None) };
    let info = column_view::band_info(input.column, &input.peaks[i], view.time_s, fraction);
    let text = band_text(&input.peaks[i], fraction, input.column, &info);
    response.on_hover_text_at_pointer(text.clone());
    (frame, Some(text))
}

/// Play/pause, speed, the scrub slider and the carrier toggle.
fn controls_ui(ui: &mut egui::Ui, end_s: f64, view: &mut ColumnView) {
    ui.horizontal_wrapped(|ui| {
        let label = if view.playing { "Pause" } else { "Play" };
        if ui.button(label).on_hover_text("Run the bands down the column").clicked() {
            view.toggle_play(end_s);
        }
        let speed = SPEEDS.iter().find(|s| s.0 == view.speed).map_or("custom", |s| s.1);
        let label = ui.label("Speed");
        egui::ComboBox::from_id_salt("column-view-speed")
            .selected_text(speed)
            .show_ui(ui, |ui| {
                for (factor, label) in SPEEDS {
                    ui.selectable_value(&mut view.speed, factor, label);
                }
            })
            .response
            .labelled_by(label.id)
            .on_hover_text("Seconds of the run per second on the screen");
        let slider = egui::Slider::new(&mut view.time_s, 0.0..=end_s.max(1e-3))
            .text("time")
            .suffix(" s")
            // Shown to 0.1 s but never rounded: a slider with decimals rounds its value, and at 0.25× a frame
            // moves the time by a few ms.
            .custom_formatter(|v, _| format!("{v:.1}"));
        if ui.add(slider).on_hover_text("Scrub: the moment shown, s after the injection starts").changed() {
            view.playing = false;
        }
        ui.checkbox(&mut view.show_carrier, "Pressure and velocity")
            .on_hover_text("The carrier's pressure p(x) and velocity u(x) along the column (compressible flow)");
    });
}

/// "At the outlet …": the selected (or most strongly leaving) peak's c(L)/c0, the signal it is and the model
/// curve's value at the cursor.
fn outlet_text(input: &ColumnViewInput<'_>, time_s: f64) -> String {
    let outlets: Vec<_> = input.peaks.iter().map(|p| column_view::outlet(input.column, p, time_s)).collect();
    let leaving = (0..outlets.len())
        .filter(|&i| outlets[i].gas > 1e-6)
        .max_by(|&a, &b| outlets[a].gas.total_cmp(&outlets[b].gas));
    let Some(i) = input.selected.filter(|&i| outlets.get(i).is_some_and(|o| o.gas > 1e-6)).or(leaving) else {
        return format!("At the outlet (x = L), {time_s:.1} s: no band is leaving the column.");
    };
    let o = outlets[i];
    let same = (o.signal - o.model_curve).abs() <= 1e-6 * o.model_curve.abs().max(1e-300);
    format!(
        "At the outlet (x = L), {time_s:.1} s: {} c/c0 = {:.4} gives A/(r·t1)·c/c0 = {:.4} {unit}; the model curve under \
         the cursor: {:.4} {unit}{}",
        input.peaks[i].name,
        o.gas,
        o.signal,
        o.model_curve,
        if same { " (the same value)" } else { "" },
        unit = input.signal_unit,
    )
}

/// The hover text of a band.
fn band_text(peak: &Peak, fraction: f64, column: &Column, info: &BandInfo) -> String {
    let at = match column.length_m() {
        Some(l) => format!("x = {:.2} m of {l:.1} m", fraction * l),
        None => format!("x/L = {fraction:.3}"),
    };
    let speed = info.band_speed_m_s.map_or(String::new(), |v| format!(" = {v:.3} m/s here"));
    format!(
        "{}\n{at}\nstill in the column: {:.1} % of the injection\nin the film: {:.1} % of what is inside\nspeed: \
         1/(1 + K′) = {:.4} of the carrier's{speed}",
        peak.name,
        100.0 * info.in_column,
        100.0 * info.in_film,
        info.speed_ratio,
    )
}

/// The stacked plots along x; returns the hovered band (index, fraction of L) and the plot it is hovered in.
fn bands_ui(
    ui: &mut egui::Ui,
    input: &ColumnViewInput<'_>,
    frame: &Frame,
    view: &ColumnView,
) -> Option<(usize, f64, egui::Response)> {
    let x_label = if frame.metres { "position along the column x (m)" } else { "position along the column x/L" };
    let link = egui::Id::unique("column-view-x");
    let plots = if view.show_carrier { 3.0 } else { 2.0 };
    let height = (ui.available_height() / plots - 4.0).max(60.0);
    let x_max = frame.x.last().copied().unwrap_or(1.0);
    let mut hovered = None;
    for (phase, y_label) in [(0, "gas c/c0"), (1, "film q/c0")] {
        let plot = with_ticks(Plot::new(("column-view", phase)))
            .height(height)
            .x_axis_label(x_label)
            .y_axis_label(y_label)
            .link_axis(link, [true, false])
            .link_cursor(link, [true, false])
            .include_x(0.0)
            .include_x(x_max)
            .include_y(0.0)
            .allow_scroll(false);
        let response = plot.show(ui, |plot| {
            for (i, band) in frame.bands.iter().enumerate() {
                let values = if phase == 0 { &band.gas } else { &band.film };
                let pts: Vec<[f64; 2]> = frame.x.iter().zip(values).map(|(x, v)| [*x, *v]).collect();
                let color = input.colors.get(i).copied().unwrap_or(Color32::GRAY);
                plot.line(Line::new(input.peaks[i].name.clone(), PlotPoints::from(pts)).color(color).width(1.5));
            }
            plot.add(VLine::new("outlet", x_max).color(Color32::from_gray(120)));
            plot.pointer_coordinate()
        });
        if let Some(p) = response.inner.filter(|_| response.response.hovered()) {
            let at = ((p.x / x_max) * (frame.x.len() - 1) as f64).round().clamp(0.0, (frame.x.len() - 1) as f64);
            let alpha = input.column.alpha();
            hovered = column_view::band_at(frame, alpha, at as usize)
                .map(|i| (i, at / (frame.x.len() - 1) as f64, response.response.clone()));
        }
    }
    if view.show_carrier && frame.carrier.is_none() {
        ui.label("The column is known only by its hold-up time: its pressures and velocity are not known.");
    }
    if let Some((p_bar, u)) = &frame.carrier {
        with_ticks(Plot::new("column-view-carrier"))
            .height(height)
            .x_axis_label(x_label)
            .y_axis_label("p (bar), u (m/s)")
            .link_axis(link, [true, false])
            .include_y(0.0)
            .legend(egui_plot::Legend::default())
            .show(ui, |plot| {
                let line =
                    |v: &[f64]| PlotPoints::from(frame.x.iter().zip(v).map(|(x, v)| [*x, *v]).collect::<Vec<_>>());
                plot.line(Line::new("pressure p (bar)", line(p_bar)).color(Color32::from_rgb(200, 120, 40)));
                plot.line(Line::new("carrier velocity u (m/s)", line(u)).color(Color32::from_rgb(40, 140, 200)));
            });
    }
    hovered
}

//! The central plot: measured trace, each peak's model curve, their sum plus baseline, and the residuals in a
//! linked plot below. Zoom (wheel), pan (drag), box zoom (right drag), reset (double click or Ctrl+R).
//! Click the trace to add a peak, click a curve to select it, right-click a curve to remove it.

use egui::{Color32, Id};
use egui_plot::{ItemId, Legend, Line, Plot, PlotPoint, PlotPoints, VLine};

use crate::app::actions::Action;
use crate::app::state::{Curves, Document};

/// Purely visual plot state, kept by the app between frames.
#[derive(Debug, Default)]
pub struct PlotView {
    /// Time axis in minutes (else seconds).
    pub minutes: bool,
    /// Reset the view on the next frame.
    pub reset: bool,
    /// The visible time range of the main plot in s, as last drawn.
    pub visible_s: Option<(f64, f64)>,
    cache: Option<PlotData>,
}

/// The curves as plot points, rebuilt only when the curves or the time unit change.
#[derive(Debug)]
struct PlotData {
    revision: u64,
    minutes: bool,
    measured: Vec<PlotPoint>,
    total: Vec<PlotPoint>,
    peaks: Vec<Vec<PlotPoint>>,
    residual: Vec<PlotPoint>,
}

/// Above this many samples, a trace is drawn as the min and max of each of `DECIMATED_BINS` bins.
const DECIMATE_ABOVE: usize = 20_000;
const DECIMATED_BINS: usize = 8_000;

/// Points of (x, y), min/max-decimated when long, with x divided by `x_scale`.
fn points(x: &[f64], y: &[f64], x_scale: f64) -> Vec<PlotPoint> {
    let n = x.len().min(y.len());
    if n <= DECIMATE_ABOVE {
        return (0..n).map(|i| PlotPoint::new(x[i] / x_scale, y[i])).collect();
    }
    let mut out = Vec::with_capacity(2 * DECIMATED_BINS);
    for b in 0..DECIMATED_BINS {
        let (lo, hi) = (b * n / DECIMATED_BINS, ((b + 1) * n / DECIMATED_BINS).max(b * n / DECIMATED_BINS + 1));
        let (mut imin, mut imax) = (lo, lo);
        for i in lo..hi.min(n) {
            if y[i] < y[imin] {
                imin = i;
            }
            if y[i] > y[imax] {
                imax = i;
            }
        }
        for i in if imin <= imax { [imin, imax] } else { [imax, imin] } {
            out.push(PlotPoint::new(x[i] / x_scale, y[i]));
        }
    }
    out
}

/// A peak's curve on top of the baseline, trimmed to where it is visible (|y| above 1e-4 of its maximum).
fn peak_points(x: &[f64], y: &[f64], base: &[f64], x_scale: f64) -> Vec<PlotPoint> {
    let max = y.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    if max == 0.0 {
        return Vec::new();
    }
    let cut = max * 1e-4;
    let first = y.iter().position(|v| v.abs() > cut).unwrap_or(0).saturating_sub(1);
    let last = y.iter().rposition(|v| v.abs() > cut).map_or(y.len(), |i| (i + 2).min(y.len()));
    let shifted: Vec<f64> = (first..last).map(|i| y[i] + base[i]).collect();
    points(&x[first..last], &shifted, x_scale)
}

impl PlotData {
    fn build(doc: &Document, curves: &Curves, revision: u64, minutes: bool) -> PlotData {
        let s = if minutes { 60.0 } else { 1.0 };
        let t = &curves.time_s;
        let base: Vec<f64> = match &doc.session.baseline {
            Some(b) => t.iter().map(|&x| b.value_at(x)).collect(),
            None => vec![0.0; t.len()],
        };
        let measured = doc.run.as_ref().map_or_else(Vec::new, |r| {
            let c = r.chromatogram();
            points(&c.time_s, &c.signal, s)
        });
        PlotData {
            revision,
            minutes,
            measured,
            total: points(t, &curves.total, s),
            peaks: curves.peaks.iter().map(|y| peak_points(t, y, &base, s)).collect(),
            residual: curves.residual.as_ref().map_or_else(Vec::new, |r| points(t, r, s)),
        }
    }
}

/// A distinct colour per peak.
pub fn peak_color(index: usize) -> Color32 {
    const PALETTE: [Color32; 8] = [
        Color32::from_rgb(31, 119, 180),
        Color32::from_rgb(255, 127, 14),
        Color32::from_rgb(44, 160, 44),
        Color32::from_rgb(214, 39, 40),
        Color32::from_rgb(148, 103, 189),
        Color32::from_rgb(140, 86, 75),
        Color32::from_rgb(227, 119, 194),
        Color32::from_rgb(23, 190, 207),
    ];
    PALETTE[index % PALETTE.len()]
}

fn peak_item_id(index: usize) -> ItemId {
    ItemId::new(("peak", index))
}

/// Draws the plots and returns what the user asked for. `revision` identifies the document state of `curves`.
pub fn plot_ui(
    ui: &mut egui::Ui,
    doc: &Document,
    curves: &Curves,
    revision: u64,
    selected: Option<usize>,
    view: &mut PlotView,
) -> Vec<Action> {
    let mut actions = Vec::new();
    if view.cache.as_ref().is_none_or(|c| c.revision != revision || c.minutes != view.minutes) {
        view.cache = Some(PlotData::build(doc, curves, revision, view.minutes));
    }
    let Some(data) = view.cache.as_ref() else { return actions };
    let unit = if view.minutes { "min" } else { "s" };
    let x_scale = if view.minutes { 60.0 } else { 1.0 };
    let signal_unit = doc.run.as_ref().map(|r| r.chromatogram().signal_unit.clone()).unwrap_or_default();
    let y_label = if signal_unit.is_empty() { "signal".to_string() } else { format!("signal ({signal_unit})") };
    let link = Id::unique("elute-time-axis");
    let has_residual = !data.residual.is_empty();
    let total_h = ui.available_height();
    let main_h = if has_residual { total_h * 0.72 } else { total_h };
    let reset = std::mem::take(&mut view.reset);
    let total_color = ui.visuals().strong_text_color();

    let mut main = Plot::new("chromatogram")
        .legend(Legend::default())
        .height(main_h)
        .x_axis_label(format!("time ({unit})"))
        .y_axis_label(y_label)
        .link_axis(link, [true, false])
        .link_cursor(link, [true, false])
        .allow_boxed_zoom(true);
    if reset {
        main = main.reset();
    }
    let response = main.show(ui, |plot| {
        if !data.measured.is_empty() {
            plot.line(
                Line::new("measured", PlotPoints::Borrowed(&data.measured)).color(Color32::from_gray(140)).width(1.0),
            );
        }
        plot.line(Line::new("model (sum + baseline)", PlotPoints::Borrowed(&data.total)).color(total_color).width(2.0));
        for (i, pts) in data.peaks.iter().enumerate() {
            let name = doc.session.peaks.get(i).map_or_else(|| format!("peak {}", i + 1), |p| p.name.clone());
            let selected = selected == Some(i);
            plot.line(
                Line::new(name, PlotPoints::Borrowed(pts))
                    .id(peak_item_id(i))
                    .color(peak_color(i))
                    .width(if selected { 2.5 } else { 1.2 })
                    .highlight(selected),
            );
        }
        if let Some(i) = selected
            && let (Some(p), Some(Some((t, _)))) = (doc.session.peaks.get(i), curves.apex.get(i))
        {
            plot.add(VLine::new(format!("{} apex", p.name), t / x_scale).color(peak_color(i)));
        }
        let bounds = plot.plot_bounds();
        (plot.pointer_coordinate(), (bounds.min()[0] * x_scale, bounds.max()[0] * x_scale))
    });
    view.visible_s = Some(response.inner.1);
    let hovered_peak =
        response.hovered_plot_item.and_then(|id| (0..doc.session.peaks.len()).find(|&i| peak_item_id(i) == id));
    if response.response.clicked() {
        match (hovered_peak, response.inner.0) {
            (Some(i), _) => actions.push(Action::Select(Some(i))),
            (None, Some(p)) if doc.run.is_some() => actions.push(Action::AddPeakAt { time_s: p.x * x_scale }),
            _ => {}
        }
    }
    if response.response.secondary_clicked()
        && let Some(i) = hovered_peak
    {
        actions.push(Action::RemovePeak(i));
    }

    if has_residual {
        let mut residual = Plot::new("residuals")
            .height(ui.available_height())
            .x_axis_label(format!("time ({unit})"))
            .y_axis_label("residual")
            .link_axis(link, [true, false])
            .link_cursor(link, [true, false]);
        if reset {
            residual = residual.reset();
        }
        residual.show(ui, |plot| {
            plot.line(
                Line::new("measured − model", PlotPoints::Borrowed(&data.residual))
                    .color(Color32::from_rgb(90, 90, 200))
                    .width(1.0),
            );
        });
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimation_keeps_the_extremes() {
        let x: Vec<f64> = (0..100_000).map(f64::from).collect();
        let mut y = vec![0.0; 100_000];
        y[54_321] = 7.0;
        y[12_345] = -3.0;
        let p = points(&x, &y, 60.0);
        assert!(p.len() <= 2 * DECIMATED_BINS);
        assert!(p.iter().any(|q| q.y == 7.0 && (q.x - 54_321.0 / 60.0).abs() < 1e-9));
        assert!(p.iter().any(|q| q.y == -3.0));
        assert!(p.windows(2).all(|w| w[0].x <= w[1].x));
    }
}

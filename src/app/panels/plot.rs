//! The central plot: measured trace, each peak's model curve, their sum plus baseline, and the residuals in a
//! linked plot below. Zoom (wheel), pan (drag), box zoom (right drag), reset (double click or Ctrl+R).
//! Click a curve to select it (hovering shows its name, t_R and area), Shift+click to add a peak there,
//! right-click a curve to remove it.

use egui::{Color32, Id, Pos2};
use egui_plot::{FilledArea, ItemId, Legend, Line, MarkerShape, Plot, PlotPoint, PlotPoints, Points, Text, VLine};

use super::plot_axes::with_ticks;
use super::plot_data::PlotData;

use crate::app::actions::Action;
use crate::app::state::{Curves, Document, Gesture, PeakId};
use crate::model::Peak;
use crate::model::moments::{inlet_sd_s, rates_from_moments};

/// The drag handles of the selected peak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Handle {
    /// The apex: dragging it sideways moves the peak (changes K, keeps k_d).
    Apex,
    /// The width handle at apex + σ: dragging it sideways widens the peak (changes k_d, keeps K).
    Width,
}

/// Least distance (points) of the width handle from the apex line, so the two can be told apart and grabbed.
const WIDTH_HANDLE_MIN_PX: f32 = 30.0;

/// Pointer distance (points) within which a press grabs a handle.
const GRAB_RADIUS: f32 = 10.0;

/// The selected peak after dragging `handle` to the time `to_s` (s); `None` when out of the model's reach.
pub fn drag_peak(doc: &Document, index: usize, apex_s: f64, handle: Handle, to_s: f64) -> Option<Peak> {
    let column = &doc.session.column;
    let peak = doc.session.peaks.get(index)?;
    let mean = crate::model::moments(column, peak).mean_s;
    let mut out = peak.clone();
    match handle {
        Handle::Apex => {
            // Keep k_d; the mean moves with the apex, so k' (and K) follow.
            let t0 = column.holdup_time_s();
            let k_prime = (mean + (to_s - apex_s) - column.inlet_tail_s() - column.injection_s() / 2.0) / t0 - 1.0;
            if k_prime.is_nan() || k_prime <= 0.0 {
                return None;
            }
            out.ka_per_s = k_prime * peak.kd_per_s / column.alpha();
        }
        Handle::Width => {
            // Keep K; a new σ sets k_d.
            let new_sigma = (to_s - apex_s).max(inlet_sd_s(column) * 1.01);
            // The mean is unchanged, so k' (and K) are too.
            let (ka, kd) = rates_from_moments(column, mean, new_sigma)?;
            out.ka_per_s = ka;
            out.kd_per_s = kd;
        }
    }
    out.validate().ok()?;
    Some(out)
}

impl PlotView {
    /// Where `handle` of the selected peak was drawn last frame (screen points).
    pub fn handle_on_screen(&self, handle: Handle) -> Option<Pos2> {
        self.handles.iter().find(|h| h.0 == handle).map(|h| h.1)
    }
}

/// Purely visual plot state, kept by the app between frames.
#[derive(Debug, Default)]
pub struct PlotView {
    /// Time axis in minutes (else seconds).
    pub minutes: bool,
    /// Reset the view on the next frame.
    pub reset: bool,
    /// The visible time range of the main plot in s, as last drawn.
    pub visible_s: Option<(f64, f64)>,
    /// Where the selected peak's handles were drawn last frame (screen points).
    handles: Vec<(Handle, Pos2)>,
    /// The handle being dragged.
    active: Option<Handle>,
    /// How far the width handle sits from the apex line, in σ (≥ 1), as last drawn.
    width_spread: Option<f64>,
    /// The peak whose curve the pointer is on (for the status bar and tests).
    pub hovered: Option<usize>,
    /// The main plot's transform as last drawn (plot values ↔ screen points).
    pub transform: Option<egui_plot::PlotTransform>,
    /// Label each peak at its apex (the View menu's toggle).
    pub show_labels: bool,
    /// The column view's moment in s, drawn as a cursor line (None when the view is closed).
    pub cursor_s: Option<f64>,
    /// The peak labels drawn last frame, in retention order (for tests).
    pub labels: Vec<String>,
    cache: Option<PlotData>,
}

/// The colour of the column view's time cursor: an orange that reads on the dark and the light theme.
const CURSOR_COLOR: Color32 = Color32::from_rgb(230, 140, 30);

/// How opaque a peak's area fill is (0–255): light, so the curves over it stay readable.
const FILL_ALPHA: u8 = 40;

/// A peak's colour, from its id: kept for the peak's whole life (not its place in the list, so deleting another
/// peak shifts no colour), and distinct from its neighbours' (hues a golden angle apart never repeat exactly).
pub fn peak_color(id: PeakId) -> Color32 {
    const GOLDEN_TURN: f64 = 0.618_033_988_749_894_9;
    let hue = ((id as f64) * GOLDEN_TURN).fract() as f32;
    // Three lightness steps, so hues that come close again differ in value too.
    let value = [0.80, 0.62, 0.95][(id % 3) as usize];
    egui::ecolor::Hsva::new(hue, 0.75, value, 1.0).into()
}

/// The signal axis's unit when the file states none.
pub const NO_UNIT: &str = "no unit in file";

/// Pointer distance (points) within which a curve counts as pointed at.
const CURVE_PICK_RADIUS: f32 = 8.0;

/// The peak whose curve passes nearest the pointer (within [`CURVE_PICK_RADIUS`] points, vertically, on the
/// curve's visible part), if any.
fn peak_under_pointer(
    doc: &Document,
    curves: &Curves,
    transform: &egui_plot::PlotTransform,
    pointer: Pos2,
    x_scale: f64,
) -> Option<usize> {
    let t_s = transform.value_from_position(pointer).x * x_scale;
    let k = curves.time_s.partition_point(|&t| t < t_s).min(curves.time_s.len().checked_sub(1)?);
    let base = doc.session.baseline.as_ref().map_or(0.0, |b| b.value_at(curves.time_s[k]));
    (0..curves.peaks.len())
        .filter_map(|i| {
            let y = *curves.peaks[i].get(k)?;
            let height = curves.apex.get(i).copied().flatten()?.1.abs();
            // Off the peak, its curve lies on the baseline with every other peak's: not pointing at it.
            if y.abs() < 0.02 * height {
                return None;
            }
            let dy = (transform.position_from_point(&PlotPoint::new(t_s / x_scale, base + y)).y - pointer.y).abs();
            (dy <= CURVE_PICK_RADIUS).then_some((i, dy))
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

/// The hover text of peak `i`: name, retention time in the axis unit, area.
fn hover_text(doc: &Document, curves: &Curves, i: usize, minutes: bool) -> String {
    let name = doc.session.peaks.get(i).map_or("", |p| p.name.as_str());
    let t_r = curves.metrics.get(i).and_then(Option::as_ref).map(|m| m.retention_time_s);
    let area = doc.session.peaks.get(i).map_or(f64::NAN, |p| p.area);
    let t_r = t_r.map_or_else(|| "t_R –".into(), |t| format!("t_R {}", format_time(t, minutes)));
    format!("{name}\n{t_r}\narea {area:.4e}")
}

/// A time in the axis unit, with it: "3.853 min" or "231.20 s".
pub fn format_time(t_s: f64, minutes: bool) -> String {
    if minutes { format!("{:.3} min", t_s / 60.0) } else { format!("{t_s:.2} s") }
}

/// Compares names as a person does: runs of digits by their value ("peak 2" before "peak 10").
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let (mut a, mut b) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (a.peek().copied(), b.peek().copied()) {
            (None, None) => return std::cmp::Ordering::Equal,
            (None, Some(_)) => return std::cmp::Ordering::Less,
            (Some(_), None) => return std::cmp::Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let take = |it: &mut std::iter::Peekable<std::str::Chars<'_>>| {
                    let mut digits = String::new();
                    while let Some(c) = it.next_if(char::is_ascii_digit) {
                        digits.push(c);
                    }
                    let trimmed = digits.trim_start_matches('0').to_string();
                    (trimmed.len(), trimmed)
                };
                let ord = take(&mut a).cmp(&take(&mut b));
                if ord.is_ne() {
                    return ord;
                }
            }
            (Some(x), Some(y)) => {
                let ord = x.to_lowercase().cmp(y.to_lowercase());
                if ord.is_ne() {
                    return ord;
                }
                a.next();
                b.next();
            }
        }
    }
}

/// The peaks in retention order (by t_R, ties by name in natural order); peaks without a curve last.
pub fn retention_order(doc: &Document, curves: &Curves) -> Vec<usize> {
    let t_r = |i: usize| {
        let metric = curves.metrics.get(i).and_then(Option::as_ref).map(|m| m.retention_time_s);
        metric.or_else(|| curves.apex.get(i).copied().flatten().map(|a| a.0)).unwrap_or(f64::INFINITY)
    };
    let name = |i: usize| doc.session.peaks.get(i).map_or("", |p| p.name.as_str());
    let mut order: Vec<usize> = (0..doc.session.peaks.len()).collect();
    order.sort_by(|&a, &b| t_r(a).total_cmp(&t_r(b)).then_with(|| natural_cmp(name(a), name(b))));
    order
}

/// Each peak's label at its apex, in retention order: (index, apex in plot values, text). A peak without a name
/// is numbered by its place in retention order ("peak 3").
fn peak_labels(doc: &Document, curves: &Curves, x_scale: f64, minutes: bool) -> Vec<(usize, PlotPoint, String)> {
    let order = retention_order(doc, curves);
    order
        .iter()
        .enumerate()
        .filter_map(|(rank, &i)| {
            let (t, h) = curves.apex.get(i).copied().flatten()?;
            let t_r = curves.metrics.get(i).and_then(Option::as_ref).map_or(t, |m| m.retention_time_s);
            let name = doc.session.peaks.get(i).map(|p| p.name.trim()).filter(|n| !n.is_empty());
            let name = name.map_or_else(|| format!("peak {}", rank + 1), str::to_string);
            let base = doc.session.baseline.as_ref().map_or(0.0, |b| b.value_at(t));
            Some((i, PlotPoint::new(t / x_scale, base + h), format!("{name}\n{}", format_time(t_r, minutes))))
        })
        .collect()
}

fn peak_item_id(index: usize) -> ItemId {
    ItemId::new(("peak", index))
}

/// Draws the plots and returns what the user asked for. `revision` identifies the document state of `curves`.
/// Longer than most because the chromatogram's plot closure draws the curves, the selected peak's handles and
/// reads the pointer in one pass (egui_plot gives the plot's transform only inside it).
pub fn plot_ui(
    ui: &mut egui::Ui,
    doc: &Document,
    curves: &Curves,
    revision: u64,
    selected: Option<usize>,
    view: &mut PlotView,
) -> Vec<Action> {
    let mut actions = Vec::new();
    let id_of = |i: usize| doc.ids.get(i).copied().unwrap_or(i as PeakId);
    let preview = curves.is_preview();
    if view.cache.as_ref().is_none_or(|c| c.revision != revision || c.minutes != view.minutes || c.preview != preview) {
        view.cache = Some(PlotData::build(doc, curves, revision, view.minutes, view.cache.take()));
    }
    let Some(data) = view.cache.as_ref() else { return actions };
    let unit = if view.minutes { "min" } else { "s" };
    let x_scale = if view.minutes { 60.0 } else { 1.0 };
    let signal_unit = doc.run.as_ref().map(|r| r.chromatogram().signal_unit.clone()).unwrap_or_default();
    let signal_unit = if signal_unit.is_empty() { NO_UNIT.to_string() } else { signal_unit };
    let y_label = format!("signal ({signal_unit})");
    let link = Id::unique("elute-time-axis");
    let has_residual = !data.residual.is_empty();
    let total_h = ui.available_height();
    let main_h = if has_residual { total_h * 0.72 } else { total_h };
    let reset = std::mem::take(&mut view.reset);
    let (pressed, down, origin) =
        ui.input(|i| (i.pointer.primary_pressed(), i.pointer.primary_down(), i.pointer.press_origin()));
    if !down {
        view.active = None;
    } else if pressed && let Some(o) = origin {
        view.active = view.handles.iter().find(|(_, p)| p.distance(o) < GRAB_RADIUS).map(|h| h.0);
    }
    let active = view.active;
    let mut handles = Vec::new();
    let total_color = ui.visuals().strong_text_color();

    let labels = if view.show_labels { peak_labels(doc, curves, x_scale, view.minutes) } else { Vec::new() };
    view.labels = labels.iter().map(|l| l.2.clone()).collect();
    let mut main = with_ticks(Plot::new("chromatogram"))
        .legend(Legend::default())
        .height(main_h)
        .x_axis_label(format!("time ({unit})"))
        .y_axis_label(y_label)
        .link_axis(link, [true, false])
        .link_cursor(link, [true, false])
        .allow_boxed_zoom(true)
        .allow_drag(active.is_none());
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
        for (i, fill) in data.fills.iter().enumerate() {
            let c = peak_color(id_of(i));
            plot.add(
                FilledArea::new("", &fill.x, &fill.base, &fill.top)
                    .fill_color(Color32::from_rgba_unmultiplied(c.r(), c.g(), c.b(), FILL_ALPHA))
                    .id(("peak-fill", i))
                    .allow_hover(false),
            );
        }
        for (i, pts) in data.peaks.iter().enumerate() {
            // Unnamed, so the legend keeps to measured and model (hovering a curve names it).
            let selected = selected == Some(i);
            plot.line(
                Line::new("", PlotPoints::Borrowed(pts))
                    .id(peak_item_id(i))
                    .color(peak_color(id_of(i)))
                    .width(if selected { 2.5 } else { 1.2 })
                    .highlight(selected),
            );
        }
        if let Some(t) = view.cursor_s {
            plot.add(VLine::new("column view time", t / x_scale).color(CURSOR_COLOR).width(1.5));
        }
        for (i, at, text) in &labels {
            plot.add(
                Text::new("", *at, egui::RichText::new(text).small())
                    .anchor(egui::Align2::CENTER_BOTTOM)
                    .color(peak_color(id_of(*i)))
                    .id(("peak-label", *i))
                    .allow_hover(false),
            );
        }
        let mut drag = None;
        if let Some(i) = selected
            && let (Some(p), Some(Some((t, h)))) = (doc.session.peaks.get(i), curves.apex.get(i))
        {
            // Unnamed: the apex line and handles stay out of the legend.
            plot.add(VLine::new("", t / x_scale).color(peak_color(id_of(i))));
            let base = doc.session.baseline.as_ref().map_or(0.0, |b| b.value_at(*t));
            let apex = PlotPoint::new(t / x_scale, base + h);
            // The width handle sits σ·spread right of the apex, at least WIDTH_HANDLE_MIN_PX away from its line;
            // the spread is fixed while the handle is dragged, so the pointer moves σ by 1/spread of its travel.
            let sigma_s = crate::model::moments(&doc.session.column, p).variance_s2.sqrt();
            let px_per_s = plot.transform().dpos_dvalue_x() / x_scale;
            let spread = match (active, view.width_spread) {
                (Some(Handle::Width), Some(f)) => f,
                _ => (f64::from(WIDTH_HANDLE_MIN_PX) / (sigma_s * px_per_s).max(1e-9)).max(1.0),
            };
            view.width_spread = Some(spread);
            let width = PlotPoint::new((t + sigma_s * spread) / x_scale, base + 0.6 * h);
            for (handle, at, shape) in
                [(Handle::Apex, apex, MarkerShape::Circle), (Handle::Width, width, MarkerShape::Diamond)]
            {
                handles.push((handle, plot.screen_from_plot(at)));
                plot.points(
                    Points::new("", vec![[at.x, at.y]])
                        .id(("handle", handle))
                        .shape(shape)
                        .radius(6.0)
                        .filled(true)
                        .color(peak_color(id_of(i)))
                        .allow_hover(false),
                );
            }
            if let (Some(handle), Some(pointer)) = (active, plot.pointer_coordinate()) {
                let to_s = match handle {
                    Handle::Apex => pointer.x * x_scale,
                    Handle::Width => t + (pointer.x * x_scale - t) / spread,
                };
                drag = drag_peak(doc, i, *t, handle, to_s).map(|peak| (i, peak));
            }
        }
        let bounds = plot.plot_bounds();
        (plot.pointer_coordinate(), (bounds.min()[0] * x_scale, bounds.max()[0] * x_scale), drag)
    });
    view.visible_s = Some(response.inner.1);
    view.transform = Some(response.transform);
    view.handles = handles;
    if let Some((index, peak)) = response.inner.2
        && doc.session.peaks.get(index) != Some(&peak)
    {
        let gesture = Gesture::Drag(Id::unique(("peak-handle", index)));
        actions.push(Action::SetPeak { index, peak, gesture });
    }
    let pointer = response.response.hover_pos();
    let hovered_peak = response
        .hovered_plot_item
        .and_then(|id| (0..doc.session.peaks.len()).find(|&i| peak_item_id(i) == id))
        .or_else(|| pointer.and_then(|p| peak_under_pointer(doc, curves, &response.transform, p, x_scale)));
    view.hovered = hovered_peak;
    // Held now, or held when the button went down or up (events of this frame).
    let shift = ui.input(|i| {
        i.modifiers.shift
            || i.events.iter().any(|e| matches!(e, egui::Event::PointerButton { modifiers, .. } if modifiers.shift))
    });
    if response.response.clicked() && active.is_none() {
        // A click selects what it points at; Shift+click adds a peak there (never a duplicate by accident).
        match (hovered_peak, response.inner.0) {
            (_, Some(p)) if shift && doc.run.is_some() => actions.push(Action::AddPeakAt { time_s: p.x * x_scale }),
            (Some(i), _) => actions.push(Action::Select(Some(i))),
            (None, _) => actions.push(Action::Select(None)),
        }
    }
    if response.response.secondary_clicked()
        && let Some(i) = hovered_peak
    {
        actions.push(Action::RemovePeak(i));
    }
    if let Some(i) = hovered_peak
        && active.is_none()
    {
        response.response.clone().on_hover_text_at_pointer(hover_text(doc, curves, i, view.minutes));
    }

    if has_residual {
        residual_ui(ui, &data.residual, link, unit, &signal_unit, reset);
    }
    actions
}

/// The residual plot under the chromatogram, its time axis linked to it.
fn residual_ui(ui: &mut egui::Ui, residual_points: &[PlotPoint], link: Id, unit: &str, signal_unit: &str, reset: bool) {
    let mut residual = with_ticks(Plot::new("residuals"))
        .height(ui.available_height())
        .x_axis_label(format!("time ({unit})"))
        .y_axis_label(format!("residual ({signal_unit})"))
        .link_axis(link, [true, false])
        .link_cursor(link, [true, false]);
    if reset {
        residual = residual.reset();
    }
    residual.show(ui, |plot| {
        plot.line(
            Line::new("measured − model", PlotPoints::Borrowed(residual_points))
                .color(Color32::from_rgb(90, 90, 200))
                .width(1.0),
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Session;

    #[test]
    fn handles_move_the_mean_and_set_the_width() {
        let doc = Document::new(Session::paper_btex());
        let column = &doc.session.column;
        let p = &doc.session.peaks[1];
        let (m, s) = (crate::model::moments(column, p).mean_s, crate::model::moments(column, p).variance_s2.sqrt());
        let moved = drag_peak(&doc, 1, 231.0, Handle::Apex, 241.0).unwrap();
        assert!((crate::model::moments(column, &moved).mean_s - (m + 10.0)).abs() < 1e-9);
        assert_eq!(moved.kd_per_s, p.kd_per_s);
        let wide = drag_peak(&doc, 1, 231.0, Handle::Width, 231.0 + 2.0 * s).unwrap();
        assert!((crate::model::moments(column, &wide).variance_s2.sqrt() - 2.0 * s).abs() < 1e-9);
        assert!((wide.partition_constant() / p.partition_constant() - 1.0).abs() < 1e-12);
        assert!((crate::model::moments(column, &wide).mean_s - m).abs() < 1e-9);
        assert!(drag_peak(&doc, 1, 231.0, Handle::Apex, 0.0).is_none());
    }

    #[test]
    fn natural_cmp_orders_numbers_by_value() {
        let mut names = vec!["peak 10", "peak 2", "Peak 1", "peak 02b", "benzene"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(names, ["benzene", "Peak 1", "peak 2", "peak 02b", "peak 10"]);
    }
}

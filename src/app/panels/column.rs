//! The column panel: geometry (or hold-up time and phase ratio β), pressures, velocity, injection time and inlet
//! tail, each with its unit, and the derived t0, β, r and u(L) beside them.

use egui::DragValue;

use super::gesture;
use crate::app::actions::Action;
use crate::app::state::{Document, Gesture};
use crate::model::{Column, ColumnSetup, RawColumn};

/// One editable number shown in `scale` units (value_si × scale), with `suffix` and a tooltip.
struct Field<'a> {
    label: &'a str,
    tip: &'a str,
    suffix: &'a str,
    scale: f64,
    min_si: f64,
}

/// Decimals a column field shows (at most).
const SHOWN_DECIMALS: usize = 4;

/// Draws `f`; the first field drawn after the fit panel asked for the column (t0, or the length on a geometry)
/// takes the keyboard focus.
fn field(ui: &mut egui::Ui, f: Field<'_>, value_si: &mut Option<f64>, changed: &mut Option<Gesture>) {
    let Some(v) = value_si.as_mut() else { return };
    let label = ui.label(f.label).on_hover_text(f.tip);
    let before = *v * f.scale;
    let mut shown = before;
    let speed = (shown.abs() * 0.003).max(1e-3);
    let r = ui
        .add(
            DragValue::new(&mut shown)
                .speed(speed)
                .range(f.min_si * f.scale..=f64::MAX)
                .max_decimals(SHOWN_DECIMALS)
                .suffix(f.suffix),
        )
        .labelled_by(label.id)
        .on_hover_text(f.tip);
    let asked = super::fit::focus_column_request_id();
    if ui.ctx().data_mut(|d| d.remove_temp::<bool>(asked)).unwrap_or(false) {
        r.request_focus();
        r.scroll_to_me(Some(egui::Align::Center));
    }
    // Leaving a field that was focused but not edited commits its text, rounded to the decimals shown: that is
    // no edit (it would round t0 and make an assumed column the user's).
    if r.changed() && (shown - before).abs() > 0.5001 * 10f64.powi(-(SHOWN_DECIMALS as i32)) {
        *v = shown / f.scale;
        *changed = Some(gesture(&r));
    }
    ui.end_row();
}

/// The geometry fields, in order: the field and which raw slot it edits.
const GEOMETRY: [(Field<'static>, usize); 6] = [
    (Field { label: "Length", tip: "Column length L, m", suffix: " m", scale: 1.0, min_si: 1e-3 }, 0),
    (Field { label: "Radius", tip: "Inner radius R, µm (half the i.d.)", suffix: " µm", scale: 1e6, min_si: 1e-7 }, 1),
    (Field { label: "Film", tip: "Film thickness δ, µm", suffix: " µm", scale: 1e6, min_si: 1e-9 }, 2),
    (
        Field {
            label: "Inlet pressure",
            tip: "Inlet pressure p0, kPa (absolute)",
            suffix: " kPa",
            scale: 1e-3,
            min_si: 1.0,
        },
        3,
    ),
    (
        Field {
            label: "Outlet pressure",
            tip: "Outlet pressure pL, kPa (absolute, ≤ p0)",
            suffix: " kPa",
            scale: 1e-3,
            min_si: 1.0,
        },
        4,
    ),
    (
        Field {
            label: "Inlet velocity",
            tip: "Carrier velocity at the inlet u0, m/s",
            suffix: " m/s",
            scale: 1.0,
            min_si: 1e-6,
        },
        5,
    ),
];

/// Draws the column panel; returns a column edit when the user changed a valid value.
pub fn column_ui(ui: &mut egui::Ui, doc: &Document) -> Vec<Action> {
    let column = doc.session.column;
    let mut raw = RawColumn::from(column);
    let switch_to = setup_switch_ui(ui, &column);
    let changed = egui::Grid::new("column-fields").num_columns(2).show(ui, |ui| fields_ui(ui, &column, &mut raw)).inner;
    ui.separator();
    derived_ui(ui, &column);
    let mut actions = Vec::new();
    if let Some(geometry) = switch_to {
        let next = if geometry {
            geometry_like(&column)
        } else {
            Column::from_holdup(column.holdup_time_s(), column.phase_ratio(), column.injection_s())
                .and_then(|c| c.with_inlet_tail_s(column.inlet_tail_s()))
        };
        if let Ok(c) = next {
            actions.push(Action::SetColumn { column: c, gesture: Gesture::Single });
        }
    } else if let Some(g) = changed
        && let Ok(c) = Column::try_from(raw)
        && c != column
    {
        actions.push(Action::SetColumn { column: c, gesture: g });
    }
    actions
}

/// Atmospheric pressure, Pa: both ends of a column whose pressures are not known (r = 1, as the hold-up model
/// then assumes).
const ATMOSPHERE_PA: f64 = 101_325.0;

/// A geometry that describes the same column as `column` to the model: the paper's length and radius, the film
/// that gives `column`'s phase ratio β, its pressures (r = 1 when unknown), and the inlet velocity that gives its
/// hold-up time t0; its injection, inlet tail and diffusion kept. So t0, β and r, and with them every peak's
/// moments, are unchanged: no peak moves when the user switches to Geometry.
pub fn geometry_like(column: &Column) -> Result<Column, crate::model::ModelError> {
    let (length_m, radius_m) = match Column::paper_btex().setup() {
        ColumnSetup::Geometry { length_m, radius_m, .. } => (length_m, radius_m),
        ColumnSetup::HoldUp { .. } => (20.0, 90e-6),
    };
    let (p0, pl) = match column.setup() {
        ColumnSetup::HoldUp { pressures_pa: Some(p), .. } => p,
        ColumnSetup::HoldUp { pressures_pa: None, .. } => (ATMOSPHERE_PA, ATMOSPHERE_PA),
        ColumnSetup::Geometry { inlet_pressure_pa, outlet_pressure_pa, .. } => (inlet_pressure_pa, outlet_pressure_pa),
    };
    let film_m = radius_m / (2.0 * column.phase_ratio());
    // A first velocity, then the one that gives t0 (the flow's time of flight scales as 1/u0).
    Column::from_geometry(length_m, radius_m, film_m, p0, pl, 0.1, column.injection_s())?
        .with_inlet_tail_s(column.inlet_tail_s())?
        .with_diffusion_m2_s(column.diffusion_m2_s())?
        .with_holdup_time_s(column.holdup_time_s())
}

/// The Geometry / Hold-up time selector: `Some(true)` to switch to geometry, `Some(false)` to a hold-up time.
fn setup_switch_ui(ui: &mut egui::Ui, column: &Column) -> Option<bool> {
    let mut switch_to = None;
    ui.horizontal(|ui| {
        let r = ui.selectable_label(column.has_geometry(), "Geometry");
        if r.on_hover_text("t0 from length, radius, pressures and velocity").clicked() && !column.has_geometry() {
            switch_to = Some(true);
        }
        let r = ui.selectable_label(!column.has_geometry(), "Hold-up time");
        if r.on_hover_text("t0 and β measured or fitted").clicked() && column.has_geometry() {
            switch_to = Some(false);
        }
    });
    switch_to
}

/// The editable fields of `column`'s setup, then t1 and τ, edited in `raw`; the gesture of a change, if any.
fn fields_ui(ui: &mut egui::Ui, column: &Column, raw: &mut RawColumn) -> Option<Gesture> {
    let mut changed = None;
    if column.has_geometry() {
        for (f, k) in GEOMETRY {
            let slot = match k {
                0 => &mut raw.length_m,
                1 => &mut raw.radius_m,
                2 => &mut raw.film_thickness_m,
                3 => &mut raw.inlet_pressure_pa,
                4 => &mut raw.outlet_pressure_pa,
                _ => &mut raw.inlet_velocity_m_s,
            };
            field(ui, f, slot, &mut changed);
        }
    } else {
        let t0 = Field {
            label: "Hold-up time t0",
            tip: "Gas time of flight through the column, s",
            suffix: " s",
            scale: 1.0,
            min_si: 1e-6,
        };
        field(ui, t0, &mut raw.holdup_time_s, &mut changed);
        let beta = Field {
            label: "Phase ratio β",
            tip: "β = R/(2δ), dimensionless (datasheets quote it)",
            suffix: "",
            scale: 1.0,
            min_si: 1e-3,
        };
        field(ui, beta, &mut raw.phase_ratio, &mut changed);
    }
    let t1 = Field {
        label: "Injection t1",
        tip: "Injection time (rectangular inlet pulse), s",
        suffix: " s",
        scale: 1.0,
        min_si: 1e-6,
    };
    field(ui, t1, &mut raw.injection_s, &mut changed);
    let tau = Field {
        label: "Inlet tail τ",
        tip: "Time constant of the inlet tail (first-order lag), s; 0 = pure rectangle",
        suffix: " s",
        scale: 1.0,
        min_si: 0.0,
    };
    field(ui, tau, &mut raw.inlet_tail_s, &mut changed);
    changed
}

/// The derived t0, β, r and u(L).
fn derived_ui(ui: &mut egui::Ui, column: &Column) {
    egui::Grid::new("column-derived").num_columns(2).show(ui, |ui| {
        let row = |ui: &mut egui::Ui, name: &str, tip: &str, value: String| {
            ui.label(name).on_hover_text(tip);
            ui.label(value);
            ui.end_row();
        };
        row(ui, "t0", "Gas hold-up time, s", format!("{:.3} s", column.holdup_time_s()));
        let beta = format!("{:.2} (α = {:.4})", column.phase_ratio(), column.alpha());
        row(ui, "β", "Phase ratio R/(2δ) (α = 1/β)", beta);
        row(ui, "r", "Outlet-to-inlet pressure ratio pL/p0", format!("{:.4}", column.pressure_ratio()));
        let u_out = column.velocity_m_s(1.0).map_or_else(|| "— (no geometry)".into(), |u| format!("{u:.3} m/s"));
        row(ui, "u(L)", "Carrier velocity at the outlet, m/s", u_out);
    });
}

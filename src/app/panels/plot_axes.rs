//! The plots' grids and tick labels: steps of 1, 2 or 5 × 10ⁿ chosen so that several labelled ticks fit the
//! plot's size (egui_plot's default steps are powers of ten only, so a short residual plot or a few minutes on a
//! narrow plot showed one tick, "0"), and labels with as many decimals as the step needs.

use std::ops::RangeInclusive;

use egui_plot::{GridInput, GridMark, Plot};

/// The least distance between grid lines (points); egui_plot's own default.
pub const GRID_MIN_PX: f64 = 8.0;
/// The least distance between labelled ticks on the time axis (points): above egui_plot's 60 (closer labels are
/// not painted), and a label such as "12.345" fits. Steps round up from it, to at most 2.5 times as far.
pub const X_LABEL_PX: f64 = 70.0;
/// The least distance between labelled ticks on a signal axis (points): above egui_plot's 20.
pub const Y_LABEL_PX: f64 = 26.0;

/// The least step of 1, 2 or 5 × 10ⁿ at or above `v` (> 0), and the number of finer grid lines per step.
pub fn nice_step(v: f64) -> (f64, u32) {
    let exp = v.log10().floor();
    let unit = 10f64.powf(exp);
    let mantissa = v / unit;
    // Each step divides into finer lines of 0.2, 0.5 or 1 × 10ⁿ: always whole multiples.
    match mantissa {
        m if m <= 1.0 + 1e-9 => (unit, 5),
        m if m <= 2.0 + 1e-9 => (2.0 * unit, 4),
        m if m <= 5.0 + 1e-9 => (5.0 * unit, 5),
        _ => (10.0 * unit, 5),
    }
}

/// The grid's three step sizes (fine lines, labelled ticks, strong lines) for ticks about `label_px` apart.
pub fn grid_steps(input: &GridInput, label_px: f64) -> [f64; 3] {
    let value_per_px = input.base_step_size.abs() / GRID_MIN_PX;
    if !value_per_px.is_finite() || value_per_px <= 0.0 {
        return [1.0, 10.0, 100.0];
    }
    let (label, divisions) = nice_step(label_px * value_per_px);
    [label / f64::from(divisions), label, label * 10.0]
}

/// The tick label of `mark`: decimals as the step needs ("0.5" at a step of 0.5, never "0" and "1" for 0.5 and
/// 1.0), in scientific notation when the step is below 10⁻⁴ or the values reach 10⁶.
pub fn tick_label(mark: GridMark, range: &RangeInclusive<f64>) -> String {
    let (v, step) = (mark.value, mark.step_size.abs());
    if v.abs() < step * 1e-6 {
        return "0".into();
    }
    let magnitude = range.start().abs().max(range.end().abs());
    if step < 1e-4 || magnitude >= 1e6 {
        let digits = (v.abs().log10().floor() - step.log10().floor()).clamp(0.0, 6.0) as usize;
        return format!("{v:.digits$e}");
    }
    let decimals = (-step.log10() - 1e-9).ceil().max(0.0) as usize;
    format!("{v:.decimals$}")
}

/// `plot` with the grids and tick labels above on both axes.
pub fn with_ticks(plot: Plot<'_>) -> Plot<'_> {
    plot.grid_spacing(GRID_MIN_PX as f32..=300.0)
        .x_grid_spacer(egui_plot::uniform_grid_spacer(|i| grid_steps(&i, X_LABEL_PX)))
        .y_grid_spacer(egui_plot::uniform_grid_spacer(|i| grid_steps(&i, Y_LABEL_PX)))
        .x_axis_formatter(tick_label)
        .y_axis_formatter(tick_label)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The labels egui_plot would paint on an axis `px` points long showing `bounds`: those of marks whose step
    /// is at least `min_px` apart on screen (its rule in `add_tick_labels`).
    fn labels(bounds: (f64, f64), px: f64, label_px: f64, min_px: f64) -> Vec<String> {
        let per_px = (bounds.1 - bounds.0) / px;
        let input = GridInput { bounds, base_step_size: per_px * GRID_MIN_PX };
        let marks = egui_plot::uniform_grid_spacer(|i| grid_steps(&i, label_px))(input);
        let range = bounds.0..=bounds.1;
        marks.into_iter().filter(|m| m.step_size / per_px > min_px).map(|m| tick_label(m, &range)).collect()
    }

    #[test]
    fn nice_step_rounds_up_to_1_2_5() {
        assert_eq!(nice_step(0.3), (0.5, 5));
        assert_eq!(nice_step(1.5), (2.0, 4));
        assert_eq!(nice_step(7.0), (10.0, 5));
        assert_eq!(nice_step(0.001), (0.001, 5));
    }

    #[test]
    fn tick_label_shows_more_than_zero_in_minutes_and_on_residuals() {
        // Five minutes on a narrow (300 points) plot: several distinct labels, not just "0".
        let minutes = labels((0.0, 5.0), 300.0, X_LABEL_PX, 60.0);
        assert!(minutes.len() >= 3, "{minutes:?}");
        assert!(minutes.iter().any(|l| l != "0"), "{minutes:?}");
        let unique: std::collections::BTreeSet<&String> = minutes.iter().collect();
        assert_eq!(unique.len(), minutes.len(), "no two ticks read alike: {minutes:?}");
        // A residual plot 150 points tall over ±500: at least three labels (egui_plot's powers of ten gave "0").
        let residual = labels((-500.0, 500.0), 150.0, Y_LABEL_PX, 20.0);
        assert!(residual.len() >= 3, "{residual:?}");
        assert!(residual.contains(&"200".to_string()) || residual.contains(&"500".to_string()), "{residual:?}");
        // Half-minute steps keep their decimal.
        let range = 0.0..=3.0;
        assert_eq!(tick_label(GridMark { value: 1.5, step_size: 0.5 }, &range), "1.5");
        assert_eq!(tick_label(GridMark { value: 0.0, step_size: 0.5 }, &range), "0");
        // Tiny residuals and huge signals go scientific, still distinct.
        let tiny = -1e-5..=1e-5;
        assert_eq!(tick_label(GridMark { value: 5e-6, step_size: 5e-6 }, &tiny), "5e-6");
        let big = 0.0..=4e6;
        assert_eq!(tick_label(GridMark { value: 2.5e6, step_size: 5e5 }, &big), "2.5e6");
    }
}

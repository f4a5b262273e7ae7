//! The selected peak's 95 % joint confidence region of (k_a, k_d): a small plot with the fitted point, the
//! linearised ellipse and the χ² contour, and the standard errors beside it.

use egui::Color32;
use egui_plot::{Corner, Legend, Line, MarkerShape, Plot, PlotPoints, Points};

use crate::app::region::{Confidence, ContourState};
use crate::fit::contour::DELTA_CHI2_95_2D;

fn to_points(pts: &[(f64, f64)]) -> PlotPoints<'static> {
    PlotPoints::from(pts.iter().map(|&(x, y)| [x, y]).collect::<Vec<[f64; 2]>>())
}

/// Draws the region of the selected peak, or says why there is none.
pub fn confidence_ui(ui: &mut egui::Ui, confidence: Option<&Confidence>) {
    let Some(c) = confidence else {
        ui.label("Fit the peak to see its standard errors and the confidence region of (k_a, k_d).");
        return;
    };
    ui.label(format!(
        "k_a = {:.5e} ± {:.2e} 1/s\nk_d = {:.5e} ± {:.2e} 1/s\ncorrelation ρ = {:.7}",
        c.center.0, c.se.0, c.center.1, c.se.1, c.correlation
    ))
    .on_hover_text("Standard errors from the fit covariance (conditional on the column's t0, t1 and τ)");
    let status = match &c.contour {
        ContourState::Waiting(_) => "the χ² contour is traced when the drag ends".to_string(),
        ContourState::Computing(..) => "tracing the χ² contour…".to_string(),
        ContourState::Done(k) if k.closed => format!(
            "χ² contour: SSE = SSE_min + {DELTA_CHI2_95_2D:.2}·s², s = {:.4} (areas and baseline re-solved)",
            k.residual_variance.sqrt()
        ),
        ContourState::Done(_) => "χ² contour: open within 4× the ellipse (poorly determined)".to_string(),
        ContourState::Unavailable(why) => format!("no χ² contour: {why}"),
    };
    ui.label(status).on_hover_text(
        "95 % joint region for two parameters: Δχ² = 5.99. The ellipse is the linearised (covariance) region; \
         the contour is the true level set of the sum of squares, the window's other peaks held at their fits.",
    );
    let point_color = ui.visuals().strong_text_color();
    Plot::new("confidence-region")
        .height(220.0)
        // Fitted rates correlate positively: the region runs from bottom left to top right, so the legend sits
        // in the free top-left corner.
        .legend(Legend::default().position(Corner::LeftTop))
        .x_axis_label("k_a (1/s)")
        .y_axis_label("k_d (1/s)")
        .allow_scroll(false)
        .show(ui, |plot| {
            plot.line(
                Line::new("95 % ellipse (linearised)", to_points(&c.ellipse)).color(Color32::from_rgb(60, 120, 220)),
            );
            if let ContourState::Done(k) = &c.contour {
                plot.line(
                    Line::new("95 % χ² contour", to_points(&k.points))
                        .color(Color32::from_rgb(220, 120, 40))
                        .width(2.0),
                );
            }
            plot.points(
                Points::new("fit", vec![[c.center.0, c.center.1]])
                    .shape(MarkerShape::Cross)
                    .radius(5.0)
                    .color(point_color),
            );
        });
}

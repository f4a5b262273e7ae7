//! The run-level choices of a fit the user makes in the fit panel: whether the inlet tail τ is fitted, and t0
//! when the run does not determine it (typed, or from the unretained peak picked on the trace).

use super::app::App;
use super::estimate::{climb_to_apex, median};
use super::panels::fit::FitPanel;
use super::state::Gesture;
use crate::model::Column;
use crate::model::moments::inlet_sd_s;

/// The note of a run fit whose t0 the run does not determine (see `fit::run::fit`).
const T0_NOT_DETERMINED: &str = "t0 is not determined";

/// The hold-up time t0 (s) that puts the unretained peak's apex at `apex_s` on `column`: the unretained peak's
/// mean is t0 + t1/2 + τ (see [`crate::model::moments::unretained_mean_s`]), taken at its apex.
pub fn holdup_from_unretained_s(column: &Column, apex_s: f64) -> f64 {
    apex_s - 0.5 * column.injection_s() - column.inlet_tail_s()
}

impl App {
    /// Whether fits free the inlet tail τ: the user's choice, else fitted on an assumed column and held on a
    /// known one.
    pub fn fits_inlet_tail(&self) -> bool {
        self.settings.fit_inlet_tail.unwrap_or(self.editing.doc.column_assumed)
    }

    /// The last fit's notes say the run does not determine t0 (and the user has not given it since).
    pub fn t0_undetermined(&self) -> bool {
        let doc = &self.editing.doc;
        !doc.holdup_known
            && doc.session.fit.as_ref().is_some_and(|f| f.notes.iter().any(|n| n.contains(T0_NOT_DETERMINED)))
    }

    /// The next click on the trace picks the unretained peak.
    pub fn picking_unretained(&self) -> bool {
        self.picking_unretained
    }

    /// What the fit panel shows this frame.
    pub(super) fn fit_panel(&self) -> FitPanel {
        let doc = &self.editing.doc;
        FitPanel {
            has_run: doc.run.is_some(),
            has_selection: self.selected.is_some(),
            threshold_sigma: self.settings.threshold_sigma,
            max_peaks: self.settings.max_peaks,
            fit_inlet_tail: self.fits_inlet_tail(),
            column_assumed: doc.column_assumed,
            t0_undetermined: self.t0_undetermined(),
            holdup_known: doc.holdup_known,
            holdup_time_s: doc.session.column.holdup_time_s(),
            picking_unretained: self.picking_unretained,
        }
    }

    /// Gives t0 (s): the column takes it (one undo step) and the next fits hold it. The column stays assumed
    /// (k_a still depends on its phase ratio).
    pub(super) fn set_holdup_time(&mut self, holdup_time_s: f64) {
        match self.editing.doc.session.column.with_holdup_time_s(holdup_time_s) {
            Ok(column) => {
                self.edit(Gesture::Single, |d| {
                    d.session.column = column;
                    d.holdup_known = true;
                });
                self.outbox.message = format!("t0 = {holdup_time_s:.3} s given: the next fits hold it");
            }
            Err(e) => self.outbox.error = Some(format!("cannot take t0 = {holdup_time_s} s: {e}")),
        }
    }

    /// Starts or stops the pick mode (the status bar says which).
    pub(super) fn pick_unretained(&mut self, on: bool) {
        self.picking_unretained = on && self.editing.doc.run.is_some();
        self.outbox.message = if self.picking_unretained {
            "Pick mode: click the unretained peak (air, methane) on the trace; its apex gives t0".into()
        } else {
            "Pick mode off".into()
        };
    }

    /// In the pick mode, a click on the plot (which the plot reports as a selection) takes the apex of the
    /// measured peak next to the pointer as the unretained peak's: t0 follows. True when it took the click.
    pub(super) fn pick_from_click(&mut self) -> bool {
        if !self.picking_unretained {
            return false;
        }
        let pos = self.repaint.0.as_ref().and_then(|ctx| ctx.input(|i| i.pointer.interact_pos()));
        let Some((pos, transform)) = pos.zip(self.plot_view.transform) else { return false };
        if !transform.frame().contains(pos) {
            return false;
        }
        let x_scale = if self.plot_view.minutes { 60.0 } else { 1.0 };
        let time_s = transform.value_from_position(pos).x * x_scale;
        let Some(apex_s) = self.measured_apex_near_s(time_s) else { return false };
        self.picking_unretained = false;
        let t0_s = holdup_from_unretained_s(&self.editing.doc.session.column, apex_s);
        if t0_s > 0.0 {
            self.set_holdup_time(t0_s);
            self.outbox.message = format!("unretained peak at {apex_s:.3} s: t0 = {t0_s:.3} s, held by the next fits");
        } else {
            self.outbox.error = Some(format!(
                "the peak at {apex_s:.3} s comes before t1/2 + τ: it cannot be the unretained peak (t0 would be \
                 {t0_s:.3} s)"
            ));
        }
        true
    }

    /// The apex time (s) of the measured trace's highest point within a few inlet widths of `time_s`.
    fn measured_apex_near_s(&self, time_s: f64) -> Option<f64> {
        let run = self.editing.doc.run.as_ref()?;
        let c = run.chromatogram();
        if c.time_s.len() < 5 {
            return None;
        }
        let base = median(&c.signal);
        let own: Vec<f64> = c.signal.iter().map(|y| y - base).collect();
        let k = c.time_s.partition_point(|&t| t < time_s).min(c.time_s.len() - 1);
        let step = c.median_step_s().unwrap_or(1.0).max(1e-9);
        let radius = ((inlet_sd_s(&self.editing.doc.session.column) * 2.0 / step).ceil() as usize).max(3);
        Some(c.time_s[climb_to_apex(&own, k, radius)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unretained_peak_gives_t0_before_the_inlet_pulse() {
        let column = Column::from_holdup(10.0, 250.0, 1.0).unwrap().with_inlet_tail_s(0.5).unwrap();
        assert!((holdup_from_unretained_s(&column, 42.0) - 41.0).abs() < 1e-12);
        let round_trip = holdup_from_unretained_s(&column, crate::model::moments::unretained_mean_s(&column));
        assert!((round_trip - 10.0).abs() < 1e-12);
    }
}

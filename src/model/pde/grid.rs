//! The PDE solver's grid: cells uniform in gas time of flight τ, the time step, and the per-cell constants.
//!
//! With s = τ/t0 ∈ [0, 1] the fraction of the time of flight, the compressible-flow profile gives
//! p(x)/p0 = (1 − s(1 − r³))^{1/3}, so û = u/u0 = (1 − s(1 − r³))^{−1/3} and
//! x/L = (1 − (1 − s(1 − r³))^{2/3})/(1 − r²) (→ s at r = 1).

use super::{NOMINAL_LENGTH_M, PdeOptions, Scheme};
use crate::model::{Column, ModelError, Peak};

/// Everything the stepper needs, derived once per solve.
#[derive(Debug, Clone)]
pub struct Grid {
    /// Cell width in τ, s.
    pub dtau_s: f64,
    /// Time step, s (t1 is an integer number of steps).
    pub dt_s: f64,
    /// Steps covering [0, t1): the inlet is "on" during these.
    pub injection_steps: u64,
    /// Total number of steps (reaches the last requested time).
    pub total_steps: u64,
    /// û = u/u0 at each cell centre.
    pub uhat: Vec<f64>,
    /// û at the outlet, 1/r.
    pub uhat_outlet: f64,
    /// Diffusion coefficient in τ coordinates, D0/u0² in s (0 without diffusion).
    pub diffusion_s: f64,
    /// α·k_a in 1/s.
    pub alpha_ka_per_s: f64,
    /// k_d in 1/s.
    pub kd_per_s: f64,
    /// Injection time t1, s.
    pub injection_s: f64,
    /// Inlet tail τ, s (0: pure rectangle).
    pub inlet_tail_s: f64,
    /// Face reconstruction.
    pub scheme: Scheme,
    /// Cell-centre positions along the column, m.
    positions_m: Vec<f64>,
}

/// Position fraction x/L at the time-of-flight fraction s for pressure ratio r.
pub fn position_fraction(s: f64, r: f64) -> f64 {
    let one_minus_r2 = 1.0 - r * r;
    if one_minus_r2 < 1e-12 {
        return s;
    }
    // 1 − (1 − a)^{2/3}, a = s(1 − r³), without cancellation for small a.
    let a = s * (1.0 - r * r * r);
    -((2.0 / 3.0) * (-a).ln_1p()).exp_m1() / one_minus_r2
}

/// û = u/u0 at the time-of-flight fraction s for pressure ratio r.
pub fn velocity_ratio(s: f64, r: f64) -> f64 {
    (1.0 - s * (1.0 - r * r * r)).powf(-1.0 / 3.0)
}

impl Grid {
    /// Builds the grid for one solve up to `t_end_s`. Options must already be validated.
    pub fn new(column: &Column, peak: &Peak, options: &PdeOptions, t_end_s: f64) -> Result<Grid, ModelError> {
        let n = options.cells;
        let r = column.pressure_ratio();
        let t0 = column.holdup_time_s();
        let dtau_s = t0 / n as f64;
        let (length_m, u0) = match (column.length_m(), column.velocity_m_s(0.0)) {
            (Some(l), Some(u0)) => (l, u0),
            _ => {
                let shape = (2.0 / 3.0) * (1.0 + r + r * r) / (1.0 + r);
                (NOMINAL_LENGTH_M, NOMINAL_LENGTH_M * shape / t0)
            }
        };
        let diffusion_s = if options.diffusion { column.diffusion_m2_s() / (u0 * u0) } else { 0.0 };
        let alpha_ka_per_s = column.alpha() * peak.ka_per_s;
        let kd_per_s = peak.kd_per_s;

        let mut dt_max = (options.cfl * dtau_s).min(options.kinetic_step / (alpha_ka_per_s + kd_per_s));
        if diffusion_s > 0.0 {
            // SSP-RK3 reaches 2.51 on the negative real axis; central diffusion's largest eigenvalue is 4D/Δτ².
            dt_max = dt_max.min(0.5 * dtau_s * dtau_s / diffusion_s);
        }
        let t1 = column.injection_s();
        let per_injection = (t1 / dt_max).ceil();
        let dt_s = t1 / per_injection;
        let steps = (t_end_s / dt_s).ceil().max(1.0);
        let work = steps * n as f64;
        if !work.is_finite() || work > options.max_work as f64 {
            return Err(ModelError::InvalidGrid(format!(
                "the PDE grid needs {n} cells × {steps:.0} time steps (Δt = {dt_s:.3e} s to {t_end_s} s), \
                 more than the cap of {} cell-steps; use fewer cells, or a shorter time range",
                options.max_work
            )));
        }
        let centre = |i: usize| (i as f64 + 0.5) / n as f64;
        Ok(Grid {
            dtau_s,
            dt_s,
            injection_steps: per_injection as u64,
            total_steps: steps as u64,
            uhat: (0..n).map(|i| velocity_ratio(centre(i), r)).collect(),
            uhat_outlet: 1.0 / r,
            diffusion_s,
            alpha_ka_per_s,
            kd_per_s,
            injection_s: t1,
            inlet_tail_s: column.inlet_tail_s(),
            scheme: options.scheme,
            positions_m: (0..n).map(|i| length_m * position_fraction(centre(i), r)).collect(),
        })
    }

    /// Number of cells.
    pub fn cells(&self) -> usize {
        self.uhat.len()
    }

    /// Cell-centre positions in m.
    pub fn cell_positions_m(&self) -> Vec<f64> {
        self.positions_m.clone()
    }

    /// Inlet concentration c_in/c0 at time `t_s` within step `step` (0-based). The step index decides which side
    /// of t1 the inlet is on, so a stage evaluated exactly at t1 still belongs to the injection.
    pub fn inlet(&self, step: u64, t_s: f64) -> f64 {
        let on = step < self.injection_steps;
        let tau = self.inlet_tail_s;
        match (on, tau > 0.0) {
            (true, false) => 1.0,
            (false, false) => 0.0,
            (true, true) => -(-t_s / tau).exp_m1(),
            (false, true) => -(-self.injection_s / tau).exp_m1() * (-(t_s - self.injection_s) / tau).exp(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_matches_the_column_time_of_flight() {
        let column = Column::paper_btex();
        let r = column.pressure_ratio();
        for &xi in &[0.0, 0.1, 0.37, 0.8, 1.0] {
            let s = column.time_of_flight_s(xi) / column.holdup_time_s();
            assert!((position_fraction(s, r) - xi).abs() < 1e-12, "xi {xi}");
            let u = column.velocity_m_s(xi).unwrap() / column.velocity_m_s(0.0).unwrap();
            assert!((velocity_ratio(s, r) - u).abs() < 1e-12, "xi {xi}");
        }
        assert!((position_fraction(0.3, 1.0) - 0.3).abs() < 1e-15);
        assert!((position_fraction(0.3, 1.0 - 1e-9) - 0.3).abs() < 1e-6);
    }

    #[test]
    fn inlet_is_the_lagged_rectangle_and_t1_is_a_whole_number_of_steps() {
        let peak = Peak::new("toluene", 2953.0, 11.502, 1.0);
        let plain = Column::paper_btex();
        let grid = Grid::new(&plain, &peak, &PdeOptions::default(), 10.0).unwrap();
        let k = grid.injection_steps;
        assert!((k as f64 * grid.dt_s - 4.0).abs() < 1e-12);
        // A stage at exactly t1 inside the last injection step still sees the inlet on.
        assert_eq!(grid.inlet(k - 1, 4.0), 1.0);
        assert_eq!(grid.inlet(k, 4.0), 0.0);
        let tailed = plain.with_inlet_tail_s(2.5).unwrap();
        let grid = Grid::new(&tailed, &peak, &PdeOptions::default(), 10.0).unwrap();
        let on = 1.0 - (-4.0f64 / 2.5).exp();
        assert!((grid.inlet(k - 1, 4.0) - on).abs() < 1e-15);
        assert!((grid.inlet(k, 4.0) - on).abs() < 1e-15);
        assert!((grid.inlet(k, 6.5) - on * (-1.0f64).exp()).abs() < 1e-15);
        assert!((grid.inlet(0, 1.0) - (1.0 - (-0.4f64).exp())).abs() < 1e-15);
    }
}

//! The full numerical solution of the column PDE system, with diffusion and variable carrier velocity.
//!
//! ```text
//! c_t + (u c)_x = (D c_x)_x − α q_t,   q_t = k_a c − k_d q,   x ∈ [0, L]
//! u(x) = u0·p0/p(x),   D(x) = D0·p0/p(x),   p(x) = p0·√(1 − (1 − r²) x/L)
//! ```
//!
//! How it is solved (internals in `grid.rs` and `stepper.rs`):
//! - The column is mapped onto its gas time-of-flight coordinate τ(x) = ∫0^x dx'/u ∈ [0, t0]. With the
//!   gas mass per unit τ, m = (u/u0)·c, and the film mass s = α (u/u0) q, the system becomes
//!   `m_t + m_τ = (D0/u0²)·(c_τ)_τ − s_t`, `s_t = α k_a m − k_d s`: unit advection speed and a *constant*
//!   diffusion coefficient D0/u0² (because D/u is constant along the column). A uniform grid in τ therefore
//!   has the same Courant number in every cell, and its cells are shortest near the inlet, where the band is
//!   narrowest.
//! - Finite volumes in flux form (mass is conserved to rounding), upwind face values (fifth order by default,
//!   or the note's third-order κ = 1/3, see [`Scheme`]), central diffusion, a one-sided face value at the
//!   outlet, SSP-RK3 in time. Only a window of cells around the nonzero part of the solution is computed.
//! - The linear 2×2 kinetics are integrated in the same Runge–Kutta stages as the transport, with
//!   Δt ≤ 1/(α k_a + k_d) by default (the kinetic time error is then negligible). Strang splitting with the
//!   exact 2×2 exponential per cell was tried and dropped: at the Courant-limited step its splitting error was
//!   6e-2 of peak height for toluene at 1000 cells.
//! - Inlet: Danckwerts flux u0·c_in(t) (with D = 0 it is the Dirichlet inlet), where c_in is the rectangle c0 on
//!   [0, t1) passed through the first-order lag τ_tail: (1 − e^{−t/τ}) on [0, t1), (1 − e^{−t1/τ})e^{−(t−t1)/τ}
//!   after. t1 is an integer number of time steps. Outlet: zero gradient (no diffusive flux).
//! - Output: the outlet face value c(L, t)/c0 at every step end, linearly interpolated to the requested times
//!   (Δt ≪ the peak width, so the interpolation error is ~1e-6 of peak height).
//!
//! A column described only by its hold-up time has no length: the solver then uses a nominal length of
//! [`NOMINAL_LENGTH_M`] = 1 m with the column's pressure ratio (r = 1, constant velocity, when the pressures are
//! unknown) and u0 chosen so that the time of flight is t0. Only the size of the diffusion effect depends on
//! that nominal length; with `diffusion = false` the result is exact for any length.

mod grid;
mod stepper;

use super::{Column, ModelError, Peak, validate_times};
use grid::Grid;
use stepper::Stepper;

/// Column length in m assumed for a column described only by its hold-up time (see the module docs).
pub const NOMINAL_LENGTH_M: f64 = 1.0;

/// Default number of finite-volume cells along the column. With D0 = 2.5e-6 m²/s it keeps the five BTEX peaks
/// within 1.7e-3 of peak height of the closed form (D = 0), most of which is the real effect of diffusion; the
/// purely numerical gap (D = 0) is ≤ 2e-4.
pub const DEFAULT_CELLS: usize = 1500;

/// Default Courant number Δt/Δτ (the same in every cell, since the grid is uniform in time of flight).
pub const DEFAULT_CFL: f64 = 0.5;

/// Default largest Δt·(α k_a + k_d). Measured on o-xylene at 1000 cells: 0.5, 1 and 2 give the same outlet
/// curve to 4 digits of the error, so the kinetic time error is negligible; 1 keeps a margin to the stability
/// limit of 2.5.
pub const DEFAULT_KINETIC_STEP: f64 = 1.0;

/// Default cap on cells × time steps (about a few seconds of work in a release build).
pub const DEFAULT_MAX_WORK: u64 = 2_000_000_000;

/// The face reconstruction of the advective flux.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scheme {
    /// Third-order upwind-biased (κ = 1/3): (−m_{i−1} + 5m_i + 2m_{i+1})/6. Needs about 2–3× the cells of
    /// `Upwind5` for the same accuracy.
    Upwind3,
    /// Fifth-order upwind (the linear weights of WENO5), third order at the faces next to each boundary. The
    /// default: at 1000 cells its gap to the closed form (D = 0) is 7–10× smaller than `Upwind3`'s.
    #[default]
    Upwind5,
}

/// Grid and scheme options of the PDE solver. Build with [`PdeOptions::default`] and the `with_*` methods.
#[derive(Debug, Clone, PartialEq)]
pub struct PdeOptions {
    /// Number of finite-volume cells, uniform in gas time of flight (default [`DEFAULT_CELLS`]; 10 to 100,000).
    pub cells: usize,
    /// Courant number Δt/Δτ, in (0, 1] (default [`DEFAULT_CFL`]).
    pub cfl: f64,
    /// Largest Δt·(α k_a + k_d), the time step relative to the kinetic relaxation time, in (0, 2]
    /// (default [`DEFAULT_KINETIC_STEP`]). SSP-RK3 is stable up to 2.5; smaller is more accurate.
    pub kinetic_step: f64,
    /// Whether to include axial diffusion with the column's D0 (default true). Without it the solution converges
    /// to the closed form.
    pub diffusion: bool,
    /// Face reconstruction (default [`Scheme::Upwind5`]).
    pub scheme: Scheme,
    /// Largest allowed cells × time steps; bigger grids are refused with [`ModelError::InvalidGrid`]
    /// rather than run for minutes (default [`DEFAULT_MAX_WORK`]).
    pub max_work: u64,
}

impl Default for PdeOptions {
    fn default() -> Self {
        PdeOptions {
            cells: DEFAULT_CELLS,
            cfl: DEFAULT_CFL,
            kinetic_step: DEFAULT_KINETIC_STEP,
            diffusion: true,
            scheme: Scheme::default(),
            max_work: DEFAULT_MAX_WORK,
        }
    }
}

impl PdeOptions {
    /// With `cells` finite-volume cells (validated when solving: 10 to 100,000).
    pub fn with_cells(mut self, cells: usize) -> Self {
        self.cells = cells;
        self
    }

    /// With Courant number `cfl` = Δt/Δτ (validated when solving: in (0, 1]).
    pub fn with_cfl(mut self, cfl: f64) -> Self {
        self.cfl = cfl;
        self
    }

    /// With another largest Δt·(α k_a + k_d) (validated when solving: in (0, 2]).
    pub fn with_kinetic_step(mut self, kinetic_step: f64) -> Self {
        self.kinetic_step = kinetic_step;
        self
    }

    /// With or without axial diffusion.
    pub fn with_diffusion(mut self, diffusion: bool) -> Self {
        self.diffusion = diffusion;
        self
    }

    /// With another face reconstruction.
    pub fn with_scheme(mut self, scheme: Scheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// With another cap on cells × time steps.
    pub fn with_max_work(mut self, max_work: u64) -> Self {
        self.max_work = max_work;
        self
    }

    fn validate(&self) -> Result<(), ModelError> {
        if !(10..=100_000).contains(&self.cells) {
            return Err(ModelError::InvalidField {
                field: "cells",
                value: self.cells as f64,
                reason: "must be between 10 and 100000",
            });
        }
        if !(self.cfl.is_finite() && self.cfl > 0.0 && self.cfl <= 1.0) {
            return Err(ModelError::InvalidField { field: "cfl", value: self.cfl, reason: "must be in (0, 1]" });
        }
        if !(self.kinetic_step.is_finite() && self.kinetic_step > 0.0 && self.kinetic_step <= 2.0) {
            return Err(ModelError::InvalidField {
                field: "kinetic_step",
                value: self.kinetic_step,
                reason: "must be in (0, 2]",
            });
        }
        Ok(())
    }
}

/// The outlet signal y(t) of one peak at each of `times_s` (s, finite, non-decreasing; times before 0 give 0),
/// in the peak area's units per second: y = (A/(r·t1))·c(L, t)/c0, so that ∫ y dt = A like the closed form.
///
/// Errors: invalid peak, times or options; a grid whose cells × steps exceed `options.max_work`.
pub fn peak_signal(
    column: &Column,
    peak: &Peak,
    times_s: &[f64],
    options: &PdeOptions,
) -> Result<Vec<f64>, ModelError> {
    let c = outlet_concentration(column, peak, times_s, options)?;
    let scale = peak.area / (column.pressure_ratio() * column.injection_s());
    Ok(c.into_iter().map(|v| v * scale).collect())
}

/// The outlet gas concentration c(L, t)/c0 at each of `times_s` (s, finite, non-decreasing; 0 before t = 0).
/// For a rectangle without tail, its time integral is r·t1.
pub fn outlet_concentration(
    column: &Column,
    peak: &Peak,
    times_s: &[f64],
    options: &PdeOptions,
) -> Result<Vec<f64>, ModelError> {
    peak.validate()?;
    validate_times(times_s)?;
    options.validate()?;
    let t_end = times_s.last().copied().unwrap_or(0.0).max(0.0);
    let grid = Grid::new(column, peak, options, t_end)?;
    let mut out = vec![0.0; times_s.len()];
    let mut next = times_s.partition_point(|&t| t <= 0.0);
    let mut stepper = Stepper::new(&grid);
    let mut prev = (0.0, stepper.outlet());
    // Samples at t ≤ 0 see the empty column (c = 0), already in `out`.
    while next < times_s.len() {
        stepper.step();
        let now = (stepper.time_s(), stepper.outlet());
        while next < times_s.len() && (times_s[next] <= now.0 || stepper.finished()) {
            out[next] = lerp(prev, now, times_s[next]);
            next += 1;
        }
        prev = now;
    }
    Ok(out)
}

/// Gas concentration profiles c(x, t)/c0 along the column at chosen times.
#[derive(Debug, Clone, PartialEq)]
pub struct Profiles {
    /// Cell-centre positions in m from the inlet (along [`NOMINAL_LENGTH_M`] for a hold-up-time column).
    pub x_m: Vec<f64>,
    /// The requested times in s.
    pub times_s: Vec<f64>,
    /// c/c0 (cell averages) for each requested time, each of `x_m.len()` values.
    pub c_over_c0: Vec<Vec<f64>>,
}

/// The gas concentration profile c(x, t)/c0 along the column at each of `times_s` (s, finite, non-decreasing),
/// linearly interpolated in time between steps. Same solver and errors as [`peak_signal`].
pub fn solve_profiles(
    column: &Column,
    peak: &Peak,
    times_s: &[f64],
    options: &PdeOptions,
) -> Result<Profiles, ModelError> {
    peak.validate()?;
    validate_times(times_s)?;
    options.validate()?;
    let t_end = times_s.last().copied().unwrap_or(0.0).max(0.0);
    let grid = Grid::new(column, peak, options, t_end)?;
    let n = grid.cells();
    let mut profiles = vec![vec![0.0; n]; times_s.len()];
    let mut next = times_s.partition_point(|&t| t <= 0.0);
    let mut stepper = Stepper::new(&grid);
    let mut prev_c = vec![0.0; n];
    let mut now_c = vec![0.0; n];
    let mut prev_t = 0.0;
    while next < times_s.len() {
        stepper.step();
        stepper.gas_concentration(&mut now_c);
        let now_t = stepper.time_s();
        while next < times_s.len() && (times_s[next] <= now_t || stepper.finished()) {
            let w = ((times_s[next] - prev_t) / (now_t - prev_t)).clamp(0.0, 1.0);
            for ((p, a), b) in profiles[next].iter_mut().zip(&prev_c).zip(&now_c) {
                *p = a + w * (b - a);
            }
            next += 1;
        }
        std::mem::swap(&mut prev_c, &mut now_c);
        prev_t = now_t;
    }
    Ok(Profiles { x_m: grid.cell_positions_m(), times_s: times_s.to_vec(), c_over_c0: profiles })
}

fn lerp((t0, v0): (f64, f64), (t1, v1): (f64, f64), t: f64) -> f64 {
    if t1 <= t0 {
        return v1;
    }
    let w = ((t - t0) / (t1 - t0)).clamp(0.0, 1.0);
    v0 + w * (v1 - v0)
}

//! The time stepper: finite volumes in τ, upwind face values, central diffusion, SSP-RK3 with the kinetics in
//! the same stages.
//!
//! State per cell i: m_i, the gas mass per unit τ (= û c, in units of c0), and s_i, the film mass α û q.
//! Faces: j = 0 is the inlet (Danckwerts flux c_in), j = n the outlet (one-sided face value, no diffusive
//! flux); interior faces carry the upwind face value of m minus D_τ (c_j − c_{j−1})/Δτ. The inlet value serves
//! as the ghost cell average upstream of the inlet.
//!
//! Only a window of cells around the band is computed: cells whose m and s are 0 (below [`FLUSH_BELOW`]) and
//! whose neighbours within the stencil reach are 0 stay 0, so skipping them changes nothing.

use super::Scheme;
use super::grid::Grid;

/// Values below this magnitude (in units of c0) are set to 0. Ahead of the band the scheme leaks values that
/// decay exponentially; left alone they become subnormal floats, which are 10–100× slower to compute with.
const FLUSH_BELOW: f64 = 1e-30;

/// Cells added on each side of the nonzero region per step: three stages × a stencil reach of 3, plus 1.
const PAD: usize = 10;

fn flush(v: f64) -> f64 {
    if v.abs() < FLUSH_BELOW { 0.0 } else { v }
}

/// Advances the solution one time step at a time.
pub struct Stepper<'g> {
    grid: &'g Grid,
    inv_uhat: Vec<f64>,
    m: Vec<f64>,
    s: Vec<f64>,
    m0: Vec<f64>,
    s0: Vec<f64>,
    dm: Vec<f64>,
    ds: Vec<f64>,
    flux: Vec<f64>,
    step: u64,
    /// Nonzero cells lie in lo..hi (empty when lo ≥ hi).
    lo: usize,
    hi: usize,
}

impl<'g> Stepper<'g> {
    /// An empty column (c = q = 0) at t = 0.
    pub fn new(grid: &'g Grid) -> Stepper<'g> {
        let n = grid.cells();
        Stepper {
            grid,
            inv_uhat: grid.uhat.iter().map(|u| 1.0 / u).collect(),
            m: vec![0.0; n],
            s: vec![0.0; n],
            m0: vec![0.0; n],
            s0: vec![0.0; n],
            dm: vec![0.0; n],
            ds: vec![0.0; n],
            flux: vec![0.0; n + 1],
            step: 0,
            lo: 0,
            hi: 0,
        }
    }

    /// Current time in s.
    pub fn time_s(&self) -> f64 {
        self.step as f64 * self.grid.dt_s
    }

    /// True once the last planned step has been taken.
    pub fn finished(&self) -> bool {
        self.step >= self.grid.total_steps
    }

    /// Outlet gas concentration c(L, t)/c0 of the current state.
    pub fn outlet(&self) -> f64 {
        outlet_face(&self.m, self.grid.scheme) / self.grid.uhat_outlet
    }

    /// Writes the gas concentration c/c0 (cell averages) of the current state into `out`.
    pub fn gas_concentration(&self, out: &mut [f64]) {
        for ((o, m), iu) in out.iter_mut().zip(&self.m).zip(&self.inv_uhat) {
            *o = m * iu;
        }
    }

    /// Advances by one time step (does nothing once finished).
    pub fn step(&mut self) {
        if self.finished() {
            return;
        }
        let n = self.m.len();
        let dt = self.grid.dt_s;
        let t = self.time_s();
        let step = self.step;
        let stages = [(t, 0.0, 1.0), (t + dt, 0.75, 0.25), (t + 0.5 * dt, 1.0 / 3.0, 2.0 / 3.0)];
        let inlet_active = stages.iter().any(|&(ts, _, _)| self.grid.inlet(step, ts) != 0.0);
        if self.lo >= self.hi && !inlet_active {
            self.step += 1;
            return;
        }
        let lo = if inlet_active { 0 } else { self.lo.saturating_sub(PAD) };
        let hi = if self.lo >= self.hi { PAD.min(n) } else { (self.hi + PAD).min(n) };
        self.m0[lo..hi].copy_from_slice(&self.m[lo..hi]);
        self.s0[lo..hi].copy_from_slice(&self.s[lo..hi]);
        // SSP-RK3 (Shu–Osher form); stage times t, t + Δt, t + Δt/2.
        for (t_stage, w_old, w_new) in stages {
            let cin = self.grid.inlet(step, t_stage);
            self.rhs(cin, lo, hi);
            for i in lo..hi {
                self.m[i] = flush(w_old * self.m0[i] + w_new * (self.m[i] + dt * self.dm[i]));
                self.s[i] = flush(w_old * self.s0[i] + w_new * (self.s[i] + dt * self.ds[i]));
            }
        }
        let nonzero = |i: &usize| self.m[*i] != 0.0 || self.s[*i] != 0.0;
        match (lo..hi).find(nonzero) {
            Some(first) => {
                self.lo = first;
                self.hi = (lo..hi).rev().find(nonzero).map_or(first + 1, |last| last + 1);
            }
            None => (self.lo, self.hi) = (0, 0),
        }
        self.step += 1;
    }

    /// dm and ds on cells lo..hi of the current stage state, with inlet value `cin`.
    fn rhs(&mut self, cin: f64, lo: usize, hi: usize) {
        let n = self.m.len();
        let m = &self.m;
        let iu = &self.inv_uhat;
        let f = &mut self.flux;
        let inv_dtau = 1.0 / self.grid.dtau_s;
        let diff = self.grid.diffusion_s * inv_dtau;
        let scheme = self.grid.scheme;
        // Interior faces lo.max(1)..=hi.min(n − 1); the boundary faces 0 and n by their own rules. The faces next to
        // the boundaries go through `face`; the bulk runs a branch-free loop.
        let (jlo, jhi) = (lo.max(1), hi.min(n - 1));
        let (bulk_lo, bulk_hi) = (jlo.max(3), jhi.min(n - 2));
        for j in (jlo..=jhi).filter(|&j| j < bulk_lo || j > bulk_hi) {
            f[j] = face(m, j, cin, scheme);
        }
        if bulk_lo <= bulk_hi {
            const SIXTH: f64 = 1.0 / 6.0;
            const SIXTIETH: f64 = 1.0 / 60.0;
            let (faces, cells) = (&mut f[bulk_lo..=bulk_hi], &m[bulk_lo - 3..=bulk_hi + 1]);
            match scheme {
                Scheme::Upwind5 => {
                    for (fj, w) in faces.iter_mut().zip(cells.windows(5)) {
                        *fj = SIXTIETH * (2.0 * w[0] - 13.0 * w[1] + 47.0 * w[2] + 27.0 * w[3] - 3.0 * w[4]);
                    }
                }
                Scheme::Upwind3 => {
                    for (fj, w) in faces.iter_mut().zip(cells.windows(5)) {
                        *fj = SIXTH * (-w[1] + 5.0 * w[2] + 2.0 * w[3]);
                    }
                }
            }
        }
        if diff > 0.0 {
            for j in jlo..=jhi {
                f[j] -= diff * (m[j] * iu[j] - m[j - 1] * iu[j - 1]);
            }
        }
        f[0] = cin;
        f[n] = outlet_face(m, scheme);
        let (a, b) = (self.grid.alpha_ka_per_s, self.grid.kd_per_s);
        for i in lo..hi {
            let rate = a * m[i] - b * self.s[i];
            self.dm[i] = (f[i] - f[i + 1]) * inv_dtau - rate;
            self.ds[i] = rate;
        }
    }
}

/// Advective face value of m at interior face j (between cells j − 1 and j), 1 ≤ j ≤ n − 1.
#[inline]
fn face(m: &[f64], j: usize, cin: f64, scheme: Scheme) -> f64 {
    const SIXTH: f64 = 1.0 / 6.0;
    const SIXTIETH: f64 = 1.0 / 60.0;
    let n = m.len();
    let at = |k: isize| if k < 0 { cin } else { m[k as usize] };
    let j = j as isize;
    match scheme {
        Scheme::Upwind5 if j >= 2 && (j as usize) < n - 1 => {
            SIXTIETH * (2.0 * at(j - 3) - 13.0 * at(j - 2) + 47.0 * at(j - 1) + 27.0 * at(j) - 3.0 * at(j + 1))
        }
        _ => SIXTH * (-at(j - 2) + 5.0 * at(j - 1) + 2.0 * at(j)),
    }
}

/// One-sided value at the outlet face from the last cell averages (third order for Upwind3, fourth for Upwind5).
fn outlet_face(m: &[f64], scheme: Scheme) -> f64 {
    let n = m.len();
    match scheme {
        Scheme::Upwind3 => (2.0 * m[n - 3] - 7.0 * m[n - 2] + 11.0 * m[n - 1]) / 6.0,
        Scheme::Upwind5 => (-3.0 * m[n - 4] + 13.0 * m[n - 3] - 23.0 * m[n - 2] + 25.0 * m[n - 1]) / 12.0,
    }
}

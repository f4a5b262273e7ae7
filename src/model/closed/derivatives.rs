//! Analytic derivatives of one peak's outlet signal, for the fitter.
//!
//! With ψ(x) = e^{−μ−x}·I0(2√(μx)) (ψ(0) = e^−μ), ∂S/∂μ = −ψ(k_dθ) and ∂S/∂k_d = θ·f(k_dθ). Hence
//! ∂y/∂k_a = (A/t1)·αt0·[−ψ(θ) + ψ(θ − t1)], ∂y/∂k_d = (A/t1)·[θf(θ) − (θ − t1)f(θ − t1)], ∂y/∂A = y/A and,
//! holding k_a and k_d (μ = αk_a t0 moves and the curve shifts),
//! ∂y/∂t0 = (A/t1)·[αk_a(−ψ(θ) + ψ(θ − t1)) − (h(θ) − h(θ − t1))] with h the density of S (without the deltas
//! at the jumps θ = 0 and θ = t1, where y itself jumps). With an inlet tail every term is convolved the same
//! exact way as the signal.
//!
//! The derivative terms are differences at θ and θ − t1 (no direct-integration path as for the signal), so for
//! t1 far below the peak width they carry an absolute error of about 1e-16 of their parts' size, and the two
//! positions, doubles near θ, differ from t1 by up to ulp(θ): a relative error of about 4·ε·θ/t1 in every
//! derivative (3e-7 for a 13 ms injection at θ = 3.5e7 s, the worst corner of the tested domain; 1e-13 for real
//! runs). The fitter's Jacobian needs far less.

use super::tail::CHANNELS;
use super::{Active, PeakSetup, Tailed, delta_s, grid_shift, s_values};
use crate::model::{Column, Peak};

/// One peak's signal and its partial derivatives on a time grid (one value per sample).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PeakDerivatives {
    /// y(t), signal units (area units per second).
    pub signal: Vec<f64>,
    /// ∂y/∂k_a: signal units per (1/s), i.e. signal × s.
    pub d_ka: Vec<f64>,
    /// ∂y/∂k_d: signal units per (1/s).
    pub d_kd: Vec<f64>,
    /// ∂y/∂A: 1/s (y = A·d_area exactly, also for A = 0).
    pub d_area: Vec<f64>,
    /// ∂y/∂t0 holding k_a and k_d: signal units per s. Undefined (one-sided) at samples on a jump.
    pub d_t0: Vec<f64>,
    /// ∂y/∂t1 (injection time) holding the area: signal units per s. With y = (A/t1)·[S(t−t0) − S(t−t0−t1)],
    /// ∂y/∂t1 = −y/t1 + (A/t1)·h(t−t0−t1). Undefined (one-sided) at samples on a jump (τ = 0 only).
    pub d_t1: Vec<f64>,
    /// ∂y/∂τ (inlet tail) holding everything else: signal units per s. Exact (the convolution recursion carries
    /// ∂Q/∂τ = Ψ/τ²); all zero when τ = 0, where the derivative is one-sided and not computed.
    pub d_tau: Vec<f64>,
}

/// Per-sample values of one θ sequence: S (or S_τ), ψ (or ψ∗k), θf (or (θf)∗k) and the density h (or h∗k).
struct Seq {
    /// S_τ and Q.
    values: Tailed,
    psi: Vec<f64>,
    thf: Vec<f64>,
    dens: Vec<f64>,
    /// ∂S_τ/∂τ = −Ψ/τ² (zero without a tail).
    ds_dtau: Vec<f64>,
}

fn sequence(ps: &PeakSetup, times: &[f64], offset: f64) -> Seq {
    let n = times.len();
    let values = s_values(ps, times, offset, true);
    let (mut psi, mut thf, mut dens) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let mut ds_dtau = vec![0.0; n];
    let k = &ps.kernel;
    if ps.tau > 0.0 {
        let inv_tau = 1.0 / ps.tau;
        for (i, c) in values.ch.iter().enumerate() {
            let c: &[f64; CHANNELS] = c;
            dens[i] = c[0] * inv_tau;
            psi[i] = c[1];
            thf[i] = c[2];
            ds_dtau[i] = -c[3] * inv_tau * inv_tau;
        }
    } else {
        for (i, &t) in times.iter().enumerate() {
            let theta = t - offset;
            if theta < 0.0 {
                continue;
            }
            let u = (ps.kd * theta).sqrt();
            if let Some((p, tt)) = k.locate(u) {
                let panel = &k.panels()[p];
                let f = super::clenshaw(&panel.f, tt);
                psi[i] = super::clenshaw(&panel.psi, tt);
                thf[i] = theta * f;
                dens[i] = ps.kd * f;
            }
        }
    }
    Seq { values, psi, thf, dens, ds_dtau }
}

/// y(t) of one peak and its analytic derivatives with respect to k_a, k_d, the area A, t0, t1 and τ, on `times_s`
/// (s; finite, non-decreasing, possibly irregular), including the column's inlet tail. See [`PeakDerivatives`]
/// for units.
pub fn peak_signal_with_derivatives(column: &Column, peak: &Peak, times_s: &[f64]) -> PeakDerivatives {
    let n = times_s.len();
    let mut d = PeakDerivatives {
        signal: vec![0.0; n],
        d_ka: vec![0.0; n],
        d_kd: vec![0.0; n],
        d_area: vec![0.0; n],
        d_t0: vec![0.0; n],
        d_t1: vec![0.0; n],
        d_tau: vec![0.0; n],
    };
    let ps = PeakSetup::new(column, peak, true);
    let act = Active::new(&ps, times_s);
    if act.end <= act.i0 {
        return d;
    }
    let shift = grid_shift(times_s, ps.t0, ps.t1);
    let times = &times_s[act.i0..act.end];
    let a = sequence(&ps, times, ps.t0);
    let b = if shift.is_none() { Some(sequence(&ps, times, ps.t0 + ps.t1)) } else { None };
    let r = ps.height;
    let ds = delta_s(&ps, times, &a.values, b.as_ref().map(|b| &b.values), shift, 0);
    for (i, &dsi) in ds.iter().enumerate() {
        let (psi, thf, dens, dtau) = match (&b, shift) {
            (Some(b), _) => (b.psi[i], b.thf[i], b.dens[i], b.ds_dtau[i]),
            (None, Some(m)) if i >= m => (a.psi[i - m], a.thf[i - m], a.dens[i - m], a.ds_dtau[i - m]),
            _ => (0.0, 0.0, 0.0, 0.0),
        };
        let j = act.i0 + i;
        d.d_area[j] = dsi / ps.t1;
        d.signal[j] = r * dsi;
        d.d_ka[j] = r * ps.alpha_t0 * (psi - a.psi[i]);
        d.d_kd[j] = r * (a.thf[i] - thf);
        d.d_t0[j] = r * (ps.alpha_ka * (psi - a.psi[i]) - (a.dens[i] - dens));
        d.d_t1[j] = r * (dens - dsi / ps.t1);
        d.d_tau[j] = r * (a.ds_dtau[i] - dtau);
    }
    d
}

//! The bands inside the column at one moment: the gas and film concentrations along x (paper Fig. 1), and how
//! much of the injected analyte is in the gas, in the film, and has left.
//!
//! The closed form holds at every position x = ξL with the time of flight t0(ξ) to x, μ(ξ) = αk_a·t0(ξ) and the
//! amplitude factor p(ξ)/p0 (u·c is carried, so c ∝ 1/u ∝ p). With θ = t − t0(ξ):
//!
//! ```text
//! c(x, t)/c0 = p(ξ)/p0 · [S(θ) − S(θ − t1)]
//! q(x, t)/c0 = K·p(ξ)/p0 · [G(θ) − G(θ − t1)],   G(θ) = S(θ) − ψ(θ),   ψ(θ) = e^{−μ−k_dθ}·I0(2√(μk_dθ))
//! ```
//!
//! (K = k_a/k_d; G = 0 for θ < 0.) The film follows from q̄ = k_a·c̄/(s + k_d): the step response of the film is
//! K·[1 − J(k_dθ, μ)] in Thomas's J function, and J(a, b) + J(b, a) = 1 + e^{−a−b}I0(2√(ab)) turns it into S − ψ.
//! With an inlet tail both are convolved with (1/τ)e^{−t/τ} (the tail's exact recursion, `closed::tail`).
//! At ξ = 1 the gas profile is the outlet curve r·ΔS; at ξ = 0 it is the inlet pulse.

use super::closed::kernel::{HALF_SUPPORT_U, PANEL_WIDTH_U};
use super::closed::tail::MEMORY_TAU;
use super::closed::{PeakSetup, Tailed, bessel, delta_s, s_values};
use super::{Column, Peak};

/// One analyte's band along the column at one moment, in units of the inlet concentration c0.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Band {
    /// Gas-phase concentration c(x, t)/c0 (cross-section mean) at each position.
    pub gas: Vec<f64>,
    /// Film concentration q(x, t)/c0, per volume of film (q of the model), at each position.
    pub film: Vec<f64>,
}

/// The gas and film concentrations of `peak` at time `time_s` (s) at each x = fraction·L (fractions clamped to
/// [0, 1]), inlet tail included. The peak's area does not enter: both are per unit inlet concentration.
/// Positions the band has not reached, or has left (past its support and the tail's memory), cost nothing.
pub fn band_profile(column: &Column, peak: &Peak, time_s: f64, fractions: &[f64]) -> Band {
    let (gas, film) = fractions.iter().map(|&xi| band_at(column, peak, time_s, xi)).unzip();
    Band { gas, film }
}

/// Gas-phase concentration c(x, t)/c0 of `peak` at time `time_s` (s) at each x = fraction·L: the gas part of
/// [`band_profile`].
pub fn concentration_profile(column: &Column, peak: &Peak, time_s: f64, fractions: &[f64]) -> Vec<f64> {
    band_profile(column, peak, time_s, fractions).gas
}

/// (c/c0, q/c0) at one position ξ and time t.
fn band_at(column: &Column, peak: &Peak, time_s: f64, fraction: f64) -> (f64, f64) {
    let xi = fraction.clamp(0.0, 1.0);
    let t0 = column.time_of_flight_s(xi);
    let theta = time_s - t0;
    if theta.is_nan() || theta < 0.0 {
        return (0.0, 0.0);
    }
    let (t1, tau, kd) = (column.injection_s(), column.inlet_tail_s(), peak.kd_per_s);
    let mu = column.alpha() * peak.ka_per_s * t0;
    // Past the support (and the tail's memory) both phases are 0 to below 1e-15 of the band's height.
    let u_end = mu.sqrt() + HALF_SUPPORT_U + PANEL_WIDTH_U;
    if theta - t1 > u_end * u_end / kd + MEMORY_TAU * tau {
        return (0.0, 0.0);
    }
    let pf = column.pressure_fraction(xi);
    let ps = PeakSetup::from_parts(mu, kd, t0, t1, tau, 1.0, true);
    let tailed = ps.tau > 0.0;
    let t = [time_s];
    let (hi, lo) = (s_values(&ps, &t, t0, tailed), s_values(&ps, &t, t0 + t1, tailed));
    let gas = pf * delta_s(&ps, &t, &hi, Some(&lo), None, 0)[0];
    let g = |v: &Tailed, theta: f64| if theta < 0.0 { 0.0 } else { v.s[0] - psi(&ps, v, theta) };
    let film = peak.partition_constant() * pf * (g(&hi, theta) - g(&lo, theta - t1));
    (gas, film)
}

/// ψ(θ) = e^{−μ−k_dθ}·I0(2√(μk_dθ)) at θ ≥ 0, convolved with the inlet tail when the setup has one.
fn psi(ps: &PeakSetup, values: &Tailed, theta: f64) -> f64 {
    let mu = ps.kernel.mu;
    if ps.tau <= 0.0 {
        let u = (ps.kd * theta).sqrt();
        let d = mu.sqrt() - u;
        return (-d * d).exp() * bessel::i0e(2.0 * mu.sqrt() * u);
    }
    if mu == 0.0 {
        // No kernel panels at the inlet: ψ = e^{−k_dθ}, convolved in closed form.
        return exp_convolved(ps.kd, ps.tau, theta);
    }
    values.ch[0][1]
}

/// ∫_0^θ e^{−a·s}·(1/τ)e^{−(θ−s)/τ} ds for a ≥ 0, τ > 0, θ ≥ 0, without cancellation near a·τ = 1.
fn exp_convolved(a: f64, tau: f64, theta: f64) -> f64 {
    let b = 1.0 / tau - a;
    let x = b * theta;
    if x.abs() < 1.0 {
        // e^{−aθ}·(1 − e^{−bθ})/(bτ), with (1 − e^{−x})/x → 1.
        let ratio = if x == 0.0 { 1.0 } else { -(-x).exp_m1() / x };
        (-a * theta).exp() * ratio * theta / tau
    } else {
        ((-a * theta).exp() - (-theta / tau).exp()) / (b * tau)
    }
}

/// Where the injected analyte of one peak is at one moment, as fractions of the whole injected amount
/// (πR²·u0·c0·t1, the inlet flux over the injection).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Content {
    /// Entered the column by then: all of it once the injection (and its tail) is over.
    pub entered: f64,
    /// In the gas inside the column.
    pub in_gas: f64,
    /// In the film inside the column.
    pub in_film: f64,
}

impl Content {
    /// Still inside the column (gas and film).
    pub fn in_column(&self) -> f64 {
        self.in_gas + self.in_film
    }

    /// Left through the outlet by then: what entered and is no longer inside.
    pub fn eluted(&self) -> f64 {
        self.entered - self.in_column()
    }

    /// The share of what is inside that sits in the film (0 when nothing is inside).
    pub fn film_share(&self) -> f64 {
        let inside = self.in_column();
        if inside > 0.0 { self.in_film / inside } else { 0.0 }
    }
}

/// Absolute accuracy of the content integrals, as a fraction of the injected amount.
const CONTENT_TOL: f64 = 1e-11;

/// The amount of `peak` in the gas and in the film at `time_s` (s), and the amount that has entered, as
/// fractions of the injected amount. Integrated along the column in its time-of-flight coordinate s = t0(x)
/// (dx = u(x)·ds and u·p is constant, so the pressure factor cancels): in_gas = (1/t1)∫ ΔS ds and
/// in_film = (αK/t1)∫ ΔG ds, to about 1e-11 by adaptive Gauss–Kronrod split at the band's fronts.
pub fn column_content(column: &Column, peak: &Peak, time_s: f64) -> Content {
    let t1 = column.injection_s();
    let entered = entered_fraction(t1, column.inlet_tail_s(), time_s);
    let t0 = column.holdup_time_s();
    let end = time_s.min(t0);
    if end.is_nan() || end <= 0.0 {
        return Content { entered, in_gas: 0.0, in_film: 0.0 };
    }
    let points = breakpoints(column, peak, time_s, end);
    let at = |s: f64| {
        let xi = column.fraction_at_time_of_flight(s);
        let (c, q) = band_at(column, peak, time_s, xi);
        let pf = column.pressure_fraction(xi);
        (c / pf, q / pf)
    };
    let gas = super::quadrature::integrate(&|s| at(s).0, &points, CONTENT_TOL * t1) / t1;
    let film = super::quadrature::integrate(&|s| at(s).1, &points, CONTENT_TOL * t1) * column.alpha() / t1;
    Content { entered, in_gas: gas, in_film: film }
}

/// ∫_0^t c_in/c0 dt' / t1: the rectangle [0, t1) through the first-order lag τ. With R(s) = s − τ(1 − e^{−s/τ})
/// (s > 0), it is [R(t) − R(t − t1)]/t1; without a tail min(t, t1)/t1.
fn entered_fraction(t1: f64, tau: f64, time_s: f64) -> f64 {
    let ramp = |s: f64| {
        if s.is_nan() || s <= 0.0 {
            0.0
        } else if tau > 0.0 {
            s + tau * (-s / tau).exp_m1()
        } else {
            s
        }
    };
    ((ramp(time_s) - ramp(time_s - t1)) / t1).clamp(0.0, 1.0)
}

/// Split points in the time-of-flight coordinate s ∈ [0, end] for the content integrals: the jumps of the
/// delta rectangle (θ = 0 and θ = t1), and the band's front s = (t − δ)/(1 + k') for δ = 0, t1 and τ with
/// points at ±1, 2, 4, 8 and 16 band widths around it, so that a narrow band is never missed by the panels.
fn breakpoints(column: &Column, peak: &Peak, time_s: f64, end: f64) -> Vec<f64> {
    let t1 = column.injection_s();
    let tau = column.inlet_tail_s();
    let (ka_film, kd) = (column.alpha() * peak.ka_per_s, peak.kd_per_s);
    let k_prime = ka_film / kd;
    let mut points = vec![0.0, end, time_s - t1];
    for delay in [0.0, t1, tau, t1 + tau] {
        let front = (time_s - delay) / (1.0 + k_prime);
        // Around the front, one unit of u = √(k_dθ) − √μ spans about 2√μ/(k_d + αk_a) of s.
        let width = 2.0 * (ka_film * front.max(0.0)).sqrt() / (kd + ka_film);
        points.push(front);
        for m in [1.0, 2.0, 4.0, 8.0, 16.0] {
            points.extend([front - m * width, front + m * width]);
        }
    }
    points.retain(|p| p.is_finite() && *p >= 0.0 && *p <= end);
    points.sort_by(f64::total_cmp);
    points.dedup();
    if points.first() != Some(&0.0) {
        points.insert(0, 0.0);
    }
    points
}

/// The carrier along the column at each x = fraction·L: (pressure in Pa, velocity in m/s) when the column's
/// pressures and geometry are known (science note §1: p(x) = p0·√(1 − (1 − r²)x/L), u = u0·p0/p).
pub fn carrier_profile(column: &Column, fractions: &[f64]) -> Vec<(Option<f64>, Option<f64>)> {
    fractions.iter().map(|&xi| (column.pressure_pa(xi), column.velocity_m_s(xi))).collect()
}

#[cfg(test)]
#[path = "profile_tests.rs"]
mod tests;

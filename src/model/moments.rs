//! Moments of a peak's outlet signal, exact for the closed-form model (D = 0), and their inverse (initial
//! guesses for k_a and k_d from a measured peak).
//!
//! The outlet time is a sum of independent parts: t0, the kinetic delay θ (compound Poisson: N ~ Poisson(μ)
//! adsorptions, each an Exp(k_d) stay), the injection offset ~ U[0, t1], and with an inlet tail an Exp(1/τ)
//! delay. Cumulants add: κ1 = t0 + μ/k_d + t1/2 + τ, κ2 = 2μ/k_d² + t1²/12 + τ², κ3 = 6μ/k_d³ + 2τ³ (the
//! uniform part is symmetric). With k' = αk_a/k_d: μ/k_d = k't0, so the mean is t0(1 + k') + t1/2 + τ.
//!
//! Every formula that goes from (k_a, k_d) to moments or back lives here: [`moments`] and [`initial_guess`]
//! (whole-signal mean and variance), [`mean_and_kinetic_sd`] and its inverse (the fitter's coordinates),
//! [`unretained_mean_s`] and [`inlet_sd_s`] (the earliest mean and the narrowest width a peak can have).

use super::{Column, Peak};

/// Mean, variance and skewness of one peak's outlet signal y(t) (as a distribution in t), and its retention
/// factor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    /// First moment ∫t·y dt / ∫y dt in s: t0(1 + k') + t1/2 + τ.
    pub mean_s: f64,
    /// Second central moment in s²: 2k't0/k_d + t1²/12 + τ².
    pub variance_s2: f64,
    /// Third standardised moment (dimensionless), of the whole signal including injection and inlet tail:
    /// (6μ/k_d³ + 2τ³)/σ³. The kinetic part alone is 3/√(2μ). 0 when the variance is 0 (μ = 0, t1 → 0).
    pub skewness: f64,
    /// Retention factor k' = αk_a/k_d (dimensionless).
    pub retention_factor: f64,
}

/// The exact moments of `peak` on `column` (D = 0), including the injection rectangle and the inlet tail.
pub fn moments(column: &Column, peak: &Peak) -> Moments {
    let t0 = column.holdup_time_s();
    let t1 = column.injection_s();
    let tau = column.inlet_tail_s();
    let mu = column.mu(peak.ka_per_s);
    let kd = peak.kd_per_s;
    let k_prime = column.alpha() * peak.ka_per_s / kd;
    let variance = 2.0 * mu / (kd * kd) + t1 * t1 / 12.0 + tau * tau;
    let kappa3 = 6.0 * mu / (kd * kd * kd) + 2.0 * tau * tau * tau;
    let skewness = if variance > 0.0 { kappa3 / variance.powf(1.5) } else { 0.0 };
    Moments {
        mean_s: t0 * (1.0 + k_prime) + 0.5 * t1 + tau,
        variance_s2: variance,
        skewness,
        retention_factor: k_prime,
    }
}

/// The mean and the parts of the variance with the first-order effect of axial diffusion (science note §9),
/// D(x) = D0·p0/p(x) with D0 = `diffusion_m2_s` at the inlet pressure. All times in s, variances in s².
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiffusionMoments {
    /// Mean (1 + k')(t0 − J₁) + t1/2 + τ, with J₁ = D0(1 − r)/u0².
    pub mean_s: f64,
    /// The kinetic variance 2k't0/k_d (finite desorption: the C term).
    pub kinetic_s2: f64,
    /// The variance axial diffusion adds, (1 + k')²·D0·L·(1 + r²)/u0³ − (2k'/k_d)·J₁ (the B term, with its
    /// small coupling to the kinetics).
    pub diffusion_s2: f64,
    /// The injection and the inlet tail, t1²/12 + τ² (extra-column).
    pub extra_column_s2: f64,
}

impl DiffusionMoments {
    /// The whole variance, s².
    pub fn variance_s2(&self) -> f64 {
        self.kinetic_s2 + self.diffusion_s2 + self.extra_column_s2
    }
}

/// [`DiffusionMoments`] of `peak` on `column`; None without the geometry (length and inlet velocity). With
/// D0 = 0 they are the exact moments of [`moments`]. Checked against the PDE solver (tests/it/van_deemter.rs).
pub fn diffusion_moments(column: &Column, peak: &Peak) -> Option<DiffusionMoments> {
    let (length, u0) = (column.length_m()?, column.velocity_m_s(0.0)?);
    let (t0, t1, tau) = (column.holdup_time_s(), column.injection_s(), column.inlet_tail_s());
    let (d0, r, kd) = (column.diffusion_m2_s(), column.pressure_ratio(), peak.kd_per_s);
    let k_prime = column.alpha() * peak.ka_per_s / kd;
    let j1 = d0 * (1.0 - r) / (u0 * u0);
    Some(DiffusionMoments {
        mean_s: (1.0 + k_prime) * (t0 - j1) + 0.5 * t1 + tau,
        kinetic_s2: 2.0 * k_prime * t0 / kd,
        diffusion_s2: (1.0 + k_prime).powi(2) * d0 * length * (1.0 + r * r) / (u0 * u0 * u0) - 2.0 * k_prime / kd * j1,
        extra_column_s2: t1 * t1 / 12.0 + tau * tau,
    })
}

/// (k_a, k_d) in 1/s whose peak on `column` has the given mean (s) and variance (s²) — the inverse of
/// [`moments`], inlet tail included (its τ and τ² are removed first). None when the moments are not
/// reachable: a mean not after t0 + t1/2 + τ (k' ≤ 0), a variance not above t1²/12 + τ², or non-finite input.
pub fn initial_guess(column: &Column, mean_s: f64, variance_s2: f64) -> Option<(f64, f64)> {
    let (k_prime, kinetic_variance) = retention_and_kinetic_variance(column, mean_s, variance_s2);
    if !(k_prime.is_finite() && kinetic_variance.is_finite() && k_prime > 0.0 && kinetic_variance > 0.0) {
        return None;
    }
    let (ka, kd) = rates_from_retention(column, k_prime, kinetic_variance);
    (ka.is_finite() && kd.is_finite() && kd > 0.0).then_some((ka, kd))
}

/// The retention factor k' = (mean − τ − t1/2)/t0 − 1 and the kinetic variance (s²), the column's share
/// variance − τ² − t1²/12, of a peak with this mean (s) and variance (s²) on `column`. Unchecked: either may be
/// ≤ 0 or not finite for moments no peak has.
pub fn retention_and_kinetic_variance(column: &Column, mean_s: f64, variance_s2: f64) -> (f64, f64) {
    let t0 = column.holdup_time_s();
    let t1 = column.injection_s();
    let tau = column.inlet_tail_s();
    let k_prime = (mean_s - tau - 0.5 * t1) / t0 - 1.0;
    let kinetic_variance = variance_s2 - tau * tau - t1 * t1 / 12.0;
    (k_prime, kinetic_variance)
}

/// (k_a, k_d) in 1/s from the retention factor k' and the kinetic variance (s²): k_d = 2k't0/variance,
/// k_a = k'·k_d/α. Unchecked.
pub fn rates_from_retention(column: &Column, k_prime: f64, kinetic_variance_s2: f64) -> (f64, f64) {
    let kd = 2.0 * k_prime * column.holdup_time_s() / kinetic_variance_s2;
    (k_prime * kd / column.alpha(), kd)
}

/// (k_a, k_d) in 1/s of a peak with this mean and standard deviation (s), whole-signal moments as a user or a
/// measured trace gives them; see [`initial_guess`].
pub fn rates_from_moments(column: &Column, mean_s: f64, sd_s: f64) -> Option<(f64, f64)> {
    initial_guess(column, mean_s, sd_s * sd_s)
}

/// The mean of a peak that is never retained (k' = 0), t0 + t1/2 + τ in s: every retained peak's mean is later.
pub fn unretained_mean_s(column: &Column) -> f64 {
    column.holdup_time_s() + 0.5 * column.injection_s() + column.inlet_tail_s()
}

/// The standard deviation of the inlet profile alone, √(t1²/12 + τ²) in s: an isothermal column makes every
/// peak wider than this.
pub fn inlet_sd_s(column: &Column) -> f64 {
    let (t1, tau) = (column.injection_s(), column.inlet_tail_s());
    (t1 * t1 / 12.0 + tau * tau).sqrt()
}

/// The width at half height of the inlet profile alone (s): the t1 rectangle passed through the inlet tail's
/// first-order lag, w(s) = 1 − e^{−s/τ} up to t1 and (1 − e^{−t1/τ})e^{−(s−t1)/τ} after (t1 itself without a
/// tail). An isothermal column makes every peak wider than this.
pub fn inlet_w50_s(column: &Column) -> f64 {
    let (t1, tau) = (column.injection_s(), column.inlet_tail_s());
    if tau <= 0.0 {
        return t1;
    }
    let top = -(-t1 / tau).exp_m1();
    let rise = -tau * (-0.5 * top).ln_1p();
    t1 + tau * std::f64::consts::LN_2 - rise
}

/// (mean time, kinetic standard deviation), both in s, of a peak with `ka_per_s`, `kd_per_s` on `column`:
/// m = t0·(1 + k') + t1/2 + τ and σ_kin = √(2·k'·t0/k_d), the column's share of the width (without the
/// injection and the inlet tail). The fitter's coordinates (see `fit::run`).
pub fn mean_and_kinetic_sd(column: &Column, ka_per_s: f64, kd_per_s: f64) -> (f64, f64) {
    let retained = column.holdup_time_s() * column.alpha() * ka_per_s / kd_per_s;
    let mean = column.holdup_time_s() + retained + 0.5 * column.injection_s() + column.inlet_tail_s();
    (mean, (2.0 * retained / kd_per_s).sqrt())
}

/// The inverse of [`mean_and_kinetic_sd`]: (k_a, k_d) in 1/s, with s = m − t0 − t1/2 − τ = k'·t0,
/// k_d = 2s/σ², k_a = k_d·s/(α·t0). `None` when k' ≤ 0, σ ≤ 0 or not finite.
pub fn rates_from_mean_and_kinetic_sd(column: &Column, mean_s: f64, kinetic_sd_s: f64) -> Option<(f64, f64)> {
    let t0 = column.holdup_time_s();
    let retained = mean_s - t0 - 0.5 * column.injection_s() - column.inlet_tail_s();
    let kd = 2.0 * retained / (kinetic_sd_s * kinetic_sd_s);
    let ka = kd * retained / (column.alpha() * t0);
    (retained > 0.0 && kinetic_sd_s > 0.0 && ka.is_finite() && kd.is_finite() && ka > 0.0).then_some((ka, kd))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::closed;

    /// Moments of the computed curve by the trapezoid rule on a fine grid.
    fn numeric_moments(column: &Column, peak: &Peak, from: f64, to: f64, dt: f64) -> (f64, f64, f64, f64) {
        let n = ((to - from) / dt).round() as usize;
        let t: Vec<f64> = (0..=n).map(|i| from + i as f64 * dt).collect();
        let y = closed::peak_signal(column, peak, &t);
        let integral = |f: &dyn Fn(f64) -> f64| -> f64 {
            let s: f64 = t.iter().zip(&y).map(|(t, y)| f(*t) * y).sum();
            let ends = f(t[0]) * y[0] + f(t[n]) * y[n];
            (s - 0.5 * ends) * dt
        };
        let area = integral(&|_| 1.0);
        let mean = integral(&|t| t) / area;
        let var = integral(&|t| (t - mean).powi(2)) / area;
        let skew = integral(&|t| (t - mean).powi(3)) / area / var.powf(1.5);
        (area, mean, var, skew)
    }

    #[test]
    fn moments_of_the_computed_curve_agree_with_the_formulas() {
        let btex = Column::paper_btex();
        for (col, peak, from, to) in [
            (btex, Peak::paper_btex()[1].clone(), 150.0, 330.0),
            (btex.with_inlet_tail_s(2.5).unwrap(), Peak::paper_btex()[1].clone(), 150.0, 400.0),
            (btex.with_inlet_tail_s(1.0).unwrap(), Peak::paper_btex()[0].clone(), 40.0, 250.0),
        ] {
            let m = moments(&col, &peak);
            let (area, mean, var, skew) = numeric_moments(&col, &peak, from, to, 0.005);
            assert!((area - peak.area).abs() < 1e-8 * peak.area, "area {area}");
            assert!((mean - m.mean_s).abs() < 1e-7 * m.mean_s, "mean {mean} vs {}", m.mean_s);
            assert!((var - m.variance_s2).abs() < 1e-6 * m.variance_s2, "var {var} vs {}", m.variance_s2);
            assert!((skew - m.skewness).abs() < 1e-4, "skew {skew} vs {}", m.skewness);
        }
        // Table of docs/gc-model.md §5: toluene mean 231.2 s, σ 5.94 s.
        let m = moments(&btex, &Peak::paper_btex()[1]);
        assert!((m.mean_s - 231.2).abs() < 0.05 && (m.variance_s2.sqrt() - 5.94).abs() < 0.005);
        assert!((m.retention_factor - 256.7 * btex.alpha()).abs() < 0.01);
    }

    #[test]
    fn small_mu_moments_with_the_delta_rectangle() {
        // μ ≈ 3: the e^−μ rectangle is part of the distribution; the formulas still hold.
        let col = Column::from_geometry(0.5, 90e-6, 1e-6, 4.01e5, 4.01e5, 0.41, 0.1).unwrap();
        let peak = Peak::new("mu3", 110.0, 2.0, 1.0);
        let m = moments(&col, &peak);
        let (area, mean, var, _) = numeric_moments(&col, &peak, 0.0, 40.0, 2e-4);
        assert!((area - 1.0).abs() < 1e-6 && (mean - m.mean_s).abs() < 1e-5 && (var - m.variance_s2).abs() < 1e-4);
    }

    #[test]
    fn the_inlet_profile_width_is_that_of_the_lagged_rectangle() {
        let rect = Column::paper_btex();
        assert_eq!(inlet_w50_s(&rect), 4.0);
        // Against the profile sampled on a fine grid.
        let tailed = rect.with_injection_s(1.0).unwrap().with_inlet_tail_s(2.5).unwrap();
        let (t1, tau) = (1.0f64, 2.5f64);
        let w =
            |s: f64| if s < t1 { 1.0 - (-s / tau).exp() } else { (1.0 - (-t1 / tau).exp()) * (-(s - t1) / tau).exp() };
        let top = w(t1);
        let above: Vec<f64> = (0..200_000).map(|i| i as f64 * 1e-4).filter(|&s| w(s) >= 0.5 * top).collect();
        let width = above.last().unwrap() - above.first().unwrap();
        assert!((inlet_w50_s(&tailed) - width).abs() < 2e-4, "{} vs {width}", inlet_w50_s(&tailed));
    }

    #[test]
    fn mean_and_kinetic_sd_invert_exactly() {
        for tau in [0.0, 2.5] {
            let col = Column::paper_btex().with_inlet_tail_s(tau).unwrap();
            for p in Peak::paper_btex() {
                let (mean, sd) = mean_and_kinetic_sd(&col, p.ka_per_s, p.kd_per_s);
                let m = moments(&col, &p);
                assert!((mean - m.mean_s).abs() < 1e-12 * mean);
                assert!((sd * sd + inlet_sd_s(&col).powi(2) - m.variance_s2).abs() < 1e-10 * m.variance_s2);
                let (ka, kd) = rates_from_mean_and_kinetic_sd(&col, mean, sd).unwrap();
                assert!((ka / p.ka_per_s - 1.0).abs() < 1e-12 && (kd / p.kd_per_s - 1.0).abs() < 1e-12);
                let (ka, kd) = rates_from_moments(&col, m.mean_s, m.variance_s2.sqrt()).unwrap();
                assert!((ka / p.ka_per_s - 1.0).abs() < 1e-10 && (kd / p.kd_per_s - 1.0).abs() < 1e-10);
            }
            assert!(rates_from_mean_and_kinetic_sd(&col, unretained_mean_s(&col), 1.0).is_none());
        }
    }

    #[test]
    fn initial_guess_inverts_the_moments() {
        for tau in [0.0, 2.5] {
            let col = Column::paper_btex().with_inlet_tail_s(tau).unwrap();
            for p in Peak::paper_btex() {
                let m = moments(&col, &p);
                let (ka, kd) = initial_guess(&col, m.mean_s, m.variance_s2).unwrap();
                assert!((ka / p.ka_per_s - 1.0).abs() < 1e-10 && (kd / p.kd_per_s - 1.0).abs() < 1e-10);
            }
            let t0 = col.holdup_time_s();
            assert!(initial_guess(&col, t0 + 2.0 + tau - 0.1, 30.0).is_none());
            assert!(initial_guess(&col, 200.0, 4.0 * 4.0 / 12.0 + tau * tau).is_none());
            assert!(initial_guess(&col, f64::NAN, 30.0).is_none());
        }
    }
}

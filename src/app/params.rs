//! The three ways a peak can be edited by hand: rates (k_a, k_d), partition constant (K, k_d), or moments
//! (mean, σ), and the exact conversions between them (gc-model §3, with the inlet tail τ of §8).
//!
//! ```text
//! k' = α k_a / k_d,   mean = t0 (1 + k') + t1/2 + τ,   σ² = 2 k' t0 / k_d + t1²/12 + τ²
//! inverse: k' = (mean − τ − t1/2)/t0 − 1,  k_d = 2 k' t0 / (σ² − τ² − t1²/12),  k_a = k' k_d / α
//! ```

use crate::model::{Column, Peak};

/// Which parameters the per-peak sliders show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum ParamMode {
    /// Adsorption rate k_a (1/s), desorption rate k_d (1/s), area.
    #[default]
    Rates,
    /// Partition constant K = k_a/k_d (dimensionless), k_d (1/s), area.
    Partition,
    /// Mean retention (s), standard deviation σ (s), area.
    Moments,
}

impl ParamMode {
    /// Every mode, in menu order.
    pub const ALL: [ParamMode; 3] = [ParamMode::Rates, ParamMode::Partition, ParamMode::Moments];

    /// Short label for a selector.
    pub fn label(self) -> &'static str {
        match self {
            ParamMode::Rates => "k_a, k_d",
            ParamMode::Partition => "K, k_d",
            ParamMode::Moments => "mean, σ",
        }
    }
}

/// Mean (first moment) of a peak's outlet signal in s.
pub fn mean_s(column: &Column, peak: &Peak) -> f64 {
    let t0 = column.holdup_time_s();
    let k_prime = column.alpha() * peak.ka_per_s / peak.kd_per_s;
    t0 * (1.0 + k_prime) + column.injection_s() / 2.0 + column.inlet_tail_s()
}

/// Standard deviation of a peak's outlet signal in s.
pub fn sigma_s(column: &Column, peak: &Peak) -> f64 {
    let t0 = column.holdup_time_s();
    let t1 = column.injection_s();
    let tau = column.inlet_tail_s();
    let k_prime = column.alpha() * peak.ka_per_s / peak.kd_per_s;
    (2.0 * k_prime * t0 / peak.kd_per_s + t1 * t1 / 12.0 + tau * tau).sqrt()
}

/// The smallest σ (s) any peak can have on this column: the injection rectangle and the inlet tail alone.
pub fn min_sigma_s(column: &Column) -> f64 {
    let t1 = column.injection_s();
    let tau = column.inlet_tail_s();
    (t1 * t1 / 12.0 + tau * tau).sqrt()
}

/// The earliest mean (s) a retained peak can have: t0 + t1/2 + τ.
pub fn min_mean_s(column: &Column) -> f64 {
    column.holdup_time_s() + column.injection_s() / 2.0 + column.inlet_tail_s()
}

/// Rates (k_a, k_d) in 1/s that give a peak of this mean and σ (s) on `column`. `None` when the moments are not
/// reachable (mean not after t0 + t1/2 + τ, or σ not above the injection-and-tail width) or not finite.
pub fn rates_from_moments(column: &Column, mean_s: f64, sigma_s: f64) -> Option<(f64, f64)> {
    let t0 = column.holdup_time_s();
    let t1 = column.injection_s();
    let tau = column.inlet_tail_s();
    let k_prime = (mean_s - tau - t1 / 2.0) / t0 - 1.0;
    let kinetic_var = sigma_s * sigma_s - tau * tau - t1 * t1 / 12.0;
    if !(k_prime > 0.0 && kinetic_var > 0.0) {
        return None;
    }
    let kd = 2.0 * k_prime * t0 / kinetic_var;
    let ka = k_prime * kd / column.alpha();
    (ka.is_finite() && kd.is_finite() && kd > 0.0).then_some((ka, kd))
}

/// Mean (s), σ (s) and area of a sampled peak (baseline already removed), from its first two moments by the
/// trapezoid rule over positive values. `None` with fewer than three samples or no positive area.
pub fn sample_moments(time_s: &[f64], signal: &[f64]) -> Option<(f64, f64, f64)> {
    if time_s.len() < 3 || time_s.len() != signal.len() {
        return None;
    }
    let (mut m0, mut m1, mut m2) = (0.0, 0.0, 0.0);
    for i in 1..time_s.len() {
        let dt = time_s[i] - time_s[i - 1];
        for (t, y) in [(time_s[i - 1], signal[i - 1]), (time_s[i], signal[i])] {
            let w = 0.5 * dt * y.max(0.0);
            m0 += w;
            m1 += w * t;
            m2 += w * t * t;
        }
    }
    if m0 <= 0.0 {
        return None;
    }
    let mean = m1 / m0;
    let var = (m2 / m0 - mean * mean).max(0.0);
    Some((mean, var.sqrt(), m0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_match_the_science_note_and_invert_exactly() {
        let column = Column::paper_btex();
        let toluene = &Peak::paper_btex()[1];
        // gc-model §5: toluene mean 231.2 s, σ 5.94 s.
        assert!((mean_s(&column, toluene) - 231.2).abs() < 0.1);
        assert!((sigma_s(&column, toluene) - 5.94).abs() < 0.01);
        let (ka, kd) = rates_from_moments(&column, mean_s(&column, toluene), sigma_s(&column, toluene)).unwrap();
        assert!((ka / toluene.ka_per_s - 1.0).abs() < 1e-10 && (kd / toluene.kd_per_s - 1.0).abs() < 1e-10);
        let tailed = column.with_inlet_tail_s(2.5).unwrap();
        let (ka, kd) = rates_from_moments(&tailed, mean_s(&tailed, toluene), sigma_s(&tailed, toluene)).unwrap();
        assert!((ka / toluene.ka_per_s - 1.0).abs() < 1e-10 && (kd / toluene.kd_per_s - 1.0).abs() < 1e-10);
        assert!(rates_from_moments(&column, 10.0, 5.0).is_none());
        assert!(rates_from_moments(&column, 200.0, 0.5).is_none());
    }

    #[test]
    fn sample_moments_of_a_gaussian() {
        let t: Vec<f64> = (0..2001).map(|i| i as f64 * 0.05).collect();
        let y: Vec<f64> = t.iter().map(|&t| 3.0 * (-(t - 50.0).powi(2) / (2.0 * 4.0)).exp()).collect();
        let (m, s, a) = sample_moments(&t, &y).unwrap();
        assert!((m - 50.0).abs() < 1e-9 && (s - 2.0).abs() < 1e-6);
        assert!((a - 3.0 * (2.0 * std::f64::consts::PI * 4.0).sqrt()).abs() < 1e-6);
    }
}

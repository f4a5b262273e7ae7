//! The concentration along the column at one moment: the bands moving down the column and widening
//! (paper Fig. 1).
//!
//! The closed form holds at every position x = ξL with the time of flight t0(ξ) to x, μ(ξ) = αk_a·t0(ξ) and the
//! amplitude factor p(ξ)/p0 (u·c is carried, so c ∝ 1/u ∝ p):
//! c(x, t)/c0 = p(ξ)/p0 · [S_ξ(t − t0(ξ)) − S_ξ(t − t0(ξ) − t1)], with the inlet tail when τ > 0.
//! At ξ = 1 this is the outlet curve r·ΔS; at ξ = 0 it is the inlet pulse.

use super::closed::{PeakSetup, delta_s, s_values};
use super::{Column, Peak};

/// Gas-phase concentration c(x, t)/c0 of `peak` at time `time_s` (s) at each x = fraction·L (fractions clamped
/// to [0, 1]), inlet tail included. The peak's area does not enter (c/c0 is per unit inlet concentration).
pub fn concentration_profile(column: &Column, peak: &Peak, time_s: f64, fractions: &[f64]) -> Vec<f64> {
    let t1 = column.injection_s();
    fractions
        .iter()
        .map(|&xi| {
            let t0 = column.time_of_flight_s(xi);
            let mu = column.alpha() * peak.ka_per_s * t0;
            let ps = PeakSetup::from_parts(mu, peak.kd_per_s, t0, t1, column.inlet_tail_s(), 1.0, false);
            let t = [time_s];
            let (hi, lo) = (s_values(&ps, &t, t0, false), s_values(&ps, &t, t0 + t1, false));
            column.pressure_fraction(xi) * delta_s(&ps, &t, &hi, Some(&lo), None, 0)[0]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::closed;

    #[test]
    fn at_the_outlet_it_is_the_outlet_curve() {
        for tau in [0.0, 2.5] {
            let col = Column::paper_btex().with_inlet_tail_s(tau).unwrap();
            let p = Peak::paper_btex()[1].clone();
            let r = col.pressure_ratio();
            let outlet = Peak { area: r * col.injection_s(), ..p.clone() };
            let times: Vec<f64> = (0..400).map(|i| 200.0 + 0.17 * i as f64).collect();
            let y = closed::peak_signal(&col, &outlet, &times);
            for (t, yi) in times.iter().zip(&y) {
                let c = concentration_profile(&col, &p, *t, &[1.0])[0];
                assert!((c - yi).abs() < 1e-13, "t {t}: {c} vs {yi}");
            }
        }
    }

    #[test]
    fn every_position_passes_the_whole_pulse() {
        // Mass conservation: the flux u(x)·c(x, t) integrated over time is u0·c0·t1 at every x, and
        // u(x) = u0·p0/p(x), so ∫ c/c0 dt = t1·p(x)/p0.
        let col = Column::paper_btex().with_inlet_tail_s(1.0).unwrap();
        let p = Peak::paper_btex()[0].clone();
        let fractions = [0.0, 0.3, 0.7, 1.0];
        let dt = 0.05;
        let mut integral = [0.0; 4];
        for i in 0..3200 {
            let c = concentration_profile(&col, &p, i as f64 * dt, &fractions);
            for (s, v) in integral.iter_mut().zip(c) {
                *s += v * dt;
            }
        }
        for (xi, s) in fractions.iter().zip(integral) {
            let expect = col.injection_s() * col.pressure_fraction(*xi);
            assert!((s - expect).abs() < 2e-3 * expect, "xi {xi}: {s} vs {expect}");
        }
    }

    #[test]
    fn bands_move_down_the_column_and_widen() {
        let col = Column::paper_btex();
        let p = Peak::paper_btex()[0].clone();
        let fractions: Vec<f64> = (0..=800).map(|i| i as f64 / 800.0).collect();
        let centre = |t: f64| {
            let c = concentration_profile(&col, &p, t, &fractions);
            let total: f64 = c.iter().sum();
            let m: f64 = c.iter().zip(&fractions).map(|(c, x)| c * x).sum::<f64>() / total;
            let w = (c.iter().zip(&fractions).map(|(c, x)| c * (x - m).powi(2)).sum::<f64>() / total).sqrt();
            (m, w)
        };
        let (m1, w1) = centre(40.0);
        let (m2, w2) = centre(80.0);
        assert!(m2 > m1 && w2 > w1, "{m1} {w1} {m2} {w2}");
        assert!(concentration_profile(&col, &p, -1.0, &fractions).iter().all(|c| *c == 0.0));
    }
}

//! Tests of the bands inside the column: the outlet, the film against its kinetics, mass balance, band speed.

use super::*;
use crate::model::closed;
use crate::model::quadrature::integrate;

/// SplitMix64 for fixed-seed random cases.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    fn log_between(&mut self, lo: f64, hi: f64) -> f64 {
        self.between(lo.ln(), hi.ln()).exp()
    }
}

/// A random column and peak over the model's practical domain: 5–50 m, 50–265 µm radius, 0.1–5 µm film,
/// r = 0.2–1 (constant velocity in a quarter of the cases), u0 = 0.05–1 m/s, k' = 0.05–30, k_d = 0.3–60 1/s,
/// t1 = 0.05–5 s, and τ = 0 or 0.05–5 s.
fn random_case(rng: &mut Rng) -> (Column, Peak) {
    let r = if rng.uniform() < 0.25 { 1.0 } else { rng.between(0.2, 0.95) };
    let pl = 1.013e5;
    let col = Column::from_geometry(
        rng.between(5.0, 50.0),
        rng.between(50e-6, 265e-6),
        rng.log_between(0.1e-6, 5e-6),
        pl / r,
        pl,
        rng.log_between(0.05, 1.0),
        rng.log_between(0.05, 5.0),
    )
    .unwrap();
    let tau = if rng.uniform() < 0.5 { 0.0 } else { rng.log_between(0.05, 5.0) };
    let col = col.with_inlet_tail_s(tau).unwrap();
    let kd = rng.log_between(0.3, 60.0);
    let ka = rng.log_between(0.05, 30.0) * kd / col.alpha();
    (col, Peak::new("x", ka, kd, 1.0))
}

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
    // The flux u(x)·c(x, t) integrated over time is u0·c0·t1 at every x, and u(x) = u0·p0/p(x), so
    // ∫ c/c0 dt = t1·p(x)/p0.
    let col = Column::paper_btex().with_inlet_tail_s(1.0).unwrap();
    let p = Peak::paper_btex()[0].clone();
    for xi in [0.0, 0.3, 0.7, 1.0] {
        let c = |t: f64| concentration_profile(&col, &p, t, &[xi])[0];
        let t0 = col.time_of_flight_s(xi);
        let s = integrate(&c, &[0.0, t0, t0 + 4.0, t0 * 8.0 + 100.0, 700.0], 1e-12);
        let expect = col.injection_s() * col.pressure_fraction(xi);
        assert!((s - expect).abs() < 1e-9 * expect, "xi {xi}: {s} vs {expect}");
    }
}

#[test]
fn the_film_follows_its_kinetics_over_random_cases() {
    // q(x, t) = k_a ∫_0^t e^{−k_d(t − s)} c(x, s) ds at a fixed x, integrated numerically from the gas profile,
    // against the closed form G = S − ψ (and its tailed convolution).
    let mut rng = Rng(0x5EED_F11A);
    let mut worst = 0.0_f64;
    for case in 0..60 {
        let (col, peak) = random_case(&mut rng);
        let xi = if case % 10 == 0 { 0.0 } else { rng.uniform() };
        let t0 = col.time_of_flight_s(xi);
        let m = t0 * (1.0 + col.alpha() * peak.partition_constant());
        let t = t0 + rng.between(0.0, 1.5) * (m - t0 + 3.0 * col.injection_s() + 3.0 * col.inlet_tail_s());
        let band = band_profile(&col, &peak, t, &[xi]);
        let c = |s: f64| concentration_profile(&col, &peak, s, &[xi])[0];
        let kd = peak.kd_per_s;
        let f = |s: f64| peak.ka_per_s * (-kd * (t - s)).exp() * c(s);
        let t1 = col.injection_s();
        let scale = peak.partition_constant() * col.pressure_fraction(xi);
        let mut points = vec![t0, t0 + t1, t];
        points.extend((1..8).map(|k| t0 + (t - t0) * k as f64 / 8.0));
        points.retain(|p| *p <= t);
        points.sort_by(f64::total_cmp);
        let q = integrate(&f, &points, 1e-13 * scale);
        let err = (band.film[0] - q).abs() / scale;
        worst = worst.max(err);
        assert!(err < 1e-8, "case {case}: ξ {xi} t {t}: {} vs {q} ({col:?} {peak:?})", band.film[0]);
        assert!(band.gas[0] >= -1e-14 && band.film[0] >= -1e-12 * scale, "case {case}");
    }
    eprintln!("film vs its kinetics: worst {worst:.1e} of K·p/p0");
}

/// What has left through the outlet by `t`, as a fraction of the injected amount: the outlet flux
/// u(L)·c(L, t) = u0·c0·ΔS integrated over time (the outlet curve of a peak of area 1).
fn eluted(col: &Column, peak: &Peak, t: f64) -> f64 {
    let unit = Peak { area: 1.0, ..peak.clone() };
    let y = |s: f64| closed::peak_signal(col, &unit, &[s])[0];
    let t0 = col.holdup_time_s();
    let mut points = vec![0.0, t0, t0 + col.injection_s(), t];
    points.extend((1..16).map(|k| t * k as f64 / 16.0));
    points.retain(|p| *p <= t);
    points.sort_by(f64::total_cmp);
    integrate(&y, &points, 1e-13)
}

/// What has entered by `t`: the inlet rectangle through the lag, integrated numerically.
fn entered(col: &Column, t: f64) -> f64 {
    let (t1, tau) = (col.injection_s(), col.inlet_tail_s());
    let lag = |s: f64| if tau > 0.0 { 1.0 - (-s / tau).exp() } else { 1.0 };
    let c_in = |s: f64| {
        if s < 0.0 {
            0.0
        } else if s < t1 {
            lag(s)
        } else {
            lag(s) - lag(s - t1)
        }
    };
    integrate(&c_in, &[0.0, t1.min(t), t], 1e-14) / t1
}

/// ∫_0^L (c + αq) dx/(u0·t1) and its two parts, in metres along the column (the band's apex found on a grid).
fn inside(col: &Column, peak: &Peak, t: f64) -> (f64, f64) {
    let l = col.length_m().unwrap();
    let u0 = col.velocity_m_s(0.0).unwrap();
    let grid: Vec<f64> = (0..=2000).map(|i| i as f64 / 2000.0).collect();
    let b = band_profile(col, peak, t, &grid);
    let apex = (0..grid.len()).max_by(|&i, &j| b.gas[i].total_cmp(&b.gas[j])).unwrap();
    let mut points: Vec<f64> = vec![0.0, l];
    for s in [t, t - col.injection_s()] {
        points.push(col.fraction_at_time_of_flight(s) * l);
    }
    for k in -20..=20 {
        points.push((grid[apex] + k as f64 * 2.5e-4) * l);
    }
    points.retain(|x| (0.0..=l).contains(x));
    points.sort_by(f64::total_cmp);
    let at = |x: f64| band_profile(col, peak, t, &[x / l]);
    let gas = integrate(&|x| at(x).gas[0], &points, 1e-13) / (u0 * col.injection_s());
    let film = integrate(&|x| at(x).film[0], &points, 1e-13) * col.alpha() / (u0 * col.injection_s());
    (gas, film)
}

#[test]
fn mass_is_conserved_in_the_column_the_film_and_the_outlet() {
    let btex = Column::paper_btex();
    let flat = Column::from_geometry(20.0, 90e-6, 1e-6, 1.013e5, 1.013e5, 0.41, 4.0).unwrap();
    let mut worst = 0.0_f64;
    for col in [btex, flat] {
        for tau in [0.0, 2.5] {
            let col = col.with_inlet_tail_s(tau).unwrap();
            for (peak, times) in [(0, [2.0, 30.0, 60.0, 90.0, 140.0]), (1, [3.0, 50.0, 150.0, 240.0, 300.0])] {
                let peak = Peak::paper_btex()[peak].clone();
                for t in times {
                    let (gas, film) = inside(&col, &peak, t);
                    let out = eluted(&col, &peak, t);
                    let total = gas + film + out;
                    let expect = entered(&col, t);
                    let err = (total - expect).abs() / expect;
                    worst = worst.max(err);
                    assert!(err < 1e-6, "{} τ {tau} t {t}: {gas} + {film} + {out} = {total} vs {expect}", peak.name);
                    let content = column_content(&col, &peak, t);
                    assert!((content.in_gas - gas).abs() < 1e-8 && (content.in_film - film).abs() < 1e-8);
                    assert!((content.entered - expect).abs() < 1e-12 && (content.eluted() - out).abs() < 1e-8);
                }
            }
        }
    }
    eprintln!("mass balance: worst {worst:.1e} relative");
}

#[test]
fn the_content_adds_up_over_random_cases() {
    // column_content (integrated in the time-of-flight coordinate) plus the eluted amount (the outlet curve)
    // equals what entered, across the domain.
    let mut rng = Rng(0xC0_17E7);
    for case in 0..40 {
        let (col, peak) = random_case(&mut rng);
        let mean = crate::model::moments(&col, &peak).mean_s;
        let t = rng.between(0.02, 1.3) * mean;
        let c = column_content(&col, &peak, t);
        let total = c.in_column() + eluted(&col, &peak, t);
        assert!((total - c.entered).abs() < 1e-6 * c.entered, "case {case} t {t}: {total} vs {}", c.entered);
        assert!((0.0..=1.0 + 1e-9).contains(&c.film_share()), "case {case}");
    }
}

#[test]
fn the_band_moves_at_the_local_carrier_speed_over_one_plus_k() {
    let col = Column::paper_btex();
    let l = col.length_m().unwrap();
    for peak in &Peak::paper_btex()[1..3] {
        let k_prime = col.alpha() * peak.partition_constant();
        let grid: Vec<f64> = (0..=4000).map(|i| i as f64 / 4000.0).collect();
        let apex = |t: f64| {
            let c = concentration_profile(&col, peak, t, &grid);
            let i = (1..grid.len() - 1).max_by(|&i, &j| c[i].total_cmp(&c[j])).unwrap();
            // Parabola through the three samples around the largest.
            let (a, b, d) = (c[i - 1], c[i], c[i + 1]);
            (grid[i] + 0.5 * (a - d) / (a - 2.0 * b + d) / 4000.0) * l
        };
        let mean = crate::model::moments(&col, peak).mean_s;
        for share in [0.3, 0.5, 0.7] {
            let t = share * mean;
            let dt = 2.0;
            let speed = (apex(t + dt) - apex(t - dt)) / (2.0 * dt);
            let x = apex(t);
            let expect = col.velocity_m_s(x / l).unwrap() / (1.0 + k_prime);
            assert!((speed / expect - 1.0).abs() < 0.01, "{} at {x} m: {speed} vs {expect} m/s", peak.name);
        }
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
    let b = band_profile(&col, &p, 500.0, &fractions);
    assert!(b.gas.iter().chain(&b.film).all(|v| *v == 0.0), "the band has left by 500 s");
}

#[test]
fn the_film_reaches_equilibrium_at_the_inlet_during_a_long_injection() {
    // At x = 0 the gas is the inlet rectangle, and the film charges as K·(1 − e^{−k_d t}).
    let col = Column::paper_btex().with_injection_s(5.0).unwrap();
    let p = Peak::paper_btex()[0].clone();
    for t in [0.1, 1.0, 4.9] {
        let b = band_profile(&col, &p, t, &[0.0]);
        let expect = p.partition_constant() * (1.0 - (-p.kd_per_s * t).exp());
        assert!((b.gas[0] - 1.0).abs() < 1e-15 && (b.film[0] - expect).abs() < 1e-12 * expect, "{t}: {b:?}");
    }
    let carrier = carrier_profile(&col, &[0.0, 1.0]);
    assert_eq!(carrier[0], (Some(4.01e5), Some(0.41)));
    assert!((carrier[1].0.unwrap() - 1.013e5).abs() < 1e-6);
}

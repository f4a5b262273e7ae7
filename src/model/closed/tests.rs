//! Unit tests of the closed-form engine against independent truths: a Poisson-weighted sum for S, direct
//! quadrature of the Bessel kernel with pxfm, analytic identities, finite differences.

use super::*;
use crate::model::{Column, Peak};

/// S = Σ_n P(N2 = n)·P(N1 ≤ n), N1 ~ Poisson(μ), N2 ~ Poisson(x), by forward recurrences (μ, x ≤ ~700).
fn poisson_sum(mu: f64, x: f64) -> f64 {
    let n_max = (x + 40.0 * x.sqrt() + 60.0) as usize;
    let (mut p2, mut p1) = ((-x).exp(), (-mu).exp());
    let mut cdf1 = p1;
    let mut s = 0.0;
    for n in 0..=n_max {
        s += p2 * cdf1;
        p2 *= x / (n + 1) as f64;
        p1 *= mu / (n + 1) as f64;
        cdf1 += p1;
    }
    s
}

/// g(u) = 2√μ·exp(−(√μ−u)²)·I1e(2√μu) straight from pxfm (no interpolation).
fn g_direct(mu: f64, u: f64) -> f64 {
    let sm = mu.sqrt();
    2.0 * sm * (-(sm - u) * (sm - u)).exp() * pxfm::f_i1e(2.0 * sm * u)
}

/// S(x) by composite 20-point Gauss–Legendre of g over [0, √x] in steps of 0.02 (independent of the panels).
fn s_by_quadrature(mu: f64, x: f64) -> f64 {
    let (gx, gw) = kernel::gauss_legendre(20);
    let u_end = x.sqrt();
    let start = (mu.sqrt() - 9.0).max(0.0).min(u_end);
    let steps = ((u_end - start) / 0.02).ceil().max(1.0) as usize;
    let h = (u_end - start) / steps as f64;
    let mut total = 0.0;
    for i in 0..steps {
        let mid = start + (i as f64 + 0.5) * h;
        total += 0.5 * h * gx.iter().zip(&gw).map(|(x, w)| w * g_direct(mu, mid + 0.5 * h * x)).sum::<f64>();
    }
    (-mu).exp() + total
}

#[test]
fn marcum_s_matches_the_poisson_sum() {
    let mut worst: f64 = 0.0;
    for mu in [1e-3f64, 0.05, 0.5, 1.0, 3.0, 9.7, 30.0, 120.0, 300.0] {
        let x_max = mu + 12.0 * (2.0 * mu).sqrt() + 40.0;
        for i in 0..=150 {
            let x = x_max * i as f64 / 150.0;
            let err = (marcum_s(mu, x) - poisson_sum(mu, x)).abs();
            worst = worst.max(err);
        }
    }
    assert!(worst < 1e-13, "worst |S − Poisson sum| = {worst:e}");
}

#[test]
fn marcum_s_matches_direct_quadrature_for_large_mu() {
    for mu in [440.0f64, 7722.5, 9.1e4, 1e6] {
        let sd = (2.0 * mu).sqrt();
        for z in [-9.0, -5.0, -2.0, -0.5, 0.0, 0.3, 1.0, 2.5, 4.0, 8.0] {
            let x = mu + z * sd;
            let (a, b) = (marcum_s(mu, x), s_by_quadrature(mu, x));
            assert!((a - b).abs() < 1e-13, "mu {mu} x {x}: {a} vs {b}");
        }
    }
}

#[test]
fn marcum_s_identities() {
    for mu in [0.0f64, 1e-3, 0.5, 3.0, 440.0, 9.1e4, 1e6] {
        assert_eq!(marcum_s(mu, -1.0), 0.0);
        assert!((marcum_s(mu, 0.0) - (-mu).exp()).abs() < 1e-15);
        assert!((marcum_s(mu, 1e300) - 1.0).abs() < 1e-14);
        assert!((marcum_s(mu, f64::INFINITY) - 1.0).abs() < 1e-14);
        // Monotone in x, within rounding.
        let x_max = mu + 15.0 * (2.0 * mu).sqrt() + 60.0;
        let mut prev = 0.0;
        for i in 0..=3000 {
            let s = marcum_s(mu, x_max * i as f64 / 3000.0);
            assert!(s >= prev - 1e-15, "mu {mu}: not monotone at {i}");
            assert!((0.0..=1.0 + 1e-15).contains(&s));
            prev = s;
        }
        assert!((prev - 1.0).abs() < 1e-14);
    }
    assert_eq!(marcum_s(0.0, 0.0), 1.0);
    assert_eq!(marcum_s(f64::INFINITY, 5.0), 0.0);
    assert!(marcum_s(f64::NAN, 1.0).is_nan());
}

fn holdup_column(t0: f64, beta: f64, t1: f64) -> Column {
    Column::from_holdup(t0, beta, t1).unwrap()
}

fn grid(from: f64, to: f64, step: f64) -> Vec<f64> {
    let n = ((to - from) / step).round() as usize;
    (0..=n).map(|i| from + i as f64 * step).collect()
}

#[test]
fn no_adsorption_is_a_pure_rectangle() {
    let col = holdup_column(10.0, 100.0, 2.0);
    let peak = Peak::new("inert", 0.0, 1.0, 6.0);
    let t = grid(0.0, 20.0, 0.3);
    let y = peak_signal(&col, &peak, &t);
    for (ti, yi) in t.iter().zip(&y) {
        let expect = if (10.0..12.0).contains(ti) { 3.0 } else { 0.0 };
        if (ti - 10.0).abs() > 1e-9 && (ti - 12.0).abs() > 1e-9 {
            assert_eq!(*yi, expect, "t = {ti}");
        }
    }
}

#[test]
fn negative_times_and_samples_on_the_jumps() {
    // μ = 3: the delta rectangle is 5% of the area.
    let col = holdup_column(2.0, 50.0, 0.5);
    let peak = Peak::new("a", 3.0 * 50.0 / 2.0, 2.0, 1.0);
    let t = [-5.0, -1e-9, 0.0, 1.999, 2.0, 2.25, 2.5, 2.5000001, 3.0];
    let y = peak_signal(&col, &peak, &t);
    assert_eq!(&y[..4], &[0.0; 4]);
    let r = 1.0 / 0.5;
    let em = (-3.0f64).exp();
    // At t0: S(0) = e^−μ (right-continuous); either side of the jump is acceptable.
    assert!((y[4] - r * em).abs() < 1e-12 || y[4].abs() < 1e-12, "{}", y[4]);
    // At t0 + t1 the sample sits on the falling edge: between the two one-sided limits.
    let upper = r * marcum_s(3.0, 2.0 * 0.5);
    let lower = r * (marcum_s(3.0, 2.0 * 0.5) - em);
    assert!(y[6] >= lower - 1e-12 && y[6] <= upper + 1e-12, "{} not in [{lower}, {upper}]", y[6]);
    assert!((y[7] - r * (marcum_s(3.0, 2.0 * 0.5000001) - marcum_s(3.0, 2.0 * 1e-7))).abs() < 1e-12);
    assert!(y.iter().all(|v| v.is_finite()));
}

#[test]
fn extreme_mu_is_finite_and_has_unit_area() {
    let col = holdup_column(100.0, 45.0, 4.0);
    let ka = 1e6 * 45.0 / 100.0;
    let peak = Peak::new("heavy", ka, 50.0, 7.0);
    let t = grid(19_000.0, 21_500.0, 0.25);
    let y = peak_signal(&col, &peak, &t);
    assert!(y.iter().all(|v| v.is_finite() && *v >= -1e-15));
    let area: f64 = y.iter().sum::<f64>() * 0.25;
    assert!((area - 7.0).abs() < 1e-9, "area {area}");
}

#[test]
fn very_short_injection_gives_area_times_density() {
    // t1 = 1e-4 s against σ ≈ 1.4 s: S(θ) − S(θ − t1) would cancel to ~1e-12; the engine integrates directly.
    let t1 = 1e-4;
    let col = holdup_column(30.0, 100.0, t1);
    let (mu, kd): (f64, f64) = (200.0, 10.0);
    let peak = Peak::new("a", mu * 100.0 / 30.0, kd, 2.0);
    let t = grid(40.0, 80.0, 0.013);
    let y = peak_signal(&col, &peak, &t);
    let height = y.iter().fold(0.0f64, |m, v| m.max(*v));
    let mut worst: f64 = 0.0;
    let density = |theta: f64| {
        let u = (kd * theta).sqrt();
        kd * g_direct(mu, u) / (2.0 * u) // k_d·f(k_dθ)
    };
    for (ti, yi) in t.iter().zip(&y) {
        let theta = ti - 30.0;
        // Simpson's rule over [θ − t1, θ]: error ~ t1⁴, far below rounding.
        let mean = (density(theta) + 4.0 * density(theta - 0.5 * t1) + density(theta - t1)) / 6.0;
        worst = worst.max((yi - 2.0 * mean).abs());
    }
    // Without the direct integration, rounding in S(θ) − S(θ − t1) would be ~1e-16/t1 = 1e-12 relative.
    assert!(worst < 2e-14 * height, "worst {worst:e} of {height:e}");
}

#[test]
fn irregular_grids_agree_with_uniform_ones() {
    let col = Column::paper_btex();
    let peaks = Peak::paper_btex();
    let uniform = grid(0.0, 700.0, 0.1);
    let y = sum_signal(&col, &peaks, &uniform);
    // Jittered times, evaluated directly.
    let jittered: Vec<f64> =
        uniform.iter().enumerate().map(|(i, t)| t + 0.037 * ((i * 7919 % 13) as f64) / 13.0).collect();
    let yj = sum_signal_sequential(&col, &peaks, &jittered);
    for (k, tj) in jittered.iter().enumerate().step_by(97) {
        let single = sum_signal(&col, &peaks, &[*tj])[0];
        assert!((yj[k] - single).abs() < 1e-12 * 100.0, "t {tj}");
    }
    let height = y.iter().fold(0.0f64, |m, v| m.max(*v));
    // Shifted (uniform, m = 40) and direct evaluation agree.
    let mut direct = vec![0.0; uniform.len()];
    for p in &peaks {
        add_with_shift(&col, p, &uniform, None, &mut direct);
    }
    let diff = y.iter().zip(&direct).fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    assert!(diff < 1e-13 * height, "shift vs direct {diff:e}");
    assert!(grid_shift(&uniform, col.holdup_time_s(), 4.0) == Some(40));
    assert!(grid_shift(&jittered, col.holdup_time_s(), 4.0).is_none());
    // Parallel (5 × 35001 samples is above the threshold) and sequential sums agree.
    let fine = grid(0.0, 700.0, 0.02);
    assert!(peaks.len() * fine.len() >= PARALLEL_WORK);
    assert_eq!(sum_signal(&col, &peaks, &fine), sum_signal_sequential(&col, &peaks, &fine));
    assert_eq!(sum_signal_sequential(&col, &peaks, &uniform), y);
}

#[test]
fn inlet_tail_keeps_area_and_vanishes_as_tau_goes_to_zero() {
    let base = Column::paper_btex();
    let peak = Peak::paper_btex()[1].clone();
    let t = grid(100.0, 400.0, 0.05);
    let plain = peak_signal(&base, &peak, &t);
    let height = plain.iter().fold(0.0f64, |m, v| m.max(*v));
    for tau in [2.5, 0.3] {
        let y = peak_signal(&base.with_inlet_tail_s(tau).unwrap(), &peak, &t);
        let area: f64 = y.iter().sum::<f64>() * 0.05;
        assert!((area - peak.area).abs() < 1e-7 * peak.area, "tau {tau}: area {area} vs {}", peak.area);
    }
    let mut prev = f64::INFINITY;
    for tau in [1e-2, 1e-3, 1e-4] {
        let y = peak_signal(&base.with_inlet_tail_s(tau).unwrap(), &peak, &t);
        let d = y.iter().zip(&plain).fold(0.0f64, |m, (a, b)| m.max((a - b).abs())) / height;
        // First order in τ: y_τ − y ≈ −τ·y'.
        assert!(d < 0.5 * tau && d < prev, "tau {tau}: {d:e}");
        prev = d;
    }
    let y = peak_signal(&base.with_inlet_tail_s(1e-16).unwrap(), &peak, &t);
    assert_eq!(y, plain);
}

#[test]
fn inlet_tail_on_coarse_grids_matches_fine_grids() {
    // Pieces longer than τ, gaps longer than 40τ, and several panels per interval.
    for (tau, coarse) in [(2.5, 3.7), (0.05, 1.3), (0.01, 0.5)] {
        let col = Column::paper_btex().with_inlet_tail_s(tau).unwrap();
        let peak = Peak::paper_btex()[0].clone();
        let fine = grid(60.0, 200.0, 0.01);
        let yf = peak_signal(&col, &peak, &fine);
        let height = yf.iter().fold(0.0f64, |m, v| m.max(*v));
        let picks: Vec<usize> = (0..fine.len()).step_by((coarse / 0.01f64).round() as usize).collect();
        let tc: Vec<f64> = picks.iter().map(|&i| fine[i]).collect();
        let yc = peak_signal(&col, &peak, &tc);
        for (k, &i) in picks.iter().enumerate() {
            assert!((yc[k] - yf[i]).abs() < 1e-12 * height, "tau {tau} t {}: {} vs {}", fine[i], yc[k], yf[i]);
        }
    }
}

/// Central differences of the signal for a changed peak or column.
fn fd(f: impl Fn(f64) -> Vec<f64>, h: f64) -> Vec<f64> {
    let (p, m) = (f(h), f(-h));
    p.iter().zip(&m).map(|(a, b)| (a - b) / (2.0 * h)).collect()
}

fn assert_close(name: &str, analytic: &[f64], numeric: &[f64], skip: &dyn Fn(usize) -> bool, tol: f64) {
    let scale = analytic.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    assert!(scale > 0.0, "{name}: all zero");
    for (i, (a, n)) in analytic.iter().zip(numeric).enumerate() {
        if skip(i) {
            continue;
        }
        assert!((a - n).abs() <= tol * scale, "{name}[{i}]: analytic {a:e} vs numeric {n:e} (scale {scale:e})");
    }
}

#[test]
fn derivatives_match_finite_differences() {
    let btex = Column::paper_btex();
    let short = Column::from_geometry(0.5, 90e-6, 1e-6, 4.01e5, 4.01e5, 0.41, 0.1).unwrap();
    let cases = [
        (btex, Peak::paper_btex()[1].clone(), grid(150.0, 330.0, 0.1)),
        (btex.with_inlet_tail_s(2.5).unwrap(), Peak::paper_btex()[1].clone(), grid(150.0, 330.0, 0.5)),
        // Uniform from 0 with t1/dt = 40: the grid-shift path, with a tail.
        (btex.with_inlet_tail_s(2.5).unwrap(), Peak::paper_btex()[1].clone(), grid(0.0, 300.0, 0.1)),
        (btex, Peak::paper_btex()[0].clone(), grid(0.0, 300.0, 0.1)),
        (short, Peak::new("mu3", 110.0, 2.0, 0.1), grid(0.0, 10.0, 0.003)),
        (short.with_inlet_tail_s(0.2).unwrap(), Peak::new("mu3", 110.0, 2.0, 0.1), grid(0.0, 10.0, 0.003)),
    ];
    for (col, peak, t) in cases {
        let shifted = grid_shift(&t, col.holdup_time_s(), col.injection_s()).is_some();
        assert_eq!(shifted, t[0] == 0.0 && t[1] == 0.1, "grid shift detection");
        let d = peak_signal_with_derivatives(&col, &peak, &t);
        let y = peak_signal(&col, &peak, &t);
        let scale = y.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for (a, b) in d.signal.iter().zip(&y) {
            assert!((a - b).abs() <= 1e-13 * scale);
        }
        for (a, b) in d.d_area.iter().zip(&y) {
            assert!((a * peak.area - b).abs() <= 1e-13 * scale);
        }
        let t0 = col.holdup_time_s();
        let t1 = col.injection_s();
        let near_jump = |i: usize| {
            let th = t[i] - t0;
            th.abs() < 1e-3 || (th - t1).abs() < 1e-3
        };
        let never = |_: usize| false;
        let hk = 1e-5 * peak.ka_per_s;
        let num = fd(|h| peak_signal(&col, &Peak { ka_per_s: peak.ka_per_s + h, ..peak.clone() }, &t), hk);
        assert_close("d_ka", &d.d_ka, &num, &never, 1e-6);
        let hk = 1e-5 * peak.kd_per_s;
        let num = fd(|h| peak_signal(&col, &Peak { kd_per_s: peak.kd_per_s + h, ..peak.clone() }, &t), hk);
        assert_close("d_kd", &d.d_kd, &num, &never, 1e-6);
        let ht = 1e-6 * t0;
        let num = fd(|h| peak_signal(&col.with_holdup_time_s(t0 + h).unwrap(), &peak, &t), ht);
        assert_close("d_t0", &d.d_t0, &num, &near_jump, 1e-6);
        let ht = 1e-6 * t1;
        let num = fd(|h| peak_signal(&col.with_injection_s(t1 + h).unwrap(), &peak, &t), ht);
        assert_close("d_t1", &d.d_t1, &num, &near_jump, 1e-6);
        let tau = col.inlet_tail_s();
        if tau > 0.0 {
            let num = fd(|h| peak_signal(&col.with_inlet_tail_s(tau + h).unwrap(), &peak, &t), 1e-5 * tau);
            assert_close("d_tau", &d.d_tau, &num, &never, 1e-6);
        } else {
            assert!(d.d_tau.iter().all(|v| *v == 0.0), "d_tau without a tail");
        }
    }
}

#[test]
fn panel_interpolants_match_the_bessel_kernel() {
    for mu in [1e-3f64, 3.0, 200.0, 2243.0, 1e6] {
        let k = kernel::Kernel::new(mu, true, true);
        let sm = mu.sqrt();
        let (mut wf, mut wg, mut wp) = (0.0f64, 0.0f64, 0.0f64);
        let n = 5000;
        for i in 0..n {
            let u = k.u_lo + (k.u_hi - k.u_lo) * (i as f64 + 0.5) / n as f64;
            let g = g_direct(mu, u);
            wf = wf.max((k.f_of_u(u) - g / (2.0 * u)).abs() / mu.max(1.0));
            wg = wg.max((2.0 * u * k.f_of_u(u) - g).abs());
            let psi = (-(sm - u) * (sm - u)).exp() * pxfm::f_i0e(2.0 * sm * u);
            wp = wp.max((k.psi_of_u(u) - psi).abs());
        }
        assert!(wf < 1e-15 && wg < 1e-13 && wp < 1e-14, "mu {mu}: F {wf:e}, g {wg:e}, psi {wp:e}");
    }
}

#[test]
fn outside_its_window_a_peak_is_below_1e_15_of_its_height() {
    let times: Vec<f64> = (0..60_000).map(|i| i as f64 * 0.05).collect();
    for tau_s in [0.0, 0.5, 2.0] {
        let column = Column::default_preset().with_inlet_tail_s(tau_s).unwrap();
        for (mean_s, sd_s) in [(40.0, 2.5), (900.0, 4.0), (2500.0, 12.0)] {
            let (ka, kd) = crate::model::moments::rates_from_moments(&column, mean_s, sd_s).unwrap();
            let peak = Peak::new("p", ka, kd, 500.0);
            let y = peak_signal(&column, &peak, &times);
            let height = y.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
            let (from_s, to_s) = signal_window_s(&column, &peak);
            assert!(from_s < mean_s - 3.0 * sd_s && to_s > mean_s + 3.0 * sd_s, "{from_s} {to_s}");
            let outside = times.iter().zip(&y).filter(|(t, _)| **t < from_s || **t > to_s);
            let worst = outside.fold(0.0_f64, |m, (_, v)| m.max(v.abs()));
            assert!(worst <= 1e-15 * height, "τ {tau_s}, mean {mean_s}: {worst:e} of {height:e}");
        }
    }
}

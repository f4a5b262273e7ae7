//! Model-independent fitting machinery against known truth: variable projection on sums of Gaussians,
//! cancellation and caps, error cases, peak finding on noise and on known peaks, drifting baselines.

use std::time::Duration;

use elute::fit::baseline::{PenalizedOptions, Reweighting, penalized_baseline};
use elute::fit::lsq::{GaussianShape, PeakSum, fit_separable};
use elute::fit::peaks::{PeakFindOptions, find_peaks};
use elute::fit::{Bound, CancelToken, FitError, FitOptions, NoObserver, Progress, Termination};

/// Deterministic Gaussian noise (xorshift64 + Box–Muller).
fn gaussian_noise(n: usize, sd: f64, seed: u64) -> Vec<f64> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut uni = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    (0..n).map(|_| sd * (-2.0 * uni().ln()).sqrt() * (2.0 * std::f64::consts::PI * uni()).cos()).collect()
}

/// Unit-area Gaussian.
fn gauss(t: f64, c: f64, s: f64) -> f64 {
    (-0.5 * ((t - c) / s).powi(2)).exp() / (s * (2.0 * std::f64::consts::PI).sqrt())
}

/// Three overlapping peaks (centre s, sigma s, area) on a linear baseline 0.5 + 0.002 t.
const TRUTH: [(f64, f64, f64); 3] = [(40.0, 1.2, 5.0), (44.0, 1.6, 3.0), (60.0, 2.5, 8.0)];

fn synthetic(noise_sd: f64, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let t: Vec<f64> = (0..1000).map(|i| 20.0 + i as f64 * 0.06).collect();
    let e = gaussian_noise(t.len(), noise_sd, seed);
    let y = t
        .iter()
        .zip(&e)
        .map(|(&t, e)| TRUTH.iter().map(|&(c, s, a)| a * gauss(t, c, s)).sum::<f64>() + 0.5 + 0.002 * t + e)
        .collect();
    (t, y)
}

fn start() -> Vec<f64> {
    vec![40.5, 1.0, 43.5, 1.9, 59.0, 2.0]
}

fn positive_widths() -> Vec<Bound> {
    vec![Bound::Free, Bound::Positive, Bound::Free, Bound::Positive, Bound::Free, Bound::Positive]
}

#[test]
fn varpro_recovers_noise_free_gaussians_to_1e8() {
    let (t, y) = synthetic(0.0, 1);
    let mut model = PeakSum::new(&t, GaussianShape, 3, Some(1));
    let opts = FitOptions::default().with_tolerance(1e-14);
    let rep = fit_separable(&mut model, &y, &start(), &positive_widths(), &[], &opts, &mut NoObserver).unwrap();
    assert!(rep.termination.is_converged(), "{:?}", rep.termination);
    for (k, &(c, s, a)) in TRUTH.iter().enumerate() {
        assert!((rep.values[2 * k] - c).abs() < 1e-8 * c, "centre {k}: {}", rep.values[2 * k]);
        assert!((rep.values[2 * k + 1] - s).abs() < 1e-8 * s, "sigma {k}: {}", rep.values[2 * k + 1]);
        assert!((rep.values[6 + k] - a).abs() < 1e-8 * a, "area {k}: {}", rep.values[6 + k]);
    }
    // Baseline x = (t − t_c)/h: b = 0.5 + 0.002 t = (0.5 + 0.002 t_c) + 0.002 h x.
    let (tc, h) = elute::fit::lsq::polynomial_scale(&t);
    assert!((rep.values[9] - (0.5 + 0.002 * tc)).abs() < 1e-8);
    assert!((rep.values[10] - 0.002 * h).abs() < 1e-8);
    assert!(rep.sse < 1e-16 && rep.r_squared.unwrap() > 1.0 - 1e-12);
    println!("noise-free VarPro: {:?}, {} iterations, {:.2} ms", rep.termination, rep.iterations, rep.elapsed_s * 1e3);
}

#[test]
fn varpro_with_noise_is_within_four_standard_errors_and_errors_are_calibrated() {
    let noise = 0.02;
    let mut z_sum = 0.0;
    let mut z_count = 0.0;
    for seed in 1..=8 {
        let (t, y) = synthetic(noise, seed);
        let mut model = PeakSum::new(&t, GaussianShape, 3, Some(1));
        let rep =
            fit_separable(&mut model, &y, &start(), &positive_widths(), &[], &FitOptions::default(), &mut NoObserver)
                .unwrap();
        assert!(rep.termination.is_converged(), "{:?}", rep.termination);
        let truth = [40.0, 1.2, 44.0, 1.6, 60.0, 2.5, 5.0, 3.0, 8.0];
        for (k, &v) in truth.iter().enumerate() {
            let se = rep.standard_errors[k].expect("standard error");
            let z = (rep.values[k] - v) / se;
            assert!(z.abs() < 4.5, "seed {seed} param {k}: {} ± {se} vs {v}", rep.values[k]);
            z_sum += z * z;
            z_count += 1.0;
        }
        assert!((rep.residual_sd.unwrap() / noise - 1.0).abs() < 0.1);
        assert!(rep.correlation.iter().flatten().all(|c| c.abs() <= 1.0));
        assert_eq!(rep.n_points, 1000);
        assert_eq!(rep.n_free, 11);
    }
    // Mean squared z-score ≈ 1 if the standard errors are right (72 draws: a loose band).
    let msz = z_sum / z_count;
    assert!(msz > 0.5 && msz < 1.6, "mean z² = {msz}");
}

#[test]
fn varpro_with_a_fixed_area_keeps_it_and_fits_the_rest() {
    let (t, y) = synthetic(0.0, 1);
    let mut model = PeakSum::new(&t, GaussianShape, 3, Some(1));
    let fixed = [None, Some(3.0), None, None, None];
    let opts = FitOptions::default().with_tolerance(1e-14);
    let rep = fit_separable(&mut model, &y, &start(), &positive_widths(), &fixed, &opts, &mut NoObserver).unwrap();
    assert_eq!(rep.values[7], 3.0);
    assert!(!rep.free[7] && rep.standard_errors[7].is_none());
    assert!((rep.values[6] - 5.0).abs() < 1e-8 && (rep.values[8] - 8.0).abs() < 1e-8);
    assert!((rep.values[2] - 44.0).abs() < 1e-8);
    // Fixing it at a wrong value biases the fit, which must still end with finite numbers.
    let wrong = [None, Some(4.0), None, None, None];
    let rep = fit_separable(&mut model, &y, &start(), &positive_widths(), &wrong, &opts, &mut NoObserver).unwrap();
    assert!(rep.values.iter().all(|v| v.is_finite()) && rep.sse > 1e-6);
}

#[test]
fn cancel_caps_and_observer_stop_with_a_reason_and_finite_values() {
    let (t, y) = synthetic(0.02, 3);
    let mut model = PeakSum::new(&t, GaussianShape, 3, Some(1));
    let b = positive_widths();
    let run = |model: &mut PeakSum<GaussianShape>, opts: FitOptions, obs: &mut dyn elute::fit::Observer| {
        let r = fit_separable(model, &y, &start(), &b, &[], &opts, obs).unwrap();
        assert!(r.values.iter().all(|v| v.is_finite()) && r.sse.is_finite());
        r.termination
    };
    let token = CancelToken::new();
    token.cancel();
    assert_eq!(run(&mut model, FitOptions::default().with_cancel(token), &mut NoObserver), Termination::Cancelled);
    assert_eq!(
        run(&mut model, FitOptions::default().with_max_iterations(1), &mut NoObserver),
        Termination::MaxIterations
    );
    let zero = FitOptions::default().with_max_time(Some(Duration::ZERO));
    assert_eq!(run(&mut model, zero, &mut NoObserver), Termination::TimeLimit);
    let mut seen = Vec::new();
    let mut stop_after_two = |p: &Progress| {
        seen.push((p.iteration, p.cost, p.evaluations));
        p.iteration < 2
    };
    assert_eq!(run(&mut model, FitOptions::default(), &mut stop_after_two), Termination::Cancelled);
    assert_eq!(seen.len(), 3);
    assert!(seen.windows(2).all(|w| w[1].1 <= w[0].1 && w[1].2 > w[0].2), "{seen:?}");
}

#[test]
fn inputs_that_prevent_fitting_are_errors() {
    let (t, mut y) = synthetic(0.0, 1);
    let mut model = PeakSum::new(&t, GaussianShape, 3, Some(1));
    let o = FitOptions::default();
    let all_fixed = vec![Bound::Fixed; 6];
    let fixed_c = [Some(1.0); 5];
    assert_eq!(
        fit_separable(&mut model, &y, &start(), &all_fixed, &fixed_c, &o, &mut NoObserver),
        Err(FitError::NothingFree)
    );
    assert!(matches!(
        fit_separable(&mut model, &y[..10], &start(), &[], &[], &o, &mut NoObserver),
        Err(FitError::SizeMismatch { .. })
    ));
    y[5] = f64::NAN;
    assert!(matches!(
        fit_separable(&mut model, &y, &start(), &[], &[], &o, &mut NoObserver),
        Err(FitError::NonFiniteInput { .. })
    ));
    let mut empty = PeakSum::new(&[], GaussianShape, 1, None);
    assert!(matches!(
        fit_separable(&mut empty, &[], &[1.0, 1.0], &[], &[], &o, &mut NoObserver),
        Err(FitError::NotEnoughData { .. })
    ));
    // A start where the model is undefined (negative width, unbounded) cannot start.
    let (t, y) = synthetic(0.0, 1);
    let mut model = PeakSum::new(&t, GaussianShape, 1, None);
    assert_eq!(
        fit_separable(&mut model, &y, &[40.0, -1.0], &[], &[], &o, &mut NoObserver),
        Err(FitError::UndefinedAtStart)
    );
}

#[test]
fn only_linear_parameters_free_is_a_direct_solve() {
    let (t, y) = synthetic(0.0, 1);
    let mut model = PeakSum::new(&t, GaussianShape, 3, Some(1));
    let theta = [40.0, 1.2, 44.0, 1.6, 60.0, 2.5];
    let rep = fit_separable(&mut model, &y, &theta, &[Bound::Fixed; 6], &[], &FitOptions::default(), &mut NoObserver)
        .unwrap();
    assert!((rep.values[6] - 5.0).abs() < 1e-10 && (rep.values[8] - 8.0).abs() < 1e-10);
    assert_eq!(rep.n_free, 5);
}

#[test]
fn peak_finder_reports_nothing_on_pure_noise() {
    let t: Vec<f64> = (0..10_000).map(|i| i as f64 * 0.05).collect();
    for seed in 1..=6 {
        let y: Vec<f64> = gaussian_noise(t.len(), 0.3, seed).iter().map(|e| 100.0 + e).collect();
        let r = find_peaks(&t, &y, &PeakFindOptions::default()).unwrap();
        assert!(r.peaks.is_empty(), "seed {seed}: {:?}", r.peaks);
        assert!((r.noise_sd / 0.3 - 1.0).abs() < 0.06, "seed {seed}: σ {}", r.noise_sd);
    }
}

#[test]
fn peak_finder_finds_every_known_gaussian_at_its_apex() {
    let apexes = [50.0, 80.0, 95.0, 140.0, 200.0, 260.0, 300.0, 420.0];
    let heights = [1.0, 0.3, 0.6, 2.0, 0.15, 0.8, 0.5, 1.2];
    let sd_t = 1.5;
    let t: Vec<f64> = (0..10_000).map(|i| i as f64 * 0.05).collect();
    for seed in 1..=4 {
        let e = gaussian_noise(t.len(), 0.01, seed);
        let y: Vec<f64> = t
            .iter()
            .zip(&e)
            .map(|(&t, e)| {
                apexes.iter().zip(&heights).map(|(c, h)| h * (-0.5 * ((t - c) / sd_t).powi(2)).exp()).sum::<f64>() + e
            })
            .collect();
        let r = find_peaks(&t, &y, &PeakFindOptions::default()).unwrap();
        assert_eq!(
            r.peaks.len(),
            apexes.len(),
            "seed {seed}: {:?}",
            r.peaks.iter().map(|p| p.apex_time_s).collect::<Vec<_>>()
        );
        for (p, (&c, &h)) in r.peaks.iter().zip(apexes.iter().zip(&heights)) {
            // Within a quarter of the peak's σ (the flat top of the weakest peak, S/N 15, is noise-limited).
            assert!((p.apex_time_s - c).abs() <= 0.25 * sd_t, "apex {} vs {c}", p.apex_time_s);
            // Bases are local minima of the (smoothed) noise, so heights read high by a few noise σ.
            assert!((p.height - h).abs() < 0.05 * h + 4.0 * 0.01, "height {} vs {h}", p.height);
            assert!(p.left_base_time_s < c && p.right_base_time_s > c);
        }
    }
}

#[test]
fn penalized_baseline_recovers_smooth_drift_under_peaks() {
    // Drift: a slow quadratic plus a slow sine; 6 narrow peaks (σ = 20 points); noise 0.005.
    let n = 4000;
    let drift: Vec<f64> = (0..n)
        .map(|i| {
            let x = i as f64 / n as f64;
            0.2 + 0.3 * x - 0.2 * x * x + 0.05 * (2.0 * std::f64::consts::PI * x).sin()
        })
        .collect();
    let e = gaussian_noise(n, 0.005, 5);
    let y: Vec<f64> = (0..n)
        .map(|i| {
            let t = i as f64;
            let peaks: f64 = [500.0, 1100.0, 1700.0, 2300.0, 2900.0, 3500.0]
                .iter()
                .map(|c| (-0.5 * ((t - c) / 20.0).powi(2)).exp())
                .sum();
            drift[i] + peaks + e[i]
        })
        .collect();
    for (opts, tol) in [
        (PenalizedOptions::default().with_lambda(1e8), 0.01),
        (PenalizedOptions::default().with_lambda(1e8).with_reweighting(Reweighting::Asymmetric { p: 0.01 }), 0.02),
    ] {
        let b = penalized_baseline(&y, &opts).unwrap();
        let max_err = (100..n - 100).map(|i| (b[i] - drift[i]).abs()).fold(0.0, f64::max);
        println!("{:?}: max |baseline − drift| = {max_err:.4} (peak height 1, noise 0.005)", opts.reweighting);
        assert!(max_err < tol, "{:?}: {max_err}", opts.reweighting);
    }
}

mod lab_metrics {
    use elute::fit::metrics::{CONVENTION, peak_metrics, resolution};

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    /// A sampled Gaussian of area `area`, apex `c`, width `s`, on a grid not aligned with the apex.
    fn gaussian(c: f64, s: f64, area: f64, dt: f64) -> (Vec<f64>, Vec<f64>) {
        let n = (16.0 * s / dt) as usize;
        let t: Vec<f64> = (0..n).map(|i| c - 8.0 * s + 0.013 + i as f64 * dt).collect();
        let y = t
            .iter()
            .map(|t| area * (-0.5 * ((t - c) / s).powi(2)).exp() / (s * (2.0 * std::f64::consts::PI).sqrt()))
            .collect();
        (t, y)
    }

    #[test]
    fn gaussian_widths_tailing_and_plates_match_analytic_values() {
        let (c, s) = (100.0, 2.0);
        let (t, y) = gaussian(c, s, 3.0, 0.05);
        let m = peak_metrics(&t, &y).unwrap();
        let width = |p: f64| 2.0 * (2.0 * (1.0 / p).ln()).sqrt() * s;
        assert!(rel(m.retention_time_s, c) < 1e-7, "{}", m.retention_time_s);
        assert!(rel(m.area, 3.0) < 1e-9);
        assert!(rel(m.height, 3.0 / (s * (2.0 * std::f64::consts::PI).sqrt())) < 1e-5);
        assert!(rel(m.w50.unwrap().width_s(), 2.0 * (2.0 * 2f64.ln()).sqrt() * s) < 1e-4);
        assert!(rel(m.w10.unwrap().width_s(), width(0.1)) < 1e-4);
        assert!(rel(m.w5.unwrap().width_s(), width(0.05)) < 1e-4);
        assert!(rel(m.w4_4.unwrap().width_s(), 5.0 * s) < 1e-3); // 4.4 % is 5σ to 3 digits
        assert!(rel(m.tangent_width_s.unwrap(), 4.0 * s) < 1e-3, "{:?}", m.tangent_width_s);
        assert!((m.tailing_usp.unwrap() - 1.0).abs() < 1e-4);
        assert!((m.asymmetry_10.unwrap() - 1.0).abs() < 1e-4);
        let n_true = (c / s).powi(2);
        assert!(rel(m.plates_half_height.unwrap(), n_true) < 2e-3); // 5.54 vs 8 ln 2 = 5.545
        assert!(rel(m.plates_tangent.unwrap(), n_true) < 2e-3);
        assert!(rel(m.plates_moments.unwrap(), n_true) < 1e-6);
        assert!(rel(m.first_moment_s.unwrap(), c) < 1e-10);
        assert!(rel(m.variance_s2.unwrap(), s * s) < 1e-6);
        assert!(CONVENTION.contains("5.54") && CONVENTION.contains("W5/(2·f5)"));
    }

    /// Exponentially modified Gaussian (unit area) in closed form, evaluated independently of the code under test.
    fn emg(t: f64, mu: f64, s: f64, tau: f64) -> f64 {
        let z = (s / tau - (t - mu) / s) / std::f64::consts::SQRT_2;
        0.5 / tau * (0.5 * (s / tau).powi(2) - (t - mu) / tau).exp() * pxfm::f_erfc(z)
    }

    /// Bisection for f(t) = level on [a, b] (f(a) − level and f(b) − level of opposite sign).
    fn bisect(f: &dyn Fn(f64) -> f64, level: f64, mut a: f64, mut b: f64) -> f64 {
        let fa = f(a) - level;
        for _ in 0..200 {
            let m = 0.5 * (a + b);
            if (f(m) - level).signum() == fa.signum() {
                a = m;
            } else {
                b = m;
            }
        }
        0.5 * (a + b)
    }

    #[test]
    fn emg_tailing_and_asymmetry_match_a_high_resolution_root_finding_truth() {
        let (mu, s, tau) = (100.0, 1.0, 1.0);
        let f = |t: f64| emg(t, mu, s, tau);
        // Apex: golden-section search on the closed form.
        let (mut a, mut b) = (mu - 2.0, mu + 3.0);
        let g = 0.5 * (5f64.sqrt() - 1.0);
        for _ in 0..200 {
            let (x1, x2) = (b - g * (b - a), a + g * (b - a));
            if f(x1) < f(x2) {
                a = x1;
            } else {
                b = x2;
            }
        }
        let apex = 0.5 * (a + b);
        let h = f(apex);
        let cross = |p: f64| (bisect(&f, p * h, mu - 10.0, apex), bisect(&f, p * h, apex, mu + 40.0));
        let (f5, b5) = cross(0.05);
        let (f10, b10) = cross(0.10);
        let (f50, b50) = cross(0.5);
        let t_true = (b5 - f5) / (2.0 * (apex - f5));
        let as_true = (b10 - apex) / (apex - f10);

        let t: Vec<f64> = (0..2500).map(|i| mu - 10.0 + 0.0071 + i as f64 * 0.02).collect();
        let y: Vec<f64> = t.iter().map(|&t| f(t)).collect();
        let m = peak_metrics(&t, &y).unwrap();
        println!(
            "EMG τ/σ = 1: T = {t_true:.5} (measured {:.5}), As = {as_true:.5} ({:.5})",
            m.tailing_usp.unwrap(),
            m.asymmetry_10.unwrap()
        );
        assert!((m.retention_time_s - apex).abs() < 1e-4, "{} vs {apex}", m.retention_time_s);
        assert!(rel(m.w50.unwrap().width_s(), b50 - f50) < 1e-4);
        assert!(rel(m.tailing_usp.unwrap(), t_true) < 1e-3);
        assert!(rel(m.asymmetry_10.unwrap(), as_true) < 1e-3);
        assert!(t_true > 1.2 && as_true > t_true, "a tailing peak: As10 > T5 > 1");
        // Moments of an EMG are analytic: mean μ + τ, variance σ² + τ².
        assert!(rel(m.first_moment_s.unwrap(), mu + tau) < 1e-8);
        assert!(rel(m.variance_s2.unwrap(), s * s + tau * tau) < 1e-4);
        assert!(rel(m.area, 1.0) < 1e-8);
        assert!(rel(m.plates_moments.unwrap(), (mu + tau).powi(2) / (s * s + tau * tau)) < 1e-4);
    }

    #[test]
    fn resolution_of_two_gaussians_matches_the_analytic_formula() {
        let (c1, s1, c2, s2) = (100.0, 1.5, 106.0, 2.0);
        let (t1, y1) = gaussian(c1, s1, 1.0, 0.02);
        let (t2, y2) = gaussian(c2, s2, 2.0, 0.02);
        let (m1, m2) = (peak_metrics(&t1, &y1).unwrap(), peak_metrics(&t2, &y2).unwrap());
        let (half, tangent) = resolution(&m1, &m2);
        let truth = (c2 - c1) / (2.0 * (s1 + s2)); // Rs = Δt / (4σ̄) with σ̄ the mean width
        assert!(rel(tangent.unwrap(), truth) < 1e-3, "{tangent:?} vs {truth}");
        assert!(rel(half.unwrap(), truth) < 3e-3, "{half:?} vs {truth}"); // 1.18 vs √(2 ln 2)·... rounding
    }
}

#[test]
fn peak_finder_caps_candidates_even_when_every_wiggle_qualifies() {
    // k = 0 makes every local maximum of 200k noise points a candidate; the cap keeps the 50 most prominent.
    let n = 200_000;
    let t: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let y = gaussian_noise(n, 1.0, 9);
    let started = std::time::Instant::now();
    let r = find_peaks(&t, &y, &PeakFindOptions::default().with_min_prominence_sigma(0.0)).unwrap();
    let elapsed = started.elapsed();
    assert_eq!(r.peaks.len(), 50);
    assert!(r.candidates_above_threshold > 10_000);
    let weakest_kept = r.peaks.iter().map(|p| p.prominence).fold(f64::INFINITY, f64::min);
    assert!(weakest_kept > 1.0, "kept the most prominent: {weakest_kept}");
    assert!(r.peaks.windows(2).all(|w| w[0].apex_index < w[1].apex_index));
    println!(
        "peak finding, 200k points, {} candidates: {:.1} ms",
        r.candidates_above_threshold,
        elapsed.as_secs_f64() * 1e3
    );
}

#[test]
fn bounds_keep_parameters_inside_and_the_fit_still_reports() {
    let (t, y) = synthetic(0.0, 1);
    let mut model = PeakSum::new(&t, GaussianShape, 3, Some(1));
    // The first centre is confined to [38, 39.5] although the truth is 40.
    let mut b = positive_widths();
    b[0] = Bound::Interval(38.0, 39.5);
    let rep = fit_separable(
        &mut model,
        &y,
        &[39.0, 1.0, 43.5, 1.9, 59.0, 2.0],
        &b,
        &[],
        &FitOptions::default(),
        &mut NoObserver,
    )
    .unwrap();
    // Pressed against the bound, the centre ends on it (to rounding), never beyond.
    assert!(rep.values[0] > 38.0 && rep.values[0] <= 39.5, "{}", rep.values[0]);
    assert!(rep.at_bound[0] && rep.at_bound.iter().skip(1).all(|b| !b), "{:?}", rep.at_bound);
    assert!(rep.termination.is_converged(), "{:?}", rep.termination);
    assert!(rep.values[1] > 0.0 && rep.values[3] > 0.0 && rep.values[5] > 0.0);
    assert!(rep.values.iter().chain([&rep.sse, &rep.rmse]).all(|v| v.is_finite()));
    assert!(rep.correlation.iter().flatten().all(|v| v.is_finite()));
    println!("bounded fit: {:?} after {} iterations, centre {}", rep.termination, rep.iterations, rep.values[0]);
}

#[test]
fn a_realistic_window_fits_quickly() {
    // Six overlapping peaks, 3000 points, linear baseline, noise: the size of a crowded chromatogram window.
    let truth =
        [(30.0, 0.8, 2.0), (32.5, 0.9, 1.0), (36.0, 1.0, 3.0), (41.0, 1.2, 0.7), (43.0, 1.1, 1.5), (50.0, 1.5, 4.0)];
    let t: Vec<f64> = (0..3000).map(|i| 25.0 + i as f64 * 0.01).collect();
    let e = gaussian_noise(t.len(), 0.01, 21);
    let y: Vec<f64> = t
        .iter()
        .zip(&e)
        .map(|(&t, e)| truth.iter().map(|&(c, s, a)| a * gauss(t, c, s)).sum::<f64>() + 0.1 + e)
        .collect();
    let theta0: Vec<f64> = truth.iter().flat_map(|&(c, s, _)| [c + 0.2, s * 1.2]).collect();
    let bounds: Vec<Bound> = (0..12).map(|k| if k % 2 == 1 { Bound::Positive } else { Bound::Free }).collect();
    let mut model = PeakSum::new(&t, GaussianShape, truth.len(), Some(1));
    let rep = fit_separable(&mut model, &y, &theta0, &bounds, &[], &FitOptions::default(), &mut NoObserver).unwrap();
    assert!(rep.termination.is_converged(), "{:?}", rep.termination);
    for (k, &(c, _, a)) in truth.iter().enumerate() {
        assert!((rep.values[2 * k] - c).abs() < 0.05, "centre {k}");
        assert!((rep.values[12 + k] / a - 1.0).abs() < 0.05, "area {k}");
    }
    println!(
        "6 peaks × 3000 points: {:?}, {} iterations, {} evaluations, {:.1} ms (dev profile)",
        rep.termination,
        rep.iterations,
        rep.evaluations,
        rep.elapsed_s * 1e3
    );
}

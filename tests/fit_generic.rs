//! Model-independent fitting machinery against known truth: variable projection on sums of Gaussians,
//! cancellation and caps, error cases, peak finding on noise and on known peaks, drifting baselines.

use std::time::Duration;

use elute::fit::baseline::{PenalizedOptions, Reweighting, penalized_baseline};
use elute::fit::peaks::{PeakFindOptions, find_peaks};
use elute::fit::varpro::{GaussianShape, PeakSum, fit_separable};
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
    let (tc, h) = elute::fit::baseline::polynomial_scale(&t);
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

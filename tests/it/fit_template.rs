//! Template fits from realistic starts: simulated BTEX runs (the paper's Table 3 truth, variable velocity, the
//! known column, τ = 0, noise at 1 % of the tallest peak, 0.2 s sampling) fitted with a template whose k_a and
//! k_d are each off by a random factor, as a template from an older run would be (issue 12).
//!
//! `ELUTE_TEMPLATE_RUNS=N` sets the number of seeded runs of the study (`scripts/template_robustness.sh` runs
//! 100 at ±5, ±10 and ±30 %).

use elute::chromatogram::Chromatogram;
use elute::fit::CancelToken;
use elute::fit::NoObserver;
use elute::model::{Method, Peak};
use elute::session::Session;
use elute::session::fitting::{self, FitRequest, Fitted};
use rayon::prelude::*;

/// SplitMix64 with Box–Muller: small, seeded.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5851_F42D_4C95_7F2D)
    }
    pub fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform().max(1e-300), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// The simulated BTEX run of `seed`: 0–700 s every 0.2 s, noise at 1 % of the tallest peak.
pub fn simulated_btex_run(seed: u64, noise_of_tallest: f64) -> Chromatogram {
    let truth = Session::paper_btex();
    let time_s: Vec<f64> = (0..=3500).map(|i| i as f64 * 0.2).collect();
    let sim = truth.simulate(&time_s, Method::Closed).expect("valid session");
    let tallest = sim.peaks.iter().flat_map(|p| p.iter()).fold(0.0f64, |m, v| m.max(*v));
    let mut rng = Rng::new(seed);
    let signal = sim.signal.iter().map(|v| v + noise_of_tallest * tallest * rng.normal()).collect();
    Chromatogram { time_s, signal, ..Default::default() }
}

/// The truth's session with each k_a and k_d multiplied by a factor uniform in [1 − spread, 1 + spread].
pub fn perturbed_template(seed: u64, spread: f64) -> Session {
    let mut s = Session::paper_btex();
    let mut rng = Rng::new(seed ^ 0xABCD_EF01);
    for p in &mut s.peaks {
        p.ka_per_s *= 1.0 + spread * (2.0 * rng.uniform() - 1.0);
        p.kd_per_s *= 1.0 + spread * (2.0 * rng.uniform() - 1.0);
    }
    s
}

/// The worst relative error of any analyte's k_a or k_d (∞ for a missing analyte).
fn worst_rate_error(fitted: &Fitted, truth: &[Peak]) -> f64 {
    truth
        .iter()
        .map(|t| match fitted.session.peaks.iter().find(|p| p.name == t.name) {
            Some(p) => (p.ka_per_s / t.ka_per_s - 1.0).abs().max((p.kd_per_s / t.kd_per_s - 1.0).abs()),
            None => f64::INFINITY,
        })
        .fold(0.0, f64::max)
}

/// The noise of the simulated runs, as a fraction of the tallest peak: 1 %, or `ELUTE_TEMPLATE_NOISE`.
fn noise() -> f64 {
    std::env::var("ELUTE_TEMPLATE_NOISE").ok().and_then(|v| v.parse().ok()).unwrap_or(0.01)
}

/// The fit of run `seed` from a template off by `spread`.
fn template_fit(seed: u64, spread: f64) -> Option<Fitted> {
    let run = simulated_btex_run(seed, noise());
    let request = FitRequest::template(perturbed_template(seed, spread));
    fitting::fit(&run, &request, &CancelToken::new(), &mut NoObserver).ok()
}

/// The largest relative difference of any analyte's k_a or k_d between two fits of one run (∞ when one misses).
fn difference(a: &Fitted, b: &Fitted) -> f64 {
    let truth = Peak::paper_btex();
    let other: Vec<Peak> = truth
        .iter()
        .map(|t| {
            b.session.peaks.iter().find(|p| p.name == t.name).cloned().unwrap_or_else(|| Peak::new("", 0.0, 1.0, 0.0))
        })
        .collect();
    worst_rate_error(a, &other)
}

/// What one run of the study gives.
struct Outcome {
    /// Worst relative error of any k_a or k_d against the truth.
    worst: f64,
    /// Largest relative difference from the fit of the same run started at the truth (the noise-limited optimum).
    from_truth_fit: f64,
    /// Whole-run R².
    r2: f64,
    /// Whether the fit says it is poor (a note or a flag).
    flagged: bool,
}

fn outcome(seed: u64, spread: f64) -> Outcome {
    let (Some(f), Some(truth_fit)) = (template_fit(seed, spread), template_fit(seed, 0.0)) else {
        return Outcome { worst: f64::INFINITY, from_truth_fit: f64::INFINITY, r2: f64::NAN, flagged: true };
    };
    Outcome {
        worst: worst_rate_error(&f, &Peak::paper_btex()),
        from_truth_fit: difference(&f, &truth_fit),
        r2: f.fit.r2.unwrap_or(f64::NAN),
        flagged: !f.fit.notes.is_empty(),
    }
}

/// The study's figures at one spread.
struct Study {
    runs: usize,
    /// Runs whose every k_a and k_d is within 2 % of the truth.
    within_2_percent: usize,
    /// Runs that reach the same optimum as the fit started at the truth (to 1e-4).
    same_optimum: usize,
    median_worst: f64,
    lowest_r2: f64,
    /// Runs below R² 0.9 that carry no flag.
    poor_unflagged: usize,
}

fn study(runs: u64, spread: f64) -> Study {
    let results: Vec<Outcome> = (0..runs).into_par_iter().map(|s| outcome(1000 + s, spread)).collect();
    let mut worst: Vec<f64> = results.iter().map(|r| r.worst).collect();
    worst.sort_by(f64::total_cmp);
    Study {
        runs: results.len(),
        within_2_percent: results.iter().filter(|r| r.worst <= 0.02).count(),
        same_optimum: results.iter().filter(|r| r.from_truth_fit <= 1e-4).count(),
        median_worst: worst[worst.len() / 2],
        lowest_r2: results.iter().map(|r| r.r2).fold(f64::INFINITY, f64::min),
        poor_unflagged: results.iter().filter(|r| (r.r2.is_nan() || r.r2 < 0.9) && !r.flagged).count(),
    }
}

#[test]
#[ignore = "a diagnostic: each analyte's errors on a few runs fitted from the truth"]
fn template_errors_by_analyte() {
    for seed in 1000..1006 {
        let f = template_fit(seed, 0.0).expect("a fit");
        let line: Vec<String> = Peak::paper_btex()
            .iter()
            .map(|t| {
                let p = f.session.peaks.iter().find(|p| p.name == t.name).unwrap();
                let q = f.fit.peaks.iter().find(|p| p.name == t.name).unwrap();
                format!(
                    "{} ka {:+.2}% (se {:.2}%) kd {:+.2}% (se {:.2}%)",
                    &t.name[..3],
                    100.0 * (p.ka_per_s / t.ka_per_s - 1.0),
                    100.0 * q.ka_se_per_s.unwrap_or(f64::NAN) / t.ka_per_s,
                    100.0 * (p.kd_per_s / t.kd_per_s - 1.0),
                    100.0 * q.kd_se_per_s.unwrap_or(f64::NAN) / t.kd_per_s
                )
            })
            .collect();
        println!("seed {seed}: {}", line.join(" | "));
    }
}

#[test]
#[ignore = "a study: run with --ignored (scripts/template_robustness.sh)"]
fn template_study() {
    let runs = std::env::var("ELUTE_TEMPLATE_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(12);
    for spread in [0.0, 0.05, 0.1, 0.3] {
        let s = study(runs, spread);
        println!(
            "±{:.0} %: {} of {} runs within 2 % of the truth, {} at the optimum of the truth-started fit, median worst \
             error {:.2} %, lowest R² {:.4}, {} poor runs unflagged",
            spread * 100.0,
            s.within_2_percent,
            s.runs,
            s.same_optimum,
            s.median_worst * 100.0,
            s.lowest_r2,
            s.poor_unflagged
        );
    }
}

/// The fit of run `seed` with the known BTEX column and no peak list (peaks detected and fitted on it).
fn known_column_fit(seed: u64) -> Option<Fitted> {
    let run = simulated_btex_run(seed, noise());
    let column_only = Session::new(Session::paper_btex().column, Vec::new());
    let f = fitting::fit(&run, &FitRequest::template(column_only), &CancelToken::new(), &mut NoObserver).ok()?;
    // Detected peaks are named "peak N" in time order: name them as the truth, in order, to compare.
    let mut f = f;
    for (p, t) in f.session.peaks.iter_mut().zip(Peak::paper_btex()) {
        p.name = t.name.clone();
    }
    Some(f)
}

#[test]
fn template_fits_from_starts_off_by_30_percent_reach_the_truth_started_optimum() {
    // The fast version of scripts/template_robustness.sh: every run reaches the optimum that a fit started at the
    // truth reaches (its distance from the truth is the noise's, 0.4–1.2 % SE per rate here).
    for seed in 2000..2012 {
        let f = template_fit(seed, 0.3).expect("a template fit");
        let truth_fit = template_fit(seed, 0.0).expect("a truth-started fit");
        let d = difference(&f, &truth_fit);
        assert!(d <= 1e-4, "seed {seed}: {d:e} from the truth-started optimum");
        assert!(f.fit.r2.unwrap() > 0.99 && f.fit.notes.is_empty(), "seed {seed}: {:?}", f.fit.notes);
        assert!(worst_rate_error(&f, &Peak::paper_btex()) < 0.05);
    }
}

#[test]
fn a_noise_free_run_is_recovered_exactly_from_a_template_off_by_30_percent() {
    let run = simulated_btex_run(7, 0.0);
    for seed in [1, 2, 3] {
        let request = FitRequest::template(perturbed_template(seed, 0.3));
        let f = fitting::fit(&run, &request, &CancelToken::new(), &mut NoObserver).unwrap();
        let err = worst_rate_error(&f, &Peak::paper_btex());
        assert!(err < 1e-6, "template seed {seed}: {err:e}");
    }
}

#[test]
fn a_known_column_without_a_peak_list_recovers_the_rates() {
    // Peaks detected and fitted on the given column (t0, t1 and τ held).
    let run = simulated_btex_run(7, 0.0);
    let column_only = Session::new(Session::paper_btex().column, Vec::new());
    let f = fitting::fit(&run, &FitRequest::template(column_only), &CancelToken::new(), &mut NoObserver).unwrap();
    assert_eq!(f.session.peaks.len(), 5);
    for (p, t) in f.session.peaks.iter().zip(Peak::paper_btex()) {
        let e = (p.ka_per_s / t.ka_per_s - 1.0).abs().max((p.kd_per_s / t.kd_per_s - 1.0).abs());
        assert!(e < 1e-6, "{}: {e:e}", t.name);
    }
    assert!(f.fit.inlet_tail.value_s == 0.0 && !f.fit.inlet_tail.fitted, "τ {:?}", f.fit.inlet_tail);
    for seed in 2000..2006 {
        let noisy = known_column_fit(seed).expect("a fit");
        let truth_fit = template_fit(seed, 0.0).expect("a truth-started fit");
        let d = difference(&noisy, &truth_fit);
        assert!(d <= 1e-4, "seed {seed}: {d:e} from the template fit of the same run");
    }
}

#[test]
#[ignore = "a study: run with --ignored (scripts/template_robustness.sh)"]
fn known_column_study() {
    let runs = std::env::var("ELUTE_TEMPLATE_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(12);
    let results: Vec<f64> = (0..runs)
        .into_par_iter()
        .map(|s| known_column_fit(1000 + s).map_or(f64::INFINITY, |f| worst_rate_error(&f, &Peak::paper_btex())))
        .collect();
    let within = results.iter().filter(|&&e| e <= 0.02).count();
    let mut sorted = results.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "known column, no peak list: {within} of {runs} runs within 2 %, median worst error {:.2} %",
        100.0 * sorted[sorted.len() / 2]
    );
}

//! Accuracy of the column-model fits: noise-free recovery, interval coverage on noisy simulations, and the real
//! SOLV001 run with the run-level inlet tail.

use std::path::Path;

use elute::fit::peaks::PeakFindOptions;
use elute::fit::{NoObserver, RunFit, RunFitOptions, detect_seeds, fit_run};
use elute::model::{Column, Peak};
use elute::session::Session;
use rayon::prelude::*;

fn btex_grid() -> Vec<f64> {
    (0..=7000).map(|i| i as f64 * 0.1).collect()
}

fn btex_signal(t: &[f64]) -> Vec<f64> {
    Session::paper_btex().simulate(t, elute::model::Method::Closed).unwrap().signal
}

/// Fitted peaks matched to the truth by mean time (each true peak takes the nearest fitted one).
fn matched<'a>(fit: &'a RunFit, truth: &[Peak], column: &Column) -> Vec<&'a elute::fit::PeakFit> {
    truth
        .iter()
        .map(|p| {
            let m = elute::model::moments(column, p).mean_s;
            fit.peaks
                .iter()
                .min_by(|a, b| (a.mean_time_s - m).abs().total_cmp(&(b.mean_time_s - m).abs()))
                .expect("peaks found")
        })
        .collect()
}

#[test]
fn noise_free_btex_recovers_ka_and_kd_from_moment_guesses() {
    let t = btex_grid();
    let y = btex_signal(&t);
    let column = Column::paper_btex();
    let seeds = detect_seeds(&t, &y, &PeakFindOptions::default().with_noise_sd(1.0)).unwrap().seeds;
    assert_eq!(seeds.len(), 5, "{seeds:?}");
    let fit = fit_run(&t, &y, &column, &seeds, &RunFitOptions::known_column(), &mut NoObserver).unwrap();
    let truth = Peak::paper_btex();
    for (p, f) in truth.iter().zip(matched(&fit, &truth, &column)) {
        let eka = (f.ka_per_s / p.ka_per_s - 1.0).abs();
        let ekd = (f.kd_per_s / p.kd_per_s - 1.0).abs();
        let ea = (f.area / p.area - 1.0).abs();
        println!("{}: ka rel err {eka:.2e}, kd {ekd:.2e}, area {ea:.2e}, r2 {:?}", p.name, f.r2);
        assert!(eka < 1e-6 && ekd < 1e-6, "{}: ka {eka:e}, kd {ekd:e}", p.name);
        assert!(ea < 1e-6, "{}: area {ea:e}", p.name);
        assert!(f.error.is_none() && f.termination.is_converged());
    }
    assert!(fit.r2.unwrap() > 1.0 - 1e-12);
}

/// The joint fit: BTEX simulated with an inlet tail τ = 2 s, fitted with τ and t1 free (starting from τ = 0 → half
/// the median width, t1 from the column), recovers τ, t1 and every k_a and k_d.
#[test]
fn noise_free_btex_recovers_the_run_level_tail_and_injection_time() {
    let t = btex_grid();
    let truth_column = Column::paper_btex().with_inlet_tail_s(2.0).unwrap();
    let truth = Peak::paper_btex();
    let y = elute::model::closed::sum_signal(&truth_column, &truth, &t);
    let seeds = detect_seeds(&t, &y, &PeakFindOptions::default().with_noise_sd(1e-3)).unwrap().seeds;
    assert_eq!(seeds.len(), 5, "{seeds:?}");
    // Noise-free data: a tighter joint tolerance than the default 1e-6 (which stops within 1e-3 of t1 here, far
    // inside any noisy run's uncertainty).
    let defaults = RunFitOptions::default();
    let options = RunFitOptions {
        free: elute::model::RunLevelFree { injection: true, ..defaults.free },
        outer: defaults.outer.clone().with_tolerance(1e-12),
        ..defaults
    };
    let fit = fit_run(&t, &y, &Column::paper_btex(), &seeds, &options, &mut NoObserver).unwrap();
    println!(
        "tau {:?}, t1 {:?}, {:?} in {} evaluations",
        fit.inlet_tail, fit.injection, fit.outer_termination, fit.outer_evaluations
    );
    assert!(fit.inlet_tail.fitted && fit.injection.fitted && !fit.holdup_time.fitted);
    assert!((fit.inlet_tail.value_s / 2.0 - 1.0).abs() < 1e-6, "tau {:?}", fit.inlet_tail);
    assert!((fit.injection.value_s / 4.0 - 1.0).abs() < 1e-6, "t1 {:?}", fit.injection);
    for (p, f) in truth.iter().zip(matched(&fit, &truth, &truth_column)) {
        let eka = (f.ka_per_s / p.ka_per_s - 1.0).abs();
        let ekd = (f.kd_per_s / p.kd_per_s - 1.0).abs();
        println!("{}: ka rel err {eka:.2e}, kd {ekd:.2e}", p.name);
        assert!(eka < 1e-6 && ekd < 1e-6, "{}: ka {eka:e}, kd {ekd:e}", p.name);
    }
}

/// A run whose first peak comes before the default column's hold-up time (apex near 1 s, narrower than that
/// from time zero, as a TCD channel's injection transient): with the column unknown, the run-level fit must still
/// start where every peak can be placed (t0 + t1/2 + τ before the first apex), converge and recover the truth. It used to find its
/// model undefined at the start (t0 held ≥ 2.5 s) and fall back to per-cluster fits, which took 10 s on the
/// 2023-06-29 TCD channel of the corpus.
#[test]
fn an_early_first_peak_keeps_the_run_level_fit_defined() {
    let truth_column = Column::from_holdup(0.4, 250.0, 0.2).unwrap().with_inlet_tail_s(0.3).unwrap();
    let truth = [Peak::new("early", 1250.0, 4.0, 100.0), Peak::new("late", 208_550.0, 17.2, 400.0)];
    let t: Vec<f64> = (0..=600).map(|i| i as f64 * 0.05).collect();
    let y = elute::model::closed::sum_signal(&truth_column, &truth, &t);
    let seeds = detect_seeds(&t, &y, &PeakFindOptions::default().with_noise_sd(1e-3)).unwrap().seeds;
    assert_eq!(seeds.len(), 2, "{seeds:?}");
    assert!(seeds[0].apex_time_s < 1.5 && seeds[0].apex_time_s - seeds[0].width_s <= 0.0, "{seeds:?}");
    // True values: early peak μ = 2, apex near 1 s; late peak μ ≈ 334, apex near 20 s.
    let fit =
        fit_run(&t, &y, &Column::default_preset(), &seeds, &RunFitOptions::unknown_column(), &mut NoObserver).unwrap();
    println!("notes {:?}, t0 {:?}, joint {:?}, r2 {:?}", fit.notes, fit.holdup_time, fit.outer_termination, fit.r2);
    assert!(fit.notes.iter().all(|n| !n.contains("run-level fit failed")), "{:?}", fit.notes);
    assert!(fit.outer_termination.is_some_and(|t| t.is_converged()), "{:?}", fit.outer_termination);
    assert!(fit.holdup_time.fitted);
    // Noise-free: t0 (and so every k_a, k_d) is recovered, although it starts at 10 s.
    assert!((fit.holdup_time.value_s / 0.4 - 1.0).abs() < 1e-6, "t0 {:?}", fit.holdup_time);
    assert!(fit.r2.unwrap() > 1.0 - 1e-9, "whole-run R² {:?}", fit.r2);
    for (p, f) in truth.iter().zip(matched(&fit, &truth, &truth_column)) {
        let (eka, ekd) = ((f.ka_per_s / p.ka_per_s - 1.0).abs(), (f.kd_per_s / p.kd_per_s - 1.0).abs());
        assert!(eka < 1e-6 && ekd < 1e-6, "{}: ka {eka:e}, kd {ekd:e}", p.name);
    }
}

/// xorshift64* with Box–Muller: a small, seeded normal generator.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03 | 1)
    }
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

#[test]
fn coverage_of_the_standard_errors_on_200_noisy_btex_runs() {
    let t = btex_grid();
    let clean = btex_signal(&t);
    let column = Column::paper_btex();
    let truth = Peak::paper_btex();
    let tallest = clean.iter().copied().fold(f64::MIN, f64::max) - 3935.4;
    let sigma = 0.01 * tallest;
    let seeds = detect_seeds(&t, &clean, &PeakFindOptions::default().with_noise_sd(sigma)).unwrap().seeds;
    let hits: Vec<Vec<(bool, bool)>> = (0u64..200)
        .into_par_iter()
        .map(|seed| {
            let mut rng = Rng::new(seed);
            let y: Vec<f64> = clean.iter().map(|v| v + sigma * rng.normal()).collect();
            let fit = fit_run(&t, &y, &column, &seeds, &RunFitOptions::known_column(), &mut NoObserver).unwrap();
            truth
                .iter()
                .zip(matched(&fit, &truth, &column))
                .map(|(p, f)| {
                    let cover =
                        |v: f64, se: Option<f64>, truth: f64| se.is_some_and(|se| (v - truth).abs() <= 1.96 * se);
                    (cover(f.ka_per_s, f.ka_se_per_s, p.ka_per_s), cover(f.kd_per_s, f.kd_se_per_s, p.kd_per_s))
                })
                .collect()
        })
        .collect();
    for (k, p) in truth.iter().enumerate() {
        let ka = hits.iter().filter(|h| h[k].0).count() as f64 / 2.0;
        let kd = hits.iter().filter(|h| h[k].1).count() as f64 / 2.0;
        println!("{}: coverage ka {ka}%, kd {kd}%", p.name);
        assert!((90.0..=99.0).contains(&ka), "{}: k_a coverage {ka}%", p.name);
        assert!((90.0..=99.0).contains(&kd), "{}: k_d coverage {kd}%", p.name);
    }
}

/// The best optimum on SOLV001 (issue 12): its PE Turbochrom export clamps the baseline after integration events,
/// ethyl acetate and cyclohexane are shoulders that are not peak-shaped, and o-xylene is narrower than any
/// isothermal peak, so the targets are those of the best optimum a small grid of starts finds. With two joint-fit
/// starts: whole-run R² 0.99269 (one start: 0.99257), median per-peak 0.9901, every named peak ≥ 0.98 except
/// ethyl acetate 0.940, cyclohexane 0.935 and o-xylene 0.953; and the run is flagged temperature-programmed.
#[test]
fn solv001_reaches_the_best_optimum_with_two_joint_starts() {
    let options = RunFitOptions { joint_starts: 2, ..RunFitOptions::unknown_column() };
    let fit = solv001_check(&options, 0.99268, 0.99, 0.98, &["ETHYL ACETATE", "CYCLO-C6", "o-XYLENE"], 3.0);
    assert!(fit.temperature_programmed, "{:?}", fit.notes);
}

/// One start (the default, for speed): the figures it reaches.
#[test]
fn solv001_reaches_the_one_start_figures() {
    solv001_check(
        &RunFitOptions::unknown_column(),
        0.9925,
        0.989,
        0.98,
        &["ETHYL ACETATE", "CYCLO-C6", "o-XYLENE"],
        3.0,
    );
}

/// Noise-free isothermal BTEX is not flagged as temperature-programmed.
#[test]
fn noise_free_btex_is_not_flagged_temperature_programmed() {
    let t = btex_grid();
    let y = btex_signal(&t);
    let seeds = detect_seeds(&t, &y, &PeakFindOptions::default().with_noise_sd(1.0)).unwrap().seeds;
    let fit = fit_run(&t, &y, &Column::paper_btex(), &seeds, &RunFitOptions::known_column(), &mut NoObserver).unwrap();
    assert!(!fit.temperature_programmed, "{:?}", fit.notes);
}

fn solv001_check(
    options: &RunFitOptions,
    whole: f64,
    median_min: f64,
    each: f64,
    except: &[&str],
    apex_tol_s: f64,
) -> RunFit {
    let runs = elute::io::read_file(Path::new("tests/data/SOLV001.CDF")).unwrap();
    let run = &runs[0];
    let (t, y) = (&run.time_s, &run.signal);
    let mut seeds = detect_seeds(t, y, &PeakFindOptions::default()).unwrap().seeds;
    elute::fit::run::naming::name_from_peak_table(&mut seeds, &run.metadata.peaks, None);
    let fit = fit_run(t, y, &Column::default_preset(), &seeds, options, &mut NoObserver).unwrap();
    println!(
        "whole-run R² {:?}, t0 {:?}, t1 {:?}, tau {:?}, outer {:?} in {} evals, {:.3} s",
        fit.r2,
        fit.holdup_time,
        fit.injection,
        fit.inlet_tail,
        fit.outer_termination,
        fit.outer_evaluations,
        fit.elapsed_s
    );
    for p in &fit.peaks {
        println!(
            "{:>8.2} s  R² {:?}  ka {:.4e} kd {:.4e} mu {:.1} {:?} {:?}",
            p.retention_time_s, p.r2, p.ka_per_s, p.kd_per_s, p.mu, p.termination, p.error
        );
    }
    // t0 trades against every k_a: this run does not determine it, and the fit says so.
    let se_t0 = fit.holdup_time.se_s.unwrap_or(f64::INFINITY);
    assert!(se_t0 > 0.5 * fit.holdup_time.value_s, "t0 {:?}", fit.holdup_time);
    assert!(fit.notes.iter().any(|n| n.contains("t0 is not determined")), "{:?}", fit.notes);
    assert!(fit.r2.unwrap() >= whole, "whole-run R² {:?}", fit.r2);
    let mut r2: Vec<f64> = fit.peaks.iter().map(|p| p.r2.unwrap_or(0.0)).collect();
    r2.sort_by(f64::total_cmp);
    let median = r2[r2.len() / 2];
    assert!(median >= median_min, "median per-peak R² {median}");
    let table = &run.metadata.peaks;
    assert_eq!(table.len(), 13);
    for entry in table {
        let p = fit
            .peaks
            .iter()
            .min_by(|a, b| {
                (a.retention_time_s - entry.retention_time_s)
                    .abs()
                    .total_cmp(&(b.retention_time_s - entry.retention_time_s).abs())
            })
            .unwrap();
        assert!(
            (p.retention_time_s - entry.retention_time_s).abs() < apex_tol_s,
            "{}: nearest fitted apex {} s vs table {} s",
            entry.name,
            p.retention_time_s,
            entry.retention_time_s
        );
        if !except.contains(&entry.name.as_str()) {
            assert!(p.r2.unwrap_or(0.0) >= each, "{} ({} s): R² {:?}", entry.name, entry.retention_time_s, p.r2);
        }
    }
    fit
}

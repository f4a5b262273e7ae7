//! Extra peaks the user places, judged honestly (issue 12): a real shoulder peak is supported, a candidate under
//! a clean single peak is not, on seeded simulated runs and on SOLV001's clean peaks (acetone, MEK).
//!
//! The simulated runs: the paper's BTEX column (known, t0/t1/τ held), toluene as the large peak, a small peak of
//! 5–20 % of its height 0.7–1.5 σ after it with the same width, noise at 0.5 % of the tallest peak, 0.2 s
//! sampling. `ELUTE_ADDED_RUNS=N` sets the number of seeded runs (20 by default; 100 for the study).

use crate::fit_template::Rng;
use elute::chromatogram::Chromatogram;
use elute::fit::{CancelToken, NoObserver, Quality};
use elute::model::{Method, Peak, moments};
use elute::session::fitting::{self, FitRequest, Fitted};
use elute::session::{AddedPeak, Session};
use rayon::prelude::*;

fn runs() -> u64 {
    std::env::var("ELUTE_ADDED_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(20)
}

/// The run of `seed`: toluene, and (with `shoulder`) a smaller peak after it; the time where the user places a
/// candidate (the shoulder's mean, or as far after a lone toluene).
fn run(seed: u64, shoulder: bool) -> (Chromatogram, f64) {
    let column = Session::paper_btex().column;
    let big = Peak::paper_btex()[1].clone();
    let m = moments::moments(&column, &big);
    let sd_s = m.variance_s2.sqrt();
    let mut rng = Rng::new(seed);
    let offset = 0.7 + 0.8 * rng.uniform();
    let height = 0.05 + 0.15 * rng.uniform();
    let placed_s = m.mean_s + offset * sd_s;
    let mut peaks = vec![big.clone()];
    if shoulder {
        let (ka, kd) = moments::rates_from_moments(&column, placed_s, sd_s).expect("a retained peak");
        peaks.push(Peak::new("shoulder", ka, kd, big.area * height));
    }
    let truth = Session::new(column, peaks);
    let time_s: Vec<f64> =
        (0..=((30.0 * sd_s / 0.2) as usize)).map(|i| m.mean_s - 12.0 * sd_s + i as f64 * 0.2).collect();
    let sim = truth.simulate(&time_s, Method::Closed).unwrap();
    let tallest = sim.signal.iter().fold(0.0f64, |a, v| a.max(*v));
    let signal = sim.signal.iter().map(|v| v + 0.005 * tallest * rng.normal()).collect();
    (Chromatogram { time_s, signal, ..Default::default() }, placed_s)
}

/// The fit of `run` on the known column with a candidate at `placed_s`.
fn fit_with_candidate(run: &Chromatogram, request: FitRequest, placed_s: f64) -> Fitted {
    let request = FitRequest { added_peaks_s: vec![placed_s], ..request };
    fitting::fit(run, &request, &CancelToken::new(), &mut NoObserver).expect("a fit")
}

fn verdict(fitted: &Fitted) -> &AddedPeak {
    assert_eq!(fitted.added.len(), 1, "{:?}", fitted.fit.notes);
    &fitted.added[0]
}

fn share_supported(shoulder: bool) -> (f64, Vec<String>) {
    let known = FitRequest::template(Session::new(Session::paper_btex().column, Vec::new()));
    let verdicts: Vec<(bool, String)> = (0..runs())
        .into_par_iter()
        .map(|seed| {
            let (r, placed) = run(seed, shoulder);
            let fitted = fit_with_candidate(&r, known.clone(), placed);
            let v = verdict(&fitted);
            assert!(fitted.fit.peaks.iter().any(|p| p.name == v.name && p.quality == Quality::Added));
            assert!(fitted.fit.notes.iter().any(|n| n.contains(&v.name)), "the verdict is in the notes");
            (v.supported(), format!("seed {seed}: {}", v.describe()))
        })
        .collect();
    let share = verdicts.iter().filter(|v| v.0).count() as f64 / verdicts.len() as f64;
    eprintln!("shoulder {shoulder}: supported in {share} of {} runs", verdicts.len());
    (share, verdicts.into_iter().map(|v| v.1).collect())
}

#[test]
fn a_real_shoulder_peak_is_supported() {
    let (share, lines) = share_supported(true);
    assert!(share >= 0.9, "supported in {share}: {lines:#?}");
}

#[test]
fn a_candidate_under_a_clean_single_peak_is_not_supported() {
    let (share, lines) = share_supported(false);
    assert!(share <= 0.05, "supported in {share}: {lines:#?}");
}

/// SOLV001's methanol, acetone and MEK are clean single peaks; its residuals are shape misfit, strongly
/// correlated, and a candidate under their apex is not supported. For methanol the ΔBIC alone would say it is
/// (−32, 20 effective of 77 points: a slow second "site" fits the tail the model lacks); what decides is that it
/// sits on the apex. (A candidate on a flank, 0.6–1.5 σ away, is still judged supported on methanol, on acetone's
/// front at 0.6 σ and on MEK's tail at 0.6–1 σ.)
#[test]
fn candidates_under_solv001_clean_peaks_are_not_supported() {
    let run = elute::io::read_file(std::path::Path::new("tests/data/SOLV001.CDF")).unwrap().remove(0);
    let plain = fitting::fit(&run, &FitRequest::detect_on_preset(), &CancelToken::new(), &mut NoObserver).unwrap();
    for name in ["methanol", "acetone", "MEK"] {
        let p = plain.fit.peaks.iter().find(|p| p.name.eq_ignore_ascii_case(name)).unwrap_or_else(|| panic!("{name}"));
        let fitted = fit_with_candidate(&run, FitRequest::detect_on_preset(), p.retention_time_s);
        let v = verdict(&fitted);
        assert!(!v.supported() && v.coelutes(), "{name}: {}", v.describe());
        assert!(v.describe().contains("sits on the apex"), "{}", v.describe());
        assert!(v.evidence.is_some_and(|e| e.lag1_correlation > 0.1 && e.n_effective < 0.8 * e.n_points as f64));
    }
}

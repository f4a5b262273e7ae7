//! Bounded work (issue 14): hostile runs end with a fit or a clear message within a stated time (the watchdog in
//! [`elute`]; the README gives the figures), and no NaN or infinity reaches any output.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use super::robust_outside::elute;
use elute::fit::peaks::PeakFindOptions;

/// The time every case below must end within, on a loaded 2-core CI machine (the largest, 5 million points,
/// takes about 15 s there).
const LIMIT: Duration = Duration::from_secs(240);

/// Writes `time_s,signal` rows to `dir/name` and runs `elute fit` on it; returns (success, stdout, outputs).
fn fit_rows(dir: &Path, name: &str, rows: impl Iterator<Item = (f64, f64)>) -> (bool, String, String) {
    let mut text = String::from("time_s,signal\n");
    for (t, y) in rows {
        let _ = writeln!(text, "{t},{y}");
    }
    let file = dir.join(name);
    std::fs::write(&file, text).unwrap();
    let out_dir = dir.join(format!("{name}.out"));
    let out = elute(&["fit".as_ref(), file.as_os_str(), "--out".as_ref(), out_dir.as_os_str()], LIMIT);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut outputs = String::new();
    for entry in std::fs::read_dir(&out_dir).into_iter().flatten().flatten() {
        outputs += &std::fs::read_to_string(entry.path()).unwrap_or_default();
    }
    (out.status.success(), stdout, outputs)
}

/// No output holds a NaN or an infinity, in any spelling the writers use.
fn assert_finite_outputs(outputs: &str, case: &str) {
    for bad in ["NaN", "nan", "inf", "Infinity"] {
        assert!(!outputs.contains(bad), "{case}: `{bad}` in the output");
    }
}

/// Seeded uniform noise in [-0.5, 0.5) (the tests' shared generator).
fn noise(seed: u64) -> impl FnMut() -> f64 {
    let mut rng = crate::fit_template::Rng::new(seed);
    move || rng.uniform() - 0.5
}

fn gauss(t: f64, centre: f64, sd: f64) -> f64 {
    (-0.5 * ((t - centre) / sd).powi(2)).exp()
}

#[test]
fn five_million_points_fit() {
    let dir = tempfile::tempdir().unwrap();
    let mut rnd = noise(5);
    let rows = (0..5_000_000).map(|i| {
        let t = i as f64 * 1e-3;
        let y: f64 = [500.0, 1500.0, 2500.0, 3500.0, 4500.0].iter().map(|&c| 1000.0 * gauss(t, c, 3.0)).sum();
        (t, y + rnd())
    });
    let (ok, stdout, outputs) = fit_rows(dir.path(), "five_million.csv", rows);
    assert!(ok, "{stdout}");
    assert!(stdout.contains("5 peaks"), "{stdout}");
    assert_finite_outputs(&outputs, "5 million points");
}

#[test]
fn constant_noise_spike_and_tiny_runs_end_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let grid = |n: usize| (0..n).map(|i| i as f64 * 0.1);
    let (ok, stdout, outputs) = fit_rows(dir.path(), "constant.csv", grid(5000).map(|t| (t, 42.0)));
    assert!(!ok && stdout.contains("no peaks"), "constant: {stdout}");
    assert_finite_outputs(&outputs, "constant");

    let mut rnd = noise(7);
    let (_, stdout, outputs) = fit_rows(dir.path(), "noise.csv", grid(5000).map(|t| (t, rnd())));
    assert!(stdout.contains("noise.csv"), "noise: {stdout}");
    assert_finite_outputs(&outputs, "noise");

    let spike = grid(5000).map(|t| (t, if (t - 250.0).abs() < 0.05 { 1000.0 } else { 0.0 }));
    let (_, stdout, outputs) = fit_rows(dir.path(), "spike.csv", spike);
    assert!(stdout.contains("spike.csv"), "spike: {stdout}");
    assert_finite_outputs(&outputs, "spike");

    let (ok, stdout, _) = fit_rows(dir.path(), "three.csv", grid(3).map(|t| (t, t)));
    assert!(!ok && stdout.contains("error"), "3 points: {stdout}");
}

#[test]
fn nan_duplicate_times_and_extreme_values_are_refused_by_the_reader() {
    let dir = tempfile::tempdir().unwrap();
    let peak = |t: f64| 100.0 * gauss(t, 50.0, 2.0);
    let grid = || (0..1000).map(|i| i as f64 * 0.1);
    let nan = grid().map(|t| (t, if (t - 30.0).abs() < 0.05 { f64::NAN } else { peak(t) }));
    let (ok, stdout, _) = fit_rows(dir.path(), "nan.csv", nan);
    assert!(!ok && stdout.contains("NaN or infinite at line"), "NaN: {stdout}");
    let duplicated = grid().flat_map(|t| [(t, peak(t)), (t, peak(t))]);
    let (ok, stdout, _) = fit_rows(dir.path(), "duplicated.csv", duplicated);
    assert!(!ok && stdout.contains("not increasing"), "duplicated times: {stdout}");
    let (ok, stdout, _) = fit_rows(dir.path(), "flat1e300.csv", grid().map(|t| (t, 1e300)));
    assert!(!ok && stdout.contains("plausible"), "1e300: {stdout}");
}

#[test]
fn a_signal_scaled_to_1e_minus_300_is_refused_not_fitted_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let rows = (0..3000).map(|i| {
        let t = i as f64 * 0.1;
        (t, 1e-300 * (1000.0 * gauss(t, 100.0, 2.0) + 1000.0 * gauss(t, 200.0, 3.0)))
    });
    let (ok, stdout, outputs) = fit_rows(dir.path(), "tiny.csv", rows);
    assert!(!ok, "{stdout}");
    assert!(stdout.contains("would underflow"), "{stdout}");
    assert!(!outputs.contains("exact fit"), "{outputs}");
}

/// `n` equal Gaussian peaks 10 s apart at 10 Hz, with unit noise under peaks of height 1000.
fn many_peaks(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut rnd = noise(11);
    let t: Vec<f64> = (0..(n + 2) * 100).map(|i| i as f64 * 0.1).collect();
    let y = t
        .iter()
        .map(|&t| {
            let k = (t / 10.0).round();
            let near = if k >= 1.0 && k <= n as f64 { 1000.0 * gauss(t, 10.0 * k, 0.8) } else { 0.0 };
            near + rnd()
        })
        .collect();
    (t, y)
}

#[test]
fn the_detection_cap_rises_for_strong_peaks_and_says_when_it_binds() {
    use elute::fit::{detect_seeds, run::MAX_DETECTED_PEAKS};
    let (t, y) = many_peaks(120);
    let d = detect_seeds(&t, &y, &PeakFindOptions::default()).unwrap();
    assert_eq!(d.seeds.len(), 120, "{:?}", d.notes);
    assert!(d.notes.iter().any(|n| n.contains("raised to 120")), "{:?}", d.notes);
    let (t, y) = many_peaks(MAX_DETECTED_PEAKS + 50);
    let d = detect_seeds(&t, &y, &PeakFindOptions::default()).unwrap();
    assert_eq!(d.seeds.len(), MAX_DETECTED_PEAKS);
    assert!(d.notes.iter().any(|n| n.contains("most prominent are fitted")), "{:?}", d.notes);
    // Pure noise has no strong candidates: the cap stays, and no note claims peaks.
    let mut rnd = noise(3);
    let t: Vec<f64> = (0..20_000).map(|i| i as f64 * 0.05).collect();
    let y: Vec<f64> = t.iter().map(|_| rnd()).collect();
    let d = detect_seeds(&t, &y, &PeakFindOptions::default()).unwrap();
    assert!(d.seeds.len() <= 50, "{}", d.seeds.len());
    assert!(!d.notes.iter().any(|n| n.contains("raised")), "{:?}", d.notes);
}

#[test]
fn huge_sessions_and_simulations_are_bounded_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut session = elute::session::Session::paper_btex();
    let peak = session.peaks[0].clone();
    session.peaks = vec![peak; elute::session::MAX_PEAKS + 1];
    let path = dir.path().join("huge.elute.json");
    std::fs::write(&path, elute::session::to_json(&session)).unwrap();
    let e = elute::session::load(&path).unwrap_err().to_string();
    assert!(e.contains("more than the limit of 10000"), "{e}");
    // 20 million samples of 4 peaks would be 100 million values in memory: refused before any is computed.
    let btex = dir.path().join("btex.elute.json");
    elute::session::save(&elute::session::Session::paper_btex(), &btex).unwrap();
    let out = elute(
        &[
            "simulate".as_ref(),
            btex.as_os_str(),
            "--from=0".as_ref(),
            "--to=1999999".as_ref(),
            "--step=0.1".as_ref(),
            "--out".as_ref(),
            dir.path().join("sim.csv").as_os_str(),
        ],
        Duration::from_secs(30),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("more than the limit of 50000000"), "{err}");
}

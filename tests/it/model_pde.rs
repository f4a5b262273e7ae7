//! The PDE solver against the independent reference curves (tests/reference, closed form with D = 0).

use std::path::PathBuf;
use std::time::Instant;

use elute::model::pde::{self, PdeOptions, Scheme};
use elute::model::{Column, Peak};

struct Case {
    column: Column,
    peak: Peak,
    times_s: Vec<f64>,
    reference: Vec<f64>,
}

fn reference_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference")
}

/// Loads a case of cases.json and its CSV; the peak's area is r·t1, so y = c/c0.
fn load_case(name: &str) -> Case {
    let text = std::fs::read_to_string(reference_dir().join("cases.json")).expect("cases.json");
    let cases: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let case = cases.as_array().unwrap().iter().find(|c| c["case"] == name).expect("case present");
    let column: Column = serde_json::from_value(case["column"].clone()).expect("valid column");
    let area = column.pressure_ratio() * column.injection_s();
    let peak = Peak::new(name, case["ka_per_s"].as_f64().unwrap(), case["kd_per_s"].as_f64().unwrap(), area);
    let csv = std::fs::read_to_string(reference_dir().join(format!("{name}.csv"))).expect("reference CSV");
    let (mut times_s, mut reference) = (Vec::new(), Vec::new());
    for line in csv.lines().skip(1) {
        let (t, c) = line.split_once(',').expect("two columns");
        times_s.push(t.trim().parse::<f64>().unwrap());
        reference.push(c.trim().parse::<f64>().unwrap());
    }
    Case { column, peak, times_s, reference }
}

fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

fn peak_height(v: &[f64]) -> f64 {
    v.iter().copied().fold(0.0, f64::max)
}

/// Max error relative to peak height, and the run time in s.
fn run(case: &Case, options: &PdeOptions) -> (f64, f64) {
    let start = Instant::now();
    let y = pde::peak_signal(&case.column, &case.peak, &case.times_s, options).expect("solves");
    let secs = start.elapsed().as_secs_f64();
    (max_abs_diff(&y, &case.reference) / peak_height(&case.reference), secs)
}

/// The kinetic time step barely matters: Δt·(αk_a + k_d) = 0.5 and 2 give the same curve (the error is spatial).
#[test]
fn kinetic_time_step_is_not_the_accuracy_limit() {
    let case = load_case("btex-toluene");
    let options = PdeOptions::default().with_cells(500).with_diffusion(false);
    let fine = pde::peak_signal(&case.column, &case.peak, &case.times_s, &options.clone().with_kinetic_step(0.5));
    let coarse = pde::peak_signal(&case.column, &case.peak, &case.times_s, &options.with_kinetic_step(2.0));
    let gap = max_abs_diff(&fine.unwrap(), &coarse.unwrap()) / peak_height(&case.reference);
    println!("toluene, 500 cells: kinetic step 0.5 vs 2 differ by {gap:.3e} of peak height");
    assert!(gap < 1e-4, "{gap}");
}

/// Grid study on the most retained analyte (diagnostic; prints; run in release).
#[test]
#[ignore]
fn grid_study_o_xylene() {
    let case = load_case("btex-o-xylene");
    for cells in [1000, 1500, 2000] {
        let o = PdeOptions::default().with_cells(cells);
        let (err, secs) = run(&case, &o);
        let (err0, secs0) = run(&case, &o.with_diffusion(false));
        println!("o-xylene, {cells} cells: with D gap {err:.3e} ({secs:.2} s); D = 0 gap {err0:.3e} ({secs0:.2} s)");
    }
}

/// Trapezoid integral of `y` over `t`.
fn integral(t: &[f64], y: &[f64]) -> f64 {
    t.windows(2).zip(y.windows(2)).map(|(t, y)| 0.5 * (t[1] - t[0]) * (y[0] + y[1])).sum()
}

/// Without diffusion the solver converges to the closed form at order ≥ 2 (three grids, Δτ halved each time).
#[test]
fn converges_to_the_closed_form_without_diffusion() {
    let case = load_case("btex-benzene");
    let errors: Vec<f64> = [150, 300, 600]
        .iter()
        .map(|&cells| run(&case, &PdeOptions::default().with_cells(cells).with_diffusion(false)).0)
        .collect();
    let orders: Vec<f64> = errors.windows(2).map(|e| (e[0] / e[1]).log2()).collect();
    println!("benzene, D = 0, errors {errors:?}, observed orders {orders:.2?}");
    assert!(orders.iter().all(|&p| p >= 2.0), "errors {errors:?}, orders {orders:?}");
    assert!(errors[2] < 1e-3, "{errors:?}");
}

/// The κ = 1/3 scheme of the note converges too, at order ≥ 2.
#[test]
fn third_order_scheme_converges_too() {
    let case = load_case("btex-benzene");
    let errors: Vec<f64> = [200, 400, 800]
        .iter()
        .map(|&cells| {
            let options = PdeOptions::default().with_cells(cells).with_diffusion(false).with_scheme(Scheme::Upwind3);
            run(&case, &options).0
        })
        .collect();
    let orders: Vec<f64> = errors.windows(2).map(|e| (e[0] / e[1]).log2()).collect();
    println!("benzene, D = 0, κ = 1/3: errors {errors:?}, observed orders {orders:.2?}");
    assert!(orders.iter().all(|&p| p >= 2.0), "errors {errors:?}, orders {orders:?}");
}

/// With the paper's D0 = 2.5e-6 m²/s, the default grid stays within 2e-3 of peak height of the closed form.
#[test]
fn with_diffusion_stays_close_to_the_closed_form() {
    for name in ["btex-benzene", "btex-toluene"] {
        let case = load_case(name);
        assert_eq!(case.column.diffusion_m2_s(), 2.5e-6);
        let (err, secs) = run(&case, &PdeOptions::default());
        println!("{name}: max gap {err:.3e} of peak height ({secs:.2} s)");
        assert!(err < 2e-3, "{name}: {err}");
        // Diffusion is a real (small) effect: the D = 0 solution is closer to the closed form.
        let (err0, _) = run(&case, &PdeOptions::default().with_diffusion(false));
        assert!(err0 < err, "{name}: D = 0 gap {err0} vs {err}");
    }
}

/// All five BTEX analytes at the default grid (slow in the dev profile; run in release).
#[test]
#[ignore]
fn all_btex_analytes_with_diffusion() {
    for name in ["btex-benzene", "btex-toluene", "btex-ethylbenzene", "btex-pm-xylene", "btex-o-xylene"] {
        let case = load_case(name);
        let (err, secs) = run(&case, &PdeOptions::default());
        let (err0, secs0) = run(&case, &PdeOptions::default().with_diffusion(false));
        println!("{name}: with D gap {err:.3e} ({secs:.2} s); D = 0 gap {err0:.3e} ({secs0:.2} s)");
        assert!(err < 2e-3, "{name}: {err}");
    }
}

/// ∫ y dt = A (the scheme conserves mass; the outlet flux carries it out), with and without diffusion.
#[test]
fn outlet_signal_integrates_to_the_area() {
    let mut case = load_case("btex-benzene");
    case.peak.area = 1234.5;
    for diffusion in [true, false] {
        let options = PdeOptions::default().with_cells(400).with_diffusion(diffusion);
        let y = pde::peak_signal(&case.column, &case.peak, &case.times_s, &options).unwrap();
        let area = integral(&case.times_s, &y);
        assert!((area / 1234.5 - 1.0).abs() < 1e-5, "diffusion {diffusion}: {area}");
    }
}

/// An inlet tail τ = 2.5 s reproduces the independent tail reference (D = 0), and keeps the area.
#[test]
fn inlet_tail_matches_its_reference() {
    let case = load_case("btex-toluene-inlet-tail-2.5s");
    assert_eq!(case.column.inlet_tail_s(), 2.5);
    let options = PdeOptions::default().with_cells(600).with_diffusion(false);
    let (err, _) = run(&case, &options);
    println!("toluene with τ = 2.5 s, D = 0, 600 cells: max gap {err:.3e} of peak height");
    assert!(err < 1e-3, "{err}");
    // Without the tail the curve is clearly different (the test sees the tail).
    let plain = Case { column: case.column.with_inlet_tail_s(0.0).unwrap(), ..case };
    assert!(run(&plain, &options).0 > 2e-2);
}

/// A column known only by its hold-up time runs at constant velocity over the nominal length, and without
/// diffusion matches the constant-velocity reference whatever that length.
#[test]
fn holdup_time_column_matches_the_constant_velocity_reference() {
    let case = load_case("toluene-constant-velocity");
    let t0 = case.column.holdup_time_s();
    let holdup = Column::from_holdup(t0, case.column.phase_ratio(), case.column.injection_s()).unwrap();
    let options = PdeOptions::default().with_cells(500).with_diffusion(false);
    let y = pde::peak_signal(&holdup, &case.peak, &case.times_s, &options).unwrap();
    let err = max_abs_diff(&y, &case.reference) / peak_height(&case.reference);
    assert!(err < 2e-3, "{err}");
    // With diffusion over the nominal 1 m the result still runs and keeps the area.
    let y = pde::peak_signal(&holdup, &case.peak, &case.times_s, &options.with_diffusion(true)).unwrap();
    assert!((integral(&case.times_s, &y) / case.peak.area - 1.0).abs() < 1e-5);
}

/// The profile c(x, t)/c0: the band moves down the column, and its last cell meets the outlet signal.
#[test]
fn profiles_show_the_band_moving_and_meet_the_outlet() {
    let case = load_case("btex-benzene");
    let options = PdeOptions::default().with_cells(400);
    let times = [30.0, 60.0, 119.0];
    let profiles = pde::solve_profiles(&case.column, &case.peak, &times, &options).unwrap();
    assert_eq!(profiles.x_m.len(), 400);
    assert!((profiles.x_m[399] - 20.0).abs() < 0.1 && profiles.x_m[0] > 0.0);
    let argmax = |v: &[f64]| (0..v.len()).max_by(|&a, &b| v[a].total_cmp(&v[b])).unwrap();
    let apex: Vec<usize> = profiles.c_over_c0.iter().map(|p| argmax(p)).collect();
    assert!(apex[0] < apex[1] && apex[1] < apex[2], "{apex:?}");
    let outlet = pde::outlet_concentration(&case.column, &case.peak, &[119.0], &options).unwrap()[0];
    // The last cell centre sits half a cell upstream, where the amplitude factor p/p0 is ~2.5% higher.
    let last = profiles.c_over_c0[2][399];
    assert!(last > outlet && last < 1.04 * outlet, "{last} vs {outlet}");
}

#[test]
fn rejects_bad_options_and_oversized_grids() {
    let case = load_case("btex-benzene");
    for options in [
        PdeOptions::default().with_cells(5),
        PdeOptions::default().with_cfl(0.0),
        PdeOptions::default().with_cfl(f64::NAN),
        PdeOptions::default().with_kinetic_step(3.0),
    ] {
        assert!(pde::peak_signal(&case.column, &case.peak, &case.times_s, &options).is_err());
    }
    let extreme = load_case("extreme-mu1e6");
    let err = pde::peak_signal(&extreme.column, &extreme.peak, &extreme.times_s, &PdeOptions::default());
    let message = err.unwrap_err().to_string();
    assert!(message.contains("cap"), "{message}");
    assert!(pde::peak_signal(&case.column, &case.peak, &[], &PdeOptions::default()).is_err());
    // Times before the injection give 0; the dispatch through model::peak_signal reaches the solver.
    let y = pde::peak_signal(&case.column, &case.peak, &[-5.0, 0.0], &PdeOptions::default()).unwrap();
    assert_eq!(y, vec![0.0, 0.0]);
}

/// μ ≈ 3: a fifth of the molecules never adsorb and arrive as a sharp rectangle (jumps at t0 and t0 + t1).
/// Through the `Method::Pde` dispatch (default options), the curve matches away from the two jumps, and the
/// smeared jumps keep the area.
#[test]
fn weak_retention_with_the_unadsorbed_rectangle() {
    let case = load_case("short-column-mu3");
    let column = case.column.with_diffusion_m2_s(0.0).unwrap();
    let y = elute::model::peak_signal(&column, &case.peak, &case.times_s, elute::model::Method::Pde).unwrap();
    let direct = pde::peak_signal(&column, &case.peak, &case.times_s, &PdeOptions::default()).unwrap();
    assert_eq!(y, direct);
    let (t0, t1) = (column.holdup_time_s(), column.injection_s());
    let height = peak_height(&case.reference);
    let far = |t: f64| (t - t0).abs() > 0.05 && (t - t0 - t1).abs() > 0.05;
    let err =
        (0..y.len()).filter(|&i| far(case.times_s[i])).map(|i| (y[i] - case.reference[i]).abs()).fold(0.0, f64::max)
            / height;
    let near = max_abs_diff(&y, &case.reference) / height;
    println!("μ ≈ 3: gap {err:.3e} of peak height away from the jumps, {near:.3e} at them");
    assert!(err < 1e-4, "{err}");
    let area = integral(&case.times_s, &y);
    assert!((area / case.peak.area - 1.0).abs() < 1e-3, "{area} vs {}", case.peak.area);
}

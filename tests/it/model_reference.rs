//! The closed-form engine against the independent reference curves of tests/reference (scipy Skellam CDF,
//! checked against quadrature and de Hoog inversion; the inlet-tail case by quadrature of the convolution).

use elute::model::{Column, Peak, closed};
use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    case: String,
    column: Column,
    ka_per_s: f64,
    kd_per_s: f64,
    time_grid_s: [f64; 3],
    derived: Derived,
}

#[derive(Deserialize)]
struct Derived {
    r: f64,
    t0_s: f64,
    mu: f64,
}

fn reference_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference")
}

fn read_curve(name: &str) -> (Vec<f64>, Vec<f64>) {
    let path = reference_dir().join(format!("{name}.csv"));
    let mut rdr = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (mut t, mut c) = (Vec::new(), Vec::new());
    for rec in rdr.records() {
        let rec = rec.unwrap();
        t.push(rec[0].parse::<f64>().unwrap());
        c.push(rec[1].parse::<f64>().unwrap());
    }
    (t, c)
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(reference_dir().join("cases.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn every_reference_curve_is_reproduced_to_1e_10_of_its_peak() {
    let cases = cases();
    assert_eq!(cases.len(), 12);
    let mut report = String::new();
    for c in &cases {
        let col = &c.column;
        assert!((col.holdup_time_s() - c.derived.t0_s).abs() < 1e-9 * c.derived.t0_s, "{}: t0", c.case);
        assert!((col.mu(c.ka_per_s) - c.derived.mu).abs() < 1e-9 * c.derived.mu, "{}: mu", c.case);
        let (t, reference) = read_curve(&c.case);
        let n_expected = ((c.time_grid_s[1] - c.time_grid_s[0]) / c.time_grid_s[2]).round() as usize + 1;
        assert_eq!(t.len(), n_expected, "{}: grid length", c.case);
        let peak = Peak::new(&c.case, c.ka_per_s, c.kd_per_s, c.derived.r * col.injection_s());
        let y = closed::peak_signal(col, &peak, &t);
        let height = reference.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let err = y.iter().zip(&reference).fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        report.push_str(&format!(
            "{:32} mu {:>12.6e}  max|y - ref|/peak = {:.2e}\n",
            c.case,
            c.derived.mu,
            err / height
        ));
        assert!(err <= 1e-10 * height, "{}: max error {err:e} vs peak {height:e}", c.case);
        // The same curve on an irregular subset of the grid (every sample whose index is not a multiple of 7).
        let (ts, rs): (Vec<f64>, Vec<f64>) =
            t.iter().zip(&reference).enumerate().filter(|(i, _)| i % 7 != 3).map(|(_, (a, b))| (*a, *b)).unzip();
        let ys = closed::peak_signal(col, &peak, &ts);
        let err = ys.iter().zip(&rs).fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        assert!(err <= 1e-10 * height, "{} (irregular grid): max error {err:e}", c.case);
    }
    println!("{report}");
}

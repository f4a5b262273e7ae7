//! `elute simulate`: the CSV it writes, and clear refusals of bad input (never a panic).

use std::path::Path;
use std::process::Command;

use elute::session::{self, Session};

fn elute() -> Command {
    Command::new(env!("CARGO_BIN_EXE_elute"))
}

fn write_session(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn simulate_writes_time_signal_and_one_column_per_peak() {
    let dir = tempfile::tempdir().unwrap();
    let s = Session::paper_btex();
    let path = write_session(dir.path(), "btex.json", &session::to_json(&s));
    let out = dir.path().join("out.csv");
    let st = elute()
        .args(["simulate", path.to_str().unwrap(), "--from", "0", "--to", "700", "--step", "0.1", "--out"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());
    let mut rdr = csv::Reader::from_path(&out).unwrap();
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, ["time_s", "signal", "benzene", "toluene", "ethylbenzene", "p/m-xylene", "o-xylene"]);
    let rows: Vec<Vec<f64>> =
        rdr.records().map(|r| r.unwrap().iter().map(|v| v.parse::<f64>().unwrap()).collect()).collect();
    assert_eq!(rows.len(), 7001);
    let baseline = s.baseline.as_ref().unwrap().value_at(0.0);
    for r in &rows {
        let sum: f64 = r[2..].iter().sum();
        assert!((r[1] - baseline - sum).abs() < 1e-9 * r[1].abs().max(1.0));
    }
    // Each peak column integrates to the peak's area (trapezoid on a 0.1 s grid is plenty here).
    for (j, peak) in s.peaks.iter().enumerate() {
        let area: f64 = rows.windows(2).map(|w| 0.5 * (w[0][2 + j] + w[1][2 + j]) * (w[1][0] - w[0][0])).sum();
        assert!((area - peak.area).abs() < 1e-3 * peak.area, "{}: {area} vs {}", peak.name, peak.area);
    }
}

#[test]
fn simulate_to_stdout_with_each_method_on_a_short_grid() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Session::paper_btex();
    s.peaks.truncate(1);
    let path = write_session(dir.path(), "one.json", &session::to_json(&s));
    for method in ["closed", "quadrature"] {
        let out = elute()
            .args([
                "simulate",
                path.to_str().unwrap(),
                "--from",
                "100",
                "--to",
                "140",
                "--step",
                "1",
                "--method",
                method,
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{method}: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(text.lines().count(), 42, "{method}");
        assert!(text.starts_with("time_s,signal,benzene\n"));
    }
}

#[test]
fn bad_input_exits_nonzero_naming_the_field_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = session::to_json(&Session::paper_btex());
    let cases = [
        ("neg-length.json", good.replace("\"length_m\": 20.0", "\"length_m\": -20.0"), "length_m"),
        ("zero-length.json", good.replace("\"length_m\": 20.0", "\"length_m\": 0.0"), "length_m"),
        (
            "outlet.json",
            good.replace("\"outlet_pressure_pa\": 101300.0", "\"outlet_pressure_pa\": 501300.0"),
            "outlet_pressure_pa",
        ),
        ("zero-t1.json", good.replace("\"injection_s\": 4.0", "\"injection_s\": 0.0"), "injection_s"),
        ("nan.json", good.replace("\"ka_per_s\": 579.0", "\"ka_per_s\": NaN"), "line"),
        ("missing.json", good.lines().filter(|l| !l.contains("radius_m")).collect::<Vec<_>>().join("\n"), "radius_m"),
        ("misspelt.json", good.replace("\"kd_per_s\"", "\"kdd_per_s\""), "kdd_per_s"),
        ("newer.json", good.replace("\"version\": 1", "\"version\": 7"), "newer"),
    ];
    for (name, text, needle) in cases {
        assert_ne!(text, good, "{name}: the replacement did not apply");
        let path = write_session(dir.path(), name, &text);
        let out = elute()
            .args(["simulate", path.to_str().unwrap(), "--from", "0", "--to", "10", "--step", "1"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains(needle) && err.contains(name), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
    let missing =
        elute().args(["simulate", "/nonexistent/x.json", "--from", "0", "--to", "1", "--step", "1"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/x.json"));
    let path = write_session(dir.path(), "ok.json", &good);
    // A zero or negative step, or a range that runs backwards, is refused with a message that says so (a negative
    // step once reached the argument parser as "unexpected argument '-0'").
    for (from, to, step, needle) in [
        ("0", "1", "0", "--step must be a finite number of seconds greater than 0 (got 0 s)"),
        ("0", "1", "-0.5", "--step must be a finite number of seconds greater than 0 (got -0.5 s)"),
        ("0", "1", "-0", "--step must be a finite number of seconds greater than 0"),
        ("10", "1", "0.5", "--to (1 s) is before --from (10 s)"),
    ] {
        let out = elute()
            .args(["simulate", path.to_str().unwrap(), "--from", from, "--to", to, "--step", step])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{from} {to} {step}: {err}");
        assert!(err.contains(needle), "{from} {to} {step}: {err}");
    }
}

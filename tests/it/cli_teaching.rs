//! `elute profile` and `elute vandeemter`: the CSV they write against the model, and clear refusals.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use elute::model::{Column, Peak, closed, van_deemter};
use elute::session::{self, Session};

fn elute(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_elute")).args(args).output().unwrap()
}

fn btex_session(dir: &Path) -> PathBuf {
    let p = dir.join("btex.json");
    std::fs::write(&p, session::to_json(&Session::paper_btex())).unwrap();
    p
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let header = rdr.headers().unwrap().iter().map(String::from).collect();
    let rows = rdr.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect();
    (header, rows)
}

#[test]
fn profile_writes_the_carrier_and_each_bands_gas_and_film() {
    let dir = tempfile::tempdir().unwrap();
    let session = btex_session(dir.path());
    let out = dir.path().join("profile.csv");
    let o = elute(&[
        "profile",
        session.to_str().unwrap(),
        "--at",
        "230",
        "--points",
        "201",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (header, rows) = read_csv(&out);
    assert_eq!(&header[..5], ["x_m", "pressure_pa", "velocity_m_s", "benzene_gas", "benzene_film"]);
    assert_eq!(header.len(), 3 + 2 * 5);
    assert_eq!(rows.len(), 201);
    let num = |s: &str| s.parse::<f64>().unwrap();
    assert_eq!(num(&rows[0][0]), 0.0);
    assert!((num(&rows[200][0]) - 20.0).abs() < 1e-12);
    assert!((num(&rows[0][1]) - 4.01e5).abs() < 1e-6 && (num(&rows[200][1]) - 1.013e5).abs() < 1e-6);
    assert!((num(&rows[0][2]) - 0.41).abs() < 1e-12);
    // At the outlet the toluene gas column is the outlet curve c(L, t)/c0 (a peak of area r·t1), at 230 s.
    let col = Column::paper_btex();
    let toluene = Peak { area: col.pressure_ratio() * col.injection_s(), ..Peak::paper_btex()[1].clone() };
    let outlet = closed::peak_signal(&col, &toluene, &[230.0])[0];
    assert!(outlet > 0.01 && (num(&rows[200][5]) - outlet).abs() < 1e-12, "{} vs {outlet}", rows[200][5]);
}

#[test]
fn vandeemter_writes_the_plate_height_and_its_terms() {
    let dir = tempfile::tempdir().unwrap();
    let session = btex_session(dir.path());
    let out = dir.path().join("vd.csv");
    let args = ["vandeemter", session.to_str().unwrap(), "--peak", "toluene", "--from", "0.02", "--to", "0.5"];
    let o = elute(&[&args[..], &["--points", "13", "--out", out.to_str().unwrap()]].concat());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (header, rows) = read_csv(&out);
    assert_eq!(
        header,
        ["inlet_velocity_m_s", "plate_height_m", "b_term_m", "c_term_m", "extra_column_m", "retention_time_s"]
    );
    assert_eq!(rows.len(), 13);
    let expect = van_deemter::at_velocity(&Column::paper_btex(), &Peak::paper_btex()[1], 0.5).unwrap();
    let last: Vec<f64> = rows[12].iter().map(|v| v.parse().unwrap()).collect();
    assert_eq!(last[0], 0.5);
    assert_eq!(last[1], expect.plate_height_m);
    assert_eq!(last[5], expect.retention_time_s);
    assert!((last[2] + last[3] + last[4] - last[1]).abs() < 1e-15);
    // To standard output when --out is absent.
    let o = elute(&args);
    assert!(o.status.success());
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 101);
}

#[test]
fn bad_teaching_input_gets_a_clear_message_and_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let session = btex_session(dir.path());
    let s = session.to_str().unwrap();
    let holdup = dir.path().join("holdup.json");
    let mut h = Session::paper_btex();
    h.column = Column::default_preset();
    std::fs::write(&holdup, session::to_json(&h)).unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["profile", s, "--at", "-1"], "--at must be a time of 0 s or later"),
        (vec!["profile", s, "--at", "10", "--points", "1"], "--points"),
        (vec!["vandeemter", s, "--peak", "xylene", "--from", "0.1", "--to", "1"], "toluene"),
        (vec!["vandeemter", s, "--peak", "toluene", "--from", "0", "--to", "1"], "--from must be a velocity"),
        (vec!["vandeemter", s, "--peak", "toluene", "--from", "-0.1", "--to", "1"], "--from"),
        (vec!["vandeemter", s, "--peak", "toluene", "--from", "0.5", "--to", "0.1"], "--to"),
        (vec!["vandeemter", holdup.to_str().unwrap(), "--peak", "toluene", "--from", "0.1", "--to", "1"], "geometry"),
    ];
    for (args, needle) in cases {
        let o = elute(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    // A hold-up-time column has no length: the profile is along x/L, without pressure or velocity.
    let o = elute(&["profile", holdup.to_str().unwrap(), "--at", "30", "--points", "3"]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("x_fraction,pressure_pa,velocity_m_s,benzene_gas"));
    assert!(lines.next().unwrap().starts_with("0,,,"), "{text}");
}

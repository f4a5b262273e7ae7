//! `elute fit`: sessions that load and re-simulate the fitted curve, a peak table with units, and a bad file
//! among good ones (non-zero exit, the others still written).

use std::process::Command;

use elute::model::Method;
use elute::session;

#[test]
fn fit_writes_sessions_and_a_peak_table_and_reports_failures() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.cdf");
    std::fs::write(&bad, b"CDF\x01 this is not a netCDF file").unwrap();
    let out = dir.path().join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_elute"))
        .args(["fit", "tests/data/SOLV001.CDF"])
        .arg(&bad)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    assert!(!output.status.success(), "a bad file must make the exit code non-zero");
    assert!(stdout.contains("broken.cdf: error"), "{stdout}");

    // The session loads and re-simulates to the curve the fit reported (its R² against the data).
    let s = session::load(&out.join("SOLV001.elute.json")).unwrap();
    let run = s.run.as_ref().unwrap();
    assert_eq!(run.channel, 1);
    // The session in --out finds its run again (the run was named relative to the working directory).
    match session::open::open_path(&out.join("SOLV001.elute.json")).unwrap() {
        session::open::Opened::Session { run: Some(r), warning: None, .. } => assert_eq!(r.chromatogram().len(), 1200),
        other => panic!("the session opened without its run: {other:?}"),
    }
    let bytes = std::fs::read("tests/data/SOLV001.CDF").unwrap();
    assert_eq!(run.sha256, session::sha256_hex(&bytes));
    assert_eq!(s.peaks.len(), 13);
    let data = &elute::io::read_file(std::path::Path::new("tests/data/SOLV001.CDF")).unwrap()[0];
    let sim = s.simulate(&data.time_s, Method::Closed).unwrap();
    let mean = data.signal.iter().sum::<f64>() / data.signal.len() as f64;
    let sse: f64 = sim.signal.iter().zip(&data.signal).map(|(a, b)| (a - b).powi(2)).sum();
    let sst: f64 = data.signal.iter().map(|v| (v - mean).powi(2)).sum();
    let fit = s.fit.as_ref().unwrap();
    assert!((sse - fit.sse).abs() <= 1e-9 * fit.sse, "re-simulated SSE {sse} vs fitted {}", fit.sse);
    assert!((1.0 - sse / sst - fit.r2.unwrap()).abs() < 1e-12);
    assert!(fit.r2.unwrap() > 0.98);

    // The peak table: one row per peak, units in the header, numbers parse.
    let mut rdr = csv::Reader::from_path(out.join("peaks.csv")).unwrap();
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    for col in ["retention_time_s", "ka_per_s", "ka_se_per_s", "kd_per_s", "kd_se_per_s", "area", "r2"] {
        assert!(header.iter().any(|h| h == col), "missing column {col}: {header:?}");
    }
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 13);
    let idx = |name: &str| header.iter().position(|h| h == name).unwrap();
    // Detected peaks carry the names of the file's own peak table (13 entries, METHANOL … o-XYLENE), each
    // within a few seconds of the table's retention time.
    for entry in &data.metadata.peaks {
        let row = rows.iter().find(|r| &r[idx("peak")] == entry.name.as_str());
        let row = row.unwrap_or_else(|| panic!("no row named {}", entry.name));
        let t: f64 = row[idx("retention_time_s")].parse().unwrap();
        assert!((t - entry.retention_time_s).abs() < 3.0, "{}: {t} s vs {} s", entry.name, entry.retention_time_s);
    }
    for r in &rows {
        for col in ["retention_time_s", "ka_per_s", "kd_per_s", "r2"] {
            let v: f64 = r[idx(col)].parse().unwrap();
            assert!(v.is_finite());
        }
    }
}

fn elute_fit(args: &[&str]) -> (std::process::Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let output =
        Command::new(env!("CARGO_BIN_EXE_elute")).arg("fit").args(args).arg("--out").arg(dir.path()).output().unwrap();
    (output, dir)
}

/// `session` simulated noise-free on a 0.2 s grid over 0–700 s, written as a two-column CSV in `dir`.
fn simulated_csv(session: &session::Session, dir: &std::path::Path) -> std::path::PathBuf {
    let t: Vec<f64> = (0..=3500).map(|i| i as f64 * 0.2).collect();
    let sim = session.simulate(&t, Method::Closed).unwrap();
    let run = dir.join("btex.csv");
    let text: String = std::iter::once("time (s),signal\n".to_string())
        .chain(t.iter().zip(&sim.signal).map(|(a, b)| format!("{a},{b}\n")))
        .collect();
    std::fs::write(&run, text).unwrap();
    run
}

fn table(dir: &tempfile::TempDir) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(dir.path().join("peaks.csv")).unwrap();
    r.records().map(|x| x.unwrap()).collect()
}

/// Flags, not silence: every row carries a quality flag; a poor run is said on stdout and fails with --strict.
#[test]
fn rows_carry_quality_flags_and_strict_fails_a_poor_run() {
    let (ok, dir) = elute_fit(&["tests/data/SOLV001.CDF", "--strict"]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stdout));
    let rows = table(&dir);
    let header = elute::session::PeakRow::header();
    let q = header.iter().position(|h| h == "quality").unwrap();
    assert!(rows.iter().all(|r| ["ok", "not_determined", "poor_fit"].contains(&&r[q])), "{rows:?}");
    // 230324 channel 1 is a noisy, quantised channel whose whole-run R² is far below 0.9.
    let (poor, _dir) = elute_fit(&["tests/data/230324.dat.asc", "--channel", "1", "--strict"]);
    let stdout = String::from_utf8_lossy(&poor.stdout);
    assert!(stdout.contains("poor fit: whole-run R²"), "{stdout}");
    assert_eq!(poor.status.code(), Some(1), "{stdout}");
    let (lenient, _dir) = elute_fit(&["tests/data/230324.dat.asc", "--channel", "1"]);
    assert!(lenient.status.success());
}

/// A known column without a peak list (a column JSON, or a session with no peaks), and a known hold-up time.
#[test]
fn a_known_column_or_hold_up_time_is_used_without_a_peak_list() {
    let work = tempfile::tempdir().unwrap();
    let column_file = work.path().join("column.json");
    let column = serde_json::to_string(&elute::model::Column::paper_btex()).unwrap();
    std::fs::write(&column_file, column).unwrap();
    // The paper's BTEX run, simulated noise-free on a 0.2 s grid, as a two-column CSV.
    let truth = session::Session::paper_btex();
    let run = simulated_csv(&truth, work.path());
    let (out, dir) = elute_fit(&[run.to_str().unwrap(), "--column", column_file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let rows = table(&dir);
    let header = elute::session::PeakRow::header();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    assert_eq!(rows.len(), 5);
    for (r, p) in rows.iter().zip(&truth.peaks) {
        let ka: f64 = r[col("ka_per_s")].parse().unwrap();
        let kd: f64 = r[col("kd_per_s")].parse().unwrap();
        assert!((ka / p.ka_per_s - 1.0).abs() < 1e-5 && (kd / p.kd_per_s - 1.0).abs() < 1e-5, "{r:?}");
        assert_eq!(r[col("holdup_time_s")].parse::<f64>().unwrap(), elute::model::Column::paper_btex().holdup_time_s());
    }
    // The hold-up time alone: t0 held at the given value on the preset column.
    let t0 = elute::model::Column::paper_btex().holdup_time_s();
    let (out, dir) = elute_fit(&[run.to_str().unwrap(), "--holdup-time", &t0.to_string()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(table(&dir).iter().all(|r| r[col("holdup_time_s")].parse::<f64>().unwrap() == t0));
    let (bad, _dir) = elute_fit(&[run.to_str().unwrap(), "--holdup-time=-3"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--holdup-time"));
}

/// A template peak the run does not have is reported by name and written as an `unmatched` row.
#[test]
fn an_unmatched_template_peak_is_named_and_flagged() {
    let work = tempfile::tempdir().unwrap();
    let truth = session::Session::paper_btex();
    let mut without_toluene = truth.clone();
    without_toluene.peaks.remove(1);
    let run = simulated_csv(&without_toluene, work.path());
    let template = work.path().join("template.json");
    std::fs::write(&template, session::to_json(&truth)).unwrap();
    let (out, dir) = elute_fit(&[run.to_str().unwrap(), "--session", template.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("left out: toluene"), "{stdout}");
    let rows = table(&dir);
    let header = elute::session::PeakRow::header();
    let (peak, q) =
        (header.iter().position(|h| h == "peak").unwrap(), header.iter().position(|h| h == "quality").unwrap());
    let toluene = rows.iter().find(|r| &r[peak] == "toluene").expect("a row for toluene");
    assert_eq!(&toluene[q], "unmatched");
    assert_eq!(rows.iter().filter(|r| &r[q] == "ok").count(), 4, "{rows:?}");
}

/// `--add-peak T_S` places a candidate: the summary gives the verdict in words, and its row is flagged `added`.
#[test]
fn a_placed_peak_is_judged_and_flagged_added() {
    let (out, dir) = elute_fit(&["tests/data/SOLV001.CDF", "--add-peak", "171.4"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains(
            "added at 171.4 s (placed by the user): the data do not support it: it sits on the apex of ACETONE"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("ΔBIC"), "{stdout}");
    let rows = table(&dir);
    let header = elute::session::PeakRow::header();
    let (peak, q) =
        (header.iter().position(|h| h == "peak").unwrap(), header.iter().position(|h| h == "quality").unwrap());
    let added: Vec<_> = rows.iter().filter(|r| &r[q] == "added").collect();
    assert_eq!(added.len(), 1, "{rows:?}");
    assert_eq!(&added[0][peak], "added at 171.4 s");
    let (bad, _dir) = elute_fit(&["tests/data/SOLV001.CDF", "--add-peak=-1"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--add-peak"));
}

/// What the reader warned of reaches the fit's notes, on stdout and in the session: a PeakSimple run cut short is
/// read with the points it has, and its fit says that points are missing.
#[test]
fn a_truncated_files_warning_is_in_the_fit_summary_and_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read("tests/data/catalight_series/temp420K_FID01.CHR").unwrap();
    let cut = dir.path().join("cut.CHR");
    std::fs::write(&cut, &bytes[..bytes.len() * 3 / 4]).unwrap();
    let out = dir.path().join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_elute"))
        .args(["fit".as_ref(), cut.as_os_str(), "--out".as_ref(), out.as_os_str()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout} {}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("note: the file: ") && stdout.contains("points SIZE declares are missing"), "{stdout}");
    let s = session::load(&out.join("cut.elute.json")).unwrap();
    let notes = &s.fit.as_ref().unwrap().notes;
    assert!(notes.iter().any(|n| n.contains("points SIZE declares are missing")), "{notes:?}");
    // A whole file warns of nothing.
    let (whole, _dir) = elute_fit(&["tests/data/catalight_series/temp420K_FID01.CHR"]);
    assert!(!String::from_utf8_lossy(&whole.stdout).contains("the file: "));
}

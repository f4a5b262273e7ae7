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

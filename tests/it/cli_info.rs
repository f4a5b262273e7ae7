//! `elute info`: a summary per file; unreadable files are reported and the others still print.

use std::process::Command;

#[test]
fn info_describes_real_files_and_reports_bad_ones() {
    let out = Command::new(env!("CARGO_BIN_EXE_elute"))
        .args([
            "info",
            "tests/data/SOLV001.CDF",
            "tests/data/ccet_chemstation_181_Result.xml",
            "tests/data/230324.dat.asc",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("ccet_chemstation_181_Result.xml"), "{stderr}");
    assert!(!stderr.contains("panicked"));
    // SOLV001: 1200 points, its peak table names toluene; the EZChrom file has two channels of 18001 points.
    assert!(stdout.contains("1200"), "{stdout}");
    assert!(stdout.contains("TOLUENE"), "{stdout}");
    assert!(stdout.matches("18001").count() >= 2, "{stdout}");
}

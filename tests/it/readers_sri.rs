//! SRI PeakSimple `.CHR` / `.ASC` / `.RES` (tests/data/catalight_series): the binary equals its ASCII export on all
//! four injections, the manifest's figures, `elute info`, truncation and byte flips.

use std::path::{Path, PathBuf};
use std::process::Command;

use elute::chromatogram::Chromatogram;
use elute::io::{self, IoError};

fn data_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/catalight_series").join(name)
}

fn read_one(name: &str) -> Chromatogram {
    let mut runs = io::read_file(&data_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(runs.len(), 1, "{name}");
    runs.remove(0)
}

fn extra<'a>(c: &'a Chromatogram, key: &str) -> Vec<&'a str> {
    c.metadata.extra.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
}

#[test]
fn chr_equals_asc_and_the_manifest_on_all_four_injections() {
    // Signal ranges from the manifest (raw counts), and the acquisition times 10 min apart.
    let expected = [
        (-55.0, 1.294e5, "22:07:15"),
        (-56.0, 1.285e5, "22:17:15"),
        (-69.0, 1.281e5, "22:27:15"),
        (-54.0, 1.279e5, "22:37:15"),
    ];
    for (k, &(lo, hi, time)) in expected.iter().enumerate() {
        let (chr, asc) =
            (read_one(&format!("temp420K_FID0{}.CHR", k + 1)), read_one(&format!("temp420K_FID0{}.ASC", k + 1)));
        assert_eq!(chr.time_s, asc.time_s, "injection {}", k + 1);
        assert_eq!(chr.signal, asc.signal, "injection {}", k + 1);
        assert_eq!(chr.len(), 1950);
        assert_eq!(chr.time_s[0], 0.0);
        assert_eq!(chr.time_s[1], 0.2, "5 Hz");
        assert!((chr.time_s[1949] / 60.0 - 6.497).abs() < 5e-4);
        let min = chr.signal.iter().cloned().fold(f64::INFINITY, f64::min);
        let max = chr.signal.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        assert_eq!(min, lo, "injection {}", k + 1);
        assert!((max - hi).abs() <= 50.0, "injection {}: {max}", k + 1);
        assert_eq!(chr.signal_unit, "counts (raw)");
        assert_eq!(chr.metadata.detector.as_deref(), Some("FID"));
        assert_eq!(chr.metadata.acquisition_date.as_deref(), Some(format!("2022-03-05 {time}").as_str()));
        assert_eq!(extra(&chr, "column"), ["6' Haysep D"]);
        assert_eq!(extra(&chr, "carrier"), ["N2@10psi"]);
        assert!(extra(&chr, "warning").is_empty(), "{:?}", extra(&chr, "warning"));
    }
}

#[test]
fn all_zero_res_files_mean_no_peaks() {
    for name in ["temp420K_FID03.CHR", "temp420K_FID04.CHR"] {
        let c = read_one(name);
        assert!(c.metadata.peaks.is_empty(), "{name}");
        let note = extra(&c, "peak table").join(" ");
        assert!(note.contains("6 components") && note.contains("no peaks identified"), "{name}: {note}");
    }
    assert!(extra(&read_one("temp420K_FID01.CHR"), "peak table").is_empty(), "no .RES beside FID01");
}

#[test]
fn info_describes_a_peaksimple_run() {
    let out = Command::new(env!("CARGO_BIN_EXE_elute"))
        .args(["info", "tests/data/catalight_series/temp420K_FID03.CHR"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for expected in
        ["SRI PeakSimple .CHR", "1950 points", "5 Hz", "counts (raw)", "2022-03-05 22:27:15", "no peaks identified"]
    {
        assert!(stdout.contains(expected), "missing `{expected}` in:\n{stdout}");
    }
}

#[test]
fn truncated_chr_reads_with_a_warning_that_counts_the_missing_points() {
    let bytes = std::fs::read(data_path("temp420K_FID01.CHR")).unwrap();
    let data_at = 803;
    for cut in [10, 400, 802, 803, 804, 807, 1000, 4000, bytes.len() - 1] {
        match io::read_bytes(&bytes[..cut], &data_path("cut.CHR")) {
            Err(e) => assert!(cut <= data_at + 3, "cut {cut}: {e}"),
            Ok(runs) => {
                let c = &runs[0];
                let kept = (cut - data_at) / 4;
                assert_eq!(c.len(), kept, "cut {cut}");
                assert_eq!(c.time_s[kept - 1], (kept - 1) as f64 / 5.0, "cut {cut}: never stretched");
                let warning = extra(c, "warning").join(" ");
                assert!(warning.contains(&format!("{} of the 1950 points", 1950 - kept)), "cut {cut}: {warning}");
            }
        }
    }
    let asc = std::fs::read(data_path("temp420K_FID01.ASC")).unwrap();
    let runs = io::read_bytes(&asc[..asc.len() - 100], &data_path("cut.ASC")).expect("a cut ASC reads");
    assert!(extra(&runs[0], "warning").join(" ").contains("of the 1950 points"));
}

#[test]
fn flipped_bytes_in_peaksimple_files_never_panic() {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for name in ["temp420K_FID01.CHR", "temp420K_FID01.ASC"] {
        let bytes = std::fs::read(data_path(name)).unwrap();
        for _ in 0..200 {
            let mut copy = bytes.clone();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let at = (state >> 8) as usize % 1200.min(copy.len());
            copy[at] ^= (state >> 40) as u8 | 1;
            match io::read_bytes(&copy, &data_path(name)) {
                Ok(runs) => assert!(runs.iter().all(|c| c.time_s.len() == c.signal.len() && !c.is_empty())),
                Err(e) => assert!(!matches!(e, IoError::Open { .. }), "{e}"),
            }
        }
    }
}

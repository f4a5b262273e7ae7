//! OLE2 readers (Shimadzu `.gcd`, EZChrom Elite `.dat`) against their text twins and the manifest's figures;
//! `elute info` on them; truncated and byte-flipped copies never panic and never read as garbage.

use std::path::{Path, PathBuf};
use std::process::Command;

use elute::chromatogram::Chromatogram;
use elute::io::{self, IoError};

fn data_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

fn read(name: &str) -> Vec<Chromatogram> {
    io::read_file(&data_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn range(v: &[f64]) -> (f64, f64) {
    v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| (lo.min(x), hi.max(x)))
}

/// (time min, intensity) rows and (RT min, area, height) peaks.
type Export = (Vec<(f64, f64)>, Vec<(f64, f64, f64)>);

/// The `[Chromatogram (Ch1)]` rows and the `[Peak Table(Ch1)]` (RT min, area, height) of LabSolutions' export.
fn ladder() -> Export {
    let text = std::fs::read_to_string(data_path("chromConverter_ladder.txt")).expect("ladder.txt");
    let mut section = "";
    let (mut rows, mut peaks) = (Vec::new(), Vec::new());
    for line in text.lines() {
        if line.starts_with('[') {
            section = line.trim();
            continue;
        }
        let cells: Vec<f64> = line.split('\t').map(|c| c.trim().parse().unwrap_or(f64::NAN)).collect();
        if section == "[Chromatogram (Ch1)]" && cells.len() == 2 && cells.iter().all(|c| c.is_finite()) {
            rows.push((cells[0], cells[1]));
        }
        if section == "[Peak Table(Ch1)]" && cells.len() > 5 && cells[0].is_finite() && cells[1].is_finite() {
            peaks.push((cells[1], cells[4], cells[5]));
        }
    }
    (rows, peaks)
}

#[test]
fn gcd_matches_the_manifest_and_labsolutions_own_export() {
    let runs = read("ccet_FS19_214.gcd");
    assert_eq!(runs.len(), 1, "Ch2..Ch16 are empty streams");
    let c = &runs[0];
    assert_eq!(c.len(), 66255);
    assert_eq!(c.signal_unit, "uV");
    assert_eq!(c.metadata.detector.as_deref(), Some("SFID1"));
    let (lo, hi) = range(&c.signal);
    assert!((lo + 395.7).abs() < 0.05 && (hi - 3.474e5).abs() < 50.0, "{lo} {hi}");
    // Time convention: DLT (20 ms) + i × 40 ms, LabSolutions' export to its 5-decimal rounding (minutes).
    let (rows, peaks) = ladder();
    assert_eq!(rows.len(), c.len());
    for (i, &(t_min, y)) in rows.iter().enumerate() {
        assert!((c.time_s[i] / 60.0 - t_min).abs() <= 5e-6 + 1e-12, "time {i}: {} vs {t_min}", c.time_s[i] / 60.0);
        assert!((c.signal[i] - y).abs() <= 0.5 + 1e-9, "value {i}: {} vs {y}", c.signal[i]);
    }
    assert_eq!(c.metadata.peaks.len(), 83);
    assert_eq!(peaks.len(), 83);
    for (p, &(rt_min, area, height)) in c.metadata.peaks.iter().zip(&peaks) {
        assert!((p.retention_time_s / 60.0 - rt_min).abs() <= 5e-4, "{p:?} vs {rt_min}");
        assert!((p.area.unwrap() - area).abs() <= 0.5 && (p.height.unwrap() - height).abs() <= 0.5, "{p:?}");
    }
    let top = c.metadata.peaks.iter().max_by(|a, b| a.height.partial_cmp(&b.height).unwrap()).unwrap();
    assert!((top.retention_time_s / 60.0 - 10.335).abs() < 5e-4, "{top:?}");
}

#[test]
fn ezchrom_dat_equals_its_ascii_twin_point_for_point() {
    for (dat, asc, points, rate_hz) in [
        ("yadg_2023-06-29-007.dat", "2023-06-29-007.dat.asc", 6781, 10.0),
        ("yadg_230324.dat", "230324.dat.asc", 18001, 20.0),
    ] {
        let (binary, text) = (read(dat), read(asc));
        assert_eq!(binary.len(), 2, "{dat}");
        assert_eq!(text.len(), 2, "{asc}");
        for (b, t) in binary.iter().zip(&text) {
            assert_eq!(b.len(), points, "{dat}");
            assert_eq!(b.time_s, t.time_s, "{dat} {}: same times", b.channel);
            assert_eq!(b.time_s[1], 1.0 / rate_hz);
            assert_eq!(b.signal_unit, t.signal_unit, "{dat}");
            // Same raw integers: the binary multiplier is f32 1/7680, the text writes it rounded (0.000130208).
            for (i, (yb, yt)) in b.signal.iter().zip(&t.signal).enumerate() {
                let (rb, rt) = (yb / (1.0f32 / 7680.0) as f64, yt / 0.000130208);
                assert!((rb - rb.round()).abs() < 1e-6 && rb.round() == rt.round(), "{dat} point {i}: {yb} vs {yt}");
            }
        }
        assert_eq!(binary[0].channel, "Front Signal");
        assert_eq!(binary[1].channel, "Back Signal");
    }
    let acquired = read("yadg_2023-06-29-007.dat")[0].metadata.acquisition_date.clone();
    assert_eq!(acquired.as_deref(), Some("2023-06-29 16:07:41"));
    let units: Vec<String> = read("yadg_2023-06-29-007.dat").into_iter().map(|c| c.signal_unit).collect();
    assert_eq!(units, ["pA", "25 µV"]);
}

#[test]
fn info_describes_the_ole_runs() {
    let out = Command::new(env!("CARGO_BIN_EXE_elute"))
        .args(["info", "tests/data/ccet_FS19_214.gcd", "tests/data/yadg_2023-06-29-007.dat"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for expected in [
        "Shimadzu GCsolution .gcd",
        "66255 points",
        "SFID1",
        "83 peaks",
        "uV",
        "EZChrom Elite .dat",
        "2023-06-29 16:07:41",
        "Front Signal",
        "Back Signal",
        "6781 points",
        "25 µV",
    ] {
        assert!(stdout.contains(expected), "missing `{expected}` in:\n{stdout}");
    }
}

/// A damaged copy is refused with a typed error, or reads as a sound series (the reader checked it); a panic
/// fails the test by itself.
fn refused_or_sound(result: Result<Vec<Chromatogram>, IoError>, what: &str) {
    if let Ok(runs) = result {
        for c in runs {
            assert!(!c.is_empty() && c.time_s.len() == c.signal.len(), "{what}");
            assert!(c.time_s.windows(2).all(|w| w[1] > w[0]) && c.signal.iter().all(|y| y.is_finite()), "{what}");
        }
    }
}

#[test]
fn truncated_ole_files_are_refused_or_read_whole() {
    for name in ["ccet_FS19_214.gcd", "yadg_2023-06-29-007.dat", "yadg_230324.dat"] {
        let bytes = std::fs::read(data_path(name)).unwrap();
        let full = read(name);
        for fraction in [0.001, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 0.9999] {
            let cut = (bytes.len() as f64 * fraction) as usize;
            match io::read_bytes(&bytes[..cut], &data_path(name)) {
                Err(e) => assert!(
                    matches!(e, IoError::Corrupt { .. } | IoError::UnknownFormat { .. } | IoError::NoData { .. }),
                    "{name} cut at {cut}: {e:?}"
                ),
                // Sectors after the cut may hold nothing this reader needs: then every point is the original.
                Ok(runs) => assert_eq!(runs, full, "{name} cut at {cut} read differently"),
            }
        }
    }
}

#[test]
fn flipped_bytes_in_ole_files_never_panic() {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for name in ["ccet_FS19_214.gcd", "yadg_2023-06-29-007.dat"] {
        let bytes = std::fs::read(data_path(name)).unwrap();
        for _ in 0..60 {
            let mut copy = bytes.clone();
            for _ in 0..4 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                // Half the flips land in the first 4 KiB (header, directory, FAT), the rest anywhere.
                let span = if state.is_multiple_of(2) { 4096.min(copy.len()) } else { copy.len() };
                let at = (state >> 8) as usize % span;
                copy[at] ^= (state >> 40) as u8 | 1;
            }
            refused_or_sound(io::read_bytes(&copy, &data_path(name)), name);
        }
    }
}

#[test]
fn labsolutions_export_reads_as_the_gcd_it_came_from() {
    let (text, binary) = (read("chromConverter_ladder.txt"), read("ccet_FS19_214.gcd"));
    assert_eq!(text.len(), 1);
    let (t, b) = (&text[0], &binary[0]);
    assert_eq!(t.metadata.format, "LabSolutions ASCII export", "not the delimited reader");
    assert_eq!(t.time_s, b.time_s, "the export's rounded times snap to the .gcd's DLT + i × interval");
    assert!(t.signal.iter().zip(&b.signal).all(|(x, y)| (x - y).abs() <= 0.5 + 1e-9));
    assert_eq!(t.metadata.peaks.len(), 83);
    assert_eq!(t.metadata.sample_name.as_deref(), Some("FS19_214"));
    let bytes = std::fs::read(data_path("chromConverter_ladder.txt")).unwrap();
    for cut in [200, 5_000, 20_000, bytes.len() / 2, bytes.len() - 10] {
        match io::read_bytes(&bytes[..cut], &data_path("chromConverter_ladder.txt")) {
            Err(e) => assert!(matches!(e, IoError::Corrupt { .. } | IoError::NoData { .. }), "cut {cut}: {e:?}"),
            Ok(runs) => panic!("cut {cut} read {} points of a truncated export", runs[0].len()),
        }
    }
}

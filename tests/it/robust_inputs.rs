//! "No silent garbage" (issue 14): inputs that used to read with exit 0 and wrong data. Every case cuts or splices a
//! real corpus file and compares with what the whole file gives.

use std::path::{Path, PathBuf};

use elute::chromatogram::Chromatogram;
use elute::io::{self, IoError};

fn data_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

/// The ChemStation corpus: file, data offset, whether points are fixed 8-byte records.
const CH_FILES: [(&str, usize, bool); 4] = [
    ("chemstation_179_asterix.ch", 6144, true),
    ("rainbow_caye_nmr_test_mix_FID1A.ch", 6144, true),
    ("ccet_chemstation_181_FID1A_blank.ch", 6144, false),
    ("chemstation_81.ch", 1024, false),
];

fn step_s(c: &Chromatogram) -> f64 {
    (c.time_s[c.time_s.len() - 1] - c.time_s[0]) / (c.time_s.len() - 1) as f64
}

fn warning(c: &Chromatogram) -> Option<&str> {
    c.metadata.extra.iter().find(|(k, _)| k == "warning").map(|(_, v)| v.as_str())
}

/// A shortened or spliced file is refused, or read at the whole file's step with a warning when points are missing.
fn assert_refused_or_true_step(bytes: &[u8], name: &str, whole: &Chromatogram, what: &str) {
    match io::read_bytes(bytes, Path::new(name)) {
        Err(IoError::Corrupt { .. } | IoError::NoData { .. }) => {}
        Err(other) => panic!("{what}: unexpected error kind {other}"),
        Ok(v) => {
            let c = &v[0];
            if c.time_s.len() == 1 {
                return;
            }
            let (step, true_step) = (step_s(c), step_s(whole));
            assert!((step - true_step).abs() <= 1e-6 * true_step, "{what}: step {step} s, true {true_step} s");
            if c.time_s.len() < whole.time_s.len() {
                assert!(warning(c).is_some_and(|w| w.contains("missing")), "{what}: no warning");
            }
        }
    }
}

#[test]
fn chemstation_cut_short_is_refused_or_keeps_its_true_step() {
    for (name, offset, fixed) in CH_FILES {
        let bytes = std::fs::read(data_path(name)).unwrap();
        let whole = io::read_bytes(&bytes, Path::new(name)).unwrap().remove(0);
        let data_len = bytes.len() - offset;
        let record = if fixed { 8 } else { 2 };
        for fraction in [0.01, 0.1, 0.33, 0.5, 0.6, 0.9, 0.999] {
            let cut = offset + ((data_len as f64 * fraction) as usize / record) * record;
            assert_refused_or_true_step(&bytes[..cut], name, &whole, &format!("{name} cut at byte {cut}"));
        }
        // A chunk deleted, duplicated or inserted in the middle of the data area.
        let (a, b) = (offset + (data_len / 3 / 8) * 8, offset + (data_len / 2 / 8) * 8);
        let deleted = [&bytes[..a], &bytes[b..]].concat();
        let duplicated = [&bytes[..b], &bytes[a..]].concat();
        let inserted = [&bytes[..a], &[0u8; 800][..], &bytes[a..]].concat();
        for (what, spliced) in [("deleted", deleted), ("duplicated", duplicated), ("inserted", inserted)] {
            assert_refused_or_true_step(&spliced, name, &whole, &format!("{name}: chunk {what}"));
        }
    }
}

#[test]
fn chemstation_179_cut_at_byte_6616_is_refused() {
    // Issue 14's reproducer: 22,800 points at 0.05 s read as 59 points at a 19.65 s step.
    let bytes = std::fs::read(data_path("chemstation_179_asterix.ch")).unwrap();
    let result = io::read_bytes(&bytes[..6616], Path::new("cut.ch"));
    match result {
        Err(e @ IoError::Corrupt { .. }) => {
            let message = e.to_string();
            assert!(message.contains("cut.ch") && message.contains("sampling rate"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn chemstation_eight_byte_179_cut_to_60_percent_reads_truncated_at_the_header_count_step() {
    let name = "rainbow_caye_nmr_test_mix_FID1A.ch";
    let bytes = std::fs::read(data_path(name)).unwrap();
    let cut = 6144 + ((bytes.len() - 6144) * 6 / 10 / 8) * 8;
    let c = io::read_bytes(&bytes[..cut], Path::new(name)).unwrap().remove(0);
    assert!((step_s(&c) - 0.05).abs() < 1e-9, "step {}", step_s(&c));
    let missing = 10197 - (cut - 6144) / 8;
    let w = warning(&c).expect("warning");
    assert!(w.contains(&format!("{missing} of the header's 10197 points are missing")), "{w}");
}

#[test]
fn implausible_chemstation_end_time_and_signal_are_refused() {
    let bytes = std::fs::read(data_path("chemstation_179_asterix.ch")).unwrap();
    // End time 3.4e38 ms (the largest f32) with an unchanged data area.
    let mut huge_end = bytes.clone();
    huge_end[286..290].copy_from_slice(&f32::MAX.to_be_bytes());
    assert!(io::read_bytes(&huge_end, Path::new("end.ch")).is_err());
    // One value of about 1e250 in the data area, with a zero low word as in the rest of this 4-byte-flavour file.
    let mut huge_value = bytes.clone();
    let value = f64::from_bits(1e250f64.to_bits() & !0xFFFF_FFFF);
    huge_value[6144 + 800..6144 + 808].copy_from_slice(&value.to_le_bytes());
    match io::read_bytes(&huge_value, Path::new("value.ch")) {
        Err(e @ IoError::Corrupt { .. }) => assert!(e.to_string().contains("plausible"), "{e}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn implausible_text_values_are_refused() {
    let csv = "time,signal\n0,1\n1,2e250\n2,3\n";
    match io::read_bytes(csv.as_bytes(), Path::new("big.csv")) {
        Err(e @ IoError::Corrupt { .. }) => assert!(e.to_string().contains("line 3"), "{e}"),
        other => panic!("{other:?}"),
    }
    let csv = "time,signal\n0,1\n1e300,2\n";
    assert!(io::read_bytes(csv.as_bytes(), Path::new("late.csv")).is_err());
}

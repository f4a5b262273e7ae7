//! Every file in sample_runs/ loads and means what its README says.

use std::path::Path;

use elute::session::{self, Session};

#[test]
fn btex_paper_sample_is_the_papers_experiment() {
    let s = session::load(Path::new("sample_runs/btex-paper.elute.json")).unwrap();
    assert_eq!(s, Session::paper_btex());
    assert!(s.run.is_none());
}

#[test]
fn every_sample_session_loads() {
    for entry in std::fs::read_dir("sample_runs").unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().ends_with(".elute.json") {
            session::load(&path).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// The file dialog's filter (`io::run_file_extensions`) lists every extension a reader's files carry: each file
/// in tests/data that a reader recognises has an extension its format names.
#[test]
fn the_open_dialog_filter_lists_every_readable_extension() {
    let listed = elute::io::run_file_extensions();
    for name in ["fusion-data", "gcd", "dx", "gaml", "dat", "ch", "cdf", "csv", "chr"] {
        assert!(listed.contains(&name), "{name} missing from {listed:?}");
    }
    let mut checked = 0;
    for entry in std::fs::read_dir("tests/data").unwrap() {
        let path = entry.unwrap().path();
        let Some(ext) = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase) else { continue };
        if !path.is_file() || ext == "md" {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        if let Some(format) = elute::io::sniff(&bytes, &path) {
            assert!(format.extensions().contains(&ext.as_str()), "{}: {format:?} lacks .{ext}", path.display());
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} files recognised");
}

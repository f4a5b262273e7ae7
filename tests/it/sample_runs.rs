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

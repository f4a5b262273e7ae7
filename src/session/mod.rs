//! The session: the document a user saves and opens, and the workflows on it that the app and the CLI share.
//!
//! Table of contents:
//! * [`document`]: the data (column, peaks, baseline, run reference) and its simulation;
//! * [`file`]: loading (with version checks) and atomic saving;
//! * [`embedded`]: a measured channel held inside the session (optional);
//! * [`fit_summary`]: the fit figures a session keeps (uncertainties, R², notes);
//! * [`open`]: opening a run file or a session, and finding a session's run;
//! * [`fitting`]: the one fitting workflow (detect or take the peaks, fit, make the session);
//! * [`added_peaks`]: candidate peaks the user places, judged by whether the data support them;
//! * [`from_fit`]: a run fit as a session;
//! * [`peak_row`]: the one peak-table row type, with its CSV, JSON and tab-separated forms.

pub mod added_peaks;
pub mod document;
pub mod embedded;
pub mod file;
pub mod fit_summary;
pub mod fitting;
pub mod from_fit;
pub mod open;
pub mod peak_row;

pub use crate::model::{Baseline, BaselineKind};
pub use added_peaks::AddedPeak;
pub use document::{FORMAT_TAG, RunRef, Session, Simulation, VERSION};
pub use embedded::EmbeddedRun;
pub use file::{MAX_PEAKS, SessionError, load, parse, save, to_json, write_atomically, write_atomically_with};
pub use fit_summary::{FitSummary, FittedRunValues, PeakFitSummary};
pub use fitting::{FitRequest, Fitted, FittingError, PeakSource};
pub use from_fit::session_from_fit;
pub use open::{LoadedRun, Opened};
pub use peak_row::{PeakRow, RunInfo};

/// SHA-256 of `bytes` as lowercase hex (the run reference's content hash).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn sha256_matches_the_standard_test_vector() {
        assert_eq!(super::sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}

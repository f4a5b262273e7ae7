//! The session document: column, peaks, baseline and run reference, saved as versioned JSON.
//!
//! [`document`] defines the data and its simulation; [`file`] loads (with version checks) and saves atomically;
//! [`embedded`] holds a measured channel inside the session (optional).

pub mod document;
pub mod embedded;
pub mod file;
pub mod fit_summary;

pub use document::{Baseline, BaselineKind, FORMAT_TAG, RunRef, Session, Simulation, VERSION};
pub use embedded::EmbeddedRun;
pub use file::{SessionError, load, parse, save, to_json, write_atomically};
pub use fit_summary::{FitSummary, FittedRunValues, PeakFitSummary};

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

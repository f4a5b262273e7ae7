//! Opening what a user gives: a run file (any format the readers know) or a session, whose run is then found
//! (the referenced file when its hash still matches, the built-in example run by its hash, the run embedded in
//! the session, in that order), with a warning or a note that says what was used.

use std::path::{Path, PathBuf};

use super::{RunRef, Session};
use crate::chromatogram::Chromatogram;

/// The embedded default run (SOLV001.CDF, see assets/NOTICE.md): what the app opens on start.
pub const DEFAULT_RUN_BYTES: &[u8] = include_bytes!("../../assets/SOLV001.CDF");
/// Name the embedded run goes by.
pub const DEFAULT_RUN_NAME: &str = "SOLV001.CDF";

/// A measured run as loaded: every channel of its file and the one shown and fitted.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedRun {
    /// The file it was read from; `None` for the embedded default run or a run embedded in a session.
    pub path: Option<PathBuf>,
    /// Every channel in the file.
    pub channels: Vec<Chromatogram>,
    /// Index into `channels` of the channel shown and fitted.
    pub channel: usize,
}

impl LoadedRun {
    /// The channel shown.
    pub fn chromatogram(&self) -> &Chromatogram {
        &self.channels[self.channel.min(self.channels.len().saturating_sub(1))]
    }

    /// A one-line name for a status bar.
    pub fn display_name(&self) -> String {
        match &self.path {
            Some(p) => p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned()),
            None => "embedded run".into(),
        }
    }
}

/// What a file turned out to be.
#[derive(Debug)]
// Built once per opened file and moved straight into the app: boxing the larger variant would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum Opened {
    /// A session file (its `embedded_run` taken out), with its run when it could be found (else a warning says
    /// why not); `note` says where the run came from when it was not the referenced file.
    Session { session: Session, run: Option<LoadedRun>, warning: Option<String>, note: Option<String> },
    /// A chromatogram file and the run reference that points at it.
    Run { run: LoadedRun, reference: RunRef },
}

/// SHA-256 of the embedded default run's bytes (what its run reference carries).
pub fn default_run_sha256() -> String {
    super::sha256_hex(DEFAULT_RUN_BYTES)
}

/// True when `run` is the embedded default run (no path, the same channels).
pub fn is_default_run(run: &LoadedRun) -> bool {
    run.path.is_none() && default_run().is_some_and(|d| d.channels == run.channels)
}

/// The embedded default run, once the readers can read it (`None` until then).
pub fn default_run() -> Option<LoadedRun> {
    let channels = crate::io::read_bytes(DEFAULT_RUN_BYTES, Path::new(DEFAULT_RUN_NAME)).ok()?;
    (!channels.is_empty()).then_some(LoadedRun { path: None, channels, channel: 0 })
}

pub use crate::io::source::is_session as looks_like_session;

/// How far a channel's signal rises above its noise: (99.9th percentile − median) over the noise, the median
/// absolute step between neighbouring samples (unit-free, so channels in counts and in pA compare); `-∞` for a
/// channel too short to tell, 0 for a flat one.
pub fn signal_above_noise(c: &Chromatogram) -> f64 {
    if c.signal.len() < 3 {
        return f64::NEG_INFINITY;
    }
    let mut sorted = c.signal.clone();
    sorted.sort_by(f64::total_cmp);
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    let rise = at(0.999) - at(0.5);
    let mut steps: Vec<f64> = c.signal.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    let mid = steps.len() / 2;
    let noise = *steps.select_nth_unstable_by(mid, f64::total_cmp).1;
    if rise <= 0.0 {
        return 0.0;
    }
    // A noiseless trace with a rise (a simulated or smoothed export) beats any noisy one of the same shape.
    rise / noise.max(rise * 1e-9)
}

/// The channel to show first: the one whose signal rises most above its noise (a flat or empty channel never wins
/// over one with peaks); the first on ties.
pub fn channel_with_most_signal(channels: &[Chromatogram]) -> usize {
    let scores: Vec<f64> = channels.iter().map(signal_above_noise).collect();
    (0..channels.len()).fold(0, |best, i| if scores[i] > scores[best] { i } else { best })
}

/// Reads a run file into a [`Run`] plus the reference a session stores (absolute path, SHA-256, the channel with
/// the most signal, [`channel_with_most_signal`]).
/// An Agilent `.D` folder is read whole ([`crate::io::read_path`]); its hash covers every file read.
pub fn read_run(path: &Path) -> Result<(LoadedRun, RunRef), String> {
    let (bytes, channels) = crate::io::read_identified(path).map_err(|e| e.to_string())?;
    if channels.is_empty() || channels.iter().all(|c| c.is_empty()) {
        return Err(format!("no chromatogram data in the file ({})", path.display()));
    }
    let channel = channel_with_most_signal(&channels);
    // Absolute, so the session finds it again wherever the session file is saved.
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let reference = RunRef {
        path: absolute.display().to_string(),
        sha256: super::sha256_hex(&bytes),
        channel: u32::try_from(channel + 1).unwrap_or(1),
    };
    Ok((LoadedRun { path: Some(path.to_path_buf()), channels, channel }, reference))
}

/// Opens a session (JSON) or a chromatogram file. A file inside an Agilent `.D` folder (a `.ch`, `data.ms`,
/// `Result.xml`) opens the whole folder: every signal of the run, with its peak table, showing the signal of the
/// file opened. The error is the reader's
/// or the session loader's message.
pub fn open_path(path: &Path) -> Result<Opened, String> {
    if path.is_dir() {
        let (run, reference) = read_run(path)?;
        return Ok(Opened::Run { run, reference });
    }
    let bytes = crate::io::read_source(path).map_err(|e| e.to_string())?;
    if !looks_like_session(&bytes) {
        let Some(folder) = crate::io::agilent_d::enclosing_folder(path) else {
            let (run, reference) = read_run(path)?;
            return Ok(Opened::Run { run, reference });
        };
        // The member's own signal is the one shown (another member, `Result.xml`, keeps the default).
        let (mut run, mut reference) = read_run(folder)?;
        if let Some(channel) = crate::io::agilent_d::member_channel(&run.channels, path) {
            run.channel = channel;
            reference.channel = u32::try_from(channel + 1).unwrap_or(1);
        }
        return Ok(Opened::Run { run, reference });
    }
    let text = String::from_utf8(bytes).map_err(|_| format!("not UTF-8 text ({})", path.display()))?;
    let mut session = super::parse(&text, path).map_err(|e| e.to_string())?;
    let embedded = session.embedded_run.take();
    let Some(reference) = &session.run else {
        // A pure simulation, or a session that only embeds its data.
        let run = embedded.and_then(|e| e.to_chromatogram().ok()).map(|c| LoadedRun {
            path: None,
            channels: vec![c],
            channel: 0,
        });
        return Ok(Opened::Session { session, run, warning: None, note: None });
    };
    let run_path = resolve(path, &reference.path);
    let from_file = read_run(&run_path).map(|(mut run, actual)| {
        run.channel = (reference.channel.max(1) as usize - 1).min(run.channels.len() - 1);
        (run, actual.sha256 == reference.sha256)
    });
    let from_embedded = || {
        embedded.as_ref().and_then(|e| e.to_chromatogram().ok()).map(|c| LoadedRun {
            path: None,
            channels: vec![c],
            channel: 0,
        })
    };
    let (run, warning, note) = match from_file {
        Ok((run, true)) => (Some(run), None, None),
        // The built-in example run, recognised by its content hash.
        _ if reference.sha256 == default_run_sha256() && default_run().is_some() => (default_run(), None, None),
        Ok((run, false)) => match from_embedded() {
            Some(e) => (
                Some(e),
                None,
                Some(format!(
                    "the run file has changed ({}): using the run data embedded in the session",
                    run_path.display()
                )),
            ),
            None => (
                Some(run),
                Some(format!("the run file has changed since the session was saved ({})", run_path.display())),
                None,
            ),
        },
        Err(e) => match from_embedded() {
            Some(run) => {
                (Some(run), None, Some("using the run data embedded in the session (run file not found)".into()))
            }
            None => (None, Some(format!("session opened without its run: {e}")), None),
        },
    };
    Ok(Opened::Session { session, run, warning, note })
}

/// A run path from a session: relative paths are relative to the session file's folder.
pub fn resolve(session_path: &Path, run_path: &str) -> PathBuf {
    let p = PathBuf::from(run_path);
    if p.is_absolute() {
        return p;
    }
    session_path.parent().map_or(p.clone(), |dir| dir.join(&p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_files_give_the_readers_message() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.cdf");
        std::fs::write(&bad, b"not a chromatogram").unwrap();
        let e = open_path(&bad).unwrap_err();
        assert!(e.contains("bad.cdf"), "{e}");
        let newer = dir.path().join("newer.json");
        std::fs::write(
            &newer,
            super::super::to_json(&Session::paper_btex()).replace("\"version\": 1", "\"version\": 9"),
        )
        .unwrap();
        assert!(open_path(&newer).unwrap_err().contains("newer"));
        assert_eq!(resolve(Path::new("/x/s.json"), "r.cdf"), PathBuf::from("/x/r.cdf"));
    }

    #[test]
    fn channel_with_most_signal_skips_flat_and_empty_channels() {
        let time_s: Vec<f64> = (0..1000).map(f64::from).collect();
        let ripple = |i: usize| 0.01 * ((i * 7919 % 13) as f64 - 6.0);
        let channel = |name: &str, peak: f64| Chromatogram {
            signal: (0..1000).map(|i| ripple(i) + peak * (-((i as f64 - 500.0) / 10.0).powi(2)).exp()).collect(),
            time_s: time_s.clone(),
            channel: name.into(),
            ..Default::default()
        };
        let empty = Chromatogram::default();
        let flat = channel("flat", 0.0);
        let small = channel("small", 0.5);
        let large = channel("large", 50.0);
        assert_eq!(channel_with_most_signal(&[empty.clone(), flat.clone(), large.clone(), small.clone()]), 2);
        assert_eq!(channel_with_most_signal(&[flat.clone(), small.clone()]), 1);
        assert_eq!(channel_with_most_signal(&[empty, flat]), 1, "flat beats empty");
        assert!(signal_above_noise(&large) > 10.0 * signal_above_noise(&small));
    }

    #[test]
    fn only_json_with_the_session_tag_is_a_session() {
        let session = super::super::to_json(&Session::paper_btex());
        assert!(looks_like_session(session.as_bytes()));
        assert!(looks_like_session(format!("\u{feff}  {session}").as_bytes()));
        assert!(!looks_like_session(br#"{"detectors": {}}"#));
        assert!(!looks_like_session(b"time,signal\n0,1\n"));
    }
}

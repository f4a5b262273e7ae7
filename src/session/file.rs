//! Loading and saving session files: version checks with clear messages, and atomic saves.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::document::{FORMAT_TAG, Session, VERSION};
use crate::io::text::for_message;

/// What went wrong loading or saving a session. The path comes last in every message.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("cannot read session: {source} ({path})")]
    Read { path: PathBuf, source: std::io::Error },
    /// The file could not be read as a file (missing, a folder or FIFO, too large): the reader's message.
    #[error("cannot read session: {message}")]
    Source { message: String },
    #[error("cannot save session: {source} ({path})")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("not valid JSON at line {line}, column {column}: {} ({path})", for_message(.message))]
    Json { path: PathBuf, line: usize, column: usize, message: String },
    #[error("not an Elute session: {} ({path})", for_message(.message))]
    NotASession { path: PathBuf, message: String },
    #[error(
        "written by a newer Elute (session version {found}; this build reads version {VERSION}): refused so \
             that none of its data is lost ({path})"
    )]
    NewerVersion { path: PathBuf, found: u64 },
    #[error("invalid session at line {line}, column {column}: {} ({path})", for_message(.message))]
    Invalid { path: PathBuf, line: usize, column: usize, message: String },
}

/// Most peaks a session may hold: far above any chromatogram's, and a bound on what loading and simulating it
/// cost (a session of a million peaks would take gigabytes).
pub const MAX_PEAKS: usize = 10_000;

/// The first look at a session: its tag, its version and how many peaks it lists; nothing else is kept.
#[derive(serde::Deserialize)]
struct Head {
    format: Option<serde_json::Value>,
    version: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "count_items")]
    peaks: usize,
}

/// Counts the items of a JSON array without building them (0 for anything else).
fn count_items<'de, D: serde::Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    struct Count;
    impl<'de> serde::de::Visitor<'de> for Count {
        type Value = usize;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
            let mut n = 0;
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                n += 1;
            }
            Ok(n)
        }
    }
    d.deserialize_any(Count)
}

/// Parses a session from JSON text; `path` names the source in errors.
pub fn parse(text: &str, path: &Path) -> Result<Session, SessionError> {
    // Editors on Windows save UTF-8 with a byte-order mark; JSON has none.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let path_buf = || path.to_path_buf();
    // First only the tag and the version (every other field skipped without being built: a huge session costs
    // no more than its own size here), so a wrong or newer file gets its own message.
    let head: Head = serde_json::from_str(text).map_err(|e| {
        let message = e.to_string();
        if e.classify() != serde_json::error::Category::Data {
            SessionError::Json { path: path_buf(), line: e.line(), column: e.column(), message }
        } else if !text.trim_start().starts_with('{') {
            SessionError::NotASession { path: path_buf(), message: "the top level is not a JSON object".into() }
        } else {
            SessionError::Invalid { path: path_buf(), line: e.line(), column: e.column(), message }
        }
    })?;
    let not_session = |message: String| SessionError::NotASession { path: path_buf(), message };
    match head.format.as_ref().and_then(|f| f.as_str()) {
        Some(FORMAT_TAG) => {}
        Some(other) => return Err(not_session(format!("field `format` is {other:?}, expected {FORMAT_TAG:?}"))),
        None if head.format.is_some() => return Err(not_session("field `format` is not a string".into())),
        None => return Err(not_session(format!("missing field `format` (\"{FORMAT_TAG}\")"))),
    }
    let version = head
        .version
        .and_then(|v| v.as_u64())
        .ok_or_else(|| not_session("missing or non-integer field `version`".into()))?;
    if version > u64::from(VERSION) {
        return Err(SessionError::NewerVersion { path: path_buf(), found: version });
    }
    if version < 1 {
        return Err(not_session(format!("field `version` is {version}; versions start at 1")));
    }
    if head.peaks > MAX_PEAKS {
        return Err(SessionError::Invalid {
            path: path_buf(),
            line: 0,
            column: 0,
            message: format!("{} peaks, more than the limit of {MAX_PEAKS}", head.peaks),
        });
    }
    // Deserialise from the text so errors carry line and column.
    let session: Session = serde_json::from_str(text).map_err(|e| SessionError::Invalid {
        path: path_buf(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    session.validate().map_err(|message| SessionError::Invalid { path: path_buf(), line: 0, column: 0, message })?;
    Ok(session)
}

/// Loads a session file.
pub fn load(path: &Path) -> Result<Session, SessionError> {
    let bytes = crate::io::read_source(path).map_err(|e| SessionError::Source { message: e.to_string() })?;
    let text = String::from_utf8(bytes).map_err(|e| SessionError::Read {
        path: path.into(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text at byte {}", e.utf8_error().valid_up_to()),
        ),
    })?;
    parse(&text, path)
}

/// The session as pretty-printed JSON (what [`save`] writes).
pub fn to_json(session: &Session) -> String {
    serde_json::to_string_pretty(session).expect("a session always serialises") + "\n"
}

/// Saves atomically: writes a temporary file beside `path`, flushes it to disk, then renames it over `path`.
/// On any error the previous file (if any) is left untouched.
pub fn save(session: &Session, path: &Path) -> Result<(), SessionError> {
    write_atomically(path, to_json(session).as_bytes())
        .map_err(|source| SessionError::Write { path: path.into(), source })
}

/// Writes `bytes` to `path` atomically (temporary file in the same folder, fsync, rename).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomically_with(path, |w| w.write_all(bytes))
}

/// Streams what `write` produces to `path` atomically: into a buffered temporary file beside it, then fsync and
/// rename. Nothing is held in memory beyond the buffer; on any error the previous file is left untouched.
pub fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "session".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        write(&mut f)?;
        let f = f.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    } else {
        remove_stale_temporaries(&dir, &name);
    }
    result
}

/// Removes `.NAME.PID.tmp` files left beside `NAME` by saves that were killed before their rename: those whose
/// process is gone (on Linux, no `/proc/PID`), or, where processes cannot be looked up, older than an hour.
/// A save still running in another process keeps its temporary file.
fn remove_stale_temporaries(dir: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let prefix = format!(".{name}.");
    let own = std::process::id().to_string();
    let proc_fs = Path::new("/proc/self").exists();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name.to_str().and_then(|f| f.strip_prefix(&prefix)).and_then(|f| f.strip_suffix(".tmp"))
        else {
            continue;
        };
        if pid == own || pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let stale = if proc_fs {
            !Path::new("/proc").join(pid).exists()
        } else {
            entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > std::time::Duration::from_secs(3600)))
        };
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{Baseline, RunRef};

    fn sample() -> Session {
        let mut s = Session::paper_btex();
        s.run = Some(RunRef { path: "runs/x.cdf".into(), sha256: "ab".repeat(32), channel: 1 });
        s
    }

    #[test]
    fn a_save_removes_temporaries_of_killed_saves_but_not_of_running_ones() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("run.elute.json");
        // PID 4194304 is past Linux's largest (2^22), so no process has it; our parent process is alive.
        let dead = dir.path().join(".run.elute.json.4194304.tmp");
        let alive = dir.path().join(format!(".run.elute.json.{}.tmp", parent_pid()));
        let other = dir.path().join(".other.json.4194304.tmp");
        for p in [&dead, &alive, &other] {
            std::fs::write(p, "partial").unwrap();
        }
        write_atomically(&target, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert!(!dead.exists(), "a killed save's temporary file is removed");
        assert!(alive.exists(), "a running save's temporary file is kept");
        assert!(other.exists(), "another file's temporaries are left to that file's saves");
    }

    fn parent_pid() -> u32 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        status.lines().find_map(|l| l.strip_prefix("PPid:")).and_then(|v| v.trim().parse().ok()).unwrap_or(1)
    }

    #[test]
    fn round_trip_is_exact() {
        let s = sample();
        let back = parse(&to_json(&s), Path::new("x.json")).unwrap();
        assert_eq!(back, s);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.elute.json");
        save(&s, &p).unwrap();
        assert_eq!(load(&p).unwrap(), s);
        // Only the target remains: the temporary file was renamed.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_embedded_run_round_trips_and_a_damaged_one_is_refused() {
        let plain = to_json(&sample());
        assert!(!plain.contains("embedded_run"), "sessions without embedding are unchanged");
        let mut s = sample();
        let time_s: Vec<f64> = (0..300).map(|i| 0.25 * i as f64 + 1.0 / 3.0).collect();
        let signal: Vec<f64> = time_s.iter().map(|t| (t / 7.0).exp().ln_1p()).collect();
        let c = crate::chromatogram::Chromatogram { time_s, signal, channel: "TCD".into(), ..Default::default() };
        s.embedded_run = Some(crate::session::EmbeddedRun::from_chromatogram(&c).unwrap());
        let back = parse(&to_json(&s), Path::new("x.json")).unwrap();
        assert_eq!(back, s);
        assert_eq!(back.embedded_run.unwrap().to_chromatogram().unwrap(), c);
        let broken = to_json(&s).replace("\"n_points\": 300", "\"n_points\": 299");
        let e = parse(&broken, Path::new("broken.json")).unwrap_err().to_string();
        assert!(e.contains("embedded run") && e.contains("broken.json"), "{e}");
    }

    #[test]
    fn absent_baseline_and_run_mean_zero_and_simulation() {
        let mut s = Session::paper_btex();
        s.baseline = None;
        let text = to_json(&s);
        assert!(!text.contains("baseline") && !text.contains("\"run\""));
        assert_eq!(parse(&text, Path::new("x")).unwrap(), s);
        assert_eq!(Baseline::constant(2.0).value_at(100.0), 2.0);
        let lin = Baseline { kind: crate::session::BaselineKind::Linear, coefficients: vec![1.0, 0.5] };
        assert_eq!(lin.value_at(4.0), 3.0);
    }

    #[test]
    fn refusals_name_the_problem_and_the_file() {
        let good = to_json(&sample());
        let p = Path::new("dir/mine.elute.json");
        let msg = |t: &str| parse(t, p).unwrap_err().to_string();
        let newer = good.replace("\"version\": 1", "\"version\": 2");
        let m = msg(&newer);
        assert!(m.contains("newer") && m.contains("mine.elute.json"), "{m}");
        let unknown = good.replace("\"peaks\":", "\"fit_results\": [], \"peaks\":");
        let m = msg(&unknown);
        assert!(m.contains("fit_results") && m.contains("line"), "{m}");
        let misspelt = good.replace("\"kd_per_s\"", "\"kd_per_sec\"");
        assert!(msg(&misspelt).contains("kd_per_sec"));
        let missing = good.replace("\"injection_s\": 4.0,", "");
        assert!(msg(&missing).contains("injection_s"), "{}", msg(&missing));
        let bad_len = good.replace("\"length_m\": 20.0", "\"length_m\": -20.0");
        assert!(msg(&bad_len).contains("length_m"));
        let nan = good.replace("\"ka_per_s\": 579.0", "\"ka_per_s\": -579.0");
        assert!(msg(&nan).contains("ka_per_s"), "{}", msg(&nan));
        assert!(msg("{\"format\": \"other\"}").contains("format"));
        assert!(msg("[1, 2").contains("line"));
        assert!(msg(&good.replace("\"constant\"", "\"spline\"")).contains("spline"));
    }

    #[test]
    fn failed_save_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.json");
        std::fs::write(&p, "old").unwrap();
        // A directory in the way of the temporary file's rename target makes the save fail.
        let bad = dir.path().join("sub");
        std::fs::create_dir(&bad).unwrap();
        assert!(save(&sample(), &bad).is_err());
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old");
    }
}

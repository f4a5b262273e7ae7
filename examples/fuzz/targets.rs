//! What the fuzzing harness runs on each input, and the invariants it checks: a reader's output is finite with
//! strictly increasing time and one value per time, or a typed error; a session either parses and validates
//! (and then simulates a short grid with no NaN), or is refused with a typed error. A panic is caught by the
//! caller.

use std::path::Path;

/// Which parser an input goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Every chromatogram reader, through the content sniffer.
    Readers,
    /// The session parser, its validation and a short simulation.
    Session,
}

/// What one input did.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Read (or parsed) and every invariant held.
    Accepted,
    /// Refused with a typed error.
    Refused,
    /// Accepted, but the result breaks an invariant: silent garbage.
    Garbage(String),
}

/// Runs `input` (named `name`, whose extension the readers may use as a hint) through `target`.
pub fn run(target: Target, name: &str, input: &[u8]) -> Outcome {
    match target {
        Target::Readers => reader(name, input),
        Target::Session => session(input),
    }
}

fn reader(name: &str, input: &[u8]) -> Outcome {
    let Ok(runs) = elute::io::read_bytes(input, Path::new(name)) else { return Outcome::Refused };
    for (k, c) in runs.iter().enumerate() {
        if c.time_s.len() != c.signal.len() {
            return Outcome::Garbage(format!("channel {k}: {} times, {} values", c.time_s.len(), c.signal.len()));
        }
        if let Some(i) = c.time_s.iter().chain(&c.signal).position(|v| !v.is_finite()) {
            return Outcome::Garbage(format!("channel {k}: a value that is not finite (index {i})"));
        }
        if let Some(i) = c.time_s.windows(2).position(|w| w[1] <= w[0]) {
            return Outcome::Garbage(format!("channel {k}: time not increasing at index {}", i + 1));
        }
    }
    // The summary `elute info` prints must not fail either.
    let _ = elute::io::info::describe(Path::new(name), &runs);
    Outcome::Accepted
}

fn session(input: &[u8]) -> Outcome {
    let Ok(text) = std::str::from_utf8(input) else { return Outcome::Refused };
    let Ok(s) = elute::session::parse(text, Path::new("fuzz.elute.json")) else { return Outcome::Refused };
    if s.validate().is_err() {
        return Outcome::Refused;
    }
    // A short simulation of what was accepted; the peak count is bounded here, not by the parser.
    if s.peaks.len() > 200 {
        return Outcome::Accepted;
    }
    let times_s: Vec<f64> = (0..200).map(|i| i as f64 * 5.0).collect();
    match s.simulate(&times_s, elute::model::Method::Closed) {
        Ok(sim) if sim.signal.iter().any(|v| !v.is_finite()) => {
            Outcome::Garbage("an accepted session simulates to a value that is not finite".into())
        }
        _ => Outcome::Accepted,
    }
}

/// The seed inputs of `target` from the repository's own files, as (name, bytes).
pub fn seeds(target: Target, repo: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    match target {
        Target::Readers => {
            for dir in ["tests/data", "tests/data/catalight_series", "sample_runs"] {
                let Ok(entries) = std::fs::read_dir(repo.join(dir)) else { continue };
                let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
                // The files of run folders (`rainbow_yellow.D/data.ms`) are seeds too.
                let folders: Vec<_> = paths
                    .iter()
                    .filter(|p| p.is_dir() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("d")))
                    .cloned()
                    .collect();
                for folder in folders {
                    paths.extend(std::fs::read_dir(folder).into_iter().flatten().flatten().map(|e| e.path()));
                }
                paths.sort();
                for p in paths {
                    let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                    if p.is_file()
                        && !name.ends_with(".md")
                        && !name.ends_with(".elute.json")
                        && let Ok(bytes) = std::fs::read(&p)
                    {
                        out.push((name, bytes));
                    }
                }
            }
        }
        Target::Session => {
            if let Ok(bytes) = std::fs::read(repo.join("sample_runs/btex-paper.elute.json")) {
                out.push(("btex-paper.elute.json".into(), bytes));
            }
            let mut btex = elute::session::Session::paper_btex();
            out.push(("paper_btex.elute.json".into(), elute::session::to_json(&btex).into_bytes()));
            btex.baseline = Some(elute::session::Baseline::constant(1.0));
            out.push(("with_baseline.elute.json".into(), elute::session::to_json(&btex).into_bytes()));
        }
    }
    out
}

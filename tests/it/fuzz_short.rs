//! A short deterministic run of the fuzzing harness's mutations (`examples/fuzz`) in `cargo test`: a few thousand
//! inputs through the readers and the session parser, each under `catch_unwind`, with no panic and no silent
//! garbage allowed; and every saved failing input in `tests/data/fuzz/` replayed (`readers-*` and `session-*`).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use crate::fuzz_mutate::{self as mutate, Rng};
use crate::fuzz_targets::{self as targets, Outcome, Target};

fn short_run(target: Target, inputs: usize, seed: u64) {
    let seeds = targets::seeds(target, Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(!seeds.is_empty());
    let others: Vec<Vec<u8>> = seeds.iter().map(|s| s.1.clone()).collect();
    let mut rng = Rng::new(seed);
    let mut failures = Vec::new();
    let mut accepted = 0;
    for i in 0..inputs {
        let (name, bytes) = &seeds[i % seeds.len()];
        let input = match target {
            Target::Readers => mutate::mutate_bytes(&mut rng, bytes, &others),
            Target::Session => mutate::mutate_json(&mut rng, bytes, &others),
        };
        match catch_unwind(AssertUnwindSafe(|| targets::run(target, name, &input))) {
            Err(_) => failures.push(format!("input {i} (from {name}): panic")),
            Ok(Outcome::Garbage(why)) => failures.push(format!("input {i} (from {name}): {why}")),
            Ok(Outcome::Accepted) => accepted += 1,
            Ok(Outcome::Refused) => {}
        }
    }
    assert!(failures.is_empty(), "{} of {inputs} failed: {failures:#?}", failures.len());
    // The mutations are not all fatal: some inputs still read, so the accepted path is exercised too.
    assert!(accepted > 0, "every mutated input was refused");
}

#[test]
fn mutated_corpus_files_never_panic_nor_read_as_garbage() {
    short_run(Target::Readers, 3000, 1);
}

#[test]
fn mutated_sessions_never_panic_nor_parse_into_garbage() {
    short_run(Target::Session, 2000, 2);
}

#[test]
fn saved_failing_inputs_are_replayed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    for path in entries.flatten().map(|e| e.path()) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let target = if name.starts_with("session-") {
            Target::Session
        } else if name.starts_with("readers-") {
            Target::Readers
        } else {
            continue;
        };
        let input = std::fs::read(&path).unwrap();
        let outcome = catch_unwind(AssertUnwindSafe(|| targets::run(target, &name, &input)));
        assert!(matches!(outcome, Ok(Outcome::Accepted | Outcome::Refused)), "{name}: {outcome:?}");
    }
}

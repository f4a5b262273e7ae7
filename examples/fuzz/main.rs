//! The fuzzing harness, on stable Rust: mutates the repository's own corpus in-process and runs every input
//! through the readers or the session parser, each under `catch_unwind`, with an allocation cap (a counting
//! global allocator) and a watchdog that flags any input over a second.
//!
//! ```sh
//! cargo run --release --example fuzz -- --seconds 600 --target readers [--seed 1] [--save DIR]
//! cargo run --release --example fuzz -- --seconds 600 --target session
//! ```
//!
//! Failing inputs (a panic, an input over a second, silent garbage) are saved in `--save` (default
//! `target/fuzz-failures`); `--replay FILE` runs one of them with its panic message shown. Copy them to `tests/data/fuzz/` and `cargo test` replays them. An input that
//! allocates past the cap is saved first, then the process aborts (an allocation failure cannot be caught).

mod alloc;
mod mutate;
mod targets;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use targets::{Outcome, Target};

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;

/// Live bytes one input may add to what the harness holds before it ran.
const ALLOCATION_CAP_BYTES: usize = 1 << 30;
/// An input running longer than this is flagged slow (and saved).
const SLOW: Duration = Duration::from_secs(1);
/// An input running longer than this is a hang: it is saved and the harness stops.
const HANG: Duration = Duration::from_secs(30);

struct Args {
    seconds: f64,
    target: Target,
    seed: u64,
    save: PathBuf,
    /// Run this one saved input (panic messages shown) instead of fuzzing.
    replay: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        seconds: 10.0,
        target: Target::Readers,
        seed: 1,
        save: PathBuf::from("target/fuzz-failures"),
        replay: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--seconds" => args.seconds = value()?.parse().map_err(|_| "--seconds takes a number".to_string())?,
            "--seed" => args.seed = value()?.parse().map_err(|_| "--seed takes an integer".to_string())?,
            "--save" => args.save = PathBuf::from(value()?),
            "--replay" => args.replay = Some(PathBuf::from(value()?)),
            "--target" => {
                args.target = match value()?.as_str() {
                    "readers" => Target::Readers,
                    "session" => Target::Session,
                    other => return Err(format!("--target is readers or session (got {other})")),
                }
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

/// The input being run, for the watchdog and the allocator's last words.
struct Current {
    started_ms: AtomicU64,
    input: Mutex<(String, Vec<u8>)>,
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("fuzz: {e}");
            std::process::exit(2);
        }
    };
    if let Some(path) = &args.replay {
        let input = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        println!("{:?}", targets::run(args.target, &path.to_string_lossy(), &input));
        return;
    }
    std::fs::create_dir_all(&args.save).expect("the --save folder can be created");
    alloc::arm_crash_file(&args.save.join("over-allocation-cap.bin"));
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seeds = targets::seeds(args.target, repo);
    assert!(!seeds.is_empty(), "no seed inputs found under {}", repo.display());
    let others: Vec<Vec<u8>> = seeds.iter().map(|s| s.1.clone()).collect();
    std::panic::set_hook(Box::new(|_| {})); // Panics are counted, not printed.

    let epoch = Instant::now();
    let current =
        Arc::new(Current { started_ms: AtomicU64::new(u64::MAX), input: Mutex::new((String::new(), Vec::new())) });
    spawn_watchdog(current.clone(), epoch, args.save.clone());
    let mut rng = mutate::Rng::new(args.seed);
    let (mut inputs, mut panics, mut slow, mut garbage, mut refused) = (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut peak_extra_bytes = 0usize;
    while epoch.elapsed().as_secs_f64() < args.seconds {
        let (name, seed) = &seeds[rng.below(seeds.len())];
        let input = match args.target {
            Target::Readers => mutate::mutate_bytes(&mut rng, seed, &others),
            Target::Session => mutate::mutate_json(&mut rng, seed, &others),
        };
        *current.input.lock().unwrap() = (name.clone(), input.clone());
        alloc::set_current_input(&current.input.lock().unwrap().1);
        let base = alloc::live_bytes();
        alloc::start_input(base + ALLOCATION_CAP_BYTES);
        let t = Instant::now();
        current.started_ms.store(epoch.elapsed().as_millis() as u64, Ordering::SeqCst);
        let result = catch_unwind(AssertUnwindSafe(|| targets::run(args.target, name, &input)));
        current.started_ms.store(u64::MAX, Ordering::SeqCst);
        let took = t.elapsed();
        peak_extra_bytes = peak_extra_bytes.max(alloc::end_input().saturating_sub(base));
        inputs += 1;
        let failure = match result {
            Err(_) => {
                panics += 1;
                Some("panic")
            }
            Ok(Outcome::Garbage(why)) => {
                garbage += 1;
                eprintln!("garbage from a mutation of {name}: {why}");
                Some("garbage")
            }
            Ok(Outcome::Refused) => {
                refused += 1;
                None
            }
            Ok(Outcome::Accepted) => None,
        };
        let failure = failure.or_else(|| {
            (took > SLOW).then(|| {
                slow += 1;
                "slow"
            })
        });
        if let Some(kind) = failure {
            save(&args.save, kind, name, &input);
        }
    }
    // The file an over-cap input would have been written to is left only when one was.
    let crash_file = args.save.join("over-allocation-cap.bin");
    if std::fs::metadata(&crash_file).is_ok_and(|m| m.len() == 0) {
        let _ = std::fs::remove_file(&crash_file);
    }
    println!(
        "fuzz {:?}: {inputs} inputs in {:.0} s from {} seeds; {refused} refused; {panics} panics; {garbage} garbage; \
         {slow} over {} s; 0 hangs; peak memory per input {:.1} MB",
        args.target,
        epoch.elapsed().as_secs_f64(),
        seeds.len(),
        SLOW.as_secs(),
        peak_extra_bytes as f64 / 1e6
    );
    if panics + garbage + slow > 0 {
        std::process::exit(1);
    }
}

/// Saves a failing input as `<kind>-<seed name>-<hash>.bin`.
fn save(dir: &Path, kind: &str, name: &str, input: &[u8]) {
    let hash = input.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3));
    let _ = std::fs::write(dir.join(format!("{kind}-{name}-{hash:016x}.bin")), input);
}

/// Flags an input that runs past [`HANG`]: saves it and stops the harness (a hang cannot be interrupted).
fn spawn_watchdog(current: Arc<Current>, epoch: Instant, dir: PathBuf) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_millis(100));
            let started = current.started_ms.load(Ordering::SeqCst);
            if started == u64::MAX {
                continue;
            }
            let running = Duration::from_millis((epoch.elapsed().as_millis() as u64).saturating_sub(started));
            if running > HANG {
                let (name, input) = current.input.lock().unwrap().clone();
                save(&dir, "hang", &name, &input);
                eprintln!("fuzz: a mutation of {name} has run {} s: saved as a hang", running.as_secs());
                std::process::exit(3);
            }
        }
    });
}

//! Files from the outside world and what the CLI does with them (issue 14): folders, FIFOs, devices, symlink
//! loops, odd paths, a session given as a run, a byte-order mark, a full disk, two inputs with one name, raw
//! bytes in error messages. Each case ends with a clear message or a correct result, never a hang.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs `elute ARGS` with a watchdog: a run that takes longer than `limit` is killed and fails the test.
pub fn elute(args: &[&std::ffi::OsStr], limit: Duration) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_elute"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("elute {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn info(path: &Path) -> (Option<i32>, String) {
    let out = elute(&["info".as_ref(), path.as_os_str()], Duration::from_secs(30));
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

#[test]
fn folders_fifos_devices_and_symlink_loops_get_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let (code, err) = info(dir.path());
    assert_eq!(code, Some(1));
    assert!(err.contains("a folder"), "{err}");
    let (code, err) = info(Path::new("/dev/zero"));
    assert_eq!(code, Some(1));
    assert!(err.contains("a device"), "{err}");
    let fifo = dir.path().join("pipe");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let (code, err) = info(&fifo);
    assert_eq!(code, Some(1));
    assert!(err.contains("FIFO"), "no writer, and still no hang: {err}");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    std::os::unix::fs::symlink(&b, &a).unwrap();
    std::os::unix::fs::symlink(&a, &b).unwrap();
    let (code, err) = info(&a);
    assert_eq!(code, Some(1));
    assert!(err.contains("symbolic links"), "{err}");
    let (code, err) = info(&dir.path().join("missing.cdf"));
    assert_eq!(code, Some(1));
    assert!(err.contains("No such file"), "{err}");
}

#[test]
fn an_unreadable_file_says_so_unless_we_are_root() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("locked.cdf");
    std::fs::copy(data("SOLV001.CDF"), &file).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&file).is_ok() {
        // Root reads any file: the permission cannot be tested here (CI runs as root).
        return;
    }
    let (code, err) = info(&file);
    assert_eq!(code, Some(1));
    assert!(err.contains("Permission denied"), "{err}");
}

#[test]
fn paths_with_spaces_and_non_ascii_characters_read_and_fit() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("Läufe mit Leerzeichen");
    std::fs::create_dir(&sub).unwrap();
    let file = sub.join("Lösung 1 – é.CDF");
    std::fs::copy(data("SOLV001.CDF"), &file).unwrap();
    let out = elute(&["info".as_ref(), file.as_os_str()], Duration::from_secs(30));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1200 points"));
    let out_dir = sub.join("résultats");
    let out =
        elute(&["fit".as_ref(), file.as_os_str(), "--out".as_ref(), out_dir.as_os_str()], Duration::from_secs(120));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(out_dir.join("Lösung 1 – é.elute.json").is_file());
}

#[test]
fn a_session_given_as_a_run_is_named_and_a_bom_session_loads() {
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("btex.elute.json");
    elute::session::save(&elute::session::Session::paper_btex(), &session).unwrap();
    let (code, err) = info(&session);
    assert_eq!(code, Some(1));
    assert!(err.contains("this is an Elute session, not a run"), "{err}");
    assert!(!err.contains("Fusion"), "{err}");
    // The same session with a UTF-8 byte-order mark, as Windows editors save it.
    let bom = dir.path().join("bom.elute.json");
    let text = std::fs::read_to_string(&session).unwrap();
    std::fs::write(&bom, format!("\u{feff}{text}")).unwrap();
    assert_eq!(elute::session::load(&bom).unwrap(), elute::session::load(&session).unwrap());
    let out = elute(
        &["simulate".as_ref(), bom.as_os_str(), "--from=0".as_ref(), "--to=10".as_ref(), "--step=1".as_ref()],
        Duration::from_secs(30),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 12);
    // A session is not a run in `elute fit` either.
    let out_dir = dir.path().join("out");
    let out =
        elute(&["fit".as_ref(), session.as_os_str(), "--out".as_ref(), out_dir.as_os_str()], Duration::from_secs(30));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("this is an Elute session"));
}

#[test]
fn output_to_a_full_disk_is_a_failure() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        // A container without /dev/full: nothing to write into.
        eprintln!("no /dev/full here: skipped");
        return;
    };
    let out = Command::new(env!("CARGO_BIN_EXE_elute"))
        .args(["info", "tests/data/SOLV001.CDF"])
        .stdout(full)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot write to standard output") && err.contains("No space left"), "{err}");
}

#[test]
fn two_inputs_with_one_name_write_two_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir(&a).unwrap();
    std::fs::create_dir(&b).unwrap();
    std::fs::copy(data("SOLV001.CDF"), a.join("run.CDF")).unwrap();
    std::fs::copy(data("EXAMPLE1.CDF"), b.join("run.CDF")).unwrap();
    let out_dir = dir.path().join("out");
    let (ra, rb) = (a.join("run.CDF"), b.join("run.CDF"));
    let out = elute(
        &["fit".as_ref(), ra.as_os_str(), rb.as_os_str(), "--out".as_ref(), out_dir.as_os_str()],
        Duration::from_secs(180),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("run~2.elute.json"), "the renaming is said: {stdout}");
    let first = elute::session::load(&out_dir.join("run.elute.json")).unwrap();
    let second = elute::session::load(&out_dir.join("run~2.elute.json")).unwrap();
    let path_of = |s: &elute::session::Session| s.run.as_ref().unwrap().path.clone();
    assert!(path_of(&first).ends_with("a/run.CDF"), "{}", path_of(&first));
    assert!(path_of(&second).ends_with("b/run.CDF"), "{}", path_of(&second));
}

#[test]
fn error_messages_escape_raw_bytes_and_stay_short() {
    let dir = tempfile::tempdir().unwrap();
    // A Fusion run whose detector name holds an ANSI colour code, a NUL and 5000 more characters.
    let json = dir.path().join("escape.fusion-data");
    let name = format!("\u{1b}[31m\u{0}{}", "y".repeat(5000));
    let doc = serde_json::json!({ "runTimeStamp": "x", "detectors": { name: { "values": "zz" } } });
    std::fs::write(&json, doc.to_string()).unwrap();
    let (code, err) = info(&json);
    assert_eq!(code, Some(1));
    assert!(err.contains("\\u{1b}[31m"), "the escape is shown escaped: {err:?}");
    assert!(!err.contains('\u{1b}') && !err.contains('\0'), "{err:?}");
    assert!(err.len() < 600, "{} bytes: {err}", err.len());
    // A netCDF file with one byte flipped in a name: the reader's parse error is a long Debug dump of bytes.
    let cdf = dir.path().join("garbage.cdf");
    let mut bytes = std::fs::read(data("SOLV001.CDF")).unwrap();
    bytes[21] = 0xff;
    std::fs::write(&cdf, &bytes).unwrap();
    let (code, err) = info(&cdf);
    assert_eq!(code, Some(1));
    assert!(err.contains("more characters"), "cut short: {err}");
    assert!(err.len() < 600, "{} bytes: {err}", err.len());
}

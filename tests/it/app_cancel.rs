//! Issue 14, "Bounded work": in the app, Cancel stops a long fit. The job stops counting as running at once (the
//! document unchanged, "Fit cancelled" in the status bar), and its worker thread returns soon after: that time is
//! measured, printed, and held to the watchdog or strict limit of [`crate::fit_cancel::latency_limit`].
#![cfg(feature = "gui")]

use std::time::{Duration, Instant};

use egui_kittest::Harness;

use elute::app::actions::{Action, Command};
use elute::app::state::Document;
use elute::app::{App, AppConfig};
use elute::chromatogram::Chromatogram;
use elute::session::{LoadedRun, Session};

use crate::fit_cancel::{latency_limit, long_run, median_and_max_ms, repeats};

fn harness(app: App) -> Harness<'static, App> {
    crate::app_workflows::harness_sized(app, 1400.0, 1000.0)
}

fn app_with(run: Chromatogram) -> App {
    let mut doc = Document::new(Session::new(elute::model::Column::default_preset(), Vec::new()));
    doc.run = Some(std::sync::Arc::new(LoadedRun { path: None, channels: vec![run], channel: 0 }));
    App::new(doc, AppConfig::default())
}

/// Starts detect-and-fit, lets it run `after`, presses Cancel: checks what the user sees, and returns the time
/// from the Cancel to the worker's return.
fn cancel_once(h: &mut Harness<'_, App>, after: Duration) -> Duration {
    let before = h.state().document().clone();
    h.state_mut().apply(Action::Command(Command::DetectPeaks));
    assert!(h.state().job_running(), "the fit started");
    let started = Instant::now();
    while started.elapsed() < after {
        std::thread::sleep(Duration::from_millis(20));
        h.step();
    }
    let (message, error) = (h.state().message(), h.state().error());
    assert!(h.state().job_running(), "the fit is still running when Cancel is pressed: {message} {error:?}");
    h.state_mut().apply(Action::CancelJob);
    let cancelled = Instant::now();
    assert!(!h.state().job_running(), "a cancelled job stops counting as running at once");
    while h.state().job_stopping() {
        assert!(cancelled.elapsed() < Duration::from_secs(300), "the cancelled worker never returned");
        std::thread::sleep(Duration::from_micros(200));
    }
    let latency = cancelled.elapsed();
    h.step();
    assert_eq!(h.state().document(), &before, "a cancelled fit leaves the document unchanged");
    assert!(h.state().message().starts_with("Fit cancelled"), "message: {}", h.state().message());
    latency
}

/// Times `count` cancels in the app on `run` against the limit.
fn assert_app_cancels_promptly(label: &str, run: Chromatogram, count: usize) {
    let mut h = harness(app_with(run));
    h.run();
    let latencies: Vec<Duration> = (0..count).map(|_| cancel_once(&mut h, Duration::from_millis(300))).collect();
    let (median_ms, max_ms) = median_and_max_ms(&latencies);
    println!("{label}: worker stopped after Cancel, over {count}: median {median_ms:.1} ms, max {max_ms:.1} ms");
    let limit = latency_limit();
    assert!(max_ms <= limit.as_secs_f64() * 1e3, "{label}: the worker took {max_ms:.1} ms (limit {limit:?})");
}

#[test]
fn bounded_work_cancel_stops_a_long_fit_in_the_app() {
    assert_app_cancels_promptly("app, 150 peaks, 15 200 points", long_run(150, 10.0), repeats(3));
}

#[test]
#[ignore = "a 5-million-point run: scripts/cancel_latency.sh runs it"]
fn bounded_work_cancel_stops_a_5_million_point_fit_in_the_app() {
    assert_app_cancels_promptly("app, 150 peaks, 5 000 000 points", long_run(150, 5e6 / 1520.0), repeats(3));
}

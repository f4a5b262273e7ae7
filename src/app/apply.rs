//! Applying what the user asked for: every [`Action`] and [`Command`], the outcome of a finished job, and the
//! autosave tick.

use std::sync::Arc;
use std::time::Instant;

use super::actions::{Action, Command, Setting};
use super::app::App;
use super::estimate::{climb_to_apex, median, peak_from_shape};
use super::export::{table_rows, to_csv, write_text};
use super::jobs::{JobError, JobKind, JobOutcome};
use super::panels::dialogs::PathPurpose;
use super::state::{Document, Gesture};
use crate::fit::Quality;
use crate::model::moments;
use crate::session::{self, LoadedRun, PeakFitSummary, peak_row};

impl App {
    /// Applies one action (what panels, menus and keys produce). Public so tests and scripts can drive it.
    pub fn apply(&mut self, action: Action) {
        if action.reads_curves() {
            // What is written or copied is never a drag preview.
            self.ensure_curves();
        }
        match action {
            Action::Command(c) => self.command(c),
            Action::OpenPath(p) => self.open_or_ask(p),
            Action::SavePath(p) => self.save_to(&p),
            Action::ExportCsvPath(p) => {
                let text = to_csv(&table_rows(&self.editing.doc, &self.curves));
                self.report_write(write_text(&p, &text), &p, "peak table");
            }
            Action::ExportJsonPath(p) => {
                let r = write_text(&p, &session::to_json(&self.session_to_save()));
                self.report_write(r, &p, "session JSON");
            }
            Action::ExportSvgPath(p) => {
                let svg = super::html_report::plot_svg(&self.editing.doc, &self.curves, 1000.0, 450.0);
                self.report_write(write_text(&p, &svg), &p, "plot SVG");
            }
            Action::ExportPngPath(p) => self.outbox.png = Some(p),
            Action::ExportReportPath(p) => {
                let rows = table_rows(&self.editing.doc, &self.curves);
                let html = super::html_report::html_report(&self.editing.doc, &self.curves, &rows);
                self.report_write(write_text(&p, &html), &p, "report");
            }
            Action::SetPeak { .. }
            | Action::SetColumn { .. }
            | Action::SetBaseline { .. }
            | Action::AddPeakAt { .. }
            | Action::RemovePeak(_)
            | Action::SelectChannel(_) => self.apply_edit(action),
            Action::Select(_) if self.pick_from_click() => {}
            Action::Select(i) => self.selected = i.filter(|&i| i < self.editing.doc.session.peaks.len()),
            Action::SetHoldupTime { holdup_time_s } => self.set_holdup_time(holdup_time_s),
            Action::PickUnretained(on) => self.pick_unretained(on),
            Action::CancelJob => {
                if self.stop_job() {
                    self.outbox.message = "Fit cancelled; the document is unchanged".into();
                }
            }
            Action::RestoreAutosave => self.restore_autosave(),
            Action::DiscardAutosave => {
                self.files.autosave_offer = None;
                if let Some(d) = &self.config.data_dir {
                    d.remove_autosave();
                }
            }
            Action::ResolveUnsaved(choice) => self.resolve_unsaved(choice),
            Action::DismissError => self.outbox.error = None,
            Action::Set(s) => self.apply_setting(s),
        }
    }

    /// The actions that change the document (each one undo step, or part of the open drag).
    fn apply_edit(&mut self, action: Action) {
        let peaks = self.editing.doc.session.peaks.len();
        match action {
            Action::SetPeak { index, peak, gesture } if index < peaks => self.edit(gesture, |d| {
                d.session.peaks[index] = peak;
                d.fits[index] = None;
            }),
            Action::SetColumn { column, gesture } => self.edit(gesture, |d| {
                d.session.column = column;
                d.column_assumed = false;
            }),
            Action::SetBaseline { baseline, gesture } => self.edit(gesture, |d| d.session.baseline = baseline),
            Action::AddPeakAt { time_s } => self.add_peak_at(time_s),
            Action::RemovePeak(i) if i < peaks => {
                self.edit(Gesture::Single, |d| d.remove_peak(i));
                self.selected = None;
            }
            Action::SelectChannel(c) => self.select_channel(c),
            _ => {}
        }
    }

    fn apply_setting(&mut self, s: Setting) {
        let settings = &mut self.settings;
        match s {
            Setting::Minutes(m) => settings.minutes = m,
            Setting::ParamMode(m) => settings.param_mode = m,
            Setting::Threshold(t) if super::settings::THRESHOLD_RANGE.contains(&t) => settings.threshold_sigma = t,
            Setting::MaxPeaks(n) if super::settings::MAX_PEAKS_RANGE.contains(&n) => settings.max_peaks = n,
            Setting::Threshold(_) | Setting::MaxPeaks(_) => {}
            Setting::Theme(t) => settings.theme = t,
            Setting::EmbedRun(e) => settings.embed_run = e,
            Setting::Method(m) => settings.method = m,
            Setting::FitInletTail(f) => settings.fit_inlet_tail = Some(f),
            Setting::PeakLabels(l) => settings.peak_labels = l,
        }
    }

    pub(super) fn command(&mut self, c: Command) {
        match c {
            Command::Open => self.ask_path(PathPurpose::Open),
            Command::OpenFolder => self.ask_path(PathPurpose::OpenFolder),
            Command::Save => match self.editing.session_path.clone() {
                Some(p) => self.save_to(&p),
                None => self.ask_path(PathPurpose::Save),
            },
            Command::SaveAs => self.ask_path(PathPurpose::Save),
            Command::Undo => {
                if let Some(prev) = self.editing.history.undo(&self.editing.doc) {
                    self.set_doc(prev);
                }
            }
            Command::Redo => {
                if let Some(next) = self.editing.history.redo(&self.editing.doc) {
                    self.set_doc(next);
                }
            }
            Command::CopyTable => {
                // The clipboard is reached through the egui output of the next frame.
                self.outbox.clipboard = Some(peak_row::to_tsv(&table_rows(&self.editing.doc, &self.curves)));
                self.outbox.message = "peak table copied as tab-separated text".into();
            }
            Command::ExportCsv => self.ask_path(PathPurpose::ExportCsv),
            Command::ExportJson => self.ask_path(PathPurpose::ExportJson),
            Command::ExportSvg => self.ask_path(PathPurpose::ExportSvg),
            Command::ExportReport => self.ask_path(PathPurpose::ExportReport),
            Command::ExportPng => self.ask_path(PathPurpose::ExportPng),
            Command::FitPeak => match self.selected {
                Some(i) => self.start_job(JobKind::FitPeaks(vec![i]), false),
                None => self.outbox.message = "select a peak to fit".into(),
            },
            Command::FitAll => {
                let all = (0..self.editing.doc.session.peaks.len()).collect();
                self.start_job(JobKind::FitPeaks(all), false);
            }
            Command::FitWindow => self.fit_window(),
            Command::DetectPeaks => self.start_job(self.detect_job(), false),
            Command::DeletePeak => {
                if let Some(i) = self.selected {
                    self.apply(Action::RemovePeak(i));
                }
            }
            Command::ResetView => self.plot_view.reset = true,
            Command::ToggleTimeUnit => self.settings.minutes = !self.settings.minutes,
            Command::Quit => self.quit_or_ask(),
        }
    }

    /// Fits the peaks whose mean lies in the visible time range of the plot.
    fn fit_window(&mut self) {
        let (lo, hi) = self.plot_view.visible_s.unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
        let session = &self.editing.doc.session;
        let inside: Vec<usize> = (0..session.peaks.len())
            .filter(|&i| (lo..=hi).contains(&moments(&session.column, &session.peaks[i]).mean_s))
            .collect();
        if inside.is_empty() {
            self.outbox.message = "no peak in the visible time range".into();
        } else {
            self.start_job(JobKind::FitPeaks(inside), false);
        }
    }

    /// Shows channel `c`: the other channel's peaks, fit figures and baseline do not describe it, so they go,
    /// and its own peaks are detected and fitted; the switch and that detection are one undo step.
    fn select_channel(&mut self, c: usize) {
        let Some(run) = &self.editing.doc.run else { return };
        if c >= run.channels.len() || c == run.channel {
            return;
        }
        let mut next = (**run).clone();
        next.channel = c;
        let base = median(&next.chromatogram().signal);
        let name = next.chromatogram().channel.clone();
        // A running job fits the channel being left.
        self.stop_job();
        self.edit(Gesture::Single, |d| {
            if let Some(r) = &mut d.session.run {
                r.channel = u32::try_from(c + 1).unwrap_or(1);
            }
            d.run = Some(Arc::new(next));
            d.replace_peaks(Vec::new(), Vec::new());
            d.session.fit = None;
            d.session.baseline = Some(crate::model::Baseline::constant(base));
        });
        self.selected = None;
        self.start_job(self.detect_job(), false);
        if let Some(running) = &mut self.job {
            running.merge_into = Some(self.editing.revision);
        }
        self.outbox.message = format!("channel {}: {name}; detecting and fitting its peaks", c + 1);
    }

    /// Restores the autosaved session with its run (found by the path and hash it records, or embedded), as
    /// unsaved changes to the session's own file when it had one.
    fn restore_autosave(&mut self) {
        let Some(offer) = self.files.autosave_offer.take() else { return };
        let (session, run, warning) = match session::open::open_path(&offer.path) {
            Ok(session::open::Opened::Session { session, run, warning, .. }) => (session, run, warning),
            // Read at start-up, gone or changed since: restore what was read.
            _ => {
                let mut s = offer.session.clone();
                let embedded = s.embedded_run.take().and_then(|e| e.to_chromatogram().ok());
                let run = embedded.map(|c| LoadedRun { path: None, channels: vec![c], channel: 0 });
                (s, run, Some("the autosave copy could not be read again: restored without its run".into()))
            }
        };
        let mut doc = Document::new(session);
        doc.run = run.map(Arc::new);
        let has_run = doc.run.is_some();
        self.replace_document(doc, offer.session_file.clone());
        // Restored edits are unsaved: the document differs from its file (or has none).
        self.editing.saved_revision = self.editing.revision.wrapping_sub(1);
        self.outbox.error = warning;
        self.outbox.message = format!(
            "restored the {} autosaved {}{}; save to keep it",
            offer.describe(),
            offer.age(),
            if has_run { "" } else { " (without its run)" }
        );
    }

    /// Applies a finished job's outcome as one undoable change (or as the opened document, when pristine).
    pub(super) fn poll_job(&mut self) {
        self.stopping.retain(|j| !j.is_finished());
        let Some(result) = self.job.as_ref().and_then(|r| r.job.poll()) else { return };
        let Some(running) = self.job.take() else { return };
        match result {
            Ok(outcome) => {
                let detected = matches!(running.kind, JobKind::Detect { .. });
                self.outbox.message = outcome.message.clone();
                let mut kept = Vec::new();
                if running.merge_into == Some(self.editing.revision) {
                    // Part of the gesture that started it: no undo step of its own.
                    let e = &mut self.editing;
                    kept = take_outcome(&mut e.doc, outcome, detected);
                    e.doc.sync();
                    e.revision += 1;
                } else {
                    self.edit(Gesture::Single, |d| kept = take_outcome(d, outcome, detected));
                }
                if !kept.is_empty() {
                    self.outbox.message = format!(
                        "the fit found no peak in the data where {} sits: kept as it was; move it onto a peak \
                         or delete it. {}",
                        kept.join(", "),
                        self.outbox.message
                    );
                }
                if running.pristine {
                    self.editing.history.clear();
                    self.editing.saved_revision = self.editing.revision;
                }
            }
            Err(JobError::Cancelled) => self.outbox.message = "Fit cancelled; the document is unchanged".into(),
            Err(JobError::Failed(e)) => self.outbox.error = Some(e),
        }
    }

    fn add_peak_at(&mut self, time_s: f64) {
        let Some(run) = self.editing.doc.run.clone() else { return };
        let c = run.chromatogram();
        let times = &c.time_s;
        if times.len() < 5 {
            return;
        }
        // What the current model does not explain yet.
        let own: Vec<f64> = match &self.curves.residual {
            Some(r) if r.len() == times.len() => r.clone(),
            _ => c.signal.iter().map(|y| y - median(&c.signal)).collect(),
        };
        let column = self.editing.doc.session.column;
        let k = times.partition_point(|&t| t < time_s).min(times.len() - 1);
        let step = c.median_step_s().unwrap_or(1.0).max(1e-9);
        let radius = ((moments::inlet_sd_s(&column) * 2.0 / step).ceil() as usize).max(3);
        let apex = climb_to_apex(&own, k, radius);
        let name = format!("peak {:.1} s", times[apex]);
        match peak_from_shape(&column, times, &own, apex, name) {
            Some(peak) => {
                let mut at = 0;
                self.edit(Gesture::Single, |d| at = d.push_peak(peak));
                self.selected = Some(at);
                self.outbox.message = format!("added a peak at {:.1} s", times[apex]);
            }
            None => self.outbox.message = "no peak above the model there".into(),
        }
    }

    /// Writes the autosave copy of a changed session (saved to a file or not) every [`AUTOSAVE_EVERY`](super::app::AUTOSAVE_EVERY).
    pub(super) fn autosave_tick(&mut self) {
        let Some(dir) = &self.config.data_dir else { return };
        let due = self
            .files
            .autosaved
            .is_none_or(|(at, rev)| rev != self.editing.revision && at.elapsed() > super::app::AUTOSAVE_EVERY);
        if self.is_dirty() && due {
            if let Err(e) = dir.write_autosave(&self.session_to_save(), self.editing.session_path.as_deref()) {
                self.outbox.message = format!("autosave failed: {e}");
            }
            self.files.autosaved = Some((Instant::now(), self.editing.revision));
        }
    }
}

/// Takes a job's outcome into the document: a detection replaces every peak; a fit takes the fitted peaks (and,
/// when every peak was fitted, the column with the fitted τ, the baseline and the fit summary), keeping peaks the
/// user added meanwhile. A fitted peak whose area came back zero (nothing in the data where it sits) would vanish
/// from the plot: it is kept as it was instead, and its name returned so the status bar can say so.
fn take_outcome(d: &mut Document, mut outcome: JobOutcome, detected: bool) -> Vec<String> {
    // The per-peak figures live in the document's `fits`, not in its session's summary.
    if let Some(f) = &mut outcome.session.fit {
        f.peaks.clear();
    }
    if detected {
        let peaks = std::mem::take(&mut outcome.session.peaks);
        d.session = outcome.session;
        d.replace_peaks(peaks, outcome.fits);
        return Vec::new();
    }
    if outcome.whole_run {
        d.session.column = outcome.session.column;
        d.session.baseline = outcome.session.baseline.clone();
        d.session.fit = outcome.session.fit.clone();
    }
    let mut kept = Vec::new();
    for (i, (p, f)) in outcome.session.peaks.into_iter().zip(outcome.fits).enumerate() {
        if f.is_none() || i >= d.session.peaks.len() {
            continue;
        }
        let before = &d.session.peaks[i];
        if vanished(before, &p, f.as_ref()) {
            kept.push(format!("'{}' (area {:.4} to {:.3e})", before.name, before.area, p.area));
            continue;
        }
        d.session.peaks[i] = p;
        d.fits[i] = f;
    }
    kept
}

/// Below this fraction of its area before the fit, a fitted peak has vanished (the fit found nothing there).
const VANISHED_AREA_FRACTION: f64 = 1e-3;

/// A fit took a peak with an area to (next to) none: its area at the bound, zero, not a number, or below
/// [`VANISHED_AREA_FRACTION`] of what it was.
fn vanished(before: &crate::model::Peak, fitted: &crate::model::Peak, fit: Option<&PeakFitSummary>) -> bool {
    before.area != 0.0
        && (fit.is_some_and(|f| f.quality == Quality::AreaAtBound)
            || !fitted.area.is_finite()
            || fitted.area.abs() < VANISHED_AREA_FRACTION * before.area.abs())
}

//! The [`App`]: owns the document, its history, curves, view state and the background job; draws the panels,
//! collects their [`Action`]s and applies them.
//!
//! Constructible without eframe (`App::new` + [`App::ui`]), so egui_kittest tests drive it headless.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod draw;
mod files;

use super::actions::{Action, Command};
use super::confidence::Confidence;
use super::estimate::{climb_to_apex, peak_from_shape};
use super::export::{table_rows, to_csv, to_tsv, write_text};
use super::files::DataDir;
use super::jobs::{Job, JobError, JobKind, JobRequest};
use super::panels::dialogs::{PathPrompt, PathPurpose};
use super::panels::menus::{ThemeChoice, ViewSettings};
use super::panels::plot::PlotView;
use super::params::ParamMode;
use super::state::{Curves, Document, Gesture, History};
use crate::model::{Column, Method};
use crate::session::{self, Session};

/// How the app is set up: where it keeps its data, and whether it may open native dialogs.
#[derive(Debug, Clone, Default)]
pub struct AppConfig {
    /// The data directory (autosave, recent files); `None` keeps nothing (tests).
    pub data_dir: Option<DataDir>,
    /// Use rfd's native dialogs (else always the path field).
    pub native_dialogs: bool,
}

/// Settings kept between runs (through eframe's storage).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Time axis in minutes.
    pub minutes: bool,
    /// What the peak sliders show.
    pub param_mode: ParamMode,
    /// Peak detection threshold, in noise standard deviations.
    pub threshold_sigma: f64,
    /// Colour theme (following the system by default).
    pub theme: ThemeChoice,
    /// Embed the measured channel in saved sessions (the embedded default run always is).
    pub embed_run: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            minutes: false,
            param_mode: ParamMode::Rates,
            threshold_sigma: 20.0,
            theme: ThemeChoice::System,
            embed_run: false,
        }
    }
}

/// A file dialog that returns nothing faster than this never appeared.
const NO_DIALOG_WITHIN: Duration = Duration::from_millis(700);

/// Seconds between autosaves of an unsaved, changed session.
const AUTOSAVE_EVERY: Duration = Duration::from_secs(15);

/// The desktop app.
pub struct App {
    doc: Document,
    history: History,
    revision: u64,
    curves: Curves,
    curves_revision: Option<(u64, Method)>,
    selected: Option<usize>,
    view: ViewSettings,
    plot_view: PlotView,
    threshold_sigma: f64,
    job: Option<(Job, JobKind)>,
    /// After the start-up detection, fit everything ("opens already fitted").
    fit_after_detect: bool,
    session_path: Option<PathBuf>,
    saved_revision: u64,
    error: Option<String>,
    message: String,
    prompt: Option<PathPrompt>,
    config: AppConfig,
    recent: Vec<PathBuf>,
    autosave_offer: Option<Session>,
    autosaved: (Instant, u64),
    pending_clipboard: Option<String>,
    /// A PNG export waiting for the next screenshot of the window.
    pending_png: Option<PathBuf>,
    /// The plot area on screen (points), for the PNG export.
    plot_rect: Option<egui::Rect>,
    /// Results reported back by screenshot callbacks (message or error).
    screenshot_results: Arc<std::sync::Mutex<Vec<Result<String, String>>>>,
    quit_requested: bool,
    /// The fit that follows the start-up detection is running; its result counts as the pristine document.
    startup_fit: bool,
    repaint: Repainter,
    /// The selected peak's confidence region, for the current revision.
    confidence: Option<Confidence>,
}

/// Wakes the UI from a job thread (once the app has seen its first frame).
#[derive(Clone, Default)]
struct Repainter(Option<egui::Context>);

impl Repainter {
    fn request(&self) {
        if let Some(ctx) = &self.0 {
            ctx.request_repaint();
        }
    }
}

impl App {
    /// An app showing `doc`.
    pub fn new(doc: Document, config: AppConfig) -> App {
        let recent = config.data_dir.as_ref().map(DataDir::read_recent).unwrap_or_default();
        let autosave_offer = config.data_dir.as_ref().and_then(DataDir::read_autosave);
        App {
            doc,
            history: History::default(),
            revision: 0,
            curves: Curves::default(),
            curves_revision: None,
            selected: None,
            view: ViewSettings {
                minutes: false,
                method: Method::Closed,
                param_mode: ParamMode::Rates,
                theme: ThemeChoice::System,
                embed_run: false,
            },
            plot_view: PlotView::default(),
            threshold_sigma: 20.0,
            job: None,
            fit_after_detect: false,
            session_path: None,
            saved_revision: 0,
            error: None,
            message: String::new(),
            prompt: None,
            config,
            recent,
            autosave_offer,
            autosaved: (Instant::now(), 0),
            pending_clipboard: None,
            pending_png: None,
            plot_rect: None,
            screenshot_results: Arc::default(),
            quit_requested: false,
            startup_fit: false,
            repaint: Repainter::default(),
            confidence: None,
        }
    }

    /// The default document: the embedded run when the readers can read it (then peaks are detected and fitted
    /// in the background on the first frame), else the simulated BTEX session of the paper.
    pub fn with_default_document(config: AppConfig) -> App {
        match super::files::default_run() {
            Some(run) => {
                let mut session = Session::new(Column::default_preset(), Vec::new());
                session.run = Some(session::RunRef {
                    path: super::files::DEFAULT_RUN_NAME.into(),
                    sha256: session::sha256_hex(super::files::DEFAULT_RUN_BYTES),
                    channel: 1,
                });
                let mut doc = Document::new(session);
                doc.run = Some(Arc::new(run));
                let mut app = App::new(doc, config);
                app.fit_after_detect = true;
                app.apply(Action::Command(Command::DetectPeaks));
                app
            }
            None => App::new(Document::new(Session::paper_btex()), config),
        }
    }

    /// The document shown.
    pub fn document(&self) -> &Document {
        &self.doc
    }

    /// The curves of the document as last computed.
    pub fn curves(&self) -> &Curves {
        &self.curves
    }

    /// The error banner's text, if shown.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The status message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The selected peak.
    pub fn selected(&self) -> Option<usize> {
        self.selected
    }

    /// The selected peak's confidence region (ellipse, and χ² contour once traced), when it has been fitted.
    pub fn confidence(&self) -> Option<&Confidence> {
        self.confidence.as_ref()
    }

    /// Whether a background job is running.
    pub fn job_running(&self) -> bool {
        self.job.is_some()
    }

    /// Whether the document changed since it was last saved or opened.
    pub fn is_dirty(&self) -> bool {
        self.revision != self.saved_revision
    }

    /// The settings to keep for the next run.
    pub fn settings(&self) -> Settings {
        Settings {
            minutes: self.view.minutes,
            param_mode: self.view.param_mode,
            threshold_sigma: self.threshold_sigma,
            theme: self.view.theme,
            embed_run: self.view.embed_run,
        }
    }

    /// Applies settings kept from an earlier run (out-of-range values are ignored).
    pub fn apply_settings(&mut self, s: Settings) {
        self.view.minutes = s.minutes;
        self.view.param_mode = s.param_mode;
        self.view.theme = s.theme;
        self.view.embed_run = s.embed_run;
        if s.threshold_sigma.is_finite() && (1.0..=1e4).contains(&s.threshold_sigma) {
            self.threshold_sigma = s.threshold_sigma;
        }
    }

    /// Sets the model evaluation method (view setting).
    pub fn set_method(&mut self, method: Method) {
        self.view.method = method;
    }

    /// Applies one action (what panels, menus and keys produce). Public so tests and scripts can drive it.
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::Command(c) => self.command(c),
            Action::OpenPath(p) => self.open(&p),
            Action::SavePath(p) => self.save_to(&p),
            Action::ExportCsvPath(p) => {
                let text = to_csv(&table_rows(&self.doc, &self.curves));
                self.report_write(write_text(&p, &text), &p, "peak table");
            }
            Action::ExportJsonPath(p) => {
                let r = write_text(&p, &session::to_json(&self.session_to_save()));
                self.report_write(r, &p, "session JSON");
            }
            Action::ExportSvgPath(p) => {
                let r = write_text(&p, &super::report::plot_svg(&self.doc, &self.curves, 1000.0, 450.0));
                self.report_write(r, &p, "plot SVG");
            }
            Action::ExportPngPath(p) => self.pending_png = Some(p),
            Action::ExportReportPath(p) => {
                let rows = table_rows(&self.doc, &self.curves);
                let r = write_text(&p, &super::report::html_report(&self.doc, &self.curves, &rows));
                self.report_write(r, &p, "report");
            }
            Action::SetPeak { index, peak, gesture } => {
                if index < self.doc.session.peaks.len() {
                    self.edit(gesture, |d| {
                        d.session.peaks[index] = peak;
                        d.stats[index] = None;
                    });
                }
            }
            Action::SetColumn { column, gesture } => self.edit(gesture, |d| d.session.column = column),
            Action::SetBaseline { baseline, gesture } => self.edit(gesture, |d| d.session.baseline = baseline),
            Action::AddPeakAt { time_s } => self.add_peak_at(time_s),
            Action::RemovePeak(i) => {
                if i < self.doc.session.peaks.len() {
                    self.edit(Gesture::Single, |d| {
                        d.session.peaks.remove(i);
                        d.stats.remove(i);
                    });
                    self.selected = None;
                }
            }
            Action::Select(i) => self.selected = i.filter(|&i| i < self.doc.session.peaks.len()),
            Action::SelectChannel(c) => {
                if let Some(run) = &self.doc.run
                    && c < run.channels.len()
                {
                    let mut next = (**run).clone();
                    next.channel = c;
                    self.edit(Gesture::Single, |d| {
                        if let Some(r) = &mut d.session.run {
                            r.channel = u32::try_from(c + 1).unwrap_or(1);
                        }
                        d.run = Some(Arc::new(next));
                    });
                }
            }
            Action::CancelJob => {
                if let Some((job, _)) = &self.job {
                    job.cancel();
                }
            }
            Action::RestoreAutosave => {
                if let Some(mut s) = self.autosave_offer.take() {
                    let embedded = s.embedded_run.take().and_then(|e| e.to_chromatogram().ok());
                    let mut doc = Document::new(s);
                    doc.run =
                        embedded.map(|c| Arc::new(super::state::Run { path: None, channels: vec![c], channel: 0 }));
                    self.replace_document(doc, None);
                    self.message = "restored the autosaved session".into();
                }
            }
            Action::DiscardAutosave => {
                self.autosave_offer = None;
                if let Some(d) = &self.config.data_dir {
                    d.remove_autosave();
                }
            }
            Action::DismissError => self.error = None,
        }
    }

    fn command(&mut self, c: Command) {
        match c {
            Command::Open => self.ask_path(PathPurpose::Open),
            Command::Save => match self.session_path.clone() {
                Some(p) => self.save_to(&p),
                None => self.ask_path(PathPurpose::Save),
            },
            Command::SaveAs => self.ask_path(PathPurpose::Save),
            Command::Undo => {
                if let Some(prev) = self.history.undo(&self.doc) {
                    self.set_doc(prev);
                }
            }
            Command::Redo => {
                if let Some(next) = self.history.redo(&self.doc) {
                    self.set_doc(next);
                }
            }
            Command::CopyTable => {
                // The clipboard is reached through the egui output of the next frame.
                self.pending_clipboard = Some(to_tsv(&table_rows(&self.doc, &self.curves)));
                self.message = "peak table copied as tab-separated text".into();
            }
            Command::ExportCsv => self.ask_path(PathPurpose::ExportCsv),
            Command::ExportJson => self.ask_path(PathPurpose::ExportJson),
            Command::ExportSvg => self.ask_path(PathPurpose::ExportSvg),
            Command::ExportReport => self.ask_path(PathPurpose::ExportReport),
            Command::ExportPng => self.ask_path(PathPurpose::ExportPng),
            Command::FitPeak => match self.selected {
                Some(i) => self.start_job(JobKind::FitPeaks(vec![i])),
                None => self.message = "select a peak to fit".into(),
            },
            Command::FitAll => self.start_job(JobKind::FitPeaks((0..self.doc.session.peaks.len()).collect())),
            Command::FitWindow => {
                let (lo, hi) = self.plot_view.visible_s.unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
                let column = self.doc.session.column;
                let inside: Vec<usize> = (0..self.doc.session.peaks.len())
                    .filter(|&i| (lo..=hi).contains(&super::params::mean_s(&column, &self.doc.session.peaks[i])))
                    .collect();
                if inside.is_empty() {
                    self.message = "no peak in the visible time range".into();
                } else {
                    self.start_job(JobKind::FitPeaks(inside));
                }
            }
            Command::DetectPeaks => self.start_job(JobKind::Detect { threshold_sigma: self.threshold_sigma }),
            Command::DeletePeak => {
                if let Some(i) = self.selected {
                    self.apply(Action::RemovePeak(i));
                }
            }
            Command::ResetView => self.plot_view.reset = true,
            Command::ToggleTimeUnit => self.view.minutes = !self.view.minutes,
            Command::Quit => self.quit_requested = true,
        }
    }
}

// Document changes, files and jobs.
impl App {
    /// Changes the document as one undoable edit (merged with the open drag gesture, if any).
    fn edit(&mut self, gesture: Gesture, f: impl FnOnce(&mut Document)) {
        let before = self.doc.clone();
        f(&mut self.doc);
        self.doc.sync_stats();
        if self.doc != before {
            self.history.record(&before, gesture);
            self.revision += 1;
        }
    }

    /// Sets the document from the history (undo/redo).
    fn set_doc(&mut self, doc: Document) {
        self.doc = doc;
        self.revision += 1;
        self.selected = self.selected.filter(|&i| i < self.doc.session.peaks.len());
    }

    /// Replaces the document by an opened one: a fresh history, clean state.
    fn replace_document(&mut self, doc: Document, path: Option<PathBuf>) {
        // A job's result belongs to the old document.
        if let Some((job, _)) = self.job.take() {
            job.cancel();
        }
        self.fit_after_detect = false;
        self.startup_fit = false;
        self.doc = doc;
        self.doc.sync_stats();
        self.history.clear();
        self.revision += 1;
        self.saved_revision = self.revision;
        self.session_path = path;
        self.selected = None;
        self.plot_view.reset = true;
    }

    fn start_job(&mut self, kind: JobKind) {
        if self.job.is_some() {
            self.message = "a job is already running".into();
            return;
        }
        let Some(run) = &self.doc.run else {
            self.error = Some("no measured run to fit: open a chromatogram first".into());
            return;
        };
        let request = JobRequest {
            kind: kind.clone(),
            session: self.doc.session.clone(),
            chromatogram: Arc::new(run.chromatogram().clone()),
        };
        let label = match &kind {
            JobKind::FitPeaks(p) if p.len() == 1 => "Fitting peak".to_string(),
            JobKind::FitPeaks(p) => format!("Fitting {} peaks", p.len()),
            JobKind::Detect { .. } => "Detecting peaks".to_string(),
        };
        let ctx = self.repaint.clone();
        self.job = Some((Job::spawn(label, request, move || ctx.request()), kind));
    }

    /// Applies a finished job's outcome as one undoable change.
    fn poll_job(&mut self) {
        let Some(result) = self.job.as_ref().and_then(|(job, _)| job.poll()) else { return };
        let Some((_, kind)) = self.job.take() else { return };
        match result {
            Ok(outcome) => {
                let detected = matches!(kind, JobKind::Detect { .. });
                self.edit(Gesture::Single, |d| {
                    if detected {
                        d.session = outcome.session;
                        d.stats = outcome.stats;
                    } else {
                        // Every peak fitted: the column (the fitted τ), the baseline and the summary come too.
                        let every =
                            outcome.stats.len() == d.session.peaks.len() && outcome.stats.iter().all(Option::is_some);
                        if every {
                            d.session.column = outcome.session.column;
                            d.session.baseline = outcome.session.baseline.clone();
                            d.session.fit = outcome.session.fit.clone();
                        }
                        // Keep peaks the user added meanwhile; take the fitted ones.
                        for (i, (p, s)) in outcome.session.peaks.into_iter().zip(outcome.stats).enumerate() {
                            if s.is_some() && i < d.session.peaks.len() {
                                d.session.peaks[i] = p;
                                d.stats[i] = s;
                            }
                        }
                    }
                    // The saved fit summary carries the statistics shown (see `state::sync_summary`).
                    super::state::sync_summary(&mut d.session, &d.stats);
                });
                self.message = outcome.message;
                if std::mem::take(&mut self.startup_fit) || (detected && self.fit_after_detect) {
                    // The start-up document (embedded run, detected and fitted) counts as unchanged.
                    self.history.clear();
                    self.saved_revision = self.revision;
                }
                if detected && std::mem::take(&mut self.fit_after_detect) {
                    self.apply(Action::Command(Command::FitAll));
                    self.startup_fit = self.job.is_some();
                }
            }
            Err(JobError::Cancelled) => self.message = "cancelled; the document is unchanged".into(),
            Err(JobError::Failed(e)) => self.error = Some(e),
        }
    }

    fn add_peak_at(&mut self, time_s: f64) {
        let Some(run) = self.doc.run.clone() else { return };
        let c = run.chromatogram();
        let times = &c.time_s;
        if times.len() < 5 {
            return;
        }
        // What the current model does not explain yet.
        let own: Vec<f64> = match &self.curves.residual {
            Some(r) if r.len() == times.len() => r.clone(),
            _ => c.signal.iter().map(|y| y - super::estimate::median(&c.signal)).collect(),
        };
        let k = times.partition_point(|&t| t < time_s).min(times.len() - 1);
        let step = c.median_step_s().unwrap_or(1.0).max(1e-9);
        let radius = ((super::params::min_sigma_s(&self.doc.session.column) * 2.0 / step).ceil() as usize).max(3);
        let apex = climb_to_apex(&own, k, radius);
        let name = format!("peak {:.1} s", times[apex]);
        match peak_from_shape(&self.doc.session.column, times, &own, apex, name) {
            Some(peak) => {
                let at = self.doc.session.peaks.len();
                self.edit(Gesture::Single, |d| d.session.peaks.push(peak));
                self.selected = Some(at);
                self.message = format!("added a peak at {:.1} s", times[apex]);
            }
            None => self.message = "no peak above the model there".into(),
        }
    }

    /// Keeps the confidence region in step with the selection and the document; starts tracing its contour
    /// unless `dragging` (the pointer is held), and picks up a traced contour.
    pub fn update_confidence(&mut self, dragging: bool) {
        let key = self.selected.map(|i| (self.revision, i));
        if self.confidence.as_ref().map(|c| c.key) != key {
            self.confidence = key.and_then(|(rev, i)| Confidence::for_peak(&self.doc, i, rev));
        }
        if let Some(c) = &mut self.confidence {
            let repaint = self.repaint.clone();
            c.poll(!dragging, move || repaint.request());
        }
    }

    /// Recomputes the curves when the document (or the evaluation method) changed since the last time.
    pub fn ensure_curves(&mut self) {
        let key = (self.revision, self.view.method);
        if self.curves_revision != Some(key) {
            let previous = std::mem::take(&mut self.curves);
            self.curves = Curves::update(previous, &self.doc, self.view.method);
            self.curves_revision = Some(key);
        }
    }

    fn autosave_tick(&mut self) {
        let Some(dir) = &self.config.data_dir else { return };
        if self.session_path.is_none()
            && self.is_dirty()
            && self.autosaved.1 != self.revision
            && self.autosaved.0.elapsed() > AUTOSAVE_EVERY
        {
            if let Err(e) = dir.write_autosave(&self.session_to_save()) {
                self.message = format!("autosave failed: {e}");
            }
            self.autosaved = (Instant::now(), self.revision);
        }
    }

    /// Call on a clean exit: the autosave copy is no longer needed.
    pub fn on_clean_exit(&self) {
        if let Some(d) = &self.config.data_dir
            && !self.is_dirty()
        {
            d.remove_autosave();
        }
    }
}

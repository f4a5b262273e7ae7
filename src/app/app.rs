//! The [`App`]: the document with its history and save state, what is derived from it (curves, the selected
//! peak's confidence region), the view settings, the background job, the files, and what goes out at the end of
//! a frame. [`apply`](super::apply) changes it, [`ui`](super::ui) draws it, [`files`](super::files) opens and
//! saves.
//!
//! Constructible without eframe (`App::new` + [`App::ui`]), so egui_kittest tests drive it headless.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::actions::{Action, Command};
use super::data_dir::DataDir;
use super::jobs::{Job, JobKind};
use super::panels::dialogs::PathPrompt;
use super::panels::plot::PlotView;
use super::preview::PreviewWindow;
use super::region::Confidence;
use super::settings::Settings;
use super::state::{Curves, Document, Gesture, History};
use crate::chromatogram::TimeUnit;
use crate::model::{Column, Method};
use crate::session::{self, Session, open};

/// How the app is set up: where it keeps its data, and whether it may open native dialogs.
#[derive(Debug, Clone, Default)]
pub struct AppConfig {
    /// The data directory (autosave, recent files); `None` keeps nothing (tests).
    pub data_dir: Option<DataDir>,
    /// Use rfd's native dialogs (else always the path field).
    pub native_dialogs: bool,
}

/// A file dialog that returns nothing faster than this never appeared.
pub(super) const NO_DIALOG_WITHIN: Duration = Duration::from_millis(700);

/// Seconds between autosaves of a changed session.
pub(super) const AUTOSAVE_EVERY: Duration = Duration::from_secs(15);

/// The document as edited: its undo history, its revision counter and where it is saved.
pub(super) struct Editing {
    pub(super) doc: Document,
    pub(super) history: History,
    /// Bumped by every change; what the derived state is keyed on.
    pub(super) revision: u64,
    /// The revision last saved or opened.
    pub(super) saved_revision: u64,
    /// The session's file, once saved or opened from one.
    pub(super) session_path: Option<PathBuf>,
}

/// The running background job and what follows it.
pub(super) struct RunningJob {
    pub(super) job: Job,
    pub(super) kind: JobKind,
    /// Its result counts as the opened document (no undo step, not dirty).
    pub(super) pristine: bool,
    /// Its result joins the undo step that started it (a channel switch and its detection are one step), if
    /// the document is still at this revision when it finishes.
    pub(super) merge_into: Option<u64>,
}

/// Files: the recent list, the autosave and the path field.
#[derive(Default)]
pub(super) struct Files {
    pub(super) recent: Vec<PathBuf>,
    /// The autosaved session found at start-up, until restored or discarded.
    pub(super) autosave_offer: Option<super::data_dir::Autosave>,
    /// When and at which revision the last autosave was written.
    pub(super) autosaved: Option<(Instant, u64)>,
    /// The path field, where no file dialog can appear.
    pub(super) prompt: Option<PathPrompt>,
    /// The folder of the last path given in the path field: the next prompt starts there.
    pub(super) last_folder: Option<PathBuf>,
    /// What waits for the answer to "unsaved changes: save them first?", while the question is shown.
    pub(super) unsaved_question: Option<Discarding>,
    /// What waits for the session to be saved under a path being asked for (Save chosen, no file yet).
    pub(super) after_save: Option<Discarding>,
}

/// What would discard unsaved changes, once the user agrees.
#[derive(Debug, Clone, PartialEq)]
pub enum Discarding {
    /// Closing the window.
    Quit,
    /// Opening this file in place of the document.
    Open(PathBuf),
}

/// What goes out of the app at the end of a frame: messages, the clipboard, screenshots, closing.
#[derive(Default)]
pub(super) struct Outbox {
    pub(super) error: Option<String>,
    pub(super) message: String,
    pub(super) clipboard: Option<String>,
    /// A PNG export waiting for the next screenshot of the window.
    pub(super) png: Option<PathBuf>,
    /// The plot area on screen (points), for the PNG export.
    pub(super) plot_rect: Option<egui::Rect>,
    /// Results reported back by screenshot callbacks (message or error).
    pub(super) screenshot_results: Arc<std::sync::Mutex<Vec<Result<String, String>>>>,
    pub(super) quit: bool,
    /// The window title last sent.
    pub(super) title: String,
    /// The user agreed to close (nothing unsaved, or chose to discard it): the window may close.
    pub(super) closing: bool,
}

/// The desktop app.
pub struct App {
    pub(super) editing: Editing,
    pub(super) curves: Curves,
    pub(super) curves_key: Option<(u64, Method)>,
    /// The pointer was held when this frame began (a drag: edits then get preview curves).
    pub(super) pointer_held: bool,
    /// The selected peak's confidence region, for the current revision.
    pub(super) confidence: Option<Confidence>,
    pub(super) settings: Settings,
    pub(super) selected: Option<usize>,
    /// The next click on the plot picks the unretained peak (gives t0).
    pub(super) picking_unretained: bool,
    pub(super) plot_view: PlotView,
    /// Which side panels are open.
    pub(super) side_panels: super::ui::SidePanels,
    /// The column view (teaching): open or not, its time control.
    pub(super) column_view: super::column_view::ColumnView,
    /// The column view's hovered band, as its text, and what it drew last frame (for tests).
    pub(super) column_view_hover: Option<String>,
    pub(super) column_view_frame: Option<super::column_view::Frame>,
    /// A document was opened: the next frame forgets the scroll positions and panel widths of the last one.
    pub(super) fresh_layout: bool,
    pub(super) job: Option<RunningJob>,
    /// Jobs cancelled but whose worker has not returned yet (dropped once it has; their result is ignored).
    pub(super) stopping: Vec<Job>,
    pub(super) config: AppConfig,
    pub(super) files: Files,
    pub(super) outbox: Outbox,
    pub(super) repaint: Repainter,
}

/// Wakes the UI from a job thread (once the app has seen its first frame).
#[derive(Clone, Default)]
pub(super) struct Repainter(pub(super) Option<egui::Context>);

impl Repainter {
    pub(super) fn request(&self) {
        if let Some(ctx) = &self.0 {
            ctx.request_repaint();
        }
    }
}

impl App {
    /// An app showing `doc`.
    pub fn new(doc: Document, config: AppConfig) -> App {
        let files = Files {
            recent: config.data_dir.as_ref().map(DataDir::read_recent).unwrap_or_default(),
            autosave_offer: config.data_dir.as_ref().and_then(DataDir::read_autosave),
            ..Files::default()
        };
        App {
            editing: Editing { doc, history: History::default(), revision: 0, saved_revision: 0, session_path: None },
            curves: Curves::default(),
            curves_key: None,
            pointer_held: false,
            confidence: None,
            settings: Settings::default(),
            selected: None,
            picking_unretained: false,
            plot_view: PlotView::default(),
            fresh_layout: true,
            side_panels: super::ui::SidePanels::default(),
            column_view: Default::default(),
            column_view_hover: None,
            column_view_frame: None,
            job: None,
            stopping: Vec::new(),
            config,
            files,
            outbox: Outbox::default(),
            repaint: Repainter::default(),
        }
    }

    /// The default document: the embedded run when the readers can read it (then peaks are detected and fitted
    /// in the background on the first frame), else the simulated BTEX session of the paper.
    pub fn with_default_document(config: AppConfig) -> App {
        match open::default_run() {
            Some(run) => {
                let mut session = Session::new(Column::default_preset(), Vec::new());
                session.run = Some(session::RunRef {
                    path: open::DEFAULT_RUN_NAME.into(),
                    sha256: open::default_run_sha256(),
                    channel: 1,
                });
                let mut doc = Document::new(session);
                doc.column_assumed = true;
                doc.run = Some(Arc::new(run));
                let mut app = App::new(doc, config);
                let detect = app.detect_job();
                app.start_job(detect, true);
                app
            }
            None => App::new(Document::new(Session::paper_btex()), config),
        }
    }

    /// The document shown.
    pub fn document(&self) -> &Document {
        &self.editing.doc
    }

    /// The curves of the document as last computed.
    pub fn curves(&self) -> &Curves {
        &self.curves
    }

    /// The error banner's text, if shown.
    pub fn error(&self) -> Option<&str> {
        self.outbox.error.as_deref()
    }

    /// The status message.
    pub fn message(&self) -> &str {
        &self.outbox.message
    }

    /// The selected peak.
    pub fn selected(&self) -> Option<usize> {
        self.selected
    }

    /// The selected peak's confidence region (ellipse, and χ² contour once traced), when it has been fitted.
    pub fn confidence(&self) -> Option<&Confidence> {
        self.confidence.as_ref()
    }

    /// The main plot's transform as last drawn (plot values in the axis unit ↔ screen points), once drawn.
    pub fn plot_transform(&self) -> Option<egui_plot::PlotTransform> {
        self.plot_view.transform
    }

    /// The plot area on screen (points), as last drawn.
    pub fn plot_rect(&self) -> Option<egui::Rect> {
        self.outbox.plot_rect
    }

    /// Shows or hides the column view (as View ▸ Column view does).
    pub fn show_column_view(&mut self, open: bool) {
        self.side_panels.column_view = open;
    }

    /// The column view's state (teaching): time, playing, speed.
    pub fn column_view(&self) -> &super::column_view::ColumnView {
        &self.column_view
    }

    /// The column view's state, to change from a test or a script (as the view's controls do).
    pub fn column_view_mut(&mut self) -> &mut super::column_view::ColumnView {
        &mut self.column_view
    }

    /// What the column view drew last frame (None while it is closed).
    pub fn column_view_frame(&self) -> Option<&super::column_view::Frame> {
        self.column_view_frame.as_ref()
    }

    /// The chromatogram's cursor line (the column view's moment) in s, as last drawn.
    pub fn plot_cursor_s(&self) -> Option<f64> {
        self.plot_view.cursor_s
    }

    /// The text of the band hovered in the column view last frame, if any.
    pub fn column_view_hover(&self) -> Option<&str> {
        self.column_view_hover.as_deref()
    }

    /// The peak labels drawn on the plot last frame, in retention order ("Benzene\n3.853 min").
    pub fn plot_labels(&self) -> &[String] {
        &self.plot_view.labels
    }

    /// The window title last sent: the open file's name, with "•" while changes are unsaved.
    pub fn window_title(&self) -> &str {
        &self.outbox.title
    }

    /// Where a handle of the selected peak is drawn (screen points), once drawn.
    pub fn handle_on_screen(&self, handle: super::panels::plot::Handle) -> Option<egui::Pos2> {
        self.plot_view.handle_on_screen(handle)
    }

    /// Whether a background job is running (a cancelled one no longer is, even before its worker returns).
    pub fn job_running(&self) -> bool {
        self.job.is_some()
    }

    /// Whether the worker of a cancelled job is still running (it stops at its next cancel check).
    pub fn job_stopping(&self) -> bool {
        self.stopping.iter().any(|j| !j.is_finished())
    }

    /// Whether the document changed since it was last saved or opened.
    pub fn is_dirty(&self) -> bool {
        self.editing.revision != self.editing.saved_revision
    }

    /// The settings to keep for the next run.
    pub fn settings(&self) -> Settings {
        self.settings
    }

    /// Applies settings kept from an earlier run (out-of-range values are replaced by the defaults).
    pub fn apply_settings(&mut self, s: Settings) {
        self.settings = Settings { method: self.settings.method, ..s.sanitized() };
    }

    /// Changes the document as one undoable edit (merged with the open drag gesture, if any).
    pub(super) fn edit(&mut self, gesture: Gesture, f: impl FnOnce(&mut Document)) {
        let e = &mut self.editing;
        let before = e.doc.clone();
        f(&mut e.doc);
        e.doc.sync();
        if e.doc != before {
            e.history.record(&before, gesture);
            e.revision += 1;
        }
    }

    /// Sets the document from the history (undo/redo).
    pub(super) fn set_doc(&mut self, doc: Document) {
        self.editing.doc = doc;
        self.editing.revision += 1;
        self.selected = self.selected.filter(|&i| i < self.editing.doc.session.peaks.len());
    }

    /// Replaces the document by an opened one: a fresh history, clean state.
    pub(super) fn replace_document(&mut self, doc: Document, path: Option<PathBuf>) {
        // A job's result belongs to the old document.
        self.stop_job();
        let e = &mut self.editing;
        e.doc = doc;
        e.doc.sync();
        e.history.clear();
        e.revision += 1;
        e.saved_revision = e.revision;
        e.session_path = path;
        self.selected = None;
        self.picking_unretained = false;
        self.plot_view.reset = true;
        self.fresh_layout = true;
        // The time axis starts in the file's unit (minutes for most GC software).
        if let Some(unit) = self.editing.doc.run.as_ref().and_then(|r| r.chromatogram().metadata.time_unit) {
            self.settings.minutes = unit == TimeUnit::Minutes;
        }
    }

    /// Cancels the running job, if any, at once: it no longer counts as running and its result is never applied;
    /// its worker is kept in `stopping` until it returns. True if there was one.
    pub(super) fn stop_job(&mut self) -> bool {
        let Some(running) = self.job.take() else { return false };
        running.job.cancel();
        self.stopping.push(running.job);
        true
    }

    /// A detection with the threshold and cap the user set.
    pub(super) fn detect_job(&self) -> JobKind {
        JobKind::Detect { threshold_sigma: self.settings.threshold_sigma, max_peaks: self.settings.max_peaks }
    }

    /// Starts `kind` on a snapshot of the document; `pristine` makes the result count as the opened document.
    pub(super) fn start_job(&mut self, kind: JobKind, pristine: bool) {
        if self.job.is_some() {
            self.outbox.message = "a job is already running".into();
            return;
        }
        let doc = &self.editing.doc;
        let Some(run) = &doc.run else {
            self.outbox.error = Some("no measured run to fit: open a chromatogram first".into());
            return;
        };
        let request = super::jobs::JobRequest {
            kind: kind.clone(),
            session: doc.session.clone(),
            column_assumed: doc.column_assumed,
            holdup_known: doc.holdup_known,
            fit_inlet_tail: self.fits_inlet_tail(),
            chromatogram: Arc::new(run.chromatogram().clone()),
        };
        let label = match &kind {
            JobKind::FitPeaks(p) if p.len() == 1 => "Fitting peak".to_string(),
            JobKind::FitPeaks(p) => format!("Fitting {} peaks", p.len()),
            JobKind::Detect { .. } => "Detecting peaks".to_string(),
        };
        let ctx = self.repaint.clone();
        let job = Job::spawn(label, request, move || ctx.request());
        self.job = Some(RunningJob { job, kind, pristine, merge_into: None });
    }

    /// Keeps the confidence region in step with the selection and the document; starts tracing its contour
    /// unless `dragging` (the pointer is held), and picks up a traced contour.
    pub fn update_confidence(&mut self, dragging: bool) {
        let key = self.selected.map(|i| (self.editing.revision, i));
        if self.confidence.as_ref().map(|c| c.key) != key {
            self.confidence = key.and_then(|(rev, i)| Confidence::for_peak(&self.editing.doc, i, rev));
        }
        if let Some(c) = &mut self.confidence {
            let repaint = self.repaint.clone();
            c.poll(!dragging, move || repaint.request());
        }
    }

    /// Brings the curves up to date at full resolution: recomputes them when the document (or the evaluation
    /// method) changed since the last time, and finishes a drag preview.
    pub fn ensure_curves(&mut self) {
        self.refresh_curves(true);
    }

    /// Recomputes the curves when the document (or the evaluation method) changed since the last time. With
    /// `finish`, at full resolution, a drag preview included; without, as a preview (see [`Curves::preview`])
    /// while the pointer is held (a drag) once the plot has been drawn. Returns whether it finished a preview.
    pub(super) fn refresh_curves(&mut self, finish: bool) -> bool {
        let key = (self.editing.revision, self.settings.method);
        let changed = self.curves_key != Some(key);
        let unfinished = finish && self.curves.is_preview();
        if !changed && !unfinished {
            return false;
        }
        let previous = std::mem::take(&mut self.curves);
        let (doc, method) = (&self.editing.doc, self.settings.method);
        let preview = !finish && self.pointer_held;
        self.curves = match self.preview_window().filter(|_| preview) {
            Some(window) => Curves::preview(previous, doc, method, &window),
            None => Curves::update(previous, doc, method),
        };
        self.curves_key = Some(key);
        unfinished
    }

    /// What a preview is computed for: the plot's visible time range and width, as last drawn.
    fn preview_window(&self) -> Option<PreviewWindow> {
        let visible_s = self.plot_view.visible_s?;
        let width_px = self.outbox.plot_rect?.width();
        Some(PreviewWindow { visible_s, width_px })
    }

    /// Whether the app asked the window to close (the user agreed to lose nothing, or to discard).
    pub fn is_closing(&self) -> bool {
        self.outbox.closing
    }

    /// Call on a clean exit: the autosave copy is no longer needed (nothing unsaved, or the user discarded it).
    pub fn on_clean_exit(&self) {
        if let Some(d) = &self.config.data_dir
            && (!self.is_dirty() || self.outbox.closing)
        {
            d.remove_autosave();
        }
    }

    /// Opens `file` as the app starts (from the command line).
    pub fn open_at_start(&mut self, file: PathBuf) {
        self.apply(Action::OpenPath(file));
    }

    /// Runs `command` as if chosen from its menu.
    pub fn run_command(&mut self, command: Command) {
        self.apply(Action::Command(command));
    }
}

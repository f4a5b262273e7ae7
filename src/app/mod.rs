//! The desktop app (feature `gui`): eframe/egui over the same model, fit, io and session code as the CLI.
//!
//! Table of contents:
//! - [`app`]: the [`App`] struct: the document being edited, derived state, settings, job, files, outbox;
//! - [`apply`]: every [`Action`](actions::Action) applied, job outcomes taken in, the autosave;
//! - [`ui`]: drawing the window, panel by panel, and when their actions are applied;
//! - [`unsaved`]: asking before quitting or opening discards unsaved changes;
//! - [`holdup`]: the fit panel's run-level choices: τ fitted or held, t0 given (typed or from the unretained peak);
//! - [`format`]: numbers with their standard errors to the digits the errors set;
//! - [`files`]: opening (through [`crate::session::open`]) and saving, and asking for a path;
//! - [`actions`]: every user intent as an [`Action`](actions::Action); commands carry label, tooltip, shortcut;
//! - [`settings`]: the view settings kept between runs;
//! - [`state`]: the [`Document`](state::Document) (session + run + per-peak fit figures and ids), the undo
//!   [`History`](state::History) with drag merging, and the computed [`Curves`](state::Curves);
//! - [`preview`]: the curves of a drag frame (only the changed peaks, at screen resolution), finished on release;
//! - [`jobs`]: fits and peak detection (the shared [`crate::session::fitting`] workflow) on a background thread
//!   with progress and cancel;
//! - [`region`]: the selected peak's confidence ellipse now, its χ² contour traced in the background;
//! - [`column_view`]: the teaching view's time control and what it shows (the bands inside the column);
//! - [`panels`]: menus, plot, peak table + sliders, column, fit controls, status bar, dialogs;
//! - [`params`]: the slider modes;
//! - [`estimate`]: a peak's starting parameters from the local shape of a trace (a click on the plot);
//! - [`export`]: the peak table as [`PeakRow`](crate::session::PeakRow)s, and the files written;
//! - [`html_report`]: the plot as SVG and the one-page HTML report;
//! - [`data_dir`]: the app's data directory (autosave, recent files).

pub mod actions;
#[allow(clippy::module_inception)]
pub mod app;
pub mod apply;
pub mod column_view;
pub mod data_dir;
pub mod estimate;
pub mod export;
pub mod files;
pub mod format;
pub mod holdup;
pub mod html_report;
pub mod jobs;
pub mod panels;
pub mod params;
pub mod preview;
pub mod region;
pub mod settings;
pub mod state;
pub mod ui;
pub mod unsaved;

use std::path::PathBuf;

pub use app::{App, AppConfig};
pub use settings::Settings;

/// Key of the settings in eframe's storage.
const SETTINGS_KEY: &str = "elute-settings";

/// Opens the window: on `file` when given, else on the embedded default run (or the simulated BTEX session
/// until the readers land).
pub fn run(file: Option<PathBuf>) -> anyhow::Result<()> {
    let config = AppConfig { data_dir: data_dir::DataDir::platform(), native_dialogs: true };
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1280.0, 800.0])
            .with_title("Elute")
            .with_app_id("elute")
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "Elute",
        options,
        Box::new(move |cc| {
            let mut app = App::with_default_document(config);
            if let Some(settings) = cc.storage.and_then(|s| eframe::get_value::<Settings>(s, SETTINGS_KEY)) {
                app.apply_settings(settings);
            }
            if let Some(f) = file {
                app.open_at_start(f);
            }
            Ok(Box::new(EframeApp(app)))
        }),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))
}

/// The eframe wrapper: draws the app and cleans up on exit.
struct EframeApp(App);

impl eframe::App for EframeApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.0.ui(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, SETTINGS_KEY, &self.0.settings());
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.0.on_clean_exit();
    }
}

//! The desktop app (feature `gui`): eframe/egui over the same model, fit, io and session code as the CLI.
//!
//! - [`shell`]: the [`App`] — document, undo, curves, jobs, files; `shell/draw.rs` draws the panels and applies
//!   their actions, `shell/files.rs` opens and saves;
//! - [`state`]: the [`Document`](state::Document) (session + run + fit statistics), undo [`History`](state::History)
//!   with drag merging, and the computed [`Curves`](state::Curves);
//! - [`actions`]: every user intent as an [`Action`](actions::Action); commands carry label, tooltip, shortcut;
//! - [`confidence`]: the selected peak's confidence ellipse now, its χ² contour traced in the background;
//! - [`jobs`]: fits and peak detection (the same `crate::fit` functions as `elute fit`) on a background thread
//!   with progress and cancel;
//! - [`panels`]: menus, plot, peak table + sliders, column, fit controls, status bar, dialogs;
//! - [`params`]: slider modes and the moment formulas (mean, σ ⇄ k_a, k_d);
//! - [`estimate`]: initial peak parameters from the local shape of a trace;
//! - [`export`]: the peak table as rows, CSV and tab-separated text;
//! - [`report`]: the plot as SVG and the one-page HTML report;
//! - [`files`]: opening runs and sessions, the embedded default run, autosave and recent files.

pub mod actions;
pub mod confidence;
pub mod estimate;
pub mod export;
pub mod files;
pub mod jobs;
pub mod panels;
pub mod params;
pub mod report;
pub mod shell;
pub mod state;

use std::path::PathBuf;

pub use shell::{App, AppConfig, Settings};

/// Key of the settings in eframe's storage.
const SETTINGS_KEY: &str = "elute-settings";

/// Opens the window: on `file` when given, else on the embedded default run (or the simulated BTEX session
/// until the readers land).
pub fn run(file: Option<PathBuf>) -> anyhow::Result<()> {
    let config = AppConfig { data_dir: files::DataDir::platform(), native_dialogs: true };
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
                app.apply(actions::Action::OpenPath(f));
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

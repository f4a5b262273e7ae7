//! The desktop app (feature `gui`): eframe/egui over the same model, fit, io and session code as the CLI.
//!
//! For now a minimal window that plots the simulated BTEX chromatogram of the paper (baseline + five peaks),
//! each peak's own curve on top. The full app (runs, sliders, fitting, undo) builds on this.

use std::path::PathBuf;

use egui_plot::{Legend, Line, Plot, PlotPoints};

use crate::model::Method;
use crate::session::{Session, Simulation};

/// The app state: the session shown and its simulated curves.
pub struct App {
    session: Session,
    simulation: Option<Simulation>,
    message: String,
}

impl App {
    /// An app showing `session`, simulated from 0 to `end_s` every `step_s` seconds.
    pub fn new(session: Session, end_s: f64, step_s: f64) -> App {
        let n = (end_s / step_s).round() as usize + 1;
        let times: Vec<f64> = (0..n).map(|i| i as f64 * step_s).collect();
        match session.simulate(&times, Method::Closed) {
            Ok(sim) => App { session, simulation: Some(sim), message: String::new() },
            Err(e) => App { session, simulation: None, message: format!("cannot simulate: {e}") },
        }
    }

    /// Draws the whole window.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        egui::Panel::bottom("status").show(ui, |ui| {
            let n = self.simulation.as_ref().map_or(0, |s| s.time_s.len());
            ui.label(format!(
                "Simulated BTEX (Cabrera-Codony et al., Table 3) · {} peaks · {n} points · t0 = {:.2} s {}",
                self.session.peaks.len(),
                self.session.column.holdup_time_s(),
                self.message
            ));
        });
        egui::CentralPanel::default().show(ui, |ui| {
            let Some(sim) = &self.simulation else {
                ui.label(&self.message);
                return;
            };
            Plot::new("chromatogram")
                .legend(Legend::default())
                .x_axis_label("time (s)")
                .y_axis_label("signal (a.u.)")
                .show(ui, |plot| {
                    let pts = |ys: &[f64], offset: f64| -> PlotPoints<'static> {
                        sim.time_s.iter().zip(ys).map(|(&t, &y)| [t, y + offset]).collect()
                    };
                    plot.line(Line::new("signal", pts(&sim.signal, 0.0)).width(2.0));
                    let base = self.session.baseline.as_ref().map_or(0.0, |b| b.value_at(0.0));
                    for (peak, ys) in self.session.peaks.iter().zip(&sim.peaks) {
                        plot.line(Line::new(peak.name.clone(), pts(ys, base)));
                    }
                });
        });
    }
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        App::ui(self, ui);
    }
}

/// Opens the window. `file` is not opened yet: the minimal app always shows the simulated BTEX run.
pub fn run(file: Option<PathBuf>) -> anyhow::Result<()> {
    if let Some(f) = file {
        eprintln!("note: opening files arrives with the full app; showing the simulated BTEX run ({})", f.display());
    }
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default().with_inner_size([1100.0, 700.0]).with_title("Elute"),
        ..Default::default()
    };
    eframe::run_native("Elute", options, Box::new(|_cc| Ok(Box::new(App::new(Session::paper_btex(), 700.0, 0.1)))))
        .map_err(|e| anyhow::anyhow!("{e}"))
}

//! The desktop app (feature `gui`): eframe/egui over the same model, fit, io and session code as the CLI.

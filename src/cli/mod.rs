//! The batch command line: clap arguments → validated configuration → the same session/model functions the app
//! calls. Each subcommand lives in its own file.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Like `print!`/`println!` on stdout, but a closed pipe (`elute fit … | head`) is not a panic: write errors
/// on stdout are ignored (the results are in the files; stdout is a summary).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout().lock(), $($arg)*);
    }};
}
macro_rules! sayln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}
pub(crate) use {say, sayln};

pub mod fit;
pub mod info;
pub mod simulate;

/// Elute: fit gas-chromatography peaks with a physical column model.
#[derive(Debug, Parser)]
#[command(name = "elute", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// A run or session file to open in the app (no subcommand).
    pub file: Option<PathBuf>,
}

/// The batch subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what the readers find in chromatogram files: format, channels, points, time range, peak table.
    Info(info::InfoArgs),
    /// Write the simulated chromatogram of a session as CSV: time_s,signal,<peak>,...
    Simulate(simulate::SimulateArgs),
    /// Fit the column model to runs: one session JSON per run and one peak table (peaks.csv or peaks.json).
    Fit(fit::FitArgs),
}

/// Runs a subcommand; errors are printed by the caller. Returns the process exit code.
pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Info(args) => info::run(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Fit(args) => fit::run(&args),
    }
}

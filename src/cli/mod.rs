//! The batch command line: clap arguments → validated configuration → the same session/model functions the app
//! calls. Each subcommand lives in its own file.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Like `print!`/`println!` on stdout, but a closed pipe (`elute fit … | head`) is not a panic: the results are
/// in the files and stdout is a summary. Any other write error (a full disk, `> /dev/full`) is remembered and
/// makes the command fail at the end ([`run`]).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        $crate::cli::note_stdout(write!(std::io::stdout().lock(), $($arg)*));
    }};
}
macro_rules! sayln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        $crate::cli::note_stdout(writeln!(std::io::stdout().lock(), $($arg)*));
    }};
}
pub(crate) use {say, sayln};

pub mod fit;
pub mod info;
pub mod simulate;
pub mod teaching;

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
    /// Write the bands along the column at one moment as CSV: x_m,pressure_pa,velocity_m_s,<peak>_gas,<peak>_film
    Profile(teaching::ProfileArgs),
    /// Write one peak's van Deemter curve as CSV: inlet velocity, plate height and its B, C and extra-column terms
    #[command(name = "vandeemter")]
    VanDeemter(teaching::VanDeemterArgs),
}

/// Runs a subcommand; errors are printed by the caller. Returns the process exit code. Output that could not be
/// written to stdout (other than into a closed pipe) is an error, so `elute info FILE > /dev/full` does not exit 0.
pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    let code = match command {
        Command::Info(args) => info::run(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Fit(args) => fit::run(&args),
        Command::Profile(args) => teaching::run_profile(&args),
        Command::VanDeemter(args) => teaching::run_van_deemter(&args),
    }?;
    use std::io::Write as _;
    note_stdout(std::io::stdout().flush());
    match STDOUT_ERROR.lock().map(|mut e| e.take()) {
        Ok(Some(e)) => anyhow::bail!("cannot write to standard output: {e}"),
        _ => Ok(code),
    }
}

/// The first error writing stdout, other than a closed pipe.
static STDOUT_ERROR: std::sync::Mutex<Option<std::io::Error>> = std::sync::Mutex::new(None);

/// Remembers a failed write to stdout (a closed pipe is not a failure: `elute … | head`).
pub(crate) fn note_stdout(result: std::io::Result<()>) {
    if let Err(e) = result
        && e.kind() != std::io::ErrorKind::BrokenPipe
        && let Ok(mut first) = STDOUT_ERROR.lock()
    {
        first.get_or_insert(e);
    }
}

/// Writes a CSV (`header`, then `rows`) to `out` atomically, or streams it to standard output when `out` is None
/// (a closed pipe, `elute … | head`, is not an error: the reader has what it wanted).
pub(crate) fn write_csv_output(
    out: Option<&std::path::Path>,
    header: &[String],
    rows: impl Iterator<Item = Vec<String>>,
) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let write = |w: &mut dyn std::io::Write, rows: &mut dyn Iterator<Item = Vec<String>>| -> std::io::Result<()> {
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record(header)?;
        for row in rows {
            csv.write_record(&row)?;
        }
        csv.flush()
    };
    let mut rows = rows;
    match out {
        Some(path) => crate::session::write_atomically_with(path, |w| write(w, &mut rows))
            .with_context(|| format!("cannot write {}", path.display())),
        None => {
            let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
            match write(&mut stdout, &mut rows).and_then(|()| std::io::Write::flush(&mut stdout)) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => r.context("cannot write to standard output"),
            }
        }
    }
}

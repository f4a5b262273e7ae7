//! The `elute` binary: a subcommand runs the batch CLI; no subcommand opens the app.

// Elute's own code has no unsafe; only the fuzzing harness's counting allocator (an example) needs it.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use elute::cli::{self, Cli};

fn main() -> ExitCode {
    let args = Cli::parse();
    let result = match args.command {
        Some(command) => cli::run(command),
        None => open_app(args.file),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(feature = "gui")]
fn open_app(file: Option<std::path::PathBuf>) -> anyhow::Result<ExitCode> {
    elute::app::run(file)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "gui"))]
fn open_app(_file: Option<std::path::PathBuf>) -> anyhow::Result<ExitCode> {
    anyhow::bail!("this build of elute has no GUI (built without the `gui` feature); see `elute --help`")
}

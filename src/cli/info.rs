//! `elute info FILE...`: what the readers found in each file (format, channels, points, time range, sampling,
//! unit, peak table).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::io;

/// Arguments of `elute info`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Chromatogram files (any supported format; detected from the content) or Agilent `.D` folders.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Prints a summary of every file; a file that cannot be read prints its error on stderr, the others still print,
/// and the exit code is then 1.
pub fn run(args: &InfoArgs) -> anyhow::Result<ExitCode> {
    let mut failed = false;
    for (i, path) in args.files.iter().enumerate() {
        if i > 0 {
            super::sayln!();
        }
        match io::read_path(path) {
            Ok(chroms) => super::say!("{}", io::info::describe(path, &chroms)),
            Err(e) => {
                eprintln!("error: {e}");
                failed = true;
            }
        }
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

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
        // A file inside a `.D` folder is read with its whole run, as the app opens it.
        let folder = io::agilent_d::enclosing_folder(path);
        match io::read_path(folder.unwrap_or(path)) {
            Ok(chroms) => {
                if let Some(folder) = folder {
                    super::sayln!(
                        "{} is part of the run folder {}: every signal in it",
                        path.display(),
                        folder.display()
                    );
                }
                super::say!("{}", io::info::describe(folder.unwrap_or(path), &chroms))
            }
            Err(e) => {
                eprintln!("error: {e}");
                failed = true;
            }
        }
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

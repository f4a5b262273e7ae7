//! `elute simulate SESSION.json --from T0 --to T1 --step DT [--method closed|quadrature|pde] [--out FILE]`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};

use crate::model::Method;
use crate::session;

/// Largest number of samples `simulate` writes (about 1 GB of CSV).
pub const MAX_SAMPLES: usize = 20_000_000;

/// Largest number of values a simulation holds in memory: samples × (peaks + 1), 400 MB of f64. The CSV is
/// streamed to its file, so this is what bounds the memory of `simulate`.
pub const MAX_VALUES: usize = 50_000_000;

/// Arguments of `elute simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The session file (JSON) whose column, peaks and baseline are simulated.
    pub session: PathBuf,
    /// First sample time, s.
    #[arg(long = "from", allow_negative_numbers = true)]
    pub from_s: f64,
    /// Last sample time, s (included when the step divides the range).
    #[arg(long = "to", allow_negative_numbers = true)]
    pub to_s: f64,
    /// Sampling step, s (> 0). Negative values are parsed (and refused with a message), not taken for options.
    #[arg(long = "step", allow_negative_numbers = true)]
    pub step_s: f64,
    /// Evaluation method.
    #[arg(long, value_enum, default_value_t = MethodArg::Closed)]
    pub method: MethodArg,
    /// Output CSV file (written atomically); standard output when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `--method` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MethodArg {
    /// Closed form (Marcum Q): fast, exact for D = 0.
    Closed,
    /// Adaptive quadrature of the Bessel kernel (the paper's method; slow reference).
    Quadrature,
    /// Full PDE solution with diffusion and variable velocity.
    Pde,
}

impl From<MethodArg> for Method {
    fn from(m: MethodArg) -> Method {
        match m {
            MethodArg::Closed => Method::Closed,
            MethodArg::Quadrature => Method::Quadrature,
            MethodArg::Pde => Method::Pde,
        }
    }
}

/// The sample times from `from_s` to `to_s` by `step_s`, validated.
pub fn time_grid(from_s: f64, to_s: f64, step_s: f64) -> anyhow::Result<Vec<f64>> {
    if !(from_s.is_finite() && to_s.is_finite()) {
        bail!("--from and --to must be finite numbers of seconds");
    }
    if !(step_s.is_finite() && step_s > 0.0) {
        bail!("--step must be a finite number of seconds greater than 0 (got {step_s} s)");
    }
    if to_s < from_s {
        bail!("--to ({to_s} s) is before --from ({from_s} s): give the earlier time as --from");
    }
    let intervals = ((to_s - from_s) / step_s * (1.0 + 1e-12)).floor();
    if intervals >= MAX_SAMPLES as f64 {
        bail!("--from/--to/--step ask for {intervals} samples, more than the limit of {MAX_SAMPLES}");
    }
    let n = intervals as usize + 1;
    Ok((0..n).map(|i| from_s + i as f64 * step_s).collect())
}

/// Runs `elute simulate`.
pub fn run(args: &SimulateArgs) -> anyhow::Result<ExitCode> {
    let session = session::load(&args.session)?;
    let times = time_grid(args.from_s, args.to_s, args.step_s)?;
    let values = times.len().saturating_mul(session.peaks.len() + 1);
    if values > MAX_VALUES {
        bail!(
            "{}: {} samples × {} peak(s) is {values} values, more than the limit of {MAX_VALUES}: use a coarser \
             --step or a shorter --from/--to",
            args.session.display(),
            times.len(),
            session.peaks.len()
        );
    }
    let sim = session
        .simulate(&times, args.method.into())
        .with_context(|| format!("cannot simulate {}", args.session.display()))?;
    if let Some(i) = sim.signal.iter().position(|v| !v.is_finite()) {
        let peak = sim.peaks.iter().position(|p| !p[i].is_finite()).map(|k| &session.peaks[k].name);
        bail!(
            "{}: the simulation is not finite at {} s{} (values too large for the grid); nothing was written",
            args.session.display(),
            times[i],
            peak.map(|n| format!(" (peak {n})")).unwrap_or_default()
        );
    }
    let (header, rows) = csv_rows(&session, &sim);
    super::write_csv_output(args.out.as_deref(), &header, rows)?;
    Ok(ExitCode::SUCCESS)
}

/// The CSV: header `time_s,signal,<peak name>,...`, then one row per sample (shortest exact decimals).
fn csv_rows<'a>(
    session: &session::Session,
    sim: &'a session::Simulation,
) -> (Vec<String>, impl Iterator<Item = Vec<String>> + 'a) {
    let mut header = vec!["time_s".to_string(), "signal".to_string()];
    header.extend(session.peaks.iter().map(|p| p.name.clone()));
    let rows = (0..sim.time_s.len()).map(move |i| {
        let mut row = vec![sim.time_s[i].to_string(), sim.signal[i].to_string()];
        row.extend(sim.peaks.iter().map(|p| p[i].to_string()));
        row
    });
    (header, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_include_the_end_and_refuse_nonsense() {
        let g = time_grid(0.0, 700.0, 0.1).unwrap();
        assert_eq!(g.len(), 7001);
        assert!((g[7000] - 700.0).abs() < 1e-9);
        assert_eq!(time_grid(-1.0, 1.0, 0.5).unwrap().len(), 5);
        assert!(time_grid(0.0, 1.0, 0.0).is_err());
        assert!(time_grid(0.0, 1.0, -1.0).is_err());
        assert!(time_grid(1.0, 0.0, 0.1).is_err());
        assert!(time_grid(0.0, f64::NAN, 0.1).is_err());
        assert!(time_grid(0.0, 1e12, 1e-3).is_err());
    }
}

//! The teaching twins of the app's column view and van Deemter plot, for handouts and tests:
//! - `elute profile SESSION --at T_S [--points N] [--out FILE]`: the bands along the column at one moment;
//! - `elute vandeemter SESSION --peak NAME --from U0 --to U1 [--points N] [--out FILE]`: plate height and terms.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;

use crate::model::{Peak, band_profile, profile::carrier_profile, van_deemter};
use crate::session::{self, Session};

/// Most positions along the column one profile may have.
pub const MAX_PROFILE_POINTS: usize = 100_000;

/// Arguments of `elute profile`.
#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// The session file (JSON) whose column and peaks are drawn.
    pub session: PathBuf,
    /// The moment, s after the injection starts (≥ 0).
    #[arg(long = "at", allow_negative_numbers = true)]
    pub at_s: f64,
    /// Positions from the inlet to the outlet, both included (2 to 100000).
    #[arg(long, default_value_t = 401)]
    pub points: usize,
    /// Output CSV file (written atomically); standard output when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Arguments of `elute vandeemter`.
#[derive(Debug, Args)]
pub struct VanDeemterArgs {
    /// The session file (JSON); its column needs the geometry (length, radius, film, pressures, velocity).
    pub session: PathBuf,
    /// The peak's name, as in the session.
    #[arg(long)]
    pub peak: String,
    /// The lowest inlet velocity, m/s (> 0).
    #[arg(long = "from", allow_negative_numbers = true)]
    pub from_m_s: f64,
    /// The highest inlet velocity, m/s.
    #[arg(long = "to", allow_negative_numbers = true)]
    pub to_m_s: f64,
    /// Velocities, equally spaced, ends included (2 to 100000).
    #[arg(long, default_value_t = 100)]
    pub points: usize,
    /// Output CSV file (written atomically); standard output when absent.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Runs `elute profile`: CSV `x_m,pressure_pa,velocity_m_s,<peak>_gas,<peak>_film,...`, the concentrations in
/// units of the inlet concentration c0 (the film per film volume). A column known only by its hold-up time has
/// no length: the first column is then `x_fraction` (x/L) and the pressure and velocity are empty.
pub fn run_profile(args: &ProfileArgs) -> anyhow::Result<ExitCode> {
    let session = session::load(&args.session)?;
    let name = args.session.display();
    if !(args.at_s.is_finite() && args.at_s >= 0.0) {
        bail!("{name}: --at must be a time of 0 s or later (got {} s): the injection starts at 0 s", args.at_s);
    }
    if !(2..=MAX_PROFILE_POINTS).contains(&args.points) {
        bail!("--points must be between 2 and {MAX_PROFILE_POINTS} (got {})", args.points);
    }
    if session.peaks.is_empty() {
        bail!("{name}: the session has no peaks to draw");
    }
    let fractions: Vec<f64> = (0..args.points).map(|i| i as f64 / (args.points - 1) as f64).collect();
    let bands: Vec<_> = session.peaks.iter().map(|p| band_profile(&session.column, p, args.at_s, &fractions)).collect();
    let carrier = carrier_profile(&session.column, &fractions);
    let length = session.column.length_m();
    let mut header = vec![if length.is_some() { "x_m" } else { "x_fraction" }.to_string()];
    header.extend(["pressure_pa".to_string(), "velocity_m_s".to_string()]);
    for p in &session.peaks {
        header.extend([format!("{}_gas", p.name), format!("{}_film", p.name)]);
    }
    let optional = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let rows = fractions.iter().enumerate().map(|(i, xi)| {
        let mut row = vec![length.map_or(*xi, |l| xi * l).to_string(), optional(carrier[i].0), optional(carrier[i].1)];
        for b in &bands {
            row.extend([b.gas[i].to_string(), b.film[i].to_string()]);
        }
        row
    });
    super::write_csv_output(args.out.as_deref(), &header, rows)?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `elute vandeemter`: CSV
/// `inlet_velocity_m_s,plate_height_m,b_term_m,c_term_m,extra_column_m,retention_time_s` (the retention time is
/// the peak's mean, its first moment), along a Poiseuille-tied sweep of the inlet velocity.
pub fn run_van_deemter(args: &VanDeemterArgs) -> anyhow::Result<ExitCode> {
    let session = session::load(&args.session)?;
    let name = args.session.display();
    let peak = find_peak(&session, &args.peak).with_context(|| format!("{name}"))?;
    if !session.column.has_geometry() {
        bail!(
            "{name}: the column is known only by its hold-up time; the van Deemter curve needs its geometry \
             (length_m, radius_m, film_thickness_m, inlet_pressure_pa, outlet_pressure_pa, inlet_velocity_m_s)"
        );
    }
    if !(args.from_m_s.is_finite() && args.from_m_s > 0.0) {
        bail!("--from must be a velocity above 0 m/s (got {} m/s)", args.from_m_s);
    }
    if !(args.to_m_s.is_finite() && args.to_m_s > args.from_m_s) {
        bail!("--to ({} m/s) must be a finite velocity above --from ({} m/s)", args.to_m_s, args.from_m_s);
    }
    if !(2..=van_deemter::MAX_POINTS).contains(&args.points) {
        bail!("--points must be between 2 and {} (got {})", van_deemter::MAX_POINTS, args.points);
    }
    let curve = van_deemter::curve(&session.column, peak, args.from_m_s, args.to_m_s, args.points)
        .with_context(|| format!("{name}: cannot compute the van Deemter curve of {}", peak.name))?;
    let header: Vec<String> =
        ["inlet_velocity_m_s", "plate_height_m", "b_term_m", "c_term_m", "extra_column_m", "retention_time_s"]
            .map(String::from)
            .to_vec();
    let rows = curve.iter().map(|p| {
        [p.inlet_velocity_m_s, p.plate_height_m, p.b_term_m, p.c_term_m, p.extra_column_m, p.retention_time_s]
            .map(|v| v.to_string())
            .to_vec()
    });
    super::write_csv_output(args.out.as_deref(), &header, rows)?;
    Ok(ExitCode::SUCCESS)
}

/// The session's peak called `name`, or an error listing the names there are.
fn find_peak<'a>(session: &'a Session, name: &str) -> anyhow::Result<&'a Peak> {
    if let Some(p) = session.peaks.iter().find(|p| p.name == name) {
        return Ok(p);
    }
    let names: Vec<&str> = session.peaks.iter().map(|p| p.name.as_str()).collect();
    if names.is_empty() {
        bail!("no peak named {name:?}: the session has no peaks");
    }
    bail!("no peak named {name:?}; the session's peaks are {}", names.join(", "))
}

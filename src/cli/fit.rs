//! `elute fit RUN... [--session TEMPLATE.json] [--channel N|NAME] [--out DIR] [--format csv|json]`.
//!
//! Fits every run (every channel of a multi-run file, or the one chosen) and writes, into DIR: one session per
//! run, `<file stem>[-<channel>].elute.json` (the channel suffix only for multi-run files), and one peak table
//! for all runs, `peaks.csv` or `peaks.json`, one row per run and peak, column names with units. A summary line
//! per run goes to stdout. A file or run that fails is reported and counted; the others are still written, and
//! the exit code is 1 if anything failed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use rayon::prelude::*;
use serde::Serialize;

use crate::chromatogram::Chromatogram;
use crate::fit::peaks::PeakFindOptions;
use crate::fit::{AreaMode, BaselineChoice, NoObserver, RunFit, RunFitOptions, detect_seeds, fit_run, template_seeds};
use crate::model::Column;
use crate::session::{self, RunRef, Session};

/// Arguments of `elute fit`.
#[derive(Debug, Args)]
pub struct FitArgs {
    /// Run files (any format `elute` reads); every run inside a multi-run file is fitted.
    #[arg(required = true)]
    pub runs: Vec<PathBuf>,
    /// A session whose column and peaks are the starting point: exactly its peaks are fitted.
    #[arg(long)]
    pub session: Option<PathBuf>,
    /// Only this channel: its number (from 1) or its name.
    #[arg(long)]
    pub channel: Option<String>,
    /// Output folder (created if missing). Default: the current folder.
    #[arg(long, default_value = ".")]
    pub out: PathBuf,
    /// Peak table format.
    #[arg(long, value_enum, default_value_t = TableFormat::Csv)]
    pub format: TableFormat,
    /// Baseline under the peaks.
    #[arg(long, value_enum, default_value_t = BaselineArg::Constant)]
    pub baseline: BaselineArg,
    /// Hold the areas at the measured areas (the paper's mode) instead of solving them.
    #[arg(long)]
    pub measured_areas: bool,
    /// Hold the inlet tail τ at the column's value instead of fitting it.
    #[arg(long)]
    pub fix_tail: bool,
    /// With a template: also fit t0 and t1 (without one they are always fitted).
    #[arg(long)]
    pub fit_holdup: bool,
}

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    /// `peaks.csv`.
    Csv,
    /// `peaks.json` (an array of row objects).
    Json,
}

/// `--baseline` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BaselineArg {
    /// One constant (the paper's).
    Constant,
    /// A straight line.
    Linear,
    /// A quadratic.
    Quadratic,
    /// Adaptive (arPLS) estimated first, for drifting baselines.
    Adaptive,
}

/// One row of the peak table. Times in s, rates in 1/s, areas in signal·s.
#[derive(Debug, Clone, Serialize)]
pub struct PeakRow {
    /// Run file as given.
    pub file: String,
    /// Channel number, from 1.
    pub channel: u32,
    /// Channel name in the file.
    pub channel_name: String,
    /// Peak name.
    pub peak: String,
    /// Apex of the fitted peak curve, s.
    pub retention_time_s: f64,
    /// Mean (first moment) of the fitted peak, s.
    pub mean_time_s: f64,
    /// Adsorption rate k_a, 1/s (depends on the assumed column when `column_assumed`).
    pub ka_per_s: f64,
    /// Standard error of k_a, 1/s.
    pub ka_se_per_s: Option<f64>,
    /// Desorption rate k_d, 1/s.
    pub kd_per_s: f64,
    /// Standard error of k_d, 1/s.
    pub kd_se_per_s: Option<f64>,
    /// Correlation of the k_a and k_d estimates.
    pub ka_kd_correlation: f64,
    /// K = k_a/k_d.
    pub partition_constant: f64,
    /// μ = α k_a t0 (independent of the assumed α).
    pub mu: f64,
    /// k' = α k_a/k_d (independent of the assumed α).
    pub retention_factor: f64,
    /// Peak area, signal·s.
    pub area: f64,
    /// Standard error of the area, signal·s.
    pub area_se: Option<f64>,
    /// Apex height of the fitted curve, signal units.
    pub height: Option<f64>,
    /// Width at half height of the fitted curve, s.
    pub w50_s: Option<f64>,
    /// USP tailing W5/(2 f5) of the fitted curve.
    pub tailing_usp: Option<f64>,
    /// Asymmetry b10/a10 of the fitted curve.
    pub asymmetry_10: Option<f64>,
    /// Plates 5.54 (t_R/W50)² of the fitted curve.
    pub plates_half_height: Option<f64>,
    /// Start of the peak's window, s.
    pub window_start_s: f64,
    /// End of the peak's window, s.
    pub window_end_s: f64,
    /// Points in the window.
    pub n_points: usize,
    /// SSE in the window (full model), signal².
    pub sse: f64,
    /// RMSE in the window, signal units.
    pub rmse: f64,
    /// R² in the window (full model, neighbours included).
    pub r2: Option<f64>,
    /// Run hold-up time t0, s.
    pub holdup_time_s: f64,
    /// Run injection time t1, s.
    pub injection_s: f64,
    /// Run inlet tail τ, s.
    pub inlet_tail_s: f64,
    /// True when the column is the generic preset.
    pub column_assumed: bool,
    /// How the fit stopped.
    pub termination: String,
    /// Why the fit failed, if it did.
    pub error: Option<String>,
}

/// One run to fit.
struct Job {
    file: PathBuf,
    sha256: String,
    channel: u32,
    multi: bool,
    run: Chromatogram,
}

/// Runs `elute fit`.
pub fn run(args: &FitArgs) -> anyhow::Result<ExitCode> {
    let template = match &args.session {
        Some(p) => Some(session::load(p).with_context(|| format!("template session {}", p.display()))?),
        None => None,
    };
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let mut failures = 0usize;
    let mut jobs = Vec::new();
    for file in &args.runs {
        match load_jobs(file, args.channel.as_deref()) {
            Ok(j) => jobs.extend(j),
            Err(e) => {
                failures += 1;
                super::sayln!("{}: error: {e:#}", file.display());
            }
        }
    }
    let results: Vec<(Job, anyhow::Result<RunFit>)> = jobs
        .into_par_iter()
        .map(|job| {
            let r = fit_job(&job, template.as_ref(), args);
            (job, r)
        })
        .collect();
    let mut rows = Vec::new();
    for (job, result) in results {
        let label = if job.multi {
            format!("{} [channel {} {}]", job.file.display(), job.channel, job.run.channel)
        } else {
            job.file.display().to_string()
        };
        let fit = match result {
            Ok(f) => f,
            Err(e) => {
                failures += 1;
                super::sayln!("{label}: error: {e:#}");
                continue;
            }
        };
        let mut s: Session = fit.to_session();
        s.run = Some(RunRef { path: job.file.display().to_string(), sha256: job.sha256.clone(), channel: job.channel });
        let out = args.out.join(session_file_name(&job.file, job.multi.then_some(job.channel)));
        if let Err(e) = session::save(&s, &out) {
            failures += 1;
            super::sayln!("{label}: error: {e}");
            continue;
        }
        let failed_peaks = fit.peaks.iter().filter(|p| p.error.is_some()).count();
        super::sayln!(
            "{label}: {} peaks, R² {}, t0 {:.3} s, t1 {:.3} s, tau {:.3} s, {:.3} s{} -> {}",
            fit.peaks.len(),
            fit.r2.map(|v| format!("{v:.5}")).unwrap_or_else(|| "n/a".into()),
            fit.holdup_time.value_s,
            fit.injection.value_s,
            fit.inlet_tail.value_s,
            fit.elapsed_s,
            if failed_peaks > 0 { format!(", {failed_peaks} peak fit(s) failed") } else { String::new() },
            out.display()
        );
        for note in &fit.notes {
            super::sayln!("  note: {note}");
        }
        if failed_peaks > 0 {
            failures += 1;
        }
        rows.extend(rows_of(&job, &fit));
    }
    let table = match args.format {
        TableFormat::Csv => args.out.join("peaks.csv"),
        TableFormat::Json => args.out.join("peaks.json"),
    };
    let bytes = match args.format {
        TableFormat::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            if rows.is_empty() {
                w.write_record(HEADER)?;
            }
            for r in &rows {
                w.serialize(r)?;
            }
            w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?
        }
        TableFormat::Json => serde_json::to_vec_pretty(&rows)?,
    };
    session::write_atomically(&table, &bytes).with_context(|| format!("writing {}", table.display()))?;
    super::sayln!(
        "{} run(s) fitted, {} row(s) in {}; {failures} failure(s)",
        rows_runs(&rows),
        rows.len(),
        table.display()
    );
    Ok(if failures > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

const HEADER: [&str; 33] = [
    "file",
    "channel",
    "channel_name",
    "peak",
    "retention_time_s",
    "mean_time_s",
    "ka_per_s",
    "ka_se_per_s",
    "kd_per_s",
    "kd_se_per_s",
    "ka_kd_correlation",
    "partition_constant",
    "mu",
    "retention_factor",
    "area",
    "area_se",
    "height",
    "w50_s",
    "tailing_usp",
    "asymmetry_10",
    "plates_half_height",
    "window_start_s",
    "window_end_s",
    "n_points",
    "sse",
    "rmse",
    "r2",
    "holdup_time_s",
    "injection_s",
    "inlet_tail_s",
    "column_assumed",
    "termination",
    "error",
];

fn rows_runs(rows: &[PeakRow]) -> usize {
    let mut keys: Vec<(&str, u32)> = rows.iter().map(|r| (r.file.as_str(), r.channel)).collect();
    keys.dedup();
    keys.len()
}

/// `<stem>.elute.json` or `<stem>-<channel>.elute.json`.
pub fn session_file_name(file: &Path, channel: Option<u32>) -> String {
    let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "run".into());
    match channel {
        Some(c) => format!("{stem}-{c}.elute.json"),
        None => format!("{stem}.elute.json"),
    }
}

fn load_jobs(file: &Path, channel: Option<&str>) -> anyhow::Result<Vec<Job>> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let runs = crate::io::read_bytes(&bytes, file)?;
    let sha256 = session::sha256_hex(&bytes);
    let multi = runs.len() > 1;
    let mut jobs: Vec<Job> = runs
        .into_iter()
        .enumerate()
        .map(|(i, run)| Job { file: file.to_path_buf(), sha256: sha256.clone(), channel: i as u32 + 1, multi, run })
        .collect();
    if let Some(sel) = channel {
        jobs.retain(|j| match sel.parse::<u32>() {
            Ok(n) => j.channel == n,
            Err(_) => j.run.channel == sel,
        });
        if jobs.is_empty() {
            anyhow::bail!("no channel {sel:?} in this file");
        }
    }
    Ok(jobs)
}

fn fit_job(job: &Job, template: Option<&Session>, args: &FitArgs) -> anyhow::Result<RunFit> {
    let (t, y) = (&job.run.time_s, &job.run.signal);
    let mut options = match template {
        Some(_) => RunFitOptions { fit_holdup: args.fit_holdup, fit_injection: args.fit_holdup, ..Default::default() },
        None => RunFitOptions::unknown_column(),
    };
    options.fit_inlet_tail = !args.fix_tail;
    options.area_mode = if args.measured_areas { AreaMode::Measured } else { AreaMode::Linear };
    options.baseline = match args.baseline {
        BaselineArg::Constant => BaselineChoice::Constant,
        BaselineArg::Linear => BaselineChoice::Linear,
        BaselineArg::Quadratic => BaselineChoice::Polynomial(2),
        BaselineArg::Adaptive => BaselineChoice::Adaptive(Default::default()),
    };
    let (column, seeds) = match template {
        Some(s) => (s.column, template_seeds(&s.column, &s.peaks, t)),
        None => {
            // Detected peaks take their names from the file's own peak table where one lies near.
            let mut seeds = detect_seeds(t, y, &PeakFindOptions::default())?;
            crate::fit::naming::name_from_peak_table(&mut seeds, &job.run.metadata.peaks, None);
            (Column::default_preset(), seeds)
        }
    };
    Ok(fit_run(t, y, &column, &seeds, &options, &mut NoObserver)?)
}

fn rows_of(job: &Job, fit: &RunFit) -> Vec<PeakRow> {
    fit.peaks
        .iter()
        .map(|p| {
            let m = p.model_metrics.as_ref();
            PeakRow {
                file: job.file.display().to_string(),
                channel: job.channel,
                channel_name: job.run.channel.clone(),
                peak: p.name.clone(),
                retention_time_s: p.retention_time_s,
                mean_time_s: p.mean_time_s,
                ka_per_s: p.ka_per_s,
                ka_se_per_s: p.ka_se_per_s,
                kd_per_s: p.kd_per_s,
                kd_se_per_s: p.kd_se_per_s,
                ka_kd_correlation: p.ka_kd_correlation,
                partition_constant: p.partition_constant,
                mu: p.mu,
                retention_factor: p.retention_factor,
                area: p.area,
                area_se: p.area_se,
                height: m.map(|m| m.height),
                w50_s: m.and_then(|m| m.w50.map(|c| c.width_s())),
                tailing_usp: m.and_then(|m| m.tailing_usp),
                asymmetry_10: m.and_then(|m| m.asymmetry_10),
                plates_half_height: m.and_then(|m| m.plates_half_height),
                window_start_s: p.window_start_s,
                window_end_s: p.window_end_s,
                n_points: p.n_points,
                sse: p.sse,
                rmse: p.rmse,
                r2: p.r2,
                holdup_time_s: fit.holdup_time.value_s,
                injection_s: fit.injection.value_s,
                inlet_tail_s: fit.inlet_tail.value_s,
                column_assumed: fit.column_assumed,
                termination: p.termination.describe().to_string(),
                error: p.error.clone(),
            }
        })
        .collect()
}

//! `elute fit RUN... [--session TEMPLATE.json] [--channel N|NAME] [--out DIR] [--format csv|json]`.
//!
//! Fits every run (every channel of a multi-run file, or the one chosen) and writes, into DIR: one session per
//! run, `<file stem>[-<channel>].elute.json` (the channel suffix only for multi-run files), and one peak table
//! for all runs, `peaks.csv` or `peaks.json`, one row per run and peak, column names with units. A summary line
//! per run goes to stdout. A file or run that fails is reported and counted; the others are still written, and
//! the exit code is 1 if anything failed.
//!
//! In two stages, as ripgrep does: the arguments ([`FitArgs`]) become a validated [`FitConfig`] (the template
//! read, the fit options built), and the configuration runs the shared workflow
//! ([`crate::session::fitting`]) on every run, in parallel, with a progress line on a terminal.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context;
use clap::{Args, ValueEnum};
use rayon::prelude::*;

use crate::chromatogram::Chromatogram;
use crate::fit::run::run_problems;
use crate::fit::{AreaMode, BaselineChoice, CancelToken, NoObserver, Quality, RunFitOptions};
use crate::model::{Column, RunLevel};
use crate::session::fitting::{self, FitRequest, Fitted};
use crate::session::{self, PeakRow, RunInfo, RunRef, Session, peak_row};

/// Arguments of `elute fit`.
#[derive(Debug, Args)]
pub struct FitArgs {
    /// Run files (any format `elute` reads); every run inside a multi-run file is fitted.
    #[arg(required = true)]
    pub runs: Vec<PathBuf>,
    /// A template session from an older run: its peaks are matched, in retention order, to the peaks detected in
    /// each run and fitted there on its column (τ held unless --fit-tail). A session with a column and no peaks
    /// is a known column: its peaks are detected.
    #[arg(long, conflicts_with_all = ["column", "holdup_time"])]
    pub session: Option<PathBuf>,
    /// A known column: a JSON file with a column object (the session's `column` fields) or a whole session whose
    /// column is taken. Peaks are detected and fitted with it (t0, t1 and τ held unless --fit-holdup, --fit-tail).
    #[arg(long, conflicts_with = "holdup_time")]
    pub column: Option<PathBuf>,
    /// A known hold-up time t0 in s (for example from an unretained peak), on the generic preset column (β 250):
    /// peaks are detected and fitted with t0 held; t1 and τ fitted.
    #[arg(long = "holdup-time", value_name = "T0_S")]
    pub holdup_time: Option<f64>,
    /// Only this channel: its number (from 1) or its name.
    #[arg(long)]
    pub channel: Option<String>,
    /// Output folder (created if missing). Default: the current folder.
    #[arg(long, default_value = ".")]
    pub out: PathBuf,
    /// Peak table format.
    #[arg(long, value_enum, default_value_t = TableFormat::Csv)]
    pub format: TableFormat,
    /// Baseline under the peaks. Default: chosen from the data (adaptive when the baseline drifts or humps, else
    /// a constant per window), with a note when adaptive was chosen.
    #[arg(long, value_enum)]
    pub baseline: Option<BaselineArg>,
    /// Hold the areas at the measured areas (the paper's mode) instead of solving them.
    #[arg(long)]
    pub measured_areas: bool,
    /// On the preset column (no template, no column): hold the inlet tail τ at the column's value instead of
    /// fitting it.
    #[arg(long, conflicts_with = "fit_tail")]
    pub fix_tail: bool,
    /// With a template or a known column: fit the inlet tail τ too (it is held at the column's value otherwise).
    #[arg(long)]
    pub fit_tail: bool,
    /// With a template or a known column: also fit t0 and t1 (on the preset column they are always fitted).
    #[arg(long)]
    pub fit_holdup: bool,
    /// Starts of the joint fit of t0, t1 and τ (1–8): with more, the best optimum of several is kept, at the
    /// cost of one warm-up and one joint fit each.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=8))]
    pub starts: u8,
    /// Exit with status 1 when a run's fit is poor (whole-run R² below 0.9) or did not converge, not only when a
    /// file or a peak fit fails.
    #[arg(long)]
    pub strict: bool,
    /// Place a candidate peak at this time (s; repeat for more): the run is fitted again with it, and the summary
    /// says whether the data support it (ΔBIC with an effective number of points). Its row is flagged `added`.
    #[arg(long = "add-peak", value_name = "T_S", allow_negative_numbers = true)]
    pub add_peak: Vec<f64>,
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

/// The validated configuration of one `elute fit` call.
pub struct FitConfig {
    /// The run files, as given.
    pub runs: Vec<PathBuf>,
    /// The template session (its column and peaks; no peaks for a known column), if one was given.
    pub template: Option<Session>,
    /// The column is the generic preset with a given t0 (`--holdup-time`): k_a depends on its assumed phase
    /// ratio, and t0 is held.
    pub column_assumed: bool,
    /// Only this channel (number from 1, or name).
    pub channel: Option<String>,
    /// Output folder (exists).
    pub out: PathBuf,
    /// Peak table format.
    pub format: TableFormat,
    /// The fit options (baseline, areas, which run-level values are free).
    pub options: RunFitOptions,
    /// Poor or unconverged runs count as failures.
    pub strict: bool,
    /// Candidate peaks the user placed, s.
    pub added_peaks_s: Vec<f64>,
}

impl FitConfig {
    /// Reads the template or the column and builds the options: with a template or a known column, t0, t1 and τ
    /// are held unless `--fit-holdup` (t0, t1) and `--fit-tail` (τ); on the generic preset column (no template,
    /// no column) t0, t1 and τ are fitted (t0 held with `--holdup-time`, τ with `--fix-tail`).
    pub fn from_args(args: &FitArgs) -> anyhow::Result<FitConfig> {
        let template = match (&args.session, &args.column, args.holdup_time) {
            (Some(p), _, _) => Some(session::load(p).with_context(|| format!("template session {}", p.display()))?),
            (None, Some(p), _) => Some(Session::new(read_column(p)?, Vec::new())),
            (None, None, Some(t0)) => {
                if !(t0.is_finite() && t0 > 0.0) {
                    anyhow::bail!("--holdup-time must be a finite number of seconds greater than 0 (got {t0} s)");
                }
                Some(Session::new(Column::default_preset().with_holdup_time_s(t0)?, Vec::new()))
            }
            (None, None, None) => None,
        };
        if let Some(t) = args.add_peak.iter().find(|t| !(t.is_finite() && **t > 0.0)) {
            anyhow::bail!("--add-peak must be a finite time in seconds greater than 0 (got {t})");
        }
        std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
        // With a template or a known column, τ is held at its value unless asked; on the preset column (and with
        // only a hold-up time) it is fitted unless held.
        let known = args.session.is_some() || args.column.is_some();
        let mut options = RunFitOptions::default();
        options.free.holdup_time = args.fit_holdup;
        options.free.injection = args.fit_holdup;
        options.free.inlet_tail = if known { args.fit_tail } else { !args.fix_tail };
        options.joint_starts = usize::from(args.starts);
        options.area_mode = if args.measured_areas { AreaMode::Measured } else { AreaMode::Linear };
        options.baseline = match args.baseline {
            None => BaselineChoice::Auto,
            Some(BaselineArg::Constant) => BaselineChoice::Constant,
            Some(BaselineArg::Linear) => BaselineChoice::Linear,
            Some(BaselineArg::Quadratic) => BaselineChoice::Polynomial(2),
            Some(BaselineArg::Adaptive) => BaselineChoice::Adaptive(Default::default()),
        };
        Ok(FitConfig {
            runs: args.runs.clone(),
            template,
            column_assumed: args.holdup_time.is_some(),
            channel: args.channel.clone(),
            out: args.out.clone(),
            format: args.format,
            options,
            strict: args.strict,
            added_peaks_s: args.add_peak.clone(),
        })
    }

    /// The request for one run: the template matched to the run's peaks (or its column, with detected peaks),
    /// or peaks detected on the preset column.
    fn request(&self, run_ref: RunRef) -> FitRequest {
        let mut request = match &self.template {
            Some(t) => FitRequest {
                column_assumed: self.column_assumed,
                holdup_known: self.column_assumed,
                ..FitRequest::template(t.clone())
            },
            None => FitRequest::detect_on_preset(),
        };
        request.session.run = Some(run_ref);
        request.options = self.options.clone();
        request.added_peaks_s = self.added_peaks_s.clone();
        request
    }
}

/// The column of a `--column` file: a bare column object, or a session whose column is taken.
fn read_column(path: &Path) -> anyhow::Result<Column> {
    let bytes = crate::io::read_source(path)?;
    let text = String::from_utf8(bytes).with_context(|| format!("{}: not UTF-8 text", path.display()))?;
    if let Ok(s) = session::parse(&text, path) {
        return Ok(s.column);
    }
    serde_json::from_str::<Column>(&text)
        .with_context(|| format!("{}: not a column (the session's `column` fields) nor a session", path.display()))
}

/// One run to fit.
struct Job {
    file: PathBuf,
    sha256: String,
    channel: u32,
    multi: bool,
    run: Chromatogram,
    /// The session file written in the output folder (unique among the jobs: [`name_sessions`]).
    session_name: String,
}

impl Job {
    fn label(&self) -> String {
        if self.multi {
            format!("{} [channel {} {}]", self.file.display(), self.channel, self.run.channel)
        } else {
            self.file.display().to_string()
        }
    }

    /// The session's reference to the run: its path made absolute, as the app writes it (a relative path in a
    /// session is read relative to the session's folder, not to where `elute fit` ran).
    fn run_ref(&self) -> RunRef {
        let path = std::fs::canonicalize(&self.file).unwrap_or_else(|_| self.file.clone());
        RunRef { path: path.display().to_string(), sha256: self.sha256.clone(), channel: self.channel }
    }
}

/// Runs `elute fit`.
pub fn run(args: &FitArgs) -> anyhow::Result<ExitCode> {
    let config = FitConfig::from_args(args)?;
    let mut failures = 0usize;
    let mut jobs = Vec::new();
    for file in &config.runs {
        match load_jobs(file, config.channel.as_deref()) {
            Ok(j) => jobs.extend(j),
            Err(e) => {
                failures += 1;
                super::sayln!("{}: error: {e:#}", file.display());
            }
        }
    }
    for note in name_sessions(&mut jobs) {
        super::sayln!("note: {note}");
    }
    let results = fit_all(&config, jobs);
    let mut rows = Vec::new();
    for (job, result) in results {
        match write_run(&config, &job, result) {
            Ok((run_rows, failed)) => {
                failures += usize::from(failed);
                rows.extend(run_rows);
            }
            Err(e) => {
                failures += 1;
                super::sayln!("{}: error: {e:#}", job.label());
            }
        }
    }
    let table = write_table(&config, &rows)?;
    super::sayln!(
        "{} run(s) fitted, {} row(s) in {}; {failures} failure(s)",
        rows_runs(&rows),
        rows.len(),
        table.display()
    );
    Ok(if failures > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// Fits every job in parallel through the shared workflow; on a terminal, a progress line on stderr.
fn fit_all(config: &FitConfig, jobs: Vec<Job>) -> Vec<(Job, anyhow::Result<Fitted>)> {
    let total = jobs.len();
    let done = AtomicUsize::new(0);
    let show = total > 1 && std::io::stderr().is_terminal();
    let results = jobs
        .into_par_iter()
        .map(|job| {
            let request = config.request(job.run_ref());
            let result =
                fitting::fit(&job.run, &request, &CancelToken::new(), &mut NoObserver).map_err(anyhow::Error::from);
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            if show {
                eprint!("\rfitted {n} of {total} run(s)");
            }
            (job, result)
        })
        .collect();
    if show {
        eprintln!();
    }
    results
}

/// Writes one run's session and prints its summary; returns its table rows and whether a peak fit failed.
fn write_run(config: &FitConfig, job: &Job, result: anyhow::Result<Fitted>) -> anyhow::Result<(Vec<PeakRow>, bool)> {
    let fitted = result?;
    let fit = &fitted.fit;
    let out = config.out.join(&job.session_name);
    session::save(&fitted.session, &out)?;
    let failed_peaks = fit.peaks.iter().filter(|p| p.error.is_some()).count();
    let flagged = fit.peaks.iter().filter(|p| p.quality != Quality::Ok).count() + fitted.unmatched.len();
    super::sayln!(
        "{}: {} peaks{}, R² {}, t0 {:.3} s, t1 {:.3} s, tau {:.3} s, {:.3} s{} -> {}",
        job.label(),
        fit.peaks.len(),
        if flagged > 0 { format!(" ({flagged} flagged)") } else { String::new() },
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
    let poor = config.strict && !run_problems(fit).is_empty();
    Ok((rows_of(job, &fitted), failed_peaks > 0 || poor))
}

/// Writes the peak table of every run (atomically); returns its path.
fn write_table(config: &FitConfig, rows: &[PeakRow]) -> anyhow::Result<PathBuf> {
    let (table, bytes) = match config.format {
        TableFormat::Csv => (config.out.join("peaks.csv"), peak_row::to_csv(rows)?),
        TableFormat::Json => (config.out.join("peaks.json"), peak_row::to_json(rows)?),
    };
    session::write_atomically(&table, &bytes).with_context(|| format!("writing {}", table.display()))?;
    Ok(table)
}

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

/// Makes every job's session file name unique (case-insensitively, for Windows and macOS folders): two inputs
/// with the same stem (`a/run.CDF`, `b/run.CDF`) would otherwise write one `run.elute.json`, the second
/// silently replacing the first. A repeated name gets `~2`, `~3`, ... before `.elute.json`; returns a note for each.
fn name_sessions(jobs: &mut [Job]) -> Vec<String> {
    let mut taken = std::collections::HashSet::new();
    let mut notes = Vec::new();
    for job in jobs.iter_mut() {
        let base = job.session_name.strip_suffix(".elute.json").unwrap_or(&job.session_name).to_string();
        let mut name = job.session_name.clone();
        let mut n = 1;
        while !taken.insert(name.to_lowercase()) {
            n += 1;
            name = format!("{base}~{n}.elute.json");
        }
        if n > 1 {
            notes.push(format!(
                "{} has the same name as an earlier input; its session is written as {name}",
                job.label()
            ));
            job.session_name = name;
        }
    }
    notes
}

/// The runs of `file` as jobs (one per channel, or the one `channel` selects). A file inside an Agilent `.D` folder
/// is read with its whole folder (its peak table and sample name), and only its own signal is fitted unless
/// `channel` says otherwise.
fn load_jobs(given: &Path, channel: Option<&str>) -> anyhow::Result<Vec<Job>> {
    let folder = crate::io::agilent_d::enclosing_folder(given);
    let file = folder.unwrap_or(given);
    let (bytes, runs) = crate::io::read_identified(file)?;
    let member = folder.and_then(|_| crate::io::agilent_d::member_channel(&runs, given));
    let channel = channel.map(str::to_string).or(member.map(|i| (i + 1).to_string()));
    let channel = channel.as_deref();
    let sha256 = session::sha256_hex(&bytes);
    let multi = runs.len() > 1;
    let mut jobs: Vec<Job> = runs
        .into_iter()
        .enumerate()
        .map(|(i, run)| {
            let channel = i as u32 + 1;
            let session_name = session_file_name(file, multi.then_some(channel));
            Job { file: file.to_path_buf(), sha256: sha256.clone(), channel, multi, run, session_name }
        })
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

/// The table rows of one fitted run: each peak of its session with its fit figures and model metrics, and the
/// fit's own run-level values.
fn rows_of(job: &Job, fitted: &Fitted) -> Vec<PeakRow> {
    let info =
        RunInfo { file: job.file.display().to_string(), channel: job.channel, channel_name: job.run.channel.clone() };
    let fit = &fitted.fit;
    let run_level = RunLevel {
        holdup_time_s: fit.holdup_time.value_s,
        injection_s: fit.injection.value_s,
        inlet_tail_s: fit.inlet_tail.value_s,
    };
    let mut rows: Vec<PeakRow> = fitted
        .session
        .peaks
        .iter()
        .zip(&fitted.fits)
        .zip(&fit.peaks)
        .map(|((p, f), pf)| PeakRow::new(&info, &fitted.session, &run_level, p, f.as_ref(), pf.model_metrics.as_ref()))
        .collect();
    rows.extend(fitted.unmatched.iter().map(|p| PeakRow::unmatched(&info, &fitted.session, &run_level, p)));
    rows
}

//! The clusters of a run: each seed's own window, overlapping windows merged, and every cluster's fit at given
//! run-level values (in parallel), started from its seeds' moments or from warm starts.

use rayon::prelude::*;

use super::cluster_fit::{AreaMode, fit_cluster_from, fit_cluster_signed, measured_area, window_moments};
use super::joint::ClusterState;
use super::types::{Cluster, ClusterResult, Context, PeakSeed};
use crate::fit::lsq::FitOptions;
use crate::model::{Column, moments};

impl Context<'_> {
    /// Starting (k_a, k_d) for a seed on `column`: its own start, else [`moment_guess`](Self::moment_guess).
    fn guess(&self, s: usize, column: &Column) -> (f64, f64) {
        match self.seeds[s].start {
            Some(st) if usable(st) => st,
            _ => self.moment_guess(s, column),
        }
    }

    /// Starting (k_a, k_d) from the moments of the seed's window (limited to halfway to the neighbouring apexes,
    /// which splits a cluster between its peaks), else from its apex and width.
    fn moment_guess(&self, s: usize, column: &Column) -> (f64, f64) {
        let seed = &self.seeds[s];
        let (mut lo_t, mut hi_t) = (self.t[self.own[s].0], self.t[self.own[s].1 - 1]);
        for (o, other) in self.seeds.iter().enumerate() {
            if o == s {
                continue;
            }
            let mid = 0.5 * (other.apex_time_s + seed.apex_time_s);
            if other.apex_time_s < seed.apex_time_s {
                lo_t = lo_t.max(mid);
            } else {
                hi_t = hi_t.min(mid);
            }
        }
        let lo = self.t.partition_point(|&t| t < lo_t);
        let hi = self.t.partition_point(|&t| t <= hi_t);
        // A dip's moments are those of the mirrored window.
        let window: Vec<f64> =
            if seed.negative { self.y[lo..hi].iter().map(|v| -v).collect() } else { self.y[lo..hi].to_vec() };
        let m = (hi > lo + 3).then(|| window_moments(&self.t[lo..hi], &window)).flatten();
        if let Some((mean, var)) = m
            && let Some(g) = moments::initial_guess(column, mean, var)
        {
            return g;
        }
        // No moments to invert: k' from the mean (or the apex), the kinetic variance from the width, both kept
        // positive.
        let mean = m.map(|m| m.0).unwrap_or(seed.apex_time_s);
        let sd = seed.width_s / 2.355;
        let var = m.map(|m| m.1).unwrap_or(sd * sd);
        let (k_prime, kinetic) = moments::retention_and_kinetic_variance(column, mean, var);
        let k_prime = k_prime.max(0.05);
        let kinetic = kinetic.max(0.25 * sd * sd).max(1e-12);
        moments::rates_from_retention(column, k_prime, kinetic)
    }

    /// The starts of cluster `c`'s fit, as flat (k_a, k_d) pairs of its members: each member's own start (or its
    /// moments'); where every member has an alternative (a template's values), those; and for a pair, the
    /// alternatives swapped (a template whose two overlapping peaks trade places).
    fn starts(&self, c: usize, column: &Column) -> Vec<Vec<f64>> {
        let members = &self.clusters[c].members;
        let flat = |pairs: Vec<(f64, f64)>| pairs.into_iter().flat_map(<[f64; 2]>::from).collect::<Vec<f64>>();
        let mut out = vec![flat(members.iter().map(|&s| self.guess(s, column)).collect())];
        let alternatives: Option<Vec<(f64, f64)>> =
            members.iter().map(|&s| self.seeds[s].alternative.filter(|&a| usable(a))).collect();
        if let Some(alt) = alternatives {
            if alt.len() == 2 {
                out.push(flat(vec![alt[1], alt[0]]));
            }
            out.push(flat(alt));
        }
        out
    }

    pub(super) fn fit_cluster_at(
        &self,
        c: usize,
        column: &Column,
        warm: Option<&[f64]>,
        options: &FitOptions,
    ) -> ClusterResult {
        let cl = &self.clusters[c];
        let (t, y) = (&self.t[cl.lo..cl.hi], &self.y[cl.lo..cl.hi]);
        let starts = match warm {
            Some(w) => vec![w.to_vec()],
            None => self.starts(c, column),
        };
        let (fixed, signs) = (self.fixed_areas(c), self.signs(c));
        let fit_from = |theta0: Vec<f64>| match fit_cluster_signed(
            t,
            y,
            column,
            &theta0,
            &fixed,
            &signs,
            Some(self.degree),
            options,
        ) {
            Ok(r) => ClusterResult { theta: r.values[..theta0.len()].to_vec(), report: Ok(r) },
            Err(e) => ClusterResult { report: Err(e.to_string()), theta: theta0 },
        };
        // The lowest SSE wins among the fits that keep the peaks in their seeds' retention order (with free areas,
        // two peaks of a cluster that trade their (k_a, k_d) give the same SSE with the names swapped); a failed
        // fit only when every start fails (then the first start's).
        let score = |r: &ClusterResult| match &r.report {
            Ok(rep) if self.in_order(c, column, &r.theta) => (0, rep.sse),
            Ok(rep) => (1, rep.sse),
            Err(_) => (2, f64::INFINITY),
        };
        let mut results = starts.into_iter().map(fit_from);
        let first = results.next().expect("at least one start");
        results.fold(first, |best, r| if score(&r) < score(&best) { r } else { best })
    }

    /// Whether the (k_a, k_d) pairs `theta` of cluster `c`'s members put their means in the order of the
    /// members' seed apexes.
    fn in_order(&self, c: usize, column: &Column, theta: &[f64]) -> bool {
        let members = &self.clusters[c].members;
        let mut by_apex: Vec<(f64, f64)> = members
            .iter()
            .enumerate()
            .map(|(j, &s)| {
                let (mean, _) = moments::mean_and_kinetic_sd(column, theta[2 * j], theta[2 * j + 1]);
                (self.seeds[s].apex_time_s, mean)
            })
            .collect();
        by_apex.sort_by(|a, b| a.0.total_cmp(&b.0));
        by_apex.windows(2).all(|w| w[1].1 >= w[0].1 || w[1].1.is_nan() || w[0].1.is_nan())
    }

    /// Per peak of cluster `c`: its area held at the measured one (measured-area mode) or `None` (solved).
    pub(super) fn fixed_areas(&self, c: usize) -> Vec<Option<f64>> {
        let cl = &self.clusters[c];
        match self.area_mode {
            AreaMode::Linear => vec![None; cl.members.len()],
            AreaMode::Measured => cl
                .members
                .iter()
                .map(|&s| {
                    let (lo, hi) = self.own[s];
                    Some(measured_area(&self.t[lo..hi], &self.y[lo..hi]))
                })
                .collect(),
        }
    }

    /// Fits every cluster at `column`, in parallel, from `warm` starts where given (else the seeds' guesses).
    pub(super) fn fit_all(
        &self,
        column: &Column,
        warm: &[Option<Vec<f64>>],
        options: &FitOptions,
    ) -> Vec<ClusterResult> {
        (0..self.clusters.len())
            .into_par_iter()
            .map(|c| self.fit_cluster_at(c, column, warm[c].as_deref(), options))
            .collect()
    }
}

/// Builds each seed's own window and merges overlapping windows into clusters.
pub(super) fn build_clusters(
    t: &[f64],
    seeds: &[PeakSeed],
    before: f64,
    after: f64,
) -> (Vec<(usize, usize)>, Vec<Cluster>) {
    let n = t.len();
    let own: Vec<(usize, usize)> = seeds
        .iter()
        .map(|s| {
            let lo = t.partition_point(|&x| x < s.apex_time_s - before * s.width_s);
            let hi = t.partition_point(|&x| x <= s.apex_time_s + after * s.width_s);
            let (mut lo, mut hi) = (lo.min(n.saturating_sub(1)), hi.max(lo + 1).min(n));
            while hi - lo < 12 && (lo > 0 || hi < n) {
                lo = lo.saturating_sub(1);
                hi = (hi + 1).min(n);
            }
            (lo, hi)
        })
        .collect();
    let mut order: Vec<usize> = (0..seeds.len()).collect();
    order.sort_by(|&a, &b| own[a].0.cmp(&own[b].0));
    let mut clusters: Vec<Cluster> = Vec::new();
    for s in order {
        let (lo, hi) = own[s];
        match clusters.last_mut() {
            Some(c) if lo < c.hi => {
                c.hi = c.hi.max(hi);
                c.members.push(s);
            }
            _ => clusters.push(Cluster { lo, hi, members: vec![s] }),
        }
    }
    (own, clusters)
}

impl Context<'_> {
    /// Every cluster's fit at `column` started from its state at the joint solution (in parallel), reusing the
    /// joint fit's last evaluations where they match; `warm` holds each cluster's (k_a, k_d) for a failed fit.
    pub(super) fn fit_all_from(
        &self,
        column: &Column,
        states: Vec<ClusterState>,
        warm: &[Option<Vec<f64>>],
        options: &FitOptions,
    ) -> Vec<ClusterResult> {
        states
            .into_par_iter()
            .enumerate()
            .map(|(c, state)| {
                let cl = &self.clusters[c];
                let (t, y) = (&self.t[cl.lo..cl.hi], &self.y[cl.lo..cl.hi]);
                let (fixed, signs, degree) = (self.fixed_areas(c), self.signs(c), Some(self.degree));
                let (evals, ms) = (state.evaluations, &state.mean_sigma);
                let report = fit_cluster_from(t, y, column, ms, evals, &fixed, &signs, degree, options);
                match report {
                    Ok(r) => ClusterResult { theta: r.values[..state.mean_sigma.len()].to_vec(), report: Ok(r) },
                    Err(e) => ClusterResult {
                        report: Err(e.to_string()),
                        theta: warm[c].clone().unwrap_or_else(|| {
                            let pairs = state.mean_sigma.chunks_exact(2);
                            pairs.flat_map(|p| <[f64; 2]>::from(kinetics_or_nan(column, p[0], p[1]))).collect()
                        }),
                    },
                }
            })
            .collect()
    }
}

/// (k_a, k_d) in 1/s of a peak with mean time `mean_s` and kinetic σ `sigma_s` (s) on `column`; NaN if undefined.
fn kinetics_or_nan(column: &Column, mean_s: f64, sigma_s: f64) -> (f64, f64) {
    moments::rates_from_mean_and_kinetic_sd(column, mean_s, sigma_s).unwrap_or((f64::NAN, f64::NAN))
}

/// A start is usable when both rates are positive and finite.
fn usable(start: (f64, f64)) -> bool {
    start.0 > 0.0 && start.1 > 0.0 && start.0.is_finite() && start.1.is_finite()
}

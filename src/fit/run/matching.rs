//! A template's peaks (a session from an older run) matched to the peaks detected in this run, in retention order,
//! allowing a run-wide shift and stretch (another flow, an aged column).
//!
//! The template's peaks are taken in their list order, which a session keeps as its retention order; their
//! predicted apexes on this run's grid place them. A monotone alignment (dynamic programming, as in sequence
//! alignment) pairs each template peak with at most one detected peak, or leaves it unmatched; a pair costs the
//! squared log-ratio of the detected to the predicted retained time (apex − t0), in units of ln 2, and leaving a
//! peak out costs as much as a pair four times off. The shift and stretch
//! are then re-estimated from the pairs (medians) and the alignment done again.
//!
//! Each matched peak is fitted where it was detected (its apex and width), starting from the detected peak's
//! moments, with the template's own (k_a, k_d) as the alternative start ([`PeakSeed::alternative`]).

use super::seeds::template_seeds;
use super::types::PeakSeed;
use crate::model::{Column, Peak};

/// The factor by which a detected peak's retained time (apex − t0) may differ from the predicted one at unit cost:
/// a template from an older run can be off by tens of percent in k' (a ±30 % error in k_a and in k_d moves a peak
/// by up to a factor 1.86).
const RETAINED_FACTOR: f64 = 2.0;
/// The cost of leaving a template peak or a detected peak unmatched, in squared tolerances.
const SKIP_COST: f64 = 4.0;

/// The result of matching a template to a run.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateMatch {
    /// One seed per matched template peak, in the template's order: the template peak's name, the detected
    /// apex and width, moment starts with the template's (k_a, k_d) as the alternative.
    pub seeds: Vec<PeakSeed>,
    /// The template peaks (by name) no detected peak matched: they are not fitted.
    pub unmatched: Vec<String>,
    /// Detected peaks that matched no template peak (not fitted).
    pub extra: usize,
    /// The run-wide map of predicted onto detected apexes: detected ≈ shift + stretch·predicted (s).
    pub shift_s: f64,
    /// The stretch of that map.
    pub stretch: f64,
}

/// Matches `template` (peaks on `column`, in retention order) to `detected` (seeds of this run, any order) on the
/// run's grid `t_s`; see the module doc.
pub fn match_template(column: &Column, template: &[Peak], t_s: &[f64], detected: &[PeakSeed]) -> TemplateMatch {
    let predicted = template_seeds(column, template, t_s);
    let mut found: Vec<&PeakSeed> = detected.iter().collect();
    found.sort_by(|a, b| a.apex_time_s.total_cmp(&b.apex_time_s));
    let t0 = column.holdup_time_s();
    let (mut shift, mut stretch) = (0.0, 1.0);
    let mut pairs = align(&predicted, &found, t0, shift, stretch);
    for _ in 0..2 {
        if let Some((a, b)) = shift_and_stretch(&predicted, &found, &pairs) {
            (shift, stretch) = (a, b);
            pairs = align(&predicted, &found, t0, shift, stretch);
        }
    }
    let mut seeds = Vec::new();
    let mut unmatched = Vec::new();
    for (i, p) in template.iter().enumerate() {
        match pairs.iter().find(|&&(ti, _)| ti == i) {
            Some(&(_, j)) => seeds.push(PeakSeed {
                name: p.name.clone(),
                apex_time_s: found[j].apex_time_s,
                width_s: found[j].width_s,
                start: None,
                negative: found[j].negative,
                alternative: Some((p.ka_per_s, p.kd_per_s)),
            }),
            None => unmatched.push(p.name.clone()),
        }
    }
    TemplateMatch { seeds, unmatched, extra: found.len() - pairs.len(), shift_s: shift, stretch }
}

/// The cheapest monotone alignment of predicted peaks to detected ones under the map shift + stretch·t: the
/// (template index, detected index) pairs, in order.
fn align(predicted: &[PeakSeed], found: &[&PeakSeed], t0: f64, shift: f64, stretch: f64) -> Vec<(usize, usize)> {
    let (n, m) = (predicted.len(), found.len());
    // In the ratio of retained times (apex − t0): a peak cannot come before t0, and a template's k' errors scale
    // its retained time.
    let cost = |i: usize, j: usize| {
        let p = &predicted[i];
        let at = shift + stretch * p.apex_time_s;
        let (expected, seen) = ((at - t0).max(p.width_s), found[j].apex_time_s - t0);
        if seen <= 0.0 {
            return f64::INFINITY;
        }
        ((seen / expected).ln() / RETAINED_FACTOR.ln()).powi(2)
    };
    // best[i][j]: the cheapest alignment of the first i predicted and the first j detected peaks.
    let mut best = vec![vec![f64::INFINITY; m + 1]; n + 1];
    let mut step = vec![vec![0u8; m + 1]; n + 1];
    best[0][0] = 0.0;
    for i in 0..=n {
        for j in 0..=m {
            let here = best[i][j];
            if !here.is_finite() {
                continue;
            }
            let mut relax = |ii: usize, jj: usize, c: f64, how: u8, best: &mut Vec<Vec<f64>>| {
                if here + c < best[ii][jj] {
                    best[ii][jj] = here + c;
                    step[ii][jj] = how;
                }
            };
            if i < n && j < m {
                relax(i + 1, j + 1, cost(i, j), 1, &mut best);
            }
            if i < n {
                relax(i + 1, j, SKIP_COST, 2, &mut best);
            }
            if j < m {
                relax(i, j + 1, SKIP_COST, 3, &mut best);
            }
        }
    }
    let mut pairs = Vec::new();
    let (mut i, mut j) = (n, m);
    while i > 0 || j > 0 {
        match step[i][j] {
            1 => {
                pairs.push((i - 1, j - 1));
                i -= 1;
                j -= 1;
            }
            2 => i -= 1,
            _ => j -= 1,
        }
    }
    pairs.reverse();
    pairs
}

/// The map detected ≈ shift + stretch·predicted from the pairs: the stretch as the median ratio, the shift as the
/// median remainder; `None` without pairs or with a stretch out of [0.2, 5].
fn shift_and_stretch(predicted: &[PeakSeed], found: &[&PeakSeed], pairs: &[(usize, usize)]) -> Option<(f64, f64)> {
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (!v.is_empty()).then(|| v[v.len() / 2])
    };
    let ratios = pairs
        .iter()
        .filter(|&&(i, _)| predicted[i].apex_time_s > 0.0)
        .map(|&(i, j)| found[j].apex_time_s / predicted[i].apex_time_s)
        .collect();
    let stretch = median(ratios)?;
    if !(0.2..=5.0).contains(&stretch) {
        return None;
    }
    let shift =
        median(pairs.iter().map(|&(i, j)| found[j].apex_time_s - stretch * predicted[i].apex_time_s).collect())?;
    Some((shift, stretch))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed(apex: f64) -> PeakSeed {
        PeakSeed {
            name: String::new(),
            apex_time_s: apex,
            width_s: 2.0,
            start: None,
            negative: false,
            alternative: None,
        }
    }

    #[test]
    fn peaks_match_in_order_under_a_stretch_and_missing_ones_are_named() {
        let column = Column::paper_btex();
        let template = Peak::paper_btex();
        let t: Vec<f64> = (0..=7000).map(|i| i as f64 * 0.1).collect();
        let predicted: Vec<f64> = template_seeds(&column, &template, &t).iter().map(|s| s.apex_time_s).collect();
        // A 12 % slower run, toluene missing, an early impurity at 20 s. (An impurity near where toluene should be
        // would take its place: within the tolerance a moved peak and a stranger look the same.)
        let mut detected: Vec<PeakSeed> =
            predicted.iter().enumerate().filter(|(i, _)| *i != 1).map(|(_, &p)| seed(1.12 * p)).collect();
        detected.push(seed(20.0));
        let m = match_template(&column, &template, &t, &detected);
        assert_eq!(m.unmatched, ["toluene"]);
        assert_eq!(m.extra, 1);
        let names: Vec<&str> = m.seeds.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["benzene", "ethylbenzene", "p/m-xylene", "o-xylene"]);
        for s in &m.seeds {
            let k = template.iter().position(|p| p.name == s.name).unwrap();
            assert!((s.apex_time_s / (1.12 * predicted[k]) - 1.0).abs() < 1e-12, "{s:?}");
            assert_eq!(s.alternative, Some((template[k].ka_per_s, template[k].kd_per_s)));
        }
        assert!((m.stretch - 1.12).abs() < 0.02, "{}", m.stretch);
    }

    #[test]
    fn large_per_peak_errors_still_match_one_to_one_in_order() {
        // Each template peak off by up to a factor 1.8 in retained time, but the counts agree: the order decides.
        let column = Column::paper_btex();
        let template = Peak::paper_btex();
        let t: Vec<f64> = (0..=7000).map(|i| i as f64 * 0.1).collect();
        let true_apexes = [119.0, 231.0, 449.0, 482.0, 577.0];
        let mut wrong = template.clone();
        for (p, f) in wrong.iter_mut().zip([1.6, 0.7, 1.5, 0.6, 1.3]) {
            p.ka_per_s *= f;
        }
        let detected: Vec<PeakSeed> = true_apexes.iter().map(|&a| seed(a)).collect();
        let m = match_template(&column, &wrong, &t, &detected);
        assert!(m.unmatched.is_empty() && m.extra == 0, "{m:?}");
        for (s, a) in m.seeds.iter().zip(true_apexes) {
            assert_eq!(s.apex_time_s, a);
        }
    }
}

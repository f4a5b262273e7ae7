//! Naming detected peaks after the run file's own peak table (the instrument's integration results).
//!
//! Each named table entry is matched to the detected seed whose apex is nearest its retention time, one to one,
//! nearest pairs first; a pair is only made within the tolerance. Unmatched seeds keep their names ("peak N").

use super::types::PeakSeed;
use crate::chromatogram::PeakTableEntry;

/// Least matching tolerance, s: instrument tables round retention times and integrate their own baselines.
pub const MIN_TOLERANCE_S: f64 = 2.0;

/// The default tolerance of a seed, s: the larger of [`MIN_TOLERANCE_S`] and half its half-height width.
pub fn default_tolerance_s(seed: &PeakSeed) -> f64 {
    let half = 0.5 * seed.width_s;
    if half.is_finite() { half.max(MIN_TOLERANCE_S) } else { MIN_TOLERANCE_S }
}

/// Renames seeds after the peak table `table` (retention times in s). A seed and an entry pair when
/// |t_apex − t_R| ≤ the tolerance: `tolerance_s` when given (must be ≥ 0 and finite, else nothing is renamed),
/// else each seed's [`default_tolerance_s`]. Pairs are made nearest first, each seed and each entry at most
/// once. Entries with an empty (or blank) name or a non-finite time are skipped. Returns how many seeds were
/// renamed. Names are trimmed; a name taken twice in the table is used once (the nearer pair wins).
pub fn name_from_peak_table(seeds: &mut [PeakSeed], table: &[PeakTableEntry], tolerance_s: Option<f64>) -> usize {
    if tolerance_s.is_some_and(|t| !(t.is_finite() && t >= 0.0)) {
        return 0;
    }
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for (e, entry) in table.iter().enumerate() {
        if entry.name.trim().is_empty() || !entry.retention_time_s.is_finite() {
            continue;
        }
        for (s, seed) in seeds.iter().enumerate() {
            let distance = (seed.apex_time_s - entry.retention_time_s).abs();
            let tol = tolerance_s.unwrap_or_else(|| default_tolerance_s(seed));
            if distance <= tol {
                pairs.push((distance, s, e));
            }
        }
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut seed_used = vec![false; seeds.len()];
    let mut entry_used = vec![false; table.len()];
    let mut names_used: Vec<String> = Vec::new();
    let mut renamed = 0;
    for (_, s, e) in pairs {
        let name = table[e].name.trim();
        if seed_used[s] || entry_used[e] || names_used.iter().any(|n| n == name) {
            continue;
        }
        seed_used[s] = true;
        entry_used[e] = true;
        names_used.push(name.to_string());
        seeds[s].name = name.to_string();
        renamed += 1;
    }
    renamed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed(name: &str, apex: f64, width: f64) -> PeakSeed {
        PeakSeed {
            name: name.into(),
            apex_time_s: apex,
            width_s: width,
            start: None,
            negative: false,
            alternative: None,
        }
    }

    fn entry(name: &str, t: f64) -> PeakTableEntry {
        PeakTableEntry { name: name.into(), retention_time_s: t, area: None, height: None }
    }

    #[test]
    fn nearest_pairs_win_one_to_one_within_tolerance() {
        let mut seeds = vec![seed("peak 1", 100.0, 2.0), seed("peak 2", 103.0, 2.0), seed("peak 3", 200.0, 2.0)];
        // "b" is nearer to peak 2 than "a" is to peak 1, and both are within 2 s of peak 2: "b" takes peak 2 first,
        // then "a" still gets peak 1. "far" is outside every tolerance.
        let table = [entry("a", 101.5), entry("b", 102.8), entry("far", 150.0)];
        assert_eq!(name_from_peak_table(&mut seeds, &table, None), 2);
        let names: Vec<&str> = seeds.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "peak 3"]);
    }

    #[test]
    fn a_contested_seed_goes_to_the_nearer_entry_and_the_other_stays_unused() {
        let mut seeds = vec![seed("peak 1", 100.0, 1.0)];
        let table = [entry("x", 101.0), entry("y", 99.5)];
        assert_eq!(name_from_peak_table(&mut seeds, &table, None), 1);
        assert_eq!(seeds[0].name, "y");
    }

    #[test]
    fn tolerance_follows_the_width_and_the_explicit_value() {
        // Half of a 10 s width is 5 s: an entry 4 s away matches by default but not with 1 s.
        let make = || vec![seed("peak 1", 100.0, 10.0)];
        let table = [entry("wide", 104.0)];
        let mut s = make();
        assert_eq!(name_from_peak_table(&mut s, &table, None), 1);
        let mut s = make();
        assert_eq!(name_from_peak_table(&mut s, &table, Some(1.0)), 0);
        assert_eq!(s[0].name, "peak 1");
        assert_eq!(name_from_peak_table(&mut s, &table, Some(f64::NAN)), 0);
        assert_eq!(default_tolerance_s(&seed("", 0.0, 1.0)), MIN_TOLERANCE_S);
    }

    #[test]
    fn blank_names_and_duplicates_are_skipped() {
        let mut seeds = vec![seed("peak 1", 10.0, 1.0), seed("peak 2", 20.0, 1.0)];
        let table = [entry("  ", 10.0), entry(" toluene ", 10.2), entry("toluene", 20.5)];
        assert_eq!(name_from_peak_table(&mut seeds, &table, None), 1);
        assert_eq!(seeds[0].name, "toluene");
        assert_eq!(seeds[1].name, "peak 2");
    }
}

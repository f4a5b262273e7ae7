//! The van Deemter curve of one peak from the model (science note §9): the plate height H = L·σ²/t̄² against the
//! carrier's inlet velocity u0, and its terms.
//!
//! The moments are [`super::moments::diffusion_moments`] (first order in the axial diffusion D(x) = D0·p0/p(x)).
//! Each term is its share of the variance over the same t̄², so the terms add up to H exactly:
//! - the B term, L·σ²_diffusion/t̄² (≈ B/u0 with B = D0(1 + r²)/g², g = (2/3)(1 + r + r²)/(1 + r));
//! - the C term, L·(2k't0/k_d)/t̄² (≈ C·u0 with C = 2k'/(k_d·g·(1 + k')²)): mass transfer into the film;
//! - the extra-column term, L·(t1²/12 + τ²)/t̄²: the injection and the inlet tail.
//!
//! A sweep changes u0 physically ([`Column::at_inlet_velocity_m_s`]): the same carrier and outlet pressure, so
//! the inlet pressure follows from Poiseuille flow and D0 scales as 1/p0. Each peak keeps its k_a and k_d: the
//! model's rates do not depend on the carrier.

use super::moments::diffusion_moments;
use super::{Column, ModelError, Peak};

/// Most points one curve may have.
pub const MAX_POINTS: usize = 100_000;

/// One point of the curve: the column at one inlet velocity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlatePoint {
    /// Carrier velocity at the inlet u0, m/s.
    pub inlet_velocity_m_s: f64,
    /// Mean carrier velocity L/t0, m/s.
    pub mean_velocity_m_s: f64,
    /// The peak's mean retention time t̄ (first moment), s.
    pub retention_time_s: f64,
    /// H = L·σ²/t̄², m.
    pub plate_height_m: f64,
    /// Axial diffusion's share of H, m.
    pub b_term_m: f64,
    /// Finite desorption's (film mass transfer) share of H, m.
    pub c_term_m: f64,
    /// The injection's and the inlet tail's share of H, m.
    pub extra_column_m: f64,
}

impl PlatePoint {
    /// Theoretical plates N = L/H (dimensionless).
    pub fn plates(&self, length_m: f64) -> f64 {
        length_m / self.plate_height_m
    }
}

/// The plate height of `peak` on `column` as it is. Error: a column without its geometry (length, velocity).
pub fn plate_point(column: &Column, peak: &Peak) -> Result<PlatePoint, ModelError> {
    peak.validate()?;
    let m = diffusion_moments(column, peak).ok_or(ModelError::MissingField { field: "length_m" })?;
    let length = column.length_m().ok_or(ModelError::MissingField { field: "length_m" })?;
    let u0 = column.velocity_m_s(0.0).ok_or(ModelError::MissingField { field: "inlet_velocity_m_s" })?;
    let per = length / (m.mean_s * m.mean_s);
    Ok(PlatePoint {
        inlet_velocity_m_s: u0,
        mean_velocity_m_s: length / column.holdup_time_s(),
        retention_time_s: m.mean_s,
        plate_height_m: per * m.variance_s2(),
        b_term_m: per * m.diffusion_s2,
        c_term_m: per * m.kinetic_s2,
        extra_column_m: per * m.extra_column_s2,
    })
}

/// The plate height at the inlet velocity `inlet_velocity_m_s` (m/s), the column's carrier tied by Poiseuille.
pub fn at_velocity(column: &Column, peak: &Peak, inlet_velocity_m_s: f64) -> Result<PlatePoint, ModelError> {
    plate_point(&column.at_inlet_velocity_m_s(inlet_velocity_m_s)?, peak)
}

/// `points` (2 to [`MAX_POINTS`]) equally spaced inlet velocities from `from_m_s` to `to_m_s` (finite,
/// 0 < from < to) and the plate height at each.
pub fn curve(
    column: &Column,
    peak: &Peak,
    from_m_s: f64,
    to_m_s: f64,
    points: usize,
) -> Result<Vec<PlatePoint>, ModelError> {
    check_range(from_m_s, to_m_s)?;
    if !(2..=MAX_POINTS).contains(&points) {
        return Err(ModelError::InvalidField {
            field: "points",
            value: points as f64,
            reason: "must be between 2 and 100000",
        });
    }
    let step = (to_m_s - from_m_s) / (points - 1) as f64;
    (0..points).map(|i| at_velocity(column, peak, from_m_s + i as f64 * step)).collect()
}

fn check_range(from_m_s: f64, to_m_s: f64) -> Result<(), ModelError> {
    if !(from_m_s.is_finite() && from_m_s > 0.0) {
        return Err(ModelError::InvalidField {
            field: "from",
            value: from_m_s,
            reason: "the lowest velocity must be a finite number of m/s greater than 0",
        });
    }
    if !(to_m_s.is_finite() && to_m_s > from_m_s) {
        return Err(ModelError::InvalidField {
            field: "to",
            value: to_m_s,
            reason: "the highest velocity must be finite and above the lowest",
        });
    }
    Ok(())
}

/// The inlet velocity in [`from_m_s`, `to_m_s`] with the lowest plate height (the optimum of the curve): a scan
/// of 64 log-spaced velocities, then golden-section search in log u0 around the best, to 1e-9 relative.
pub fn optimum(column: &Column, peak: &Peak, from_m_s: f64, to_m_s: f64) -> Result<PlatePoint, ModelError> {
    check_range(from_m_s, to_m_s)?;
    let h = |log_u: f64| at_velocity(column, peak, log_u.exp()).map(|p| p.plate_height_m);
    let (lo, hi) = (from_m_s.ln(), to_m_s.ln());
    const SCAN: usize = 64;
    let grid: Vec<f64> = (0..=SCAN).map(|i| lo + (hi - lo) * i as f64 / SCAN as f64).collect();
    let values = grid.iter().map(|&g| h(g)).collect::<Result<Vec<_>, _>>()?;
    let best = (0..values.len()).min_by(|&i, &j| values[i].total_cmp(&values[j])).unwrap_or(0);
    let (mut a, mut b) = (grid[best.saturating_sub(1)], grid[(best + 1).min(SCAN)]);
    let ratio = 0.5 * (5f64.sqrt() - 1.0);
    let (mut x1, mut x2) = (b - ratio * (b - a), a + ratio * (b - a));
    let (mut f1, mut f2) = (h(x1)?, h(x2)?);
    while b - a > 1e-9 {
        if f1 < f2 {
            (b, x2, f2) = (x2, x1, f1);
            x1 = b - ratio * (b - a);
            f1 = h(x1)?;
        } else {
            (a, x1, f1) = (x1, x2, f2);
            x2 = a + ratio * (b - a);
            f2 = h(x2)?;
        }
    }
    at_velocity(column, peak, (0.5 * (a + b)).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toluene_on_the_paper_column_has_the_science_notes_plate_height() {
        // Science note §9: toluene at 0.41 m/s has H ≈ 13.2 mm (C 12.7 mm, B 0.01 mm), N ≈ 1.5e3, and a
        // column-only optimum near 1.2 cm/s.
        let col = Column::paper_btex();
        let toluene = &Peak::paper_btex()[1];
        let p = plate_point(&col, toluene).unwrap();
        assert!((p.plate_height_m - 13.2e-3).abs() < 0.1e-3, "{p:?}");
        assert!((p.c_term_m - 12.7e-3).abs() < 0.1e-3 && p.b_term_m > 0.0 && p.b_term_m < 0.02e-3, "{p:?}");
        assert!((p.b_term_m + p.c_term_m + p.extra_column_m - p.plate_height_m).abs() < 1e-15);
        assert!((p.plates(20.0) - 1.5e3).abs() < 0.05e3, "{}", p.plates(20.0));
        // At fixed conditions B/u0 + C·u0 is lowest at √(B/C) = u0·√(b/c): about the note's 1.2 cm/s (1.3).
        let fixed_optimum = p.inlet_velocity_m_s * (p.b_term_m / p.c_term_m).sqrt();
        assert!((fixed_optimum - 0.012).abs() < 0.0015, "{fixed_optimum}");
        // Swept physically the inlet pressure falls with u0 and D0 = D_ref·p_ref/p0 grows, so the optimum of the
        // tied curve lies higher (2.8 cm/s).
        let col_only = col.with_injection_s(1e-6).unwrap();
        let best = optimum(&col_only, toluene, 1e-3, 1.0).unwrap();
        assert!(best.inlet_velocity_m_s > fixed_optimum && best.inlet_velocity_m_s < 0.05, "{best:?}");
        // At the optimum the B and C terms balance (their sum's derivative vanishes: B/u = C·u to first order).
        assert!((best.b_term_m / best.c_term_m - 1.0).abs() < 0.1, "{best:?}");
    }

    #[test]
    fn without_diffusion_the_moments_are_the_exact_ones() {
        let col = Column::paper_btex().with_diffusion_m2_s(0.0).unwrap().with_inlet_tail_s(1.5).unwrap();
        for peak in Peak::paper_btex() {
            let exact = crate::model::moments(&col, &peak);
            let m = diffusion_moments(&col, &peak).unwrap();
            assert!((m.mean_s - exact.mean_s).abs() < 1e-12 * exact.mean_s);
            assert!((m.variance_s2() - exact.variance_s2).abs() < 1e-12 * exact.variance_s2);
        }
    }

    #[test]
    fn the_curve_rises_on_both_sides_of_its_optimum_and_bad_ranges_are_refused() {
        let col = Column::paper_btex();
        let benzene = &Peak::paper_btex()[0];
        let c = curve(&col, benzene, 0.005, 1.0, 200).unwrap();
        let best = optimum(&col, benzene, 0.005, 1.0).unwrap();
        assert!(c.iter().all(|p| p.plate_height_m >= best.plate_height_m * (1.0 - 1e-12)));
        assert!(c[0].plate_height_m > best.plate_height_m && c[199].plate_height_m > best.plate_height_m);
        assert!((c[199].inlet_velocity_m_s - 1.0).abs() < 1e-12);
        assert!(curve(&col, benzene, 0.0, 1.0, 10).is_err());
        assert!(curve(&col, benzene, 0.5, 0.4, 10).is_err());
        assert!(curve(&col, benzene, 0.1, 1.0, 1).is_err());
        assert!(plate_point(&Column::default_preset(), benzene).is_err());
    }
}

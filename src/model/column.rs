//! The column and the run's inlet: geometry, pressures and carrier velocity, or a measured hold-up time.
//!
//! A [`Column`] is validated on construction (and on deserialisation), so every derived quantity is finite.
//! Serde names are the session file's (`length_m`, `inlet_pressure_pa`, ...). Two ways to describe it:
//! - geometry: `length_m`, `radius_m`, `film_thickness_m`, `inlet_pressure_pa`, `outlet_pressure_pa`,
//!   `inlet_velocity_m_s`; t0 follows from compressible Poiseuille flow;
//! - hold-up time: `holdup_time_s` and `phase_ratio` (β); the geometry fields may then be absent. Pressures,
//!   when given too, still set the pressure ratio r (else r = 1).
//!
//! Both need `injection_s` (t1); `inlet_tail_s` (τ, default 0) and `diffusion_m2_s` (D0, default 2.5e-6,
//! used only by the PDE method) are optional.

use serde::{Deserialize, Serialize};

use super::ModelError;

/// Default diffusion coefficient D0 at the inlet pressure, m²/s (the paper's order of magnitude).
pub const DEFAULT_DIFFUSION_M2_S: f64 = 2.5e-6;

/// How the column is described: full geometry, or only a measured hold-up time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ColumnSetup {
    /// Physical description; t0 from compressible flow.
    Geometry {
        length_m: f64,
        radius_m: f64,
        film_thickness_m: f64,
        inlet_pressure_pa: f64,
        outlet_pressure_pa: f64,
        inlet_velocity_m_s: f64,
    },
    /// Hold-up time and phase ratio β = R/(2δ) only; pressures optional (they set r).
    HoldUp {
        holdup_time_s: f64,
        phase_ratio: f64,
        /// (inlet, outlet) pressures in Pa when known.
        pressures_pa: Option<(f64, f64)>,
    },
}

/// A validated column plus the run's inlet (injection time and inlet tail).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawColumn", into = "RawColumn")]
pub struct Column {
    setup: ColumnSetup,
    injection_s: f64,
    inlet_tail_s: f64,
    diffusion_m2_s: f64,
}

/// The flat serde form of a column, as in the session file and in cases.json.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawColumn {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length_m: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radius_m: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub film_thickness_m: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inlet_pressure_pa: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlet_pressure_pa: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inlet_velocity_m_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holdup_time_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase_ratio: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub injection_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inlet_tail_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diffusion_m2_s: Option<f64>,
}

fn positive(field: &'static str, v: Option<f64>) -> Result<f64, ModelError> {
    let v = v.ok_or(ModelError::MissingField { field })?;
    check_positive(field, v)
}

/// The shortest injection time t1 the engine takes, s: the peak heights scale as 1/t1, and a subnormal t1 overflows
/// them to infinity. Far below any real injector (the fit's own lower bound is 1e-3 s), and the model has long
/// reached its delta-injection limit there.
pub const MIN_INJECTION_S: f64 = 1e-6;

fn check_injection(v: f64) -> Result<f64, ModelError> {
    if v >= MIN_INJECTION_S {
        Ok(v)
    } else {
        Err(ModelError::InvalidField { field: "injection_s", value: v, reason: "must be at least 1e-6 s" })
    }
}

fn check_positive(field: &'static str, v: f64) -> Result<f64, ModelError> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(ModelError::InvalidField { field, value: v, reason: "must be a finite number greater than 0" })
    }
}

fn non_negative(field: &'static str, v: f64) -> Result<f64, ModelError> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(ModelError::InvalidField { field, value: v, reason: "must be a finite number, 0 or more" })
    }
}

fn check_pressures(inlet: f64, outlet: f64) -> Result<(), ModelError> {
    check_positive("inlet_pressure_pa", inlet)?;
    check_positive("outlet_pressure_pa", outlet)?;
    if outlet > inlet {
        return Err(ModelError::InvalidField {
            field: "outlet_pressure_pa",
            value: outlet,
            reason: "must not exceed inlet_pressure_pa (the carrier flows from inlet to outlet)",
        });
    }
    Ok(())
}

impl TryFrom<RawColumn> for Column {
    type Error = ModelError;

    fn try_from(raw: RawColumn) -> Result<Self, ModelError> {
        let setup = if let Some(t0) = raw.holdup_time_s {
            let holdup_time_s = check_positive("holdup_time_s", t0)?;
            let phase_ratio = match (raw.phase_ratio, raw.radius_m, raw.film_thickness_m) {
                (Some(b), _, _) => check_positive("phase_ratio", b)?,
                (None, Some(r), Some(d)) => {
                    check_positive("radius_m", r)? / (2.0 * check_positive("film_thickness_m", d)?)
                }
                _ => {
                    return Err(ModelError::MissingField { field: "phase_ratio" });
                }
            };
            let pressures_pa = match (raw.inlet_pressure_pa, raw.outlet_pressure_pa) {
                (Some(p0), Some(pl)) => {
                    check_pressures(p0, pl)?;
                    Some((p0, pl))
                }
                _ => None,
            };
            ColumnSetup::HoldUp { holdup_time_s, phase_ratio, pressures_pa }
        } else {
            let length_m = positive("length_m", raw.length_m)?;
            let radius_m = positive("radius_m", raw.radius_m)?;
            let film_thickness_m = positive("film_thickness_m", raw.film_thickness_m)?;
            let inlet_pressure_pa = positive("inlet_pressure_pa", raw.inlet_pressure_pa)?;
            let outlet_pressure_pa = positive("outlet_pressure_pa", raw.outlet_pressure_pa)?;
            check_pressures(inlet_pressure_pa, outlet_pressure_pa)?;
            let inlet_velocity_m_s = positive("inlet_velocity_m_s", raw.inlet_velocity_m_s)?;
            if let Some(b) = raw.phase_ratio {
                check_positive("phase_ratio", b)?;
            }
            ColumnSetup::Geometry {
                length_m,
                radius_m,
                film_thickness_m,
                inlet_pressure_pa,
                outlet_pressure_pa,
                inlet_velocity_m_s,
            }
        };
        let injection_s = check_injection(positive("injection_s", raw.injection_s)?)?;
        let inlet_tail_s = non_negative("inlet_tail_s", raw.inlet_tail_s.unwrap_or(0.0))?;
        let diffusion_m2_s = non_negative("diffusion_m2_s", raw.diffusion_m2_s.unwrap_or(DEFAULT_DIFFUSION_M2_S))?;
        Ok(Column { setup, injection_s, inlet_tail_s, diffusion_m2_s })
    }
}

impl From<Column> for RawColumn {
    fn from(c: Column) -> RawColumn {
        let mut raw = RawColumn {
            injection_s: Some(c.injection_s),
            inlet_tail_s: Some(c.inlet_tail_s),
            diffusion_m2_s: Some(c.diffusion_m2_s),
            ..Default::default()
        };
        match c.setup {
            ColumnSetup::Geometry {
                length_m,
                radius_m,
                film_thickness_m,
                inlet_pressure_pa,
                outlet_pressure_pa,
                inlet_velocity_m_s,
            } => {
                raw.length_m = Some(length_m);
                raw.radius_m = Some(radius_m);
                raw.film_thickness_m = Some(film_thickness_m);
                raw.inlet_pressure_pa = Some(inlet_pressure_pa);
                raw.outlet_pressure_pa = Some(outlet_pressure_pa);
                raw.inlet_velocity_m_s = Some(inlet_velocity_m_s);
            }
            ColumnSetup::HoldUp { holdup_time_s, phase_ratio, pressures_pa } => {
                raw.holdup_time_s = Some(holdup_time_s);
                raw.phase_ratio = Some(phase_ratio);
                if let Some((p0, pl)) = pressures_pa {
                    raw.inlet_pressure_pa = Some(p0);
                    raw.outlet_pressure_pa = Some(pl);
                }
            }
        }
        raw
    }
}

impl Column {
    /// Builds a column from its geometry; every value in SI units. Validates like deserialisation does.
    pub fn from_geometry(
        length_m: f64,
        radius_m: f64,
        film_thickness_m: f64,
        inlet_pressure_pa: f64,
        outlet_pressure_pa: f64,
        inlet_velocity_m_s: f64,
        injection_s: f64,
    ) -> Result<Column, ModelError> {
        RawColumn {
            length_m: Some(length_m),
            radius_m: Some(radius_m),
            film_thickness_m: Some(film_thickness_m),
            inlet_pressure_pa: Some(inlet_pressure_pa),
            outlet_pressure_pa: Some(outlet_pressure_pa),
            inlet_velocity_m_s: Some(inlet_velocity_m_s),
            injection_s: Some(injection_s),
            ..Default::default()
        }
        .try_into()
    }

    /// Builds a column from a measured hold-up time t0 (s) and the phase ratio β = R/(2δ).
    pub fn from_holdup(holdup_time_s: f64, phase_ratio: f64, injection_s: f64) -> Result<Column, ModelError> {
        RawColumn {
            holdup_time_s: Some(holdup_time_s),
            phase_ratio: Some(phase_ratio),
            injection_s: Some(injection_s),
            ..Default::default()
        }
        .try_into()
    }

    /// The paper's BTEX column (Table 1): 20 m × 90 µm radius × 1 µm film, 4.01 → 1.013 bar, u0 = 0.41 m/s,
    /// t1 = 4 s, no inlet tail.
    pub fn paper_btex() -> Column {
        Column::from_geometry(20.0, 90e-6, 1e-6, 4.01e5, 1.013e5, 0.41, 4.0).expect("valid constants")
    }

    /// A generic 30 m × 0.25 mm i.d. × 0.25 µm column with a 10 s hold-up time (t0 is meant to be fitted),
    /// for runs whose column is unknown. β = 250.
    pub fn default_preset() -> Column {
        Column::from_holdup(10.0, 250.0, 1.0).expect("valid constants")
    }

    /// How the column is described.
    pub fn setup(&self) -> ColumnSetup {
        self.setup
    }

    /// True when t0 comes from geometry and pressures (not from a hold-up time).
    pub fn has_geometry(&self) -> bool {
        matches!(self.setup, ColumnSetup::Geometry { .. })
    }

    /// Column length in m, when the geometry is known.
    pub fn length_m(&self) -> Option<f64> {
        match self.setup {
            ColumnSetup::Geometry { length_m, .. } => Some(length_m),
            ColumnSetup::HoldUp { .. } => None,
        }
    }

    /// Injection time t1 in s (> 0).
    pub fn injection_s(&self) -> f64 {
        self.injection_s
    }

    /// Inlet tail time constant τ in s (≥ 0; 0 is the paper's pure rectangle).
    pub fn inlet_tail_s(&self) -> f64 {
        self.inlet_tail_s
    }

    /// Diffusion coefficient D0 at the inlet pressure, m²/s (PDE method only).
    pub fn diffusion_m2_s(&self) -> f64 {
        self.diffusion_m2_s
    }

    /// Film-to-gas volume ratio α = 2δ/R (= 1/β), dimensionless.
    pub fn alpha(&self) -> f64 {
        1.0 / self.phase_ratio()
    }

    /// GC phase ratio β = R/(2δ), as datasheets quote it.
    pub fn phase_ratio(&self) -> f64 {
        match self.setup {
            ColumnSetup::Geometry { radius_m, film_thickness_m, .. } => radius_m / (2.0 * film_thickness_m),
            ColumnSetup::HoldUp { phase_ratio, .. } => phase_ratio,
        }
    }

    /// Outlet-to-inlet pressure ratio r = pL/p0 in (0, 1]; 1 when the pressures are unknown.
    pub fn pressure_ratio(&self) -> f64 {
        match self.setup {
            ColumnSetup::Geometry { inlet_pressure_pa, outlet_pressure_pa, .. } => {
                outlet_pressure_pa / inlet_pressure_pa
            }
            ColumnSetup::HoldUp { pressures_pa: Some((p0, pl)), .. } => pl / p0,
            ColumnSetup::HoldUp { pressures_pa: None, .. } => 1.0,
        }
    }

    /// Gas time of flight through the whole column t0 in s.
    pub fn holdup_time_s(&self) -> f64 {
        self.time_of_flight_s(1.0)
    }

    /// Time of flight in s from the inlet to the fraction ξ = x/L ∈ [0, 1] of the column.
    ///
    /// Compressible flow: t0(x) = (2x / 3u0)·(1 + √q + q)/(1 + √q), q = 1 − (1 − r²)ξ, which is x/u0 at r = 1
    /// without a 0/0. With only a hold-up time, the same shape is scaled to end at t0. ξ is clamped to [0, 1].
    pub fn time_of_flight_s(&self, fraction: f64) -> f64 {
        let xi = fraction.clamp(0.0, 1.0);
        let shape = |xi: f64| {
            let r = self.pressure_ratio();
            let q = 1.0 - (1.0 - r * r) * xi;
            let sq = q.sqrt();
            (2.0 * xi / 3.0) * (1.0 + sq + q) / (1.0 + sq)
        };
        match self.setup {
            ColumnSetup::Geometry { length_m, inlet_velocity_m_s, .. } => shape(xi) * length_m / inlet_velocity_m_s,
            ColumnSetup::HoldUp { holdup_time_s, .. } => holdup_time_s * shape(xi) / shape(1.0),
        }
    }

    /// The fraction ξ = x/L of the column that the carrier reaches after `time_of_flight_s` (s): the inverse of
    /// [`Column::time_of_flight_s`], clamped to [0, 1] (0 for t ≤ 0 or NaN, 1 from t0 on). Bisection to
    /// rounding (t0(ξ) is strictly increasing).
    pub fn fraction_at_time_of_flight(&self, time_of_flight_s: f64) -> f64 {
        if time_of_flight_s.is_nan() || time_of_flight_s <= 0.0 {
            return 0.0;
        }
        if time_of_flight_s >= self.holdup_time_s() {
            return 1.0;
        }
        let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
        for _ in 0..64 {
            let mid = 0.5 * (lo + hi);
            if mid <= lo || mid >= hi {
                break;
            }
            if self.time_of_flight_s(mid) < time_of_flight_s {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    }

    /// Pressure relative to the inlet, p(x)/p0 = √(1 − (1 − r²)ξ), at the fraction ξ = x/L ∈ [0, 1].
    /// It is also the amplitude factor of the concentration that arrives at x (mass conservation: u·c is
    /// carried, so c scales as 1/u ∝ p).
    pub fn pressure_fraction(&self, fraction: f64) -> f64 {
        let r = self.pressure_ratio();
        (1.0 - (1.0 - r * r) * fraction.clamp(0.0, 1.0)).sqrt()
    }

    /// Pressure in Pa at the fraction ξ of the column, when the pressures are known.
    pub fn pressure_pa(&self, fraction: f64) -> Option<f64> {
        let p0 = match self.setup {
            ColumnSetup::Geometry { inlet_pressure_pa, .. } => inlet_pressure_pa,
            ColumnSetup::HoldUp { pressures_pa: Some((p0, _)), .. } => p0,
            ColumnSetup::HoldUp { pressures_pa: None, .. } => return None,
        };
        Some(p0 * self.pressure_fraction(fraction))
    }

    /// Carrier velocity u(x) = u0·p0/p(x) in m/s at the fraction ξ, when the geometry is known.
    pub fn velocity_m_s(&self, fraction: f64) -> Option<f64> {
        match self.setup {
            ColumnSetup::Geometry { inlet_velocity_m_s, .. } => {
                Some(inlet_velocity_m_s / self.pressure_fraction(fraction))
            }
            ColumnSetup::HoldUp { .. } => None,
        }
    }

    /// Mean number of adsorptions per molecule μ = α·k_a·t0 for an adsorption rate `ka_per_s`.
    pub fn mu(&self, ka_per_s: f64) -> f64 {
        self.alpha() * ka_per_s * self.holdup_time_s()
    }

    /// A copy with another injection time t1 (s); validated.
    pub fn with_injection_s(mut self, injection_s: f64) -> Result<Column, ModelError> {
        self.injection_s = check_injection(check_positive("injection_s", injection_s)?)?;
        Ok(self)
    }

    /// A copy with another inlet tail τ (s, ≥ 0); validated.
    pub fn with_inlet_tail_s(mut self, inlet_tail_s: f64) -> Result<Column, ModelError> {
        self.inlet_tail_s = non_negative("inlet_tail_s", inlet_tail_s)?;
        Ok(self)
    }

    /// A copy with another diffusion coefficient D0 (m²/s, ≥ 0); validated.
    pub fn with_diffusion_m2_s(mut self, diffusion_m2_s: f64) -> Result<Column, ModelError> {
        self.diffusion_m2_s = non_negative("diffusion_m2_s", diffusion_m2_s)?;
        Ok(self)
    }

    /// A copy with some of its stored fields changed by `edit` (on the flat session form), validated like a
    /// loaded column: the way a "what if" changes the length, radius, film, pressures or velocity.
    pub fn edited(&self, edit: impl FnOnce(&mut RawColumn)) -> Result<Column, ModelError> {
        let mut raw = RawColumn::from(*self);
        edit(&mut raw);
        raw.try_into()
    }

    /// The carrier viscosity in Pa·s that the geometry implies through Poiseuille flow,
    /// µ = R²(p0² − pL²)/(16·u0·L·p0) (2.3e-5 Pa·s for the paper's N2 column); None without geometry. 0 when the
    /// pressures are equal (the constant-velocity idealisation).
    pub fn implied_viscosity_pa_s(&self) -> Option<f64> {
        match self.setup {
            ColumnSetup::Geometry {
                length_m,
                radius_m,
                inlet_pressure_pa: p0,
                outlet_pressure_pa: pl,
                inlet_velocity_m_s: u0,
                ..
            } => Some(radius_m * radius_m * (p0 * p0 - pl * pl) / (16.0 * u0 * length_m * p0)),
            ColumnSetup::HoldUp { .. } => None,
        }
    }

    /// A copy run at the inlet velocity `inlet_velocity_m_s` (m/s) with the same carrier and outlet pressure:
    /// the inlet pressure follows from Poiseuille flow, p0 = [b + √(b² + 4pL²)]/2 with b = 16µL·u0/R², and the
    /// diffusion coefficient scales as 1/p0 (D0 is quoted at the inlet). A column without a pressure drop keeps
    /// its pressures. Errors: no geometry, or a velocity that is not finite and > 0.
    pub fn at_inlet_velocity_m_s(&self, inlet_velocity_m_s: f64) -> Result<Column, ModelError> {
        let u0 = check_positive("inlet_velocity_m_s", inlet_velocity_m_s)?;
        let ColumnSetup::Geometry { length_m, radius_m, inlet_pressure_pa: p_ref, outlet_pressure_pa: pl, .. } =
            self.setup
        else {
            return Err(ModelError::MissingField { field: "length_m" });
        };
        let viscosity = self.implied_viscosity_pa_s().unwrap_or(0.0);
        let b = 16.0 * viscosity * length_m * u0 / (radius_m * radius_m);
        let p0 = if viscosity > 0.0 { 0.5 * (b + (b * b + 4.0 * pl * pl).sqrt()) } else { p_ref };
        let diffusion = self.diffusion_m2_s * p_ref / p0;
        self.edited(|raw| {
            raw.inlet_velocity_m_s = Some(u0);
            raw.inlet_pressure_pa = Some(p0);
            raw.diffusion_m2_s = Some(diffusion);
        })
    }

    /// A copy whose hold-up time is set to `holdup_time_s` (s). A geometry column keeps its shape (pressure
    /// ratio, α) and changes its inlet velocity; a hold-up column changes t0 directly. Used when t0 is fitted.
    pub fn with_holdup_time_s(mut self, holdup_time_s: f64) -> Result<Column, ModelError> {
        let t0 = check_positive("holdup_time_s", holdup_time_s)?;
        let current = self.holdup_time_s();
        match &mut self.setup {
            ColumnSetup::Geometry { inlet_velocity_m_s, .. } => *inlet_velocity_m_s *= current / t0,
            ColumnSetup::HoldUp { holdup_time_s, .. } => *holdup_time_s = t0,
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subnormal_injection_time_is_refused_and_the_shortest_allowed_computes() {
        for t1 in [1e-310, 5e-324, 1e-300, 0.99e-6] {
            assert!(Column::paper_btex().with_injection_s(t1).is_err(), "{t1}");
        }
        let c = Column::paper_btex().with_injection_s(MIN_INJECTION_S).unwrap();
        let times_s: Vec<f64> = (0..4000).map(|i| i as f64 * 0.25).collect();
        for p in crate::model::Peak::paper_btex() {
            let y = crate::model::peak_signal(&c, &p, &times_s, crate::model::Method::Closed).unwrap();
            assert!(y.iter().all(|v| v.is_finite()) && y.iter().any(|v| *v > 0.0), "{}", p.name);
        }
    }

    #[test]
    fn btex_derived_values_match_the_reference_cases() {
        let c = Column::paper_btex();
        // cases.json: alpha 0.0222..., r 0.25261845386533666, t0 34.177110454611785
        assert!((c.alpha() - 0.02222222222222222).abs() < 1e-15);
        assert!((c.pressure_ratio() - 0.25261845386533666).abs() < 1e-15);
        assert!((c.holdup_time_s() - 34.177110454611785).abs() < 1e-11);
        assert!((c.phase_ratio() - 45.0).abs() < 1e-12);
        assert!((c.mu(2953.0) - 2242.777937165969).abs() < 1e-8);
        assert!((c.velocity_m_s(1.0).unwrap() - 0.41 / 0.25261845386533666).abs() < 1e-12);
    }

    #[test]
    fn constant_velocity_time_of_flight_is_length_over_velocity() {
        let c = Column::from_geometry(20.0, 90e-6, 1e-6, 4.01e5, 4.01e5, 0.41, 4.0).unwrap();
        assert!((c.holdup_time_s() - 48.78048780487805).abs() < 1e-12);
        assert!((c.time_of_flight_s(0.5) - 10.0 / 0.41).abs() < 1e-12);
    }

    #[test]
    fn time_of_flight_integrates_the_inverse_velocity() {
        let c = Column::paper_btex();
        let n = 20000;
        let l = c.length_m().unwrap();
        let mut t = 0.0;
        for i in 0..n {
            let xi = (i as f64 + 0.5) / n as f64;
            t += l / n as f64 / c.velocity_m_s(xi).unwrap();
        }
        assert!((t - c.holdup_time_s()).abs() < 1e-6);
        assert!((c.time_of_flight_s(0.0)).abs() < 1e-15);
    }

    #[test]
    fn the_fraction_at_a_time_of_flight_inverts_it() {
        for c in [Column::paper_btex(), Column::from_holdup(10.0, 250.0, 1.0).unwrap()] {
            for i in 0..=50 {
                let xi = i as f64 / 50.0;
                let back = c.fraction_at_time_of_flight(c.time_of_flight_s(xi));
                assert!((back - xi).abs() < 1e-12, "{xi} → {back}");
            }
            assert_eq!(c.fraction_at_time_of_flight(-1.0), 0.0);
            assert_eq!(c.fraction_at_time_of_flight(f64::NAN), 0.0);
            assert_eq!(c.fraction_at_time_of_flight(1e9), 1.0);
        }
    }

    #[test]
    fn poiseuille_ties_the_inlet_pressure_to_the_velocity() {
        let c = Column::paper_btex();
        // Science note §1: µ = 2.3e-5 Pa·s gives u0 = 0.413 m/s for Table 1, so the implied µ is near 2.3e-5.
        let mu = c.implied_viscosity_pa_s().unwrap();
        assert!((mu - 2.3e-5).abs() < 0.02e-5, "{mu}");
        let same = c.at_inlet_velocity_m_s(0.41).unwrap();
        assert!((same.pressure_pa(0.0).unwrap() - 4.01e5).abs() < 1e-6);
        let slow = c.at_inlet_velocity_m_s(0.1).unwrap();
        let (p0, pl) = (slow.pressure_pa(0.0).unwrap(), slow.pressure_pa(1.0).unwrap());
        // Poiseuille again, from the new column: u0 = R²(p0² − pL²)/(16 µ L p0).
        let u = 90e-6_f64.powi(2) * (p0 * p0 - pl * pl) / (16.0 * mu * 20.0 * p0);
        assert!((u - 0.1).abs() < 1e-12 && p0 < 4.01e5 && (pl - 1.013e5).abs() < 1e-6, "{u} {p0}");
        assert!((slow.diffusion_m2_s() - c.diffusion_m2_s() * 4.01e5 / p0).abs() < 1e-18);
        assert!(Column::from_holdup(10.0, 250.0, 1.0).unwrap().at_inlet_velocity_m_s(0.2).is_err());
        assert!(c.at_inlet_velocity_m_s(0.0).is_err() && c.at_inlet_velocity_m_s(f64::NAN).is_err());
    }

    #[test]
    fn holdup_columns_and_round_trips() {
        let c = Column::from_holdup(10.0, 250.0, 1.0).unwrap();
        assert_eq!(c.holdup_time_s(), 10.0);
        assert_eq!(c.alpha(), 1.0 / 250.0);
        assert_eq!(c.pressure_ratio(), 1.0);
        let json = serde_json::to_string(&c).unwrap();
        let back: Column = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
        let b = Column::paper_btex();
        let back: Column = serde_json::from_str(&serde_json::to_string(&b).unwrap()).unwrap();
        assert_eq!(back, b);
        let moved = b.with_holdup_time_s(20.0).unwrap();
        assert!((moved.holdup_time_s() - 20.0).abs() < 1e-12);
    }

    #[test]
    fn bad_fields_are_named() {
        let err = |json: &str| serde_json::from_str::<Column>(json).unwrap_err().to_string();
        let base = r#""radius_m":9e-5,"film_thickness_m":1e-6,"inlet_pressure_pa":4e5,"inlet_velocity_m_s":0.4,"injection_s":4"#;
        assert!(err(&format!(r#"{{"length_m":-1,"outlet_pressure_pa":1e5,{base}}}"#)).contains("length_m"));
        assert!(err(&format!(r#"{{"length_m":0,"outlet_pressure_pa":1e5,{base}}}"#)).contains("length_m"));
        assert!(err(&format!(r#"{{"length_m":20,"outlet_pressure_pa":5e5,{base}}}"#)).contains("outlet_pressure_pa"));
        assert!(err(&format!(r#"{{"outlet_pressure_pa":1e5,{base}}}"#)).contains("length_m"));
        assert!(err(&format!(r#"{{"lenght_m":20,"outlet_pressure_pa":1e5,{base}}}"#)).contains("lenght_m"));
        let zero_t1 = base.replace(r#""injection_s":4"#, r#""injection_s":0"#);
        assert!(err(&format!(r#"{{"length_m":20,"outlet_pressure_pa":1e5,{zero_t1}}}"#)).contains("injection_s"));
        assert!(Column::from_geometry(f64::NAN, 1e-4, 1e-6, 4e5, 1e5, 0.4, 4.0).is_err());
        assert!(Column::from_holdup(10.0, 250.0, 1.0).unwrap().with_inlet_tail_s(-1.0).is_err());
    }
}

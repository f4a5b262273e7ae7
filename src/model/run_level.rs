//! The run-level values every peak of a run shares: the hold-up time t0, the injection time t1 and the inlet
//! tail τ (s), and which of them a fit frees. They belong to the run (the carrier flow and the injector), not to
//! an analyte (docs/gc-model.md §8).

use super::Column;

/// One of the three run-level values, in the fixed order a fit's parameters follow: t0, t1, τ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunLevelKind {
    /// The hold-up time t0 (s): the carrier's time of flight.
    HoldupTime,
    /// The injection time t1 (s): the length of the inlet rectangle.
    Injection,
    /// The inlet tail τ (s): the time constant of the injector's first-order lag.
    InletTail,
}

impl RunLevelKind {
    /// Every kind, in parameter order.
    pub const ALL: [RunLevelKind; 3] = [RunLevelKind::HoldupTime, RunLevelKind::Injection, RunLevelKind::InletTail];
}

/// The hold-up time, injection time and inlet tail of a run, all in s.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunLevel {
    /// Hold-up time t0, s.
    pub holdup_time_s: f64,
    /// Injection time t1, s.
    pub injection_s: f64,
    /// Inlet tail τ, s.
    pub inlet_tail_s: f64,
}

impl RunLevel {
    /// The column's own values.
    pub fn of(column: &Column) -> RunLevel {
        RunLevel {
            holdup_time_s: column.holdup_time_s(),
            injection_s: column.injection_s(),
            inlet_tail_s: column.inlet_tail_s(),
        }
    }

    /// One value, s.
    pub fn get(&self, kind: RunLevelKind) -> f64 {
        match kind {
            RunLevelKind::HoldupTime => self.holdup_time_s,
            RunLevelKind::Injection => self.injection_s,
            RunLevelKind::InletTail => self.inlet_tail_s,
        }
    }

    /// Sets one value, s.
    pub fn set(&mut self, kind: RunLevelKind, value_s: f64) {
        match kind {
            RunLevelKind::HoldupTime => self.holdup_time_s = value_s,
            RunLevelKind::Injection => self.injection_s = value_s,
            RunLevelKind::InletTail => self.inlet_tail_s = value_s,
        }
    }

    /// `template` with these values (its geometry or phase ratio kept); `None` when the column refuses one
    /// (not finite, t0 or t1 not positive, τ negative).
    pub fn apply_to(&self, template: &Column) -> Option<Column> {
        template
            .with_holdup_time_s(self.holdup_time_s)
            .ok()?
            .with_injection_s(self.injection_s)
            .ok()?
            .with_inlet_tail_s(self.inlet_tail_s)
            .ok()
    }
}

/// Which run-level values are free in a fit (false: held at the column's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunLevelFree {
    /// t0 is fitted.
    pub holdup_time: bool,
    /// t1 is fitted.
    pub injection: bool,
    /// τ is fitted.
    pub inlet_tail: bool,
}

impl RunLevelFree {
    /// Nothing free.
    pub const NONE: RunLevelFree = RunLevelFree { holdup_time: false, injection: false, inlet_tail: false };

    /// Whether `kind` is free.
    pub fn get(&self, kind: RunLevelKind) -> bool {
        match kind {
            RunLevelKind::HoldupTime => self.holdup_time,
            RunLevelKind::Injection => self.injection,
            RunLevelKind::InletTail => self.inlet_tail,
        }
    }

    /// The free kinds, in parameter order.
    pub fn kinds(&self) -> impl Iterator<Item = RunLevelKind> + '_ {
        RunLevelKind::ALL.into_iter().filter(|&k| self.get(k))
    }

    /// How many are free.
    pub fn count(&self) -> usize {
        self.kinds().count()
    }

    /// Whether any is free.
    pub fn any(&self) -> bool {
        self.count() > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_a_column() {
        let column = Column::paper_btex().with_inlet_tail_s(1.5).unwrap();
        let mut v = RunLevel::of(&column);
        assert_eq!(v.apply_to(&column), Some(column));
        v.set(RunLevelKind::HoldupTime, 12.5);
        assert_eq!(v.get(RunLevelKind::HoldupTime), 12.5);
        let moved = v.apply_to(&column).unwrap();
        assert_eq!((moved.holdup_time_s(), moved.inlet_tail_s()), (12.5, 1.5));
        v.set(RunLevelKind::Injection, -1.0);
        assert_eq!(v.apply_to(&column), None);
        let free = RunLevelFree { injection: true, inlet_tail: true, ..RunLevelFree::NONE };
        assert_eq!(free.kinds().collect::<Vec<_>>(), [RunLevelKind::Injection, RunLevelKind::InletTail]);
        assert!(free.any() && !RunLevelFree::NONE.any());
    }
}

//! Progress reporting and cancellation for long fits (architecture habit 4).
//!
//! A fit calls [`Observer::observe`] once per accepted iteration with a [`Progress`] snapshot, and polls a
//! [`CancelToken`] before every model evaluation batch. The GUI observer drives a progress bar, the CLI observer a
//! progress line; tests use [`NoObserver`] or a closure.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A shared cancellation flag. Cloning shares the flag; [`CancelToken::cancel`] from any thread makes every fit
/// holding a clone stop at its next check (at most one iteration later) with
/// [`Termination::Cancelled`](crate::fit::Termination::Cancelled).
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A fresh token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Requests cancellation. Idempotent.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// True once [`cancel`](Self::cancel) has been called on any clone.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Clears the flag so the token can be reused for a new job.
    pub fn reset(&self) {
        self.0.store(false, Ordering::Relaxed);
    }
}

/// A snapshot of a running fit, passed to [`Observer::observe`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Completed LM iterations (accepted or not), starting at 0 for the initial point.
    pub iteration: usize,
    /// Current cost ½·Σ r² (in signal² units) at the best point so far; always finite.
    pub cost: f64,
    /// Residual-vector evaluations so far (Jacobian evaluations not counted).
    pub evaluations: usize,
    /// Wall time since the fit started, seconds.
    pub elapsed_s: f64,
}

/// Receives progress from a running fit. Must be cheap: it is called on the fitting thread.
pub trait Observer {
    /// Called at the start and after each iteration. Return `false` to request a stop
    /// (reported as [`Termination::Cancelled`](crate::fit::Termination::Cancelled)).
    fn observe(&mut self, progress: &Progress) -> bool;
}

/// An observer that ignores progress and never stops the fit.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoObserver;

impl Observer for NoObserver {
    fn observe(&mut self, _progress: &Progress) -> bool {
        true
    }
}

/// Any `FnMut(&Progress) -> bool` closure is an observer.
impl<F: FnMut(&Progress) -> bool> Observer for F {
    fn observe(&mut self, progress: &Progress) -> bool {
        self(progress)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_shared_between_clones_and_resettable() {
        let a = CancelToken::new();
        let b = a.clone();
        assert!(!b.is_cancelled());
        a.cancel();
        assert!(b.is_cancelled());
        b.reset();
        assert!(!a.is_cancelled());
    }

    #[test]
    fn closures_are_observers() {
        let mut seen = 0;
        let mut obs = |p: &Progress| {
            seen = p.iteration;
            p.iteration < 3
        };
        let p = Progress { iteration: 3, cost: 1.0, evaluations: 4, elapsed_s: 0.0 };
        assert!(!obs.observe(&p));
        assert_eq!(seen, 3);
    }
}

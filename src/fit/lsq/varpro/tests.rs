//! Tests of variable projection: projected Jacobians against finite differences, shared parameters, blocks,
//! non-negative areas.

use super::*;
use crate::fit::NoObserver;
use crate::fit::lsq::finite_difference_jacobian;

/// A projected problem over `model` and `y` (nothing held non-negative, no factorisation yet).
fn projected<'a, M: SeparableModel>(
    model: &'a mut M,
    y: &'a [f64],
    fixed: &[Option<f64>],
    blocks: Option<Vec<(std::ops::Range<usize>, Vec<usize>)>>,
) -> Projected<'a, M> {
    let (m, structure) = (model.n_basis(), model.derivative_structure());
    Projected::new(model, y, fixed.to_vec(), vec![false; m], structure, blocks)
}

#[test]
fn projected_jacobian_matches_finite_differences_with_and_without_fixed_areas() {
    let t: Vec<f64> = (0..300).map(|i| i as f64 * 0.1).collect();
    let y: Vec<f64> = t
        .iter()
        .map(|&t| {
            let g = |c: f64, s: f64, a: f64| a * (-0.5 * ((t - c) / s).powi(2)).exp() / (s * 2.5066282746310002);
            g(10.0, 1.0, 3.0) + g(13.0, 1.5, 2.0) + 0.2 + 0.01 * t + 0.05 * (t * 0.7).sin()
        })
        .collect();
    let theta = [10.3, 1.1, 12.7, 1.4];
    let one_block = Some(vec![(0..t.len(), vec![0, 1, 2, 3])]);
    for (fixed, blocks) in [
        (vec![None; 4], None),
        (vec![Some(3.0), None, None, None], None),
        (vec![Some(3.0), None, None, None], one_block),
    ] {
        let mut model = PeakSum::new(&t, GaussianShape, 2, Some(1));
        let mut proj = projected(&mut model, &y, &fixed, blocks);
        let mut ja = DMatrix::zeros(t.len(), 4);
        let mut jf = DMatrix::zeros(t.len(), 4);
        assert!(proj.jacobian(&theta, &mut ja));
        assert!(finite_difference_jacobian(&mut proj, &theta, 1.0, &mut jf));
        let err = (&ja - &jf).abs().max();
        assert!(err < 1e-6 * ja.abs().max(), "{fixed:?}: max error {err} of {}", ja.abs().max());
    }
}

/// Gaussians sharing one width: q = 1 (centre), s = 1 (sigma).
struct SharedWidth;

impl PeakShape for SharedWidth {
    fn n_params(&self) -> usize {
        1
    }
    fn n_shared_params(&self) -> usize {
        1
    }
    fn eval(&mut self, t: &[f64], theta: &[f64], v: &mut [f64], g: &mut [f64]) -> bool {
        GaussianShape.eval(t, theta, v, g)
    }
}

#[test]
fn shared_parameters_have_correct_derivatives_and_are_recovered() {
    let t: Vec<f64> = (0..400).map(|i| i as f64 * 0.1).collect();
    let y: Vec<f64> = t
        .iter()
        .map(|&t| {
            let g = |c: f64, a: f64| a * (-0.5 * ((t - c) / 1.3f64).powi(2)).exp() / (1.3 * 2.5066282746310002);
            g(12.0, 3.0) + g(17.0, 2.0) + g(25.0, 1.0) + 0.1
        })
        .collect();
    let mut model = PeakSum::new(&t, SharedWidth, 3, Some(0));
    assert_eq!(model.n_nonlinear(), 4);
    let theta0 = [12.3, 16.8, 25.2, 1.1];
    let mut jac_model = DMatrix::zeros(t.len(), 6);
    let structure = model.derivative_structure();
    assert!(model.basis_derivatives(&theta0, &mut jac_model));
    // Finite differences of each basis column against the structure.
    let mut plus = DMatrix::zeros(t.len(), 4);
    let mut minus = DMatrix::zeros(t.len(), 4);
    for (d, &(j, k)) in structure.iter().enumerate() {
        let h = 1e-6;
        let mut tp = theta0;
        tp[k] += h;
        let mut tm = theta0;
        tm[k] -= h;
        assert!(model.basis(&tp, &mut plus) && model.basis(&tm, &mut minus));
        let fd = (plus.column(j) - minus.column(j)) / (2.0 * h);
        assert!((fd - jac_model.column(d)).abs().max() < 1e-6, "structure entry {d}");
    }
    let rep = fit_separable(
        &mut model,
        &y,
        &theta0,
        &[],
        &[],
        &FitOptions::default().with_tolerance(1e-14),
        &mut crate::fit::NoObserver,
    )
    .unwrap();
    let want = [12.0, 17.0, 25.0, 1.3, 3.0, 2.0, 1.0, 0.1];
    for (v, w) in rep.values.iter().zip(want) {
        assert!((v - w).abs() < 1e-8, "{:?}", rep.values);
    }
}

/// Basis [peak, 1]: data = 3 − 2·peak, so least squares wants the area at −2. Held non-negative, the area is 0
/// and the constant is the data's mean (the least-squares fit of the data by the constant alone).
#[test]
fn a_negative_area_is_held_at_zero() {
    struct Neg {
        t: Vec<f64>,
    }
    impl SeparableModel for Neg {
        fn n_points(&self) -> usize {
            self.t.len()
        }
        fn n_nonlinear(&self) -> usize {
            1
        }
        fn n_basis(&self) -> usize {
            2
        }
        fn derivative_structure(&self) -> Vec<(usize, usize)> {
            vec![(0, 0)]
        }
        fn nonnegative(&self) -> Vec<usize> {
            vec![0]
        }
        fn basis(&mut self, theta: &[f64], phi: &mut DMatrix<f64>) -> bool {
            for (i, &t) in self.t.iter().enumerate() {
                phi[(i, 0)] = (-(t - theta[0]).powi(2)).exp();
                phi[(i, 1)] = 1.0;
            }
            true
        }
        fn basis_derivatives(&mut self, theta: &[f64], dphi: &mut DMatrix<f64>) -> bool {
            for (i, &t) in self.t.iter().enumerate() {
                dphi[(i, 0)] = 2.0 * (t - theta[0]) * (-(t - theta[0]).powi(2)).exp();
            }
            true
        }
    }
    let t: Vec<f64> = (0..200).map(|i| i as f64 * 0.05).collect();
    let y: Vec<f64> = t.iter().map(|&x| 3.0 - 2.0 * (-(x - 5.0).powi(2)).exp()).collect();
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    let fixed = [Bound::Fixed];
    let r = fit_separable(&mut Neg { t }, &y, &[5.0], &fixed, &[], &FitOptions::default(), &mut NoObserver).unwrap();
    assert_eq!(r.values[1], 0.0, "area {}", r.values[1]);
    assert!((r.values[2] - mean).abs() < 1e-12 * mean, "constant {} vs mean {mean}", r.values[2]);
}

/// The per-block Jacobian product equals the dense one and finite differences: two well-separated peaks as two
/// blocks (their overlap is below 1e-40), with all areas free and with one block's area fixed (no free column).
#[test]
fn block_jacobian_equals_the_dense_one() {
    let t: Vec<f64> = (0..400).map(|i| i as f64 * 0.1).collect();
    let y: Vec<f64> = t
        .iter()
        .map(|&t| {
            let g = |c: f64, s: f64, a: f64| a * (-0.5 * ((t - c) / s).powi(2)).exp() / (s * 2.5066282746310002);
            g(8.0, 1.0, 3.0) + g(32.0, 1.2, 2.0) + 0.03 * (t * 0.7).sin()
        })
        .collect();
    let theta = [8.2, 1.1, 31.9, 1.3];
    let blocks = Some(vec![(0..200, vec![0]), (200..400, vec![1])]);
    for fixed in [vec![None, None], vec![Some(3.0), None]] {
        let mut jac = Vec::new();
        for b in [None, blocks.clone()] {
            let mut model = PeakSum::new(&t, GaussianShape, 2, None);
            let mut proj = projected(&mut model, &y, &fixed, b);
            let mut ja = DMatrix::zeros(t.len(), 4);
            assert!(proj.jacobian(&theta, &mut ja));
            let mut jf = DMatrix::zeros(t.len(), 4);
            assert!(finite_difference_jacobian(&mut proj, &theta, 1.0, &mut jf));
            let err = (&ja - &jf).abs().max();
            assert!(err < 1e-6 * ja.abs().max(), "{fixed:?}: max error {err} of {}", ja.abs().max());
            jac.push(ja);
        }
        let diff = (&jac[0] - &jac[1]).abs().max();
        assert!(diff < 1e-12 * jac[0].abs().max(), "{fixed:?}: blocks differ from dense by {diff}");
    }
}

//! Exponentially scaled modified Bessel functions I0e(z) = e^−z·I0(z) and I1e(z) = e^−z·I1(z) for z ≥ 0.
//!
//! For z ≥ [`ASYMPTOTIC_FROM`] the Hankel asymptotic series, truncated after [`TERMS`] terms, is accurate to
//! about one ulp (the first omitted term is below 1e-17 there) and costs one polynomial, a square root and a
//! division. Below, `pxfm` (correctly rounded in practice, but slower) is used. The closed-form engine calls
//! these at every Chebyshev node of every panel, so for the large μ of real peaks (z = 2√(μ·x) ≫ 40) the fast
//! branch is the one that runs.

/// Smallest argument for which the asymptotic series is used.
pub const ASYMPTOTIC_FROM: f64 = 40.0;
/// Number of correction terms of the asymptotic series (the first omitted term is < 1e-17 at z = 40).
const TERMS: usize = 20;

/// Coefficients c_k of I_ν(z)·e^−z·√(2πz) ≈ Σ_k c_k / z^k, c_k = (−1)^k Π_{j=1..k}(4ν² − (2j−1)²) / (k!·8^k).
const fn hankel_coefficients(nu: f64) -> [f64; TERMS + 1] {
    let mut c = [0.0; TERMS + 1];
    c[0] = 1.0;
    let mut k = 1;
    while k <= TERMS {
        let odd = (2 * k - 1) as f64;
        c[k] = -c[k - 1] * (4.0 * nu * nu - odd * odd) / (k as f64 * 8.0);
        k += 1;
    }
    c
}

const C0: [f64; TERMS + 1] = hankel_coefficients(0.0);
const C1: [f64; TERMS + 1] = hankel_coefficients(1.0);

/// Σ_{k ≤ K} c_k/z^k / √(2πz): K correction terms.
#[inline(always)]
fn series<const K: usize>(c: &[f64; TERMS + 1], z: f64) -> f64 {
    let w = 1.0 / z;
    let mut acc = c[K];
    let mut k = K;
    while k > 0 {
        k -= 1;
        acc = acc * w + c[k];
    }
    acc / (2.0 * std::f64::consts::PI * z).sqrt()
}

/// The series with as few terms as the argument allows (first omitted term < 1e-17 in every branch).
#[inline(always)]
fn asymptotic(c: &[f64; TERMS + 1], z: f64) -> f64 {
    if z >= 1000.0 {
        series::<7>(c, z)
    } else if z >= 200.0 {
        series::<9>(c, z)
    } else if z >= 100.0 {
        series::<11>(c, z)
    } else {
        series::<TERMS>(c, z)
    }
}

/// e^−z·I0(z) for z ≥ 0 (finite, in (0, 1]; 1 at z = 0).
#[inline]
pub fn i0e(z: f64) -> f64 {
    if z >= ASYMPTOTIC_FROM { asymptotic(&C0, z) } else { pxfm::f_i0e(z) }
}

/// e^−z·I1(z) for z ≥ 0 (finite, in [0, 0.22]; ≈ z/2 near 0).
#[inline]
pub fn i1e(z: f64) -> f64 {
    if z >= ASYMPTOTIC_FROM { asymptotic(&C1, z) } else { pxfm::f_i1e(z) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asymptotic_branch_matches_pxfm() {
        let mut worst: f64 = 0.0;
        let mut z = ASYMPTOTIC_FROM;
        while z < 1e8 {
            for (fast, slow) in [(i0e(z), pxfm::f_i0e(z)), (i1e(z), pxfm::f_i1e(z))] {
                worst = worst.max(((fast - slow) / slow).abs());
            }
            z *= 1.0137;
        }
        assert!(worst < 4e-16, "worst relative difference {worst:e}");
    }
}

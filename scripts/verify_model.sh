#!/usr/bin/env bash
# Verifies the closed-form engine over its whole stated domain (issue 10): the same property tests that
# `cargo test` runs with a few hundred cases, here with CASES (default 20,000) random cases each, in release:
#   - closed form vs quadrature, τ = 0 (μ 1e-3…1e6, k_d 1e-2…1e3 1/s, t1 0.01…20 s, r 0.1…1), dense, shifted,
#     coarse and irregular grids and single samples;
#   - the inlet-tail path (τ 0.01…10 s) vs quadrature of the convolution;
#   - the analytic derivatives vs Richardson central differences;
#   - the skipped parts (outside the support, past the tail's memory) vs the reference.
# Prints, for each, the worst error and where it occurs (the case's μ, k_d, t1, t0, r, τ and the sample).
#
# Usage: [CASES=N] scripts/verify_model.sh
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${CASES:-20000}
echo "== $CASES random cases per check, release build"
start=$(date +%s)
ELUTE_VERIFY_CASES=$CASES cargo test --release --test it model_domain -- --nocapture --test-threads 1 2>&1 \
  | grep -E "worst|panicked|test result|error" || true
echo "== $(( $(date +%s) - start )) s"

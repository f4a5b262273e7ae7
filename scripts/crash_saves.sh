#!/usr/bin/env bash
# Kills `elute fit --out DIR` with SIGKILL at TRIALS random moments (default 1000) over a folder that already
# holds a complete earlier output, runs two fits into one folder at once, and kills the app's autosave writer
# TRIALS/4 times; after each kill every file under its final name must be the old or the new complete file.
# `cargo test` runs the same tests with 200 kills.
#
# Usage: [TRIALS=N] scripts/crash_saves.sh
set -euo pipefail
cd "$(dirname "$0")/.."
TRIALS=${TRIALS:-1000}
start=$(date +%s)
ELUTE_CRASH_TRIALS=$TRIALS cargo test --test it crash_saves -- --test-threads 1 2>&1 \
  | grep -E "^test |panicked|test result|error" || true
echo "== $TRIALS kills, $(( $(date +%s) - start )) s"

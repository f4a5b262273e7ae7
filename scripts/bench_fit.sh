#!/usr/bin/env bash
# End-to-end fit benchmark: `elute fit` (read + detect + fit + write) on SOLV001 and on the simulated 5-peak BTEX
# run, and the peers as whole processes on SOLV001: cfityk (13 EMG + constant, MPFIT, unit weights; the script of
# /work/shared/peers/README.md) and hplc-py (if /tmp/venv/bin/python has it). Prints wall times, ratios and each
# tool's whole-run SSE.
#
# Then the batch case: BATCH (default 1000) copies of SOLV001 in one `elute fit` call (runs in parallel on every
# core), wall time and runs per second. BATCH=0 skips it.
#
# Usage: [ELUTE=path/to/elute] [BATCH=N] scripts/bench_fit.sh [REPEATS]   (needs a release build: cargo build --release --no-default-features)
set -euo pipefail
cd "$(dirname "$0")/.."
REPEATS=${1:-5}
TARGET=${CARGO_TARGET_DIR:-target}
ELUTE=${ELUTE:-$TARGET/release/elute}
[ -x "$ELUTE" ] || { echo "build first: cargo build --release --no-default-features" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

now() { date +%s.%N; }
# best-of-N wall time of a command, seconds
best() {
  local best=1e9 t0 t1 dt
  for _ in $(seq "$REPEATS"); do
    t0=$(now); "$@" >/dev/null 2>&1 || true; t1=$(now)
    best=$(awk -v a="$t0" -v b="$t1" -v c="$best" 'BEGIN {d = b - a; print (d < c ? d : c)}')
  done
  echo "$best"
}

# --- elute on SOLV001 ---
T_ELUTE=$(best "$ELUTE" fit tests/data/SOLV001.CDF --out "$WORK/solv")
"$ELUTE" fit tests/data/SOLV001.CDF --out "$WORK/solv" >/dev/null
SSE_ELUTE=$(python3 -c "import json;print(json.load(open('$WORK/solv/SOLV001.elute.json'))['fit']['sse'])")
R2_ELUTE=$(python3 -c "import json;print(json.load(open('$WORK/solv/SOLV001.elute.json'))['fit']['r2'])")
printf 'elute   SOLV001: %.4f s  SSE %.4g  R2 %.5f\n' "$T_ELUTE" "$SSE_ELUTE" "$R2_ELUTE"

# --- elute on the simulated BTEX run (5 peaks, 7001 points) ---
python3 - "$WORK/btex.json" <<'EOF'
import json, sys
col = {"length_m": 20.0, "radius_m": 9e-05, "film_thickness_m": 1e-06, "inlet_pressure_pa": 401000.0,
       "outlet_pressure_pa": 101300.0, "inlet_velocity_m_s": 0.41, "injection_s": 4.0}
peaks = [("benzene", 579.0, 5.299, 1159.4), ("toluene", 2953.0, 11.502, 927.2), ("ethylbenzene", 9203.0, 16.94, 562.0),
         ("p/m-xylene", 6483.0, 11.057, 1411.2), ("o-xylene", 10168.0, 14.291, 516.4)]
s = {"format": "elute-session", "version": 1, "column": col,
     "peaks": [{"name": n, "ka_per_s": a, "kd_per_s": d, "area": A} for n, a, d, A in peaks],
     "baseline": {"kind": "constant", "coefficients": [3935.4]}}
json.dump(s, open(sys.argv[1], "w"))
EOF
"$ELUTE" simulate "$WORK/btex.json" --from 0 --to 700 --step 0.1 --out "$WORK/btex_all.csv"
cut -d, -f1,2 "$WORK/btex_all.csv" > "$WORK/btex.csv"
T_BTEX=$(best "$ELUTE" fit "$WORK/btex.csv" --out "$WORK/btex")
printf 'elute   BTEX (sim, 5 peaks): %.4f s\n' "$T_BTEX"

# --- cfityk on SOLV001 ---
PYDUMP=python3
[ -x /tmp/venv/bin/python ] && /tmp/venv/bin/python -c "import scipy" 2>/dev/null && PYDUMP=/tmp/venv/bin/python
if command -v cfityk >/dev/null; then
  "$PYDUMP" - "$WORK" <<'EOF'
import sys, subprocess, json
work = sys.argv[1]
# The run as "time signal" columns, read with scipy's netCDF-3 reader.
try:
    from scipy.io import netcdf_file
    f = netcdf_file('tests/data/SOLV001.CDF', 'r', mmap=False)
    y = f.variables['ordinate_values'].data.astype(float)
    dt = float(f.variables['actual_sampling_interval'].getValue())
    d0 = float(f.variables['actual_delay_time'].getValue())
    rts = [float(v) for v in f.variables['peak_retention_time'].data]
except Exception as e:
    print("cannot read SOLV001 for cfityk:", e); sys.exit(0)
ys = sorted(y); med = ys[len(ys)//2]
with open(f'{work}/run.dat', 'w') as o:
    for i, v in enumerate(y): o.write(f'{d0 + i*dt} {v}\n')
lines = ["set default_sigma = one", f"@0 < '{work}/run.dat'"]
lines += [f"guess EMG [{rt-5}:{rt+8}]" for rt in rts]
lines += [f"F += Constant(a=~{med})", "set fitting_method = mpfit", "fit", f"print all: x, y, F(x), y-F(x) > '{work}/curve.tsv'"]
open(f'{work}/solv.fit', 'w').write("\n".join(lines) + "\n")
EOF
  if [ -f "$WORK/solv.fit" ]; then
    T_FITYK=$(best cfityk -I -n -q "$WORK/solv.fit")
    SSE_FITYK=$(awk '{s += $4*$4} END {print s}' "$WORK/curve.tsv")
    printf 'cfityk  SOLV001: %.4f s  SSE %.4g   ratio cfityk/elute = %.1f\n' "$T_FITYK" "$SSE_FITYK" \
      "$(awk -v a="$T_FITYK" -v b="$T_ELUTE" 'BEGIN {print a / b}')"
  fi
else
  echo "cfityk not installed (apt-get install -y fityk)"
fi

# --- hplc-py on SOLV001 ---
PY=/tmp/venv/bin/python
if [ -x "$PY" ] && "$PY" -c "import hplc" 2>/dev/null && [ -f "$WORK/run.dat" ]; then
  awk 'BEGIN{print "time,signal"} {print $1/60 "," $2}' "$WORK/run.dat" > "$WORK/run.csv"
  cat > "$WORK/hplc_fit.py" <<EOF
import hplc.io, hplc.quant, numpy as np
df = hplc.io.load_chromatogram('$WORK/run.csv', cols=['time', 'signal'])
chrom = hplc.quant.Chromatogram(df)
peaks = chrom.fit_peaks(correct_baseline=False, verbose=False, prominence=0.2)
model = chrom.unmixed_chromatograms.sum(axis=1)
print(float(((df['signal'].values - model) ** 2).sum()))
EOF
  T_HPLC=$(best "$PY" "$WORK/hplc_fit.py")
  SSE_HPLC=$("$PY" "$WORK/hplc_fit.py" 2>/dev/null | tail -1)
  printf 'hplc-py SOLV001: %.4f s  SSE %s   ratio hplc-py/elute = %.1f\n' "$T_HPLC" "$SSE_HPLC" \
    "$(awk -v a="$T_HPLC" -v b="$T_ELUTE" 'BEGIN {print a / b}')"
else
  echo "hplc-py not available (python3 -m venv /tmp/venv && /tmp/venv/bin/pip install hplc-py)"
fi

# --- batch: BATCH runs of SOLV001's size in one process ---
BATCH=${BATCH:-1000}
if [ "$BATCH" -gt 0 ]; then
  mkdir -p "$WORK/batch" "$WORK/batch_out"
  for i in $(seq -w 1 "$BATCH"); do ln -s "$PWD/tests/data/SOLV001.CDF" "$WORK/batch/run$i.CDF"; done
  t0=$(now)
  "$ELUTE" fit "$WORK"/batch/*.CDF --out "$WORK/batch_out" >/dev/null 2>&1 || true
  t1=$(now)
  ROWS=$(($(wc -l < "$WORK/batch_out/peaks.csv") - 1))
  printf 'elute   %s x SOLV001 on %s cores: %.2f s (%.1f runs/s, %s peak rows)\n' "$BATCH" "$(nproc)" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" "$(awk -v a="$t0" -v b="$t1" -v n="$BATCH" 'BEGIN {print n / (b - a)}')" "$ROWS"
fi

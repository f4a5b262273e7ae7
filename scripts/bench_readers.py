#!/usr/bin/env python3
"""Peer benchmark for the CSV reader: pandas.read_csv against Elute's `io::read_file` on the same 1,000,000-point
CSV (benches/readers.rs writes the identical text). Runs the criterion bench in release, times pandas (best of 5),
prints both and the ratio.

Usage: python3 scripts/bench_readers.py        (needs pandas: pip install pandas)
"""
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

POINTS = 1_000_000
ROOT = Path(__file__).resolve().parent.parent


def write_csv(path: Path) -> None:
    """Same content as write_csv in benches/readers.rs."""
    with open(path, "w", newline="\n") as out:
        out.write("time_s,signal_pA\n")
        for i in range(POINTS):
            t = i / 20.0
            y = 12.345 + (i % 17) * 0.001 + 1000.0 * math.exp(-(((t - 25_000.0) / 500.0) ** 2))
            out.write(f"{t:.3f},{y:.6f}\n")


def time_pandas(path: Path, repeats: int = 5) -> float:
    import pandas as pd

    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        frame = pd.read_csv(path)
        best = min(best, time.perf_counter() - start)
        assert len(frame) == POINTS
    return best


def time_elute() -> float:
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    cmd = ["cargo", "bench", "--no-default-features", "--bench", "readers", "--", "--noplot"]
    subprocess.run(cmd, cwd=ROOT, check=True)
    estimates = target / "criterion" / "readers" / "csv_1M_points" / "new" / "estimates.json"
    data = json.loads(estimates.read_text())
    return data["mean"]["point_estimate"] * 1e-9


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "million.csv"
        write_csv(path)
        size_mb = path.stat().st_size / 1e6
        pandas_s = time_pandas(path)
    elute_s = time_elute()
    print(f"1,000,000-point CSV ({size_mb:.1f} MB)")
    print(f"  elute io::read_file (criterion mean, release): {elute_s * 1e3:8.1f} ms  (target < 300 ms)")
    print(f"  pandas.read_csv (best of 5):                   {pandas_s * 1e3:8.1f} ms")
    print(f"  ratio elute / pandas: {elute_s / pandas_s:.2f}")
    return 0 if elute_s < 0.3 else 1


if __name__ == "__main__":
    sys.exit(main())

"""Hand-run benchmark of the vectorised default-value lookup and of the CLI start-up.

Run from the project root::

    python tests/benchmarks/bench_default_values.py [rows]

Prints timings (never asserted in tests). The frame mixes every CBAM good with lines in the
Thai table, the Other-countries fallback (Thai cement) and names (``"Thailand"``, ``"Viet Nam"``)
as well as codes, CN codes with and without spaces, and years 2026-2034.
"""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pandas as pd


def _frame(n: int, seed: int = 0) -> pd.DataFrame:
    from cbamcalc.default_values import _dataset, resolve_version

    data = _dataset(resolve_version(None))
    lines = data.lines  # numpy columns
    usable = ((lines["line_status"] == "value") & (lines["variant"] == "") & (lines["heading_level"] == 8)
              & (lines["flags"] == ""))
    cns = np.array(sorted(set(lines["cn_line"][usable].tolist())), dtype=object)
    spaced = np.array([f"{c[:4]} {c[4:6]} {c[6:]}" for c in cns], dtype=object)
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(cns), n)
    cn = np.where(rng.random(n) < 0.5, spaced[pick], cns[pick])
    countries = np.array(["TH", "Thailand", "VN", "Viet Nam", "CN", "IN", "TR", "Türkiye", "US", "BR", "KR", "AD"])
    return pd.DataFrame(
        {
            "cn_code": cn,
            "country": rng.choice(countries, n),
            "year": rng.integers(2026, 2035, n),
        }
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    t0 = time.perf_counter()
    from cbamcalc.default_values import lookup_default_values

    t1 = time.perf_counter()
    lookup_default_values(pd.DataFrame({"cn_code": ["73181595"], "country": ["TH"], "year": [2026]}))
    t2 = time.perf_counter()
    frame = _frame(n)
    print(f"import cbamcalc.default_values: {t1 - t0:.3f} s")
    print(f"first lookup (loads and validates the tables): {t2 - t1:.3f} s")
    for run in range(3):
        t3 = time.perf_counter()
        out = lookup_default_values(frame)
        t4 = time.perf_counter()
        print(f"lookup_default_values, {n:,} rows, run {run + 1}: {t4 - t3:.3f} s "
              f"({n / (t4 - t3):,.0f} rows/s; fallback rows {int(out['fallback'].sum()):,})")
    cmd = [sys.executable, "-X", "importtime", "-m", "cbamcalc", "--help"]
    t5 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    t6 = time.perf_counter()
    heavy = [line for line in proc.stderr.splitlines() if any(m in line for m in ("pandas", "numpy", "pint"))]
    total_us = sum(int(line.split("|")[1]) for line in proc.stderr.splitlines()[1:] if line.count("|") == 2
                   and line.split("|")[1].strip().isdigit() and not line.split("|")[2].startswith("  "))
    print(f"`python -X importtime -m cbamcalc --help`: {t6 - t5:.3f} s wall, top-level imports {total_us / 1e6:.3f} s, "
          f"pandas/numpy/pint imported: {'yes' if heavy else 'no'}")


if __name__ == "__main__":
    main()

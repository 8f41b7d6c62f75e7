"""Benchmark of :func:`cbamcalc.cost.cbam_cost`: 1,000,000 good-rows x 9 years (run by hand).

Usage::

    /work/venv/bin/python tests/benchmarks/bench_cost.py [--rows 1000000] [--explicit]

The goods mix Thai and other origins over steel, aluminium, cement, fertiliser and hydrogen codes,
a third with actual SEE (some mixed), a tenth with a carbon price paid at origin, 5,000 importers.
Default values are looked up (``cbamcalc.default_values``); benchmarks are looked up with
``cbamcalc.benchmarks`` when installed, or given as columns with ``--explicit``. Prints the
timings; nothing is asserted (speed is measured, never tested).
"""

from __future__ import annotations

import argparse
import importlib.util
import time
import warnings

import numpy as np
import pandas as pd

# code, sector, Column A (own process), Column B (route of the Thai / Other-countries default line)
GOODS = [
    ("73181595", 0.038, 0.066), ("72083900", 0.044, 0.072), ("72142000", 0.038, 0.066),
    ("76042100", 0.060, 0.152), ("76061299", 0.060, 0.148), ("25232900", 0.0, 0.666),
    ("31021019", 0.053, 0.902), ("28141000", 1.522, 1.522), ("28041000", 5.089, 5.089),
]


def make_goods(rows: int, *, explicit: bool, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(GOODS), rows)
    cn = np.array([g[0] for g in GOODS], dtype=object)[pick]
    actual = rng.random(rows) < 1 / 3
    see = np.where(actual, rng.uniform(0.2, 3.0, rows), np.nan)
    share = np.where(actual, np.where(rng.random(rows) < 0.2, 0.6, 1.0), 0.0)
    goods = pd.DataFrame({
        "cn_code": cn,
        "country": np.array(["TH", "CN", "VN", "IN"], dtype=object)[rng.integers(0, 4, rows)],
        "quantity": rng.uniform(0, 500, rows).round(3),
        "see_direct": see,
        "see_indirect": np.where(actual, 0.1, np.nan),
        "actual_share": share,
        "clinker_content": np.where(cn == "25232900", 0.75, np.nan),
        "origin_price": np.where(rng.random(rows) < 0.1, 5.0, 0.0),
        "importer": rng.integers(0, 5000, rows),
        # complex goods on actual data without their precursors: the own-process lower bound, stated
        # (IR 2025/2620 Annex 3.3; earlier versions computed this silently)
        "own_process_only": True,
    })
    if explicit:
        goods["benchmark_a"] = np.array([g[1] for g in GOODS])[pick]
        goods["benchmark_b"] = np.array([g[2] for g in GOODS])[pick]
    return goods


def main() -> None:
    from cbamcalc.cost import cbam_cost

    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--explicit", action="store_true", help="give benchmarks as columns (no benchmark look-up)")
    args = ap.parse_args()
    explicit = args.explicit or importlib.util.find_spec("cbamcalc.benchmarks") is None
    t0 = time.perf_counter()
    goods = make_goods(args.rows, explicit=explicit)
    t1 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cbam_cost(goods.head(1000), price="scenario:central")  # warm the reference-data caches
        t2 = time.perf_counter()
        res = cbam_cost(goods, price="scenario:central")
        t3 = time.perf_counter()
        del res
        t4 = time.perf_counter()
        res = cbam_cost(goods, price="scenario:central")  # again: memory pages now reused
        t5 = time.perf_counter()
    mem = res.memory_usage(deep=False).sum() / 2**20
    print(f"goods: {args.rows:,} rows x 9 years = {len(res):,} result rows ({'explicit' if explicit else 'looked-up'}"
          " benchmarks)")
    print(f"build input     {t1 - t0:8.2f} s")
    print(f"warm-up (1,000) {t2 - t1:8.2f} s")
    print(f"cbam_cost       {t3 - t2:8.2f} s   first call in this process ({len(res) / (t3 - t2) / 1e6:.1f} M rows/s;"
          f" result {mem:,.0f} MiB, mostly fresh memory pages)")
    print(f"cbam_cost again {t5 - t4:8.2f} s   ({len(res) / (t5 - t4) / 1e6:.1f} M rows/s)")
    print(f"total cost      EUR {res['cost_eur'].sum():,.0f}; certificates {res['certificates'].sum():,.0f} t")


if __name__ == "__main__":
    main()

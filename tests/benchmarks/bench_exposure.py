"""Benchmark of the exposure model (run by hand; prints timings and peak memory).

    /work/venv/bin/python tests/benchmarks/bench_exposure.py [--rows 1000000] [--mc-rows 10000] [--draws 10000]

What is measured
----------------
1. ``model``: :class:`cbamcalc.exposure.ExposureModel` on N flow rows (firm-level keys: every row
   its own key, the worst case) x 9 years, from the DataFrame to the tidy results per CN8, CN4,
   sector and total: validation, factorising the key columns, broadcasting the intensities, the
   equations, the aggregation. Twice: with the intensity table given (same input as the reference)
   and end to end with the default-value look-ups through ``cost.cbam_cost``.
2. ``bare numpy``: the same numbers written by hand on plain arrays (factorise the string
   columns with ``pandas.factorize``, numpy has no hash factorise; gather per-row intensities;
   N x 9 arrays; ``np.bincount`` per year). No validation, no tidy frames.
3. ``naive pint``: one row and one year at a time with pint quantities (t x tCO2e/t x EUR/tCO2e),
   timed on a sample and extrapolated linearly to N rows.
4. ``Monte Carlo``: D draws on M rows (firm-level keys, worst case; and the same flows summed per
   CN code and destination), with peak memory (tracemalloc, which numpy reports to) and the
   process's maximum resident size.
"""

from __future__ import annotations

import argparse
import gc
import resource
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd

YEARS = np.arange(2026, 2035)
COUNTRIES = ["TH", "VN", "CN", "IN", "ID", "MY"]
EU = ["AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU",
      "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"]


def candidate_codes(n: int = 60) -> list[str]:
    """CBAM CN8 codes (iron and steel, aluminium, fertilisers, hydrogen) whose defaults resolve for every origin."""
    from cbamcalc.cn_codes import cn_table
    from cbamcalc.exposure import default_intensities

    t = cn_table()
    t = t[t["sector"].isin(["Iron and steel", "Aluminium", "Fertilisers", "Hydrogen"])]
    rng = np.random.default_rng(0)
    pool = list(rng.permutation(t["cn_code"].astype(str).to_numpy()))
    ok: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for c in pool:
            try:
                default_intensities(pd.DataFrame({"cn_code": [c] * len(COUNTRIES), "country": COUNTRIES}), YEARS)
            except Exception:
                continue
            ok.append(c)
            if len(ok) == n:
                break
    return ok


def make_flows(n: int, codes: list[str], *, seed: int = 1, per_firm: int = 50) -> pd.DataFrame:
    """N firm-level flow rows with unique keys (firm, CN code, destination; one origin per firm)."""
    rng = np.random.default_rng(seed)
    firms = np.arange(n) // per_firm
    n_firms = int(firms.max()) + 1
    combos = len(codes) * len(EU)
    offset = rng.integers(0, combos, n_firms)
    combo = (offset[firms] + np.arange(n) % per_firm) % combos
    cn = np.asarray(codes, dtype=object)[combo // len(EU)]
    dest = np.asarray(EU, dtype=object)[combo % len(EU)]
    origin = np.asarray(COUNTRIES, dtype=object)[rng.integers(0, len(COUNTRIES), n_firms)][firms]
    mass = rng.lognormal(3.0, 1.5, n)
    return pd.DataFrame({"year": 2024, "cn_code": cn, "country": origin, "destination": dest,
                         "firm": np.char.add("F", firms.astype(str)).astype(object), "net_mass_t": mass,
                         "value_eur": mass * rng.uniform(500, 4000, n)})


def scenario():
    from cbamcalc.exposure import ScenarioPaths
    from cbamcalc.scenarios import default_scenarios

    return default_scenarios().paths("central", base_year=2024), ScenarioPaths


def bare_numpy(flows: pd.DataFrame, table: pd.DataFrame, price: np.ndarray, fx: np.ndarray,
               fac: np.ndarray) -> dict[str, np.ndarray]:
    """The reference: the same equations and aggregates written directly on arrays."""
    cn_c, cn_u = pd.factorize(flows["cn_code"])
    co_c, co_u = pd.factorize(flows["country"])
    pair = cn_c.astype(np.int64) * len(co_u) + co_c
    # intensity per (cn, country) pair and year, from the same table the model gets (one merge on the pairs)
    ncn, nco = len(cn_u), len(co_u)
    used = np.unique(pair)
    want = pd.DataFrame({"p": np.repeat(used, len(YEARS)), "cn_code": np.repeat(np.asarray(cn_u)[used // nco],
                                                                                len(YEARS)),
                         "country": np.repeat(np.asarray(co_u)[used % nco], len(YEARS)),
                         "year": np.tile(YEARS, len(used))})
    got = want.merge(table[["cn_code", "country", "year", "see_default", "benchmark_default"]],
                     on=["cn_code", "country", "year"], how="left")
    slot = np.full(ncn * nco, -1, dtype=np.int64)
    slot[used] = np.arange(len(used))
    see = got["see_default"].to_numpy().reshape(len(used), len(YEARS))
    bm = got["benchmark_default"].to_numpy().reshape(len(used), len(YEARS))
    pair = slot[pair]
    m = flows["net_mass_t"].to_numpy()[:, None]
    e = m * see[pair]
    fa = m * bm[pair] * fac
    n = np.maximum(e - fa, 0.0)
    cost = n * price
    thb = cost * fx
    sect_u, sect_of_cn = np.unique(table.drop_duplicates("cn_code").set_index("cn_code")
                                   .reindex(cn_u)["sector"].to_numpy().astype(str), return_inverse=True)
    sec = sect_of_cn[cn_c]
    out = {}
    for name, arr in (("e", e), ("fa", fa), ("n", n), ("cost", cost), ("thb", thb)):
        out[f"cn8_{name}"] = np.column_stack([np.bincount(cn_c, arr[:, j], ncn) for j in range(len(YEARS))])
        out[f"sector_{name}"] = np.column_stack([np.bincount(sec, arr[:, j], len(sect_u)) for j in range(len(YEARS))])
    return out


def naive_pint(flows: pd.DataFrame, table: pd.DataFrame, price: np.ndarray, fx: np.ndarray,
               fac: np.ndarray) -> dict[tuple[str, int], float]:
    """One row and one year at a time with pint quantities (how not to do it)."""
    from cbamcalc.units import Q_

    look = {(r.cn_code, r.country, int(r.year)): (r.see_default, r.benchmark_default) for r in table.itertuples()}
    out: dict[tuple[str, int], float] = {}
    for r in flows.itertuples():
        mass = Q_(r.net_mass_t, "t")
        for j, y in enumerate(YEARS):
            see, bm = look[(r.cn_code, r.country, int(y))]
            e = mass * Q_(see, "tCO2e/t")
            fa = mass * Q_(bm * fac[j], "tCO2e/t")
            n = e - fa
            if n.magnitude < 0:
                n = Q_(0.0, "tCO2e")
            cost = n * Q_(price[j], "EUR/tCO2e")
            key = (r.cn_code, int(y))
            out[key] = out.get(key, 0.0) + cost.to("EUR").magnitude
    return out


def timed(fn, *a, repeat: int = 3, **k):
    best = np.inf
    res = None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        res = fn(*a, **k)
        best = min(best, time.perf_counter() - t0)
    return best, res


def peak(fn, *a, **k):
    gc.collect()
    tracemalloc.start()
    t0 = time.perf_counter()
    res = fn(*a, **k)
    dt = time.perf_counter() - t0
    _, pk = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return dt, pk, res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--pint-rows", type=int, default=2_000)
    ap.add_argument("--mc-rows", type=int, default=10_000)
    ap.add_argument("--draws", type=int, default=10_000)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    from cbamcalc.exposure import ExposureModel, MonteCarloSpec, default_intensities
    from cbamcalc.scenarios import default_scenarios

    codes = candidate_codes()
    flows = make_flows(args.rows, codes)
    base, _ = scenario()
    t0 = time.perf_counter()
    table = default_intensities(flows[["cn_code", "country"]].drop_duplicates(), YEARS)
    t_lookup = time.perf_counter() - t0
    fac = base.cbam_factor * base.cscf
    print(f"flows: {len(flows):,} rows (firm-level keys), {len(codes)} CN codes x {len(COUNTRIES)} origins, "
          f"{len(YEARS)} years; default-value look-ups for {len(table) // len(YEARS)} (CN, origin) keys: "
          f"{t_lookup:.2f} s")

    def model_given():
        m = ExposureModel(flows, YEARS, intensities=table)
        return m.evaluate(base)

    def model_e2e():
        m = ExposureModel(flows, YEARS)
        return m.evaluate(base)

    t_model, res = timed(model_given)
    t_e2e, _ = timed(model_e2e, repeat=1)
    t_ref, ref = timed(bare_numpy, flows, table, base.eu_price, base.eur_thb, fac)
    # the same numbers
    got = res["sector"].pivot_table(index="sector", columns="year", values="cost_eur").to_numpy()
    np.testing.assert_allclose(np.sort(got.sum(axis=1)), np.sort(ref["sector_cost"].sum(axis=1)), rtol=1e-9)
    np.testing.assert_allclose(res["total"]["cost_eur"].to_numpy(), ref["sector_cost"].sum(axis=0), rtol=1e-9)
    sample = flows.iloc[: args.pint_rows]
    t_pint_s, naive = timed(naive_pint, sample, table, base.eu_price, base.eur_thb, fac, repeat=1)
    m_s = ExposureModel(sample, YEARS, intensities=table).evaluate(base, ("cn8",))["cn8"]
    chk = m_s.set_index(["cn_code", "year"])["cost_eur"]
    assert all(abs(chk.loc[k] - v) <= 1e-6 * max(1, abs(v)) for k, v in naive.items())
    t_pint = t_pint_s * len(flows) / len(sample)
    dt_mem, pk_model, _ = peak(model_given)
    print(f"model (intensity table given): {t_model:.3f} s   peak traced {pk_model / 2**20:.0f} MiB")
    print(f"model end to end (with default-value look-ups through cost.cbam_cost): {t_e2e:.3f} s")
    print(f"bare numpy reference:          {t_ref:.3f} s   -> model / numpy = {t_model / t_ref:.2f}x")
    print(f"naive per-row pint:            {t_pint_s:.2f} s for {len(sample):,} rows -> {t_pint:,.0f} s for "
          f"{len(flows):,} rows (extrapolated)  -> model is {t_pint / t_model:,.0f}x faster")

    # Monte Carlo
    mc_flows = make_flows(args.mc_rows, codes, seed=2)
    sset = default_scenarios()
    spec = MonteCarloSpec(draws=args.draws, seed=42, eu_price=sset.montecarlo.eu_price,
                          eur_thb=sset.montecarlo.eur_thb,
                          intensity=__import__("cbamcalc.exposure", fromlist=["Distribution"]).Distribution(
                              "uniform", low=0.9, high=1.1))
    mc_table = default_intensities(mc_flows[["cn_code", "country"]].drop_duplicates(), YEARS)
    m_firm = ExposureModel(mc_flows, YEARS, intensities=mc_table)
    dt_f, pk_f, _ = peak(m_firm.monte_carlo, base, spec)
    from dataclasses import replace

    direct = replace(spec, method="direct")
    dt_d, pk_d, _ = peak(m_firm.monte_carlo, base, direct)
    agg = mc_flows.groupby(["year", "cn_code", "country", "destination"], as_index=False)[["net_mass_t",
                                                                                          "value_eur"]].sum()
    m_agg = ExposureModel(agg, YEARS, intensities=mc_table)
    dt_a, pk_a, _ = peak(m_agg.monte_carlo, base, spec)
    print(f"Monte Carlo {args.draws:,} draws x {args.mc_rows:,} rows (each its own key) x {len(YEARS)} years: "
          f"sorted thresholds {dt_f:.2f} s, peak traced {pk_f / 2**20:.0f} MiB; direct (key by key, chunked) "
          f"{dt_d:.2f} s, peak traced {pk_d / 2**20:.0f} MiB (chunk bound {spec.chunk_elements:,} elements)")
    print(f"Monte Carlo {args.draws:,} draws, the same flows summed per CN/origin/destination ({len(agg):,} keys): "
          f"{dt_a:.2f} s, peak traced {pk_a / 2**20:.0f} MiB")
    print(f"process max resident size: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()

"""The reference look-ups of ``cbamcalc cost`` without pandas: a fresh interpreter, and the numpy cores.

Start-up of a single ``cbamcalc cost`` call (issue 12 item 3): the benchmark, CBAM factor, CSCF,
price and Art. 9 functions must work without importing pandas (about 0.37 s) or pint. The check
is functional (which modules are loaded), never a timing.
"""

import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from cbamcalc import benchmarks as bm
from cbamcalc.errors import CbamError, InputError, ReferenceDataError
from cbamcalc.refdata import load_columns

YEARS = (2026, 2028, 2031)


def test_cost_lookups_run_without_pandas_or_pint():
    code = textwrap.dedent("""
        import sys, warnings
        import numpy as np
        from cbamcalc import benchmarks, carbon_price, free_allocation, prices

        # IR (EU) 2025/2620 Annex: CN 7318 15 95 route (E), Column B 0.066; 2804 10 00 (hydrogen) 5.089
        assert benchmarks.benchmark("73181595", route="E", column="B", production_year=2027).value == 0.066
        out = benchmarks.benchmark_values(np.array(["73181595", "28041000"], dtype=object), "B",
                                          np.array(["E", None], dtype=object), np.array([2027, 2027]))
        assert out["value"].tolist() == [0.066, 5.089]
        # Directive 2003/87/EC Art. 10a(1a): 95 % in 2027, 90 % in 2028
        assert free_allocation.cbam_factor([2027, 2028]).tolist() == [0.95, 0.90]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert free_allocation.cscf([2027]).tolist() == [1.0]  # the documented assumption
        assert free_allocation.sefa_default(0.066, 0.95, 1.0) == 0.066 * 0.95
        assert prices.price_scenario("central").for_years(np.array([2026]), field="price").tolist() == [77.65]
        assert prices.fx_scenario("central").source.startswith("scenario:central")
        assert prices.resolve_price("scenario:high").years[0] == 2026
        assert prices.resolve_price({2027: 80}).value(2027) == 80.0
        assert prices.resolve_fx(None).values.dtype == np.float64
        assert prices.quarter_price_2026([1]).tolist() == [75.36]  # published Q1 2026 price
        # 1,000 tCO2e, EUR 10/t paid on 40 %, certificate price EUR 80: 1000 x 0.4 x 10 / 80 = 50
        assert float(carbon_price.art9_reduction_actual(1000.0, 10.0, 80.0, share_covered=0.4)) == 50.0
        assert float(carbon_price.art9_reduction_default(1000.0, 8.0, 80.0)) == 100.0
        assert carbon_price.is_thb(np.array(["THB", "eur", None], dtype=object)).tolist() == [True, False, False]
        assert carbon_price.thai_carbon_tax()["rate"] == 200.0
        print(sorted(m for m in ("pandas", "pint") if m in sys.modules))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def _queries() -> pd.DataFrame:
    """Every row of the benchmark table asked for by its own route, by its letter and without a route,
    in each column, for production years 2026, 2028 and 2031 (and none)."""
    t = load_columns("benchmarks_2025_2620")
    asked = set()
    for cn, col, route in zip(t["cn_code"].tolist(), t["column"].tolist(), t["route"].tolist(), strict=True):
        letter = "" if route.isdigit() else route[:1]
        for r in {route, letter, ""}:
            for year in (*YEARS, None):
                asked.add((cn, col, r, year))
    asked.add(("72181000", "B", "C/F", 2026))  # a default line naming several alloy grades
    asked.add(("27160000", "B", "", 2026))  # electricity: no benchmark
    rows = sorted(asked, key=lambda q: (q[0], q[1], q[2], q[3] or 0))
    cn, col, route, year = zip(*rows, strict=True)
    return pd.DataFrame({"cn_code": cn, "column": col, "route": route,
                         "production_year": pd.Series(year, dtype=object)})  # ints and None, as given


def _one(q: tuple, *, error: bool = False) -> tuple[str, object]:
    """The numpy core's answer to one query: ("ok", row) or (error type, message), or the error itself."""
    cn, col, route, year = q
    try:
        out = bm.benchmark_values(np.array([cn], dtype=object), np.array([col], dtype=object),
                                  np.array([route], dtype=object), np.array([year], dtype=object))
    except CbamError as exc:
        return type(exc).__name__, (exc if error else str(exc))
    return "ok", tuple(out[c][0] for c in bm.COLUMNS)


def test_numpy_core_equals_lookup_benchmarks_on_every_row_of_the_table():
    queries = _queries()
    answers = [_one(q) for q in queries.itertuples(index=False, name=None)]
    ok = np.array([a[0] == "ok" for a in answers])
    assert ok.sum() > 3000 and (~ok).sum() > 100  # both outcomes are exercised
    # successes: one call of the pandas wrapper on all of them, row for row
    good = queries[ok].reset_index(drop=True)
    frame = bm.lookup_benchmarks(good)
    expected = pd.DataFrame([a[1] for a in answers if a[0] == "ok"], columns=list(bm.COLUMNS))
    pd.testing.assert_frame_equal(frame.reset_index(drop=True), expected)
    core = bm.benchmark_values(good["cn_code"], good["column"], good["route"], good["production_year"])
    for name in bm.COLUMNS:
        assert core[name].tolist() == frame[name].tolist(), name
    # failures: the same error, word for word (the row is label 0 in both); the wrapper stops at the
    # first error, so one call per failure: every ReferenceDataError and a fixed sample of the rest
    failed = [(q, a) for q, a in zip(queries.itertuples(index=False, name=None), answers, strict=True)
              if a[0] != "ok"]
    picked = [f for i, f in enumerate(failed) if f[1][0] == "ReferenceDataError" or i % 10 == 0]
    assert {f[1][0] for f in picked} == {"InputError", "ReferenceDataError"}
    for q, (kind, message) in picked:
        with pytest.raises(CbamError) as info:
            bm.lookup_benchmarks(pd.DataFrame({c: pd.Series([v], dtype=object) for c, v in zip(queries, q, strict=True)}))
        assert (type(info.value).__name__, str(info.value)) == (kind, message)


def test_scalar_benchmark_agrees_with_the_core_for_each_year():
    queries = _queries()
    for q in queries.sample(400, random_state=0).itertuples(index=False, name=None):
        kind, got = _one(q, error=True)
        cn, col, route, year = q
        try:
            b = bm.benchmark(cn, route=route or None, column=col, production_year=year)
        except InputError as exc:  # the same error; the core names the row (0) where the scalar has none
            assert kind == "InputError" and isinstance(got, InputError)
            assert (got._free_text, got.field, got.expected, got.found) == (
                exc._free_text, exc.field, exc.expected, exc.found) and got.row == 0
            continue
        except ReferenceDataError as exc:
            assert (kind, str(got)) == ("ReferenceDataError", f"row 0: {exc}")
            continue
        assert kind == "ok" and (b.route, b.value, b.source) == (got[2], got[3], got[8])


def test_core_errors_name_the_row_label_as_the_wrapper_does():
    frame = pd.DataFrame({"cn_code": ["73181595", "72139120"], "route": ["E", "Z"], "column": ["B", "B"],
                          "production_year": [2027, 2027]}, index=["good-a", "good-b"])
    with pytest.raises(CbamError) as wrapped:
        bm.lookup_benchmarks(frame)
    with pytest.raises(CbamError) as core:
        bm.benchmark_values(frame["cn_code"], frame["column"], frame["route"], frame["production_year"],
                            labels=frame.index)
    assert str(core.value) == str(wrapped.value)
    assert str(core.value) == ("row good-b (route): CN 7213 91 20 has no Column B benchmark for route Z; "
                               "expected one of C, D, E, found 'Z'")
    with pytest.raises(CbamError, match=r"row 1: no CBAM benchmark for CN 2716 00 00 in Column B"):
        bm.benchmark_values(["73181595", "27160000"], "B", ["E", None])


def test_core_defaults_and_shapes():
    # IR (EU) 2025/2620 Annex: 7318 15 95 (E) Column A 0.038 and Column B 0.066
    out = bm.benchmark_values(["7318 15 95", "73181595", "73181595"], np.array(["A", "B", None], dtype=object),
                              "E", None)
    assert out["value"].dtype == np.float64 and out["value"].tolist() == [0.038, 0.066, 0.066]
    assert out["column"].tolist() == ["A", "B", "B"] and out["cn_code"].tolist() == ["73181595"] * 3
    empty = bm.benchmark_values(np.array([], dtype=object))
    assert set(empty) == set(bm.COLUMNS) and all(len(v) == 0 for v in empty.values())
    with pytest.raises(InputError, match=r"Field 'route': expected 2 values \(one per CN code\) or one for all, "
                                         r"found 1$"):
        bm.benchmark_values(["73181595", "73181595"], "B", ["E"])
    # one production year for all goods: 7218 10 00 Column B 1.419 (2026-27) and 1.381 (2028-30)
    assert bm.benchmark_values(["72181000"], "B", None, 2029)["value"].tolist() == [1.381]

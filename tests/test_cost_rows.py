"""cbam_cost_rows: the computation of cbam_cost on plain columns, without pandas (issue 12 item 3).

One orchestrator serves both: the DataFrame edge (``cbam_cost``) and the plain-column edge
(``cbam_cost_rows``, what ``cbamcalc cost`` uses). These tests hold the two to the same answer,
row by row and key by key, and hold the small-input helpers to what pandas gives.
"""

from __future__ import annotations

import math
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cbamcalc.cost import OUTPUT_COLUMNS, _factorize, cbam_cost, cbam_cost_rows
from cbamcalc.errors import InputError

ROOT = Path(__file__).resolve().parent.parent

#: Goods on default values from several sectors and countries (incl. a fallback and a cement).
GOODS = [
    {"cn_code": "7318 15 95", "quantity": 100.0, "country": "TH"},
    {"cn_code": "76041010", "quantity": 30.0, "country": "CN"},
    {"cn_code": "31021012", "quantity": 5000.0, "country": "Egypt"},
    {"cn_code": "25232900", "quantity": 40.0, "country": "TH", "clinker_content": 0.8},
    {"cn_code": "26011200", "quantity": 1000.0, "country": "Thailand"},
    {"cn_code": "72083900", "quantity": 10.0, "country": "TH", "see_direct": 1.9, "see_indirect": 0.3, "route": "C",
     "own_process_only": True},
    {"cn_code": "72083900", "quantity": 10.0, "country": "TH", "see_direct": 1.9, "see_indirect": 0.3, "route": "C",
     "sefa": 0.5, "actual_share": 0.5},
]


def _columns(goods: list[dict]) -> dict[str, list]:
    names = list(dict.fromkeys(k for g in goods for k in g))
    return {k: [g.get(k) for g in goods] for k in names}


def _same(a: object, b: object) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(b, int | float) and math.isclose(float(a), float(b), rel_tol=0, abs_tol=0)
    return a == b


def _frame_rows(goods: list[dict], **options: object) -> list[dict]:
    frame = pd.DataFrame(_columns(goods))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = cbam_cost(frame, **options)
    return out.astype(object).where(out.notna(), None).to_dict("records"), out.attrs


def _plain_rows(goods: list[dict], **options: object):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cbam_cost_rows(_columns(goods), **options)


@pytest.mark.parametrize("options", [
    {"years": range(2026, 2035), "price": "scenario:central"},
    {"years": [2027], "price": 80.0, "eur_thb": 38.5, "cscf": 0.95},
    {"years": [2026, 2031], "price": {2026: 70.0, 2031: 120.0}, "own_process_only": True},
])
def test_rows_equal_the_frame_key_by_key(options):
    frame_rows, attrs = _frame_rows(GOODS, **options)
    plain = _plain_rows(GOODS, **options)
    assert len(plain.rows) == len(frame_rows) == len(GOODS) * len(list(options["years"]))
    for i, (a, b) in enumerate(zip(frame_rows, plain.rows, strict=True)):
        assert list(b) == OUTPUT_COLUMNS
        for k in OUTPUT_COLUMNS:
            want = str(a[k]) if k == "good" else a[k]
            assert _same(want, b[k]), (i, k, a[k], b[k])
    assert plain.warnings == attrs["warnings"]
    assert plain.assumptions == attrs["assumptions"]
    assert plain.data_version == attrs["data_version"]
    used, want = plain.default_values_used, attrs["default_values_used"]
    assert len(used) == len(want) > 0
    for a, b in zip(want, used, strict=True):
        assert list(a) == list(b) and all(_same(a[k], b[k]) for k in a), (a, b)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(range(len(GOODS))), st.floats(0, 1e6), st.sampled_from([None, 2026, 2029])),
                min_size=1, max_size=5),
       st.lists(st.integers(2026, 2034), min_size=1, max_size=3, unique=True),
       st.floats(0, 500))
def test_any_goods_give_the_same_rows_both_ways(picks, years, price):
    goods = []
    for k, tonnes, production_year in picks:
        g = dict(GOODS[k], quantity=tonnes)
        if production_year is not None:
            g["production_year"] = production_year
        goods.append(g)
    frame_rows, attrs = _frame_rows(goods, years=years, price=price)
    plain = _plain_rows(goods, years=years, price=price)
    for a, b in zip(frame_rows, plain.rows, strict=True):
        for k in OUTPUT_COLUMNS:
            assert _same(str(a[k]) if k == "good" else a[k], b[k]), (k, a[k], b[k])
    assert plain.warnings == attrs["warnings"]


def test_errors_name_the_same_row_and_field_both_ways():
    bad = [dict(GOODS[0]), {"cn_code": "7318 15 95", "quantity": 5.0}]  # row 1 has no country
    with pytest.raises(InputError) as via_frame:
        _frame_rows(bad, years=[2027], price=80.0)
    with pytest.raises(InputError) as via_rows:
        _plain_rows(bad, years=[2027], price=80.0)
    assert str(via_rows.value) == str(via_frame.value)
    assert via_rows.value.row == "1" and via_rows.value.field == "country"


def test_columns_of_unequal_length_are_refused():
    with pytest.raises(InputError, match="columns of equal length"):
        cbam_cost_rows({"cn_code": ["73181595", "73181595"], "quantity": [1.0]}, years=[2027], price=80.0)


def test_a_number_written_as_text_is_read_and_a_word_is_refused():
    ok = _plain_rows([{"cn_code": "73181595", "quantity": "100", "country": "TH"}], years=[2027], price=80.0)
    assert ok.rows[0]["tonnes"] == 100.0
    with pytest.raises(InputError) as exc:
        _plain_rows([{"cn_code": "73181595", "quantity": "lots", "country": "TH"}], years=[2027], price=80.0)
    assert exc.value.field == "quantity" and exc.value.found == "lots"


values = st.one_of(st.none(), st.just(float("nan")), st.sampled_from(["E", "A", " e ", "(E)", "", "K"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(values, max_size=40), st.booleans())
def test_small_factorize_is_pandas_factorize(items, na_sentinel):
    arr = np.empty(len(items), dtype=object)
    arr[:] = items
    codes, uniq = _factorize(arr, na_sentinel=na_sentinel)
    want_codes, want_uniq = pd.factorize(arr, use_na_sentinel=na_sentinel)
    assert codes.tolist() == want_codes.tolist()
    assert [None if u is None or u != u else u for u in uniq.tolist()] == \
           [None if u is None or u != u else u for u in np.asarray(want_uniq).tolist()]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-5, 5), max_size=40))
def test_small_factorize_of_integers_is_pandas_factorize(items):
    arr = np.asarray(items, dtype=np.int64)
    codes, uniq = _factorize(arr)
    want_codes, want_uniq = pd.factorize(arr)
    assert codes.tolist() == want_codes.tolist() and uniq.tolist() == want_uniq.tolist()
    assert uniq.dtype == want_uniq.dtype


def test_a_single_cost_call_does_not_import_pandas():
    # a functional guard of issue 12 (start-up): one good on default values or flags needs no pandas
    code = ("import sys, contextlib, io\nfrom cbamcalc.cli import main\n"
            "for argv in (['cost', '--cn', '73181595', '--country', 'TH', '--tonnes', '100', '--price', '80',\n"
            "              '--years', '2027', '--own-process-only'],\n"
            "             ['cost', '--cn', '72083900', '--country', 'TH', '--tonnes', '10', '--see-direct', '1.9',\n"
            "              '--see-indirect', '0.3', '--route', 'C', '--sefa', '0.5', '--json']):\n"
            "    with contextlib.redirect_stdout(io.StringIO()):\n"
            "        assert main(argv) == 0\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pandas', 'pint'))[:3])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_many_goods_give_what_each_good_gives_alone():
    # above 256 values the helpers hand over to pandas (factorize, isna); one good at a time stays in
    # plain Python: the rows must be the same
    # (one importer per good: the de minimis threshold is per importer and year)
    goods = [dict(GOODS[i % len(GOODS)], quantity=float(10 + i), importer=f"I{i}") for i in range(270)]
    together = _plain_rows(goods, years=[2027, 2030], price=80.0, eur_thb=38.5)
    for i, good in enumerate(goods):
        alone = _plain_rows([good], years=[2027, 2030], price=80.0, eur_thb=38.5)
        for a, b in zip(alone.rows, together.rows[2 * i : 2 * i + 2], strict=True):
            for k in OUTPUT_COLUMNS:
                if k != "good":
                    assert _same(a[k], b[k]), (i, k, a[k], b[k])


def test_goods_that_are_not_columns_are_refused_in_one_line():
    with pytest.raises(InputError) as exc:
        cbam_cost_rows(pd.DataFrame({"cn_code": ["73181595"], "quantity": [1.0]}), years=[2027], price=80.0)
    assert exc.value.field == "goods" and exc.value.found == "DataFrame"

"""Look-ups without pandas: the numpy cores and the pandas functions that wrap them agree.

``cbamcalc defaults`` must not import pandas (nor pint): it starts as fast as a peer tool only
when the look-up runs on numpy alone (issue 12, item 3). The guard below is functional (what a
fresh interpreter has imported), never a timing. The numpy cores
(:func:`cbamcalc.default_values.resolve_default_values`, ``*_array`` of :mod:`cbamcalc.cn_codes`
and :mod:`cbamcalc.countries`) and the DataFrame/Series functions give the same values, dtypes
and error messages on a broad sample of the annex.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from cbamcalc import cn_codes, countries
from cbamcalc import default_values as dv
from cbamcalc.default_values import COLUMNS, default_value, lookup_default_values, resolve_default_values
from cbamcalc.errors import CbamError, InputError
from cbamcalc.refdata import load_columns

VERSIONS = {"2026/1740": "default_values_2026_1740_v2", "2025/2621": "default_values_2025_2621_v1"}


def _fresh(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints a JSON object on its last line."""
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- no pandas, no pint


@pytest.mark.parametrize("extra", [[], ["--json"]])
def test_cli_defaults_imports_neither_pandas_nor_pint(extra):
    out = _fresh(f"""
        import contextlib, io, json, sys
        from cbamcalc.cli import main
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            status = main(['defaults', '--cn', '73181595', '--country', 'TH', '--year', '2027'] + {extra!r})
        heavy = sorted(m for m in ('pandas', 'pint') if m in sys.modules)
        print(json.dumps({{'status': status, 'heavy': heavy, 'out': buf.getvalue()}}))
    """)
    assert out["status"] == 0
    assert out["heavy"] == []
    if extra:  # IR (EU) 2026/1740 Annex I, table 'Thailand', line 7318 15: total 2.408, 20 % mark-up in 2027
        payload = json.loads(out["out"])
        assert payload["total"] == 2.408 and payload["markup_rate"] == 0.2 and payload["cn_line"] == "731815"
    else:
        assert "2.408 tCO2e/t" in out["out"]


def test_numpy_cores_import_neither_pandas_nor_pint():
    out = _fresh("""
        import json, sys
        from cbamcalc.cn_codes import (cbam_category_array, cbam_sector, in_annex_ii_array, is_cbam_good_array,
                                       normalise_cn_array, scope_note)
        from cbamcalc.countries import country_name, resolve_country_array
        from cbamcalc.default_values import default_value, resolve_default_values
        got = {
            'cn': normalise_cn_array(['7318 15 95', 73181595]).tolist(),
            'category': cbam_category_array(['2523 10 00']).tolist(),
            'annex_ii': in_annex_ii_array(['7601', '2523 10 00']).tolist(),
            'good': is_cbam_good_array(['8471 30 00', '72081000']).tolist(),
            'sector': cbam_sector('3102 10 12'),
            'note': scope_note('7318 15 95'),
            'country': resolve_country_array(['Viet Nam', 'turkey']).tolist(),
            'name': country_name('TH'),
            'dv': default_value('7318 15 95', 'TH', 2026).total,
            'core': resolve_default_values(['25231000'], ['CN'], [2028], ['grey'])['variant'].tolist(),
        }
        got['heavy'] = sorted(m for m in ('pandas', 'pint') if m in sys.modules)
        print(json.dumps(got))
    """)
    assert out["heavy"] == []
    assert out["cn"] == ["73181595", "73181595"]
    assert out["category"] == ["Cement clinker"]
    assert out["annex_ii"] == [True, False]  # aluminium in Annex II of Reg. 2023/956, cement clinker not
    assert out["good"] == [False, True]
    assert out["sector"] == "Fertilisers"
    assert out["note"] is None
    assert out["country"] == ["VN", "TR"]
    assert out["name"] == "Thailand"
    assert out["dv"] == 2.408
    assert out["core"] == ["grey"]


# --------------------------------------------------------------------------- default values: core == wrapper


def _sample(version: str) -> pd.DataFrame:
    """Every 50th line of a version, asked for its own country, a country without a table (AD:
    the 'Other countries and territories' line) and two countries with tables; 4- and 6-digit
    lines asked at their own level; white/grey variants named."""
    lines = load_columns(VERSIONS[version])
    rows = []
    for i in range(0, len(lines["cn_line"]), 50):
        cn, variant, own = str(lines["cn_line"][i]), str(lines["variant"][i]), str(lines["country"][i])
        for country in (own if own != "OTHER" else "CN", "AD", "Thailand", "Türkiye"):
            rows.append((cn, country, 2026 + i % 4, variant))
    for cn in ("7601", "731815", "25231000", "25239000"):  # heading lines and codes with several lines
        for variant in ("white", "grey", ""):
            rows.append((cn, "IN", 2027, variant))
    return pd.DataFrame(rows, columns=["cn_code", "country", "year", "variant"])


def _outcome(fn):
    try:
        return fn()
    except CbamError as exc:
        return (type(exc).__name__, str(exc))


@pytest.mark.parametrize("version", list(VERSIONS))
def test_core_and_frame_agree_on_every_50th_line(version):
    sample = _sample(version)
    assert {4, 6, 8} <= set(sample["cn_code"].str.len())
    ok, refused = [], 0
    for i in range(len(sample)):
        row = sample.iloc[[i]].reset_index(drop=True)
        frame = _outcome(lambda row=row: lookup_default_values(row, version=version, variant_column="variant"))
        core = _outcome(lambda row=row: resolve_default_values(row["cn_code"].to_numpy(), row["country"].to_numpy(),
                                                               row["year"].to_numpy(), row["variant"].to_numpy(),
                                                               version=version))
        if isinstance(frame, tuple) or isinstance(core, tuple):
            assert frame == core  # same error, same message (row 0 in both)
            refused += 1
        else:
            ok.append(i)
    assert len(ok) > 0.8 * len(sample) and refused > 0
    good = sample.iloc[ok].reset_index(drop=True)
    frame = lookup_default_values(good, version=version, variant_column="variant")
    core = resolve_default_values(good["cn_code"], good["country"], good["year"], good["variant"], version=version)
    assert list(core) == list(COLUMNS) == list(frame.columns)
    for name in COLUMNS:
        assert core[name].dtype == frame[name].to_numpy().dtype, name
        np.testing.assert_array_equal(core[name], frame[name].to_numpy(), err_msg=name)
    assert core["fallback"][good["country"].to_numpy() == "AD"].all()
    for i in range(0, len(good), 97):  # the scalar function goes through the same core
        rec = default_value(good["cn_code"][i], good["country"][i], int(good["year"][i]), version=version,
                            variant=good["variant"][i] or None).as_dict()
        for name in COLUMNS:
            value = core[name][i].item() if isinstance(core[name][i], np.generic) else core[name][i]
            assert rec[name] == (None if isinstance(value, float) and np.isnan(value) else value), name


BAD = [
    ("7318 15 9", "TH", 2027, ""),  # malformed CN
    (None, "TH", 2027, ""),  # empty CN
    ("8471 30 00", "TH", 2027, ""),  # not a CBAM good
    ("7318", "TH", 2027, ""),  # heading without a line of its own
    ("73181595", "Thailnd", 2027, ""),  # near miss: suggestion
    ("73181595", None, 2027, ""),  # empty country
    ("73181595", "TH", 2025, ""),  # before the definitive period
    ("73181595", "TH", "next year", ""),
    ("73181595", "TH", 2027.5, ""),
    ("73181595", "TH", None, ""),
    ("2523 10 00", "TH", 2027, ""),  # white or grey: not picked silently
    ("2523 10 00", "TH", 2027, "purple"),
]


@pytest.mark.parametrize(("cn", "country", "year", "variant"), BAD)
def test_core_frame_and_scalar_refuse_with_the_same_message(cn, country, year, variant):
    rows = pd.DataFrame({"cn_code": ["7208 10 00", cn], "country": ["IN", country], "year": [2026, year],
                         "variant": ["", variant]})
    frame = _outcome(lambda: lookup_default_values(rows, variant_column="variant"))
    core = _outcome(lambda: resolve_default_values(rows["cn_code"].to_numpy(dtype=object),
                                                   rows["country"].to_numpy(dtype=object),
                                                   rows["year"].to_numpy(dtype=object),
                                                   rows["variant"].to_numpy(dtype=object)))
    assert isinstance(frame, tuple) and frame == core
    assert "row 1 " in frame[1]  # the second row, by its 0-based position / RangeIndex label
    scalar = _outcome(lambda: default_value(cn, country, year, variant=variant or None))
    assert scalar == (frame[0], re.sub(r"^row 1 \(([^)]*)\)", r"Field '\1'", frame[1]))  # no row for one value


def test_frame_errors_name_the_index_label():
    rows = pd.DataFrame({"cn_code": ["7208 10 00", "8471 30 00"], "country": ["IN", "TH"], "year": [2026, 2027]},
                        index=["good", "laptop"])
    with pytest.raises(InputError, match=r"^row laptop \(cn_code\): not a CBAM good"):
        lookup_default_values(rows)
    with pytest.raises(InputError, match=r"^row 1 \(cn_code\): not a CBAM good"):
        resolve_default_values(rows["cn_code"], rows["country"], rows["year"])


def test_all_variants_expands_as_before():
    rows = pd.DataFrame({"cn_code": ["2523 10 00", "7208 10 00"], "country": ["CN", "CN"], "year": [2027, 2027]},
                        index=[7, 8])
    out = lookup_default_values(rows, all_variants=True)
    assert out.index.tolist() == [7, 7, 8]
    assert out["variant"].tolist() == ["white", "grey", ""]
    for variant in ("white", "grey"):
        one = resolve_default_values(["2523 10 00"], ["CN"], [2027], [variant])
        assert out.loc[out["variant"] == variant, "total"].item() == one["total"][0]


@pytest.mark.parametrize("version", list(VERSIONS))
def test_every_line_has_a_key_of_its_own(version):
    # the index of each country's table is built on first use; every usable line gets its own key
    data = dv._dataset(version)
    lines = load_columns(VERSIONS[version])
    for country in data.runs:
        usable = int(((lines["country"] == country) & (lines["line_status"] != "see_below")).sum())
        assert len(data.index(country)) == usable, country


# --------------------------------------------------------------------------- CN codes and countries: array == Series


CODES = ["7318 15 95", 73181595, "7208.10.00", "2523 10 00", "7601", "731815", "8471 30 00", "12", None, np.nan,
         "2716 00 00", "31021012", "2601 12 00"]


def _pair(array_fn, series_fn, values, **kw):
    got = _outcome(lambda: array_fn(np.array(values, dtype=object), **kw))
    want = _outcome(lambda: series_fn(pd.Series(values, dtype=object), **kw))
    if not isinstance(want, tuple):
        want = want.to_numpy()
    return got, want


@pytest.mark.parametrize("start", range(len(CODES)))
@pytest.mark.parametrize(
    ("array_fn", "series_fn", "kw"),
    [
        (cn_codes.normalise_cn_array, cn_codes.normalise_cn_series, {}),
        (cn_codes.normalise_cn_array, cn_codes.normalise_cn_series, {"allow_heading": True}),
        (cn_codes.cbam_category_array, cn_codes.cbam_category_series, {}),
        (cn_codes.in_annex_ii_array, cn_codes.in_annex_ii_series, {}),
        (cn_codes.is_cbam_good_array, cn_codes.is_cbam_good_series, {}),
    ],
)
def test_cn_arrays_agree_with_series(array_fn, series_fn, kw, start):
    values = CODES[start:] + CODES[:start]  # each bad value comes first once
    got, want = _pair(array_fn, series_fn, values, **kw)
    if isinstance(want, tuple):
        assert got == want
    else:
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_cn_arrays_on_good_codes():
    good = ["7318 15 95", 73181595, "2523 10 00", "3102 10 12", "2716 00 00"]
    np.testing.assert_array_equal(cn_codes.cbam_category_array(good),
                                  cn_codes.cbam_category_series(pd.Series(good)).to_numpy())
    np.testing.assert_array_equal(cn_codes.in_annex_ii_array(good),
                                  cn_codes.in_annex_ii_series(pd.Series(good)).to_numpy())
    # Annex II of Reg. (EU) 2023/956: iron and steel and electricity in it; cement and fertilisers not
    assert cn_codes.in_annex_ii_array(good).tolist() == [True, True, False, False, True]


PLACES = ["TH", "Thailand", "thailand", "Türkiye", "Turkey", "USA", "Viet Nam", "Thailnd", None, "", 66, "Other"]


@pytest.mark.parametrize("start", range(len(PLACES)))
def test_country_array_agrees_with_series(start):
    values = PLACES[start:] + PLACES[:start]
    got, want = _pair(countries.resolve_country_array, countries.resolve_country_series, values)
    if isinstance(want, tuple):
        assert got == want
    else:
        np.testing.assert_array_equal(got, want)
    ok = ["TH", "Thailand", "Türkiye", "Turkey", "USA", "Viet Nam"]
    assert countries.resolve_country_array(ok).tolist() == ["TH", "TH", "TR", "TR", "US", "VN"]

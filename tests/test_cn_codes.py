"""cbamcalc.cn_codes: normalising CN codes and the CBAM goods list of the Communication template v2.1.1."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cbamcalc.cn_codes import (
    cbam_category,
    cbam_category_series,
    cbam_sector,
    cn_table,
    is_cbam_good,
    is_cbam_good_series,
    normalise_cn,
    normalise_cn_series,
)
from cbamcalc.errors import InputError


@pytest.mark.parametrize("text", ["7318 15 95", "73181595", 73181595, "7318.15.95", " 7318 15 95 ", "7318\xa015\xa095",
                                  73181595.0, np.int64(73181595)])
def test_normalise_accepts_the_usual_spellings(text):
    assert normalise_cn(text) == "73181595"


def test_headings_only_where_allowed():
    assert normalise_cn("7318 15", allow_heading=True) == "731815"
    assert normalise_cn(7601, allow_heading=True) == "7601"
    with pytest.raises(InputError, match=r"Field 'cn_code': expected a CN code of 8 digits.*found '7318 15'"):
        normalise_cn("7318 15")


@pytest.mark.parametrize("bad", ["7318 15 9", "abc", "", "7318-15-95x", -73181595, 7318159.5, True, None, "731815951"])
def test_malformed_codes_name_the_field(bad):
    with pytest.raises(InputError, match=r"Field 'customs code': expected a CN code of 8 digits"):
        normalise_cn(bad, field="customs code")


def test_goods_list_is_the_templates_569_codes_plus_the_cn2026_urea_codes():
    table = cn_table()
    assert (table["list_source"] == "template").sum() == 569
    assert sorted(table.loc[table["list_source"] != "template", "cn_code"]) == ["31021012", "31021015", "31021019"]
    assert table["cn_code"].is_unique
    counts = table[table["list_source"] == "template"]["category"].value_counts()
    # counts of the template's Parameters_CNCodes sheet (v2.1.1 blank, tests/data/cbam_templates/official)
    assert counts["Iron or steel products"] == 421
    assert counts["Aluminium products"] == 53
    assert counts["Crude steel"] == 38
    assert counts["Mixed fertilisers"] == 20
    assert set(table["sector"]) == {"Cement", "Fertilisers", "Iron and steel", "Aluminium", "Hydrogen", "Electricity"}


@pytest.mark.parametrize(
    ("cn", "category", "sector"),
    [
        ("7318 15 95", "Iron or steel products", "Iron and steel"),
        ("2523 10 00", "Cement clinker", "Cement"),
        ("2507 00 80", "Calcined clays", "Cement"),  # the template's string has a trailing space
        ("3102 10 19", "Urea", "Fertilisers"),
        ("2804 10 00", "Hydrogen", "Hydrogen"),
        ("7601 10 10", "Unwrought aluminium", "Aluminium"),
        ("2716 00 00", "Electricity (export to EU)", "Electricity"),
    ],
)
def test_category_and_sector(cn, category, sector):
    assert cbam_category(cn) == category
    assert cbam_sector(cn) == sector
    assert is_cbam_good(cn)


def test_not_a_cbam_good():
    assert not is_cbam_good("8471 30 00")
    assert not is_cbam_good("garbage")
    with pytest.raises(InputError, match=r"Field 'cn_code': not a CBAM good .*found '84713000'"):
        cbam_category("8471 30 00")
    with pytest.raises(InputError, match=r"Field 'cn_code': not a CBAM good"):
        cbam_sector(76151010)  # heading 7615 is outside Annex I of Regulation (EU) 2023/956


def test_series_variants_align_to_the_index():
    s = pd.Series(["7318 15 95", 72083900, "2523.10.00"], index=["a", "b", "c"])
    assert normalise_cn_series(s).tolist() == ["73181595", "72083900", "25231000"]
    assert normalise_cn_series(s).index.tolist() == ["a", "b", "c"]
    assert cbam_category_series(s).tolist() == ["Iron or steel products", "Iron or steel products", "Cement clinker"]
    assert is_cbam_good_series(pd.Series(["7318 15 95", "x", None, 84713000])).tolist() == [True, False, False, False]


def test_series_errors_name_the_row():
    with pytest.raises(InputError, match=r"row b \(cn_code\): expected a CN code of 8 digits.*found '1'"):
        normalise_cn_series(pd.Series(["73181595", "1"], index=["a", "b"]))
    with pytest.raises(InputError, match=r"row 11 \(cn_code\): expected a CN code.*found 'an empty cell'"):
        normalise_cn_series(pd.Series(["73181595", None], index=[10, 11]))
    with pytest.raises(InputError, match=r"row y \(cn_code\): not a CBAM good.*found '84713000'"):
        cbam_category_series(pd.Series(["73181595", "8471 30 00"], index=["x", "y"]))


@settings(max_examples=60, deadline=None)
@given(code=st.sampled_from(sorted(cn_table()["cn_code"])), style=st.sampled_from(["plain", "spaces", "dots", "int"]))
def test_property_spelling_does_not_change_the_category(code, style):
    text = {
        "plain": code,
        "spaces": f"{code[:4]} {code[4:6]} {code[6:]}",
        "dots": f"{code[:4]}.{code[4:6]}.{code[6:]}",
        "int": int(code),
    }[style]
    assert normalise_cn(text) == code
    assert cbam_category(text) == cbam_category(code)

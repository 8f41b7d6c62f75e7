"""cbamcalc.cn_codes: Annex II of Regulation (EU) 2023/956 per CN code (Art. 7(1)) and the scope note of 2507 00 80.

Expected memberships are read from the act (REGULATION.md, Annex II [C-]): chapter 72 except 7202 2, 7202 30 00,
7202 50 00, 7202 70 00, 7202 80 00, 7202 91 00, 7202 92 00, 7202 93 00, 7202 99 10/30/80 and 7204; 7301, 7302,
7303 00, 7304-7308, 7309 00, 7310, 7311 00, 7318, 7326; 7601, 7603-7614, 7616; 2804 10 00; 2716 00 00 (Reg. (EU)
2025/2083). Not listed: cement, calcined clay, fertilisers and agglomerated iron ore 2601 12 00.
"""

from __future__ import annotations

import pandas as pd
import pytest

from cbamcalc import cn_codes
from cbamcalc.cn_codes import (
    annex_ii_of_category,
    cn_table,
    in_annex_ii,
    in_annex_ii_series,
    indirect_counted,
    scope_note,
)
from cbamcalc.errors import InputError
from cbamcalc.refdata import load_table


@pytest.mark.parametrize(
    ("cn", "member"),
    [
        # iron and steel (chapter 72 and the listed headings of chapter 73)
        ("7201 10 11", True), ("7202 11 20", True), ("7202 41 10", True), ("7202 60 00", True),
        ("7203 10 00", True), ("7205 10 00", True), ("7206 10 00", True), ("7208 10 00", True),
        ("7218 10 00", True), ("7229 90 50", True), ("7301 10 00", True), ("7303 00 10", True),
        ("7306 30 18", True), ("7318 15 95", True), ("7318 12 10", True), ("7326 90 98", True),
        # agglomerated iron ore: iron and steel sector, not in Annex II
        ("2601 12 00", False),
        # aluminium
        ("7601 10 10", True), ("7603 10 00", True), ("7614 10 00", True), ("7616 99 10", True),
        # hydrogen, electricity
        ("2804 10 00", True), ("2716 00 00", True),
        # cement, calcined clay
        ("2507 00 80", False), ("2523 10 00", False), ("2523 21 00", False), ("2523 30 00", False),
        # fertilisers
        ("2808 00 00", False), ("2814 10 00", False), ("2834 21 00", False), ("3102 10 12", False),
        ("3102 30 10", False), ("3105 20 10", False),
    ],
)
def test_membership_by_code_follows_the_annex(cn, member):
    assert in_annex_ii(cn) is member
    assert indirect_counted(cn) is (not member)


@pytest.mark.parametrize(("code", "member"), [("2523100010", False), ("2523900090", False), ("2507008080", False),
                                               ("7318159500", True), ("2601120000", False)])
def test_taric_codes_take_their_first_eight_digits(code, member):
    assert in_annex_ii(code) is member


@pytest.mark.parametrize(("heading", "member"), [("7318", True), ("731815", True), ("7601", True), ("7202", True),
                                                  ("2523", False), ("3102", False), ("2601", False), ("2804", True)])
def test_headings_are_members_when_all_their_goods_are(heading, member):
    assert in_annex_ii(heading) is member


def test_a_heading_mixing_members_and_non_members_is_refused(monkeypatch):
    fake = {"99990010": True, "99990020": False}
    monkeypatch.setattr(cn_codes, "_annex_ii_by_code", lambda: fake)
    cn_codes._annex_ii_of_digits.cache_clear()
    try:
        with pytest.raises(InputError, match=r"Field 'cn_code': heading mixes goods in Annex II \(99990010\.\.\.\) "
                                             r"and goods not in it \(99990020\.\.\.\): give the 8-digit CN code"):
            in_annex_ii("9999")
    finally:
        cn_codes._annex_ii_of_digits.cache_clear()


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("72", r"Field 'cn_code': expected a CN code of 8 digits, a TARIC code of 10 digits, or a heading of 4 or 6 "
               r"digits \(e.g. '7318 15 95'\), found '72'"),
        ("7204 10 00", r"Field 'cn_code': not a CBAM good .*found '72041000'"),  # excepted from Annex I and II
        ("7202 21 00", r"Field 'cn_code': not a CBAM good .*found '72022100'"),  # ferro-silicon
        ("2802", r"Field 'cn_code': no CBAM good under this heading; expected a CBAM good or a heading of CBAM "
                 r"goods, found '2802'"),
        (None, r"Field 'cn_code': expected a CN code of 8 digits.*found 'an empty cell'"),
    ],
)
def test_bad_codes_are_refused(bad, message):
    with pytest.raises(InputError, match=message):
        in_annex_ii(bad)


def test_series_is_vectorised_and_names_the_row():
    values = pd.Series(["7318 15 95", "26011200", 73181595, "2523 10 00", "7601"], index=[10, 11, 12, 13, 14])
    out = in_annex_ii_series(values)
    assert out.tolist() == [True, False, True, False, True]
    assert out.index.tolist() == [10, 11, 12, 13, 14] and out.dtype == bool
    with pytest.raises(InputError, match=r"row 21 \(cn_code\): not a CBAM good .*found '84713000'"):
        in_annex_ii_series(pd.Series(["7318 15 95", "8471 30 00"], index=[20, 21]))
    with pytest.raises(InputError, match=r"row b \(cn_code\): expected .*found 'an empty cell'"):
        in_annex_ii_series(pd.Series(["7318 15 95", None], index=["a", "b"]))


@pytest.mark.parametrize(
    ("category", "member"),
    [("Sintered Ore", False), ("Pig iron", True), ("Crude steel", True), ("Hydrogen", True),
     ("Unwrought aluminium", True), ("Ammonia", False), ("Cement clinker", False), ("Calcined clays ", False),
     ("Alloys (FeMn, FeCr, FeNi)", True), ("Direct reduced iron", True), ("Iron or steel products", True),
     ("Aluminium products", True), ("Urea", False), ("Nitric acid", False), ("Mixed fertilisers", False),
     ("Cement", False), ("Aluminous cement", False), ("Electricity (export to EU)", True)],
)
def test_category_membership(category, member):
    assert annex_ii_of_category(category) is member


def test_category_errors(monkeypatch):
    with pytest.raises(InputError, match=r"Field 'category': expected one of .*Urea, found 'Glass'"):
        annex_ii_of_category("Glass")
    monkeypatch.setattr(cn_codes, "_category_annex_ii", lambda: {"Mixed": None})
    with pytest.raises(InputError, match=r"Field 'category': the category mixes goods in Annex II .*found 'Mixed'"):
        annex_ii_of_category("Mixed")


def test_goods_list_columns_cite_the_annex():
    table = cn_table()
    assert set(table["annex_ii"]) == {"true", "false"}
    ore = table.set_index("cn_code").loc["26011200"]
    assert ore["annex_ii"] == "false"
    assert ore["annex_ii_provision"].startswith("Regulation (EU) 2023/956, Art. 7(1) and Annex II: not listed")
    bolt = table.set_index("cn_code").loc["73181595"]
    assert bolt["annex_ii_provision"] == ("Regulation (EU) 2023/956, Annex II (list of goods for which only direct "
                                          "emissions are taken into account), iron and steel: 7318")
    power = table.set_index("cn_code").loc["27160000"]
    assert power["annex_ii_provision"].startswith("Regulation (EU) 2025/2083")
    # non-members among CBAM goods: exactly cement/clinker/calcined clay, fertilisers and 2601 12 00
    outside = set(table.loc[table["annex_ii"] == "false", "cn_code"].str[:4])
    assert outside == {"2507", "2523", "2808", "2814", "2834", "3102", "3105", "2601"}


def test_curated_table_is_cited():
    annex = load_table("annex_ii")
    assert (annex["act"] != "").all() and (annex["provision"] != "").all() and (annex["confidence"] != "").all()
    assert annex["cn_prefix"].is_unique
    assert set(annex.loc[annex["annex_ii"] == "false", "cn_prefix"]) == {
        "72022", "72023000", "72025000", "72027000", "72028000", "72029100", "72029200", "72029300",
        "72029910", "72029930", "72029980", "7204"}


def test_default_values_print_indirect_na_exactly_on_annex_ii_lines():
    """Both default tables print indirect "N/A" on Annex II lines and a number on the others (REGULATION.md)."""
    dv = load_table("default_values_2025_2621_v1")
    lines = dv[(dv["line_status"] == "value") & (dv["cn_line"].str.len() == 8)]
    lines = lines[lines["cn_line"].isin(cn_table()["cn_code"])]
    member = in_annex_ii_series(lines["cn_line"])
    odd = lines[(lines["indirect_status"] == "n/a") != member]
    # the one exception of v1: Angola prints N/A for agglomerated ore (v2 prints "-" for the line, PROVENANCE 5.3)
    assert list(zip(odd["country"], odd["cn_line"], strict=True)) == [("AO", "26011200")]
    assert len(lines) == 7766  # 8-digit value lines of CBAM goods


def test_scope_note_of_kaolinic_clay():
    note = scope_note("2507 00 80")
    assert note is not None
    assert note.startswith("only calcined kaolinic clays are CBAM goods")
    assert "Regulation (EU) 2025/2083, Annex I, point (28)" in note
    assert scope_note("2507008080") == note
    assert scope_note("7318 15 95") is None
    assert (cn_table()["scope_note"] != "").sum() == 1
    with pytest.raises(InputError, match=r"Field 'cn_code': not a CBAM good .*found '84713000'"):
        scope_note("8471 30 00")
    with pytest.raises(InputError, match=r"Field 'cn_code': expected a CN code of 8 digits \(or a TARIC code of 10\)"):
        scope_note("2507")

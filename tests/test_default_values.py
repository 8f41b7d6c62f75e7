"""cbamcalc.default_values, version 2025/2621 (v1), against the Commission's workbook, THAI_CONTEXT.md and the rules.

The walk test reads ``EC_CBAM_default_values_IR2025-2621_v1_2026-02-04.xlsx`` (sheet by sheet,
cell by cell, with its own small parser) and gets every line back through the public lookup.
Every call here names version "2025/2621" (the default is now 2026/1740, tested in
``test_default_values_v2.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cbamcalc import default_values as _dv
from cbamcalc import extract
from cbamcalc.default_values import (
    DEFAULT_VERSION,
    DefaultValue,
    markup_rate,
    resolve_version,
    variants_of,
)
from cbamcalc.errors import InputError, ReferenceDataError

V1 = "2025/2621"


def default_value(*args, version=V1, **kwargs):
    """The public lookup, pinned to version 2025/2621 unless a test names another."""
    return _dv.default_value(*args, version=version, **kwargs)


def lookup_default_values(frame, *, version=V1, **kwargs):
    """The vectorised public lookup, pinned to version 2025/2621 unless a test names another."""
    return _dv.lookup_default_values(frame, version=version, **kwargs)


RATES = {"Fertilisers": (0.01, 0.01, 0.01)}
OTHER_RATES = (0.10, 0.20, 0.30)


@dataclass(frozen=True)
class Line:
    sheet: str
    title: str
    row: int
    sector: str
    cn: str
    description: str
    cells: tuple  # direct, indirect, total, 2026, 2027, 2028 as in the workbook


def _num(x) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


@pytest.fixture(scope="session")
def workbook_lines(shared_dir: Path) -> list[Line]:
    """Every CN line of every table of the v1 workbook, parsed here (independently of the extractor)."""
    sheets = extract.read_workbook_values(shared_dir / extract.DEFAULT_VALUES_WORKBOOK)
    out = []
    for sheet, rows in list(sheets.items())[2:]:
        title = " ".join(str(rows[0][0]).split())
        sector = None
        for r, row in enumerate(rows[2:], start=3):
            a = row[0]
            if a is None:
                continue
            code = str(a).replace(" ", "")
            if not code.isdigit():
                sector = " ".join(str(a).split())
                continue
            out.append(Line(sheet, title, r, sector, code, str(row[1]), tuple(row[2:8])))
    return out


def _kind(line: Line) -> str:
    """'heading' ('see below'), 'value' or 'dash' ('–', '-' or '_': the Other-countries line applies)."""
    direct, _, total = line.cells[:3]
    if "see below" in (str(direct).strip().lower(), str(total).strip().lower()):
        return "heading"
    return "value" if _num(direct) else "dash"


def _country(line: Line) -> str:
    # a country without a table of its own (Andorra) reaches the Other-countries table
    return "AD" if line.title == "Other Countries and Territories" else line.title


def _variant(line: Line) -> str:
    return line.description.split()[0].lower() if line.cn in ("25231000", "25239000") else ""


def _query_cn(line: Line, first_good: dict[str, str]) -> str:
    """The code asked for: the line's own code; for a '–' line, a CBAM good under it (its Other-countries
    line may be printed at a finer level, e.g. Thailand's '–' on 7218 against Other's 7218 10 00)."""
    return line.cn if _kind(line) == "value" else first_good[line.cn]


@pytest.fixture(scope="session")
def walked(workbook_lines):
    """The public lookup for every line and year of the workbook, in one vectorised call."""
    from cbamcalc.cn_codes import cn_table

    first_good: dict[str, str] = {}
    for g in sorted(cn_table()["cn_code"]):
        for k in (4, 6, 8):
            first_good.setdefault(g[:k], g)
    frame = pd.DataFrame(
        [
            {"cn_code": _query_cn(ln, first_good), "country": _country(ln), "year": year, "variant": _variant(ln),
             "i": i}
            for i, ln in enumerate(workbook_lines)
            for year in (2026, 2027, 2028)
            if _kind(ln) != "heading" and ln.cn in first_good
        ]
    )
    out = lookup_default_values(frame, variant_column="variant")
    return frame, out


def test_walk_every_line_of_every_table(workbook_lines, walked):
    frame, out = walked
    value_lines = dash_lines = heading_lines = compared = 0
    inconsistent, outside = [], []
    col = {c: out[c].to_numpy() for c in out.columns}
    ids = frame["i"].to_numpy()
    first = pd.Series(np.arange(len(frame))).groupby(ids).first().to_dict()
    for i, line in enumerate(workbook_lines):
        direct, indirect, total, *marked = line.cells
        if _kind(line) == "heading":
            heading_lines += 1
            continue
        if i not in first:  # no CBAM good under the line: Tunisia's 7615 lines
            outside.append((line.sheet, line.row, line.cn))
            with pytest.raises(InputError, match="not a CBAM good"):
                default_value(line.cn, _country(line), 2026)
            continue
        rows = range(first[i], first[i] + 3)
        assert (ids[first[i] : first[i] + 3] == i).all()
        if _kind(line) == "dash":
            assert str(direct).strip() in ("–", "-", "_") and str(total).strip() in ("–", "-", "_"), line
            dash_lines += 1
            r = rows[0]
            assert col["fallback"][r] and col["fallback_reason"][r] == "the country's line shows '–'", line
            assert col["source"][r].startswith("IR (EU) 2025/2621 Annex I v1, sheet '_Other Countries"), line
            continue
        value_lines += 1
        rates = RATES.get(line.sector, OTHER_RATES)
        own = line.title != "Other Countries and Territories"
        for k, (year, r) in enumerate(zip((2026, 2027, 2028), rows, strict=True)):
            assert col["year"][r] == year
            assert bool(col["fallback"][r]) is (not own), line
            assert col["source"][r] == f"IR (EU) 2025/2621 Annex I v1, sheet '{line.sheet}', row {line.row}"
            assert col["direct"][r] == direct
            assert col["total"][r] == total
            if _num(indirect):
                assert col["indirect"][r] == indirect
            else:
                assert str(indirect).strip() in ("N/A", "N.A.", "N/a", "N/(A"), line
                assert math.isnan(col["indirect"][r])
            assert col["markup_rate"][r] == rates[k]
            assert col["heading_level"][r] == len(line.cn)
            expected = total * (1 + rates[k])
            assert math.isclose(col["value_with_markup"][r], expected, rel_tol=1e-12)
            if _num(marked[k]):
                assert col["published_value_with_markup"][r] == marked[k]
                if math.isclose(marked[k], expected, rel_tol=1e-9):
                    compared += 1
                else:
                    inconsistent.append((line.sheet, line.row, line.cn, year, marked[k], expected))
            else:
                assert math.isnan(col["published_value_with_markup"][r])
                inconsistent.append((line.sheet, line.row, line.cn, year, marked[k], expected))
    # the counts reported in emission_factors/README.md
    assert len(workbook_lines) == 12532
    assert (value_lines, dash_lines, heading_lines, len(outside)) == (10927, 727, 874, 4)
    assert [cn for *_, cn in outside] == ["76151010", "76151030", "76151080", "76152000"]
    assert compared == 3 * 10927 - 11
    # the workbook's own inconsistencies: five cement lines compound the mark-up (x1.1 per year),
    # Chile 7306 11 00 has no 2026 figure ('_')
    assert sorted((s, r, y) for s, r, _, y, *_ in inconsistent) == [
        ("Angola", 6, 2027), ("Angola", 6, 2028), ("Angola", 8, 2027), ("Angola", 8, 2028),
        ("Angola", 10, 2027), ("Angola", 10, 2028), ("Argentina", 6, 2027), ("Argentina", 6, 2028),
        ("Argentina", 8, 2027), ("Argentina", 8, 2028), ("Chile", 224, 2026),
    ]
    for s, _r, _cn, y, published, expected in inconsistent:
        if s != "Chile":
            steps = y - 2025
            assert published == pytest.approx(expected / (1 + 0.1 * steps) * 1.1**steps, rel=1e-9)


def test_inconsistent_lines_are_flagged_in_the_data():
    dv = default_value("2523 10 00", "Angola", 2027, variant="grey")
    assert dv.flags == "markup_compounded_2027;markup_compounded_2028"
    assert dv.value_with_markup == pytest.approx(1.26 * 1.2)
    assert dv.published_value_with_markup == pytest.approx(1.26 * 1.1 * 1.1)
    chile = default_value("7306 11 00", "Chile", 2026)
    assert chile.flags == "markup_missing_2026"
    assert math.isnan(chile.published_value_with_markup)
    assert chile.value_with_markup == pytest.approx(2.95 * 1.1)
    # Albania prints '–' for white Portland cement but numbers in its marked-up cells: '–' wins
    albania = default_value("2523 21 00", "AL", 2026)
    assert albania.fallback and albania.total == 1.45


# --------------------------------------------------------------------------- THAI_CONTEXT.md

THAI = [
    # cn, variant, direct, total, 2026, 2027, 2028, route, fallback  (THAI_CONTEXT.md section (a))
    ("72083900", "", 1.920, 1.920, 2.111, 2.303, 2.495, "E", False),
    ("72104900", "", 2.331, 2.331, 2.564, 2.797, 3.030, "E", False),
    ("72142000", "", 1.920, 1.920, 2.111, 2.303, 2.495, "E", False),
    ("73063077", "", 2.079, 2.079, 2.287, 2.495, 2.703, "E", False),
    ("73181595", "", 2.408, 2.408, 2.649, 2.890, 3.130, "E", False),
    ("73181692", "", 4.449, 4.449, 4.894, 5.339, 5.784, "E", False),
    ("73269098", "", 1.980, 1.980, 2.177, 2.375, 2.573, "E", False),
    ("76011000", "", 0.360, 0.360, 0.396, 0.432, 0.468, "L", False),
    ("76042100", "", 1.290, 1.290, 1.419, 1.548, 1.677, "L", False),
    ("76061191", "", 1.730, 1.730, 1.903, 2.076, 2.249, "L", False),
    ("76101000", "", 1.290, 1.290, 1.419, 1.548, 1.677, "L", False),
    ("25232900", "", 1.36, 1.44, 1.584, 1.728, 1.872, "", True),
    ("25231000", "grey", 1.37, 1.41, 1.551, 1.692, 1.833, "A", True),
    ("31021019", "", 1.40, 1.54, 1.555, 1.555, 1.555, "", False),
    ("28141000", "", 2.06, 2.24, 2.262, 2.262, 2.262, "", False),
    ("28041000", "", 10.82, 10.82, 11.902, 12.984, 14.066, "", False),
]


@pytest.mark.parametrize(("cn", "variant", "direct", "total", "m26", "m27", "m28", "route", "fallback"), THAI)
def test_thai_values_of_thai_context(cn, variant, direct, total, m26, m27, m28, route, fallback):
    for year, marked in ((2026, m26), (2027, m27), (2028, m28), (2034, m28)):
        dv = default_value(cn, "Thailand", year, variant=variant or None)
        # THAI_CONTEXT prints 3 decimals; v1 carries unrounded values (1.9195 -> 1.920)
        assert dv.direct == pytest.approx(direct, abs=6e-4)
        assert dv.total == pytest.approx(total, abs=6e-4)
        assert dv.value_with_markup == pytest.approx(marked, abs=1e-3)
        assert dv.route == route
        assert dv.fallback is fallback


def test_thai_stainless_and_pig_iron_go_to_other_countries():
    pig = default_value("7201 10 11", "TH", 2026)
    assert pig.fallback and pig.fallback_reason == "the country's line shows '–'" and pig.total == 3.48
    ferro = default_value("7202 19 00", "TH", 2026)
    assert ferro.fallback and ferro.total == 5.59


# --------------------------------------------------------------------------- rules


def test_line_levels_most_specific_first():
    assert default_value("7318 15 88", "TH", 2027).heading_level == 6  # line 7318 15
    assert default_value("7318 11 00", "TH", 2027).heading_level == 8
    assert default_value("7601 20 80", "TH", 2027).heading_level == 4  # line 7601
    # a 6-digit line and 8-digit lines below it (7610 90 and 7610 90 10 / 90)
    assert default_value("7610 90 10", "TH", 2026).cn_line == "76109010"
    # a heading printed as its own line can be asked for directly
    assert default_value("7318 15", "TH", 2026).cn_line == "731815"


def test_country_without_table_uses_other_countries():
    dv = default_value("7318 15 95", "Andorra", 2026)
    assert dv.fallback and dv.fallback_reason == "no table for this country"
    assert dv.total == pytest.approx(4.8012) and dv.route == "C"


def test_country_table_without_the_line_uses_other_countries():
    dv = default_value("2523 29 00", "TH", 2026)
    assert dv.fallback and dv.fallback_reason == "no line for this CN in the country's table"


def test_variants_are_never_picked_silently():
    assert variants_of("2523 10 00") == ("white", "grey")
    assert variants_of("7318 15 95") == ()
    with pytest.raises(InputError, match=r"Field 'variant': CN 2523 10 00 has several default-value lines "
                                         r"\(variants 'white', 'grey'\).*found 'no variant'"):
        default_value("2523 10 00", "TH", 2026)
    with pytest.raises(InputError, match=r"Field 'variant': CN 2523 90 00 has no variant 'pink'; expected one of "
                                         r"'white', 'grey'"):
        default_value("2523 90 00", "TH", 2026, variant="pink")
    white = default_value("2523 10 00", "TH", 2026, variant="White")
    assert (white.variant, white.route, white.total) == ("white", "B", 1.37)
    # a variant named for a code with one line is ignored
    assert default_value("7318 15 95", "TH", 2026, variant="grey").variant == ""


def test_variant_dash_in_the_country_table_falls_back_per_variant():
    grey = default_value("2523 10 00", "Angola", 2026, variant="grey")
    white = default_value("2523 10 00", "Angola", 2026, variant="white")
    assert not grey.fallback and grey.total == 1.26
    assert white.fallback and white.total == 1.37


def test_all_variants_returns_one_row_each():
    frame = pd.DataFrame({"cn_code": ["2523 10 00", "7318 15 95"], "country": ["TH", "TH"], "year": [2026, 2026]},
                         index=["clinker", "screws"])
    out = lookup_default_values(frame, all_variants=True)
    assert out.index.tolist() == ["clinker", "clinker", "screws"]
    assert out["variant"].tolist() == ["white", "grey", ""]


def test_markup_schedule():
    assert markup_rate("Cement", 2026) == 0.10
    assert markup_rate("Iron and steel", 2027) == 0.20
    assert markup_rate("Aluminium", 2028) == 0.30
    assert markup_rate("Hydrogen", 2040) == 0.30
    assert markup_rate("Fertilisers", 2026) == markup_rate("Fertilisers", 2031) == 0.01
    with pytest.raises(InputError, match=r"Field 'sector': expected Aluminium or Cement or Fertilisers"):
        markup_rate("Glass", 2026)


def test_value_with_markup_counts_indirect_only_outside_annex_ii():
    urea = default_value("3102 10 19", "TH", 2026)  # fertiliser: total (direct + indirect)
    assert urea.value_with_markup == pytest.approx(1.54 * 1.01) and urea.is_fertiliser
    sinter = default_value("2601 12 00", "TH", 2026)  # agglomerated ore is not in Annex II
    assert sinter.indirect == 0.07 and sinter.value_with_markup == pytest.approx(1.19 * 1.1)
    screws = default_value("7318 15 95", "TH", 2026)  # Annex II: direct only, indirect N/A
    assert math.isnan(screws.indirect) and screws.value_with_markup == pytest.approx(2.408 * 1.1)


def test_frame_is_aligned_and_records_the_version():
    frame = pd.DataFrame(
        {"cn_code": ["7318 15 95", "73181595", 72083900], "country": ["Thailand", "TH", "th"],
         "year": [2026, 2027, 2030]},
        index=pd.Index([30, 10, 20], name="shipment"),
    )
    out = lookup_default_values(frame)
    assert out.index.equals(frame.index)
    assert out["version"].tolist() == [V1] * 3
    assert out["markup_rate"].tolist() == [0.1, 0.2, 0.3]
    assert out["cn_code"].tolist() == ["73181595", "73181595", "72083900"]
    assert list(out.columns)[:12] == ["cn_code", "country", "year", "version", "direct", "indirect", "total",
                                      "markup_rate", "value_with_markup", "published_value_with_markup", "route",
                                      "fallback"]
    assert isinstance(default_value("7318 15 95", "TH", 2026), DefaultValue)


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (("7318 15 95", "Atlantis", 2026), {}, InputError, r"Field 'country': unknown country; expected an ISO 3166-1"),
        (("7318 15 95", "Thailnd", 2026), {}, InputError, r"Field 'country': unknown country, did you mean "
                                                          r"'Thailand' \(TH\)\?"),
        (("8471 30 00", "TH", 2026), {}, InputError, r"Field 'cn_code': not a CBAM good.*found '8471 30 00'"),
        (("7615 10 10", "Tunisia", 2026), {}, InputError, r"Field 'cn_code': not a CBAM good"),
        (("7318 15 9", "TH", 2026), {}, InputError, r"Field 'cn_code': expected a CN code of 8 digits.*"
                                                    r"found '7318 15 9'"),
        (("7318", "TH", 2026), {}, InputError, r"Field 'cn_code': heading 7318 has no default-value line of its "
                                               r"own.*expected the 8-digit CN code"),
        (("7318 15 95", "TH", 2025), {}, InputError, r"Field 'year': expected a year of import from 2026 on.*"
                                                     r"found 2025"),
        (("7318 15 95", "TH", 2026.5), {}, InputError, r"Field 'year': expected a year of import"),
        (("7318 15 95", "TH", 2026), {"version": "2024/999"}, InputError,
         r"Field 'version': unknown data version; expected '2026/1740' \(the values in force, the default\) or "
         r"'2025/2621' \(v1 as first published\)"),
        (("2523 10 00", "TH", 2026), {}, InputError, r"Field 'variant': CN 2523 10 00 has several default-value "
                                                     r"lines"),
        (("3102 10 10", "TH", 2026), {}, ReferenceDataError, r"no default value for CN 3102 10 10 .* lines under "
                                                             r"heading 3102 10: 3102 10 12, 3102 10 15"),
        (("2716 00 00", "TH", 2026), {}, ReferenceDataError, r"no default value for CN 2716 00 00"),
    ],
)
def test_error_paths(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        default_value(*args, **kwargs)


def test_frame_errors_name_the_row():
    frame = pd.DataFrame({"cn_code": ["7318 15 95", "7318 15 95"], "country": ["TH", "TH"], "year": [2026, 2019]},
                         index=["ok", "old"])
    with pytest.raises(InputError, match=r"row old \(year\): expected a year of import from 2026 on"):
        lookup_default_values(frame)
    frame = pd.DataFrame({"cn_code": ["7318 15 95", "8471 30 00"], "country": ["TH", "TH"], "year": [2026, 2026]})
    with pytest.raises(InputError, match=r"row 1 \(cn_code\): not a CBAM good"):
        lookup_default_values(frame)
    with pytest.raises(InputError, match=r"column 'year' is missing"):
        lookup_default_values(frame.drop(columns="year"))


def test_versions():
    assert resolve_version(None) == DEFAULT_VERSION == "2026/1740"
    assert resolve_version("IR (EU) 2025/2621") == "2025/2621"
    assert resolve_version("2025/2621 v1") == "2025/2621"
    assert resolve_version("2026/1740") == "2026/1740"
    assert default_value("7318 15 95", "TH", 2026, version="2025/2621").version == "2025/2621"
    assert _dv.default_value("7318 15 95", "TH", 2026).version == "2026/1740"
    assert _dv.default_value("7318 15 95", "TH", 2026, version="2025/2621").source == (
        "IR (EU) 2025/2621 Annex I v1, sheet 'Thailand', row 262")


@settings(max_examples=40, deadline=None)
@given(
    cn=st.sampled_from(["73181595", "72083900", "76042100", "25232900", "31021019", "28041000", "72011011"]),
    country=st.sampled_from(["TH", "Viet Nam", "India", "Andorra", "Türkiye"]),
    year=st.integers(2026, 2040),
    style=st.sampled_from(["spaces", "dots", "int"]),
)
def test_property_cn_spelling_does_not_change_the_result(cn, country, year, style):
    other = {"spaces": f"{cn[:4]} {cn[4:6]} {cn[6:]}", "dots": f"{cn[:4]}.{cn[4:6]}.{cn[6:]}", "int": int(cn)}[style]
    assert default_value(other, country, year).as_dict() == default_value(cn, country, year).as_dict()

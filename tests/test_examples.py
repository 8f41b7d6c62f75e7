"""Published numbers: the Commission's filled examples, the v2.1.1 rebased copies, the third-party files.

Every process and product SEE (direct, indirect, total) is checked within 1e-6 relative
against ``tests/data/cbam_templates/examples_key_results.csv``; the intermediates (installation
totals of C_Emissions&Energy, attributed emissions and SE/SEE of Summary_Processes, the
product rows of Summary_Products) against the workbook's own cached results. Each test id
names the file and the cell it checks.
"""

from __future__ import annotations

import csv
import math
import re
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from cbamcalc.errors import InputError
from cbamcalc.io.communication_template import read_communication_template
from cbamcalc.io.xlsx_safety import XlsxReader
from cbamcalc.pipeline import run_installation
from cbamcalc.result import InstallationResult
from cbamcalc.refdata import source_dir

TEMPLATES = (source_dir() or Path(__file__).resolve().parent / "data") / "cbam_templates"
RTOL = 1e-6

OFFICIAL = [f"official/EC_v2.1_example{n}_{s}_FILLED.xlsx" for n, s in (
    (1, "cement"), (2, "steel1_blast_furnace"), (3, "steel2_EAF_alloys"), (4, "steel3_screws_nuts"),
    (5, "fertiliser"), (6, "aluminium"), (7, "hydrogen_2processes"))]
DERIVED = [f"derived_v2.1.1/v2.1.1_rebased_example{n}_{s}_FILLED.xlsx" for n, s in (
    (1, "cement"), (2, "steel1_blast_furnace"), (3, "steel2_EAF_alloys"), (4, "steel3_screws_nuts"),
    (5, "fertiliser"), (6, "aluminium"), (7, "hydrogen_2processes"))]
CEMENT_3P = "thirdparty/tecnomod_cement_modified_FILLED.xlsx"
STEEL_3P = "thirdparty/tecnomod_steel1_blast_furnace_modified_FILLED.xlsx"
FILES = OFFICIAL + DERIVED + [CEMENT_3P]

pytestmark = pytest.mark.skipif(not TEMPLATES.is_dir(), reason="tests/data/cbam_templates is not present")


def _short(rel: str) -> str:
    m = re.search(r"example(\d)", rel)
    if rel.startswith("official"):
        return f"ex{m.group(1)}" if m else rel
    if rel.startswith("derived"):
        return f"ex{m.group(1)}-v2.1.1" if m else rel
    return Path(rel).stem.replace("_FILLED", "")


@cache
def result_of(rel: str, *, strict: bool = True) -> InstallationResult:
    """Read and run a workbook once per session (results are not modified by the tests)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_installation(read_communication_template(TEMPLATES / rel), strict=strict)


@cache
def workbook(rel: str) -> XlsxReader:
    return XlsxReader(TEMPLATES / rel)


def cached(rel: str, sheet: str, ref: str) -> Any:
    """The workbook's own cached result in a cell ("" and None as None)."""
    v = workbook(rel).value(sheet, ref, evaluate=False)
    return None if v == "" else v


def _expected_rows() -> list[dict[str, str]]:
    path = TEMPLATES / "examples_key_results.csv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _reference_file(rel: str) -> str:
    """The rows of the key-results table that apply: a rebased copy has the results of its original."""
    if rel.startswith("derived"):
        n = re.search(r"example(\d)", rel).group(1)  # type: ignore[union-attr]
        return next(f for f in OFFICIAL if f"example{n}_" in f)
    return rel


def close(actual: float | None, expected: float | None, *, abs_tol: float = 1e-9) -> bool:
    if expected is None:
        return actual is None or (isinstance(actual, float) and math.isnan(actual))
    return actual is not None and math.isclose(float(actual), float(expected), rel_tol=RTOL, abs_tol=abs_tol)


# ---------------------------------------------------------------------------- key results (CSV)

KEY_FIELDS = {
    "process": (("SE_direct", "se_direct"), ("SEE_direct", "see_direct"), ("SE_indirect", "se_indirect"),
                ("SEE_indirect", "see_indirect"), ("specific_elec_consumption_MWh_per_t",
                                                   "specific_electricity_consumption"),
                ("embedded_electricity_MWh_per_t", "embedded_electricity"), ("activity_level_t", "activity_level")),
    "product": (("SEE_direct", "see_direct"), ("SEE_indirect", "see_indirect"), ("SEE_total", "see_total"),
                ("share_default_values", "default_share"), ("embedded_electricity_MWh_per_t",
                                                            "embedded_electricity")),
}


def _key_cases() -> list[Any]:
    rows = _expected_rows()
    cases = []
    for rel in FILES:
        ref = _reference_file(rel)
        for row in rows:
            if row["file (relative to shared/cbam_templates)"] != ref:
                continue
            for column, attr in KEY_FIELDS[row["level"]]:
                if row[column] == "":
                    continue
                cases.append(pytest.param(rel, row["level"], row["id"], attr, float(row[column]), row["cn_code"],
                                          id=f"{_short(rel)}-{row['level']}{row['id']}-{column}"))
    return cases


@pytest.mark.parametrize(("rel", "level", "ident", "attr", "expected", "cn"), _key_cases())
def test_key_results(rel: str, level: str, ident: str, attr: str, expected: float, cn: str) -> None:
    res = result_of(rel)
    if level == "process":
        actual = res.processes.loc[ident, attr]
    else:
        row = res.products.iloc[int(ident) - 1]
        assert row["cn_code"] == cn
        actual = row[attr]
    assert close(actual, expected), f"{rel} {level} {ident} {attr}: {actual} != {expected}"


def test_key_results_cover_every_process_and_product() -> None:
    rows = _expected_rows()
    if not rows:
        pytest.skip("examples_key_results.csv is absent")
    for rel in FILES:
        ref = _reference_file(rel)
        expected = [r for r in rows if r["file (relative to shared/cbam_templates)"] == ref]
        res = result_of(rel)
        assert len(res.processes) == sum(r["level"] == "process" for r in expected)
        assert len(res.products) == sum(r["level"] == "product" for r in expected)


def test_blank_default_share_when_see_direct_is_zero() -> None:
    """Example 7, product 2: SEE (direct) 0, the template shows "" (Summary_Products!M11)."""
    res = result_of(OFFICIAL[6])
    assert math.isnan(res.products.loc[1, "default_share"])
    assert cached(OFFICIAL[6], "Summary_Products", "M11") is None


# ---------------------------------------------------------------------------- intermediates (cached cells)

TOTALS_CELLS = {
    "fuel_input_from_sources": "H15", "fuel_input_total": "H17", "fuel_input_cbam_goods": "I17",
    "fuel_input_electricity": "J17", "fuel_input_non_cbam": "K17", "fuel_input_rest": "L17",
    "co2_from_sources": "H25", "biomass_from_sources": "I25", "n2o_from_sources": "J25", "pfc_from_sources": "K25",
    "direct_from_sources": "L25", "co2": "H27", "biomass": "I27", "n2o": "J27", "pfc": "K27", "direct": "L27",
    "indirect": "M27", "total": "N27", "calculation_based": "H32", "pfc_based": "I32", "measurement_based": "J32",
    "other_methods": "K32",
}
ATTRIBUTION_CELLS = {"attributed_direct": "K81", "attributed_indirect": "L81", "unattributed_direct": "K85",
                     "unattributed_indirect": "L85"}


def _totals_cases() -> list[Any]:
    cases = []
    for rel in FILES:
        for attr, cell in TOTALS_CELLS.items():
            cases.append(pytest.param(rel, "C_Emissions&Energy", cell, attr,
                                      id=f"{_short(rel)}-C_Emissions&Energy!{cell}"))
        for attr, cell in ATTRIBUTION_CELLS.items():
            cases.append(pytest.param(rel, "Summary_Processes", cell, attr, id=f"{_short(rel)}-Summary_Processes!{cell}"))
    return cases


@pytest.mark.parametrize(("rel", "sheet", "cell", "attr"), _totals_cases())
def test_installation_totals(rel: str, sheet: str, cell: str, attr: str) -> None:
    expected = cached(rel, sheet, cell)
    actual = getattr(result_of(rel).totals, attr)
    assert close(actual, expected, abs_tol=1e-6), f"{rel} {sheet}!{cell}: {actual} != {expected}"


PROCESS_CELLS = {  # Summary_Processes column -> result column; row 71+k and 102+k for process k
    71: {"H": "directly_attributable_emissions", "I": "heat_emissions", "J": "waste_gas_emissions",
         "K": "attributed_direct_emissions", "L": "indirect_emissions", "N": "activity_level"},
    102: {"G": "se_direct", "H": "see_direct", "I": "se_indirect", "J": "see_indirect",
          "K": "specific_electricity_consumption", "L": "embedded_electricity"},
}


def _process_cases() -> list[Any]:
    cases = []
    for rel in FILES:
        for k in range(10):
            for base, columns in PROCESS_CELLS.items():
                for col, attr in columns.items():
                    cell = f"{col}{base + k}"
                    cases.append(pytest.param(rel, k, cell, attr, id=f"{_short(rel)}-Summary_Processes!{cell}"))
            cell = f"AG{162 + 36 * k}"
            cases.append(pytest.param(rel, k, cell, "default_share", id=f"{_short(rel)}-Summary_Processes!{cell}"))
    return cases


@pytest.mark.parametrize(("rel", "k", "cell", "attr"), _process_cases())
def test_process_intermediates(rel: str, k: int, cell: str, attr: str) -> None:
    expected = cached(rel, "Summary_Processes", cell)
    res = result_of(rel)
    pid = f"P{k + 1}"
    if pid not in res.processes.index:
        assert expected is None, f"{rel} Summary_Processes!{cell}: the template has {expected!r} for {pid}"
        return
    actual = res.processes.loc[pid, attr]
    assert close(actual, expected, abs_tol=1e-9), f"{rel} Summary_Processes!{cell}: {actual} != {expected}"


PRODUCT_CELLS = {"E": "aggregated_goods_category", "F": "cn_code", "H": "product", "I": "see_direct",
                 "J": "see_indirect", "K": "see_total", "L": "unit", "M": "default_share",
                 "N": "electricity_ef_source", "O": "embedded_electricity"}


def _product_cases() -> list[Any]:
    cases = []
    for rel in FILES:
        n = len(result_of(rel).products) if TEMPLATES.is_dir() else 0
        for i in range(n + 1):  # one row past the last product: blank in the template too
            for col, attr in PRODUCT_CELLS.items():
                cases.append(pytest.param(rel, i, f"{col}{10 + i}", attr,
                                          id=f"{_short(rel)}-Summary_Products!{col}{10 + i}"))
    return cases


@pytest.mark.parametrize(("rel", "i", "cell", "attr"), _product_cases())
def test_product_rows(rel: str, i: int, cell: str, attr: str) -> None:
    expected = cached(rel, "Summary_Products", cell)
    products = result_of(rel).products
    if i >= len(products):
        assert expected is None
        return
    actual = products.loc[i, attr]
    if isinstance(expected, str):
        assert str(actual).strip() == expected.strip(), f"{rel} Summary_Products!{cell}"
    else:
        assert close(actual, expected), f"{rel} Summary_Products!{cell}: {actual} != {expected}"


# ---------------------------------------------------------------------------- third-party robustness


def test_thirdparty_steel_inconsistent_cn_codes_is_a_clear_error() -> None:
    """Products 1-2 keep CN 72081000 (iron or steel products) under the pig-iron process."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inst = read_communication_template(TEMPLATES / STEEL_3P)
    with pytest.raises(InputError, match=r"sheet 'Summary_Products', cell F10 \(CN code\).*category 'Pig iron'"
                                         r".*found '72081000 \(Iron or steel products\)'"):
        run_installation(inst)


def test_thirdparty_steel_lenient_warns_and_matches_its_template() -> None:
    with pytest.warns(UserWarning, match="does not belong to the category"):
        res = run_installation(read_communication_template(TEMPLATES / STEEL_3P), strict=False)
    rows = [r for r in _expected_rows() if r["file (relative to shared/cbam_templates)"] == STEEL_3P]
    for row in rows:
        if row["level"] == "product":
            got = res.products.iloc[int(row["id"]) - 1]
            for column, attr in KEY_FIELDS["product"]:
                if row[column]:
                    assert close(got[attr], float(row[column])), (row["id"], column)
    assert sum("does not belong" in w for w in res.warnings) == 2


def test_derived_and_official_agree() -> None:
    """Same inputs on v2.1 and v2.1.1 (cached values of input formulas from Excel vs LibreOffice)."""
    import numpy as np

    for off, der in zip(OFFICIAL, DERIVED, strict=True):
        a, b = result_of(off), result_of(der)
        cols = ["see_direct", "see_indirect", "embedded_electricity"]
        np.testing.assert_allclose(a.processes[cols].to_numpy(), b.processes[cols].to_numpy(), rtol=1e-12)
        assert a.template_version == "2.1" and b.template_version == "2.1.1"

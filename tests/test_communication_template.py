"""Reader of the EU Communication template: input cells only, versions, formulas, bad input.

Bad-input workbooks are made by editing one example's sheet XML inside a copy of its ZIP
package (fast and exact); every error test checks the message (sheet, cell, field,
expected, found) and that the input file is byte-identical afterwards.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import hashlib
import re
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest

from cbamcalc.errors import InputError
from cbamcalc.io.communication_template import TEMPLATE_VERSIONS, cell_map, read_communication_template
from cbamcalc.io.xlsx_safety import XlsxReader
from cbamcalc.pipeline import run_installation
from cbamcalc.refdata import source_dir

TEMPLATES = (source_dir() or Path(__file__).resolve().parent / "data") / "cbam_templates"
EX2 = TEMPLATES / "official" / "EC_v2.1_example2_steel1_blast_furnace_FILLED.xlsx"
EX3 = TEMPLATES / "official" / "EC_v2.1_example3_steel2_EAF_alloys_FILLED.xlsx"
EX6 = TEMPLATES / "official" / "EC_v2.1_example6_aluminium_FILLED.xlsx"
EX7 = TEMPLATES / "official" / "EC_v2.1_example7_hydrogen_2processes_FILLED.xlsx"
BLANK = TEMPLATES / "official" / "CBAM_Communication_template_for_installations_en_20241213_v2.1.1_BLANK.xlsx"

pytestmark = pytest.mark.skipif(not TEMPLATES.is_dir(), reason="tests/data/cbam_templates is not present")


# ---------------------------------------------------------------------------- helpers


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cell_xml(ref: str, value: Any) -> str:
    if value is None:
        return f'<c r="{ref}"/>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if text.startswith("="):
        return f'<c r="{ref}"><f>{text[1:]}</f></c>'  # a formula without cached value
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def edit_xlsx(src: Path, dst: Path, edits: dict[tuple[str, str], Any], *, strip_cached: tuple[str, ...] = (),
              raw: dict[str, tuple[bytes, bytes]] | None = None) -> Path:
    """Copy ``src`` to ``dst`` with cells replaced (sheet, ref) -> value, straight in the sheet XML.

    ``strip_cached`` removes the cached values of every formula in those sheets (as a save
    by openpyxl does); ``raw`` replaces bytes in a part (for malformed-file tests).
    """
    paths = XlsxReader(src).sheet_paths
    by_part: dict[str, dict[str, Any]] = {}
    for (sheet, ref), value in edits.items():
        by_part.setdefault(paths[sheet], {})[ref] = value
    strip_parts = {paths[s] for s in strip_cached}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            item = copy.copy(item)
            item.compress_type = zipfile.ZIP_STORED  # fast: no recompression
            if item.filename in by_part or item.filename in strip_parts:
                text = data.decode("utf-8")
                for ref, value in by_part.get(item.filename, {}).items():
                    new = _cell_xml(ref, value)
                    pattern = re.compile(rf'<c r="{ref}"(?:\s[^>]*?)?(?:/>|>.*?</c>)', re.S)
                    if pattern.search(text):
                        text = pattern.sub(lambda _m, n=new: n, text, count=1)
                    else:
                        row = re.search(r"\d+", ref).group(0)  # type: ignore[union-attr]
                        rp = re.compile(rf'(<row r="{row}"[^>]*?)(/>|>)')
                        m = rp.search(text)
                        if m and m.group(2) == ">":
                            text = text[:m.end()] + new + text[m.end():]
                        elif m:
                            text = text[:m.start()] + m.group(1) + ">" + new + "</row>" + text[m.end():]
                        else:
                            text = text.replace("</sheetData>", f'<row r="{row}">{new}</row></sheetData>')
                if item.filename in strip_parts:
                    text = re.sub(r'<c ([^>]*?)>(<f[^>]*?(?:/>|>[^<]*</f>))<v>[^<]*</v></c>',
                                  lambda m: "<c " + re.sub(r' t="(?:str|b|e|n)"', "", m.group(1)) + ">"
                                  + m.group(2) + "</c>", text)
                data = text.encode("utf-8")
            if raw and item.filename in raw:
                old, new_bytes = raw[item.filename]
                data = data.replace(old, new_bytes, 1)
            zout.writestr(item, data)
    return dst


def read_and_run(path: Path, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_installation(read_communication_template(path), **kwargs)


def assert_error(path: Path, pattern: str, **kwargs: Any) -> InputError:
    """The workbook gives an InputError matching ``pattern`` and is byte-identical afterwards."""
    before = sha256(path)
    with pytest.raises(InputError, match=pattern) as info:
        read_and_run(path, **kwargs)
    assert sha256(path) == before
    return info.value


# ---------------------------------------------------------------------------- the cell map


def test_cell_map_names_only_input_cells() -> None:
    """Every cell of the map is an unlocked (input) cell of the v2.1.1 blank."""
    with (TEMPLATES / "template_v2.1.1_input_cells.csv").open(encoding="utf-8") as fh:
        inputs = {(r["sheet"], r["cell"]) for r in csv.DictReader(fh)}
    for f in cell_map():
        if f.sheet == "VersionDocumentation":
            continue  # the version cells are read to identify the template, not as inputs
        for i in range(f.count):
            for ref in f.refs(i):
                assert (f.sheet, ref) in inputs, f"{f.group}.{f.field}: {f.sheet}!{ref} is not an input cell"


def test_cell_map_fields_are_snake_case_and_unique_per_group() -> None:
    seen: set[tuple[str, str]] = set()
    for f in cell_map():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", f.field), f.field
        assert (f.group, f.field) not in seen
        seen.add((f.group, f.field))
        assert f.role in {"see", "total", "check", "info"}


def test_strides_match_the_template_blocks() -> None:
    fields = {(f.group, f.field): f for f in cell_map()}
    assert fields["process_data", "directly_attributable_emissions"].refs(9) == ["L639"]  # 11 + 65*9 + 43
    assert fields["purchased_data", "see_direct"].refs(19) == ["L885"]  # 14 + 44*19 + 35
    assert fields["process_data", "sent_to_slot"].refs(1) == [f"L{r}" for r in range(97, 106)]


# ---------------------------------------------------------------------------- reading the examples


def test_reads_example3() -> None:
    before = sha256(EX3)
    inst = read_communication_template(EX3)
    assert sha256(EX3) == before
    assert inst.template_version == "2.1"
    assert inst.name == "Example EAF Steelworks"
    assert inst.period_start == dt.date(2023, 1, 1) and inst.period_end == dt.date(2023, 12, 31)
    assert [p.name for p in inst.processes] == ["EAF incl. continuous casting", "Rolling mill and finishing"]
    p1, p2 = inst.processes
    assert p1.production.m_as("t") == 2_234_000
    assert {k: v.m_as("t") for k, v in p1.sent_to.items()} == {"Rolling mill and finishing": 1_227_000}
    assert p2.produced_for_market.m_as("t") == 1_133_000  # =L81, cached value
    assert p1.cells["directly_attributable_emissions"] == "D_Processes!L54"
    assert [pp.id for pp in inst.purchased_precursors] == ["PP1", "PP2", "PP3", "PP4"]
    pp4 = inst.purchased_precursors[3]
    assert pp4.see_direct_source == "Default" and pp4.country == "CN"
    assert pp4.cells["see_direct"] == "E_PurchPrec!L181"
    assert [g.cn_code for g in inst.goods] == ["72189911", "73041100", "72191310", "72210010"]
    ss = inst.source_streams
    assert [s.method for s in ss[:4]] == ["combustion", "mass_balance", "mass_balance", "process_emissions"]
    assert ss[0].net_calorific_value.m_as("GJ/t") == 48
    assert ss[7].activity_data.m_as("t") == -2_140_000 or ss[8].activity_data.m_as("t") == -2_140_000


def test_reads_v211_and_booleans_stored_as_formulas() -> None:
    inst = read_communication_template(TEMPLATES / "thirdparty" / "tecnomod_cement_modified_FILLED.xlsx")
    assert inst.processes[0].heat_relevant is False  # =FALSE() with a cached FALSE
    inst = read_communication_template(TEMPLATES / "derived_v2.1.1" /
                                       "v2.1.1_rebased_example7_hydrogen_2processes_FILLED.xlsx")
    assert inst.template_version == "2.1.1"
    assert inst.processes[0].heat_relevant is True


def test_percentages_become_fractions() -> None:
    inst = read_communication_template(TEMPLATES / "official" / "EC_v2.1_example1_cement_FILLED.xlsx")
    waste = next(s for s in inst.source_streams if s.name == "Household waste")
    assert waste.biomass_fraction == pytest.approx(0.15)
    inst6 = read_communication_template(EX6)
    assert inst6.pfc_sources[0].collection_efficiency == pytest.approx(0.97)  # a fraction in the template


def test_unnamed_process_is_keyed_as_the_template_does(tmp_path: Path) -> None:
    """An empty name becomes "P<n> - <category>" (A_InstData!T83), also for products pointing to it."""
    path = edit_xlsx(EX7, tmp_path / "unnamed.xlsx", {
        ("A_InstData", "L84"): None,
        ("Summary_Products", "D11"): "P2 - Hydrogen",
    })
    res = read_and_run(path)
    assert res.processes.loc["P2", "name"] == "P2 - Hydrogen"
    assert res.products.loc[1, "see_indirect"] == pytest.approx(8.386559896, rel=1e-9)


# ---------------------------------------------------------------------------- formulas without cached values


def test_formulas_without_cached_values_are_evaluated(tmp_path: Path) -> None:
    """As after a save by openpyxl: =L81 (D_Processes!L92) and =L17 (E_PurchPrec!L28) are evaluated."""
    path = edit_xlsx(EX3, tmp_path / "nocache.xlsx", {},
                     strip_cached=("D_Processes", "E_PurchPrec", "C_Emissions&Energy"))
    assert XlsxReader(path).cached("D_Processes", "L92") == (False, None, "L81")
    with pytest.warns(UserWarning, match=r"cell I16: the input cell holds a formula without a cached value that "
                                         r"refers to C_Emissions&Energy!H15.*found '=H15'. Left blank"):
        inst = read_communication_template(path)
    res = run_installation(inst)
    assert res.processes.loc["P2", "see_total"] == pytest.approx(3.1710880009115825, rel=1e-9)
    assert inst.purchased_precursors[0].consumed_in["EAF incl. continuous casting"].m_as("t") == 80_540


def test_formula_referring_to_a_result_cell_without_cache_is_an_error(tmp_path: Path) -> None:
    """Example 2: D_Processes!L54 = ='C_Emissions&Energy'!H32, a SUM over B_EmInst."""
    path = edit_xlsx(EX2, tmp_path / "nocache2.xlsx", {},
                     strip_cached=("D_Processes", "C_Emissions&Energy"))
    assert_error(path, r"sheet 'D_Processes', cell L54: the input cell holds a formula without a cached value "
                       r"that refers to C_Emissions&Energy!H32.*found \"='C_Emissions&Energy'!H32\"")


def test_arithmetic_formula_in_an_input_cell(tmp_path: Path) -> None:
    path = edit_xlsx(EX7, tmp_path / "arith.xlsx", {("D_Processes", "L130"): "=520000*0.0528",
                                                    ("D_Processes", "K50"): "=TRUE()"})
    res = read_and_run(path)
    assert res.processes.loc["P2", "electricity_consumption"] == pytest.approx(27_456)


def test_unsupported_formula_names_the_cell(tmp_path: Path) -> None:
    path = edit_xlsx(EX7, tmp_path / "vlookup.xlsx", {("D_Processes", "L54"): "=VLOOKUP(1,A1:B2,2)"})
    assert_error(path, r"sheet 'D_Processes', cell L54: the input cell holds a formula without a cached value"
                       r".*found '=VLOOKUP")


# ---------------------------------------------------------------------------- bad input


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("this is not a workbook", encoding="utf-8")
    assert_error(path, r"File 'notes.xlsx': not an .xlsx workbook.*expected an Office Open XML workbook")


def test_not_the_template(tmp_path: Path) -> None:
    from openpyxl import Workbook

    path = tmp_path / "other.xlsx"
    wb = Workbook()
    wb.active["A1"] = 1
    wb.save(path)
    assert_error(path, r"File 'other.xlsx': not the EU Communication template for installations; expected the "
                       r"sheets A_InstData.*found \"no sheet 'A_InstData'")


def test_template_type_is_checked(tmp_path: Path) -> None:
    path = edit_xlsx(EX7, tmp_path / "type.xlsx", {("VersionDocumentation", "B2"): "Something else"})
    assert_error(path, r"sheet 'VersionDocumentation', cell B2 \(template type\).*found 'Something else'")


def test_unknown_version_is_refused_or_read_with_a_warning(tmp_path: Path) -> None:
    path = edit_xlsx(EX7, tmp_path / "v3.xlsx", {("VersionDocumentation", "B3"): 46000.0})  # 2025-12-09
    assert_error(path, r"sheet 'VersionDocumentation', cell B3 \(template release date\): unknown version.*"
                       r"expected 2.1 \(2024-06-05\), 2.1.1 \(2024-12-13\), found '2025-12-09'")
    with pytest.warns(UserWarning, match="not a version cbamcalc knows"):
        inst = read_communication_template(path, allow_other_versions=True)
    assert inst.template_version == "unknown (2025-12-09)"
    assert set(TEMPLATE_VERSIONS.values()) == {"2.1", "2.1.1"}


def test_text_in_a_numeric_cell(tmp_path: Path) -> None:
    path = edit_xlsx(EX3, tmp_path / "text.xlsx", {("D_Processes", "L54"): "about 171 kt"})
    assert_error(path, r"File 'text.xlsx', sheet 'D_Processes', cell L54 \(Directly attributable emissions "
                       r"\(DirEm\*\)\): expected a number, found 'about 171 kt'")


def test_negative_amount(tmp_path: Path) -> None:
    path = edit_xlsx(EX3, tmp_path / "neg.xlsx", {("E_PurchPrec", "L49"): -1.48})
    assert_error(path, r"sheet 'E_PurchPrec', cell L49 \(Specific embedded direct emissions SEE \(direct\)\): "
                       r"expected a number of at least 0, found -1.48")


def test_negative_mass_balance_output_is_allowed(tmp_path: Path) -> None:
    res = read_and_run(EX3)  # B_EmInst F25 = -2,140,000 t steel (an output stream)
    assert res.totals.co2 == pytest.approx(573_250.5138976, rel=1e-12)


def test_zero_production_with_emissions(tmp_path: Path) -> None:
    path = edit_xlsx(EX7, tmp_path / "zero.xlsx", {("D_Processes", "L83"): 0})
    assert_error(path, r"sheet 'D_Processes', cell L81:L88 \(total production of 'Hydrogen Chlor-Alkali "
                       r"electrolysis'\): process .* has electricity consumption but produced nothing.*"
                       r"expected a production above 0")


def test_more_sent_to_other_processes_than_produced(tmp_path: Path) -> None:
    path = edit_xlsx(EX6, tmp_path / "over.xlsx", {("D_Processes", "L32"): 250_000})
    assert_error(path, r"sheet 'D_Processes', cell L32:L40 \(amounts consumed in other production processes "
                       r"from 'Primary smelting'\): .*sends more to other processes .* than it produces; "
                       r"expected at most the total production \(200,000 t\), found '250,000 t'")


def test_market_plus_other_uses_above_production(tmp_path: Path) -> None:
    path = edit_xlsx(EX6, tmp_path / "market.xlsx", {("D_Processes", "L27"): 150_000})
    assert_error(path, r"sheet 'D_Processes', cell L27 \(produced for the market by 'Primary smelting'\)")


def test_cn_code_not_a_cbam_good(tmp_path: Path) -> None:
    path = edit_xlsx(EX7, tmp_path / "cn.xlsx", {("Summary_Products", "F10"): "84713000"})
    err = assert_error(path, r"sheet 'Summary_Products', cell F10 \(CN code\): not a CBAM good.*found '84713000'")
    assert err.cell == "F10" and err.sheet == "Summary_Products"


def test_cn_code_of_another_category(tmp_path: Path) -> None:
    path = edit_xlsx(EX7, tmp_path / "cn2.xlsx", {("Summary_Products", "F11"): "28142000"})  # ammonia
    assert_error(path, r"sheet 'Summary_Products', cell F11 \(CN code\): the CN code does not belong to the "
                       r"category of process 'Hydrogen Chlor-Alkali electrolysis'; expected a CN code of the "
                       r"category 'Hydrogen', found '28142000 \(Ammonia\)'")


def test_product_of_an_unknown_process(tmp_path: Path) -> None:
    path = edit_xlsx(EX7, tmp_path / "proc.xlsx", {("Summary_Products", "D10"): "No such process"})
    assert_error(path, r"sheet 'Summary_Products', cell D10 \(production process of the product\).*"
                       r"found 'No such process'")


def test_singular_precursor_loop(tmp_path: Path) -> None:
    """P1 sends all its production to P2 and P2 all of its to P1: I - A is singular."""
    path = edit_xlsx(EX3, tmp_path / "loop.xlsx", {
        ("D_Processes", "L27"): 0, ("D_Processes", "L32"): 2_234_000,   # P1 -> P2
        ("D_Processes", "L92"): 0, ("D_Processes", "L97"): 1_133_000,   # P2 -> P1 (slot 1 of P2 is P1)
    })
    assert_error(path, r"sheet 'D_Processes' \(amounts consumed in other production processes\): precursor loop "
                       r"without a solution.*found \"loop through 'EAF incl. continuous casting', 'Rolling "
                       r"mill and finishing'\"")


def test_purchased_precursor_without_see(tmp_path: Path) -> None:
    path = edit_xlsx(EX3, tmp_path / "nosee.xlsx", {("E_PurchPrec", "L49"): None})
    assert_error(path, r"sheet 'E_PurchPrec', cell L49 \(SEE \(direct\) of 'Carbon steel ingots'\): purchased "
                       r"precursor 'Carbon steel ingots' is consumed but has no SEE \(direct\); expected .* "
                       r"found 'an empty cell'")


def test_unknown_dropdown_value(tmp_path: Path) -> None:
    path = edit_xlsx(EX3, tmp_path / "method.xlsx", {("B_EmInst", "D17"): "Burning"})
    assert_error(path, r"sheet 'B_EmInst', cell D17 \(method\): expected 'Combustion' or 'Process emissions' or "
                       r"'Mass Balance', found 'Burning'")


def test_duplicate_process_names(tmp_path: Path) -> None:
    path = edit_xlsx(EX3, tmp_path / "dup.xlsx", {("A_InstData", "L84"): "eaf INCL. continuous casting"})
    assert_error(path, r"sheet 'A_InstData', cell L84 \(process name\): two processes have the same name")


def test_dtd_is_refused(tmp_path: Path) -> None:
    part = XlsxReader(EX7).sheet_paths["D_Processes"]
    path = edit_xlsx(EX7, tmp_path / "dtd.xlsx", {}, raw={
        part: (b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>')})
    assert_error(path, r"declares a DTD or an entity \(refused for safety\)")


def test_excel_error_value_in_an_input_cell(tmp_path: Path) -> None:
    part = XlsxReader(EX7).sheet_paths["D_Processes"]
    path = edit_xlsx(EX7, tmp_path / "err.xlsx", {("D_Processes", "L54"): 1.0})
    data = path.read_bytes()
    path2 = tmp_path / "err2.xlsx"
    assert data  # the first copy exists
    edit_xlsx(path, path2, {}, raw={part: (b'<c r="L54"><v>1.0</v></c>',
                                           b'<c r="L54" t="e"><f>1/0</f><v>#DIV/0!</v></c>')})
    assert_error(path2, r"sheet 'D_Processes', cell L54: the cell holds an Excel error.*found '#DIV/0!'")


# ---------------------------------------------------------------------------- warnings


def test_heat_entered_although_marked_not_relevant_warns(tmp_path: Path) -> None:
    """The template counts heat amounts whatever the flag (D_Processes!T58 is not gated): so do we, with a warning."""
    path = edit_xlsx(EX7, tmp_path / "heat.xlsx", {("D_Processes", "K50"): False})
    with pytest.warns(UserWarning, match="measurable heat marked not relevant"):
        res = run_installation(read_communication_template(path))
    assert res.processes.loc["P1", "heat_emissions"] == pytest.approx(-44_800)
    assert any("marked not relevant" in w for w in res.warnings)


def test_orphan_product_row_warns(tmp_path: Path) -> None:
    path = edit_xlsx(EX7, tmp_path / "orphan.xlsx", {("Summary_Products", "H13"): "No process"})
    with pytest.warns(UserWarning, match=r"Summary_Products row 13: product without a production process"):
        inst = read_communication_template(path)
    assert len(inst.goods) == 2


def test_blank_template_reads_as_empty() -> None:
    inst = read_communication_template(BLANK)
    assert inst.template_version == "2.1.1"
    assert inst.processes == [] and inst.goods == [] and inst.source_streams == []
    res = run_installation(inst)
    assert res.processes.empty and res.products.empty


# ---------------------------------------------------------------------------- unseen templates (LibreOffice)

VARIANTS = {
    # P1 consumes P2: the template's product lookup shows FALSE as default share (pipeline._shadowed)
    "ex7_p1_uses_p2": (EX7, {("D_Processes", "L97"): 100.0, ("D_Processes", "L92"): 1100.0}),
    # a loop P1 <-> P2, defaults, heat and waste gas in and out, electricity exported
    "ex3_loop": (EX3, {("D_Processes", "L97"): 50000.0, ("D_Processes", "L92"): 1083000.0,
                       ("D_Processes", "K115"): True, ("D_Processes", "L122"): 100.0, ("D_Processes", "L123"): 60.0,
                       ("D_Processes", "M122"): 10.0, ("D_Processes", "M123"): 50.0, ("D_Processes", "L115"): True,
                       ("D_Processes", "L126"): 20.0, ("D_Processes", "M126"): 5.0, ("D_Processes", "L136"): 1000.0,
                       ("D_Processes", "L137"): 0.4, ("E_PurchPrec", "M49"): "Default",
                       ("E_PurchPrec", "M93"): "Default"}),
    # overvoltage PFC, N2O and CO2 measurement, manual overrides of the totals
    "ex6_methods": (EX6, {("B_EmInst", "D98"): "Overvoltage method", ("B_EmInst", "AJ98"): 1.2,
                          ("B_EmInst", "AK98"): 0.94, ("B_EmInst", "AL98"): 1.16, ("B_EmInst", "AT98"): 0.98,
                          ("B_EmInst", "D113"): "Stack", ("B_EmInst", "E113"): "N2O", ("B_EmInst", "V113"): 0.05,
                          ("B_EmInst", "X113"): 8000.0, ("B_EmInst", "Z113"): 120.0, ("B_EmInst", "D114"): "Stack 2",
                          ("B_EmInst", "E114"): "CO2", ("B_EmInst", "V114"): 30.0, ("B_EmInst", "X114"): 7000.0,
                          ("B_EmInst", "Z114"): 50.0, ("B_EmInst", "R114"): 12.0, ("B_EmInst", "AX114"): 100.0,
                          ("C_Emissions&Energy", "H26"): 300000.0, ("C_Emissions&Energy", "K16"): 5.0}),
}


@pytest.fixture(scope="session")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The variants, recalculated by LibreOffice with recalculation on load forced."""
    import shutil
    import subprocess

    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    work = tmp_path_factory.mktemp("variants")
    profile = work / "profile" / "user"
    profile.mkdir(parents=True)
    (profile / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" '
        'oor:op="fuse"><value>0</value></prop></item></oor:items>', encoding="utf-8")
    sources = [edit_xlsx(src, work / f"{name}.xlsx", edits) for name, (src, edits) in VARIANTS.items()]
    subprocess.run([soffice, f"-env:UserInstallation={profile.parent.as_uri()}", "--headless", "--convert-to",
                    "xlsx", "--outdir", str(work / "out"), *map(str, sources)], check=True, timeout=600,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return {name: work / "out" / f"{name}.xlsx" for name in VARIANTS}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(VARIANTS))
def test_unseen_variants_recalculated_by_libreoffice(recalculated: dict[str, Path], name: str) -> None:
    """Every intermediate and result cell the template computes, within 1e-6 (inputs edited, LibreOffice recalculated)."""
    import math

    from test_examples import ATTRIBUTION_CELLS, PROCESS_CELLS, PRODUCT_CELLS, TOTALS_CELLS

    path = recalculated[name]
    x = XlsxReader(path)
    res = read_and_run(path)

    def cached(sheet: str, cell: str) -> Any:
        v = x.value(sheet, cell, evaluate=False)
        return None if v == "" else v

    def check(actual: Any, expected: Any, where: str) -> None:
        if expected is None:
            assert actual is None or (isinstance(actual, float) and math.isnan(actual)), where
        elif isinstance(expected, str):
            assert str(actual).strip() == expected.strip(), where
        else:
            assert math.isclose(float(actual), float(expected), rel_tol=1e-6, abs_tol=1e-6), \
                f"{name} {where}: {actual} != {expected}"

    for attr, cell in TOTALS_CELLS.items():
        check(getattr(res.totals, attr), cached("C_Emissions&Energy", cell), f"C_Emissions&Energy!{cell}")
    for attr, cell in ATTRIBUTION_CELLS.items():
        check(getattr(res.totals, attr), cached("Summary_Processes", cell), f"Summary_Processes!{cell}")
    for k in range(10):
        pid = f"P{k + 1}"
        cells = {f"{c}{base + k}": a for base, cols in PROCESS_CELLS.items() for c, a in cols.items()}
        cells[f"AG{162 + 36 * k}"] = "default_share"
        for cell, attr in cells.items():
            actual = res.processes.loc[pid, attr] if pid in res.processes.index else None
            check(actual, cached("Summary_Processes", cell), f"Summary_Processes!{cell}")
    for i in range(len(res.products)):
        for col, attr in PRODUCT_CELLS.items():
            check(res.products.loc[i, attr], cached("Summary_Products", f"{col}{10 + i}"),
                  f"Summary_Products!{col}{10 + i}")

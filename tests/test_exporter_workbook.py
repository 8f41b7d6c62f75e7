"""The cbamcalc input workbook: write/read round trips, Thai labels, and every error it names."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import shutil
import warnings
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pint
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cbamcalc.cli import main
from cbamcalc.errors import InputError, UnitError
from cbamcalc.io import exporter_workbook as ew
from cbamcalc.io.exporter_workbook import (
    EXPORT_COLUMNS,
    EXPORT_YEARS,
    ExporterInput,
    detect_format,
    example_input,
    labels,
    read_input_workbook,
    write_input_workbook,
)
from cbamcalc.model import (
    Good,
    Installation,
    InstallationTotalsInput,
    MeasuredSource,
    PFCSource,
    ProductionProcess,
    PurchasedPrecursor,
    SourceStream,
)
from cbamcalc.units import Q_

THAI = re.compile(r"[\u0e00-\u0e7f]")
PERCENT_FIELDS = {"oxidation_factor", "conversion_factor", "biomass_fraction", "current_efficiency",
                  "collection_efficiency"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------- model comparison


def assert_same(a: Any, b: Any, where: str = "") -> None:
    """Equal models: cells, warnings and source file ignored; numbers to 1e-15, percentages to 1e-12."""
    if is_dataclass(a):
        assert type(a) is type(b), where
        for f in fields(a):
            if f.name in ("cells", "warnings", "source_file", "template_version"):
                continue
            va, vb = getattr(a, f.name), getattr(b, f.name)
            if f.name in PERCENT_FIELDS and va is not None and vb is not None:
                assert math.isclose(va, vb, rel_tol=1e-12, abs_tol=1e-15), f"{where}.{f.name}: {va} != {vb}"
            else:
                assert_same(va, vb, f"{where}.{f.name}")
    elif isinstance(a, pint.Quantity):
        # same unit; numbers to 1e-15: openpyxl writes 16 significant digits ("%.16g"), Excel keeps 15
        assert isinstance(b, pint.Quantity), f"{where}: {a!r} vs {b!r}"
        assert a.units == b.units and math.isclose(a.magnitude, b.magnitude, rel_tol=1e-15), f"{where}: {a!r} != {b!r}"
    elif isinstance(a, dict):
        assert list(a) == list(b), f"{where}: keys {list(a)} != {list(b)}"
        for k in a:
            assert_same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), f"{where}: {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-15), f"{where}: {a!r} != {b!r}"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def assert_same_input(a: ExporterInput, b: ExporterInput) -> None:
    assert_same(a.installation, b.installation, "installation")
    assert a.details == b.details
    assert a.routes == b.routes
    ea = a.exports.reset_index(drop=True)[list(EXPORT_COLUMNS)]
    eb = b.exports.reset_index(drop=True)[list(EXPORT_COLUMNS)]
    assert len(ea) == len(eb)
    if len(ea):
        pd.testing.assert_frame_equal(ea, eb, check_dtype=False, rtol=1e-15)


# ---------------------------------------------------------------------------- labels


def test_every_label_has_english_and_thai():
    lab = labels()
    assert len(lab) > 200
    for key, entry in lab.items():
        assert entry["en"].strip() and entry["th"].strip(), key
    thai_keys = [k for k in lab if k.startswith(("field.", "sheet.", "instr.", "res.col."))]
    missing = [k for k in thai_keys if not THAI.search(lab[k]["th"]) and k not in ("field.goods.export_unit",)]
    # technical labels may be mostly symbols, but every field/sheet/instruction label has Thai text
    assert missing == [], missing


def test_every_label_the_writer_uses_exists():
    lab = labels()
    for sheet in ew.SHEETS:
        assert f"sheet.{sheet.id}.title" in lab and f"sheet.{sheet.id}.intro" in lab
        for f in sheet.fields:
            if not f.key.startswith("export_20"):
                assert f"field.{sheet.id}.{f.key}" in lab, (sheet.id, f.key)
    for i in range(1, ew._N_INSTRUCTIONS + 1):
        assert f"instr.{i:02d}" in lab


# ---------------------------------------------------------------------------- example round trips


@pytest.fixture(scope="session")
def example_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("exporter")
    return {lang: write_input_workbook(folder / f"example_{lang}.xlsx", lang=lang, example=True)
            for lang in ("en", "th", "both")}


@pytest.mark.parametrize("lang", ["en", "th", "both"])
def test_example_round_trip(example_files, lang):
    got = read_input_workbook(example_files[lang])
    assert_same_input(example_input(), got)
    assert got.language == lang
    assert got.installation.processes[0].cells["production"] == "Processes!E4"
    assert got.installation.goods[2].cells["cn_code"] == "Goods & exports!B6"


def test_example_is_said_to_be_illustrative(example_files):
    wb = openpyxl.load_workbook(example_files["both"], read_only=True)
    texts = [c for row in wb["Instructions"].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any("ILLUSTRATIVE DATA" in t and "ข้อมูลสมมติ" in t for t in texts)
    assert wb["_cbamcalc"]["B4"].value == "TRUE"
    assert "(illustrative)" in wb["Installation"]["C3"].value


def test_blank_workbook_has_example_sheet_frozen_headers_and_validations(tmp_path):
    path = write_input_workbook(tmp_path / "blank.xlsx", lang="en")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:10] == ["Instructions", "Installation", "Source streams", "Electricity & heat",
                                  "Processes", "Precursor flows", "Purchased precursors", "Goods & exports", "PFC",
                                  "Measurement"]
    assert {"Example", "CN codes", "Lists", "_cbamcalc"} <= set(wb.sheetnames)
    assert wb["Lists"].sheet_state == "hidden" and wb["_cbamcalc"].sheet_state == "hidden"
    assert wb["Processes"].freeze_panes == "B4"
    assert wb["Processes"].row_dimensions[1].hidden
    # the Example sheet shows the fastener plant even in a blank workbook
    example_values = [c for row in wb["Example"].iter_rows(values_only=True) for c in row]
    assert "Bolt and screw forming" in example_values and "73181588" in example_values
    # drop-downs: CN codes, countries, methods, units
    formulas = {dv.formula1: str(dv.sqref) for ws in wb.worksheets for dv in ws.data_validations.dataValidation}
    assert any("'CN codes'!$A$2" in f for f in formulas)
    cn = wb["CN codes"]
    codes = [r[0] for r in cn.iter_rows(min_row=2, values_only=True)]
    assert "73181588" in codes and len(codes) > 500
    goods_dv = [dv for dv in wb["Goods & exports"].data_validations.dataValidation if "CN codes" in dv.formula1]
    assert goods_dv and str(goods_dv[0].sqref).startswith("B4:B") and goods_dv[0].errorStyle in (None, "stop")
    unit_dv = [dv for dv in wb["Source streams"].data_validations.dataValidation
               if dv.formula1.startswith("Lists!") and "D4" in str(dv.sqref)]
    assert unit_dv and unit_dv[0].errorStyle == "warning"  # any pint unit may be typed
    lists = wb["Lists"]
    header = [c.value for c in lists[1]]
    unit_col = header.index("unit_amount") + 1
    units = [lists.cell(row=r, column=unit_col).value for r in range(2, 9)]
    assert units == ["t", "kt", "Mt", "kg", "Nm3", "1000 Nm3", None]
    with pytest.raises(InputError, match=r"sheet 'Installation', cell C3 .*mandatory cell is empty"):
        read_input_workbook(path)


def test_thai_labels_read_back(example_files):
    lab = labels()
    wb = openpyxl.load_workbook(example_files["th"])
    ws = wb["Source streams"]
    heads = [c.value for c in ws[3]]
    assert heads[0] == lab["field.source_streams.method"]["th"] + " *"
    assert heads[1] == "ชื่อเชื้อเพลิงหรือวัตถุดิบ *"
    assert heads[3] == "หน่วย"
    assert wb["Processes"]["B4"].value == "ผลิตภัณฑ์เหล็กหรือเหล็กกล้า (Iron or steel products)"
    assert wb["Source streams"]["A4"].value == "การเผาไหม้ (Combustion)"
    assert wb["Goods & exports"]["E3"].value == "ส่งออกไป EU ปี 2026 (พ.ศ. 2569)"
    inst = wb["Installation"]
    assert inst["B3"].value == "ชื่อสถานประกอบการ (ภาษาอังกฤษ) *"
    assert inst["C4"].value == "บริษัท สยามฟาสเทนเนอร์เวิร์คส์ จำกัด (ข้อมูลสมมติ)"
    instr = [c.value for c in wb["Instructions"]["A"] if c.value]
    assert instr[0].startswith("สมุดงานข้อมูลนำเข้า cbamcalc")
    assert all(THAI.search(t) for t in instr)
    # and the reader turns Thai drop-down entries back into the template's strings
    data = read_input_workbook(example_files["th"])
    assert data.installation.source_streams[0].method == "combustion"
    assert data.installation.processes[0].category == "Iron or steel products"
    assert data.installation.purchased_precursors[1].see_direct_source == "Default"
    assert data.details["name"] == "บริษัท สยามฟาสเทนเนอร์เวิร์คส์ จำกัด (ข้อมูลสมมติ)"


def test_pure_thai_and_english_entries_are_accepted(tmp_path, example_files):
    path = tmp_path / "mixed.xlsx"
    shutil.copy(example_files["en"], path)
    wb = openpyxl.load_workbook(path)
    wb["Source streams"]["A4"] = "การเผาไหม้"  # Thai only
    wb["Source streams"]["A5"] = "  combustion "  # any case, stray spaces
    wb["Purchased precursors"]["K4"] = "ค่าจากการตรวจวัด"
    wb["Processes"]["M4"] = "ใช่"
    wb.save(path)
    data = read_input_workbook(path)
    assert [s.method for s in data.installation.source_streams] == ["combustion", "combustion"]
    assert data.installation.purchased_precursors[0].see_direct_source == "Measured"
    assert data.installation.processes[0].heat_relevant is True


def test_units_are_parsed_by_pint(tmp_path, example_files):
    path = tmp_path / "units.xlsx"
    shutil.copy(example_files["en"], path)
    wb = openpyxl.load_workbook(path)
    wb["Processes"]["E4"] = 18
    wb["Processes"]["F4"] = "kt"
    wb["Source streams"]["C4"] = 2400
    wb["Source streams"]["D4"] = "1000 Nm3"
    wb["Goods & exports"]["D4"] = "kt"
    wb["Goods & exports"]["E4"] = 3.2
    wb.save(path)
    data = read_input_workbook(path)
    assert data.installation.processes[0].production == Q_(18, "kt")
    assert data.installation.source_streams[0].activity_data.m_as("Nm3") == pytest.approx(2_400_000)
    e = data.exports
    assert e[(e.good == 0) & (e.year == 2026)]["quantity"].item() == pytest.approx(3200.0)


def test_formula_like_text_is_written_as_text(tmp_path):
    data = example_input()
    data.installation.goods[0].name = "=HYPERLINK(\"http://x\",\"y\")"
    data.details["street"] = "+66 2 123 4567"
    path = write_input_workbook(tmp_path / "inj.xlsx", data=data)
    wb = openpyxl.load_workbook(path)
    cell = wb["Goods & exports"]["C4"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    back = read_input_workbook(path)
    assert back.installation.goods[0].name == "=HYPERLINK(\"http://x\",\"y\")"
    assert back.details["street"] == "+66 2 123 4567"


def test_detect_format(example_files, templates_dir):
    assert detect_format(example_files["en"]) == "cbamcalc"
    assert detect_format(templates_dir / "official" / "EC_v2.1_example4_steel3_screws_nuts_FILLED.xlsx") == \
        "communication"


def test_neither_format_is_a_clear_error(tmp_path):
    path = tmp_path / "other.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    wb.save(path)
    with pytest.raises(InputError, match=r"neither a cbamcalc input workbook nor the EU Communication template.*"
                                         r"found \"the sheets 'Data'\""):
        detect_format(path)


def test_the_communication_template_is_refused_by_our_reader(templates_dir):
    with pytest.raises(InputError, match="this is the EU Communication template"):
        read_input_workbook(templates_dir / "official" / "EC_v2.1_example4_steel3_screws_nuts_FILLED.xlsx")


def test_too_many_rows_are_refused_on_write(tmp_path):
    data = example_input()
    data.installation.processes = data.installation.processes * 6
    with pytest.raises(InputError, match=r"too many rows for the sheet 'Processes'.*at most 10, found 12"):
        write_input_workbook(tmp_path / "x.xlsx", data=data)


# ---------------------------------------------------------------------------- bad input


def _edit(src: Path, dst: Path, edit) -> Path:
    shutil.copy(src, dst)
    wb = openpyxl.load_workbook(dst)
    edit(wb)
    wb.save(dst)
    return dst


def _set(sheet: str, ref: str, value: Any):
    def edit(wb):
        wb[sheet][ref] = value
    return edit


BAD = [
    ("missing_sheet", lambda wb: wb.remove(wb["Processes"]), InputError,
     r"sheet 'Processes'.*expected the sheet 'Processes', found 'no such sheet'"),
    ("unknown_unit", _set("Source streams", "D4", "kgg"), UnitError,
     r"sheet 'Source streams', cell D4 \(unit of Amount used.*\): expected a unit of mass \(t\) or gas volume at "
     r"normal conditions \(1000 Nm3\), found 'kgg'"),
    ("wrong_dimension", _set("Electricity & heat", "C4", "t"), UnitError,
     r"sheet 'Electricity & heat', cell C4 \(unit of Electricity consumed\): expected a unit of energy \(MWh\), "
     r"found 't'"),
    ("text_in_number", _set("Processes", "E4", "lots"), InputError,
     r"sheet 'Processes', cell E4 \(Total production in the period\): expected a number \(with its unit: mass "
     r"\(t\) or energy \(MWh\)\)|sheet 'Processes', cell E4 \(Total production in the period\): expected a number, "
     r"found 'lots'"),
    ("cn_not_cbam", _set("Goods & exports", "B5", "84713000"), InputError,
     r"sheet 'Goods & exports', cell B5.*84713000"),
    ("cn_garbage", _set("Goods & exports", "B5", "bolts"), InputError,
     r"sheet 'Goods & exports', cell B5.*expected a CN code.*found 'bolts'"),
    ("empty_mandatory", _set("Processes", "K5", None), InputError,
     r"sheet 'Processes', cell K5 \(Directly attributable emissions \(DirEm\*\)\): a mandatory cell is empty; "
     r"expected a number \(with its unit: emissions \(tCO2e\)\), found 'an empty cell'"),
    ("empty_unit", _set("Processes", "L5", None), InputError,
     r"sheet 'Processes', cell L5 \(unit of Directly attributable emissions \(DirEm\*\)\): a unit is needed"),
    ("unknown_choice", _set("Source streams", "A4", "Burning"), InputError,
     r"sheet 'Source streams', cell A4 \(Monitoring method\): expected one of the drop-down entries "
     r"\('Combustion', 'Process emissions', 'Mass Balance'\), found 'Burning'"),
    ("unknown_process", _set("Goods & exports", "A6", "Rivets"), InputError,
     r"sheet 'Goods & exports', cell A6 \(Production process\): unknown production process; expected the name of a "
     r"production process on the sheet 'Processes' \('Bolt and screw forming', 'Nut forming and tapping'\), "
     r"found 'Rivets'"),
    ("duplicate_process", _set("Processes", "A5", "bolt and screw  forming"), InputError,
     r"sheet 'Processes', cell A5 \(Name of the production process \(unique\)\): names must be unique"),
    ("unknown_country", _set("Purchased precursors", "C4", "Atlantis"), InputError,
     r"sheet 'Purchased precursors', cell C4 \(Country of production\).*Atlantis"),
    ("bad_date", _set("Installation", "C14", "last year"), InputError,
     r"sheet 'Installation', cell C14 \(Reporting period: first day\): expected a date \(YYYY-MM-DD\), "
     r"found 'last year'"),
    ("negative_export", _set("Goods & exports", "F4", -5), InputError,
     r"sheet 'Goods & exports', cell F4 \(exported to the EU in 2027\): expected a quantity of 0 or more"),
    ("unknown_flow_source", _set("Precursor flows", "A4", "Scrap"), InputError,
     r"sheet 'Precursor flows', cell A4 .*unknown precursor.*found 'Scrap'"),
    ("key_row_changed", _set("Processes", "E1", "x"), InputError,
     r"sheet 'Processes', cell A1: the hidden key row 1 was changed.*found \"no column 'production'\""),
    ("excel_error", _set("Processes", "E4", "=1/0"), InputError,
     r"sheet 'Processes', cell E4"),
    ("form_key_changed", _set("Installation", "A5", "x"), InputError,
     r"sheet 'Installation', cell A1: the hidden key column A was changed.*found \"no row 'economic_activity'\""),
    ("energy_twice", _set("Electricity & heat", "A5", "Bolt and screw forming"), InputError,
     r"sheet 'Electricity & heat', cell A5 \(Production process\): one row per production process"),
    ("flow_twice", _set("Precursor flows", "A6", "Carbon steel wire rod (Thai mill)"), InputError,
     r"sheet 'Precursor flows', cell A6 .*the same flow is listed twice"),
    ("export_unit_missing", _set("Goods & exports", "D4", None), InputError,
     r"sheet 'Goods & exports', cell D4 \(Unit\): a unit is needed for the quantities exported"),
    ("included_goods_unknown", _set("Processes", "D4", "Only direct production; bolts"), InputError,
     r"sheet 'Processes', cell D4 \(Included goods categories.*\): expected goods categories separated by ';'.*"
     r"found 'bolts'"),
    ("percent_negative", _set("Source streams", "K4", -5), InputError,
     r"sheet 'Source streams', cell K4 \(Oxidation factor \[%\] \(empty = 100\)\): expected a percentage of 0 or more"),
]


@pytest.mark.parametrize("name,edit,error,message", BAD, ids=[b[0] for b in BAD])
def test_bad_input_names_sheet_cell_expected_found(tmp_path, example_files, capsys, name, edit, error, message):
    path = _edit(example_files["en"], tmp_path / f"{name}.xlsx", edit)
    before = sha256(path)
    with pytest.raises(error, match=message) as exc:
        read_input_workbook(path)
    assert exc.value.file == path.name
    # the command line: one line on stderr, exit 2, the file untouched
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cbamcalc run: error: File ") and err.count("\n") == 1
    assert main(["export-communication", str(path), "--out", str(tmp_path / "out.xlsx")]) == 2
    assert not (tmp_path / "out.xlsx").exists()
    assert sha256(path) == before


def test_flows_to_own_process_and_pp_named_like_a_process(tmp_path, example_files):
    def own(wb):
        wb["Precursor flows"]["A4"] = "Bolt and screw forming"
        wb["Precursor flows"]["B4"] = "Bolt and screw forming"
    p = _edit(example_files["en"], tmp_path / "own.xlsx", own)
    with pytest.raises(InputError, match=r"cell B4 .*a process cannot consume its own output"):
        read_input_workbook(p)
    p = _edit(example_files["en"], tmp_path / "pp.xlsx", _set("Purchased precursors", "A5", "Nut forming and tapping"))
    with pytest.raises(InputError, match=r"cell A5 .*cannot have the name of a production process"):
        read_input_workbook(p)


def test_period_end_before_start(tmp_path, example_files):
    p = _edit(example_files["en"], tmp_path / "period.xlsx", _set("Installation", "C15", dt.datetime(2024, 1, 1)))
    with pytest.raises(InputError, match=r"cell C15 .*ends before it starts"):
        read_input_workbook(p)


def test_pipeline_errors_name_our_cells(tmp_path, example_files):
    """A purchased precursor consumed without SEE: the engine's error names our sheet and cell."""
    from cbamcalc.pipeline import run_installation

    p = _edit(example_files["en"], tmp_path / "nosee.xlsx", _set("Purchased precursors", "I4", None))
    data = read_input_workbook(p)
    with pytest.raises(InputError, match=r"sheet 'Purchased precursors', cell I4"):
        run_installation(data.installation)


# ---------------------------------------------------------------------------- hypothesis round trip

_TEXT = st.text(alphabet=st.sampled_from("abcdefgxyzABCXYZ0123 =+-@/()กขคสวัสดีเหล็ก"), min_size=1,
                max_size=16).map(str.strip).filter(lambda s: s != "")
_NUM = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)
_FRAC = st.floats(min_value=0, max_value=1, allow_nan=False)
_CATS = [c for c in ew._CATEGORIES if c != "Electricity (export to EU)"]
_CN = ["73181588", "73181692", "72081000", "25232900", "76011010", "28041000", "31021012"]
_COUNTRIES = ["TH", "JP", "CN", "VN", "US", "DE", "IN"]


def _q(units: list[str], optional: bool = True):
    s = st.builds(lambda v, u: Q_(v, u), _NUM, st.sampled_from(units))
    return st.one_of(st.none(), s) if optional else s


@st.composite
def exporter_inputs(draw) -> ExporterInput:
    from cbamcalc.countries import country_name

    names = draw(st.lists(_TEXT, min_size=1, max_size=4, unique_by=ew._norm))
    pp_names = draw(st.lists(_TEXT.filter(lambda s: ew._norm(s) not in {ew._norm(n) for n in names}),
                             max_size=3, unique_by=ew._norm))
    procs = []
    for i, n in enumerate(names):
        others = [m for m in names if m != n]
        sent = draw(st.dictionaries(st.sampled_from(others), _q(["t", "kt"], False), max_size=2)) if others else {}
        procs.append(ProductionProcess(
            id=f"P{i + 1}", category=draw(st.sampled_from(_CATS)), name=n, production=draw(_q(["t", "kt"], False)),
            produced_for_market=draw(_q(["t", "kt"])), sent_to=dict(sorted(sent.items(), key=lambda kv:
                                                                          names.index(kv[0]))),
            consumed_non_cbam=draw(_q(["t"])), heat_relevant=draw(st.none() | st.booleans()),
            waste_gases_relevant=draw(st.none() | st.booleans()),
            directly_attributable_emissions=draw(_q(["tCO2e", "ktCO2e"], False)),
            heat_imported=draw(_q(["TJ", "GJ"])), heat_import_ef=draw(_q(["tCO2e/TJ"])),
            electricity_consumed=draw(_q(["MWh", "kWh"])), electricity_ef=draw(_q(["tCO2e/MWh", "kgCO2e/kWh"])),
            electricity_ef_source=draw(st.none() | st.sampled_from(["D.4(a)", "D.4(b)", "Mix"])),
            electricity_exported=draw(_q(["MWh"])), waste_gas_exported=draw(_q(["TJ"])),
            included_goods=tuple(draw(st.lists(st.sampled_from(_CATS), max_size=2))),
        ))
    pps = []
    for i, n in enumerate(pp_names):
        consumed = draw(st.dictionaries(st.sampled_from(names), _q(["t"], False), max_size=2))
        other, bought = draw(_q(["t"])), draw(_q(["t", "kt"]))
        used = sum(q.m_as("t") for q in consumed.values()) + (other.m_as("t") if other is not None else 0.0)
        if bought is not None and bought.m_as("t") < used:  # the reader refuses a use above the purchase
            bought = Q_(used, "t")
        pps.append(PurchasedPrecursor(
            id=f"PP{i + 1}", category=draw(st.sampled_from(_CATS)), name=n,
            country=draw(st.none() | st.sampled_from(_COUNTRIES)),
            routes=tuple(draw(st.lists(st.sampled_from(["Electric arc furnace", "Unknown production routes"]),
                                       max_size=2, unique=True))),
            purchased=bought, consumed_in=dict(sorted(consumed.items(), key=lambda kv: names.index(kv[0]))),
            consumed_other=other, see_direct=draw(_q(["tCO2e/t", "kgCO2e/kg"])),
            see_direct_source=draw(st.none() | st.sampled_from(["Measured", "Default", "Unknown"])),
            specific_electricity=draw(_q(["MWh/t", "kWh/t"])), electricity_ef=draw(_q(["tCO2e/MWh"])),
            default_justification=draw(st.none() | st.just("Data gaps")),
        ))
    streams = []
    for _ in range(draw(st.integers(0, 3))):
        per = draw(st.sampled_from(["t", "kNm3"]))
        streams.append(SourceStream(
            method=draw(st.sampled_from(["combustion", "process_emissions", "mass_balance"])), name=draw(_TEXT),
            activity_data=Q_(draw(st.floats(-1e6, 1e9, allow_nan=False)), draw(st.sampled_from(
                ["t", "kt"] if per == "t" else ["kNm3", "Nm3"]))),
            net_calorific_value=draw(_q([f"GJ/{per}"])), emission_factor=draw(_q(["tCO2e/TJ", "tCO2e/t"])),
            carbon_content=draw(st.none() | _FRAC.map(lambda v: Q_(v, f"tC/{per}"))),  # a mass fraction: <= 1 tC/t
            oxidation_factor=draw(st.none() | _FRAC),
            conversion_factor=draw(st.none() | _FRAC), biomass_fraction=draw(st.none() | _FRAC),
        ))
    pfc = [PFCSource(method=draw(st.sampled_from(["slope", "overvoltage"])), technology=draw(_TEXT),
                     aluminium_produced=draw(_q(["t"], False)), slope_cf4=draw(st.none() | _NUM),
                     current_efficiency=draw(st.none() | _FRAC), collection_efficiency=draw(st.none() | _FRAC))
           for _ in range(draw(st.integers(0, 1)))]
    measured = [MeasuredSource(name=draw(_TEXT), gas=draw(st.sampled_from(["CO2", "N2O"])),
                               concentration=draw(_q(["g/Nm3"])), operating_hours=draw(_q(["h"])),
                               flue_gas_flow=draw(_q(["kNm3/h"])), biomass_fraction=draw(st.none() | _FRAC))
                for _ in range(draw(st.integers(0, 1)))]
    goods = [Good(process=draw(st.sampled_from(names)), cn_code=draw(st.sampled_from(_CN)),
                  name=draw(st.just("") | _TEXT)) for _ in range(draw(st.integers(0, 3)))]
    rows = []
    for g, good in enumerate(goods):
        for y in draw(st.lists(st.sampled_from(EXPORT_YEARS), max_size=3, unique=True).map(sorted)):
            rows.append((g, good.process, good.cn_code, good.name, y, draw(_NUM)))
    exports = pd.DataFrame(rows, columns=list(EXPORT_COLUMNS))
    start = draw(st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1)))
    inst = Installation(
        name=draw(_TEXT), country=country_name(draw(st.sampled_from(_COUNTRIES))), period_start=start,
        period_end=start + dt.timedelta(days=draw(st.integers(0, 400))), source_streams=streams, pfc_sources=pfc,
        measured_sources=measured, processes=procs, purchased_precursors=pps, goods=goods,
        totals_input=InstallationTotalsInput(indirect=draw(_q(["tCO2e"])), fuel_input_total=draw(_q(["TJ"]))),
    )
    details = draw(st.dictionaries(st.sampled_from(["name", "street", "city", "post_code", "latitude"]), _TEXT))
    details |= draw(st.dictionaries(st.just("data_quality"), st.just("Mostly measurements & analyses")))
    routes = {n: draw(st.sampled_from(ew._ALL_ROUTE_VALUES)) for n in draw(st.lists(st.sampled_from(names),
                                                                                      unique=True))}
    return ExporterInput(installation=inst, exports=exports, details=details, routes=routes)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=exporter_inputs(), lang=st.sampled_from(["en", "th", "both"]))
def test_hypothesis_write_then_read_returns_the_same_model(tmp_path, data, lang):
    path = write_input_workbook(tmp_path / "rt.xlsx", lang=lang, data=data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the reader finds nothing to warn about in its own output
        back = read_input_workbook(path)
    assert_same_input(data, back)


def test_committed_example_and_expected_results_are_current():
    """examples/thai_fastener_plant.xlsx reads back as example_input() and gives the committed results."""
    import importlib.util

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("make_examples", root / "examples" / "make_examples.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main(["--check"]) == 0
    assert_same_input(example_input(), read_input_workbook(root / "examples" / "thai_fastener_plant.xlsx"))


def test_more_rows_than_the_template_holds_are_refused(tmp_path, example_files):
    def eleven(wb):
        ws = wb["Processes"]
        for i in range(11):
            ws.cell(row=4 + i, column=1, value=f"process {i}")
            for col, v in ((2, "Iron or steel products"), (5, 1.0), (6, "t"), (11, 0.0), (12, "tCO2e")):
                ws.cell(row=4 + i, column=col, value=v)
    p = _edit(example_files["en"], tmp_path / "eleven.xlsx", eleven)
    with pytest.raises(InputError, match=r"sheet 'Processes', row 14: the EU Communication template has room for "
                                         r"10 rows of this kind; expected at most 10 filled rows, found 11"):
        read_input_workbook(p)

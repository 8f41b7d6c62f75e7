"""export_communication: the Commission's blank v2.1.1 filled in its input cells only.

Fast checks (no LibreOffice): the shipped blank is the Commission's file; only input cells of
``template_v2.1.1_input_cells.csv`` change; formulas, validations, protection and names are
byte-identical; reading the exported file back gives the same SEE for the seven Commission
examples and for our Thai example; exact drop-down strings; refusals. The recalculation by the
template's own formulas is in ``test_roundtrip_libreoffice.py``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

from cbamcalc.errors import InputError, OutputError, UnitError
from cbamcalc.io.communication_template import read_communication_template
from cbamcalc.io.communication_writer import (
    BLANK_NAME,
    BLANK_SHA256,
    communication_cells,
    export_communication,
    extras_from_input,
    template_extras,
)
from cbamcalc.io.exporter_workbook import example_input
from cbamcalc.model import Good, Installation, ProductionProcess, SourceStream
from cbamcalc.pipeline import run_installation
from cbamcalc.units import Q_

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "cbamcalc" / "io" / "templates" / BLANK_NAME
EXAMPLES = [
    "EC_v2.1_example1_cement_FILLED.xlsx",
    "EC_v2.1_example2_steel1_blast_furnace_FILLED.xlsx",
    "EC_v2.1_example3_steel2_EAF_alloys_FILLED.xlsx",
    "EC_v2.1_example4_steel3_screws_nuts_FILLED.xlsx",
    "EC_v2.1_example5_fertiliser_FILLED.xlsx",
    "EC_v2.1_example6_aluminium_FILLED.xlsx",
    "EC_v2.1_example7_hydrogen_2processes_FILLED.xlsx",
]
_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_F = re.compile(rb"<f[^>]*?(?:/>|>.*?</f>)", re.S)


def run(inst):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_installation(inst, on_warning="ignore")


def read(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_communication_template(path)


def cells_of(xlsx: bytes) -> dict[str, dict[str, tuple[bytes, bytes | None]]]:
    """Per sheet part: ref -> (attributes, inner XML)."""
    z = zipfile.ZipFile(io.BytesIO(xlsx))
    return {n: {m.group(1).decode(): (m.group(2), m.group(3)) for m in _CELL.finditer(z.read(n))}
            for n in z.namelist() if n.startswith("xl/worksheets/sheet")}


@pytest.fixture(scope="session")
def exported(tmp_path_factory, templates_dir) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("exported")
    files = {}
    for name in EXAMPLES:
        src = templates_dir / "official" / name
        details, routes = template_extras(src)
        files[name] = export_communication(read(src), out / name.replace("_FILLED", "_export"), details=details,
                                           routes=routes)
    return files


def test_shipped_blank_is_the_commissions_file():
    # one copy in the repository (tests/data/.../official/ links to it); its sha256 is the Commission file's,
    # recorded independently as the source of the template-derived reference tables
    from cbamcalc import refdata

    digest = hashlib.sha256(SHIPPED.read_bytes()).hexdigest()
    assert digest == BLANK_SHA256 == refdata.table_info("cn_codes")["source_sha256"]
    assert refdata.table_info("cn_codes")["source_file"].endswith("/official/" + BLANK_NAME)


def test_blank_ships_in_the_package_data():
    import tomllib

    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "templates/*.xlsx" in conf["tool"]["setuptools"]["package-data"]["cbamcalc.io"]


def test_a_changed_blank_is_refused(monkeypatch):
    from cbamcalc.errors import ReferenceDataError
    from cbamcalc.io import communication_writer as cw

    cw._blank_bytes.cache_clear()
    monkeypatch.setattr(cw, "BLANK_SHA256", "0" * 64)
    try:
        with pytest.raises(ReferenceDataError, match="sha256 .* differs from the recorded 0000"):
            cw._blank_bytes()
    finally:
        cw._blank_bytes.cache_clear()


@pytest.mark.parametrize("name", EXAMPLES)
def test_reading_the_export_back_gives_the_same_see(exported, templates_dir, name):
    a = run(read(templates_dir / "official" / name))
    b = run(read(exported[name]))
    assert b.template_version == "2.1.1"
    cols = ["see_direct", "see_indirect", "see_total", "default_share", "embedded_electricity"]
    np.testing.assert_allclose(b.products[cols].to_numpy(float), a.products[cols].to_numpy(float), rtol=1e-12)
    assert list(b.products["cn_code"]) == list(a.products["cn_code"])
    assert list(b.processes["name"]) == list(a.processes["name"])


@pytest.mark.parametrize("name", EXAMPLES)
def test_only_input_cells_change_and_formulas_stay(exported, shared_dir, name):
    inputs: dict[str, set[str]] = {}
    with open(shared_dir / "cbam_templates" / "template_v2.1.1_input_cells.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            inputs.setdefault(row["sheet"], set()).add(row["cell"])
    blank = SHIPPED.read_bytes()
    out = exported[name].read_bytes()
    from cbamcalc.io.xlsx_safety import XlsxReader

    part_to_sheet = {v: k for k, v in XlsxReader(SHIPPED).sheet_paths.items()}
    a, b = cells_of(blank), cells_of(out)
    changed = 0
    for part in a:
        assert set(a[part]) == set(b[part]), part  # no cell added or removed
        sheet = part_to_sheet[part]
        for ref, (attrs, inner) in a[part].items():
            attrs_b, inner_b = b[part][ref]
            fa, fb = _F.findall(inner or b""), _F.findall(inner_b or b"")
            assert fa == fb, f"{sheet}!{ref}: formula changed"
            if fa:
                assert b"<v" not in (inner_b or b""), f"{sheet}!{ref}: stale cached result kept"
            elif (attrs, inner) != (attrs_b, inner_b):
                if ref in inputs.get(sheet, set()):
                    changed += 1
                else:  # only a member of an array formula may change: it loses its cached value
                    assert b"<v" in (inner or b"") and b"<v" not in (inner_b or b""), \
                        f"{sheet}!{ref} changed but is not an input cell"
            style_a = re.search(rb'\ss="(\d+)"', attrs)
            style_b = re.search(rb'\ss="(\d+)"', attrs_b)
            assert (style_a and style_a.group(1)) == (style_b and style_b.group(1)), f"{sheet}!{ref}: style"
    assert changed > 20


def test_protection_validations_names_and_recalc_flag(exported):
    blank = zipfile.ZipFile(SHIPPED)
    out = zipfile.ZipFile(exported["EC_v2.1_example3_steel2_EAF_alloys_FILLED.xlsx"])
    assert blank.namelist() == out.namelist()
    for n in blank.namelist():
        a, b = blank.read(n), out.read(n)
        if n.startswith("xl/worksheets/sheet"):
            for pat in (rb"<sheetProtection[^>]*/>", rb"<dataValidations.*?</dataValidations>",
                        rb"<conditionalFormatting.*?</conditionalFormatting>", rb"<extLst>.*?</extLst>",
                        rb"<mergeCells.*?</mergeCells>"):
                assert re.findall(pat, a, re.S) == re.findall(pat, b, re.S), (n, pat[:20])
        elif n == "xl/workbook.xml":
            assert re.search(rb"<definedNames>.*</definedNames>", a, re.S).group(0) == \
                re.search(rb"<definedNames>.*</definedNames>", b, re.S).group(0)
            assert b'fullCalcOnLoad="1"' in b
        elif not n.startswith("xl/worksheets/"):
            assert a == b, n  # styles, shared strings, calc chain, properties: the Commission's bytes


def test_exact_dropdown_strings_and_units():
    p = ProductionProcess(id="P1", category="calcined clays", name="Kiln", production=Q_(2, "kt"),
                          directly_attributable_emissions=Q_(1.5, "ktCO2e"), heat_relevant=True,
                          waste_gases_relevant=False, electricity_consumed=Q_(1000, "kWh"),
                          electricity_ef=Q_(0.475, "kgCO2e/kWh"), electricity_ef_source="D.4(b)")
    s = SourceStream(method="mass_balance", name="Gas", activity_data=Q_(2_000, "Nm3"),
                     carbon_content=Q_(0.5, "tC/kNm3"), emission_factor=Q_(56.1, "kgCO2e/GJ"),
                     biomass_fraction=0.1, oxidation_factor=0.99)
    inst = Installation(name="Plant", country="Thailand", processes=[p], source_streams=[s],
                        goods=[Good("Kiln", "2507 00 80", "clay")])
    c = communication_cells(inst, details={"city": "Rayong"})
    assert c["A_InstData"]["E83"] == "Calcined clays "  # trailing space, as the template's list
    assert c["A_InstData"]["E62"] == "Calcined clays "
    assert c["A_InstData"]["I25"] == "Rayong" and c["A_InstData"]["I26"] == "Thailand"
    b = c["B_EmInst"]
    assert (b["D17"], b["G17"], b["K17"]) == ("Mass Balance", "1000Nm3", "tCO2/TJ")
    assert b["F17"] == pytest.approx(2.0) and b["L17"] == pytest.approx(0.5) and b["J17"] == pytest.approx(56.1)
    assert b["R17"] == pytest.approx(10.0) and b["N17"] == pytest.approx(99.0)  # percentages 0-100
    d = c["D_Processes"]
    assert d["L16"] == pytest.approx(2000.0) and d["L54"] == pytest.approx(1500.0)
    assert d["K50"] is True and d["L50"] is False
    assert d["L65"] == pytest.approx(1.0) and d["L66"] == pytest.approx(0.475) and d["L67"] == "D.4(b)"
    assert c["Summary_Products"]["F10"] == "25070080"


def test_sent_to_slots_skip_the_own_process():
    procs = [ProductionProcess(id=f"P{i}", category="Crude steel", name=f"p{i}", production=Q_(1, "t"))
             for i in (1, 2, 3)]
    procs[2].sent_to = {"p1": Q_(5, "t"), "p2": Q_(7, "t")}
    procs[0].sent_to = {"p3": Q_(3, "t")}
    c = communication_cells(Installation(processes=procs))["D_Processes"]
    # P3 block starts at row 141: slot 1 = P1 (row 162), slot 2 = P2 (163); P1's slot 2 = P3 (row 33)
    assert c["L162"] == 5 and c["L163"] == 7 and c["L33"] == 3


def test_our_example_exports_and_reads_back(tmp_path):
    data = example_input()
    details, routes = extras_from_input(data)
    path = export_communication(data.installation, tmp_path / "thai.xlsx", details=details, routes=routes)
    back = read(path)
    a, b = run(data.installation), run(back)
    np.testing.assert_allclose(b.products[["see_direct", "see_indirect"]].to_numpy(float),
                               a.products[["see_direct", "see_indirect"]].to_numpy(float), rtol=1e-12)
    assert back.name == "Siam Fastener Works (illustrative)" and back.country == "Thailand"
    assert [pp.country for pp in back.purchased_precursors] == ["TH", "JP"]
    from cbamcalc.io.xlsx_safety import XlsxReader

    x = XlsxReader(path)
    assert x.value("A_InstData", "I19") == "บริษัท สยามฟาสเทนเนอร์เวิร์คส์ จำกัด (ข้อมูลสมมติ)"
    assert x.value("C_Emissions&Energy", "H41") == "Data gaps"


def test_template_extras_keep_address_and_routes(templates_dir):
    details, routes = template_extras(templates_dir / "official" / "EC_v2.1_example3_steel2_EAF_alloys_FILLED.xlsx")
    assert routes == {"Crude steel": ["Electric arc furnace"]}
    assert details["city"] and "street" in details
    _, routes7 = template_extras(templates_dir / "official" / "EC_v2.1_example7_hydrogen_2processes_FILLED.xlsx")
    assert routes7 == {"Hydrogen": ["Steam reforming and partial oxidation",
                                    "Chlor-Alkali electrolysis and production of chlorates"]}


def test_refusals(tmp_path, templates_dir):
    src = templates_dir / "official" / "EC_v2.1_example5_fertiliser_FILLED.xlsx"
    inst = read(src)
    with pytest.raises(OutputError, match="refusing to write over the input file"):
        export_communication(inst, src, input_path=src)
    with pytest.raises(OutputError, match="ending in .xlsx"):
        export_communication(inst, tmp_path / "x.xls")
    many = Installation(processes=[ProductionProcess(id=f"P{i}", category="Urea", name=f"p{i}",
                                                     production=Q_(1, "t")) for i in range(11)])
    with pytest.raises(InputError, match="holds at most 10 processes"):
        communication_cells(many)
    bad = Installation(processes=[ProductionProcess(id="P1", category="Steel", name="p", production=Q_(1, "t"),
                                                    cells={"category": "Processes!B4"})])
    with pytest.raises(InputError, match=r"Sheet 'Processes', cell B4 .*aggregated goods category of the template"):
        communication_cells(bad)
    unit = Installation(processes=[ProductionProcess(id="P1", category="Urea", name="p", production=Q_(1, "MWh"),
                                                     cells={"production": "Processes!E4"})])
    with pytest.raises(UnitError, match=r"cell E4 .*convertible to t, found 'megawatt_hour'"):
        communication_cells(unit)
    flow = Installation(processes=[ProductionProcess(id="P1", category="Urea", name="p", production=Q_(1, "t"),
                                                     sent_to={"nowhere": Q_(1, "t")})])
    with pytest.raises(InputError, match="sends output to a process that does not exist"):
        communication_cells(flow)
    assert not list(tmp_path.glob(".cbamcalc-*"))  # no temporary file left behind


def test_recalculation_refusals(tmp_path, monkeypatch):
    from cbamcalc.io import communication_writer as cw

    f = tmp_path / "a.xlsx"
    f.write_bytes(b"x")
    with pytest.raises(OutputError, match="the output folder must differ"):
        cw.recalculate_with_libreoffice([f], tmp_path, soffice="/bin/true")
    monkeypatch.setattr(cw.shutil, "which", lambda name: None)
    with pytest.raises(OutputError, match=r"LibreOffice \(soffice\) is not installed"):
        cw.recalculate_with_libreoffice([f], tmp_path / "out")
    with pytest.raises(OutputError, match="LibreOffice did not convert"):
        cw.recalculate_with_libreoffice([f], tmp_path / "out", soffice="/bin/true")


@pytest.mark.skipif(__import__("os").name != "posix", reason="file modes and umask are POSIX")
def test_the_export_has_the_mode_the_umask_gives(tmp_path):
    # issue 12 item 5: the temporary file's 0o600 must not survive the rename
    import os
    import stat

    data = example_input()
    old = os.umask(0o022)
    try:
        path = export_communication(data.installation, tmp_path / "thai.xlsx")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["thai.xlsx"]  # nothing stray beside it

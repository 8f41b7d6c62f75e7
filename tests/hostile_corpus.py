"""Builds the corpus of broken and hostile inputs of every ``cbamcalc`` command, at test time.

Nothing here is a committed binary: each case starts from a file the project ships (the Thai
example workbook, the trade-flow CSV and scenario file of ``examples/``) or one made from it
(the Communication template filled by ``export-communication``), and breaks it in one way:
a cell, a zip header, an XML part, a CSV line, a TOML key, a command-line flag.

A :class:`Case` builds its files into an empty folder and returns the argument list of
``cbamcalc``; the test (``tests/test_hostile_inputs.py``) runs it and checks the exit status, the
one line on stderr, the location it names, that the inputs are unchanged and that no output
was left behind.

Run ``python tests/hostile_corpus.py OUT_DIR`` to write every case's files into ``OUT_DIR/<id>/``
(with an ``argv.txt``) for trying them by hand.
"""

from __future__ import annotations

import re
import shutil
import struct
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
WB = "plant.xlsx"  # the cbamcalc input workbook of a case
COMM = "comm.xlsx"  # the filled Communication template of a case
FLOWS = "flows.csv"
SCEN = "scen.toml"


@dataclass(frozen=True)
class Case:
    """One hostile input: how to build it, what ``cbamcalc`` must answer.

    ``message`` is a regular expression searched in the single stderr line; it names the
    location (file, sheet and cell, row, or flag) and what was expected or found.
    """

    id: str
    kind: str
    build: Callable[[Path, Path], list[str]]  # (base folder, case folder) -> argv
    message: str
    status: int = 2


# ---------------------------------------------------------------------------- base files


def build_bases(folder: Path) -> Path:
    """Write the valid starting files into ``folder`` (once per session): workbook, template, flows."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(EXAMPLES / "thai_fastener_plant.xlsx", folder / WB)
    shutil.copy(EXAMPLES / "thai_trade_flows_comext.csv", folder / FLOWS)
    shutil.copy(EXAMPLES / "exposure_scenarios.toml", folder / SCEN)
    from cbamcalc.io.communication_writer import export_communication, extras_from_input
    from cbamcalc.io.exporter_workbook import read_input_workbook

    data = read_input_workbook(folder / WB)
    details, routes = extras_from_input(data)
    export_communication(data.installation, folder / COMM, details=details, routes=routes)
    _flows_xlsx(folder / FLOWS, folder / "flows.xlsx")
    return folder


def _flows_xlsx(csv_path: Path, target: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "flows"
    for line in csv_path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        cells = line.split(",")
        ws.append([int(c) if c.isdigit() and len(c) > 4 and not c.startswith("0") and i >= 7 else c
                   for i, c in enumerate(cells)])
    wb.save(target)


# ---------------------------------------------------------------------------- zip and XML tools


def parts(path: Path) -> dict[str, bytes]:
    """The parts of a zip package, in order."""
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def write_parts(path: Path, content: dict[str, bytes], *, stored: bool = False) -> None:
    comp = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w", comp) as z:
        for name, data in content.items():
            z.writestr(name, data)


def sheet_part(path: Path, sheet: str) -> str:
    from cbamcalc.io.xlsx_safety import XlsxReader

    return XlsxReader(path).sheet_paths[sheet]


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def num(v: object) -> str:
    """Inner XML of a number cell (``v`` written as is, e.g. ``inf`` or ``1e999``)."""
    return f"<v>{v}</v>"


def text(s: str) -> tuple[str, str]:
    """Attributes and inner XML of an inline-string cell."""
    return ' t="inlineStr"', f"<is><t>{_esc(s)}</t></is>"


def set_cell(xml: bytes, ref: str, inner: str | tuple[str, str], attrs: str = "") -> bytes:
    """Replace (or add) cell ``ref`` of a worksheet part with ``<c r=ref attrs>inner</c>``."""
    if isinstance(inner, tuple):
        attrs, inner = inner
    new = f'<c r="{ref}"{attrs}>{inner}</c>'.encode()
    pat = re.compile(rb'<c r="' + ref.encode() + rb'"(?:[^>]*?/>|[^>]*?>.*?</c>)', re.S)
    if pat.search(xml):
        return pat.sub(lambda m: new, xml, count=1)
    row = re.sub(r"[A-Z]+", "", ref)
    rpat = re.compile(rb'(<row r="' + row.encode() + rb'"[^>]*?)(/>|>(.*?)</row>)', re.S)
    m = rpat.search(xml)
    if m:
        body = m.group(3) or b""
        return xml[:m.start()] + m.group(1) + b">" + body + new + b"</row>" + xml[m.end():]
    return xml.replace(b"</sheetData>", b'<row r="' + row.encode() + b'">' + new + b"</row></sheetData>", 1)


def edit_sheet(base: Path, target: Path, sheet: str, edit: Callable[[bytes], bytes]) -> None:
    """Copy workbook ``base`` to ``target`` with ``edit`` applied to the XML of ``sheet``."""
    name = sheet_part(base, sheet)
    content = parts(base)
    content[name] = edit(content[name])
    write_parts(target, content)


def cells(base: Path, target: Path, sheet: str, **by_ref: str | tuple[str, str]) -> None:
    def edit(xml: bytes) -> bytes:
        for ref, inner in by_ref.items():
            xml = set_cell(xml, ref, inner)
        return xml

    edit_sheet(base, target, sheet, edit)


def patch_sizes(path: Path, name: str, *, file_size: int | None = None, crc: int | None = None,
                method: int | None = None, flags: int | None = None) -> None:
    """Overwrite the declared uncompressed size, CRC, method or flags of one part (both headers)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(name)
    lh = info.header_offset
    cd = pos = 0  # the central directory entry of this part
    while True:
        pos = data.find(b"PK\x01\x02", pos)
        if pos < 0:
            raise KeyError(name)
        n_len = struct.unpack_from("<H", data, pos + 28)[0]
        if bytes(data[pos + 46:pos + 46 + n_len]) == info.orig_filename.encode():
            cd = pos
            break
        pos += 4
    for off_hdr, base in ((lh, 0), (cd, 2)):  # central header fields sit 2 bytes later
        if flags is not None:
            struct.pack_into("<H", data, off_hdr + 6 + base, flags)
        if method is not None:
            struct.pack_into("<H", data, off_hdr + 8 + base, method)
        if crc is not None:
            struct.pack_into("<I", data, off_hdr + 14 + base, crc)
        if file_size is not None:
            struct.pack_into("<I", data, off_hdr + 22 + base, file_size)
    path.write_bytes(bytes(data))


# ---------------------------------------------------------------------------- case builders


def _wb(fn: Callable[[Path, Path], None]) -> Callable[[Path, Path], list[str]]:
    """A ``run`` case on a changed copy of the input workbook."""
    def build(base: Path, d: Path) -> list[str]:
        fn(base / WB, d / WB)
        return ["run", WB]
    return build


def _cells_case(sheet: str, **by_ref: str | tuple[str, str]) -> Callable[[Path, Path], list[str]]:
    return _wb(lambda src, dst: cells(src, dst, sheet, **by_ref))


def _comm_cells(sheet: str, **by_ref: str | tuple[str, str]) -> Callable[[Path, Path], list[str]]:
    def build(base: Path, d: Path) -> list[str]:
        cells(base / COMM, d / COMM, sheet, **by_ref)
        return ["run", COMM]
    return build


def _argv(*argv: str, copy: tuple[str, ...] = (WB,)) -> Callable[[Path, Path], list[str]]:
    """A case of command-line arguments over unchanged copies of the base files."""
    def build(base: Path, d: Path) -> list[str]:
        for name in copy:
            shutil.copy(base / name, d / name)
        return list(argv)
    return build


def _write(name: str, content: bytes | str, *argv: str, copy: tuple[str, ...] = ()) -> Callable[[Path, Path],
                                                                                                 list[str]]:
    def build(base: Path, d: Path) -> list[str]:
        for c in copy:
            shutil.copy(base / c, d / c)
        (d / name).write_bytes(content.encode() if isinstance(content, str) else content)
        return list(argv)
    return build


def _zip_case(fn: Callable[[dict[str, bytes]], dict[str, bytes]], *, stored: bool = False,
              after: Callable[[Path], None] | None = None, src: str = WB,
              argv: tuple[str, ...] = ("run", WB)) -> Callable[[Path, Path], list[str]]:
    def build(base: Path, d: Path) -> list[str]:
        content = fn(parts(base / src))
        target = d / argv[1]
        write_parts(target, content, stored=stored)
        if after is not None:
            after(target)
        return list(argv)
    return build


def _flows(fn: Callable[[str], str], *extra: str) -> Callable[[Path, Path], list[str]]:
    def build(base: Path, d: Path) -> list[str]:
        (d / FLOWS).write_text(fn((base / FLOWS).read_text(encoding="utf-8")), encoding="utf-8")
        shutil.copy(base / SCEN, d / SCEN)
        return ["exposure", FLOWS, "--scenarios", SCEN, "--draws", "0", *extra]
    return build


def _scen(fn: Callable[[str], str], *extra: str) -> Callable[[Path, Path], list[str]]:
    def build(base: Path, d: Path) -> list[str]:
        shutil.copy(base / FLOWS, d / FLOWS)
        (d / SCEN).write_text(fn((base / SCEN).read_text(encoding="utf-8")), encoding="utf-8")
        return ["exposure", FLOWS, "--scenarios", SCEN, "--draws", "0", *extra]
    return build


def _first_data_line(text_: str, fn: Callable[[list[str]], list[str]]) -> str:
    lines = text_.splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("NL,TH"))
    lines[i] = ",".join(fn(lines[i].split(",")))
    return "\n".join(lines) + "\n"


def _col(idx: int, value: str) -> Callable[[str], str]:
    def fn(t: str) -> str:
        def change(c: list[str]) -> list[str]:
            c[idx] = value
            return c
        return _first_data_line(t, change)
    return fn


def _sub(old: str, new: str) -> Callable[[str], str]:
    def fn(t: str) -> str:
        assert old in t, old
        return t.replace(old, new, 1)
    return fn


# where messages point in the input workbook
def _at(sheet: str, cell: str) -> str:
    return re.escape(f"File '{WB}', sheet '{sheet}', cell {cell}")


def _at_comm(sheet: str, cell: str) -> str:
    return re.escape(f"File '{COMM}', sheet '{sheet}', cell {cell}")


# ---------------------------------------------------------------------------- the cases


def _value_cases() -> list[Case]:
    """Bad numbers in the cells of the input workbook: non-finite, out of range, wrong type."""
    out: list[Case] = []
    # (sheet, cell, label, may be negative)
    numeric = [
        ("Source streams", "C4", "activity", True),
        ("Source streams", "E4", "net calorific value", False),
        ("Source streams", "G4", "emission factor", False),
        ("Processes", "E4", "production", False),
        ("Processes", "K4", "directly attributable", False),
        ("Electricity & heat", "B4", "electricity consumed", False),
        ("Electricity & heat", "D4", "emission factor", False),
        ("Purchased precursors", "E4", "purchased", False),
        ("Purchased precursors", "I4", "direct", False),
        ("Purchased precursors", "L4", "electricity", False),
        ("Precursor flows", "C4", "amount", False),
        ("Goods & exports", "E4", "2026", False),
    ]
    for sheet, ref, _label, negative_ok in numeric:
        tag = re.sub(r"\W+", "_", sheet.lower()).strip("_") + "_" + ref
        for name, v in (("inf", "inf"), ("neginf", "-inf"), ("nan", "nan"), ("1e999", "1e999"),
                        ("1e308", "1e308")):
            out.append(Case(f"value_{name}_{tag}", "value: not finite or absurd", _cells_case(sheet, **{ref: num(v)}),
                            _at(sheet, ref) + r".*(finite|at most)"))
        if not negative_ok:
            out.append(Case(f"value_negative_{tag}", "value: out of physical range",
                            _cells_case(sheet, **{ref: num(-5)}), _at(sheet, ref) + r".*(0 or more|>= 0)"))
        out.append(Case(f"value_text_{tag}", "value: wrong type", _cells_case(sheet, **{ref: text("twelve")}),
                        _at(sheet, ref) + r".*expected (a number|a quantity).*found 'twelve'"))
    # percentages: 0-100
    for ref in ("K4", "L4", "M4"):  # oxidation, conversion, biomass
        out.append(Case(f"value_percent_over_{ref}", "value: out of physical range",
                        _cells_case("Source streams", **{ref: num(150)}),
                        _at("Source streams", ref) + r".*0 or more and at most 100"))
        out.append(Case(f"value_percent_negative_{ref}", "value: out of physical range",
                        _cells_case("Source streams", **{ref: num(-1)}),
                        _at("Source streams", ref) + r".*(0 or more|between 0 and 100)"))
    out.append(Case("value_bool_in_number", "value: wrong type",
                    _cells_case("Processes", E4=(' t="b"', "<v>1</v>")), _at("Processes", "E4") + ".*a number"))
    out.append(Case("value_excel_error", "value: wrong type",
                    _cells_case("Processes", E4=(' t="e"', "<v>#DIV/0!</v>")), _at("Processes", "E4") + ".*Excel error"))
    out.append(Case("value_date_garbage", "value: wrong type",
                    _cells_case("Installation", C14=text("the first of May")), _at("Installation", "C14") + ".*date"))
    out.append(Case("value_date_huge_serial", "value: out of physical range",
                    _cells_case("Installation", C14=num(9e12)), _at("Installation", "C14") + ".*date"))
    out.append(Case("value_period_reversed", "value: out of physical range",
                    _cells_case("Installation", C14=num(46100)), r"Installation.*(ends before it starts|C1[45])"))
    out.append(Case("value_country_unknown", "value: wrong type",
                    _cells_case("Installation", C10=text("Atlantis")), _at("Installation", "C10")))
    out.append(Case("value_cn_not_cbam", "value: wrong type",
                    _cells_case("Goods & exports", B4=text("01012100")), _at("Goods & exports", "B4")))
    out.append(Case("value_cn_garbage", "value: wrong type",
                    _cells_case("Goods & exports", B4=text("73;18")), _at("Goods & exports", "B4")))
    out.append(Case("value_choice_unknown", "value: wrong type",
                    _cells_case("Source streams", A4=text("Burning")), _at("Source streams", "A4") + ".*drop-down"))
    out.append(Case("value_mandatory_empty", "value: missing",
                    _cells_case("Processes", E4=""), _at("Processes", "E4") + ".*mandatory"))
    out.append(Case("value_flow_unknown_process", "value: wrong reference",
                    _cells_case("Precursor flows", B4=text("No such process")), _at("Precursor flows", "B4")))
    out.append(Case("value_precursor_overconsumed", "value: out of physical range",
                    _cells_case("Precursor flows", C6=num(5000)), _at("Precursor flows", "C6") + ".*purchased"))
    out.append(Case("value_carbon_content_over_one", "value: out of physical range",
                    _cells_case("Source streams", A5=text("Mass Balance"), I5=num(1.5), J5=text("tC/t")),
                    _at("Source streams", "I5") + ".*at most 1 tC/t"))
    out.append(Case("value_precursor_loop", "value: engine refusal in the user's sheet", _wb(_loop),
                    r"File 'plant\.xlsx', sheet 'Precursor flows' .*precursor loop"))
    out.append(Case("value_indirect_negative", "value: out of physical range",
                    _cells_case("Installation", C19=num(-10), D19=text("tCO2e")), _at("Installation", "C19")))
    return out


def _loop(src: Path, dst: Path) -> None:
    """Each process sends all its production to the other: a loop the engine refuses (naming D_Processes)."""
    mid = dst.with_name("mid_" + dst.name)
    cells(src, mid, "Precursor flows", A7=text("Bolt and screw forming"), B7=text("Nut forming and tapping"),
          C7=num(18000), D7=text("t"), A8=text("Nut forming and tapping"), B8=text("Bolt and screw forming"),
          C8=num(6000), D8=text("t"))
    cells(mid, dst, "Processes", G4=num(0), G5=num(0))
    mid.unlink()


def _unit_cases() -> list[Case]:
    out = []
    for sheet, ref, found in (("Source streams", "D4", "kWh"), ("Source streams", "F4", "kg"),
                              ("Source streams", "H4", "furlong"), ("Processes", "F4", "tCO2e"),
                              ("Electricity & heat", "C4", "t"), ("Electricity & heat", "E4", "GJ/t"),
                              ("Purchased precursors", "J4", "MWh"), ("Precursor flows", "D4", "m"),
                              ("Goods & exports", "D4", "MWh")):
        out.append(Case(f"unit_{re.sub(r'W+', '_', sheet.lower()).replace(' ', '_').replace('&', '')}_{ref}",
                        "unit: wrong dimension or unknown", _cells_case(sheet, **{ref: text(found)}),
                        _at(sheet, ref) + r".*expected a unit.*found '" + re.escape(found) + "'"))
    out.append(Case("unit_missing", "unit: missing", _cells_case("Processes", F4=""),
                    _at("Processes", "F4") + ".*unit"))
    out.append(Case("unit_expression_attack", "unit: wrong dimension or unknown",
                    _cells_case("Processes", F4=text("t**99999999999")), _at("Processes", "F4") + ".*unit"))
    out.append(Case("unit_python_expression", "unit: wrong dimension or unknown",
                    _cells_case("Processes", F4=text("__import__('os')")), _at("Processes", "F4") + ".*unit"))
    return out


def _formula_cases() -> list[Case]:
    deep = "(" * 5000 + "1" + ")" * 5000
    chain = "-" * 20000 + "1"
    return [
        Case("formula_deep_parentheses", "formula: hostile", _cells_case("Processes", E4=f"<f>{deep}</f>"),
             _at("Processes", "E4") + ".*formula"),
        Case("formula_deep_unary", "formula: hostile", _cells_case("Processes", E4=f"<f>{chain}</f>"),
             _at("Processes", "E4") + ".*formula"),
        Case("formula_overflow_power", "formula: hostile", _cells_case("Processes", E4="<f>10^400</f>"),
             _at("Processes", "E4") + ".*(finite|formula|at most)"),
        Case("formula_overflow_product", "formula: hostile", _cells_case("Processes", E4="<f>1E300*1E300</f>"),
             _at("Processes", "E4") + ".*(finite|at most)"),
        Case("formula_function", "formula: hostile", _cells_case("Processes", E4="<f>SUM(A1:A9)</f>"),
             _at("Processes", "E4") + ".*formula"),
        Case("formula_circular", "formula: hostile", _cells_case("Processes", E4="<f>E4*2</f>"),
             _at("Processes", "E4") + ".*circular"),
        Case("formula_external_link", "formula: hostile",
             _cells_case("Processes", E4="<f>[1]Sheet1!A1</f>"), _at("Processes", "E4") + ".*formula"),
        Case("formula_div_zero", "formula: hostile", _cells_case("Processes", E4="<f>1/0</f>"),
             _at("Processes", "E4") + ".*division by zero"),
        Case("formula_long_text", "formula: hostile", _cells_case("Processes", E4="<f>" + "1+" * 50000 + "1</f>"),
             _at("Processes", "E4")),
    ]


def _shared_string_cases() -> list[Case]:
    return [
        Case("sst_index_not_number", "xml: malformed", _cells_case("Processes", A4=(' t="s"', "<v>abc</v>")),
             _at("Processes", "A4") + ".*shared string"),
        Case("sst_index_negative", "xml: malformed", _cells_case("Processes", A4=(' t="s"', "<v>-1</v>")),
             _at("Processes", "A4") + ".*shared string"),
        Case("sst_index_too_large", "xml: malformed", _cells_case("Processes", A4=(' t="s"', "<v>999999</v>")),
             _at("Processes", "A4") + ".*shared string"),
        Case("sst_index_fraction", "xml: malformed", _cells_case("Processes", A4=(' t="s"', "<v>1.5</v>")),
             _at("Processes", "A4") + ".*shared string"),
    ]


def _xml_cases() -> list[Case]:
    def truncate(fraction: float, sheet: str = "Processes") -> Callable[[Path, Path], list[str]]:
        return _wb(lambda src, dst: edit_sheet(src, dst, sheet, lambda x: x[:int(len(x) * fraction)]))

    def deep_rows(src: Path, dst: Path) -> None:
        edit_sheet(src, dst, "Processes", lambda x: x.replace(b"</sheetData>",
                                                              b"<x>" * 100000 + b"</x>" * 100000 + b"</sheetData>"))

    def dtd(src: Path, dst: Path) -> None:
        edit_sheet(src, dst, "Processes", lambda x: b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + x)

    def entity_wb(c: dict[str, bytes]) -> dict[str, bytes]:
        body = re.sub(rb"^<\?xml[^>]*\?>", b"", c["xl/workbook.xml"])
        c["xl/workbook.xml"] = b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + body
        return c

    def bad_wb_xml(c: dict[str, bytes]) -> dict[str, bytes]:
        c["xl/workbook.xml"] = c["xl/workbook.xml"][:200]
        return c

    def deep_wb_xml(c: dict[str, bytes]) -> dict[str, bytes]:
        c["xl/workbook.xml"] = c["xl/workbook.xml"].replace(b"</workbook>", b"<a>" * 50000 + b"</a>" * 50000
                                                            + b"</workbook>")
        return c

    def no_sheet(c: dict[str, bytes]) -> dict[str, bytes]:
        c["xl/workbook.xml"] = re.sub(rb'<sheet name="Processes"[^>]*/>', b"", c["xl/workbook.xml"])
        return c

    def missing_part(c: dict[str, bytes]) -> dict[str, bytes]:
        del c["xl/worksheets/sheet5.xml"]
        return c

    def rel_escape(c: dict[str, bytes]) -> dict[str, bytes]:
        c["xl/_rels/workbook.xml.rels"] = c["xl/_rels/workbook.xml.rels"].replace(
            b'Target="/xl/worksheets/sheet5.xml"', b'Target="../../../../etc/passwd"').replace(
            b'Target="worksheets/sheet5.xml"', b'Target="../../../../etc/passwd"')
        return c

    def key_row(src: Path, dst: Path) -> None:
        cells(src, dst, "Processes", E1=text("produktion"))

    def huge_ref(src: Path, dst: Path) -> None:
        cells(src, dst, "Processes", XFD1048576=num(1))

    return [
        Case("xml_truncated_sheet_90", "xml: truncated", truncate(0.9), r"File 'plant\.xlsx'.*Processes.*(truncated|XML)"),
        Case("xml_truncated_sheet_50", "xml: truncated", truncate(0.5), r"File 'plant\.xlsx'.*Processes.*(truncated|XML)"),
        Case("xml_truncated_sources_95", "xml: truncated", truncate(0.95, "Source streams"),
             r"File 'plant\.xlsx'.*Source streams.*(truncated|XML)"),
        Case("xml_deep_nesting_sheet", "xml: junk ignored", _wb(deep_rows), "", 0),
        Case("xml_dtd_in_sheet", "xml: hostile", _wb(dtd), r"File 'plant\.xlsx'.*DTD"),
        Case("xml_external_entity", "xml: hostile", _zip_case(entity_wb), r"File 'plant\.xlsx'.*DTD"),
        Case("xml_workbook_cut", "xml: malformed", _zip_case(bad_wb_xml), r"File 'plant\.xlsx'.*workbook\.xml.*XML"),
        Case("xml_workbook_deep", "xml: hostile", _zip_case(deep_wb_xml), r"File 'plant\.xlsx'.*workbook\.xml"),
        Case("xml_sheet_missing", "structure: missing part", _zip_case(no_sheet),
             r"File 'plant\.xlsx'.*(Processes|cbamcalc input workbook|Communication)"),
        Case("xml_part_missing", "structure: missing part", _zip_case(missing_part),
             r"File 'plant\.xlsx'.*sheet5\.xml"),
        Case("xml_rel_escapes_package", "structure: missing part", _zip_case(rel_escape), r"File 'plant\.xlsx'"),
        Case("xml_key_row_changed", "structure: layout changed", _wb(key_row), _at("Processes", "A1") + ".*key row"),
        Case("xml_far_cell", "structure: dimensions", _wb(huge_ref), "", 0),
    ]


def _flip(part: str, masks: dict[int, int]) -> Callable[[Path], None]:
    """XOR the bytes of ``part``'s data at the given offsets (past its local header) with their masks."""
    def flip(target: Path) -> None:
        with zipfile.ZipFile(target) as z:
            info = z.getinfo(part)
        data = bytearray(target.read_bytes())
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        for k, mask in masks.items():
            data[start + k] ^= mask
        target.write_bytes(bytes(data))
    return flip


def _bomb(part: str) -> Callable[[dict[str, bytes]], dict[str, bytes]]:
    """``part`` padded with 80 MiB of spaces before its closing tag (a decompression bomb)."""
    def bomb(c: dict[str, bytes]) -> dict[str, bytes]:
        c[part] = c[part].replace(b"</worksheet>", b" " * (80 * 1024 * 1024) + b"</worksheet>")
        return c
    return bomb


def _patched(part: str, **fields: int) -> Callable[[Path], None]:
    """The archive's headers of ``part`` rewritten by :func:`patch_sizes` with ``fields``."""
    def patch(target: Path) -> None:
        patch_sizes(target, part, **fields)
    return patch


def _archive_cases() -> list[Case]:
    part = "xl/worksheets/sheet5.xml"
    flip_stored = _flip(part, {500: 0x01})
    flip_deflated = _flip(part, dict.fromkeys(range(40, 60), 0x55))

    def same(c: dict[str, bytes]) -> dict[str, bytes]:
        return c

    bomb = _bomb(part)
    lie_small = _patched(part, file_size=100)
    lie_large = _patched(part, file_size=3_000_000_000)
    lie_crc = _patched(part, crc=0x12345678)
    method99 = _patched(part, method=99)
    encrypted = _patched(part, flags=1)

    def cut_archive(base: Path, d: Path) -> list[str]:
        data = (base / WB).read_bytes()
        (d / WB).write_bytes(data[: len(data) // 2])
        return ["run", WB]

    def cut_end(base: Path, d: Path) -> list[str]:
        data = (base / WB).read_bytes()
        (d / WB).write_bytes(data[:-10])
        return ["run", WB]

    def many_parts(c: dict[str, bytes]) -> dict[str, bytes]:
        for k in range(12000):
            c[f"junk/{k}.bin"] = b""
        return c

    return [
        Case("zip_crc_stored", "archive: corrupt", _zip_case(same, stored=True, after=flip_stored),
             r"File 'plant\.xlsx'.*(CRC|corrupt|damaged)"),
        Case("zip_deflate_garbage", "archive: corrupt", _zip_case(same, after=flip_deflated),
             r"File 'plant\.xlsx'.*(CRC|corrupt|damaged)"),
        Case("zip_declared_size_small", "archive: size lies", _zip_case(same, after=lie_small),
             r"File 'plant\.xlsx'.*(CRC|corrupt|damaged|size)"),
        Case("zip_declared_size_huge", "archive: size lies", _zip_case(same, after=lie_large),
             r"File 'plant\.xlsx'.*(too large|at most)"),
        Case("zip_crc_header", "archive: corrupt", _zip_case(same, after=lie_crc),
             r"File 'plant\.xlsx'.*(CRC|corrupt|damaged)"),
        Case("zip_method_unknown", "archive: corrupt", _zip_case(same, after=method99),
             r"File 'plant\.xlsx'.*(compress|corrupt|damaged)"),
        Case("zip_encrypted_part", "archive: corrupt", _zip_case(same, after=encrypted),
             r"File 'plant\.xlsx'.*(encrypt|corrupt|damaged)"),
        Case("zip_bomb_part", "archive: bomb", _zip_case(bomb), r"File 'plant\.xlsx'.*(too large|at most)"),
        Case("zip_truncated_half", "archive: corrupt", cut_archive, r"File 'plant\.xlsx'.*(xlsx|ZIP|zip)"),
        Case("zip_truncated_end", "archive: corrupt", cut_end, r"File 'plant\.xlsx'.*(xlsx|ZIP|zip)"),
        Case("zip_many_parts", "archive: hostile", _zip_case(many_parts), r"File 'plant\.xlsx'.*parts"),
        Case("file_empty", "file: not a workbook", _write(WB, b"", "run", WB), r"File 'plant\.xlsx'.*empty"),
        Case("file_text", "file: not a workbook", _write(WB, "name,value\n", "run", WB),
             r"File 'plant\.xlsx'.*not an \.xlsx"),
        Case("file_xls_magic", "file: not a workbook", _write(WB, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
                                                            "run", WB), r"File 'plant\.xlsx'.*not an \.xlsx"),
        Case("file_missing", "file: not a workbook", _argv("run", "nothere.xlsx", copy=()),
             r"File 'nothere\.xlsx'.*(No such file|readable)"),
        # a folder is a batch of its .xlsx files (issue 12 item 4); one without any is refused in one line
        Case("file_is_directory", "file: not a workbook", _argv("run", ".", copy=()),
             r"Field 'FILE': no \.xlsx file to compute.*found '\.'"),
        Case("file_zip_not_office", "file: not a workbook",
             _zip_case(lambda c: {"readme.txt": b"hello"}), r"File 'plant\.xlsx'.*(spreadsheet|workbook)"),
    ]


def _comm_cases() -> list[Case]:
    return [
        Case("comm_version_unknown", "template: version", _comm_cells("VersionDocumentation", B3=num(46000)),
             _at_comm("VersionDocumentation", "B3") + ".*unknown version"),
        Case("comm_version_name_unknown", "template: version",
             _comm_cells("VersionDocumentation", B2=text("CBAM communication SEE Version 3")),
             _at_comm("VersionDocumentation", "B2") + ".*unknown version.*Version 3"),
        Case("comm_type_wrong", "template: version", _comm_cells("VersionDocumentation", B2=text("Something else")),
             _at_comm("VersionDocumentation", "B2")),
        Case("comm_activity_inf", "value: not finite or absurd", _comm_cells("B_EmInst", F17=num("inf")),
             _at_comm("B_EmInst", "F17") + ".*finite"),
        Case("comm_activity_nan", "value: not finite or absurd", _comm_cells("B_EmInst", F17=num("nan")),
             _at_comm("B_EmInst", "F17") + ".*finite"),
        Case("comm_activity_1e308", "value: not finite or absurd", _comm_cells("B_EmInst", F17=num("1e308")),
             _at_comm("B_EmInst", "F17") + ".*at most"),
        Case("comm_ncv_negative", "value: out of physical range", _comm_cells("B_EmInst", H17=num(-36)),
             _at_comm("B_EmInst", "H17")),
        Case("comm_oxidation_over", "value: out of physical range", _comm_cells("B_EmInst", N17=num(150)),
             _at_comm("B_EmInst", "N17")),
        Case("comm_biomass_over", "value: out of physical range", _comm_cells("B_EmInst", R17=num(101)),
             _at_comm("B_EmInst", "R17")),
        Case("comm_indirect_negative", "value: out of physical range",
             _comm_cells("C_Emissions&Energy", M26=num(-1)), _at_comm("C_Emissions&Energy", "M26")),
        Case("comm_electricity_inf", "value: not finite or absurd", _comm_cells("D_Processes", L65=num("inf")),
             _at_comm("D_Processes", "L65")),
        Case("comm_production_text", "value: wrong type", _comm_cells("D_Processes", L16=text("lots")),
             _at_comm("D_Processes", "L16")),
        Case("comm_see_negative", "value: out of physical range", _comm_cells("E_PurchPrec", L49=num(-0.5)),
             _at_comm("E_PurchPrec", "L49")),
        Case("comm_sst_bad", "xml: malformed", _comm_cells("D_Processes", L16=(' t="s"', "<v>x</v>")),
             _at_comm("D_Processes", "L16") + ".*shared string"),
        Case("comm_deep_formula", "formula: hostile",
             _comm_cells("D_Processes", L16="<f>" + "(" * 3000 + "1" + ")" * 3000 + "</f>"),
             _at_comm("D_Processes", "L16") + ".*formula"),
    ]


def _run_flag_cases() -> list[Case]:
    return [
        Case("run_price_inf", "flag: out of range", _argv("run", WB, "--price", "inf"), r"--price.*finite"),
        Case("run_price_nan", "flag: out of range", _argv("run", WB, "--price", "nan"), r"--price.*finite"),
        Case("run_price_negative", "flag: out of range", _argv("run", WB, "--price", "-3"), r"--price.*0 or more"),
        Case("run_price_text", "flag: wrong type", _argv("run", WB, "--price", "cheap"), r"--price.*'cheap'"),
        Case("run_eur_thb_zero", "flag: out of range", _argv("run", WB, "--eur-thb", "0"), r"--eur-thb.*more than 0"),
        Case("run_eur_thb_inf", "flag: out of range", _argv("run", WB, "--eur-thb", "inf"), r"--eur-thb.*finite"),
        Case("run_lang_unknown", "flag: wrong type", _argv("run", WB, "--lang", "de"), r"--lang.*'de'"),
        Case("run_unknown_flag", "flag: wrong type", _argv("run", WB, "--frobnicate"), r"--frobnicate"),
        Case("run_no_file", "flag: missing", _argv("run"), r"FILE"),
        Case("run_out_is_input", "output: refused", _argv("run", WB, "--out", WB), r"--out.*input"),
        Case("run_out_missing_dir", "output: refused", _argv("run", WB, "--out", "nodir/results.xlsx"),
             r"--out.*nodir"),
        Case("run_out_name_too_long", "output: refused", _argv("run", WB, "--out", "r" * 300 + ".xlsx"),
             r"--out.*(too long|name)"),
        Case("run_out_is_directory", "output: refused", _argv("run", WB, "--out", "."), r"--out"),
        Case("run_file_newline_name", "message: escaping", _argv("run", "bad\nname.xlsx", copy=()),
             r"bad\\nname\.xlsx"),
        Case("run_file_escape_codes", "message: escaping", _argv("run", "\x1b[31mred.xlsx", copy=()),
             r"\\x1b\[31mred\.xlsx"),
        Case("run_control_char_product", "output: text the workbook cannot store",
             _cells_case_argv("Goods & exports", ["--out", "res.xlsx"], C4=text("Bolt\x01\x0bM12")),
             _at("Goods & exports", "C4") + ".*control character", 2),
        Case("run_control_char_file_name", "output: text the workbook cannot store", _ctrl_name, "", 0),
        Case("run_control_char_process", "output: text the workbook cannot store",
             _cells_case_argv("Processes", ["--out", "res.xlsx"], A4=text("Forming\x07")),
             _at("Processes", "A4") + ".*control character", 2),
    ]


def _ctrl_name(base: Path, d: Path) -> list[str]:
    """An input whose file name holds a control character: the results workbook still stores it (escaped)."""
    name = "pl\x01ant.xlsx"
    shutil.copy(base / WB, d / name)
    return ["run", name, "--out", "res.xlsx"]


def _cells_case_argv(sheet: str, extra: list[str], **by_ref: str | tuple[str, str]) -> Callable[[Path, Path],
                                                                                                list[str]]:
    def build(base: Path, d: Path) -> list[str]:
        cells(base / WB, d / WB, sheet, **by_ref)
        return ["run", WB, *extra]
    return build


def _template_cases() -> list[Case]:
    return [
        Case("template_exists", "output: refused", _argv("template", "new", WB), r"plant\.xlsx exists"),
        Case("template_missing_dir", "output: refused", _argv("template", "new", "nodir/x.xlsx", copy=()),
             r"nodir"),
        Case("template_name_too_long", "output: refused", _argv("template", "new", "t" * 300 + ".xlsx", copy=()),
             r"(too long|name)"),
        Case("template_is_directory", "output: refused", _argv("template", "new", ".", "--force", copy=()),
             r"PATH \.: is a folder"),
        Case("template_lang_bad", "flag: wrong type", _argv("template", "new", "x.xlsx", "--lang", "fr", copy=()),
             r"--lang.*'fr'"),
        Case("template_no_action", "flag: missing", _argv("template", copy=()), r"ACTION|action"),
        Case("template_newline_path", "message: escaping", _argv("template", "new", "a\nb/x.xlsx", copy=()),
             r"a\\nb"),
    ]


def _export_cases() -> list[Case]:
    def bad_input(base: Path, d: Path) -> list[str]:
        cells(base / WB, d / WB, "Processes", E4=num("inf"))
        return ["export-communication", WB, "--out", "filled.xlsx"]

    def crc(base: Path, d: Path) -> list[str]:
        content = parts(base / WB)
        write_parts(d / WB, content)
        patch_sizes(d / WB, "xl/worksheets/sheet5.xml", crc=1)
        return ["export-communication", WB, "--out", "filled.xlsx"]

    return [
        Case("export_out_is_input", "output: refused", _argv("export-communication", WB, "--out", WB),
             r"--out.*input"),
        Case("export_out_missing_dir", "output: refused",
             _argv("export-communication", WB, "--out", "nodir/f.xlsx"), r"--out.*nodir"),
        Case("export_out_too_long", "output: refused",
             _argv("export-communication", WB, "--out", "f" * 300 + ".xlsx"), r"--out.*(too long|name)"),
        Case("export_out_directory", "output: refused", _argv("export-communication", WB, "--out", "."),
             r"--out"),
        Case("export_no_out", "flag: missing", _argv("export-communication", WB), r"--out"),
        Case("export_bad_value", "value: not finite or absurd", bad_input, _at("Processes", "E4") + ".*finite"),
        Case("export_bad_crc", "archive: corrupt", crc, r"File 'plant\.xlsx'.*(CRC|corrupt|damaged)"),
        Case("export_missing_input", "file: not a workbook",
             _argv("export-communication", "none.xlsx", "--out", "f.xlsx", copy=()), r"none\.xlsx"),
        Case("export_control_char", "output: text the workbook cannot store",
             _export_ctrl, _at("Goods & exports", "C4") + ".*control character"),
    ]


def _export_ctrl(base: Path, d: Path) -> list[str]:
    cells(base / WB, d / WB, "Goods & exports", C4=text("Hex\x1fbolt"))
    return ["export-communication", WB, "--out", "filled.xlsx"]


def _flows_cases() -> list[Case]:
    loc = r"File 'flows\.csv', row 12"
    out = [
        Case("flows_mass_inf", "value: not finite or absurd", _flows(_col(8, "inf")), loc + r".*QUANTITY_KG.*finite"),
        Case("flows_mass_nan", "value: not finite or absurd", _flows(_col(8, "nan")), loc + r".*QUANTITY_KG"),
        Case("flows_mass_1e308", "value: not finite or absurd", _flows(_col(8, "1e308")),
             loc + r".*QUANTITY_KG.*at most"),
        Case("flows_mass_negative", "value: out of physical range", _flows(_col(8, "-5")), loc + r".*QUANTITY_KG"),
        Case("flows_mass_text", "value: wrong type", _flows(_col(8, "heavy")), loc + r".*QUANTITY_KG.*'heavy'"),
        Case("flows_mass_empty", "value: missing", _flows(_col(8, "")), loc + r".*QUANTITY_KG"),
        Case("flows_value_inf", "value: not finite or absurd", _flows(_col(7, "inf")), loc + r".*VALUE_EUR.*finite"),
        Case("flows_value_negative", "value: out of physical range", _flows(_col(7, "-1")), loc + r".*VALUE_EUR"),
        Case("flows_cn_bad", "value: wrong type", _flows(_col(3, "7208")), loc + r".*PRODUCT_NC"),
        Case("flows_cn_not_cbam", "value: wrong type", _flows(_col(3, "01012100")), loc + r".*PRODUCT_NC"),
        Case("flows_period_bad", "value: wrong type", _flows(_col(6, "2024-13")), loc + r".*PERIOD"),
        Case("flows_period_far", "value: out of physical range", _flows(_col(6, "999952")), loc + r".*PERIOD"),
        Case("flows_partner_unknown", "value: wrong type", _flows(_col(1, "ZZ")), loc + r".*PARTNER"),
        Case("flows_missing_column", "structure: layout changed", _flows(_sub("QUANTITY_KG", "QTY")),
             r"File 'flows\.csv'.*(missing column|QUANTITY)"),
        Case("flows_duplicate_row", "structure: duplicated key", _flows(_duplicate_first),
             r"File 'flows\.csv', row \d+.*duplicated"),
        Case("flows_european_csv", "value: European number format (read right)", _flows(european), "", 0),
        Case("flows_european_ambiguous", "value: European number format",
             _flows(_european_ambiguous), r"File 'flows\.csv', row 12.*QUANTITY_KG.*thousands separator"),
        Case("flows_not_utf8", "file: not a table", _write(FLOWS, b"\xff\xfe\x00b\x00c\x00" * 10, "exposure", FLOWS),
             r"File 'flows\.csv'.*UTF-8"),
        Case("flows_empty", "file: not a table", _write(FLOWS, "", "exposure", FLOWS), r"File 'flows\.csv'"),
        Case("flows_only_comments", "file: not a table", _write(FLOWS, "# nothing\n", "exposure", FLOWS),
             r"File 'flows\.csv'"),
        Case("flows_binary", "file: not a table", _write(FLOWS, bytes(range(256)) * 4, "exposure", FLOWS),
             r"File 'flows\.csv'"),
        Case("flows_missing_file", "file: not a table", _argv("exposure", "none.csv", copy=()), r"none\.csv"),
        Case("flows_ragged", "file: not a table", _flows(lambda t: t + "NL,TH,E,72083900,1,1,202452,1,2,3,4,5\n"),
             r"File 'flows\.csv'"),
        Case("flows_huge_field", "file: not a table", _flows(_col(0, "N" * 2_000_000)), r"File 'flows\.csv'"),
    ]
    return out


def _semicolons(t: str, fn: Callable[[list[str]], list[str]]) -> str:
    """The CSV as a European Excel saves it: ';' between cells, numbers changed by ``fn``."""
    out = []
    for line in t.splitlines():
        if line.startswith("#") or not line.strip():
            out.append(line)
            continue
        cells_ = line.split(",")
        out.append(";".join(cells_ if cells_[0] == "REPORTER" else fn(cells_)))
    return "\n".join(out) + "\n"


def _duplicate_first(t: str) -> str:
    first = next(line for line in t.splitlines() if line.startswith("NL,TH"))
    return t + first + "\n"


def european(t: str) -> str:
    """Thousands dots and decimal commas (``7.442.535,0``): the same masses and values as ``t``."""
    def fn(c: list[str]) -> list[str]:
        c[7] = f"{int(c[7]):,}".replace(",", ".") + ",00"
        c[8] = f"{int(c[8]):,}".replace(",", ".") + ",0"
        return c
    return _semicolons(t, fn)


def _european_ambiguous(t: str) -> str:
    first = []

    def fn(c: list[str]) -> list[str]:
        if not first:
            first.append(True)
            c[8] = "7.442"  # 7442 kg with a thousands dot, or 7.442 kg?
        return c
    return _semicolons(t, fn)


def _flows_xlsx_cases() -> list[Case]:
    def xl(fn: Callable[[dict[str, bytes]], dict[str, bytes]], *, after: Callable[[Path], None] | None = None
           ) -> Callable[[Path, Path], list[str]]:
        def build(base: Path, d: Path) -> list[str]:
            shutil.copy(base / SCEN, d / SCEN)
            return _zip_case(fn, src="flows.xlsx", after=after, argv=("exposure", "flows.xlsx", "--scenarios", SCEN,
                                                                      "--draws", "0"))(base, d)
        return build

    def dimension(c: dict[str, bytes]) -> dict[str, bytes]:
        s = c["xl/worksheets/sheet1.xml"]
        s = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', s)
        c["xl/worksheets/sheet1.xml"] = set_cell(s, "XFD1048576", num(1))
        return c

    def far_row(c: dict[str, bytes]) -> dict[str, bytes]:
        c["xl/worksheets/sheet1.xml"] = set_cell(c["xl/worksheets/sheet1.xml"], "A1048576", text("NL"))
        return c

    bomb = _bomb("xl/worksheets/sheet1.xml")
    crc = _patched("xl/worksheets/sheet1.xml", crc=7)

    def trunc(c: dict[str, bytes]) -> dict[str, bytes]:
        s = c["xl/worksheets/sheet1.xml"]
        c["xl/worksheets/sheet1.xml"] = s[: int(len(s) * 0.8)]
        return c

    def inf_mass(c: dict[str, bytes]) -> dict[str, bytes]:
        c["xl/worksheets/sheet1.xml"] = set_cell(c["xl/worksheets/sheet1.xml"], "I3", num("inf"))
        return c

    def dtd(c: dict[str, bytes]) -> dict[str, bytes]:
        c["xl/worksheets/sheet1.xml"] = b'<!DOCTYPE x [<!ENTITY a "b">]>' + c["xl/worksheets/sheet1.xml"]
        return c

    return [
        Case("flows_xlsx_dimension_huge", "structure: dimensions", xl(dimension), "", 0),
        Case("flows_xlsx_far_row", "structure: dimensions", xl(far_row), "", 0),
        Case("flows_xlsx_bomb", "archive: bomb", xl(bomb), r"File 'flows\.xlsx'.*(too large|at most)"),
        Case("flows_xlsx_crc", "archive: corrupt", xl(lambda c: c, after=crc), r"File 'flows\.xlsx'.*(CRC|corrupt)"),
        Case("flows_xlsx_truncated", "xml: truncated", xl(trunc), r"File 'flows\.xlsx'.*(truncated|XML)"),
        Case("flows_xlsx_inf", "value: not finite or absurd", xl(inf_mass), r"File 'flows\.xlsx'.*I3.*finite"),
        Case("flows_xlsx_dtd", "xml: hostile", xl(dtd), r"File 'flows\.xlsx'.*DTD"),
        Case("flows_xlsx_sheet_unknown", "flag: wrong type",
             _argv("exposure", "flows.xlsx", "--sheet", "Nope", "--draws", "0", copy=("flows.xlsx",)),
             r"--sheet.*'Nope'"),
        Case("flows_xlsx_not_zip", "file: not a workbook", _write("flows.xlsx", "a,b\n", "exposure", "flows.xlsx"),
             r"File 'flows\.xlsx'"),
    ]


def _scenario_cases() -> list[Case]:
    s = r"File 'scen\.toml'"
    return [
        Case("scen_deep_arrays", "toml: hostile", _scen(lambda t: t + "deep = " + "[" * 5000 + "]" * 5000 + "\n"),
             s + r".*(nest|deep)"),
        Case("scen_deep_tables", "toml: hostile", _scen(lambda t: t + "deep = " + "{a=" * 3000 + "1" + "}" * 3000
                                                        + "\n"), s + r".*(nest|deep)"),
        Case("scen_price_inf", "value: not finite or absurd", _scen(_sub('eur_thb = 38.0', 'eur_thb = inf')),
             s + r".*eur_thb"),
        Case("scen_price_nan", "value: not finite or absurd", _scen(_sub('eur_thb = 38.0', 'eur_thb = nan')),
             s + r".*eur_thb"),
        Case("scen_growth_huge", "value: not finite or absurd",
             _scen(_sub("volume_growth = 0.02", "volume_growth = 1e308")), s + r".*volume_growth"),
        Case("scen_share_over", "value: out of physical range",
             _scen(_sub('origin_covered_share = { "*" = 0.10 }', 'origin_covered_share = { "*" = 1.5 }')),
             s + r".*origin_covered_share"),
        Case("scen_share_negative", "value: out of physical range",
             _scen(_sub("iron_steel = 0.3", "iron_steel = -0.3")), s + r".*actual_share"),
        Case("scen_clinker_zero", "value: out of physical range",
             _scen(_sub('"25232900" = 0.75', '"25232900" = 0')), s + r".*clinker_content.*more than 0"),
        Case("scen_years_huge", "value: out of physical range",
             _scen(_sub("years = [2026, 2034]", "years = [2026, 999999999]")), s + r".*years"),
        Case("scen_years_before", "value: out of physical range",
             _scen(_sub("years = [2026, 2034]", "years = [1990, 2034]")), s + r".*years"),
        Case("scen_draws_huge", "resources: draws", _scen(_sub("draws = 10000", "draws = 1000000000")),
             s + r".*draws"),
        Case("scen_chunk_huge", "resources: draws", _scen(_sub("seed = 42", "seed = 42\nchunk_elements = 1000000000000"
                                                                )), s + r".*chunk_elements"),
        Case("scen_unknown_key", "structure: unknown key", _scen(_sub("[model]", "[model]\ncolour = 1")),
             s + r".*colour"),
        Case("scen_bad_toml", "file: not valid TOML", _scen(lambda t: t + "x = = 1\n"), s + r".*TOML"),
        Case("scen_not_utf8", "file: not valid TOML", _write(SCEN, b"\xff\xfe[\x00", "exposure", FLOWS, "--scenarios",
                                                             SCEN, copy=(FLOWS,)), s),
        Case("scen_missing", "file: not valid TOML", _argv("exposure", FLOWS, "--scenarios", "no.toml",
                                                           copy=(FLOWS,)), r"no\.toml"),
        Case("scen_huge_file", "toml: hostile", _scen(lambda t: t + "# " + "x" * 30_000_000 + "\n"),
             s + r".*(too large|at most)"),
        Case("scen_path_escape", "toml: hostile", _scen(_sub('eur_thb = 38.0', 'eur_thb = "/etc/passwd"')),
             s + r".*eur_thb"),
    ]


def _exposure_flag_cases() -> list[Case]:
    c = (FLOWS,)
    return [
        Case("exposure_draws_huge", "resources: draws", _argv("exposure", FLOWS, "--draws", "1000000000", copy=c),
             r"--draws.*at most"),
        Case("exposure_draws_negative", "flag: out of range", _argv("exposure", FLOWS, "--draws", "-1", copy=c),
             r"--draws"),
        Case("exposure_draws_text", "flag: wrong type", _argv("exposure", FLOWS, "--draws", "many", copy=c),
             r"--draws.*'many'"),
        Case("exposure_seed_negative", "flag: out of range", _argv("exposure", FLOWS, "--seed", "-5", copy=c),
             r"--seed"),
        Case("exposure_base_year_text", "flag: wrong type",
             _argv("exposure", FLOWS, "--base-year", "soon", "--draws", "0", copy=c), r"--base-year.*'soon'"),
        Case("exposure_base_year_far", "flag: out of range",
             _argv("exposure", FLOWS, "--base-year", "999999999", "--draws", "0", copy=c), r"--base-year"),
        Case("exposure_usd_zero", "flag: out of range",
             _argv("exposure", FLOWS, "--usd-per-eur", "0", "--draws", "0", copy=c), r"--usd-per-eur"),
        Case("exposure_usd_nan", "flag: out of range",
             _argv("exposure", FLOWS, "--usd-per-eur", "nan", "--draws", "0", copy=c), r"--usd-per-eur.*finite"),
        Case("exposure_layout_bad", "flag: wrong type",
             _argv("exposure", FLOWS, "--layout", "mine", "--draws", "0", copy=c), r"--layout.*'mine'"),
        Case("exposure_out_is_input", "output: refused",
             _argv("exposure", FLOWS, "--out", FLOWS, "--draws", "0", copy=c), r"--out.*input"),
        Case("exposure_out_missing_dir", "output: refused",
             _argv("exposure", FLOWS, "--out", "nodir/r.xlsx", "--draws", "0", copy=c), r"--out.*nodir"),
        Case("exposure_out_too_long", "output: refused",
             _argv("exposure", FLOWS, "--out", "e" * 300 + ".xlsx", "--draws", "0", copy=c),
             r"--out.*(too long|name)"),
        Case("exposure_png_missing", "output: refused",
             _argv("exposure", FLOWS, "--png", "nodir", "--draws", "0", copy=c), r"--png"),
        Case("exposure_non_cbam_bad", "flag: wrong type",
             _argv("exposure", FLOWS, "--non-cbam", "keep", copy=c), r"--non-cbam.*'keep'"),
    ]


def _cost_cases() -> list[Case]:
    """Flags of ``cost`` and ``defaults`` (range checks owned by the cost module)."""
    base = ("cost", "--cn", "73181588", "--country", "TH", "--tonnes", "1000")
    return [
        Case("cost_tonnes_text", "flag: wrong type", _argv(*base[:-1], "lots", copy=()), r"--tonnes.*'lots'"),
        Case("cost_price_text", "flag: wrong type", _argv(*base, "--price", "x", copy=()), r"--price.*'x'"),
        Case("cost_from_run_missing", "file: not a workbook",
             _argv(*base, "--from-run", "none.xlsx", copy=()), r"none\.xlsx"),
        Case("cost_from_run_truncated", "archive: corrupt", _cost_from_run_cut, r"File 'plant\.xlsx'.*ZIP"),
        Case("defaults_missing_flag", "flag: missing", _argv("defaults", "--cn", "73181588", copy=()),
             r"--country|--year"),
    ]


def _cost_from_run_cut(base: Path, d: Path) -> list[str]:
    data = (base / WB).read_bytes()
    (d / WB).write_bytes(data[: len(data) // 3])
    return ["cost", "--from-run", WB, "--cn", "73181588", "--country", "TH", "--tonnes", "10"]


def _argument_cases() -> list[Case]:
    return [
        Case("cli_unknown_command", "flag: wrong type", _argv("frobnicate", copy=()), r"frobnicate"),
        Case("cli_nul_in_argument", "message: escaping", _argv("run", "a\x00b.xlsx", copy=()), r"a\\x00b\.xlsx"),
        Case("cli_bidi_in_name", "message: escaping", _argv("run", "x\u202eslx.exe", copy=()), r"\\u202e"),
    ]


def _cost_range_cases() -> list[Case]:
    """Range checks and flag names of ``cbamcalc cost`` and ``defaults`` (checked by the cost module)."""
    base = ("cost", "--cn", "73181588", "--country", "TH", "--tonnes")
    see = (*base, "1000", "--see-indirect", "0", "--see-direct")
    return [
        Case("cost_see_direct_inf", "value: not finite or absurd", _argv(*see, "inf", copy=()),
             r"--see-direct: expected .*found inf"),
        Case("cost_see_direct_nan", "value: not finite or absurd", _argv(*see, "nan", copy=()),
             r"--see-direct: expected .*found nan"),
        Case("cost_see_direct_1e308", "value: not finite or absurd", _argv(*see, "1e308", copy=()),
             r"--see-direct"),
        Case("cost_tonnes_negative", "value: out of physical range", _argv(*base, "-1", copy=()), r"--tonnes"),
        Case("cost_tonnes_inf", "value: not finite or absurd", _argv(*base, "inf", copy=()), r"--tonnes"),
        Case("cost_actual_share_over", "value: out of physical range",
             _argv(*base, "1", "--see-direct", "1", "--see-indirect", "0", "--actual-share", "1.5", copy=()),
             r"--actual-share"),
        Case("cost_origin_share_over", "value: out of physical range",
             _argv(*base, "1", "--origin-price", "10", "--origin-share", "2", copy=()), r"--origin-share"),
        Case("cost_price_nan", "value: not finite or absurd", _argv(*base, "1", "--price", "nan", copy=()),
             r"--price: expected .*found nan"),
        Case("cost_eur_thb_zero", "value: out of physical range", _argv(*base, "1", "--eur-thb", "0", copy=()),
             r"--eur-thb"),
        Case("cost_clinker_negative", "value: out of physical range",
             _argv("cost", "--cn", "25232900", "--country", "TH", "--tonnes", "1", "--clinker-content", "-1",
                   copy=()), r"--clinker-content"),
        Case("cost_cn_garbage", "flag: wrong type",
             _argv("cost", "--cn", "7318;", "--country", "TH", "--tonnes", "1", copy=()), r"--cn: .*'7318;'"),
        Case("defaults_year_text", "flag: wrong type",
             _argv("defaults", "--cn", "73181588", "--country", "TH", "--year", "soon", copy=()), r"--year.*'soon'"),
        Case("cost_years_huge", "resources: years",
             _argv("cost", "--cn", "73181588", "--country", "TH", "--tonnes", "1", "--years", "2026-999999999",
                   copy=()), r"--years"),
        Case("defaults_year_far", "value: out of physical range",
             _argv("defaults", "--cn", "73181588", "--country", "TH", "--year", "999999999", copy=()), r"--year"),
    ]


#: Cases kept out of the committed corpus (``python tests/hostile_corpus.py --lead`` runs them): none
#: since the cost and defaults commands check --years / --year before allocating.
COST_RANGE_CASES: list[Case] = []


def all_cases() -> list[Case]:
    """Every case of the committed corpus."""
    cases = [*_value_cases(), *_unit_cases(), *_formula_cases(), *_shared_string_cases(), *_xml_cases(),
             *_archive_cases(), *_comm_cases(), *_run_flag_cases(), *_template_cases(), *_export_cases(),
             *_flows_cases(), *_flows_xlsx_cases(), *_scenario_cases(), *_exposure_flag_cases(), *_cost_cases(),
             *_cost_range_cases(),
             *_argument_cases()]
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return cases


def outcome(case: Case, bases: Path, folder: Path) -> str:
    """Run one case in ``folder`` (in process); "" when cbamcalc answered as the case requires, else why not."""
    import contextlib
    import hashlib
    import io
    import os

    from cbamcalc.cli import main as cli_main

    def snap() -> dict[str, str]:
        return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(folder.rglob("*")) if p.is_file()}

    argv = case.build(bases, folder)
    before = snap()
    err = io.StringIO()
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                status = cli_main(argv)
            except SystemExit as exc:
                status = int(exc.code or 0)
    finally:
        os.chdir(cwd)
    lines = err.getvalue().splitlines()
    if status != case.status:
        return f"exit {status}: {' | '.join(lines)[:300]}"
    if case.status and (len(lines) != 1 or not re.search(case.message, lines[0])):
        return f"message: {' | '.join(lines)[:300]}"
    if case.status and snap() != before:
        return "an input changed or an output was left"
    return ""


def main(argv: list[str]) -> int:  # pragma: no cover - a tool for trying cases by hand
    """``hostile_corpus.py OUT_DIR``: write every case's files; ``--lead``: run the cost/defaults cases."""
    if argv and argv[0] == "--lead":
        import resource
        import tempfile

        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))  # a case may allocate before any check

        with tempfile.TemporaryDirectory() as tmp:
            bases = build_bases(Path(tmp) / "_bases")
            for case in COST_RANGE_CASES:
                d = Path(tmp) / case.id
                d.mkdir()
                why = outcome(case, bases, d)
                print(f"{'ok  ' if not why else 'FAIL'} {case.id}{': ' + why if why else ''}")
        return 0
    out = Path(argv[0])
    bases = build_bases(out / "_bases")
    for case in all_cases() + COST_RANGE_CASES:
        d = out / case.id
        d.mkdir(parents=True, exist_ok=True)
        args = case.build(bases, d)
        (d / "argv.txt").write_text("\n".join(args) + "\n", encoding="utf-8")
    print(f"{len(all_cases())} cases (+{len(COST_RANGE_CASES)} cost/defaults cases) in {out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))

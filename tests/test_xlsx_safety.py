"""The safe, fast xlsx cell reader and the evaluator of simple input formulas."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest

from cbamcalc.errors import InputError
from cbamcalc.io.xlsx_safety import ExcelError, XlsxReader, column_index, column_letter, evaluate_formula, split_ref

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def make_xlsx(path: Path, sheets: dict[str, str], *, strings: list[str] | None = None, date1904: bool = False,
              prefix: str = "", raw_strings: str | None = None) -> Path:
    """A minimal workbook: ``sheets`` maps names to the inner XML of ``<sheetData>``."""
    p = f"{prefix}:" if prefix else ""
    ns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    wb_sheets = "".join(f'<sheet name="{n.replace("&", "&amp;")}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
                        for i, n in enumerate(sheets))
    pr = '<workbookPr date1904="1"/>' if date1904 else ""
    rels = "".join(f'<Relationship Id="rId{i + 1}" Type="{REL}/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
                   for i in range(len(sheets)))
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">{pr}'
                                      f"<sheets>{wb_sheets}</sheets></workbook>")
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                                                 f'openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
        for i, body in enumerate(sheets.values()):
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml",
                       f'<?xml version="1.0"?><{p}worksheet {ns}><{p}sheetData>{body}</{p}sheetData></{p}worksheet>')
        if raw_strings is not None:
            z.writestr("xl/sharedStrings.xml", raw_strings)
        elif strings is not None:
            si = "".join(f"<si><t>{s}</t></si>" for s in strings)
            z.writestr("xl/sharedStrings.xml", f'<?xml version="1.0"?><sst xmlns="{MAIN}">{si}</sst>')
    return path


def test_values_of_every_cell_type(tmp_path: Path) -> None:
    body = ('<row r="1"><c r="A1"><v>1.5</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="b"><v>1</v></c>'
            '<c r="D1" t="inlineStr"><is><t>in &amp; line</t></is></c><c r="E1" t="e"><v>#N/A</v></c>'
            '<c r="F1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c><c r="G1"><f>A1*2</f><v>3</v></c>'
            '<c r="H1" s="4"/><c r="I1" t="s"><v>2</v></c></row>')
    path = make_xlsx(tmp_path / "t.xlsx", {"S": body}, strings=["zero", "one &lt;1&gt;", "x_x000D_y"])
    r = XlsxReader(path)
    assert r.sheet_names == ["S"]
    assert r.value("S", "A1") == 1.5
    assert r.value("S", "B1") == "one <1>"
    assert r.value("S", "C1") is True
    assert r.value("S", "D1") == "in & line"
    assert isinstance(r.value("S", "E1"), ExcelError) and r.value("S", "E1") == "#N/A"
    assert r.value("S", "F1") == "ab"
    assert r.cached("S", "G1") == (True, 3.0, "A1*2")
    assert r.value("S", "H1") is None and r.is_blank("S", "H1") and r.is_blank("S", "Z9")
    assert r.value("S", "I1") == "x\ry"


def test_formula_without_cache_is_evaluated_across_sheets(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "f.xlsx", {
        "A & B": '<row r="1"><c r="A1"><v>4</v></c></row>',
        "S": '<row r="2"><c r="B2"><f>\'A &amp; B\'!$A$1*(2+1)-C2/2</f><v></v></c><c r="C2"><f>A9+10</f></c>'
             '<c r="D2"><f>TRUE()</f></c><c r="E2"><f>D2+1</f></c></row>',
    })
    r = XlsxReader(path)
    assert r.cached("S", "B2") == (False, None, "'A & B'!$A$1*(2+1)-C2/2")
    assert r.value("S", "C2") == 10.0  # an empty cell counts 0
    assert r.value("S", "B2") == 4 * 3 - 5
    assert r.value("S", "D2") is True
    assert r.value("S", "E2") == 2.0
    assert r.value("S", "B2", evaluate=False) is None


def test_circular_formulas_are_an_error(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "c.xlsx", {"S": '<row r="1"><c r="A1"><f>B1</f></c><c r="B1"><f>A1</f></c></row>'})
    with pytest.raises(InputError, match=r"sheet 'S', cell A1: the input cell holds a formula without a cached "
                                         r"value that refers to S!B1"):
        XlsxReader(path).value("S", "A1")


def test_shared_formula_without_cache_is_translated(tmp_path: Path) -> None:
    body = ('<row r="1"><c r="A1"><v>2</v></c><c r="B1"><f t="shared" ref="B1:B2" si="0">A1*10</f></c></row>'
            '<row r="2"><c r="A2"><v>3</v></c><c r="B2"><f t="shared" si="0"/></c></row>')
    r = XlsxReader(make_xlsx(tmp_path / "s.xlsx", {"S": body}))
    assert r.value("S", "B2") == 30.0


def test_prefixed_namespace_and_cells_without_r_take_the_safe_parser(tmp_path: Path) -> None:
    body = '<x:row r="3"><x:c r="A3"><x:v>1</x:v></x:c><x:c><x:v>2</x:v></x:c></x:row>'
    r = XlsxReader(make_xlsx(tmp_path / "p.xlsx", {"S": body}, prefix="x"))
    assert r.value("S", "A3") == 1.0
    assert r.value("S", "B3") == 2.0


def test_rich_text_and_phonetic_runs(tmp_path: Path) -> None:
    raw = (f'<?xml version="1.0"?><sst xmlns="{MAIN}"><si><r><rPr><b/></rPr><t>Bold</t></r><r><t xml:space='
           f'"preserve"> text</t></r><rPh sb="0" eb="1"><t>PHON</t></rPh></si><si/></sst>')
    body = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    r = XlsxReader(make_xlsx(tmp_path / "r.xlsx", {"S": body}, raw_strings=raw))
    assert r.value("S", "A1") == "Bold text"
    assert r.value("S", "B1") == ""


def test_dates_and_1904_system(tmp_path: Path) -> None:
    r = XlsxReader(make_xlsx(tmp_path / "d.xlsx", {"S": ""}))
    assert r.date(45448.0) == dt.date(2024, 6, 5)
    assert r.date(dt.datetime(2024, 12, 13)) == dt.date(2024, 12, 13)
    assert r.date(None) is None
    r1904 = XlsxReader(make_xlsx(tmp_path / "d2.xlsx", {"S": ""}, date1904=True))
    assert r1904.date1904 and r1904.date(0.0) == dt.date(1904, 1, 1)


def test_refusals(tmp_path: Path) -> None:
    (tmp_path / "x.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)  # an OLE file (.xls)
    with pytest.raises(InputError, match=r"File 'x.xlsx': not an .xlsx workbook.*found 'd0 cf 11 e0"):
        XlsxReader(tmp_path / "x.xlsx")
    with pytest.raises(InputError, match=r"expected a readable .xlsx file"):
        XlsxReader(tmp_path / "missing.xlsx")
    with zipfile.ZipFile(tmp_path / "doc.xlsx", "w") as z:
        z.writestr("word/document.xml", "<w/>")
    with pytest.raises(InputError, match="not a spreadsheet"):
        XlsxReader(tmp_path / "doc.xlsx")
    bomb = make_xlsx(tmp_path / "dtd.xlsx", {"S": '<row r="1"><c r="A1"><v>1</v></c></row>'})
    data = zipfile.ZipFile(bomb).read("xl/worksheets/sheet1.xml").replace(
        b"?>", b'?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>', 1)
    with zipfile.ZipFile(tmp_path / "dtd2.xlsx", "w") as z:
        with zipfile.ZipFile(bomb) as src:
            for n in src.namelist():
                z.writestr(n, data if n == "xl/worksheets/sheet1.xml" else src.read(n))
    r = XlsxReader(tmp_path / "dtd2.xlsx")
    with pytest.raises(InputError, match=r"declares a DTD or an entity \(refused for safety\)"):
        r.value("S", "A1")
    with pytest.raises(InputError, match=r"sheet 'Nope'.*no such sheet"):
        r.value("Nope", "A1")


@pytest.mark.parametrize(("formula", "expected"), [
    ("=1+2*3", 7.0), ("=(1+2)*3", 9.0), ("=-2^2", 4.0), ("=2^3^2", 64.0), ("=50%*4", 2.0),
    ("=1E3/4", 250.0), ("=.5+1.", 1.5), ("=FALSE", False), ("=true()", True), ("=TRUE()+1", 2.0),
])
def test_evaluate_formula(formula: str, expected: float | bool) -> None:
    assert evaluate_formula(formula, lambda s, r: None) == expected


@pytest.mark.parametrize(("formula", "why"), [
    ("=SUM(A1:A3)", "unsupported part"), ("=A1:A3", "unsupported part"), ("=(1+2", "unbalanced"),
    ("=1/0", "division by zero"), ("=", "empty formula"), ('="text"', "unsupported part"), ("=1 2", "unexpected"),
])
def test_evaluate_formula_refuses(formula: str, why: str) -> None:
    with pytest.raises(InputError, match=rf"Sheet 'S', cell B2: the input cell holds a formula .*\({why}"):
        evaluate_formula(formula, lambda s, r: None, sheet="S", cell="B2")


def test_evaluate_formula_text_reference() -> None:
    with pytest.raises(InputError, match=r"Other!A1 holds 'abc', not a number"):
        evaluate_formula("=Other!A1*2", lambda s, r: "abc")


def test_reference_helpers() -> None:
    assert split_ref("$AB$12") == ("AB", 12)
    assert column_index("A") == 1 and column_index("AA") == 27 and column_letter(27) == "AA"
    assert all(column_letter(column_index(c)) == c for c in ("A", "Z", "AZ", "BU", "XFD"))
    with pytest.raises(ValueError):
        split_ref("A0B")

"""The pieces of the input boundary one at a time: one-line messages, flag names, limits, European CSVs.

The corpus (``test_hostile_inputs.py``) checks whole commands; here each limit and rule is hit
directly, with the limit lowered where reaching the real one would need a huge file.
"""

from __future__ import annotations

import sys
import types
import zipfile
from pathlib import Path

import numpy as np
import pytest

from cbamcalc import cli
from cbamcalc.errors import InputError, OutputError
from cbamcalc.io import atomic, trade_flows, xlsx_safety
from cbamcalc.io.xlsx_safety import XlsxReader, evaluate_formula

sys.path.insert(0, str(Path(__file__).parent))
import hostile_corpus as hc  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


# ---------------------------------------------------------------------------- one line, the flag typed


@pytest.mark.parametrize("text,line", [
    ("plain", "plain"),
    ("a\nb", "a\\nb"),
    ("tab\there\r", "tab\\there\\r"),
    ("\x1b[31mred", "\\x1b[31mred"),
    ("x\u202eexe", "x\\u202eexe"),
    ("สลักเกลียว M12", "สลักเกลียว M12"),  # Thai (with combining vowel marks) stays as it is
    ("nul\x00", "nul\\x00"),
])
def test_one_line_escapes_what_could_break_or_forge_a_line(text: str, line: str) -> None:
    assert cli.one_line(text) == line


def test_flag_of_field_names_the_flag_and_drops_the_librarys_row() -> None:
    module = types.SimpleNamespace(FLAG_OF_FIELD={"price": "--price"})
    exc = InputError(row=0, field="price", expected="a number >= 0", found=-1.0)
    out = cli.with_flags(exc, module)
    assert str(out) == "--price: expected a number >= 0, found -1.0"


def test_flag_of_field_keeps_the_file_of_a_value_read_from_it() -> None:
    module = types.SimpleNamespace(FLAG_OF_FIELD={"sheet": "--sheet"})
    exc = InputError(file="flows.xlsx", sheet="Nope", field="sheet", expected="one of flows", found="Nope")
    assert str(cli.with_flags(exc, module)) == ("File 'flows.xlsx', sheet 'Nope' (--sheet): expected one of flows, "
                                                 "found 'Nope'")


def test_field_without_a_flag_is_left_alone() -> None:
    exc = InputError(field="price", expected="x", found=1)
    assert cli.with_flags(exc, types.SimpleNamespace()) is exc


def test_argparse_errors_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["run", "x.xlsx", "--price", "cheap"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("cbamcalc run: error: argument --price: invalid float value: 'cheap'")


def test_an_unexpected_exception_is_one_line_with_exit_1(monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from cbamcalc.commands import template

    def boom(args: object) -> int:
        raise RuntimeError("bad\nthing")

    monkeypatch.setattr(template, "run", boom)
    assert cli.main(["template", "new", "x.xlsx"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "internal error: RuntimeError: bad\\nthing" in err and "--debug" in err
    with pytest.raises(RuntimeError):
        cli.main(["--debug", "template", "new", "x.xlsx"])


# ---------------------------------------------------------------------------- output targets


def test_check_target_refuses_before_any_work(tmp_path: Path) -> None:
    src = tmp_path / "in.xlsx"
    src.write_bytes(b"x")
    with pytest.raises(OutputError, match=r"--out .*in\.xlsx: is an input of the command"):
        atomic.check_target(src, flag="--out", inputs=(src,))
    with pytest.raises(OutputError, match=r"--out .*: is a folder"):
        atomic.check_target(tmp_path, flag="--out")
    with pytest.raises(OutputError, match=r"--out .*nodir/x\.xlsx: the folder .*nodir does not exist"):
        atomic.check_target(tmp_path / "nodir" / "x.xlsx", flag="--out")
    with pytest.raises(OutputError, match=r"--out: the file name is too long \(305 bytes"):
        atomic.check_target(tmp_path / ("x" * 300 + ".xlsx"), flag="--out")
    with pytest.raises(OutputError, match="NUL"):
        atomic.check_target("a\0b.xlsx", flag="--out")
    assert atomic.check_target(tmp_path / "new.xlsx", flag="--out") == tmp_path / "new.xlsx"


# ---------------------------------------------------------------------------- archive and cell limits


@pytest.fixture(scope="module")
def plant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hc.build_bases(tmp_path_factory.mktemp("boundary")) / hc.WB


def test_file_too_large(plant: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_safety, "MAX_FILE_BYTES", 1000)
    with pytest.raises(InputError, match=r"plant\.xlsx'.*the file is too large; expected at most 1000 bytes"):
        XlsxReader(plant)


def test_too_many_parts(plant: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_safety, "MAX_PARTS", 5)
    with pytest.raises(InputError, match=r"too many parts; expected at most 5 parts, found 22"):
        XlsxReader(plant)


def test_inflated_bytes_are_capped_over_all_parts(plant: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_safety, "MAX_INFLATED_BYTES", 20_000)
    x = XlsxReader(plant)
    with pytest.raises(InputError, match=r"inflate to too many bytes; expected at most 20000 bytes in all"):
        for sheet in x.sheet_names:
            x.raw_cells(sheet)


def test_actual_inflated_size_is_capped_whatever_the_header_says(plant: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_safety, "MAX_PART_BYTES", 5_000)
    x = XlsxReader(plant)
    info = x._zip.getinfo("xl/worksheets/sheet5.xml")
    info.file_size = 100  # a header that lies: the read must stop at the cap, not trust it
    with pytest.raises(InputError, match=r"part 'xl/worksheets/sheet5\.xml'.*(too large|damaged)"):
        x._inflate(info)


def test_too_many_cells(plant: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_safety, "MAX_CELLS", 10)
    with pytest.raises(InputError, match=r"sheet 'Processes': the worksheet holds too many cells; expected at most "
                                         r"10 cells"):
        XlsxReader(plant).raw_cells("Processes")


def test_slow_path_xml_depth_is_capped(tmp_path: Path) -> None:
    body = '<row r="1"><c r="A1"><v>1</v></c></row>' + "<x>" * 100 + "</x>" * 100 + "<c><v>2</v></c>"
    path = tmp_path / "deep.xlsx"
    hc.write_parts(path, _minimal(body))
    with pytest.raises(InputError, match=r"sheet 'S': the worksheet's XML is nested too deeply; expected at most 64"):
        XlsxReader(path).raw_cells("S")


def test_truncated_shared_strings(tmp_path: Path) -> None:
    path = tmp_path / "sst.xlsx"
    parts = _minimal('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')
    parts["xl/sharedStrings.xml"] = b'<sst xmlns="x"><si><t>one</t></si><si><t>tw'
    hc.write_parts(path, parts)
    with pytest.raises(InputError, match=r"sheet 'S', cell A1: part 'xl/sharedStrings\.xml' \(the shared strings\) "
                                         r"is truncated"):
        XlsxReader(path).value("S", "A1")


def test_formula_chain_is_capped(tmp_path: Path) -> None:
    cells = "".join(f'<c r="A{i}"><f>A{i + 1}+1</f></c>' for i in range(1, 100)) + '<c r="A100"><v>1</v></c>'
    path = tmp_path / "chain.xlsx"
    hc.write_parts(path, _minimal(f'<row r="1">{cells}</row>'))
    with pytest.raises(InputError, match=r"more than 64 input formulas without cached value refer to one another"):
        XlsxReader(path).value("S", "A1")


@pytest.mark.parametrize("formula,why", [
    ("1+" * 5000 + "1", "longer than Excel's 8192 characters"),
    ("(" * 70 + "1" + ")" * 70, "nested more than 64 levels deep"),
    ("-" * 70 + "1", "nested more than 64 levels deep"),
    ("10^400", "a number too large"),
    ("1E300*1E300", "the result inf is not a finite number"),
    ("1E10*1E10", "the result 1e\\+20 is not a finite number of at most 1e\\+15"),
])
def test_formula_limits(formula: str, why: str) -> None:
    with pytest.raises(InputError, match=why):
        evaluate_formula(formula, lambda s, r: None, file="f.xlsx", sheet="S", cell="B2")


@pytest.mark.parametrize("stored,found", [("inf", "inf"), ("nan", "nan"), ("1e999", "1e999"), ("-1e16", "-1e16")])
def test_numbers_must_be_finite_and_bounded(tmp_path: Path, stored: str, found: str) -> None:
    path = tmp_path / "n.xlsx"
    hc.write_parts(path, _minimal(f'<row r="3"><c r="C3"><v>{stored}</v></c></row>'))
    with pytest.raises(InputError, match=rf"File 'n\.xlsx', sheet 'S', cell C3: expected a (finite number|number of "
                                         rf"at most 1e\+15 in size), found '{found}'"):
        XlsxReader(path).value("S", "C3")


def test_character_references_out_of_range_do_not_crash(tmp_path: Path) -> None:
    path = tmp_path / "c.xlsx"
    hc.write_parts(path, _minimal('<row r="1"><c r="A1" t="inlineStr"><is><t>a&#99999999;b_xD800_c</t></is></c>'
                                  '</row>'))
    assert XlsxReader(path).value("S", "A1") == "a\ufffdb\ufffdc"


def _minimal(sheet_data: str) -> dict[str, bytes]:
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    return {
        "[Content_Types].xml": b"<Types/>",
        "xl/workbook.xml": (f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets><sheet name="S" sheetId="1" '
                            f'r:id="rId1"/></sheets></workbook>').encode(),
        "xl/_rels/workbook.xml.rels": (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                                       b'relationships"><Relationship Id="rId1" Type="x" Target="worksheets/sheet1.xml"'
                                       b'/></Relationships>'),
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{main}"><sheetData>{sheet_data}</sheetData></worksheet>'
        .encode(),
    }


# ---------------------------------------------------------------------------- trade flows, scenarios


def test_european_csv_reads_the_same_masses_and_values(tmp_path: Path) -> None:
    """';' separators, thousands dots and decimal commas (a European Excel) give the numbers of the ',' file."""
    src = EXAMPLES / "thai_trade_flows_comext.csv"
    eu = tmp_path / "eu.csv"
    eu.write_text(hc.european(src.read_text(encoding="utf-8")), encoding="utf-8")
    assert "7.442.535,0" in eu.read_text(encoding="utf-8")
    a = trade_flows.read_trade_flows(src)
    b = trade_flows.read_trade_flows(eu)
    np.testing.assert_array_equal(a["net_mass_t"].to_numpy(), b["net_mass_t"].to_numpy())
    np.testing.assert_array_equal(a["value_eur"].to_numpy(), b["value_eur"].to_numpy())


@pytest.mark.parametrize("cell,message", [
    ("7.442", "in a ';'-separated file a dot before three digits may be a thousands separator"),
    ("12.3456", None),  # a plain decimal point: read as 12.3456 kg
])
def test_semicolon_csv_without_decimal_commas(tmp_path: Path, cell: str, message: str | None) -> None:
    path = tmp_path / "f.csv"
    path.write_text("REPORTER;PARTNER;PRODUCT_NC;FLOW;PERIOD;VALUE_EUR;QUANTITY_KG\n"
                    f"NL;TH;72083900;1;202452;100;{cell}\n", encoding="utf-8")
    if message:
        with pytest.raises(InputError, match=rf"File '.*f\.csv', row 2, column 'QUANTITY_KG': {message}"):
            trade_flows.read_trade_flows(path)
    else:
        assert trade_flows.read_trade_flows(path)["net_mass_t"].iloc[0] == pytest.approx(0.0123456)


def test_decimal_comma_column_refuses_a_stray_decimal_point(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("REPORTER;PARTNER;PRODUCT_NC;FLOW;PERIOD;VALUE_EUR;QUANTITY_KG\n"
                    "NL;TH;72083900;1;202452;100;7442,5\nDE;TH;72083900;1;202452;100;1234.5\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 3, column 'QUANTITY_KG': not a number in the file's decimal-comma "
                                         r"format"):
        trade_flows.read_trade_flows(path)


def test_scenario_toml_depth_and_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cbamcalc import scenarios

    deep = tmp_path / "deep.toml"
    deep.write_text('s = "[[[[[[[[[[[[[[[[[[[[[[[["  # a string is not nesting\nx = ' + "[" * 40 + "]" * 40 + "\n")
    with pytest.raises(InputError, match=r"deep\.toml': arrays or tables nested too deeply; expected at most 16 "
                                         r"levels, found 40"):
        scenarios.read_scenarios(deep)
    monkeypatch.setattr(scenarios, "MAX_SCENARIO_BYTES", 10)
    with pytest.raises(InputError, match=r"the scenario file is too large; expected at most 10 bytes"):
        scenarios.read_scenarios(deep)


def test_scenario_depth_scan_ignores_strings_and_comments() -> None:
    from cbamcalc.scenarios import _depth

    assert _depth('a = "[[[["\nb = \'{{{{\'\n# [[[[[[\nc = [[1], {x = [2]}]\n') == 3
    assert _depth('a = "esc \\" [[[["') == 0


def test_zipfile_module_reads_what_the_corpus_writes(tmp_path: Path) -> None:
    """The corpus helper writes packages the standard library opens (a guard for the helpers themselves)."""
    path = tmp_path / "p.xlsx"
    hc.write_parts(path, _minimal('<row r="1"><c r="A1"><v>1</v></c></row>'))
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
    assert XlsxReader(path).value("S", "A1") == 1.0

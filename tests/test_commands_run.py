"""``cbamcalc run``: the JSON contract, the table, the results workbook, errors as one line and exit 2."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from cbamcalc.cli import main
from cbamcalc.refdata import source_dir

TEMPLATES = (source_dir() or Path(__file__).resolve().parent / "data") / "cbam_templates"
EX3 = TEMPLATES / "official" / "EC_v2.1_example3_steel2_EAF_alloys_FILLED.xlsx"
STEEL_3P = TEMPLATES / "thirdparty" / "tecnomod_steel1_blast_furnace_modified_FILLED.xlsx"

pytestmark = pytest.mark.skipif(not TEMPLATES.is_dir(), reason="tests/data/cbam_templates is not present")

PROCESS_KEYS = ["id", "name", "aggregated_goods_category", "activity_level_t", "see_direct", "see_indirect",
                "see_total", "embedded_electricity_mwh_per_t"]
PRODUCT_KEYS = ["process", "cn_code", "product", "see_direct", "see_indirect", "see_total", "default_share"]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(EX3), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data)[:5] == ["cbamcalc_version", "data_version", "template_version", "processes", "products"]
    assert data["template_version"] == "2.1"
    assert [p["id"] for p in data["processes"]] == ["P1", "P2"]
    for p in data["processes"]:
        assert list(p)[:8] == PROCESS_KEYS
    assert data["processes"][0]["activity_level_t"] == 2_234_000
    assert data["processes"][1]["see_total"] == pytest.approx(3.1710880009115825, rel=1e-9)
    assert data["processes"][0]["embedded_electricity_mwh_per_t"] == pytest.approx(1.6547712232833856, rel=1e-9)
    products = data["products"]
    assert [p["cn_code"] for p in products] == ["72189911", "73041100", "72191310", "72210010"]  # Summary_Products order
    for p in products:
        assert list(p)[:7] == PRODUCT_KEYS
        assert isinstance(p["cn_code"], str)
    assert products[0]["process"] == "EAF incl. continuous casting"
    assert products[0]["product"] == "Alloy steel slabs V2A"
    assert products[0]["default_share"] == pytest.approx(0.03520871519393244, rel=1e-9)


def test_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(EX3)]) == 0
    out = capsys.readouterr().out
    assert "Rolling mill and finishing" in out and "3.171088" in out and "72210010" in out and "3.52%" in out


def test_results_workbook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import load_workbook

    before = digest(EX3)
    out = tmp_path / "results.xlsx"
    assert main(["run", str(EX3), "--out", str(out)]) == 0
    assert digest(EX3) == before
    wb = load_workbook(out, read_only=True)
    values = {str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None}
    assert {"72189911", "73041100", "72191310", "72210010"} <= values  # every good (layout: the exporter issue)
    assert [p.name for p in tmp_path.iterdir()] == ["results.xlsx"]  # no temporary file left behind
    capsys.readouterr()


def test_out_never_over_the_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "in.xlsx"
    copy.write_bytes(EX3.read_bytes())
    before = digest(copy)
    assert main(["run", str(copy), "--out", str(copy)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is an input of the command" in err[0]
    assert digest(copy) == before
    assert main(["run", str(copy), "--out", str(tmp_path / "results.csv")]) == 2
    assert "ending in .xlsx" in capsys.readouterr().err


def test_error_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    before = digest(STEEL_3P)
    assert main(["run", str(STEEL_3P), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("cbamcalc run: error: File 'tecnomod_steel1_blast_furnace_modified_FILLED.xlsx', "
                               "sheet 'Summary_Products', cell F10 (CN code)")
    assert digest(STEEL_3P) == before


def test_lenient_prints_warnings_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(STEEL_3P), "--json", "--lenient"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert len(data["products"]) == 4 and len(data["warnings"]) == 2
    assert captured.err.count("cbamcalc run: warning:") == 2


def test_not_a_workbook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "x.xlsx"
    path.write_text("hello", encoding="utf-8")
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not an .xlsx workbook" in err[0]

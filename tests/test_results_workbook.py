"""The results workbook: SEE next to default values, cost by year, charts, metadata, safety."""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from cbamcalc.cli import main
from cbamcalc.default_values import default_value
from cbamcalc.errors import OutputError
from cbamcalc.io.exporter_workbook import read_input_workbook, write_input_workbook
from cbamcalc.io.results_workbook import write_results_workbook
from cbamcalc.pipeline import run_installation
from cbamcalc.result import JSON_PRODUCT_KEYS

SCREWS = "EC_v2.1_example4_steel3_screws_nuts_FILLED.xlsx"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def plant(tmp_path_factory) -> Path:
    return write_input_workbook(tmp_path_factory.mktemp("plant") / "plant.xlsx", lang="both", example=True)


@pytest.fixture(scope="session")
def results(tmp_path_factory, plant) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("results")
    files = {}
    for lang in ("en", "th"):
        files[lang] = out / f"results_{lang}.xlsx"
        assert main(["run", str(plant), "--out", str(files[lang]), "--lang", lang]) == 0
    return files


def test_sheets_and_charts(results):
    en = openpyxl.load_workbook(results["en"])
    assert en.sheetnames == ["Goods", "Cost", "Processes", "Purchased precursors", "Installation totals", "Metadata"]
    th = openpyxl.load_workbook(results["th"])
    assert th.sheetnames == ["สินค้า", "ค่าใช้จ่าย CBAM", "กระบวนการผลิต", "สารตั้งต้นที่ซื้อมา",
                             "ยอดรวมสถานประกอบการ", "ข้อมูลกำกับ"]
    assert len(en["Goods"]._charts) == 1 and len(en["Cost"]._charts) == 2  # native charts
    assert th["สินค้า"]["A1"].value.startswith("การปล่อยแฝงจำเพาะ (SEE)")
    chart = en["Goods"]._charts[0]
    assert chart.grouping == "stacked" and len(chart.series) == 2
    assert en["Goods"].page_setup.orientation == "landscape"


def test_goods_sheet_shows_see_next_to_the_default_value(results, plant):
    data = read_input_workbook(plant)
    res = run_installation(data.installation, on_warning="ignore")
    ws = openpyxl.load_workbook(results["en"])["Goods"]
    heads = [c.value for c in ws[3]]
    col = {h: i for i, h in enumerate(heads)}
    rows = list(ws.iter_rows(min_row=4, max_row=3 + len(res.products), values_only=True))
    dv = default_value("73181588", "TH", 2026)
    first = rows[0]
    assert first[col["CN code"]] == "73181588"
    assert first[col["SEE direct [tCO2e/t]"]] == pytest.approx(res.products.loc[0, "see_direct"], rel=1e-12)
    assert first[col["SEE total [tCO2e/t]"]] == pytest.approx(res.products.loc[0, "see_total"], rel=1e-12)
    assert first[col["EU default, direct [tCO2e/t]"]] == pytest.approx(dv.direct)
    assert first[col["EU default with 2026 mark-up [tCO2e/t]"]] == pytest.approx(dv.value_with_markup)
    assert first[col["Default value line"]] == dv.source
    # steel: only direct emissions count, so the comparison is SEE direct / default direct
    assert first[col["Actual SEE counted / default"]] == pytest.approx(res.products.loc[0, "see_direct"] / dv.direct)
    assert ws.cell(row=1, column=1).value.endswith("Thailand (TH)")


def test_cost_sheet_totals_by_year(results, plant):
    data = read_input_workbook(plant)
    res = run_installation(data.installation, on_warning="ignore")
    from cbamcalc.cost import cost_from_run

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cost = cost_from_run(res, data.exports[["process", "cn_code", "year", "quantity"]],
                             installation=data.installation, price="scenario:central")
    by_year = cost.groupby("year")[["cost_eur", "cost_thb"]].sum()
    ws = openpyxl.load_workbook(results["en"])["Cost"]
    values = list(ws.iter_rows(min_row=1, max_row=40, values_only=True))
    eur_head = next(i for i, r in enumerate(values) if r[0] == "Year")
    total_col = values[eur_head].index("All goods")
    for k, year in enumerate(range(2026, 2035)):
        row = values[eur_head + 1 + k]
        assert row[0] == year
        assert row[total_col] == pytest.approx(by_year.loc[year, "cost_eur"], rel=1e-9)
    thb_head = next(i for i, r in enumerate(values) if i > eur_head and r[0] == "Year")
    assert values[thb_head + 1][total_col] == pytest.approx(by_year.loc[2026, "cost_thb"], rel=1e-9)


def test_metadata_versions_hash_defaults_and_warnings(results, plant):
    ws = openpyxl.load_workbook(results["en"])["Metadata"]
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert "cbamcalc version" in cells and "Reference data version" in cells
    assert plant.name in cells and sha256(plant) in cells
    assert any(isinstance(c, str) and "IR (EU) 2026/1740 Annex I (Commission Excel v2 of 2026-08-06), table 'Thailand'" in c for c in cells)
    assert "SEE (purchased precursor)" in cells  # the Japanese boron-steel rod uses a default value
    assert any(isinstance(c, str) and "scenario:central" in c for c in cells)
    assert "Warnings" in cells and "Assumptions" in cells
    assert any(isinstance(c, str) and c.startswith("CSCF = 1.0 used") for c in cells)


def test_formula_like_text_is_stored_as_text(tmp_path, templates_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from cbamcalc.io.communication_template import read_communication_template

        inst = read_communication_template(templates_dir / "official" / SCREWS)
    inst.goods[0].name = '=HYPERLINK("http://evil","click")'
    inst.goods[1].name = "+cmd|' /C calc'!A0"
    res = run_installation(inst, on_warning="ignore")
    res.warnings.append("@SUM(1+1)")
    res.warnings.append("-2+3")
    path = write_results_workbook(res, tmp_path / "r.xlsx", country="US")
    wb = openpyxl.load_workbook(path)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    texts = {c.value for c in cells}
    assert {'=HYPERLINK("http://evil","click")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"} <= texts
    assert all(c.data_type == "s" for c in cells)  # text, never a formula
    assert not any(c.data_type == "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)


def test_never_over_the_input_and_whole_or_nothing(tmp_path, plant, monkeypatch):
    res = run_installation(read_input_workbook(plant).installation, on_warning="ignore")
    with pytest.raises(OutputError, match="refusing to write over the input file"):
        write_results_workbook(res, plant, input_path=plant)
    with pytest.raises(OutputError, match="ending in .xlsx"):
        write_results_workbook(res, tmp_path / "r.csv")
    target = tmp_path / "r.xlsx"
    target.write_bytes(b"old")

    def boom(self, fh):
        fh.write(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("openpyxl.workbook.workbook.Workbook.save", boom)
    with pytest.raises(OutputError, match="cannot be written: No space left on device"):
        write_results_workbook(res, target)
    assert target.read_bytes() == b"old"  # the old file is untouched
    assert not list(tmp_path.glob(".cbamcalc-*"))  # no temporary file left


def test_run_on_the_eu_template_writes_results_without_cost(tmp_path, templates_dir, capsys):
    src = templates_dir / "official" / SCREWS
    before = sha256(src)
    out = tmp_path / "screws.xlsx"
    assert main(["run", str(src), "--out", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data["products"][0]) == list(JSON_PRODUCT_KEYS)  # the --json contract is unchanged
    assert list(data)[:5] == ["cbamcalc_version", "data_version", "template_version", "processes", "products"]
    wb = openpyxl.load_workbook(out)
    assert wb["Cost"]["A3"].value.startswith("No cost computed")
    assert wb["Goods"]["C4"].value == "73181542"
    meta = [c for row in wb["Metadata"].iter_rows(values_only=True) for c in row]
    assert "EU Communication template v2.1" in meta and before in meta
    assert sha256(src) == before
    assert main(["run", str(src), "--out", str(src)]) == 2
    assert "is an input of the command" in capsys.readouterr().err
    assert sha256(src) == before


def test_price_options_reach_the_cost(tmp_path, plant, capsys):
    out = tmp_path / "r.xlsx"
    assert main(["run", str(plant), "--out", str(out), "--price", "100", "--eur-thb", "40"]) == 0
    text = capsys.readouterr().out
    assert "price: user" in text
    ws = openpyxl.load_workbook(out)["Cost"]
    frame = pd.DataFrame(ws.iter_rows(values_only=True))
    assert (frame == 100.0).any().any() and (frame == 40.0).any().any()


def test_goods_sharing_process_and_cn_are_costed_together(tmp_path, capsys):
    from cbamcalc.io.exporter_workbook import example_input

    data = example_input()
    data.installation.goods[1].cn_code = "73181588"  # two products, one CN code, one process: one SEE
    data.exports.loc[data.exports["good"] == 1, "cn_code"] = "73181588"
    plant = write_input_workbook(tmp_path / "same_cn.xlsx", data=data)
    out = tmp_path / "r.xlsx"
    assert main(["run", str(plant), "--out", str(out)]) == 0
    assert "CBAM cost of the tonnes exported" in capsys.readouterr().out
    cost = openpyxl.load_workbook(out)["Cost"]
    heads = [c.value for c in cost[4]]
    assert any(h and "Hex bolt M12 grade 8.8" in h and "+ Hex bolt M10 grade 5.8" in h for h in heads)


def test_cement_without_clinker_content_keeps_the_see_and_warns(tmp_path, capsys):
    from cbamcalc.io.exporter_workbook import example_input

    data = example_input()
    for p in data.installation.processes:
        p.category = "Cement"
    for g in data.installation.goods:
        g.cn_code = "25232900"
    data.exports["cn_code"] = "25232900"
    plant = write_input_workbook(tmp_path / "cement.xlsx", data=data)
    out = tmp_path / "r.xlsx"
    assert main(["run", str(plant), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "cost of the exports not computed" in err and "clinker" in err
    wb = openpyxl.load_workbook(out)
    assert wb["Cost"]["A3"].value.startswith("No cost computed")
    meta = [c for row in wb["Metadata"].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any(m.startswith("cost of the exports not computed") for m in meta)

"""Excel report: sheets, native charts counted after reopening, text-safe cells, whole-or-nothing write, PNG."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from cbamcalc.errors import OutputError
from cbamcalc.exposure import run_exposure
from cbamcalc.io.exposure_report import write_exposure_report, write_png_charts
from cbamcalc.scenarios import default_scenarios

YEARS = np.arange(2026, 2035)


@pytest.fixture(scope="module")
def result():
    rows = []
    for cn, sector, direct, bm in (("73181595", "Iron and steel", 2.408, 0.066),
                                   ("76042100", "Aluminium", 1.290, 0.152)):
        for y in YEARS:
            mk = 0.1 if y == 2026 else 0.2 if y == 2027 else 0.3
            rows.append({"cn_code": cn, "year": int(y), "sector": sector, "see_default": direct * (1 + mk),
                         "benchmark_default": bm})
    table = pd.DataFrame(rows)
    flows = pd.DataFrame({"year": 2024, "cn_code": ["73181595", "76042100", "73181595"], "country": "TH",
                          "firm": ["=HYPERLINK(\"http://x\")", "@SUM(A1)", "-2+3"],
                          "net_mass_t": [1000.0, 200.0, 50.0], "value_eur": [2.6e6, 1.0e6, 1.3e5]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_exposure(flows, default_scenarios(), intensities=table, draws=300, seed=5)


def test_report_sheets_and_charts(result, tmp_path):
    path = write_exposure_report(result, tmp_path / "report.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Summary", "Cost by sector", "By sector", "By CN4", "By CN8", "Scenarios", "Tornado",
                             "Monte Carlo", "Intensities"]
    charts = {ws.title: len(ws._charts) for ws in wb}
    assert sum(charts.values()) == 4
    assert charts["Cost by sector"] == charts["Tornado"] == charts["Monte Carlo"] == charts["Scenarios"] == 1
    summary = wb["Summary"]
    values = [c.value for row in summary.iter_rows() for c in row if c.value is not None]
    assert result.data_version in values and "central" in values
    assert any(isinstance(v, str) and "never law" in v for v in values)
    # the tidy sheets carry units in their headers
    head = [c.value for c in wb["By sector"][1]]
    assert "cost [EUR]" in head and "certificates [tCO2e]" in head and "cost / export value" in head
    # no temporary file left behind
    assert [p.name for p in tmp_path.iterdir()] == ["report.xlsx"]


def test_formula_like_text_stays_text(result, tmp_path):
    res = result
    # a firm name that looks like a formula reaches the report through the assumptions and warnings
    res2 = type(res)(**{**res.__dict__, "warnings": ["=cmd|' /C calc'!A0", "+1", "-1", "@x"]})
    path = write_exposure_report(res2, tmp_path / "r.xlsx")
    ws = load_workbook(path)["Summary"]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    assert {c.value for c in cells} >= {"=cmd|' /C calc'!A0", "+1", "-1", "@x"}
    assert all(c.data_type == "s" for c in cells)


def test_missing_folder_and_failed_write_leave_nothing(result, tmp_path, monkeypatch):
    with pytest.raises(OutputError, match="does not exist"):
        write_exposure_report(result, tmp_path / "nope" / "r.xlsx")
    import openpyxl.workbook.workbook as wbmod

    def broken(self, fh):
        fh.write(b"partial")  # the report is saved into the temporary file's handle
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(wbmod.Workbook, "save", broken)
    target = tmp_path / "r.xlsx"
    with pytest.raises(OutputError, match="No space left"):
        write_exposure_report(result, target)
    assert not target.exists() and not any(p.name.startswith((".tmp-", ".cbamcalc-")) for p in tmp_path.iterdir())


def test_existing_report_replaced_whole(result, tmp_path):
    target = tmp_path / "r.xlsx"
    target.write_bytes(b"old")
    write_exposure_report(result, target)
    assert load_workbook(target).sheetnames[0] == "Summary"
    assert os.path.getsize(target) > 1000


def test_png_charts(result, tmp_path):
    pytest.importorskip("matplotlib")
    files = write_png_charts(result, tmp_path)
    assert sorted(p.name for p in files) == ["exposure_cost_by_sector.png", "exposure_fan_chart.png",
                                             "exposure_tornado.png"]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in files)


@pytest.mark.skipif(os.name != "posix", reason="file modes and umask are POSIX")
def test_png_charts_have_the_mode_the_umask_gives(result, tmp_path):
    pytest.importorskip("matplotlib")
    import stat

    old = os.umask(0o022)
    try:
        files = write_png_charts(result, tmp_path)
    finally:
        os.umask(old)
    assert {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o644}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in files)


def test_png_without_matplotlib(result, tmp_path, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_mpl(name, *a, **k):
        if name.startswith("matplotlib"):
            raise ImportError("no matplotlib")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_mpl)
    with pytest.raises(OutputError, match=r"PNG charts need matplotlib: pip install 'cbamcalc\[charts\]'"):
        write_png_charts(result, tmp_path)

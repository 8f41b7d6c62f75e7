"""The report inputs the workbooks lack (cbamcalc.io.report_inputs): every refusal names file, sheet and cell."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from cbamcalc.cli import main
from cbamcalc.errors import InputError
from cbamcalc.io.report_inputs import read_report_inputs, write_report_inputs
from cbamcalc.model import Installation
from cbamcalc.operator_report import report_year


@pytest.fixture()
def blank(tmp_path):
    return write_report_inputs(tmp_path / "companion.xlsx")


def _edit(path, sheet, cells):
    wb = openpyxl.load_workbook(path)
    for ref, value in cells.items():
        wb[sheet][ref] = value
    wb.save(path)
    return path


def test_blank_reads_as_empty(blank):
    inputs = read_report_inputs(blank, required=True)
    assert inputs.info == {} and inputs.goods.empty and inputs.precursors.empty


def test_values_are_read_with_their_cells(blank):
    wb = openpyxl.load_workbook(blank)
    rows = {ws.cell(row=r, column=1).value: r for ws in [wb["Report_Info"]] for r in range(3, 60)}
    _edit(blank, "Report_Info", {f"E{rows['new_installation']}": "No", f"E{rows['addendum_mwh']}": 12.5})
    _edit(blank, "Report_Precursors", {"A5": "PP1", "B5": "7208 10 00", "D5": 0.7})
    inputs = read_report_inputs(blank)
    assert inputs.info == {"new_installation": "no", "addendum_mwh": 12.5}  # the choice as the list spells it
    assert inputs.cells[("info", "new_installation")] == f"Report_Info!E{rows['new_installation']}"
    rec = inputs.precursors.iloc[0]
    assert (rec["precursor"], rec["cn_code"], rec["sefa"]) == ("PP1", "72081000", 0.7)
    assert inputs.cells[("precursors", "sefa", 0)] == "Report_Precursors!D5"


@pytest.mark.parametrize(("sheet", "cells", "message"), [
    ("Report_Info", {"A3": "operator_nam"}, r"File 'companion\.xlsx', sheet 'Report_Info', cell A3 \(key\): expected "
                                            r"a field key of report_inputs_fields\.csv, found 'operator_nam'"),
    ("Report_Info", {"A3": None, "E3": "ACME"}, r"sheet 'Report_Info', cell A3 \(key\): expected the field key of the "
                                                r"value in E3"),
    ("Report_Info", {"E19": "maybe"}, r"sheet 'Report_Info', cell E19 \(new_installation\): expected one of yes, no, "
                                      r"found 'maybe'"),
    ("Report_Info", {"E20": -1.0}, r"cell E20 \(installation_electricity_mwh\): expected a number of 0 or more "
                                   r"\[MWh\], found -1\.0"),
    ("Report_Info", {"E20": "many"}, r"cell E20 \(installation_electricity_mwh\): expected a number of 0 or more "
                                     r"\[MWh\], found 'many'"),
    ("Report_Info", {"E3": "ACME\u202e"}, r"cell E3 \(operator_name\): expected printable text"),
    ("Report_Goods", {"A5": "P1", "B5": "7208"}, r"sheet 'Report_Goods', cell B5 \(cn_code\): expected"),
    ("Report_Goods", {"A5": "P1", "D5": 0.0}, r"cell D5 \(clinker_content\): expected a fraction in \(0, 1\], "
                                              r"found 0\.0"),
    ("Report_Goods", {"B2": "cn"}, r"sheet 'Report_Goods', cell B2 \(header\): expected 'cn_code', found 'cn'"),
    ("Report_Goods", {"C5": "K"}, r"sheet 'Report_Goods', cell A5 \(process\): expected the process or precursor the "
                                  r"row is about"),
    ("Report_Precursors", {"A2005": "PP1"}, r"sheet 'Report_Precursors', row 2005: expected at most 2000 rows"),
    ("Report_Precursors", {"A5": "PP1", "E5": "sometimes"}, r"cell E5 \(period_basis\): expected one of default "
                                                             r"reporting period, actual time of production"),
])
def test_bad_cells_are_refused_naming_the_cell(blank, sheet, cells, message):
    _edit(blank, sheet, cells)
    with pytest.raises(InputError, match=message):
        read_report_inputs(blank)


def test_companion_without_the_sheets_is_refused(tmp_path):
    wb = openpyxl.Workbook()
    wb.save(tmp_path / "other.xlsx")
    with pytest.raises(InputError, match=r"File 'other\.xlsx' \(--inputs\): expected a companion workbook with "
                                         r"sheets Report_Info, Report_Goods, Report_Precursors"):
        read_report_inputs(tmp_path / "other.xlsx", required=True)
    assert read_report_inputs(tmp_path / "other.xlsx").info == {}


@pytest.mark.parametrize(("period_end", "year", "message"), [
    (None, None, r"Field 'year': the reporting period is not stated; there is no CBAM factor for it; expected the "
                 r"production year of the SEFA, 2026-2034"),
    (dt.date(2025, 12, 31), None, r"ends in 2025, before the definitive period"),
    (dt.date(2026, 12, 31), 2035, r"Field 'year': expected a production year 2026-2034 .*found 2035"),
    (dt.date(2026, 12, 31), True, r"Field 'year': expected a production year 2026-2034"),
])
def test_report_year_refusals(period_end, year, message):
    with pytest.raises(InputError, match=message):
        report_year(Installation(period_end=period_end), year)
    assert report_year(Installation(period_end=dt.date(2027, 6, 30)), None) == 2027


def test_cli_flags_are_checked_before_any_work(tmp_path, capsys):
    src = tmp_path / "in.xlsx"
    openpyxl.Workbook().save(src)
    for argv, line in [
        ([str(src)], "cbamcalc report: error: --out: expected --out REPORT.xlsx, --json or --new-inputs FILE"),
        ([str(src), "--json", "--year", "2040"], "cbamcalc report: error: --year: expected a production year "
                                                 "2026-2034, found 2040"),
        ([str(src), "--out", str(src)], f"cbamcalc report: error: --out {src}: is an input of the command; refusing "
                                        "to write over the input file, choose a new file name"),
    ]:
        assert main(["report", *argv]) == 2
        assert capsys.readouterr().err.strip().splitlines() == [line]

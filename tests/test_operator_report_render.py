"""A rendered page of the operator's report: LibreOffice prints the Thai labels beside the English, with units.

The report workbook of example 6 (aluminium, ``shared/cbam_templates/official``) is converted to PDF by
``soffice --headless --convert-to pdf``; ``pdftotext`` reads the printed summary page back. Skipped when
LibreOffice or poppler's ``pdftotext`` is not installed. (The PNG of that page, ``pdftoppm -png``, was looked
at by eye for issue 13.)
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

from cbamcalc.io.operator_report_workbook import write_operator_report
from cbamcalc.io.report_inputs import ReportInputs
from cbamcalc.operator_report import build_report
from cbamcalc.refdata import source_dir

TEMPLATES = (source_dir() or Path(__file__).resolve().parent / "data") / "cbam_templates"
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::UserWarning"),
              pytest.mark.skipif(not TEMPLATES.is_dir(), reason="tests/data/cbam_templates is not present"),
              pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")),
                                 reason="LibreOffice soffice or poppler pdftotext not installed")]


def test_printed_summary_shows_thai_labels_and_units(tmp_path):
    import pandas as pd

    from cbamcalc.io.communication_template import read_communication_template
    from cbamcalc.pipeline import run_installation

    inst = read_communication_template(TEMPLATES / "official" / "EC_v2.1_example6_aluminium_FILLED.xlsx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inputs = ReportInputs()
        inputs.goods = pd.DataFrame([{"process": "Primary smelting", "cn_code": "76011010", "route": "K",
                                      "clinker_content": None, "quantity_t": None, "sector_parameters": None}])
        report = build_report(run_installation(inst, on_warning="ignore"), inst, year=2026, inputs=inputs)
    xlsx = write_operator_report(report, tmp_path / "report.xlsx", lang="th")
    subprocess.run([shutil.which("soffice"), "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(xlsx)], check=True, capture_output=True, timeout=300)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "report.pdf"), "-"], check=True,
                          capture_output=True, text=True, timeout=60).stdout
    first = text.split("\f")[1]  # the second printed page of the summary: the SEE columns
    assert "SEE direct" in first and "SEE ทางตรง" in first and "SEE ทางอ้อม" in first
    assert "[tCO2e/t]" in first and "[MWh/t]" in first and "[fraction]" in first
    assert "รายงานสรุปการปล่อยของผู้ประกอบการ" in first  # the Thai title beside the English one
    assert "Operator's summary emissions report" in first

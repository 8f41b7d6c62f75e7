"""Round trip through the Commission's own formulas, recalculated by LibreOffice.

For each of the seven Commission examples (and our Thai fastener example): read it, export it
with ``cbamcalc export-communication`` into the blank v2.1.1, recalculate the exported file with
LibreOffice headless (a temporary profile sets ``/org.openoffice.Office.Calc/Formula/Load/
OOXMLRecalcMode`` = 0, "always recalculate"), and compare the template's Summary_Products SEE
(columns I, J, K) with cbamcalc's own result: equal within 1e-6 (relative, or absolute below 1).

All files are converted in ONE soffice call (session-scoped fixture). Skipped, with the reason,
only when LibreOffice is not installed; ``.ci/run`` installs it.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

from cbamcalc.cli import main
from cbamcalc.io.communication_template import read_communication_template
from cbamcalc.io.communication_writer import find_soffice, recalculate_with_libreoffice
from cbamcalc.io.exporter_workbook import read_input_workbook, write_input_workbook
from cbamcalc.io.xlsx_safety import XlsxReader
from cbamcalc.pipeline import run_installation

pytestmark = pytest.mark.slow

EXAMPLES = [
    "EC_v2.1_example1_cement_FILLED.xlsx",
    "EC_v2.1_example2_steel1_blast_furnace_FILLED.xlsx",
    "EC_v2.1_example3_steel2_EAF_alloys_FILLED.xlsx",
    "EC_v2.1_example4_steel3_screws_nuts_FILLED.xlsx",
    "EC_v2.1_example5_fertiliser_FILLED.xlsx",
    "EC_v2.1_example6_aluminium_FILLED.xlsx",
    "EC_v2.1_example7_hydrogen_2processes_FILLED.xlsx",
]
THAI = "thai_fastener_plant"
TOL = 1e-6


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def soffice() -> str:
    exe = find_soffice()
    if exe is None:
        pytest.skip("LibreOffice (soffice) is not installed: the recalculation round trip cannot run here "
                    "(.ci/run installs libreoffice-calc-nogui)")
    return exe


@pytest.fixture(scope="session")
def recalculated(tmp_path_factory, templates_dir, soffice) -> dict[str, tuple[Path, object, Path]]:
    """name -> (recalculated export, cbamcalc result, source); one soffice call for all files."""
    work = tmp_path_factory.mktemp("lo_roundtrip")
    exported_dir, recalc_dir = work / "exported", work / "recalculated"
    exported_dir.mkdir()
    jobs: dict[str, tuple[Path, object, Path]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in EXAMPLES:
            src = templates_dir / "official" / name
            before = _sha(src)
            out = exported_dir / name.replace("_FILLED", "_exported")
            assert main(["export-communication", str(src), "--out", str(out)]) == 0
            assert _sha(src) == before  # the input is only read
            jobs[name] = (out, run_installation(read_communication_template(src), on_warning="ignore"), src)
        ours = write_input_workbook(work / f"{THAI}.xlsx", lang="th", example=True)
        out = exported_dir / f"{THAI}_exported.xlsx"
        assert main(["export-communication", str(ours), "--out", str(out)]) == 0
        jobs[THAI] = (out, run_installation(read_input_workbook(ours).installation, on_warning="ignore"), ours)
    done = recalculate_with_libreoffice([j[0] for j in jobs.values()], recalc_dir, soffice=soffice)
    return {name: (path, job[1], job[2]) for (name, job), path in zip(jobs.items(), done, strict=True)}


def _compare(path: Path, result) -> float:
    x = XlsxReader(path)
    worst = 0.0
    products = result.products
    assert len(products) > 0
    for i, row in products.iterrows():
        r = 10 + int(i)
        assert x.value("Summary_Products", f"D{r}") == row["process"]
        assert x.value("Summary_Products", f"F{r}") == row["cn_code"]
        for col, key in (("I", "see_direct"), ("J", "see_indirect"), ("K", "see_total")):
            got = x.value("Summary_Products", f"{col}{r}")
            want = float(row[key])
            assert isinstance(got, float), f"Summary_Products!{col}{r} = {got!r} (not recalculated?)"
            diff = abs(got - want) / max(1.0, abs(want))
            worst = max(worst, diff)
            assert diff <= TOL, f"Summary_Products!{col}{r}: template {got!r}, cbamcalc {want!r}"
    # nothing beyond the goods: the row after the last good is empty in the template
    assert x.value("Summary_Products", f"D{10 + len(products)}") in (None, "")
    return worst


@pytest.mark.parametrize("name", EXAMPLES + [THAI])
def test_template_formulas_give_cbamcalcs_see(recalculated, name):
    path, result, _ = recalculated[name]
    worst = _compare(path, result)
    print(f"{name}: max relative difference {worst:.3g}")


def test_template_totals_match(recalculated):
    """Installation totals (C_Emissions&Energy L27, M27) of the recalculated template equal cbamcalc's."""
    for name, (path, result, _) in recalculated.items():
        x = XlsxReader(path)
        direct = x.value("C_Emissions&Energy", "L27")
        assert abs(direct - result.totals.direct) <= TOL * max(1.0, abs(result.totals.direct)), name


def test_recalculate_option_of_the_cli(tmp_path, templates_dir, soffice):
    src = templates_dir / "official" / "EC_v2.1_example4_steel3_screws_nuts_FILLED.xlsx"
    out = tmp_path / "screws_recalculated.xlsx"
    assert main(["export-communication", str(src), "--out", str(out), "--recalculate"]) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_installation(read_communication_template(src), on_warning="ignore")
    assert _compare(out, result) <= TOL
    assert not list(tmp_path.glob(".cbamcalc-*"))


def test_results_workbook_renders_charts_and_thai_text(tmp_path, soffice):
    """The Thai results workbook converts to PDF with its Thai text (charts are checked by eye, see the report)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    ours = write_input_workbook(tmp_path / "plant.xlsx", lang="th", example=True)
    res = tmp_path / "results_th.xlsx"
    assert main(["run", str(ours), "--out", str(res), "--lang", "th"]) == 0
    pdf_dir = tmp_path / "pdf"
    prof = tmp_path / "profile"
    proc = subprocess.run([soffice, f"-env:UserInstallation={prof.as_uri()}", "--headless", "--convert-to", "pdf",
                           "--outdir", str(pdf_dir), str(res)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    text = subprocess.run(["pdftotext", str(pdf_dir / "results_th.pdf"), "-"], capture_output=True,
                          text=True).stdout
    assert "ค่าใช้จ่าย CBAM รายปี" in text  # chart and table titles in Thai
    assert "สลักเกลียวหัวหกเหลี่ยม" in text  # product names in Thai
    assert "73181588" in text

"""``cbamcalc run A.xlsx B.xlsx DIR/ --out summary.xlsx``: many workbooks, one summary, bad files listed.

Expected SEE are the Commission's (``tests/data/cbam_templates/examples_key_results.csv``); every other
figure of the batch must equal what ``cbamcalc run FILE --json`` gives for the same file alone.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import sys
from pathlib import Path

import openpyxl
import pytest

from cbamcalc.cli import main
from cbamcalc.commands import run_batch
from cbamcalc.refdata import source_dir

TEMPLATES = (source_dir() or Path(__file__).resolve().parent / "data") / "cbam_templates"
CEMENT = TEMPLATES / "official" / "EC_v2.1_example1_cement_FILLED.xlsx"
STEEL = TEMPLATES / "official" / "EC_v2.1_example2_steel1_blast_furnace_FILLED.xlsx"
STEEL_3P = TEMPLATES / "thirdparty" / "tecnomod_steel1_blast_furnace_modified_FILLED.xlsx"
PLANT = Path(__file__).resolve().parent.parent / "examples" / "thai_fastener_plant.xlsx"

pytestmark = pytest.mark.skipif(not TEMPLATES.is_dir(), reason="tests/data/cbam_templates is not present")


def _published(name: str) -> list[dict[str, str]]:
    with (TEMPLATES / "examples_key_results.csv").open(encoding="utf-8", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["level"] == "product" and r[next(iter(r))] == f"official/{name}"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder of supplier files: two Commission examples, our workbook, a damaged file, a lock file."""
    d = tmp_path / "suppliers"
    d.mkdir()
    shutil.copy(CEMENT, d / "a_cement.xlsx")
    shutil.copy(STEEL, d / "b_steel.xlsx")
    shutil.copy(PLANT, d / "c_plant.xlsx")
    (d / "d_broken.xlsx").write_bytes(b"not a workbook")
    (d / "~$a_cement.xlsx").write_bytes(b"an Excel lock file")
    (d / "notes.txt").write_text("not read", encoding="utf-8")
    return d


def test_a_folder_and_files_give_one_summary_and_the_failures(folder, tmp_path, capsys):
    out = tmp_path / "summary.xlsx"
    status = main(["run", str(folder), str(STEEL_3P), "--out", str(out), "--json"])
    assert status == 2  # some files failed; the summary is written all the same
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert (data["files"], data["computed"], data["failed"]) == (5, 3, 2)
    reasons = {Path(f["file"]).name: f["reason"] for f in data["failures"]}
    assert set(reasons) == {"d_broken.xlsx", STEEL_3P.name}
    assert reasons["d_broken.xlsx"].startswith("File 'd_broken.xlsx': not an .xlsx workbook")
    assert "sheet 'Summary_Products', cell F10" in reasons[STEEL_3P.name]
    # the published SEE of the Commission's cement example (examples_key_results.csv, product 1)
    cement = [g for g in data["goods"] if Path(g["file"]).name == "a_cement.xlsx"]
    pub = _published(CEMENT.name)
    assert [g["cn_code"] for g in cement] == [r["cn_code"] for r in pub]
    assert cement[0]["see_total"] == pytest.approx(float(pub[0]["SEE_total"]), rel=1e-12)
    assert cement[0]["installation"] == "Example Cement Producer" and cement[0]["template_version"] == "2.1"
    # stderr: one line per failed file, no progress bar (not a terminal)
    errors = captured.err.strip().splitlines()
    assert len(errors) == 2 and all(e.startswith("cbamcalc run: error: File '") for e in errors)

    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["SEE per good", "Failures", "About"]
    rows = list(wb["SEE per good"].iter_rows(values_only=True))
    assert rows[0][:4] == ("file", "installation", "country", "input")
    assert len(rows) - 1 == len(data["goods"])
    assert rows[1][0] == "a_cement.xlsx" and rows[1][3] == "Communication template v2.1"
    assert rows[1][9] == pytest.approx(float(pub[0]["SEE_total"]), rel=1e-12)
    fails = list(wb["Failures"].iter_rows(values_only=True))
    assert fails[0] == ("file", "reason") and {r[0] for r in fails[1:]} == {"d_broken.xlsx", STEEL_3P.name}


def test_every_file_equals_its_single_run(folder, capsys):
    assert main(["run", str(folder / "b_steel.xlsx"), str(folder / "c_plant.xlsx"), "--json", "--quiet"]) == 0
    batch = json.loads(capsys.readouterr().out)
    for name in ("b_steel.xlsx", "c_plant.xlsx"):
        assert main(["run", str(folder / name), "--json"]) == 0
        alone = json.loads(capsys.readouterr().out)
        goods = [g for g in batch["goods"] if Path(g["file"]).name == name]
        assert [(g["cn_code"], g["see_direct"], g["see_indirect"], g["see_total"]) for g in goods] == \
               [(p["cn_code"], p["see_direct"], p["see_indirect"], p["see_total"]) for p in alone["products"]]
        assert next(r for r in batch["results"] if Path(r["file"]).name == name)["warnings"] == alone["warnings"]


def test_two_processes_give_the_same_summary_in_the_same_order(folder, capsys):
    assert main(["run", str(folder), "--json", "--jobs", "1"]) == 2
    one = json.loads(capsys.readouterr().out)
    assert main(["run", str(folder), "--json", "--jobs", "2"]) == 2
    two = json.loads(capsys.readouterr().out)
    assert one == two


def test_progress_bar_on_a_terminal_only_and_never_with_quiet(folder, monkeypatch, capsys):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert main(["run", str(folder / "a_cement.xlsx"), str(folder / "b_steel.xlsx")]) == 0
    assert "2/2" in capsys.readouterr().err  # tqdm's counter
    assert main(["run", str(folder / "a_cement.xlsx"), str(folder / "b_steel.xlsx"), "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_table_names_every_file(folder, capsys):
    assert main(["run", str(folder), "--quiet"]) == 2
    out = capsys.readouterr().out
    assert out.startswith("4 files: 3 computed, 1 failed; SEE in tCO2e/t")
    assert "d_broken.xlsx: FAILED" in out and "a_cement.xlsx (template v2.1; Example Cement Producer)" in out


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (["--jobs", "0"], r"^cbamcalc run: error: --jobs: expected a number of worker processes from 1 to 256, "
                          r"found 0$"),
        (["--price", "80"], r"^cbamcalc run: error: --price: expected a single FILE \(the summary of several files "
                            r"has no cost\), found 80.0$"),
        (["--out", "{a}"], r"^cbamcalc run: error: --out .*a_cement.xlsx: is an input of the command"),
    ],
)
def test_bad_flags_are_one_line(folder, capsys, extra, match):
    extra = [e.format(a=folder / "a_cement.xlsx") for e in extra]
    assert main(["run", str(folder / "a_cement.xlsx"), str(folder / "b_steel.xlsx"), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert re.search(match, err), err


def test_a_folder_without_workbooks_is_refused(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["run", str(tmp_path / "empty")]) == 2
    assert capsys.readouterr().err.strip() == (f"cbamcalc run: error: Field 'FILE': no .xlsx file to compute; expected workbooks, "
                                               f"or folders holding them, found '{tmp_path / 'empty'}'")


def test_expand_keeps_order_and_drops_repeats(folder):
    files = run_batch.expand([str(folder / "c_plant.xlsx"), str(folder), str(folder / "c_plant.xlsx")])
    assert [Path(f).name for f in files] == ["c_plant.xlsx", "a_cement.xlsx", "b_steel.xlsx", "d_broken.xlsx"]


def test_a_file_that_kills_its_worker_fails_alone(folder, monkeypatch):
    import os

    real = run_batch.run_one

    def dying(file, *args):
        if file.endswith("b_steel.xlsx"):
            os._exit(9)  # as if the system killed the process (out of memory)
        return real(file, *args)

    dying.__module__, dying.__qualname__ = run_batch.__name__, "run_one"  # sent to the workers by name
    monkeypatch.setattr(run_batch, "run_one", dying)
    files = [str(folder / n) for n in ("a_cement.xlsx", "b_steel.xlsx", "c_plant.xlsx")]
    results = run_batch.run_all(files, jobs=2)
    assert [r["ok"] for r in results] == [True, False, True]
    assert results[1]["reason"] == "File 'b_steel.xlsx': the process computing it stopped (out of memory or killed)"


def test_a_control_character_in_a_file_name_is_stored_escaped(tmp_path, capsys):
    bad = tmp_path / "pl\x01ant.xlsx"  # a name Linux allows and an .xlsx cell cannot hold
    bad.write_bytes(b"not a workbook")
    out = tmp_path / "summary.xlsx"
    assert main(["run", str(bad), str(CEMENT), "--out", str(out), "--quiet"]) == 2
    fails = list(openpyxl.load_workbook(out)["Failures"].iter_rows(values_only=True))
    assert fails[1][0] == "pl\\x01ant.xlsx"
    assert fails[1][1].startswith("File 'pl\\x01ant.xlsx': not an .xlsx workbook")


def test_a_folder_that_cannot_be_listed_is_one_line(tmp_path, monkeypatch, capsys):
    (tmp_path / "locked").mkdir()

    def refused(self):
        raise PermissionError(13, "Permission denied")  # as chmod 000 does for a user other than root

    monkeypatch.setattr(Path, "iterdir", refused)
    assert main(["run", str(tmp_path / "locked"), str(CEMENT)]) == 2
    assert capsys.readouterr().err.strip() == (f"cbamcalc run: error: Field 'FILE': expected a folder cbamcalc may "
                                               f"read, found '{tmp_path / 'locked'}: Permission denied'")

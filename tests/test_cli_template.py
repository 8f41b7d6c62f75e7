"""``cbamcalc template new`` and ``cbamcalc export-communication`` from the command line."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from cbamcalc.cli import main
from cbamcalc.io.exporter_workbook import labels, read_input_workbook


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("lang", ["en", "th", "both"])
def test_template_new_writes_a_workbook_in_the_language(tmp_path, capsys, lang):
    path = tmp_path / f"plant_{lang}.xlsx"
    assert main(["template", "new", str(path), "--lang", lang]) == 0
    assert f"wrote {path}" in capsys.readouterr().out
    ws = openpyxl.load_workbook(path)["Processes"]
    head = ws["A3"].value
    lab = labels()["field.processes.name"]
    assert head == {"en": lab["en"], "th": lab["th"], "both": f"{lab['en']}\n{lab['th']}"}[lang] + " *"
    assert (re.search(r"[\u0e00-\u0e7f]", head) is not None) == (lang != "en")


def test_template_new_default_is_english_and_refuses_to_overwrite(tmp_path, capsys):
    path = tmp_path / "plant.xlsx"
    assert main(["template", "new", str(path)]) == 0
    before = sha256(path)
    assert main(["template", "new", str(path), "--lang", "th"]) == 2
    assert "exists; choose another name or pass --force" in capsys.readouterr().err
    assert sha256(path) == before
    assert main(["template", "new", str(path), "--lang", "th", "--force"]) == 0
    assert sha256(path) != before
    assert main(["template", "new", str(tmp_path / "plant.csv")]) == 2
    assert "ending in .xlsx" in capsys.readouterr().err


def test_template_requires_an_action(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["template"])
    assert exc.value.code == 2


def test_example_workbook_runs_and_exports(tmp_path, capsys):
    plant = tmp_path / "plant.xlsx"
    assert main(["template", "new", str(plant), "--lang", "both", "--example"]) == 0
    before = sha256(plant)
    assert main(["run", str(plant)]) == 0
    out = capsys.readouterr().out
    assert "(cbamcalc input workbook)" in out and "CBAM cost of the tonnes exported" in out
    filled = tmp_path / "communication.xlsx"
    assert main(["export-communication", str(plant), "--out", str(filled)]) == 0
    assert "Communication template v2.1.1 filled" in capsys.readouterr().out
    assert sha256(plant) == before
    # the filled template is read by cbamcalc like any Communication template
    assert main(["run", str(filled), "--json"]) == 0
    assert '"template_version": "2.1.1"' in capsys.readouterr().out
    data = read_input_workbook(plant)
    assert len(data.installation.goods) == 3


def test_export_communication_refuses_its_input_and_other_files(tmp_path, templates_dir, capsys):
    src = templates_dir / "official" / "EC_v2.1_example6_aluminium_FILLED.xlsx"
    before = sha256(src)
    assert main(["export-communication", str(src), "--out", str(src)]) == 2
    assert "is an input of the command" in capsys.readouterr().err
    assert sha256(src) == before
    other = tmp_path / "other.xlsx"
    openpyxl.Workbook().save(other)
    assert main(["export-communication", str(other), "--out", str(tmp_path / "x.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "neither a cbamcalc input workbook nor the EU Communication template" in err
    assert main(["run", str(other)]) == 2
    assert "neither a cbamcalc input workbook" in capsys.readouterr().err


def test_export_communication_moves_a_v21_template_onto_v211(tmp_path, templates_dir, capsys):
    src = templates_dir / "official" / "EC_v2.1_example3_steel2_EAF_alloys_FILLED.xlsx"
    out = tmp_path / "eaf_v2.1.1.xlsx"
    assert main(["export-communication", str(src), "--out", str(out)]) == 0
    assert "(Communication template v2.1)" in capsys.readouterr().out
    from cbamcalc.io.xlsx_safety import XlsxReader

    x = XlsxReader(out)
    assert x.value("A_InstData", "I62") == "Electric arc furnace"  # routes carried over
    assert x.value("A_InstData", "I20") == XlsxReader(src).value("A_InstData", "I20")


def test_commands_are_registered_and_help_works():
    for cmd in (["template", "new", "--help"], ["export-communication", "--help"], ["run", "--help"]):
        proc = subprocess.run([sys.executable, "-m", "cbamcalc", *cmd], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        assert "usage: cbamcalc" in proc.stdout

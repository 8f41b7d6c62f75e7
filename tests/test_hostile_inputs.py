"""Every broken or hostile input of the corpus (``tests/hostile_corpus.py``) is refused in one line.

For each case: the exit status, exactly one line on stderr of the form ``cbamcalc CMD: error: ...``
that names the location (file, sheet and cell, row, or the flag typed) and matches the case's
pattern, no traceback, the inputs byte-identical afterwards and no file left behind (no partial
output, no temporary file). Runs ``cbamcalc.cli.main`` in process; a few cases also as a
subprocess, as a user runs them.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cbamcalc.cli import main

sys.path.insert(0, str(Path(__file__).parent))
import hostile_corpus as hc  # noqa: E402

CASES = hc.all_cases()


@pytest.fixture(scope="session")
def bases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hc.build_bases(tmp_path_factory.mktemp("hostile_bases"))


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` (hidden ones too), by relative path."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            out[str(p.relative_to(folder))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def run_case(case: hc.Case, bases: Path, folder: Path, monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str, dict[str, str], dict[str, str]]:
    argv = case.build(bases, folder)
    before = snapshot(folder)
    monkeypatch.chdir(folder)
    capsys.readouterr()
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse's own exits
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    return status, out, err, before, snapshot(folder)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_case(case: hc.Case, bases: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                      capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err, before, after = run_case(case, bases, tmp_path, monkeypatch, capsys)
    if case.status == 0:
        assert status == 0, err
        assert "Traceback" not in err
        return
    lines = err.splitlines()
    assert status == case.status, err
    assert len(lines) == 1, err
    line = lines[0]
    command = case.build.__name__ and "cbamcalc"
    assert line.startswith(command) and ": error: " in line, line
    assert "Traceback" not in line
    assert all(ch.isprintable() for ch in line), repr(line)
    assert re.search(case.message, line), f"{case.message!r} not in {line!r}"
    assert after == before, "an input changed or an output was left behind"


def test_corpus_size_and_kinds() -> None:
    """The corpus holds at least 150 cases, over every command."""
    assert len(CASES) >= 150
    commands = set()
    for c in CASES:
        commands.add(c.id.split("_", 1)[0])
    assert {"run", "template", "export", "exposure", "cost", "defaults", "flows", "scen", "comm"} <= commands


SUBPROCESS_CASES = ["zip_crc_stored", "formula_deep_parentheses", "run_file_newline_name", "scen_deep_arrays",
                    "value_inf_processes_E4"]


@pytest.mark.parametrize("case_id", SUBPROCESS_CASES)
def test_hostile_case_as_a_user_runs_it(case_id: str, bases: Path, tmp_path: Path) -> None:
    """The same cases through the installed entry point, with a HOME that cannot be written."""
    case = next(c for c in CASES if c.id == case_id)
    argv = case.build(bases, tmp_path)
    before = snapshot(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o500)
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}
    try:
        proc = subprocess.run([sys.executable, "-m", "cbamcalc", *argv], cwd=tmp_path, capture_output=True,
                              text=True, env=env, timeout=120)
    finally:
        home.chmod(0o700)
    home.rmdir()
    assert proc.returncode == case.status, proc.stderr
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    assert re.search(case.message, proc.stderr), proc.stderr
    assert snapshot(tmp_path) == before

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
    assert line.startswith("cbamcalc") and ": error: " in line, line
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


#: (case, what HOME is): the pint cache under HOME must never break a run.
SUBPROCESS_CASES = [("zip_crc_stored", "a file"), ("formula_deep_parentheses", "unset"),
                    ("run_file_newline_name", "a file"), ("scen_deep_arrays", "damaged cache"),
                    ("value_inf_processes_E4", "unset")]


def _home_env(kind: str, place: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HOME", "XDG_CACHE_HOME")}
    if kind == "a file":  # no folder can be made under it, even by root
        (place / "home").write_text("not a folder")
        env.update(HOME=str(place / "home"), XDG_CACHE_HOME=str(place / "home" / ".cache"))
    elif kind == "damaged cache":
        cache = place / "home" / ".cache"
        subprocess.run([sys.executable, "-c", "import cbamcalc.units"], env={**env, "HOME": str(place / "home"),
                       "XDG_CACHE_HOME": str(cache)}, check=True)
        for f in cache.rglob("*"):
            if f.is_file():
                f.write_text("garbage")
        env.update(HOME=str(place / "home"), XDG_CACHE_HOME=str(cache))
    return env


@pytest.mark.parametrize("case_id,home", SUBPROCESS_CASES)
def test_hostile_case_as_a_user_runs_it(case_id: str, home: str, bases: Path, tmp_path: Path) -> None:
    """The same cases through ``python -m cbamcalc``, with HOME a file, unset, or holding a damaged pint cache."""
    case = next(c for c in CASES if c.id == case_id)
    work = tmp_path / "work"
    work.mkdir()
    argv = case.build(bases, work)
    env = _home_env(home, tmp_path)
    before = snapshot(work)
    proc = subprocess.run([sys.executable, "-m", "cbamcalc", *argv], cwd=work, capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == case.status, proc.stderr
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    assert re.search(case.message, proc.stderr), proc.stderr
    assert snapshot(work) == before

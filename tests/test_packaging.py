"""The wheel carries the package, py.typed and every reference table of the manifest."""

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_contains_every_manifest_file(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path), str(ROOT)],
        capture_output=True, text=True,
    )
    if proc.returncode != 0 and "No module named build" in proc.stderr:
        pytest.skip("the 'build' package is not installed (pip install '.[test]')")
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheel = next(tmp_path.glob("cbamcalc-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    manifest = tomllib.loads((ROOT / "emission_factors" / "MANIFEST.toml").read_text(encoding="utf-8"))
    expected = {"cbamcalc/emission_factors/MANIFEST.toml", "cbamcalc/py.typed", "cbamcalc/units.txt",
                "cbamcalc/emission_factors/compiled_tables.npz"}  # the tables parsed once, for start-up
    # the Commission's blank template (export-communication) and the cell maps ship too
    expected |= {f"cbamcalc/io/{p.relative_to(ROOT / 'cbamcalc' / 'io').as_posix()}"
                 for p in (ROOT / "cbamcalc" / "io").rglob("*") if p.suffix in {".csv", ".xlsx"}}
    expected |= {f"cbamcalc/emission_factors/{e['path']}" for e in manifest["files"].values()}
    assert expected <= names, sorted(expected - names)


def test_manifest_kinds_are_law_or_scenario():
    manifest = tomllib.loads((ROOT / "emission_factors" / "MANIFEST.toml").read_text(encoding="utf-8"))
    for name, entry in manifest["files"].items():
        assert entry["kind"] in {"law", "scenario"}, name
        for key in ("path", "sha256", "title", "source"):
            assert entry.get(key), f"[files.{name}] lacks {key}"

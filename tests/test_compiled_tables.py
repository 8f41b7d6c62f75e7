"""cbamcalc.compiled_tables: the binary snapshot answers exactly what the CSVs say, or stands aside."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cbamcalc import compiled_tables as ct
from cbamcalc import refdata

ROOT = Path(__file__).resolve().parent.parent
EF = ROOT / "emission_factors"


def _csv(name: str) -> tuple[bytes, dict]:
    info = refdata.table_info(name)
    return (EF / info["path"]).read_bytes(), info


@pytest.mark.parametrize("name", refdata.list_tables())
def test_snapshot_is_current_and_equals_the_csv(name):
    raw, info = _csv(name)
    snapshot = ct.open_compiled((EF / ct.FILE_NAME).read_bytes())
    got = ct.frame_from_compiled(snapshot, name, refdata._sha256_bytes(raw))
    assert got is not None, (f"emission_factors/{ct.FILE_NAME} was not made from the current {info['path']}: "
                             "run 'python -m cbamcalc.refdata hash'")
    pd.testing.assert_frame_equal(got, refdata._parse(name, raw, info), check_exact=True)


def test_other_csv_bytes_are_not_answered_from_the_snapshot():
    snapshot = ct.open_compiled((EF / ct.FILE_NAME).read_bytes())
    assert ct.frame_from_compiled(snapshot, "constants", "0" * 64) is None
    assert ct.frame_from_compiled(snapshot, "no_such_table", "0" * 64) is None
    assert ct.frame_from_compiled(None, "constants", "0" * 64) is None


def test_a_damaged_snapshot_is_ignored():
    assert ct.open_compiled(b"not a zip archive") is None


def _without_snapshot(monkeypatch, loader, cached, name):
    """What ``loader(name)`` gives when no snapshot is shipped (the CSV path), caches cleared around it."""
    monkeypatch.setattr(refdata, "_compiled", lambda: None)
    refdata._source.cache_clear()
    cached.cache_clear()
    try:
        return loader(name)
    finally:
        monkeypatch.undo()
        refdata._source.cache_clear()
        cached.cache_clear()


def test_without_a_snapshot_the_csv_path_gives_the_same_tables(monkeypatch):
    slow = _without_snapshot(monkeypatch, refdata.load_table, refdata._load, "default_values_2026_1740_v2")
    pd.testing.assert_frame_equal(refdata.load_table("default_values_2026_1740_v2"), slow, check_exact=True)


def test_compiling_is_deterministic_and_pickle_free(tmp_path):
    frames = {"a": ("ab" * 32, pd.DataFrame({"key": pd.array(["x", "", "x"], dtype="str"),
                                            "value": [1.5, np.nan, 3.0], "row": [2, 3, 4]}))}
    one = ct.write_compiled(tmp_path / "one.npz", frames).read_bytes()
    two = ct.write_compiled(tmp_path / "two.npz", frames).read_bytes()
    assert one == two
    assert not list(tmp_path.glob("*.tmp"))
    back = ct.frame_from_compiled(np.load(tmp_path / "one.npz", allow_pickle=False), "a", "ab" * 32)
    pd.testing.assert_frame_equal(back, frames["a"][1], check_exact=True)


def test_text_with_nul_is_refused(tmp_path):
    frames = {"a": ("00", pd.DataFrame({"key": pd.array(["x\x00y"], dtype="str")}))}
    with pytest.raises(ValueError, match=r"a, column 'key': only text without NUL"):
        ct.write_compiled(tmp_path / "x.npz", frames)
    assert not list(tmp_path.iterdir())


def test_a_default_value_lookup_does_not_import_pint():
    # the units were validated when the tables were compiled; pint costs start-up time (issue 12)
    code = ("import sys, contextlib, io\nfrom cbamcalc.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    main(['defaults', '--cn', '73181595', '--country', 'TH', '--year', '2027'])\n"
            "print(sorted(m for m in sys.modules if m == 'pint' or m.startswith('pint.'))[:1])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_build_without_sources_is_one_line(capsys):
    assert refdata.main(["build", "--sources", "/nonexistent"]) == 2
    assert capsys.readouterr().err == ("python -m cbamcalc.refdata: error: --sources /nonexistent: expected a folder "
                                       "holding cbam_templates/, found none\n")


def test_build_in_a_checkout_without_sources_is_one_line(monkeypatch, capsys):
    monkeypatch.setattr(refdata, "source_dir", lambda: None)
    assert refdata.main(["build"]) == 2
    assert capsys.readouterr().err == ("python -m cbamcalc.refdata: error: the Commission's source files are not in "
                                       "tests/data/cbam_templates/ of this checkout; give their folder with --sources\n")


@pytest.mark.parametrize("name", refdata.list_tables())
def test_columns_hold_the_values_of_the_frame(name):
    # load_columns (no pandas) and load_table (a DataFrame) answer the same values, column by column
    frame = refdata.load_table(name)
    cols = refdata.load_columns(name)
    assert list(cols) == [str(c) for c in frame.columns]
    for col, arr in cols.items():
        want = frame[col]
        if pd.api.types.is_numeric_dtype(want.dtype):
            assert arr.dtype == want.dtype, col
            np.testing.assert_array_equal(arr, want.to_numpy(), err_msg=col)
        else:
            assert arr.dtype == object and all(isinstance(v, str) for v in arr), col
            assert arr.tolist() == want.astype(object).tolist(), col
        assert not arr.flags.writeable


def test_columns_without_a_snapshot_come_from_the_csv(monkeypatch):
    slow = _without_snapshot(monkeypatch, refdata.load_columns, refdata._columns, "markups_2026_1740")
    fast = refdata.load_columns("markups_2026_1740")
    assert list(slow) == list(fast)
    for col in fast:
        assert slow[col].tolist() == fast[col].tolist() or (
            fast[col].dtype.kind == "f" and np.array_equal(slow[col], fast[col], equal_nan=True)), col


def test_a_stale_snapshot_is_never_answered_for_columns():
    snapshot = ct.open_compiled((EF / ct.FILE_NAME).read_bytes())
    assert ct.columns_from_compiled(snapshot, "constants", "0" * 64) is None
    assert ct.columns_from_compiled(None, "constants", "0" * 64) is None


def test_the_snapshot_holds_the_manifest_as_parsed():
    import tomllib

    raw = (EF / "MANIFEST.toml").read_bytes()
    snapshot = ct.open_compiled((EF / ct.FILE_NAME).read_bytes())
    got = ct.manifest_from_compiled(snapshot, refdata._sha256_bytes(raw))
    assert got is not None, f"emission_factors/{ct.FILE_NAME} is stale: run 'python -m cbamcalc.refdata hash'"
    assert got == tomllib.loads(raw.decode("utf-8"))
    assert ct.manifest_from_compiled(snapshot, "0" * 64) is None  # other bytes: the TOML is parsed
    assert ct.manifest_from_compiled(None, "0" * 64) is None


def test_manifest_without_a_snapshot_is_parsed_from_the_toml(monkeypatch):
    slow = _without_snapshot(monkeypatch, lambda _: refdata.manifest(), refdata.manifest, None)
    assert slow == refdata.manifest() and slow["data_version"] == refdata.data_version()


def test_a_manifest_with_a_toml_date_is_compiled_without_it(tmp_path):
    import datetime

    frames = {"a": ("ab" * 32, pd.DataFrame({"value": [1.5]}))}
    path = ct.write_compiled(tmp_path / "m.npz", frames, manifest=("cd" * 32, {"when": datetime.date(2026, 1, 1)}))
    snapshot = np.load(path, allow_pickle=False)
    assert ct.manifest_from_compiled(snapshot, "cd" * 32) is None
    assert ct.frame_from_compiled(snapshot, "a", "ab" * 32) is not None

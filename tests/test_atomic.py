"""Whole-or-nothing output (cbamcalc.io.atomic)."""

import pytest

from cbamcalc.errors import OutputError
from cbamcalc.io.atomic import write_atomically


def test_writes_and_replaces_whole(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    write_atomically(target, lambda fh: fh.write("a,b\nก,1\n"), text=True)
    assert target.read_text(encoding="utf-8") == "a,b\nก,1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"old")

    def broken(fh):
        fh.write(b"partial")
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputError, match=r"--out x\.xlsx: cannot be written: No space left on device"):
        write_atomically(target, broken, label="--out x.xlsx")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_other_errors_propagate_and_clean_up(tmp_path):
    def boom(fh):
        raise ValueError("bad")

    with pytest.raises(ValueError, match="bad"):
        write_atomically(tmp_path / "a.bin", boom)
    assert list(tmp_path.iterdir()) == []


def test_missing_folder(tmp_path):
    with pytest.raises(OutputError, match=r"cannot write in .*nope"):
        write_atomically(tmp_path / "nope" / "a.bin", lambda fh: None)

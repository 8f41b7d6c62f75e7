"""Whole-or-nothing output (cbamcalc.io.atomic)."""

import os
import stat

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


@pytest.mark.skipif(os.name != "posix", reason="file modes and umask are POSIX")
@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_the_written_file_has_the_mode_the_umask_gives(tmp_path, umask, mode):
    # a new file of the user is 0o666 less the umask; the temporary file's 0o600 must not survive the rename
    old = os.umask(umask)
    try:
        write_atomically(tmp_path / "out.xlsx", lambda fh: fh.write(b"data"))
        replaced = tmp_path / "old.xlsx"
        replaced.write_bytes(b"old")
        write_atomically(replaced, lambda fh: fh.write(b"new"))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out.xlsx").stat().st_mode) == mode
    assert stat.S_IMODE(replaced.stat().st_mode) == mode

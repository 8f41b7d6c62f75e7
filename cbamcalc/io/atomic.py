"""Whole-or-nothing file output: write a temporary file in the target folder, then rename it.

Every writer of cbamcalc goes through :func:`write_atomically`, so an output is either
complete or absent (an interrupted write leaves no half file), and an existing file at the
target is replaced only once the new one is complete. The file gets the mode any new file of the
user gets (``0o666`` less the umask), not the ``0o600`` of the temporary file it was written as.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from ..errors import OutputError

__all__ = ["check_target", "write_atomically", "write_new_workbook"]


def check_target(target: str | os.PathLike[str], *, flag: str,
                 inputs: tuple[str | os.PathLike[str] | None, ...] = ()) -> Path:
    """Refuse an output path before any work: an input, a folder, a missing folder, a name too long.

    Parameters
    ----------
    target : path
        The output file asked for.
    flag : str
        How the user named it (``"--out"``), for the message.
    inputs : paths
        Files the command reads; the output may not be any of them.

    Raises
    ------
    OutputError
        Naming the flag and what is wrong.
    """
    path = Path(os.fspath(target))
    shown = os.fspath(target)
    if "\0" in shown:
        raise OutputError(f"{flag} {shown}: a file name cannot hold a NUL character")
    folder = path.parent if str(path.parent) else Path(".")
    try:
        limit = os.pathconf(folder if folder.is_dir() else ".", "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        limit = 255
    if len(os.fsencode(path.name)) > limit:
        raise OutputError(f"{flag}: the file name is too long ({len(os.fsencode(path.name))} bytes; the file "
                          f"system allows {limit})")
    for i in inputs:
        if i is not None and _same(path, Path(os.fspath(i))):
            raise OutputError(f"{flag} {shown}: is an input of the command; refusing to write over the input "
                              "file, choose a new file name")
    try:
        if path.is_dir():
            raise OutputError(f"{flag} {shown}: is a folder; give a file name")
        if not folder.is_dir():
            raise OutputError(f"{flag} {shown}: the folder {folder} does not exist")
    except OSError as exc:  # a path the system cannot look at (too long in all)
        raise OutputError(f"{flag} {shown}: cannot be used: {exc.strerror or exc}") from exc
    return path


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def _umask() -> int:
    """The process's umask, read without changing it where the system tells it (Linux), else set back at once."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomically(target: str | os.PathLike[str], write: Callable[[IO[Any]], None], *,
                     label: str | None = None, text: bool = False) -> Path:
    """Write ``target`` through ``write(fh)`` on a temporary file, then ``os.replace`` it.

    Parameters
    ----------
    target : path
        File to create or replace.
    write : callable
        Receives the open temporary file (binary, or text in UTF-8 with ``text=True``).
    label : str, optional
        How the target is named in error messages (default: the path), e.g. ``"--out report.xlsx"``.
    text : bool, default False
        Open the temporary file in text mode (UTF-8, no newline translation).

    Raises
    ------
    OutputError
        The folder is not writable or the write failed; the temporary file is removed.
    """
    target = Path(os.fspath(target))
    name = label or str(target)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(suffix=target.suffix, prefix=".cbamcalc-", dir=folder)
    except OSError as exc:
        raise OutputError(f"{name}: cannot write in {folder}: {exc.strerror or exc}") from exc
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0o600 would survive the rename
        if text:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                write(fh)
        else:
            with os.fdopen(fd, "wb") as fh:
                write(fh)
        os.replace(tmp, target)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(f"{name}: cannot be written: {exc.strerror or exc}") from exc
        raise
    return target


def write_new_workbook(target: str | os.PathLike[str], fill: Callable[[Any], None], *,
                       label: str | None = None) -> Path:
    """Write a new openpyxl workbook whose sheets ``fill(wb)`` creates (it starts with none), whole or not at all.

    Parameters
    ----------
    target : path
        The ``.xlsx`` to create or replace.
    fill : callable
        Receives the empty :class:`openpyxl.Workbook` and adds its sheets.
    label : str, optional
        As :func:`write_atomically`.

    Raises
    ------
    OutputError
        As :func:`write_atomically`.
    """
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    fill(wb)
    return write_atomically(target, wb.save, label=label)

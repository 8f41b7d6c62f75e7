"""Whole-or-nothing file output: write a temporary file in the target folder, then rename it.

Every writer of cbamcalc goes through :func:`write_atomically`, so an output is either
complete or absent (an interrupted write leaves no half file), and an existing file at the
target is replaced only once the new one is complete.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from ..errors import OutputError

__all__ = ["write_atomically"]


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

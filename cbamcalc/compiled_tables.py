"""The reference tables compiled once into a binary snapshot, so a command starts without parsing CSV.

``emission_factors/compiled_tables.npz`` holds every table of ``MANIFEST.toml`` as
:func:`cbamcalc.refdata.load_table` returns it after parsing and validating the CSV (column
types, units, citations). It is written by ``python -m cbamcalc.refdata build`` and
``python -m cbamcalc.refdata hash`` (the commands that already rewrite the manifest's hashes)
and shipped in the wheel beside the CSVs, which stay the source of truth.

Each table entry records the sha256 of the CSV bytes it was made from. The loader uses the
entry only when that hash is the hash of the CSV on disk (which is itself checked against the
manifest), so a CSV changed without recompiling is read and validated the slow way, never
answered from a stale snapshot. The validation the CSV path runs on load ran once, at compile
time, on the same bytes.

Format (pickle-free: read with ``numpy.load(..., allow_pickle=False)``): a zip of ``.npy``
arrays with fixed timestamps (the same tables give the same bytes). Per table ``T``:

* ``T:header``: UTF-8 JSON as ``uint8``: ``{"sha256": ..., "columns": [[name, kind, dtype], ...]}``
  with ``kind`` ``"num"`` (the array as loaded: ``int64`` or ``float64``) or ``"str"``;
* ``T:<i>``: the values of numeric column ``i``;
* ``T:<i>:codes`` (``int32``) and ``T:<i>:text`` (the distinct values, UTF-8 joined by NUL, as
  ``uint8``) for text column ``i``.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FILE_NAME", "write_compiled", "open_compiled", "frame_from_compiled"]

#: File name of the snapshot inside ``emission_factors/``.
FILE_NAME = "compiled_tables.npz"

_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed zip timestamp: deterministic bytes


def _npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.ascontiguousarray(array), allow_pickle=False)
    return buf.getvalue()


def _entries(name: str, sha256: str, df: pd.DataFrame) -> list[tuple[str, np.ndarray]]:
    out: list[tuple[str, np.ndarray]] = []
    columns = []
    for i, col in enumerate(df.columns):
        values = df[col]
        if pd.api.types.is_numeric_dtype(values.dtype):
            columns.append([str(col), "num", str(values.dtype)])
            out.append((f"{name}:{i}", values.to_numpy()))
            continue
        texts = values.to_numpy(dtype=object)
        if any(not isinstance(t, str) or "\x00" in t for t in texts):
            raise ValueError(f"{name}, column {col!r}: only text without NUL can be compiled")
        codes, distinct = pd.factorize(texts)
        columns.append([str(col), "str", str(values.dtype)])
        out.append((f"{name}:{i}:codes", codes.astype(np.int32)))
        out.append((f"{name}:{i}:text", np.frombuffer("\x00".join(distinct).encode("utf-8"), dtype=np.uint8)))
    header = json.dumps({"sha256": sha256, "columns": columns}, ensure_ascii=False).encode("utf-8")
    return [(f"{name}:header", np.frombuffer(header, dtype=np.uint8)), *out]


def write_compiled(path: Path, tables: dict[str, tuple[str, pd.DataFrame]]) -> Path:
    """Write the snapshot whole or not at all (a temporary file, then ``os.replace``).

    Parameters
    ----------
    path : pathlib.Path
        Target file (``emission_factors/compiled_tables.npz``).
    tables : dict
        Table name -> (sha256 of its CSV bytes, the validated frame :func:`cbamcalc.refdata.load_table`
        returns).
    """
    tmp = path.with_name(path.name + ".tmp")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name in sorted(tables):
                sha256, df = tables[name]
                for key, array in _entries(name, sha256, df):
                    info = zipfile.ZipInfo(key + ".npy", date_time=_EPOCH)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = 0o644 << 16
                    zf.writestr(info, _npy(array))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def open_compiled(raw: bytes) -> Any:
    """The snapshot's members (``numpy.lib.npyio.NpzFile``, read lazily), or None when unreadable."""
    try:
        return np.load(io.BytesIO(raw), allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile):
        return None


def frame_from_compiled(snapshot: Any, name: str, sha256: str) -> pd.DataFrame | None:
    """Table ``name`` from the snapshot, or None when it is absent or was made from other CSV bytes."""
    key = f"{name}:header"
    if snapshot is None or key not in snapshot.files:
        return None
    try:
        header = json.loads(snapshot[key].tobytes().decode("utf-8"))
        if header.get("sha256") != sha256:
            return None
        cols: dict[str, Any] = {}
        for i, (col, kind, dtype) in enumerate(header["columns"]):
            if kind == "num":
                cols[col] = snapshot[f"{name}:{i}"]
                continue
            distinct = np.array(snapshot[f"{name}:{i}:text"].tobytes().decode("utf-8").split("\x00"), dtype=object)
            cols[col] = pd.array(distinct[snapshot[f"{name}:{i}:codes"]], dtype=pd.api.types.pandas_dtype(dtype))
        return pd.DataFrame(cols)
    except (KeyError, ValueError, TypeError, IndexError, OSError, zipfile.BadZipFile):
        return None  # a damaged snapshot: the CSV path answers

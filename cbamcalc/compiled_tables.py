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
arrays with fixed timestamps (the same tables give the same bytes), one ``uint8`` array per
table ``T`` (member ``T``), read in one piece: a 4-byte little-endian length, a UTF-8 JSON header
``{"sha256": ..., "columns": [[name, kind, dtype, offset, size, text_offset, text_size], ...]}``,
then the payload. ``kind`` is ``"num"`` (the column's values as loaded, ``int64`` or ``float64``,
little-endian, at ``offset``) or ``"str"`` (``int32`` codes at ``offset``, and the distinct
values, UTF-8 joined by NUL, at ``text_offset``).
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pandas is imported by the writer and frame_from_compiled only: columns_from_compiled is light
    import pandas as pd

__all__ = ["FILE_NAME", "write_compiled", "open_compiled", "columns_from_compiled", "frame_from_compiled"]

#: File name of the snapshot inside ``emission_factors/``.
FILE_NAME = "compiled_tables.npz"

_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed zip timestamp: deterministic bytes


def _npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.ascontiguousarray(array), allow_pickle=False)
    return buf.getvalue()


def _table_blob(name: str, sha256: str, df: pd.DataFrame) -> np.ndarray:
    """One table as a single ``uint8`` array (header + payload, see the module docstring)."""
    import pandas as pd

    parts: list[bytes] = []
    size = 0
    columns = []

    def add(data: bytes) -> tuple[int, int]:
        nonlocal size
        parts.append(data)
        size += len(data)
        return size - len(data), len(data)

    for col in df.columns:
        values = df[col]
        if pd.api.types.is_numeric_dtype(values.dtype):
            arr = values.to_numpy()
            columns.append([str(col), "num", arr.dtype.str, *add(arr.astype(arr.dtype.newbyteorder("<")).tobytes()),
                            0, 0])
            continue
        texts = values.to_numpy(dtype=object)
        if any(not isinstance(t, str) or "\x00" in t for t in texts):
            raise ValueError(f"{name}, column {col!r}: only text without NUL can be compiled")
        codes, distinct = pd.factorize(texts)
        where = add(codes.astype("<i4").tobytes())
        columns.append([str(col), "str", str(values.dtype), *where, *add("\x00".join(distinct).encode("utf-8"))])
    header = json.dumps({"sha256": sha256, "columns": columns}, ensure_ascii=False).encode("utf-8")
    blob = len(header).to_bytes(4, "little") + header + b"".join(parts)
    return np.frombuffer(blob, dtype=np.uint8)


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
                info = zipfile.ZipInfo(name + ".npy", date_time=_EPOCH)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, _npy(_table_blob(name, sha256, df)))
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


def _decode(snapshot: Any, name: str, sha256: str) -> tuple[dict[str, np.ndarray], dict[str, str]] | None:
    """Columns of table ``name`` as numpy arrays and their pandas dtype names; None when absent or stale.

    Numbers come back as ``int64`` or ``float64``; text as ``object`` arrays of ``str``.
    """
    if snapshot is None or name not in snapshot.files:
        return None
    try:
        blob = snapshot[name].tobytes()
        n = int.from_bytes(blob[:4], "little")
        header = json.loads(blob[4 : 4 + n].decode("utf-8"))
        if header.get("sha256") != sha256:
            return None
        payload = memoryview(blob)[4 + n :]
        cols: dict[str, np.ndarray] = {}
        dtypes: dict[str, str] = {}
        for col, kind, dtype, offset, size, t_offset, t_size in header["columns"]:
            dtypes[col] = dtype
            if kind == "num":
                cols[col] = np.frombuffer(payload[offset : offset + size], dtype=dtype).astype(dtype[1:])
                continue
            codes = np.frombuffer(payload[offset : offset + size], dtype="<i4")
            distinct = np.array(bytes(payload[t_offset : t_offset + t_size]).decode("utf-8").split("\x00"),
                                dtype=object)
            cols[col] = distinct[codes]
        return cols, dtypes
    except (KeyError, ValueError, TypeError, IndexError, OSError, zipfile.BadZipFile):
        return None  # a damaged snapshot: the CSV path answers


def columns_from_compiled(snapshot: Any, name: str, sha256: str) -> dict[str, np.ndarray] | None:
    """Table ``name`` as a dict of numpy columns (no pandas), or None when absent or made from other bytes."""
    decoded = _decode(snapshot, name, sha256)
    return None if decoded is None else decoded[0]


def frame_from_compiled(snapshot: Any, name: str, sha256: str) -> pd.DataFrame | None:
    """Table ``name`` from the snapshot, or None when it is absent or was made from other CSV bytes."""
    import pandas as pd

    decoded = _decode(snapshot, name, sha256)
    if decoded is None:
        return None
    cols, dtypes = decoded
    return pd.DataFrame({c: a if a.dtype != object else _text_array(a, dtypes[c]) for c, a in cols.items()})


def _text_array(values: np.ndarray, dtype: str) -> Any:
    """A text column with the pandas dtype it was compiled from (``str`` or ``object``)."""
    import pandas as pd

    return pd.array(values, dtype=pd.api.types.pandas_dtype(dtype))  # type: ignore[arg-type]

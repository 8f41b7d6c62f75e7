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

Format (pickle-free: read with ``numpy.load(..., allow_pickle=False)``): a zip of uncompressed
``.npy`` arrays with fixed timestamps (the same tables give the same bytes); member
``__manifest__`` holds the parsed ``MANIFEST.toml`` as JSON with the sha256 of its bytes (see
:func:`manifest_from_compiled`); then one ``uint8`` array per
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
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pandas is imported by the writer and frame_from_compiled only: columns_from_compiled is light
    import pandas as pd

__all__ = ["FILE_NAME", "MANIFEST_MEMBER", "CompiledColumns", "write_compiled", "open_compiled",
           "columns_from_compiled", "frame_from_compiled", "frame_of", "manifest_from_compiled"]

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


#: Member holding the parsed manifest (JSON), bound to the MANIFEST.toml bytes by their sha256.
MANIFEST_MEMBER = "__manifest__"


def write_compiled(path: Path, tables: dict[str, tuple[str, pd.DataFrame]],
                   manifest: tuple[str, dict[str, Any]] | None = None) -> Path:
    """Write the snapshot whole or not at all (a temporary file, then ``os.replace``).

    Members are stored uncompressed: reading them at start-up then costs no inflation (the wheel
    and git compress the file anyway).

    Parameters
    ----------
    path : pathlib.Path
        Target file (``emission_factors/compiled_tables.npz``).
    tables : dict
        Table name -> (sha256 of its CSV bytes, the validated frame :func:`cbamcalc.refdata.load_table`
        returns).
    manifest : (str, dict), optional
        sha256 of the ``MANIFEST.toml`` bytes and the manifest as parsed: a start-up then reads
        JSON instead of parsing TOML, as long as the manifest's bytes are those.
    """
    members = {name: _table_blob(name, sha256, df) for name, (sha256, df) in tables.items()}
    if manifest is not None:
        try:
            text = json.dumps({"sha256": manifest[0], "manifest": manifest[1]}, ensure_ascii=False, sort_keys=True)
        except TypeError:  # a TOML date or time has no JSON form: start-ups then parse the TOML
            text = None
        if text is not None:
            members[MANIFEST_MEMBER] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
            for name in sorted(members):
                info = zipfile.ZipInfo(name + ".npy", date_time=_EPOCH)
                info.compress_type = zipfile.ZIP_STORED
                info.external_attr = 0o644 << 16
                zf.writestr(info, _npy(members[name]))
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


class CompiledColumns(Mapping[str, np.ndarray]):
    """The columns of one compiled table, each decoded on first use (read-only numpy arrays).

    A look-up reads a dozen of a table's two dozen columns: decoding only those saves start-up
    time. Numbers come back as ``int64`` or ``float64``; text as ``object`` arrays of ``str``.
    """

    def __init__(self, payload: memoryview, specs: list[list[Any]]) -> None:
        self._payload = payload
        self._specs = {str(spec[0]): spec for spec in specs}
        self._done: dict[str, np.ndarray] = {}
        for _, _, _, offset, size, t_offset, t_size in specs:  # a damaged snapshot fails here, not later
            if min(offset, size, t_offset, t_size) < 0 or max(offset + size, t_offset + t_size) > len(payload):
                raise ValueError("column outside the payload")

    @property
    def dtypes(self) -> dict[str, str]:
        """Column -> the pandas dtype name it was compiled from."""
        return {col: str(spec[2]) for col, spec in self._specs.items()}

    def __getitem__(self, col: str) -> np.ndarray:
        if col not in self._done:
            self._done[col] = self._decode(self._specs[col])
        return self._done[col]

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)

    def _decode(self, spec: list[Any]) -> np.ndarray:
        _, kind, dtype, offset, size, t_offset, t_size = spec
        payload = self._payload
        if kind == "num":
            arr = np.frombuffer(payload[offset : offset + size], dtype=dtype).astype(dtype[1:])
        else:
            codes = np.frombuffer(payload[offset : offset + size], dtype="<i4")
            distinct = np.array(bytes(payload[t_offset : t_offset + t_size]).decode("utf-8").split("\x00"),
                                dtype=object)
            arr = distinct[codes]
        arr.flags.writeable = False
        return arr


def manifest_from_compiled(snapshot: Any, sha256: str) -> dict[str, Any] | None:
    """The parsed manifest stored in the snapshot, or None when absent or made from other bytes."""
    if snapshot is None or MANIFEST_MEMBER not in snapshot.files:
        return None
    try:
        data = json.loads(snapshot[MANIFEST_MEMBER].tobytes().decode("utf-8"))
    except (KeyError, ValueError, OSError, zipfile.BadZipFile):
        return None
    if not isinstance(data, dict) or data.get("sha256") != sha256 or not isinstance(data.get("manifest"), dict):
        return None
    return data["manifest"]  # type: ignore[no-any-return]


def columns_from_compiled(snapshot: Any, name: str, sha256: str) -> CompiledColumns | None:
    """Table ``name`` as numpy columns decoded on use (no pandas); None when absent, stale or damaged."""
    if snapshot is None or name not in snapshot.files:
        return None
    try:
        blob = snapshot[name].tobytes()
        n = int.from_bytes(blob[:4], "little")
        header = json.loads(blob[4 : 4 + n].decode("utf-8"))
        if header.get("sha256") != sha256:
            return None
        return CompiledColumns(memoryview(blob)[4 + n :], header["columns"])
    except (KeyError, ValueError, TypeError, IndexError, OSError, zipfile.BadZipFile):
        return None  # a damaged snapshot: the CSV path answers


def frame_from_compiled(snapshot: Any, name: str, sha256: str) -> pd.DataFrame | None:
    """Table ``name`` from the snapshot, or None when it is absent or was made from other CSV bytes."""
    cols = columns_from_compiled(snapshot, name, sha256)
    return None if cols is None else frame_of(cols)


def frame_of(cols: CompiledColumns) -> pd.DataFrame:
    """The compiled columns as the DataFrame :func:`cbamcalc.refdata.load_table` gives (text dtypes kept)."""
    import pandas as pd

    dtypes = cols.dtypes
    return pd.DataFrame({c: a if a.dtype != object else _text_array(a, dtypes[c]) for c, a in cols.items()})


def _text_array(values: np.ndarray, dtype: str) -> Any:
    """A text column with the pandas dtype it was compiled from (``str`` or ``object``)."""
    import pandas as pd

    return pd.array(values, dtype=pd.api.types.pandas_dtype(dtype))  # type: ignore[arg-type]

"""Reference data: load, validate and describe the tables under ``emission_factors/``.

The tables ship inside the package as ``cbamcalc.emission_factors``. Each is a tidy UTF-8
CSV listed in ``MANIFEST.toml`` with its sha256, title, source document (and the source's
sha256), and kind (``law`` or ``scenario``). Tables are read once (cached), validated on
load (columns, units, citations, hashes) and handed out as copies.

Tables taken from Commission workbooks are generated, never hand-edited::

    python -m cbamcalc.refdata build [--sources DIR]

rewrites them from the Commission's workbooks (and the two transcriptions of the v2 default
values) under ``tests/data/cbam_templates/`` of the checkout, provenance in
``tests/data/PROVENANCE.md``, and refreshes the hashes in the manifest.
``python -m cbamcalc.refdata check`` validates everything and exits non-zero on a problem.

Loading is fast: ``build`` and ``hash`` also write ``compiled_tables.npz``, every table parsed and
validated once and bound to its CSV by sha256 (:mod:`cbamcalc.compiled_tables`); a table whose CSV
changed since is read and validated from the CSV instead.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import re
import sys
from collections.abc import Mapping
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import ReferenceDataError

if TYPE_CHECKING:  # pandas is imported where a DataFrame is made: load_columns and manifest stay light
    import pandas as pd

__all__ = [
    "manifest",
    "data_version",
    "load_table",
    "load_columns",
    "table_info",
    "constant",
    "constant_row",
    "list_tables",
    "validate_all",
]

#: Columns every table must have: its legal (or scenario) source, row by row.
SOURCE_COLUMNS = ("act", "provision")


@cache
def _root() -> Traversable:
    """Folder of the reference tables.

    When the imported ``cbamcalc`` lives in a source checkout (a ``pyproject.toml`` and an
    ``emission_factors/MANIFEST.toml`` beside it), that checkout's ``emission_factors/`` is used:
    a clone run with ``PYTHONPATH=clone`` tests its own data, not an installed copy's. Otherwise
    (a wheel) it is the package ``cbamcalc.emission_factors``.
    """
    checkout = _checkout_dir()
    if checkout is not None:
        return _as_traversable(checkout / "emission_factors")
    try:
        return resources.files("cbamcalc.emission_factors")
    except ModuleNotFoundError:
        raise ReferenceDataError(
            "the reference data package cbamcalc.emission_factors is not installed; reinstall cbamcalc"
        ) from None


def _checkout_dir() -> Path | None:
    """The source checkout the imported ``cbamcalc`` lives in, or None for an installed wheel."""
    top = Path(__file__).resolve().parent.parent
    if (top / "pyproject.toml").is_file() and (top / "emission_factors" / "MANIFEST.toml").is_file():
        return top
    return None


def _as_traversable(path: Path) -> Traversable:
    # pathlib.Path implements the Traversable protocol (joinpath, read_bytes, read_text, is_file, ...)
    return path  # type: ignore[return-value]


@cache
def manifest() -> dict[str, Any]:
    """The parsed ``MANIFEST.toml`` (data version and one entry per table).

    The compiled snapshot holds the manifest as parsed, bound to the file's bytes by sha256: while
    they match, the JSON copy answers (TOML parsing costs start-up time); otherwise the TOML is read.
    """
    try:
        raw = _root().joinpath("MANIFEST.toml").read_bytes()
    except FileNotFoundError as exc:
        raise ReferenceDataError("emission_factors/MANIFEST.toml is missing from the installation") from exc
    from .compiled_tables import manifest_from_compiled

    data = manifest_from_compiled(_compiled(), _sha256_bytes(raw))
    if data is None:
        data = _parse_manifest(raw)
    if "data_version" not in data or "files" not in data:
        raise ReferenceDataError("emission_factors/MANIFEST.toml: expected keys 'data_version' and [files.*]")
    return data


def _parse_manifest(raw: bytes) -> dict[str, Any]:
    import tomllib

    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ReferenceDataError(f"emission_factors/MANIFEST.toml is not valid TOML: {exc}") from exc


def data_version() -> str:
    """Version string of the reference data set, recorded on every result."""
    return str(manifest()["data_version"])


def list_tables() -> list[str]:
    """Names of all tables in the manifest."""
    return list(manifest()["files"])


def table_info(name: str) -> dict[str, Any]:
    """Manifest entry of one table (path, title, kind, source, hashes)."""
    files = manifest()["files"]
    if name not in files:
        raise ReferenceDataError(
            f"Reference table '{name}': expected one of {', '.join(sorted(files))}, found no such table"
        )
    return dict(files[name])


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha256(file: Traversable) -> str:
    """sha256 of a file, hashed from a memory map where it is a plain file (no copy of its bytes)."""
    if isinstance(file, Path):
        with open(file, "rb") as fh:
            if os.fstat(fh.fileno()).st_size:
                with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as view:
                    return hashlib.sha256(view).hexdigest()
    return _sha256_bytes(file.read_bytes())


def _verified(name: str) -> tuple[dict[str, Any], Traversable, str]:
    """Manifest entry, CSV file and its sha256 of a table; the hash must match the manifest."""
    info = table_info(name)
    path = info["path"]
    file = _root().joinpath(path)
    digest = _file_sha256(file)
    if info.get("sha256") and digest != info["sha256"]:
        raise ReferenceDataError(
            f"emission_factors/{path}: sha256 does not match MANIFEST.toml (file edited by hand? "
            "regenerate with 'python -m cbamcalc.refdata build')"
        )
    return info, file, digest


@cache
def _source(name: str) -> Any:
    """A table's validated data, hashed and read once per process for both load_table and load_columns.

    Its compiled columns, or (no snapshot for these bytes) the DataFrame parsed from the CSV.
    """
    info, file, digest = _verified(name)
    from .compiled_tables import columns_from_compiled

    cols = columns_from_compiled(_compiled(), name, digest)  # parsed and validated at compile time
    return cols if cols is not None else _parse(name, _bytes_of(file, digest), info)


def _bytes_of(file: Traversable, digest: str) -> bytes:
    """The CSV's bytes for the slow path; they must still be those that were hashed."""
    raw = file.read_bytes()
    if _sha256_bytes(raw) != digest:
        raise ReferenceDataError(f"emission_factors/{file.name}: changed while it was being read")
    return raw


@cache
def _load(name: str) -> pd.DataFrame:
    from .compiled_tables import CompiledColumns, frame_of

    data = _source(name)
    return frame_of(data) if isinstance(data, CompiledColumns) else data


@cache
def _columns(name: str) -> Mapping[str, np.ndarray]:
    from .compiled_tables import CompiledColumns

    data = _source(name)
    if isinstance(data, CompiledColumns):
        return data
    import pandas as pd

    out = {}
    for c in data.columns:
        col = data[c]
        arr = col.to_numpy() if pd.api.types.is_numeric_dtype(col.dtype) else col.to_numpy(dtype=object)
        arr.flags.writeable = False
        out[str(c)] = arr
    return MappingProxyType(out)


def load_columns(name: str) -> Mapping[str, np.ndarray]:
    """A reference table as numpy columns, without pandas (validated; read-only mapping and arrays).

    Text columns are ``object`` arrays of ``str`` (empty cells ``""``), numeric columns ``float64``
    (empty cells NaN) or ``int64``: the same values as :func:`load_table`. With the shipped
    snapshot (:mod:`cbamcalc.compiled_tables`) this reads no CSV, imports no pandas and decodes a
    column only when it is used, which keeps single CLI look-ups fast.
    """
    return _columns(name)


def _parse(name: str, raw: bytes, info: dict[str, Any]) -> pd.DataFrame:
    """Parse and validate one table's CSV bytes (the slow path, and what the compiler stores)."""
    from io import BytesIO

    import pandas as pd

    df = pd.read_csv(BytesIO(raw), dtype=str, keep_default_na=False, encoding="utf-8")
    _validate(name, info["path"], df, info)
    for col in info.get("numeric_columns", ["value"]):
        if col in df.columns:
            df[col] = pd.to_numeric(df[col].replace("", None), errors="raise")
    return df


@cache
def _compiled() -> Any:
    """The shipped snapshot of the tables (:mod:`cbamcalc.compiled_tables`), or None."""
    from .compiled_tables import FILE_NAME, open_compiled

    try:
        raw = _root().joinpath(FILE_NAME).read_bytes()
    except OSError:
        return None
    return open_compiled(raw)


def compile_tables(folder: Path | None = None) -> Path:
    """Parse and validate every table of ``folder`` once; write ``compiled_tables.npz`` beside them."""
    from .compiled_tables import FILE_NAME, write_compiled

    folder = folder or source_root_dir()
    manifest_raw = (folder / "MANIFEST.toml").read_bytes()
    data = _parse_manifest(manifest_raw)
    tables = {}
    for name, entry in data["files"].items():
        raw = (folder / entry["path"]).read_bytes()
        tables[name] = (_sha256_bytes(raw), _parse(name, raw, dict(entry)))
    out = write_compiled(folder / FILE_NAME, tables, manifest=(_sha256_bytes(manifest_raw), data))
    clear_caches()
    return out


def clear_caches() -> None:
    """Forget every table read in this process (after the files on disk changed)."""
    for cached in (manifest, _compiled, _source, _load, _columns, _constants):
        cached.cache_clear()


def _validate(name: str, path: str, df: pd.DataFrame, info: dict[str, Any]) -> None:
    import pandas as pd

    required = list(info.get("required_columns", [])) + list(SOURCE_COLUMNS)
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ReferenceDataError(f"emission_factors/{path}: missing column(s) {', '.join(missing)}")
    for col in SOURCE_COLUMNS:
        empty = df.index[df[col].str.strip() == ""]
        if len(empty):
            raise ReferenceDataError(
                f"emission_factors/{path}, row {int(empty[0]) + 2}: column '{col}' is empty "
                "(every row must cite its source)"
            )
    if "unit" in df.columns:
        from .units import ureg

        units = df["unit"]
        for u in units.unique():  # each distinct unit once: a 12,000-row table has one unit
            if u == "":
                continue
            try:
                ureg.parse_units(u)
            except Exception as exc:
                i = int((units == u).to_numpy().nonzero()[0][0])
                raise ReferenceDataError(
                    f"emission_factors/{path}, row {i + 2}: unit {u!r} is not a unit pint can read"
                ) from exc
    for col in info.get("numeric_columns", ["value"]):
        if col not in df.columns:
            continue
        bad = pd.to_numeric(df[col].replace("", None), errors="coerce").isna() & (df[col] != "")
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise ReferenceDataError(
                f"emission_factors/{path}, row {i + 2}, column '{col}': expected a number, "
                f"found {df[col].iloc[i]!r}"
            )


def load_table(name: str) -> pd.DataFrame:
    """Load a reference table by its manifest name (validated; a copy, safe to modify)."""
    return _load(name).copy()


@cache
def _constants() -> dict[str, dict[str, Any]]:
    cols = _columns("constants")
    names = list(cols)
    out: dict[str, dict[str, Any]] = {}
    for i, key in enumerate(cols["key"].tolist()):
        out[str(key)] = {c: cols[c][i].item() if hasattr(cols[c][i], "item") else cols[c][i] for c in names}
    return out


def constant_row(key: str) -> dict[str, Any]:
    """The row of a legal constant (value, unit, act, provision, ...)."""
    table = _constants()
    if key not in table:
        raise ReferenceDataError(
            f"Constant '{key}': expected one of {', '.join(sorted(table))}, found no such constant"
        )
    return dict(table[key])


def constant(key: str) -> float:
    """Value of a legal constant from ``emission_factors/constants.csv`` (e.g. ``"gwp_n2o"``)."""
    return float(constant_row(key)["value"])


def validate_all() -> list[str]:
    """Load and validate every table; return the list of table names checked."""
    names = list_tables()
    for name in names:
        _load(name)
    return names


# --------------------------------------------------------------------------- maintenance


def source_root_dir() -> Path:
    """The ``emission_factors/`` folder of a source checkout (for the extractor)."""
    checkout = _checkout_dir()
    if checkout is None:
        raise ReferenceDataError("the extractor runs from a source checkout: emission_factors/ not found")
    return checkout / "emission_factors"


def source_dir() -> Path | None:
    """Folder holding ``cbam_templates/``: the Commission's files the build and the tests read.

    The checkout's own ``tests/data/`` (sources, sha256 and licences in ``tests/data/PROVENANCE.md``)
    comes first; a ``shared/`` folder beside the checkout is the fallback. None when neither exists
    (an installed wheel carries the generated tables, not their sources).
    """
    checkout = _checkout_dir()
    if checkout is None:
        return None
    for folder in (checkout / "tests" / "data", checkout.parent / "shared"):
        if (folder / "cbam_templates").is_dir():
            return folder
    return None


def refresh_manifest_hashes(folder: Path | None = None) -> None:
    """Rewrite every ``sha256 = "..."`` of the manifest to match the files on disk."""
    folder = folder or source_root_dir()
    mpath = folder / "MANIFEST.toml"
    text = mpath.read_text(encoding="utf-8")
    data = _parse_manifest(text.encode("utf-8"))
    for name, entry in data["files"].items():
        digest = _sha256_bytes((folder / entry["path"]).read_bytes())
        pattern = re.compile(
            r"(\[files\." + re.escape(name) + r"\][^\[]*?\nsha256 = \")[0-9a-f]*(\")", re.DOTALL
        )
        text, n = pattern.subn(rf"\g<1>{digest}\g<2>", text)
        if n != 1:
            raise ReferenceDataError(f"MANIFEST.toml: [files.{name}] has no single 'sha256 = \"...\"' line")
    mpath.write_text(text, encoding="utf-8")
    clear_caches()
    compile_tables(folder)


def main(argv: list[str] | None = None) -> int:
    """``python -m cbamcalc.refdata build|check|hash``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m cbamcalc.refdata", description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="regenerate the tables taken from the Commission workbooks")
    b.add_argument("--sources", "--shared", dest="sources", default=None,
                   help="folder holding cbam_templates/ (default: tests/data of the checkout)")
    sub.add_parser("check", help="validate every table and hash")
    sub.add_parser("hash", help="refresh the sha256 of every table in MANIFEST.toml (and recompile them)")
    sub.add_parser("compile", help="write emission_factors/compiled_tables.npz (done by build and hash too)")
    args = parser.parse_args(argv)
    try:
        _run(args.cmd, args)
    except ReferenceDataError as exc:
        print(f"python -m cbamcalc.refdata: error: {exc}", file=sys.stderr)
        return 2
    return 0


def _run(cmd: str, args: Any) -> None:
    if cmd == "build":
        from . import extract

        folder = source_root_dir()
        sources = Path(args.sources) if args.sources else source_dir()
        if sources is None:
            raise ReferenceDataError("the Commission's source files are not in tests/data/cbam_templates/ "
                                     "of this checkout; give their folder with --sources")
        if not (sources / "cbam_templates").is_dir():
            raise ReferenceDataError(f"--sources {sources}: expected a folder holding cbam_templates/, found none")
        written = extract.build_all(sources, folder)
        refresh_manifest_hashes(folder)
        for p in written:
            print(f"wrote {p}")
    elif cmd == "hash":
        refresh_manifest_hashes()
    elif cmd == "compile":
        print(f"wrote {compile_tables()}")
    else:
        names = validate_all()
        print(f"{len(names)} tables OK, data version {data_version()}")


if __name__ == "__main__":
    sys.exit(main())

"""Generate the default values of IR (EU) 2026/1740 ("v2") from two third-party transcriptions.

IR (EU) 2026/1740 (OJ 31 Jul 2026) replaced Annex I of IR (EU) 2025/2621. The Commission's v2
workbook ("DV correcting act_final update_06.08.xlsx", 2026-08-06) is not among our sources; two
independent transcriptions of it are (``tests/data/cbam_templates/related/``, provenance, hashes and
comparisons in ``PROVENANCE_v2_defaults.md``, licences in ``tests/data/PROVENANCE.md``):

* primary: ``thirdparty_Keremozdemirra_cbam-mcp_default_values_v2.json`` (tables per country,
  ``"direct|indirect|total|route"`` with decimal comma and the markers ``-``, ``N/A``, ``see below``);
* cross-check: ``thirdparty_Ddscully_cbam_default_values_v2.csv`` (a dbt seed, dot decimals,
  empty cells for every marker, route letters without brackets).

The build checks both files' sha256 against the provenance note, then compares them line by
line with the rules of its section 7.4 (key = (table, code); values as exact ``Decimal`` after
turning a decimal comma into a dot; "-", "N/A", "see below", dashes and empty cells all mean no
value; routes compared without brackets). A disagreement not listed in :data:`EXPLAINED` (none
is: the note finds all 12,540 rows equal) fails the build naming the row.

Rows are written in the primary file's order (its tables, each in the order of its lines). The
five TARIC codes of the cement lines are mapped to the CN line and variant the v1 table uses
(:data:`TARIC_LINES`). ``total`` is the printed total (the mark-up applies to it; IR (EU)
2026/1740 Annex I, opening paragraph, and recital 10); the table has no marked-up columns.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .cn_codes import spaced
from .errors import ReferenceDataError
from .extract import DV_CITATION_COLUMNS, DV_LINE_COLUMNS

__all__ = [
    "V2_JSON",
    "V2_CSV",
    "PROVENANCE",
    "DEFAULT_VALUES_V2_CSV",
    "DV2_COLUMNS",
    "TARIC_LINES",
    "EXPLAINED",
    "default_value_rows_v2",
    "cross_check",
]

#: Sources, relative to the sources folder (``tests/data/`` of the checkout).
V2_JSON = "cbam_templates/related/thirdparty_Keremozdemirra_cbam-mcp_default_values_v2.json"
V2_CSV = "cbam_templates/related/thirdparty_Ddscully_cbam_default_values_v2.csv"
PROVENANCE = "cbam_templates/related/PROVENANCE_v2_defaults.md"

#: Generated table, relative to ``emission_factors/``.
DEFAULT_VALUES_V2_CSV = "default_values_IR2026-1740_v2_2026-08-06.csv"

DV2_ACT = "Implementing Regulation (EU) 2026/1740"
UNIT_SEE = "tCO2e/t"

#: TARIC code of a cement line -> (CN line, variant), as the v1 table names them.
TARIC_LINES = {
    "2507008080": ("25070080", ""),  # calcined clay (non-calcined kaolinic clay left CBAM, Reg. 2025/2083)
    "2523100010": ("25231000", "white"),  # white clinker
    "2523100090": ("25231000", "grey"),  # other clinker including grey clinker
    "2523900010": ("25239000", "white"),  # white hydraulic cement
    "2523900090": ("25239000", "grey"),  # other hydraulic cements including grey
}

#: (table, code) -> why the two transcriptions may differ there (PROVENANCE section 7: none).
EXPLAINED: dict[tuple[str, str], str] = {}

_NO_VALUE = {"", "-", "\u2013", "\u2014", "_", "n/a", "see below"}
_MARKERS = {"-": "dash", "\u2013": "dash", "\u2014": "dash", "N/A": "n/a", "see below": "see_below"}
_HASH_RE = re.compile(r"SHA-256 of our copy \| `([0-9a-f]{64})`")

DV2_COLUMNS = (
    *DV_LINE_COLUMNS,
    *DV_CITATION_COLUMNS,
    "source",
    "source_table",
    "source_code",
    "source_row",
)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_hashes(shared_dir: Path) -> None:
    """Refuse sources whose sha256 is not the one PROVENANCE_v2_defaults.md records (sections 1 and 7.1)."""
    note = shared_dir / PROVENANCE
    if not note.is_file():
        raise ReferenceDataError(f"provenance note not found: {note}")
    recorded = _HASH_RE.findall(note.read_text(encoding="utf-8"))
    if len(recorded) != 2:
        raise ReferenceDataError(f"{PROVENANCE}: expected two 'SHA-256 of our copy' lines, found {len(recorded)}")
    for rel, want in zip((V2_JSON, V2_CSV), recorded, strict=True):
        path = shared_dir / rel
        if not path.is_file():
            raise ReferenceDataError(f"source file not found: {path}")
        got = _sha256(path)
        if got != want:
            raise ReferenceDataError(
                f"{rel}: sha256 {got} differs from the one {PROVENANCE} records ({want}); a changed "
                "transcription needs a new review of its provenance"
            )


def _decimal(text: str, where: str) -> Decimal | None:
    text = text.strip()
    if text.casefold() in _NO_VALUE:
        return None
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ReferenceDataError(f"{where}: unexpected value {text!r}") from None


def _route(text: str) -> str:
    return re.sub(r"[()\s]", "", text)


def _load_json(shared_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((shared_dir / V2_JSON).read_text(encoding="utf-8"))
    for key in ("meta", "other_table", "lines", "tables"):
        if key not in data:
            raise ReferenceDataError(f"{V2_JSON}: key {key!r} missing")
    return data


def _read_csv(shared_dir: Path) -> list[list[str]]:
    text = (shared_dir / V2_CSV).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    expected = ["country_or_territory", "country_iso3", "good_key", "default_direct_t_co2e_per_t",
                "default_indirect_t_co2e_per_t", "default_total_t_co2e_per_t", "production_route_code"]
    if rows[0] != expected:
        raise ReferenceDataError(f"{V2_CSV}, line 1: unexpected header {rows[0]!r}")
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != 7:
            raise ReferenceDataError(f"{V2_CSV}, line {n}: expected 7 cells, found {len(row)}")
    return rows[1:]


def _fold(name: str) -> str:
    return name.replace("\u2019", "'").casefold().strip()


def _csv_table_names(csv_names: set[str], tables: list[str]) -> dict[str, str]:
    """CSV country name -> JSON table name: exact, then case/apostrophe, then a unique prefix (cut names)."""
    folded = {_fold(t): t for t in tables}
    out = {}
    for name in sorted(csv_names):
        if name in tables:
            out[name] = name
            continue
        if _fold(name) in folded:
            out[name] = folded[_fold(name)]
            continue
        cands = [t for k, t in folded.items() if len(name) >= 10 and k.startswith(_fold(name))]
        if len(cands) != 1:
            raise ReferenceDataError(f"{V2_CSV}: country {name!r} matches no single table of {V2_JSON}")
        out[name] = cands[0]
    return out


def cross_check(shared_dir: Path) -> int:
    """Compare the two transcriptions line by line (PROVENANCE section 7.4); return the rows compared.

    Raises
    ------
    ReferenceDataError
        Naming the first (table, code) whose direct, indirect, total or route differ, or that is
        in one file only, unless :data:`EXPLAINED` lists it.
    """
    data = _load_json(shared_dir)
    primary: dict[tuple[str, str], tuple[Any, ...]] = {}
    for table, rows in data["tables"].items():
        for code, cell in rows.items():
            parts = cell.split("|")
            where = f"{V2_JSON}, table {table!r}, code {code}"
            if len(parts) != 4:
                raise ReferenceDataError(f"{where}: expected 'direct|indirect|total|route', found {cell!r}")
            primary[(table, code)] = (*(_decimal(p, where) for p in parts[:3]), _route(parts[3]))
    rows_csv = _read_csv(shared_dir)
    names = _csv_table_names({r[0] for r in rows_csv}, list(data["tables"]))
    second: dict[tuple[str, str], tuple[Any, ...]] = {}
    for n, (country, _iso3, good_key, d, i, t, route) in enumerate(rows_csv, start=2):
        key = (names[country], good_key.partition("-")[0])
        if key in second:
            raise ReferenceDataError(f"{V2_CSV}, line {n}: second row for {key!r}")
        where = f"{V2_CSV}, line {n}"
        second[key] = (_decimal(d, where), _decimal(i, where), _decimal(t, where), _route(route))
    for key in sorted(set(primary) | set(second)):
        if key in EXPLAINED:
            continue
        a, b = primary.get(key), second.get(key)
        if a is None or b is None:
            only = V2_JSON if b is None else V2_CSV
            raise ReferenceDataError(f"default values v2, table {key[0]!r}, code {key[1]}: only in {only}")
        for j, field in enumerate(("direct", "indirect", "total", "route")):
            if a[j] != b[j]:
                raise ReferenceDataError(
                    f"default values v2, table {key[0]!r}, code {key[1]}: {field} is {a[j]!s} in {V2_JSON} "
                    f"but {b[j]!s} in {V2_CSV}, a disagreement {PROVENANCE} does not explain"
                )
    return len(primary)


def _status(text: str, where: str) -> tuple[str, float | None]:
    text = text.strip()
    if text in _MARKERS:
        return _MARKERS[text], None
    value = _decimal(text, where)
    if value is None:
        raise ReferenceDataError(f"{where}: unexpected marker {text!r}")
    return "value", float(value)


def _line_of(code: str, where: str) -> tuple[str, str]:
    if len(code) == 10:
        if code not in TARIC_LINES:
            raise ReferenceDataError(f"{where}: TARIC code {code} has no CN line in extract_v2.TARIC_LINES")
        return TARIC_LINES[code]
    if len(code) not in (4, 6, 8) or not code.isdigit():
        raise ReferenceDataError(f"{where}: unexpected code {code!r}")
    return code, ""


def _row(table: str, country: str, code: str, cell: str, line: list[str], n: int) -> dict[str, Any]:
    where = f"{V2_JSON}, table {table!r}, code {code}"
    parts = cell.split("|")
    direct, indirect, total = (_status(p, where) for p in parts[:3])
    cn_line, variant = _line_of(code, where)
    if direct[0] != total[0] or direct[0] not in ("value", "dash", "see_below"):
        raise ReferenceDataError(f"{where}: direct {parts[0]!r} / total {parts[2]!r} do not form a line")
    flags = []
    if direct[0] == "value":
        assert direct[1] is not None and total[1] is not None
        if indirect[0] == "value":
            assert indirect[1] is not None
            if abs(direct[1] + indirect[1] - total[1]) > 0.0101:
                flags.append("total_not_sum")
        elif indirect[0] == "n/a":
            if direct[1] != total[1]:
                flags.append("total_not_sum")
        else:
            raise ReferenceDataError(f"{where}: indirect {parts[1]!r} on a line with values")
    route_text = parts[3].strip()
    if route_text and not re.fullmatch(r"\(([A-Z])\)(/\(([A-Z])\))*", route_text):
        raise ReferenceDataError(f"{where}: unexpected production-route text {route_text!r}")
    return {
        "country": country,
        "country_table": table,
        "sector": line[3],
        "cn_line": cn_line,
        "cn_line_text": spaced(cn_line),
        "heading_level": len(cn_line),
        "variant": variant,
        "description": line[2],
        "line_status": direct[0],
        "direct": direct[1],
        "indirect": indirect[1],
        "indirect_status": indirect[0],
        "total": total[1],
        "route": "/".join(re.findall(r"\(([A-Z])\)", route_text)),
        "route_text": route_text,
        "flags": ";".join(flags),
        "unit": UNIT_SEE,
        "act": DV2_ACT,
        "provision": f"Annex I, table '{table}' (Commission Excel v2 of 2026-08-06)",
        "source": f"{Path(V2_JSON).name} (cross-checked with {Path(V2_CSV).name})",
        "source_table": table,
        "source_code": code,
        "source_row": n,
    }


def default_value_rows_v2(shared_dir: Path, country_code: Any) -> list[dict[str, Any]]:
    """Rows of the v2 default-value table (IR (EU) 2026/1740 Annex I), cross-checked and hash-checked.

    Parameters
    ----------
    shared_dir : pathlib.Path
        The sources folder (holding ``cbam_templates/``; ``tests/data/`` of the checkout).
    country_code : callable
        ``country_code(table_title) -> str``: ISO code of a table (``OTHER`` for "Other Countries
        and Territories"), raising :class:`ReferenceDataError` for an unknown title.

    Returns
    -------
    list of dict
        Keys as :data:`DV2_COLUMNS`; values in tCO2e per tonne of good; ``source_row`` is the
        position of the line in its table (1-based).
    """
    check_hashes(shared_dir)
    cross_check(shared_dir)
    data = _load_json(shared_dir)
    lines = {rec[0]: rec for rec in data["lines"]}
    out = []
    for table, rows in data["tables"].items():
        country = country_code(table)
        for n, (code, cell) in enumerate(rows.items(), start=1):
            if code not in lines:
                raise ReferenceDataError(f"{V2_JSON}, table {table!r}: code {code} is not in 'lines'")
            out.append(_row(table, country, code, cell, lines[code], n))
    return out

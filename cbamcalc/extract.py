"""Generate the reference tables of ``emission_factors/`` from the Commission's workbooks.

Run through ``python -m cbamcalc.refdata build`` (which then refreshes the sha256 lines of
``MANIFEST.toml``). Every table written here is a tidy UTF-8 CSV with a comment-free header,
the source columns ``act`` and ``provision``, the exact ``source_sheet`` and ``source_row``
of each row, and a ``unit`` column where there are values. The output is deterministic: the
same workbooks give the same bytes on every run (rows in workbook order, floats written with
Python's shortest round-trip ``repr``).

Sources (in ``tests/data/cbam_templates/``; provenance in ``tests/data/PROVENANCE.md``)
-----------------------------------------------------------------------------------

=============================================================  =========================================
file                                                           tables written
=============================================================  =========================================
``related/EC_CBAM_default_values_IR2025-2621_v1_2026-02-04``   ``default_values_IR2025-2621_v1_2026-02-04.csv``
``related/EC_CBAM_benchmarks_IR2025-2620_v1``                  ``benchmarks_IR2025-2620_v1.csv``
``official/CBAM_Communication_template_..._v2.1.1_BLANK``      ``cn_codes_template_v2.1.1.csv``, ``countries.csv``
``related/thirdparty_..._default_values_v2`` (.json and .csv)   ``default_values_IR2026-1740_v2_2026-08-06.csv``
                                                               (:mod:`cbamcalc.extract_v2`)
=============================================================  =========================================

The default-value workbook is kept *as published*: where the workbook is inconsistent with
itself (compounded mark-ups, a missing marked-up cell, marked-up cells on a line without
default values, stray cells on "see below" headings) the values stay as they are and the
row carries a code in the ``flags`` column (see :data:`FLAG_DESCRIPTIONS`).

The curated ``country_aliases.csv`` (Commission table titles that differ from the template's
country names) must exist in the output folder: it maps every country table to its ISO code.
So must the curated ``annex_ii_Reg2023-956.csv`` and ``scope_notes_Reg2025-2083.csv``, joined
into the goods list as ``annex_ii``, ``annex_ii_provision`` and ``scope_note``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import tomllib
import unicodedata
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .cn_codes import spaced
from .errors import ReferenceDataError

__all__ = [
    "build_all",
    "DEFAULT_VALUES_WORKBOOK",
    "BENCHMARKS_WORKBOOK",
    "TEMPLATE_WORKBOOK",
    "DEFAULT_VALUES_CSV",
    "BENCHMARKS_CSV",
    "CN_CODES_CSV",
    "COUNTRIES_CSV",
    "OTHER_COUNTRIES",
    "FLAG_DESCRIPTIONS",
    "default_value_rows",
    "benchmark_rows",
    "cn_code_rows",
    "country_rows",
    "markup_rates",
    "read_workbook_values",
]

#: Source workbooks, relative to the sources folder (``tests/data/`` of the checkout).
DEFAULT_VALUES_WORKBOOK = "cbam_templates/related/EC_CBAM_default_values_IR2025-2621_v1_2026-02-04.xlsx"
BENCHMARKS_WORKBOOK = "cbam_templates/related/EC_CBAM_benchmarks_IR2025-2620_v1.xlsx"
TEMPLATE_WORKBOOK = (
    "cbam_templates/official/CBAM_Communication_template_for_installations_en_20241213_v2.1.1_BLANK.xlsx"
)

#: Generated tables, relative to ``emission_factors/``.
DEFAULT_VALUES_CSV = "default_values_IR2025-2621_v1_2026-02-04.csv"
BENCHMARKS_CSV = "benchmarks_IR2025-2620_v1.csv"
CN_CODES_CSV = "cn_codes_template_v2.1.1.csv"
COUNTRIES_CSV = "countries.csv"
ALIASES_CSV = "country_aliases.csv"
ANNEX_II_CSV = "annex_ii_Reg2023-956.csv"
SCOPE_NOTES_CSV = "scope_notes_Reg2025-2083.csv"

#: Manifest table name -> (generated file, source workbook under the sources folder).
GENERATED = {
    "default_values_2025_2621_v1": (DEFAULT_VALUES_CSV, DEFAULT_VALUES_WORKBOOK),
    "benchmarks_2025_2620": (BENCHMARKS_CSV, BENCHMARKS_WORKBOOK),
    "default_values_2026_1740_v2": (
        "default_values_IR2026-1740_v2_2026-08-06.csv",
        "cbam_templates/related/thirdparty_Keremozdemirra_cbam-mcp_default_values_v2.json",
    ),
    "cn_codes": (CN_CODES_CSV, TEMPLATE_WORKBOOK),
    "countries": (COUNTRIES_CSV, TEMPLATE_WORKBOOK),
}

#: Country code used in the default-value table for "Other countries and territories".
OTHER_COUNTRIES = "OTHER"
OTHER_TITLE = "Other Countries and Territories"

DV_ACT = "Implementing Regulation (EU) 2025/2621"
BM_ACT = "Implementing Regulation (EU) 2025/2620"
SCOPE_ACT = "Regulation (EU) 2023/956"
TEMPLATE_NAME = "Communication template for installations v2.1.1 (2024-12-13)"

UNIT_SEE = "tCO2e/t"

#: Expected header of every default-value sheet (row 2, columns A..I), whitespace-normalised.
DV_HEADER = (
    "Product CN Code",
    "Description",
    "Default Value (direct emissions)",
    "Default Value (indirect emissions)",
    "Default Value (total emissions)",
    "2026 Default Value (including mark-up)",
    "2027 Default Value (including mark-up)",
    "2028 and onwards Default Value (including mark-up)",
    "Underlying production route determining CBAM BM",
)
BM_HEADER = (
    "CN code",
    "CN Description",
    "Column A BMg [tCO2e/t]",
    "Column A Production route indicator",
    "Column B BMg [tCO2e/t]",
    "Column B Production route indicator",
)

#: Sector (section) names used in both tables.
SECTORS = ("Cement", "Fertilisers", "Aluminium", "Hydrogen", "Iron and steel")
_SECTOR_ALIASES = {"iron & steel": "Iron and steel", "iron and steel": "Iron and steel"}

#: Mark-up per year of import, as the workbook's section headers print it
#: (IR (EU) 2025/2621, Annex I; the curated, cited table is markups_IR2025-2621.csv).
_MARKUP_BY_SECTOR = {
    "Fertilisers": (0.01, 0.01, 0.01),
}
_MARKUP_DEFAULT = (0.10, 0.20, 0.30)
MARKUP_YEARS = (2026, 2027, 2028)

#: What each code in the ``flags`` column of the default-value table means.
FLAG_DESCRIPTIONS = {
    "markup_compounded_2027": "the workbook's 2027 marked-up value is the total x 1.1 x 1.1 (compounded), "
    "not the total x 1.2 of the schedule",
    "markup_compounded_2028": "the workbook's 2028 marked-up value is the total x 1.1 x 1.1 x 1.1 (compounded), "
    "not the total x 1.3 of the schedule",
    "markup_mismatch_2026": "the workbook's 2026 marked-up value is not the total x (1 + mark-up)",
    "markup_mismatch_2027": "the workbook's 2027 marked-up value is not the total x (1 + mark-up)",
    "markup_mismatch_2028": "the workbook's 2028 marked-up value is not the total x (1 + mark-up)",
    "markup_missing_2026": "the workbook's 2026 marked-up cell holds no number although the line has values",
    "markup_missing_2027": "the workbook's 2027 marked-up cell holds no number although the line has values",
    "markup_missing_2028": "the workbook's 2028 marked-up cell holds no number although the line has values",
    "markup_values_on_dash_line": "the line shows '–' for its default values but numbers in its marked-up "
    "cells (kept as published; the line still sends the good to the Other-countries table)",
    "stray_value_on_heading": "a 'see below' heading line carries a number in one of its cells",
    "error_cells_on_heading": "a 'see below' heading line shows '#VALUE!' in its marked-up cells",
    "indirect_na_spelling": "the indirect cell reads N/A with a different spelling ('N.A.', 'N/a', 'N/(A')",
    "route_na": "the route cell reads 'N/A' (read as no route)",
    "total_not_sum": "direct + indirect differs from the total by more than the rounding of the printed values",
    "cn_not_in_goods_list": "no CBAM good of cn_codes_template_v2.1.1.csv falls under this line (the Tunisia "
    "table prints 7615 lines, a heading outside Annex I of Regulation (EU) 2023/956)",
}

_DASHES = {"–", "-", "—", "_", "‒", "−"}
_NA_FORMS = {"na", "n/a", "n.a.", "n.a", "n/(a", "n/ a"}

_ROUTE_RE = re.compile(r"^\(([A-Z0-9])\)(?:\((\d)\))?$")
_DV_ROUTE_RE = re.compile(r"^\(([A-Z])\)(?:/\(([A-Z])\))*$")


# --------------------------------------------------------------------------- helpers


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _norm_space(text: Any) -> str:
    return " ".join(str(text).replace("\xa0", " ").split()) if text is not None else ""


def _fold(text: str) -> str:
    """Case- and accent-insensitive key of a name (for matching country names)."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


def _fmt(value: Any) -> str:
    """Deterministic text of a cell value for the CSV (shortest round-trip float)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def markup_rates(sector: str) -> tuple[float, float, float]:
    """Mark-up rates (fractions) for 2026, 2027 and 2028 onwards of a sector, per IR (EU) 2025/2621."""
    return _MARKUP_BY_SECTOR.get(sector, _MARKUP_DEFAULT)


def _sector(text: str) -> str:
    name = _SECTOR_ALIASES.get(_norm_space(text).casefold(), _norm_space(text))
    if name not in SECTORS:
        raise ReferenceDataError(f"unknown section heading {text!r}: expected one of {', '.join(SECTORS)}")
    return name


@cache
def read_workbook_values(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """All cell values of a workbook, sheet by sheet (read once per process, cached).

    Parameters
    ----------
    path : pathlib.Path
        The ``.xlsx`` file.

    Returns
    -------
    dict
        Sheet title -> list of row tuples (values as cached in the file, formulas not evaluated).
    """
    import openpyxl

    if not path.is_file():
        raise ReferenceDataError(f"source workbook not found: {path}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # openpyxl: unsupported extensions (cosmetic)
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
        finally:
            wb.close()


def _cell(row: Sequence[Any], i: int) -> Any:
    return row[i] if i < len(row) else None


# --------------------------------------------------------------------------- default values


@dataclass(frozen=True)
class _Cell:
    """A parsed default-value cell: its kind and, for numbers, its value."""

    kind: str  # value | na | dash | see_below | error | empty
    value: float | None = None
    raw: str = ""


def _parse_dv_cell(value: Any) -> _Cell:
    if value is None:
        return _Cell("empty")
    if isinstance(value, bool):
        raise ReferenceDataError(f"unexpected boolean {value!r} in a default-value cell")
    if isinstance(value, int | float):
        return _Cell("value", float(value))
    text = _norm_space(value)
    low = text.casefold()
    if text == "":
        return _Cell("empty", raw=str(value))
    if text in _DASHES:
        return _Cell("dash", raw=text)
    if low == "see below":
        return _Cell("see_below", raw=text)
    if low in _NA_FORMS:
        return _Cell("na", raw=text)
    if low == "#value!":
        return _Cell("error", raw=text)
    raise ReferenceDataError(f"unexpected text {text!r} in a default-value cell")


def _parse_dv_route(value: Any) -> tuple[str, bool]:
    """Route letters of a default line ('(E)' -> 'E', '(C)/(F)' -> 'C/F'); second item: 'N/A' seen."""
    text = _norm_space(value).replace(" ", "")
    if text == "":
        return "", False
    if text.casefold() in _NA_FORMS:
        return "", True
    if not _DV_ROUTE_RE.match(text):
        raise ReferenceDataError(f"unexpected production-route text {value!r}")
    return "/".join(re.findall(r"\(([A-Z])\)", text)), False


@dataclass
class _DVLine:
    sheet: str
    title: str
    country: str
    row: int
    sector: str
    cn_text: str
    cn_line: str
    description: str
    cells: list[_Cell]
    route: str
    route_raw: str
    flags: list[str] = field(default_factory=list)
    variant: str = ""


def _country_lookup(countries: Sequence[dict[str, str]], aliases: Sequence[dict[str, str]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for rec in countries:
        key = _fold(rec["name"])
        # a name listed under several codes (Montenegro ME/XM): keep the ISO code, not the X-code
        if key not in table or table[key].startswith("X"):
            table[key] = rec["iso2"]
    for rec in aliases:
        table[_fold(rec["alias"])] = rec["iso2"]
    return table


def _sheet_country(sheet: str, title: str, lookup: dict[str, str]) -> str:
    if _fold(title) == _fold(OTHER_TITLE):
        return OTHER_COUNTRIES
    for key in (title, sheet):
        code = lookup.get(_fold(key))
        if code:
            return code
    raise ReferenceDataError(
        f"default-value sheet {sheet!r} (title {title!r}): no ISO code found; add its title to "
        f"emission_factors/{ALIASES_CSV}"
    )


def _dv_lines(sheets: dict[str, list[tuple[Any, ...]]], lookup: dict[str, str]) -> list[_DVLine]:
    lines: list[_DVLine] = []
    for sheet, rows in list(sheets.items())[2:]:  # 'Overview', 'Version History', then the tables
        title = _norm_space(_cell(rows[0], 0))
        header = tuple(_norm_space(_cell(rows[1], i)) for i in range(9))
        if header != DV_HEADER:
            raise ReferenceDataError(f"default-value sheet {sheet!r}, row 2: unexpected header {header!r}")
        country = _sheet_country(sheet, title, lookup)
        sector = ""
        for r, row in enumerate(rows[2:], start=3):
            first = _cell(row, 0)
            rest = [_norm_space(_cell(row, i)) for i in range(1, 9)]
            if first is None:
                if any(rest):
                    raise ReferenceDataError(f"default-value sheet {sheet!r}, row {r}: values without a CN code")
                continue
            cn_text = _norm_space(first)
            digits = cn_text.replace(" ", "")
            if not digits.isdigit():
                sector = _sector(cn_text)
                continue
            if len(digits) not in (4, 6, 8):
                raise ReferenceDataError(f"default-value sheet {sheet!r}, row {r}: CN code {cn_text!r}")
            if not sector:
                raise ReferenceDataError(f"default-value sheet {sheet!r}, row {r}: CN line before any section")
            route, route_na = _parse_dv_route(_cell(row, 8))
            line = _DVLine(
                sheet=sheet,
                title=title,
                country=country,
                row=r,
                sector=sector,
                cn_text=cn_text if isinstance(first, str) else spaced(digits),
                cn_line=digits,
                description=_norm_space(_cell(row, 1)),
                cells=[_parse_dv_cell(_cell(row, i)) for i in range(2, 8)],
                route=route,
                route_raw=_norm_space(_cell(row, 8)),
            )
            if route_na:
                line.flags.append("route_na")
            lines.append(line)
    _assign_variants(lines)
    return lines


def _assign_variants(lines: list[_DVLine]) -> None:
    """Name the variants of CN codes printed on several lines of one table (white / grey ...)."""
    seen: dict[tuple[str, str], int] = {}
    for line in lines:
        key = (line.sheet, line.cn_line)
        seen[key] = seen.get(key, 0) + 1
    multi = {cn for (_, cn), n in seen.items() if n > 1}
    used: set[tuple[str, str, str]] = set()
    for line in lines:
        if line.cn_line in multi:
            line.variant = line.description.split(" ", 1)[0].casefold()
            vkey = (line.sheet, line.cn_line, line.variant)
            if vkey in used:
                raise ReferenceDataError(
                    f"default-value sheet {line.sheet!r}, row {line.row}: CN {line.cn_text} has two lines "
                    f"of variant {line.variant!r}"
                )
            used.add(vkey)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


def _classify(line: _DVLine) -> dict[str, Any]:
    """Status, values and consistency flags of one default-value line."""
    direct, indirect, total, m26, m27, m28 = line.cells
    marked = (m26, m27, m28)
    flags = line.flags
    if direct.kind == "see_below" or total.kind == "see_below":
        status = "see_below"
        if any(c.kind == "value" for c in line.cells):
            flags.append("stray_value_on_heading")
        if any(c.kind == "error" for c in line.cells):
            flags.append("error_cells_on_heading")
    elif direct.kind == "value" and total.kind == "value":
        status = "value"
        rates = markup_rates(line.sector)
        for year, cell, rate in zip(MARKUP_YEARS, marked, rates, strict=True):
            assert total.value is not None
            if cell.kind != "value":
                flags.append(f"markup_missing_{year}")
                continue
            assert cell.value is not None
            if _close(cell.value, total.value * (1.0 + rate)):
                continue
            steps = MARKUP_YEARS.index(year) + 1
            if _close(cell.value, total.value * (1.0 + rates[0]) ** steps):
                flags.append(f"markup_compounded_{year}")
            else:
                flags.append(f"markup_mismatch_{year}")
        assert direct.value is not None and total.value is not None
        if indirect.kind == "value":
            assert indirect.value is not None
            if abs(direct.value + indirect.value - total.value) > 0.0101:
                flags.append("total_not_sum")
        elif indirect.kind == "na":
            if not _close(direct.value, total.value):
                flags.append("total_not_sum")
        else:
            raise ReferenceDataError(
                f"default-value sheet {line.sheet!r}, row {line.row}: indirect cell {indirect.raw!r} "
                "on a line with values"
            )
    elif direct.kind == "dash" and total.kind == "dash":
        status = "dash"
        if any(c.kind == "value" for c in marked):
            flags.append("markup_values_on_dash_line")
    else:
        raise ReferenceDataError(
            f"default-value sheet {line.sheet!r}, row {line.row}: direct {direct.raw!r} / total {total.raw!r} "
            "do not form a line"
        )
    if indirect.kind == "na" and indirect.raw.casefold() != "n/a":
        flags.append("indirect_na_spelling")
    indirect_status = {"value": "value", "na": "n/a", "dash": "dash", "see_below": "see_below"}.get(
        indirect.kind, indirect.kind
    )
    return {
        "line_status": status,
        "direct": direct.value if status == "value" else None,
        "indirect": indirect.value if status == "value" and indirect.kind == "value" else None,
        "indirect_status": indirect_status,
        "total": total.value if status == "value" else None,
        "markup_2026": m26.value,
        "markup_2027": m27.value,
        "markup_2028": m28.value,
        "flags": ";".join(flags),
    }


#: Columns of a default-value line that every version of the table has, in table order
#: (the v2 table of :mod:`cbamcalc.extract_v2` shares them).
DV_LINE_COLUMNS = (
    "country",
    "country_table",
    "sector",
    "cn_line",
    "cn_line_text",
    "heading_level",
    "variant",
    "description",
    "line_status",
    "direct",
    "indirect",
    "indirect_status",
    "total",
)

#: Columns after the values in every version of the table: route, flags, unit and the act.
DV_CITATION_COLUMNS = ("route", "route_text", "flags", "unit", "act", "provision")

DV_COLUMNS = (
    *DV_LINE_COLUMNS,
    "markup_2026",
    "markup_2027",
    "markup_2028",
    *DV_CITATION_COLUMNS,
    "source_sheet",
    "source_row",
)


def default_value_rows(shared_dir: Path, out_dir: Path) -> list[dict[str, Any]]:
    """Rows of the default-value table (IR (EU) 2025/2621 Annex I, Commission Excel v1 of 2026-02-04).

    One row per CN line of every country sheet and of "Other Countries and Territories",
    in workbook order, including "see below" headings and "–" lines.

    Parameters
    ----------
    shared_dir : pathlib.Path
        The sources folder (holding ``cbam_templates/``; ``tests/data/`` of the checkout).
    out_dir : pathlib.Path
        ``emission_factors/`` (its ``country_aliases.csv`` maps table titles to ISO codes).

    Returns
    -------
    list of dict
        Keys as :data:`DV_COLUMNS`; values in tCO2e per tonne of good.
    """
    sheets = read_workbook_values(shared_dir / DEFAULT_VALUES_WORKBOOK)
    lookup = _country_lookup(country_rows(shared_dir), _read_aliases(out_dir))
    out = []
    for line in _dv_lines(sheets, lookup):
        rec = _classify(line)
        out.append(
            {
                "country": line.country,
                "country_table": line.title,
                "sector": line.sector,
                "cn_line": line.cn_line,
                "cn_line_text": line.cn_text,
                "heading_level": len(line.cn_line),
                "variant": line.variant,
                "description": line.description,
                **rec,
                "route": line.route,
                "route_text": line.route_raw,
                "unit": UNIT_SEE,
                "act": DV_ACT,
                "provision": f"Annex I, table '{line.title}' (Commission Excel v1 of 2026-02-04)",
                "source_sheet": line.sheet,
                "source_row": line.row,
            }
        )
    return out


def _read_aliases(out_dir: Path) -> list[dict[str, str]]:
    path = out_dir / ALIASES_CSV
    if not path.is_file():
        raise ReferenceDataError(f"curated table {path} is missing (it maps Commission table titles to ISO codes)")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# --------------------------------------------------------------------------- benchmarks


def _parse_bm_route(value: Any) -> str:
    """Normalised route of a benchmark row: '(C)' -> 'C', '(F)(1)' -> 'F(1)', '(1)' -> '1', none -> ''."""
    text = _norm_space(value).replace(" ", "")
    if not text:
        return ""
    m = _ROUTE_RE.match(text)
    if not m:
        raise ReferenceDataError(f"unexpected production-route indicator {value!r} in the benchmark workbook")
    return m.group(1) + (f"({m.group(2)})" if m.group(2) else "")


BM_COLUMNS = (
    "cn_code",
    "cn_text",
    "description",
    "sector",
    "column",
    "route",
    "route_text",
    "value",
    "unit",
    "act",
    "provision",
    "source_sheet",
    "source_row",
    "source_cell",
)


def benchmark_rows(shared_dir: Path) -> list[dict[str, Any]]:
    """Rows of the CBAM benchmark table (IR (EU) 2025/2620, Annex; Commission Excel v1).

    One row per printed benchmark value: every CN code, Column A and Column B, every
    production-route row. A Column A value printed once without a route indicator (while
    Column B lists several routes) has route ``''``: it applies whatever the route.

    Returns
    -------
    list of dict
        Keys as :data:`BM_COLUMNS`; ``value`` in tCO2e per tonne of good.
    """
    sheets = read_workbook_values(shared_dir / BENCHMARKS_WORKBOOK)
    if "Benchmarks" not in sheets:
        raise ReferenceDataError("benchmark workbook: sheet 'Benchmarks' not found")
    rows = sheets["Benchmarks"]
    header = tuple(_norm_space(_cell(rows[0], i)) for i in range(6))
    if header != BM_HEADER:
        raise ReferenceDataError(f"benchmark workbook, sheet 'Benchmarks', row 1: unexpected header {header!r}")
    out: list[dict[str, Any]] = []
    sector = ""
    cn = description = ""
    for r, row in enumerate(rows[1:], start=2):
        first, desc = _cell(row, 0), _cell(row, 1)
        if isinstance(first, str) and not first.replace(" ", "").isdigit():
            sector = _sector(first)
            cn = ""
            continue
        if first is not None:
            cn = _norm_space(first).replace(" ", "")
            if len(cn) != 8 or not cn.isdigit():
                raise ReferenceDataError(f"benchmark workbook, row {r}: CN code {first!r} is not 8 digits")
            description = _norm_space(desc)
        if not any(v is not None for v in row[:6]):
            continue
        if not cn:
            raise ReferenceDataError(f"benchmark workbook, row {r}: values before any CN code")
        for column, vi, ri, letter in (("A", 2, 3, "C"), ("B", 4, 5, "E")):
            value = _cell(row, vi)
            if value is None:
                if _cell(row, ri) is not None:
                    raise ReferenceDataError(f"benchmark workbook, row {r}: route without a value")
                continue
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ReferenceDataError(f"benchmark workbook, cell {letter}{r}: expected a number, found {value!r}")
            out.append(
                {
                    "cn_code": cn,
                    "cn_text": spaced(cn),
                    "description": description,
                    "sector": sector,
                    "column": column,
                    "route": _parse_bm_route(_cell(row, ri)),
                    "route_text": _norm_space(_cell(row, ri)),
                    "value": float(value),
                    "unit": UNIT_SEE,
                    "act": BM_ACT,
                    "provision": f"Annex, Column {column} (Commission Excel v1)",
                    "source_sheet": "Benchmarks",
                    "source_row": r,
                    "source_cell": f"{letter}{r}",
                }
            )
    _check_unique(out, ("cn_code", "column", "route"), "benchmark")
    return out


def _check_unique(rows: Iterable[dict[str, Any]], keys: Sequence[str], what: str) -> None:
    seen: set[tuple[Any, ...]] = set()
    for rec in rows:
        key = tuple(rec[k] for k in keys)
        if key in seen:
            raise ReferenceDataError(f"{what} table: duplicate key {key!r}")
        seen.add(key)


# --------------------------------------------------------------------------- template lists

#: Sector of each aggregated goods category of the template (Annex I of Regulation (EU) 2023/956).
CATEGORY_SECTORS = {
    "Calcined clays": "Cement",
    "Cement clinker": "Cement",
    "Cement": "Cement",
    "Aluminous cement": "Cement",
    "Hydrogen": "Hydrogen",
    "Nitric acid": "Fertilisers",
    "Ammonia": "Fertilisers",
    "Urea": "Fertilisers",
    "Mixed fertilisers": "Fertilisers",
    "Sintered Ore": "Iron and steel",
    "Pig iron": "Iron and steel",
    "Alloys (FeMn, FeCr, FeNi)": "Iron and steel",
    "Direct reduced iron": "Iron and steel",
    "Crude steel": "Iron and steel",
    "Iron or steel products": "Iron and steel",
    "Unwrought aluminium": "Aluminium",
    "Aluminium products": "Aluminium",
    "Electricity (export to EU)": "Electricity",
}

CN_COLUMNS = (
    "cn_code",
    "cn_text",
    "description",
    "category",
    "category_template",
    "sector",
    "cn_key",
    "list_source",
    "annex_ii",
    "annex_ii_provision",
    "scope_note",
    "act",
    "provision",
    "source_sheet",
    "source_row",
)


def cn_code_rows(shared_dir: Path) -> list[dict[str, Any]]:
    """CBAM goods (CN codes at 8 digits) with the template's aggregated goods category.

    From the Communication template v2.1.1, hidden sheet ``Parameters_CNCodes``, rows 4-572
    (569 codes; columns A key, B spaced code, D 8-digit code, E category, H English name).
    ``category`` is the template's category without trailing spaces; ``category_template`` is
    the exact drop-down string (``"Calcined clays "`` has a trailing space).
    """
    rows = read_workbook_values(shared_dir / TEMPLATE_WORKBOOK)["Parameters_CNCodes"]
    out = []
    for r in range(4, 573):
        row = rows[r - 1]
        key, spaced, code, category, name = (_cell(row, i) for i in (0, 1, 3, 4, 7))
        digits = str(spaced).replace(" ", "")
        if str(code) != digits or len(digits) != 8 or not digits.isdigit():
            raise ReferenceDataError(f"Parameters_CNCodes, row {r}: code {spaced!r} / {code!r}")
        cat = str(category).strip()
        if cat not in CATEGORY_SECTORS:
            raise ReferenceDataError(f"Parameters_CNCodes, row {r}: unknown category {category!r}")
        out.append(
            {
                "cn_code": digits,
                "cn_text": str(spaced),
                "description": _norm_space(name),
                "category": cat,
                "category_template": str(category),
                "sector": CATEGORY_SECTORS[cat],
                "cn_key": str(key),
                "list_source": "template",
                "act": SCOPE_ACT,
                "provision": f"Annex I (goods list as in the {TEMPLATE_NAME}, sheet Parameters_CNCodes)",
                "source_sheet": "Parameters_CNCodes",
                "source_row": r,
            }
        )
    if len(out) != 569:
        raise ReferenceDataError(f"Parameters_CNCodes: expected 569 codes, found {len(out)}")
    _check_unique(out, ("cn_code",), "CN code")
    return out


def cn_codes_from_benchmarks(cn_rows: list[dict[str, Any]], bm_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """CBAM goods the benchmark annex lists at 8 digits but the template (CN 2024) does not.

    CN 2026 split 3102 10 10 (urea) into 3102 10 12, 15 and 19; IR (EU) 2025/2620 and
    2025/2621 use the new codes. Each is added with the category the template gives every code
    under the same 6-digit heading (refused when those disagree or there are none).
    """
    known = {rec["cn_code"] for rec in cn_rows}
    out = []
    for rec in bm_rows:
        cn = rec["cn_code"]
        if cn in known:
            continue
        known.add(cn)
        siblings = [r for r in cn_rows if r["cn_code"][:6] == cn[:6]]
        cats = {r["category"] for r in siblings}
        if len(cats) != 1:
            raise ReferenceDataError(
                f"benchmark CN {rec['cn_text']} is not in the template goods list and heading {cn[:6]} "
                f"gives no single category ({sorted(cats)})"
            )
        sib = siblings[0]
        out.append(
            {
                "cn_code": cn,
                "cn_text": rec["cn_text"],
                "description": rec["description"],
                "category": sib["category"],
                "category_template": sib["category_template"],
                "sector": sib["sector"],
                "cn_key": "",
                "list_source": "benchmark annex (CN 2026 code)",
                "act": BM_ACT,
                "provision": f"Annex (CN code listed there; category of the template codes under heading "
                f"{spaced(cn[:6])})",
                "source_sheet": rec["source_sheet"],
                "source_row": rec["source_row"],
            }
        )
    return out


def _read_curated(out_dir: Path, name: str, what: str) -> list[dict[str, str]]:
    path = out_dir / name
    if not path.is_file():
        raise ReferenceDataError(f"curated table {path} is missing ({what})")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def annex_ii_of(cn: str, annex_rows: Sequence[dict[str, str]]) -> tuple[bool, str]:
    """Whether a CN code is listed in Annex II of Regulation (EU) 2023/956, and the provision saying so.

    The row of ``annex_ii_Reg2023-956.csv`` with the longest ``cn_prefix`` the code starts with
    decides (chapter 72 is listed "except" some ferro-alloys and 7204, which are rows of their
    own). A code under no row is not listed: direct and indirect emissions count (Art. 7(1)).
    """
    best: dict[str, str] | None = None
    for rec in annex_rows:
        if cn.startswith(rec["cn_prefix"]) and (best is None or len(rec["cn_prefix"]) > len(best["cn_prefix"])):
            best = rec
    if best is None:
        return False, f"{SCOPE_ACT}, Art. 7(1) and Annex II: not listed (direct and indirect emissions count)"
    return best["annex_ii"] == "true", f"{best['act']}, {best['provision']}: {best['cn_text']}"


def join_annex_ii(cn_rows: list[dict[str, Any]], out_dir: Path) -> None:
    """Add ``annex_ii``, ``annex_ii_provision`` and ``scope_note`` to the rows of the goods list (in place).

    Checks the curated Annex II table against the goods list: every listed prefix has CBAM goods
    under it, and the exceptions (ferro-alloys of 7202 other than FeMn/FeCr/FeNi, 7204) have none,
    as Annex I of Regulation (EU) 2023/956 excepts them from scope too.
    """
    annex = _read_curated(out_dir, ANNEX_II_CSV, "Annex II of Regulation (EU) 2023/956 by CN code")
    notes = _read_curated(out_dir, SCOPE_NOTES_CSV, "scope changes of Regulation (EU) 2025/2083")
    goods = [rec["cn_code"] for rec in cn_rows]
    for i, rec in enumerate(annex, start=2):
        if rec["annex_ii"] not in ("true", "false") or not rec["cn_prefix"].isdigit():
            raise ReferenceDataError(f"{ANNEX_II_CSV}, row {i}: expected a digit prefix and annex_ii true/false")
        under = [g for g in goods if g.startswith(rec["cn_prefix"])]
        if (rec["annex_ii"] == "true") != bool(under):
            raise ReferenceDataError(
                f"{ANNEX_II_CSV}, row {i} ({rec['cn_text']}): annex_ii={rec['annex_ii']} but "
                f"{len(under)} CBAM good(s) of the goods list fall under it"
            )
    by_code = {rec["cn_code"]: rec for rec in notes}
    unknown = sorted(set(by_code) - set(goods))
    if unknown:
        raise ReferenceDataError(f"{SCOPE_NOTES_CSV}: CN code(s) {unknown} are not in the goods list")
    for good in cn_rows:
        member, provision = annex_ii_of(good["cn_code"], annex)
        good["annex_ii"] = member
        good["annex_ii_provision"] = provision
        note = by_code.get(good["cn_code"])
        good["scope_note"] = f"{note['scope_note']} ({note['act']}, {note['provision']})" if note else ""


COUNTRY_COLUMNS = (
    "iso2",
    "name",
    "default_values_table",
    "default_values_table_v2",
    "act",
    "provision",
    "source_sheet",
    "source_row",
)


def country_rows(shared_dir: Path) -> list[dict[str, Any]]:
    """Country code list of the Communication template v2.1.1 (``c_CodeLists!F11:G276``).

    ``default_values_table`` (filled by :func:`build_all`) names the country's own table of
    IR (EU) 2025/2621 Annex I (v1), ``default_values_table_v2`` its own table of IR (EU) 2026/1740
    Annex I (v2); empty when the Other-countries table applies.
    """
    rows = read_workbook_values(shared_dir / TEMPLATE_WORKBOOK)["c_CodeLists"]
    out = []
    for r in range(11, 278):
        row = rows[r - 1]
        code, name = _cell(row, 5), _cell(row, 6)
        if code is None and name is None:
            break
        if not (isinstance(code, str) and re.fullmatch(r"[A-Z]{2}", code)):
            raise ReferenceDataError(f"c_CodeLists, cell F{r}: expected a two-letter code, found {code!r}")
        out.append(
            {
                "iso2": code,
                "name": _norm_space(name),
                "default_values_table": "",
                "default_values_table_v2": "",
                "act": TEMPLATE_NAME,
                "provision": "sheet c_CodeLists, country code list (ISO 3166-1 alpha-2 and EU codes)",
                "source_sheet": "c_CodeLists",
                "source_row": r,
            }
        )
    if len(out) != 266:
        raise ReferenceDataError(f"c_CodeLists: expected 266 countries in F11:G276, found {len(out)}")
    _check_unique(out, ("iso2",), "country")
    return out


# --------------------------------------------------------------------------- writing


def _csv_bytes(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for rec in rows:
        writer.writerow([_fmt(rec[c]) for c in columns])
    return buf.getvalue().encode("utf-8")


def _write(path: Path, data: bytes) -> Path:
    """Write whole or nothing: a temporary file in the same folder, then an atomic replace."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


def _relative_source(path: str) -> str:
    """A manifest ``source_file``/``cross_check_file`` relative to the sources folder."""
    return path.removeprefix("tests/data/").removeprefix("shared/")


def _check_source_hashes(shared_dir: Path, out_dir: Path) -> None:
    """Refuse to build from a workbook other than the one the manifest names (a new version needs review)."""
    man_path = out_dir / "MANIFEST.toml"
    files = tomllib.loads(man_path.read_text(encoding="utf-8")).get("files", {}) if man_path.is_file() else {}
    checks = [(name, source, files.get(name, {}).get("source_sha256"), "source_sha256")
              for name, (_, source) in GENERATED.items()]
    checks += [(name, _relative_source(entry["cross_check_file"]), entry.get("cross_check_sha256"),
                "cross_check_sha256") for name, entry in files.items() if "cross_check_file" in entry]
    for name, source, recorded, key in checks:
        if not recorded:
            continue
        actual = _sha256(shared_dir / source)
        if actual != recorded:
            raise ReferenceDataError(
                f"{source}: sha256 {actual} differs from MANIFEST.toml [files.{name}] {key} {recorded}; "
                "a new Commission file is a new data version: review it, then update the manifest entry"
            )


def generated_tables(shared_dir: Path, out_dir: Path) -> Iterator[tuple[str, bytes]]:
    """(file name, CSV bytes) of every generated table, without writing anything."""
    from . import extract_v2

    dv = default_value_rows(shared_dir, out_dir)
    lookup = _country_lookup(country_rows(shared_dir), _read_aliases(out_dir))
    dv2 = extract_v2.default_value_rows_v2(shared_dir, lambda title: _sheet_country(title, title, lookup))
    countries = country_rows(shared_dir)
    for column, rows in (("default_values_table", dv), ("default_values_table_v2", dv2)):
        tables = {rec["country"]: rec["country_table"] for rec in rows if rec["country"] != OTHER_COUNTRIES}
        for rec in countries:
            rec[column] = tables.get(rec["iso2"], "")
        missing = set(tables) - {rec["iso2"] for rec in countries}
        if missing:
            raise ReferenceDataError(f"default-value tables for codes not in the template list: {sorted(missing)}")
    bm = benchmark_rows(shared_dir)
    cn_rows = cn_code_rows(shared_dir)
    cn_rows += cn_codes_from_benchmarks(cn_rows, bm)
    join_annex_ii(cn_rows, out_dir)
    goods = [rec["cn_code"] for rec in cn_rows]
    for rec in dv + dv2:
        line = rec["cn_line"]
        if not any(code.startswith(line) for code in goods):
            rec["flags"] = ";".join(f for f in (rec["flags"], "cn_not_in_goods_list") if f)
    yield DEFAULT_VALUES_CSV, _csv_bytes(DV_COLUMNS, dv)
    yield extract_v2.DEFAULT_VALUES_V2_CSV, _csv_bytes(extract_v2.DV2_COLUMNS, dv2)
    yield BENCHMARKS_CSV, _csv_bytes(BM_COLUMNS, bm)
    yield CN_CODES_CSV, _csv_bytes(CN_COLUMNS, cn_rows)
    yield COUNTRIES_CSV, _csv_bytes(COUNTRY_COLUMNS, countries)


def build_all(shared_dir: Path, out_dir: Path) -> list[Path]:
    """Regenerate every table taken from the Commission's workbooks.

    Parameters
    ----------
    shared_dir : pathlib.Path
        The read-only sources folder holding ``cbam_templates/`` (``tests/data/`` of the checkout).
    out_dir : pathlib.Path
        The ``emission_factors/`` folder to write into.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    ReferenceDataError
        When a source workbook is missing, its layout is not the one expected, or its sha256
        differs from the ``source_sha256`` recorded in ``MANIFEST.toml``.
    """
    shared_dir, out_dir = Path(shared_dir), Path(out_dir)
    _check_source_hashes(shared_dir, out_dir)
    return [_write(out_dir / name, data) for name, data in generated_tables(shared_dir, out_dir)]

"""EU default values of embedded emissions per CN code, country of production and year of import.

Default values in force are those of Annex I to Implementing Regulation (EU) 2025/2621 as
replaced by Implementing Regulation (EU) 2026/1740 (``emission_factors/
default_values_IR2026-1740_v2_2026-08-06.csv``, generated from two third-party transcriptions of
the Commission's Excel version 2 of 2026-08-06, cross-checked line by line). All values are
specific embedded emissions in tCO2e per tonne of good. Every result names the version used.

Data versions
-------------
``"2026/1740"`` (default)
    IR (EU) 2026/1740 Annex I (OJ 31 Jul 2026), which replaced Annex I of IR (EU) 2025/2621
    from 1 January 2026: the values in force. Direct, indirect and total with 3 decimals;
    no marked-up columns (``published_value_with_markup`` is NaN).
``"2025/2621"``
    IR (EU) 2025/2621 Annex I as first published, Commission Excel v1 of 2026-02-04 (with its
    marked-up columns): selectable for comparison and for reproducing earlier results.

Which line applies (IR (EU) 2025/2621 and 2026/1740, Annex I, introductory text)
-------------------------------------------------------------------
1. In the country's own table, the most specific line whose CN code the good's code starts
   with: an 8-digit line first, then a 6-digit, then a 4-digit heading line. "see below"
   headings are not lines of their own (their sub-lines are).
2. When the country has no table, its table has no line for the code, or that line shows
   "–" (also printed "-" or "_"), the same rule is applied to the table "Other countries and
   territories" (``fallback=True``).
3. Some CN codes have several lines (white and grey clinker share 2523 10 00; white and grey
   hydraulic cements share 2523 90 00). One is never picked silently: the caller names the
   variant (``"white"`` / ``"grey"``) or gets an :class:`~cbamcalc.errors.InputError` listing
   them; :func:`lookup_default_values` with ``all_variants=True`` returns one row per variant.

Mark-up (``markups_IR2026-1740.csv``; v1: ``markups_IR2025-2621.csv``)
----------------------------------------------------------------------
10 % for imports in 2026, 20 % in 2027, 30 % from 2028; fertilisers 1 % in every year.
``value_with_markup`` = total x (1 + mark-up): the printed total is the law (IR (EU) 2026/1740
Annex I, opening paragraph; recital 10: the direct and indirect columns are for information),
also where it differs from direct + indirect by rounding. For goods of Annex II of Regulation
(EU) 2023/956 (indirect "N/A": only direct emissions count) the printed total equals the direct
value. The v1 workbook's marked-up columns are exactly this (total x 1.1, x 1.2, x 1.3, or
x 1.01), on every line but the few it prints inconsistently; its own figure is returned as
``published_value_with_markup`` and the inconsistency as a code in ``flags`` (see
``emission_factors/README.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from ._distinct import factorize
from .cn_codes import normalise_cn, spaced
from .countries import resolve_country
from .errors import InputError, ReferenceDataError

if TYPE_CHECKING:  # pandas is imported by lookup_default_values only: a single look-up stays light
    import pandas as pd

__all__ = [
    "DEFAULT_VERSION",
    "KNOWN_VERSIONS",
    "VERSION_LABELS",
    "DefaultValue",
    "default_value",
    "lookup_default_values",
    "markup_rate",
    "resolve_default_values",
    "resolve_version",
    "variants_of",
]

#: The data set used when no version is named: the default values in force.
DEFAULT_VERSION = "2026/1740"

#: Known data versions -> manifest table (``None``: known, not bundled).
KNOWN_VERSIONS: dict[str, str | None] = {
    "2026/1740": "default_values_2026_1740_v2",
    "2025/2621": "default_values_2025_2621_v1",
}

#: Version -> manifest table of its mark-up schedule.
MARKUP_TABLES = {"2026/1740": "markups_2026_1740", "2025/2621": "markups"}

#: Version -> how results cite it (``source`` starts with this).
VERSION_LABELS = {
    "2026/1740": "IR (EU) 2026/1740 Annex I (Commission Excel v2 of 2026-08-06)",
    "2025/2621": "IR (EU) 2025/2621 Annex I v1",
}
_VERSION_LABELS = VERSION_LABELS

OTHER = "OTHER"
FIRST_YEAR = 2026
_FERTILISERS = "Fertilisers"

#: Output columns of :func:`lookup_default_values`, in order.
COLUMNS = (
    "cn_code",
    "country",
    "year",
    "version",
    "direct",
    "indirect",
    "total",
    "markup_rate",
    "value_with_markup",
    "published_value_with_markup",
    "route",
    "fallback",
    "fallback_reason",
    "heading_level",
    "cn_line",
    "variant",
    "sector",
    "is_fertiliser",
    "unit",
    "source",
    "flags",
)


@dataclass(frozen=True)
class DefaultValue:
    """The default value of one good for one country and year of import.

    Attributes
    ----------
    cn_code : str
        The good's CN code as asked, 8 digits (or 4/6 for a heading).
    country : str
        Country of production, ISO 3166-1 alpha-2.
    year : int
        Year of import (sets the mark-up).
    version : str
        Data version used (``"2026/1740"`` or ``"2025/2621"``).
    direct, indirect, total : float
        Default specific embedded emissions. [tCO2e/t]; ``indirect`` is NaN where Annex I
        prints "N/A" (goods for which only direct emissions count).
    markup_rate : float
        Mark-up of the year as a fraction (0.10 = 10 %).
    value_with_markup : float
        Printed total x (1 + mark-up): the value that enters the obligation (IR (EU) 2026/1740
        Annex I, opening paragraph). [tCO2e/t]
    published_value_with_markup : float
        The v1 workbook's own marked-up figure for that year (NaN where it prints none, and
        always for version 2026/1740, which prints no marked-up columns). [tCO2e/t]
    route : str
        Production-route letter(s) of the line (``"E"``, ``"C/F"``; ``""`` when none), which
        select the CBAM benchmark row used with default values (:mod:`cbamcalc.benchmarks`).
    fallback : bool
        True when the "Other countries and territories" line was used.
    fallback_reason : str
        Why it was used (``""`` when not).
    heading_level : int
        Digits of the CN line matched: 8, 6 or 4.
    cn_line : str
        The CN code of the line matched.
    variant : str
        ``"white"`` / ``"grey"`` for codes with several lines, else ``""``.
    sector : str
        Cement, Fertilisers, Aluminium, Hydrogen or Iron and steel.
    is_fertiliser : bool
        Fertilisers carry a 1 % mark-up in every year.
    unit : str
        ``"tCO2e/t"``.
    source : str
        Act, annex, version and the line, e.g. ``"IR (EU) 2026/1740 Annex I (Commission Excel v2
        of 2026-08-06), table 'Thailand', line 731815"`` or ``"IR (EU) 2025/2621 Annex I v1,
        sheet 'Thailand', row 262"``.
    flags : str
        Consistency codes of the workbook line (``;``-separated; ``""`` when none).
    """

    cn_code: str
    country: str
    year: int
    version: str
    direct: float
    indirect: float
    total: float
    markup_rate: float
    value_with_markup: float
    published_value_with_markup: float
    route: str
    fallback: bool
    fallback_reason: str
    heading_level: int
    cn_line: str
    variant: str
    sector: str
    is_fertiliser: bool
    unit: str
    source: str
    flags: str

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (NaN becomes None), e.g. for JSON."""
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            v = getattr(self, name)
            out[name] = None if isinstance(v, float) and np.isnan(v) else v
        return out


# --------------------------------------------------------------------------- versions and mark-ups


def resolve_version(version: str | None = None) -> str:
    """Canonical name of a default-value data version (``None`` -> :data:`DEFAULT_VERSION`).

    Accepts ``"2026/1740"`` (also ``"IR 2026/1740"``, ``"2026/1740 v2"``) and ``"2025/2621"``
    (also ``"IR 2025/2621"``, ``"(EU) 2025/2621"``, ``"2025/2621 v1"``).

    Raises
    ------
    InputError
        For a version that is not known.
    """
    if version is None:
        return DEFAULT_VERSION
    text = str(version).strip()
    key = text.upper().replace("(EU)", "").replace("IR", "").replace("EU", "").replace(" ", "")
    for suffix in ("-V1", "V1", "-V2", "V2"):
        if key.endswith(suffix):
            key = key[: -len(suffix)]
    if key in KNOWN_VERSIONS:
        return key
    raise InputError(
        "unknown data version",
        field="version",
        expected="'2026/1740' (the values in force, the default) or '2025/2621' (v1 as first published)",
        found=text,
    )


def _table_name(version: str) -> str:
    name = KNOWN_VERSIONS[version]
    if name is None:
        raise ReferenceDataError(f"Default values of version {version!r} are not bundled")
    return name


@cache
def _markup_matrix(version: str = DEFAULT_VERSION) -> tuple[dict[str, int], np.ndarray]:
    """Sector -> row, and mark-up fractions for years 2026, 2027, 2028+ (columns), of a version."""
    from .refdata import load_columns, table_info

    table = load_columns(MARKUP_TABLES[version])
    path = table_info(MARKUP_TABLES[version])["path"]
    sector_of = np.asarray(table["sector"], dtype=object)
    valid_from = np.asarray(table["valid_from"], dtype=float)
    valid_to = np.asarray(table["valid_to"], dtype=float)  # NaN: open-ended
    value = np.asarray(table["value"], dtype=float)
    sectors = sorted(set(sector_of.tolist()))
    years = np.arange(FIRST_YEAR, FIRST_YEAR + 3)
    matrix = np.full((len(sectors), len(years)), np.nan)
    for i, sector in enumerate(sectors):
        rows = sector_of == sector
        for j, year in enumerate(years):
            hit = np.flatnonzero(rows & (valid_from <= year) & (np.isnan(valid_to) | (valid_to >= year)))
            if len(hit) != 1:
                raise ReferenceDataError(f"{path}: {len(hit)} rows for {sector} in {year}")
            matrix[i, j] = value[hit[0]] / 100.0
        if not np.isnan(valid_to[rows & (valid_from <= years[-1])]).any():
            raise ReferenceDataError(f"{path}: no open-ended row for {sector}")
    return {s: i for i, s in enumerate(sectors)}, matrix


def markup_rate(sector: str, year: int, *, version: str | None = None) -> float:
    """Mark-up on default values for a sector and year of import, as a fraction.

    Parameters
    ----------
    sector : str
        Cement, Fertilisers, Aluminium, Hydrogen or Iron and steel.
    year : int
        Year of import, from 2026.
    version : str, optional
        Default-value version (default :data:`DEFAULT_VERSION`); both print the same schedule.

    Returns
    -------
    float
        0.10 in 2026, 0.20 in 2027, 0.30 from 2028; 0.01 in every year for fertilisers.

    References
    ----------
    IR (EU) 2026/1740, Annex I, opening paragraph (``markups_IR2026-1740.csv``); for version
    2025/2621: IR (EU) 2025/2621, Annex I (mark-up headings of each table) and recitals (3)-(4).

    Examples
    --------
    >>> markup_rate("Iron and steel", 2027), markup_rate("Fertilisers", 2030)
    (0.2, 0.01)
    """
    sectors, matrix = _markup_matrix(resolve_version(version))
    if sector not in sectors:
        raise InputError(field="sector", expected=" or ".join(sorted(sectors)), found=sector)
    _check_year(year)
    return float(matrix[sectors[sector], min(int(year), FIRST_YEAR + 2) - FIRST_YEAR])


def _check_year(year: Any, **where: Any) -> int:
    try:
        ok = float(year) == int(float(year))
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok or int(float(year)) < FIRST_YEAR:
        raise InputError(
            field="year",
            expected="a year of import from 2026 on (default values apply from the definitive period)",
            found="an empty cell" if year is None or (isinstance(year, float) and np.isnan(year)) else year,
            **where,
        )
    return int(float(year))


# --------------------------------------------------------------------------- the data set


@dataclass(frozen=True, repr=False, eq=False)  # internal: start-up
class _Dataset:
    version: str
    lines: Mapping[str, np.ndarray]  # every row of the CSV, as numpy columns (read-only)
    runs: dict[str, tuple[tuple[int, int], ...]]  # country -> its rows, as [start, stop) runs of `lines`
    variants: dict[str, tuple[str, ...]]  # cn_line -> variants, for codes printed on several lines
    tables: frozenset[str]  # countries with their own table
    columns: dict[str, np.ndarray]  # per-line arrays for broadcasting
    indexes: dict[str, dict[str, int]]  # country -> {"cn_line|variant": row} of usable lines, built on first use

    def index(self, country: str) -> dict[str, int]:
        """``"cn_line|variant"`` -> row of the usable lines (value or dash) of one country's table."""
        found = self.indexes.get(country)
        if found is None:
            found = self.indexes[country] = _country_index(self, country)
        return found


def _country_index(data: _Dataset, country: str) -> dict[str, int]:
    status, cn_line, variant = data.columns["line_status"], data.columns["cn_line"], data.columns["variant"]
    keys: dict[str, int] = {}
    for start, stop in data.runs.get(country, ()):
        for row, st, cn, var in zip(range(start, stop), status[start:stop].tolist(), cn_line[start:stop].tolist(),
                                    variant[start:stop].tolist(), strict=True):
            if st == "see_below":
                continue
            key = f"{cn}|{var}"
            if key in keys:
                raise ReferenceDataError(f"default-value table {data.version}: two lines for {country + '|' + key!r}")
            keys[key] = row
    return keys


def _runs(country: np.ndarray) -> dict[str, tuple[tuple[int, int], ...]]:
    """Country -> the [start, stop) runs of rows holding its table (one run each in the shipped tables)."""
    n = len(country)
    starts = np.flatnonzero(np.concatenate([[True], country[1:] != country[:-1]])) if n else np.zeros(0, np.int64)
    stops = np.append(starts[1:], n)
    runs: dict[str, list[tuple[int, int]]] = {}
    for start, stop in zip(starts.tolist(), stops.tolist(), strict=True):
        runs.setdefault(str(country[start]), []).append((start, stop))
    return {c: tuple(r) for c, r in runs.items()}


@cache
def _dataset(version: str) -> _Dataset:
    from .refdata import load_columns

    lines = load_columns(_table_name(version))
    variant = np.asarray(lines["variant"], dtype=object)
    found: dict[str, dict[str, None]] = {}
    with_variant = np.flatnonzero(variant != "")
    for cn, var in zip(lines["cn_line"][with_variant].tolist(), variant[with_variant].tolist(), strict=True):
        found.setdefault(cn, {})[var] = None  # variants in the order the table prints them
    marked = ["markup_2026", "markup_2027", "markup_2028"]
    published = (np.column_stack([np.asarray(lines[m], dtype=float) for m in marked]) if set(marked) <= set(lines)
                 else np.full((len(variant), 3), np.nan))
    columns = {
        "sector": np.asarray(lines["sector"], dtype=object),
        "direct": np.asarray(lines["direct"], dtype=float),
        "indirect": np.asarray(lines["indirect"], dtype=float),
        "total": np.asarray(lines["total"], dtype=float),
        "published": published,
        "route": np.asarray(lines["route"], dtype=object),
        "heading_level": np.asarray(lines["heading_level"], dtype=np.int64),
        "cn_line": np.asarray(lines["cn_line"], dtype=object),
        "variant": variant,
        "flags": np.asarray(lines["flags"], dtype=object),
        "line_status": np.asarray(lines["line_status"], dtype=object),
    }
    runs = _runs(np.asarray(lines["country"], dtype=object))
    return _Dataset(
        version=version,
        lines=lines,
        runs=runs,
        variants={cn: tuple(found[cn]) for cn in sorted(found)},
        tables=frozenset(runs) - {OTHER},
        columns=columns,
        indexes={},
    )


def _sources(data: _Dataset, line: np.ndarray) -> np.ndarray:
    """How results cite each line: the act, and the annex table and line (v2) or workbook sheet and row (v1)."""
    label = _VERSION_LABELS[data.version]
    lines = data.lines
    if "source_table" in lines:  # v2: a table and a line of the annex, read from the transcriptions
        text = [f"{label}, table '{lines['source_table'][r]}', line {lines['source_code'][r]}" for r in line.tolist()]
    else:  # v1: a sheet and row of the Commission workbook
        text = [f"{label}, sheet '{lines['source_sheet'][r]}', row {int(lines['source_row'][r])}"
                for r in line.tolist()]
    out = np.empty(len(text), dtype=object)
    out[:] = text
    return out


def variants_of(cn: Any, *, version: str | None = None) -> tuple[str, ...]:
    """Variants of a CN code printed on several lines (e.g. ``('white', 'grey')`` for 2523 10 00)."""
    from .cn_codes import normalise_cn

    data = _dataset(resolve_version(version))
    digits = normalise_cn(cn, allow_heading=True)
    return data.variants.get(digits, ())


# --------------------------------------------------------------------------- resolution


def _match(data: _Dataset, table: np.ndarray, cn: np.ndarray, variant: np.ndarray) -> np.ndarray:
    """Row of ``data.lines`` of the most specific line of ``table`` matching ``cn`` (-1: none).

    Called on distinct (country, CN, variant) combinations only: a few hundred dict look-ups.
    """
    found = np.full(len(cn), -1, dtype=np.int64)
    for i, (tab, code, var) in enumerate(zip(table.tolist(), cn.tolist(), variant.tolist(), strict=True)):
        for level in (8, 6, 4):
            if len(code) < level:
                continue
            prefix = code[:level]
            row = data.index(tab).get(f"{prefix}|{var if prefix in data.variants else ''}")
            if row is not None:
                found[i] = row
                break
    return found


def _resolve_unique(
    data: _Dataset, cn: np.ndarray, country: np.ndarray, variant: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Line row, fallback flag and fallback reason for each unique (cn, country, variant)."""
    status = data.columns["line_status"]
    has_table = np.fromiter((c in data.tables for c in country), dtype=bool, count=len(country))
    own = np.where(has_table, _match(data, country, cn, variant), -1)
    own_ok = own >= 0
    dash = np.zeros(len(cn), dtype=bool)
    dash[own_ok] = status[own[own_ok]] == "dash"
    use_other = ~own_ok | dash
    reason = np.select(
        [~has_table, ~own_ok, dash],
        ["no table for this country", "no line for this CN in the country's table", "the country's line shows '–'"],
        default="",
    ).astype(object)
    other = _match(data, np.full(len(cn), OTHER, dtype=object), cn, variant)
    line = np.where(use_other, other, own)
    return line, use_other, np.where(use_other, reason, "")


def _ambiguous(cn: str, choices: tuple[str, ...], **where: Any) -> InputError:
    listed = ", ".join(f"'{v}'" for v in choices)
    return InputError(
        f"CN {spaced(cn)} has several default-value lines (variants {listed}); name one "
        "(variant=..., CLI --variant) instead of letting cbamcalc pick",
        field="variant",
        expected=f"one of {listed}",
        found="no variant",
        **where,
    )


def _no_line(data: _Dataset, cn: str, country: str, **where: Any) -> ReferenceDataError:
    other = (data.lines["country"] == OTHER) & (data.lines["line_status"] != "see_below")
    under = sorted({c for c in data.lines["cn_line"][other].tolist() if c.startswith(cn[:6]) or cn.startswith(c)})
    hint = f"; lines under heading {spaced(cn[:6])}: {', '.join(spaced(c) for c in under)}" if under else ""
    return ReferenceDataError(
        f"no default value for CN {spaced(cn)} in {_VERSION_LABELS[data.version]} (country {country} and "
        f"'Other countries and territories'){hint}"
    )


def _not_cbam(cn: str, **where: Any) -> InputError:
    return InputError(
        "not a CBAM good (not in Annex I of Regulation (EU) 2023/956 as listed in the Communication "
        "template v2.1.1, and no line of the default-value annex covers it)",
        field="cn_code",
        expected="the CN code of a CBAM good",
        found=spaced(cn),
        **where,
    )


def _year_number(value: Any) -> float:
    """A year cell as a number (NaN when it is none), as ``float()`` reads it."""
    from ._distinct import is_missing

    if is_missing(value):
        return np.nan
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return np.nan


def _check_years(years: np.ndarray, where: Callable[[int], dict[str, Any]]) -> np.ndarray:
    """Years of import per row (``int64``); the first cell that is not a year from 2026 is refused."""
    if years.dtype.kind in "biuf":
        num = years.astype(float)
    else:
        codes, uniques = factorize(years)
        per = np.array([_year_number(v) for v in uniques], dtype=float)
        num = np.where(codes >= 0, per[np.maximum(codes, 0)] if len(per) else np.nan, np.nan)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(num) | (num != np.floor(num)) | (num < FIRST_YEAR)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        value = years[i]
        _check_year(value.item() if isinstance(value, np.generic) else value, **where(i))
    return num.astype(np.int64)


def _label(label: Any) -> Any:
    return label.item() if isinstance(label, np.generic) else label


def _as_rows(cn: Any, country: Any, year: Any, variant: Any) -> tuple[Any, ...]:
    """The inputs as 1-d arrays of one length (a scalar or a length-1 input is repeated); no variant stays None."""
    def column(values: Any, keep_numbers: bool = False) -> np.ndarray:
        arr = values if isinstance(values, np.ndarray) else np.asarray(values)
        if not keep_numbers or arr.dtype.kind not in "biuf":
            arr = np.asarray(values, dtype=object)
        return arr.ravel() if arr.ndim else arr.reshape(1)

    cols = [column(cn), column(country), column(year, keep_numbers=True)]
    if variant is not None:
        cols.append(column(variant))
    n = max(len(c) for c in cols)
    for k, (name, c) in enumerate(zip(("cn", "country", "year", "variant"), cols, strict=False)):
        if len(c) == 1 and n != 1:
            cols[k] = np.repeat(c, n)
        elif len(c) != n:
            raise InputError(f"{len(c)} values where the other inputs have {n}", field=name,
                             expected=f"{n} values (or one, for every row)", found=len(c))
    return tuple(cols) if variant is not None else (*cols, None)


def _factor(
    values: np.ndarray, normalise: Any, where: Callable[[int], dict[str, Any]]
) -> tuple[np.ndarray, np.ndarray]:
    """Row codes and distinct normalised values of a column (each distinct value normalised once)."""
    codes, uniques = factorize(values)
    if (codes < 0).any():
        normalise(None, where(int(np.flatnonzero(codes < 0)[0])))
    normal = np.empty(len(uniques), dtype=object)
    for i, value in enumerate(uniques):
        try:
            normal[i] = normalise(value, {})
        except InputError:
            normalise(value, where(int(np.flatnonzero(codes == i)[0])))
            raise
    dedup, distinct = factorize(normal)
    return dedup[codes].astype(np.int64), distinct


def _variant_ids(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Row codes and distinct variant names (stripped, case-folded; an empty cell is ``""``)."""
    from ._distinct import is_missing

    codes, uniques = factorize(values)
    names = np.array(["" if is_missing(v) else str(v).strip().casefold() for v in uniques] + [""], dtype=object)
    dedup, distinct = factorize(names)
    return dedup[np.where(codes >= 0, codes, len(uniques))].astype(np.int64), [str(v) for v in distinct]


def resolve_default_values(
    cn: Any,
    country: Any,
    year: Any,
    variant: Any = None,
    *,
    version: str | None = None,
) -> dict[str, np.ndarray]:
    """Default values for many (CN code, country, year) rows, as numpy columns (no pandas).

    The core of :func:`lookup_default_values` and :func:`default_value`: same lines, values,
    mark-ups, fallbacks and errors.

    Parameters
    ----------
    cn : array_like
        CN codes: 8 digits with or without spaces, or a 4-/6-digit heading printed as a line of
        Annex I.
    country : array_like
        Countries of production: ISO code or name.
    year : array_like
        Years of import, from 2026.
    variant : array_like, optional
        ``"white"`` / ``"grey"`` for CN codes with several lines; ignored on rows whose code has
        one line. ``None``: no variant named.
    version : str, optional
        ``"2026/1740"`` (default, the values in force) or ``"2025/2621"`` (v1 as first published).

    A scalar (or a length-1 input) is used for every row.

    Returns
    -------
    dict of str to numpy.ndarray
        One array per name of :data:`COLUMNS`, one element per row, in order: ``direct``,
        ``indirect``, ``total``, ``value_with_markup``, ``published_value_with_markup`` (float64,
        tCO2e/t), ``markup_rate`` (float64, fraction), ``year`` and ``heading_level`` (int64),
        ``fallback`` and ``is_fertiliser`` (bool), the rest ``object`` arrays of str.

    Raises
    ------
    InputError
        As :func:`lookup_default_values`, naming the row by its 0-based position.
    ReferenceDataError
        For a CBAM good without any default line.

    References
    ----------
    IR (EU) 2026/1740, Annex I (replacing Annex I of IR (EU) 2025/2621).

    Examples
    --------
    >>> out = resolve_default_values(["7318 15 95"], ["Thailand"], [2027])
    >>> print(out["total"][0], out["markup_rate"][0], out["route"][0], out["heading_level"][0])
    2.408 0.2 E 6
    """
    cols, _ = _resolve_rows(*_as_rows(cn, country, year, variant), version=version, all_variants=False,
                            where=lambda pos: {"row": pos})
    return cols


def _resolve_rows(
    cn: np.ndarray,
    country: np.ndarray,
    year: np.ndarray,
    variant: np.ndarray | None,
    *,
    version: str | None,
    all_variants: bool,
    where: Callable[[int], dict[str, Any]],
) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    """Columns :data:`COLUMNS` per row, and the input row of each output row (None: one each)."""
    ver = resolve_version(version)
    data = _dataset(ver)
    # distinct values only: a million rows hold a few hundred codes and countries
    cn_id, cn_u = _factor(cn, lambda v, w: normalise_cn(v, allow_heading=True, **w), where)
    ctry_id, ctry_u = _factor(country, lambda v, w: resolve_country(v, **w), where)
    years = _check_years(year, where)
    if variant is None:  # no variant named on any row
        var_id, var_names = np.zeros(len(cn), dtype=np.int64), [""]
    else:
        var_id, var_names = _variant_ids(variant)
    row_var, take = _row_variants(data, cn_id, cn_u, var_id, var_names, all_variants, where)
    if take is not None:
        cn_id, ctry_id, years = cn_id[take], ctry_id[take], years[take]
    var_u = np.array(var_names, dtype=object)

    # resolve each distinct (cn, country, variant) once
    combo = (cn_id * len(ctry_u) + ctry_id) * len(var_u) + row_var
    codes, combo_u = factorize(combo)
    v_of = combo_u % len(var_u)
    c_of = (combo_u // len(var_u)) % len(ctry_u)
    n_of = combo_u // (len(var_u) * len(ctry_u))
    u_cn, u_country, u_variant = cn_u[n_of], ctry_u[c_of], var_u[v_of]
    line, fallback, reason = _resolve_unique(data, u_cn, u_country, u_variant)
    _refuse_unresolved(data, u_cn, u_country, line, codes,
                       where if take is None else (lambda pos: where(int(take[pos]))))
    return _columns(data, ver, line, fallback, reason, u_cn, u_country, codes, years), take


def _row_variants(
    data: _Dataset,
    cn_id: np.ndarray,
    cn_u: np.ndarray,
    var_id: np.ndarray,
    var_names: list[str],
    all_variants: bool,
    where: Callable[[int], dict[str, Any]],
) -> tuple[np.ndarray, np.ndarray | None]:
    """Variant per row (index into ``var_names``, extended in place), and the rows repeated by ``all_variants``.

    A named variant must exist; a missing one on a code with several lines is refused, or the row
    is repeated once per variant with ``all_variants``.
    """
    cn_variants = [data.variants.get(c, ()) for c in cn_u.tolist()]
    multi_u = np.array([bool(v) for v in cn_variants], dtype=bool)
    for cu in np.flatnonzero(multi_u):
        for vu in sorted(set(var_id[cn_id == cu].tolist())):
            name = var_names[vu]
            if name and name not in cn_variants[cu]:
                row = int(np.flatnonzero((cn_id == cu) & (var_id == vu))[0])
                choices = ", ".join(f"'{v}'" for v in cn_variants[cu])
                raise InputError(f"CN {spaced(cn_u[cu])} has no variant '{name}'", field="variant",
                                 expected=f"one of {choices}", found=name, **where(row))
    empty = var_names.index("")
    multi = multi_u[cn_id] if len(cn_id) else np.zeros(0, dtype=bool)
    row_var = np.where(multi, var_id, empty)
    missing = multi & (row_var == empty)
    if not missing.any():
        return row_var, None
    if not all_variants:
        row = int(np.flatnonzero(missing)[0])
        raise _ambiguous(cn_u[cn_id[row]], cn_variants[cn_id[row]], **where(row))
    n_variants = np.array([len(v) for v in cn_variants], dtype=np.int64)
    counts = np.where(missing, n_variants[cn_id], 1)
    take = np.repeat(np.arange(len(cn_id)), counts)
    row_var = row_var[take]
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    for miss in np.flatnonzero(missing):
        for k, name in enumerate(cn_variants[cn_id[miss]]):
            if name not in var_names:
                var_names.append(name)
            row_var[starts[miss] + k] = var_names.index(name)
    return row_var, take


def _columns(
    data: _Dataset,
    ver: str,
    line: np.ndarray,
    fallback: np.ndarray,
    reason: np.ndarray,
    u_cn: np.ndarray,
    u_country: np.ndarray,
    codes: np.ndarray,
    years: np.ndarray,
) -> dict[str, np.ndarray]:
    """Attributes per distinct combination (its line, the mark-up of the year), broadcast to rows."""
    cols = data.columns
    sector = cols["sector"][line]
    sectors, matrix = _markup_matrix(ver)
    sector_idx = np.array([sectors[s] for s in sector.tolist()], dtype=np.int64)
    year_idx = np.minimum(years, FIRST_YEAR + 2) - FIRST_YEAR
    row_rate = matrix[sector_idx[codes], year_idx]
    base = cols["total"][line]  # the printed total is the law (IR (EU) 2026/1740 Annex I; recital 10)
    n = len(codes)
    return {
        "cn_code": u_cn[codes],
        "country": u_country[codes],
        "year": years,
        "version": np.full(n, ver, dtype=object),
        "direct": cols["direct"][line][codes],
        "indirect": cols["indirect"][line][codes],
        "total": cols["total"][line][codes],
        "markup_rate": row_rate,
        "value_with_markup": base[codes] * (1.0 + row_rate),
        "published_value_with_markup": cols["published"][line[codes], year_idx],
        "route": cols["route"][line][codes],
        "fallback": fallback[codes],
        "fallback_reason": reason[codes],
        "heading_level": cols["heading_level"][line][codes],
        "cn_line": cols["cn_line"][line][codes],
        "variant": cols["variant"][line][codes],
        "sector": sector[codes],
        "is_fertiliser": (sector == _FERTILISERS)[codes],
        "unit": np.full(n, "tCO2e/t", dtype=object),
        "source": _sources(data, line)[codes],
        "flags": cols["flags"][line][codes],
    }


def lookup_default_values(
    frame: pd.DataFrame,
    *,
    version: str | None = None,
    variant_column: str | None = None,
    all_variants: bool = False,
    cn_column: str = "cn_code",
    country_column: str = "country",
    year_column: str = "year",
) -> pd.DataFrame:
    """Default values for many (CN code, country, year) rows at once.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per good, with columns ``cn_code`` (8 digits with or without spaces, or a
        4-/6-digit heading printed as a line of Annex I), ``country`` (ISO code or name) and
        ``year`` (year of import, from 2026).
    version : str, optional
        ``"2026/1740"`` (default: the values in force, IR (EU) 2026/1740 Annex I) or
        ``"2025/2621"`` (IR (EU) 2025/2621 Annex I as first published, Commission Excel v1).
    variant_column : str, optional
        Column naming the variant (``"white"`` / ``"grey"``) for CN codes with several lines;
        ignored on rows whose code has one line.
    all_variants : bool, default False
        For rows whose code has several lines and no variant named: return one output row per
        variant (the input's index label repeats) instead of raising.
    cn_column, country_column, year_column : str
        Names of the input columns.

    Returns
    -------
    pandas.DataFrame
        Aligned to the input index (one row per input row, or more with ``all_variants``),
        columns :data:`COLUMNS`: ``direct``, ``indirect``, ``total``, ``value_with_markup``,
        ``published_value_with_markup`` in tCO2e/t (``value_with_markup`` = printed total x
        (1 + mark-up)); ``markup_rate`` as a fraction; ``fallback`` True where the "Other
        countries and territories" line was used; ``heading_level`` the digits of the line
        matched; ``version`` the data version used; ``source`` the act and line.

    Raises
    ------
    InputError
        Naming the row and field: malformed CN code, a code that is not a CBAM good, an unknown
        country (with a suggestion for a near miss), a year before 2026, an unknown version, a
        code with several lines and no variant named, or an unknown variant.
    ReferenceDataError
        For a CBAM good without any default line.

    Notes
    -----
    Vectorised: each distinct (CN code, country, variant) is resolved once with index
    look-ups, then broadcast; a million rows take well under a few seconds.

    References
    ----------
    IR (EU) 2026/1740, Annex I (replacing Annex I of IR (EU) 2025/2621): tables per country,
    "Other countries and territories", fallback rule of its introductory text, mark-up on the
    total (opening paragraph).

    Examples
    --------
    >>> import pandas as pd
    >>> out = lookup_default_values(pd.DataFrame(
    ...     {"cn_code": ["7318 15 95"], "country": ["Thailand"], "year": [2027]}))
    >>> row = out.loc[0]
    >>> print(row["total"], row["markup_rate"], row["route"], row["fallback"], row["heading_level"])
    2.408 0.2 E False 6
    """
    import pandas as pd

    resolve_version(version)  # an unknown version is refused before the columns are looked at
    for col in (cn_column, country_column, year_column) + ((variant_column,) if variant_column else ()):
        if col not in frame.columns:
            raise InputError(f"column '{col}' is missing", field=col, expected="a column of that name",
                             found=", ".join(map(str, frame.columns)) or "no columns")
    index = frame.index
    variant = frame[variant_column].to_numpy(dtype=object) if variant_column else None
    cols, take = _resolve_rows(
        frame[cn_column].to_numpy(dtype=object),
        frame[country_column].to_numpy(dtype=object),
        frame[year_column].to_numpy(),
        variant,
        version=version,
        all_variants=all_variants,
        where=lambda pos: {"row": _label(index[pos])},
    )
    return pd.DataFrame(cols, index=index if take is None else index[take])


def _refuse_unresolved(
    data: _Dataset, u_cn: np.ndarray, u_country: np.ndarray, line: np.ndarray, codes: np.ndarray, where: Any
) -> None:
    """Raise for the first combination without a usable line (heading, not a CBAM good, no value)."""
    status = data.columns["line_status"]
    flags = data.columns["flags"]
    matched = line >= 0
    safe = np.where(matched, line, 0)
    outside = np.array(["cn_not_in_goods_list" in f for f in flags[safe]], dtype=bool) & matched
    if (~matched | outside).any():  # the goods list is read only when a code may be outside it
        from .cn_codes import _goods

        goods = _goods()[0]
        in_goods = np.array([c in goods for c in u_cn], dtype=bool)
    else:
        in_goods = np.ones(len(u_cn), dtype=bool)
    heading = np.array([len(c) < 8 for c in u_cn], dtype=bool) & ~matched
    not_cbam = ~in_goods & (~matched | outside) & ~heading
    no_value = ~not_cbam & ~heading & (~matched | (status[safe] != "value"))
    for bad, kind in ((heading, "heading"), (not_cbam, "not_cbam"), (no_value, "no_line")):
        if not bad.any():
            continue
        u = int(np.flatnonzero(bad)[0])
        loc = where(int(np.flatnonzero(codes == u)[0]))
        if kind == "heading":
            raise InputError(
                f"heading {spaced(u_cn[u])} has no default-value line of its own in {_VERSION_LABELS[data.version]}",
                field="cn_code",
                expected="the 8-digit CN code of the good",
                found=spaced(u_cn[u]),
                **loc,
            )
        if kind == "not_cbam":
            raise _not_cbam(u_cn[u], **loc)
        raise _no_line(data, u_cn[u], u_country[u], **loc)


def default_value(
    cn: Any,
    country: Any,
    year: Any,
    *,
    version: str | None = None,
    variant: str | None = None,
) -> DefaultValue:
    """Default value of one good for one country and year of import.

    Parameters
    ----------
    cn : str or int
        CN code, 8 digits with or without spaces (``"7318 15 95"``).
    country : str
        Country of production: ISO code or name (``"TH"``, ``"Thailand"``).
    year : int
        Year of import, from 2026.
    version : str, optional
        ``"2026/1740"`` (default, the values in force) or ``"2025/2621"`` (v1 as first published).
    variant : str, optional
        ``"white"`` or ``"grey"`` for CN codes with several lines (2523 10 00, 2523 90 00).

    Returns
    -------
    DefaultValue
        Values in tCO2e/t, mark-up of the year, route, fallback and source line.

    Raises
    ------
    InputError, ReferenceDataError
        As :func:`lookup_default_values`, without a row number.

    Examples
    --------
    >>> dv = default_value("7318 15 95", "TH", 2026)
    >>> round(dv.value_with_markup, 4), dv.route, dv.fallback
    (2.6488, 'E', False)
    """
    cols, _ = _resolve_rows(*_as_rows([cn], [country], [year], [variant or ""]), version=version,
                            all_variants=False, where=lambda pos: {})
    rec: dict[str, Any] = {name: cols[name][0] for name in COLUMNS}
    for name, value in rec.items():
        if isinstance(value, np.generic):
            rec[name] = value.item()
    rec["year"] = int(rec["year"])
    rec["heading_level"] = int(rec["heading_level"])
    rec["fallback"] = bool(rec["fallback"])
    rec["is_fertiliser"] = bool(rec["is_fertiliser"])
    for k in ("direct", "indirect", "total", "markup_rate", "value_with_markup", "published_value_with_markup"):
        rec[k] = float(rec[k])
    return DefaultValue(**rec)

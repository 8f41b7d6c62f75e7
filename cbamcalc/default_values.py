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

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from .cn_codes import normalise_cn
from .countries import resolve_country
from .errors import InputError, ReferenceDataError

__all__ = [
    "DEFAULT_VERSION",
    "KNOWN_VERSIONS",
    "VERSION_LABELS",
    "DefaultValue",
    "default_value",
    "lookup_default_values",
    "markup_rate",
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
    from .refdata import load_table, table_info

    table = load_table(MARKUP_TABLES[version])
    path = table_info(MARKUP_TABLES[version])["path"]
    sector_of = table["sector"].to_numpy(dtype=object)
    valid_from = table["valid_from"].to_numpy(dtype=float)
    valid_to = table["valid_to"].to_numpy(dtype=float)  # NaN: open-ended
    value = table["value"].to_numpy(dtype=float)
    sectors = sorted(set(sector_of))
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


@dataclass(frozen=True)
class _Dataset:
    version: str
    lines: pd.DataFrame  # every row of the CSV
    keys: pd.Index  # "COUNTRY|cn_line|variant" of usable lines (value or dash)
    key_pos: np.ndarray  # row of `lines` per key
    variants: dict[str, tuple[str, ...]]  # cn_line -> variants, for codes printed on several lines
    tables: frozenset[str]  # countries with their own table
    goods: frozenset[str]  # CBAM goods list (8-digit CN codes)
    columns: dict[str, np.ndarray]  # per-line arrays for broadcasting (+ a last row for "no line")


@cache
def _dataset(version: str) -> _Dataset:
    from .cn_codes import cn_table
    from .refdata import load_table

    lines = load_table(_table_name(version))
    usable = lines[lines["line_status"] != "see_below"]
    keys = usable["country"] + "|" + usable["cn_line"] + "|" + usable["variant"]
    if keys.duplicated().any():
        dup = keys[keys.duplicated()].iloc[0]
        raise ReferenceDataError(f"default-value table {version}: two lines for {dup!r}")
    with_variants = lines[lines["variant"] != ""]
    variants: dict[str, tuple[str, ...]] = {
        str(cn): tuple(str(v) for v in dict.fromkeys(group["variant"]))
        for cn, group in with_variants.groupby("cn_line", sort=True)
    }
    lines = lines.reset_index(drop=True)
    label = _VERSION_LABELS[version]
    marked = ["markup_2026", "markup_2027", "markup_2028"]
    published = (lines[marked].to_numpy(dtype=float) if set(marked) <= set(lines.columns)
                 else np.full((len(lines), 3), np.nan))
    if "source_table" in lines.columns:  # v2: a table and a line of the annex, read from the transcriptions
        source = [f"{label}, table '{t}', line {c}" for t, c in zip(lines["source_table"].tolist(),
                                                                      lines["source_code"].tolist(), strict=True)]
    else:  # v1: a sheet and row of the Commission workbook
        source = [f"{label}, sheet '{s}', row {int(r)}" for s, r in zip(lines["source_sheet"].tolist(),
                                                                       lines["source_row"].tolist(), strict=True)]
    columns = {
        "sector": lines["sector"].to_numpy(dtype=object),
        "direct": lines["direct"].to_numpy(dtype=float),
        "indirect": lines["indirect"].to_numpy(dtype=float),
        "total": lines["total"].to_numpy(dtype=float),
        "published": published,
        "route": lines["route"].to_numpy(dtype=object),
        "heading_level": lines["heading_level"].to_numpy(dtype=np.int64),
        "cn_line": lines["cn_line"].to_numpy(dtype=object),
        "variant": lines["variant"].to_numpy(dtype=object),
        "flags": lines["flags"].to_numpy(dtype=object),
        "line_status": lines["line_status"].to_numpy(dtype=object),
        "source": np.array(source, dtype=object),
    }
    return _Dataset(
        version=version,
        lines=lines,
        keys=pd.Index(keys.to_numpy()),
        key_pos=usable.index.to_numpy(),
        variants=variants,
        tables=frozenset(lines["country"]) - {OTHER},
        goods=frozenset(cn_table()["cn_code"]),
        columns=columns,
    )


def variants_of(cn: Any, *, version: str | None = None) -> tuple[str, ...]:
    """Variants of a CN code printed on several lines (e.g. ``('white', 'grey')`` for 2523 10 00)."""
    from .cn_codes import normalise_cn

    data = _dataset(resolve_version(version))
    digits = normalise_cn(cn, allow_heading=True)
    return data.variants.get(digits, ())


def _space(cn: str) -> str:
    return " ".join([cn[:4]] + [cn[i : i + 2] for i in range(4, len(cn), 2)])


# --------------------------------------------------------------------------- resolution


def _match(data: _Dataset, table: np.ndarray, cn: np.ndarray, variant: np.ndarray) -> np.ndarray:
    """Row of ``data.lines`` of the most specific line of ``table`` matching ``cn`` (-1: none)."""
    found = np.full(len(cn), -1, dtype=np.int64)
    cn_s = pd.Series(cn, dtype=object)
    for level in (8, 6, 4):
        todo = (found < 0) & (cn_s.str.len().to_numpy() >= level)
        if not todo.any():
            continue
        prefix = cn_s.str.slice(0, level).to_numpy(dtype=object)
        has_var = np.fromiter((p in data.variants for p in prefix), dtype=bool, count=len(prefix))
        var = np.where(has_var, variant, "")
        keys = pd.Index(table.astype(object) + "|" + prefix + "|" + var.astype(object))
        pos = data.keys.get_indexer(keys)
        hit = todo & (pos >= 0)
        found[hit] = data.key_pos[pos[hit]]
    return found


def _resolve_unique(
    data: _Dataset, cn: np.ndarray, country: np.ndarray, variant: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Line row, fallback flag and fallback reason for each unique (cn, country, variant)."""
    lines = data.lines
    status = lines["line_status"].to_numpy(dtype=object)
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
        f"CN {_space(cn)} has several default-value lines (variants {listed}); name one "
        "(variant=..., CLI --variant) instead of letting cbamcalc pick",
        field="variant",
        expected=f"one of {listed}",
        found="no variant",
        **where,
    )


def _no_line(data: _Dataset, cn: str, country: str, **where: Any) -> ReferenceDataError:
    under = sorted(
        {
            c
            for c in data.lines.loc[(data.lines["country"] == OTHER) & (data.lines["line_status"] != "see_below"),
                                    "cn_line"]
            if c.startswith(cn[:6]) or cn.startswith(c)
        }
    )
    hint = f"; lines under heading {_space(cn[:6])}: {', '.join(_space(c) for c in under)}" if under else ""
    return ReferenceDataError(
        f"no default value for CN {_space(cn)} in {_VERSION_LABELS[data.version]} (country {country} and "
        f"'Other countries and territories'){hint}"
    )


def _not_cbam(cn: str, **where: Any) -> InputError:
    return InputError(
        "not a CBAM good (not in Annex I of Regulation (EU) 2023/956 as listed in the Communication "
        "template v2.1.1, and no line of the default-value annex covers it)",
        field="cn_code",
        expected="the CN code of a CBAM good",
        found=_space(cn),
        **where,
    )


def _check_years(years: pd.Series, where: Any) -> np.ndarray:
    num = pd.to_numeric(years, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(num) | (num != np.floor(num)) | (num < FIRST_YEAR)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        _check_year(years.iloc[i], **where(i))
    return num.astype(np.int64)


def _label(label: Any) -> Any:
    return label.item() if isinstance(label, np.generic) else label


def lookup_default_values(
    frame: pd.DataFrame,
    *,
    version: str | None = None,
    variant_column: str | None = None,
    all_variants: bool = False,
    cn_column: str = "cn_code",
    country_column: str = "country",
    year_column: str = "year",
    _label_rows: bool = True,
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
    ver = resolve_version(version)
    data = _dataset(ver)
    for col in (cn_column, country_column, year_column) + ((variant_column,) if variant_column else ()):
        if col not in frame.columns:
            raise InputError(f"column '{col}' is missing", field=col, expected="a column of that name",
                             found=", ".join(map(str, frame.columns)) or "no columns")
    index = frame.index

    def where(row: int) -> dict[str, Any]:
        return {"row": _label(index[row])} if _label_rows else {}

    # distinct values only: a million rows hold a few hundred codes and countries
    cn_id, cn_u = _factor(frame[cn_column], lambda v, w: normalise_cn(v, allow_heading=True, **w), where)
    ctry_id, ctry_u = _factor(frame[country_column], lambda v, w: resolve_country(v, **w), where)
    years = _check_years(frame[year_column], where)
    if variant_column:
        raw_variant = frame[variant_column].astype(object).where(frame[variant_column].notna(), "")
        var_id, var_u = pd.factorize(raw_variant.astype(str).str.strip().str.casefold().to_numpy(dtype=object))
        var_u = np.asarray(var_u, dtype=object)
    else:
        var_id, var_u = np.zeros(len(frame), dtype=np.int64), np.array([""], dtype=object)

    # variants: a named one must exist; a missing one is refused, or expanded with all_variants
    cn_variants = [data.variants.get(c, ()) for c in cn_u]
    multi_u = np.array([bool(v) for v in cn_variants], dtype=bool)
    for cu in np.flatnonzero(multi_u):
        for vu in np.unique(var_id[cn_id == cu]):
            name = var_u[vu]
            if name and name not in cn_variants[cu]:
                row = int(np.flatnonzero((cn_id == cu) & (var_id == vu))[0])
                choices = ", ".join(f"'{v}'" for v in cn_variants[cu])
                raise InputError(f"CN {_space(cn_u[cu])} has no variant '{name}'", field="variant",
                                 expected=f"one of {choices}", found=name, **where(row))
    var_names = np.asarray(var_u, dtype=object)
    row_variant = np.where(multi_u[cn_id], var_names[var_id], "")
    missing = multi_u[cn_id] & (row_variant == "")
    take = None
    if missing.any():
        if not all_variants:
            row = int(np.flatnonzero(missing)[0])
            raise _ambiguous(cn_u[cn_id[row]], cn_variants[cn_id[row]], **where(row))
        counts = np.where(missing, [len(cn_variants[c]) for c in cn_id], 1) if len(cn_id) else np.ones(0, int)
        take = np.repeat(np.arange(len(cn_id)), counts)
        row_variant = row_variant[take].astype(object)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        for miss in np.flatnonzero(missing):
            for k, name in enumerate(cn_variants[cn_id[miss]]):
                row_variant[starts[miss] + k] = name
        cn_id, ctry_id, years, index = cn_id[take], ctry_id[take], years[take], index[take]
    v_id, v_u = pd.factorize(row_variant)
    v_u = np.asarray(v_u, dtype=object) if len(v_u) else np.array([""], dtype=object)

    # resolve each distinct (cn, country, variant) once
    combo = (cn_id.astype(np.int64) * len(ctry_u) + ctry_id) * len(v_u) + v_id
    codes, combo_u = pd.factorize(combo)
    v_of = combo_u % len(v_u)
    c_of = (combo_u // len(v_u)) % len(ctry_u)
    n_of = combo_u // (len(v_u) * len(ctry_u))
    u_cn, u_country, u_variant = cn_u[n_of], ctry_u[c_of], v_u[v_of]
    line, fallback, reason = _resolve_unique(data, u_cn, u_country, u_variant)
    _refuse_unresolved(data, u_cn, u_country, line, codes, where)

    # attributes per distinct combination, then broadcast to rows
    cols = data.columns
    sector = cols["sector"][line]
    sectors, matrix = _markup_matrix(ver)
    sector_idx = np.array([sectors[s] for s in sector], dtype=np.int64)
    year_idx = np.minimum(years, FIRST_YEAR + 2) - FIRST_YEAR
    row_rate = matrix[sector_idx[codes], year_idx]
    base = cols["total"][line]  # the printed total is the law (IR (EU) 2026/1740 Annex I; recital 10)
    published = cols["published"][line[codes], year_idx]
    out = pd.DataFrame(
        {
            "cn_code": u_cn[codes],
            "country": u_country[codes],
            "year": years,
            "version": np.full(len(codes), ver, dtype=object),
            "direct": cols["direct"][line][codes],
            "indirect": cols["indirect"][line][codes],
            "total": cols["total"][line][codes],
            "markup_rate": row_rate,
            "value_with_markup": base[codes] * (1.0 + row_rate),
            "published_value_with_markup": published,
            "route": cols["route"][line][codes],
            "fallback": fallback[codes],
            "fallback_reason": reason[codes],
            "heading_level": cols["heading_level"][line][codes],
            "cn_line": cols["cn_line"][line][codes],
            "variant": cols["variant"][line][codes],
            "sector": sector[codes],
            "is_fertiliser": (sector == _FERTILISERS)[codes],
            "unit": np.full(len(codes), "tCO2e/t", dtype=object),
            "source": cols["source"][line][codes],
            "flags": cols["flags"][line][codes],
        },
        index=index,
    )
    return out


def _factor(
    values: pd.Series, normalise: Any, where: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Row codes and distinct normalised values of a column (each distinct value normalised once)."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    if (codes < 0).any():
        normalise(None, where(int(np.flatnonzero(codes < 0)[0])))
    normal = np.empty(len(uniques), dtype=object)
    for i, value in enumerate(uniques):
        try:
            normal[i] = normalise(value, {})
        except InputError:
            normalise(value, where(int(np.flatnonzero(codes == i)[0])))
            raise
    dedup, distinct = pd.factorize(normal)
    return dedup[codes].astype(np.int64), np.asarray(distinct, dtype=object)


def _refuse_unresolved(
    data: _Dataset, u_cn: np.ndarray, u_country: np.ndarray, line: np.ndarray, codes: np.ndarray, where: Any
) -> None:
    """Raise for the first combination without a usable line (heading, not a CBAM good, no value)."""
    status = data.columns["line_status"]
    flags = data.columns["flags"]
    matched = line >= 0
    safe = np.where(matched, line, 0)
    in_goods = np.array([c in data.goods for c in u_cn], dtype=bool)
    outside = np.array(["cn_not_in_goods_list" in f for f in flags[safe]], dtype=bool) & matched
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
                f"heading {_space(u_cn[u])} has no default-value line of its own in {_VERSION_LABELS[data.version]}",
                field="cn_code",
                expected="the 8-digit CN code of the good",
                found=_space(u_cn[u]),
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
    frame = pd.DataFrame({"cn_code": [cn], "country": [country], "year": [year], "variant": [variant or ""]})
    out = lookup_default_values(frame, version=version, variant_column="variant", _label_rows=False)
    rec: dict[str, Any] = {str(k): v for k, v in out.iloc[0].to_dict().items()}
    rec["year"] = int(rec["year"])
    rec["heading_level"] = int(rec["heading_level"])
    rec["fallback"] = bool(rec["fallback"])
    rec["is_fertiliser"] = bool(rec["is_fertiliser"])
    for k in ("direct", "indirect", "total", "markup_rate", "value_with_markup", "published_value_with_markup"):
        rec[k] = float(rec[k])
    return DefaultValue(**rec)

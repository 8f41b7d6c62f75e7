"""CBAM benchmarks per CN code, column and production route (IR (EU) 2025/2620, Annex).

The annex gives, for every CBAM good (8-digit CN code), two benchmarks in tCO2e per tonne of
good: **Column A** (the benchmark of the good's own production process, used with actual
emissions) and **Column B** (the benchmark of the whole production chain, used with default
values). Where the free allocation depends on how the good was made, a CN code has one row per
production route, marked by an indicator: letters such as ``(C)``, ``(D)``, ``(E)`` (iron and
steel), ``(K)``/``(L)`` (aluminium), ``(A)``/``(B)`` (clinker and cements), numbers ``(1)``/``(2)``
(ferro-alloys, sodium nitrate, aluminous cement), or both (``(F)(1)`` ... ``(J)(2)``, alloy steel).
Data: ``emission_factors/benchmarks_IR2025-2620_v1.csv``, generated from the Commission's Excel.

Choosing the row
----------------
* Production year first (Annex point 5.3): rows marked (1) hold for production years 2026-27,
  rows marked (2) for 2028-30; after 2030 no benchmark is published and the (2) value is used
  (:data:`AFTER_2030_NOTE`). Letters and year combine for alloy steel (``F(1)`` ... ``J(2)``).
* A CN code with one row left: that row, whatever route is given (e.g. Column A printed once).
* Several rows: the route selects one. ``"E"`` or ``"(E)"`` matches ``E`` (or ``E(1)`` in its
  year); a route naming a year row itself (``"H(1)"``, ``"1"``) matches exactly.
* A default line naming several alloy grades (``(C)/(F)``, ``(E)/(H)``): the letters the CN code
  has rows for; where two or more match, the highest value for the production year (point 5.1).
* A default line without a route letter: in the v2 table (IR 2026/1740) this happens only where
  Column B has a single row (2,610 lines) or rows that differ by production year only (894
  lines), which the year decides. Should a line without a letter meet a code whose Column B
  splits by route, cbamcalc refuses and asks for the route (``default_route``; the act gives no
  rule), never picking one silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from .cn_codes import normalise_cn, spaced
from .errors import InputError, ReferenceDataError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "AFTER_2030_NOTE",
    "Benchmark",
    "benchmark",
    "benchmark_indicator",
    "benchmark_values",
    "has_year_rows",
    "lookup_benchmarks",
    "normalise_route",
    "route_candidates",
    "routes_of",
]

Column = Literal["A", "B"]
_ROUTE = re.compile(r"^\(?([A-Z0-9])\)?(?:\(?(\d)\)?)?$")
_EXPECT_ROUTE = "a production-route indicator such as 'E', '(E)', 'H(1)' or '1'"
#: Production years for which a benchmark is selected (the CBAM factor runs 2026-2034).
FIRST_PRODUCTION_YEAR, LAST_PRODUCTION_YEAR = 2026, 2034
#: Warning text for production years after 2030 (no benchmark published; 2028-30 value used).
AFTER_2030_NOTE = ("production year after 2030: IR (EU) 2025/2620 publishes benchmarks for 2026-2030 only; the "
                   "2028-30 value (indicator (2)) is used until the Commission updates the benchmarks")

#: Output columns of :func:`lookup_benchmarks`.
COLUMNS = ("cn_code", "column", "route", "value", "unit", "description", "sector", "cn_line", "source")


@dataclass(frozen=True)
class Benchmark:
    """One CBAM benchmark.

    Attributes
    ----------
    cn_code : str
        CN code asked for (8 digits).
    column : {"A", "B"}
        Column A (production process; actual emissions) or B (whole chain; default values).
    route : str
        Route indicator of the row used (``"E"``, ``"H(1)"``, ``"1"``; ``""`` when the CN code
        has one row).
    value : float
        The benchmark. [tCO2e/t]
    unit : str
        ``"tCO2e/t"``.
    description : str
        CN description as printed in the annex.
    sector : str
        Cement, Fertilisers, Hydrogen, Iron and steel or Aluminium.
    cn_line : str
        CN code of the annex row (the annex lists 8-digit codes only).
    source : str
        Act, annex, column and cell, e.g. ``"IR (EU) 2025/2620 Annex, Column B, sheet
        'Benchmarks', cell E1234"``.
    """

    cn_code: str
    column: str
    route: str
    value: float
    unit: str
    description: str
    sector: str
    cn_line: str
    source: str


def normalise_route(text: Any, *, field: str = "route") -> str:
    """Canonical form of a route indicator: ``"(E)"`` -> ``"E"``, ``"(F)(1)"`` -> ``"F(1)"``, none -> ``""``.

    Raises
    ------
    InputError
        When the text is not a route indicator.

    Examples
    --------
    >>> normalise_route("(E)"), normalise_route("f(1)"), normalise_route(None)
    ('E', 'F(1)', '')
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    cleaned = str(text).strip().upper().replace(" ", "")
    if not cleaned:
        return ""
    m = _ROUTE.match(cleaned)
    if not m or (m.group(1).isdigit() and m.group(2)):
        raise InputError(field=field, expected=_EXPECT_ROUTE, found=text)
    return m.group(1) + (f"({m.group(2)})" if m.group(2) else "")


def route_candidates(text: Any, *, field: str = "route") -> tuple[str, ...]:
    """Route indicators of a text that may name several (``"(C)/(F)"`` -> ``("C", "F")``).

    Examples
    --------
    >>> route_candidates("(C)/(F)"), route_candidates("E"), route_candidates("")
    (('C', 'F'), ('E',), ())
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ()
    parts = [p for p in str(text).split("/") if p.strip()]
    return tuple(dict.fromkeys(normalise_route(p, field=field) for p in parts))


#: Table columns a selected row keeps (the output columns are built from them).
_ROW_FIELDS = ("cn_code", "column", "route", "value", "unit", "description", "sector", "source_sheet", "source_cell")


class _Groups:
    """Rows of the annex by (CN code, column), in table order; a row becomes a dict when first asked for.

    Building a dict for each of the table's rows cost a single look-up 16 ms of start-up; the
    index holds row numbers only.
    """

    def __init__(self, cols: Mapping[str, np.ndarray]) -> None:
        self._cols = cols
        self._index: dict[tuple[str, str], list[int]] = {}
        for i, key in enumerate(zip(cols["cn_code"].tolist(), cols["column"].tolist(), strict=True)):
            self._index.setdefault(key, []).append(i)
        self._rows: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def get(self, key: tuple[str, str], default: Any = None) -> Any:
        if key not in self._index:
            return default
        if key not in self._rows:
            self._rows[key] = [{f: self._cols[f][i].item() if isinstance(self._cols[f][i], np.generic)
                                else self._cols[f][i] for f in _ROW_FIELDS} for i in self._index[key]]
        return self._rows[key]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._index)


@cache
def _groups() -> _Groups:
    """Rows of the annex by (CN code, column), in table order (read without pandas)."""
    from .refdata import load_columns

    return _Groups(load_columns("benchmarks_2025_2620"))


def routes_of(cn: Any, *, column: Column = "B") -> tuple[str, ...]:
    """Route indicators of the rows of a CN code in a column (``("",)`` for a single route-less row)."""
    digits = normalise_cn(cn)
    return tuple(r["route"] for r in _groups().get((digits, _column(column)), []))


def _column(column: Any, **where: Any) -> str:
    text = str(column).strip().upper() if column is not None else ""
    text = text.removeprefix("COLUMN").strip()
    if text not in ("A", "B"):
        raise InputError(field="column", expected="'A' (actual emissions) or 'B' (default values)",
                         found=column, **where)
    return text


def benchmark_indicator(production_year: Any, *, field: str = "production_year") -> str:
    """Benchmark indicator of a production year: ``"1"`` for 2026-27, ``"2"`` for 2028-30 (and later).

    Parameters
    ----------
    production_year : int
        Year in which the good was produced (2026-2034).

    Returns
    -------
    str
        ``"1"`` or ``"2"``.

    Raises
    ------
    InputError
        A year outside 2026-2034 (the CBAM factor, hence the adjustment, ends with 2034).

    Notes
    -----
    IR (EU) 2025/2620, Annex point 5.3 (legend of the table): "(1) value to be used for production
    years 2026-27, (2) for production years 2028-30". No benchmark is published for production
    years after 2030: cbamcalc uses the 2028-30 value (indicator ``"2"``) and
    :func:`cbamcalc.cost.cbam_cost` says so in a warning (:data:`AFTER_2030_NOTE`).

    Examples
    --------
    >>> benchmark_indicator(2027), benchmark_indicator(2028), benchmark_indicator(2033)
    ('1', '2', '2')
    """
    try:
        year = int(production_year)
        ok = float(production_year) == year
    except (TypeError, ValueError):
        ok = False
    if not ok or not FIRST_PRODUCTION_YEAR <= year <= LAST_PRODUCTION_YEAR:
        raise InputError(field=field, expected=f"a production year {FIRST_PRODUCTION_YEAR}-{LAST_PRODUCTION_YEAR}",
                         found=production_year)
    return "1" if year <= 2027 else "2"


def _indicator(route: str) -> str:
    """The production-year indicator of a table row's route (``"F(1)"`` -> ``"1"``, ``"2"`` -> ``"2"``)."""
    if route[-1:] == ")":
        return route[-2]
    return route if route.isdigit() else ""


def _for_year(rows: list[dict[str, Any]], production_year: Any) -> list[dict[str, Any]]:
    """Rows of the production year's indicator (IR 2025/2620 Annex 5.3); rows without one are kept."""
    if production_year is None or not any(_indicator(r["route"]) for r in rows):
        return rows
    ind = benchmark_indicator(production_year)
    return [r for r in rows if _indicator(r["route"]) in ("", ind)]


def has_year_rows(cn: str, column: Column = "B") -> bool:
    """Whether the CN code's rows in a column carry production-year indicators (1)/(2) (Annex 5.3)."""
    return any(_indicator(r["route"]) for r in _groups().get((str(cn), str(column)), []))


def _letter(route: str) -> str:
    return "" if route.isdigit() else route[:1]


def _select(cn: str, column: str, route: Any, production_year: Any = None, **where: Any) -> dict[str, Any]:
    """The benchmark row of a CN code for a route and production year.

    Order: rows of the production year's indicator (Annex 5.3); then the route letter(s); where the
    route names several alloy grades that all have rows ((C)/(F), (E)/(H)), the highest value for
    the production year (Annex 5.1). A year indicator given as the route (``"1"``, ``"H(2)"``) is
    matched exactly, as before.
    """
    rows = _groups().get((cn, column))
    if not rows:
        raise ReferenceDataError(
            f"no CBAM benchmark for CN {spaced(cn)} in Column {column} of IR (EU) 2025/2620 Annex"
            + (" (the annex lists 8-digit CN codes of CBAM goods)" if cn not in {k[0] for k in _groups()} else "")
        )
    if len(rows) == 1:
        return rows[0]
    wanted = route_candidates(route)
    if any(_indicator(w) for w in wanted):  # the user named the year's row itself
        return _by_route(cn, column, rows, wanted, route, **where)
    rows = _for_year(rows, production_year)
    if len(rows) == 1:
        return rows[0]
    listed = ", ".join(r["route"] for r in rows)
    if not wanted:
        need = "the production year" if all(_letter(r["route"]) == "" for r in rows) else "the route"
        raise InputError(
            f"CN {spaced(cn)} has {len(rows)} Column {column} benchmarks ({listed}); give {need} "
            "(with default values: the route letter of the default line)",
            field="production_year" if need == "the production year" else "route",
            expected=f"one of {listed}",
            found="no route",
            **where,
        )
    return _by_route(cn, column, rows, wanted, route, **where)


def _by_route(cn: str, column: str, rows: list[dict[str, Any]], wanted: tuple[str, ...], route: Any,
              **where: Any) -> dict[str, Any]:
    """Rows matching the wanted route indicators; several alloy grades -> the highest value (5.1)."""
    hits = []
    for want in wanted:
        exact = [r for r in rows if r["route"] == want]
        hits += exact or [r for r in rows if not want[0].isdigit() and _letter(r["route"]) == want]
    unique = list({r["route"]: r for r in hits}.values())
    if len(unique) == 1:
        return unique[0]
    listed = ", ".join(r["route"] for r in rows)
    if not unique:
        raise InputError(f"CN {spaced(cn)} has no Column {column} benchmark for route {route!s}",
                         field="route", expected=f"one of {listed}", found=str(route), **where)
    letters = {_letter(r["route"]) for r in unique}
    if len(letters) == len(unique) and len(wanted) > 1:  # several alloy grades named: the highest (5.1)
        return max(unique, key=lambda r: float(r["value"]))
    raise InputError(
        f"route {route!s} matches several Column {column} benchmarks of CN {spaced(cn)} "
        f"({', '.join(r['route'] for r in unique)}); give the production year or name one",
        field="route",
        expected=f"one of {', '.join(r['route'] for r in unique)}",
        found=str(route),
        **where,
    )


def _source(rec: dict[str, Any]) -> str:
    return (f"IR (EU) 2025/2620 Annex, Column {rec['column']}, sheet '{rec['source_sheet']}', "
            f"cell {rec['source_cell']}")


def benchmark(cn: Any, *, route: Any = None, column: Column = "B", production_year: Any = None) -> Benchmark:
    """The CBAM benchmark of a CN code for a production route and column.

    Parameters
    ----------
    cn : str or int
        8-digit CN code, with or without spaces.
    route : str, optional
        Route indicator (``"E"``, ``"(E)"``, ``"H(1)"``, ``"1"``, or a default line's ``"C/F"``);
        needed only when the CN code has several rows in the column.
    column : {"A", "B"}, default "B"
        Column B is the one used with default values; Column A with actual emissions.
    production_year : int, optional
        Year the good was produced (2026-2034); selects the rows marked (1) (2026-27) or (2)
        (2028-30, also used after 2030) where the CN code has them (Annex point 5.3).

    Returns
    -------
    Benchmark
        ``value`` in tCO2e per tonne of good, with its route and source cell.

    Raises
    ------
    InputError
        Malformed CN code or route, unknown column, several rows and no (or an ambiguous) route.
    ReferenceDataError
        No benchmark for the CN code (e.g. electricity, or a code not in the annex).

    References
    ----------
    IR (EU) 2025/2620, Annex (Columns A and B, production-route indicators).

    Examples
    --------
    >>> benchmark("7318 15 95", route="E").value
    0.066
    >>> benchmark("2804 10 00").value
    5.089
    >>> benchmark("7218 10 00", production_year=2026).value, benchmark("7218 10 00", production_year=2029).value
    (1.419, 1.381)
    """
    digits = normalise_cn(cn)
    rec = _select(digits, _column(column), route, production_year)
    return Benchmark(
        cn_code=digits,
        column=rec["column"],
        route=rec["route"],
        value=float(rec["value"]),
        unit=str(rec["unit"]),
        description=str(rec["description"]),
        sector=str(rec["sector"]),
        cn_line=str(rec["cn_code"]),
        source=_source(rec),
    )


def _missing(value: Any) -> bool:
    """None, NaN or pandas' NA/NaT: no value given."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT (and pandas.NA raises TypeError)
    except TypeError:
        return True


def _per_row(value: Any, n: int, default: Any, field: str) -> list[Any]:
    """An argument given as one value (or None) or as n values, as a list (missing -> ``default``)."""
    if value is None or isinstance(value, str) or np.ndim(value) == 0:
        one = value.item() if isinstance(value, np.ndarray | np.generic) else value
        return [default if _missing(one) else one] * n
    items = np.asarray(value, dtype=object).ravel().tolist()
    if len(items) != n:
        raise InputError(field=field, expected=f"{n} values (one per CN code) or one for all", found=len(items))
    return [default if _missing(v) else v for v in items]


def benchmark_values(
    cn: Any,
    column: Any = "B",
    route: Any = None,
    production_year: Any = None,
    *,
    labels: Any = None,
) -> dict[str, np.ndarray]:
    """Benchmarks for many goods at once, on numpy arrays (each distinct look-up resolved once).

    The core of :func:`lookup_benchmarks`, without pandas.

    Parameters
    ----------
    cn : array_like of str or int, shape (n,)
        8-digit CN codes, with or without spaces.
    column : {"A", "B"} or array_like of str, default "B"
        Benchmark column, for all goods or per good (missing entries: ``"B"``).
    route : str or array_like of str, optional
        Route indicator per good (None, NaN or ``""``: none given), as for :func:`benchmark`.
    production_year : int or array_like, optional
        Production year per good (None or NaN: none given); selects the (1)/(2) rows (Annex 5.3).
    labels : array_like, shape (n,), optional
        Row labels named in error messages; default the positions 0 ... n-1.

    Returns
    -------
    dict of str to numpy.ndarray
        One array of length n per name of :data:`COLUMNS`: ``value`` float64 [tCO2e/t], the
        others ``object`` arrays of ``str``.

    Raises
    ------
    InputError, ReferenceDataError
        As :func:`benchmark`, naming the row (its label): the first failing distinct look-up.

    Examples
    --------
    >>> out = benchmark_values(["73181595", "2804 10 00"], "B", ["E", None])
    >>> out["value"].tolist(), out["route"].tolist()
    ([0.066, 5.089], ['E', ''])
    """
    cns = np.asarray(cn, dtype=object).ravel().tolist()
    n = len(cns)
    cols = _per_row(column, n, "B", "column")
    routes = _per_row(route, n, "", "route")
    years = _per_row(production_year, n, None, "production_year")
    names = list(range(n)) if labels is None else np.asarray(labels, dtype=object).ravel().tolist()
    first: dict[tuple[str, str, str, Any], int] = {}
    codes = np.empty(n, dtype=np.intp)
    for i, key in enumerate(zip(map(str, cns), map(str, routes), map(str, cols), years, strict=True)):
        codes[i] = first.setdefault(key, len(first))
    records: list[tuple[Any, ...]] = []
    for (_cn_text, rte, col, year), row in zip(first, first.values(), strict=True):
        label = names[row]
        where: dict[str, Any] = {"row": label.item() if isinstance(label, np.generic) else label}
        try:
            digits = normalise_cn(cns[row], **where)
            rec = _select(digits, _column(col, **where), rte or None, year, **where)
        except ReferenceDataError as exc:
            raise ReferenceDataError(f"row {where['row']}: {exc}") from None
        records.append((digits, rec["column"], rec["route"], float(rec["value"]), rec["unit"], rec["description"],
                        rec["sector"], rec["cn_code"], _source(rec)))
    out = {}
    for j, name in enumerate(COLUMNS):
        uniq = np.array([r[j] for r in records], dtype=float if name == "value" else object)
        out[name] = uniq[codes] if n else uniq
    return out


def lookup_benchmarks(
    frame: pd.DataFrame,
    *,
    column: Column = "B",
    cn_column: str = "cn_code",
    route_column: str | None = "route",
    column_column: str | None = "column",
    year_column: str | None = "production_year",
) -> pd.DataFrame:
    """Benchmarks for many rows at once (each distinct (CN, route, column) resolved once).

    Parameters
    ----------
    frame : pandas.DataFrame
        Column ``cn_code`` (8 digits) and, optionally, ``route`` (e.g. the ``route`` column
        returned by :func:`cbamcalc.default_values.lookup_default_values`).
    column : {"A", "B"}, default "B"
        Benchmark column for rows without their own (see ``column_column``).
    cn_column, route_column, column_column : str
        Input column names. ``route`` missing (or ``route_column=None``) means no route given;
        ``column`` (``"A"``/``"B"`` per row) is used when the frame has it, else ``column``.
    year_column : str
        Column of production years (optional): selects the (1)/(2) rows (Annex point 5.3).

    Returns
    -------
    pandas.DataFrame
        Aligned to the input index; columns :data:`COLUMNS`, ``value`` in tCO2e/t.

    Raises
    ------
    InputError, ReferenceDataError
        As :func:`benchmark`, naming the row.

    Notes
    -----
    A pandas wrapper of :func:`benchmark_values`: the distinct look-ups are found with
    ``pandas.factorize`` (fast on millions of rows) and resolved by the numpy core.
    """
    import pandas as pd

    if cn_column not in frame.columns:
        raise InputError(f"column '{cn_column}' is missing", field=cn_column, expected="a column of that name",
                         found=", ".join(map(str, frame.columns)) or "no columns")
    n = len(frame)
    routes = (frame[route_column].astype(object).where(frame[route_column].notna(), "").astype(str)
              if route_column and route_column in frame.columns else pd.Series([""] * n, index=frame.index))
    if column_column and column_column in frame.columns:
        cols = frame[column_column].astype(object).where(frame[column_column].notna(), column).astype(str)
    else:
        cols = pd.Series([column] * n, index=frame.index)
    years = (frame[year_column].astype(object).where(frame[year_column].notna(), None)
             if year_column and year_column in frame.columns else pd.Series([None] * n, index=frame.index))
    key = pd.MultiIndex.from_arrays([frame[cn_column].astype(str).to_numpy(dtype=object),
                                     routes.to_numpy(dtype=object), cols.to_numpy(dtype=object),
                                     years.to_numpy(dtype=object)])
    codes, uniq = pd.factorize(key)
    at = np.unique(codes, return_index=True)[1]  # first row of each distinct look-up, in order of appearance
    found = benchmark_values(frame[cn_column].to_numpy(dtype=object)[at], cols.to_numpy(dtype=object)[at],
                             routes.to_numpy(dtype=object)[at], years.to_numpy(dtype=object)[at],
                             labels=frame.index[at])
    table = pd.DataFrame({name: found[name] for name in COLUMNS}, columns=list(COLUMNS))
    out = table.iloc[codes].set_axis(frame.index)
    out["value"] = out["value"].astype(float)
    return out

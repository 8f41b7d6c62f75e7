"""CBAM certificate prices and EUR/THB rates by year: published data, user paths and scenarios.

Where each number comes from (recorded on every result as ``price_basis`` / ``eur_thb_source``):

==========================  ====================================================================
source                      what it is
==========================  ====================================================================
``published 2026-Qn``       2026 quarterly average of EU ETS auction prices, as published by the
                            Commission (``certificate_prices_2026_quarterly.csv``: Q1 EUR 75.36
                            [C], Q2 EUR 75.28 [S], Q3 EUR 82.32 [S], with a ``confidence``
                            column; Q4, due 4 Jan 2027, must be given by the user)
``user``                    one price (or rate) stated by the user for every year
``path:<file>``             a user CSV of dates or years and prices; dates are averaged per
                            calendar year (the weekly price from 2027 is averaged over the year)
``scenario:<name>``         a shipped, dated scenario (``price_paths_scenario_2026-11.csv``,
                            ``fx_eur_thb_scenario.csv``: kind ``scenario``, never law)
==========================  ====================================================================

2026 in the shipped price scenarios: every scenario (low, central, high) is pinned to the
published 2026 quarters, by one rule stated in the file's ``basis`` column: the mean of the
published quarters Q1-Q3 2026, equal weight per quarter, rounded to the cent
((75.36 + 75.28 + 82.32) / 3 = EUR 77.65/tCO2e). Goods whose quarter of import is known should
use that quarter's published price instead (:func:`quarter_price_2026`).

Units: certificate price [EUR/tCO2e]; exchange rate [THB/EUR].
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "QUARTERLY_TABLE",
    "PRICE_SCENARIO_TABLE",
    "FX_SCENARIO_TABLE",
    "YearlySeries",
    "quarterly_prices_2026",
    "price_scenario",
    "fx_scenario",
    "read_price_path",
    "read_fx_path",
    "resolve_price",
    "resolve_fx",
]

QUARTERLY_TABLE = "certificate_prices_2026_quarterly"
PRICE_SCENARIO_TABLE = "price_paths_scenario"
FX_SCENARIO_TABLE = "fx_eur_thb_scenario"

#: A user's path must not skip more than this many days between two dated rows.
MAX_GAP_DAYS = 7


@dataclass(frozen=True, eq=False)
class YearlySeries:
    """Values by calendar year with the source they come from (numpy arrays, no pandas).

    Attributes
    ----------
    years : numpy.ndarray of int64
        Calendar years, ascending, each once.
    values : numpy.ndarray of float64
        Value of each year of ``years``. [EUR/tCO2e] for prices, [THB/EUR] for exchange rates.
    source : str
        Where the values come from (``"user"``, ``"path:<file>"``, ``"scenario:<name>"``, ...).

    Both arrays are read-only and sorted by year on construction. :meth:`value` gives one year's
    value, :meth:`for_years` many; :meth:`to_series` a ``pandas.Series`` indexed by year.
    """

    years: np.ndarray
    values: np.ndarray
    source: str

    def __post_init__(self) -> None:
        years = np.asarray(self.years).ravel()
        values = np.asarray(self.values, dtype=float).ravel()
        if years.shape != values.shape:
            raise InputError(field=self.source, expected="one value per year", found=f"{years.size} years, "
                             f"{values.size} values")
        if years.size and np.any(np.asarray(years, dtype=float) % 1 != 0):
            raise InputError(field=self.source, expected="whole calendar years", found=years[0])
        order = np.argsort(years, kind="stable")
        years, values = years.astype(np.int64)[order], values[order]
        if np.any(np.diff(years) == 0):
            raise InputError(field=self.source, expected="each year once",
                             found=int(years[1:][np.diff(years) == 0][0]))
        years.flags.writeable = values.flags.writeable = False
        object.__setattr__(self, "years", years)
        object.__setattr__(self, "values", values)

    @classmethod
    def from_mapping(cls, mapping: Any, source: str, *, field: str = "value",
                     unit: str = "") -> YearlySeries:
        """A series from a mapping (or ``pandas.Series``) year -> number >= 0; :class:`InputError` otherwise."""
        years, values = [], []
        for y, v in mapping.items():
            try:
                num = float(v)
            except (TypeError, ValueError):
                num = np.nan
            if not num >= 0:  # negative or NaN
                raise InputError(field=field, expected=f"numbers >= 0{f' [{unit}]' if unit else ''} per year", found=v)
            years.append(int(y))
            values.append(num)
        return cls(np.asarray(years, dtype=np.int64), np.asarray(values, dtype=float), source)

    def value(self, year: int) -> float:
        """The value of one year (:class:`InputError` when the series does not cover it)."""
        return float(self.for_years(np.asarray([year]), field="value")[0])

    def to_series(self) -> pd.Series:
        """The values as a ``pandas.Series`` indexed by year."""
        import pandas as pd

        return pd.Series(self.values, index=self.years)

    def for_years(self, years: np.ndarray, *, field: str) -> np.ndarray:
        """Values for ``years``; an :class:`InputError` names the first year not covered."""
        years = np.asarray(years, dtype=int)
        out = np.full(years.shape, np.nan)
        if self.years.size:
            pos = np.clip(np.searchsorted(self.years, years), 0, self.years.size - 1)
            hit = self.years[pos] == years
            out[hit] = self.values[pos[hit]]
        if np.isnan(out).any():
            y = int(years[np.isnan(out)][0])
            covered = f"{int(self.years[0])}-{int(self.years[-1])}" if self.years.size else "no year"
            raise InputError(f"{self.source} has no {field} for {y} (covers {covered})", field=field,
                             expected=f"a value for {y}", found=None)
        return out


# --------------------------------------------------------------------------- shipped data


def quarterly_prices_2026() -> pd.DataFrame:
    """Published 2026 certificate prices by quarter, with their citation.

    Returns
    -------
    pandas.DataFrame
        Columns ``period``, ``quarter``, ``value`` [EUR/tCO2e], ``published``, ``act``,
        ``provision``, ``source``, ``confidence`` (``C``: confirmed; ``S``: several secondary
        sources).

    Notes
    -----
    For 2026 the price of a CBAM certificate is the volume-weighted quarterly average of the EU
    ETS auction clearing prices; from 2027 it is weekly. Only published quarters are shipped:
    Q1 2026 = EUR 75.36 (published 7 Apr 2026), Q2 = EUR 75.28 (6 Jul 2026), Q3 = EUR 82.32
    (5 Oct 2026); Q4 is due on 4 Jan 2027.

    References
    ----------
    Regulation (EU) 2023/956 Art. 21 as amended by Regulation (EU) 2025/2083; IR (EU) 2025/2548.
    """
    from .refdata import load_table

    return load_table(QUARTERLY_TABLE)


def quarter_price_2026(quarter: Any) -> np.ndarray:
    """Published price of each 2026 quarter (1-4); an unpublished quarter raises :class:`InputError`.

    Parameters
    ----------
    quarter : int or array_like
        Calendar quarter of import, 1-4.

    Returns
    -------
    numpy.ndarray
        Price of each quarter, shaped like ``quarter``. [EUR/tCO2e]

    Examples
    --------
    >>> quarter_price_2026([1, 3]).tolist()
    [75.36, 82.32]
    """
    from .refdata import load_columns

    q = np.asarray(quarter)
    table = load_columns(QUARTERLY_TABLE)
    lut = np.full(5, np.nan)
    lut[table["quarter"].astype(int)] = table["value"].astype(float)
    qf = np.array([_number_or_nan(v) for v in q.ravel().tolist()], dtype=float)
    bad = ~np.isin(qf, [1, 2, 3, 4])
    if bad.any():
        raise InputError(field="quarter", expected="the calendar quarter of import, 1-4", found=q.ravel()[bad][0])
    out = lut[qf.astype(int)]
    if np.isnan(out).any():
        missing = int(qf[np.isnan(out)][0])
        have = ", ".join(table["period"].tolist()) or "none"
        raise InputError(
            f"no published certificate price for 2026-Q{missing} in "
            f"emission_factors/certificate_prices_2026_quarterly.csv (have: {have}); give price=... "
            "(or --price / --price-path)",
            field="price",
            expected="a certificate price for that quarter",
            found=None,
        )
    return out.reshape(q.shape)


def _number_or_nan(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan


def _scenario(table: str, name: str, what: str) -> YearlySeries:
    from .refdata import load_columns

    cols = load_columns(table)
    names = sorted(set(cols["scenario"].tolist()))
    if name not in names:
        raise InputError(field=what, expected=f"a scenario among {', '.join(names)}", found=name)
    sel = cols["scenario"] == name
    return YearlySeries(cols["year"][sel], cols["value"][sel], f"scenario:{name} ({table})")


def price_scenario(name: str = "central") -> YearlySeries:
    """A shipped certificate-price scenario (``low``, ``central``, ``high``) [EUR/tCO2e], never law.

    Examples
    --------
    >>> price_scenario("central").value(2026)  # mean of the published quarters Q1-Q3 2026
    77.65
    """
    return _scenario(PRICE_SCENARIO_TABLE, name, "price scenario")


def fx_scenario(name: str = "central") -> YearlySeries:
    """A shipped EUR/THB scenario (``low``, ``central``, ``high``) [THB/EUR], never law."""
    return _scenario(FX_SCENARIO_TABLE, name, "EUR/THB scenario")


# --------------------------------------------------------------------------- user paths


_PRICE_COLUMNS = ("price_eur", "eur_per_tco2e", "price", "value")
_FX_COLUMNS = ("eur_thb", "thb_per_eur", "rate", "value")


def _read_path(path: str | os.PathLike[str], value_columns: tuple[str, ...], unit_expected: str,
               what: str) -> YearlySeries:
    """Read a CSV of ``date`` or ``year`` and one value column; check gaps; average by year."""
    import pandas as pd

    from .units import ureg

    fname = os.fspath(path)
    base = os.path.basename(fname)
    try:
        df = pd.read_csv(fname, dtype=str, keep_default_na=False, comment="#", skipinitialspace=True)
    except FileNotFoundError as exc:
        raise InputError(file=fname, field=what, expected="an existing CSV file", found="no such file") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(file=fname, field=what, expected="a CSV file", found=str(exc).splitlines()[0]) from exc
    cols = {c.strip().lower(): c for c in df.columns}
    key = "date" if "date" in cols else ("year" if "year" in cols else None)
    vcol = next((cols[c] for c in value_columns if c in cols), None)
    if key is None or vcol is None:
        raise InputError(file=fname, field=what,
                         expected=f"columns 'date' or 'year', and one of {', '.join(value_columns)}",
                         found=", ".join(df.columns))
    if not len(df):
        raise InputError(file=fname, field=what, expected="at least one row", found="no rows")
    if "unit" in cols:
        for i, u in enumerate(df[cols["unit"]]):
            u = u.strip()
            if not u:
                continue
            try:
                unit = ureg.parse_units(u)
            except Exception as exc:
                raise InputError("unknown currency or unit (cbamcalc knows EUR and THB)", file=fname, row=i + 2,
                                 column="unit", expected=unit_expected, found=u) from exc
            if unit.dimensionality != ureg.parse_units(unit_expected).dimensionality:
                raise InputError("unknown or wrong currency unit (cbamcalc knows EUR and THB)", file=fname,
                                 row=i + 2, column="unit", expected=unit_expected, found=u)
    vals = pd.to_numeric(df[vcol].str.strip(), errors="coerce")
    bad = vals.isna() | (vals < 0) | ~np.isfinite(vals.fillna(0))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(file=fname, row=i + 2, column=vcol, expected="a number >= 0", found=df[vcol].iloc[i])
    if key == "date":
        dates = pd.to_datetime(df[cols["date"]].str.strip(), errors="coerce", format="ISO8601")
        if dates.isna().any():
            i = int(np.flatnonzero(dates.isna().to_numpy())[0])
            raise InputError(file=fname, row=i + 2, column=cols["date"], expected="a date YYYY-MM-DD",
                             found=df[cols["date"]].iloc[i])
        order = np.argsort(dates.to_numpy(), kind="stable")
        d = dates.to_numpy()[order]
        step = np.diff(d).astype("timedelta64[D]").astype(int)
        if (step == 0).any():
            i = int(order[1:][step == 0][0])
            raise InputError(file=fname, row=i + 2, column=cols["date"], expected="each date once",
                             found=df[cols["date"]].iloc[i])
        if (step > MAX_GAP_DAYS).any():
            j = int(np.flatnonzero(step > MAX_GAP_DAYS)[0])
            i = int(order[j + 1])
            raise InputError(
                f"gap of {int(step[j])} days in the {what} after {pd.Timestamp(d[j]).date()}",
                file=fname, row=i + 2, column=cols["date"],
                expected=f"consecutive dates at most {MAX_GAP_DAYS} days apart (weekly or finer)",
                found=df[cols["date"]].iloc[i],
            )
        by_year = pd.Series(vals.to_numpy(float)).groupby(dates.dt.year.to_numpy()).mean()
        years = by_year.index.to_numpy(int)
    else:
        yrs = pd.to_numeric(df[cols["year"]].str.strip(), errors="coerce")
        badyr = yrs.isna() | (yrs % 1 != 0)
        if badyr.any():
            i = int(np.flatnonzero(badyr.to_numpy())[0])
            raise InputError(file=fname, row=i + 2, column=cols["year"], expected="a calendar year",
                             found=df[cols["year"]].iloc[i])
        yrs_a = yrs.astype(int).to_numpy()
        dup = pd.Series(yrs_a).duplicated().to_numpy()
        if dup.any():
            i = int(np.flatnonzero(dup)[0])
            raise InputError(file=fname, row=i + 2, column=cols["year"], expected="each year once", found=int(yrs_a[i]))
        order = np.argsort(yrs_a, kind="stable")
        step = np.diff(yrs_a[order])
        if (step > 1).any():
            j = int(np.flatnonzero(step > 1)[0])
            i = int(order[j + 1])
            raise InputError(
                f"gap in the {what}: no value for {int(yrs_a[order][j]) + 1}"
                + (f"-{int(yrs_a[order][j + 1]) - 1}" if step[j] > 2 else ""),
                file=fname, row=i + 2, column=cols["year"], expected="consecutive years", found=int(yrs_a[i]),
            )
        by_year = pd.Series(vals.to_numpy(float), index=yrs_a).sort_index()
        years = by_year.index.to_numpy(int)
    return YearlySeries(years, by_year.to_numpy(float), f"path:{base}")


def read_price_path(path: str | os.PathLike[str]) -> YearlySeries:
    """Read a user's certificate-price path: a CSV of ``date`` or ``year`` and EUR/tCO2e.

    Parameters
    ----------
    path : str or path-like
        CSV with a ``date`` (YYYY-MM-DD, weekly or finer) or ``year`` column and a price column
        (``price_eur``, ``eur_per_tco2e``, ``price`` or ``value``); an optional ``unit`` column must
        read EUR/tCO2e (or an equivalent unit).

    Returns
    -------
    YearlySeries
        Price per calendar year [EUR/tCO2e]: dated rows are averaged over each year.

    Raises
    ------
    InputError
        Naming the file and row: missing columns, a non-number or negative price, a bad date or
        year, a duplicate, a gap (dates more than 7 days apart, or a missing year), a unit that
        is not EUR per tCO2e.

    Notes
    -----
    From 2027 the certificate price is the weekly average of EU ETS auction prices. Averaging a
    weekly path over the calendar year assumes certificates for a year's imports are bought evenly
    through the year; state a yearly path if you assume otherwise.
    """
    return _read_path(path, _PRICE_COLUMNS, "EUR/tCO2e", "price path")


def read_fx_path(path: str | os.PathLike[str]) -> YearlySeries:
    """Read a user's EUR/THB path: CSV of ``date`` or ``year`` and THB per EUR (same rules as prices)."""
    return _read_path(path, _FX_COLUMNS, "THB/EUR", "EUR/THB path")


# --------------------------------------------------------------------------- resolution


def resolve_price(price: Any) -> YearlySeries | float | None:
    """Normalise the ``price`` argument of :func:`cbamcalc.cost.cbam_cost`.

    ``None`` (published 2026 quarterly prices only), a number [EUR/tCO2e], a mapping or Series year
    -> price, a :class:`YearlySeries`, ``"scenario:<name>"``, or a path to a CSV price path.
    """
    return _resolve(price, read_price_path, price_scenario, "price", "EUR/tCO2e")


def resolve_fx(rate: Any) -> YearlySeries | float:
    """Normalise the ``eur_thb`` argument: ``None`` means the shipped ``scenario:central``."""
    if rate is None:
        return fx_scenario("central")
    out = _resolve(rate, read_fx_path, fx_scenario, "eur_thb", "THB/EUR")
    assert out is not None
    return out


def _is_series(value: Any) -> bool:
    """Whether ``value`` is a pandas Series (without importing pandas when nobody has)."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(value, pandas.Series)


def _resolve(value: Any, reader: Any, scenario: Any, field: str, unit: str) -> YearlySeries | float | None:
    if value is None or isinstance(value, YearlySeries):
        return value
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        v = float(value)
        if not np.isfinite(v) or v < 0:
            raise InputError(field=field, expected=f"a number >= 0 [{unit}]", found=value)
        return v
    if isinstance(value, str):
        if value.startswith("scenario:"):
            return scenario(value.split(":", 1)[1] or "central")
        return reader(value)
    if isinstance(value, os.PathLike):
        return reader(value)
    if isinstance(value, Mapping) or _is_series(value):
        return YearlySeries.from_mapping(value, "user", field=field, unit=unit)
    raise InputError(field=field, expected=f"a number [{unit}], a year->value mapping, 'scenario:<name>' or a CSV path",
                     found=type(value).__name__)


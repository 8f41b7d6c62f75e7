"""Free-allocation adjustment of the CBAM obligation (Art. 31 of Reg. (EU) 2023/956, IR (EU) 2025/2620).

The number of CBAM certificates an importer surrenders is reduced by the free allocation an EU
producer of the same good still receives under the EU ETS. Per tonne of good this is the
*specific embedded free allocation* (SEFA); the adjustment is the quantity imported times SEFA.

Two cases, by the data the embedded emissions rest on:

=====================  ==========================================================================
basis                  SEFA of good *g* in year *y*
=====================  ==========================================================================
default values         ``CBAM_y x CSCF_y x BM_B(g, route of the default line)``
actual data            ``CBAM_y x CSCF_y x BM_A(process of g, its route) + sum_i m_i x SEFA_i``
=====================  ==========================================================================

``BM_A`` and ``BM_B`` are Column A and Column B of the Annex to IR (EU) 2025/2620; ``m_i`` is the
mass of relevant precursor *i* consumed per tonne of *g* (total precursor mass over the period /
activity level of the process) and ``SEFA_i`` the precursor's own SEFA, computed the same way,
recursively (or taken from the precursor producer's verified data).

Units: benchmarks and SEFA in tCO2e per tonne of the good's functional unit [tCO2e/t]; CBAM factor
and CSCF are pure numbers; masses in t.

What was verified (Nov 2026, with the project's search tools):

- CBAM factor 2026-2034: the verbatim text of Art. 10a(1a) of Directive 2003/87/EC (consolidated,
  CELEX 02003L0087) as quoted by two independent public sources: 97,5 % (2026), 95, 90, 77,5,
  51,5, 39, 26,5, 14 % (2033), and "From 2034, no CBAM factor shall apply" (factor 0).
- The SEFA formula and the Column A / Column B split: recitals of IR (EU) 2025/2620 (OJ 22 Dec
  2025) and several secondary sources (Argus, McCloskey/OPIS, greenreporting.eu, azovpromstal)
  that agree; the Article text itself was not read, so the equations are marked [S].
- CSCF: **not confirmed**. Secondary sources name a Commission Implementing Decision (EU)
  2026/1862 setting 1.0 for 2026-2030, but its text was not read; cbamcalc ships 1.0 as a
  documented, overridable *assumption* (``emission_factors/cscf_assumption_scenario.csv``,
  kind ``scenario``) and records it on every result.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InputError, ReferenceDataError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CBAM_FACTOR_TABLE",
    "CSCF_TABLE",
    "cbam_factor",
    "factor_years",
    "cscf",
    "specific_free_allocation",
    "sefa_default",
    "sefa_actual",
    "precursor_chain",
    "free_allocation_adjustment",
]

#: Manifest names of the tables this module reads.
CBAM_FACTOR_TABLE = "cbam_factor"
CSCF_TABLE = "cscf_assumption"


@cache
def _year_table(name: str) -> tuple[int, np.ndarray, str]:
    """(first year, values by year offset, file name) of a year-indexed table."""
    from .refdata import load_columns, table_info

    cols = load_columns(name)
    years = cols["year"].astype(int)
    first, last = int(years.min()), int(years.max())
    if len(set(years.tolist())) != len(years) or last - first + 1 != len(years):
        raise ReferenceDataError(f"emission_factors/{table_info(name)['path']}: years must be unique and contiguous")
    values = np.full(last - first + 1, np.nan)
    values[years - first] = cols["value"].astype(float)
    return first, values, str(table_info(name)["path"])


def factor_years() -> tuple[int, int]:
    """First and last year of the CBAM factor schedule (Directive 2003/87/EC Art. 10a(1a); 2026, 2034).

    The definitive period's years that cbamcalc computes without a factor of the user's own, read
    from ``emission_factors/cbam_factor_Dir2003-87_Art10a.csv``.
    """
    first, values, _ = _year_table(CBAM_FACTOR_TABLE)
    return first, first + len(values) - 1


def _by_year(name: str, year: Any, field: str, override: Any) -> np.ndarray:
    years = np.asarray(year)
    if override is not None:
        return _override_by_year(override, years, field)
    if years.size and not np.issubdtype(years.dtype, np.integer):
        if np.any(np.asarray(years, dtype=float) % 1 != 0):
            raise InputError(field="year", expected="whole calendar years", found=years.ravel()[0])
        years = years.astype(int)
    first, values, path = _year_table(name)
    off = years.astype(int) - first
    bad = (off < 0) | (off >= len(values))
    if np.any(bad):
        found = int(np.asarray(years)[bad].ravel()[0])
        raise InputError(
            f"no {field} for {found} in emission_factors/{path} (covers {first}-{first + len(values) - 1}); "
            f"give {field}=... to supply your own",
            field="year",
            expected=f"a year in {first}-{first + len(values) - 1}",
            found=found,
        )
    return values[off]


def _override_by_year(override: Any, years: np.ndarray, field: str) -> np.ndarray:
    """A user value: one number for every year, or a mapping/Series year -> number."""
    if isinstance(override, (int, float, np.floating, np.integer)):
        val = float(override)
        if not np.isfinite(val) or val < 0:
            raise InputError(field=field, expected="a finite number >= 0", found=override)
        return np.full(years.shape, val)
    if not hasattr(override, "items"):
        raise InputError(field=field, expected="a number, or a mapping of year to number",
                         found=type(override).__name__)
    from .prices import YearlySeries

    given = YearlySeries.from_mapping(override, "user", field=field)  # a dict or a pandas Series; numbers >= 0
    mapping = dict(zip(given.years.tolist(), given.values.tolist(), strict=True))
    out = np.array([mapping.get(int(y), np.nan) for y in years.ravel().tolist()], dtype=float)
    if np.isnan(out).any():
        missing = int(years.ravel()[np.isnan(out)][0])
        raise InputError(f"the {field} you gave has no value for {missing}", field=field,
                         expected=f"a value for every year asked ({missing} missing)", found=sorted(mapping))
    return out.reshape(years.shape)


def cbam_factor(year: int | Iterable[int] | np.ndarray, *, override: Any = None) -> np.ndarray:
    """CBAM factor of the year(s): the share of free allocation EU producers of CBAM goods keep.

    Parameters
    ----------
    year : int or array_like of int
        Calendar year of import.
    override : float or mapping of year to float, optional
        Your own factor (one number for all years, or per year); needed for years outside
        2026-2034.

    Returns
    -------
    numpy.ndarray
        The factor, a pure number in [0, 1], shaped like ``year``.

    Raises
    ------
    InputError
        For a year outside the table when no ``override`` is given.

    Notes
    -----
    Directive 2003/87/EC Art. 10a(1a): "The CBAM factor shall be equal to ... 97,5 % in 2026, 95 %
    in 2027, 90 % in 2028, 77,5 % in 2029, 51,5 % in 2030, 39 % in 2031, 26,5 % in 2032 and 14 % in
    2033. From 2034, no CBAM factor shall apply." (factor 0: no free allocation left).

    References
    ----------
    Directive 2003/87/EC Art. 10a(1a), as amended by Directive (EU) 2023/959; Regulation (EU)
    2023/956 Art. 31; ``emission_factors/cbam_factor_Dir2003-87_Art10a.csv``.

    Examples
    --------
    >>> cbam_factor([2026, 2030, 2034]).tolist()
    [0.975, 0.515, 0.0]
    """
    return _by_year(CBAM_FACTOR_TABLE, year, "cbam_factor", override)


def cscf(year: int | Iterable[int] | np.ndarray, *, override: Any = None) -> np.ndarray:
    """Cross-sectoral correction factor (CSCF) of the year(s): an ASSUMPTION of 1.0 unless overridden.

    Parameters
    ----------
    year : int or array_like of int
        Calendar year of import.
    override : float or mapping of year to float, optional
        The CSCF to use instead of the shipped assumption.

    Returns
    -------
    numpy.ndarray
        The factor, a pure number (<= 1 in the EU ETS), shaped like ``year``.

    Notes
    -----
    The value for 2026-2030 was not confirmed in an act's text (REGULATION.md marks it [U]).
    ``emission_factors/cscf_assumption_scenario.csv`` (kind ``scenario``) holds 1.0 for every year,
    the largest value the factor can take: it yields the largest adjustment, so certificate figures
    are a lower bound until the Commission's value is confirmed. When the shipped assumption is
    used, a ``UserWarning`` says so (and :func:`cbamcalc.cost.cbam_cost` records it).

    References
    ----------
    Directive 2003/87/EC Art. 10a(5); IR (EU) 2025/2620 (SEFA = CBAM factor x CSCF x benchmark).

    Examples
    --------
    >>> cscf([2026, 2027], override=0.9).tolist()
    [0.9, 0.9]
    """
    if override is None:
        warnings.warn(
            "CSCF: using the documented assumption 1.0 (not law; value not confirmed in an act); "
            "pass cscf=... to override",
            UserWarning,
            stacklevel=2,
        )
    return _by_year(CSCF_TABLE, year, "cscf", override)


def specific_free_allocation(benchmark: Any, cbam_factor: Any, cscf: Any) -> np.ndarray:
    """Free allocation per tonne of a production process: CBAM factor x CSCF x benchmark.

    Parameters
    ----------
    benchmark : array_like
        CBAM benchmark of the process or good (Column A or B). [tCO2e/t]
    cbam_factor, cscf : array_like
        Factors of the year (pure numbers), broadcast against ``benchmark``.

    Returns
    -------
    numpy.ndarray
        Specific free allocation. [tCO2e/t]

    Notes
    -----
    IR (EU) 2025/2620 (as summarised by secondary sources, [S]):
    ``SFA_proc = CBAM_y x CSCF_y x BM*_g``.
    """
    return np.asarray(cbam_factor, dtype=float) * np.asarray(cscf, dtype=float) * np.asarray(benchmark, dtype=float)


def sefa_default(benchmark_b: Any, cbam_factor: Any, cscf: Any) -> np.ndarray:
    """SEFA of a good whose embedded emissions are default values.

    Parameters
    ----------
    benchmark_b : array_like
        Column B benchmark of the good, on the production route of the default line used. [tCO2e/t]
    cbam_factor, cscf : array_like
        Factors of the year of import (pure numbers).

    Returns
    -------
    numpy.ndarray
        SEFA. [tCO2e/t]

    Notes
    -----
    ``SEFA_g = CBAM_y x CSCF_y x BM_B,g``. Column B benchmarks cover the whole production chain
    of the good (precursors included), as the default values do; no precursor term is added.

    References
    ----------
    IR (EU) 2025/2620, Annex (Column B and its production-route indicators).

    Examples
    --------
    Screws from Thailand (CN 7318 15 95, default route (E), Column B 0.066), 2026:

    >>> float(sefa_default(0.066, 0.975, 1.0))
    0.06435
    """
    return specific_free_allocation(benchmark_b, cbam_factor, cscf)


def sefa_actual(
    benchmark_a: Any,
    cbam_factor: Any,
    cscf: Any,
    *,
    precursor_mass: Any = None,
    precursor_sefa: Any = None,
) -> np.ndarray:
    """SEFA of a good whose embedded emissions are actual (monitored) values.

    Parameters
    ----------
    benchmark_a : array_like, shape (n,)
        Column A benchmark of the good's production process and route. [tCO2e/t]
    cbam_factor, cscf : array_like
        Factors of the year (pure numbers).
    precursor_mass : array_like, shape (n, k), optional
        Mass of each relevant precursor consumed per tonne of good. [t/t]
    precursor_sefa : array_like, shape (n, k), optional
        SEFA of each precursor (already including its factors). [tCO2e/t]

    Returns
    -------
    numpy.ndarray, shape (n,)
        SEFA. [tCO2e/t]

    Notes
    -----
    ``SEFA_g = CBAM_y x CSCF_y x BM_A,g + sum_i m_i x SEFA_i``, where ``m_i`` = total mass of
    precursor *i* consumed in the period / activity level of the process. For chains of precursors
    use :func:`precursor_chain`.

    References
    ----------
    IR (EU) 2025/2620 (SEFA of simple and complex goods on actual data) [S].

    Examples
    --------
    >>> float(sefa_actual(0.0, 0.975, 1.0, precursor_mass=[[1.0]], precursor_sefa=[[0.64935]])[0])
    0.64935
    """
    own = specific_free_allocation(benchmark_a, cbam_factor, cscf)
    if precursor_mass is None and precursor_sefa is None:
        return own
    if precursor_mass is None or precursor_sefa is None:
        raise InputError(field="precursor_mass/precursor_sefa", expected="both or neither", found="only one given")
    m = np.atleast_2d(np.asarray(precursor_mass, dtype=float))
    s = np.atleast_2d(np.asarray(precursor_sefa, dtype=float))
    if m.shape != s.shape:
        raise InputError(field="precursor_mass", expected=f"the shape of precursor_sefa {s.shape}", found=m.shape)
    if (m < 0).any():
        raise InputError(field="precursor_mass", expected="masses >= 0 (t precursor per t good)",
                         found=float(m[m < 0][0]))
    return own + (m * s).sum(axis=1)


def precursor_chain(
    nodes: pd.DataFrame,
) -> pd.DataFrame:
    """Benchmark chain of goods with (nested) precursors, for the actual-data SEFA, vectorised.

    SEFA is linear in the year's ``CBAM_y x CSCF_y``, so the recursion is solved once, without the
    year: ``SEFA_g(y) = CBAM_y x CSCF_y x chain_g + given_g``.

    Parameters
    ----------
    nodes : pandas.DataFrame
        One row per production step, indexed by a unique node id, with columns:

        ``parent``
            Id of the node that consumes this one (missing for the goods themselves).
        ``mass_per_t``
            Tonnes of this precursor consumed per tonne of the parent. [t/t] (ignored for goods)
        ``benchmark_a``
            Column A benchmark of this node's own production process. [tCO2e/t]
        ``sefa`` (optional)
            The precursor's SEFA from its producer's verified data. [tCO2e/t] Where given, the
            node's own benchmark and its sub-precursors are not used.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``nodes``: ``chain`` (own benchmark plus mass-weighted chains of computed
        precursors) [tCO2e/t] and ``given`` (mass-weighted SEFA given for precursors) [tCO2e/t].

    Raises
    ------
    InputError
        Unknown parent, negative mass, missing benchmark, or a cycle.

    Notes
    -----
    ``SEFA_g = CBAM_y x CSCF_y x BM_A,g + sum_i m_i x SEFA_i`` applied recursively. Nodes are
    processed level by level from the deepest, each level in one vectorised step.

    Examples
    --------
    Portland cement on actual data, 0.75 t grey clinker (Column A 0.666) per t of cement:

    >>> import pandas as pd
    >>> nodes = pd.DataFrame({"parent": [None, "cem"], "mass_per_t": [np.nan, 0.75],
    ...                       "benchmark_a": [0.0, 0.666]}, index=["cem", "clk"])
    >>> round(float(precursor_chain(nodes).loc["cem", "chain"]), 4)
    0.4995
    """
    import pandas as pd

    if not nodes.index.is_unique:
        dup = nodes.index[nodes.index.duplicated()][0]
        raise InputError(field="precursor id", expected="unique ids", found=dup)
    ids = nodes.index
    parent = nodes["parent"]
    has_parent = parent.notna().to_numpy()
    pidx = ids.get_indexer(pd.Index(parent.where(parent.notna(), None)))
    unknown = has_parent & (pidx < 0)
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        raise InputError(row=str(ids[i]), field="parent", expected="the id of another node", found=parent.iloc[i])
    mass = nodes["mass_per_t"].to_numpy(dtype=float) if "mass_per_t" in nodes else np.full(len(nodes), np.nan)
    if (has_parent & ~(mass >= 0)).any():
        i = int(np.flatnonzero(has_parent & ~(mass >= 0))[0])
        raise InputError(row=str(ids[i]), field="mass_per_t",
                         expected="tonnes of precursor per tonne of parent, >= 0", found=mass[i])
    given = nodes["sefa"].to_numpy(dtype=float) if "sefa" in nodes else np.full(len(nodes), np.nan)
    has_given = ~np.isnan(given)
    bm = nodes["benchmark_a"].to_numpy(dtype=float)
    needs_bm = ~has_given & np.isnan(bm)
    if needs_bm.any():
        i = int(np.flatnonzero(needs_bm)[0])
        raise InputError(row=str(ids[i]), field="benchmark_a",
                         expected="the Column A benchmark of the node's process, or its verified sefa", found=None)
    # depth of each node (goods at 0); a cycle never reaches a root
    n = len(nodes)
    depth = np.zeros(n, dtype=int)
    cur = np.where(has_parent, pidx, -1)
    level = 0
    while (cur >= 0).any():
        level += 1
        if level > n:
            i = int(np.flatnonzero(cur >= 0)[0])
            raise InputError(row=str(ids[i]), field="parent", expected="a chain without cycles", found="a cycle")
        depth[cur >= 0] += 1
        cur = np.where(cur >= 0, np.where(has_parent[np.maximum(cur, 0)], pidx[np.maximum(cur, 0)], -1), -1)
    chain = np.where(has_given, 0.0, bm)
    given_term = np.zeros(n)
    for d in range(int(depth.max()) if n else 0, 0, -1):
        at = np.flatnonzero(depth == d)
        if not at.size:
            continue
        contrib_chain = np.where(has_given[at], 0.0, mass[at] * chain[at])
        contrib_given = np.where(has_given[at], mass[at] * given[at], mass[at] * given_term[at])
        tgt = pidx[at]
        # a parent with a verified SEFA ignores its sub-precursors
        keep = ~has_given[tgt]
        np.add.at(chain, tgt[keep], contrib_chain[keep])
        np.add.at(given_term, tgt[keep], contrib_given[keep])
    return pd.DataFrame({"chain": chain, "given": given_term}, index=ids)


def free_allocation_adjustment(quantity: Any, sefa: Any) -> np.ndarray:
    """Free-allocation adjustment: the certificates not due because of EU free allocation.

    Parameters
    ----------
    quantity : array_like
        Quantity imported, in the good's functional unit. [t]
    sefa : array_like
        Specific embedded free allocation. [tCO2e/t]

    Returns
    -------
    numpy.ndarray
        Adjustment. [tCO2e]

    Notes
    -----
    ``FAA = M_g x SEFA_g`` (IR (EU) 2025/2620), deducted from the embedded emissions under Art. 31
    of Regulation (EU) 2023/956.

    Examples
    --------
    >>> round(float(free_allocation_adjustment(1000.0, 0.06435)), 6)
    64.35
    """
    return np.asarray(quantity, dtype=float) * np.asarray(sefa, dtype=float)

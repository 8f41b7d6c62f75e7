"""Sector exposure model: trade flows x intensities x price paths x free-allocation phase-out.

What CBAM will cost a country's exporters, by CN code and sector, year by year from 2026 to 2034,
under stated scenarios, with one-at-a-time sensitivity and Monte Carlo percentiles. Built for
economists (Thailand's Office of Industrial Economics); see ``examples/README_exposure.md``.

Method, per flow row *i* (CN code, origin, net mass ``m_i``) and year *y*::

    M_iy   = m_i x v_y                                     mass projected with a volume index [t]
    E_iy   = M_iy x SEE_i,y                                embedded emissions [tCO2e]
    FA_iy  = M_iy x CBAM_y x CSCF_y x BM_i                 free-allocation adjustment [tCO2e]
    D_iy   = E_act,iy x s_i x p_o,y / p_y                  carbon price paid at origin (Art. 9) [tCO2e]
    N_iy   = max(0, E_iy - FA_iy - D_iy)                   certificates [tCO2e]
    C_iy   = N_iy x p_y ;  C_iy(THB) = C_iy x X_y          cost [EUR], [THB]

``SEE`` is the default value of the (CN, origin) line with the year's mark-up (counting indirect
emissions only where the law counts them) and ``BM`` its Column B benchmark; or, for the share of
exports covered by actual data, the actual SEE and the Column A benchmark. Both parts are computed
separately and added, weighted by the share. ``p_y`` is the certificate price, ``X_y`` the EUR/THB
rate, ``p_o,y`` the carbon price effectively paid at origin and ``s_i`` the share of emissions it
covered. Since Reg. (EU) 2025/2083 a price paid reduces only the emissions on actual data
(``E_act``); on default values only a Commission default carbon price could (none published).
The equations are those of :mod:`cbamcalc.free_allocation` and
:mod:`cbamcalc.carbon_price` (and so of :func:`cbamcalc.cost.cbam_cost`); this module evaluates
them on plain arrays.

Speed: every lookup is resolved once per unique (CN, origin) key and broadcast; masses are summed
per key before the year loop, so 1,000,000 flow rows x 9 years cost little more than factorising
the key columns (``tests/benchmarks/bench_exposure.py``). Monte Carlo runs over the unique keys in
chunks of draws of bounded size.

Internal units
--------------
=========================  ===============
quantity                   unit
=========================  ===============
net mass                   t
SEE, benchmark, SEFA       tCO2e/t
emissions, certificates    tCO2e
certificate price          EUR/tCO2e
exchange rate              THB/EUR
cost                       EUR, THB
=========================  ===============

References
----------
Regulation (EU) 2023/956 Art. 7, 9, 21, 22 and 31; Directive 2003/87/EC Art. 10a(1a) (CBAM
factor); Implementing Regulation (EU) 2025/2620 (benchmarks, SEFA); Implementing Regulation (EU)
2025/2621 (default values and mark-ups).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from .errors import InputError, ReferenceDataError

if TYPE_CHECKING:  # pragma: no cover
    from .scenarios import ScenarioSet

__all__ = [
    "FLOW_COLUMNS",
    "RESULT_COLUMNS",
    "LEVELS",
    "sector_key",
    "unit_cost",
    "unit_certificates",
    "ScenarioPaths",
    "Distribution",
    "MonteCarloSpec",
    "SensitivitySpec",
    "IntensityRules",
    "PreparedFlows",
    "prepare_flows",
    "default_intensities",
    "actual_intensities",
    "ExposureModel",
    "ExposureResult",
    "run_exposure",
]

#: Canonical columns of a trade-flow frame (required ones first).
FLOW_COLUMNS: dict[str, str] = {
    "year": "calendar year of the trade observation",
    "cn_code": "CN code of the good (8 digits; 6 for HS6 extracts)",
    "country": "origin country (ISO 3166 alpha-2)",
    "net_mass_t": "net mass exported to the EU [t]",
    "destination": "(optional) EU member state of destination",
    "firm": "(optional) exporting firm, to match firm-level actual intensities",
    "value_eur": "(optional) export value [EUR]",
    "value_thb": "(optional) export value [THB]",
}
_REQUIRED = ("year", "cn_code", "country", "net_mass_t")
_KEY_COLUMNS = ("cn_code", "country", "destination", "firm")

#: Columns of the tidy result frames, after the group columns.
RESULT_COLUMNS: tuple[str, ...] = (
    "net_mass_t",
    "value_eur",
    "embedded_emissions_t",
    "free_allocation_adjustment_t",
    "carbon_price_deduction_t",
    "certificates",
    "price_eur",
    "eur_thb",
    "cost_eur",
    "cost_thb",
    "cost_eur_per_t",
    "cost_thb_per_t",
    "cost_share_of_value",
)

_NUMERIC_ERR = "a number >= 0"

#: Aggregation levels of the results and their group columns.
LEVELS: dict[str, list[str]] = {
    "cn8": ["sector", "cn4", "cn_code"],
    "cn4": ["sector", "cn4"],
    "sector": ["sector"],
    "country": ["country", "sector"],
    "destination": ["destination", "sector"],
    "total": [],
}


# --------------------------------------------------------------------------- small helpers


def sector_key(name: str) -> str:
    """Normalised sector name used to match user settings: ``"Iron and steel"`` -> ``"iron_steel"``.

    Examples
    --------
    >>> sector_key("Iron and steel"), sector_key("iron_and_steel"), sector_key("Fertilizers")
    ('iron_steel', 'iron_steel', 'fertilisers')
    """
    s = re.sub(r"[^a-z]+", " ", str(name).lower()).split()
    s = [w for w in s if w != "and"]
    out = "_".join(s)
    return {"fertilizers": "fertilisers", "aluminum": "aluminium"}.get(out, out)


def _per_sector(value: float | Mapping[str, float], sectors: np.ndarray, *, field: str,
                lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    """Expand a number or a sector -> number mapping (key ``"*"`` for the rest) to one value per sector."""
    if isinstance(value, Mapping):
        table = {sector_key(k): float(v) for k, v in value.items() if k != "*"}
        rest = float(value.get("*", 0.0))
        out = np.array([table.get(sector_key(s), rest) for s in sectors], dtype=float)
    else:
        out = np.full(len(sectors), float(value))
    bad = ~((out >= lo) & (out <= hi))
    if bad.any():
        raise InputError(field=field, expected=f"a number in [{lo}, {hi}]", found=float(out[bad][0]))
    return out


# --------------------------------------------------------------------------- layer 1: equations


def unit_certificates(see: Any, sefa: Any, eu_price: Any, origin_price: Any = 0.0,
                      covered_share: Any = 0.0) -> np.ndarray:
    """Certificates per tonne of good on actual data: ``max(0, SEE - SEFA - SEE x s x p_o / p)``.

    Since Reg. (EU) 2025/2083 a price paid at origin reduces only emissions determined on actual
    data (Art. 9; conversion per the draft implementing act on Art. 9(5), no cap): for goods on
    default values pass ``origin_price=0``.

    Parameters
    ----------
    see : array_like
        Specific embedded emissions counted (default with mark-up, or actual). [tCO2e/t]
    sefa : array_like
        Specific embedded free allocation, ``CBAM_y x CSCF_y x BM``. [tCO2e/t]
    eu_price : array_like
        Certificate price. [EUR/tCO2e]
    origin_price : array_like, optional
        Carbon price effectively paid at origin, net of rebates. [EUR/tCO2e]
    covered_share : array_like, optional
        Share of the embedded emissions the origin price covered, in [0, 1].

    Returns
    -------
    numpy.ndarray
        Certificates per tonne of good. [tCO2e/t]

    Notes
    -----
    The deduction is that of :func:`cbamcalc.carbon_price.carbon_price_deduction` (price capped at
    the certificate price). With a certificate price of 0 no price paid can be converted: the
    deduction is then 0 (and the cost is 0 whatever the certificates).

    References
    ----------
    Regulation (EU) 2023/956 Art. 9, 22 and 31; IR (EU) 2025/2620.

    Examples
    --------
    Thai screws on defaults in 2026 (2.649 tCO2e/t with mark-up, SEFA 0.975 x 0.066):

    >>> round(float(unit_certificates(2.6488, 0.975 * 0.066, 75.36)), 5)
    2.58445
    """
    see = np.asarray(see, dtype=float)
    p = np.asarray(eu_price, dtype=float)
    po = np.asarray(origin_price, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where((po > 0) & (p > 0), po / np.where(p > 0, p, 1.0), 0.0)
    ded = see * np.asarray(covered_share, dtype=float) * ratio
    return np.maximum(see - np.asarray(sefa, dtype=float) - ded, 0.0)


def unit_cost(see: Any, sefa: Any, eu_price: Any, origin_price: Any = 0.0, covered_share: Any = 0.0) -> np.ndarray:
    """Cost per tonne of good on actual data: ``max(0, (SEE - SEFA) x p - SEE x s x p_o)``.

    The same number as :func:`unit_certificates` x ``eu_price``, written so that it is linear in
    the prices inside the clip (the Monte Carlo kernel uses this form).

    Parameters
    ----------
    see, sefa : array_like
        As in :func:`unit_certificates`. [tCO2e/t]
    eu_price, origin_price : array_like
        Certificate price and price paid at origin. [EUR/tCO2e]
    covered_share : array_like
        Share of embedded emissions covered at origin, in [0, 1].

    Returns
    -------
    numpy.ndarray
        Cost per tonne of good. [EUR/t]

    Examples
    --------
    >>> round(float(unit_cost(2.6488, 0.975 * 0.066, 75.36)), 3)
    194.764
    """
    see = np.asarray(see, dtype=float)
    p = np.asarray(eu_price, dtype=float)
    po = np.asarray(origin_price, dtype=float)
    return np.maximum(see * (p - np.asarray(covered_share, dtype=float) * po) - np.asarray(sefa, dtype=float) * p, 0.0)


# --------------------------------------------------------------------------- scenario inputs


@dataclass(frozen=True)
class ScenarioPaths:
    """Year-indexed inputs of one scenario, as plain arrays (built by :mod:`cbamcalc.scenarios`).

    Attributes
    ----------
    name : str
        Scenario name (``"central"``, ...).
    years : numpy.ndarray of int, shape (Y,)
        Years modelled, consecutive.
    eu_price : numpy.ndarray, shape (Y,)
        CBAM certificate price. [EUR/tCO2e] (scenario, never law)
    eur_thb : numpy.ndarray, shape (Y,)
        Exchange rate. [THB/EUR] (scenario)
    origin_price : numpy.ndarray, shape (Y,)
        Carbon price effectively paid at origin, net of rebates, in ``origin_currency`` per tCO2e.
    origin_currency : {"EUR", "THB"}
        Currency of ``origin_price``; THB is converted with ``eur_thb`` of the same year (and draw).
    covered_share : float or mapping of sector to float
        Share of embedded emissions the origin price covers, in [0, 1] (``"*"`` for every other sector).
    cbam_factor : numpy.ndarray, shape (Y,)
        CBAM factor (law: Directive 2003/87/EC Art. 10a(1a)), from :func:`cbamcalc.free_allocation.cbam_factor`.
    cscf : numpy.ndarray, shape (Y,)
        Cross-sectoral correction factor (documented assumption unless the user gives it).
    volume_index : numpy.ndarray, shape (Y,)
        Export volume relative to the base year (1 = unchanged).
    sources : dict
        Where each path comes from (``"scenario:central (price_paths_scenario)"``, a file, ``"user"``).
    """

    name: str
    years: np.ndarray
    eu_price: np.ndarray
    eur_thb: np.ndarray
    cbam_factor: np.ndarray
    cscf: np.ndarray
    origin_price: np.ndarray | None = None
    origin_currency: Literal["EUR", "THB"] = "EUR"
    covered_share: float | Mapping[str, float] = 0.0
    volume_index: np.ndarray | None = None
    sources: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        years = np.asarray(self.years, dtype=int)
        object.__setattr__(self, "years", years)
        n = len(years)
        if n == 0 or np.any(np.diff(years) != 1):
            raise InputError(field=f"scenario '{self.name}': years", expected="consecutive years",
                             found=years.tolist())
        for name in ("eu_price", "eur_thb", "cbam_factor", "cscf", "origin_price", "volume_index"):
            val = getattr(self, name)
            if val is None:
                val = np.zeros(n) if name == "origin_price" else np.ones(n)
            arr = np.broadcast_to(np.asarray(val, dtype=float), (n,)).copy()
            if not np.all(np.isfinite(arr)) or np.any(arr < 0):
                bad = int(np.flatnonzero(~(np.isfinite(arr) & (arr >= 0)))[0])
                raise InputError(field=f"scenario '{self.name}': {name}", expected="numbers >= 0 for every year",
                                 found=f"{arr[bad]} in {years[bad]}")
            object.__setattr__(self, name, arr)
        if np.any(self.eur_thb <= 0):
            raise InputError(field=f"scenario '{self.name}': eur_thb", expected="a rate > 0 [THB/EUR]",
                             found=float(self.eur_thb.min()))
        if self.origin_currency not in ("EUR", "THB"):
            raise InputError(field=f"scenario '{self.name}': origin currency", expected="EUR or THB",
                             found=self.origin_currency)

    @classmethod
    def from_law(
        cls,
        name: str,
        years: Iterable[int],
        *,
        eu_price: Any,
        eur_thb: Any,
        cscf: Any = None,
        origin_price: Any = None,
        origin_currency: Literal["EUR", "THB"] = "EUR",
        covered_share: float | Mapping[str, float] = 0.0,
        volume_index: Any = None,
        sources: Mapping[str, str] | None = None,
    ) -> ScenarioPaths:
        """Paths with the CBAM factor from the law table and the CSCF from the assumption table.

        Parameters
        ----------
        name : str
            Scenario name.
        years : iterable of int
            Consecutive years (within 2026-2034 unless the law tables grow).
        eu_price : float or array_like
            Certificate price per year. [EUR/tCO2e]
        eur_thb : float or array_like
            Exchange rate per year. [THB/EUR]
        cscf : float or array_like, optional
            CSCF per year; default: the shipped assumption (1.0; a ``UserWarning`` says so).
        origin_price, origin_currency, covered_share, volume_index, sources
            As the attributes.

        Examples
        --------
        >>> p = ScenarioPaths.from_law("x", [2026, 2030], eu_price=80.0, eur_thb=38.0, cscf=1.0)
        Traceback (most recent call last):
        ...
        cbamcalc.errors.InputError: Field 'scenario 'x': years': expected consecutive years, found [2026, 2030]
        """
        from .free_allocation import cbam_factor as _cbam_factor
        from .free_allocation import cscf as _cscf

        yrs = np.asarray(list(years), dtype=int)
        cf = _cbam_factor(yrs)
        if cscf is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                cs = _cscf(yrs)
            src = {"cscf": "assumption 1.0 (cscf_assumption_scenario.csv, not law)"}
        else:
            cs = np.broadcast_to(np.asarray(cscf, dtype=float), yrs.shape)
            src = {"cscf": "user"}
        src["cbam_factor"] = "law: Directive 2003/87/EC Art. 10a(1a) (cbam_factor_Dir2003-87_Art10a.csv)"
        src.update(sources or {})
        return cls(name=name, years=yrs, eu_price=eu_price, eur_thb=eur_thb, cbam_factor=cf, cscf=cs,
                   origin_price=origin_price, origin_currency=origin_currency, covered_share=covered_share,
                   volume_index=volume_index, sources=src)

    def replace(self, **changes: Any) -> ScenarioPaths:
        """A copy with some fields changed (used by the sensitivity analysis)."""
        from dataclasses import replace

        return replace(self, **changes)

    def origin_price_eur(self, eur_thb: np.ndarray | None = None) -> np.ndarray:
        """Origin price in EUR per tCO2e (THB converted at ``eur_thb``, default this scenario's rate)."""
        assert self.origin_price is not None
        if self.origin_currency == "THB":
            return self.origin_price / (self.eur_thb if eur_thb is None else eur_thb)
        return np.broadcast_to(self.origin_price, np.shape(eur_thb) if eur_thb is not None else self.origin_price.shape)


_DIST_KINDS = ("fixed", "uniform", "triangular", "normal", "lognormal")


@dataclass(frozen=True)
class Distribution:
    """A distribution of one uncertain input, per year or scalar, drawn comonotonically across years.

    One uniform (or standard-normal) number is drawn per draw and mapped through each year's
    parameters, so a draw is a whole path (high prices stay high): the usual reading of price-path
    uncertainty, and the one that makes the fan chart a band of paths.

    Attributes
    ----------
    kind : {"fixed", "uniform", "triangular", "normal", "lognormal"}
        ``fixed``: the base value. ``uniform``: between ``low`` and ``high``. ``triangular``: with
        mode at the base value between ``low`` and ``high``. ``normal``: base + ``sd`` x z (clipped
        at 0). ``lognormal``: base x exp(``sigma`` x z) (median at the base).
    low, high : float or array_like, optional
        Bounds (same unit as the variable); per year for paths.
    sd : float or array_like, optional
        Standard deviation (same unit as the variable).
    sigma : float, optional
        Standard deviation of the logarithm (a pure number).
    """

    kind: Literal["fixed", "uniform", "triangular", "normal", "lognormal"] = "fixed"
    low: Any = None
    high: Any = None
    sd: Any = None
    sigma: Any = None

    def __post_init__(self) -> None:
        if self.kind not in _DIST_KINDS:
            raise InputError(field="distribution", expected=" | ".join(_DIST_KINDS), found=self.kind)
        need = {"uniform": ("low", "high"), "triangular": ("low", "high"), "normal": ("sd",),
                "lognormal": ("sigma",)}.get(self.kind, ())
        for name in need:
            if getattr(self, name) is None:
                raise InputError(field=f"distribution '{self.kind}'", expected=f"a value for '{name}'", found=None)
        for name in ("sd", "sigma"):
            v = getattr(self, name)
            if v is not None and np.any(np.asarray(v, dtype=float) < 0):
                raise InputError(field=f"distribution '{self.kind}': {name}", expected="a number >= 0", found=v)

    def sample(self, base: np.ndarray, u: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Values for each draw and year.

        Parameters
        ----------
        base : numpy.ndarray, shape (Y,) or ()
            Deterministic value (the mode, mean or median).
        u, z : numpy.ndarray, shape (D,)
            One uniform and one standard-normal number per draw.

        Returns
        -------
        numpy.ndarray, shape (D, Y) (or (D,) for a scalar base)
        """
        b = np.asarray(base, dtype=float)
        uu = u.reshape((-1,) + (1,) * b.ndim)
        zz = z.reshape((-1,) + (1,) * b.ndim)
        if self.kind == "fixed":
            return np.broadcast_to(b, uu.shape[:1] + b.shape).copy()
        if self.kind == "normal":
            return np.maximum(b + np.asarray(self.sd, dtype=float) * zz, 0.0)
        if self.kind == "lognormal":
            return b * np.exp(np.asarray(self.sigma, dtype=float) * zz)
        lo = np.asarray(self.low, dtype=float)
        hi = np.asarray(self.high, dtype=float)
        if np.any(lo > hi):
            raise InputError(field=f"distribution '{self.kind}'", expected="low <= high", found=f"{lo} > {hi}")
        if self.kind == "uniform":
            return lo + (hi - lo) * uu
        mode = np.clip(b, lo, hi)
        width = hi - lo
        with np.errstate(divide="ignore", invalid="ignore"):
            fc = np.where(width > 0, (mode - lo) / np.where(width > 0, width, 1.0), 0.5)
            left = lo + np.sqrt(uu * width * (mode - lo))
            right = hi - np.sqrt((1.0 - uu) * width * (hi - mode))
        return np.where(uu < fc, left, right)


@dataclass(frozen=True)
class MonteCarloSpec:
    """Distributions of the Monte Carlo run (all optional: a missing one is held at its base value).

    Attributes
    ----------
    draws : int
        Number of draws.
    seed : int or None
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same percentiles.
    eu_price : Distribution
        Of the certificate-price path (base: the base scenario's path). [EUR/tCO2e]
    eur_thb : Distribution
        Of the EUR/THB path. [THB/EUR]
    intensity : Distribution or mapping of sector to Distribution
        Of a multiplier of the SEE (base 1), one independent draw per sector.
    intensity_applies_to : {"all", "actual"}
        ``all``: the multiplier scales default and actual SEE (uncertainty on what intensity will
        apply); ``actual``: only actual SEE (default values are fixed by law).
    percentiles : tuple of float
        Percentiles reported. Default (5, 50, 95).
    chunk_elements : int
        Upper bound on draws x keys x years held at once by the ``direct`` method (memory: about
        8 bytes x this).
    method : {"auto", "sorted", "direct"}
        ``sorted``: exact sums from sorted per-key thresholds (draws x sectors x years x log keys);
        ``direct``: every key evaluated per draw, in chunks; ``auto``: ``sorted`` unless the
        intensity applies to actual data only *and* a carbon price is paid at origin.
    """

    draws: int = 1000
    seed: int | None = None
    eu_price: Distribution = field(default_factory=Distribution)
    eur_thb: Distribution = field(default_factory=Distribution)
    intensity: Distribution | Mapping[str, Distribution] = field(default_factory=Distribution)
    intensity_applies_to: Literal["all", "actual"] = "all"
    percentiles: tuple[float, ...] = (5.0, 50.0, 95.0)
    chunk_elements: int = 1 << 20
    method: Literal["auto", "sorted", "direct"] = "auto"

    def __post_init__(self) -> None:
        if int(self.draws) < 1:
            raise InputError(field="draws", expected="an integer >= 1", found=self.draws)
        if self.intensity_applies_to not in ("all", "actual"):
            raise InputError(field="intensity_applies_to", expected="all | actual", found=self.intensity_applies_to)
        if self.method not in ("auto", "sorted", "direct"):
            raise InputError(field="montecarlo method", expected="auto | sorted | direct", found=self.method)


@dataclass(frozen=True)
class SensitivitySpec:
    """One-at-a-time sensitivity (tornado) settings.

    Attributes
    ----------
    year : int
        Year of the tornado. Default 2030 (the year the CBAM factor falls to 51.5 %).
    metric : {"cost_thb", "cost_eur", "certificates"}
        Quantity compared (total over all flows).
    eu_price : tuple of (str, ScenarioPaths) or None
        Low and high price paths, as whole scenarios' paths (default: the ``low``/``high`` paths).
    eur_thb : tuple of numpy.ndarray or None
        Low and high EUR/THB paths. [THB/EUR]
    intensity : tuple of float
        Low and high multiplier of the SEE. Default (0.9, 1.1).
    volume : tuple of float
        Low and high multiplier of the export volumes. Default (0.9, 1.1).
    actual_share : tuple of float or None
        Low and high share of exports on actual data (only when actual intensities are known).
    origin_price : tuple of float or None
        Low and high origin price, in the base scenario's origin currency per tCO2e.
    cscf : tuple of float or None
        Low and high CSCF (pure numbers).
    """

    year: int = 2030
    metric: Literal["cost_thb", "cost_eur", "certificates"] = "cost_thb"
    eu_price: tuple[np.ndarray, np.ndarray] | None = None
    eur_thb: tuple[np.ndarray, np.ndarray] | None = None
    intensity: tuple[float, float] | None = (0.9, 1.1)
    volume: tuple[float, float] | None = (0.9, 1.1)
    actual_share: tuple[float, float] | None = None
    origin_price: tuple[float, float] | None = None
    cscf: tuple[float, float] | None = None
    labels: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.metric not in ("cost_thb", "cost_eur", "certificates"):
            raise InputError(field="sensitivity metric", expected="cost_thb | cost_eur | certificates",
                             found=self.metric)


@dataclass(frozen=True)
class IntensityRules:
    """Which intensities apply: default values (version), actual values, and the share on actual data.

    Attributes
    ----------
    version : str or None
        Default-value version passed to :func:`cbamcalc.default_values.lookup_default_values`
        (``None``: the version in force).
    actual : pandas.DataFrame or None
        Actual intensities. Key columns: ``cn_code`` and any of ``country``, ``firm`` (all the key
        columns present must match a flow). Values: ``see_direct`` and, for cement and
        fertilisers, ``see_indirect`` [tCO2e/t] (or ``see_actual``, the emissions already
        counted); ``route`` (production route, to look up Column A) or ``benchmark_actual``
        (Column A) [tCO2e/t]; optional ``actual_share`` in [0, 1].
    actual_share : float or mapping of sector to float
        Share of exports whose emissions rest on actual data where the actual table gives none
        (``"*"`` for the other sectors). Default 0: everything on default values.
    actual_relative_to_default : float or None
        Where a share is on actual data but no actual SEE is known: actual SEE = this x the default
        value *without* mark-up (e.g. 0.8 for exporters 20 % cleaner than the default), with the
        Column A benchmark on the default line's route. ``None``: such keys stay on defaults (a
        warning counts them).
    clinker_content : float or mapping of CN code to float, optional
        Clinker contained per tonne of cement (2523 21 00, 2523 29 00, 2523 90 00). [t/t] Required
        for those codes (IR (EU) 2025/2547 Annex I: the functional unit of cement).
    variants : mapping of CN code to str
        Variant of codes with several default lines, e.g. ``{"25231000": "grey"}``.
    hs6_rule : {"max", "mean"}
        How an HS6 code (UN Comtrade) takes the CN8 lines under it (see :func:`default_intensities`).
    """

    version: str | None = None
    actual: pd.DataFrame | None = None
    actual_share: float | Mapping[str, float] = 0.0
    actual_relative_to_default: float | None = None
    clinker_content: float | Mapping[str, float] | None = None
    variants: Mapping[str, str] = field(default_factory=dict)
    hs6_rule: Literal["max", "mean"] = "max"


# --------------------------------------------------------------------------- flows


def _norm_code(text: Any) -> str | None:
    """Digits of a CN code (8), HS6 code (6) or heading (4), or None when malformed."""
    if isinstance(text, (float, np.floating)) and np.isfinite(text) and float(text).is_integer():
        text = str(int(text))  # a code read as a number from Excel
    elif isinstance(text, (bool, np.bool_)) or text is None:
        return None
    s = re.sub(r"[\s.\-]", "", str(text).replace("\xa0", " "))
    return s if s.isdigit() and s.isascii() and len(s) in (4, 6, 8) else None


@dataclass(frozen=True)
class PreparedFlows:
    """Flows summed per unique key (CN code, origin, destination, firm) of the base year.

    Attributes
    ----------
    keys : pandas.DataFrame
        One row per key: ``cn_code``, ``country`` (and ``destination``, ``firm`` when given), ``cn4``,
        as categoricals (codes and distinct values: cheap to group at a million keys).
    net_mass_t : numpy.ndarray, shape (K,)
        Net mass of the base year per key. [t]
    value_eur, value_thb : numpy.ndarray, shape (K,)
        Export value per key [EUR], [THB]; NaN where not given.
    base_year : int
        Trade year the projection starts from.
    n_rows : int
        Flow rows of the base year.
    years_in_input : tuple of int
        Every year present in the input.
    """

    keys: pd.DataFrame
    net_mass_t: np.ndarray
    value_eur: np.ndarray
    value_thb: np.ndarray
    base_year: int
    n_rows: int
    years_in_input: tuple[int, ...]


def prepare_flows(
    flows: pd.DataFrame,
    *,
    base_year: int | Literal["latest", "mean"] = "latest",
    file: str | None = None,
    row_numbers: np.ndarray | None = None,
) -> PreparedFlows:
    """Validate a trade-flow frame and sum it per unique key of the base year.

    Parameters
    ----------
    flows : pandas.DataFrame
        Columns :data:`FLOW_COLUMNS` (``year``, ``cn_code``, ``country``, ``net_mass_t`` required).
    base_year : int, "latest" or "mean"
        Trade year projected forward: a year present in ``flows``, the latest one, or the mean of
        every year present (masses and values averaged over the years).
    file : str, optional
        File the flows were read from (for error messages); default ``flows.attrs["source_file"]``.
    row_numbers : numpy.ndarray, optional
        File row of each frame row (for error messages); default: the ``source_row`` column that
        :func:`cbamcalc.io.trade_flows.read_trade_flows` adds, else the frame's index labels.

    Returns
    -------
    PreparedFlows

    Raises
    ------
    InputError
        Missing column, malformed CN code, missing or negative mass, duplicated key (year, CN code,
        country, destination, firm), base year not in the data; naming the file, row and column.
    """
    if file is None and flows.attrs.get("source_file"):
        file = str(flows.attrs["source_file"])
    if row_numbers is None and "source_row" in flows.columns:
        row_numbers = flows["source_row"].to_numpy()
    where: dict[str, Any] = {"file": file} if file else {}
    missing = [c for c in _REQUIRED if c not in flows.columns]
    if missing:
        raise InputError("missing column", column=missing[0], **where,
                         expected=f"columns {', '.join(_REQUIRED)}", found=", ".join(map(str, flows.columns)))

    def row_of(pos: int) -> Any:
        if row_numbers is not None:
            return int(row_numbers[pos])
        return flows.index[pos]

    n = len(flows)
    if n == 0:
        raise InputError(**where, field="trade flows", expected="at least one flow row", found="no rows")
    year_raw = pd.to_numeric(flows["year"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(year_raw) | (year_raw % 1 != 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(row=row_of(i), column="year", **where, expected="a calendar year",
                         found=flows["year"].iloc[i])
    year = year_raw.astype(np.int64)
    mass = pd.to_numeric(flows["net_mass_t"], errors="coerce").to_numpy(dtype=float)
    bad = ~(mass >= 0) | ~np.isfinite(mass)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        found = flows["net_mass_t"].iloc[i]
        msg = "negative mass" if np.isfinite(mass[i]) and mass[i] < 0 else "not a mass"
        raise InputError(msg, row=row_of(i), column="net_mass_t", **where, expected="a net mass >= 0 [t]",
                         found=found)
    values = {}
    for col in ("value_eur", "value_thb"):
        if col in flows.columns:
            v = pd.to_numeric(flows[col], errors="coerce").to_numpy(dtype=float)
            badv = (v < 0) | np.isinf(v)
            if badv.any():
                i = int(np.flatnonzero(badv)[0])
                raise InputError("negative value", row=row_of(i), column=col, **where, expected=_NUMERIC_ERR,
                                 found=flows[col].iloc[i])
            values[col] = v
        else:
            values[col] = np.full(n, np.nan)
    # factorise the key columns once; normalise and check the CN codes on the uniques only
    present = [c for c in _KEY_COLUMNS if c in flows.columns]
    codes: list[np.ndarray] = []
    uniques: dict[str, np.ndarray] = {}
    for col in present:
        c, u_index = pd.factorize(flows[col], use_na_sentinel=True)
        u: np.ndarray = np.asarray(u_index, dtype=object)
        if (c < 0).any():
            if col in ("cn_code", "country"):
                i = int(np.flatnonzero(c < 0)[0])
                raise InputError("empty cell", row=row_of(i), column=col, **where, expected=FLOW_COLUMNS[col],
                                 found="")
            u = np.append(np.asarray(u, dtype=object), "")
            c = np.where(c < 0, len(u) - 1, c)
        u = np.asarray(u, dtype=object)
        if col == "cn_code":
            normed = [_norm_code(x) for x in u]
            badc = [j for j, x in enumerate(normed) if x is None]
            if badc:
                i = int(np.flatnonzero(c == badc[0])[0])
                raise InputError("unknown CN code", row=row_of(i), column="cn_code", **where,
                                 expected="a CN code of 8 digits (or an HS code of 6)", found=str(u[badc[0]]))
            u = np.asarray(normed, dtype=object)
        else:
            u = np.asarray([str(x).strip() for x in u], dtype=object)
            if col == "country":
                u = np.asarray([x.upper() for x in u], dtype=object)
        # several spellings of one code ("7318 15 95", "73181595"; "th", "TH") are one key
        remap, u_norm = pd.factorize(u)
        c = remap[c]
        u = np.asarray(u_norm, dtype=object)
        codes.append(c.astype(np.int64))
        uniques[col] = u
    combined = np.zeros(n, dtype=np.int64)
    for col, c in zip(present, codes, strict=True):
        combined = combined * len(uniques[col]) + c
    # duplicated key within a year (one factorisation when the flows hold one year)
    ymin, ymax = int(year.min()), int(year.max())
    dupkey = combined if ymin == ymax else combined * (ymax - ymin + 1) + (year - ymin)
    dk_codes, dk_uniques = pd.factorize(dupkey)
    if len(dk_uniques) < n:
        # the first row whose key was already seen is the duplicate; j is the row it repeats
        seen = pd.Series(dk_codes).duplicated().to_numpy()
        i = int(np.flatnonzero(seen)[0])
        j = int(np.flatnonzero(dk_codes == dk_codes[i])[0])
        keys = ", ".join(present)
        raise InputError(f"duplicated key (year, {keys}) of row {row_of(j)}", row=row_of(i), column="cn_code",
                         **where, expected="one row per year and key (sum the flows first)",
                         found=f"{int(year[i])}, " + ", ".join(str(uniques[c][cc[i]]) for c, cc in
                                                               zip(present, codes, strict=True)))
    years_present = tuple(int(y) for y in np.unique(year))
    if base_year == "latest":
        by = years_present[-1]
        sel = year == by
        scale = 1.0
    elif base_year == "mean":
        by = years_present[-1]
        sel = np.ones(n, dtype=bool)
        scale = 1.0 / len(years_present)
    else:
        by = int(base_year)
        if by not in years_present:
            raise InputError(**where, field="base_year", expected=f"a year in the flows ({years_present})", found=by)
        sel = year == by
        scale = 1.0
    if ymin == ymax:
        key_codes, key_uniques = dk_codes, dk_uniques
    else:
        key_codes, key_uniques = pd.factorize(combined[sel] if not sel.all() else combined)
    k = len(key_uniques)
    mass_k = np.bincount(key_codes, weights=mass[sel] if not sel.all() else mass, minlength=k) * scale
    val = {}
    for col, v in values.items():
        vv = v[sel] if not sel.all() else v
        val[col] = np.bincount(key_codes, weights=vv, minlength=k) * scale  # NaN propagates: value unknown
    # decode the combined keys back to the columns, as categoricals (codes + the distinct values)
    rest = np.asarray(key_uniques, dtype=np.int64)
    cols: dict[str, pd.Categorical] = {}
    for col in reversed(present):
        m = len(uniques[col])
        cols[col] = pd.Categorical.from_codes(rest % m, categories=pd.Index(uniques[col], dtype=object))
        rest = rest // m
    key_frame = pd.DataFrame({c: cols[c] for c in present})
    cn = cols["cn_code"]
    c4_codes, c4_uniq = pd.factorize(np.asarray([c[:4] for c in cn.categories], dtype=object))
    key_frame["cn4"] = pd.Categorical.from_codes(c4_codes[cn.codes], categories=pd.Index(c4_uniq, dtype=object))
    return PreparedFlows(keys=key_frame, net_mass_t=mass_k, value_eur=val["value_eur"], value_thb=val["value_thb"],
                         base_year=by, n_rows=int(sel.sum()), years_in_input=years_present)


# --------------------------------------------------------------------------- intensities


def _quiet_cost(goods: pd.DataFrame, years: np.ndarray, version: str | None) -> pd.DataFrame:
    """:func:`cbamcalc.cost.cbam_cost` per tonne (price 1, rate 1, CSCF 1), warnings kept in ``attrs``."""
    from .cost import cbam_cost

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = cbam_cost(goods, years=years, price=1.0, eur_thb=1.0, cscf=1.0, version=version)
    res.attrs["caught"] = [str(w.message) for w in caught]
    return res


def _cement_hint(exc: InputError) -> InputError:
    if exc.field == "clinker_content":
        return InputError(f"{exc._free_text}; set clinker_content in the [intensity] table of the scenario file "
                          "(t clinker per t cement, per CN code or one number)", row=exc.row, field=exc.field,
                          expected=exc.expected, found=exc.found)
    return exc


def _expand_codes(codes: Sequence[str]) -> dict[str, list[str]]:
    """CBAM CN8 codes behind each code: itself for 8 digits, the CN8 lines under an HS6 or heading code."""
    from .cn_codes import cn_table

    table = cn_table()["cn_code"].astype(str).to_numpy()
    out: dict[str, list[str]] = {}
    for c in codes:
        if len(c) == 8:
            out[c] = [c]
            continue
        members = [t for t in table if t.startswith(c)]
        if not members:
            raise InputError("unknown CN code: no CBAM good under this code", field="cn_code",
                             expected="a CBAM CN8 code, or an HS6 code covering CBAM goods", found=c)
        out[c] = members
    return out


def _per_cn(value: float | Mapping[str, float] | None, codes: np.ndarray) -> np.ndarray:
    if value is None:
        return np.full(len(codes), np.nan)
    if isinstance(value, Mapping):
        table = {(_norm_code(k) or str(k)): float(v) for k, v in value.items() if k != "*"}
        rest = float(value["*"]) if "*" in value else np.nan
        return np.array([table.get(c, rest) for c in codes], dtype=float)
    return np.full(len(codes), float(value))


def default_intensities(
    keys: pd.DataFrame,
    years: Iterable[int],
    *,
    version: str | None = None,
    clinker_content: float | Mapping[str, float] | None = None,
    variants: Mapping[str, str] | None = None,
    hs6_rule: Literal["max", "mean"] = "max",
) -> pd.DataFrame:
    """Default values and Column B benchmarks of every (CN code, origin) key and year.

    Resolved through :func:`cbamcalc.cost.cbam_cost` for one tonne of each unique key, so the
    default line, its mark-up, the emissions counted, the benchmark and the cement functional unit
    are exactly those of the cost function.

    Parameters
    ----------
    keys : pandas.DataFrame
        Columns ``cn_code`` and ``country``; duplicates are looked up once.
    years : iterable of int
        Years of import (the mark-up depends on the year).
    version : str, optional
        Default-value version (``None``: the version in force).
    clinker_content : float or mapping of CN code to float, optional
        Clinker contained per tonne of cement (2523 21 00, 2523 29 00, 2523 90 00). [t/t]
        Required for those codes: IR (EU) 2025/2547 Annex I makes it the functional unit.
    variants : mapping of CN code to str, optional
        Variant of codes with several default lines (``{"25231000": "grey"}``).
    hs6_rule : {"max", "mean"}
        For 6-digit (HS6) codes, which stand for several CBAM CN8 lines: the line with the largest
        default net of its benchmark (``max``, an upper bound), or the mean of the lines.

    Returns
    -------
    pandas.DataFrame
        One row per (cn_code, country, year): ``sector``, ``see_default`` (emissions counted, with
        the year's mark-up) [tCO2e/t], ``see_default_unmarked`` [tCO2e/t], ``default_direct``,
        ``default_indirect`` [tCO2e/t], ``markup_rate``, ``benchmark_default`` (Column B on the
        default line's route) [tCO2e/t], ``route``, ``fu_factor`` (functional unit per tonne of good:
        the clinker content for cement, else 1) [t/t], ``source``.

    Raises
    ------
    InputError
        A code that is not a CBAM good, cement without a clinker content, a code with several
        default lines and no variant.
    ReferenceDataError
        No default value or benchmark for a key.

    References
    ----------
    IR (EU) 2025/2621 Annex I (default values, mark-ups); IR (EU) 2025/2620 (Column B);
    IR (EU) 2025/2547 Annex I (cement functional unit); Regulation (EU) 2023/956 Annex II
    (indirect emissions counted for cement and fertilisers only).
    """
    from .cn_codes import cbam_sector

    yrs = np.asarray(list(years), dtype=int)
    uk = keys[["cn_code", "country"]].drop_duplicates().reset_index(drop=True)
    expand = _expand_codes(pd.unique(uk["cn_code"]).tolist())
    rows = [(c, ctry, m) for c, ctry in zip(uk["cn_code"], uk["country"], strict=True) for m in expand[c]]
    goods = pd.DataFrame(rows, columns=["key_cn", "country", "cn_code"])
    goods["quantity"] = 1.0
    goods["actual_share"] = 0.0
    cc = _per_cn(clinker_content, goods["cn_code"].to_numpy())
    if not np.isnan(cc).all():
        goods["clinker_content"] = cc
    if variants:
        vt = {(_norm_code(k) or str(k)): v for k, v in variants.items()}
        goods["variant"] = [vt.get(c) for c in goods["cn_code"]]
    goods.index = pd.Index([f"CN {c} from {k}" for c, k in zip(goods["cn_code"], goods["country"], strict=True)])
    skipped: list[str] = []
    try:
        res = _quiet_cost(goods.drop(columns="key_cn"), yrs, version)
    except (InputError, ReferenceDataError) as exc:
        expanded = (goods["key_cn"] != goods["cn_code"]).to_numpy()
        if not expanded.any():
            raise _cement_hint(exc) if isinstance(exc, InputError) else exc from exc
        # an HS6 code stands for several CN8 lines: leave out the lines that cannot be resolved
        ok = np.ones(len(goods), dtype=bool)
        for i in np.flatnonzero(expanded):
            try:
                _quiet_cost(goods.iloc[[int(i)]].drop(columns="key_cn"), yrs[:1], version)
            except (InputError, ReferenceDataError) as sub:
                ok[i] = False
                skipped.append(f"{goods['cn_code'].iloc[i]} ({sub})")
        for key in pd.unique(goods["key_cn"][expanded]):
            if not ok[(goods["key_cn"] == key).to_numpy()].any():
                raise InputError("no CN8 line under this code can be resolved", field="cn_code",
                                 expected="a code with at least one default line and benchmark", found=key) from exc
        goods = goods[ok]
        try:
            res = _quiet_cost(goods.drop(columns="key_cn"), yrs, version)
        except InputError as exc2:
            raise _cement_hint(exc2) from exc2
    y_n = len(yrs)
    gi = np.repeat(np.arange(len(goods)), y_n)
    out = pd.DataFrame({
        "key_cn": goods["key_cn"].to_numpy()[gi],
        "cn8": goods["cn_code"].to_numpy()[gi],
        "country": goods["country"].to_numpy()[gi],
        "year": res["year"].to_numpy(dtype=int),
    })
    counted = res["indirect_counted"].to_numpy(dtype=bool)
    out["default_direct"] = res["default_direct"].to_numpy(dtype=float)
    out["default_indirect"] = res["default_indirect"].to_numpy(dtype=float)
    out["see_default_unmarked"] = out["default_direct"] + np.where(counted, np.nan_to_num(out["default_indirect"]), 0.0)
    out["markup_rate"] = res["markup_rate"].to_numpy(dtype=float)
    out["see_default"] = res["see_default"].to_numpy(dtype=float)
    out["benchmark_default"] = res["benchmark"].to_numpy(dtype=float)
    out["route"] = res["default_route"].astype(object).fillna("").to_numpy()
    tonnes = res["tonnes"].to_numpy(dtype=float)
    out["fu_factor"] = res["functional_unit_t"].to_numpy(dtype=float) / tonnes
    out["default_version"] = res["default_version"].astype(str).to_numpy()
    sectors = {c: cbam_sector(c) for c in pd.unique(out["cn8"])}
    out["sector"] = out["cn8"].map(sectors)
    out["source"] = "IR (EU) 2025/2621 Annex I, " + out["default_version"] + " (via cbamcalc.cost)"
    used = pd.DataFrame(res.attrs.get("default_values_used") or [])
    if len(used) and "fallback" in used:
        fb = used[["cn_code", "country", "year", "fallback"]].copy()
        fb["fallback"] = fb["fallback"].astype(bool)
        fb = fb.drop_duplicates(["cn_code", "country", "year"])
        out = out.merge(fb.rename(columns={"cn_code": "cn8"}), on=["cn8", "country", "year"], how="left")
        out["fallback"] = out["fallback"].fillna(False).astype(bool)
    else:
        out["fallback"] = False
    if (out["key_cn"] != out["cn8"]).any():
        out = _collapse_headings(out, hs6_rule)
    out = out.rename(columns={"key_cn": "cn_code"})
    out.attrs["warnings"] = [w for w in res.attrs.get("caught", []) if "Other countries" in w]
    if skipped:
        out.attrs["warnings"].append("HS6 codes: CN8 lines left out (no default line or benchmark): "
                                     + "; ".join(skipped))
    return out


def _collapse_headings(out: pd.DataFrame, rule: str) -> pd.DataFrame:
    """One line per (HS6 code, country, year) from the CN8 lines under it."""
    if rule not in ("max", "mean"):
        raise InputError(field="hs6_rule", expected="max | mean", found=rule)
    keys = ["key_cn", "country", "year"]
    if rule == "mean":
        num = out.groupby(keys, sort=False).agg(
            {c: "mean" for c in ("default_direct", "default_indirect", "see_default_unmarked", "markup_rate",
                                 "see_default", "benchmark_default", "fu_factor")})
        first = out.groupby(keys, sort=False)[["route", "sector", "source", "default_version", "fallback"]].first()
        res = num.join(first).reset_index()
        res["cn8"] = "mean of CN8 lines"
        return res
    net = out["see_default"] - out["benchmark_default"]
    idx = net.groupby([out[k] for k in keys], sort=False).idxmax()
    res = out.loc[idx.to_numpy()].reset_index(drop=True)
    return res


def actual_intensities(
    table: pd.DataFrame,
    years: Iterable[int],
    *,
    clinker_content: float | Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Actual SEE counted and Column A benchmark of each line of an actual-intensity table.

    Parameters
    ----------
    table : pandas.DataFrame
        ``cn_code`` and ``see_direct`` (and ``see_indirect`` for goods not in Annex II: cement,
        fertilisers, agglomerated ore) or ``see_actual`` (already the emissions counted) [tCO2e/t];
        ``route`` (production route of the actual process) or ``benchmark_actual`` [tCO2e/t]: the
        Column A chain of the good, its relevant precursors included (IR 2025/2620 Annex 3.3). With
        a route alone a complex good counts its own process only: a lower bound, said in
        ``attrs["warnings"]``.
    years : iterable of int
        Years (the result is per year, like the defaults).
    clinker_content : float or mapping, optional
        As in :func:`default_intensities`.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``table`` rows x years (row-major): ``line`` (position in ``table``), ``year``,
        ``see_actual`` [tCO2e/t], ``benchmark_actual`` [tCO2e/t].
    """
    yrs = np.asarray(list(years), dtype=int)
    t = table.reset_index(drop=True)
    direct = "see_direct" in t
    if not direct and "see_actual" not in t:
        raise InputError(field="actual intensities", expected="a column see_direct (or see_actual) [tCO2e/t]",
                         found=", ".join(map(str, t.columns)))
    if not direct and "benchmark_actual" in t and t["benchmark_actual"].notna().all():
        n = len(t)
        return pd.DataFrame({"line": np.repeat(np.arange(n), len(yrs)), "year": np.tile(yrs, n),
                             "see_actual": np.repeat(pd.to_numeric(t["see_actual"]).to_numpy(float), len(yrs)),
                             "benchmark_actual": np.repeat(t["benchmark_actual"].to_numpy(float), len(yrs))})
    goods = pd.DataFrame({"cn_code": t["cn_code"].to_numpy(), "quantity": 1.0, "actual_share": 1.0})
    goods["see_direct"] = pd.to_numeric(t["see_direct"] if direct else t["see_actual"]).to_numpy(float)
    goods["see_indirect"] = (pd.to_numeric(t["see_indirect"]).to_numpy(float) if direct and "see_indirect" in t
                             else 0.0)
    if "route" in t:
        goods["route"] = t["route"].to_numpy()
    if "benchmark_actual" in t:
        goods["benchmark_a"] = t["benchmark_actual"].to_numpy(float)
    # a route alone gives Column A of the good's own process: for complex goods a lower bound of the
    # adjustment (IR 2025/2620 Annex 3.3), accepted here with the warning cbam_cost gives
    goods["own_process_only"] = True
    cc = _per_cn(clinker_content, goods["cn_code"].astype(str).to_numpy())
    if not np.isnan(cc).all():
        goods["clinker_content"] = cc
    goods.index = pd.Index([f"actual line {i + 1} (CN {c})" for i, c in enumerate(goods["cn_code"])])
    try:
        res = _quiet_cost(goods, yrs, None)
    except InputError as exc:
        raise _cement_hint(exc) from exc
    n = len(t)
    out = pd.DataFrame({"line": np.repeat(np.arange(n), len(yrs)), "year": res["year"].to_numpy(int),
                        "see_actual": res["see_actual"].to_numpy(float),
                        "benchmark_actual": res["benchmark"].to_numpy(float)})
    out.attrs["warnings"] = [w for w in res.attrs.get("caught", []) if "own process only" in w]
    return out


# --------------------------------------------------------------------------- the model


@dataclass
class _KeyArrays:
    """Per-key inputs of one model, per tonne of functional unit.

    Default values and benchmarks depend only on the (CN code, origin) pair: they are kept per pair,
    (Y, P), and gathered by ``pair`` for each year (a million keys share a few hundred pairs).
    """

    see_p: np.ndarray  # (Y, P) default SEE with mark-up per pair [tCO2e/t]
    bm_p: np.ndarray  # (Y, P) Column B per pair [tCO2e/t]
    pair: np.ndarray  # (K,) pair of each key
    see_a: np.ndarray | None  # (Y, K) actual SEE (0 where the share is 0), None when no key has actual data
    bm_a: np.ndarray | None  # (Y, K) Column A (0 where the share is 0) [tCO2e/t]
    share: np.ndarray  # (K,) share on actual data
    fu: np.ndarray  # (K,) functional unit per tonne of good [t/t]
    sector_idx: np.ndarray  # (K,) index into the model's sectors

    @property
    def see_d(self) -> np.ndarray:
        """(Y, K) default SEE of every key (built on demand)."""
        return self.see_p[:, self.pair]

    @property
    def bm_d(self) -> np.ndarray:
        """(Y, K) Column B of every key (built on demand)."""
        return self.bm_p[:, self.pair]


class ExposureModel:
    """Flows with their intensities resolved once; evaluates scenarios, sensitivity and Monte Carlo.

    Parameters
    ----------
    flows : PreparedFlows or pandas.DataFrame
        Trade flows (a frame is passed through :func:`prepare_flows`).
    years : iterable of int
        Years modelled (consecutive), e.g. 2026-2034.
    intensities : pandas.DataFrame, optional
        Default intensities replacing the law-table lookup: columns ``cn_code``, ``sector``,
        ``see_default`` (with mark-up) [tCO2e/t] and ``benchmark_default`` (Column B) [tCO2e/t];
        optional ``country`` (else valid for every origin), ``year`` (else every year),
        ``see_default_unmarked`` [tCO2e/t], ``fu_factor`` [t/t], ``route``, ``source``.
        Default: :func:`default_intensities`.
    rules : IntensityRules, optional
        Default-value version, actual intensities and the share of exports they cover.
    base_year : int, "latest" or "mean"
        See :func:`prepare_flows`.

    Notes
    -----
    Construction does every lookup (once per unique key); evaluating a scenario then costs a few
    array operations on keys x years. The blend of actual and default data and the single clip at
    zero follow :func:`cbamcalc.cost.cbam_cost`::

        EE  = M x fu x [a SEE_A + (1 - a) SEE_D]
        FAA = M x fu x CBAM_y x CSCF_y x [a BM_A + (1 - a) BM_B]
        N   = max(EE - FAA - EE x s x min(p_o, p)/p, 0)
    """

    def __init__(
        self,
        flows: PreparedFlows | pd.DataFrame,
        years: Iterable[int],
        *,
        intensities: pd.DataFrame | None = None,
        rules: IntensityRules | None = None,
        base_year: int | Literal["latest", "mean"] = "latest",
    ) -> None:
        self.flows = flows if isinstance(flows, PreparedFlows) else prepare_flows(flows, base_year=base_year)
        self.years = np.asarray(list(years), dtype=int)
        if len(self.years) == 0 or np.any(np.diff(self.years) != 1):
            raise InputError(field="years", expected="consecutive years", found=self.years.tolist())
        self.rules = rules or IntensityRules()
        self.warnings: list[str] = []
        keys = self.flows.keys
        # distinct (CN code, origin) pairs: every look-up runs on these, then is broadcast by index
        cn, co = keys["cn_code"].array, keys["country"].array
        pcode = cn.codes.astype(np.int64) * len(co.categories) + co.codes
        self._pair_idx, puniq = pd.factorize(pcode)
        puniq = np.asarray(puniq, dtype=np.int64)
        self._pairs = pd.DataFrame({
            "cn_code": np.asarray(cn.categories, dtype=object)[puniq // len(co.categories)],
            "country": np.asarray(co.categories, dtype=object)[puniq % len(co.categories)]})
        table = self._intensity_table(keys, intensities)
        self.intensities = table
        self._resolve(keys, table)

    # ---- resolution of intensities (once)

    def _intensity_table(self, keys: pd.DataFrame, given: pd.DataFrame | None) -> pd.DataFrame:
        r = self.rules
        pairs = self._pairs
        if given is None:
            t = default_intensities(pairs, self.years, version=r.version, clinker_content=r.clinker_content,
                                    variants=r.variants, hs6_rule=r.hs6_rule)
            self.warnings.extend(t.attrs.get("warnings", []))
            return t
        missing = [c for c in ("cn_code", "sector", "see_default", "benchmark_default") if c not in given.columns]
        if missing:
            raise InputError(field="intensities", expected="columns cn_code, sector, see_default, benchmark_default",
                             found=f"missing {', '.join(missing)}")
        t = given.copy()
        t["cn_code"] = [(_norm_code(c) or str(c)) for c in t["cn_code"]]
        if "country" not in t:
            t = pairs.merge(t, on="cn_code", how="inner")
        else:
            t["country"] = t["country"].astype(str).str.strip().str.upper()
        if "year" not in t:
            t = t.merge(pd.DataFrame({"year": self.years}), how="cross")
        t["year"] = t["year"].astype(int)
        for col in ("see_default", "benchmark_default"):
            v = pd.to_numeric(t[col], errors="coerce").to_numpy(dtype=float)
            if not (v >= 0).all():
                i = int(np.flatnonzero(~(v >= 0))[0])
                raise InputError(field="intensities", row=int(i), column=col, expected=_NUMERIC_ERR + " [tCO2e/t]",
                                 found=t[col].iloc[i])
        for col, default in (("see_default_unmarked", np.nan), ("fu_factor", 1.0), ("route", ""),
                             ("fallback", False), ("source", "user"), ("markup_rate", np.nan)):
            if col not in t:
                t[col] = default
        return t

    def _resolve(self, keys: pd.DataFrame, table: pd.DataFrame) -> None:
        years = self.years
        y_n = len(years)
        pairs, pidx = self._pairs, self._pair_idx
        n_p = len(pairs)
        grid = pairs.loc[pairs.index.repeat(y_n)].reset_index(drop=True)
        grid["year"] = np.tile(years, n_p)
        cols = ["see_default", "benchmark_default", "see_default_unmarked", "fu_factor", "sector", "route"]
        dup = table.duplicated(["cn_code", "country", "year"])
        if dup.any():
            r = table[dup].iloc[0]
            raise InputError("several intensity lines for one key (name the variant, e.g. grey or white clinker)",
                             field="intensities", expected="one line per (cn_code, country, year)",
                             found=f"{r['cn_code']}, {r['country']}, {r['year']}")
        m = grid.merge(table[["cn_code", "country", "year", *cols]], on=["cn_code", "country", "year"], how="left")
        miss = m["see_default"].isna() | m["benchmark_default"].isna()
        if miss.any():
            r = m[miss].iloc[0]
            raise ReferenceDataError(f"no default value or benchmark for CN {r['cn_code']}, origin {r['country']}, "
                                     f"year {r['year']}")

        def per_pair(col: str) -> np.ndarray:
            return m[col].to_numpy(dtype=float).reshape(n_p, y_n)

        see_p, bm_p, unm_p = per_pair("see_default"), per_pair("benchmark_default"), per_pair("see_default_unmarked")
        fu_p = per_pair("fu_factor")[:, 0]
        sector_p = m["sector"].to_numpy(dtype=object).reshape(n_p, y_n)[:, 0]
        route_p = m["route"].fillna("").astype(str).to_numpy(dtype=object).reshape(n_p, y_n)[:, 0]
        sectors = np.asarray(sorted(pd.unique(sector_p).tolist()), dtype=object)
        sidx_p = np.searchsorted(sectors, sector_p).astype(np.int64)
        self.sectors = sectors
        sector_idx = sidx_p[pidx]
        keys = keys.copy()
        keys["sector"] = pd.Categorical.from_codes(sector_idx, categories=pd.Index(sectors, dtype=object))
        self.keys = keys
        share, see_a, bm_a = self._actual(keys, sector_idx, unm_p, route_p)
        fu = np.nan_to_num(fu_p, nan=1.0)[pidx]
        self._k = _KeyArrays(see_p=np.ascontiguousarray(see_p.T), bm_p=np.ascontiguousarray(bm_p.T), pair=pidx,
                             see_a=see_a, bm_a=bm_a, share=share, fu=fu, sector_idx=sector_idx)
        self._groups: dict[str, tuple[np.ndarray, pd.DataFrame]] = {}

    def _actual(self, keys: pd.DataFrame, sector_idx: np.ndarray, unm_p: np.ndarray,
                route_p: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        rules = self.rules
        k_n, y_n = len(keys), len(self.years)
        base_share = _per_sector(rules.actual_share, self.sectors, field="actual_share")[sector_idx]
        share = np.zeros(k_n)
        has_rules = (rules.actual is not None and len(rules.actual)) or bool(np.any(base_share > 0))
        if not has_rules:
            return share, None, None
        see_a = np.full((k_n, y_n), np.nan)
        bm_a = np.full((k_n, y_n), np.nan)
        pidx = self._pair_idx
        if rules.actual is not None and len(rules.actual):
            act = rules.actual.copy().reset_index(drop=True)
            if "cn_code" not in act:
                raise InputError(field="actual intensities", expected="a column cn_code",
                                 found=", ".join(map(str, act.columns)))
            act["cn_code"] = [(_norm_code(c) or str(c)) for c in act["cn_code"]]
            on = [c for c in ("cn_code", "country", "firm") if c in act.columns]
            if "firm" in on and "firm" not in keys:
                raise InputError(field="actual intensities", expected="flows with a 'firm' column to match 'firm'",
                                 found="no firm in the flows")
            if "country" in act:
                act["country"] = act["country"].astype(str).str.strip().str.upper()
            dup = act.duplicated(on)
            if dup.any():
                r = act[dup].iloc[0]
                raise InputError(field="actual intensities", row=int(np.flatnonzero(dup)[0]) + 1,
                                 expected=f"one line per {', '.join(on)}", found=", ".join(str(r[c]) for c in on))
            for col in ("see_direct", "see_indirect", "see_actual", "benchmark_actual", "actual_share"):
                if col in act:
                    v = pd.to_numeric(act[col], errors="coerce").to_numpy(dtype=float)
                    hi = 1.0 if col == "actual_share" else np.inf
                    bad = (v < 0) | (v > hi) | (np.isnan(v) & act[col].notna().to_numpy()
                                                & (act[col].astype(str).str.strip() != "").to_numpy())
                    if bad.any():
                        i = int(np.flatnonzero(bad)[0])
                        raise InputError(field="actual intensities", row=i + 1, column=col,
                                         expected="a share in [0, 1]" if col == "actual_share" else
                                         _NUMERIC_ERR + " [tCO2e/t]", found=act[col].iloc[i])
            # keep only lines some flow uses, then resolve them once
            m = keys[on].astype(object).reset_index(drop=True).reset_index().merge(act.reset_index().rename(
                columns={"index": "line"}), on=on, how="inner")
            if len(m):
                used = np.unique(m["line"].to_numpy())
                resolved = actual_intensities(act.iloc[used], self.years, clinker_content=rules.clinker_content)
                self.warnings.extend(w for w in resolved.attrs.get("warnings", []) if w not in self.warnings)
                line_pos = np.searchsorted(used, m["line"].to_numpy())
                sa = resolved["see_actual"].to_numpy(float).reshape(len(used), y_n)
                ba = resolved["benchmark_actual"].to_numpy(float).reshape(len(used), y_n)
                kidx = m["index"].to_numpy()
                see_a[kidx] = sa[line_pos]
                bm_a[kidx] = ba[line_pos]
                if "actual_share" in m:
                    sh = m["actual_share"].to_numpy(dtype=float)
                    share[kidx] = np.where(np.isnan(sh), base_share[kidx], sh)
                else:
                    share[kidx] = base_share[kidx]
        no_actual = np.isnan(see_a).all(axis=1) & (base_share > 0)
        if no_actual.any():
            if rules.actual_relative_to_default is not None:
                ratio = float(rules.actual_relative_to_default)
                if not ratio >= 0:
                    raise InputError(field="actual_relative_to_default", expected=_NUMERIC_ERR, found=ratio)
                unm = unm_p[pidx[no_actual]]
                if np.isnan(unm).any():
                    raise InputError(field="actual_relative_to_default",
                                     expected="default values without mark-up (see_default_unmarked)",
                                     found="not in the intensity table")
                see_a[no_actual] = ratio * unm
                bm_a[no_actual] = self._column_a(keys, no_actual, route_p[pidx])
                share[no_actual] = base_share[no_actual]
            else:
                self.warnings.append(
                    f"{int(no_actual.sum())} key(s) have a share on actual data but no actual intensity: "
                    "they stay on default values (give an actual table or actual_relative_to_default)")
        share = np.where(np.isnan(see_a).all(axis=1), 0.0, share)
        on_a = share > 0
        see_a = np.where(on_a[:, None], np.nan_to_num(see_a), 0.0)
        bm_a = np.where(on_a[:, None], bm_a, 0.0)
        if np.isnan(bm_a).any():
            i = int(np.flatnonzero(np.isnan(bm_a).any(axis=1))[0])
            raise InputError("no Column A benchmark for an actual intensity", field="actual intensities",
                             expected="a 'route' or 'benchmark_actual' for the line",
                             found=f"CN {keys['cn_code'].iloc[i]}")
        if not np.any(on_a):
            return share, None, None
        return share, np.ascontiguousarray(see_a.T), np.ascontiguousarray(bm_a.T)

    def _column_a(self, keys: pd.DataFrame, mask: np.ndarray, route: np.ndarray) -> np.ndarray:
        """Column A on the default line's route, for actual intensities given as a ratio of the default."""
        t = self.intensities
        if "benchmark_actual" in t:
            col = t.drop_duplicates(["cn_code", "country"]).set_index(["cn_code", "country"])["benchmark_actual"]
            idx = pd.MultiIndex.from_frame(keys.loc[mask, ["cn_code", "country"]].astype(object))
            vals = col.reindex(idx).to_numpy(dtype=float)
            if not np.isnan(vals).any():
                return vals[:, None] * np.ones(len(self.years))
        sub = pd.DataFrame({"cn_code": keys.loc[mask, "cn_code"].astype(object).to_numpy(), "see_actual": 1.0,
                            "route": [r or None for r in route[mask]]})
        res = actual_intensities(sub, self.years, clinker_content=self.rules.clinker_content)
        return res["benchmark_actual"].to_numpy(float).reshape(int(mask.sum()), len(self.years))

    # ---- grouping

    def group(self, level: str) -> tuple[np.ndarray, pd.DataFrame]:
        """Group index of every key and the sorted group labels, for a level of :data:`LEVELS`."""
        if level in self._groups:
            return self._groups[level]
        cols = LEVELS.get(level)
        if cols is None or any(c not in self.keys for c in cols):
            raise InputError(field="level", expected=" | ".join(k for k, v in LEVELS.items()
                                                                 if all(c in self.keys for c in v)), found=level)
        if not cols:
            idx = np.zeros(len(self.keys), dtype=np.int64)
            labels = pd.DataFrame(index=[0])
        else:
            combined = np.zeros(len(self.keys), dtype=np.int64)
            cats = []
            for c in cols:
                arr = self.keys[c].array
                combined = combined * len(arr.categories) + arr.codes
                cats.append((c, np.asarray(arr.categories, dtype=object), len(arr.categories)))
            code, uniq = pd.factorize(combined)
            rest = np.asarray(uniq, dtype=np.int64)
            decoded = {}
            for c, values, n in reversed(cats):
                decoded[c] = values[rest % n]
                rest = rest // n
            labels = pd.DataFrame({c: decoded[c] for c in cols})
            order = labels.sort_values(cols, kind="stable").index.to_numpy()
            rank = np.empty(len(order), dtype=np.int64)
            rank[order] = np.arange(len(order))
            idx = rank[code]
            labels = labels.iloc[order].reset_index(drop=True)
        self._groups[level] = (idx, labels)
        return idx, labels

    # ---- deterministic evaluation

    def _context(self, paths: ScenarioPaths, intensity: float | np.ndarray = 1.0, volume: float = 1.0,
                 share: np.ndarray | None = None) -> dict[str, Any]:
        """Everything one evaluation needs besides the per-year arrays (checked once)."""
        self._check_years(paths)
        k = self._k
        if share is not None:
            has = np.zeros(len(k.share), dtype=bool) if k.see_a is None else np.any(k.see_a > 0, axis=0)
            share = np.where(has | (k.share > 0), share, 0.0)
        s = k.share if share is None else np.asarray(share, dtype=float)
        assert paths.volume_index is not None
        p = paths.eu_price
        cov = _per_sector(paths.covered_share, self.sectors, field="covered_share")
        po = paths.origin_price_eur()  # no cap at the certificate price (draft IA on Art. 9(5))
        ratio = None
        if np.any(cov > 0) and np.any(po > 0) and k.see_a is not None and np.any(s):
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(p > 0, po / np.where(p > 0, p, 1.0), 0.0)
        mult = np.asarray(intensity, dtype=float)
        return {"paths": paths, "vol": np.asarray(paths.volume_index, dtype=float) * volume,
                "m": self.flows.net_mass_t * k.fu, "share": s if (k.see_a is not None and np.any(s)) else None,
                "mult": None if (mult.ndim == 0 and float(mult) == 1.0) else mult,
                "cov": cov[k.sector_idx] if ratio is not None else None, "ratio": ratio}

    def _year(self, ctx: Mapping[str, Any], j: int) -> dict[str, Any]:
        """Quantities of every key in year index ``j``, arrays of shape (K,) (the deduction may be 0)."""
        from .cost import certificates as _certificates
        from .free_allocation import sefa_default

        k = self._k
        paths: ScenarioPaths = ctx["paths"]
        s = ctx["share"]
        if s is None:
            see, bm = k.see_p[j][k.pair], k.bm_p[j][k.pair]
        else:
            assert k.see_a is not None and k.bm_a is not None
            see = s * k.see_a[j] + (1.0 - s) * k.see_p[j][k.pair]
            bm = s * k.bm_a[j] + (1.0 - s) * k.bm_p[j][k.pair]
        if ctx["mult"] is not None:
            see = see * ctx["mult"]
        fm = ctx["m"] * ctx["vol"][j]
        e = fm * see  # EE = M x SEE (Annex IV of Reg. 2023/956)
        fa = fm * sefa_default(bm, paths.cbam_factor[j], paths.cscf[j])  # FAA = M x SEFA (IR 2025/2620)
        d: Any = 0.0  # Art. 9 as replaced by Reg. 2025/2083: a price paid reduces the actual share only
        if ctx["ratio"] is not None and s is not None and k.see_a is not None:
            act = s * k.see_a[j] * (ctx["mult"] if ctx["mult"] is not None else 1.0)
            d = _art9_actual(fm * act, ctx["ratio"][j], ctx["cov"])
        n = _certificates(e, fa, d)
        cost = n * paths.eu_price[j]
        return {"embedded_emissions_t": e, "free_allocation_adjustment_t": fa, "carbon_price_deduction_t": d,
                "certificates": n, "cost_eur": cost, "cost_thb": cost * paths.eur_thb[j]}

    def key_year(self, paths: ScenarioPaths, *, intensity: float | np.ndarray = 1.0,
                 volume: float = 1.0, share: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Every quantity per year and key, arrays of shape (Y, K), for one scenario.

        :meth:`evaluate` does not build these arrays: it sums each year's key vector to the groups
        at once, so memory stays at a few vectors of K.

        Parameters
        ----------
        paths : ScenarioPaths
            Scenario (its years must be the model's).
        intensity : float or numpy.ndarray of shape (K,)
            Multiplier of the SEE (sensitivity). Default 1.
        volume : float
            Multiplier of the volumes (sensitivity). Default 1.
        share : numpy.ndarray, shape (K,), optional
            Share on actual data replacing the resolved one (keys without actual data ignore it).

        Returns
        -------
        dict of str to numpy.ndarray
            ``embedded_emissions_t``, ``free_allocation_adjustment_t``, ``carbon_price_deduction_t``,
            ``certificates`` [tCO2e], ``cost_eur`` [EUR], ``cost_thb`` [THB], each (Y, K); the
            volume index per year ``volume`` (Y,), which scales the per-key ``net_mass_t`` [t],
            ``value_eur`` [EUR] and ``value_thb`` [THB] (K,).
        """
        ctx = self._context(paths, intensity, volume, share)
        k_n = len(self._k.share)
        years = [self._year(ctx, j) for j in range(len(self.years))]
        out: dict[str, np.ndarray] = {
            name: np.stack([np.broadcast_to(q[name], (k_n,)) for q in years]) for name in self._SUMMED}
        out.update({"volume": ctx["vol"], "net_mass_t": self.flows.net_mass_t, "value_eur": self.flows.value_eur,
                    "value_thb": self.flows.value_thb})
        return out

    def _check_years(self, paths: ScenarioPaths) -> None:
        if len(paths.years) != len(self.years) or np.any(paths.years != self.years):
            raise InputError(field=f"scenario '{paths.name}': years",
                             expected=f"the model's years {self.years[0]}-{self.years[-1]}",
                             found=f"{paths.years[0]}-{paths.years[-1]}")

    _SUMMED = ("embedded_emissions_t", "free_allocation_adjustment_t", "carbon_price_deduction_t", "certificates",
               "cost_eur", "cost_thb")

    def _sums(self, q: Mapping[str, np.ndarray], idx: np.ndarray, g: int) -> dict[str, np.ndarray]:
        """Per group and year sums (Y, G) of :meth:`key_year` quantities; masses and values per group (G,)."""
        out = {name: np.stack([np.bincount(idx, weights=q[name][j], minlength=g) for j in range(len(self.years))])
               for name in self._SUMMED}
        for name in ("net_mass_t", "value_eur", "value_thb"):
            out[name] = np.bincount(idx, weights=q[name], minlength=g)
        return out

    def _stream(self, ctx: Mapping[str, Any], groups: Sequence[tuple[np.ndarray, int]]) -> list[dict[str, np.ndarray]]:
        """Group sums like :meth:`_sums`, one year at a time (memory: a few vectors of K)."""
        y_n = len(self.years)
        outs: list[dict[str, np.ndarray]] = [{name: np.zeros((y_n, g)) for name in self._SUMMED} for _, g in groups]
        for j in range(y_n):
            q = self._year(ctx, j)
            for (idx, g), out in zip(groups, outs, strict=True):
                for name in self._SUMMED:
                    v = q[name]
                    if np.ndim(v):
                        out[name][j] = np.bincount(idx, weights=v, minlength=g)
        for (idx, g), out in zip(groups, outs, strict=True):
            for name in ("net_mass_t", "value_eur", "value_thb"):
                out[name] = np.bincount(idx, weights=getattr(self.flows, name), minlength=g).astype(float)
        return outs

    def _frame(self, sums: Mapping[str, np.ndarray], labels: pd.DataFrame, paths: ScenarioPaths,
               vol: np.ndarray) -> pd.DataFrame:
        g = len(labels)
        y_n = len(self.years)
        out = labels.loc[labels.index.repeat(y_n)].reset_index(drop=True) if len(labels.columns) else \
            pd.DataFrame(index=range(g * y_n))
        out.insert(0, "year", np.tile(self.years, g))
        out.insert(0, "scenario", paths.name)
        mass = (sums["net_mass_t"][:, None] * vol[None, :]).ravel()
        veur = sums["value_eur"][:, None] * vol[None, :]
        vthb = sums["value_thb"][:, None] * (vol / paths.eur_thb)[None, :]
        out["net_mass_t"] = mass
        out["value_eur"] = np.where(np.isnan(veur), vthb, veur).ravel()
        for name in self._SUMMED:
            out[name] = sums[name].T.ravel()
        out["price_eur"] = np.tile(paths.eu_price, g)
        out["eur_thb"] = np.tile(paths.eur_thb, g)
        with np.errstate(divide="ignore", invalid="ignore"):
            cost = out["cost_eur"].to_numpy()
            out["cost_eur_per_t"] = np.where(mass > 0, cost / mass, np.nan)
            out["cost_thb_per_t"] = np.where(mass > 0, out["cost_thb"].to_numpy() / mass, np.nan)
            val = out["value_eur"].to_numpy()
            out["cost_share_of_value"] = np.where(val > 0, cost / val, np.nan)
        return out[["scenario", "year", *labels.columns, *RESULT_COLUMNS]]

    def aggregate(self, quantities: Mapping[str, np.ndarray], paths: ScenarioPaths, level: str) -> pd.DataFrame:
        """Sum the quantities of :meth:`key_year` to ``level`` (see :data:`LEVELS`), tidy.

        Returns
        -------
        pandas.DataFrame
            Columns ``scenario``, ``year``, the group columns, then :data:`RESULT_COLUMNS`.
        """
        idx, labels = self.group(level)
        return self._frame(self._sums(quantities, idx, len(labels)), labels, paths, quantities["volume"])

    def evaluate(self, paths: ScenarioPaths, levels: Sequence[str] = ("cn8", "cn4", "sector", "total"),
                 **kw: Any) -> dict[str, pd.DataFrame]:
        """Tidy results of one scenario at each level (see :meth:`aggregate`).

        One pass over the years; each year's key vector is summed to the groups at once. The levels
        nested in CN8 (cn4, sector, total) are summed from the CN8 sums, not from the keys.
        """
        ctx = self._context(paths, **kw)
        nested = [lvl for lvl in levels if lvl in ("cn8", "cn4", "sector", "total")]
        direct = [lvl for lvl in levels if lvl not in ("cn8", "cn4", "sector", "total")]
        groups = ([self.group("cn8")] if nested else []) + [self.group(lvl) for lvl in direct]
        sums = self._stream(ctx, [(idx, len(lab)) for idx, lab in groups])
        out: dict[str, pd.DataFrame] = {}
        for lvl, sm in zip(direct, sums[1:] if nested else sums, strict=True):
            out[lvl] = self._frame(sm, self.group(lvl)[1], paths, ctx["vol"])
        if nested:
            s8, lab8 = sums[0], groups[0][1]
            for lvl in nested:
                _, labels = self.group(lvl)
                if lvl == "cn8":
                    sm = s8
                else:
                    cols = LEVELS[lvl]
                    parent = (lab8[cols].merge(labels.reset_index(), on=cols, how="left")["index"].to_numpy()
                              if cols else np.zeros(len(lab8), dtype=np.int64))
                    sm = {name: (np.stack([np.bincount(parent, weights=v[j], minlength=len(labels))
                                           for j in range(v.shape[0])]) if v.ndim == 2 else
                                 np.bincount(parent, weights=v, minlength=len(labels)))
                          for name, v in s8.items()}
                out[lvl] = self._frame(sm, labels, paths, ctx["vol"])
        return {lvl: out[lvl] for lvl in levels}

    def total(self, paths: ScenarioPaths, metric: str, year: int, **kw: Any) -> float:
        """Total of ``metric`` over all flows in ``year`` (computes that year only; used by the tornado)."""
        ctx = self._context(paths, **kw)
        j = int(np.flatnonzero(self.years == year)[0])
        return float(np.sum(self._year(ctx, j)[metric]))

    # ---- scenario comparison

    def compare(self, scenarios: Sequence[ScenarioPaths], level: str = "sector") -> pd.DataFrame:
        """Results of several scenarios stacked (column ``scenario``) at one level."""
        return pd.concat([self.evaluate(p, (level,))[level] for p in scenarios], ignore_index=True)

    # ---- one-at-a-time sensitivity

    def tornado(self, base: ScenarioPaths, spec: SensitivitySpec | None = None) -> pd.DataFrame:
        """One-at-a-time sensitivity of the total in ``spec.year``: one row per input, largest swing first.

        Parameters
        ----------
        base : ScenarioPaths
            Base scenario; each input moves to its low, then its high value, the others held.
        spec : SensitivitySpec, optional
            Inputs and ranges (default: intensity and volume x0.9 / x1.1; prices, FX, share, origin
            price and CSCF when the spec gives their ranges).

        Returns
        -------
        pandas.DataFrame
            ``parameter``, ``low_label``, ``high_label``, ``base``, ``low``, ``high`` (the metric
            with the input at its low and high value), ``swing`` (|high - low|), ``metric``,
            ``year``; sorted by swing, largest first.
        """
        spec = spec or SensitivitySpec()
        year = int(spec.year)
        if year not in self.years:
            raise InputError(field="sensitivity year", expected=f"a year in {self.years[0]}-{self.years[-1]}",
                             found=year)
        metric = spec.metric
        base_val = self.total(base, metric, year)
        rows = []
        lab = dict(spec.labels)

        def add(name: str, lo_label: str, hi_label: str, lo: float, hi: float) -> None:
            lo_l, hi_l = lab.get(name, (lo_label, hi_label))
            rows.append({"parameter": name, "low_label": lo_l, "high_label": hi_l, "base": base_val,
                         "low": lo, "high": hi})

        shape = base.years.shape
        if spec.eu_price is not None:
            lo_p, hi_p = (np.broadcast_to(np.asarray(x, dtype=float), shape) for x in spec.eu_price)
            add("eu_price", f"EUR {_at(lo_p, base, year):.2f}/t", f"EUR {_at(hi_p, base, year):.2f}/t",
                self.total(base.replace(eu_price=lo_p), metric, year),
                self.total(base.replace(eu_price=hi_p), metric, year))
        if spec.eur_thb is not None:
            lo_x, hi_x = (np.broadcast_to(np.asarray(x, dtype=float), shape) for x in spec.eur_thb)
            add("eur_thb", f"{_at(lo_x, base, year):.2f} THB/EUR", f"{_at(hi_x, base, year):.2f} THB/EUR",
                self.total(base.replace(eur_thb=lo_x), metric, year),
                self.total(base.replace(eur_thb=hi_x), metric, year))
        if spec.intensity is not None:
            a, b = spec.intensity
            add("intensity", f"SEE x {a:g}", f"SEE x {b:g}", self.total(base, metric, year, intensity=a),
                self.total(base, metric, year, intensity=b))
        if spec.volume is not None:
            a, b = spec.volume
            add("volume", f"volume x {a:g}", f"volume x {b:g}", self.total(base, metric, year, volume=a),
                self.total(base, metric, year, volume=b))
        if spec.actual_share is not None and self._k.see_a is not None and np.any(self._k.see_a > 0):
            a, b = spec.actual_share
            n = len(self.keys)
            add("actual_share", f"{a:.0%} on actual data", f"{b:.0%} on actual data",
                self.total(base, metric, year, share=np.full(n, float(a))),
                self.total(base, metric, year, share=np.full(n, float(b))))
        no_cover = not np.any(_per_sector(base.covered_share, self.sectors, field="covered_share") > 0)
        if spec.origin_price is not None and no_cover:
            msg = (f"tornado: origin_price skipped, scenario '{base.name}' covers no embedded emissions at origin "
                   "(set origin_covered_share)")
            if msg not in self.warnings:
                self.warnings.append(msg)
        if spec.origin_price is not None and not no_cover:
            a, b = spec.origin_price
            cur = base.origin_currency
            add("origin_price", f"{cur} {a:g}/t paid at origin", f"{cur} {b:g}/t paid at origin",
                self.total(base.replace(origin_price=np.full(shape, float(a))), metric, year),
                self.total(base.replace(origin_price=np.full(shape, float(b))), metric, year))
        if spec.cscf is not None:
            a, b = spec.cscf
            add("cscf", f"CSCF {a:g}", f"CSCF {b:g}",
                self.total(base.replace(cscf=np.full(shape, float(a))), metric, year),
                self.total(base.replace(cscf=np.full(shape, float(b))), metric, year))
        out = pd.DataFrame(rows, columns=["parameter", "low_label", "high_label", "base", "low", "high"])
        out["swing"] = (out["high"] - out["low"]).abs()
        out["metric"] = metric
        out["year"] = year
        return out.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)

    # ---- Monte Carlo

    def monte_carlo(
        self,
        base: ScenarioPaths,
        spec: MonteCarloSpec,
        *,
        progress: Callable[[int, int], None] | None = None,
        return_draws: bool = False,
    ) -> pd.DataFrame | tuple[pd.DataFrame, dict[str, np.ndarray]]:
        """Percentiles of the cost per sector and year over draws of price, FX and intensity.

        Parameters
        ----------
        base : ScenarioPaths
            Scenario whose paths are the base values of the distributions.
        spec : MonteCarloSpec
            Draws, seed and distributions.
        progress : callable, optional
            Called as ``progress(draws_done, draws_total)`` after each chunk.
        return_draws : bool
            Also return the per-draw totals (``cost_eur``, ``cost_thb``: draws x sectors+1 x years).

        Returns
        -------
        pandas.DataFrame
            Tidy: ``sector`` (each sector and ``"All sectors"``), ``year``, ``metric``
            (``cost_eur``, ``cost_thb``), ``mean``, one column per percentile (``p5``, ``p50``,
            ``p95``) and ``deterministic`` (the base scenario's value). ``attrs``: draws, seed,
            peak chunk size.

        Notes
        -----
        For a certificate price ``p > 0`` the cost of key *k* in year *y* and draw *d* is
        ``M_ky fu_k p_dy max(0, SEE_kyd (1 - c_k r_dy) - SEFA_ky)`` with ``r = min(p_o, p)/p``, the
        same number as :meth:`key_year` gives; for ``p = 0`` it is 0. Within a sector every key shares
        the draw's multiplier, so the sector's sum is a piecewise-linear function of one number per
        draw: with ``spec.method = "sorted"`` (the default where it applies) the per-key thresholds
        are sorted once per sector and year and each draw costs one binary search (exact; draws x
        sectors x years x log keys). ``"direct"`` evaluates every key per draw with one matrix
        product per chunk, at most ``spec.chunk_elements`` draws x keys x years at once. Memory is
        bounded by that and by the per-draw totals (draws x sectors x years). Draws are comonotone
        across years for each input and independent between inputs and between sectors
        (intensity). Random numbers come from independent streams (:class:`numpy.random.SeedSequence`
        spawned per input), so adding an input leaves the others' draws unchanged.
        """
        self._check_years(base)
        d_n = int(spec.draws)
        k = self._k
        s_n = len(self.sectors)
        y_n = len(self.years)
        streams = np.random.SeedSequence(spec.seed).spawn(2 + s_n)

        def uz(i: int) -> tuple[np.ndarray, np.ndarray]:
            g = np.random.default_rng(streams[i])
            return g.random(d_n), g.standard_normal(d_n)

        price = spec.eu_price.sample(base.eu_price, *uz(0))
        fx = spec.eur_thb.sample(base.eur_thb, *uz(1))
        if np.any(fx <= 0):
            raise InputError(field="montecarlo eur_thb", expected="draws of the rate > 0 (narrow the distribution)",
                             found=float(fx.min()))
        mult = np.empty((d_n, s_n))
        for j, sec in enumerate(self.sectors):
            dist = spec.intensity
            if isinstance(dist, Mapping):
                dist = _dist_for_sector(dist, sec)
            mult[:, j] = dist.sample(np.asarray(1.0), *uz(2 + j))
        if np.any(mult < 0):
            raise InputError(field="montecarlo intensity", expected="multipliers >= 0", found=float(mult.min()))
        assert base.origin_price is not None
        po = base.origin_price / fx if base.origin_currency == "THB" else np.broadcast_to(base.origin_price, fx.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(price > 0, po / np.where(price > 0, price, 1.0), 0.0)  # (D, Y), no cap (draft IA)
        cov = _per_sector(base.covered_share, self.sectors, field="covered_share")[k.sector_idx]  # (K,)
        with_origin = bool(np.any(cov > 0) and np.any(ratio > 0) and k.see_a is not None and np.any(k.share > 0))
        # SEE = A + B x f (f: the sector's multiplier), SEFA per tonne of functional unit; layout (Y, K)
        s = k.share[None, :]
        see_d, bm_d = k.see_d, k.bm_d
        see_a = k.see_a if k.see_a is not None else np.zeros_like(see_d)
        bm_a = k.bm_a if k.bm_a is not None else np.zeros_like(bm_d)
        if spec.intensity_applies_to == "all":
            a_t = np.zeros_like(see_d)
            b_t = s * see_a + (1.0 - s) * see_d
        else:
            a_t = (1.0 - s) * see_d
            b_t = s * see_a
        sefa_t = (s * bm_a + (1.0 - s) * bm_d) * (base.cbam_factor * base.cscf)[:, None]  # (Y, K)
        amS_t = a_t - sefa_t  # used without an origin price
        w = self.flows.net_mass_t * k.fu  # (K,) tonnes of functional unit
        # Art. 9 reduces the actual share only (Reg. 2025/2083): its per-key weight breaks the sorted kernel
        fast = spec.method == "sorted" or (spec.method == "auto" and not with_origin)
        if spec.method == "sorted" and with_origin:
            raise InputError(field="montecarlo method", expected="'direct' or 'auto' when a price is paid at origin "
                             "on goods with actual data", found="sorted")
        act_t = s * see_a  # actual emissions per t, before the multiplier (the only share Art. 9 reduces)
        h = (1.0 - ratio[:, None, :] * _per_sector(base.covered_share, self.sectors, field="covered_share")[
            None, :, None]) if with_origin else None  # (D, S, Y): share of emissions left after Art. 9
        if fast:
            cost = self._mc_sorted(mult, h, a_t, b_t, sefa_t, w, d_n, s_n, y_n, progress)
        else:
            cost = self._mc_direct(mult, ratio, cov, a_t, b_t, sefa_t, amS_t, w, with_origin, spec, progress,
                                   act_t=act_t)
        cost *= (price * base.volume_index)[:, None, :]
        chunk = self._last_chunk
        total = cost.sum(axis=1, keepdims=True)
        cost_all = np.concatenate([cost, total], axis=1)  # (D, S+1, Y)
        thb_all = cost_all * fx[:, None, :]
        det = self._stream(self._context(base), [(k.sector_idx, s_n)])[0]
        det_eur, det_thb = det["cost_eur"].T, det["cost_thb"].T
        det_eur = np.vstack([det_eur, det_eur.sum(axis=0)])
        det_thb = np.vstack([det_thb, det_thb.sum(axis=0)])
        names = [*map(str, self.sectors), "All sectors"]
        pct = tuple(float(x) for x in spec.percentiles)
        parts = []
        for metric, arr, det_arr in (("cost_eur", cost_all, det_eur), ("cost_thb", thb_all, det_thb)):
            q = np.percentile(arr, pct, axis=0)  # (P, S+1, Y)
            frame = pd.DataFrame({
                "sector": np.repeat(names, y_n),
                "year": np.tile(self.years, len(names)),
                "metric": metric,
                "mean": arr.mean(axis=0).ravel(),
            })
            for pi, pv in enumerate(pct):
                frame[f"p{pv:g}"] = q[pi].ravel()
            frame["deterministic"] = det_arr.ravel()
            parts.append(frame)
        out = pd.concat(parts, ignore_index=True)
        out.attrs.update({"draws": d_n, "seed": spec.seed, "chunk_draws": chunk})
        if return_draws:
            return out, {"cost_eur": cost_all, "cost_thb": thb_all, "sectors": np.asarray(names, dtype=object)}
        return out


    def _mc_sorted(self, mult: np.ndarray, h: np.ndarray | None, a_t: np.ndarray, b_t: np.ndarray,
                   sefa_t: np.ndarray, w: np.ndarray, d_n: int, s_n: int, y_n: int,
                   progress: Callable[[int, int], None] | None) -> np.ndarray:
        """Per-tonne sums by sorted thresholds: exact, O(draws x sectors x years x log keys).

        Within a sector every key shares the draw's multiplier *f* (and, with an origin price, the
        factor *h* = 1 - c r of the remaining emissions), so the sector's sum
        ``sum_k w_k max(0, A_k h + B_k f h - S_k)`` is, with ``A = 0`` or ``h = 1``, a function of one
        number *g* (``f h`` or ``f``): ``sum_{t_k < g} w_k (B_k g - C_k)`` with threshold
        ``t_k = C_k / B_k`` and ``C = S - A``. Sorting the thresholds once per sector and year and
        taking prefix sums turns each draw into one :func:`numpy.searchsorted`.
        """
        self._last_chunk = d_n
        out = np.zeros((d_n, s_n, y_n))
        c_t = sefa_t - a_t  # (Y, K); with an origin price a_t is 0 here
        for si in range(s_n):
            in_s = np.flatnonzero(self._k.sector_idx == si)
            if not in_s.size:
                continue
            f = mult[:, si]
            for j in range(y_n):
                b = b_t[j, in_s]
                c = c_t[j, in_s]
                ws = w[in_s]
                flat = b <= 0  # no scaled part: max(0, -C) whatever the draw
                const = float(np.sum(ws[flat] * np.maximum(-c[flat], 0.0)))
                b, c, ws = b[~flat], c[~flat], ws[~flat]
                t = c / b
                order = np.argsort(t, kind="stable")
                t = t[order]
                cum_b = np.concatenate([[0.0], np.cumsum((ws * b)[order])])
                cum_c = np.concatenate([[0.0], np.cumsum((ws * c)[order])])
                g = f if h is None else f * h[:, si, j]
                n = np.searchsorted(t, g, side="left")  # keys with t < g contribute
                val = g * cum_b[n] - cum_c[n]
                out[:, si, j] = np.maximum(val, 0.0) + const
            if progress is not None:
                progress(int(round(d_n * (si + 1) / s_n)), d_n)
        return out

    def _mc_direct(self, mult: np.ndarray, ratio: np.ndarray, cov: np.ndarray, a_t: np.ndarray, b_t: np.ndarray,
                   sefa_t: np.ndarray, amS_t: np.ndarray, w: np.ndarray, with_origin: bool, spec: MonteCarloSpec,
                   progress: Callable[[int, int], None] | None, *, act_t: np.ndarray | None = None) -> np.ndarray:
        """Per-tonne sums evaluated key by key, in chunks of draws (memory bound ``spec.chunk_elements``)."""
        k = self._k
        d_n, s_n, y_n = mult.shape[0], mult.shape[1], len(self.years)
        weights = np.zeros((len(k.sector_idx), s_n))
        weights[np.arange(len(k.sector_idx)), k.sector_idx] = w  # (K, S)
        out = np.empty((d_n, s_n, y_n))
        k_n = max(len(k.sector_idx), 1)
        chunk = max(1, int(spec.chunk_elements) // (k_n * y_n))
        self._last_chunk = chunk
        buf = np.empty((min(chunk, d_n), y_n, len(k.sector_idx)))
        for start in range(0, d_n, chunk):
            stop = min(d_n, start + chunk)
            e = buf[: stop - start]
            f = mult[start:stop][:, k.sector_idx][:, None, :]  # (d, 1, K)
            if with_origin:  # f (B - r c A_act) + A - S: the reduction on the actual emissions only (Art. 9)
                assert act_t is not None
                np.multiply(ratio[start:stop][:, :, None] * cov[None, None, :], -act_t[None, :, :], out=e)
                e += b_t[None, :, :]
                e *= f
                e += a_t[None, :, :]
                e -= sefa_t[None, :, :]
            else:
                np.multiply(b_t[None, :, :], f, out=e)  # (d, Y, K)
                e += amS_t[None, :, :]
            np.maximum(e, 0.0, out=e)
            out[start:stop] = np.swapaxes(e @ weights, 1, 2)  # sum over keys of mass x max(...)
            if progress is not None:
                progress(stop, d_n)
        return out


def _art9_actual(embedded_actual: Any, ratio: Any, covered: Any) -> np.ndarray:
    """Art. 9 reduction on the actual share, through :func:`cbamcalc.carbon_price.art9_reduction_actual`.

    ``ratio`` is the price paid over the certificate price (the function's ``P / p``), so the
    certificate price passed is 1.
    """
    from .carbon_price import art9_reduction_actual

    return art9_reduction_actual(embedded_actual, ratio, 1.0, share_covered=covered)


def _at(arr: np.ndarray, paths: ScenarioPaths, year: int) -> float:
    return float(np.asarray(arr)[int(np.flatnonzero(paths.years == year)[0])])


def _dist_for_sector(table: Mapping[str, Distribution], sector: str) -> Distribution:
    norm = {sector_key(k): v for k, v in table.items() if k != "*"}
    return norm.get(sector_key(sector), table.get("*", Distribution()))


# --------------------------------------------------------------------------- orchestrator


@dataclass
class ExposureResult:
    """Everything one exposure run produced.

    Attributes
    ----------
    by_cn8, by_cn4, by_sector, total : pandas.DataFrame
        Base scenario, tidy per year: embedded emissions, free-allocation adjustment, Art. 9
        deduction, certificates [tCO2e]; price [EUR/tCO2e]; cost [EUR], [THB]; cost per tonne
        [EUR/t], [THB/t]; cost as a share of export value (a fraction).
    scenarios : pandas.DataFrame
        Every scenario per sector and year (column ``scenario``).
    tornado : pandas.DataFrame or None
        One-at-a-time sensitivity (see :meth:`ExposureModel.tornado`).
    montecarlo : pandas.DataFrame or None
        Percentiles per sector and year (see :meth:`ExposureModel.monte_carlo`).
    intensities : pandas.DataFrame
        Intensity used per (CN code, origin, year): default SEE with mark-up, benchmark, route,
        fallback, source. [tCO2e/t]
    base_scenario : str
        Name of the base scenario.
    base_year : int
        Trade year projected.
    n_rows : int
        Flow rows of the base year.
    data_version, cbamcalc_version : str
        Reference-data and package versions.
    default_values_version : str or None
        Default-value version asked for (``None``: the version in force).
    assumptions : dict
        Scenario sources, CSCF basis, Monte Carlo settings: everything a reader needs to redo the run.
    warnings : list of str
        Non-fatal facts (also issued with :func:`warnings.warn`).
    """

    by_cn8: pd.DataFrame
    by_cn4: pd.DataFrame
    by_sector: pd.DataFrame
    total: pd.DataFrame
    scenarios: pd.DataFrame
    tornado: pd.DataFrame | None
    montecarlo: pd.DataFrame | None
    intensities: pd.DataFrame
    base_scenario: str
    base_year: int
    n_rows: int
    data_version: str
    cbamcalc_version: str
    default_values_version: str | None
    assumptions: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (records per table; NaN as None)."""

        def recs(df: pd.DataFrame | None) -> list[dict[str, Any]] | None:
            if df is None:
                return None
            clean = df.astype(object).where(df.notna(), None)
            return [{str(k): _plain(v) for k, v in r.items()} for r in clean.to_dict("records")]

        return {
            "cbamcalc_version": self.cbamcalc_version,
            "data_version": self.data_version,
            "default_values_version": self.default_values_version,
            "base_scenario": self.base_scenario,
            "base_year": self.base_year,
            "n_rows": self.n_rows,
            "assumptions": {k: _plain(v) for k, v in self.assumptions.items()},
            "warnings": list(self.warnings),
            "by_sector": recs(self.by_sector),
            "by_cn4": recs(self.by_cn4),
            "by_cn8": recs(self.by_cn8),
            "total": recs(self.total),
            "scenarios": recs(self.scenarios),
            "tornado": recs(self.tornado),
            "montecarlo": recs(self.montecarlo),
        }


def _plain(v: Any) -> Any:
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return None if np.isnan(v) else float(v)
    if isinstance(v, float) and np.isnan(v):
        return None
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, np.ndarray):
        return [_plain(x) for x in v.tolist()]
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def run_exposure(
    flows: pd.DataFrame | PreparedFlows,
    scenarios: ScenarioSet | None = None,
    *,
    intensities: pd.DataFrame | None = None,
    draws: int | None = None,
    seed: int | None = None,
    base_year: int | Literal["latest", "mean"] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> ExposureResult:
    """Run the exposure model: base scenario, scenario comparison, tornado and (optionally) Monte Carlo.

    Parameters
    ----------
    flows : pandas.DataFrame or PreparedFlows
        Trade flows (see :data:`FLOW_COLUMNS`; :func:`cbamcalc.io.trade_flows.read_trade_flows`
        reads Comext, Comtrade and tidy files).
    scenarios : ScenarioSet, optional
        Scenario file contents (:func:`cbamcalc.scenarios.read_scenarios`); default: the shipped
        low/central/high paths (:func:`cbamcalc.scenarios.default_scenarios`).
    intensities : pandas.DataFrame, optional
        Intensity table replacing the default-value lookup (see :class:`ExposureModel`).
    draws, seed : int, optional
        Monte Carlo draws and seed (override the scenario file); ``draws=0`` skips Monte Carlo.
    base_year : int, "latest" or "mean", optional
        Trade year projected (overrides the scenario file; default ``"latest"``).
    progress : callable, optional
        ``progress(stage, done, total)``, called while the run advances (the CLI draws a bar).

    Returns
    -------
    ExposureResult

    Raises
    ------
    InputError
        Bad flows or scenario values (naming the file, row and column or key).
    ReferenceDataError
        A default value or benchmark missing for a flow.

    Examples
    --------
    >>> import pandas as pd
    >>> flows = pd.DataFrame({"year": [2024], "cn_code": ["73181595"], "country": ["TH"],
    ...                       "net_mass_t": [1000.0]})
    >>> table = pd.DataFrame({"cn_code": ["73181595"], "sector": ["Iron and steel"],
    ...                       "see_default": [2.649], "benchmark_default": [0.066]})
    >>> from cbamcalc.scenarios import default_scenarios
    >>> res = run_exposure(flows, default_scenarios(), intensities=table, draws=0)
    >>> round(float(res.total.loc[res.total.year == 2026, "certificates"].iloc[0]), 2)
    2584.65
    """
    from . import __version__
    from .refdata import data_version
    from .scenarios import default_scenarios

    sset = scenarios if scenarios is not None else default_scenarios()
    report = progress or (lambda stage, done, total: None)
    by = base_year if base_year is not None else sset.base_year
    report("lookups", 0, 1)
    prepared = flows if isinstance(flows, PreparedFlows) else prepare_flows(flows, base_year=by)  # type: ignore[arg-type]
    model = ExposureModel(prepared, sset.years, intensities=intensities, rules=sset.intensity)
    report("lookups", 1, 1)
    base = sset.paths(sset.base, base_year=prepared.base_year)
    res = model.evaluate(base)
    comparison = model.compare([sset.paths(name, base_year=prepared.base_year) for name in sset.names()], "sector")
    tornado = model.tornado(base, sset.sensitivity_for(base)) if sset.sensitivity_year_ok(model.years) else None
    mc_spec = sset.montecarlo
    n_draws = mc_spec.draws if draws is None else int(draws)
    mc = None
    if n_draws > 0:
        from dataclasses import replace

        spec = replace(mc_spec, draws=n_draws, seed=mc_spec.seed if seed is None else int(seed))
        mc_out = model.monte_carlo(base, spec, progress=lambda d, t: report("monte carlo", d, t))
        assert isinstance(mc_out, pd.DataFrame)
        mc = mc_out
    msgs = list(model.warnings) + list(sset.warnings)
    if str(base.sources.get("cscf", "")).startswith("assumption"):
        msgs.append("CSCF = 1.0 used: a documented assumption, not law (cscf_assumption_scenario.csv); set cscf in "
                    "the scenario to override")
    for msg in msgs:
        warnings.warn(msg, UserWarning, stacklevel=2)
    assumptions = sset.describe()
    assumptions["base_year"] = prepared.base_year
    assumptions["years_in_input"] = list(prepared.years_in_input)
    if mc is not None:
        assumptions["montecarlo_draws"] = n_draws
        assumptions["montecarlo_seed"] = spec.seed
    inten = model.intensities
    return ExposureResult(
        by_cn8=res["cn8"], by_cn4=res["cn4"], by_sector=res["sector"], total=res["total"],
        scenarios=comparison, tornado=tornado, montecarlo=mc, intensities=inten,
        base_scenario=sset.base, base_year=prepared.base_year, n_rows=prepared.n_rows,
        data_version=data_version(), cbamcalc_version=__version__,
        default_values_version=sset.intensity.version, assumptions=assumptions, warnings=msgs,
    )

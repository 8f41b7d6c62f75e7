"""CBAM obligation and cost per good and year, 2026-2034, in EUR and THB.

One vectorised function, :func:`cbam_cost`, turns a table of goods (CN code, country, quantity,
optional actual SEE, route, carbon price paid at origin) into one row per good and year with
every intermediate of the obligation:

.. code-block:: text

    EE   = M x [a x SEE_actual + (1 - a) x SEE_default x (1 + mark-up_y)]        embedded emissions
    FAA  = M x [a x SEFA_A + (1 - a) x SEFA_B]                                   free-allocation adj.
           SEFA_A = CBAM_y x CSCF_y x (BM_A + sum_i m_i BM_A,i) + sum_j m_j SEFA_j (actual data)
           SEFA_B = CBAM_y x CSCF_y x BM_B(route of the default line)           (default values)
    D    = EE x s x min(P_origin, p_y) / p_y                                     Art. 9 deduction
    N    = max(EE - FAA - D, 0)                                                  certificates
    cost = N x p_y [EUR];  N x p_y x X_y [THB]

with ``M`` the quantity in the good's functional unit [t], ``a`` the share of it with actual data,
``SEE`` counting indirect emissions only for goods not in Annex II of Reg. (EU) 2023/956 (cement
and fertilisers), ``p_y`` the certificate price [EUR/tCO2e] and ``X_y`` the EUR/THB rate [THB/EUR].

Cement: the functional unit is the clinker contained
----------------------------------------------------
IR (EU) 2025/2547 makes the tonnes of clinker contained the functional unit of cement (Art. 4(5);
recital 6: "for cement and fertilisers, the emissions are dependent on the clinker content and
nitrogen content ... the functional units should be the tonnes of clinker and tonnes of nitrogen
contained in those goods"). The CBAM benchmarks agree: Portland cement (2523 21 00, 2523 29 00)
and other hydraulic cements (2523 90 00) have Column A = 0 (grinding earns no allocation of its
own) and Column B = the clinker benchmark of the matching clinker (0.666 grey, 0.859 white), which
only makes sense per tonne of clinker contained. cbamcalc therefore:

- multiplies the quantity of those cements by the user's ``clinker_content`` [t clinker / t
  cement] and applies default values, actual SEE and benchmarks per tonne of clinker contained;
- refuses to guess: without ``clinker_content`` an :class:`InputError` asks for it (it scales
  the whole result);
- on actual data adds the clinker as the relevant precursor (1 t per t of clinker contained, its
  Column A on the clinker route: (A) grey, (B) white; inferred for 2523 21 00 (white) and
  2523 29 00 (grey), required as ``route`` for 2523 90 00);
- treats clinker itself (2523 10 00, content 1), calcined clay and aluminous cement (own
  benchmarks with routes (1)/(2)) per tonne of good.

Fertilisers keep tonnes of good: the default values and benchmarks of IR 2025/2621 and 2025/2620
are per tonne of the CN good (urea: Column B 0.902 t/t), so no nitrogen content is needed here.
This reading of the act is a documented decision (not a court ruling): see the report of issue 5.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from . import carbon_price as _cp
from . import free_allocation as _fa
from . import prices as _prices
from .errors import InputError, ReferenceDataError

__all__ = [
    "OUTPUT_COLUMNS",
    "INDIRECT_COUNTED",
    "CEMENT_CLINKER_CN",
    "CEMENT_FUNCTIONAL_UNIT_CN",
    "cbam_cost",
    "cost_from_run",
    "goods_from_run",
    "see_from_run",
    "embedded_emissions",
    "certificates",
]

#: Categories whose indirect emissions count in the obligation (goods NOT in Annex II of Reg. 2023/956).
INDIRECT_COUNTED = frozenset({"cement", "fertilisers"})
#: Categories outside the de minimis exemption (Reg. (EU) 2025/2083).
DE_MINIMIS_EXCLUDED = frozenset({"electricity", "hydrogen"})
CEMENT_CLINKER_CN = "25231000"
#: Cements whose functional unit is the clinker contained, with the clinker route they imply.
CEMENT_FUNCTIONAL_UNIT_CN = {"25232100": "B", "25232900": "A", "25239000": None}

#: Columns of the result, in order (see :func:`cbam_cost` for content and units).
OUTPUT_COLUMNS = [
    "good", "year", "cn_code", "country", "category", "tonnes", "clinker_content", "functional_unit_t",
    "actual_share", "see_basis", "see_actual", "default_direct", "default_indirect", "markup_rate",
    "see_default", "see_used", "indirect_counted", "embedded_emissions_t", "route", "default_route",
    "benchmark_column", "benchmark", "benchmark_reason", "cbam_factor", "cscf", "sefa",
    "free_allocation_adjustment_t", "origin_price_eur", "carbon_price_deduction_t", "certificates",
    "price_eur", "price_basis", "cost_eur", "eur_thb", "eur_thb_source", "cost_thb", "importer",
    "de_minimis_exempt", "art9_note", "default_version", "data_version",
]


# --------------------------------------------------------------------------- small pure pieces


def embedded_emissions(quantity: Any, see: Any) -> np.ndarray:
    """Embedded emissions of a quantity of goods.

    Parameters
    ----------
    quantity : array_like
        Quantity in the good's functional unit. [t]
    see : array_like
        Specific embedded emissions counted (direct, plus indirect where they count). [tCO2e/t]

    Returns
    -------
    numpy.ndarray
        Embedded emissions. [tCO2e]

    Notes
    -----
    Regulation (EU) 2023/956 Annex IV: embedded emissions = quantity x SEE.
    """
    return np.asarray(quantity, dtype=float) * np.asarray(see, dtype=float)


def certificates(embedded: Any, adjustment: Any, deduction: Any) -> np.ndarray:
    """CBAM certificates to surrender: embedded emissions less adjustment and deduction, never negative.

    Parameters
    ----------
    embedded, adjustment, deduction : array_like
        Embedded emissions, free-allocation adjustment, Art. 9 deduction. [tCO2e]

    Returns
    -------
    numpy.ndarray
        Certificates (1 certificate = 1 tCO2e). [tCO2e]

    Notes
    -----
    Regulation (EU) 2023/956 Art. 22 (surrender), Art. 31 (free-allocation adjustment), Art. 9
    (carbon price paid): ``N = max(EE - FAA - D, 0)``.

    Examples
    --------
    >>> certificates([2649.0, 10.0], [64.35, 20.0], [0.0, 0.0]).round(2).tolist()
    [2584.65, 0.0]
    """
    n = np.asarray(embedded, dtype=float) - np.asarray(adjustment, dtype=float) - np.asarray(deduction, dtype=float)
    return np.maximum(n, 0.0)


# --------------------------------------------------------------------------- helpers


def _warn(bucket: list[str], message: str) -> None:
    if message not in bucket:
        bucket.append(message)
        warnings.warn(message, UserWarning, stacklevel=3)


def _col(goods: pd.DataFrame, name: str, default: Any = np.nan) -> pd.Series:
    if name in goods.columns:
        return goods[name]
    return pd.Series(default, index=goods.index)


def _numeric(goods: pd.DataFrame, name: str, *, default: float = np.nan, minimum: float | None = 0.0,
             maximum: float | None = None, expected: str | None = None) -> np.ndarray:
    if name not in goods.columns:
        return np.full(len(goods), default, dtype=float)
    raw = goods[name]
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        vals = raw.to_numpy(dtype=float, na_value=np.nan)
        bad = np.zeros(vals.shape, dtype=bool)
    else:
        vals = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
        bad = np.isnan(vals) & raw.notna().to_numpy()
        if bad.any():  # blank text counts as missing
            bad &= (raw.astype(str).str.strip() != "").to_numpy()
    if minimum is not None:
        bad |= vals < minimum
    if maximum is not None:
        bad |= vals > maximum
    bad |= np.isinf(vals)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        rng = expected or (f"a number >= {minimum:g}" if minimum is not None else "a number")
        if maximum is not None and expected is None:
            rng = f"a number in [{minimum:g}, {maximum:g}]"
        raise InputError(row=_label(goods, i), field=name, expected=rng, found=raw.iloc[i])
    return np.where(np.isnan(vals), default, vals)


def _label(goods: pd.DataFrame, i: int) -> str:
    return str(goods.index[i])


def _normalise_route(values: pd.Series) -> pd.Series:
    """Route indicators as bare upper-case tokens (``"(E)"``, ``" e "`` -> ``"E"``); blanks -> None."""
    codes, uniq = pd.factorize(values, use_na_sentinel=True)
    norm = []
    for u in uniq:
        t = str(u).strip().upper()
        if len(t) == 3 and t[0] == "(" and t[2] == ")":  # "(E)" -> "E"; "H(1)", "C/F" stay as written
            t = t[1]
        norm.append(None if t in ("", "NAN", "NONE", "<NA>") else t)
    lut = np.asarray(norm + [None], dtype=object)  # -1 (missing) -> None
    return pd.Series(lut[codes], index=values.index, dtype=object)


def _norm_category(text: Any) -> str:
    t = str(text).strip().lower()
    for key, name in (("cement", "cement"), ("clinker", "cement"), ("calcined", "cement"), ("fertili", "fertilisers"),
                      ("iron", "iron_steel"), ("steel", "iron_steel"), ("alumin", "aluminium"),
                      ("hydrogen", "hydrogen"), ("electric", "electricity")):
        if key in t:
            return name
    return t


def _normalise_cn(uniques: np.ndarray) -> np.ndarray:
    from .cn_codes import normalise_cn

    out = []
    for u in uniques:
        s = str(u).strip()
        try:
            s = str(normalise_cn(s))
        except InputError as exc:
            raise exc.located(field="cn_code") from exc
        out.append(s)
    return np.asarray(out, dtype=object)


def _categories(cn: np.ndarray, goods: pd.DataFrame, cn_codes: np.ndarray) -> np.ndarray:
    """Category of each unique CN code (``category`` column wins)."""
    if "category" in goods.columns:
        ccodes, cuniq = pd.factorize(goods["category"].astype(str), use_na_sentinel=False)
        cat = np.asarray([_norm_category(u) for u in cuniq], dtype=object)[ccodes]
        # first category given per CN code
        first = pd.Series(cat).groupby(cn_codes).first()
        return np.array([first.get(i, "") for i in range(len(cn))], dtype=object)
    try:
        from .cn_codes import cbam_sector
    except ImportError as exc:  # pragma: no cover
        raise ReferenceDataError(
            "the CBAM sector of a CN code needs cbamcalc.cn_codes (not installed); give a 'category' column"
        ) from exc
    out = []
    for c in cn:
        try:
            out.append(_norm_category(cbam_sector(c)))
        except InputError as exc:
            raise exc.located(field="cn_code") from exc
    return np.asarray(out, dtype=object)


def _years(years: Iterable[int] | None) -> np.ndarray:
    if years is None:
        raise InputError(field="years", expected="calendar years, e.g. range(2026, 2035)", found=None)
    arr = np.asarray(list(years))
    if arr.size == 0:
        raise InputError(field="years", expected="at least one year", found="none")
    if not np.issubdtype(arr.dtype, np.integer):
        raise InputError(field="years", expected="whole calendar years", found=arr.tolist()[0])
    return arr.astype(int)


# --------------------------------------------------------------------------- reference lookups


def _lookup_defaults(frame: pd.DataFrame, version: str | None) -> pd.DataFrame:
    """Default values (per combination) from cbamcalc.default_values; columns normalised."""
    try:
        from .default_values import lookup_default_values
    except ImportError as exc:  # pragma: no cover
        raise ReferenceDataError(
            "default values need cbamcalc.default_values (not installed); give actual SEE or the columns "
            "default_direct, default_indirect and markup_rate"
        ) from exc
    res = lookup_default_values(frame, version=version,
                                variant_column="variant" if "variant" in frame.columns else None)
    out = pd.DataFrame(index=frame.index)
    out["direct"] = pd.to_numeric(res["direct"], errors="coerce").to_numpy(float)
    out["indirect"] = pd.to_numeric(res["indirect"], errors="coerce").to_numpy(float)
    mk = pd.to_numeric(res["markup_rate"], errors="coerce").to_numpy(float)
    out["markup_rate"] = np.where(mk > 1.0, mk / 100.0, mk)  # percent or fraction
    out["route"] = _normalise_route(res["route"]).to_numpy() if "route" in res else None
    out["version"] = res["version"].astype(str).to_numpy() if "version" in res else ""
    for extra in ("fallback", "source", "heading_level"):
        if extra in res:
            out[extra] = res[extra].to_numpy()
    return out


def _lookup_benchmarks(frame: pd.DataFrame) -> np.ndarray:
    """Benchmark value per row of ``frame[cn_code, route, column]`` from cbamcalc.benchmarks."""
    try:
        from .benchmarks import lookup_benchmarks
    except ImportError as exc:  # pragma: no cover
        raise ReferenceDataError(
            "benchmarks need cbamcalc.benchmarks (not installed); give benchmark_a / benchmark_b columns"
        ) from exc
    res = lookup_benchmarks(frame)
    col = "value" if "value" in res.columns else "benchmark"
    return pd.to_numeric(res[col], errors="coerce").to_numpy(float)


# --------------------------------------------------------------------------- the orchestrator


def cbam_cost(
    goods: pd.DataFrame,
    *,
    years: Iterable[int] | None = range(2026, 2035),
    price: Any = None,
    eur_thb: Any = None,
    cbam_factor: Any = None,
    cscf: Any = None,
    version: str | None = None,
    precursors: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """CBAM certificates and cost of goods, one row per good and year, with every intermediate.

    Parameters
    ----------
    goods : pandas.DataFrame
        One row per good (or consignment). Columns:

        ``cn_code`` (required)
            CN code (8 digits; spaces allowed).
        ``quantity`` or ``tonnes`` (required)
            Net mass imported. [t] Must be >= 0.
        ``country``
            Country of origin (ISO code or name); required where default values are used.
        ``year``, ``quarter`` (optional)
            Year of import; if present, each row is computed for its own year only and ``years`` is
            not used. ``quarter`` (1-4) selects the published 2026 quarterly price.
        ``see_direct``, ``see_indirect`` (optional)
            Actual specific embedded emissions. [tCO2e/t of functional unit]
        ``actual_share`` (optional)
            Share of the quantity covered by the actual SEE, in [0, 1] (default 1 where
            ``see_direct`` is given, else 0); the rest uses default values.
        ``route`` (optional)
            Production-route indicator of the actual process (e.g. ``"E"``, ``"A"``, ``"1"``).
        ``clinker_content`` (cement 2523 21/29/90)
            Clinker contained per tonne of cement. [t/t] Required for those codes.
        ``origin_price``, ``origin_currency``, ``origin_share``, ``origin_rebate`` (optional)
            Carbon price paid at origin [currency/tCO2e], its currency (EUR or THB), the share of
            embedded emissions it covered (default 1) and any rebate [currency/tCO2e].
        ``origin_scheme`` (optional)
            ``"thai-excise"``: the Thai fuel-excise carbon tax (THB 200/tCO2e) as an Art. 9
            scenario; the result carries a note that its qualification is uncertain.
        ``importer`` (optional)
            Importer id for the de minimis test (default: all rows are one importer).
        ``category``, ``benchmark_a``, ``benchmark_b``, ``default_direct``, ``default_indirect``,
        ``default_route``, ``markup_rate`` (optional)
            Overrides of the reference look-ups (per row; mark-up as a fraction).
    years : iterable of int, default 2026-2034
        Years of import to compute for every good (when ``goods`` has no ``year`` column).
    price : float, mapping, str or YearlySeries, optional
        Certificate price [EUR/tCO2e]: one number for every year, a mapping year -> price, a CSV
        price path (see :func:`cbamcalc.prices.read_price_path`) or ``"scenario:<name>"``. Default:
        the published 2026 quarterly prices (needs ``quarter``); other years then raise.
    eur_thb : float, mapping, str or YearlySeries, optional
        Exchange rate [THB/EUR]; default the shipped scenario ``central`` (recorded as source).
    cbam_factor, cscf : float or mapping, optional
        Your own factors instead of ``emission_factors/`` (needed for years outside 2026-2034).
    version : str, optional
        Default-value version (``None``: the version in force).
    precursors : pandas.DataFrame, optional
        Relevant precursors of goods on actual data, indexed by a precursor id, with ``parent``
        (a ``goods`` index label or another precursor id), ``mass_per_t`` [t/t], ``cn_code`` and
        ``route`` (for the Column A look-up) or ``benchmark_a`` [tCO2e/t], or ``sefa`` [tCO2e/t]
        from the precursor producer.

    Returns
    -------
    pandas.DataFrame
        One row per good and year (``OUTPUT_COLUMNS``): ``good`` (index label of the input row),
        ``year``, ``cn_code``, ``country``, ``category``, ``tonnes`` [t], ``clinker_content``
        [t/t], ``functional_unit_t`` [t], ``actual_share``, ``see_basis`` (actual, default,
        mixed), ``see_actual``, ``default_direct``, ``default_indirect`` [tCO2e/t],
        ``markup_rate``, ``see_default``, ``see_used`` [tCO2e/t], ``indirect_counted``,
        ``embedded_emissions_t`` [tCO2e], ``route``, ``default_route``, ``benchmark_column``,
        ``benchmark`` [tCO2e/t], ``benchmark_reason``, ``cbam_factor``, ``cscf``, ``sefa``
        [tCO2e/t], ``free_allocation_adjustment_t``, ``origin_price_eur`` [EUR/tCO2e],
        ``carbon_price_deduction_t``, ``certificates`` [tCO2e], ``price_eur`` [EUR/tCO2e],
        ``price_basis``, ``cost_eur`` [EUR], ``eur_thb`` [THB/EUR], ``eur_thb_source``,
        ``cost_thb`` [THB], ``importer``, ``de_minimis_exempt``, ``art9_note``,
        ``default_version``, ``data_version``. ``attrs`` holds ``data_version``, ``warnings``,
        ``assumptions`` and ``default_values_used`` (every default line used).

    Raises
    ------
    InputError
        Negative or missing quantity, a share outside [0, 1], a year outside the factor tables
        without ``cbam_factor``, a price gap, an unknown currency, actual SEE without the route a
        benchmark needs, cement without ``clinker_content``, electricity (its own rules).
    ReferenceDataError
        No default value or benchmark for a code.

    Notes
    -----
    Equations in the module docstring. Certificates are never negative. ``de_minimis_exempt`` is
    True for goods (other than electricity and hydrogen) of an importer whose net mass of such
    goods in the year is at most 50 t; ``certificates`` and ``cost_*`` still show what would be
    due without the exemption.

    References
    ----------
    Regulation (EU) 2023/956 Art. 7, 9, 21, 22, 31, Annexes II and IV; Regulation (EU) 2025/2083
    (de minimis); Directive 2003/87/EC Art. 10a(1a) (CBAM factor); IR (EU) 2025/2547 Art. 4(5)
    (cement functional unit); IR (EU) 2025/2620 (benchmarks, SEFA); IR (EU) 2025/2621 (default
    values, mark-ups); IR (EU) 2025/2548 (certificate price).
    """
    from .refdata import data_version

    if not isinstance(goods, pd.DataFrame):
        raise InputError(field="goods", expected="a pandas DataFrame", found=type(goods).__name__)
    notes: list[str] = []
    assumptions: list[str] = []
    n = len(goods)
    # prices and rates first: a bad path fails before any look-up
    price_r = _prices.resolve_price(price)
    fx_r = _prices.resolve_fx(eur_thb)
    if "cn_code" not in goods.columns:
        raise InputError(field="cn_code", expected="a column 'cn_code' in goods",
                         found=", ".join(map(str, goods.columns)))
    qcol = "quantity" if "quantity" in goods.columns else ("tonnes" if "tonnes" in goods.columns else None)
    if qcol is None:
        raise InputError(field="quantity", expected="a column 'quantity' (or 'tonnes') [t]",
                         found=", ".join(map(str, goods.columns)))
    if goods[qcol].isna().any():
        i = int(np.flatnonzero(goods[qcol].isna().to_numpy())[0])
        raise InputError(row=_label(goods, i), field=qcol, expected="tonnes >= 0", found=None)
    tonnes = _numeric(goods, qcol, minimum=0.0, expected="tonnes >= 0")

    # ---- CN codes and categories (per unique code)
    cn_codes, cn_uniques = pd.factorize(goods["cn_code"].astype(str), use_na_sentinel=False)
    cn_norm_u = _normalise_cn(np.asarray(cn_uniques, dtype=object))
    cn_codes2, cn_u = pd.factorize(cn_norm_u[cn_codes], use_na_sentinel=False)
    cn_codes = cn_codes2
    cn_u = np.asarray(cn_u, dtype=object)
    cat_u = _categories(cn_u, goods, cn_codes)
    cat_g = cat_u[cn_codes]
    if np.any(cat_g == "electricity"):
        i = int(np.flatnonzero(cat_g == "electricity")[0])
        raise InputError("electricity has its own rules (per MWh) and is not computed by cbam_cost",
                         row=_label(goods, i), field="cn_code", expected="a good other than electricity",
                         found=str(cn_u[cn_codes[i]]))
    counted_u = np.isin(cat_u, list(INDIRECT_COUNTED))
    counted_g = counted_u[cn_codes]

    # ---- actual data, shares, routes
    see_direct = _numeric(goods, "see_direct")
    see_indirect = _numeric(goods, "see_indirect")
    has_actual = ~np.isnan(see_direct)
    share = _numeric(goods, "actual_share", default=np.nan, minimum=0.0, maximum=1.0)
    share = np.where(np.isnan(share), np.where(has_actual, 1.0, 0.0), share)
    need_a = share > 0
    if np.any(need_a & ~has_actual):
        i = int(np.flatnonzero(need_a & ~has_actual)[0])
        raise InputError(row=_label(goods, i), field="see_direct",
                         expected="actual direct SEE [tCO2e/t] where actual_share > 0", found=None)
    miss_ind = need_a & counted_g & np.isnan(see_indirect)
    if miss_ind.any():
        i = int(np.flatnonzero(miss_ind)[0])
        raise InputError("indirect emissions count for cement and fertilisers (not in Annex II of Reg. 2023/956)",
                         row=_label(goods, i), field="see_indirect", expected="actual indirect SEE [tCO2e/t]",
                         found=None)
    see_actual = np.where(need_a, np.nan_to_num(see_direct) + np.where(counted_g, np.nan_to_num(see_indirect), 0.0),
                          np.nan)
    need_d = share < 1
    route_raw = _normalise_route(_col(goods, "route", None))

    # ---- cement: functional unit = clinker contained
    fu_u = np.array([c in CEMENT_FUNCTIONAL_UNIT_CN for c in cn_u], dtype=bool)
    is_fu = fu_u[cn_codes]
    clinker = _numeric(goods, "clinker_content", default=np.nan, minimum=0.0, maximum=1.0,
                       expected="clinker content in [0, 1] t clinker per t cement")
    miss_clk = is_fu & np.isnan(clinker) & (tonnes > 0)
    if miss_clk.any():
        i = int(np.flatnonzero(miss_clk)[0])
        raise InputError(
            "the functional unit of cement is the clinker contained (IR (EU) 2025/2547 Art. 4(5)); cbamcalc does "
            "not guess it",
            row=_label(goods, i), field="clinker_content", expected="t clinker per t cement, in [0, 1]",
            found=None,
        )
    clinker_used = np.where(is_fu, np.nan_to_num(clinker), 1.0)
    is_clk = (cn_u == CEMENT_CLINKER_CN)[cn_codes]
    clinker_out = np.where(is_fu, clinker, np.where(is_clk, 1.0, np.nan))
    fu_t = tonnes * clinker_used
    if is_fu.any():
        assumptions.append(
            "cement 2523 21/29/90: quantities, default values, actual SEE and benchmarks per tonne of clinker "
            "contained (IR (EU) 2025/2547 Art. 4(5)); clinker content as given by the user"
        )

    # ---- years: rows are good-major (each good, then its years); G() spreads per-good values over
    # its years, Yr() per-year values over the goods, both without fancy indexing
    if "year" in goods.columns:
        yr_g = _numeric(goods, "year", minimum=None, expected="a calendar year")
        if np.isnan(yr_g).any() or np.any(yr_g % 1 != 0):
            i = int(np.flatnonzero(np.isnan(yr_g) | (np.nan_to_num(yr_g) % 1 != 0))[0])
            raise InputError(row=_label(goods, i), field="year", expected="a calendar year",
                             found=goods["year"].iloc[i])
        yu, yinv_g = np.unique(yr_g.astype(int), return_inverse=True)
        Y = 1
        yr = yr_g.astype(int)

        def G(x: np.ndarray) -> np.ndarray:
            return np.asarray(x)

        def Yr(xu: np.ndarray) -> np.ndarray:
            return np.asarray(xu)[yinv_g]

        def GY(table: np.ndarray, rows: np.ndarray) -> np.ndarray:  # table (P, len(yu)) -> row values
            return table[rows, yinv_g]
    else:
        ys = _years(years)
        yu, yinv = np.unique(ys, return_inverse=True)
        Y = ys.size
        yr = np.tile(ys, n)

        def G(x: np.ndarray) -> np.ndarray:
            return np.repeat(np.asarray(x), Y)

        def Yr(xu: np.ndarray) -> np.ndarray:
            return np.tile(np.asarray(xu)[yinv], n)

        def GY(table: np.ndarray, rows: np.ndarray) -> np.ndarray:
            return table[:, yinv][rows].ravel()
    N = n * Y
    factor_u = _fa.cbam_factor(yu, override=cbam_factor)
    if cscf is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cscf_u = _fa.cscf(yu)
        msg = "CSCF = 1.0 used: a documented assumption, not law (cscf_assumption_scenario.csv); pass cscf=..."
        _warn(notes, msg)
        assumptions.append(msg)
    else:
        cscf_u = _fa.cscf(yu, override=cscf)

    # ---- default values (per unique cn x country x year, then spread)
    default_used = pd.DataFrame()
    d_direct = d_indirect = d_markup = see_default = None  # row arrays, built only when defaults are used
    d_route_g = np.full(n, None, dtype=object)
    vcode = np.full(N, -1, dtype=np.int16)
    vuniq: list[Any] = []
    if need_d.any():
        overrides = [c in goods.columns for c in ("default_direct", "default_indirect", "markup_rate")]
        if all(overrides):
            od = _numeric(goods, "default_direct")
            oi = _numeric(goods, "default_indirect", default=0.0)
            om = _numeric(goods, "markup_rate", default=np.nan, minimum=0.0)
            bad = need_d & (np.isnan(od) | np.isnan(om))
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InputError(row=_label(goods, i), field="default_direct/markup_rate",
                                 expected="default values for rows without full actual data", found=None)
            d_direct, d_indirect, d_markup = G(od), G(oi), G(om)
            see_default = G((np.nan_to_num(od) + np.where(counted_g, oi, 0.0)) * (1.0 + np.nan_to_num(om)))
            d_route_g = _normalise_route(_col(goods, "default_route", None)).to_numpy()
            vcode[:] = 0
            vuniq = ["user"]
        else:
            ctry_col = _col(goods, "country", None)
            miss_c = need_d & ctry_col.isna().to_numpy()
            if miss_c.any():
                i = int(np.flatnonzero(miss_c)[0])
                raise InputError(row=_label(goods, i), field="country",
                                 expected="the country of origin (default values depend on it)", found=None)
            ccode_d, cuniq_d = pd.factorize(ctry_col.astype(object).to_numpy(), use_na_sentinel=True)
            pkey = cn_codes.astype(np.int64) * (len(cuniq_d) + 1) + (ccode_d + 1)
            pcode, pkeys = pd.factorize(pkey)
            P, Yn = len(pkeys), yu.size
            sel_pairs = np.unique(pcode[need_d])
            sel_keys = np.asarray(pkeys)[sel_pairs]
            cuniq_ext = np.asarray([None, *cuniq_d], dtype=object)
            combo = pd.DataFrame({
                "cn_code": np.repeat(cn_u[sel_keys // (len(cuniq_d) + 1)], Yn),
                "country": np.repeat(cuniq_ext[sel_keys % (len(cuniq_d) + 1)], Yn),
                "year": np.tile(yu, sel_pairs.size),
            })
            if "variant" in goods.columns:
                first_var = pd.Series(goods["variant"].astype(object).to_numpy()).groupby(pcode).first()
                combo["variant"] = np.repeat(first_var.reindex(sel_pairs).to_numpy(), Yn)
            res = _lookup_defaults(combo, version)
            flat = np.repeat(sel_pairs, Yn) * Yn + np.tile(np.arange(Yn), sel_pairs.size)

            def table(col: str, dtype: Any = float, fill: Any = np.nan) -> np.ndarray:
                t = np.full(P * Yn, fill, dtype=dtype)
                t[flat] = res[col].to_numpy(dtype=dtype)
                return t.reshape(P, Yn)

            t_dir, t_ind, t_mk = table("direct"), table("indirect"), table("markup_rate")
            counted_pair = counted_u[np.asarray(pkeys) // (len(cuniq_d) + 1)][:, None]
            # SEE_default = (direct + indirect where it counts) x (1 + mark-up), on the small table
            t_see = (t_dir + np.where(counted_pair, np.nan_to_num(t_ind), 0.0)) * (1.0 + t_mk)
            d_direct = GY(t_dir, pcode)
            d_indirect = GY(t_ind, pcode)
            d_markup = GY(t_mk, pcode)
            see_default = GY(t_see, pcode)
            vc, vu = pd.factorize(res["version"].astype(object).to_numpy())
            vtab = np.full(P * Yn, -1, dtype=np.int16)
            vtab[flat] = vc
            vcode = GY(vtab.reshape(P, Yn), pcode).astype(np.int16)
            vuniq = list(vu)
            rtab = np.full(P * Yn, None, dtype=object)
            rtab[flat] = res["route"].to_numpy(dtype=object)
            d_route_g = rtab.reshape(P, Yn)[:, 0][pcode]
            if "default_route" in goods.columns:  # the user's choice of Column B row wins, recorded as such
                user_route = _normalise_route(goods["default_route"]).to_numpy(dtype=object)
                chosen = pd.notna(user_route)
                if chosen.any():
                    d_route_g = np.where(chosen, user_route, d_route_g)
                    _warn(notes, "default_route given: Column B row chosen by the user instead of the default "
                                 "line's route")
            default_used = pd.concat([combo.reset_index(drop=True), res.reset_index(drop=True)], axis=1)
            if "fallback" in res and res["fallback"].astype(bool).any():
                _warn(notes, "default values: some lines fall back to 'Other countries and territories' "
                             "(see attrs['default_values_used'])")
        nd = G(need_d)
        assert see_default is not None and d_direct is not None and d_indirect is not None and d_markup is not None
        bad = nd & np.isnan(see_default)
        if bad.any():
            j = int(np.flatnonzero(bad)[0])
            gj = j // Y
            raise ReferenceDataError(
                f"no default value for CN {cn_u[cn_codes[gj]]}, country {_col(goods, 'country', '').iloc[gj]}, "
                f"year {yr[j]} (row {_label(goods, gj)}); give actual SEE (see_direct) instead"
            )
        _warn(notes, "default values used (with the mark-up of the year of import) where actual SEE is missing")
        if not nd.all():
            off = ~nd
            for arr in (d_direct, d_indirect, d_markup, see_default):
                arr[off] = np.nan
    else:
        d_direct, d_indirect, d_markup, see_default = (np.full(N, np.nan) for _ in range(4))

    # ---- benchmarks
    bm_a_over = _numeric(goods, "benchmark_a")
    bm_b_over = _numeric(goods, "benchmark_b")
    given_a = np.zeros(n)
    route_a = route_raw.to_numpy(dtype=object).copy()
    # cement on actual data: the clinker route (A grey, B white)
    cement_route = np.array([CEMENT_FUNCTIONAL_UNIT_CN.get(c) for c in cn_u], dtype=object)[cn_codes]
    infer = is_fu & need_a & pd.isna(route_a)
    route_a[infer] = cement_route[infer]
    miss = is_fu & need_a & pd.isna(route_a)
    if miss.any():
        i = int(np.flatnonzero(miss)[0])
        raise InputError("the clinker benchmark of hydraulic cement depends on the clinker route",
                         row=_label(goods, i), field="route", expected="'A' (grey clinker) or 'B' (white clinker)",
                         found=None)
    # actual: Column A of the good's own process (+ precursors)
    look_a = need_a & np.isnan(bm_a_over)
    own_a = bm_a_over.copy()
    if look_a.any():
        own_a[look_a] = _benchmarks_for(cn_u, cn_codes, route_a, look_a, "A", goods)
    chain_a = np.where(need_a, own_a, np.nan)
    has_prec = np.zeros(n, dtype=bool)
    if precursors is not None and len(precursors):
        chain_add, given_add, has_prec = _precursor_terms(goods, precursors, need_a)
        chain_a = np.where(has_prec, chain_a + chain_add, chain_a)
        given_a = np.where(has_prec, given_add, 0.0)
    # cement functional unit on actual data: clinker as implicit precursor (1 t per t clinker contained)
    implicit = is_fu & need_a & ~has_prec
    if implicit.any():
        clk = _benchmarks_for(np.asarray([CEMENT_CLINKER_CN], dtype=object), np.zeros(n, dtype=np.int64), route_a,
                              implicit, "A", goods)
        chain_a[implicit] = chain_a[implicit] + clk
    # default: Column B on the route of the default line
    bm_b = bm_b_over.copy()
    look_b = need_d & np.isnan(bm_b_over)
    if look_b.any():
        bm_b[look_b] = _benchmarks_for(cn_u, cn_codes, d_route_g, look_b, "B", goods, default_line=True)
    bm_b = np.where(need_d, bm_b, np.nan)

    # ---- per good-year arithmetic (per-good parts first, then spread)
    fc = Yr(factor_u * cscf_u)
    sh = G(share)
    chain0 = np.nan_to_num(chain_a)
    bmb0 = np.nan_to_num(bm_b)
    # SEFA = a (fc chain_A + given) + (1 - a) fc BM_B = fc [a chain_A + (1 - a) BM_B] + a given
    benchmark = G(share * chain0 + (1.0 - share) * bmb0)
    sefa = fc * benchmark
    if np.any(given_a):
        sefa += G(share * given_a)
    see_used = G(share * np.nan_to_num(see_actual))
    if need_d.any():
        w = G(1.0 - share)
        np.multiply(w, see_default, out=w, where=w > 0)  # rows fully on actual data keep 0
        see_used += w
        del w
    q_fu = G(fu_t)
    ee = embedded_emissions(q_fu, see_used)
    faa = _fa.free_allocation_adjustment(q_fu, sefa)

    # ---- prices
    if price_r is None:
        if "quarter" in goods.columns:
            in26 = yr == 2026
            if (~in26).any():
                raise InputError(f"no certificate price for {int(yr[~in26][0])}: the published 2026 quarterly prices "
                                 "cover 2026 only; give price=... (a number, a path or 'scenario:central')",
                                 field="price", expected="a certificate price for every year", found=None)
            qg = goods["quarter"].to_numpy()
            p_eur = G(_prices.quarter_price_2026(qg))
            qc, qu = pd.factorize(pd.Series(qg).astype(str).to_numpy())
            labels = pd.Index([f"published 2026-Q{q}" for q in qu], dtype=object)
            price_basis: pd.Categorical = pd.Categorical.from_codes(G(qc.astype(np.int8)), labels)
        else:
            raise InputError("no certificate price: give price=... (EUR/tCO2e, a price path or 'scenario:central'), "
                             "or a 'quarter' column for the published 2026 quarterly price",
                             field="price", expected="a certificate price", found=None)
    elif isinstance(price_r, float):
        p_eur = np.full(N, price_r)
        price_basis = _const_cat(N, "user")
    else:
        p_eur = Yr(price_r.for_years(yu, field="price"))
        price_basis = _const_cat(N, price_r.source)
        if price_r.source.startswith("scenario:"):
            _warn(notes, f"certificate price from {price_r.source}: a scenario, never law")
    if isinstance(fx_r, float):
        if fx_r <= 0:
            raise InputError(field="eur_thb", expected="a rate > 0 [THB/EUR]", found=fx_r)
        fx = np.full(N, fx_r)
        fx_source = "user"
    else:
        fx = Yr(fx_r.for_years(yu, field="eur_thb"))
        fx_source = fx_r.source
        if eur_thb is None:
            _warn(notes, f"EUR/THB from {fx_source}: an indicative scenario, not an official rate")

    # ---- Art. 9: carbon price paid at origin
    thai = np.zeros(n, dtype=bool)
    if "origin_scheme" in goods.columns:
        sc, su = pd.factorize(goods["origin_scheme"].astype(object).to_numpy())
        thai_u = np.asarray([str(x).strip().lower() == "thai-excise" for x in su] + [False], dtype=bool)
        thai = thai_u[sc]
    o_price = _numeric(goods, "origin_price", default=0.0)
    o_cur = _col(goods, "origin_currency", "EUR").astype(object).to_numpy()
    if thai.any():
        rate = _cp.thai_carbon_tax()["rate"]
        o_price = np.where(thai & ~(o_price > 0), rate, o_price)
        o_cur = np.where(thai, "THB", o_cur)
        _warn(notes, _cp.THAI_ART9_NOTE)
    o_rebate = _numeric(goods, "origin_rebate", default=0.0)
    o_share = _numeric(goods, "origin_share", default=1.0, minimum=0.0, maximum=1.0)
    thb = _cp.is_thb(o_cur)
    net = np.maximum(o_price - o_rebate, 0.0)
    paid = net > 0
    if paid.any():
        net_eur = G(net)
        thb_r = G(thb)
        net_eur[thb_r] = net_eur[thb_r] / fx[thb_r]
        ded = _cp.carbon_price_deduction(ee, net_eur, p_eur, share_covered=G(o_share))
        if np.any(paid & need_d):
            _warn(notes, "Art. 9 deduction with default values: the draft implementing act foresees a default carbon "
                         "price published by the Commission; the price you gave is used as a scenario")
    else:
        net_eur = np.zeros(N)
        ded = np.zeros(N)
    cert = certificates(ee, faa, ded)
    cost_eur = cert * p_eur
    cost_thb = cost_eur * fx

    # ---- de minimis (per importer and year; electricity and hydrogen excluded)
    imp = _col(goods, "importer", "all").astype(object).to_numpy()
    icode, iuniq = pd.factorize(imp, use_na_sentinel=False)
    excluded_g = np.isin(cat_g, list(DE_MINIMIS_EXCLUDED))
    threshold = _de_minimis_threshold()
    ycode_r = Yr(np.arange(yu.size))
    key = G(icode.astype(np.int64)) * yu.size + ycode_r
    mass = np.bincount(key, weights=G(np.where(excluded_g, 0.0, tonnes)), minlength=len(iuniq) * yu.size)
    exempt = G(~excluded_g) & (mass[key] <= threshold)
    if exempt.any():
        _warn(notes, f"de minimis: an importer's net mass of CBAM goods (other than electricity and hydrogen) is "
                     f"<= {threshold:g} t in a year: exempt (Reg. (EU) 2025/2083); certificates and cost show what "
                     "would be due above the threshold")
    if "importer" not in goods.columns:
        assumptions.append("de minimis: all rows treated as the imports of one importer (no 'importer' column)")

    # ---- assemble (strings as categoricals built on the unique values)
    def cat(codes: np.ndarray, labels: Any) -> pd.Categorical:
        labels = list(labels)
        small = np.int8 if len(labels) < 127 else (np.int16 if len(labels) < 32767 else np.int32)
        return pd.Categorical.from_codes(G(np.asarray(codes).astype(small)), pd.Index(labels, dtype=object))

    basis_g = np.where(share >= 1.0, 0, np.where(share <= 0.0, 1, 2)).astype(np.int8)
    reason_codes, reason_labels = _benchmark_reasons(basis_g, route_a, d_route_g, has_prec, is_fu)
    ccode, cuniq = pd.factorize(_col(goods, "country", None).astype(object).to_numpy(), use_na_sentinel=True)
    rcode, runiq = pd.factorize(pd.Series(route_a, dtype=object), use_na_sentinel=True)
    drcode, druniq = pd.factorize(pd.Series(d_route_g, dtype=object), use_na_sentinel=True)
    catc, catu = pd.factorize(cat_u)
    art9 = np.where(thai, 1, np.where(paid, 0, -1)).astype(np.int8)
    vsmall = vcode if vcode.size == N else G(vcode)
    out = pd.DataFrame({
        "good": goods.index.repeat(Y) if Y > 1 else goods.index.copy(),
        "year": yr,
        "cn_code": cat(cn_codes, cn_u),
        "country": cat(ccode, cuniq),
        "category": cat(catc[cn_codes], catu),
        "tonnes": G(tonnes),
        "clinker_content": G(clinker_out),
        "functional_unit_t": q_fu,
        "actual_share": sh,
        "see_basis": cat(basis_g, ["actual", "default", "mixed"]),
        "see_actual": G(see_actual),
        "default_direct": d_direct,
        "default_indirect": d_indirect,
        "markup_rate": d_markup,
        "see_default": see_default,
        "see_used": see_used,
        "indirect_counted": G(counted_g),
        "embedded_emissions_t": ee,
        "route": cat(rcode, runiq),
        "default_route": cat(drcode, druniq),
        "benchmark_column": cat(basis_g, ["A", "B", "A+B"]),
        "benchmark": benchmark,
        "benchmark_reason": cat(reason_codes, reason_labels),
        "cbam_factor": Yr(factor_u),
        "cscf": Yr(cscf_u),
        "sefa": sefa,
        "free_allocation_adjustment_t": faa,
        "origin_price_eur": net_eur,
        "carbon_price_deduction_t": ded,
        "certificates": cert,
        "price_eur": p_eur,
        "price_basis": price_basis,
        "cost_eur": cost_eur,
        "eur_thb": fx,
        "eur_thb_source": _const_cat(N, fx_source),
        "cost_thb": cost_thb,
        "importer": cat(icode, iuniq),
        "de_minimis_exempt": exempt,
        "art9_note": cat(art9, [
            "carbon price paid at origin deducted (Art. 9; provisional conversion, implementing rules in draft)",
            _cp.THAI_ART9_NOTE]),
        "default_version": pd.Categorical.from_codes(vsmall, pd.Index(vuniq, dtype=object)),
        "data_version": _const_cat(N, data_version()),
    }, columns=OUTPUT_COLUMNS, copy=False)  # copy=False: no block consolidation (6 s at 9e6 rows)
    out.attrs["data_version"] = data_version()
    out.attrs["warnings"] = list(notes)
    out.attrs["assumptions"] = list(dict.fromkeys(assumptions))
    out.attrs["default_values_used"] = default_used.to_dict("records") if len(default_used) else []
    return out


def _clinker_per_t(installation: Any, process_name: str) -> float | None:
    """Clinker consumed per tonne of the process's output [t/t], from the engine's input data (or None)."""
    from .units import magnitudes

    procs = list(getattr(installation, "processes", []) or [])
    target = next((p for p in procs if p.name == process_name), None)
    if target is None:
        return None
    prod = float(magnitudes([target.production.magnitude], target.production.units, "t", field="production")[0])
    if not prod > 0:
        return None
    clinker = 0.0
    found = False
    for p in procs:
        if "clinker" in str(p.category).lower() and process_name in (p.sent_to or {}):
            q = p.sent_to[process_name]
            clinker += float(magnitudes([q.magnitude], q.units, "t", field="sent_to")[0])
            found = True
    for pp in getattr(installation, "purchased_precursors", []) or []:
        if "clinker" in str(pp.category).lower() and process_name in (pp.consumed_in or {}):
            q = pp.consumed_in[process_name]
            clinker += float(magnitudes([q.magnitude], q.units, "t", field="consumed_in")[0])
            found = True
    return clinker / prod if found else None


def goods_from_run(result: Any, exports: pd.DataFrame, *, installation: Any = None,
                   country: str | None = None) -> pd.DataFrame:
    """Goods table for :func:`cbam_cost` from the SEE engine's result and the quantities exported.

    Parameters
    ----------
    result : cbamcalc.result.InstallationResult
        Output of :func:`cbamcalc.pipeline.run_installation`.
    exports : pandas.DataFrame
        One row per good exported: ``cn_code``, ``quantity`` [t]; optional ``process`` (name or id,
        needed when one CN code comes from several processes), ``country``, ``year`` and any other
        :func:`cbam_cost` column (e.g. ``clinker_content``, ``origin_price``).
    installation : cbamcalc.model.Installation, optional
        The engine's input, used to derive the clinker content of cement (clinker consumed per t
        of cement) where ``exports`` does not state it.
    country : str, optional
        Country of the installation (default: the installation's, if given).

    Returns
    -------
    pandas.DataFrame
        ``exports`` with ``see_direct`` and ``see_indirect`` [tCO2e/t] of the matching product
        (per t of clinker contained for cement 2523 21/29/90) and ``process``.

    Raises
    ------
    InputError
        A CN code the run does not produce, or produced by several processes without ``process``.

    Notes
    -----
    The engine's SEE is per tonne of good (Communication template). For cement the definitive
    functional unit is the clinker contained (IR (EU) 2025/2547 Art. 4(5)):
    ``SEE_fu = SEE_cement / clinker content``. The goods table carries SEE only: the embedded free
    allocation of the relevant precursors (complex goods) comes from
    :func:`cbamcalc.precursor_allocation.precursors_from_run`, which :func:`cost_from_run` passes to
    :func:`cbam_cost` as ``precursors=``.
    """
    from .cn_codes import normalise_cn

    prod = result.products.copy()
    prod["_cn"] = [normalise_cn(c) for c in prod["cn_code"].astype(str)]
    out = exports.copy()
    if "cn_code" not in out.columns or not ({"quantity", "tonnes"} & set(out.columns)):
        raise InputError(field="exports", expected="columns cn_code and quantity [t]", found=", ".join(out.columns))
    see_d, see_i, procs = [], [], []
    clinker_given = out["clinker_content"] if "clinker_content" in out.columns else pd.Series(np.nan, index=out.index)
    clinker = []
    for i, (label, row) in enumerate(out.iterrows()):  # one row per product exported: small
        cn = normalise_cn(row["cn_code"], row=str(label))
        sel = prod[prod["_cn"] == cn]
        if "process" in out.columns and pd.notna(row.get("process")):
            key = str(row["process"]).strip().casefold()
            sel = sel[(sel["process"].str.strip().str.casefold() == key) | (sel["process_id"].str.casefold() == key)]
        if sel.empty:
            raise InputError(row=str(label), field="cn_code", expected="a CN code the installation produces ("
                             + ", ".join(sorted(set(prod["_cn"]))) + ")", found=cn)
        if len(sel) > 1:
            raise InputError(row=str(label), field="process",
                             expected="the process of this CN code, one of " + ", ".join(sel["process"]), found=None)
        r = sel.iloc[0]
        fu = cn in CEMENT_FUNCTIONAL_UNIT_CN
        c = float(clinker_given.iloc[i]) if pd.notna(clinker_given.iloc[i]) else None
        if fu and c is None and installation is not None:
            c = _clinker_per_t(installation, str(r["process"]))
        if fu and not (c and c > 0):
            raise InputError(
                "the functional unit of cement is the clinker contained (IR (EU) 2025/2547 Art. 4(5)); the run "
                "does not show how much clinker the cement contains", row=str(label), field="clinker_content",
                expected="t clinker per t cement, in (0, 1]", found=None)
        div = float(c) if (fu and c) else 1.0
        see_d.append(float(r["see_direct"]) / div)
        see_i.append(float(r["see_indirect"]) / div)
        clinker.append(c if fu else np.nan)
        procs.append(str(r["process"]))
    out["see_direct"] = see_d
    out["see_indirect"] = see_i
    out["process"] = procs
    if any(cn in CEMENT_FUNCTIONAL_UNIT_CN for cn in prod["_cn"]) or "clinker_content" in out.columns:
        out["clinker_content"] = clinker
    if "country" not in out.columns:
        ctry = country or getattr(installation, "country", None)
        if ctry:
            from .countries import resolve_country

            out["country"] = resolve_country(ctry, field="country")
    return out


def see_from_run(result: Any, cn: str, *, installation: Any = None, clinker_content: float | None = None,
                 file: str | None = None) -> dict[str, Any]:
    """Actual SEE of one CN code from an engine result, as ``cbam_cost`` goods columns.

    Returns a dict with ``see_direct``, ``see_indirect`` [tCO2e/t of functional unit] and, for cement,
    ``clinker_content`` [t/t]; see :func:`goods_from_run`. ``InputError`` names ``file`` when given.
    """
    exports = pd.DataFrame({"cn_code": [cn], "quantity": [0.0]})
    if clinker_content is not None:
        exports["clinker_content"] = [clinker_content]
    try:
        g = goods_from_run(result, exports, installation=installation)
    except InputError as exc:
        if file:
            raise exc.located(file=file) from exc
        raise
    row = g.iloc[0]
    out: dict[str, Any] = {"see_direct": float(row["see_direct"]), "see_indirect": float(row["see_indirect"])}
    if "clinker_content" in g.columns and pd.notna(row["clinker_content"]):
        out["clinker_content"] = float(row["clinker_content"])
    if "country" in g.columns and pd.notna(row.get("country")):
        out["country"] = str(row["country"])
    return out


def cost_from_run(result: Any, exports: pd.DataFrame, *, installation: Any = None, country: str | None = None,
                  precursor_cn: Any = None, precursor_route: Any = None, **kwargs: Any) -> pd.DataFrame:
    """CBAM cost of the goods an installation exports, from the SEE engine's result and precursor data.

    Parameters
    ----------
    result : cbamcalc.result.InstallationResult
        Output of :func:`cbamcalc.pipeline.run_installation`.
    exports : pandas.DataFrame
        Goods exported (see :func:`goods_from_run`): ``cn_code``, ``quantity`` [t], ...
    installation : cbamcalc.model.Installation, optional
        The engine's input. Needed for the precursors (flows, categories, routes) and for the
        clinker content of cement; without it the adjustment counts each good's own process only,
        with a warning.
    country : str, optional
        Country of origin (default: the installation's).
    precursor_cn, precursor_route : mapping of str to str, optional
        CN code and production route of precursors, by name or id, where their benchmark depends
        on them (see :func:`cbamcalc.precursor_allocation.precursors_from_run`).
    **kwargs
        Passed to :func:`cbam_cost` (``years``, ``price``, ``eur_thb``, ``cscf``, ...). A
        ``precursors`` frame given here is kept, and replaces the run's precursors of the goods
        it names.

    Returns
    -------
    pandas.DataFrame
        :func:`cbam_cost`'s frame plus ``precursors_counted`` (per good: the relevant precursors
        counted, tonnes per tonne of good [t/t] x benchmark [tCO2e/t], column, CN code, route).
        ``attrs``: ``precursors`` (one record per precursor and path, see
        :data:`cbamcalc.precursor_allocation.PRECURSOR_COLUMNS`), ``precursors_skipped``
        (consumed but not counted, with the reason), ``run_data_version``, ``run_warnings``;
        the precursor warnings are added to ``warnings``.

    Raises
    ------
    InputError
        As :func:`goods_from_run`, :func:`cbam_cost` and
        :func:`~cbamcalc.precursor_allocation.precursors_from_run` (a precursor whose CN code or
        route decides its benchmark and is not stated).

    Notes
    -----
    ``SEFA_g = CBAM_y x CSCF_y x (BM_A,g + sum_i m_i BM_i + ...)`` with ``m_i`` the direct input
    coefficients of the run, recursively over relevant precursors (IR (EU) 2025/2620; see
    :mod:`cbamcalc.precursor_allocation`).

    Examples
    --------
    >>> inst = read_communication_template("EC_v2.1_example6_aluminium_FILLED.xlsx")  # doctest: +SKIP
    >>> run = run_installation(inst)  # doctest: +SKIP
    >>> cost_from_run(run, pd.DataFrame({"cn_code": ["76051900"], "quantity": [500.0]}), installation=inst,
    ...               precursor_route={"Primary smelting": "K"}, years=[2026], price=80.0)  # doctest: +SKIP
    """
    from .precursor_allocation import describe, precursors_from_run

    goods = goods_from_run(result, exports, installation=installation, country=country)
    user = kwargs.pop("precursors", None)
    notes: list[str] = []
    if installation is None:
        derived = None
        notes.append("precursors not counted in the free-allocation adjustment: give installation=... (the run's "
                     "precursor flows); each good's own process only")
        warnings.warn(notes[-1], UserWarning, stacklevel=2)
    else:
        derived = precursors_from_run(result, goods, installation=installation, precursor_cn=precursor_cn,
                                      precursor_route=precursor_route)
        notes.extend(derived.attrs.get("warnings", []))
    frames = []
    if user is not None and len(user):
        frames.append(user)
    if derived is not None and len(derived):
        if user is not None and "parent" in user.columns:
            derived = derived[~derived["good"].astype(str).isin(set(user["parent"].astype(str)))]
        frames.append(derived[["parent", "mass_per_t", "benchmark_a"]])
    precursors = pd.concat(frames) if len(frames) > 1 else (frames[0] if frames else None)
    out = cbam_cost(goods, precursors=precursors, **kwargs)
    if derived is not None:
        text = dict(zip(goods.index.astype(str), describe(derived, list(goods.index)), strict=True))
        out["precursors_counted"] = pd.Categorical(out["good"].astype(str).map(text))
        out.attrs["precursors"] = derived.reset_index(names="id").to_dict("records")
        out.attrs["precursors_skipped"] = list(derived.attrs.get("skipped", []))
    else:
        out.attrs["precursors"] = []
        out.attrs["precursors_skipped"] = []
    out.attrs["warnings"] = list(dict.fromkeys([*out.attrs.get("warnings", []), *notes]))
    out.attrs["run_data_version"] = getattr(result, "data_version", None)
    out.attrs["run_warnings"] = list(getattr(result, "warnings", []))
    return out


def _const_cat(n: int, label: str) -> pd.Categorical:
    """A categorical column holding one label ``n`` times (1 byte per row)."""
    out: pd.Categorical = pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), pd.Index([label], dtype=object))
    return out


def _de_minimis_threshold() -> float:
    from .refdata import load_table

    t = load_table("de_minimis").set_index("key")
    return float(np.asarray(t.loc["threshold_net_mass", "value"], dtype=float))


def _benchmarks_for(cn_u: np.ndarray, cn_codes: np.ndarray, route: np.ndarray, mask: np.ndarray, column: str,
                    goods: pd.DataFrame, *, default_line: bool = False) -> np.ndarray:
    """Column ``column`` benchmarks for the rows in ``mask``, looked up once per (CN code, route)."""
    rcode, runiq = pd.factorize(pd.Series(route[mask], dtype=object), use_na_sentinel=True)
    key = cn_codes[mask].astype(np.int64) * (len(runiq) + 1) + (rcode + 1)
    kcode, kuniq = pd.factorize(key)
    kuniq = np.asarray(kuniq)
    runiq_ext = np.asarray([None, *runiq], dtype=object)
    frame = pd.DataFrame({
        "cn_code": cn_u[kuniq // (len(runiq) + 1)],
        "route": runiq_ext[kuniq % (len(runiq) + 1)],
        "column": column,
    })
    try:
        vals = _lookup_benchmarks(frame)
    except InputError as exc:
        idx = int(np.flatnonzero(mask)[0])
        if default_line:
            raise InputError(
                f"{exc._free_text or exc}; the route of the default line has no Column B row for this CN code: "
                "state the route to use as default_route (cbamcalc cost --default-route)",
                row=_label(goods, idx), field="default_route", expected=exc.expected, found=exc.found,
            ) from exc
        raise exc.located(row=_label(goods, idx), field="route") from exc
    except ReferenceDataError as exc:
        text = str(exc)
        if "route" in text.lower():
            idx = np.flatnonzero(mask)[0]
            raise InputError(
                f"{text}; " + ("the default line has no route for it" if default_line else
                               "give the production route of the actual process"),
                row=_label(goods, int(idx)), field="route",
                expected="a production-route indicator the benchmark table has for this CN code", found=None,
            ) from exc
        raise
    if np.isnan(vals).any():
        j = int(np.flatnonzero(np.isnan(vals))[0])
        raise ReferenceDataError(f"no Column {column} benchmark for CN {frame['cn_code'][j]} route {frame['route'][j]}")
    return vals[kcode]


def _precursor_terms(goods: pd.DataFrame, precursors: pd.DataFrame, need_a: np.ndarray) -> tuple[
        np.ndarray, np.ndarray, np.ndarray]:
    """Chain and given-SEFA terms of each good's precursors (see :func:`free_allocation.precursor_chain`)."""
    pre = precursors.copy()
    if "parent" not in pre.columns:
        raise InputError(field="parent", expected="a column 'parent' in precursors", found=", ".join(pre.columns))
    pids = pd.Index(pre.index.astype(str))
    glabels = pd.Index(goods.index.astype(str))
    parent = pre["parent"].astype(str)
    in_pre = parent.isin(pids).to_numpy()
    in_goods = parent.isin(glabels).to_numpy()
    if (~in_pre & ~in_goods).any():
        i = int(np.flatnonzero(~in_pre & ~in_goods)[0])
        raise InputError(row=str(pre.index[i]), field="parent", expected="a goods index label or a precursor id",
                         found=parent.iloc[i])
    bm = _numeric(pre, "benchmark_a")
    sefa = _numeric(pre, "sefa")
    look = np.isnan(bm) & np.isnan(sefa)
    if look.any():
        if "cn_code" not in pre.columns:
            raise InputError(field="cn_code", expected="precursor CN codes (or benchmark_a / sefa)", found=None)
        cn = _normalise_cn(pre["cn_code"].astype(str).to_numpy(dtype=object))
        pc, pu = pd.factorize(cn)
        route = _normalise_route(_col(pre, "route", None)).to_numpy(dtype=object)
        bm[look] = _benchmarks_for(np.asarray(pu, dtype=object), pc, route, look, "A", pre)
    nodes = pd.DataFrame({
        "parent": np.where(in_pre, "p:" + parent, "g:" + parent),
        "mass_per_t": _numeric(pre, "mass_per_t", default=np.nan),
        "benchmark_a": bm,
        "sefa": sefa,
    }, index="p:" + pids)
    roots = pd.DataFrame({"parent": None, "mass_per_t": np.nan, "benchmark_a": 0.0, "sefa": np.nan},
                         index="g:" + glabels)
    res = _fa.precursor_chain(pd.concat([roots, nodes]))
    chain = res.loc["g:" + glabels, "chain"].to_numpy(float)
    given = res.loc["g:" + glabels, "given"].to_numpy(float)
    has = np.asarray(glabels.isin(parent[in_goods])) & need_a
    return chain, given, has


def _benchmark_reasons(basis: np.ndarray, route_a: np.ndarray, route_b: np.ndarray, has_prec: np.ndarray,
                       is_fu: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """One reason text per good, built on the unique combinations only."""
    ra_c, ra_u = pd.factorize(pd.Series(route_a, dtype=object), use_na_sentinel=True)
    rb_c, rb_u = pd.factorize(pd.Series(route_b, dtype=object), use_na_sentinel=True)
    na, nb = len(ra_u) + 1, len(rb_u) + 1
    key = (((basis.astype(np.int64) * na + (ra_c + 1)) * nb + (rb_c + 1)) * 2 + has_prec) * 2 + is_fu
    codes, uniq = pd.factorize(key)
    ra_ext = ["", *map(str, ra_u)]
    rb_ext = ["", *map(str, rb_u)]
    labels = []
    for k in np.asarray(uniq):
        f = bool(k % 2)
        p = bool((k // 2) % 2)
        rest = k // 4
        rb = rb_ext[rest % nb]
        rest //= nb
        ra = ra_ext[rest % na]
        b = int(rest // na)
        a_txt = f"Column A{' route (' + ra + ')' if ra else ''} of the production process: actual SEE"
        if f:
            a_txt = f"Column A of the cement (0) + clinker precursor, route ({ra}): actual SEE per t clinker contained"
        elif p:
            a_txt += " + embedded free allocation of the relevant precursors"
        b_txt = (f"Column B{' route (' + rb + ')' if rb else ' (no route indicator)'} of the default line: default "
                 "values")
        if f:
            b_txt += " per t clinker contained"
        text = {0: a_txt, 1: b_txt, 2: f"mixed: {a_txt} for the actual share; {b_txt} for the rest"}[b]
        labels.append(text + " (IR (EU) 2025/2620, Annex)")
    lcode, luniq = pd.factorize(np.asarray(labels, dtype=object))
    return lcode[codes].astype(np.int32), list(luniq)

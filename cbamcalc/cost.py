"""CBAM obligation and cost per good and year, 2026-2034, in EUR and THB.

:func:`cbam_cost` is a thin vectorised orchestrator: it checks the goods table once, lays out
one row per good and year, looks the reference data up once per unique key, and chains the terms
of the law, each a pure function of :mod:`cbamcalc.obligation` or :mod:`cbamcalc.carbon_price`:

.. code-block:: text

    SEE_act = SEE_dir + SEE_ind,counted     Art. 7(1), Annex II by CN code; IR 2025/2547 Annex I 3.1
    SEE_def = total_printed x (1 + mark-up_y)                  IR 2026/1740 Annex I (printed total)
    EE   = M x [a x SEE_act + (1 - a) x SEE_def]                                 embedded emissions
    SEFA = a (CBAM_y CSCF_y chain_A + given) + (1 - a) CBAM_y CSCF_y BM_B(route, production year)
           chain_A = BM_A + sum_i m_i chain_A,i (relevant precursors, IR 2025/2620 Annex 3.3)
    FAA  = M x SEFA                                                   free-allocation adjustment
    R    = P_paid x EE_act x s / p_y  +  P_default x EE_def / p_y                Art. 9 reduction
    N    = max(EE - FAA - R, 0)                                                        certificates
    cost = N x p_y [EUR];  N x p_y x X_y [THB]

with ``M`` the quantity in the good's functional unit [t], ``a`` the share of it with actual data,
``p_y`` the certificate price [EUR/tCO2e], ``X_y`` the EUR/THB rate [THB/EUR]. Benchmark rows
marked (1)/(2) are chosen by production year (2026-27 / 2028-30, IR 2025/2620 Annex 5.3; the
2028-30 value after 2030, with a warning); a default line naming several alloy grades takes the
highest benchmark of the production year (5.1). A complex good on actual data needs its relevant
precursors (or its producer's SEFA); ``own_process_only`` gives the lower bound with a warning.
On the default share a price paid at origin reduces nothing unless a Commission default carbon
price is given (Art. 9 as replaced by Reg. (EU) 2025/2083).

Cement: the functional unit is the clinker contained
----------------------------------------------------
IR (EU) 2025/2547 makes the tonnes of clinker contained the functional unit of cement (Annex I;
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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np

from . import carbon_price as _cp
from . import free_allocation as _fa
from . import obligation as _ob
from . import prices as _prices
from ._distinct import SMALL as _SMALL
from ._distinct import factorize as _factorize
from ._distinct import is_missing as _is_missing
from ._distinct import missing_mask, sorted_unique
from .errors import InputError, ReferenceDataError

if TYPE_CHECKING:  # pandas is imported where a DataFrame comes in or goes out: one good costs without it
    import pandas as pd

__all__ = [
    "OUTPUT_COLUMNS",
    "CostRows",
    "cbam_cost_rows",
    "CEMENT_CLINKER_CN",
    "CEMENT_FUNCTIONAL_UNIT_CN",
    "cbam_cost",
    "cost_from_run",
    "goods_from_run",
    "see_from_run",
    "embedded_emissions",
    "certificates",
]

#: Categories outside the de minimis exemption (Reg. (EU) 2025/2083).
DE_MINIMIS_EXCLUDED = frozenset({"electricity", "hydrogen"})
CEMENT_CLINKER_CN = "25231000"
#: Cements whose functional unit is the clinker contained, with the clinker route they imply.
CEMENT_FUNCTIONAL_UNIT_CN = {"25232100": "B", "25232900": "A", "25239000": None}

#: Columns of the result, in order (see :func:`cbam_cost` for content and units).
OUTPUT_COLUMNS = [
    "good", "year", "cn_code", "country", "category", "tonnes", "clinker_content", "functional_unit_t",
    "actual_share", "see_basis", "see_actual", "default_direct", "default_indirect", "default_total", "markup_rate",
    "see_default", "see_used", "indirect_counted", "embedded_emissions_t", "route", "default_route",
    "production_year", "benchmark_indicator", "benchmark_column", "benchmark", "benchmark_reason", "cbam_factor",
    "cscf", "sefa", "free_allocation_adjustment_t", "origin_price_eur", "art9_basis", "carbon_price_deduction_t",
    "certificates", "price_eur", "price_basis", "cost_eur", "eur_thb", "eur_thb_source", "cost_thb", "importer",
    "de_minimis_exempt", "art9_note", "default_version", "data_version",
]


# --------------------------------------------------------------------------- small pure pieces


def embedded_emissions(quantity: Any, see: Any) -> np.ndarray:
    """Embedded emissions ``M x SEE`` [tCO2e] (:func:`cbamcalc.obligation.embedded_emissions`)."""
    return _ob.embedded_emissions(quantity, see)


def certificates(embedded: Any, adjustment: Any, deduction: Any) -> np.ndarray:
    """CBAM certificates to surrender, never negative (:func:`cbamcalc.obligation.certificates`).

    Examples
    --------
    >>> certificates([2649.0, 10.0], [64.35, 20.0], [0.0, 0.0]).round(2).tolist()
    [2584.65, 0.0]
    """
    return _ob.certificates(embedded, adjustment, deduction)


# --------------------------------------------------------------------------- helpers


def _warn(bucket: list[str], message: str) -> None:
    if message not in bucket:
        bucket.append(message)
        warnings.warn(message, UserWarning, stacklevel=3)


class _Cat(NamedTuple):
    """A text column as codes into labels (a categorical without pandas); code -1 is missing."""

    codes: np.ndarray
    labels: list[Any]


class _Frame:
    """The caller's goods (or precursors) given as a pandas DataFrame, read column by column."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.n = len(frame)

    def __contains__(self, name: object) -> bool:
        return name in self.frame.columns

    def names(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    def objects(self, name: str) -> np.ndarray:
        return self.frame[name].to_numpy(dtype=object)

    def missing(self, name: str) -> np.ndarray:
        return self.frame[name].isna().to_numpy()

    def value(self, name: str, i: int) -> Any:
        return self.frame[name].iloc[i]

    def flags(self, name: str) -> np.ndarray:
        """A yes/no column as booleans; a blank is False."""
        return np.asarray(self.frame[name].fillna(False), dtype=bool)

    def label(self, i: int) -> str:
        return str(self.frame.index[i])

    def labels(self) -> list[str]:
        return [str(x) for x in self.frame.index]

    def floats(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Values as float (blank: NaN) and where a non-blank cell is not a number."""
        import pandas as pd

        raw = self.frame[name]
        if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
            vals = raw.to_numpy(dtype=float, na_value=np.nan)
            return vals, np.zeros(vals.shape, dtype=bool)
        vals = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
        bad = np.isnan(vals) & raw.notna().to_numpy()
        if bad.any():  # blank text counts as missing
            bad &= (raw.astype(str).str.strip() != "").to_numpy()
        return vals, bad


class _Columns:
    """Goods given as a mapping of column -> equal-length sequence, read without pandas (rows 0, 1, ...)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        cols: dict[str, np.ndarray] = {}
        for name, values in data.items():
            arr = np.asarray(values, dtype=object if _is_text(values) else None)
            if arr.ndim != 1:
                raise InputError(field=str(name), expected="a sequence of values, one per good", found=values)
            cols[str(name)] = arr
        sizes = {len(a) for a in cols.values()}
        if len(sizes) > 1:
            raise InputError(field="goods", expected="columns of equal length", found=sorted(sizes))
        self.cols = cols
        self.n = sizes.pop() if sizes else 0

    def __contains__(self, name: object) -> bool:
        return name in self.cols

    def names(self) -> list[str]:
        return list(self.cols)

    def objects(self, name: str) -> np.ndarray:
        return self.cols[name].astype(object)

    def missing(self, name: str) -> np.ndarray:
        return missing_mask(self.cols[name])

    def flags(self, name: str) -> np.ndarray:
        """A yes/no column as booleans; a blank is False."""
        return np.asarray([False if _is_missing(v) else bool(v) for v in self.cols[name].tolist()], dtype=bool)

    def value(self, name: str, i: int) -> Any:
        v = self.cols[name][i]
        return v.item() if isinstance(v, np.generic) else v

    def label(self, i: int) -> str:
        return str(i)

    def labels(self) -> list[str]:
        return [str(i) for i in range(self.n)]

    def floats(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Values as float (blank: NaN) and where a non-blank value is not a number."""
        arr = self.cols[name]
        if arr.dtype.kind in "fiu":
            return arr.astype(float), np.zeros(self.n, dtype=bool)
        vals = np.full(self.n, np.nan)
        bad = np.zeros(self.n, dtype=bool)
        for i, v in enumerate(arr.tolist()):
            if _is_missing(v) or (isinstance(v, str) and not v.strip()):
                continue
            try:
                vals[i] = float(v)
            except (TypeError, ValueError):
                bad[i] = True
        return vals, bad


def _is_text(values: Any) -> bool:
    return isinstance(values, list | tuple) and any(isinstance(v, str) or v is None for v in values)


def _col(goods: _Frame | _Columns, name: str, default: Any = None) -> np.ndarray:
    """A column as an object array, or ``default`` for every good when the column is absent."""
    if name in goods:
        return goods.objects(name)
    out = np.empty(goods.n, dtype=object)
    out[:] = [default] * goods.n
    return out


def _numeric(goods: _Frame | _Columns, name: str, *, default: float = np.nan, minimum: float | None = 0.0,
             maximum: float | None = None, expected: str | None = None) -> np.ndarray:
    """A numeric column, checked: finite, within [minimum, maximum]; blanks take ``default``."""
    if name not in goods:
        return np.full(goods.n, default, dtype=float)
    vals, bad = goods.floats(name)
    if minimum is not None:
        bad |= vals < minimum
    if maximum is not None:
        bad |= vals > maximum
    bad |= np.isinf(vals)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        rng = expected or (f"a number >= {minimum:g}" if minimum is not None else "a finite number")
        if maximum is not None and expected is None:
            rng = f"a number in [{minimum:g}, {maximum:g}]"
        raise InputError(row=goods.label(i), field=name, expected=rng, found=goods.value(name, i))
    return np.where(np.isnan(vals), default, vals)


def _label(goods: _Frame | _Columns, i: int) -> str:
    return goods.label(i)


def _first(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _normalise_route(values: np.ndarray) -> np.ndarray:
    """Route indicators as bare upper-case tokens (``"(E)"``, ``" e "`` -> ``"E"``); blanks -> None."""
    codes, uniq = _factorize(np.asarray(values, dtype=object), na_sentinel=True)
    norm = []
    for u in uniq:
        t = str(u).strip().upper()
        if len(t) == 3 and t[0] == "(" and t[2] == ")":  # "(E)" -> "E"; "H(1)", "C/F" stay as written
            t = t[1]
        norm.append(None if t in ("", "NAN", "NONE", "<NA>") else t)
    lut = np.empty(len(norm) + 1, dtype=object)
    lut[:] = norm + [None]  # -1 (missing) -> None
    return lut[codes]


def _normalise_cn(uniques: np.ndarray) -> np.ndarray:
    from .cn_codes import normalise_cn

    out = []
    for u in uniques:
        try:
            out.append(str(normalise_cn(str(u).strip())))
        except InputError as exc:
            raise exc.located(field="cn_code") from exc
    return np.asarray(out, dtype=object)


def _category_of(cn_u: np.ndarray, goods: _Frame | _Columns, cn_codes: np.ndarray) -> np.ndarray:
    """Aggregated goods category of each unique CN code (template spelling); a ``category`` column wins."""
    from .cn_codes import cbam_category

    out = []
    for c in cn_u:
        try:
            out.append(cbam_category(c))
        except InputError as exc:
            if "category" not in goods:
                raise exc.located(field="cn_code") from exc
            out.append("")
    cat = np.asarray(out, dtype=object)
    if "category" in goods:
        for i, v in _first_given(goods.objects("category"), goods.missing("category"), cn_codes, len(cn_u)).items():
            if str(v).strip():
                cat[i] = str(v).strip()
    return cat


def _first_given(values: np.ndarray, missing: np.ndarray, codes: np.ndarray, k: int) -> dict[int, Any]:
    """Per code 0..k-1: the first value that is not missing (codes without one are left out)."""
    rows = np.flatnonzero(~missing)
    uniq, first = np.unique(codes[rows], return_index=True)
    return {int(c): values[rows[f]] for c, f in zip(uniq, first, strict=True) if 0 <= c < k}


def _kind(category: Any) -> str:
    """Short sector key of a category (for the de minimis exclusions and cement rules)."""
    t = str(category).strip().lower()
    for key, name in (("electric", "electricity"), ("hydrogen", "hydrogen")):
        if key in t:
            return name
    return t


def _years(years: Iterable[int] | None) -> np.ndarray:
    if years is None:
        raise InputError(field="years", expected="calendar years, e.g. range(2026, 2035)", found=None)
    arr = np.asarray(list(years))
    if arr.size == 0:
        raise InputError(field="years", expected="at least one year", found="none")
    if not np.issubdtype(arr.dtype, np.integer):
        raise InputError(field="years", expected="whole calendar years", found=arr.tolist()[0])
    return arr.astype(int)


# --------------------------------------------------------------------------- the goods table, checked once


@dataclass(repr=False, eq=False)  # internal: only __init__ is generated (start-up)
class _Goods:
    """The goods table as per-good arrays, checked once at the boundary (units in the comments)."""

    frame: _Frame | _Columns
    n: int
    tonnes: np.ndarray            # [t] net mass
    cn_codes: np.ndarray          # index into cn_u, per good
    cn_u: np.ndarray              # unique 8-digit CN codes
    category_u: np.ndarray        # aggregated goods category per unique CN code
    counted_u: np.ndarray         # indirect emissions count (not in Annex II), per unique CN code
    share: np.ndarray             # share on actual data, [0, 1]
    see_actual: np.ndarray        # counted actual SEE [tCO2e/t of functional unit]; NaN without actual data
    route_a: np.ndarray           # route of the actual process (object, None = not given)
    is_fu: np.ndarray             # cement whose functional unit is the clinker contained
    clinker: np.ndarray           # [t clinker / t cement] as given (NaN = not given)
    fu_t: np.ndarray              # quantity in the functional unit [t]
    sefa_given: np.ndarray        # the good's own SEFA reported by its producer [tCO2e/t] (NaN = none)

    @property
    def counted(self) -> np.ndarray:
        return self.counted_u[self.cn_codes]

    @property
    def category(self) -> np.ndarray:
        return self.category_u[self.cn_codes]


def _read_goods(goods: _Frame | _Columns, notes: list[str], assumptions: list[str]) -> _Goods:
    """Check the goods table and turn it into per-good arrays (quantities, CN codes, actual data, cement)."""
    tonnes = _read_tonnes(goods)
    cn_codes, cn_u = _read_cn(goods)
    category_u = _category_of(cn_u, goods, cn_codes)
    _refuse_electricity(goods, cn_codes, cn_u, category_u)
    _note_scope(cn_u, notes)
    counted_u = _indirect_counted(cn_u, category_u)
    share, see_actual = _read_actual(goods, counted_u[cn_codes])
    is_fu, clinker, fu_t = _read_cement(goods, cn_u, cn_codes, tonnes, assumptions)
    return _Goods(
        frame=goods, n=goods.n, tonnes=tonnes, cn_codes=cn_codes, cn_u=cn_u, category_u=category_u,
        counted_u=counted_u, share=share, see_actual=see_actual,
        route_a=_normalise_route(_col(goods, "route")),
        is_fu=is_fu, clinker=clinker, fu_t=fu_t, sefa_given=_numeric(goods, "sefa"),
    )


def _read_tonnes(goods: _Frame | _Columns) -> np.ndarray:
    if "cn_code" not in goods:
        raise InputError(field="cn_code", expected="a column 'cn_code' in goods", found=", ".join(goods.names()))
    qcol = "quantity" if "quantity" in goods else ("tonnes" if "tonnes" in goods else None)
    if qcol is None:
        raise InputError(field="quantity", expected="a column 'quantity' (or 'tonnes') [t]",
                         found=", ".join(goods.names()))
    if goods.missing(qcol).any():
        i = _first(goods.missing(qcol))
        raise InputError(row=_label(goods, i), field=qcol, expected="tonnes >= 0", found=None)
    return _numeric(goods, qcol, minimum=0.0, expected="tonnes >= 0")


def _read_cn(goods: _Frame | _Columns) -> tuple[np.ndarray, np.ndarray]:
    """CN codes factorised on their normalised 8 digits: (code per good, unique codes)."""
    codes, uniques = _factorize(_as_text(goods.objects("cn_code")), na_sentinel=False)
    norm_u = _normalise_cn(np.asarray(uniques, dtype=object))
    codes2, cn_u = _factorize(norm_u[codes], na_sentinel=False)
    return codes2, np.asarray(cn_u, dtype=object)


def _as_text(values: np.ndarray) -> np.ndarray:
    """Values as text, as ``Series.astype(str)`` gives them (None -> 'None', NaN -> 'nan')."""
    if values.size > _SMALL:
        import pandas as pd

        return pd.Series(values, dtype=object).astype(str).to_numpy(dtype=object)
    out = np.empty(values.size, dtype=object)
    out[:] = [str(v) for v in values.tolist()]
    return out


def _refuse_electricity(goods: _Frame | _Columns, cn_codes: np.ndarray, cn_u: np.ndarray,
                        category_u: np.ndarray) -> None:
    elec = np.asarray([_kind(c) == "electricity" for c in category_u], dtype=bool)[cn_codes]
    if elec.any():
        i = _first(elec)
        raise InputError("electricity has its own rules (per MWh) and is not computed by cbam_cost",
                         row=_label(goods, i), field="cn_code", expected="a good other than electricity",
                         found=str(cn_u[cn_codes[i]]))


def _note_scope(cn_u: np.ndarray, notes: list[str]) -> None:
    """Warn where only part of a CN code is a CBAM good (kaolinic clay: calcined only, Reg. 2025/2083)."""
    from .cn_codes import scope_note

    for c in cn_u:
        text = scope_note(c)
        if text:
            _warn(notes, f"CN {c}: {text}")


def _indirect_counted(cn_u: np.ndarray, category_u: np.ndarray) -> np.ndarray:
    """Per unique CN code: True where the good is NOT listed in Annex II of Reg. 2023/956 (Art. 7(1))."""
    from .cn_codes import annex_ii_of_category, in_annex_ii

    out = []
    for c, cat in zip(cn_u, category_u, strict=True):
        try:
            out.append(not in_annex_ii(c))
        except InputError:  # not in the goods list: the category the caller named decides
            out.append(not annex_ii_of_category(str(cat)))
    return np.asarray(out, dtype=bool)


def _read_actual(goods: _Frame | _Columns, counted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Share on actual data and the counted actual SEE [tCO2e/t] (Art. 7(1); IR 2025/2547 Annex I 3.1)."""
    see_direct = _numeric(goods, "see_direct")
    see_indirect = _numeric(goods, "see_indirect")
    chain = _numeric(goods, "see_indirect_counted") if "see_indirect_counted" in goods else None
    has_actual = ~np.isnan(see_direct)
    share = _numeric(goods, "actual_share", default=np.nan, minimum=0.0, maximum=1.0)
    share = np.where(np.isnan(share), np.where(has_actual, 1.0, 0.0), share)
    need_a = share > 0
    if np.any(need_a & ~has_actual):
        raise InputError(row=_label(goods, _first(need_a & ~has_actual)), field="see_direct",
                         expected="actual direct SEE [tCO2e/t] where actual_share > 0", found=None)
    miss = need_a & counted & np.isnan(see_indirect) & (np.isnan(chain) if chain is not None else True)
    if miss.any():
        raise InputError("indirect emissions count for goods not listed in Annex II of Reg. (EU) 2023/956 (Art. 7(1)): "
                         "cement, fertilisers, agglomerated iron ore", row=_label(goods, _first(miss)),
                         field="see_indirect", expected="actual indirect SEE [tCO2e/t]", found=None)
    see = _ob.see_actual_counted(see_direct, see_indirect, counted, chain)
    return share, np.where(need_a, see, np.nan)


def _read_cement(goods: _Frame | _Columns, cn_u: np.ndarray, cn_codes: np.ndarray, tonnes: np.ndarray,
                 assumptions: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cement 2523 21/29/90: the functional unit is the clinker contained (IR 2025/2547 Annex I)."""
    is_fu = np.array([c in CEMENT_FUNCTIONAL_UNIT_CN for c in cn_u], dtype=bool)[cn_codes]
    clinker = _numeric(goods, "clinker_content", default=np.nan, minimum=0.0, maximum=1.0,
                       expected="clinker content in [0, 1] t clinker per t cement")
    miss = is_fu & np.isnan(clinker) & (tonnes > 0)
    if miss.any():
        raise InputError(
            "the functional unit of cement is the clinker contained (IR (EU) 2025/2547 Annex I); cbamcalc does "
            "not guess it", row=_label(goods, _first(miss)), field="clinker_content",
            expected="t clinker per t cement, in [0, 1]", found=None)
    if is_fu.any():
        assumptions.append("cement 2523 21/29/90: quantities, default values, actual SEE and benchmarks per tonne of "
                           "clinker contained (IR (EU) 2025/2547 Annex I); clinker content as given by the user")
    is_clk = (cn_u == CEMENT_CLINKER_CN)[cn_codes]
    clinker_out = np.where(is_fu, clinker, np.where(is_clk, 1.0, np.nan))
    return is_fu, clinker_out, tonnes * np.where(is_fu, np.nan_to_num(clinker), 1.0)


# --------------------------------------------------------------------------- goods x years


@dataclass(repr=False, eq=False)  # internal: only __init__ is generated (start-up)
class _Grid:
    """Rows of the result: each good, then its years (good-major).

    ``G`` spreads per-good values over the good's years, ``Yr`` per-unique-year values over the
    goods, ``GY`` a (good key, year) table.
    """

    n: int
    per_row_year: bool
    yu: np.ndarray                # unique years
    yinv: np.ndarray              # per row when per_row_year, else per requested year: index into yu
    yr: np.ndarray                # year of each result row

    @property
    def Y(self) -> int:
        return 1 if self.per_row_year else self.yinv.size

    @property
    def N(self) -> int:
        return self.n * self.Y

    def G(self, x: Any) -> np.ndarray:
        return np.asarray(x) if self.per_row_year else np.repeat(np.asarray(x), self.Y)

    def Yr(self, xu: Any) -> np.ndarray:
        xu = np.asarray(xu)
        return xu[self.yinv] if self.per_row_year else np.tile(xu[self.yinv], self.n)

    def GY(self, table: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Values of a (P, len(yu)) table at each good's key ``rows`` and each result row's year."""
        if self.per_row_year:
            return table[rows, self.yinv]
        return table[:, self.yinv][rows].ravel()


def _grid(goods: _Frame | _Columns, years: Iterable[int] | None) -> _Grid:
    n = goods.n
    if "year" in goods:
        yr_g = _numeric(goods, "year", minimum=None, expected="a calendar year")
        bad = np.isnan(yr_g) | (np.nan_to_num(yr_g) % 1 != 0)
        if bad.any():
            raise InputError(row=_label(goods, _first(bad)), field="year", expected="a calendar year",
                             found=goods.value("year", _first(bad)))
        yu, yinv = np.unique(yr_g.astype(int), return_inverse=True)
        return _Grid(n=n, per_row_year=True, yu=yu, yinv=yinv, yr=yr_g.astype(int))
    ys = _years(years)
    yu, yinv = np.unique(ys, return_inverse=True)
    return _Grid(n=n, per_row_year=False, yu=yu, yinv=yinv, yr=np.tile(ys, n))


def _production_years(goods: _Frame | _Columns, grid: _Grid, notes: list[str]) -> np.ndarray:
    """Production year of each result row: the ``production_year`` column, else the year of import.

    Benchmarks are selected by production year (IR (EU) 2025/2620 Annex 5.3). A production year
    given must lie in 2026-2034; one taken from the year of import follows the factor tables
    (checked there; a year beyond 2034 needs the user's own ``cbam_factor``).
    """
    from .benchmarks import AFTER_2030_NOTE, FIRST_PRODUCTION_YEAR, LAST_PRODUCTION_YEAR

    given = _numeric(goods, "production_year", minimum=None, expected="a production year 2026-2034")
    bad = ~np.isnan(given) & ((given < FIRST_PRODUCTION_YEAR) | (given > LAST_PRODUCTION_YEAR) | (given % 1 != 0))
    if bad.any():
        i = _first(bad)
        raise InputError("the CBAM factor and benchmarks run from production year 2026 to 2034 "
                         "(Directive 2003/87/EC Art. 10a(1a); IR (EU) 2025/2620 Annex 5.3)",
                         row=_label(goods, i), field="production_year",
                         expected=f"a year {FIRST_PRODUCTION_YEAR}-{LAST_PRODUCTION_YEAR}",
                         found=goods.value("production_year", i))
    if np.isnan(given).all():
        py = grid.yr
    else:
        gg = grid.G(given)
        py = np.where(np.isnan(gg), grid.yr, gg)
    if np.any(py > 2030):
        _warn(notes, AFTER_2030_NOTE)
    return py.astype(np.int16)


def _indicator_code(production_year: np.ndarray) -> np.ndarray:
    """Benchmark indicator per row as 0 ((1): 2026-27) or 1 ((2): 2028 on) (IR 2025/2620 Annex 5.3)."""
    return (production_year >= 2028).astype(np.int8)


def _year_factors(grid: _Grid, cbam_factor: Any, cscf: Any, notes: list[str],
                  assumptions: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """CBAM factor and CSCF of each unique year of import."""
    factor_u = _fa.cbam_factor(grid.yu, override=cbam_factor)
    if cscf is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cscf_u = _fa.cscf(grid.yu)
        msg = "CSCF = 1.0 used: a documented assumption, not law (cscf_assumption_scenario.csv); pass cscf=..."
        _warn(notes, msg)
        assumptions.append(msg)
    else:
        cscf_u = _fa.cscf(grid.yu, override=cscf)
    return factor_u, cscf_u


# --------------------------------------------------------------------------- default values


@dataclass(repr=False, eq=False)  # internal: only __init__ is generated (start-up)
class _Defaults:
    """Default values per result row (NaN where the row is fully on actual data)."""

    direct: np.ndarray
    indirect: np.ndarray
    total: np.ndarray             # printed total [tCO2e/t]
    markup: np.ndarray            # fraction
    see: np.ndarray               # total x (1 + mark-up) [tCO2e/t]
    route_g: np.ndarray           # route of the default line (or the user's default_route), per good
    version_codes: np.ndarray
    versions: list[Any]
    used: list[dict[str, Any]]    # the look-ups made (attrs['default_values_used'])


def _no_defaults(g: _Goods, grid: _Grid) -> _Defaults:
    nan = np.full(grid.N, np.nan)
    return _Defaults(direct=nan, indirect=nan.copy(), total=nan.copy(), markup=nan.copy(), see=nan.copy(),
                     route_g=np.full(g.n, None, dtype=object), version_codes=np.full(grid.N, -1, dtype=np.int16),
                     versions=[], used=[])


def _default_values(g: _Goods, grid: _Grid, version: str | None, notes: list[str]) -> _Defaults:
    """Default values of the goods with a default share, with the mark-up of the year of import."""
    need_d = g.share < 1
    if not need_d.any():
        return _no_defaults(g, grid)
    goods = g.frame
    if all(c in goods for c in ("default_direct", "default_indirect", "markup_rate")):
        d = _user_defaults(g, grid, need_d)
    else:
        d = _table_defaults(g, grid, version, need_d, notes)
    nd = grid.G(need_d)
    bad = nd & np.isnan(d.see)
    if bad.any():
        j = _first(bad)
        gj = j // grid.Y
        raise ReferenceDataError(
            f"no default value for CN {g.cn_u[g.cn_codes[gj]]}, country {_col(goods, 'country', '')[gj]}, "
            f"year {grid.yr[j]} (row {_label(goods, gj)}); give actual SEE (see_direct) instead")
    _warn(notes, "default values used (printed total with the mark-up of the year of import) where actual SEE is "
                 "missing")
    off = ~nd
    if off.any():
        for arr in (d.direct, d.indirect, d.total, d.markup, d.see):
            arr[off] = np.nan
        if d.version_codes.size == off.size:
            d.version_codes[off] = -1  # no default line used on these rows
    return d


def _user_defaults(g: _Goods, grid: _Grid, need_d: np.ndarray) -> _Defaults:
    """Default values given as columns (``default_direct``, ``default_indirect``, ``markup_rate``, ...)."""
    goods = g.frame
    od = _numeric(goods, "default_direct")
    oi = _numeric(goods, "default_indirect", default=0.0)
    om = _numeric(goods, "markup_rate", default=np.nan, minimum=0.0)
    bad = need_d & (np.isnan(od) | np.isnan(om))
    if bad.any():
        raise InputError(row=_label(goods, _first(bad)), field="default_direct/markup_rate",
                         expected="default values for rows without full actual data", found=None)
    ot = _numeric(goods, "default_total")
    total = np.where(np.isnan(ot), np.nan_to_num(od) + np.where(g.counted, oi, 0.0), ot)
    return _Defaults(direct=grid.G(od), indirect=grid.G(oi), total=grid.G(total), markup=grid.G(om),
                     see=grid.G(_ob.see_default_counted(total, np.nan_to_num(om))),
                     route_g=_normalise_route(_col(goods, "default_route")),
                     version_codes=np.zeros(grid.N, dtype=np.int16), versions=["user"], used=[])


def _table_defaults(g: _Goods, grid: _Grid, version: str | None, need_d: np.ndarray, notes: list[str]) -> _Defaults:
    """Default values looked up once per (CN code, country, year) and spread over the rows."""
    goods = g.frame
    ctry = _col(goods, "country")
    miss = need_d & (goods.missing("country") if "country" in goods else np.ones(g.n, dtype=bool))
    if miss.any():
        raise InputError(row=_label(goods, _first(miss)), field="country",
                         expected="the country of origin (default values depend on it)", found=None)
    ccode, cuniq = _factorize(ctry, na_sentinel=True)
    width = len(cuniq) + 1
    pcode, pkeys = _factorize(g.cn_codes.astype(np.int64) * width + (ccode + 1))
    pkeys = np.asarray(pkeys)
    P, Yn = len(pkeys), grid.yu.size
    sel = sorted_unique(pcode[need_d])
    country_ext = np.empty(width, dtype=object)
    country_ext[:] = [None, *cuniq]
    combo = {
        "cn_code": np.repeat(g.cn_u[pkeys[sel] // width], Yn),
        "country": np.repeat(country_ext[pkeys[sel] % width], Yn),
        "year": np.tile(grid.yu, sel.size),
    }
    if "variant" in goods:
        first_var = _first_given(goods.objects("variant"), goods.missing("variant"), pcode, P)
        combo["variant"] = np.repeat(np.asarray([first_var.get(int(k)) for k in sel], dtype=object), Yn)
    res = _lookup_defaults(combo, version)
    flat = np.repeat(sel, Yn) * Yn + np.tile(np.arange(Yn), sel.size)

    def table(col: str, dtype: Any = float, fill: Any = np.nan) -> np.ndarray:
        t = np.full(P * Yn, fill, dtype=dtype)
        t[flat] = res[col]
        return t.reshape(P, Yn)

    t_total, t_mk = table("total"), table("markup_rate")
    vc, vu = _factorize(res["version"])
    vtab = np.full(P * Yn, -1, dtype=np.int16)
    vtab[flat] = vc
    # a good fully on actual data uses no default line, even when another good of its key does
    route_g = table("route", dtype=object, fill=None)[:, 0][pcode]
    route_g[~need_d] = None
    if "default_route" in goods:  # the user's choice of Column B row wins, recorded as such
        user = _normalise_route(goods.objects("default_route"))
        chosen = ~missing_mask(user)
        if chosen.any():
            route_g = np.where(chosen, user, route_g)
            _warn(notes, "default_route given: Column B row chosen by the user instead of the default line's route")
    if "fallback" in res and res["fallback"].astype(bool).any():
        _warn(notes, "default values: some lines fall back to 'Other countries and territories' "
                     "(see attrs['default_values_used'])")
    return _Defaults(
        direct=grid.GY(table("direct"), pcode), indirect=grid.GY(table("indirect"), pcode),
        total=grid.GY(t_total, pcode), markup=grid.GY(t_mk, pcode),
        see=grid.GY(_ob.see_default_counted(t_total, t_mk), pcode),
        route_g=route_g, version_codes=grid.GY(vtab.reshape(P, Yn), pcode).astype(np.int16), versions=list(vu),
        used=_records({**combo, **res}))


def _records(columns: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """Equal-length columns as a list of row dicts of Python values."""
    names = list(columns)
    values = [np.asarray(columns[c]).tolist() for c in names]
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


def _lookup_defaults(combo: dict[str, np.ndarray], version: str | None) -> dict[str, np.ndarray]:
    """Default values per combination (cn_code, country, year[, variant]); the printed total is kept.

    Values in tCO2e/t; the mark-up as a fraction of the year of import (IR 2026/1740 Annex I).
    """
    from .default_values import resolve_default_values

    variant = combo.get("variant")
    if variant is not None:
        variant = np.asarray(["" if _is_missing(v) else v for v in variant.tolist()], dtype=object)
    res = resolve_default_values(combo["cn_code"], combo["country"], combo["year"], variant, version=version)
    out: dict[str, np.ndarray] = {col: np.asarray(res[col], dtype=float) for col in ("direct", "indirect", "total")}
    mk = np.asarray(res["markup_rate"], dtype=float)
    out["markup_rate"] = np.where(mk > 1.0, mk / 100.0, mk)  # percent or fraction
    out["route"] = _normalise_route(np.asarray(res["route"], dtype=object))
    out["version"] = np.asarray(res["version"], dtype=object)
    for extra in ("fallback", "source", "heading_level"):
        out[extra] = res[extra]
    return out


# --------------------------------------------------------------------------- benchmarks (IR 2025/2620)


def _column_b(g: _Goods, grid: _Grid, d: _Defaults, ind: np.ndarray) -> np.ndarray:
    """Column B of the default line's route per good, for indicator (1) and (2): shape (n, 2) (Annex 3.1, 5.1, 5.3)."""
    need_d = g.share < 1
    tab = np.full((g.n, 2), np.nan)
    over = _numeric(g.frame, "benchmark_b")
    given = need_d & ~np.isnan(over)
    tab[given] = over[given, None]
    look = need_d & np.isnan(over)
    if look.any():
        tab[look, 0] = _benchmarks_for(g.cn_u, g.cn_codes, d.route_g, look, "B", g.frame,
                                       production_year=_IND_YEAR[0], default_line=True)
        tab[look, 1] = tab[look, 0]
        later = look & _year_rows(g, "B") & _any_later(grid, ind, g.n)
        if later.any():
            tab[later, 1] = _benchmarks_for(g.cn_u, g.cn_codes, d.route_g, later, "B", g.frame,
                                            production_year=_IND_YEAR[1], default_line=True)
    return tab


def _year_rows(g: _Goods, column: Literal["A", "B"]) -> np.ndarray:
    """Per good: whether its CN code's benchmark rows depend on the production year."""
    from .benchmarks import has_year_rows

    flags = np.array([has_year_rows(c, column) for c in g.cn_u], dtype=np.bool_)
    return flags[g.cn_codes]


def _any_later(grid: _Grid, ind: np.ndarray, n: int) -> np.ndarray:
    """Per good: whether any of its rows has a production year of indicator (2)."""
    return np.bincount(grid.G(np.arange(n)), weights=ind, minlength=n) > 0 if ind.any() else np.zeros(n, bool)


def _by_indicator(tab: np.ndarray, grid: _Grid, ind: np.ndarray) -> np.ndarray:
    """Per-row values of a per-good (n, 2) table, column chosen by each row's indicator."""
    first = grid.G(tab[:, 0])
    same = (tab[:, 0] == tab[:, 1]) | (np.isnan(tab[:, 0]) & np.isnan(tab[:, 1]))
    if same.all():
        return first
    return np.where(ind == 1, grid.G(tab[:, 1]), first)


_IND_YEAR = (2026, 2028)  # a production year standing for indicator (1) and (2)


@dataclass(repr=False, eq=False)  # internal: only __init__ is generated (start-up)
class _ChainA:
    """Column A terms of the actual share: own process plus relevant precursors (Annex 3.2, 3.3)."""

    chain: np.ndarray             # per good and indicator (n, 2) [tCO2e/t] (before CBAM factor and CSCF)
    given: np.ndarray             # per good and indicator (n, 2): SEFA reported by producers [tCO2e/t]
    has_precursors: np.ndarray    # per good


def _column_a(g: _Goods, grid: _Grid, ind: np.ndarray, precursors: pd.DataFrame | None,
              own_process_only: bool, notes: list[str]) -> _ChainA:
    """Column A chain of the goods with an actual share, for each row's production year."""
    need_a = g.share > 0
    _cement_routes(g, need_a)
    has_prec = np.zeros(g.n, dtype=bool)
    own_sefa = need_a & ~np.isnan(g.sefa_given)
    if precursors is not None and len(precursors):
        has_prec = _precursor_parents(g.frame, precursors) & need_a
    _require_precursors(g, need_a & ~has_prec & ~own_sefa & np.isnan(_numeric(g.frame, "benchmark_a")),
                        own_process_only, notes)
    chain_tab = np.full((g.n, 2), np.nan)
    given_tab = np.zeros((g.n, 2))
    computed = need_a & ~own_sefa
    if computed.any():
        chain, given = _chain_for_year(g, computed, has_prec, precursors, _IND_YEAR[0])
        chain_tab[:, 0], given_tab[:, 0] = chain, given
        chain_tab[:, 1], given_tab[:, 1] = chain, given
        later = computed & _any_later(grid, ind, g.n) & (_year_rows(g, "A") | has_prec)
        if later.any():
            chain, given = _chain_for_year(g, later, has_prec & later, precursors, _IND_YEAR[1])
            chain_tab[later, 1], given_tab[later, 1] = chain[later], given[later]
    given_tab[own_sefa, :] = g.sefa_given[own_sefa, None]
    chain_tab[own_sefa, :] = 0.0
    chain_tab[~need_a, :] = np.nan
    given_tab[~need_a, :] = 0.0
    return _ChainA(chain=chain_tab, given=given_tab, has_precursors=has_prec)


def _cement_routes(g: _Goods, need_a: np.ndarray) -> None:
    """Cement on actual data: the clinker route decides the clinker benchmark ((A) grey, (B) white)."""
    implied = np.array([CEMENT_FUNCTIONAL_UNIT_CN.get(c) for c in g.cn_u], dtype=object)[g.cn_codes]
    infer = g.is_fu & need_a & missing_mask(g.route_a)
    g.route_a[infer] = implied[infer]
    miss = g.is_fu & need_a & missing_mask(g.route_a)
    if miss.any():
        raise InputError("the clinker benchmark of hydraulic cement depends on the clinker route",
                         row=_label(g.frame, _first(miss)), field="route",
                         expected="'A' (grey clinker) or 'B' (white clinker)", found=None)


def _require_precursors(g: _Goods, bare: np.ndarray, own_process_only: bool, notes: list[str]) -> None:
    """A complex good on actual data needs its relevant precursors or its producer's SEFA (Annex 3.3)."""
    from .precursor_allocation import RELEVANT_PRECURSORS

    needs = {c: sorted(RELEVANT_PRECURSORS.get(c, frozenset())) for c in set(g.category_u)}
    complex_u = np.asarray([bool(needs.get(c)) and c not in _IMPLICIT_PRECURSOR for c in g.category_u], dtype=bool)
    flag = {c: _flag(g.frame, c) for c in ("no_relevant_precursors", "own_process_only")}
    missing = bare & complex_u[g.cn_codes] & ~g.is_fu & ~flag["no_relevant_precursors"]
    lower = missing & (flag["own_process_only"] | own_process_only)
    if lower.any():
        cats = ", ".join(sorted(set(g.category[lower])))
        _warn(notes, f"own process only ({cats}): the free-allocation adjustment counts Column A of the good's own "
                     "process and no relevant precursor; exact only if the good consumed none, otherwise a LOWER "
                     "BOUND (IR (EU) 2025/2620 Annex 3.3)")
    refused = missing & ~lower
    if not refused.any():
        return
    i = _first(refused)
    cat = g.category[i]
    raise InputError(
        f"CN {g.cn_u[g.cn_codes[i]]} ({cat}) is a complex good: its free-allocation adjustment adds the SEFA of each "
        f"relevant precursor (IR (EU) 2025/2620 Annex 3.3); give the precursors consumed ("
        f"{', '.join(needs[cat])}: CN code, t per t of good, route where the benchmark needs it), the producer's "
        "verified SEFA, or state own-process-only for a lower bound",
        row=_label(g.frame, i), field="precursors", expected="precursors or sefa", found=None)


def _flag(goods: _Frame | _Columns, name: str) -> np.ndarray:
    """A yes/no column as booleans; absent or blank is False."""
    return goods.flags(name) if name in goods else np.zeros(goods.n, dtype=bool)


#: Categories whose relevant precursor is counted implicitly (cement: clinker per t clinker contained).
_IMPLICIT_PRECURSOR = frozenset({"Cement"})


def _chain_for_year(g: _Goods, need_a: np.ndarray, has_prec: np.ndarray, precursors: pd.DataFrame | None,
                    production_year: int) -> tuple[np.ndarray, np.ndarray]:
    """Own Column A plus the precursor chain, per good, for one production year."""
    over = _numeric(g.frame, "benchmark_a")
    own = over.copy()
    look = need_a & np.isnan(over)
    if look.any():
        own[look] = _benchmarks_for(g.cn_u, g.cn_codes, g.route_a, look, "A", g.frame,
                                    production_year=production_year)
    chain = np.where(need_a, own, np.nan)
    given = np.zeros(g.n)
    if has_prec.any():
        add, given_add, _ = _precursor_terms(g.frame, precursors, need_a, production_year)  # type: ignore[arg-type]
        chain = np.where(has_prec, chain + add, chain)
        given = np.where(has_prec, given_add, 0.0)
    implicit = g.is_fu & need_a & ~has_prec  # cement: clinker as precursor, 1 t per t clinker contained
    if implicit.any():
        clk = _benchmarks_for(np.asarray([CEMENT_CLINKER_CN], dtype=object), np.zeros(g.n, dtype=np.int64),
                              g.route_a, implicit, "A", g.frame, production_year=production_year)
        chain[implicit] = chain[implicit] + clk
    return chain, given


# --------------------------------------------------------------------------- prices, Art. 9, de minimis


def _certificate_price(goods: _Frame | _Columns, grid: _Grid, price_r: Any, notes: list[str]) -> tuple[
        np.ndarray, _Cat]:
    """Certificate price per row [EUR/tCO2e] and its basis (Art. 21 as amended by Reg. 2025/2083)."""
    if price_r is None:
        if "quarter" not in goods:
            raise InputError("no certificate price: give price=... (EUR/tCO2e, a price path or 'scenario:central'), "
                             "or a 'quarter' column for the published 2026 quarterly price",
                             field="price", expected="a certificate price", found=None)
        if np.any(grid.yr != 2026):
            raise InputError(f"no certificate price for {int(grid.yr[grid.yr != 2026][0])}: the published 2026 "
                             "quarterly prices cover 2026 only; give price=... (a number, a path or "
                             "'scenario:central')", field="price", expected="a certificate price for every year",
                             found=None)
        qg = goods.objects("quarter")
        qc, qu = _factorize(_as_text(qg))
        labels = [f"published 2026-Q{q}" for q in qu]
        return grid.G(_prices.quarter_price_2026(qg)), _Cat(grid.G(qc.astype(np.int8)), labels)
    if isinstance(price_r, float):
        return np.full(grid.N, price_r), _const_cat(grid.N, "user")
    if price_r.source.startswith("scenario:"):
        _warn(notes, f"certificate price from {price_r.source}: a scenario, never law")
    return grid.Yr(price_r.for_years(grid.yu, field="price")), _const_cat(grid.N, price_r.source)


def _exchange_rate(grid: _Grid, fx_r: Any, given: Any, notes: list[str]) -> tuple[np.ndarray, str]:
    """EUR/THB per row [THB/EUR] and its source (an input, not law)."""
    if isinstance(fx_r, float):
        if not fx_r > 0:
            raise InputError(field="eur_thb", expected="a rate > 0 [THB/EUR]", found=fx_r)
        return np.full(grid.N, fx_r), "user"
    if given is None:
        _warn(notes, f"EUR/THB from {fx_r.source}: an indicative scenario, not an official rate")
    return grid.Yr(fx_r.for_years(grid.yu, field="eur_thb")), fx_r.source


@dataclass(repr=False, eq=False)  # internal: only __init__ is generated (start-up)
class _Art9:
    reduction: np.ndarray         # [tCO2e] per row
    origin_price_eur: np.ndarray  # [EUR/tCO2e] per row (net of rebate per tonne)
    basis: np.ndarray             # per good: index into ART9_BASES
    thai: np.ndarray              # per good


#: ``art9_basis`` of a result row.
ART9_BASES = ("none", "actual share: price paid (draft IA Art. 9(5))", "default share: Commission default carbon price",
              "actual share: price paid; default share: Commission default carbon price",
              "not applied: default values need a Commission default carbon price")


def _art9(g: _Goods, grid: _Grid, ee: np.ndarray, price: np.ndarray, fx: np.ndarray, notes: list[str]) -> _Art9:
    """Art. 9 reduction: price paid on the actual share, Commission default price on the default share."""
    goods = g.frame
    thai = _thai_scheme(goods)
    o_price = _numeric(goods, "origin_price", default=0.0)
    o_cur = _col(goods, "origin_currency", "EUR")
    if thai.any():
        _require_covered_share(goods, thai)
        o_price = np.where(thai & ~(o_price > 0), _cp.thai_carbon_tax()["rate"], o_price)
        o_cur = np.where(thai, "THB", o_cur)
        _warn(notes, _cp.THAI_ART9_NOTE)
    net = np.maximum(o_price - _numeric(goods, "origin_rebate", default=0.0), 0.0)
    share_cov = _numeric(goods, "origin_share", default=1.0, minimum=0.0, maximum=1.0)
    net_eur = grid.G(net)
    thb = grid.G(_cp.is_thb(o_cur))
    net_eur[thb] = net_eur[thb] / fx[thb]  # yearly average exchange rate
    red = np.zeros(grid.N)
    paid_a = (net > 0) & (g.share > 0)
    dcp = _numeric(goods, "default_carbon_price", default=np.nan)
    has_dcp = ~np.isnan(dcp) & (dcp > 0) & (g.share < 1)
    ee_actual = grid.G(_ob.embedded_emissions(g.fu_t, _ob.see_weighted(g.share, g.see_actual, 0.0))) \
        if (paid_a.any() or has_dcp.any()) else None
    if paid_a.any():
        red += _cp.art9_reduction_actual(ee_actual, net_eur, price, share_covered=grid.G(share_cov))
        _warn(notes, _cp.ART9_ACTUAL_NOTE)
    if has_dcp.any():
        red += _cp.art9_reduction_default(ee - ee_actual, grid.G(dcp), price)
    refused = (net > 0) & (g.share < 1) & ~has_dcp
    if refused.any():
        _warn(notes, _cp.ART9_DEFAULT_NOTE)
    basis = np.where(paid_a & has_dcp, 3, np.where(paid_a, 1, np.where(has_dcp, 2, np.where(refused, 4, 0))))
    return _Art9(reduction=red, origin_price_eur=net_eur, basis=basis.astype(np.int8), thai=thai)


def _thai_scheme(goods: _Frame | _Columns) -> np.ndarray:
    if "origin_scheme" not in goods:
        return np.zeros(goods.n, dtype=bool)
    sc, su = _factorize(goods.objects("origin_scheme"))
    known = np.asarray([str(x).strip().lower() == "thai-excise" for x in su] + [False], dtype=bool)
    return known[sc]


def _require_covered_share(goods: _Frame | _Columns, thai: np.ndarray) -> None:
    """The Thai excise covers oil products only: the covered share is the user's to state."""
    miss = thai & (goods.missing("origin_share") if "origin_share" in goods else True)
    if miss.any():
        raise InputError("the Thai fuel-excise carbon tax covers emissions from oil products only; state the share "
                         "of embedded emissions it covered", row=_label(goods, _first(miss)), field="origin_share",
                         expected="a share in [0, 1]", found=None)


def _de_minimis(g: _Goods, grid: _Grid, notes: list[str], assumptions: list[str]) -> tuple[np.ndarray, Any, Any]:
    """Exempt rows: an importer's net mass of CBAM goods in a year <= 50 t, electricity and hydrogen excluded."""
    icode, iuniq = _factorize(_col(g.frame, "importer", "all"), na_sentinel=False)
    excluded = np.isin(np.asarray([_kind(c) for c in g.category_u], dtype=object)[g.cn_codes],
                       list(DE_MINIMIS_EXCLUDED))
    threshold = _de_minimis_threshold()
    key = grid.G(icode.astype(np.int64)) * grid.yu.size + grid.Yr(np.arange(grid.yu.size))
    mass = np.bincount(key, weights=grid.G(np.where(excluded, 0.0, g.tonnes)), minlength=len(iuniq) * grid.yu.size)
    exempt = grid.G(~excluded) & (mass[key] <= threshold)
    if exempt.any():
        _warn(notes, f"de minimis: an importer's net mass of CBAM goods (other than electricity and hydrogen) is "
                     f"<= {threshold:g} t in a year: exempt (Reg. (EU) 2025/2083); certificates and cost show what "
                     "would be due above the threshold")
    if "importer" not in g.frame:
        assumptions.append("de minimis: all rows treated as the imports of one importer (no 'importer' column)")
    return exempt, icode, iuniq


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
    own_process_only: bool = False,
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
        ``production_year`` (optional)
            Year the good was produced, 2026-2034 (default: the year of import); selects the
            benchmark rows (1) 2026-27 / (2) 2028-30 (IR (EU) 2025/2620 Annex 5.3).
        ``see_direct``, ``see_indirect`` (optional)
            Actual specific embedded emissions. [tCO2e/t of functional unit]
        ``see_indirect_counted`` (optional)
            The indirect SEE that counts across the chain (from an engine run, IR (EU) 2025/2547
            Annex I 3.1); otherwise indirect emissions count where the CN code is not in Annex II.
        ``actual_share`` (optional)
            Share of the quantity covered by the actual SEE, in [0, 1] (default 1 where
            ``see_direct`` is given, else 0); the rest uses default values.
        ``route`` (optional)
            Production-route indicator of the actual process (e.g. ``"E"``, ``"A"``, ``"K"``).
        ``sefa`` (optional)
            The good's SEFA as its producer reports it (operator's emissions report) [tCO2e/t]:
            used for the actual share instead of Column A and precursors.
        ``own_process_only`` (optional, bool)
            Per good, as the keyword below.
        ``no_relevant_precursors`` (optional, bool)
            The producer's data show that the good consumed no relevant precursor (e.g. an
            installation run, or scrap-based EAF steel): Column A of its own process is exact.
        ``clinker_content`` (cement 2523 21/29/90)
            Clinker contained per tonne of cement. [t/t] Required for those codes.
        ``origin_price``, ``origin_currency``, ``origin_share``, ``origin_rebate`` (optional)
            Carbon price effectively paid at origin [currency/tCO2e], its currency (EUR or THB), the
            share of the actual embedded emissions it covered net of rebated emissions (default 1)
            and a rebate per tonne [currency/tCO2e]. Reduces the actual share only (Art. 9).
        ``default_carbon_price`` (optional)
            The Commission's yearly default carbon price of the country [EUR/tCO2e]: the only
            Art. 9 reduction allowed on the default share (none published yet).
        ``origin_scheme`` (optional)
            ``"thai-excise"``: the Thai fuel-excise carbon tax (THB 200/tCO2e) as an Art. 9
            scenario; needs ``origin_share``.
        ``importer`` (optional)
            Importer id for the de minimis test (default: all rows are one importer).
        ``category``, ``benchmark_a``, ``benchmark_b``, ``default_direct``, ``default_indirect``,
        ``default_total``, ``default_route``, ``markup_rate``, ``variant`` (optional)
            Overrides of the reference look-ups (per row; mark-up as a fraction). ``benchmark_a``
            given is taken as the whole Column A chain of the good.
    years : iterable of int, default 2026-2034
        Years of import to compute for every good (when ``goods`` has no ``year`` column).
    price : float, mapping, str or YearlySeries, optional
        Certificate price [EUR/tCO2e]: one number, a mapping year -> price, a CSV price path or
        ``"scenario:<name>"``. Default: the published 2026 quarterly prices (needs ``quarter``).
    eur_thb : float, mapping, str or YearlySeries, optional
        Exchange rate [THB/EUR]; default the shipped scenario ``central`` (recorded as source).
    cbam_factor, cscf : float or mapping, optional
        Your own factors instead of ``emission_factors/``.
    version : str, optional
        Default-value version (``None``: the version in force).
    precursors : pandas.DataFrame, optional
        Relevant precursors of goods on actual data, indexed by a precursor id, with ``parent``
        (a ``goods`` index label or another precursor id), ``mass_per_t`` [t/t], ``cn_code`` and
        ``route`` (for the Column A look-up) or ``benchmark_a`` [tCO2e/t], or ``sefa`` [tCO2e/t]
        from the precursor producer.
    own_process_only : bool, default False
        Accept complex goods on actual data without their precursors: the adjustment counts the
        own process only, a lower bound (a warning says so). Otherwise such a good is refused.

    Returns
    -------
    pandas.DataFrame
        One row per good and year (``OUTPUT_COLUMNS``; units as in the module docstring), with
        ``attrs``: ``data_version``, ``warnings``, ``assumptions`` and ``default_values_used``.

    Raises
    ------
    InputError
        Bad quantities, shares, years or production years (outside 2026-2034), a price gap, an
        unknown currency, actual SEE without the route a benchmark needs, a complex good on
        actual data without precursors or SEFA, cement without ``clinker_content``, electricity.
    ReferenceDataError
        No default value or benchmark for a code.

    References
    ----------
    Regulation (EU) 2023/956 Art. 7, 9, 21, 22, 31, Annexes II and IV (as amended by Reg. (EU)
    2025/2083); Directive 2003/87/EC Art. 10a(1a); IR (EU) 2025/2547 Annex I; IR (EU) 2025/2620
    Annex; IR (EU) 2025/2621 Annex I as replaced by IR (EU) 2026/1740.
    """
    import pandas as pd

    if not isinstance(goods, pd.DataFrame):
        raise InputError(field="goods", expected="a pandas DataFrame", found=type(goods).__name__)
    table = _Frame(goods)
    cols, attrs = _obligation(table, years=years, price=price, eur_thb=eur_thb, cbam_factor=cbam_factor, cscf=cscf,
                              version=version, precursors=precursors, own_process_only=own_process_only)
    good = goods.index.repeat(len(cols["year"]) // max(table.n, 1)) if table.n else goods.index.copy()
    out = pd.DataFrame({"good": good, **{k: _pandas_column(v) for k, v in cols.items()}}, columns=OUTPUT_COLUMNS,
                       copy=False)  # copy=False: no block consolidation (6 s at 9e6 rows)
    out.attrs.update(attrs)
    return out


def _pandas_column(values: Any) -> Any:
    """A result column for the DataFrame: text columns become categoricals on their labels."""
    if not isinstance(values, _Cat):
        return values
    import pandas as pd

    return pd.Categorical.from_codes(values.codes, pd.Index(values.labels, dtype=object))


@dataclass
class CostRows:
    """What :func:`cbam_cost_rows` returns: one dict per good and year, and the notes of the computation."""

    rows: list[dict[str, Any]]
    data_version: str
    warnings: list[str] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    default_values_used: list[dict[str, Any]] = field(default_factory=list)


def cbam_cost_rows(goods: Mapping[str, Any], **options: Any) -> CostRows:
    """:func:`cbam_cost` for goods given as plain columns, answered as plain rows, without pandas.

    Parameters
    ----------
    goods : mapping
        Column name -> sequence of values, one per good (the columns of :func:`cbam_cost`'s
        ``goods``, e.g. ``{"cn_code": ["7318 15 95"], "quantity": [100.0], "country": ["TH"]}``).
        Goods are labelled ``"0"``, ``"1"``, ... in messages and in the ``good`` key.
    **options
        The keywords of :func:`cbam_cost` (``years``, ``price``, ``eur_thb``, ...).

    Returns
    -------
    CostRows
        ``rows``: one dict per good and year with the keys ``OUTPUT_COLUMNS`` (the same values as
        :func:`cbam_cost`'s rows; missing values are None); and the ``attrs`` of :func:`cbam_cost`
        as fields.

    Notes
    -----
    The same computation as :func:`cbam_cost` (one orchestrator); a few goods never import pandas,
    which keeps a single CLI call fast (issue 12). Precursor tables and price paths still use pandas.
    """
    if not isinstance(goods, Mapping):
        raise InputError(field="goods", expected="a mapping of column name -> values (cbam_cost takes a DataFrame)",
                         found=type(goods).__name__)
    table = _Columns(goods)
    cols, attrs = _obligation(table, **options)
    n_rows = len(cols["year"])
    per_good = n_rows // max(table.n, 1)
    out: dict[str, list[Any]] = {"good": [lab for lab in table.labels() for _ in range(per_good)]}
    for name, values in cols.items():
        out[name] = _python_column(values, n_rows)
    rows = [{k: out[k][i] for k in OUTPUT_COLUMNS} for i in range(n_rows)]
    return CostRows(rows=rows, **attrs)


def _python_column(values: Any, n: int) -> list[Any]:
    """A result column as Python values (labels for text columns, None for NaN and missing labels)."""
    if isinstance(values, _Cat):
        labels = [*values.labels, None]  # code -1 -> None
        return [labels[c] for c in np.asarray(values.codes).tolist()]
    arr = np.broadcast_to(np.asarray(values), (n,))
    if arr.dtype.kind == "f":
        return [None if v != v else v for v in arr.tolist()]
    return [None if _is_missing(v) else v for v in arr.tolist()]


def _obligation(goods: _Frame | _Columns, *, years: Iterable[int] | None = range(2026, 2035), price: Any = None,
                eur_thb: Any = None, cbam_factor: Any = None, cscf: Any = None, version: str | None = None,
                precursors: pd.DataFrame | None = None, own_process_only: bool = False,
                ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The chain of the law over the goods table: result columns (arrays or :class:`_Cat`) and the attrs."""
    from .refdata import data_version

    notes: list[str] = []
    assumptions: list[str] = []
    price_r = _prices.resolve_price(price)  # a bad price path fails before any look-up
    fx_r = _prices.resolve_fx(eur_thb)
    g = _read_goods(goods, notes, assumptions)
    grid = _grid(goods, years)
    factor_u, cscf_u = _year_factors(grid, cbam_factor, cscf, notes, assumptions)
    prod_year = _production_years(goods, grid, notes)
    ind = _indicator_code(prod_year)
    d = _default_values(g, grid, version, notes)
    bm_b = _column_b(g, grid, d, ind)
    a = _column_a(g, grid, ind, precursors, own_process_only, notes)
    # embedded emissions: actual SEE per good, default SEE per row (its mark-up follows the year of import)
    share, q_fu, see_act = grid.G(g.share), grid.G(g.fu_t), grid.G(g.see_actual)
    see_used = _ob.see_weighted(share, see_act, d.see)
    ee = _ob.embedded_emissions(q_fu, see_used)
    # free-allocation adjustment: the embedded benchmark per good and indicator, then per row
    bm_tab = _ob.embedded_benchmark(g.share[:, None], a.chain, bm_b)
    bm = _by_indicator(bm_tab, grid, ind)
    given = _by_indicator(g.share[:, None] * a.given, grid, ind) if a.given.any() else 0.0
    fc = grid.Yr(factor_u * cscf_u)
    sefa = _ob.sefa(fc, bm, given)
    faa = _ob.free_allocation_adjustment(q_fu, sefa)
    p_eur, price_basis = _certificate_price(goods, grid, price_r, notes)
    fx, fx_source = _exchange_rate(grid, fx_r, eur_thb, notes)
    art9 = _art9(g, grid, ee, p_eur, fx, notes)
    cert = _ob.certificates(ee, faa, art9.reduction)
    cost = _ob.cost_eur(cert, p_eur)
    exempt, icode, iuniq = _de_minimis(g, grid, notes, assumptions)
    cols = _assemble(g, grid, d, a, locals_=dict(
        prod_year=prod_year, ind=ind, share=share, q_fu=q_fu, see_act=see_act, ee=ee, see_used=see_used, bm=bm,
        factor_u=factor_u,
        cscf_u=cscf_u, sefa=sefa, faa=faa, art9=art9, cert=cert, p_eur=p_eur, price_basis=price_basis, cost=cost,
        fx=fx, fx_source=fx_source, exempt=exempt, icode=icode, iuniq=iuniq, data_version=data_version()))
    attrs = {"data_version": data_version(), "warnings": list(notes),
             "assumptions": list(dict.fromkeys(assumptions)), "default_values_used": d.used}
    return cols, attrs


def _assemble(g: _Goods, grid: _Grid, d: _Defaults, a: _ChainA, locals_: dict[str, Any]) -> dict[str, Any]:
    """The result columns (but ``good``): numbers as float arrays, text as codes into the unique values."""
    v = locals_
    G = grid.G

    def cat(codes: np.ndarray, labels: Any) -> _Cat:
        labels = list(labels)
        small = np.int8 if len(labels) < 127 else (np.int16 if len(labels) < 32767 else np.int32)
        return _Cat(G(np.asarray(codes).astype(small)), labels)

    goods = g.frame
    basis_g = np.where(g.share >= 1.0, 0, np.where(g.share <= 0.0, 1, 2)).astype(np.int8)
    reason_codes, reason_labels = _benchmark_reasons(basis_g, g.route_a, d.route_g, a.has_precursors, g.is_fu)
    ccode, cuniq = _factorize(_col(goods, "country"), na_sentinel=True)
    rcode, runiq = _factorize(np.asarray(g.route_a, dtype=object), na_sentinel=True)
    drcode, druniq = _factorize(np.asarray(d.route_g, dtype=object), na_sentinel=True)
    catc, catu = _factorize(np.asarray([_kind(c) for c in g.category_u], dtype=object))
    art9: _Art9 = v["art9"]
    note = np.where(art9.thai, 1, np.where(art9.basis == 4, 2, np.where(np.isin(art9.basis, (1, 3)), 0, -1)))
    vsmall = d.version_codes if d.version_codes.size == grid.N else G(d.version_codes)
    N = grid.N
    ind_label = _Cat(v["ind"], ["(1) 2026-27", "(2) 2028-30"])
    return {
        "year": grid.yr,
        "cn_code": cat(g.cn_codes, g.cn_u),
        "country": cat(ccode, cuniq),
        "category": cat(catc[g.cn_codes], catu),
        "tonnes": G(g.tonnes),
        "clinker_content": G(g.clinker),
        "functional_unit_t": v["q_fu"],
        "actual_share": v["share"],
        "see_basis": cat(basis_g, ["actual", "default", "mixed"]),
        "see_actual": v["see_act"],
        "default_direct": d.direct,
        "default_indirect": d.indirect,
        "default_total": d.total,
        "markup_rate": d.markup,
        "see_default": d.see,
        "see_used": v["see_used"],
        "indirect_counted": G(g.counted),
        "embedded_emissions_t": v["ee"],
        "route": cat(rcode, runiq),
        "default_route": cat(drcode, druniq),
        "production_year": v["prod_year"],
        "benchmark_indicator": ind_label,
        "benchmark_column": cat(basis_g, ["A", "B", "A+B"]),
        "benchmark": v["bm"],
        "benchmark_reason": cat(reason_codes, reason_labels),
        "cbam_factor": grid.Yr(v["factor_u"]),
        "cscf": grid.Yr(v["cscf_u"]),
        "sefa": v["sefa"],
        "free_allocation_adjustment_t": v["faa"],
        "origin_price_eur": art9.origin_price_eur,
        "art9_basis": cat(art9.basis, ART9_BASES),
        "carbon_price_deduction_t": art9.reduction,
        "certificates": v["cert"],
        "price_eur": v["p_eur"],
        "price_basis": v["price_basis"],
        "cost_eur": v["cost"],
        "eur_thb": v["fx"],
        "eur_thb_source": _const_cat(N, v["fx_source"]),
        "cost_thb": _ob.cost_thb(v["cost"], v["fx"]),
        "importer": cat(v["icode"], v["iuniq"]),
        "de_minimis_exempt": v["exempt"],
        "art9_note": cat(note, [_cp.ART9_ACTUAL_NOTE, _cp.THAI_ART9_NOTE, _cp.ART9_DEFAULT_NOTE]),
        "default_version": _Cat(vsmall, list(d.versions)),
        "data_version": _const_cat(N, v["data_version"]),
    }


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
    functional unit is the clinker contained (IR (EU) 2025/2547 Annex I):
    ``SEE_fu = SEE_cement / clinker content``. The goods table carries SEE only: the embedded free
    allocation of the relevant precursors (complex goods) comes from
    :func:`cbamcalc.precursor_allocation.precursors_from_run`, which :func:`cost_from_run` passes to
    :func:`cbam_cost` as ``precursors=``.
    """
    import pandas as pd

    from .cn_codes import normalise_cn

    prod = result.products.copy()
    prod["_cn"] = [normalise_cn(c) for c in prod["cn_code"].astype(str)]
    out = exports.copy()
    if "cn_code" not in out.columns or not ({"quantity", "tonnes"} & set(out.columns)):
        raise InputError(field="exports", expected="columns cn_code and quantity [t]", found=", ".join(out.columns))
    see_d, see_i, see_ic, procs = [], [], [], []
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
                "the functional unit of cement is the clinker contained (IR (EU) 2025/2547 Annex I); the run "
                "does not show how much clinker the cement contains", row=str(label), field="clinker_content",
                expected="t clinker per t cement, in (0, 1]", found=None)
        div = float(c) if (fu and c) else 1.0
        see_d.append(float(r["see_direct"]) / div)
        see_i.append(float(r["see_indirect"]) / div)
        see_ic.append(float(r["see_indirect_counted"]) / div if "see_indirect_counted" in r.index else np.nan)
        clinker.append(c if fu else np.nan)
        procs.append(str(r["process"]))
    out["see_direct"] = see_d
    out["see_indirect"] = see_i
    out["see_indirect_counted"] = see_ic  # IR 2025/2547 Annex I 3.1, across the run's precursors
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
    import pandas as pd

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
    if pd.notna(row.get("see_indirect_counted")):
        out["see_indirect_counted"] = float(row["see_indirect_counted"])
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
    import pandas as pd

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
    if installation is not None:  # the run lists every precursor consumed: none listed means none consumed
        goods["no_relevant_precursors"] = True
    else:
        kwargs.setdefault("own_process_only", True)
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


def _const_cat(n: int, label: str) -> _Cat:
    """A text column holding one label ``n`` times (1 byte per row)."""
    return _Cat(np.zeros(n, dtype=np.int8), [label])


def _de_minimis_threshold() -> float:
    """The de minimis threshold [t net mass per importer and year] (Reg. (EU) 2025/2083, de_minimis.csv)."""
    from .refdata import load_columns

    t = load_columns("de_minimis")
    hit = np.flatnonzero(t["key"] == "threshold_net_mass")
    if hit.size != 1:
        raise ReferenceDataError("de_minimis.csv: expected one row 'threshold_net_mass'")
    return float(t["value"][hit[0]])


def _benchmarks_for(cn_u: np.ndarray, cn_codes: np.ndarray, route: np.ndarray, mask: np.ndarray, column: str,
                    goods: _Frame | _Columns, *, production_year: int | None = None,
                    default_line: bool = False) -> np.ndarray:
    """Column ``column`` benchmarks for the rows in ``mask``, looked up once per (CN code, route)."""
    rcode, runiq = _factorize(np.asarray(route[mask], dtype=object), na_sentinel=True)
    key = cn_codes[mask].astype(np.int64) * (len(runiq) + 1) + (rcode + 1)
    kcode, kuniq = _factorize(key)
    kuniq = np.asarray(kuniq)
    runiq_ext = np.empty(len(runiq) + 1, dtype=object)
    runiq_ext[:] = [None, *runiq]
    frame = {
        "cn_code": cn_u[kuniq // (len(runiq) + 1)],
        "route": runiq_ext[kuniq % (len(runiq) + 1)],
        "column": column,
        "production_year": production_year,
    }

    def where(exc: Exception) -> str:  # the goods row behind the failing look-up
        k = getattr(exc, "row", None)
        k = int(k) if isinstance(k, int | np.integer) and 0 <= int(k) < len(kuniq) else 0
        return _label(goods, int(np.flatnonzero(mask)[_first(kcode == k)]))

    try:
        vals = _lookup_benchmarks(frame)
    except InputError as exc:
        if default_line and exc.field != "production_year":
            raise InputError(
                f"{exc._free_text or exc}; the default line's route does not select one Column B row for this CN "
                "code: state the route to use as default_route (cbamcalc cost --default-route)",
                row=where(exc), field="default_route", expected=exc.expected, found=exc.found,
            ) from exc
        raise InputError(exc._free_text or str(exc), row=where(exc), field=exc.field or "route",
                         expected=exc.expected, found=exc.found) from exc
    except ReferenceDataError as exc:
        text = str(exc)
        if "route" in text.lower():
            raise InputError(
                f"{text}; " + ("the default line has no route for it" if default_line else
                               "give the production route of the actual process"),
                row=where(exc), field="route",
                expected="a production-route indicator the benchmark table has for this CN code", found=None,
            ) from exc
        raise
    if np.isnan(vals).any():
        j = _first(np.isnan(vals))
        raise ReferenceDataError(f"no Column {column} benchmark for CN {frame['cn_code'][j]} route {frame['route'][j]}")
    return vals[kcode]


def _lookup_benchmarks(frame: dict[str, Any]) -> np.ndarray:
    """Benchmark value per row of ``frame[cn_code, route, column, production_year]`` [tCO2e/t]."""
    from .benchmarks import benchmark_values

    found = benchmark_values(frame["cn_code"], frame["column"], frame["route"], frame["production_year"])
    return np.asarray(found["value"], dtype=float)


def _precursor_parents(goods: _Frame | _Columns, precursors: pd.DataFrame) -> np.ndarray:
    """Per good: whether the precursor table names it as a parent."""
    if "parent" not in precursors.columns:
        raise InputError(field="parent", expected="a column 'parent' in precursors",
                         found=", ".join(map(str, precursors.columns)))
    parents = set(precursors["parent"].astype(str))
    return np.asarray([label in parents for label in goods.labels()], dtype=bool)


def _precursor_terms(goods: _Frame | _Columns, precursors: pd.DataFrame, need_a: np.ndarray,
                     production_year: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chain and given-SEFA terms of each good's precursors (see :func:`free_allocation.precursor_chain`)."""
    import pandas as pd

    pre = precursors.copy()
    if "parent" not in pre.columns:
        raise InputError(field="parent", expected="a column 'parent' in precursors", found=", ".join(pre.columns))
    pids = pd.Index(pre.index.astype(str))
    glabels = pd.Index(goods.labels(), dtype=object)
    parent = pre["parent"].astype(str)
    in_pre = parent.isin(pids).to_numpy()
    in_goods = parent.isin(glabels).to_numpy()
    if (~in_pre & ~in_goods).any():
        i = int(np.flatnonzero(~in_pre & ~in_goods)[0])
        raise InputError(row=str(pre.index[i]), field="parent", expected="a goods index label or a precursor id",
                         found=parent.iloc[i])
    pre_t = _Frame(pre)
    bm = _numeric(pre_t, "benchmark_a")
    sefa = _numeric(pre_t, "sefa")
    look = np.isnan(bm) & np.isnan(sefa)
    if look.any():
        if "cn_code" not in pre.columns:
            raise InputError(field="cn_code", expected="precursor CN codes (or benchmark_a / sefa)", found=None)
        cn = _normalise_cn(pre["cn_code"].astype(str).to_numpy(dtype=object))
        pc, pu = _factorize(cn)
        route = _normalise_route(_col(pre_t, "route"))
        _check_relevant(goods, pre, cn, parent, in_goods)
        bm[look] = _benchmarks_for(np.asarray(pu, dtype=object), pc, route, look, "A", pre_t,
                                   production_year=production_year)
    nodes = pd.DataFrame({
        "parent": np.where(in_pre, "p:" + parent, "g:" + parent),
        "mass_per_t": _numeric(pre_t, "mass_per_t", default=np.nan),
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


def _check_relevant(goods: _Frame | _Columns, pre: pd.DataFrame, pre_cn: np.ndarray, parent: pd.Series,
                    in_goods: np.ndarray) -> None:
    """Each precursor's CN code must be a relevant precursor of what consumes it (IR 2025/2547 Annex I)."""
    from .cn_codes import cbam_category
    from .precursor_allocation import is_relevant_precursor

    pre_cat = {str(i): cbam_category(c) for i, c in zip(pre.index, pre_cn, strict=True)}
    good_cat = {i: cbam_category(c) for i, c in zip(goods.labels(), _as_text(goods.objects("cn_code")), strict=True)}
    for i, (pid, par) in enumerate(zip(pre.index.astype(str), parent, strict=True)):
        consumer = good_cat.get(par) if in_goods[i] else pre_cat.get(par)
        if consumer is not None and not is_relevant_precursor(consumer, pre_cat[pid]):
            from .precursor_allocation import RELEVANT_PRECURSORS

            listed = ", ".join(sorted(RELEVANT_PRECURSORS.get(consumer, frozenset()))) or "none"
            raise InputError(f"CN {pre_cn[i]} ({pre_cat[pid]}) is not a relevant precursor of {consumer} "
                             "(IR (EU) 2025/2547 Annex I)", row=pid, field="cn_code",
                             expected=f"a precursor of category {listed}", found=pre_cn[i])


def _benchmark_reasons(basis: np.ndarray, route_a: np.ndarray, route_b: np.ndarray, has_prec: np.ndarray,
                       is_fu: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """One reason text per good, built on the unique combinations only."""
    ra_c, ra_u = _factorize(np.asarray(route_a, dtype=object), na_sentinel=True)
    rb_c, rb_u = _factorize(np.asarray(route_b, dtype=object), na_sentinel=True)
    na, nb = len(ra_u) + 1, len(rb_u) + 1
    key = (((basis.astype(np.int64) * na + (ra_c + 1)) * nb + (rb_c + 1)) * 2 + has_prec) * 2 + is_fu
    codes, uniq = _factorize(key)
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
    lcode, luniq = _factorize(np.asarray(labels, dtype=object))
    return lcode[codes].astype(np.int32), list(luniq)

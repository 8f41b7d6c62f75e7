"""The terms of the CBAM obligation, one pure function each, in the order the law builds them.

Every function works on numpy arrays (one element per good and year) in fixed units and reads
against one provision; :func:`cbamcalc.cost.cbam_cost` chains them and the exposure model
(:mod:`cbamcalc.exposure`) calls the same functions::

    SEE_act = SEE_dir + SEE_ind,counted                                        see_actual_counted
    SEE_def = total_printed x (1 + mark-up_y)                                  see_default_counted
    SEE     = a x SEE_act + (1 - a) x SEE_def                                  see_weighted
    EE      = M x SEE                                                          embedded_emissions
    BM      = a x chain_A + (1 - a) x BM_B                                      embedded_benchmark
    SEFA    = CBAM_y x CSCF_y x BM + a x given                                 sefa
    FAA     = M x SEFA                                                         free_allocation_adjustment
    R       = R_act + R_def                        (cbamcalc.carbon_price, Art. 9)
    N       = max(EE - FAA - R, 0)                                             certificates
    cost    = N x p_y [EUR];  N x p_y x X_y [THB]                              cost_eur, cost_thb

Units: quantities M in tonnes of the good's functional unit [t]; SEE, SEFA and benchmarks in
[tCO2e/t]; emissions, adjustment, reduction and certificates in [tCO2e]; prices in [EUR/tCO2e];
exchange rates in [THB/EUR]; shares and factors are pure numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "see_actual_counted",
    "see_default_counted",
    "see_weighted",
    "embedded_emissions",
    "embedded_benchmark",
    "sefa",
    "free_allocation_adjustment",
    "certificates",
    "cost_eur",
    "cost_thb",
]


def _f(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=float)


def see_actual_counted(see_direct: Any, see_indirect: Any, indirect_counted: Any,
                       see_indirect_counted: Any = None) -> np.ndarray:
    """Actual SEE that counts in the obligation [tCO2e/t].

    Parameters
    ----------
    see_direct, see_indirect : array_like
        Actual direct and indirect specific embedded emissions. [tCO2e/t]
    indirect_counted : array_like of bool
        Whether the good's indirect emissions count: not listed in Annex II of Reg. (EU) 2023/956
        (:func:`cbamcalc.cn_codes.indirect_counted`).
    see_indirect_counted : array_like, optional
        The indirect SEE that counts across the production chain, from the SEE engine
        (``result.products["see_indirect_counted"]``, IR (EU) 2025/2547 Annex I point 3.1: an
        Annex II good includes the indirect emissions of its non-Annex-II precursors and the
        reverse). Where given (not NaN) it replaces the rule by the good's own listing.

    Returns
    -------
    numpy.ndarray
        ``SEE_dir + SEE_ind`` where indirect emissions count, else ``SEE_dir``. [tCO2e/t]

    References
    ----------
    Regulation (EU) 2023/956 Art. 7(1) and Annex II; IR (EU) 2025/2547 Art. 3(2), Annex I 3.1.

    Examples
    --------
    Agglomerated iron ore (not in Annex II) and screws (in Annex II), actual 0.5 + 0.1 t/t each:

    >>> see_actual_counted([0.5, 0.5], [0.1, 0.1], [True, False]).tolist()
    [0.6, 0.5]
    """
    by_listing = np.where(np.asarray(indirect_counted, dtype=bool), np.nan_to_num(_f(see_indirect)), 0.0)
    if see_indirect_counted is not None:
        chain = _f(see_indirect_counted)
        by_listing = np.where(np.isnan(chain), by_listing, chain)
    return _f(see_direct) + by_listing


def see_default_counted(total: Any, markup_rate: Any) -> np.ndarray:
    """Default SEE with the mark-up of the year of import [tCO2e/t].

    Parameters
    ----------
    total : array_like
        The printed "total emissions" of the default line (for Annex II goods, whose indirect
        column reads N/A, the total equals the direct value). [tCO2e/t]
    markup_rate : array_like
        Mark-up of the year of import, as a fraction (0.1 in 2026, 0.2 in 2027, 0.3 from 2028;
        fertilisers 0.01).

    Returns
    -------
    numpy.ndarray
        ``total x (1 + mark-up)``. [tCO2e/t]

    Notes
    -----
    The mark-up applies to the total column as printed; the direct and indirect columns are
    information only, and where direct + indirect differs from the printed total by rounding the
    printed total is the law (IR (EU) 2026/1740, Annex I opening paragraph; recital 10).

    Examples
    --------
    Thai screws 7318 15 95 (printed total 2.408) imported in 2027:

    >>> round(float(see_default_counted(2.408, 0.2)), 4)
    2.8896
    """
    return _f(total) * (1.0 + _f(markup_rate))


def see_weighted(actual_share: Any, see_actual: Any, see_default: Any) -> np.ndarray:
    """SEE of the quantity imported, actual and default shares together [tCO2e/t].

    Parameters
    ----------
    actual_share : array_like
        Share of the quantity whose emissions are determined on actual data, in [0, 1].
    see_actual, see_default : array_like
        Counted SEE on actual data and on default values (NaN where that share is 0). [tCO2e/t]

    Returns
    -------
    numpy.ndarray
        ``a x SEE_act + (1 - a) x SEE_def``; a share of 0 contributes 0 whatever its SEE. [tCO2e/t]

    References
    ----------
    Regulation (EU) 2023/956 Art. 7(2)-(3) and Annex IV (actual emissions, default values).

    Examples
    --------
    >>> see_weighted([0.25, 0.0, 1.0], [2.0, np.nan, 2.0], [3.0, 3.0, np.nan]).tolist()
    [2.75, 3.0, 2.0]
    """
    a = _f(actual_share)
    out = a * _f(see_actual)
    out[np.broadcast_to(a <= 0, out.shape)] = 0.0
    dft = (1.0 - a) * _f(see_default)
    dft[np.broadcast_to(a >= 1, dft.shape)] = 0.0
    out += dft
    return out


def embedded_emissions(quantity: Any, see: Any) -> np.ndarray:
    """Embedded emissions of the quantity imported: ``M x SEE`` [tCO2e].

    Parameters
    ----------
    quantity : array_like
        Quantity in the good's functional unit. [t]
    see : array_like
        SEE counted (:func:`see_weighted`). [tCO2e/t]

    References
    ----------
    Regulation (EU) 2023/956 Art. 7 and Annex IV (embedded emissions = quantity x SEE).

    Examples
    --------
    >>> embedded_emissions([1000.0], [2.75]).tolist()
    [2750.0]
    """
    return _f(quantity) * _f(see)


def embedded_benchmark(actual_share: Any, chain_a: Any, benchmark_b: Any) -> np.ndarray:
    """Benchmark behind the adjustment, actual and default shares together [tCO2e/t].

    Parameters
    ----------
    actual_share : array_like
        Share of the quantity on actual data, in [0, 1].
    chain_a : array_like
        Column A benchmark of the good's own process plus, for complex goods, the mass-weighted
        benchmark chains of its relevant precursors (:func:`cbamcalc.free_allocation.precursor_chain`);
        NaN where the actual share is 0. [tCO2e/t]
    benchmark_b : array_like
        Column B benchmark on the route of the default line, for the production year; NaN where
        the actual share is 1. [tCO2e/t]

    Returns
    -------
    numpy.ndarray
        ``a x chain_A + (1 - a) x BM_B``. [tCO2e/t]

    References
    ----------
    IR (EU) 2025/2620, Annex points 3.1 (default values: Column B), 3.2 (actual: Column A of the
    process), 3.3 (complex goods: plus each relevant precursor, recursively), 5.1 and 5.3.

    Examples
    --------
    >>> embedded_benchmark([0.0, 1.0, 0.5], [np.nan, 0.2414, 0.044], [0.066, np.nan, 1.37]).round(4).tolist()
    [0.066, 0.2414, 0.707]
    """
    a = _f(actual_share)
    out = np.where(a > 0, a * np.nan_to_num(_f(chain_a)), 0.0)
    out += np.where(a < 1, (1.0 - a) * np.nan_to_num(_f(benchmark_b)), 0.0)
    return out


def sefa(factor: Any, benchmark: Any, given: Any = 0.0) -> np.ndarray:
    """Specific embedded free allocation of a good [tCO2e/t].

    Parameters
    ----------
    factor : array_like
        ``CBAM_y x CSCF_y`` of the year (pure number).
    benchmark : array_like
        The embedded benchmark (:func:`embedded_benchmark`). [tCO2e/t]
    given : array_like, optional
        SEFA reported by producers (of precursors, mass-weighted, or of the good itself), times
        the actual share; already with their factors. [tCO2e/t]

    Returns
    -------
    numpy.ndarray
        ``CBAM_y x CSCF_y x benchmark + given``. [tCO2e/t]

    References
    ----------
    IR (EU) 2025/2620 Art. 2 and Annex 3.1-3.3; Directive 2003/87/EC Art. 10a(1a) (CBAM factor).

    Examples
    --------
    Screws on defaults in 2026 (Column B route (E) 0.066, CBAM factor 0.975, CSCF 1):

    >>> round(float(sefa(0.975, 0.066)), 5)
    0.06435
    """
    return _f(factor) * _f(benchmark) + _f(given)


def free_allocation_adjustment(quantity: Any, sefa_value: Any) -> np.ndarray:
    """Free-allocation adjustment: ``M x SEFA`` [tCO2e].

    References
    ----------
    Regulation (EU) 2023/956 Art. 31; IR (EU) 2025/2620 Art. 2 and Annex.

    Examples
    --------
    >>> round(float(free_allocation_adjustment(1000.0, 0.06435)), 6)
    64.35
    """
    return _f(quantity) * _f(sefa_value)


def certificates(embedded: Any, adjustment: Any, reduction: Any) -> np.ndarray:
    """CBAM certificates to surrender: ``max(EE - FAA - R, 0)`` [tCO2e].

    Parameters
    ----------
    embedded, adjustment, reduction : array_like
        Embedded emissions, free-allocation adjustment and Art. 9 reduction. [tCO2e]

    References
    ----------
    Regulation (EU) 2023/956 Art. 22 (surrender), Art. 31 (adjustment), Art. 9 (carbon price paid).

    Examples
    --------
    >>> certificates([2649.0, 10.0], [64.35, 20.0], [0.0, 0.0]).round(2).tolist()
    [2584.65, 0.0]
    """
    return np.maximum(_f(embedded) - _f(adjustment) - _f(reduction), 0.0)


def cost_eur(certificates_t: Any, price: Any) -> np.ndarray:
    """Cost of the certificates: ``N x p_y`` [EUR].

    References
    ----------
    Regulation (EU) 2023/956 Art. 21 as amended by Reg. (EU) 2025/2083 (price of certificates).
    """
    return _f(certificates_t) * _f(price)


def cost_thb(cost: Any, eur_thb: Any) -> np.ndarray:
    """Cost in baht: ``cost_EUR x X_y`` with ``X_y`` in [THB/EUR] (an input, not law) [THB]."""
    return _f(cost) * _f(eur_thb)

"""The terms of the CBAM obligation, one pure function each, in the order the law builds them.

Every function works on numpy arrays (one element per good and year) in fixed units and reads
against one provision; :func:`cbamcalc.cost.cbam_cost` chains them and the exposure model
(:mod:`cbamcalc.exposure`) calls the same functions::

    SEE_act = SEE_dir + SEE_ind,counted                                        see_actual_counted
    SEE_def = total_printed x (1 + mark-up_y)                                  see_default_counted
    EE      = M x [a x SEE_act + (1 - a) x SEE_def]                            embedded_emissions
    SEFA    = a x (CBAM_y CSCF_y chain_A + given) + (1 - a) x CBAM_y CSCF_y BM_B   sefa
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
    "embedded_emissions",
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
    """Actual SEE that counts in the obligation. [tCO2e/t]

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
    """Default SEE with the mark-up of the year of import. [tCO2e/t]

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


def embedded_emissions(quantity: Any, actual_share: Any, see_actual: Any, see_default: Any) -> np.ndarray:
    """Embedded emissions of the quantity imported, actual and default shares together. [tCO2e]

    Parameters
    ----------
    quantity : array_like
        Quantity in the good's functional unit. [t]
    actual_share : array_like
        Share of the quantity whose emissions are determined on actual data, in [0, 1].
    see_actual, see_default : array_like
        Counted SEE on actual data and on default values (NaN where that share is 0). [tCO2e/t]

    Returns
    -------
    numpy.ndarray
        ``M x [a x SEE_act + (1 - a) x SEE_def]``. [tCO2e]

    References
    ----------
    Regulation (EU) 2023/956 Art. 7 and Annex IV (embedded emissions = quantity x SEE).

    Examples
    --------
    >>> embedded_emissions([1000.0], [0.25], [2.0], [3.0]).tolist()
    [2750.0]
    """
    a = _f(actual_share)
    act = np.where(a > 0, a * np.nan_to_num(_f(see_actual)), 0.0)
    dft = np.where(a < 1, (1.0 - a) * np.nan_to_num(_f(see_default)), 0.0)
    return _f(quantity) * (act + dft)


def sefa(factor: Any, actual_share: Any, chain_a: Any, given: Any, benchmark_b: Any) -> np.ndarray:
    """Specific embedded free allocation of a good, actual and default shares together. [tCO2e/t]

    Parameters
    ----------
    factor : array_like
        ``CBAM_y x CSCF_y`` of the year (pure number).
    actual_share : array_like
        Share of the quantity on actual data, in [0, 1].
    chain_a : array_like
        Column A benchmark of the good's own process plus, for complex goods, the mass-weighted
        benchmark chains of its relevant precursors (:func:`cbamcalc.free_allocation.precursor_chain`).
        [tCO2e/t]
    given : array_like
        Mass-weighted SEFA of precursors reported by their producers (already with factors),
        or the good's own SEFA reported by its producer. [tCO2e/t]
    benchmark_b : array_like
        Column B benchmark on the route of the default line, for the production year. [tCO2e/t]

    Returns
    -------
    numpy.ndarray
        ``a (f chain_A + given) + (1 - a) f BM_B``. [tCO2e/t]

    References
    ----------
    IR (EU) 2025/2620, Annex points 3.1 (default values: Column B), 3.2 (actual: Column A of the
    process), 3.3 (complex goods: plus the SEFA of each relevant precursor, recursively).

    Examples
    --------
    Screws on defaults in 2026 (Column B route (E) 0.066, CBAM factor 0.975, CSCF 1):

    >>> round(float(sefa(0.975, 0.0, np.nan, 0.0, 0.066)), 5)
    0.06435
    """
    f = _f(factor)
    a = _f(actual_share)
    act = np.where(a > 0, a * (f * np.nan_to_num(_f(chain_a)) + np.nan_to_num(_f(given))), 0.0)
    dft = np.where(a < 1, (1.0 - a) * f * np.nan_to_num(_f(benchmark_b)), 0.0)
    return act + dft


def free_allocation_adjustment(quantity: Any, sefa_value: Any) -> np.ndarray:
    """Free-allocation adjustment: ``M x SEFA``. [tCO2e]

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
    """CBAM certificates to surrender: ``max(EE - FAA - R, 0)``. [tCO2e]

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
    """Cost of the certificates: ``N x p_y``. [EUR]

    References
    ----------
    Regulation (EU) 2023/956 Art. 21 as amended by Reg. (EU) 2025/2083 (price of certificates).
    """
    return _f(certificates_t) * _f(price)


def cost_thb(cost: Any, eur_thb: Any) -> np.ndarray:
    """Cost in baht: ``cost_EUR x X_y`` with ``X_y`` in [THB/EUR] (an input, not law). [THB]"""
    return _f(cost) * _f(eur_thb)

"""PFC emissions of primary aluminium smelting: slope and overvoltage methods.

Pure functions on numpy arrays, one element per PFC source (B_EmInst rows 98-107).
CF4 and C2F6 become CO2e only through the act's GWP values (reference data), and the
emissions collected are grossed up by the collection efficiency to include fugitive ones.

References
----------
Implementing Regulation (EU) 2023/1773, Annex III, section B.7 (PFC emissions):
B.7.1 slope method (equation 7), B.7.2 overvoltage method (equation 8), C2F6 from CF4
(equation 9), CO2e with the GWP of Annex VIII, fugitive emissions through the collection
efficiency. Communication template: B_EmInst!AN98:AU98, BE98 and BH98.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .refdata import constant

__all__ = ["slope_method", "overvoltage_method", "c2f6_from_cf4", "co2e_emissions"]

Array = NDArray[np.float64]


def _z(x: ArrayLike) -> Array:
    return np.nan_to_num(np.asarray(x, dtype=float))


def slope_method(aluminium_produced: ArrayLike, anode_effect_frequency: ArrayLike,
                 anode_effect_duration: ArrayLike, slope_cf4: ArrayLike) -> Array:
    """CF4 emitted, slope method.

    Parameters
    ----------
    aluminium_produced : array_like
        Primary aluminium produced. [t]
    anode_effect_frequency : array_like
        Anode effects per cell-day. [AE/cell-day]
    anode_effect_duration : array_like
        Average duration of an anode effect. [AE-min/occurrence]
    slope_cf4 : array_like
        Slope emission factor. [(kg CF4/t Al)/(AE-min/cell-day)]

    Returns
    -------
    numpy.ndarray
        CF4 emitted. [t CF4]

    Notes
    -----
    Em_CF4 = SEF_CF4 * AEM * Pr_Al / 1000 with AEM = frequency * duration (Annex III, B.7.1,
    equation 7). Blank inputs count as 0, as in B_EmInst!BE98.

    Examples
    --------
    >>> slope_method([200000.0], [0.6039358521605075], [0.25], [0.102])
    array([3.08007285])
    """
    return (_z(aluminium_produced) * _z(anode_effect_frequency) * _z(anode_effect_duration)
            * _z(slope_cf4) / 1000.0)


def overvoltage_method(aluminium_produced: ArrayLike, anode_effect_overvoltage: ArrayLike,
                       current_efficiency: ArrayLike, overvoltage_coefficient: ArrayLike) -> Array:
    """CF4 emitted, overvoltage method.

    Parameters
    ----------
    aluminium_produced : array_like
        Primary aluminium produced. [t]
    anode_effect_overvoltage : array_like
        AEO. [mV/cell]
    current_efficiency : array_like
        Current efficiency of aluminium production; 0 or blank gives NaN (the template
        shows "Incomplete!" and counts nothing). [fraction]
    overvoltage_coefficient : array_like
        OVC. [(kg CF4/t Al)/(mV)]

    Returns
    -------
    numpy.ndarray
        CF4 emitted; NaN where the current efficiency is 0 or blank. [t CF4]

    Notes
    -----
    Em_CF4 = OVC * (AEO / CE) * Pr_Al / 1000 (Annex III, B.7.2, equation 8; B_EmInst!BH98).
    """
    ce = _z(current_efficiency)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(ce != 0, _z(anode_effect_overvoltage) / np.where(ce != 0, ce, 1.0), np.nan)
    return _z(aluminium_produced) * ratio * _z(overvoltage_coefficient) / 1000.0


def c2f6_from_cf4(cf4: ArrayLike, c2f6_weight_fraction: ArrayLike) -> Array:
    """C2F6 emitted, from the CF4 emitted and the weight fraction F(C2F6).

    Parameters
    ----------
    cf4 : array_like
        [t CF4]
    c2f6_weight_fraction : array_like
        [t C2F6/t CF4]; blank counts as 0.

    Returns
    -------
    numpy.ndarray
        [t C2F6]

    Notes
    -----
    Em_C2F6 = Em_CF4 * F_C2F6 (Annex III, B.7, equation 9; B_EmInst!AO98).
    """
    return np.asarray(cf4, dtype=float) * _z(c2f6_weight_fraction)


def co2e_emissions(cf4: ArrayLike, c2f6: ArrayLike, collection_efficiency: ArrayLike) -> Array:
    """Total PFC emissions in CO2e, fugitive part included.

    Parameters
    ----------
    cf4 : array_like
        CF4 from the collected flue gas (NaN counts as 0). [t CF4]
    c2f6 : array_like
        C2F6 (NaN counts as 0). [t C2F6]
    collection_efficiency : array_like
        NaN (blank) counts as 1. [fraction]

    Returns
    -------
    numpy.ndarray
        [tCO2e]

    Notes
    -----
    Em = (Em_CF4 * GWP_CF4 + Em_C2F6 * GWP_C2F6) / CE, GWP from Annex VIII
    (``constant("gwp_cf4")``, ``constant("gwp_c2f6")``); B_EmInst!AR98:AU98.

    Examples
    --------
    >>> co2e_emissions([1.0], [0.1], [np.nan])
    array([7740.])
    """
    ce = np.asarray(collection_efficiency, dtype=float)
    ce = np.where(np.isnan(ce), 1.0, ce)
    return (_z(cf4) * constant("gwp_cf4") + _z(c2f6) * constant("gwp_c2f6")) / ce

"""Measurement-based method: emissions from continuous emission measurement (CO2, N2O).

Pure functions on numpy arrays, one element per emission source (B_EmInst rows 113-122).

References
----------
Implementing Regulation (EU) 2023/1773, Annex III, section B.4 (measurement-based
methodology: annual emissions from the hourly concentration and the flue gas flow) and
B.6 (N2O, converted to CO2e with the GWP of Annex VIII). Communication template:
B_EmInst!AD113, AF113, AU113 and AV113.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .refdata import constant

__all__ = ["ghg_emitted", "co2e_emissions"]

Array = NDArray[np.float64]


def ghg_emitted(concentration: ArrayLike, operating_hours: ArrayLike, flue_gas_flow: ArrayLike) -> Array:
    """Mass of greenhouse gas emitted, before the biomass split.

    Parameters
    ----------
    concentration : array_like
        Hourly concentration, average over the operating hours. [g/Nm3]
    operating_hours : array_like
        Operating hours in the period. [h]
    flue_gas_flow : array_like
        Flue gas flow, average. [kNm3/h]

    Returns
    -------
    numpy.ndarray
        Mass of the gas. [t]

    Notes
    -----
    GHG_Em = conc * flow * hours; g/Nm3 * 1000 Nm3/h * h = kg, hence the division by
    1000 to tonnes (Annex III, B.4, equation 4; B_EmInst!AD113). Blanks count as 0.

    Examples
    --------
    >>> ghg_emitted([2.0], [8000.0], [150.0])
    array([2400.])
    """
    def z(x: ArrayLike) -> Array:
        return np.nan_to_num(np.asarray(x, dtype=float))

    return z(concentration) * z(operating_hours) * z(flue_gas_flow) / 1000.0


def co2e_emissions(mass: ArrayLike, gas: ArrayLike, biomass_fraction: ArrayLike) -> tuple[Array, Array]:
    """Fossil and biomass emissions in CO2e of measured sources.

    Parameters
    ----------
    mass : array_like
        Mass of the gas. [t]
    gas : array_like of str
        "CO2" or "N2O"; N2O is weighted with its GWP (``constant("gwp_n2o")``).
    biomass_fraction : array_like
        NaN (blank) counts as 0. [fraction]

    Returns
    -------
    fossil, biomass : numpy.ndarray
        [tCO2e]

    Notes
    -----
    Em_CO2e = GHG_Em * GWP * (1 - BioC); B_EmInst!AU113 (fossil) and AV113 (biomass).
    """
    m = np.asarray(mass, dtype=float)
    gwp = np.where(np.asarray(gas) == "N2O", constant("gwp_n2o"), 1.0)
    bio = np.nan_to_num(np.asarray(biomass_fraction, dtype=float))
    return m * (1.0 - bio) * gwp, m * bio * gwp

"""Calculation-based method: emissions of source streams (combustion, process, mass balance).

Pure functions on numpy arrays, one element per source stream, in the template's units:
activity data in t (or 1000 Nm3), NCV in GJ per unit of activity data, emission factors in
tCO2e/TJ or tCO2e per unit of activity data, carbon content in tC per unit of activity data,
oxidation/conversion factors and biomass content as fractions (0-1).

The formulas mirror B_EmInst, hidden columns BD-BJ (emissions) and AX-AY (energy content),
rows 17-91, of the Communication template v2.1/v2.1.1.

References
----------
Implementing Regulation (EU) 2023/1773, Annex III, section B.3 (calculation-based
methodology): B.3.2 standard methodology (combustion and process emissions) and B.3.3
mass balance methodology.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .refdata import constant

__all__ = [
    "combustion_emissions",
    "process_emissions",
    "mass_balance_emissions",
    "split_biomass",
    "energy_content",
]

Array = NDArray[np.float64]


def _activity_basis(activity_data: ArrayLike, net_calorific_value: ArrayLike,
                    ef_per_energy: ArrayLike) -> Array:
    ad = np.asarray(activity_data, dtype=float)
    ncv = np.nan_to_num(np.asarray(net_calorific_value, dtype=float))
    return np.where(np.asarray(ef_per_energy, dtype=bool), ad * ncv / 1000.0, ad)


def combustion_emissions(
    activity_data: ArrayLike,
    net_calorific_value: ArrayLike,
    emission_factor: ArrayLike,
    oxidation_factor: ArrayLike,
    *,
    ef_per_energy: ArrayLike,
) -> Array:
    """Emissions of fuel combustion, before the biomass split.

    Parameters
    ----------
    activity_data : array_like
        Fuel consumed. [t or kNm3]
    net_calorific_value : array_like
        NCV. [GJ/t or GJ/kNm3]; used only where ``ef_per_energy``.
    emission_factor : array_like
        EF. [tCO2e/TJ where ``ef_per_energy``, else tCO2e/t or tCO2e/kNm3]
    oxidation_factor : array_like
        OxF; NaN (blank) counts as 1. [fraction]
    ef_per_energy : array_like of bool
        True where the emission factor is per energy (tCO2/TJ).

    Returns
    -------
    numpy.ndarray
        Emissions. [tCO2e]

    Notes
    -----
    Em = AD * NCV * EF * OxF (Annex III, B.3.2, equation 1), with AD*NCV in TJ; when the EF
    is per tonne or per 1000 Nm3 the NCV drops out: Em = AD * EF * OxF. Mirrors B_EmInst!BD17.

    Examples
    --------
    >>> combustion_emissions([163806.0], [48.0], [56.1], [np.nan], ef_per_energy=[True])
    array([441096.7968])
    """
    oxf = np.asarray(oxidation_factor, dtype=float)
    return _activity_basis(activity_data, net_calorific_value, ef_per_energy) * np.asarray(
        emission_factor, dtype=float) * np.where(np.isnan(oxf), 1.0, oxf)


def process_emissions(
    activity_data: ArrayLike,
    net_calorific_value: ArrayLike,
    emission_factor: ArrayLike,
    conversion_factor: ArrayLike,
    *,
    ef_per_energy: ArrayLike,
) -> Array:
    """Process emissions of a material, before the biomass split.

    Parameters
    ----------
    activity_data : array_like
        Material consumed or produced. [t or kNm3]
    net_calorific_value : array_like
        NCV, used only where ``ef_per_energy``. [GJ/t or GJ/kNm3]
    emission_factor : array_like
        EF. [tCO2e/t, tCO2e/kNm3, or tCO2e/TJ where ``ef_per_energy``]
    conversion_factor : array_like
        ConvF; NaN (blank) counts as 1. [fraction]
    ef_per_energy : array_like of bool
        True where the emission factor is per energy.

    Returns
    -------
    numpy.ndarray
        Emissions. [tCO2e]

    Notes
    -----
    Em = AD * EF * ConvF (Annex III, B.3.2, equation 2). Mirrors B_EmInst!BE17.

    Examples
    --------
    >>> process_emissions([89360.0], [np.nan], [0.45], [np.nan], ef_per_energy=[False])
    array([40212.])
    """
    convf = np.asarray(conversion_factor, dtype=float)
    return _activity_basis(activity_data, net_calorific_value, ef_per_energy) * np.asarray(
        emission_factor, dtype=float) * np.where(np.isnan(convf), 1.0, convf)


def mass_balance_emissions(activity_data: ArrayLike, carbon_content: ArrayLike) -> Array:
    """Emissions of a mass-balance stream, before the biomass split.

    Parameters
    ----------
    activity_data : array_like
        Mass of the input (positive) or output (negative) stream. [t or kNm3]
    carbon_content : array_like
        Carbon content. [tC/t or tC/kNm3]

    Returns
    -------
    numpy.ndarray
        Emissions; negative for output streams. [tCO2e]

    Notes
    -----
    Em = AD * C * f, with f = 3.664 tCO2/tC, the factor of the act (not 44/12), taken
    from the reference data (``constant("carbon_to_co2")``). Annex III, B.3.3, equation 3;
    B_EmInst!BF17.

    Examples
    --------
    >>> mass_balance_emissions([4468.0, -2140000.0], [0.819, 0.0018])
    array([ 13407.645888, -14113.728   ])
    """
    return (np.asarray(activity_data, dtype=float) * np.asarray(carbon_content, dtype=float)
            * constant("carbon_to_co2"))


def split_biomass(emissions: ArrayLike, biomass_fraction: ArrayLike) -> tuple[Array, Array]:
    """Split emissions into their fossil and biomass parts.

    Parameters
    ----------
    emissions : array_like
        Emissions before the split. [tCO2e]
    biomass_fraction : array_like
        Biomass content; NaN (blank) counts as 0. [fraction]

    Returns
    -------
    fossil, biomass : numpy.ndarray
        Fossil emissions (counted) and biomass emissions (zero-rated, reported). [tCO2e]

    Notes
    -----
    Em_fossil = Em * (1 - BioC), Em_bio = Em * BioC (Annex III, B.3.2 and B.3.3: the
    emission factor of biomass meeting the criteria is zero). B_EmInst!BD:BF and BH:BJ.
    """
    em = np.asarray(emissions, dtype=float)
    bio = np.nan_to_num(np.asarray(biomass_fraction, dtype=float))
    return em * (1.0 - bio), em * bio


def energy_content(activity_data: ArrayLike, net_calorific_value: ArrayLike,
                   biomass_fraction: ArrayLike) -> tuple[Array, Array]:
    """Energy content of source streams, fossil and biomass parts.

    Parameters
    ----------
    activity_data : array_like
        [t or kNm3]
    net_calorific_value : array_like
        NaN (blank) counts as 0. [GJ/t or GJ/kNm3]
    biomass_fraction : array_like
        NaN (blank) counts as 0. [fraction]

    Returns
    -------
    fossil, biomass : numpy.ndarray
        Energy content. [TJ]

    Notes
    -----
    E = AD * NCV / 1000 split by the biomass content, as B_EmInst!AX17 and AY17 compute it
    for every method; C_Emissions&Energy!H15 adds both up as the installation's fuel input.
    """
    e = np.asarray(activity_data, dtype=float) * np.nan_to_num(
        np.asarray(net_calorific_value, dtype=float)) / 1000.0
    bio = np.nan_to_num(np.asarray(biomass_fraction, dtype=float))
    return e * (1.0 - bio), e * bio

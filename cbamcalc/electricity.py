"""Electricity: indirect emissions of electricity consumed, and the deduction for electricity exported.

Pure functions on numpy arrays, one element per production process.

References
----------
Implementing Regulation (EU) 2023/1773, Annex III, section D (emission factors of
electricity: D.4(a) IEA-based, D.4(b) other public data, D.4.1 own production, D.4.2
direct technical link, D.4.3 power purchase agreement) and section F.1 (electricity
exported is deducted from the attributed emissions). Communication template:
D_Processes rows +54 to +56 (indirect, hidden key ``EmbedEmInDir_``) and +60, +61
(exported, part of ``EmbedEmDir_``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["indirect_emissions", "exported_electricity_emissions"]


def _z(x: ArrayLike) -> NDArray[np.float64]:
    return np.nan_to_num(np.asarray(x, dtype=float))


def indirect_emissions(consumption: ArrayLike, emission_factor: ArrayLike) -> NDArray[np.float64]:
    """Indirect emissions of the electricity a process consumes.

    Parameters
    ----------
    consumption : array_like
        Electricity consumed. [MWh]
    emission_factor : array_like
        Emission factor of that electricity. [tCO2e/MWh]

    Returns
    -------
    numpy.ndarray
        [tCO2e]

    Notes
    -----
    Em_el = E_el * EF_el (D_Processes!T66 = L65 * L66; blanks count as 0).

    Examples
    --------
    >>> indirect_emissions([1563800.0], [0.833])
    array([1302645.4])
    """
    return _z(consumption) * _z(emission_factor)


def exported_electricity_emissions(exported: ArrayLike, emission_factor: ArrayLike) -> NDArray[np.float64]:
    """Emissions of the electricity a process exports, deducted from its direct emissions.

    Parameters
    ----------
    exported : array_like
        Electricity exported. [MWh]
    emission_factor : array_like
        Emission factor of the electricity exported. [tCO2e/MWh]

    Returns
    -------
    numpy.ndarray
        Emissions to deduct (a positive number). [tCO2e]

    Notes
    -----
    Em_el,exp = E_el,exp * EF_el,exp; the template adds ``-L71*L72`` to the process's
    embedded direct emissions (D_Processes!T72).
    """
    return _z(exported) * _z(emission_factor)

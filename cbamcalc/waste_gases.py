"""Waste gases: emissions attributed to a production process for waste gas imported and exported.

Pure functions on numpy arrays, one element per production process.

References
----------
Implementing Regulation (EU) 2023/1773, Annex III, section F.1 (waste gases imported and
exported are valued with the standard emission factor of natural gas; exports with the
correction factor for the efficiency difference, Corr_eta = 0.667). Communication
template: D_Processes rows +50, +51 (L61:M62 for P1) and the hidden key
``EmDirWG_<process>`` (T62), which uses ``CONST_EFNatGas`` = 56.1 tCO2/TJ and ignores
the emission factors entered in row +51.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .refdata import constant

__all__ = ["waste_gas_emissions"]


def waste_gas_emissions(imported: ArrayLike, exported: ArrayLike) -> NDArray[np.float64]:
    """Emissions of waste gas imported minus the credit for waste gas exported.

    Parameters
    ----------
    imported : array_like
        Waste gas imported into the process (energy content). [TJ]
    exported : array_like
        Waste gas exported from the process (energy content). [TJ]

    Returns
    -------
    numpy.ndarray
        Emissions to add to the process's directly attributable emissions. [tCO2e]

    Notes
    -----
    Em_WG = WG_imp * EF_NG - WG_exp * EF_NG * Corr_eta, with EF_NG = 56.1 tCO2e/TJ and
    Corr_eta = 0.667 from the reference data (``constant("ef_natural_gas")``,
    ``constant("waste_gas_export_correction")``); D_Processes!T62. Blanks count as 0.

    Examples
    --------
    >>> waste_gas_emissions([0.0], [12800.0])
    array([-478959.36])
    """
    ef = constant("ef_natural_gas")
    corr = constant("waste_gas_export_correction")
    imp = np.nan_to_num(np.asarray(imported, dtype=float))
    exp = np.nan_to_num(np.asarray(exported, dtype=float))
    return imp * ef - exp * ef * corr

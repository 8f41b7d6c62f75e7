"""Measurable heat: emissions attributed to a production process for heat imported and exported.

Pure functions on numpy arrays, one element per production process.

References
----------
Implementing Regulation (EU) 2023/1773, Annex III, section F.1 (attribution of emissions
to production processes: measurable heat imported is added, measurable heat exported is
deducted, each with its emission factor) and section C (emission factor of measurable
heat). Communication template: D_Processes rows +46, +47 (L57:M58 for P1) and the hidden
key ``EmDirHeat_<process>`` (T58).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["net_heat_emissions"]


def net_heat_emissions(imported: ArrayLike, import_ef: ArrayLike,
                       exported: ArrayLike, export_ef: ArrayLike) -> NDArray[np.float64]:
    """Emissions of net measurable heat imported minus those of heat exported.

    Parameters
    ----------
    imported : array_like
        Net measurable heat imported into the process. [TJ]
    import_ef : array_like
        Emission factor of the heat imported. [tCO2e/TJ]
    exported : array_like
        Net measurable heat exported from the process. [TJ]
    export_ef : array_like
        Emission factor of the heat exported. [tCO2e/TJ]

    Returns
    -------
    numpy.ndarray
        Emissions to add to the process's directly attributable emissions; negative when
        more heat leaves than enters. [tCO2e]

    Notes
    -----
    Em_H = Q_imp * EF_imp - Q_exp * EF_exp, blanks counting as 0 (D_Processes!T58 =
    L57*L58 - M57*M58). The template computes this whatever the "measurable heat
    relevant?" flag (K50) says; the flag only greys out the input cells.

    Examples
    --------
    >>> net_heat_emissions([0.0], [0.0], [800.0], [56.0])
    array([-44800.])
    """
    def z(x: ArrayLike) -> NDArray[np.float64]:
        return np.nan_to_num(np.asarray(x, dtype=float))

    return z(imported) * z(import_ef) - z(exported) * z(export_ef)

"""Attribution: installation totals, and the emissions attributed to each production process.

Pure functions. The installation totals are those of sheet C_Emissions&Energy (fuel input,
CO2 / biomass / N2O / PFC emissions, split by monitoring methodology), with the operator's
manual entries taking precedence where given; the per-process figures are those of
Summary_Processes rows 71-81, which the template compares with the installation totals
(rows 84-86: the rest should be 0).

References
----------
Implementing Regulation (EU) 2023/1773, Annex III, section F.1 (attribution of emissions
to production processes: AttrEm = DirEm* + Em_H,imp - Em_H,exp + WG_corr,imp -
WG_corr,exp - Em_el,exp) and section A.4 (installation boundaries, completeness).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "installation_totals",
    "process_direct_emissions",
    "embedded_direct_emissions",
    "unattributed",
]

Array = NDArray[np.float64]


def _sum(x: ArrayLike) -> float:
    return float(np.nansum(np.asarray(x, dtype=float)))


def _pick(manual: float | None, computed: float) -> float:
    return computed if manual is None or math.isnan(manual) else float(manual)


def installation_totals(
    *,
    calculation_fossil: ArrayLike,
    calculation_biomass: ArrayLike,
    calculation_energy: ArrayLike,
    pfc: ArrayLike,
    measured_fossil: ArrayLike,
    measured_biomass: ArrayLike,
    measured_gas: ArrayLike,
    measured_energy: ArrayLike,
    manual: dict[str, float | None] | None = None,
) -> dict[str, float]:
    """Installation totals of C_Emissions&Energy.

    Parameters
    ----------
    calculation_fossil, calculation_biomass : array_like
        Per complete source stream of the calculation-based method (incomplete or
        inconsistent streams as NaN: the template leaves them out). [tCO2e]
    calculation_energy : array_like
        Energy content (fossil + biomass) per source stream. [TJ]
    pfc : array_like
        PFC emissions per PFC source. [tCO2e]
    measured_fossil, measured_biomass : array_like
        Per measured source. [tCO2e]
    measured_gas : array_like of str
        "CO2" or "N2O" per measured source.
    measured_energy : array_like
        Energy content entered per measured source (fossil + biomass). [TJ]
    manual : dict, optional
        Manual entries (None or NaN when blank): ``fuel_input_total`` (H16),
        ``fuel_input_cbam_goods`` (I16), ``fuel_input_electricity`` (J16),
        ``fuel_input_non_cbam`` (K16) [TJ]; ``co2`` (H26), ``biomass`` (I26), ``n2o``
        (J26), ``pfc`` (K26), ``indirect`` (M26) [tCO2e].

    Returns
    -------
    dict of str to float
        Keys with the cell they mirror: ``fuel_input_from_sources`` (H15),
        ``fuel_input_total`` (H17), ``fuel_input_cbam_goods`` (I17),
        ``fuel_input_electricity`` (J17), ``fuel_input_non_cbam`` (K17),
        ``fuel_input_rest`` (L17) [TJ]; ``co2_from_sources`` (H25),
        ``biomass_from_sources`` (I25), ``n2o_from_sources`` (J25), ``pfc_from_sources``
        (K25), ``direct_from_sources`` (L25), ``co2`` (H27), ``biomass`` (I27), ``n2o``
        (J27), ``pfc`` (K27), ``direct`` (L27), ``indirect`` (M27), ``total`` (N27),
        ``calculation_based`` (H32), ``pfc_based`` (I32), ``measurement_based`` (J32),
        ``other_methods`` (K32) [tCO2e]. NaN where the template shows a blank.

    Notes
    -----
    Biomass emissions are reported but not counted: direct = CO2 + N2O + PFC
    (C_Emissions&Energy!L25 = SUM(H25, J25:K25)).
    """
    manual = manual or {}
    gas = np.asarray(measured_gas, dtype=object)
    is_n2o = gas == "N2O"
    m_fossil = np.asarray(measured_fossil, dtype=float)
    m_bio = np.asarray(measured_biomass, dtype=float)

    out: dict[str, float] = {}
    out["fuel_input_from_sources"] = _sum(calculation_energy) + _sum(np.asarray(measured_energy)[~is_n2o])
    out["fuel_input_total"] = _pick(manual.get("fuel_input_total"), out["fuel_input_from_sources"])
    split = [manual.get(k) for k in ("fuel_input_cbam_goods", "fuel_input_electricity", "fuel_input_non_cbam")]
    split_f = [math.nan if v is None else float(v) for v in split]
    out["fuel_input_cbam_goods"], out["fuel_input_electricity"], out["fuel_input_non_cbam"] = split_f
    out["fuel_input_rest"] = out["fuel_input_total"] - float(np.nansum(split_f))

    out["co2_from_sources"] = _sum(calculation_fossil) + _sum(m_fossil[~is_n2o])
    out["biomass_from_sources"] = _sum(calculation_biomass) + _sum(m_bio[~is_n2o])
    out["n2o_from_sources"] = _sum(m_fossil[is_n2o])
    out["pfc_from_sources"] = _sum(pfc)
    out["direct_from_sources"] = out["co2_from_sources"] + out["n2o_from_sources"] + out["pfc_from_sources"]

    for key in ("co2", "biomass", "n2o", "pfc"):
        out[key] = _pick(manual.get(key), out[f"{key}_from_sources"])
    out["direct"] = out["co2"] + out["n2o"] + out["pfc"]
    indirect = manual.get("indirect")
    out["indirect"] = math.nan if indirect is None else float(indirect)
    out["total"] = out["direct"] + (0.0 if math.isnan(out["indirect"]) else out["indirect"])

    out["calculation_based"] = _sum(calculation_fossil)
    out["pfc_based"] = out["pfc"]
    out["measurement_based"] = _sum(m_fossil)
    out["other_methods"] = out["direct"] - (out["calculation_based"] + out["pfc_based"]
                                            + out["measurement_based"])
    return out


def process_direct_emissions(directly_attributable: ArrayLike, heat: ArrayLike,
                             waste_gas: ArrayLike) -> Array:
    """Direct emissions attributed to each process, as Summary_Processes column K adds them.

    Parameters
    ----------
    directly_attributable : array_like
        DirEm* per process (blank as NaN counts 0). [tCO2e]
    heat : array_like
        Net measurable heat emissions per process (:func:`cbamcalc.heat.net_heat_emissions`). [tCO2e]
    waste_gas : array_like
        Waste-gas emissions per process (:func:`cbamcalc.waste_gases.waste_gas_emissions`). [tCO2e]

    Returns
    -------
    numpy.ndarray
        [tCO2e]

    Notes
    -----
    K71 = H71 + I71 + J71 (DirEm*, heat, waste gases); electricity exported is not
    deducted here (it is in the SE, see :func:`embedded_direct_emissions`).

    Examples
    --------
    >>> process_direct_emissions([511632.0], [-44800.0], [0.0])
    array([466832.])
    """
    return (np.nan_to_num(np.asarray(directly_attributable, dtype=float))
            + np.asarray(heat, dtype=float) + np.asarray(waste_gas, dtype=float))


def embedded_direct_emissions(process_direct: ArrayLike, electricity_exported: ArrayLike) -> Array:
    """Direct emissions embedded in each process's production (numerator of SE direct).

    Parameters
    ----------
    process_direct : array_like
        From :func:`process_direct_emissions`. [tCO2e]
    electricity_exported : array_like
        Emissions of the electricity the process exports
        (:func:`cbamcalc.electricity.exported_electricity_emissions`). [tCO2e]

    Returns
    -------
    numpy.ndarray
        AttrEm = DirEm* + Em_H + Em_WG - Em_el,exp. [tCO2e]

    Notes
    -----
    The sum of the template's hidden keys ``EmbedEmDir_<process>`` (D_Processes T54, T58,
    T62, T72), which InputOutput!AJ71 divides by the activity level.
    """
    return np.asarray(process_direct, dtype=float) - np.asarray(electricity_exported, dtype=float)


def unattributed(installation_total: float, per_process: ArrayLike) -> float:
    """Emissions of the installation not attributed to any production process.

    Parameters
    ----------
    installation_total : float
        C_Emissions&Energy total (L27 direct, or M27 indirect). [tCO2e]
    per_process : array_like
        Attributed emissions per process (Summary_Processes K71:K80 or L71:L80). [tCO2e]

    Returns
    -------
    float
        Rest (Summary_Processes K85 / L85); the template expects 0. [tCO2e]
    """
    total = 0.0 if math.isnan(installation_total) else installation_total
    return total - _sum(per_process)

"""Installation totals (C_Emissions&Energy) and attribution to processes (Summary_Processes 71-85)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cbamcalc import attribution


def _totals(**manual: float | None) -> dict[str, float]:
    return attribution.installation_totals(
        calculation_fossil=[100.0, np.nan, 50.0], calculation_biomass=[10.0, np.nan, 0.0],
        calculation_energy=[2.0, 1.0, 0.0], pfc=[30.0], measured_fossil=[5.0, 265.0],
        measured_biomass=[1.0, 0.0], measured_gas=["CO2", "N2O"], measured_energy=[0.5, 9.0], manual=manual,
    )


def test_sums_as_the_template_does() -> None:
    t = _totals()
    assert t["co2_from_sources"] == 155.0  # H25: calculation-based + CO2 measured, incomplete rows out
    assert t["biomass_from_sources"] == 11.0  # I25
    assert t["n2o_from_sources"] == 265.0 and t["pfc_from_sources"] == 30.0
    assert t["direct"] == 155.0 + 265.0 + 30.0  # L27 = H27 + J27 + K27, biomass not counted
    assert t["calculation_based"] == 150.0 and t["measurement_based"] == 270.0 and t["pfc_based"] == 30.0
    assert t["other_methods"] == 0.0
    assert t["fuel_input_from_sources"] == 3.5  # energy of N2O sources not in H15
    assert math.isnan(t["indirect"]) and t["total"] == t["direct"]


def test_manual_entries_take_precedence() -> None:
    t = _totals(co2=200.0, indirect=7.0, fuel_input_total=10.0, fuel_input_cbam_goods=4.0)
    assert t["co2"] == 200.0 and t["co2_from_sources"] == 155.0
    assert t["direct"] == 200.0 + 265.0 + 30.0
    assert t["other_methods"] == pytest.approx(45.0)  # K32 = L27 - (H32 + I32 + J32)
    assert t["total"] == t["direct"] + 7.0
    assert t["fuel_input_total"] == 10.0 and t["fuel_input_rest"] == 6.0
    assert math.isnan(t["fuel_input_electricity"])


def test_process_attribution_example7() -> None:
    """Example 7, Summary_Processes!K71 = 511,632 - 44,800 (heat exported)."""
    k = attribution.process_direct_emissions([511632.0, np.nan], [-44800.0, 0.0], [0.0, 0.0])
    np.testing.assert_allclose(k, [466832.0, 0.0])
    np.testing.assert_allclose(attribution.embedded_direct_emissions(k, [100.0, 0.0]), [466732.0, 0.0])
    assert attribution.unattributed(466832.0, k) == 0.0
    assert attribution.unattributed(math.nan, [1.0]) == -1.0

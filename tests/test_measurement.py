"""Measurement-based emissions (CEMS), B_EmInst rows 113-122."""

from __future__ import annotations

import numpy as np

from cbamcalc import measurement


def test_mass_from_concentration_hours_and_flow() -> None:
    """AD113 = V * X * Z / 1000: g/Nm3 * h * 1000 Nm3/h = kg, /1000 = t."""
    np.testing.assert_allclose(measurement.ghg_emitted([2.0, np.nan], [8000.0, 1.0], [150.0, 1.0]), [2400.0, 0.0])


def test_n2o_weighted_with_gwp_and_biomass_split() -> None:
    fossil, bio = measurement.co2e_emissions([10.0, 10.0], ["N2O", "CO2"], [np.nan, 0.25])
    np.testing.assert_allclose(fossil, [2650.0, 7.5])
    np.testing.assert_allclose(bio, [0.0, 2.5])

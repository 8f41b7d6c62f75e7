"""Electricity consumed (indirect) and exported (deducted), D_Processes T66 and T72."""

from __future__ import annotations

import numpy as np

from cbamcalc import electricity


def test_indirect_example3() -> None:
    """Example 3, P1: 1,563,800 MWh at 0.833 tCO2/MWh (D_Processes L65, L66)."""
    np.testing.assert_allclose(electricity.indirect_emissions([1563800.0, np.nan], [0.833, 0.5]), [1302645.4, 0.0])


def test_exported() -> None:
    np.testing.assert_allclose(electricity.exported_electricity_emissions([100.0, 5.0], [0.4, np.nan]), [40.0, 0.0])

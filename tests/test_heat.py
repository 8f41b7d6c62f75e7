"""Measurable heat imported and exported (D_Processes T58)."""

from __future__ import annotations

import numpy as np

from cbamcalc import heat


def test_example7_heat_exported() -> None:
    """Example 7, P1: 0 TJ imported, 800 TJ exported at 56 tCO2/TJ (D_Processes L57:M58) -> -44,800 t."""
    np.testing.assert_allclose(heat.net_heat_emissions([0.0], [0.0], [800.0], [56.0]), [-44800.0])


def test_blanks_count_zero() -> None:
    np.testing.assert_allclose(heat.net_heat_emissions([10.0, np.nan], [60.0, 1.0], [np.nan, 1.0], [np.nan, np.nan]),
                               [600.0, 0.0])

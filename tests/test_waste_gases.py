"""Waste gases (D_Processes T62): natural-gas factor, export correction 0.667 from the reference data."""

from __future__ import annotations

import numpy as np
import pytest

from cbamcalc import waste_gases
from cbamcalc.refdata import constant


def test_example2_waste_gas_exported() -> None:
    """Example 2 (BF/BOF): 12,800 TJ exported -> -12,800 * 56.1 * 0.667 tCO2e."""
    assert waste_gases.waste_gas_emissions([0.0], [12800.0])[0] == pytest.approx(-478959.36, rel=1e-12)


def test_import_at_the_natural_gas_factor() -> None:
    assert constant("ef_natural_gas") == 56.1 and constant("waste_gas_export_correction") == 0.667
    np.testing.assert_allclose(waste_gases.waste_gas_emissions([10.0, np.nan], [np.nan, np.nan]), [561.0, 0.0])

"""PFC emissions against example 6 (aluminium, slope method), B_EmInst row 98."""

from __future__ import annotations

import numpy as np
import pytest

from cbamcalc import pfc


def test_slope_method_example6() -> None:
    """B_EmInst!AN98 (t CF4), AO98 (t C2F6), AR98/AS98 (tCO2e), AU98 = (AR + AS) / AT."""
    cf4 = pfc.slope_method([200000.0], [0.6039358521605075], [0.25], [0.102])
    assert cf4[0] == pytest.approx(3.080072846018588, rel=1e-12)
    c2f6 = pfc.c2f6_from_cf4(cf4, [0.12])
    assert c2f6[0] == pytest.approx(0.36960874152223055, rel=1e-12)
    assert pfc.co2e_emissions(cf4, c2f6, [0.97])[0] == pytest.approx(25282.0, rel=1e-12)


def test_overvoltage_method() -> None:
    cf4 = pfc.overvoltage_method([1000.0], [2.0], [0.95], [1.9])
    assert cf4[0] == pytest.approx(1000 * (2.0 / 0.95) * 1.9 / 1000)


def test_overvoltage_without_current_efficiency_gives_nothing() -> None:
    cf4 = pfc.overvoltage_method([1000.0, 1000.0], [2.0, 2.0], [0.0, np.nan], [1.9, 1.9])
    assert np.isnan(cf4).all()
    assert (pfc.co2e_emissions(cf4, pfc.c2f6_from_cf4(cf4, [0.1, 0.1]), [np.nan, np.nan]) == 0).all()


def test_blank_collection_efficiency_is_one_and_blanks_count_zero() -> None:
    assert pfc.co2e_emissions([1.0], [0.0], [np.nan])[0] == 6630.0
    assert pfc.slope_method([1000.0], [np.nan], [1.0], [1.0])[0] == 0.0

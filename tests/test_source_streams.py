"""Source streams (calculation-based method) against B_EmInst rows of the Commission's examples."""

from __future__ import annotations

import numpy as np
import pytest

from cbamcalc import source_streams as ss
from cbamcalc.refdata import constant


def test_combustion_example1_cement() -> None:
    """Example 1, B_EmInst rows 18-20 (coal, household waste with 15 % biomass, HFO): AU18:AU20, AV19."""
    em = ss.combustion_emissions([88000.0, 25000.0, 43000.0], [25.0, 20.0, 40.0], [95.0, 83.0, 78.0],
                                 [np.nan, np.nan, np.nan], ef_per_energy=[True, True, True])
    fossil, bio = ss.split_biomass(em, [np.nan, 0.15, np.nan])
    np.testing.assert_allclose(fossil, [209000.0, 35275.0, 134160.0])
    np.testing.assert_allclose(bio, [0.0, 6225.0, 0.0])


def test_combustion_oxidation_factor_and_per_tonne_factor() -> None:
    em = ss.combustion_emissions([10.0, 10.0], [40.0, 999.0], [50.0, 3.0], [0.99, np.nan],
                                 ef_per_energy=[True, False])
    np.testing.assert_allclose(em, [10 * 40 / 1000 * 50 * 0.99, 10 * 3.0])


def test_process_emissions_example1_and_example3() -> None:
    """Example 1, B_EmInst!AU17 (raw meal, 0.525 tCO2/t); example 3, AU20 (additives)."""
    np.testing.assert_allclose(
        ss.process_emissions([1255000.0, 89360.0], [np.nan, np.nan], [0.525, 0.45], [np.nan, np.nan],
                             ef_per_energy=[False, False]),
        [658875.0, 40212.0])
    assert ss.process_emissions([100.0], [np.nan], [0.5], [0.8], ef_per_energy=[False])[0] == pytest.approx(40.0)


def test_mass_balance_example3() -> None:
    """Example 3, B_EmInst!AU18:AU26 (inputs positive, steel and slag outputs negative)."""
    ad = [1345000, 4468, 80540, 346773, 331213, 60595, -2140000, -107232]
    c = [0.0008, 0.819, 0.0015, 0.015, 0.052, 0.028, 0.0018, 0.0003]
    expected = [3942.464, 13407.645888, 442.64784, 19058.64408, 63105.350464, 6216.56224, -14113.728,
                -117.8694144]
    np.testing.assert_allclose(ss.mass_balance_emissions(ad, c), expected, rtol=1e-12)


def test_mass_balance_uses_the_legal_factor_not_44_over_12() -> None:
    assert ss.mass_balance_emissions([1.0], [1.0])[0] == constant("carbon_to_co2") == 3.664
    assert ss.mass_balance_emissions([1.0], [1.0])[0] != pytest.approx(44 / 12, rel=1e-6)


def test_energy_content_example1() -> None:
    """Example 1, B_EmInst!AX18:AY19 (TJ)."""
    fossil, bio = ss.energy_content([88000.0, 25000.0, 1255000.0], [25.0, 20.0, np.nan], [np.nan, 0.15, np.nan])
    np.testing.assert_allclose(fossil, [2200.0, 425.0, 0.0])
    np.testing.assert_allclose(bio, [0.0, 75.0, 0.0])


def test_split_biomass_conserves() -> None:
    em = np.array([100.0, -50.0])
    f, b = ss.split_biomass(em, [0.3, np.nan])
    np.testing.assert_allclose(f + b, em)

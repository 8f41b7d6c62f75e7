"""SE, SEE and the share of default values (InputOutput, Summary_Processes hidden column AG)."""

from __future__ import annotations

import numpy as np
import pytest

from cbamcalc import embedded


def test_specific_emissions_zero_production_is_zero() -> None:
    np.testing.assert_allclose(embedded.specific_emissions([10.0, 5.0], [4.0, 0.0]), [2.5, 0.0])


def test_specific_embedded_example6() -> None:
    """Example 6: P2 uses 120,000 t of P1 for 113,000 t; SE P1 = 311,000/200,000; SE P2 = 5,283/113,000."""
    a = np.zeros((2, 2))
    a[1, 0] = 120_000 / 113_000
    se = np.array([311_000 / 200_000, 5_283 / 113_000])
    see = embedded.specific_embedded(a, se, ["P1", "P2"])
    assert see[0] == pytest.approx(1.555)
    assert see[1] == pytest.approx(1.698079646017699, rel=1e-12)


def test_default_share_example3_style() -> None:
    """Only precursors marked Default count; the process's own SE counts once in the denominator."""
    a = np.zeros((3, 3))
    a[0, 1] = 0.1  # P1 uses PP1 (measured)
    a[0, 2] = 0.05  # and PP2 (default)
    share = embedded.default_share(a, [0.2, 1.5, 1.3], [False, False, True], ["P1", "PP1", "PP2"])
    assert share[0] == pytest.approx(0.05 * 1.3 / (0.2 + 0.15 + 0.065))
    assert share[1] == 0.0 and share[2] == 0.0


def test_default_share_blank_when_nothing_direct() -> None:
    share = embedded.default_share(np.zeros((1, 1)), [0.0], [False], ["P1"])
    assert np.isnan(share[0])

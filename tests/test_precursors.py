"""The precursor system: input coefficients, solved (never inverted), loops and singular systems."""

from __future__ import annotations

import numpy as np
import pytest

from cbamcalc import precursors
from cbamcalc.errors import InputError


def test_input_coefficients_example3() -> None:
    """Example 3: P2 consumes 1,227,000 t of P1 and 80,540 t of PP1 for 1,133,000 t (InputOutput!E8, O8)."""
    q = np.zeros((2, 6))
    q[1, 0] = 1_227_000
    q[0, 2] = 80_540
    a = precursors.input_coefficients(q, [2_234_000, 1_133_000])
    assert a.shape == (6, 6)
    assert a[1, 0] == pytest.approx(1_227_000 / 1_133_000)
    assert a[0, 2] == pytest.approx(80_540 / 2_234_000)
    assert (a[2:] == 0).all()


def test_zero_production_row_is_zero() -> None:
    a = precursors.input_coefficients([[0.0, 5.0], [0.0, 0.0]], [0.0, 1.0])
    assert (a == 0).all()


def test_solution_equals_the_series_of_the_supply_chain() -> None:
    rng = np.random.default_rng(1)
    a = rng.uniform(0, 0.2, (5, 5))
    s = rng.uniform(0, 2, (5, 3))
    x = precursors.solve_embedded(a, s, list("abcde"))
    series = sum(np.linalg.matrix_power(a, k) @ s for k in range(200))
    np.testing.assert_allclose(x, series, rtol=1e-10)


def test_contributions_add_up_to_the_embedded_values() -> None:
    a = np.array([[0.0, 0.5, 0.2], [0.1, 0.0, 0.0], [0.0, 0.0, 0.0]])
    s = np.array([1.0, 2.0, 3.0])
    c = precursors.supply_chain_contributions(a, s, ["P1", "P2", "PP1"])
    np.testing.assert_allclose(c.sum(axis=1), precursors.solve_embedded(a, s, ["P1", "P2", "PP1"]))


def test_loops_are_found() -> None:
    a = np.array([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]], dtype=float)
    assert precursors.processes_in_loops(a) == [0, 1]


def test_singular_loop_names_the_processes() -> None:
    a = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.5, 0.0]])
    with pytest.raises(InputError, match=r"Sheet 'D_Processes' \(amounts consumed in other production processes\): "
                                         r"precursor loop without a solution.*found \"loop through 'Melt', 'Roll'\""):
        precursors.solve_embedded(a, [1.0, 1.0, 1.0], ["Melt", "Roll", "Coat"])


def test_loop_consuming_more_than_it_produces_is_refused() -> None:
    a = np.array([[0.0, 2.0], [1.0, 0.0]])  # invertible, but the "solution" would be negative
    with pytest.raises(InputError, match="spectral radius 1.41421"):
        precursors.solve_embedded(a, [1.0, 1.0], ["P1", "P2"])


def test_empty_system() -> None:
    assert precursors.solve_embedded(np.zeros((0, 0)), np.zeros((0, 3)), []).shape == (0, 3)

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cbamcalc.errors import UnitError
from cbamcalc.units import Q_, magnitudes, parse_unit, quantity_magnitude, to_co2e


@pytest.mark.parametrize(
    ("unit", "base", "factor"),
    [
        ("t", "t", 1.0),
        ("kt", "t", 1000.0),
        ("kg", "t", 0.001),
        ("GJ", "TJ", 0.001),
        ("TJ", "TJ", 1.0),
        ("GWh", "MWh", 1000.0),
        ("kWh", "MWh", 0.001),
        ("1000 Nm3", "kNm3", 1.0),
        ("1000Nm3", "kNm3", 1.0),
        ("Nm3", "kNm3", 0.001),
        ("kgCO2e/kWh", "tCO2e/MWh", 1.0),
        ("ktCO2e", "tCO2e", 1000.0),
        ("tCO2", "tCO2e", 1.0),
        ("GJ/1000Nm3", "GJ/kNm3", 1.0),
        ("%", "dimensionless", 0.01),
        ("kt/kt", "dimensionless", 1.0),
    ],
)
def test_magnitudes_converts_whole_column(unit, base, factor):
    out = magnitudes(np.array([1.0, 2.5, 0.0]), unit, base, field="x")
    np.testing.assert_allclose(out, np.array([1.0, 2.5, 0.0]) * factor)


def test_product_mass_never_adds_to_co2e():
    with pytest.raises(Exception, match="Cannot convert"):
        Q_(1, "t") + Q_(1, "tCO2e")


def test_currencies_are_separate_dimensions():
    with pytest.raises(Exception, match="Cannot convert"):
        Q_(1, "EUR").to("THB")


@pytest.mark.parametrize(
    ("unit", "base", "msg"),
    [
        ("kg", "tCO2e", r"Field 'emissions': expected a unit of tCO2e \(\[co2e\]\), found 'kg'"),
        ("MWh", "t", r"Field 'emissions': expected a unit of t \(\[mass\]\), found 'MWh'"),
        ("furlongs per fortnight", "t", r"Field 'emissions': expected a unit of t \(\[mass\]\), found 'furlongs per fortnight'"),
        ("", "t", r"Field 'emissions': expected a unit of t"),
    ],
)
def test_wrong_dimension_names_the_field(unit, base, msg):
    with pytest.raises(UnitError, match=msg):
        magnitudes([1.0], unit, base, field="emissions")


def test_parse_unit_error_carries_location():
    with pytest.raises(UnitError, match=r"Sheet 'Fuels', cell G5 \(activity data unit\): expected a unit of t"):
        parse_unit("MWh", field="activity data unit", expected="t", sheet="Fuels", cell="G5")


def test_quantity_magnitude_refuses_bare_numbers_and_wrong_dimension():
    assert quantity_magnitude(Q_(2, "kt"), "t", field="activity level") == pytest.approx(2000)
    with pytest.raises(UnitError, match="activity level"):
        quantity_magnitude(2.0, "t", field="activity level")
    with pytest.raises(UnitError, match=r"found 'megawatt_hour'"):
        quantity_magnitude(Q_(2, "MWh"), "t", field="activity level")


def test_gwp_conversion_only_through_the_table():
    assert to_co2e(Q_(1, "tN2O"), "N2O").m == pytest.approx(265)
    assert to_co2e(Q_(1000, "kgCF4"), "CF4").m == pytest.approx(6630)
    assert to_co2e(Q_(2, "tC2F6"), "C2F6").m == pytest.approx(22200)
    with pytest.raises(Exception, match="Cannot convert"):
        Q_(1, "tN2O").to("tCO2e")
    with pytest.raises(UnitError, match="gas"):
        to_co2e(Q_(1, "tN2O"), "SF6")
    with pytest.raises(UnitError, match="mass of N2O"):
        to_co2e(Q_(1, "t"), "N2O")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e9, allow_nan=False), min_size=1, max_size=20))
def test_unit_invariance_t_vs_kt(values):
    a = magnitudes(values, "t", "t", field="m")
    b = magnitudes(np.asarray(values) / 1000.0, "kt", "t", field="m")
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-9)

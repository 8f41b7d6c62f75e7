"""Art. 9 deduction: price paid net of rebates, share covered, conversion to EUR, Thai excise scenario."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cbamcalc import carbon_price as cp
from cbamcalc.errors import InputError
from cbamcalc.refdata import load_table, table_info


def test_deduction_step_by_step():
    # 1,000 tCO2e embedded, EUR 12 paid on 40 % of them, rebate EUR 2, certificate price EUR 80:
    # D = 1000 x 0.4 x (12 - 2) / 80 = 50 certificates
    p = cp.effective_price_eur(12.0, rebate=2.0)
    assert float(p) == 10.0
    assert float(cp.carbon_price_deduction(1000.0, p, 80.0, share_covered=0.4)) == pytest.approx(50.0)


def test_deduction_capped_at_covered_emissions():
    # a price above the certificate price cannot remove more than the emissions it covered
    assert float(cp.carbon_price_deduction(1000.0, 200.0, 80.0, share_covered=0.5)) == pytest.approx(500.0)


def test_thb_conversion_at_a_stated_rate():
    assert float(cp.to_eur(200.0, "THB", eur_thb=40.0)) == 5.0
    assert cp.to_eur([200.0, 5.0], ["THB", "eur"], eur_thb=40.0).tolist() == [5.0, 5.0]
    with pytest.raises(InputError, match=r"Field 'eur_thb': expected an EUR/THB rate"):
        cp.to_eur(200.0, "THB")


def test_unknown_currency():
    with pytest.raises(InputError, match=r"Field 'origin_currency': unknown currency.*expected EUR or THB, found 'USD'"):
        cp.to_eur(10.0, "USD")
    with pytest.raises(InputError, match=r"Field 'origin_price': unknown currency.*found 'USD'"):
        cp.parse_origin_price("10 USD")


def test_bad_inputs():
    with pytest.raises(InputError, match=r"Field 'origin_share': expected a share of embedded emissions in \[0, 1\]"):
        cp.carbon_price_deduction(10.0, 5.0, 80.0, share_covered=1.5)
    with pytest.raises(InputError, match=r"Field 'origin_price': expected an amount >= 0"):
        cp.effective_price_eur(-1.0)
    with pytest.raises(InputError, match=r"Field 'price': expected a certificate price > 0"):
        cp.carbon_price_deduction(10.0, 5.0, 0.0)
    with pytest.raises(InputError, match=r"Field 'origin_price': expected a number with an optional currency"):
        cp.parse_origin_price("ten euros")


def test_parse_origin_price():
    assert cp.parse_origin_price("5.2") == (5.2, "EUR", False)
    assert cp.parse_origin_price("200THB") == (200.0, "THB", False)
    assert cp.parse_origin_price("thai-excise") == (200.0, "THB", True)


def test_thai_carbon_tax_is_an_uncertain_scenario():
    assert table_info("thai_carbon_tax_scenario")["kind"] == "scenario"
    t = cp.thai_carbon_tax()
    assert t["rate"] == 200.0 and t["unit"] == "THB/tCO2e"
    assert "uncertain" in t["art9_note"] and "Art. 9" in t["art9_note"]
    assert "UNCERTAIN" in load_table("thai_carbon_tax_scenario")["provision"].iloc[0]
    # THB 200 at 38.37 THB/EUR on 30 % of 1,000 tCO2e at EUR 75.36: 1000 x 0.3 x 5.2124 / 75.36 = 20.75 t
    d = cp.carbon_price_deduction(1000.0, cp.to_eur(t["rate"], "THB", eur_thb=38.37), 75.36, share_covered=0.3)
    assert float(d) == pytest.approx(1000 * 0.3 * (200 / 38.37) / 75.36)


@settings(max_examples=50, deadline=None)
@given(st.floats(0, 1e6), st.floats(0, 500), st.floats(0, 500), st.floats(1, 300), st.floats(0, 1))
def test_deduction_monotone_and_bounded(e, p1, p2, pe, s):
    lo, hi = sorted([p1, p2])
    d_lo = cp.carbon_price_deduction(e, lo, pe, share_covered=s)
    d_hi = cp.carbon_price_deduction(e, hi, pe, share_covered=s)
    assert d_hi >= d_lo - 1e-9
    assert d_hi <= e * s * (1 + 1e-12) + 1e-9
    assert np.all(d_lo >= 0)

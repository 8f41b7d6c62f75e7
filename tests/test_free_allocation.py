"""Free-allocation adjustment: CBAM factor, CSCF assumption, SEFA for defaults and actual data."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cbamcalc import free_allocation as fa
from cbamcalc.errors import InputError
from cbamcalc.refdata import load_table, table_info

# Directive 2003/87/EC Art. 10a(1a), verbatim: "97,5 % in 2026, 95 % in 2027, 90 % in 2028, 77,5 % in 2029,
# 51,5 % in 2030, 39 % in 2031, 26,5 % in 2032 and 14 % in 2033. From 2034, no CBAM factor shall apply."
ACT = {2026: 0.975, 2027: 0.95, 2028: 0.90, 2029: 0.775, 2030: 0.515, 2031: 0.39, 2032: 0.265, 2033: 0.14, 2034: 0.0}


def test_cbam_factor_every_year_as_the_directive_writes_it():
    years = np.array(sorted(ACT))
    assert fa.cbam_factor(years).tolist() == [ACT[y] for y in years]


def test_cbam_factor_table_is_law_and_cites_the_directive():
    assert table_info("cbam_factor")["kind"] == "law"
    t = load_table("cbam_factor")
    assert t["act"].str.contains("2003/87/EC").all()
    assert t["provision"].str.contains("10a").all()


def test_cbam_factor_year_outside_table_without_user_factor():
    with pytest.raises(InputError, match=r"Field 'year'.*no cbam_factor for 2035.*cbam_factor_Dir2003-87_Art10a.csv"):
        fa.cbam_factor([2026, 2035])
    with pytest.raises(InputError, match=r"no cbam_factor for 2025"):
        fa.cbam_factor(2025)


def test_cbam_factor_user_override_scalar_and_mapping():
    assert fa.cbam_factor([2035, 2036], override=0.0).tolist() == [0.0, 0.0]
    assert fa.cbam_factor([2035], override={2035: 0.1}).tolist() == [0.1]
    with pytest.raises(InputError, match=r"cbam_factor.*no value for 2036"):
        fa.cbam_factor([2035, 2036], override={2035: 0.1})
    with pytest.raises(InputError, match=r"Field 'cbam_factor': expected a finite number >= 0, found -1"):
        fa.cbam_factor(2026, override=-1)


def test_cscf_is_a_marked_assumption_with_a_warning():
    assert table_info("cscf_assumption")["kind"] == "scenario"
    assert (load_table("cscf_assumption")["status"] == "assumption").all()
    with pytest.warns(UserWarning, match="CSCF: using the documented assumption 1.0 \\(not law"):
        assert fa.cscf([2026, 2030]).tolist() == [1.0, 1.0]
    assert fa.cscf(2027, override=0.93).tolist() == 0.93


def test_sefa_default_screws_thailand():
    # IR 2025/2620 Annex: CN 7318 15 95, Column B route (E) = 0.066 (benchmarks_IR2025-2620_v1.csv);
    # Thai default line route (E) (default_values_IR2025-2621_v1); 2026: CBAM factor 0.975, CSCF 1.
    assert fa.sefa_default(0.066, 0.975, 1.0) == pytest.approx(0.06435)
    assert fa.free_allocation_adjustment(1000.0, 0.06435) == pytest.approx(64.35)


def test_sefa_actual_with_precursors():
    # own process 0.1, precursor 0.5 t/t with SEFA 1.0
    out = fa.sefa_actual([0.1], 0.9, 1.0, precursor_mass=[[0.5]], precursor_sefa=[[1.0]])
    assert out.tolist() == pytest.approx([0.09 + 0.5])
    with pytest.raises(InputError, match="precursor_mass/precursor_sefa.*both or neither"):
        fa.sefa_actual([0.1], 0.9, 1.0, precursor_mass=[[0.5]])
    with pytest.raises(InputError, match="precursor_mass.*expected masses >= 0"):
        fa.sefa_actual([0.1], 0.9, 1.0, precursor_mass=[[-0.5]], precursor_sefa=[[1.0]])


def test_precursor_chain_recursive_and_given_sefa():
    # good g <- 0.5 t of p1 (BM 1.0) <- 2 t of p2 (BM 0.2); g also <- 0.1 t of p3 with verified SEFA 3.0,
    # whose own sub-precursor p4 must be ignored.
    nodes = pd.DataFrame(
        {
            "parent": [None, "g", "p1", "g", "p3"],
            "mass_per_t": [np.nan, 0.5, 2.0, 0.1, 7.0],
            "benchmark_a": [0.3, 1.0, 0.2, np.nan, 9.0],
            "sefa": [np.nan, np.nan, np.nan, 3.0, np.nan],
        },
        index=["g", "p1", "p2", "p3", "p4"],
    )
    res = fa.precursor_chain(nodes)
    assert res.loc["g", "chain"] == pytest.approx(0.3 + 0.5 * (1.0 + 2.0 * 0.2))
    assert res.loc["g", "given"] == pytest.approx(0.1 * 3.0)
    # SEFA in 2030 = factor x CSCF x chain + given
    assert 0.515 * res.loc["g", "chain"] + res.loc["g", "given"] == pytest.approx(0.515 * 1.0 + 0.3)


def test_precursor_chain_errors():
    with pytest.raises(InputError, match=r"row a \(parent\): expected a chain without cycles"):
        fa.precursor_chain(pd.DataFrame({"parent": ["b", "a"], "mass_per_t": [1.0, 1.0], "benchmark_a": [1.0, 1.0]},
                                        index=["a", "b"]))
    with pytest.raises(InputError, match=r"row p \(parent\): expected the id of another node, found 'zz'"):
        fa.precursor_chain(pd.DataFrame({"parent": [None, "zz"], "mass_per_t": [np.nan, 1.0],
                                         "benchmark_a": [0.0, 1.0]}, index=["g", "p"]))
    with pytest.raises(InputError, match=r"row p \(mass_per_t\)"):
        fa.precursor_chain(pd.DataFrame({"parent": [None, "g"], "mass_per_t": [np.nan, -1.0],
                                         "benchmark_a": [0.0, 1.0]}, index=["g", "p"]))
    with pytest.raises(InputError, match=r"row p \(benchmark_a\)"):
        fa.precursor_chain(pd.DataFrame({"parent": [None, "g"], "mass_per_t": [np.nan, 1.0],
                                         "benchmark_a": [0.0, np.nan]}, index=["g", "p"]))
    with pytest.raises(InputError, match=r"precursor id.*unique"):
        fa.precursor_chain(pd.DataFrame({"parent": [None, None], "benchmark_a": [0.0, 0.0]}, index=["g", "g"]))


@settings(max_examples=40, deadline=None)
@given(st.floats(0, 10), st.floats(0, 1e6))
def test_adjustment_is_zero_in_2034(bm, q):
    f = fa.cbam_factor(2034)
    assert fa.free_allocation_adjustment(q, fa.sefa_default(bm, f, 1.0)) == 0.0


@settings(max_examples=40, deadline=None)
@given(st.floats(0, 10), st.floats(0, 1e6), st.sampled_from(sorted(ACT)))
def test_adjustment_linear_in_quantity(bm, q, year):
    s = fa.sefa_default(bm, fa.cbam_factor(year), 1.0)
    assert fa.free_allocation_adjustment(2 * q, s) == pytest.approx(2 * fa.free_allocation_adjustment(q, s))


@pytest.mark.parametrize("override", [{2027: "abc"}, {2027: -0.1}, {2027: float("nan")}])
def test_an_override_that_is_not_a_number_is_one_clear_error(override):
    with pytest.raises(InputError) as exc:
        fa.cbam_factor([2027], override=override)
    assert exc.value.field == "cbam_factor" and "numbers >= 0 per year" in str(exc.value)


def test_the_years_the_code_names_are_those_of_the_cbam_factor_table():
    # benchmarks and scenarios keep module constants for the definitive period's years; the table is the law
    from cbamcalc import benchmarks, scenarios

    first, last = fa.factor_years()
    assert (first, last) == (2026, 2034)  # Directive 2003/87/EC Art. 10a(1a): factors 2026-2033, none from 2034
    assert (benchmarks.FIRST_PRODUCTION_YEAR, benchmarks.LAST_PRODUCTION_YEAR) == (first, last)
    assert (scenarios.FIRST_YEAR, scenarios.LAST_YEAR) == (first, last)

"""Worked examples of the obligation by the law of the definitive period (issue 10), by hand.

Every expected number below is computed in the test from the act's own figures, cited next to
it: default values of IR (EU) 2025/2621 Annex I as replaced by IR (EU) 2026/1740 (Commission
Excel v2 of 2026-08-06), benchmarks of IR (EU) 2025/2620 Annex (Commission Excel v1, cell named),
CBAM factors of Directive 2003/87/EC Art. 10a(1a) (97.5 % 2026, 95 % 2027, 90 % 2028, 77.5 % 2029),
CSCF 1.0 (cbamcalc's stated assumption), mark-ups 10 % 2026 / 20 % 2027 / fertilisers 1 %.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from cbamcalc import obligation
from cbamcalc.benchmarks import benchmark
from cbamcalc.carbon_price import art9_reduction_actual, art9_reduction_default
from cbamcalc.cli import main
from cbamcalc.cost import cbam_cost
from cbamcalc.errors import InputError

KW = {"price": 80.0, "eur_thb": 38.5, "cscf": 1.0}


def _cost(goods: dict, years=(2026,), **kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cbam_cost(pd.DataFrame(goods), years=list(years), **{**KW, **kw})


# ---------------------------------------------------------------- 1. Annex II per CN code, not per sector


def test_agglomerated_ore_counts_indirect_emissions_and_the_printed_total():
    # 2601 12 00 is iron and steel but NOT in Annex II of Reg. 2023/956: indirect emissions count.
    # IR 2026/1740 'Thailand' 2601 12 00: direct 1.130, indirect 0.070, printed total 1.190 (the sum
    # would be 1.200: the printed total is the law). Column B 0.086 (IR 2025/2620 Annex, cell E44).
    r = _cost({"cn_code": ["2601 12 00"], "country": ["TH"], "quantity": [1000.0]}).iloc[0]
    ee = 1000 * 1.190 * 1.10
    faa = 1000 * 0.975 * 1.0 * 0.086
    assert bool(r["indirect_counted"]) is True
    assert r["default_total"] == 1.190
    assert r["embedded_emissions_t"] == pytest.approx(ee)
    assert r["free_allocation_adjustment_t"] == pytest.approx(faa)
    assert r["certificates"] == pytest.approx(ee - faa)
    assert r["default_version"] == "2026/1740"


def test_ore_on_actual_data_counts_indirect_and_screws_do_not():
    # sintered ore has no relevant precursor (IR 2025/2547 Annex I): Column A of its own process, C44 0.086
    r = _cost({"cn_code": ["26011200", "73181595"], "country": ["TH"] * 2, "quantity": [1000.0] * 2,
               "see_direct": [0.5, 0.5], "see_indirect": [0.1, 0.1], "own_process_only": [False, True]})
    assert r["embedded_emissions_t"].tolist() == pytest.approx([1000 * (0.5 + 0.1), 1000 * 0.5])
    assert r["indirect_counted"].tolist() == [True, False]


def test_chain_counted_indirect_from_the_engine_replaces_the_listing():
    # pig iron (Annex II) from own sinter: the engine's see_indirect_counted (IR 2025/2547 Annex I 3.1)
    see = obligation.see_actual_counted([1.8], [0.4], [False], [0.03])
    assert see.tolist() == pytest.approx([1.83])


# ---------------------------------------------------------------- 2. printed total x mark-up


def test_fertiliser_mark_up_applies_to_the_printed_total():
    # IR 2026/1740 'Albania' 3102 10 19 urea: 1.330 + 0.080 = 1.410, printed total 1.420; fertilisers 1 %
    r = _cost({"cn_code": ["31021019"], "country": ["AL"], "quantity": [100.0]}, years=(2027,)).iloc[0]
    assert r["see_default"] == pytest.approx(1.420 * 1.01)
    assert r["embedded_emissions_t"] == pytest.approx(100 * 1.420 * 1.01)


# ---------------------------------------------------------------- 3. benchmark indicators = production years


def test_indicators_one_and_two_are_production_years():
    # IR 2025/2620 Annex 5.3; 7318 15 35 Column B (1) 1.154 (E1595), (2) 1.116 (E1596)
    g = {"cn_code": ["73181535"], "country": ["TH"], "quantity": [100.0]}
    r = _cost(g, years=(2027, 2028, 2031)).set_index("year")
    assert r.loc[2027, "sefa"] == pytest.approx(0.95 * 1.154)
    assert r.loc[2028, "sefa"] == pytest.approx(0.90 * 1.116)
    assert r.loc[2031, "benchmark"] == 1.116  # after 2030: the 2028-30 value
    # produced in 2027, imported in 2029: the (1) value with the 2029 factor 77.5 %
    r = _cost({**g, "production_year": [2027]}, years=(2029,)).iloc[0]
    assert r["sefa"] == pytest.approx(0.775 * 1.154)
    with pytest.raises(InputError, match=r"row 0 \(production_year\).*expected a year 2026-2034, found 2025"):
        _cost({**g, "production_year": [2025]})


def test_several_alloy_grades_take_the_highest_value_of_the_production_year():
    # IR 2025/2620 Annex 5.1; 7224 90 90: F(1) 1.807 (E777), H(1) 0.640 (E779), F(2) 1.640, H(2) 0.628
    assert benchmark("72249090", route="F/H", production_year=2026).value == max(1.807, 0.640)
    assert benchmark("72249090", route="(F)/(H)", production_year=2029).value == max(1.640, 0.628)
    assert benchmark("72249090", route="H", production_year=2029).value == 0.628


# ---------------------------------------------------------------- 4. complex goods on actual data


HRC = {"cn_code": ["72083900"], "country": ["TH"], "quantity": [1000.0], "see_direct": [2.0]}


def test_complex_good_needs_its_precursors():
    with pytest.raises(InputError, match=r"row 0 \(precursors\): CN 72083900 \(Iron or steel products\) is a complex "
                                         r"good.*Crude steel.*own-process-only"):
        _cost(HRC)


def test_complex_good_with_its_crude_steel_by_hand():
    # hot-rolled coil: Column A 0.044 (C167) + 1.05 t crude steel 7207 11 14 route (C), Column A 0.188 (C95)
    pre = pd.DataFrame({"parent": ["0"], "cn_code": ["72071114"], "mass_per_t": [1.05], "route": ["C"]}, index=["cs"])
    r = _cost(HRC, precursors=pre).iloc[0]
    assert r["sefa"] == pytest.approx(0.975 * (0.044 + 1.05 * 0.188))
    assert r["certificates"] == pytest.approx(1000 * 2.0 - 1000 * 0.975 * (0.044 + 1.05 * 0.188))
    # the own process alone is the lower bound, said in a warning
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        low = cbam_cost(pd.DataFrame(HRC), years=[2026], own_process_only=True, **KW)
    assert low["sefa"].item() == pytest.approx(0.975 * 0.044)
    assert any("LOWER BOUND" in str(w.message) for w in caught)
    # the producer's SEFA instead of the precursors
    assert _cost({**HRC, "sefa": [0.5]})["sefa"].item() == 0.5


def test_a_precursor_that_is_not_relevant_is_refused():
    pre = pd.DataFrame({"parent": ["0"], "cn_code": ["76011010"], "mass_per_t": [1.0], "route": ["K"]}, index=["al"])
    with pytest.raises(InputError, match=r"row al \(cn_code\): CN 76011010 \(Unwrought aluminium\) is not a relevant "
                                         r"precursor of Iron or steel products"):
        _cost(HRC, precursors=pre)


def test_cli_precursor_flag(capsys):
    argv = ["cost", "--cn", "7208 39 00", "--country", "TH", "--tonnes", "1000", "--see-direct", "2.0",
            "--years", "2026", "--price", "80", "--json"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "complex good" in err[0]
    assert main([*argv, "--precursor", "7207 11 14:1.05:C"]) == 0
    out = json.loads(capsys.readouterr().out)[0]
    assert out["sefa"] == pytest.approx(0.975 * (0.044 + 1.05 * 0.188))
    assert main([*argv, "--precursor", "7601 10 10:1:K"]) == 2
    assert "not a relevant precursor" in capsys.readouterr().err
    assert main([*argv, "--precursor", "7207 11 14:-1"]) == 2
    assert "--precursor" in capsys.readouterr().err


# ---------------------------------------------------------------- 5. Art. 9 by basis


def test_art9_default_share_only_with_a_commission_default_price():
    screws = {"cn_code": ["73181595"], "country": ["TH"], "quantity": [1000.0]}
    base = _cost(screws).iloc[0]
    ee = base["embedded_emissions_t"]
    paid = _cost({**screws, "origin_price": [20.0]}).iloc[0]
    assert paid["carbon_price_deduction_t"] == 0.0 and paid["certificates"] == base["certificates"]
    dcp = _cost({**screws, "default_carbon_price": [8.0]}).iloc[0]
    assert dcp["carbon_price_deduction_t"] == pytest.approx(ee * 8.0 / 80.0)
    assert art9_reduction_default([1000.0], [8.0], 80.0).tolist() == [100.0]


def test_art9_actual_share_draft_formula_without_cap():
    # draft IA on Art. 9(5): P_eff x (covered - rebated) / average certificate price; no cap at p
    assert art9_reduction_actual(1000.0, 100.0, 80.0, share_covered=0.5) == pytest.approx(1000 * 0.5 * 100 / 80)
    mixed = {"cn_code": ["26011200"], "country": ["TH"], "quantity": [1000.0], "see_direct": [0.5],
             "see_indirect": [0.1], "actual_share": [0.4], "origin_price": [20.0], "origin_share": [1.0]}
    r = _cost(mixed).iloc[0]
    assert r["carbon_price_deduction_t"] == pytest.approx(400 * 0.6 * 20 / 80)
    assert r["art9_basis"].startswith("actual share")


# ---------------------------------------------------------------- 8. scope: calcined kaolinic clay only


def test_kaolinic_clay_is_flagged():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = cbam_cost(pd.DataFrame({"cn_code": ["25070080"], "country": ["AO"], "quantity": [10.0]}), years=[2026],
                      **KW)
    assert any("calcined" in str(w.message) for w in caught)
    assert any("calcined" in w for w in r.attrs["warnings"])


# ---------------------------------------------------------------- properties


@pytest.mark.parametrize("cn", ["26011200", "73181535", "31021019", "72083900"])
def test_never_negative_and_monotone_in_price_and_see(cn):
    g = {"cn_code": [cn] * 3, "country": ["AL" if cn.startswith("31") else "TH"] * 3, "quantity": [100.0] * 3,
         "see_direct": [0.0, 1.0, 5.0], "see_indirect": [0.0, 0.1, 0.5], "own_process_only": [True] * 3}
    lo = _cost(g, years=range(2026, 2035), price=50.0)
    hi = _cost(g, years=range(2026, 2035), price=100.0)
    assert (lo["certificates"] >= 0).all()
    assert (hi["cost_eur"].to_numpy() >= lo["cost_eur"].to_numpy() - 1e-9).all()
    cert = lo["certificates"].to_numpy().reshape(3, 9)
    assert np.all(np.diff(cert, axis=0) >= -1e-9)


@pytest.mark.parametrize(("extra", "flag"), [
    (["--see-direct", "nan"], "--see-direct: expected an SEE in [0, 1000] tCO2e/t, found nan"),
    (["--see-direct", "1e308"], "--see-direct: expected an SEE in [0, 1000] tCO2e/t"),
    (["--production-year", "2040"], "--production-year: the CBAM factor and benchmarks run from production year"),
    (["--see-direct", "2", "--precursor", "7601:1:K"], "--precursor: expected CN:T_PER_T[:ROUTE] with a CN code"),
    (["--see-direct", "2", "--precursor", "76011010:1:K"], "--precursor: CN 76011010 (Unwrought aluminium) is not a "
                                                           "relevant precursor of Iron or steel products"),
])
def test_cli_bad_law_inputs_name_the_flag(capsys, extra, flag):
    rc = main(["cost", "--cn", "72083900", "--country", "TH", "--tonnes", "10", "--years", "2026", "--price", "80",
               *extra])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and flag in err[0], err

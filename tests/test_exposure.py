"""Exposure model: hand-computed cases, properties, consistency with cost.cbam_cost, bad input.

Stub intensity tables (``intensities=...``) keep most tests independent of the default-value and
benchmark tables; the consistency tests use the real look-ups through :func:`cbamcalc.cost.cbam_cost`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cbamcalc.errors import InputError
from cbamcalc.exposure import (
    Distribution,
    ExposureModel,
    IntensityRules,
    MonteCarloSpec,
    ScenarioPaths,
    SensitivitySpec,
    prepare_flows,
    run_exposure,
    sector_key,
    unit_certificates,
    unit_cost,
)

YEARS = np.arange(2026, 2035)
CBAM_FACTOR = np.array([0.975, 0.95, 0.90, 0.775, 0.515, 0.39, 0.265, 0.14, 0.0])  # Dir. 2003/87 Art. 10a(1a)
MARKUP = np.array([0.10, 0.20, 0.30, 0.30, 0.30, 0.30, 0.30, 0.30, 0.30])  # IR 2025/2621, not fertilisers

# Thai defaults (THAI_CONTEXT.md, Commission Excel v1): screws 7318 15 95 direct 2.408, route (E), Column B 0.066;
# Al profiles 7604 21 00 direct 1.290, route (L), Column B 0.152.
SCREWS, PROFILES = "73181595", "76042100"


def stub_table() -> pd.DataFrame:
    rows = []
    for cn, sector, direct, bm in ((SCREWS, "Iron and steel", 2.408, 0.066), (PROFILES, "Aluminium", 1.290, 0.152)):
        for y, mk in zip(YEARS, MARKUP, strict=True):
            rows.append({"cn_code": cn, "country": "TH", "year": int(y), "sector": sector,
                         "see_default": direct * (1 + mk), "see_default_unmarked": direct,
                         "benchmark_default": bm, "benchmark_actual": bm})
    return pd.DataFrame(rows)


def flows_one(mass: float = 1000.0, cn: str = SCREWS) -> pd.DataFrame:
    return pd.DataFrame({"year": [2024], "cn_code": [cn], "country": ["TH"], "net_mass_t": [mass],
                         "value_eur": [mass * 2600.0]})


def paths(price: float | np.ndarray = 80.0, fx: float | np.ndarray = 38.0, **kw) -> ScenarioPaths:
    return ScenarioPaths.from_law("test", YEARS, eu_price=price, eur_thb=fx, cscf=1.0, **kw)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return stub_table()


# --------------------------------------------------------------------------- equations


def test_unit_equations_by_hand():
    # screws 2026: SEE 2.408 x 1.10 = 2.6488; SEFA 0.975 x 1.0 x 0.066 = 0.06435
    assert unit_certificates(2.6488, 0.06435, 75.36) == pytest.approx(2.58445)
    assert unit_cost(2.6488, 0.06435, 75.36) == pytest.approx(2.58445 * 75.36)
    # Art. 9: EUR 10/t paid on 40 % of the emissions at EUR 80: deduction 2.6488 x 0.4 x 10/80 = 0.13244
    assert unit_certificates(2.6488, 0.06435, 80.0, 10.0, 0.4) == pytest.approx(2.58445 - 0.13244)
    # no cap at the certificate price (draft IA on Art. 9(5)); certificates never below zero
    assert unit_certificates(2.0, 0.0, 50.0, 50.0, 0.5) == pytest.approx(1.0)
    assert unit_certificates(2.0, 0.0, 50.0, 500.0, 0.5) == 0.0
    assert unit_cost(2.0, 3.0, 80.0) == 0.0  # never negative
    assert unit_cost(2.0, 0.0, 0.0, 10.0, 1.0) == 0.0  # zero certificate price


def test_sector_key():
    assert sector_key("Iron and steel") == "iron_steel" == sector_key("iron_and_steel")
    assert sector_key("Fertilizers") == "fertilisers"


# --------------------------------------------------------------------------- hand-computed model runs


def test_single_good_by_hand(table):
    m = ExposureModel(flows_one(1000.0), YEARS, intensities=table)
    res = m.evaluate(paths(80.0, 38.0))
    tot = res["total"].set_index("year")
    # 2026: E = 1000 x 2.6488 = 2648.8; FA = 1000 x 0.975 x 0.066 = 64.35; N = 2584.45; cost = x 80
    assert tot.loc[2026, "embedded_emissions_t"] == pytest.approx(2648.8)
    assert tot.loc[2026, "free_allocation_adjustment_t"] == pytest.approx(64.35)
    assert tot.loc[2026, "certificates"] == pytest.approx(2584.45)
    assert tot.loc[2026, "cost_eur"] == pytest.approx(2584.45 * 80)
    assert tot.loc[2026, "cost_thb"] == pytest.approx(2584.45 * 80 * 38)
    assert tot.loc[2026, "cost_eur_per_t"] == pytest.approx(2.58445 * 80)
    assert tot.loc[2026, "cost_share_of_value"] == pytest.approx(2584.45 * 80 / 2.6e6)
    # 2030: SEE 2.408 x 1.3 = 3.1304, FA 0.515 x 0.066 = 0.03399 per t
    assert tot.loc[2030, "certificates"] == pytest.approx(1000 * (3.1304 - 0.03399))
    # 2034: no CBAM factor, no adjustment: every tonne of emissions is paid
    assert tot.loc[2034, "free_allocation_adjustment_t"] == 0.0
    assert tot.loc[2034, "certificates"] == pytest.approx(3130.4)


def test_mixed_actual_share_blends_then_clips(table):
    actual = pd.DataFrame({"cn_code": [SCREWS], "see_actual": [1.2], "benchmark_actual": [0.066]})
    rules = IntensityRules(actual=actual, actual_share={"iron_steel": 0.4})
    m = ExposureModel(flows_one(100.0), YEARS, intensities=table, rules=rules)
    tot = m.evaluate(paths(80.0))["total"].set_index("year")
    see = 0.4 * 1.2 + 0.6 * 2.6488
    assert tot.loc[2026, "embedded_emissions_t"] == pytest.approx(100 * see)
    assert tot.loc[2026, "certificates"] == pytest.approx(100 * (see - 0.975 * 0.066))


def test_actual_relative_to_default(table):
    rules = IntensityRules(actual_share=0.5, actual_relative_to_default=0.8)
    m = ExposureModel(flows_one(10.0), YEARS, intensities=table, rules=rules)
    tot = m.evaluate(paths(100.0))["total"].set_index("year")
    see = 0.5 * 0.8 * 2.408 + 0.5 * 2.6488  # actual: 80 % of the default without mark-up
    assert tot.loc[2026, "embedded_emissions_t"] == pytest.approx(10 * see)


def test_share_without_actual_value_warns_and_stays_on_defaults(table):
    m = ExposureModel(flows_one(10.0), YEARS, intensities=table, rules=IntensityRules(actual_share=0.5))
    assert any("no actual intensity" in w for w in m.warnings)
    tot = m.evaluate(paths(100.0))["total"].set_index("year")
    assert tot.loc[2026, "embedded_emissions_t"] == pytest.approx(26.488)


def test_origin_price_in_thb_by_hand(table):
    # THB 200/tCO2e at 40 THB/EUR = EUR 5 on 10 % of the emissions, certificate price EUR 80
    p = paths(80.0, 40.0, origin_price=200.0, origin_currency="THB", covered_share={"*": 0.1})
    tot = ExposureModel(flows_one(1000.0), YEARS, intensities=table).evaluate(p)["total"].set_index("year")
    e = 2648.8
    # on default values a price paid reduces nothing (Art. 9 as replaced by Reg. (EU) 2025/2083)
    assert tot.loc[2026, "carbon_price_deduction_t"] == 0.0
    assert tot.loc[2026, "certificates"] == pytest.approx(e - 64.35)
    # 40 % of the exports on actual data (1.5 t/t, Column A chain 0.038): the reduction is
    # P/p x covered share x actual emissions = 5/80 x 0.1 x (400 t x 1.5)
    actual = pd.DataFrame({"cn_code": [SCREWS], "see_actual": [1.5], "benchmark_actual": [0.038],
                           "actual_share": [0.4]})
    m = ExposureModel(flows_one(1000.0), YEARS, intensities=table, rules=IntensityRules(actual=actual))
    tot = m.evaluate(p)["total"].set_index("year")
    assert tot.loc[2026, "carbon_price_deduction_t"] == pytest.approx(5 / 80 * 0.1 * 400 * 1.5)
    assert tot.loc[2026, "certificates"] == pytest.approx(
        400 * 1.5 + 600 * 2.6488 - 0.975 * (400 * 0.038 + 600 * 0.066) - 5 / 80 * 0.1 * 400 * 1.5)


def test_volume_index_and_levels_add_up(table):
    flows = pd.DataFrame({"year": [2024] * 3, "cn_code": [SCREWS, SCREWS, PROFILES], "country": ["TH"] * 3,
                          "destination": ["DE", "NL", "DE"], "net_mass_t": [100.0, 50.0, 30.0]})
    m = ExposureModel(flows, YEARS, intensities=table)
    p = paths(90.0, volume_index=1.02 ** (YEARS - 2024))
    res = m.evaluate(p, levels=("cn8", "cn4", "sector", "total", "destination"))
    tot = res["total"].set_index("year")
    assert tot.loc[2026, "net_mass_t"] == pytest.approx(180 * 1.02**2)
    for level in ("cn8", "cn4", "sector", "destination"):
        s = res[level].groupby("year")["cost_eur"].sum()
        np.testing.assert_allclose(s.to_numpy(), tot["cost_eur"].to_numpy(), rtol=1e-12)
    assert set(res["sector"]["sector"]) == {"Iron and steel", "Aluminium"}


def test_base_year_latest_and_mean(table):
    flows = pd.DataFrame({"year": [2023, 2024], "cn_code": [SCREWS] * 2, "country": ["TH"] * 2,
                          "net_mass_t": [100.0, 300.0]})
    assert prepare_flows(flows).net_mass_t.sum() == 300.0
    assert prepare_flows(flows, base_year="mean").net_mass_t.sum() == 200.0
    assert prepare_flows(flows, base_year=2023).net_mass_t.sum() == 100.0
    with pytest.raises(InputError, match=r"base_year.*expected a year in the flows"):
        prepare_flows(flows, base_year=2020)


# --------------------------------------------------------------------------- properties

masses = st.lists(st.floats(0.0, 1e6, allow_nan=False), min_size=1, max_size=8)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(masses, st.data())
def test_additive_across_rows(table, ms, data):
    n = len(ms)
    flows = pd.DataFrame({"year": 2024, "cn_code": [SCREWS if i % 2 else PROFILES for i in range(n)],
                          "country": "TH", "destination": [f"D{i}" for i in range(n)], "net_mass_t": ms})
    pick = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    p = paths(85.0, 39.0, origin_price=10.0, covered_share=0.2)

    def total(df: pd.DataFrame) -> np.ndarray:
        if not len(df):
            return np.zeros(len(YEARS))
        return ExposureModel(df, YEARS, intensities=table).evaluate(p, ("total",))["total"]["cost_eur"].to_numpy()

    np.testing.assert_allclose(total(flows), total(flows[pick]) + total(flows[~pick]), rtol=1e-9, atol=1e-6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.floats(0.0, 500.0), st.floats(0.0, 1.0), st.floats(0.1, 1.0))
def test_zero_eu_price_gives_zero_cost(table, origin, cover, cscf):
    p = ScenarioPaths.from_law("zero", YEARS, eu_price=0.0, eur_thb=38.0, cscf=cscf, origin_price=origin,
                               covered_share=cover)
    res = ExposureModel(flows_one(1234.0), YEARS, intensities=table).evaluate(p, ("total",))["total"]
    assert (res["cost_eur"] == 0).all() and (res["cost_thb"] == 0).all()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.floats(0.0, 300.0), min_size=9, max_size=9), st.lists(st.floats(0.0, 100.0), min_size=9,
                                                                             max_size=9),
       st.floats(0.0, 300.0), st.floats(0.0, 1.0))
def test_higher_price_path_never_lowers_cost(table, base, bump, origin, cover):
    lo = np.array(base)
    hi = lo + np.array(bump)
    m = ExposureModel(flows_one(500.0), YEARS, intensities=table)
    c_lo = m.evaluate(paths(lo, origin_price=origin, covered_share=cover), ("total",))["total"]["cost_eur"].to_numpy()
    c_hi = m.evaluate(paths(hi, origin_price=origin, covered_share=cover), ("total",))["total"]["cost_eur"].to_numpy()
    assert np.all(c_hi >= c_lo - 1e-9 * np.maximum(1, c_lo))


def two_sector_model(table) -> ExposureModel:
    flows = pd.DataFrame({"year": 2024, "cn_code": [SCREWS, PROFILES], "country": "TH", "net_mass_t": [800.0, 300.0]})
    return ExposureModel(flows, YEARS, intensities=table)


@pytest.mark.parametrize("origin", [0.0, 8.0])
def test_degenerate_distributions_reproduce_deterministic(table, origin):
    m = two_sector_model(table)
    p = paths(np.linspace(75, 120, 9), np.full(9, 38.5), origin_price=origin, covered_share=0.3)
    spec = MonteCarloSpec(draws=50, seed=1,
                          eu_price=Distribution("triangular", low=p.eu_price, high=p.eu_price),
                          eur_thb=Distribution("normal", sd=0.0),
                          intensity={"*": Distribution("uniform", low=1.0, high=1.0)})
    mc = m.monte_carlo(p, spec)
    for col in ("p5", "p50", "p95", "mean"):
        np.testing.assert_allclose(mc[col].to_numpy(), mc["deterministic"].to_numpy(), rtol=1e-10)
    det = m.evaluate(p, ("sector",))["sector"]
    got = mc[(mc.metric == "cost_eur") & (mc.sector != "All sectors")].sort_values(["sector", "year"])
    np.testing.assert_allclose(got["p50"].to_numpy(), det.sort_values(["sector", "year"])["cost_eur"].to_numpy(),
                               rtol=1e-10)


def mc_spec(seed: int | None, chunk: int = 1 << 20, draws: int = 400, method: str = "auto") -> MonteCarloSpec:
    return MonteCarloSpec(draws=draws, seed=seed, chunk_elements=chunk, method=method,
                          eu_price=Distribution("triangular", low=np.full(9, 60.0), high=np.full(9, 150.0)),
                          eur_thb=Distribution("normal", sd=1.5),
                          intensity={"*": Distribution("uniform", low=0.9, high=1.1),
                                     "aluminium": Distribution("lognormal", sigma=0.1)})


def test_same_seed_same_percentiles_whatever_the_chunk(table):
    m = two_sector_model(table)
    p = paths(90.0)
    a = m.monte_carlo(p, mc_spec(7, method="direct"))
    b = m.monte_carlo(p, mc_spec(7, chunk=50, method="direct"))  # several chunks
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    pd.testing.assert_frame_equal(a, m.monte_carlo(p, mc_spec(7)), check_exact=False, rtol=1e-9)
    c = m.monte_carlo(p, mc_spec(8))
    assert not np.allclose(a["p50"], c["p50"])
    assert (a["p5"] <= a["p50"]).all() and (a["p50"] <= a["p95"]).all()


def test_monte_carlo_progress_and_draws(table):
    m = two_sector_model(table)
    calls = []
    out, draws = m.monte_carlo(paths(90.0), mc_spec(3, chunk=18 * 10, draws=95, method="direct"),
                               progress=lambda d, t: calls.append(d), return_draws=True)
    assert calls[-1] == 95 and len(calls) > 1
    assert draws["cost_eur"].shape == (95, 3, 9)  # 2 sectors + all
    np.testing.assert_allclose(draws["cost_eur"][:, -1, :], draws["cost_eur"][:, :-1, :].sum(axis=1))


def test_triangular_distribution_sampling():
    d = Distribution("triangular", low=np.array([1.0, 2.0]), high=np.array([3.0, 2.0]))
    u = np.array([0.0, 0.5, 1.0])
    out = d.sample(np.array([2.0, 2.0]), u, np.zeros(3))
    np.testing.assert_allclose(out[:, 0], [1.0, 2.0, 3.0])
    np.testing.assert_allclose(out[:, 1], [2.0, 2.0, 2.0])  # degenerate
    with pytest.raises(InputError, match="distribution 'uniform'.*expected a value for 'low'"):
        Distribution("uniform", high=1.0)


# --------------------------------------------------------------------------- tornado


def test_tornado_sorted_and_bracketing(table):
    m = two_sector_model(table)
    p = paths(np.full(9, 96.0), np.full(9, 38.37))
    spec = SensitivitySpec(year=2030, metric="cost_eur", eu_price=(np.full(9, 65.0), np.full(9, 130.0)),
                           eur_thb=(np.full(9, 36.0), np.full(9, 40.0)), cscf=(0.9, 1.0))
    t = m.tornado(p, spec)
    assert list(t["swing"]) == sorted(t["swing"], reverse=True)
    row = t.set_index("parameter")
    assert row.loc["eu_price", "low"] < row.loc["eu_price", "base"] < row.loc["eu_price", "high"]
    assert row.loc["eur_thb", "swing"] == 0.0  # EUR cost does not depend on the rate
    assert row.loc["cscf", "low"] > row.loc["cscf", "high"]  # a lower CSCF leaves less free allocation
    # intensity x1.1 on the 2030 cost, by hand: sum_k m (1.1 SEE - SEFA) p
    see = {SCREWS: 2.408 * 1.3, PROFILES: 1.290 * 1.3}
    sefa = {SCREWS: 0.515 * 0.066, PROFILES: 0.515 * 0.152}
    hand = sum(mass * (1.1 * see[c] - sefa[c]) * 96.0 for c, mass in ((SCREWS, 800.0), (PROFILES, 300.0)))
    assert row.loc["intensity", "high"] == pytest.approx(hand)
    with pytest.raises(InputError, match="sensitivity year"):
        m.tornado(p, SensitivitySpec(year=2040))


# --------------------------------------------------------------------------- consistency with cbam_cost


@pytest.mark.parametrize(
    "cn, extra",
    [
        (SCREWS, {}),  # iron and steel on defaults, route (E)
        (PROFILES, {}),  # aluminium
        ("31021090", {}),  # urea: fertiliser mark-up 1 %, indirect counted
        ("28041000", {}),  # hydrogen
        ("25232900", {"clinker_content": 0.75}),  # grey Portland cement: Other-countries line, clinker contained
        ("26011200", {}),  # agglomerated iron ore: iron and steel, but not in Annex II: indirect counted
        ("73181535", {}),  # stainless screws: Column B (1)/(2) by production year
    ],
)
def test_single_good_matches_cbam_cost(cn, extra):
    from cbamcalc.cost import cbam_cost
    from cbamcalc.scenarios import default_scenarios

    sset = default_scenarios()
    sset.intensity = IntensityRules(clinker_content=extra.get("clinker_content"))
    flows = pd.DataFrame({"year": [2024], "cn_code": [cn], "country": ["TH"], "net_mass_t": [1000.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = run_exposure(flows, sset, draws=0)
        goods = pd.DataFrame({"cn_code": [cn], "country": ["TH"], "quantity": [1000.0], **{k: [v] for k, v in
                                                                                           extra.items()}})
        ref = cbam_cost(goods, years=YEARS, price="scenario:central", eur_thb="scenario:central", cscf=1.0)
    np.testing.assert_allclose(res.total["cost_eur"].to_numpy(), ref["cost_eur"].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(res.total["cost_thb"].to_numpy(), ref["cost_thb"].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(res.total["certificates"].to_numpy(), ref["certificates"].to_numpy(), rtol=1e-12)


def test_mixed_actual_and_origin_price_match_cbam_cost():
    from cbamcalc.cost import cbam_cost

    actual = pd.DataFrame({"cn_code": [SCREWS], "see_direct": [1.5], "route": ["E"], "actual_share": [0.4]})
    rules = IntensityRules(actual=actual)
    flows = pd.DataFrame({"year": [2024], "cn_code": [SCREWS], "country": ["TH"], "net_mass_t": [250.0]})
    p = ScenarioPaths.from_law("x", YEARS, eu_price=90.0, eur_thb=38.0, cscf=1.0, origin_price=200.0,
                               origin_currency="THB", covered_share=0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = ExposureModel(flows, YEARS, rules=rules)
        tot = m.evaluate(p, ("total",))["total"]
        goods = pd.DataFrame({"cn_code": [SCREWS], "country": ["TH"], "quantity": [250.0], "see_direct": [1.5],
                              "route": ["E"], "actual_share": [0.4], "origin_price": [200.0],
                              "origin_currency": ["THB"], "origin_share": [0.3], "own_process_only": [True]})
        ref = cbam_cost(goods, years=YEARS, price=90.0, eur_thb=38.0, cscf=1.0)
    np.testing.assert_allclose(tot["cost_eur"].to_numpy(), ref["cost_eur"].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(tot["carbon_price_deduction_t"].to_numpy(), ref["carbon_price_deduction_t"].to_numpy(),
                               rtol=1e-12)


def test_hs6_code_takes_the_largest_net_default():
    from cbamcalc.exposure import default_intensities

    keys = pd.DataFrame({"cn_code": ["731815"], "country": ["TH"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hi = default_intensities(keys, [2026])
        mean = default_intensities(keys, [2026], hs6_rule="mean")
    assert hi["cn_code"].iloc[0] == "731815" and hi["cn8"].iloc[0].startswith("731815")
    assert hi["see_default"].iloc[0] - hi["benchmark_default"].iloc[0] >= \
        mean["see_default"].iloc[0] - mean["benchmark_default"].iloc[0] - 1e-12


def test_cement_without_clinker_content_is_refused():
    flows = pd.DataFrame({"year": [2024], "cn_code": ["25232900"], "country": ["TH"], "net_mass_t": [10.0]})
    with pytest.raises(InputError, match=r"clinker_content.*scenario file"):
        ExposureModel(flows, YEARS)


# --------------------------------------------------------------------------- bad input


def test_missing_column():
    with pytest.raises(InputError, match=r"column 'net_mass_t': missing column"):
        prepare_flows(pd.DataFrame({"year": [2024], "cn_code": [SCREWS], "country": ["TH"]}))


def test_negative_mass_names_row_and_column():
    flows = pd.DataFrame({"year": [2024, 2024], "cn_code": [SCREWS, PROFILES], "country": ["TH", "TH"],
                          "net_mass_t": [5.0, -1.0]}, index=[10, 11])
    with pytest.raises(InputError, match=r"row 11, column 'net_mass_t': negative mass; expected a net mass >= 0"):
        prepare_flows(flows)


def test_file_rows_are_named_when_given():
    flows = pd.DataFrame({"year": [2024], "cn_code": ["7318"], "country": ["TH"], "net_mass_t": ["x"]})
    with pytest.raises(InputError, match=r"File 'f.csv', row 9, column 'net_mass_t': not a mass"):
        prepare_flows(flows, file="f.csv", row_numbers=np.array([9]))


def test_malformed_cn_code():
    flows = pd.DataFrame({"year": [2024, 2024], "cn_code": [SCREWS, "7318 15 9X"], "country": ["TH", "TH"],
                          "net_mass_t": [1.0, 1.0]})
    with pytest.raises(InputError, match=r"row 1, column 'cn_code': unknown CN code.*found '7318 15 9X'"):
        prepare_flows(flows)


def test_duplicated_key():
    flows = pd.DataFrame({"year": [2024, 2024, 2024], "cn_code": [SCREWS, PROFILES, "7318 15 95"],
                          "country": ["TH", "TH", "th"], "net_mass_t": [1.0, 2.0, 3.0]})
    with pytest.raises(InputError, match=r"row 2, column 'cn_code': duplicated key \(year, cn_code, country\) of "
                                         r"row 0"):
        prepare_flows(flows)


def test_years_must_match(table):
    m = ExposureModel(flows_one(), YEARS, intensities=table)
    with pytest.raises(InputError, match="years"):
        m.evaluate(ScenarioPaths.from_law("short", range(2026, 2030), eu_price=80.0, eur_thb=38.0, cscf=1.0))


def test_key_year_arrays_agree_with_streaming_evaluate(table):
    flows = pd.DataFrame({"year": 2024, "cn_code": [SCREWS, PROFILES, SCREWS], "country": "TH",
                          "destination": ["DE", "DE", "NL"], "net_mass_t": [10.0, 20.0, 5.0]})
    actual = pd.DataFrame({"cn_code": [PROFILES], "see_actual": [0.9], "benchmark_actual": [0.152],
                           "actual_share": [0.5]})
    m = ExposureModel(flows, YEARS, intensities=table, rules=IntensityRules(actual=actual))
    p = paths(np.linspace(70, 110, 9), origin_price=20.0, covered_share=0.25)
    q = m.key_year(p, intensity=1.05)
    assert q["cost_eur"].shape == (9, 3)
    for level in ("sector", "destination", "cn8"):
        pd.testing.assert_frame_equal(m.aggregate(q, p, level), m.evaluate(p, (level,), intensity=1.05)[level])
    assert m.total(p, "cost_eur", 2030, intensity=1.05) == pytest.approx(q["cost_eur"][4].sum())


@pytest.mark.parametrize("applies_to, origin", [("all", 0.0), ("all", 12.0), ("actual", 0.0), ("actual", 12.0)])
def test_sorted_and_direct_monte_carlo_agree(table, applies_to, origin):
    flows = pd.DataFrame({"year": 2024, "cn_code": [SCREWS, PROFILES, SCREWS, PROFILES], "country": "TH",
                          "destination": ["DE", "DE", "NL", "NL"], "net_mass_t": [10.0, 20.0, 5.0, 7.0]})
    actual = pd.DataFrame({"cn_code": [PROFILES, SCREWS], "see_actual": [0.1, 1.0], "benchmark_actual": [0.152, 0.066],
                           "actual_share": [0.6, 0.3]})
    m = ExposureModel(flows, YEARS, intensities=table, rules=IntensityRules(actual=actual))
    p = paths(np.linspace(70, 110, 9), origin_price=origin, covered_share={"aluminium": 0.5, "*": 0.2})
    base = dict(draws=300, seed=11, intensity_applies_to=applies_to,
                eu_price=Distribution("uniform", low=np.full(9, 0.0), high=np.full(9, 150.0)),
                intensity={"*": Distribution("uniform", low=0.0, high=2.0)})
    direct = m.monte_carlo(p, MonteCarloSpec(method="direct", chunk_elements=500, **base))
    if origin > 0:  # Art. 9 reduces the actual share only: a per-key weight the sorted kernel cannot take
        with pytest.raises(InputError, match="montecarlo method"):
            m.monte_carlo(p, MonteCarloSpec(method="sorted", **base))
        return
    fast = m.monte_carlo(p, MonteCarloSpec(method="sorted", **base))
    auto = m.monte_carlo(p, MonteCarloSpec(**base))
    for col in ("mean", "p5", "p50", "p95", "deterministic"):
        np.testing.assert_allclose(fast[col].to_numpy(), direct[col].to_numpy(), rtol=1e-9, atol=1e-6)
    pd.testing.assert_frame_equal(fast, auto)

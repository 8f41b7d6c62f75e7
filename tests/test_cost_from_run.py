"""Complex goods on actual data: the run's precursors feed the free-allocation adjustment (issue 5).

Worked examples on the Commission's filled Communication templates (``tests/data/cbam_templates/official``):
each computes the benchmark chain step by step from the template's amounts (sheet and cell named)
and the Column A / Column B lines of IR (EU) 2025/2620 (looked up with
:func:`cbamcalc.benchmarks.benchmark`, annex row named), then compares with
:func:`cbamcalc.cost.cost_from_run`. Certificates per tonne for 2026: ``SEE - 0.975 x 1.0 x chain``
(CBAM factor 2026, Directive 2003/87/EC Art. 10a(1a); CSCF 1.0, the documented assumption).
"""

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cbamcalc.benchmarks import benchmark
from cbamcalc.cli import main
from cbamcalc.cost import cbam_cost, cost_from_run, goods_from_run
from cbamcalc.errors import InputError
from cbamcalc.model import Good, Installation, ProductionProcess, PurchasedPrecursor
from cbamcalc.pipeline import run_installation
from cbamcalc.precursor_allocation import RELEVANT_PRECURSORS, is_relevant_precursor, precursors_from_run
from cbamcalc.units import Q_

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # warnings asserted where they matter

FC_2026 = 0.975 * 1.0  # CBAM factor 2026 x CSCF (assumption)
OPTS = {"years": [2026], "price": 80.0, "eur_thb": 38.5}


def A(cn, route=None):
    """Column A benchmark [tCO2e/t] of IR (EU) 2025/2620 Annex."""
    return benchmark(cn, route=route, column="A").value


@pytest.fixture(scope="module")
def example(templates_dir):
    from cbamcalc.io.communication_template import read_communication_template

    cache = {}

    def get(name):
        if name not in cache:
            inst = read_communication_template(templates_dir / "official" / name)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cache[name] = (inst, run_installation(inst, on_warning="ignore"))
        return cache[name]

    return get


def _cost(inst, run, cn, **kw):
    exports = pd.DataFrame({"cn_code": [cn], "quantity": [1000.0]})
    for col in ("clinker_content", "route"):
        if col in kw:
            exports[col] = [kw.pop(col)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        before = cbam_cost(goods_from_run(run, exports, installation=inst), own_process_only=True, **OPTS).iloc[0]
        after = cost_from_run(run, exports, installation=inst, **OPTS, **kw)
    return before, after, [str(w.message) for w in caught]


def _see(run, cn):
    return float(run.products.set_index("cn_code").loc[cn, "see_direct"])


# --------------------------------------------------------------------------- worked examples


EX3 = "EC_v2.1_example3_steel2_EAF_alloys_FILLED.xlsx"


def test_example3_rolled_products_from_own_crude_steel_and_purchased_alloys(example):
    """Example 3, CN 7304 11 00 (P2 rolling) from own EAF crude steel (P1) with purchased ferro-alloys."""
    inst, run = example(EX3)
    cn = "73041100"
    states = {"precursor_cn": {"PP2": "7202 60 00", "FeCr  (52% Cr)": "72024110", "PP4": "72021120"},
              "precursor_route": {"PP2": "1", "PP3": "(1)", "PP4": "1"}}
    before, after, msgs = _cost(inst, run, cn, **states)
    # masses [t/t]: D_Processes!L32 (P1 -> P2) 1,227,000 t over P2's production D_Processes!L81:L88 1,133,000 t;
    # E_PurchPrec!L72 / L116 / L160 (FeNi / FeCr / FeMn into P1) over P1's production D_Processes!L16:L23
    m_cs = 1_227_000 / 1_133_000
    m_feni, m_fecr, m_femn = 346_773.0239303843 / 2_234_000, 331_213 / 2_234_000, 60_595 / 2_234_000
    own = A("73041100")                      # annex C1248: line pipe, stainless, seamless: 0.057
    cs = A("72189911")                       # annex: stainless semi-finished 7218 99 11 (P1's good): 0.128
    feni = A("72026000", "1")                # annex C68: ferro-nickel route (1): 2.390
    fecr = A("72024110", "1")                # annex C58: ferro-chromium route (1): 1.142
    femn = benchmark("72021120", route="1", column="B").value  # annex E52: PP4 is on default values -> Column B
    assert (own, cs, feni, fecr, femn) == (0.057, 0.128, 2.390, 1.142, 1.361)
    chain = own + m_cs * (cs + m_feni * feni + m_fecr * fecr + m_femn * femn)
    see = _see(run, cn)  # examples_key_results.csv: 1.439606 (direct; iron and steel is an Annex II good)
    assert see == pytest.approx(1.4396064877810097, rel=1e-9)
    assert before["benchmark"] == pytest.approx(own)
    assert after["benchmark"].iloc[0] == pytest.approx(chain, rel=1e-12)
    assert chain == pytest.approx(0.820726, abs=1e-6)
    per_t_before = before["certificates"] / 1000
    per_t_after = after["certificates"].iloc[0] / 1000
    assert per_t_before == pytest.approx(see - FC_2026 * own, rel=1e-12)   # 1.384031
    assert per_t_after == pytest.approx(see - FC_2026 * chain, rel=1e-12)  # 0.639399
    assert per_t_after == pytest.approx(0.639399, abs=1e-6)
    # what was counted, and with which benchmark
    recs = pd.DataFrame(after.attrs["precursors"]).set_index("node")
    assert recs.loc["P1", "mass_per_t"] == pytest.approx(m_cs)
    assert recs.loc["PP2", "cumulative_mass_per_t"] == pytest.approx(m_cs * m_feni)
    assert recs.loc["PP4", "benchmark_column"] == "B" and recs.loc["PP2", "precursor_route"] == "1"
    assert recs["contribution"].sum() == pytest.approx(chain - own)
    assert "FeNi  (28% Ni) 0.1681 t/t x 2.39 (Column A, CN 7202 60 00 route 1)" in after["precursors_counted"].iloc[0]
    # PP1 (crude steel ingots into the crude steel process) is not in the template's list for crude steel
    assert [s["node"] for s in after.attrs["precursors_skipped"]] == ["PP1"]
    assert any("'Carbon steel ingots' (PP1, Crude steel)" in m for m in after.attrs["warnings"])
    assert any("not a relevant precursor of Crude steel" in m for m in msgs)


def test_example3_refuses_to_guess_the_alloys_cn_code(example):
    inst, run = example(EX3)
    with pytest.raises(InputError, match=r"Field 'precursor_cn': precursor 'FeNi  \(28% Ni\)' \(PP2, Alloys "
                                         r"\(FeMn, FeCr, FeNi\)\): its Column A benchmark depends on its CN code.*"
                                         r"expected one of .*7202 60 00 \(route 1: 2\.39, route 2: 2\.295\)"):
        _cost(inst, run, "73041100")
    # the CN code alone is not enough where the code has one row per route
    with pytest.raises(InputError, match=r"Field 'precursor_route': precursor 'FeNi  \(28% Ni\)' \(PP2, .*depends "
                                         r"on the production route.*expected one of 1 \(2\.39\), 2 \(2\.295\)"):
        _cost(inst, run, "73041100", precursor_cn={"PP2": "72026000", "PP3": "72024110", "PP4": "72021120"})


def test_example4_screws_from_purchased_steel_products_unchanged(example):
    """Example 4, CN 7318 15 42: the purchased 'Carbon steel' is of category Iron or steel products, which the
    template does not list as a relevant precursor of Iron or steel products: not counted, and said so."""
    inst, run = example("EC_v2.1_example4_steel3_screws_nuts_FILLED.xlsx")
    before, after, _ = _cost(inst, run, "73181542")
    own = A("73181542")  # annex C1597: screws, non-stainless, < 800 MPa: 0.038
    see = _see(run, "73181542")  # examples_key_results.csv: 2.006938
    assert own == 0.038 and see == pytest.approx(2.006938, abs=1e-6)
    assert after["benchmark"].iloc[0] == before["benchmark"] == pytest.approx(own)
    assert after["certificates"].iloc[0] / 1000 == pytest.approx(see - FC_2026 * own)  # 1.969888 before and after
    assert after.attrs["precursors"] == [] and after["precursors_counted"].iloc[0] == ""
    assert after.attrs["precursors_skipped"][0]["reason"] == "not a relevant precursor of Iron or steel products " \
                                                             "(template list)"


EX6 = "EC_v2.1_example6_aluminium_FILLED.xlsx"


@pytest.mark.parametrize("route", ["K", "(K)", "Primary (electrolytic) smelting"])
def test_example6_aluminium_products_from_own_unwrought_aluminium(example, route):
    """Example 6, CN 7605 19 00 wire (P2 forming) from own primary unwrought aluminium (P1)."""
    inst, run = example(EX6)
    before, after, _ = _cost(inst, run, "76051900", precursor_route={"Primary smelting": route})
    m = 120_000 / 113_000  # D_Processes!L32 (P1 -> P2) over P2's production D_Processes!L81:L88
    own = A("76051900")          # annex C1721: wire of non-alloy aluminium: 0.056
    unwrought = A("76011010", "K")  # annex C1695: unwrought aluminium, route (K) primary: 1.423
    chain = own + m * unwrought
    see = _see(run, "76051900")  # examples_key_results.csv: 1.698080 (direct; aluminium is an Annex II good)
    assert after["benchmark"].iloc[0] == pytest.approx(chain, rel=1e-12)
    assert before["certificates"] / 1000 == pytest.approx(see - FC_2026 * own)                  # 1.643480
    assert after["certificates"].iloc[0] / 1000 == pytest.approx(see - FC_2026 * chain)         # 0.170108
    assert after["certificates"].iloc[0] / 1000 == pytest.approx(0.170108, abs=1e-6)


def test_example6_route_is_required(example):
    inst, run = example(EX6)
    with pytest.raises(InputError, match=r"Field 'precursor_route': precursor 'Primary smelting' \(P1, Unwrought "
                                         r"aluminium\): its Column A benchmark \(CN 7601 10 10\) depends on the "
                                         r"production route.*expected one of K \(1\.423\), L \(0\.091\)"):
        _cost(inst, run, "76051900")
    # the unwrought aluminium sold as such (its own good) has no precursors: no route needed
    _, after, _ = _cost(inst, run, "76011010", route="K")
    assert after["benchmark"].iloc[0] == pytest.approx(A("76011010", "K"))


def test_example5_npk_from_purchased_ammonia_and_urea(example):
    """Example 5, CN 3105 20 10 NPK 15-15-15 from purchased urea (PP1) and ammonia (PP2)."""
    inst, run = example("EC_v2.1_example5_fertiliser_FILLED.xlsx")
    with pytest.raises(InputError, match=r"precursor 'Urea \(purum\)' \(PP1, Urea\).*3102 10 19 \(0\.053\)"):
        _cost(inst, run, "31052010")
    before, after, _ = _cost(inst, run, "31052010",
                             precursor_cn={"Urea (purum)": "3102 10 19", "ammonia (unhydrous)": "2814 10 00"})
    own = A("31052010")   # annex C35: 0.090
    urea = A("31021019")  # annex C21: urea > 45 % N: 0.053
    nh3 = A("28141000")   # annex C16: anhydrous ammonia: 1.522
    chain = own + 120_000 / 750_000 * urea + 69_750 / 750_000 * nh3  # E_PurchPrec!L28, L72 over D_Processes!L16:L23
    see = float(run.products.iloc[0][["see_direct", "see_indirect"]].sum())  # fertilisers: indirect counts
    assert after["benchmark"].iloc[0] == pytest.approx(chain, rel=1e-12)
    assert before["certificates"] / 1000 == pytest.approx(see - FC_2026 * own)           # 0.275762
    assert after["certificates"].iloc[0] / 1000 == pytest.approx(see - FC_2026 * chain)  # 0.129486


def test_example1_cement_clinker_counted_once(example):
    """Example 1, CN 2523 29 00 from the 'Cement Bubble' (clinker inside): per t clinker contained the
    clinker is the implicit precursor of cbam_cost (Column A grey clinker); nothing is added twice."""
    inst, run = example("EC_v2.1_example1_cement_FILLED.xlsx")
    before, after, _ = _cost(inst, run, "25232900", clinker_content=0.75)
    grey = A("25231000", "A")  # annex C4: cement clinker, route (A) grey: 0.666
    assert A("25232900") == 0.0  # annex C7: Portland cement, Column A 0
    see = float(run.products.iloc[0][["see_direct", "see_indirect"]].sum()) / 0.75  # per t clinker contained
    assert after["benchmark"].iloc[0] == before["benchmark"] == pytest.approx(grey)
    assert after["certificates"].iloc[0] / 1000 == pytest.approx(0.75 * (see - FC_2026 * grey))  # per t cement
    assert after.attrs["precursors"] == []
    assert "cement clinker contained 1 t/t x 0.666" in after["precursors_counted"].iloc[0]


def _cement_plant(calcined_clay=0.0):
    """Own clinker kiln (P1, 1,000 t, 800 t to the mill) and cement mill (P2, 1,000 t), optional calcined clay."""
    p1 = ProductionProcess(id="P1", category="Cement clinker", name="Kiln", production=Q_(1000, "t"),
                           sent_to={"Mill": Q_(800, "t")}, produced_for_market=Q_(200, "t"),
                           directly_attributable_emissions=Q_(700, "tCO2e"))
    p2 = ProductionProcess(id="P2", category="Cement", name="Mill", production=Q_(1000, "t"),
                           produced_for_market=Q_(1000, "t"), directly_attributable_emissions=Q_(10, "tCO2e"),
                           electricity_consumed=Q_(40, "MWh"), electricity_ef=Q_(0.5, "tCO2e/MWh"))
    pps = [] if not calcined_clay else [PurchasedPrecursor(
        id="PP1", category="Calcined clays ", name="Clay", purchased=Q_(calcined_clay, "t"),
        consumed_in={"Mill": Q_(calcined_clay, "t")}, see_direct=Q_(0.3, "tCO2e/t"), see_direct_source="Measured")]
    return Installation(name="cement", country="Thailand", processes=[p1, p2], purchased_precursors=pps,
                        goods=[Good("Mill", "25232900", "OPC")])


def test_cement_own_clinker_and_calcined_clay_per_t_clinker_contained():
    cn = "25232900"
    exports = pd.DataFrame({"cn_code": [cn], "quantity": [1000.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = _cement_plant()
        r = cost_from_run(run_installation(plain), exports, installation=plain, **OPTS).iloc[0]
        clay = _cement_plant(calcined_clay=100.0)
        r2 = cost_from_run(run_installation(clay), exports, installation=clay, **OPTS)
    grey = A("25231000", "A")  # annex C4: 0.666
    cc = A("25070080")         # annex C3: calcined (kaolinic) clays: 0.666
    assert r["clinker_content"] == pytest.approx(0.8)  # 800 t clinker into 1,000 t cement
    assert r["benchmark"] == pytest.approx(grey)       # the run's clinker flow is the implicit precursor, once
    # with 100 t calcined clay: 0.1 t/t cement = 0.125 t per t clinker contained, clinker written out once
    assert r2["benchmark"].iloc[0] == pytest.approx(grey + 0.1 / 0.8 * cc)
    recs = pd.DataFrame(r2.attrs["precursors"])
    assert sorted(recs["name"]) == ["Clay", "cement clinker contained"]
    assert recs.set_index("name").loc["cement clinker contained", "mass_per_t"] == 1.0


# --------------------------------------------------------------------------- properties


def _aluminium(own_t, bought_t):
    """Smelter P1 (1,000 t) sending ``own_t`` to the forming process P2 (500 t), plus purchased secondary ingot."""
    p1 = ProductionProcess(id="P1", category="Unwrought aluminium", name="Smelter", production=Q_(1000, "t"),
                           sent_to={"Forming": Q_(own_t, "t")}, produced_for_market=Q_(1000 - own_t, "t"),
                           directly_attributable_emissions=Q_(1600, "tCO2e"))
    p2 = ProductionProcess(id="P2", category="Aluminium products", name="Forming", production=Q_(500, "t"),
                           produced_for_market=Q_(500, "t"), directly_attributable_emissions=Q_(40, "tCO2e"))
    pp = PurchasedPrecursor(id="PP1", category="Unwrought aluminium", name="Ingot", routes=("Secondary melting "
                            "(recycling)",), purchased=Q_(bought_t, "t"), consumed_in={"Forming": Q_(bought_t, "t")},
                            see_direct=Q_(0.5, "tCO2e/t"), see_direct_source="Measured")
    return Installation(name="al", country="Thailand", processes=[p1, p2], purchased_precursors=[pp],
                        goods=[Good("Forming", "76042100", "profiles")])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(own=st.floats(0.0, 1000.0), bought=st.floats(0.0, 400.0), year=st.sampled_from([2026, 2029, 2033]))
def test_adding_a_precursor_never_raises_certificates(own, bought, year):
    """Same goods and SEE; the adjustment with one more precursor flow is never smaller."""
    exports = pd.DataFrame({"cn_code": ["76042100"], "quantity": [100.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base, more = _aluminium(own, 0.0), _aluminium(own, bought)
        run_base = run_installation(base, on_warning="ignore")
        goods = goods_from_run(run_base, exports, installation=base)
        route = {"Smelter": "K"}
        p0 = precursors_from_run(run_base, goods, installation=base, precursor_route=route)
        p1 = precursors_from_run(run_installation(more, on_warning="ignore"), goods, installation=more,
                                 precursor_route=route)
        kw = {"years": [year], "price": 80.0, "eur_thb": 38.5}
        goods["no_relevant_precursors"] = True  # the run lists every precursor consumed
        c0 = cbam_cost(goods, precursors=p0[["parent", "mass_per_t", "benchmark_a"]] if len(p0) else None, **kw)
        c1 = cbam_cost(goods, precursors=p1[["parent", "mass_per_t", "benchmark_a"]] if len(p1) else None, **kw)
    assert c1["certificates"].iloc[0] <= c0["certificates"].iloc[0] + 1e-9
    assert c1["free_allocation_adjustment_t"].iloc[0] >= c0["free_allocation_adjustment_t"].iloc[0] - 1e-9
    if bought > 1e-6:  # the purchased ingot's route (L) comes from its template route name
        assert p1.set_index("node").loc["PP1", "benchmark_a"] == A("76011010", "L")  # annex C1696: 0.091


def test_the_relevant_precursor_list_has_no_loop():
    """Recursion ends: no category is, directly or not, a relevant precursor of itself."""
    def reach(cat, seen=()):
        for p in RELEVANT_PRECURSORS[cat]:
            assert p not in (*seen, cat)
            reach(p, (*seen, cat))
    for cat in RELEVANT_PRECURSORS:
        reach(cat)
    assert is_relevant_precursor("cement", "Calcined clays ")


# --------------------------------------------------------------------------- options, warnings, error paths


def test_run_installation_passes_precursor_statements(example):
    inst, _ = example(EX6)
    exports = pd.DataFrame({"cn_code": ["76051900"], "quantity": [10.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = run_installation(inst, on_warning="ignore", exports=exports,
                               cost_options={**OPTS, "precursor_route": {"P1": "K"}})
    assert res.cost["benchmark"].iloc[0] == pytest.approx(A("76051900") + 120_000 / 113_000 * A("76011010", "K"))
    assert res.to_dict()["cost"][0]["precursors_counted"].startswith("Primary smelting 1.062 t/t x 1.423")


def test_without_installation_own_process_only_with_a_warning(example):
    inst, run = example(EX6)
    with pytest.warns(UserWarning, match=r"precursors not counted in the free-allocation adjustment: give "
                                         r"installation="):
        r = cost_from_run(run, pd.DataFrame({"cn_code": ["76051900"], "quantity": [1.0]}), **OPTS)
    assert r["benchmark"].iloc[0] == pytest.approx(A("76051900"))


def test_precursors_given_by_the_user_replace_the_runs(example):
    inst, run = example(EX6)
    user = pd.DataFrame({"parent": ["0"], "mass_per_t": [1.0], "sefa": [0.5]}, index=["mine"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = cost_from_run(run, pd.DataFrame({"cn_code": ["76051900"], "quantity": [1.0]}), installation=inst,
                          precursors=user, precursor_route={"P1": "K"}, **OPTS)
    assert r["sefa"].iloc[0] == pytest.approx(FC_2026 * A("76051900") + 0.5)


@pytest.mark.parametrize(("kw", "pattern"), [
    ({"precursor_cn": {"Smelter X": "76011010"}},
     r"Field 'precursor_cn': no precursor of that name or id in the installation; expected one of P1 'Primary "
     r"smelting', P2 'Forming steps', found 'Smelter X'"),
    ({"precursor_cn": {"P1": "7604 10 10"}},
     r"Field 'precursor_cn': precursor 'Primary smelting' \(P1, Unwrought aluminium\): the CN code stated is not a "
     r"good of its category; expected a CN code of Unwrought aluminium, found '7604 10 10'"),
    ({"precursor_route": {"P1": "Z"}},
     r"Field 'precursor_route': precursor 'Primary smelting' \(P1, Unwrought aluminium\): no Column A benchmark for "
     r"the route stated; expected one of K, L, found 'Z'"),
    ({"precursor_route": {"P1": "KK"}},
     r"Field 'precursor_route': expected a production-route indicator"),
    ({"precursor_cn": {"P1": "76O1"}}, r"Field 'precursor_cn': expected a CN code of 8 digits"),
])
def test_error_paths(example, kw, pattern):
    inst, run = example(EX6)
    with pytest.raises(InputError, match=pattern):
        _cost(inst, run, "76051900", **kw)


def test_a_precursor_without_benchmark_is_skipped_with_a_warning(example, monkeypatch):
    import cbamcalc.precursor_allocation as pa

    inst, run = example("EC_v2.1_example5_fertiliser_FILLED.xlsx")
    monkeypatch.setattr(pa, "_category_cns", lambda: {})
    _, after, msgs = _cost(inst, run, "31052010")
    assert after["benchmark"].iloc[0] == pytest.approx(A("31052010"))
    assert after.attrs["precursors_skipped"][0]["reason"] == "no CBAM CN code for the category 'Urea'"
    assert any("'Ammonia (unhydrous)' (PP2, Ammonia) not counted" in m for m in msgs)


def test_a_precursor_without_benchmark_row_is_skipped_with_a_warning(example, monkeypatch):
    import cbamcalc.benchmarks as b
    from cbamcalc.errors import ReferenceDataError

    def no_rows(cn, *, column="B"):
        raise ReferenceDataError(f"no rows for {cn}")

    inst, run = example(EX6)
    monkeypatch.setattr(b, "routes_of", no_rows)
    with pytest.warns(UserWarning, match=r"'Primary smelting' \(P1, Unwrought aluminium\) not counted in the "
                                         r"free-allocation adjustment: no Column A benchmark row \(IR \(EU\) "
                                         r"2025/2620 Annex\) for 7601 10 10"):
        r = cost_from_run(run, pd.DataFrame({"cn_code": ["76051900"], "quantity": [1.0]}), installation=inst,
                          **OPTS)
    assert r["benchmark"].iloc[0] == pytest.approx(A("76051900"))


def test_bubble_process_warns_that_inside_precursors_are_not_counted(example):
    inst, run = example("EC_v2.1_example2_steel1_blast_furnace_FILLED.xlsx")
    _, after, _ = _cost(inst, run, "72081000")
    assert after["benchmark"].iloc[0] == pytest.approx(A("72081000"))
    assert any("Crude steel inside 'Bubble approach' (bubble approach) not counted" in m
               for m in after.attrs["warnings"])


# --------------------------------------------------------------------------- CLI


def _err(capsys):
    return capsys.readouterr().err


def test_cli_from_run_counts_precursors(capsys, templates_dir):
    f = templates_dir / "official" / EX6
    assert main(["cost", "--from-run", str(f), "--cn", "76051900", "--tonnes", "500", "--years", "2026",
                 "--price", "80", "--precursor-route", "Primary smelting=K", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)[0]
    assert out["benchmark"] == pytest.approx(A("76051900") + 120_000 / 113_000 * A("76011010", "K"))
    assert out["precursors_counted"].startswith("Primary smelting 1.062 t/t x 1.423 (Column A, CN 7601 10 10 route K)")
    assert main(["cost", "--from-run", str(f), "--cn", "76051900", "--tonnes", "500", "--years", "2026",
                 "--price", "80", "--precursor-route", "P1=K"]) == 0
    assert "precursors counted: Primary smelting" in capsys.readouterr().out


def test_cli_from_run_asks_for_the_route(capsys, templates_dir):
    f = templates_dir / "official" / EX6
    assert main(["cost", "--from-run", str(f), "--cn", "76051900", "--tonnes", "5", "--price", "80"]) == 2
    err = _err(capsys)
    assert "(--precursor-route): precursor 'Primary smelting' (P1, Unwrought aluminium)" in err
    assert "--precursor-route 'NAME=VALUE'" in err and "expected one of K (1.423), L (0.091)" in err


@pytest.mark.parametrize(("args", "pattern"), [
    (["--precursor-cn", "PP1"], "--precursor-cn: expected NAME=VALUE, e.g. 'PP2=7202 60 00', found 'PP1'"),
    (["--precursor-route", "=K"], "--precursor-route: expected NAME=VALUE"),
])
def test_cli_precursor_flag_errors(capsys, templates_dir, args, pattern):
    f = templates_dir / "official" / EX6
    assert main(["cost", "--from-run", str(f), "--cn", "76051900", "--tonnes", "5", "--price", "80", *args]) == 2
    assert pattern in _err(capsys)


def test_cli_precursor_flags_need_from_run(capsys):
    assert main(["cost", "--cn", "73181595", "--country", "TH", "--tonnes", "5", "--price", "80",
                 "--precursor-cn", "PP1=72021120"]) == 2
    assert "--precursor-cn/--precursor-route: expected --from-run (precursors of a run)" in _err(capsys)


def test_no_precursor_row_for_goods_of_other_processes(example):
    """A good's tree starts at its own process: the crude steel sold as such (example 3, 7218 99 11) has only
    the alloys, not the rolling mill's inputs."""
    inst, run = example(EX3)
    states = {"precursor_cn": {"PP2": "72026000", "PP3": "72024110", "PP4": "72021120"},
              "precursor_route": {"PP2": "1", "PP3": "1", "PP4": "1"}}
    _, after, _ = _cost(inst, run, "72189911", **states)
    recs = pd.DataFrame(after.attrs["precursors"])
    assert sorted(recs["node"]) == ["PP2", "PP3", "PP4"]
    assert np.allclose(recs["mass_per_t"], recs["cumulative_mass_per_t"])

"""The SEE that counts for the CBAM obligation, across the Annex II line of the production chain.

Regulation (EU) 2023/956 Art. 7(1): a good listed in Annex II counts its direct emissions only.
Implementing Regulation (EU) 2025/2547 Annex I point 3.1: an Annex II good includes the indirect
emissions of its precursors not in Annex II (pig iron from sintered ore), a good not in Annex II
excludes those of its Annex II precursors (ammonia from hydrogen). cbamcalc's reading: indirect
emissions count where they arise in the production of a good not in Annex II
(:func:`cbamcalc.embedded.see_indirect_counted`).

The worked examples below are computed by hand from the inputs written in each test.
"""

from __future__ import annotations

import json
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cbamcalc.embedded import good_indirect_counted, see_indirect_counted
from cbamcalc.errors import InputError
from cbamcalc.io.communication_template import read_communication_template
from cbamcalc.io.results_workbook import write_results_workbook
from cbamcalc.model import Good, Installation, ProductionProcess, PurchasedPrecursor
from cbamcalc.pipeline import run_installation
from cbamcalc.result import JSON_PROCESS_KEYS, JSON_PRODUCT_KEYS, PRODUCT_COLUMNS
from cbamcalc.units import Q_
from cbamcalc.refdata import source_dir

TEMPLATES = (source_dir() or Path(__file__).resolve().parent / "data") / "cbam_templates"
EXAMPLES = {n: f"official/EC_v2.1_example{n}_{s}_FILLED.xlsx" for n, s in (
    (1, "cement"), (2, "steel1_blast_furnace"), (3, "steel2_EAF_alloys"), (4, "steel3_screws_nuts"),
    (5, "fertiliser"), (6, "aluminium"), (7, "hydrogen_2processes"))}
DERIVED = [f"derived_v2.1.1/v2.1.1_rebased_example{n}_{s}_FILLED.xlsx" for n, s in (
    (1, "cement"), (2, "steel1_blast_furnace"), (3, "steel2_EAF_alloys"), (4, "steel3_screws_nuts"),
    (5, "fertiliser"), (6, "aluminium"), (7, "hydrogen_2processes"))]
needs_templates = pytest.mark.skipif(not TEMPLATES.is_dir(), reason="tests/data/cbam_templates is not present")
COUNTED = ["annex_ii", "see_indirect_counted", "see_counted"]


def run(inst: Installation, **kw: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_installation(inst, **kw)


@cache
def example(rel: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_installation(read_communication_template(TEMPLATES / rel))


# ---------------------------------------------------------------------------- (1) sinter -> pig iron -> steel


def _sinter_chain(pig_iron_cn: str = "72011011") -> Installation:
    """Sinter plant -> blast furnace -> converter; electricity at 0.5 tCO2e/MWh everywhere.

    Sinter:      150 t, all to the blast furnace; direct 30 tCO2e; 6 MWh (indirect 3 tCO2e).
    Pig iron:    100 t, 88 t to the converter; direct 150 tCO2e; 4 MWh (indirect 2 tCO2e).
    Crude steel:  80 t for the market; direct 8 tCO2e; 16 MWh (indirect 8 tCO2e).
    """
    ef = Q_(0.5, "tCO2e/MWh")
    sinter = ProductionProcess(id="P1", category="Sintered Ore", name="Sinter plant", production=Q_(150, "t"),
                               produced_for_market=Q_(0, "t"), sent_to={"Blast furnace": Q_(150, "t")},
                               directly_attributable_emissions=Q_(30, "tCO2e"),
                               electricity_consumed=Q_(6, "MWh"), electricity_ef=ef)
    bf = ProductionProcess(id="P2", category="Pig iron", name="Blast furnace", production=Q_(100, "t"),
                           produced_for_market=Q_(12, "t"), sent_to={"Converter": Q_(88, "t")},
                           directly_attributable_emissions=Q_(150, "tCO2e"),
                           electricity_consumed=Q_(4, "MWh"), electricity_ef=ef)
    bof = ProductionProcess(id="P3", category="Crude steel", name="Converter", production=Q_(80, "t"),
                            produced_for_market=Q_(80, "t"), directly_attributable_emissions=Q_(8, "tCO2e"),
                            electricity_consumed=Q_(16, "MWh"), electricity_ef=ef)
    goods = [Good("Sinter plant", "26011200", "sinter"), Good("Blast furnace", pig_iron_cn, "pig iron"),
             Good("Converter", "72061000", "ingots")]
    return Installation(name="sinter chain", processes=[sinter, bf, bof], goods=goods)


def test_pig_iron_from_sinter_counts_the_sinter_plants_indirect_emissions() -> None:
    # by hand: SE sinter = 30/150 = 0.2 direct, 3/150 = 0.02 indirect; 150/100 = 1.5 t sinter per t pig iron
    sinter_direct, sinter_indirect, sinter_per_pig = 30 / 150, 3 / 150, 150 / 100
    pig_direct = 150 / 100 + sinter_per_pig * sinter_direct  # 1.5 + 0.3 = 1.8
    pig_indirect = 2 / 100 + sinter_per_pig * sinter_indirect  # 0.02 + 0.03 = 0.05
    pig_counted = sinter_per_pig * sinter_indirect  # only the sinter plant's (not Annex II): 0.03
    pig_per_steel = 88 / 80  # 1.1 t pig iron per t crude steel
    steel_direct = 8 / 80 + pig_per_steel * pig_direct  # 0.1 + 1.98 = 2.08
    steel_counted = pig_per_steel * pig_counted  # the sinter's indirect reaches the steel too: 0.033

    res = run(_sinter_chain())
    p = res.processes
    assert p["annex_ii"].tolist() == [False, True, True]
    np.testing.assert_allclose(p["see_direct"], [sinter_direct, pig_direct, steel_direct], rtol=1e-12)
    np.testing.assert_allclose(p.loc["P2", "see_indirect"], pig_indirect, rtol=1e-12)
    np.testing.assert_allclose(p["see_indirect_counted"], [sinter_indirect, pig_counted, steel_counted],
                               rtol=1e-12)
    np.testing.assert_allclose(p["see_counted"], [0.22, 1.83, 2.113], rtol=1e-12)
    g = res.products.set_index("product")
    assert not g.loc["sinter", "annex_ii"]
    assert g.loc["sinter", "see_counted"] == pytest.approx(sinter_direct + sinter_indirect, rel=1e-12)
    assert g.loc["pig iron", "see_counted"] == pytest.approx(pig_direct + pig_counted, rel=1e-12)
    assert g.loc["ingots", "see_counted"] == pytest.approx(steel_direct + steel_counted, rel=1e-12)


def test_the_good_decides_by_its_cn_code_not_its_process_category() -> None:
    """A sintered-ore CN code kept (strict=False) under the pig-iron process counts the process's own indirect."""
    res = run(_sinter_chain(pig_iron_cn="26011200"), strict=False)
    g = res.products.set_index("process")
    # by hand: own 2/100 = 0.02 (the good is not in Annex II) + the sinter's 1.5 x 0.02 = 0.03
    assert not g.loc["Blast furnace", "annex_ii"]
    assert g.loc["Blast furnace", "see_indirect_counted"] == pytest.approx(0.05, rel=1e-12)
    assert res.processes.loc["P2", "see_indirect_counted"] == pytest.approx(0.03, rel=1e-12)


# ---------------------------------------------------------------------------- (2) hydrogen -> ammonia


def _ammonia(hydrogen: str) -> Installation:
    """50 t ammonia from 10 t hydrogen (own process or purchased); electricity at 0.4 tCO2e/MWh.

    Hydrogen: 10 t, direct 90 tCO2e, 50 MWh (indirect 20 tCO2e; 2 tCO2e/t = 5 MWh/t x 0.4).
    Ammonia:  50 t, direct 25 tCO2e, 20 MWh (indirect 8 tCO2e).
    """
    ef = Q_(0.4, "tCO2e/MWh")
    nh3 = ProductionProcess(id="P1", category="Ammonia", name="Ammonia", production=Q_(50, "t"),
                            produced_for_market=Q_(50, "t"), directly_attributable_emissions=Q_(25, "tCO2e"),
                            electricity_consumed=Q_(20, "MWh"), electricity_ef=ef)
    goods = [Good("Ammonia", "28141000", "ammonia")]
    if hydrogen == "own":
        h2 = ProductionProcess(id="P2", category="Hydrogen", name="SMR", production=Q_(10, "t"),
                               produced_for_market=Q_(0, "t"), sent_to={"Ammonia": Q_(10, "t")},
                               directly_attributable_emissions=Q_(90, "tCO2e"),
                               electricity_consumed=Q_(50, "MWh"), electricity_ef=ef)
        return Installation(name="ammonia", processes=[nh3, h2], goods=goods + [Good("SMR", "28041000", "H2")])
    pp = PurchasedPrecursor(id="PP1", category="Hydrogen", name="Bought hydrogen", purchased=Q_(10, "t"),
                            consumed_in={"Ammonia": Q_(10, "t")}, see_direct=Q_(9, "tCO2e/t"),
                            see_direct_source="Measured", specific_electricity=Q_(5, "MWh/t"), electricity_ef=ef)
    return Installation(name="ammonia", processes=[nh3], purchased_precursors=[pp], goods=goods)


@pytest.mark.parametrize("hydrogen", ["own", "purchased"])
def test_ammonia_excludes_the_indirect_emissions_of_its_hydrogen(hydrogen: str) -> None:
    h2_per_nh3 = 10 / 50  # 0.2 t hydrogen per t ammonia
    direct = 25 / 50 + h2_per_nh3 * 9  # 0.5 + 1.8 = 2.3
    indirect = 8 / 50 + h2_per_nh3 * 2  # 0.16 + 0.4 = 0.56 (the template's SEE indirect)
    counted = 8 / 50  # ammonia's own only: hydrogen is in Annex II
    res = run(_ammonia(hydrogen))
    nh3 = res.products.set_index("product").loc["ammonia"]
    assert not nh3["annex_ii"]
    assert nh3["see_direct"] == pytest.approx(direct, rel=1e-12)
    assert nh3["see_indirect"] == pytest.approx(indirect, rel=1e-12)
    assert nh3["see_indirect_counted"] == pytest.approx(counted, rel=1e-12)
    assert nh3["see_counted"] == pytest.approx(direct + counted, rel=1e-12)  # 2.46
    if hydrogen == "purchased":
        h2 = res.purchased_precursors.loc["PP1"]
        assert h2["annex_ii"] and h2["see_indirect"] == pytest.approx(2.0) and h2["see_indirect_counted"] == 0.0
    if hydrogen == "own":
        h2 = res.products.set_index("product").loc["H2"]
        assert h2["annex_ii"] and h2["see_indirect_counted"] == 0.0 and h2["see_counted"] == h2["see_direct"]


# ---------------------------------------------------------------------------- pure functions


def test_masked_system_matches_a_hand_solution_with_a_loop() -> None:
    """Two nodes feeding each other: x1 = s1 + 0.5 x2, x2 = 0.2 x1 (node 2 in Annex II, own 1.0 dropped)."""
    a = np.array([[0.0, 0.5], [0.2, 0.0]])
    x = see_indirect_counted(a, [0.3, 1.0], [False, True], ["n1", "n2"])
    x1 = 0.3 / (1 - 0.5 * 0.2)  # x1 = 0.3 + 0.5 * 0.2 * x1
    np.testing.assert_allclose(x, [x1, 0.2 * x1], rtol=1e-12)
    # the good of node 2 with a CN code outside Annex II adds node 2's own 1.0 back
    np.testing.assert_allclose(good_indirect_counted(x[1], 1.0, True, False), 0.2 * x1 + 1.0, rtol=1e-12)


# ---------------------------------------------------------------------------- (3) the Commission's examples


@needs_templates
def test_cement_example_counts_direct_and_indirect() -> None:
    """EC_v2.1_example1_cement: cement (2523 29 00) is not in Annex II and has no Annex II precursor."""
    g = example(EXAMPLES[1]).products
    assert not g["annex_ii"].any()
    np.testing.assert_allclose(g["see_indirect_counted"], g["see_indirect"], rtol=1e-12)
    np.testing.assert_allclose(g["see_counted"], g["see_direct"] + g["see_indirect"], rtol=1e-12)
    # Summary_Products!I10 + J10 of the example: 0.7852147410358565 + 0.12224275
    assert g.loc[0, "see_counted"] == pytest.approx(0.7852147410358565 + 0.12224275, rel=1e-9)


@needs_templates
@pytest.mark.parametrize("n", [4, 6], ids=["ex4-screws", "ex6-aluminium"])
def test_annex_ii_examples_without_other_precursors_count_direct_only(n: int) -> None:
    """Screws (7318) and aluminium (7601, 7605) are in Annex II, as are all their precursors."""
    res = example(EXAMPLES[n])
    for frame in (res.products, res.processes):
        assert frame["annex_ii"].all()
        assert (frame["see_indirect_counted"] == 0.0).all()
        np.testing.assert_array_equal(frame["see_counted"], frame["see_direct"])


@needs_templates
def test_fertiliser_example_counts_at_most_its_indirect_emissions() -> None:
    """NPK (3105 20 10) from purchased urea and ammonia: none of them in Annex II, so all indirect counts."""
    res = example(EXAMPLES[5])
    g = res.products
    assert (g["see_indirect_counted"] <= g["see_indirect"] * (1 + 1e-12)).all()
    assert not res.purchased_precursors["aggregated_goods_category"].isin(["Hydrogen"]).any()
    np.testing.assert_allclose(g["see_indirect_counted"], g["see_indirect"], rtol=1e-12)


# ---------------------------------------------------------------------------- (4) properties


@needs_templates
@pytest.mark.parametrize("rel", list(EXAMPLES.values()) + DERIVED,
                         ids=[f"ex{n}" for n in EXAMPLES] + [f"ex{n}-v2.1.1" for n in EXAMPLES])
def test_counted_lies_between_direct_and_total_and_old_columns_stay(rel: str) -> None:
    res = example(rel)
    for frame in (res.products, res.processes):
        d, i, c = frame["see_direct"], frame["see_indirect"], frame["see_counted"]
        tol = 1e-12 * np.maximum(1.0, (d + i).abs())
        assert (d <= c + tol).all() and (c <= d + i + tol).all()
        np.testing.assert_allclose(c, d + frame["see_indirect_counted"], rtol=1e-12)
        np.testing.assert_allclose(frame["see_total"], d + i, rtol=1e-12)
    assert [c[0] for c in PRODUCT_COLUMNS] == list(res.products.columns)


CATEGORIES = ["Sintered Ore", "Pig iron", "Crude steel", "Hydrogen", "Ammonia", "Mixed fertilisers", "Cement"]


@st.composite
def chains(draw: st.DrawFn) -> Installation:
    """2-4 processes of random categories in a chain (sometimes a loop back), one purchased precursor."""
    n = draw(st.integers(2, 4))
    names = [f"P{i + 1}" for i in range(n)]
    procs = []
    for i in range(n):
        prod = draw(st.floats(1e2, 1e6))
        sent: dict[str, Any] = {}
        share = draw(st.floats(0.0, 0.8)) if i < n - 1 else 0.0
        if share:
            sent[names[i + 1]] = Q_(prod * share, "t")
        back = draw(st.floats(0.0, 0.1)) if i == n - 1 else 0.0
        if back:
            sent[names[0]] = Q_(prod * back, "t")
        procs.append(ProductionProcess(
            id=names[i], category=draw(st.sampled_from(CATEGORIES)), name=names[i], production=Q_(prod, "t"),
            produced_for_market=Q_(prod * (1 - share - back), "t"), sent_to=sent,
            directly_attributable_emissions=Q_(draw(st.floats(0, 1e6)), "tCO2e"),
            electricity_consumed=Q_(draw(st.floats(0, 1e6)), "MWh"),
            electricity_ef=Q_(draw(st.floats(0, 1.5)), "tCO2e/MWh")))
    pp = PurchasedPrecursor(id="PP1", category=draw(st.sampled_from(CATEGORIES)), name="Bought",
                            consumed_in={names[-1]: Q_(draw(st.floats(0, 1e5)), "t")},
                            see_direct=Q_(draw(st.floats(0, 3)), "tCO2e/t"),
                            specific_electricity=Q_(draw(st.floats(0, 10)), "MWh/t"),
                            electricity_ef=Q_(draw(st.floats(0, 1.5)), "tCO2e/MWh"))
    return Installation(name="chain", processes=procs, purchased_precursors=[pp])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chains())
def test_counted_is_bounded_and_the_annex_ii_line_decides_it(inst: Installation) -> None:
    p = run(inst).processes
    d, i, x = p["see_direct"], p["see_indirect"], p["see_indirect_counted"]
    tol = 1e-9 * np.maximum(1.0, i.abs())
    assert (x >= -tol).all() and (x <= i + tol).all()
    assert (p["see_counted"] >= d - tol).all() and (p["see_counted"] <= d + i + tol).all()
    node_categories = [q.category for q in inst.processes] + [q.category for q in inst.purchased_precursors]
    if not ({"Pig iron", "Crude steel", "Hydrogen"} & set(node_categories)):  # nothing in Annex II: all counts
        np.testing.assert_allclose(x, i, rtol=1e-9, atol=1e-12)
    if not ({"Sintered Ore", "Ammonia", "Mixed fertilisers", "Cement"} & set(node_categories)):  # all in Annex II
        assert (x == 0.0).all()


# ---------------------------------------------------------------------------- outputs


def test_json_and_results_workbook_carry_the_counted_see(tmp_path: Path) -> None:
    res = run(_sinter_chain())
    data = json.loads(json.dumps(res.to_dict()))
    for key in COUNTED:
        assert key in JSON_PRODUCT_KEYS and key in JSON_PROCESS_KEYS
    pig = data["products"][1]
    assert list(pig) == list(JSON_PRODUCT_KEYS)
    assert pig["annex_ii"] is True
    assert pig["see_counted"] == pytest.approx(1.83, rel=1e-12)  # 1.8 direct + 0.03 from the sinter (see above)
    assert data["processes"][0]["annex_ii"] is False
    out = write_results_workbook(res, tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(out)["Goods"]
    heads = [c.value for c in ws[3]]
    row = [c.value for c in ws[5]]  # pig iron, the second good
    assert row[heads.index("Annex II of Reg. 2023/956 (direct emissions only)")] is True
    assert row[heads.index("SEE indirect counted for CBAM [tCO2e/t]")] == pytest.approx(0.03, rel=1e-12)
    assert row[heads.index("SEE counted for CBAM (direct + indirect counted) [tCO2e/t]")] == pytest.approx(1.83)
    th = openpyxl.load_workbook(write_results_workbook(res, tmp_path / "th.xlsx", lang="th")).worksheets[0]
    assert "SEE ที่นับสำหรับ CBAM (ทางตรง + ทางอ้อมที่นับ) [tCO2e/t]" in [c.value for c in th[3]]


def test_a_category_outside_the_template_list_is_refused_naming_its_cell() -> None:
    inst = _sinter_chain()
    inst.processes[0].category = "Sinter"
    inst.processes[0].cells = {"category": "A_InstData!E83"}
    inst.goods = []
    with pytest.raises(InputError, match=r"Sheet 'A_InstData', cell E83 \(aggregated goods category of 'Sinter "
                                         r"plant'\): expected one of .*Sintered Ore.*, found 'Sinter'"):
        run(inst)

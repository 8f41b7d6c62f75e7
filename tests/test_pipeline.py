"""The orchestrator on installations built in code: properties (hypothesis), checks, provenance."""

from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pint
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cbamcalc import __version__
from cbamcalc.errors import InputError, UnitError
from cbamcalc.model import (
    Good,
    Installation,
    InstallationTotalsInput,
    MeasuredSource,
    PFCSource,
    ProductionProcess,
    PurchasedPrecursor,
    SourceStream,
)
from cbamcalc.pipeline import check_installation, run_installation
from cbamcalc.refdata import data_version
from cbamcalc.units import Q_, ureg

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run(inst: Installation, **kw: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_installation(inst, **kw)


# ---------------------------------------------------------------------------- generated installations

amount = st.floats(1e2, 1e7, allow_nan=False)
small = st.floats(0.0, 1e6, allow_nan=False)
ef = st.floats(0.0, 1.5, allow_nan=False)


@st.composite
def installations(draw: st.DrawFn) -> Installation:
    """1-3 processes in a chain (sometimes with a loop back), 0-2 purchased precursors."""
    n = draw(st.integers(1, 3))
    m = draw(st.integers(0, 2))
    production = [draw(amount) for _ in range(n)]
    names = [f"Process {i + 1}" for i in range(n)]
    procs = []
    for i in range(n):
        sent: dict[str, Any] = {}
        share_next = draw(st.floats(0.0, 0.6)) if i < n - 1 else 0.0
        if share_next > 0:
            sent[names[i + 1]] = Q_(production[i] * share_next, "t")
        share_back = draw(st.floats(0.0, 0.3)) if i > 0 else 0.0
        if share_back > 0:
            sent[names[0]] = Q_(production[i] * share_back, "t")
        procs.append(ProductionProcess(
            id=f"P{i + 1}", category="Iron or steel products", name=names[i], production=Q_(production[i], "t"),
            produced_for_market=Q_(production[i] * (1 - share_next - share_back), "t"), sent_to=sent,
            directly_attributable_emissions=Q_(draw(small), "tCO2e"),
            heat_imported=Q_(draw(st.floats(0, 500)), "TJ"), heat_import_ef=Q_(draw(st.floats(0, 100)), "tCO2e/TJ"),
            heat_exported=Q_(draw(st.floats(0, 50)), "TJ"), heat_export_ef=Q_(draw(st.floats(0, 100)), "tCO2e/TJ"),
            waste_gas_imported=Q_(draw(st.floats(0, 100)), "TJ"), waste_gas_exported=Q_(draw(st.floats(0, 10)), "TJ"),
            electricity_consumed=Q_(draw(small), "MWh"), electricity_ef=Q_(draw(ef), "tCO2e/MWh"),
            electricity_exported=Q_(draw(st.floats(0, 1000)), "MWh"),
            electricity_exported_ef=Q_(draw(ef), "tCO2e/MWh"),
        ))
    pps = []
    for k in range(m):
        target = names[draw(st.integers(0, n - 1))]
        used = draw(st.floats(1.0, 1e6))
        pps.append(PurchasedPrecursor(
            id=f"PP{k + 1}", category="Crude steel", name=f"Bought {k + 1}", country="CN",
            purchased=Q_(used, "t"), consumed_in={target: Q_(used, "t")},
            see_direct=Q_(draw(st.floats(0, 3)), "tCO2e/t"),
            see_direct_source=draw(st.sampled_from(["Measured", "Default", "Unknown"])),
            specific_electricity=Q_(draw(st.floats(0, 3)), "MWh/t"), electricity_ef=Q_(draw(ef), "tCO2e/MWh"),
        ))
    return Installation(name="generated", processes=procs, purchased_precursors=pps)


ALT_UNITS = {"t": "kt", "TJ": "GJ", "MWh": "GWh", "tCO2e": "ktCO2e", "tCO2e/TJ": "kgCO2e/GJ",
             "tCO2e/MWh": "kgCO2e/kWh", "tCO2e/t": "kgCO2e/kg", "MWh/t": "kWh/kg"}


def _map_quantities(obj: Any, fn: Any) -> Any:
    if isinstance(obj, pint.Quantity):
        return fn(obj)
    if isinstance(obj, dict):
        return {k: _map_quantities(v, fn) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_map_quantities(v, fn) for v in obj]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.replace(obj, **{f.name: _map_quantities(getattr(obj, f.name), fn)
                                           for f in dataclasses.fields(obj) if f.name != "cells"})
    return obj


def in_other_units(inst: Installation) -> Installation:
    def convert(q: pint.Quantity) -> pint.Quantity:
        for base, alt in ALT_UNITS.items():
            if q.units == ureg.parse_units(base):
                return q.to(alt)
        return q
    return _map_quantities(inst, convert)


def scaled(inst: Installation, factor: float) -> Installation:
    """Every extensive amount times ``factor`` (production, emissions, energy, amounts exchanged)."""
    intensive = ("tCO2e/TJ", "tCO2e/MWh", "tCO2e/t", "MWh/t")

    def scale(q: pint.Quantity) -> pint.Quantity:
        if any(q.units == ureg.parse_units(u) for u in intensive):
            return q
        return q * factor
    return _map_quantities(inst, scale)


SEE_COLUMNS = ["see_direct", "see_indirect", "see_total", "embedded_electricity", "default_share", "see_indirect_counted",
               "see_counted"]


@SETTINGS
@given(installations())
def test_same_see_whatever_the_units(inst: Installation) -> None:
    a = run(inst).processes[SEE_COLUMNS].to_numpy()
    b = run(in_other_units(inst)).processes[SEE_COLUMNS].to_numpy()
    np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12)


@SETTINGS
@given(installations(), st.floats(1e-3, 1e3))
def test_scaling_inputs_and_outputs_together_leaves_see_unchanged(inst: Installation, factor: float) -> None:
    a = run(inst).processes[SEE_COLUMNS].to_numpy()
    b = run(scaled(inst, factor)).processes[SEE_COLUMNS].to_numpy()
    np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12)


@SETTINGS
@given(installations())
def test_attributed_emissions_add_up_as_the_template_adds_them(inst: Installation) -> None:
    """K71 = H + I + J per process; K81 = their sum; K85 = L27 - K81 (0 when DirEm* splits the total)."""
    res = run(inst)
    p = res.processes
    np.testing.assert_allclose(p["attributed_direct_emissions"],
                               p["directly_attributable_emissions"] + p["heat_emissions"] + p["waste_gas_emissions"])
    assert res.totals.attributed_direct == pytest.approx(p["attributed_direct_emissions"].sum(), rel=1e-12)
    assert res.totals.unattributed_direct == pytest.approx(res.totals.direct - res.totals.attributed_direct)
    # an installation whose directly attributable emissions split its measured total exactly
    total = 1_000_000.0
    shares = np.linspace(1, len(inst.processes), len(inst.processes))
    shares /= shares.sum()
    procs = [dataclasses.replace(pr, directly_attributable_emissions=Q_(total * s, "tCO2e"), heat_imported=None,
                                 heat_exported=None, waste_gas_imported=None, waste_gas_exported=None)
             for pr, s in zip(inst.processes, shares, strict=True)]
    stream = SourceStream(method="process_emissions", name="limestone", activity_data=Q_(total / 0.44, "t"),
                          emission_factor=Q_(0.44, "tCO2e/t"))
    res2 = run(dataclasses.replace(inst, processes=procs, source_streams=[stream]))
    assert res2.totals.direct == pytest.approx(total, rel=1e-12)
    assert res2.totals.unattributed_direct == pytest.approx(0.0, abs=1e-6)


@SETTINGS
@given(installations().filter(lambda i: len(i.purchased_precursors) > 0), st.floats(0.1, 5.0))
def test_precursor_see_enters_linearly(inst: Installation, see: float) -> None:
    def with_see(value: float) -> np.ndarray:
        pps = [dataclasses.replace(inst.purchased_precursors[0], see_direct=Q_(value, "tCO2e/t"))]
        pps += inst.purchased_precursors[1:]
        return run(dataclasses.replace(inst, purchased_precursors=pps)).processes["see_direct"].to_numpy()

    base, one, two = with_see(0.0), with_see(see), with_see(2 * see)
    noise = 1e-12 * max(1.0, float(np.abs(two).max()))  # rounding of the differences
    np.testing.assert_allclose(two - base, 2 * (one - base), rtol=1e-9, atol=noise)
    assert (one - base >= -noise).all()


# ---------------------------------------------------------------------------- hand-computed cases


def _chain() -> Installation:
    """P1 (10 t, 5 tCO2e) sends 4 t to P2 (5 t, 1 tCO2e); P2 buys 2 t of PP1 at 2 tCO2e/t (default)."""
    p1 = ProductionProcess(id="P1", category="Crude steel", name="Melt", production=Q_(10, "t"),
                           produced_for_market=Q_(6, "t"), sent_to={"Roll": Q_(4, "t")},
                           directly_attributable_emissions=Q_(5, "tCO2e"), electricity_consumed=Q_(10, "MWh"),
                           electricity_ef=Q_(0.5, "tCO2e/MWh"))
    p2 = ProductionProcess(id="P2", category="Iron or steel products", name="Roll", production=Q_(5, "t"),
                           produced_for_market=Q_(5, "t"), directly_attributable_emissions=Q_(1, "tCO2e"))
    pp = PurchasedPrecursor(id="PP1", category="Crude steel", name="Slabs", purchased=Q_(2, "t"),
                            consumed_in={"Roll": Q_(2, "t")}, see_direct=Q_(2, "tCO2e/t"),
                            see_direct_source="Default", specific_electricity=Q_(1, "MWh/t"),
                            electricity_ef=Q_(0.25, "tCO2e/MWh"))
    goods = [Good("Roll", "73181542", "screws"), Good("melt", "72189911", "slabs")]
    return Installation(name="chain", processes=[p1, p2], purchased_precursors=[pp], goods=goods)


def test_hand_computed_chain() -> None:
    res = run(_chain())
    p = res.processes
    assert p.loc["P1", "see_direct"] == pytest.approx(0.5)
    assert p.loc["P1", "see_indirect"] == pytest.approx(0.5)
    # P2: 1/5 + (4/5) * 0.5 + (2/5) * 2 = 0.2 + 0.4 + 0.8
    assert p.loc["P2", "see_direct"] == pytest.approx(1.4)
    # indirect: 0 + 0.8 * 0.5 + 0.4 * 0.25
    assert p.loc["P2", "see_indirect"] == pytest.approx(0.5)
    assert p.loc["P2", "embedded_electricity"] == pytest.approx(0.8 * 1 + 0.4 * 1)
    assert p.loc["P2", "default_share"] == pytest.approx(0.8 / 1.4)
    assert p.loc["P1", "default_share"] == 0.0
    assert list(res.products["process_id"]) == ["P2", "P1"]  # Summary_Products order, names matched ignoring case
    assert res.products.loc[1, "see_total"] == pytest.approx(1.0)
    assert res.default_values_used == [{"id": "PP1", "precursor": "Slabs", "field": "see_direct", "value": 2.0,
                                        "unit": "tCO2e/t", "cell": None, "source": "Default"}]
    assert res.purchased_precursors.loc["PP1", "see_indirect"] == pytest.approx(0.25)
    assert res.cbamcalc_version == __version__ and res.data_version == data_version()
    assert res.constants_used["carbon_to_co2"] == 3.664


def test_default_share_in_a_loop_keeps_the_own_factor_one() -> None:
    """Summary_Processes!H164 divides by SE_i * 1 + contributions, not by SEE (direct) (see embedded.py)."""
    inst = _chain()
    p1, p2 = inst.processes
    p1 = dataclasses.replace(p1, produced_for_market=Q_(5, "t"), sent_to={"Roll": Q_(5, "t")})
    p2 = dataclasses.replace(p2, produced_for_market=Q_(4, "t"), sent_to={"Melt": Q_(1, "t")})
    res = run(dataclasses.replace(inst, processes=[p1, p2]))
    share = res.processes.loc["P2", "default_share"]
    see = res.processes.loc["P2", "see_direct"]
    assert 0 < share < 1
    assert share != pytest.approx(0.8 * see / see)  # not the naive ratio


def test_result_dict_follows_the_json_contract() -> None:
    d = run(_chain()).to_dict()
    assert list(d)[:5] == ["cbamcalc_version", "data_version", "template_version", "processes", "products"]
    assert list(d["processes"][0])[:8] == ["id", "name", "aggregated_goods_category", "activity_level_t",
                                           "see_direct", "see_indirect", "see_total",
                                           "embedded_electricity_mwh_per_t"]
    assert list(d["products"][0])[:7] == ["process", "cn_code", "product", "see_direct", "see_indirect",
                                          "see_total", "default_share"]
    assert d["products"][0]["cn_code"] == "73181542"
    assert d["processes"][0]["id"] == "P1"
    import json

    json.dumps(d, allow_nan=False)  # NaN became null


def test_installation_totals_with_all_methods() -> None:
    streams = [
        SourceStream(method="combustion", name="gas", activity_data=Q_(100, "kNm3"),
                     net_calorific_value=Q_(36, "GJ/kNm3"), emission_factor=Q_(56.1, "tCO2e/TJ"),
                     oxidation_factor=0.99, biomass_fraction=0.1),
        SourceStream(method="process_emissions", name="limestone", activity_data=Q_(1, "kt"),
                     emission_factor=Q_(0.44, "tCO2e/t"), conversion_factor=0.5),
        SourceStream(method="mass_balance", name="coke", activity_data=Q_(10, "t"), carbon_content=Q_(0.8, "tC/t")),
        SourceStream(method="mass_balance", name="steel", activity_data=Q_(-100, "t"),
                     carbon_content=Q_(0.002, "tC/t")),
    ]
    pfc_src = [PFCSource(method="slope", technology="CWPB", aluminium_produced=Q_(1000, "t"),
                         anode_effect_frequency=0.5, anode_effect_duration=1.0, slope_cf4=0.1,
                         c2f6_weight_fraction=0.1, collection_efficiency=0.9)]
    cems = [MeasuredSource(name="stack", gas="N2O", concentration=Q_(0.1, "g/Nm3"), operating_hours=Q_(8000, "h"),
                           flue_gas_flow=Q_(100, "kNm3/h")),
            MeasuredSource(name="stack 2", gas="CO2", concentration=Q_(10, "g/Nm3"), operating_hours=Q_(1000, "h"),
                           flue_gas_flow=Q_(10, "kNm3/h"), biomass_fraction=0.2,
                           energy_content_fossil=Q_(5, "TJ"))]
    inst = Installation(source_streams=streams, pfc_sources=pfc_src, measured_sources=cems,
                        totals_input=InstallationTotalsInput(indirect=Q_(42, "tCO2e"),
                                                             fuel_input_cbam_goods=Q_(1, "TJ")))
    t = run(inst).totals
    gas = 100 * 36 / 1000 * 56.1 * 0.99
    calc = gas * 0.9 + 1000 * 0.44 * 0.5 + 10 * 0.8 * 3.664 - 100 * 0.002 * 3.664
    cf4 = 1000 * 0.5 * 1.0 * 0.1 / 1000
    pfc = (cf4 * 6630 + cf4 * 0.1 * 11100) / 0.9
    n2o = 0.1 * 8000 * 100 / 1000 * 265
    co2_cems = 10 * 1000 * 10 / 1000
    assert t.calculation_based == pytest.approx(calc)
    assert t.biomass_from_sources == pytest.approx(gas * 0.1 + co2_cems * 0.2)
    assert t.pfc == pytest.approx(pfc)
    assert t.n2o == pytest.approx(n2o)
    assert t.co2 == pytest.approx(calc + co2_cems * 0.8)
    assert t.direct == pytest.approx(calc + co2_cems * 0.8 + n2o + pfc)
    assert t.measurement_based == pytest.approx(n2o + co2_cems * 0.8)
    assert t.other_methods == pytest.approx(0.0, abs=1e-9)
    assert t.indirect == 42 and t.total == pytest.approx(t.direct + 42)
    assert t.fuel_input_from_sources == pytest.approx(100 * 36 / 1000 + 5)
    assert t.fuel_input_rest == pytest.approx(t.fuel_input_total - 1)
    assert math.isnan(t.fuel_input_electricity)
    assert math.isnan(t.attributed_direct)


def test_incomplete_and_inconsistent_streams_are_left_out_with_a_warning() -> None:
    streams = [
        SourceStream(method="combustion", name="gas", activity_data=Q_(100, "t"), emission_factor=Q_(56.1, "tCO2e/TJ")),
        SourceStream(method="combustion", name="oil", activity_data=Q_(100, "kNm3"), emission_factor=Q_(3, "tCO2e/t"),
                     cells={"method": "B_EmInst!D18"}),
        SourceStream(method="process_emissions", name="ok", activity_data=Q_(1, "t"), emission_factor=Q_(1, "tCO2e/t")),
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = run_installation(Installation(source_streams=streams))
    assert any("'oil' (D18) is inconsistent" in str(w.message) for w in caught)
    assert res.totals.calculation_based == pytest.approx(1.0)
    assert any("'gas'" in w and "incomplete" in w for w in res.warnings)


# ---------------------------------------------------------------------------- errors


def test_bare_numbers_are_refused() -> None:
    p = ProductionProcess(id="P1", category="Hydrogen", name="H2", production=1000.0)  # type: ignore[arg-type]
    with pytest.raises(UnitError, match=r"Field 'total production': expected a quantity in t or MWh, found 1000.0"):
        run_installation(Installation(processes=[p]))


def test_wrong_dimension_names_the_cell() -> None:
    p = ProductionProcess(id="P1", category="Hydrogen", name="H2", production=Q_(1000, "t"),
                          directly_attributable_emissions=Q_(5, "MWh"),
                          cells={"directly_attributable_emissions": "D_Processes!L54"})
    with pytest.raises(UnitError, match=r"Sheet 'D_Processes', cell L54 \(directly attributable emissions\): "
                                        r"expected a unit of tCO2e"):
        run_installation(Installation(processes=[p]))


def test_electricity_process_counts_in_mwh() -> None:
    p = ProductionProcess(id="P1", category="Electricity (export to EU)", name="Power", production=Q_(2, "GWh"),
                          directly_attributable_emissions=Q_(1000, "tCO2e"))
    res = run(Installation(processes=[p]))
    assert res.processes.loc["P1", "activity_level"] == 2000
    assert res.processes.loc["P1", "see_direct"] == pytest.approx(0.5)
    bad = dataclasses.replace(p, production=Q_(2000, "t"))
    with pytest.raises(UnitError, match=r"total production of 'Power'.*expected a unit of MWh"):
        run(Installation(processes=[bad]))


@pytest.mark.parametrize(("change", "pattern"), [
    ({"sent_to": {"Nowhere": Q_(1, "t")}}, r"amount of 'Melt' consumed in 'Nowhere'.*expected the name of a "
                                           r"production process"),
    ({"sent_to": {"MELT": Q_(1, "t")}}, r"amount 'Melt' sends to itself"),
    ({"sent_to": {"Roll": Q_(-1, "t")}}, r"amount of 'Melt' consumed in 'Roll'.*expected 0 or more, found -1.0"),
    ({"production": Q_(-1, "t")}, r"total production of 'Melt'.*expected 0 or more"),
    ({"produced_for_market": Q_(7, "t")}, r"produced for the market by 'Melt'.*at most 6 t"),
])
def test_process_checks(change: dict[str, Any], pattern: str) -> None:
    inst = _chain()
    p1 = dataclasses.replace(inst.processes[0], **change)
    with pytest.raises(InputError, match=pattern):
        run(dataclasses.replace(inst, processes=[p1, inst.processes[1]]))


def test_duplicate_names_ignore_case() -> None:
    inst = _chain()
    p2 = dataclasses.replace(inst.processes[1], name="MELT", cells={"name": "A_InstData!L84"})
    with pytest.raises(InputError, match=r"Sheet 'A_InstData', cell L84 \(process name\): two processes have the "
                                         r"same name.*found \"'MELT' \(P1 and P2\)\""):
        check_installation(dataclasses.replace(inst, processes=[inst.processes[0], p2]))


def test_lenient_goods_become_warnings() -> None:
    inst = dataclasses.replace(_chain(), goods=[Good("Roll", "84713000", "laptop"), Good("Melt", "73181542", "x")])
    with pytest.raises(InputError, match="not a CBAM good"):
        check_installation(inst)
    messages = check_installation(inst, strict=False)
    assert len(messages) == 2 and "not a CBAM good" in messages[0] and "does not belong" in messages[1]
    with pytest.raises(InputError, match=r"Field 'CN code': expected a CN code of 8 digits"):
        check_installation(dataclasses.replace(inst, goods=[Good("Roll", "7318", "short")]), strict=False)


def test_unallocated_production_warns() -> None:
    inst = _chain()
    p1 = dataclasses.replace(inst.processes[0], produced_for_market=Q_(1, "t"))
    messages = check_installation(dataclasses.replace(inst, processes=[p1, inst.processes[1]]))
    assert any("5 t of its production are neither produced for the market" in m for m in messages)


def test_precursor_without_electricity_data_warns() -> None:
    inst = _chain()
    pp = dataclasses.replace(inst.purchased_precursors[0], electricity_ef=None)
    messages = check_installation(dataclasses.replace(inst, purchased_precursors=[pp]))
    assert any("SEE (indirect) counts as 0" in m for m in messages)


def test_collection_efficiency_zero_is_an_error() -> None:
    src = PFCSource(method="overvoltage", technology="x", aluminium_produced=Q_(1, "t"), collection_efficiency=0.0,
                    cells={"collection_efficiency": "B_EmInst!AT98"})
    with pytest.raises(InputError, match=r"Sheet 'B_EmInst', cell AT98 \(collection efficiency\): expected a "
                                         r"fraction above 0"):
        run(Installation(pfc_sources=[src]))


def test_errors_name_the_source_file() -> None:
    inst = dataclasses.replace(_chain(), goods=[Good("Nope", "73181542")], source_file="mine.xlsx")
    with pytest.raises(InputError, match=r"^File 'mine.xlsx', field 'production process of the product'|"
                                         r"^File 'mine.xlsx'"):
        run(inst)


def test_on_warning_ignore_records_only() -> None:
    inst = _chain()
    pp = dataclasses.replace(inst.purchased_precursors[0], electricity_ef=None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = run_installation(dataclasses.replace(inst, purchased_precursors=[pp]), on_warning="ignore")
    assert res.warnings


def test_product_default_share_follows_the_templates_lookup() -> None:
    """Summary_Products!M finds a process first in an earlier process's supply chain and shows FALSE (0)."""
    inst = _chain()
    p1, p2 = inst.processes  # P2 ("Roll") consumes P1 and the default precursor
    # swap the slots: the consumer becomes P1, the supplier P2
    roll = dataclasses.replace(p2, id="P1")
    melt = dataclasses.replace(p1, id="P2")
    pp = dataclasses.replace(inst.purchased_precursors[0], consumed_in={"Melt": Q_(2, "t")})
    swapped = dataclasses.replace(inst, processes=[roll, melt], purchased_precursors=[pp])
    with pytest.warns(UserWarning, match=r"the template shows FALSE as share of default values"):
        res = run_installation(swapped)
    melt_row = res.products[res.products["process"] == "melt"].iloc[0]
    assert melt_row["default_share"] == 0.0
    assert melt_row["default_share_of_process"] == pytest.approx(res.processes.loc["P2", "default_share"])
    assert melt_row["default_share_of_process"] > 0
    # the supplier listed after its consumer is not affected
    original = run(inst).products
    assert (original["default_share"] == original["default_share_of_process"]).all()


def test_example3_in_other_units_gives_the_same_see(templates_dir) -> None:
    from cbamcalc.io.communication_template import read_communication_template

    path = templates_dir / "official" / "EC_v2.1_example3_steel2_EAF_alloys_FILLED.xlsx"
    inst = read_communication_template(path)
    a = run(inst).processes[SEE_COLUMNS].to_numpy()
    b = run(in_other_units(inst)).processes[SEE_COLUMNS].to_numpy()
    np.testing.assert_allclose(b, a, rtol=1e-12)


def test_run_installation_attaches_cost_when_exports_are_given(templates_dir):
    """Issue 5: the engine's actual SEE feeds the cost (example 4, screws, CN 7318 15 42)."""
    from cbamcalc.cost import cost_from_run
    from cbamcalc.io.communication_template import read_communication_template
    from cbamcalc.pipeline import run_installation

    inst = read_communication_template(templates_dir / "official" / "EC_v2.1_example4_steel3_screws_nuts_FILLED.xlsx")
    exports = pd.DataFrame({"cn_code": ["73181542"], "quantity": [500.0]})
    opts = {"years": [2026, 2030, 2034], "price": 80.0, "eur_thb": 38.5}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = run_installation(inst, exports=exports, cost_options=opts)
        plain = run_installation(inst)
        expected = cost_from_run(plain, exports, installation=inst, **opts)
    assert plain.cost is None
    assert list(res.cost["year"]) == [2026, 2030, 2034]
    pd.testing.assert_series_equal(res.cost["cost_eur"], expected["cost_eur"])
    # actual SEE of the run is what the obligation uses (direct only: iron and steel is an Annex II good)
    see = float(plain.products.loc[plain.products["cn_code"] == "73181542", "see_direct"].iloc[0])
    assert res.cost["see_used"].iloc[0] == pytest.approx(see, rel=1e-12)
    assert res.cost["cost_eur"].iloc[-1] == pytest.approx(500.0 * see * 80.0, rel=1e-9)  # CBAM factor 0 in 2034
    assert len(res.to_dict()["cost"]) == 3 and "cost" not in plain.to_dict()

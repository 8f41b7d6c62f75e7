"""CBAM obligation and cost per good and year: worked examples per sector, properties, error paths.

Every worked example takes its legal inputs from ``emission_factors/`` (each assertion on an input
names the act and the table line it comes from), computes the obligation step by step with the
act's formula, and compares with :func:`cbamcalc.cost.cbam_cost`.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cbamcalc.cost import OUTPUT_COLUMNS, cbam_cost, certificates
from cbamcalc.errors import InputError
from cbamcalc.refdata import data_version, load_table

Q1_2026 = 75.36  # certificate_prices_2026_quarterly.csv: Commission, 7 Apr 2026
FACTOR = {2026: 0.975, 2027: 0.95, 2028: 0.90, 2034: 0.0}  # Directive 2003/87/EC Art. 10a(1a)
CSCF = 1.0  # documented assumption (cscf_assumption_scenario.csv), not law


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


@pytest.fixture(scope="session")
def bm():
    t = load_table("benchmarks_2025_2620")

    def get(cn, column, route=""):
        sel = t[(t.cn_code == cn) & (t.column == column) & (t.route == route)]
        assert len(sel) == 1, (cn, column, route)
        assert sel["act"].iloc[0] == "Implementing Regulation (EU) 2025/2620"
        return float(sel["value"].iloc[0])

    return get


@pytest.fixture(scope="session")
def dv():
    from cbamcalc.default_values import default_value

    return default_value


def _one(goods, **kw):
    kw.setdefault("eur_thb", 38.5)
    return cbam_cost(pd.DataFrame(goods), **kw)


# --------------------------------------------------------------------------- worked examples


def test_screws_thailand_defaults_2026(bm, dv):
    pytest.importorskip("cbamcalc.benchmarks")
    # IR 2025/2621 Annex I as replaced by IR 2026/1740, table 'Thailand', line 7318 15: direct 2.408 tCO2e/t, indirect N/A, route (E)
    d = dv("73181595", "TH", 2026)
    assert (d.direct, d.route, d.markup_rate) == (2.408, "E", 0.10)
    assert np.isnan(d.indirect)  # Annex II good: direct only
    # IR 2025/2620 Annex, CN 7318 15 95, Column B, route (E)
    bm_b = bm("73181595", "B", "E")
    assert bm_b == 0.066
    q = 1000.0
    ee = q * 2.408 * (1 + 0.10)  # 2,648.8 tCO2e
    faa = q * FACTOR[2026] * CSCF * bm_b  # 64.35 tCO2e
    n = ee - faa  # 2,584.45 certificates
    cost = n * Q1_2026  # EUR 194,764.15
    r = _one({"cn_code": ["7318 15 95"], "country": ["Thailand"], "quantity": [q], "year": [2026],
              "quarter": [1]})
    row = r.iloc[0]
    assert row["see_basis"] == "default" and row["benchmark_column"] == "B"
    assert row["embedded_emissions_t"] == pytest.approx(2648.8)
    assert row["free_allocation_adjustment_t"] == pytest.approx(64.35)
    assert row["certificates"] == pytest.approx(n) == pytest.approx(2584.45)
    assert row["price_eur"] == Q1_2026 and row["price_basis"] == "published 2026-Q1"
    assert row["cost_eur"] == pytest.approx(cost) == pytest.approx(194764.152)
    assert row["cost_thb"] == pytest.approx(cost * 38.5)
    assert "route (E)" in row["benchmark_reason"]
    assert row["data_version"] == data_version() and row["default_version"] == "2026/1740"
    assert not row["indirect_counted"]


def test_aluminium_profiles_actual_see_with_precursor(bm):
    pytest.importorskip("cbamcalc.benchmarks")
    # An extruder's verified SEE: direct 0.9, indirect 1.2 tCO2e/t (indirect not counted: aluminium is in
    # Annex II of Reg. 2023/956). It consumes 1.05 t of secondary unwrought aluminium (7601 10 90, route (L))
    # per t of profile: a complex good, so the precursor's embedded free allocation is added.
    bm_own = bm("76042100", "A")  # IR 2025/2620 Annex, 7604 21 00 Column A (extrusion process)
    bm_pre = bm("76011090", "A", "L")  # 7601 10 90 Column A route (L), secondary aluminium
    assert (bm_own, bm_pre) == (0.060, 0.091)
    q, year = 1000.0, 2027
    ee = q * 0.9
    sefa = FACTOR[year] * CSCF * bm_own + 1.05 * (FACTOR[year] * CSCF * bm_pre)  # recursive SEFA
    faa = q * sefa
    n = ee - faa
    goods = pd.DataFrame({"cn_code": ["76042100"], "country": ["TH"], "quantity": [q], "see_direct": [0.9],
                          "see_indirect": [1.2]}, index=["profiles"])
    pre = pd.DataFrame({"parent": ["profiles"], "cn_code": ["76011090"], "route": ["L"], "mass_per_t": [1.05]},
                       index=["secondary Al"])
    r = cbam_cost(goods, years=[year], price=80.0, eur_thb=38.5, precursors=pre)
    row = r.iloc[0]
    assert row["see_basis"] == "actual" and row["benchmark_column"] == "A"
    assert row["see_used"] == pytest.approx(0.9)  # indirect 1.2 not counted
    assert row["sefa"] == pytest.approx(sefa) == pytest.approx(0.95 * (0.060 + 1.05 * 0.091))
    assert row["free_allocation_adjustment_t"] == pytest.approx(faa)
    assert row["certificates"] == pytest.approx(n)
    assert row["cost_eur"] == pytest.approx(n * 80.0)
    assert "precursors" in row["benchmark_reason"]


def test_cement_thailand_other_countries_with_indirect(bm, dv):
    pytest.importorskip("cbamcalc.benchmarks")
    # Thailand has no cement lines: IR 2025/2621 'Other countries and territories', grey Portland cement
    # 2523 29 00: direct 1.36, indirect 0.08 (counted: cement is not in Annex II), no route.
    d = dv("25232900", "TH", 2026)
    assert d.fallback and (d.direct, d.indirect) == (1.36, 0.08)
    bm_b = bm("25232900", "B")  # = the grey-clinker benchmark 0.666
    assert bm_b == 0.666
    # functional unit: tonnes of clinker contained (IR 2025/2547 Annex I); user states 0.75 t/t
    q, clinker = 1000.0, 0.75
    fu = q * clinker
    ee = fu * (1.36 + 0.08) * 1.10  # 1,188 tCO2e
    faa = fu * FACTOR[2026] * CSCF * bm_b  # 487.0125
    n = ee - faa
    r = _one({"cn_code": ["25232900"], "country": ["TH"], "quantity": [q], "clinker_content": [clinker]},
             years=[2026], price=Q1_2026)
    row = r.iloc[0]
    assert row["indirect_counted"] and row["functional_unit_t"] == 750.0
    assert row["see_used"] == pytest.approx(1.584)
    assert row["embedded_emissions_t"] == pytest.approx(ee) == pytest.approx(1188.0)
    assert row["free_allocation_adjustment_t"] == pytest.approx(faa) == pytest.approx(487.0125)
    assert row["certificates"] == pytest.approx(n) == pytest.approx(700.9875)
    assert "clinker" in row["benchmark_reason"]


def test_urea_thailand_one_percent_markup(bm, dv):
    pytest.importorskip("cbamcalc.benchmarks")
    # IR 2025/2621 Annex I 'Thailand', 3102 10 19 urea: direct 1.40, indirect 0.14; fertilisers 1 % every year
    d = dv("31021019", "TH", 2028)
    assert (d.direct, d.indirect, d.markup_rate) == (1.40, 0.14, 0.01)
    bm_b = bm("31021019", "B")
    assert bm_b == 0.902
    q = 1000.0
    r = _one({"cn_code": ["31021019"], "country": ["TH"], "quantity": [q]}, years=[2026, 2028], price=80.0)
    for year, row in zip([2026, 2028], r.itertuples(), strict=True):
        ee = q * (1.40 + 0.14) * 1.01  # 1,555.4 in every year
        faa = q * FACTOR[year] * CSCF * bm_b
        assert row.markup_rate == 0.01
        assert row.embedded_emissions_t == pytest.approx(ee) == pytest.approx(1555.4)
        assert row.free_allocation_adjustment_t == pytest.approx(faa)
        assert row.certificates == pytest.approx(ee - faa)
    assert r.iloc[0]["certificates"] == pytest.approx(675.95)


def test_hydrogen_defaults_and_never_de_minimis(bm, dv):
    pytest.importorskip("cbamcalc.benchmarks")
    # IR 2025/2621 'Thailand' 2804 10 00: 10.82 direct, indirect N/A; IR 2025/2620: Column B 5.089
    d = dv("28041000", "TH", 2026)
    assert d.direct == 10.82 and np.isnan(d.indirect)
    bm_b = bm("28041000", "B")
    assert bm_b == 5.089
    q = 10.0  # below 50 t, but hydrogen is excluded from the de minimis exemption (Reg. 2025/2083)
    ee = q * 10.82 * 1.10
    faa = q * FACTOR[2026] * CSCF * bm_b
    r = _one({"cn_code": ["28041000"], "country": ["TH"], "quantity": [q]}, years=[2026], price=Q1_2026)
    row = r.iloc[0]
    assert row["certificates"] == pytest.approx(ee - faa) == pytest.approx(69.40225)
    assert not row["de_minimis_exempt"]


# --------------------------------------------------------------------------- behaviour without look-ups


def _explicit(**over):
    base = {"cn_code": ["73181595"], "country": ["TH"], "quantity": [1000.0], "category": ["Iron and steel"],
            "default_direct": [2.408], "default_indirect": [0.0], "markup_rate": [0.10], "default_route": ["E"],
            "benchmark_b": [0.066], "benchmark_a": [0.038]}
    base.update(over)
    return pd.DataFrame(base)


def test_result_shape_columns_and_version():
    r = cbam_cost(_explicit(), price=80.0, eur_thb=38.5)
    assert list(r.columns) == OUTPUT_COLUMNS
    assert r["year"].tolist() == list(range(2026, 2035))
    assert (r["data_version"] == data_version()).all()
    assert r.attrs["data_version"] == data_version()
    assert any("CSCF" in a for a in r.attrs["assumptions"])
    assert r.loc[r.year == 2034, "free_allocation_adjustment_t"].item() == 0.0


def test_mixed_actual_and_default_shares():
    r = cbam_cost(_explicit(see_direct=[1.5], actual_share=[0.6]), years=[2026], price=80.0, eur_thb=38.5).iloc[0]
    see = 0.6 * 1.5 + 0.4 * 2.408 * 1.1
    sefa = 0.6 * 0.975 * 0.038 + 0.4 * 0.975 * 0.066
    assert r["see_basis"] == "mixed" and r["benchmark_column"] == "A+B"
    assert r["see_used"] == pytest.approx(see)
    assert r["sefa"] == pytest.approx(sefa)
    assert r["certificates"] == pytest.approx(1000 * (see - sefa))


def test_art9_deduction_and_thai_scenario_note():
    # default values: a price paid never reduces the obligation (Art. 9 as replaced by Reg. 2025/2083)
    r = cbam_cost(_explicit(origin_price=[10.0], origin_share=[0.5]), years=[2027], price=80.0, eur_thb=38.5)
    row = r.iloc[0]
    assert row["carbon_price_deduction_t"] == 0.0 and row["art9_basis"].startswith("not applied")
    assert any("no Art. 9 reduction on the default-value share" in w for w in r.attrs["warnings"])
    # actual data: P x E x s / p (draft IA on Art. 9(5)); 1,000 t x 1.9 t/t on actual data
    act = dict(see_direct=[1.9], own_process_only=[True])
    row = cbam_cost(_explicit(origin_price=[10.0], origin_share=[0.5], **act), years=[2027], price=80.0,
                    eur_thb=38.5).iloc[0]
    assert row["carbon_price_deduction_t"] == pytest.approx(1000 * 1.9 * 0.5 * 10 / 80)
    t = cbam_cost(_explicit(origin_scheme=["thai-excise"], origin_share=[0.2], **act), years=[2027], price=80.0,
                  eur_thb=40.0).iloc[0]
    assert t["origin_price_eur"] == pytest.approx(5.0)  # THB 200 / 40
    assert t["carbon_price_deduction_t"] == pytest.approx(1000 * 1.9 * 0.2 * 5 / 80)
    assert "uncertain" in t["art9_note"]


def test_de_minimis_per_importer_and_year():
    goods = _explicit(quantity=[30.0, 30.0, 20.0], cn_code=["73181595"] * 3, importer=["A", "A", "B"],
                      **{k: v * 3 for k, v in {"country": ["TH"], "category": ["Iron and steel"],
                                               "default_direct": [2.408], "default_indirect": [0.0],
                                               "markup_rate": [0.1], "default_route": ["E"],
                                               "benchmark_b": [0.066], "benchmark_a": [0.038]}.items()})
    r = cbam_cost(goods, years=[2026], price=80.0, eur_thb=38.5)
    assert r["de_minimis_exempt"].tolist() == [False, False, True]  # A: 60 t > 50; B: 20 t <= 50


def test_certificates_never_negative():
    assert certificates([1.0], [5.0], [1.0]).tolist() == [0.0]
    r = cbam_cost(_explicit(see_direct=[0.01]), years=[2026], price=80.0, eur_thb=38.5)
    assert r["certificates"].item() == 0.0 and r["cost_eur"].item() == 0.0


def test_one_row_per_good_and_year_aligned_to_input_labels():
    g = pd.concat([_explicit(), _explicit(quantity=[5.0])], ignore_index=True)
    g.index = ["a", "b"]
    r = cbam_cost(g, years=[2026, 2027], price=80.0, eur_thb=38.5)
    assert r["good"].tolist() == ["a", "a", "b", "b"] and r["year"].tolist() == [2026, 2027] * 2


# --------------------------------------------------------------------------- properties


goods_st = st.fixed_dictionaries({
    "q": st.floats(0, 1e5),
    "see": st.floats(0, 20),
    "share": st.floats(0, 1),
    "p": st.floats(1, 300),
    "origin": st.floats(0, 300),
    "cover": st.floats(0, 1),
    "year": st.sampled_from(list(range(2026, 2035))),
})


def _run(d, **over):
    p = over.pop("p", d["p"])
    o = over.pop("origin", d["origin"])
    q = over.pop("q", d["q"])
    g = _explicit(quantity=[q], see_direct=[d["see"]], actual_share=[d["share"]], origin_price=[o],
                  origin_share=[d["cover"]])
    return cbam_cost(g, years=[d["year"]], price=p, eur_thb=38.5, cscf=1.0).iloc[0]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(goods_st, st.floats(0, 300))
def test_cost_never_negative_and_monotone_in_eu_price(d, dp):
    a, b = _run(d), _run(d, p=d["p"] + dp)
    assert a["cost_eur"] >= 0 and a["certificates"] >= 0
    assert b["cost_eur"] >= a["cost_eur"] - 1e-6 * max(1.0, a["cost_eur"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(goods_st, st.floats(0, 300))
def test_cost_non_increasing_in_origin_price(d, do):
    a, b = _run(d), _run(d, origin=d["origin"] + do)
    assert b["cost_eur"] <= a["cost_eur"] + 1e-6 * max(1.0, a["cost_eur"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(goods_st, st.floats(0.001, 100))
def test_cost_linear_in_quantity(d, k):
    a, b = _run(d), _run(d, q=d["q"] * k)
    assert b["cost_eur"] == pytest.approx(a["cost_eur"] * k, rel=1e-9, abs=1e-6)
    assert b["certificates"] == pytest.approx(a["certificates"] * k, rel=1e-9, abs=1e-6)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(goods_st)
def test_adjustment_zero_in_2034(d):
    d = dict(d, year=2034)
    assert _run(d)["free_allocation_adjustment_t"] == 0.0


# --------------------------------------------------------------------------- error paths


def test_year_outside_tables_without_user_factor():
    with pytest.raises(InputError, match=r"Field 'year': no cbam_factor for 2035 in .*Art10a.csv.*give cbam_factor="):
        cbam_cost(_explicit(), years=[2034, 2035], price=80.0, eur_thb=38.5)
    r = cbam_cost(_explicit(), years=[2035], price=80.0, eur_thb=38.5, cbam_factor=0.0, cscf=1.0)
    assert r["cbam_factor"].item() == 0.0


def test_negative_tonnes():
    with pytest.raises(InputError, match=r"row 0 \(quantity\): expected tonnes >= 0, found -5"):
        cbam_cost(_explicit(quantity=[-5.0]), price=80.0, eur_thb=38.5)


def test_price_path_gap(tmp_path):
    p = tmp_path / "path.csv"
    p.write_text("year,price_eur\n2026,75\n2027,80\n2029,90\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"File '.*path.csv', row 4, column 'year': gap in the price path: no value "
                                         r"for 2028"):
        cbam_cost(_explicit(), price=str(p), eur_thb=38.5)


def test_path_not_covering_a_year(tmp_path):
    p = tmp_path / "path.csv"
    p.write_text("year,price_eur\n2027,80\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"path:path.csv has no price for 2026"):
        cbam_cost(_explicit(), years=[2026, 2027], price=str(p), eur_thb=38.5)


def test_unknown_currency():
    with pytest.raises(InputError, match=r"Field 'origin_currency': unknown currency.*found 'USD'"):
        cbam_cost(_explicit(origin_price=[10.0], origin_currency=["USD"]), years=[2026], price=80.0, eur_thb=38.5)


def test_no_price_given():
    with pytest.raises(InputError, match=r"Field 'price': no certificate price: give price="):
        cbam_cost(_explicit(), years=[2026], eur_thb=38.5)
    with pytest.raises(InputError, match=r"no published certificate price for 2026-Q4"):
        cbam_cost(_explicit(quarter=[4]), years=[2026], eur_thb=38.5)
    # Q3 2026 = EUR 82.32 (published 5 Oct 2026)
    assert cbam_cost(_explicit(quarter=[3]), years=[2026], eur_thb=38.5)["price_eur"].item() == 82.32


def test_actual_see_without_route_where_benchmark_needs_one():
    pytest.importorskip("cbamcalc.benchmarks")
    # unwrought aluminium has Column A rows for routes (K) and (L) only
    g = pd.DataFrame({"cn_code": ["76011090"], "country": ["TH"], "quantity": [100.0], "see_direct": [1.0]})
    with pytest.raises(InputError, match=r"row 0 \(route\)"):
        cbam_cost(g, years=[2026], price=80.0, eur_thb=38.5)


def test_hydraulic_cement_on_actual_data_needs_the_clinker_route():
    g = pd.DataFrame({"cn_code": ["25239000"], "category": ["Cement"], "quantity": [100.0], "see_direct": [0.8],
                      "see_indirect": [0.05], "clinker_content": [0.7], "benchmark_a": [0.0]})
    with pytest.raises(InputError, match=r"row 0 \(route\): the clinker benchmark of hydraulic cement depends on the "
                                         r"clinker route; expected 'A' \(grey clinker\) or 'B'"):
        cbam_cost(g, years=[2026], price=80.0, eur_thb=38.5)


def test_cement_needs_clinker_content():
    g = _explicit(cn_code=["25232900"], category=["Cement"])
    with pytest.raises(InputError, match=r"row 0 \(clinker_content\): the functional unit of cement is the clinker "
                                         r"contained \(IR \(EU\) 2025/2547 Annex I\)"):
        cbam_cost(g, years=[2026], price=80.0, eur_thb=38.5)


def test_other_input_errors():
    with pytest.raises(InputError, match=r"row 0 \(actual_share\): expected a number in \[0, 1\], found 1.5"):
        cbam_cost(_explicit(see_direct=[1.0], actual_share=[1.5]), years=[2026], price=80.0, eur_thb=38.5)
    with pytest.raises(InputError, match=r"row 0 \(see_direct\): expected actual direct SEE"):
        cbam_cost(_explicit(actual_share=[0.5]), years=[2026], price=80.0, eur_thb=38.5)
    with pytest.raises(InputError, match=r"row 0 \(see_indirect\): indirect emissions count for goods not listed "
                                         r"in Annex II"):
        cbam_cost(_explicit(cn_code=["26011200"], see_direct=[1.0]), years=[2026], price=80.0, eur_thb=38.5)
    with pytest.raises(InputError, match=r"row 0 \(cn_code\): electricity has its own rules"):
        cbam_cost(_explicit(category=["Electricity"]), years=[2026], price=80.0, eur_thb=38.5)
    with pytest.raises(InputError, match=r"Field 'quantity': expected a column 'quantity'"):
        cbam_cost(pd.DataFrame({"cn_code": ["73181595"]}), price=80.0)
    with pytest.raises(InputError, match=r"Field 'years': expected at least one year"):
        cbam_cost(_explicit(), years=[], price=80.0, eur_thb=38.5)


# --------------------------------------------------------------------------- from the SEE engine


def test_cost_from_run_screws_example(templates_dir):
    from cbamcalc.cost import cost_from_run
    from cbamcalc.io.communication_template import read_communication_template
    from cbamcalc.pipeline import run_installation

    # Commission example 4 (screws and nuts, US): SEE of 7318 15 42 from examples_key_results.csv
    inst = read_communication_template(templates_dir / "official" / "EC_v2.1_example4_steel3_screws_nuts_FILLED.xlsx")
    run = run_installation(inst, on_warning="ignore")
    see = run.products.set_index("cn_code").loc["73181542", "see_direct"]
    r = cost_from_run(run, pd.DataFrame({"cn_code": ["7318 15 42"], "quantity": [500.0]}), installation=inst,
                      years=[2026], price=80.0, eur_thb=38.5).iloc[0]
    assert r["country"] == "US" and r["see_basis"] == "actual"
    assert r["embedded_emissions_t"] == pytest.approx(500 * see)  # indirect not counted (Annex II)
    assert r["free_allocation_adjustment_t"] == pytest.approx(500 * 0.975 * 0.038)  # Column A, 7318 15 42
    with pytest.raises(InputError, match=r"row 0 \(cn_code\): expected a CN code the installation produces"):
        cost_from_run(run, pd.DataFrame({"cn_code": ["72083900"], "quantity": [1.0]}), years=[2026], price=80.0)


def test_cement_from_run_needs_clinker_content(templates_dir):
    from cbamcalc.cost import see_from_run
    from cbamcalc.io.communication_template import read_communication_template
    from cbamcalc.pipeline import run_installation

    inst = read_communication_template(templates_dir / "official" / "EC_v2.1_example1_cement_FILLED.xlsx")
    run = run_installation(inst, on_warning="ignore")
    with pytest.raises(InputError, match=r"row 0 \(clinker_content\): the functional unit of cement"):
        see_from_run(run, "25232900", installation=inst)
    s = see_from_run(run, "25232900", installation=inst, clinker_content=0.8)
    see = run.products.iloc[0]
    assert s["see_direct"] == pytest.approx(see["see_direct"] / 0.8)  # per t clinker contained
    assert s["clinker_content"] == 0.8 and s["country"] == "TR"


def test_benchmark_indicator_is_the_production_year_and_default_route_overrides(bm):
    # Thai stainless screws 7318 15 35: Column B has only (1) and (2), production years 2026-27 and 2028-30
    # (IR 2025/2620 Annex 5.3); after 2030 the 2028-30 value, with a warning
    g = pd.DataFrame({"cn_code": ["73181535"], "country": ["TH"], "quantity": [100.0]})
    r = cbam_cost(g, years=[2027, 2028, 2031], price=80.0, eur_thb=38.5)
    assert r["benchmark"].tolist() == [bm("73181535", "B", "1"), bm("73181535", "B", "2"), bm("73181535", "B", "2")]
    assert r["production_year"].tolist() == [2027, 2028, 2031]
    assert any("after 2030" in w for w in r.attrs["warnings"])
    g["production_year"] = [2026]
    r = cbam_cost(g, years=[2029], price=80.0, eur_thb=38.5)
    assert r["benchmark"].item() == bm("73181535", "B", "1") and str(r["benchmark_indicator"].item()).startswith("(1)")
    g["production_year"] = [2035]
    with pytest.raises(InputError, match=r"row 0 \(production_year\): .*expected a year 2026-2034, found 2035"):
        cbam_cost(g, years=[2029], price=80.0, eur_thb=38.5)
    g = g.drop(columns="production_year")
    g["default_route"] = ["2"]
    r = cbam_cost(g, years=[2026], price=80.0, eur_thb=38.5)
    assert r["benchmark"].item() == bm("73181535", "B", "2")
    assert any("default_route given" in w for w in r.attrs["warnings"])

"""Certificate prices and EUR/THB: published 2026 quarters, user paths (gaps, units), scenarios."""

import numpy as np
import pytest

from cbamcalc import prices
from cbamcalc.errors import InputError
from cbamcalc.refdata import load_table, table_info


def test_q1_2026_published_price_with_citation():
    t = prices.quarterly_prices_2026().set_index("period")
    # REGULATION.md / THAI_CONTEXT.md: Q1 2026 = EUR 75.36, published 7 Apr 2026 [C]
    assert t.loc["2026-Q1", "value"] == 75.36
    assert t.loc["2026-Q1", "published"] == "2026-04-07"
    assert "2025/2548" in t.loc["2026-Q1", "act"]
    assert prices.quarter_price_2026([1, 1]).tolist() == [75.36, 75.36]
    assert t.loc["2026-Q1", "confidence"] == "C"


def test_q2_q3_2026_published_prices_with_citation_and_mark():
    t = prices.quarterly_prices_2026().set_index("period")
    # issue 10 item 7 / REGULATION.md: Q2 2026 = EUR 75.28 (6 Jul 2026), Q3 = EUR 82.32 (5 Oct 2026) [S]
    assert (t.loc["2026-Q2", "value"], t.loc["2026-Q2", "published"]) == (75.28, "2026-07-06")
    assert (t.loc["2026-Q3", "value"], t.loc["2026-Q3", "published"]) == (82.32, "2026-10-05")
    assert t.loc["2026-Q2", "confidence"] == t.loc["2026-Q3", "confidence"] == "S"
    assert "secondary sources" in t.loc["2026-Q3", "source"]
    assert prices.quarter_price_2026([3, 2, 1]).tolist() == [82.32, 75.28, 75.36]


def test_unpublished_quarter_is_a_clear_error():
    with pytest.raises(InputError, match=r"no published certificate price for 2026-Q4 in .*quarterly.csv "
                                         r"\(have: 2026-Q1, 2026-Q2, 2026-Q3\); give price="):
        prices.quarter_price_2026([1, 4])
    with pytest.raises(InputError, match=r"Field 'quarter': expected the calendar quarter of import, 1-4, found 5"):
        prices.quarter_price_2026([5])


def test_scenarios_are_marked_scenario_and_cover_2026_2034():
    for name in ("price_paths_scenario", "fx_eur_thb_scenario"):
        assert table_info(name)["kind"] == "scenario"
        t = load_table(name)
        assert (t["basis"].str.len() > 0).all()
        for sc in ("low", "central", "high"):
            assert sorted(t.loc[t["scenario"] == sc, "year"]) == list(range(2026, 2035))
    c = prices.price_scenario("central")
    assert c.source.startswith("scenario:central")
    with pytest.raises(InputError, match=r"price scenario.*expected a scenario among central, high, low, found 'x'"):
        prices.price_scenario("x")


def test_price_path_by_year(tmp_path):
    p = tmp_path / "path.csv"
    p.write_text("year,price_eur\n2027,80\n2028,90\n2029,100\n", encoding="utf-8")
    s = prices.read_price_path(p)
    assert s.source == "path:path.csv"
    assert s.for_years(np.array([2027, 2029]), field="price").tolist() == [80.0, 100.0]
    with pytest.raises(InputError, match=r"path:path.csv has no price for 2030 \(covers 2027-2029\)"):
        s.for_years(np.array([2030]), field="price")


def test_price_path_by_date_is_averaged_per_year(tmp_path):
    p = tmp_path / "weekly.csv"
    p.write_text("date,value,unit\n2027-12-20,80,EUR/tCO2e\n2027-12-27,90,EUR/tCO2e\n2028-01-03,100,EUR/tCO2e\n",
                 encoding="utf-8")
    s = prices.read_price_path(p)
    assert s.value(2027) == 85.0 and s.value(2028) == 100.0


@pytest.mark.parametrize(
    ("text", "msg"),
    [
        ("year,price_eur\n2027,80\n2029,90\n", r"File '.*bad.csv', row 3, column 'year'.*gap in the price path: "
                                               r"no value for 2028"),
        ("date,price\n2027-01-04,80\n2027-01-25,81\n", r"File '.*bad.csv', row 3, column 'date'.*gap of 21 days"),
        ("year,price_eur\n2027,abc\n", r"row 2, column 'price_eur': expected a number >= 0, found 'abc'"),
        ("year,price_eur\n2027,-3\n", r"row 2, column 'price_eur': expected a number >= 0, found '-3'"),
        ("year,price_eur\n2027,1\n2027,2\n", r"row 3, column 'year': expected each year once"),
        ("date,price\n2027-13-01,80\n", r"row 2, column 'date': expected a date YYYY-MM-DD"),
        ("when,price\n2027,80\n", r"File '.*bad.csv' \(price path\): expected columns 'date' or 'year'"),
        ("year,price,unit\n2027,80,USD/tCO2e\n", r"row 2, column 'unit': unknown currency.*expected EUR/tCO2e, found 'USD/tCO2e'"),
        ("year,price,unit\n2027,80,THB/tCO2e\n", r"row 2, column 'unit': unknown or wrong currency.*found 'THB/tCO2e'"),
    ],
)
def test_price_path_errors_name_file_and_row(tmp_path, text, msg):
    p = tmp_path / "bad.csv"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=msg):
        prices.read_price_path(p)


def test_missing_path_file(tmp_path):
    with pytest.raises(InputError, match=r"nope.csv' \(price path\): expected an existing CSV file"):
        prices.read_price_path(tmp_path / "nope.csv")


def test_resolve_price_and_fx():
    assert prices.resolve_price(80) == 80.0
    assert prices.resolve_price(None) is None
    assert prices.resolve_price({2027: 80, 2028: 85}).source == "user"
    assert prices.resolve_price("scenario:high").value(2030) == 130.0
    assert prices.resolve_fx(None).source.startswith("scenario:central")
    assert prices.resolve_fx(38.5) == 38.5
    with pytest.raises(InputError, match=r"Field 'price': expected a number >= 0 \[EUR/tCO2e\], found -5"):
        prices.resolve_price(-5)
    with pytest.raises(InputError, match=r"Field 'eur_thb': expected a number"):
        prices.resolve_fx([1, 2])


def test_fx_path(tmp_path):
    p = tmp_path / "fx.csv"
    p.write_text("year,eur_thb\n2026,38.1\n2027,38.9\n", encoding="utf-8")
    assert prices.read_fx_path(p).values.tolist() == [38.1, 38.9]


def test_tgo_grid_factors_by_vintage_with_sources():
    # THAI_CONTEXT.md (c): 0.4750 kgCO2e/kWh from 1 Jan 2026 (grid mix 2022-2024); 0.4999 usable until 31 Mar 2026
    t = load_table("grid_factors_tgo").set_index("key")
    assert table_info("grid_factors_tgo")["kind"] == "scenario"  # national reporting factors, not CBAM defaults
    new, old = t.loc["tgo_grid_ef_2022_2024"], t.loc["tgo_grid_ef_2016_2018"]
    assert (new["value"], new["unit"], new["valid_from"]) == (0.4750, "kgCO2e/kWh", "2026-01-01")
    assert (old["value"], old["valid_to"]) == (0.4999, "2026-03-31")
    assert "NOT the CBAM default" in new["note"] and "TGO" in new["act"]
    from cbamcalc.units import Q_

    assert Q_(new["value"], new["unit"]).m_as("tCO2e/MWh") == pytest.approx(0.475)


def test_de_minimis_table():
    t = load_table("de_minimis")
    assert table_info("de_minimis")["kind"] == "law"
    row = t.set_index("key").loc["threshold_net_mass"]
    assert (row["value"], row["unit"]) == (50, "t") and "2025/2083" in row["act"]
    assert set(t.loc[t.key == "excluded_category", "category"]) == {"electricity", "hydrogen"}


def test_scenarios_pin_2026_to_the_mean_of_the_published_quarters():
    # the rule of the file's basis column: mean of the published quarters Q1-Q3 2026, rounded to the cent
    by_hand = round((75.36 + 75.28 + 82.32) / 3, 2)
    assert by_hand == 77.65
    t = load_table("price_paths_scenario")
    rows = t[t["year"] == 2026]
    assert sorted(rows["scenario"]) == ["central", "high", "low"]
    assert (rows["value"] == by_hand).all()
    assert rows["basis"].str.startswith("pinned to the published 2026 certificate prices: mean of the published "
                                        "quarters Q1-Q3 2026").all()
    published = prices.quarterly_prices_2026()["value"]
    assert round(float(published.mean()), 2) == by_hand  # the rule still matches the quarterly table
    for name in ("low", "central", "high"):
        assert prices.price_scenario(name).value(2026) == by_hand

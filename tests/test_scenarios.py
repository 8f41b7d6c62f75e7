"""Scenario files: shipped paths, the example file, strict keys with suggestions, gaps, law vs scenario."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from cbamcalc.errors import InputError
from cbamcalc.exposure import Distribution
from cbamcalc.refdata import load_table, table_info
from cbamcalc.scenarios import default_scenarios, read_scenarios

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "exposure_scenarios.toml"


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def test_default_scenarios_use_shipped_paths_and_law_factor():
    s = default_scenarios()
    assert s.names() == ["low", "central", "high"] and s.base == "central"
    central = s.paths("central")
    table = load_table("price_paths_scenario")
    want = table[table.scenario == "central"].sort_values("year")["value"].to_numpy()
    np.testing.assert_allclose(central.eu_price, want)
    # 2026: the mean of the published quarterly prices Q1-Q3 (75.36, 75.28, 82.32; Commission)
    assert central.eu_price[0] == pytest.approx(round((75.36 + 75.28 + 82.32) / 3, 2))
    # CBAM factor from the law table (Directive 2003/87/EC Art. 10a(1a)), never from the scenario
    np.testing.assert_allclose(central.cbam_factor[[0, 4, 8]], [0.975, 0.515, 0.0])
    assert table_info("price_paths_scenario")["kind"] == "scenario"
    assert table_info("cbam_factor")["kind"] == "law"
    assert "never law" in s.describe()["kind"]


def test_example_file_reads(tmp_path):
    s = read_scenarios(EXAMPLE)
    assert s.base == "central" and "central_thai_tax" in s.names()
    assert s.montecarlo.draws == 10000 and s.montecarlo.seed == 42
    assert s.intensity.clinker_content == {"25232900": 0.75}
    thai = s.paths("central_thai_tax")
    assert thai.origin_currency == "THB" and thai.origin_price[0] == 200.0
    assert any("Art. 9" in w for w in s.warnings)  # the Thai excise is an uncertain Art. 9 scenario
    user = s.paths("user_path", base_year=2024)
    assert user.eu_price[1] == 78.0 and user.volume_index[0] == pytest.approx(1.02**2)
    spec = s.sensitivity_for(s.paths("central"))
    assert spec.year == 2030 and spec.cscf == (0.9, 1.0)


def test_typo_in_key_names_file_line_and_suggests(tmp_path):
    p = write(tmp_path, """
        [model]
        base_scenario = "central"

        [scenarios.central]
        eu_pirce = "central"
        """)
    with pytest.raises(InputError, match=r"File '.*s\.toml', row 6 \(scenarios\.central\.eu_pirce\): unknown key; "
                                         r"did you mean 'eu_price'\?"):
        read_scenarios(p)


def test_typo_in_section_and_distribution(tmp_path):
    p = write(tmp_path, """
        [scenarios.central]
        eu_price = "central"
        [montecarlo.eu_price]
        distribution = "triangle"
        """)
    with pytest.raises(InputError, match=r"row 5 \(montecarlo\.eu_price\.distribution\): did you mean 'triangular'"):
        read_scenarios(p)
    p = write(tmp_path, '[sensitivty]\nyear = 2030\n[scenarios.a]\neu_price = 80\n')
    with pytest.raises(InputError, match=r"row 1 \(sensitivty\): unknown key; did you mean 'sensitivity'"):
        read_scenarios(p)


def test_gap_in_price_table(tmp_path):
    p = write(tmp_path, """
        [model]
        years = [2026, 2030]
        [scenarios.mine]
        eu_price = { 2026 = 80, 2027 = 82, 2029 = 90, 2030 = 95 }
        """)
    with pytest.raises(InputError, match=r"row 5 \(scenarios\.mine\.eu_price\): gap in the certificate price path; "
                                         r"expected a value for every year 2026-2030, found 'no value for 2028"):
        read_scenarios(p)


def test_gap_in_price_csv_names_csv_row_and_column(tmp_path):
    (tmp_path / "path.csv").write_text("year,price_eur\n2026,80\n2027,82\n2029,90\n", encoding="utf-8")
    p = write(tmp_path, '[model]\nyears = [2026, 2029]\n[scenarios.a]\neu_price = "path.csv"\n')
    with pytest.raises(InputError, match=r"File '.*path\.csv', row 4, column 'year': gap in the price path: no "
                                         r"value for 2028"):
        read_scenarios(p)


def test_unknown_shipped_path_is_suggested(tmp_path):
    p = write(tmp_path, '[scenarios.a]\neu_price = "centrl"\n')
    with pytest.raises(InputError, match=r"row 2 \(scenarios\.a\.eu_price\): unknown path; did you mean 'central'"):
        read_scenarios(p)


def test_bad_values(tmp_path):
    cases = [
        ('[scenarios.a]\neu_price = 80\n[intensity]\nactual_share = 1.5\n', r"intensity\.actual_share.*\[0, 1\]"),
        ('[scenarios.a]\neu_price = 80\n[intensity]\nactual_share = { steal = 0.2 }\n',
         r"unknown sector; did you mean 'iron_steel'"),
        ('[model]\nyears = [2020, 2034]\n[scenarios.a]\neu_price = 80\n', r"model\.years.*within 2026-2034"),
        ('[scenarios.a]\neu_price = 80\norigin_currency = "USD"\n', r"origin_currency.*EUR or THB"),
        ('[model]\nbase_scenario = "cental"\n[scenarios.central]\neu_price = 80\n', r"did you mean 'central'"),
        ('[scenarios.a]\neu_price = -3\n', r"scenarios\.a\.eu_price.*a number >= 0"),
        ('[scenarios.a]\neu_price = 80\n[montecarlo]\ndraws = "many"\n', r"montecarlo\.draws"),
        ("[scenarios.a]\neu_price = 80\n[sensitivity]\nintensity = [0.9]\n", r"sensitivity\.intensity.*\[low, high\]"),
    ]
    for text, pattern in cases:
        with pytest.raises(InputError, match=pattern):
            read_scenarios(write(tmp_path, text))


def test_invalid_toml_names_line(tmp_path):
    p = write(tmp_path, '[scenarios.a]\neu_price = "central\n')
    with pytest.raises(InputError, match=r"row 2: not valid TOML"):
        read_scenarios(p)


def test_missing_file():
    with pytest.raises(InputError, match="no such file"):
        read_scenarios("does-not-exist.toml")


def test_distributions_read(tmp_path):
    p = write(tmp_path, """
        [scenarios.central]
        eu_price = "central"
        [montecarlo]
        draws = 10
        seed = 3
        [montecarlo.eu_price]
        distribution = "lognormal"
        sigma = 0.2
        [montecarlo.eur_thb]
        distribution = "uniform"
        low = 36.0
        high = "high"
        [montecarlo.intensity]
        distribution = "fixed"
        applies_to = "actual"
        [montecarlo.intensity.by_sector.iron_steel]
        distribution = "normal"
        sd = 0.05
        """)
    mc = read_scenarios(p).montecarlo
    assert mc.eu_price == Distribution("lognormal", sigma=0.2)
    assert mc.eur_thb.kind == "uniform" and mc.eur_thb.high[0] == 40.0
    assert mc.intensity_applies_to == "actual"
    assert mc.intensity["iron_steel"].kind == "normal"

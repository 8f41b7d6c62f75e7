"""``cbamcalc cost``: readable table, --json contract, and one stderr line with exit 2 on bad input."""

import json

import pytest

from cbamcalc.cli import main
from cbamcalc.commands.cost import JSON_KEYS

CONTRACT = ["year", "cn_code", "country", "tonnes", "see_used", "see_basis", "benchmark", "cbam_factor",
            "free_allocation_adjustment_t", "carbon_price_deduction_t", "certificates", "price_eur", "cost_eur",
            "cost_thb"]


def _err(capsys):
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_json_contract_keys_are_first():
    assert JSON_KEYS[: len(CONTRACT)] == CONTRACT


def test_json_screws_defaults(capsys):
    pytest.importorskip("cbamcalc.benchmarks")
    rc = main(["cost", "--cn", "73181588", "--country", "TH", "--tonnes", "1000", "--price", "80",
               "--eur-thb", "38.5", "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert [o["year"] for o in out] == list(range(2026, 2035))
    first = out[0]
    assert set(CONTRACT) <= set(first)
    assert first["see_basis"] == "default" and first["cn_code"] == "73181588" and first["tonnes"] == 1000.0
    # IR 2025/2621 'Thailand' 7318 15: 2.408 x 1.10; IR 2025/2620 Column B route (E) 0.066 x 0.975
    assert first["certificates"] == pytest.approx(1000 * (2.408 * 1.1 - 0.066 * 0.975))
    assert first["cost_eur"] == pytest.approx(first["certificates"] * 80)
    assert first["cost_thb"] == pytest.approx(first["cost_eur"] * 38.5)
    assert out[-1]["cbam_factor"] == 0.0 and out[-1]["free_allocation_adjustment_t"] == 0.0
    assert first["data_version"]


def test_table_actual_see(capsys):
    pytest.importorskip("cbamcalc.benchmarks")
    rc = main(["cost", "--cn", "73181588", "--country", "TH", "--tonnes", "1000", "--see-direct", "1.9",
               "--see-indirect", "0.3", "--route", "E", "--years", "2026-2027", "--price", "80", "--own-process-only"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "CBAM cost of CN 73181588" in out and "2026" in out and "2027" in out and "actual" in out
    assert "data version" in out


def test_thai_excise_scenario_note(capsys):
    pytest.importorskip("cbamcalc.benchmarks")
    base = ["cost", "--cn", "73181588", "--country", "TH", "--tonnes", "1000", "--years", "2027",
            "--price", "80", "--origin-price", "thai-excise", "--json"]
    # the excise covers oil products only: the covered share is the user's to state
    assert main(base) == 2
    assert "--origin-share: " in _err(capsys)
    # on default values a price paid never reduces the obligation (Art. 9 as replaced by Reg. 2025/2083)
    assert main([*base, "--origin-share", "0.1"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "uncertain" in out[0]["art9_note"]
    assert out[0]["carbon_price_deduction_t"] == 0.0 and out[0]["art9_basis"].startswith("not applied")
    # on actual data: THB 200 / 38.5 x 10 % of the embedded emissions / EUR 80 (draft IA on Art. 9(5))
    assert main([*base, "--origin-share", "0.1", "--see-direct", "1.9", "--own-process-only",
                 "--eur-thb", "40"]) == 0
    out = json.loads(capsys.readouterr().out)[0]
    assert out["carbon_price_deduction_t"] == pytest.approx(1000 * 1.9 * 0.1 * (200 / 40) / 80)
    assert out["art9_basis"].startswith("actual share")


@pytest.mark.parametrize(
    ("argv", "msg"),
    [
        (["--tonnes", "-5"], "cbamcalc cost: error: --tonnes: expected tonnes >= 0, found -5.0"),
        (["--tonnes", "10", "--years", "2026-20x"], "--years: expected years 2026-2034 such as 2026-2034"),
        (["--tonnes", "10", "--origin-price", "10 USD"], "--origin-price: unknown currency"),
        (["--tonnes", "10", "--years", "2035", "--price", "80"], "--years: expected years 2026-2034"),
    ],
)
def test_bad_input_exit_2_one_line(capsys, argv, msg):
    rc = main(["cost", "--cn", "73181588", "--country", "TH", *argv])
    assert rc == 2
    line = _err(capsys)
    assert msg in line
    assert line.startswith("cbamcalc cost: error: ")


def test_price_path_gap_exit_2(capsys, tmp_path):
    p = tmp_path / "prices.csv"
    p.write_text("year,price_eur\n2026,75\n2028,90\n", encoding="utf-8")
    rc = main(["cost", "--cn", "73181588", "--country", "TH", "--tonnes", "10", "--price-path", str(p)])
    assert rc == 2
    line = _err(capsys)
    assert "prices.csv', row 3, column 'year': gap in the price path: no value for 2027" in line


def test_missing_cn_exit_2(capsys):
    assert main(["cost", "--tonnes", "10"]) == 2
    assert "--cn: " in _err(capsys)


def test_help_mentions_flags(capsys):
    with pytest.raises(SystemExit):
        main(["cost", "--help"])
    out = capsys.readouterr().out
    for flag in ("--cn", "--country", "--tonnes", "--see-direct", "--see-indirect", "--route", "--from-run",
                 "--years", "--price-path", "--price", "--eur-thb", "--origin-price", "--version", "--json"):
        assert flag in out


def test_from_run_table(capsys, templates_dir):
    f = templates_dir / "official" / "EC_v2.1_example4_steel3_screws_nuts_FILLED.xlsx"
    rc = main(["cost", "--from-run", str(f), "--cn", "73181542", "--tonnes", "500", "--years", "2026",
               "--price", "80", "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0]["see_basis"] == "actual" and out[0]["country"] == "US"


def test_from_run_unknown_cn_exit_2(capsys, templates_dir):
    f = templates_dir / "official" / "EC_v2.1_example4_steel3_screws_nuts_FILLED.xlsx"
    assert main(["cost", "--from-run", str(f), "--cn", "72083900", "--tonnes", "5", "--price", "80"]) == 2
    assert "expected a CN code the installation produces" in _err(capsys)


def test_default_route_flag(capsys):
    # Thai stainless screws 7318 15 35: Column B has (1) and (2), production years 2026-27 / 2028-30
    # (IR 2025/2620 Annex 5.3): the year selects the row, no route is guessed
    argv = ["cost", "--cn", "73181535", "--country", "TH", "--tonnes", "100", "--price", "80", "--json"]
    assert main([*argv, "--years", "2026,2028"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["benchmark_indicator"] for r in out] == ["(1) 2026-27", "(2) 2028-30"]
    assert [r["production_year"] for r in out] == [2026, 2028]
    # imported in 2028, produced in 2027: the (1) value
    assert main([*argv, "--years", "2028", "--production-year", "2027"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["benchmark_indicator"] == "(1) 2026-27"
    assert main([*argv, "--years", "2026", "--default-route", "2"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["default_route"] == "2"
    assert main([*argv, "--years", "2026", "--production-year", "2025"]) == 2
    assert "--production-year: the CBAM factor and benchmarks run from production year 2026 to 2034" in _err(capsys)


def test_variant_needed_for_hydraulic_cement(capsys):
    argv = ["cost", "--cn", "25239000", "--country", "TH", "--tonnes", "100", "--years", "2026", "--price", "80",
            "--clinker-content", "0.6"]
    assert main(argv) == 2
    assert "--variant: " in _err(capsys)
    assert main([*argv, "--variant", "grey", "--json"]) == 0
    row = json.loads(capsys.readouterr().out)[0]
    assert row["functional_unit_t"] == 60.0 and row["benchmark"] == 0.666 and row["default_route"] == "A"

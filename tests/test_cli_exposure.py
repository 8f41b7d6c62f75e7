"""``cbamcalc exposure``: report, JSON, exit 2 with one stderr line on bad input."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cbamcalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "examples" / "thai_trade_flows_comext.csv"
SCEN = ROOT / "examples" / "exposure_scenarios.toml"


def test_example_run_writes_report(tmp_path, capsys):
    out = tmp_path / "exposure.xlsx"
    code = main(["exposure", str(FLOWS), "--scenarios", str(SCEN), "--out", str(out), "--draws", "200",
                 "--seed", "1"])
    cap = capsys.readouterr()
    assert code == 0, cap.err
    assert "CBAM exposure: 47 flow rows (comext), base year 2024" in cap.out
    assert "Iron and steel" in cap.out and f"wrote {out}" in cap.out
    assert "Monte Carlo (200 draws, seed 1)" in cap.out
    assert "Art. 9" in cap.err  # the Thai excise scenario's caveat is shown
    wb = load_workbook(out)
    assert sum(len(ws._charts) for ws in wb) == 4


def test_json_output(capsys):
    code = main(["exposure", str(FLOWS), "--scenarios", str(SCEN), "--json", "--draws", "50", "--seed", "3"])
    cap = capsys.readouterr()
    assert code == 0, cap.err
    data = json.loads(cap.out)
    assert data["base_scenario"] == "central" and data["base_year"] == 2024
    assert data["input"]["layout"] == "comext"
    sectors = {r["sector"] for r in data["by_sector"]}
    assert sectors == {"Iron and steel", "Aluminium", "Cement", "Fertilisers"}
    assert {r["scenario"] for r in data["scenarios"]} == {"low", "central", "high", "central_thai_tax", "user_path"}
    assert data["tornado"][0]["parameter"] == "eu_price"
    assert data["montecarlo"] and {"p5", "p50", "p95"} <= set(data["montecarlo"][0])
    # same seed, same percentiles
    main(["exposure", str(FLOWS), "--scenarios", str(SCEN), "--json", "--draws", "50", "--seed", "3"])
    again = json.loads(capsys.readouterr().out)
    assert again["montecarlo"] == data["montecarlo"]


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_missing_column_exit_2(tmp_path, capsys):
    bad = tmp_path / "flows.csv"
    bad.write_text("REPORTER,PARTNER,PRODUCT_NC,FLOW,PERIOD,VALUE_EUR\nDE,TH,73181595,1,202452,10\n")
    assert main(["exposure", str(bad), "--draws", "0"]) == 2
    line = _one_error_line(capsys)
    assert line.startswith("cbamcalc exposure: error: File ")
    assert "flows.csv', row 1, column 'QUANTITY_KG': missing column" in line


@pytest.mark.parametrize("body, expected", [
    ("DE,TH,E,84713000,1,1,202452,10,10\n", "row 2, column 'PRODUCT_NC': unknown CN code"),
    ("DE,TH,E,73181595,1,1,202452,10,-10\n", "row 2, column 'QUANTITY_KG': negative mass"),
    ("DE,TH,E,73181595,1,1,202452,10,10\nDE,TH,E,73181595,1,1,202452,10,10\n", "row 3, column 'PRODUCT_NC': "
                                                                                "duplicated key"),
])
def test_bad_flows_exit_2(tmp_path, capsys, body, expected):
    bad = tmp_path / "flows.csv"
    bad.write_text("REPORTER,PARTNER,TRADE_TYPE,PRODUCT_NC,FLOW,STAT_PROCEDURE,PERIOD,VALUE_EUR,QUANTITY_KG\n" + body)
    assert main(["exposure", str(bad), "--draws", "0"]) == 2
    assert expected in _one_error_line(capsys)


def test_scenario_typo_exit_2(tmp_path, capsys):
    s = tmp_path / "s.toml"
    s.write_text(textwrap.dedent("""
        [scenarios.central]
        eu_price = "central"
        [montecarlo]
        draw = 100
        """))
    assert main(["exposure", str(FLOWS), "--scenarios", str(s)]) == 2
    line = _one_error_line(capsys)
    assert "s.toml', row 5 (montecarlo.draw): unknown key; did you mean 'draws'?" in line


def test_price_gap_exit_2(tmp_path, capsys):
    (tmp_path / "p.csv").write_text("year,price_eur\n2026,80\n2028,90\n")
    s = tmp_path / "s.toml"
    s.write_text('[model]\nyears = [2026, 2028]\n[scenarios.a]\neu_price = "p.csv"\n')
    assert main(["exposure", str(FLOWS), "--scenarios", str(s), "--draws", "0"]) == 2
    assert "p.csv', row 3, column 'year': gap in the price path: no value for 2027" in _one_error_line(capsys)


def test_cement_without_clinker_content_exit_2(tmp_path, capsys):
    s = tmp_path / "s.toml"
    s.write_text('[scenarios.central]\neu_price = "central"\n')
    assert main(["exposure", str(FLOWS), "--scenarios", str(s), "--draws", "0"]) == 2
    assert "clinker_content" in _one_error_line(capsys)


def test_report_never_overwrites_an_input(capsys):
    assert main(["exposure", str(FLOWS), "--out", str(FLOWS), "--draws", "0"]) == 2
    assert "is an input of the command" in _one_error_line(capsys)


def test_progress_bar_on_request(tmp_path, capsys):
    code = main(["exposure", str(FLOWS), "--scenarios", str(SCEN), "--draws", "100", "--seed", "1", "--progress"])
    assert code == 0
    err = capsys.readouterr().err
    assert "monte carlo" in err and "100%" in err

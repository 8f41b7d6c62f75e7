"""The `cbamcalc defaults` and `cbamcalc data` commands, through cli.main (no subprocess)."""

from __future__ import annotations

import json
import re

import pytest

from cbamcalc.cli import main
from cbamcalc.commands.defaults import JSON_KEYS

CONTRACT = ["cn_code", "country", "year", "version", "direct", "indirect", "total", "markup_rate",
            "value_with_markup", "route", "fallback", "source"]


def _json(capsys, *argv):
    assert main(["defaults", *argv, "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    return json.loads(out)


def test_json_contract(capsys):
    rec = _json(capsys, "--country", "TH", "--cn", "73181588", "--year", "2027")
    assert list(rec)[: len(CONTRACT)] == CONTRACT
    assert list(rec) == list(JSON_KEYS)
    assert rec["cn_code"] == "73181588" and rec["country"] == "TH" and rec["year"] == 2027
    assert rec["version"] == "2026/1740"  # the values in force are the default
    assert rec["direct"] == rec["total"] == 2.408 and rec["indirect"] is None
    assert rec["markup_rate"] == 0.2
    # IR 2026/1740 Annex I, Thailand 7318 15: printed total 2,408 x (1 + 20 %) for 2027
    assert rec["value_with_markup"] == pytest.approx(2.408 * 1.2, abs=1e-12)
    assert rec["published_value_with_markup"] is None  # v2 prints no marked-up columns
    assert rec["route"] == "E" and rec["fallback"] is False
    assert rec["source"] == "IR (EU) 2026/1740 Annex I (Commission Excel v2 of 2026-08-06), table 'Thailand', line 731815"


def test_version_flag_selects_v1(capsys):
    rec = _json(capsys, "--country", "TH", "--cn", "73181588", "--year", "2027", "--version", "2025/2621")
    assert rec["version"] == "2025/2621"
    assert rec["source"] == "IR (EU) 2025/2621 Annex I v1, sheet 'Thailand', row 262"
    assert rec["published_value_with_markup"] == pytest.approx(2.408 * 1.2, abs=1e-9)
    # a route that changed from v1 to v2 (PROVENANCE_v2_defaults.md 5.4): Thai 7318 12 10 lost its (E)
    assert _json(capsys, "--country", "TH", "--cn", "73181210", "--year", "2026", "--version", "2025/2621")[
        "route"] == "E"
    assert _json(capsys, "--country", "TH", "--cn", "73181210", "--year", "2026", "--version", "2026/1740")[
        "route"] == ""


# THAI_CONTEXT.md section (a): CN, year, value with mark-up, route, fallback
@pytest.mark.parametrize(
    ("argv", "value", "route", "fallback"),
    [
        (["--cn", "7318 15 95", "--year", "2026"], 2.649, "E", False),
        (["--cn", "73181595", "--year", "2028"], 3.130, "E", False),
        (["--cn", "7604 21 00", "--year", "2026"], 1.419, "L", False),
        (["--cn", "7606 11 91", "--year", "2027"], 2.076, "L", False),
        (["--cn", "2523 29 00", "--year", "2026"], 1.584, "", True),
        (["--cn", "2523 10 00", "--year", "2028", "--variant", "grey"], 1.833, "A", True),
        (["--cn", "3102 10 19", "--year", "2030"], 1.555, "", False),
        (["--cn", "2814 10 00", "--year", "2026"], 2.262, "", False),
        (["--cn", "2804 10 00", "--year", "2027"], 12.984, "", False),
    ],
)
def test_thai_values_through_the_cli(capsys, argv, value, route, fallback):
    rec = _json(capsys, "--country", "Thailand", *argv)
    assert rec["value_with_markup"] == pytest.approx(value, abs=1e-3)
    assert rec["route"] == route and rec["fallback"] is fallback


def test_readable_table(capsys):
    assert main(["defaults", "--country", "TH", "--cn", "2523 29 00", "--year", "2026"]) == 0
    out = capsys.readouterr().out
    assert "Other countries and territories" in out
    assert "value with mark-up     1.584 tCO2e/t" in out
    assert "mark-up                10 %" in out
    assert "data version           2026/1740" in out
    assert ("IR (EU) 2026/1740 Annex I (Commission Excel v2 of 2026-08-06), table 'Other Countries and "
            "Territories', line 25232900") in out


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["--country", "Atlantis", "--cn", "73181595", "--year", "2026"], r"--country: unknown country"),
        (["--country", "Thailnd", "--cn", "73181595", "--year", "2026"], r"did you mean 'Thailand' \(TH\)\?"),
        (["--country", "TH", "--cn", "84713000", "--year", "2026"], r"--cn: not a CBAM good"),
        (["--country", "TH", "--cn", "7318 15 9", "--year", "2026"], r"--cn: expected a CN code of 8 "
                                                                   r"digits"),
        (["--country", "TH", "--cn", "73181595", "--year", "2025"], r"--year: expected a year of import "
                                                                    r"from 2026 on"),
        (["--country", "TH", "--cn", "73181595", "--year", "next"], r"--year: expected a year of import"),
        (["--country", "TH", "--cn", "73181595", "--year", "2026", "--version", "2019/1"],
         r"--version: unknown data version; expected '2026/1740' \(the values in force, the default\) or "
         r"'2025/2621'"),
        (["--country", "TH", "--cn", "25231000", "--year", "2026"], r"--variant: CN 2523 10 00 has several "
                                                                    r"default-value lines"),
    ],
)
def test_errors_are_one_line_on_stderr_with_exit_2(capsys, argv, match):
    assert main(["defaults", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("cbamcalc defaults: error: ")
    assert "Traceback" not in captured.err
    import re

    assert re.search(match, lines[0])


def test_debug_shows_the_traceback():
    from cbamcalc.errors import InputError

    with pytest.raises(InputError, match="unknown country"):
        main(["--debug", "defaults", "--country", "Atlantis", "--cn", "73181595", "--year", "2026"])


def test_data_command(capsys):
    assert main(["data"]) == 0
    out = capsys.readouterr().out
    assert "default-value versions: 2026/1740 (bundled, default), 2025/2621 (bundled)" in out
    assert "default_values_2025_2621_v1" in out and "[law]" in out
    assert re.search(r"default_values_2026_1740_v2 +\[law\] default_values_IR2026-1740_v2_2026-08-06.csv", out)
    assert "annex_ii" in out and "markups_2026_1740" in out
    assert "generated by: python -m cbamcalc.refdata build" in out


def test_data_json(capsys):
    assert main(["data", "--json", "--check"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["data_version"]
    tables = {t["name"]: t for t in rec["tables"]}
    assert tables["default_values_2025_2621_v1"]["rows"] == 12532
    assert tables["default_values_2025_2621_v1"]["kind"] == "law"
    assert tables["default_values_2026_1740_v2"]["rows"] == 12540
    assert tables["default_values_2026_1740_v2"]["kind"] == "law"
    assert tables["annex_ii"]["rows"] == 42
    assert tables["benchmarks_2025_2620"]["source_sha256"]
    assert {v["version"] for v in rec["default_value_versions"]} == {"2025/2621", "2026/1740"}
    default = [v for v in rec["default_value_versions"] if v["default"]]
    assert [(v["version"], v["table"]) for v in default] == [("2026/1740", "default_values_2026_1740_v2")]
    assert default[0]["label"] == "IR (EU) 2026/1740 Annex I (Commission Excel v2 of 2026-08-06)"


def test_help_does_not_import_pandas():
    import subprocess
    import sys

    code = ("import sys; from cbamcalc.cli import build_parser; build_parser(); "
            "print('pandas' in sys.modules, 'pint' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False False"

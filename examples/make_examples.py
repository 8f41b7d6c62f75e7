"""Make the Thai fastener-plant example and its expected results.

Run from the repository root::

    python examples/make_examples.py            # (re)write both files
    python examples/make_examples.py --check    # exit 1 if the committed files are out of date

Writes

* ``examples/thai_fastener_plant.xlsx``: the cbamcalc input workbook (English and Thai labels)
  filled with :func:`cbamcalc.io.exporter_workbook.example_input`, a fictitious plant with
  illustrative data (said so in the workbook);
* ``examples/thai_fastener_plant_expected.json``: what ``cbamcalc run`` computes from it (SEE per
  process and good, installation totals), the EU default values it is compared with, and the cost
  per year 2026-2034 at the shipped central price and exchange-rate scenarios (not law);
* ``examples/thai_fastener_plant_report.xlsx`` and ``..._report.json``: its operator's emissions report
  (``cbamcalc report --year 2026 --lang th``, IR (EU) 2025/2547 Annex IV) with the SEFA of each good and
  the Annex IV items its inputs still lack.

The expected file is made by reading the workbook back, so it also checks the round trip.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WORKBOOK = HERE / "thai_fastener_plant.xlsx"
EXPECTED = HERE / "thai_fastener_plant_expected.json"
REPORT = HERE / "thai_fastener_plant_report.xlsx"
REPORT_JSON = HERE / "thai_fastener_plant_report.json"


def _round(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else float(f"{value:.12g}")
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_round(v) for v in value]
    return value


def expected_results(path: Path) -> dict[str, Any]:
    """The expected results of the example workbook at ``path``."""
    from cbamcalc.cost import cost_from_run
    from cbamcalc.default_values import default_value
    from cbamcalc.io.exporter_workbook import read_input_workbook
    from cbamcalc.pipeline import run_installation

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = read_input_workbook(path)
        result = run_installation(data.installation, on_warning="ignore")
        cost = cost_from_run(result, data.exports[["process", "cn_code", "year", "quantity"]],
                             installation=data.installation, price="scenario:central")
    run = result.to_dict()
    run.pop("source_file", None)
    defaults = []
    for cn in dict.fromkeys(result.products["cn_code"]):
        dv = default_value(cn, "TH", 2026)
        defaults.append({"cn_code": cn, "country": "TH", "year": 2026, "direct": dv.direct,
                         "value_with_markup": dv.value_with_markup, "route": dv.route, "source": dv.source})
    by_year = cost.groupby("year")[["tonnes", "embedded_emissions_t", "certificates", "cost_eur", "cost_thb"]].sum()
    return _round({
        "about": "Expected results of examples/thai_fastener_plant.xlsx (ILLUSTRATIVE data of a fictitious plant). "
                 "Made by examples/make_examples.py; cost uses the shipped central price and EUR/THB scenarios, "
                 "which are not law.",
        "input": path.name,
        "cbamcalc_run": run,
        "default_values_2026": defaults,
        "cost_by_year": [{"year": int(y), **{k: float(v) for k, v in r.items()}} for y, r in by_year.iterrows()],
        "cost_basis": {"price": sorted(map(str, set(cost["price_basis"]))),
                       "eur_thb": sorted(map(str, set(cost["eur_thb_source"])))},
    })


def report_results(path: Path) -> tuple[Any, dict[str, Any]]:
    """The operator's report of the example workbook (production year 2026) and its JSON."""
    from cbamcalc.io.exporter_workbook import read_input_workbook
    from cbamcalc.io.report_inputs import read_report_inputs
    from cbamcalc.operator_report import build_report
    from cbamcalc.pipeline import run_installation

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = read_input_workbook(path)
        report = build_report(run_installation(data.installation, on_warning="ignore"), data.installation,
                              year=2026, inputs=read_report_inputs(path))
    return report, _round(report.to_dict())


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` verify) the example workbook and its expected results."""
    from cbamcalc.io.exporter_workbook import example_input, read_input_workbook, write_input_workbook

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="verify the committed files instead of writing them")
    args = p.parse_args(argv)
    if args.check:
        data = read_input_workbook(WORKBOOK)
        want = example_input()
        problems = []
        if [g.cn_code for g in data.installation.goods] != [g.cn_code for g in want.installation.goods]:
            problems.append(f"{WORKBOOK.name} differs from example_input()")
        if json.loads(EXPECTED.read_text(encoding="utf-8")) != expected_results(WORKBOOK):
            problems.append(f"{EXPECTED.name} differs from the results of {WORKBOOK.name}")
        if json.loads(REPORT_JSON.read_text(encoding="utf-8")) != report_results(WORKBOOK)[1]:
            problems.append(f"{REPORT_JSON.name} differs from the report of {WORKBOOK.name}")
        for msg in problems:
            print(f"make_examples: {msg}; run python examples/make_examples.py", file=sys.stderr)
        return 1 if problems else 0
    write_input_workbook(WORKBOOK, lang="both", example=True)
    EXPECTED.write_text(json.dumps(expected_results(WORKBOOK), ensure_ascii=False, indent=2) + "\n",
                        encoding="utf-8")
    from cbamcalc.io.operator_report_workbook import write_operator_report

    report, report_json = report_results(WORKBOOK)
    write_operator_report(report, REPORT, lang="th")
    REPORT_JSON.write_text(json.dumps(report_json, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {WORKBOOK.relative_to(HERE.parent)}, {EXPECTED.relative_to(HERE.parent)}, "
          f"{REPORT.relative_to(HERE.parent)} and {REPORT_JSON.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

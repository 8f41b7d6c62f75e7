"""``cbamcalc report``: the operator's emissions report and summary (IR (EU) 2025/2547 Annex IV), with SEFA.

A thin adapter: FILE is read and run as ``cbamcalc run`` does (:func:`cbamcalc.commands.run.compute`);
the report inputs the workbooks lack come from the input workbook's own Report_* sheets or from a
companion workbook (``--inputs``; a blank one with ``--new-inputs``); then
:func:`cbamcalc.operator_report.build_report` and
:func:`cbamcalc.io.operator_report_workbook.write_operator_report` (and ``--json``: the
documented JSON, schema ``cbamcalc/io/schemas/operator_report-1.0.json``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

__all__ = ["add_parser", "run", "FLAG_OF_FIELD"]

#: Library field -> the flag the user typed.
FLAG_OF_FIELD = {"year": "--year", "file": "FILE", "lang": "--lang"}


def add_parser(subparsers: Any, name: str, helptext: str) -> argparse.ArgumentParser:
    """Register ``cbamcalc report`` and its flags."""
    p = subparsers.add_parser(
        name, help=helptext, description=helptext,
        epilog="FILE is a cbamcalc input workbook or a filled EU Communication template. The report lists "
               "every Annex IV item as present, missing (with the input to fill) or not applicable; nothing "
               "missing is invented. Examples: cbamcalc report plant.xlsx --out report.xlsx --lang th; "
               "cbamcalc report EC_template.xlsx --inputs companion.xlsx --year 2026 --json; "
               "cbamcalc report EC_template.xlsx --new-inputs companion.xlsx",
    )
    p.add_argument("file", metavar="FILE", help="cbamcalc input workbook or filled Communication template (.xlsx)")
    p.add_argument("--out", metavar="REPORT.xlsx", help="write the report workbook")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.add_argument("--summary-only", action="store_true", help="only the summary report (Annex IV 1.2)")
    p.add_argument("--lang", choices=["en", "th"], default="en",
                   help="th adds Thai labels beside the English (the legal language); default en")
    p.add_argument("--year", type=int, help="production year of the SEFA, 2026-2034 (default: the reporting "
                                            "period's year; required for a period before 2026)")
    p.add_argument("--inputs", metavar="COMPANION.xlsx",
                   help="companion workbook with the report inputs (Report_Info, Report_Goods, Report_Precursors)")
    p.add_argument("--new-inputs", metavar="COMPANION.xlsx",
                   help="write a blank companion workbook for FILE (its goods and precursors listed) and stop")
    from .run import add_reading_flags

    add_reading_flags(p)
    return p


def _check(args: argparse.Namespace) -> None:
    from ..errors import InputError
    from ..io.atomic import check_target

    if not (args.out or args.json or args.new_inputs):
        raise InputError(field="--out", expected="--out REPORT.xlsx, --json or --new-inputs FILE", found=None)
    inputs = (args.file, args.inputs)
    for flag, target in (("--out", args.out), ("--new-inputs", args.new_inputs)):
        if target:
            check_target(target, flag=flag, inputs=inputs)
    if args.year is not None:
        from ..benchmarks import benchmark_indicator

        benchmark_indicator(args.year, field="--year")  # the production-year check the SEFA will make


def run(args: argparse.Namespace) -> int:
    """Run the command; returns the exit status (errors are raised as CbamError)."""
    from ..io.report_inputs import read_report_inputs, write_report_inputs
    from .run import compute, reading_args

    _check(args)
    run_args = reading_args(args.file, lenient=args.lenient, allow_other_versions=args.allow_other_versions)
    if args.new_inputs:
        outcome = compute(run_args)
        write_report_inputs(args.new_inputs, installation=outcome.installation, lang=args.lang)
        print(f"cbamcalc report: blank report inputs written to {args.new_inputs}", file=sys.stderr)
        return 0
    inputs = read_report_inputs(args.inputs, required=True) if args.inputs else None
    outcome = compute(run_args)
    if inputs is None and outcome.kind == "cbamcalc":
        inputs = read_report_inputs(args.file)
    if outcome.kind != "cbamcalc":  # the EU template holds most sector parameters (Summary_Products!P:AK)
        from ..io.report_inputs import with_template_parameters

        inputs = with_template_parameters(inputs, args.file, outcome.installation)
    from ..operator_report import build_report

    report = build_report(outcome.result, outcome.installation, year=args.year, inputs=inputs)
    if args.out:
        from ..io.operator_report_workbook import write_operator_report

        write_operator_report(report, args.out, lang=args.lang, summary_only=args.summary_only,
                              label=f"--out {args.out}")
    if args.json:
        print(json.dumps(report_json(report, summary_only=args.summary_only), ensure_ascii=False, indent=2))
    missing = report.missing()
    print(f"cbamcalc report: {len(report.goods)} goods; {len(missing)} Annex IV items missing input "
          "(sheet Missing)", file=sys.stderr)
    return 0


def report_json(report: Any, *, summary_only: bool = False) -> dict[str, Any]:
    """The ``--json`` object: :meth:`OperatorReport.to_dict`, only section 1.2 with ``summary_only``."""
    data = report.to_dict()
    if summary_only:
        data["items"] = [i for i in data["items"] if i["section"] == "1.2"]
        data["missing"] = [i for i in data["missing"] if i["section"] == "1.2"]
        for key in ("processes", "precursors", "precursor_terms", "source_streams"):
            data[key] = []
    return data

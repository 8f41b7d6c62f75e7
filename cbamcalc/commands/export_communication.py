"""``cbamcalc export-communication IN --out FILLED.xlsx``: the EU Communication template, filled.

IN is a cbamcalc input workbook (``cbamcalc template new``) or a filled Communication template
(v2.1 or v2.1.1, e.g. to move it onto v2.1.1); the kind is detected. A thin adapter over
:func:`cbamcalc.io.communication_writer.export_communication`: only the template's input cells
are written; the file is written whole or not at all and never over IN.
"""

from __future__ import annotations

import argparse
import warnings
from typing import Any

__all__ = ["add_parser", "run"]


#: Library field -> the flag the user typed (cbamcalc.cli prints errors with the flag).
FLAG_OF_FIELD = {"out": "--out", "allow_other_versions": "--allow-other-versions"}


def add_parser(subparsers: Any, name: str, helptext: str) -> argparse.ArgumentParser:
    """Register ``cbamcalc export-communication`` and its flags."""
    p = subparsers.add_parser(
        name, help=helptext, description=helptext + " (Commission template v2.1.1, input cells only).",
        epilog="Example: cbamcalc export-communication my_plant.xlsx --out communication.xlsx. Excel recalculates "
               "the template when the file is opened; --recalculate stores the results now (needs LibreOffice).",
    )
    p.add_argument("input", metavar="IN", help="cbamcalc input workbook or filled Communication template (.xlsx)")
    p.add_argument("--out", required=True, metavar="FILLED.xlsx", help="the filled template to write")
    p.add_argument("--recalculate", action="store_true",
                   help="recalculate with LibreOffice so that the file stores the template's results")
    p.add_argument("--allow-other-versions", action="store_true",
                   help="read a Communication template version other than v2.1/v2.1.1 with the v2.1.1 layout")
    return p


def run(args: argparse.Namespace) -> int:
    """Read IN, write the filled template; returns the exit status (errors are raised as CbamError)."""
    import sys

    from ..io.atomic import check_target
    from ..io.communication_writer import export_communication, extras_from_input, template_extras
    from ..io.exporter_workbook import detect_format, read_input_workbook

    check_target(args.out, flag="--out", inputs=(args.input,))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if detect_format(args.input) == "cbamcalc":
            data = read_input_workbook(args.input)
            installation = data.installation
            details, routes = extras_from_input(data)
            kind = "cbamcalc input workbook"
        else:
            from ..io.communication_template import read_communication_template

            installation = read_communication_template(args.input, allow_other_versions=args.allow_other_versions)
            details, routes = template_extras(args.input)
            kind = f"Communication template v{installation.template_version}"
        out = export_communication(installation, args.out, details=details, routes=routes, input_path=args.input,
                                   recalculate=args.recalculate)
    print(f"wrote {out}: Communication template v2.1.1 filled from {args.input} ({kind}); "
          f"{len(installation.processes)} processes, {len(installation.purchased_precursors)} purchased precursors, "
          f"{len(installation.goods)} goods")
    for w in caught:
        if issubclass(w.category, UserWarning):
            print(f"cbamcalc export-communication: warning: {w.message}", file=sys.stderr)
    return 0

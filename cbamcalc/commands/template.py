"""``cbamcalc template new PATH``: a cbamcalc input workbook to fill in (English, Thai or both).

A thin adapter over :func:`cbamcalc.io.exporter_workbook.write_input_workbook`. The workbook is
written whole or not at all; an existing file is kept unless ``--force`` is given.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..errors import OutputError

__all__ = ["add_parser", "run"]


#: Library field -> the flag the user typed (cbamcalc.cli prints errors with the flag).
FLAG_OF_FIELD = {"lang": "--lang"}


def add_parser(subparsers: Any, name: str, helptext: str) -> argparse.ArgumentParser:
    """Register ``cbamcalc template`` and its action ``new``."""
    p = subparsers.add_parser(
        name, help=helptext, description=helptext,
        epilog="Example: cbamcalc template new my_plant.xlsx --lang both. Fill it in, then run "
               "'cbamcalc run my_plant.xlsx --out results.xlsx' or "
               "'cbamcalc export-communication my_plant.xlsx --out communication.xlsx'.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    new = actions.add_parser("new", help="write a new input workbook", description="write a new input workbook")
    new.add_argument("path", metavar="PATH", help="workbook to create (.xlsx)")
    new.add_argument("--lang", choices=["en", "th", "both"], default="en",
                     help="language of labels, instructions and drop-down entries (default en)")
    new.add_argument("--example", action="store_true",
                     help="fill the input sheets with the illustrative Thai fastener plant")
    new.add_argument("--force", action="store_true", help="replace PATH if it exists")
    return p


def run(args: argparse.Namespace) -> int:
    """Write the workbook; returns the exit status (errors are raised as CbamError)."""
    from ..io.atomic import check_target
    from ..io.exporter_workbook import write_input_workbook

    target = Path(args.path)
    check_target(target, flag="PATH")
    if target.exists() and not args.force:
        raise OutputError(f"{target} exists; choose another name or pass --force to replace it")
    out = write_input_workbook(target, lang=args.lang, example=args.example)
    print(f"wrote {out} (cbamcalc input workbook, language {args.lang}{', with the example' if args.example else ''})")
    return 0

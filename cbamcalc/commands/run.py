"""``cbamcalc run``: SEE per production process and per good from a filled Communication template.

A thin adapter: :func:`cbamcalc.io.communication_template.read_communication_template`, then
:func:`cbamcalc.pipeline.run_installation`; prints a readable table, or with ``--json``
one JSON object (:meth:`cbamcalc.result.InstallationResult.to_dict`); ``--out`` writes a
plain results workbook (whole or nothing: a temporary file in the target folder, then
``os.replace``; never over the input).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

from ..errors import OutputError

__all__ = ["add_parser", "run", "write_results_workbook"]


def add_parser(subparsers: Any, name: str, helptext: str) -> argparse.ArgumentParser:
    """Register ``cbamcalc run`` and its flags."""
    p = subparsers.add_parser(
        name, help=helptext, description=helptext,
        epilog="FILE is a filled EU Communication template for installations (v2.1 or v2.1.1). Only its input "
               "cells are read; SEE are computed as the template's own formulas define them. Example: "
               "cbamcalc run EC_v2.1_example3_steel2_EAF_alloys_FILLED.xlsx --json",
    )
    p.add_argument("file", metavar="FILE", help="filled Communication template (.xlsx)")
    p.add_argument("--json", action="store_true", help="print one JSON object (processes, products, totals)")
    p.add_argument("--out", metavar="RESULTS.xlsx", help="also write the results to a new workbook")
    p.add_argument("--lenient", action="store_true",
                   help="report CN codes that are not CBAM goods or not of their process's category as "
                        "warnings instead of errors")
    p.add_argument("--allow-other-versions", action="store_true",
                   help="read a template version other than v2.1/v2.1.1 with the v2.1.1 layout")
    return p


def run(args: argparse.Namespace) -> int:
    """Run the command; returns the exit status (errors are raised as CbamError)."""
    from ..io.communication_template import read_communication_template
    from ..pipeline import run_installation

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        installation = read_communication_template(args.file, allow_other_versions=args.allow_other_versions)
        result = run_installation(installation, strict=not args.lenient)
    for w in caught:
        if not issubclass(w.category, UserWarning) or str(w.message) in result.warnings:
            continue
        result.warnings.append(str(w.message))  # e.g. from a library beneath
    if args.out:
        write_results_workbook(result, args.out, input_path=args.file)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_table(result)
    for message in result.warnings:
        print(f"cbamcalc run: warning: {message}", file=sys.stderr)
    return 0


def _print_table(result: Any) -> None:
    import pandas as pd

    pr = result.processes
    table = pd.DataFrame({
        "process": pr["name"], "category": pr["aggregated_goods_category"],
        "activity [t]": pr["activity_level"].map("{:,.0f}".format),
        "SEE dir": pr["see_direct"].map("{:.6f}".format), "SEE ind": pr["see_indirect"].map("{:.6f}".format),
        "SEE tot": pr["see_total"].map("{:.6f}".format),
        "el. [MWh/t]": pr["embedded_electricity"].map("{:.6f}".format),
    })
    g = result.products
    goods = pd.DataFrame({
        "process": g["process"], "CN": g["cn_code"], "product": g["product"],
        "SEE dir": g["see_direct"].map("{:.6f}".format), "SEE ind": g["see_indirect"].map("{:.6f}".format),
        "SEE tot": g["see_total"].map("{:.6f}".format),
        "default share": g["default_share"].map(lambda v: "" if v != v else f"{v:.2%}"),
    })
    print(f"{result.source_file} (Communication template v{result.template_version}); SEE in tCO2e/t")
    print("\nProduction processes")
    print(table.to_string() if len(table) else "  (none)")
    print("\nGoods (Summary_Products order)")
    print(goods.to_string(index=False) if len(goods) else "  (none)")
    t = result.totals
    print(f"\nInstallation: direct {t.direct:,.1f} tCO2e, indirect "
          f"{'-' if t.indirect != t.indirect else format(t.indirect, ',.1f')} tCO2e; "
          f"not attributed to processes: direct {t.unattributed_direct:,.1f}, "
          f"indirect {t.unattributed_indirect:,.1f} tCO2e")
    print(f"cbamcalc {result.cbamcalc_version}, reference data {result.data_version}")


def write_results_workbook(result: Any, path: str | os.PathLike[str], *,
                           input_path: str | os.PathLike[str] | None = None) -> Path:
    """Write a plain results workbook: Products, Processes, Purchased precursors, Totals, About.

    Parameters
    ----------
    result : InstallationResult
        What to write.
    path : str or os.PathLike
        Target ``.xlsx``; replaced whole or not at all.
    input_path : str or os.PathLike, optional
        The input file; writing over it is refused.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    OutputError
        When the target is the input file, or cannot be written (nothing partial is left).
    """
    from openpyxl import Workbook

    target = Path(path)
    if input_path is not None and target.exists() and target.resolve() == Path(input_path).resolve():
        raise OutputError(f"--out {target}: refusing to write over the input file")
    if target.suffix.lower() != ".xlsx":
        raise OutputError(f"--out {target}: expected a file name ending in .xlsx")
    data = result.to_dict()
    wb = Workbook(write_only=True)

    def sheet(title: str, rows: list[dict[str, Any]]) -> None:
        ws = wb.create_sheet(title)
        keys = list(rows[0]) if rows else []
        ws.append(keys)
        for row in rows:
            ws.append([row[k] for k in keys])

    sheet("Products", data["products"])
    sheet("Processes", data["processes"])
    pp = result.purchased_precursors.reset_index().to_dict("records")
    sheet("Purchased precursors", [{k: _cell(v) for k, v in r.items()} for r in pp])
    sheet("Installation totals", [{"quantity": k, "value": v} for k, v in data["installation_totals"].items()])
    about = [{"item": k, "value": str(data[k])} for k in ("cbamcalc_version", "data_version", "template_version",
                                                           "source_file")]
    about += [{"item": "warning", "value": w} for w in data["warnings"]]
    about += [{"item": f"constant {k}", "value": str(v)} for k, v in data["constants_used"].items()]
    sheet("About", about)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(suffix=".xlsx", prefix=".cbamcalc-", dir=folder)
    except OSError as exc:
        raise OutputError(f"--out {target}: cannot write in {folder}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            wb.save(fh)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"--out {target}: cannot be written: {exc.strerror or exc}") from exc
    return target


def _cell(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value

"""``cbamcalc run``: SEE per production process and per good, from our workbook or the EU template.

A thin adapter. The input kind is detected
(:func:`cbamcalc.io.exporter_workbook.detect_format`): a cbamcalc input workbook
(:func:`~cbamcalc.io.exporter_workbook.read_input_workbook`, which also gives the tonnes
exported to the EU per year) or a filled Communication template
(:func:`~cbamcalc.io.communication_template.read_communication_template`); anything else is a
clear error. Then :func:`cbamcalc.pipeline.run_installation`; prints a readable table, or with
``--json`` one JSON object (:meth:`cbamcalc.result.InstallationResult.to_dict`, unchanged
contract). ``--out`` writes the results workbook
(:func:`cbamcalc.io.results_workbook.write_results_workbook`: SEE next to the default values,
cost per year 2026-2034 in EUR and THB when exports are given, charts, metadata), whole or not
at all and never over the input.

Several files or a folder (``cbamcalc run A.xlsx B.xlsx DIR/ --out summary.xlsx [--jobs N]``) are
computed by :mod:`cbamcalc.commands.run_batch`: each file as here, one summary, the failures listed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
import warnings
from pathlib import Path
from typing import Any

__all__ = ["RunOutcome", "add_parser", "add_reading_flags", "compute", "json_payload", "reading_args", "run",
           "save_results", "write_results_workbook"]


def add_parser(subparsers: Any, name: str, helptext: str) -> argparse.ArgumentParser:
    """Register ``cbamcalc run`` and its flags."""
    p = subparsers.add_parser(
        name, help=helptext, description=helptext,
        epilog="FILE is a cbamcalc input workbook (cbamcalc template new) or a filled EU Communication template "
               "for installations (v2.1 or v2.1.1); the kind is detected. Only input cells are read; SEE are "
               "computed as the template's own formulas define them. Examples: cbamcalc run my_plant.xlsx --out "
               "results.xlsx --lang th; cbamcalc run EC_v2.1_example3_steel2_EAF_alloys_FILLED.xlsx --json",
    )
    p.add_argument("file", metavar="FILE", nargs="+",
                   help="cbamcalc input workbook or filled Communication template (.xlsx); several files or folders "
                        "(their .xlsx files) give one summary of SEE per good per file, failures listed")
    p.add_argument("--json", action="store_true", help="print one JSON object (processes, products, totals)")
    p.add_argument("--out", metavar="RESULTS.xlsx",
                   help="also write the results workbook (with charts); with several files, the summary workbook")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="several files: computed in N worker processes (default 1)")
    p.add_argument("--quiet", action="store_true", help="several files: no progress bar on stderr")
    p.add_argument("--lang", choices=["en", "th"], default="en", help="language of the results workbook (default en)")
    add_reading_flags(p)
    price = p.add_mutually_exclusive_group()
    price.add_argument("--price", type=float, help="certificate price for every year [EUR/tCO2e] (cost of exports)")
    price.add_argument("--price-scenario", choices=["low", "central", "high"],
                       help="shipped price scenario, not law (default central)")
    p.add_argument("--eur-thb", type=float, help="exchange rate [THB per EUR] (default: scenario central)")
    return p


def add_reading_flags(p: argparse.ArgumentParser) -> None:
    """The flags of how FILE is read (``--lenient``, ``--allow-other-versions``); ``report`` reads FILE alike."""
    p.add_argument("--lenient", action="store_true",
                   help="report CN codes that are not CBAM goods or not of their process's category as "
                        "warnings instead of errors")
    p.add_argument("--allow-other-versions", action="store_true",
                   help="read a template version other than v2.1/v2.1.1 with the v2.1.1 layout")


def reading_args(file: str, *, lenient: bool = False, allow_other_versions: bool = False) -> argparse.Namespace:
    """The arguments of ``cbamcalc run FILE`` with the reading flags only (no cost, no --out), for :func:`compute`."""
    return argparse.Namespace(file=file, lenient=lenient, allow_other_versions=allow_other_versions, price=None,
                              price_scenario=None, eur_thb=None, out=None)


@dataclasses.dataclass
class RunOutcome:
    """What ``cbamcalc run`` computed: the result, the cost of the exports and the input read."""

    result: Any
    """:class:`cbamcalc.result.InstallationResult`, its warnings completed with those of the libraries beneath."""
    cost: Any
    """Cost per good and year of the tonnes exported (:func:`cbamcalc.cost.cost_from_run`, labelled), or None."""
    installation: Any
    """The :class:`cbamcalc.model.Installation` read from FILE."""
    kind: str
    """``"cbamcalc"`` (our input workbook) or ``"communication"`` (the EU template)."""


#: Library field -> the flag the user typed (cbamcalc.cli prints errors with the flag).
FLAG_OF_FIELD = {"price": "--price", "eur_thb": "--eur-thb", "lang": "--lang", "file": "FILE"}

#: Flags of a single run that a summary of several files has no use for (it holds SEE, not cost).
SINGLE_FILE_FLAGS = {"price": "--price", "price_scenario": "--price-scenario", "eur_thb": "--eur-thb"}


def single_file(args: argparse.Namespace) -> str:
    """The one FILE of ``args`` (``FILE`` is a list when parsed by :func:`add_parser`)."""
    if isinstance(args.file, list):
        if len(args.file) != 1:
            from ..errors import InputError

            raise InputError(field="file", expected="one workbook", found=" ".join(args.file))
        args.file = args.file[0]
    return str(args.file)


def check_flags(args: argparse.Namespace) -> None:
    """Refuse bad flag values before reading anything: non-finite or negative numbers, an unusable --out."""
    from ..errors import InputError

    if args.price is not None and not (math.isfinite(args.price) and args.price >= 0):
        raise InputError(field="--price", expected="a finite number of 0 or more [EUR/tCO2e]", found=args.price)
    if args.eur_thb is not None and not (math.isfinite(args.eur_thb) and args.eur_thb > 0):
        raise InputError(field="--eur-thb", expected="a finite number more than 0 [THB per EUR]",
                         found=args.eur_thb)
    if getattr(args, "out", None):
        from ..io.atomic import check_target

        check_target(args.out, flag="--out", inputs=(single_file(args),))


def compute(args: argparse.Namespace) -> RunOutcome:
    """Read FILE and run the installation as ``cbamcalc run`` does (errors are raised as CbamError)."""
    from ..errors import InputError
    from ..io.exporter_workbook import detect_format, in_user_terms, read_input_workbook
    from ..pipeline import run_installation

    single_file(args)
    check_flags(args)
    kind = detect_format(args.file)
    data = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if kind == "cbamcalc":
            data = read_input_workbook(args.file)
            installation = data.installation
        else:
            from ..io.communication_template import read_communication_template

            installation = read_communication_template(args.file, allow_other_versions=args.allow_other_versions)
        try:
            result = run_installation(installation, strict=not args.lenient)
        except InputError as exc:  # the engine names the template's sheets; our workbook has its own
            relocated = in_user_terms(exc, installation.source_file) if kind == "cbamcalc" else exc
            if relocated is exc:
                raise
            raise relocated from exc
        cost = _cost(result, data, args)
    for w in caught:
        if not issubclass(w.category, UserWarning) or str(w.message) in result.warnings:
            continue
        if cost is not None and str(w.message) in (cost.attrs.get("warnings") or []):
            continue
        result.warnings.append(str(w.message))  # e.g. from a library beneath
    return RunOutcome(result, cost, installation, kind)


def json_payload(args: argparse.Namespace) -> dict[str, Any]:
    """What ``cbamcalc run --json`` prints (:meth:`cbamcalc.result.InstallationResult.to_dict`)."""
    return compute(args).result.to_dict()


def save_results(outcome: RunOutcome, args: argparse.Namespace) -> Path:
    """Write the results workbook of ``--out`` in ``--lang`` for a computed run."""
    return write_results_workbook(outcome.result, args.out, input_path=single_file(args), lang=args.lang,
                                  cost=outcome.cost, country=outcome.installation.country,
                                  input_format="cbamcalc input workbook" if outcome.kind == "cbamcalc" else
                                  "EU Communication template")


def run(args: argparse.Namespace) -> int:
    """Run the command; returns the exit status (errors are raised as CbamError)."""
    if isinstance(args.file, list) and _several(args):
        from . import run_batch

        return run_batch.run(args)
    outcome = compute(args)
    result = outcome.result
    if args.out:
        save_results(outcome, args)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_table(result)
        if outcome.cost is not None:
            _print_cost(outcome.cost)
    for message in result.warnings:
        print(f"cbamcalc run: warning: {message}", file=sys.stderr)
    return 0


def _several(args: argparse.Namespace) -> bool:
    """True for several files or a folder (where the flags of a single run's cost are refused)."""
    from ..errors import InputError
    from .run_batch import is_batch

    if is_batch(args.file):
        for name, flag in SINGLE_FILE_FLAGS.items():
            if getattr(args, name, None) is not None:
                raise InputError(field=flag, expected="a single FILE (the summary of several files has no cost)",
                                 found=getattr(args, name))
        if args.lang != "en":
            raise InputError(field="--lang", expected="a single FILE (the summary is in English)", found=args.lang)
        return True
    return False


def _cost(result: Any, data: Any, args: argparse.Namespace) -> Any:
    """Cost per good and year of the tonnes exported (our workbook only), labelled per good."""
    if data is None or not len(data.exports):
        return None
    from ..cost import cost_from_run

    if args.price is not None:
        price: Any = args.price
    else:
        price = f"scenario:{args.price_scenario or 'central'}"
    from ..errors import CbamError

    # goods of one process with one CN code have one SEE: their tonnes are costed together
    e = data.exports
    keys = ["process", "cn_code", "year"]
    exports = e.groupby(keys, sort=False, as_index=False)["quantity"].sum()
    names: dict[tuple[str, str], list[str]] = {}
    for _, row in e.iterrows():
        n = str(row["product"] or "").strip() or str(row["process"])
        names.setdefault((row["process"], row["cn_code"]), [])
        if n not in names[(row["process"], row["cn_code"])]:
            names[(row["process"], row["cn_code"])].append(n)
    unique = dataclasses.replace(result, products=result.products.drop_duplicates(["process", "cn_code"]))
    try:
        cost = cost_from_run(unique, exports, installation=data.installation, price=price, eur_thb=args.eur_thb)
    except CbamError as exc:  # the SEE stand; the cost needs what the workbook does not give
        result.warnings.append(f"cost of the exports not computed: {exc}")
        return None
    labels = {}
    for label, row in exports.iterrows():
        cn = str(row["cn_code"])
        labels[label] = f"{cn[:4]} {cn[4:6]} {cn[6:8]} " + " + ".join(names[(row["process"], row["cn_code"])])
    cost["label"] = [labels[g] for g in cost["good"]]
    return cost


def _print_cost(cost: Any) -> None:
    by_year = cost.groupby("year")[["certificates", "cost_eur", "cost_thb"]].sum()
    print("\nCBAM cost of the tonnes exported to the EU (sheet Goods & exports)")
    for year, r in by_year.iterrows():
        print(f"  {year}: {r['certificates']:>12,.1f} certificates  EUR {r['cost_eur']:>14,.0f}  "
              f"THB {r['cost_thb']:>16,.0f}")
    bases = "; ".join(dict.fromkeys(map(str, cost["price_basis"])))
    print(f"  price: {bases}; EUR/THB: {cost['eur_thb_source'].iloc[0]} (scenarios, not law)")


def write_results_workbook(result: Any, path: str | os.PathLike[str], *,
                           input_path: str | os.PathLike[str] | None = None, **kwargs: Any) -> Path:
    """Write the results workbook; see :func:`cbamcalc.io.results_workbook.write_results_workbook`."""
    from ..io.results_workbook import write_results_workbook as _write

    return _write(result, path, input_path=input_path, **kwargs)


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
    kind = (f"Communication template v{result.template_version}" if result.template_version
            else "cbamcalc input workbook")
    print(f"{result.source_file} ({kind}); SEE in tCO2e/t")
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


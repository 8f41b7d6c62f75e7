"""``cbamcalc exposure``: sector exposure of trade flows under scenarios, with Monte Carlo and an Excel report.

A thin adapter over :func:`cbamcalc.exposure.run_exposure`: read the flows and the scenario file,
run, write the report (and PNG charts), print a summary or JSON. The progress bar is plain text
on stderr (no extra dependency), drawn only on a terminal or with ``--progress``.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

_DESCRIPTION = """\
What CBAM will cost exports to the EU, per sector and CN code, 2026-2034: trade flows x default or
actual intensities x certificate-price paths x the CBAM-factor phase-out of free allocation, in EUR
and THB, with scenario comparison, one-at-a-time sensitivity (tornado) and Monte Carlo percentiles.
Every price, rate and distribution is a scenario assumption, never law."""

_EPILOG = """\
example:
  cbamcalc exposure examples/thai_trade_flows_comext.csv --scenarios examples/exposure_scenarios.toml \\
      --out exposure.xlsx --draws 10000 --seed 42
"""


def add_parser(subparsers: Any, name: str, helptext: str) -> argparse.ArgumentParser:
    """Register the ``exposure`` sub-command."""
    p = subparsers.add_parser(name, help=helptext, description=_DESCRIPTION, epilog=_EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("flows", metavar="FLOWS",
                   help="trade flows: CSV or Excel, tidy / Eurostat Comext CN8 / UN Comtrade HS6 layout")
    p.add_argument("--scenarios", metavar="FILE", help="scenario file (TOML); default: shipped low/central/high paths")
    p.add_argument("--out", metavar="REPORT.xlsx", help="write the Excel report with charts")
    p.add_argument("--draws", type=int, metavar="N", help="Monte Carlo draws (0: none; default: the scenario file's)")
    p.add_argument("--seed", type=int, metavar="S", help="Monte Carlo seed (default: the scenario file's)")
    p.add_argument("--json", action="store_true", help="print the results as one JSON object")
    p.add_argument("--png", metavar="DIR", help="also write PNG charts into DIR (needs matplotlib)")
    p.add_argument("--layout", default="auto", metavar="NAME",
                   help="layout of FLOWS: auto, tidy, comext, comext_legacy, comtrade, comtrade_mirror")
    p.add_argument("--sheet", metavar="NAME", help="worksheet of an Excel FLOWS file (default: the first)")
    p.add_argument("--non-cbam", choices=("error", "drop"), default="error",
                   help="CN codes that are not CBAM goods: refuse (default) or drop")
    p.add_argument("--usd-per-eur", type=float, metavar="RATE",
                   help="USD per EUR, to convert UN Comtrade values (a stated rate, not law)")
    p.add_argument("--base-year", metavar="YEAR", help="trade year projected: a year, 'latest' or 'mean'")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: only on a terminal)")
    return p


class _Bar:
    """Plain-text progress bar on stderr: ``[#####.....]  50% monte carlo``."""

    def __init__(self, enabled: bool, width: int = 30) -> None:
        self.enabled = enabled
        self.width = width
        self.last = 0.0
        self.stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if stage == self.stage and done < total and now - self.last < 0.1:
            return
        self.last, self.stage = now, stage
        frac = done / total if total else 1.0
        fill = int(round(frac * self.width))
        sys.stderr.write(f"\r[{'#' * fill}{'.' * (self.width - fill)}] {frac:4.0%} {stage:<12}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


#: Library field -> the flag the user typed (cbamcalc.cli prints errors with the flag).
FLAG_OF_FIELD = {"draws": "--draws", "seed": "--seed", "usd_per_eur": "--usd-per-eur", "layout": "--layout",
                 "non_cbam": "--non-cbam", "base_year": "--base-year", "sheet": "--sheet"}


def _base_year(text: str | None) -> Any:
    if text is None:
        return None
    if text in ("latest", "mean"):
        return text
    from ..errors import InputError

    try:
        year = int(text)
    except ValueError as exc:
        raise InputError(field="--base-year", expected="a year, 'latest' or 'mean'", found=text) from exc
    if not 1900 <= year <= 2100:
        raise InputError(field="--base-year", expected="a trade year between 1900 and 2100, 'latest' or 'mean'",
                         found=text)
    return year


def _check_flags(args: argparse.Namespace) -> None:
    """Refuse bad flag values before reading anything (draws are checked before any allocation)."""
    import math
    from pathlib import Path

    from ..errors import InputError
    from ..io.atomic import check_target
    from ..scenarios import MAX_DRAWS

    if args.draws is not None and not 0 <= args.draws <= MAX_DRAWS:
        raise InputError(field="--draws", expected=f"an integer >= 0 and at most {MAX_DRAWS:,} (memory grows with "
                         "the draws)", found=args.draws)
    if args.seed is not None and not 0 <= args.seed < 2**63:
        raise InputError(field="--seed", expected="an integer >= 0", found=args.seed)
    if args.usd_per_eur is not None and not (math.isfinite(args.usd_per_eur) and args.usd_per_eur > 0):
        raise InputError(field="--usd-per-eur", expected="a finite rate more than 0 [USD/EUR]",
                         found=args.usd_per_eur)
    _base_year(args.base_year)
    inputs = (args.flows, args.scenarios)
    if args.out:
        check_target(args.out, flag="--out", inputs=inputs)
    if args.png and not Path(args.png).is_dir():
        raise InputError(field="--png", expected="an existing folder for the PNG charts", found=args.png)


def run(args: argparse.Namespace) -> int:
    """Run the command; returns the exit status."""
    import json
    import os
    import warnings

    from ..exposure import run_exposure
    from ..io.trade_flows import read_trade_flows
    from ..scenarios import default_scenarios, read_scenarios

    _check_flags(args)
    show = args.progress if args.progress is not None else sys.stderr.isatty()
    bar = _Bar(bool(show))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        flows = read_trade_flows(args.flows, layout=args.layout, sheet=args.sheet, non_cbam=args.non_cbam,
                                 usd_per_eur=args.usd_per_eur)
        sset = read_scenarios(args.scenarios) if args.scenarios else default_scenarios()
        result = run_exposure(flows, sset, draws=args.draws, seed=args.seed, base_year=_base_year(args.base_year),
                              progress=bar)
    notes = list(dict.fromkeys([*flows.attrs.get("notes", []), *result.warnings,
                                *(str(w.message) for w in caught if issubclass(w.category, UserWarning))]))
    written = []
    if args.out:
        from ..io.exposure_report import write_exposure_report

        written.append(str(write_exposure_report(result, args.out)))
    if args.png:
        from ..io.exposure_report import write_png_charts

        written.extend(str(p) for p in write_png_charts(result, args.png))
    if args.json:
        payload = result.to_dict()
        payload["input"] = {"file": os.fspath(args.flows), "layout": flows.attrs.get("layout"),
                            "rows_read": flows.attrs.get("rows_read"), "notes": flows.attrs.get("notes", [])}
        payload["written"] = written
        print(json.dumps(payload, ensure_ascii=False, allow_nan=False))
    else:
        _print_summary(result, {str(k): v for k, v in flows.attrs.items()}, written)
    for note in notes:
        print(f"cbamcalc exposure: note: {note}", file=sys.stderr)
    return 0


def _print_summary(result: Any, attrs: dict[str, Any], written: list[str]) -> None:
    """A readable summary on stdout."""
    tot = result.total
    print(f"CBAM exposure: {attrs.get('rows_kept', result.n_rows)} flow rows ({attrs.get('layout')}), "
          f"base year {result.base_year}, scenario '{result.base_scenario}' (scenario values, not law); "
          f"data {result.data_version}")
    print(f"{'year':>6} {'certificates [t]':>18} {'price [EUR/t]':>14} {'cost [EUR]':>16} {'cost [THB]':>18}")
    for _, r in tot.iterrows():
        print(f"{int(r['year']):>6} {r['certificates']:>18,.0f} {r['price_eur']:>14,.2f} {r['cost_eur']:>16,.0f} "
              f"{r['cost_thb']:>18,.0f}")
    by = result.by_sector
    y = 2030 if 2030 in set(by["year"]) else int(by["year"].max())
    print(f"\nby sector, {y}:")
    for _, r in by[by["year"] == y].iterrows():
        share = r["cost_share_of_value"]
        share_txt = f"{share:.2%} of export value" if share == share else "no export value"
        print(f"  {r['sector']:<16} {r['cost_eur']:>16,.0f} EUR {r['cost_eur_per_t']:>10,.2f} EUR/t  {share_txt}")
    if result.tornado is not None and len(result.tornado):
        t = result.tornado
        print(f"\nwhat moves the {int(t['year'].iloc[0])} {t['metric'].iloc[0]} most:")
        for _, r in t.iterrows():
            print(f"  {r['parameter']:<13} {r['low']:>18,.0f} .. {r['high']:>18,.0f}  "
                  f"({r['low_label']} .. {r['high_label']})")
    if result.montecarlo is not None:
        mc = result.montecarlo
        a = mc[(mc["sector"] == "All sectors") & (mc["metric"] == "cost_thb") & (mc["year"] == y)]
        if len(a):
            r = a.iloc[0]
            pcols = [c for c in mc.columns if c.startswith("p") and c[1:].replace(".", "").isdigit()]
            vals = ", ".join(f"{c.upper()} {r[c]:,.0f}" for c in pcols)
            print(f"\nMonte Carlo ({mc.attrs.get('draws')} draws, seed {mc.attrs.get('seed')}), all sectors, "
                  f"{y} [THB]: {vals}")
    for w in written:
        print(f"wrote {w}")

"""``cbamcalc cost``: CBAM certificates and cost of a good per year, 2026-2034, in EUR and THB.

A thin adapter over :func:`cbamcalc.cost.cbam_cost_rows` (the computation of
:func:`cbamcalc.cost.cbam_cost` on plain columns): parse the flags, build the one good's columns,
print a readable table by year (or ``--json``, a list of objects, one per year). A good on default
values or on actual SEE given by flags never imports pandas, so a single call starts fast (issue 12);
``--from-run``, ``--precursor`` and price or rate paths bring pandas in where they need it.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings
from typing import TYPE_CHECKING, Any

from ..errors import InputError

if TYPE_CHECKING:
    from ..cost import CostRows

#: Keys of every ``--json`` object, in order (the first 14 are the documented contract).
JSON_KEYS = [
    "year", "cn_code", "country", "tonnes", "see_used", "see_basis", "benchmark", "cbam_factor",
    "free_allocation_adjustment_t", "carbon_price_deduction_t", "certificates", "price_eur", "cost_eur", "cost_thb",
    "embedded_emissions_t", "indirect_counted", "clinker_content", "functional_unit_t", "actual_share",
    "see_actual", "see_default", "markup_rate", "default_route", "route", "benchmark_column", "benchmark_reason",
    "cscf", "sefa", "origin_price_eur", "price_basis", "eur_thb", "eur_thb_source", "de_minimis_exempt",
    "art9_note", "default_version", "data_version", "precursors_counted",
    "production_year", "benchmark_indicator", "art9_basis", "default_total",
]


#: Library fields of the one-row goods table -> the flag the user typed (cbamcalc.cli prints the flag).
FLAG_OF_FIELD = {
    "cn_code": "--cn", "quantity": "--tonnes", "country": "--country", "see_direct": "--see-direct",
    "see_indirect": "--see-indirect", "route": "--route", "default_route": "--default-route", "variant": "--variant",
    "actual_share": "--actual-share", "clinker_content": "--clinker-content", "production_year": "--production-year",
    "year": "--years", "years": "--years", "quarter": "--quarter", "price": "--price", "eur_thb": "--eur-thb",
    "origin_price": "--origin-price", "origin_share": "--origin-share", "origin_rebate": "--origin-rebate",
    "origin_currency": "--origin-price", "sefa": "--sefa", "default_carbon_price": "--default-carbon-price",
    "precursors": "--precursor", "cscf": "--cscf", "version": "--version",
}

#: Plausibility caps of numeric flags (not law: no default value of any CBAM good exceeds 30 tCO2e/t,
#: Annex IV of IR 2025/2621 as corrected; larger figures are typing errors).
_SEE_CAP = 1000.0
_TONNES_CAP = 1e12


def check_flags(args: argparse.Namespace) -> None:
    """Refuse non-finite, negative or absurd numbers in the flags before any look-up (one line each)."""
    checks = [
        ("tonnes", "--tonnes", 0.0, _TONNES_CAP, "tonnes >= 0"),
        ("see_direct", "--see-direct", 0.0, _SEE_CAP, f"an SEE in [0, {_SEE_CAP:g}] tCO2e/t"),
        ("see_indirect", "--see-indirect", 0.0, _SEE_CAP, f"an SEE in [0, {_SEE_CAP:g}] tCO2e/t"),
        ("sefa", "--sefa", 0.0, _SEE_CAP, f"a SEFA in [0, {_SEE_CAP:g}] tCO2e/t"),
        ("actual_share", "--actual-share", 0.0, 1.0, "a share in [0, 1]"),
        ("origin_share", "--origin-share", 0.0, 1.0, "a share in [0, 1]"),
        ("clinker_content", "--clinker-content", 0.0, 1.0, "t clinker per t cement in [0, 1]"),
        ("price", "--price", 0.0, 1e6, "a price >= 0 [EUR/tCO2e]"),
        ("eur_thb", "--eur-thb", 1e-9, 1e6, "a rate > 0 [THB per EUR]"),
        ("origin_rebate", "--origin-rebate", 0.0, 1e6, "a rebate >= 0 per tCO2e"),
        ("default_carbon_price", "--default-carbon-price", 0.0, 1e6, "a price >= 0 [EUR/tCO2e]"),
        ("cscf", "--cscf", 0.0, 1.0, "a factor in [0, 1]"),
    ]
    for attr, flag, lo, hi, expected in checks:
        v = getattr(args, attr, None)
        if v is not None and not (math.isfinite(v) and lo <= v <= hi):
            raise InputError(field=flag, expected=expected, found=v)


def add_parser(subparsers: Any, name: str, helptext: str) -> argparse.ArgumentParser:
    """Register ``cbamcalc cost`` and its flags."""
    p = subparsers.add_parser(
        name, help=helptext, description=helptext,
        epilog="Without actual SEE the EU default value (with the year's mark-up) is used. Without --price or "
               "--price-path the shipped scenario 'central' (not law) prices every year. Example: cbamcalc cost "
               "--cn 73181588 --country TH --tonnes 1000 --price 80 --eur-thb 38.5",
    )
    p.add_argument("--cn", help="CN code of the good (8 digits; spaces allowed)")
    p.add_argument("--country", help="country of origin (ISO code or name)")
    p.add_argument("--tonnes", type=float, help="net mass imported per year [t]")
    p.add_argument("--see-direct", type=float, help="actual direct SEE [tCO2e/t]")
    p.add_argument("--see-indirect", type=float, help="actual indirect SEE [tCO2e/t]")
    p.add_argument("--route", help="production route of the actual process (e.g. E, A, 1)")
    p.add_argument("--variant", help="default-value line for codes with several (clinker, hydraulic cements): "
                                     "white or grey")
    p.add_argument("--default-route", help="Column B route to use with default values when the default line's "
                                           "route has no benchmark row (e.g. 1 or 2 for stainless fasteners)")
    p.add_argument("--actual-share", type=float, help="share of the quantity with actual SEE, 0-1 (rest: defaults)")
    p.add_argument("--clinker-content", type=float,
                   help="cement: t clinker per t cement (the functional unit, IR 2025/2547 Annex I)")
    p.add_argument("--from-run", metavar="FILE", help="take actual SEE from an installation workbook (SEE engine); "
                                                       "the free-allocation adjustment adds its relevant precursors")
    p.add_argument("--precursor-cn", action="append", metavar="NAME=CN", default=[],
                   help="with --from-run: CN code of a precursor (name or id, e.g. 'PP2=7202 60 00') where its "
                        "benchmark depends on it (repeatable)")
    p.add_argument("--precursor-route", action="append", metavar="NAME=ROUTE", default=[],
                   help="with --from-run: production route of a precursor (e.g. 'Primary smelting=K') where its "
                        "benchmark depends on it (repeatable)")
    p.add_argument("--precursor", action="append", metavar="CN:T_PER_T[:ROUTE]", default=[],
                   help="with --see-direct for a complex good: a relevant precursor consumed, as CN code, tonnes per "
                        "tonne of good and, where its benchmark needs it, its route (e.g. '7207 11 14:1.05:E'; "
                        "repeatable; IR 2025/2620 Annex 3.3)")
    p.add_argument("--sefa", type=float, help="the good's SEFA from its producer's emissions report [tCO2e/t], "
                                              "instead of --precursor")
    p.add_argument("--own-process-only", action="store_true",
                   help="accept a complex good without its precursors: the adjustment counts the own process only "
                        "(a lower bound, said in a warning)")
    p.add_argument("--production-year", type=int, help="year the good was produced, 2026-2034 (default: the year of "
                                                       "import); selects benchmark (1) 2026-27 or (2) 2028-30")
    p.add_argument("--default-carbon-price", type=float,
                   help="the Commission's yearly default carbon price of the country [EUR/tCO2e]: the only Art. 9 "
                        "reduction allowed on default values (none published yet)")
    p.add_argument("--years", default="2026-2034", help="years of import: 2026-2034, 2027 or 2026,2030 (default)")
    p.add_argument("--quarter", type=int, help="2026 only: calendar quarter of import (published quarterly price)")
    grp = p.add_mutually_exclusive_group()
    grp.add_argument("--price", type=float, help="certificate price for every year [EUR/tCO2e]")
    grp.add_argument("--price-path", metavar="FILE", help="CSV of date or year and EUR/tCO2e")
    grp.add_argument("--price-scenario", choices=["low", "central", "high"],
                     help="shipped price scenario (default central when no price is given)")
    fx = p.add_mutually_exclusive_group()
    fx.add_argument("--eur-thb", type=float, help="exchange rate [THB per EUR] (default: scenario central)")
    fx.add_argument("--eur-thb-path", metavar="FILE", help="CSV of date or year and THB per EUR")
    p.add_argument("--origin-price", help="carbon price paid at origin per tCO2e: '12', '200 THB' or 'thai-excise' "
                                          "(Thai fuel-excise carbon tax, an uncertain Art. 9 scenario)")
    p.add_argument("--origin-share", type=float,
                   help="share of the actual embedded emissions the origin price covered, net of rebated emissions "
                        "(0-1); required with thai-excise")
    p.add_argument("--origin-rebate", type=float, help="rebate or compensation per tCO2e, same currency")
    p.add_argument("--cscf", type=float, help="cross-sectoral correction factor (default: assumption 1.0)")
    p.add_argument("--version", dest="dv_version", help="default-value version (default: the version in force)")
    p.add_argument("--json", action="store_true", help="print a JSON list of objects, one per year")
    return p


def _years(text: str) -> list[int]:
    """``--years`` as a list, checked against the CBAM factor's years (2026-2034) before anything is allocated.

    Later years need the library's own ``cbam_factor`` (:func:`cbamcalc.free_allocation.factor_years`).
    """
    from ..free_allocation import factor_years

    first, last = factor_years()
    t = str(text).strip()
    expected = f"years {first}-{last} such as {first}-{last}, 2027 or 2026,2030"
    try:
        if "-" in t:
            a, b = (int(x) for x in t.split("-", 1))
            bounds = [a, b]
        else:
            bounds = [int(x) for x in t.split(",") if x.strip()]
    except ValueError as exc:
        raise InputError(field="--years", expected=expected, found=t) from exc
    if not bounds or any(not first <= y <= last for y in bounds) or ("-" in t and bounds[1] < bounds[0]):
        raise InputError(field="--years", expected=expected, found=t)
    return list(range(bounds[0], bounds[1] + 1)) if "-" in t else bounds


def _pairs(values: list[str], flag: str) -> dict[str, str]:
    """``NAME=VALUE`` flags as a mapping (the last ``=`` splits, so names may hold one)."""
    out: dict[str, str] = {}
    for text in values or []:
        name, sep, value = str(text).rpartition("=")
        if not sep or not name.strip() or not value.strip():
            raise InputError(field=flag, expected="NAME=VALUE, e.g. 'PP2=7202 60 00'", found=text)
        out[name.strip()] = value.strip()
    return out


def _goods(args: argparse.Namespace) -> Any:
    """The one good's columns, and with ``--from-run`` or ``--precursor`` its precursor table."""
    if args.cn is None:
        raise InputError(field="--cn", expected="the CN code of the good", found=None)
    if args.tonnes is None:
        raise InputError(field="--tonnes", expected="the net mass imported [t]", found=None)
    if args.tonnes < 0 or not math.isfinite(args.tonnes):
        raise InputError(field="--tonnes", expected="tonnes >= 0", found=args.tonnes)
    row: dict[str, Any] = {"cn_code": args.cn, "quantity": args.tonnes}
    if args.country:
        row["country"] = args.country
    precursors = None
    if args.from_run:
        see, precursors = _see_from_run(args.from_run, args.cn, args.clinker_content,
                                        _pairs(args.precursor_cn, "--precursor-cn"),
                                        _pairs(args.precursor_route, "--precursor-route"))
        if args.country:
            see.pop("country", None)
        row.update(see)
        row["no_relevant_precursors"] = True  # the run lists every relevant precursor consumed
    elif args.precursor_cn or args.precursor_route:
        raise InputError(field="--precursor-cn/--precursor-route", expected="--from-run (precursors of a run)",
                         found=None)
    if args.see_direct is not None:
        row["see_direct"] = args.see_direct
    if args.see_indirect is not None:
        row["see_indirect"] = args.see_indirect
    if args.see_indirect is not None and args.see_direct is None and "see_direct" not in row:
        raise InputError(field="--see-direct", expected="the actual direct SEE with --see-indirect", found=None)
    for flag, key in (("route", "route"), ("default_route", "default_route"), ("variant", "variant"),
                      ("actual_share", "actual_share"), ("clinker_content", "clinker_content"),
                      ("quarter", "quarter"), ("origin_share", "origin_share"), ("origin_rebate", "origin_rebate"),
                      ("sefa", "sefa"), ("production_year", "production_year"),
                      ("default_carbon_price", "default_carbon_price")):
        val = getattr(args, flag)
        if val is not None:
            row[key] = val
    if args.origin_price is not None:
        from ..carbon_price import parse_origin_price

        amount, currency, thai = parse_origin_price(args.origin_price)
        row["origin_price"] = amount
        row["origin_currency"] = currency
        if thai:
            row["origin_scheme"] = "thai-excise"
    if args.own_process_only:
        row["own_process_only"] = True
    if args.precursor:
        if args.from_run:
            raise InputError(field="--precursor", expected="either --from-run or --precursor (the run has its own)",
                             found=args.precursor[0])
        precursors = _precursor_flags(args.precursor)
    return {k: [v] for k, v in row.items()}, precursors


def _precursor_flags(values: list[str]) -> Any:
    """``--precursor CN:T_PER_T[:ROUTE]`` flags as the precursor table of the one good (parent 0)."""
    import pandas as pd

    rows = []
    for text in values:
        parts = [x.strip() for x in str(text).split(":")]
        try:
            mass = float(parts[1]) if len(parts) in (2, 3) else math.nan
        except ValueError:
            mass = math.nan
        if not parts[0] or not (math.isfinite(mass) and mass >= 0):
            raise InputError(field="--precursor", expected="CN:T_PER_T[:ROUTE], e.g. '7207 11 14:1.05:E' with tonnes "
                             "of precursor per tonne of good >= 0", found=text)
        from ..cn_codes import normalise_cn

        try:
            normalise_cn(parts[0])
        except InputError as exc:
            raise InputError(field="--precursor", expected=f"CN:T_PER_T[:ROUTE] with {exc.expected}",
                             found=text) from exc
        rows.append({"parent": "0", "cn_code": parts[0], "mass_per_t": mass,
                     "route": parts[2] if len(parts) == 3 and parts[2] else None})
    out = pd.DataFrame(rows, index=[f"--precursor {t}" for t in values])
    out.attrs["warnings"] = []
    return out


def _see_from_run(path: str, cn: str, clinker_content: float | None, precursor_cn: dict[str, str] | None = None,
                  precursor_route: dict[str, str] | None = None) -> tuple[dict[str, Any], Any]:
    """Actual SEE of ``cn`` from a filled Communication template, through the SEE engine, and its precursors.

    Returns the ``cbam_cost`` goods columns (see :func:`cbamcalc.cost.see_from_run`) and the
    run's relevant precursors of the good (:func:`cbamcalc.precursor_allocation.precursors_from_run`,
    parent ``0``, the goods row); ``InputError`` names the file.
    """
    try:
        from ..io.communication_template import read_communication_template
        from ..pipeline import run_installation
    except ImportError as exc:  # pragma: no cover - the engine ships with cbamcalc
        raise InputError("--from-run needs the SEE engine (cbamcalc.pipeline), which is not installed",
                         file=path, field="--from-run") from exc
    import pandas as pd

    from ..cost import goods_from_run, see_from_run
    from ..precursor_allocation import precursors_from_run

    installation = read_communication_template(path)
    result = run_installation(installation, on_warning="ignore")
    see = see_from_run(result, cn, installation=installation, clinker_content=clinker_content, file=path)
    exports = pd.DataFrame({"cn_code": [cn], "quantity": [0.0]})
    if "clinker_content" in see:
        exports["clinker_content"] = [see["clinker_content"]]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            goods = goods_from_run(result, exports, installation=installation)
            precursors = precursors_from_run(result, goods, installation=installation, precursor_cn=precursor_cn,
                                             precursor_route=precursor_route)
    except InputError as exc:
        if exc.field in ("precursor_cn", "precursor_route"):
            flag = "--" + exc.field.replace("_", "-")
            raise InputError(f"{exc._free_text} (on the command line: {flag} 'NAME=VALUE')", file=path, field=flag,
                             expected=exc.expected, found=exc.found) from exc
        raise exc.located(file=path) from exc
    return see, precursors


def _fmt(v: Any, nd: int = 2) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, float):
        return f"{v:,.{nd}f}"
    return str(v)


def _table(res: CostRows) -> str:
    cols = [
        ("year", "year", 0), ("SEE t/t", "see_used", 3), ("basis", "see_basis", 0),
        ("emb. tCO2e", "embedded_emissions_t", 1),
        ("BM t/t", "benchmark", 3), ("CBAM f.", "cbam_factor", 3), ("FA adj. t", "free_allocation_adjustment_t", 1),
        ("Art.9 t", "carbon_price_deduction_t", 1), ("certificates", "certificates", 1), ("EUR/t", "price_eur", 2),
        ("cost EUR", "cost_eur", 0), ("cost THB", "cost_thb", 0),
    ]
    rows = [[h for h, _, _ in cols]]
    for rec in res.rows:
        rows.append([_fmt(rec[k], nd) if k != "year" else str(rec[k]) for _, k, nd in cols])
    widths = [max(len(r[i]) for r in rows) for i in range(len(cols))]
    lines = ["  ".join(c.ljust(w) if i == 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
             for r in rows]
    first = res.rows[0]
    origin = first["country"] if isinstance(first["country"], str) else "-"
    head = f"CBAM cost of CN {first['cn_code']} from {origin}, {_fmt(float(first['tonnes']), 1)} t per year"
    if first["clinker_content"] is not None and str(first["category"]) == "cement":
        head += f" ({_fmt(float(first['functional_unit_t']), 1)} t clinker contained)"
    bases = dict.fromkeys(str(r["price_basis"]) for r in res.rows)
    foot = [
        f"benchmark: {first['benchmark_reason']}",
        f"price: {', '.join(bases)}; EUR/THB: {first['eur_thb_source']} ({_fmt(float(first['eur_thb']), 2)})",
        f"data version {first['data_version']}; default values {_fmt(first['default_version'])}",
    ]
    if isinstance(first["art9_note"], str):
        foot.append(f"Art. 9: {first['art9_note']}")
    if any(r["de_minimis_exempt"] for r in res.rows):
        foot.append("de minimis: at or below 50 t a year (electricity, hydrogen excluded) the importer is exempt")
    if "precursors_counted" in first:
        foot.append(f"precursors counted: {first['precursors_counted'] or 'none'}")
    for w in res.warnings:
        foot.append(f"note: {w}")
    return "\n".join([head, "", *lines, "", *foot])


def _json_value(v: Any) -> Any:
    if v is None:
        return None
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def compute(args: argparse.Namespace) -> CostRows:
    """The cost rows of :func:`cbamcalc.cost.cbam_cost_rows` for parsed ``cost`` arguments."""
    from ..cost import cbam_cost_rows

    check_flags(args)
    goods, precursors = _goods(args)
    years = _years(args.years)
    if args.price is not None:
        price: Any = args.price
    elif args.price_path:
        price = args.price_path
    elif args.price_scenario:
        price = f"scenario:{args.price_scenario}"
    elif args.quarter is not None and years == [2026]:
        price = None  # published 2026 quarterly price
    else:
        price = "scenario:central"
    eur_thb: Any = args.eur_thb if args.eur_thb is not None else args.eur_thb_path
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cols = ["parent", "mass_per_t", "cn_code", "route"] if args.precursor else ["parent", "mass_per_t",
                                                                                    "benchmark_a"]
        table = None if precursors is None or not len(precursors) else precursors[cols]
        try:
            res = cbam_cost_rows(goods, years=years, price=price, eur_thb=eur_thb, cscf=args.cscf,
                                 version=args.dv_version, precursors=table)
        except InputError as exc:  # a precursor typed as --precursor: name that flag and what was typed
            if isinstance(exc.row, str) and exc.row.startswith("--precursor "):
                raise InputError(exc._free_text or str(exc), field="--precursor", expected=exc.expected,
                                 found=exc.row.removeprefix("--precursor ")) from exc
            raise
    if args.precursor:
        counted = "; ".join(f"CN {r.cn_code} x {r.mass_per_t:g} t/t" + (f" route {r.route}" if r.route else "")
                            for r in precursors.itertuples())
    elif precursors is not None:
        from ..precursor_allocation import describe

        counted = describe(precursors, ["0"])[0]
        res.warnings = [*res.warnings, *precursors.attrs.get("warnings", [])]
    else:
        return res
    for rec in res.rows:
        rec["precursors_counted"] = counted
    return res


def json_payload(args: argparse.Namespace) -> list[dict[str, Any]]:
    """What ``cbamcalc cost --json`` prints: one object per good and year (keys :data:`JSON_KEYS`)."""
    res = compute(args)
    out = [{k: _json_value(rec.get(k)) for k in JSON_KEYS} for rec in res.rows]
    for o in out:
        o["warnings"] = list(res.warnings)
        o["assumptions"] = list(res.assumptions)
    return out


def run(args: argparse.Namespace) -> int:
    """Compute and print; errors are :class:`~cbamcalc.errors.CbamError` (exit 2 in the CLI)."""
    if args.json:
        json.dump(json_payload(args), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(_table(compute(args)) + "\n")
    return 0

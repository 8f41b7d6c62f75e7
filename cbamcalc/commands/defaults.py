"""``cbamcalc defaults``: the EU default value of a CN code for a country and year of import.

A thin adapter over :func:`cbamcalc.default_values.default_value`: parse the flags, look the
value up, print a readable table (or ``--json``: one object whose keys are a contract that other
tools parse; see :data:`JSON_KEYS`). The whole path runs on numpy (the look-up goes through
:func:`cbamcalc.default_values.resolve_default_values`): neither pandas nor pint is imported, so a
single call starts about as fast as Python and numpy do (``tests/test_light_lookups.py`` guards it).
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from ..errors import InputError

#: Keys of the ``--json`` object, in order; the first twelve are the documented contract.
JSON_KEYS = (
    "cn_code",
    "country",
    "year",
    "version",
    "direct",
    "indirect",
    "total",
    "markup_rate",
    "value_with_markup",
    "route",
    "fallback",
    "source",
    "published_value_with_markup",
    "fallback_reason",
    "heading_level",
    "cn_line",
    "variant",
    "sector",
    "is_fertiliser",
    "unit",
    "flags",
    "country_name",
    "data_version",
)


#: Library fields -> the flag the user typed (cbamcalc.cli prints the flag).
FLAG_OF_FIELD = {"cn_code": "--cn", "cn": "--cn", "country": "--country", "year": "--year", "variant": "--variant",
                 "version": "--version"}


def add_parser(subparsers: Any, name: str, helptext: str) -> argparse.ArgumentParser:
    """Register ``cbamcalc defaults`` and its flags."""
    p = subparsers.add_parser(
        name,
        help=helptext,
        description=helptext + " (IR (EU) 2025/2621 Annex I as replaced by IR (EU) 2026/1740; values in tCO2e per "
        "tonne of good; the mark-up applies to the printed total).",
        epilog="Example: cbamcalc defaults --country TH --cn 73181588 --year 2027. The 'Other countries and "
        "territories' line applies when the country has no line or its line shows '–'.",
    )
    p.add_argument("--cn", required=True, help="CN code of the good, 8 digits with or without spaces")
    p.add_argument("--country", required=True, help="country of production: ISO code or name (TH, Thailand)")
    p.add_argument("--year", required=True, help="year of import, from 2026 (sets the mark-up)")
    p.add_argument(
        "--version",
        dest="data_set",
        default=None,
        metavar="VERSION",
        help="default-value act: 2026/1740 (the values in force, Commission Excel v2 of 2026-08-06; the "
        "default) or 2025/2621 (as first published, Commission Excel v1 of 2026-02-04)",
    )
    p.add_argument("--variant", default=None,
                   help="white or grey, for codes with several lines (2523 10 00, 2523 90 00)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    return p


def _year(text: str) -> Any:
    """``--year``; a year past the CBAM factor's last (2034) is refused here in one line."""
    from ..free_allocation import factor_years

    try:
        year = int(text)
    except ValueError:
        return text  # the library refuses it with a clear message
    first, last = factor_years()
    if year > last:
        raise InputError(field="--year", expected=f"a year of import {first}-{last} (the definitive period's factor "
                                                  "schedule, Directive 2003/87/EC Art. 10a(1a))", found=text)
    return year


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "N/A"
    if isinstance(value, float):
        return f"{value:.{digits}f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:.3f}"
    return str(value)


def _table(rec: dict[str, Any]) -> str:
    from ..cn_codes import spaced

    cn_sp, line_sp = spaced(rec["cn_code"]), spaced(rec["cn_line"])
    used = "Other countries and territories" if rec["fallback"] else rec["country_name"]
    rows = [
        ("CN code", f"{cn_sp}" + (f" (variant {rec['variant']})" if rec["variant"] else "")),
        ("country of production", f"{rec['country']} ({rec['country_name']})"),
        ("year of import", str(rec["year"])),
        ("table used", used + (f" — {rec['fallback_reason']}" if rec["fallback"] else "")),
        ("line", f"{line_sp} ({rec['heading_level']}-digit line), {rec['sector']}"),
        ("direct", f"{_fmt(rec['direct'])} tCO2e/t"),
        ("indirect", f"{_fmt(rec['indirect'])}" + ("" if rec["indirect"] is None else " tCO2e/t")),
        ("total", f"{_fmt(rec['total'])} tCO2e/t"),
        ("mark-up", f"{rec['markup_rate'] * 100:g} %"),
        ("value with mark-up", f"{_fmt(rec['value_with_markup'])} tCO2e/t"),
        ("production route", rec["route"] or "none"),
        ("data version", f"{rec['version']} (reference data {rec['data_version']})"),
        ("source", rec["source"]),
    ]
    if rec["flags"]:
        rows.append(("workbook note", rec["flags"]))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def _record(args: argparse.Namespace) -> dict[str, Any]:
    from ..countries import country_name
    from ..default_values import default_value
    from ..refdata import data_version

    dv = default_value(args.cn, args.country, _year(args.year), version=args.data_set, variant=args.variant)
    rec = {k: _clean(v) for k, v in dv.as_dict().items()}
    rec["country_name"] = country_name(dv.country)
    rec["data_version"] = data_version()
    return rec


def json_payload(args: argparse.Namespace) -> dict[str, Any]:
    """What ``cbamcalc defaults --json`` prints: one object with the keys :data:`JSON_KEYS`."""
    rec = _record(args)
    return {k: rec[k] for k in JSON_KEYS}


def run(args: argparse.Namespace) -> int:
    """Look the default value up and print it; errors propagate as CbamError (exit 2 in the CLI)."""
    if args.json:
        print(json.dumps(json_payload(args), ensure_ascii=False))
    else:
        print(_table(_record(args)))
    return 0

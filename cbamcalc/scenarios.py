"""Scenario files of the exposure model: price paths, EUR/THB, origin carbon price, distributions.

One TOML file (read with :mod:`tomllib`) holds every assumption of an exposure run. Everything in
it is a **scenario** (kind ``scenario``: never law): the CBAM factor and the default-value mark-ups
always come from the law tables (:mod:`cbamcalc.free_allocation`, :mod:`cbamcalc.default_values`)
and cannot be set here. Keys are checked strictly: a typo is an :class:`~cbamcalc.errors.InputError`
naming the file, line and key, with a suggestion. ``examples/exposure_scenarios.toml`` shows every
key; the layout is::

    [model]            years, base_scenario, base_year, default_values_version
    [scenarios.<name>] eu_price, eur_thb, origin_price, origin_currency, origin_covered_share,
                       cscf, volume_growth, description
    [intensity]        actual_share, actual_relative_to_default, actual_file, clinker_content,
                       variants, hs6_rule
    [montecarlo]       draws, seed, percentiles, chunk_elements, method
    [montecarlo.eu_price | .eur_thb | .intensity]  distribution, low, high, sd, sigma (, applies_to,
                       by_sector for the intensity)
    [sensitivity]      year, metric, eu_price, eur_thb, intensity, volume, actual_share,
                       origin_price, cscf

A *path* (``eu_price``, ``eur_thb``, ``origin_price``, ``low``/``high`` of a distribution) is one of:

- a number, held flat over the years;
- a table of years, ``{ 2026 = 75.36, 2027 = 80.0, ... }``, covering every modelled year;
- the name of a shipped path (``"low"``, ``"central"``, ``"high"`` in
  ``emission_factors/price_paths_scenario_2026-11.csv`` and ``fx_eur_thb_scenario.csv``);
- a CSV file (relative to the TOML file) read by :func:`cbamcalc.prices.read_price_path` or
  :func:`cbamcalc.prices.read_fx_path` (errors name its row and column; gaps are refused);
- for ``origin_price`` only: ``"thai-excise"``, the Thai fuel-excise carbon tax (THB 200/tCO2e) as
  an Art. 9 scenario whose qualification is uncertain (:data:`cbamcalc.carbon_price.THAI_ART9_NOTE`).

Units: certificate price [EUR/tCO2e]; EUR/THB [THB/EUR]; origin price [EUR or THB per tCO2e];
shares and multipliers are pure numbers.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError
from .exposure import (
    Distribution,
    IntensityRules,
    MonteCarloSpec,
    ScenarioPaths,
    SensitivitySpec,
    sector_key,
)

__all__ = ["ScenarioSet", "read_scenarios", "default_scenarios", "parse_scenarios", "FIRST_YEAR", "LAST_YEAR"]

FIRST_YEAR = 2026
LAST_YEAR = 2034

_TOP = {"model", "scenarios", "intensity", "montecarlo", "sensitivity"}
_MODEL = {"years", "base_scenario", "base_year", "default_values_version", "title"}
_SCENARIO = {"eu_price", "eur_thb", "origin_price", "origin_currency", "origin_covered_share", "cscf",
             "volume_growth", "volume_index", "description"}
_INTENSITY = {"actual_share", "actual_relative_to_default", "actual_file", "clinker_content", "variants",
              "hs6_rule"}
_MC = {"draws", "seed", "percentiles", "chunk_elements", "method", "eu_price", "eur_thb", "intensity"}
_DIST = {"distribution", "low", "high", "sd", "sigma"}
_DIST_INTENSITY = _DIST | {"applies_to", "by_sector"}
_SENS = {"year", "metric", "eu_price", "eur_thb", "intensity", "volume", "actual_share", "origin_price", "cscf"}


# --------------------------------------------------------------------------- limits

#: Most Monte Carlo draws: memory grows about 1.7 kB per draw (1,000,000 draws of the example took
#: 1.7 GiB and 20 s; 100,000 about 0.2 GiB and 3 s), so larger counts are refused before allocation.
MAX_DRAWS = 100_000
#: Most draws x keys x years held at once by the ``direct`` method (8 bytes each: 128 MiB).
MAX_CHUNK_ELEMENTS = 1 << 24
#: Largest scenario file read [bytes]; the shipped example is 3 kB.
MAX_SCENARIO_BYTES = 1024 * 1024
#: Deepest nesting of arrays and inline tables (a scenario file needs 3).
MAX_TOML_DEPTH = 16
#: Largest size of any number of the file (prices, rates, shares, growth): finite and far from overflow.
MAX_MAGNITUDE = 1e15


# --------------------------------------------------------------------------- error helpers


class _Ctx:
    """Where we are: the file, its text (for line numbers) and the folder for relative paths."""

    def __init__(self, file: str | None, text: str) -> None:
        self.file = file
        self.text = text
        self.folder = Path(file).parent if file else Path.cwd()

    def line_of(self, dotted: str) -> int | None:
        """Line of ``a.b.c`` in the TOML text (best effort: tables, dotted headers and inline keys)."""
        if not self.text:
            return None
        parts = dotted.split(".")
        section: list[str] = []
        for n, raw in enumerate(self.text.splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            m = re.fullmatch(r"\[\s*([^\]]+?)\s*\]", line)
            if m:
                section = [p.strip().strip('"') for p in m.group(1).split(".")]
                if section == parts:
                    return n
                continue
            km = re.match(r'^"?([A-Za-z0-9_\-*]+)"?\s*=', line)
            if km and section + [km.group(1)] == parts[: len(section) + 1] and len(section) < len(parts):
                return n
        return None

    def error(self, key: str, *, expected: str, found: Any, message: str | None = None) -> InputError:
        return InputError(message, file=self.file, row=self.line_of(key), field=key, expected=expected,
                          found=found)


def _suggest(word: str, options: Any) -> list[str]:
    """The closest option (difflib), else one that contains the word or is contained in it."""
    opts = sorted(str(o) for o in options)
    near = difflib.get_close_matches(str(word), opts, n=1, cutoff=0.6)
    if near:
        return near
    w = str(word).lower()
    return [o for o in opts if len(w) >= 3 and (w in o.lower() or o.lower() in w)][:1] or \
        difflib.get_close_matches(str(word), opts, n=1, cutoff=0.5)


def _check_keys(ctx: _Ctx, table: Mapping[str, Any], allowed: set[str], prefix: str) -> None:
    for key in table:
        if key not in allowed:
            near = _suggest(key, allowed)
            hint = f"unknown key; did you mean '{near[0]}'?" if near else "unknown key"
            dotted = f"{prefix}.{key}" if prefix else key
            raise ctx.error(dotted, message=hint, expected=f"one of {', '.join(sorted(allowed))}", found=key)


def _table(ctx: _Ctx, value: Any, key: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ctx.error(key, expected="a table", found=value)
    return value


def _number(ctx: _Ctx, value: Any, key: str, *, lo: float = 0.0, hi: float = np.inf) -> float:
    top = min(hi, MAX_MAGNITUDE)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (lo <= float(value) <= top):
        rng = f"a number in [{lo:g}, {hi:g}]" if np.isfinite(hi) else \
            f"a number >= {lo:g} (finite, at most {MAX_MAGNITUDE:g})"
        raise ctx.error(key, expected=rng, found=value)
    return float(value)


def _clinker(ctx: _Ctx, value: Any, key: str) -> float:
    """Clinker content of a cement [t clinker / t cement]: more than 0 (it is the functional unit) and at most 1."""
    v = _number(ctx, value, key, hi=1.0)
    if v <= 0:
        raise ctx.error(key, expected="a number more than 0 and at most 1 [t clinker per t cement]", found=value)
    return v


def _depth(text: str) -> int:
    """Deepest nesting of ``[`` and ``{`` outside strings and comments (tomllib recurses per level)."""
    depth = deepest = 0
    quote = ""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
        i += 1
    return deepest


# --------------------------------------------------------------------------- paths


def _shipped(table: str, name: str) -> pd.Series:
    from .refdata import load_table

    df = load_table(table)
    sel = df[df["scenario"] == name]
    return pd.Series(sel["value"].to_numpy(float), index=sel["year"].to_numpy(int))


def _shipped_names(table: str) -> list[str]:
    from .refdata import load_table

    return sorted(load_table(table)["scenario"].unique().tolist())


_PATH_KIND = {
    "eu_price": ("price_paths_scenario", "EUR/tCO2e", "certificate price"),
    "eur_thb": ("fx_eur_thb_scenario", "THB/EUR", "EUR/THB rate"),
    "origin_price": (None, "EUR or THB per tCO2e", "origin carbon price"),
    "sd": (None, "same unit as the path", "standard deviation"),
}


def _path(ctx: _Ctx, value: Any, key: str, kind: str, years: np.ndarray) -> tuple[np.ndarray, str]:
    """Resolve a path reference to one value per year, and say where it comes from."""
    table, unit, what = _PATH_KIND[kind]
    if isinstance(value, bool):
        raise ctx.error(key, expected=f"a {what} path [{unit}]", found=value)
    if isinstance(value, (int, float)):
        v = _number(ctx, value, key)
        return np.full(len(years), v), "user (flat)"
    if isinstance(value, Mapping):
        vals: dict[int, float] = {}
        for k, v in value.items():
            if not re.fullmatch(r"\d{4}", str(k)):
                raise ctx.error(f"{key}.{k}", expected="a year (e.g. 2027 = 80.5)", found=k)
            vals[int(k)] = _number(ctx, v, f"{key}.{k}")
        missing = [int(y) for y in years if int(y) not in vals]
        if missing:
            have = sorted(vals)
            gap = f"no value for {missing[0]}" + (f" (has {have[0]}-{have[-1]})" if have else "")
            raise ctx.error(key, message=f"gap in the {what} path", expected=f"a value for every year "
                            f"{years[0]}-{years[-1]}", found=gap)
        return np.array([vals[int(y)] for y in years]), "user (table)"
    if isinstance(value, str):
        text = value.strip()
        if text.lower().endswith((".csv", ".txt")):
            from . import prices

            path = (ctx.folder / text) if not os.path.isabs(text) else Path(text)
            reader = prices.read_fx_path if kind == "eur_thb" else prices.read_price_path
            series = reader(path)
            try:
                return series.for_years(years, field=kind), f"file:{text}"
            except InputError as exc:
                raise InputError(f"{exc._free_text} (path named by '{key}')", file=str(path), field=kind,
                                 expected=exc.expected, found=exc.found) from exc
        if table is not None:
            names = _shipped_names(table)
            if text in names:
                s = _shipped(table, text)
                missing = [int(y) for y in years if int(y) not in s.index]
                if missing:
                    raise ctx.error(key, expected=f"a path covering {years[0]}-{years[-1]}",
                                    found=f"shipped path '{text}' has no {missing[0]}")
                return s.reindex(years).to_numpy(float), f"scenario:{text} ({table})"
            near = difflib.get_close_matches(text, names, n=1)
            hint = f"unknown path; did you mean '{near[0]}'?" if near else "unknown path"
            raise ctx.error(key, message=hint, expected=f"a number, a year table, a CSV file or one of "
                            f"{', '.join(names)}", found=text)
    raise ctx.error(key, expected=f"a number, a year table or a CSV file [{unit}]", found=value)


# --------------------------------------------------------------------------- the set


@dataclass
class ScenarioSet:
    """Everything a scenario file says, resolved to arrays (see the module docstring for the keys).

    Attributes
    ----------
    years : numpy.ndarray of int
        Years modelled (consecutive; default 2026-2034).
    base : str
        Name of the base scenario (results, tornado and Monte Carlo use it).
    base_year : int, "latest" or "mean"
        Trade year projected forward.
    intensity : IntensityRules
        Default-value version, actual intensities, shares.
    montecarlo : MonteCarloSpec
        Draws, seed and distributions (``draws = 0``: no Monte Carlo).
    file : str or None
        The scenario file (None for :func:`default_scenarios`).
    warnings : list of str
        Notes to show with the results (e.g. the Art. 9 caveat of the Thai carbon tax).
    """

    years: np.ndarray
    base: str
    base_year: int | str
    intensity: IntensityRules
    montecarlo: MonteCarloSpec
    file: str | None = None
    title: str = ""
    warnings: list[str] = field(default_factory=list)
    _scenarios: dict[str, dict[str, Any]] = field(default_factory=dict)
    _sensitivity: dict[str, Any] = field(default_factory=dict)

    def names(self) -> list[str]:
        """Scenario names, in file order."""
        return list(self._scenarios)

    def paths(self, name: str, *, base_year: int | None = None) -> ScenarioPaths:
        """The year-indexed inputs of scenario ``name``.

        Parameters
        ----------
        name : str
            Scenario name.
        base_year : int, optional
            Trade year the volume growth starts from (default: the first modelled year).
        """
        if name not in self._scenarios:
            raise InputError(file=self.file, field="scenario", expected=f"one of {', '.join(self._scenarios)}",
                             found=name)
        sc = self._scenarios[name]
        growth = sc.get("volume_growth")
        vol = sc.get("volume_index")
        if vol is None:
            start = int(base_year) if base_year is not None else int(self.years[0])
            vol = (1.0 + (growth or 0.0)) ** (self.years - start)
        return ScenarioPaths.from_law(
            name, self.years, eu_price=sc["eu_price"], eur_thb=sc["eur_thb"], cscf=sc.get("cscf"),
            origin_price=sc.get("origin_price"), origin_currency=sc.get("origin_currency", "EUR"),
            covered_share=sc.get("origin_covered_share", 0.0), volume_index=vol, sources=sc.get("sources", {}))

    def sensitivity_year_ok(self, years: np.ndarray) -> bool:
        """Whether the tornado year is among ``years`` (skipped otherwise)."""
        return int(self._sensitivity.get("year", 2030)) in set(np.asarray(years).tolist())

    def sensitivity_for(self, base: ScenarioPaths) -> SensitivitySpec:
        """The tornado settings, with path ranges resolved (default: shipped low/high price and FX paths)."""
        s = self._sensitivity
        return SensitivitySpec(
            year=int(s.get("year", 2030)), metric=s.get("metric", "cost_thb"), eu_price=s.get("eu_price"),
            eur_thb=s.get("eur_thb"), intensity=s.get("intensity"), volume=s.get("volume"),
            actual_share=s.get("actual_share"), origin_price=s.get("origin_price"), cscf=s.get("cscf"),
            labels=s.get("labels", {}))

    def describe(self) -> dict[str, Any]:
        """Plain summary of the assumptions (recorded on the result and in the report)."""
        out: dict[str, Any] = {
            "scenario_file": self.file or "built-in defaults (shipped low/central/high paths)",
            "title": self.title,
            "kind": "scenario (assumptions, never law); CBAM factor and mark-ups from the law tables",
            "years": f"{int(self.years[0])}-{int(self.years[-1])}",
            "base_scenario": self.base,
            "default_values_version": self.intensity.version or "in force",
            "actual_share": self.intensity.actual_share,
            "actual_relative_to_default": self.intensity.actual_relative_to_default,
            "clinker_content": self.intensity.clinker_content,
        }
        for name, sc in self._scenarios.items():
            src = dict(sc.get("sources", {}))
            out[f"scenario {name}"] = "; ".join(f"{k}: {v}" for k, v in src.items())
        mc = self.montecarlo
        out["montecarlo"] = (f"{mc.draws} draws, seed {mc.seed}; eu_price {mc.eu_price.kind}, "
                             f"eur_thb {mc.eur_thb.kind}, intensity "
                             f"{'by sector' if isinstance(mc.intensity, Mapping) else mc.intensity.kind} "
                             f"({mc.intensity_applies_to})")
        return out


def default_scenarios(years: tuple[int, int] = (FIRST_YEAR, LAST_YEAR)) -> ScenarioSet:
    """The shipped scenarios: low, central and high certificate-price paths, central EUR/THB.

    Monte Carlo (1,000 draws, seed 2026): triangular over the low/central/high price and EUR/THB
    paths; intensity held. Tornado (2030): price and EUR/THB low/high paths, intensity and volume
    x0.9 / x1.1.

    Examples
    --------
    >>> s = default_scenarios()
    >>> s.names(), s.base
    (['low', 'central', 'high'], 'central')
    """
    text = """
[model]
base_scenario = "central"
[scenarios.low]
eu_price = "low"
eur_thb = "central"
[scenarios.central]
eu_price = "central"
eur_thb = "central"
[scenarios.high]
eu_price = "high"
eur_thb = "central"
"""
    data = tomllib.loads(text)
    data["model"]["years"] = list(years)
    return parse_scenarios(data, file=None, text="")


def read_scenarios(path: str | os.PathLike[str]) -> ScenarioSet:
    """Read a scenario file (TOML).

    Parameters
    ----------
    path : str or path-like
        The TOML file; CSV paths inside it are relative to its folder.

    Returns
    -------
    ScenarioSet

    Raises
    ------
    InputError
        Naming the file, line and key: invalid TOML, an unknown key (with a suggestion), a value of
        the wrong kind, a path with a gap, a share outside [0, 1], an unknown scenario name.
    """
    fname = os.fspath(path)
    try:
        size = Path(fname).stat().st_size
        if size > MAX_SCENARIO_BYTES:
            raise InputError("the scenario file is too large", file=fname, expected=f"at most {MAX_SCENARIO_BYTES} "
                             "bytes", found=size)
        raw = Path(fname).read_bytes()
    except FileNotFoundError as exc:
        raise InputError(file=fname, field="scenarios", expected="an existing TOML file", found="no such file") from exc
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
        raise InputError(file=fname, field="scenarios", expected="a readable TOML file",
                         found=getattr(exc, "strerror", None) or str(exc)) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError("not valid TOML", file=fname, expected="a UTF-8 text file",
                         found=f"undecodable bytes at byte {exc.start}") from exc
    deepest = _depth(text)
    if deepest > MAX_TOML_DEPTH:
        raise InputError("arrays or tables nested too deeply", file=fname, expected=f"at most {MAX_TOML_DEPTH} "
                         "levels", found=deepest)
    try:
        data = tomllib.loads(text)
    except RecursionError as exc:  # a nesting the scan above did not see (it is conservative otherwise)
        raise InputError("arrays or tables nested too deeply", file=fname, expected=f"at most {MAX_TOML_DEPTH} "
                         "levels", found="more") from exc
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise InputError("not valid TOML", file=fname, row=int(m.group(1)) if m else None,
                         expected="a TOML scenario file", found=str(exc).split(" (at")[0]) from exc
    return parse_scenarios(data, file=fname, text=text)


def parse_scenarios(data: Mapping[str, Any], *, file: str | None = None, text: str = "") -> ScenarioSet:
    """Build a :class:`ScenarioSet` from parsed TOML (see :func:`read_scenarios`)."""
    ctx = _Ctx(file, text)
    _check_keys(ctx, data, _TOP, "")
    model = _table(ctx, data.get("model", {}), "model")
    _check_keys(ctx, model, _MODEL, "model")
    years = _years(ctx, model.get("years", [FIRST_YEAR, LAST_YEAR]))
    warnings_: list[str] = []

    scen_raw = _table(ctx, data.get("scenarios", {}), "scenarios")
    if not scen_raw:
        raise ctx.error("scenarios", expected="at least one [scenarios.<name>] table", found="none")
    scenarios: dict[str, dict[str, Any]] = {}
    for name, sc in scen_raw.items():
        prefix = f"scenarios.{name}"
        sc = _table(ctx, sc, prefix)
        _check_keys(ctx, sc, _SCENARIO, prefix)
        if "eu_price" not in sc:
            raise ctx.error(prefix, expected="an eu_price path (e.g. eu_price = \"central\")", found="none")
        out: dict[str, Any] = {"sources": {}}
        out["eu_price"], out["sources"]["eu_price"] = _path(ctx, sc["eu_price"], f"{prefix}.eu_price", "eu_price",
                                                            years)
        out["eur_thb"], out["sources"]["eur_thb"] = _path(ctx, sc.get("eur_thb", "central"), f"{prefix}.eur_thb",
                                                          "eur_thb", years)
        if np.any(out["eur_thb"] <= 0):
            raise ctx.error(f"{prefix}.eur_thb", expected="a rate > 0 [THB/EUR]", found=float(out["eur_thb"].min()))
        cur = str(sc.get("origin_currency", "EUR")).upper()
        if cur not in ("EUR", "THB"):
            raise ctx.error(f"{prefix}.origin_currency", expected="EUR or THB", found=sc.get("origin_currency"))
        if "origin_price" in sc:
            op = sc["origin_price"]
            if isinstance(op, str) and op.strip().lower() in ("thai-excise", "thai_excise"):
                from .carbon_price import THAI_ART9_NOTE, thai_carbon_tax

                out["origin_price"] = np.full(len(years), thai_carbon_tax()["rate"])
                cur = "THB"
                out["sources"]["origin_price"] = "scenario: Thai fuel-excise carbon tax THB 200/tCO2e"
                if THAI_ART9_NOTE not in warnings_:
                    warnings_.append(THAI_ART9_NOTE)
            else:
                out["origin_price"], out["sources"]["origin_price"] = _path(ctx, op, f"{prefix}.origin_price",
                                                                            "origin_price", years)
        out["origin_currency"] = cur
        if "origin_covered_share" in sc:
            out["origin_covered_share"] = _share_table(ctx, sc["origin_covered_share"],
                                                       f"{prefix}.origin_covered_share")
        if "cscf" in sc:
            out["cscf"] = _number(ctx, sc["cscf"], f"{prefix}.cscf", hi=1.0)
            out["sources"]["cscf"] = "user"
        if "volume_growth" in sc and "volume_index" in sc:
            raise ctx.error(f"{prefix}.volume_index", expected="volume_growth or volume_index, not both",
                            found="both")
        if "volume_growth" in sc:
            out["volume_growth"] = _number(ctx, sc["volume_growth"], f"{prefix}.volume_growth", lo=-1.0, hi=10.0)
        if "volume_index" in sc:
            out["volume_index"], _ = _path(ctx, sc["volume_index"], f"{prefix}.volume_index", "sd", years)
        if "description" in sc:
            out["sources"]["description"] = str(sc["description"])
        scenarios[str(name)] = out
    base = str(model.get("base_scenario", "central" if "central" in scenarios else next(iter(scenarios))))
    if base not in scenarios:
        near = difflib.get_close_matches(base, list(scenarios), n=1)
        raise ctx.error("model.base_scenario", message=f"did you mean '{near[0]}'?" if near else None,
                        expected=f"one of the scenarios ({', '.join(scenarios)})", found=base)
    base_year = model.get("base_year", "latest")
    if not (base_year in ("latest", "mean") or (isinstance(base_year, int) and not isinstance(base_year, bool))):
        raise ctx.error("model.base_year", expected="a year, \"latest\" or \"mean\"", found=base_year)
    version = model.get("default_values_version")
    if version is not None:
        version = str(version)

    intensity = _intensity(ctx, _table(ctx, data.get("intensity", {}), "intensity"), version)
    mc = _montecarlo(ctx, _table(ctx, data.get("montecarlo", {}), "montecarlo"), scenarios[base], years,
                     present="montecarlo" in data)
    sens = _sensitivity(ctx, _table(ctx, data.get("sensitivity", {}), "sensitivity"), years)
    return ScenarioSet(years=years, base=base, base_year=base_year, intensity=intensity, montecarlo=mc, file=file,
                       title=str(model.get("title", "")), warnings=warnings_, _scenarios=scenarios,
                       _sensitivity=sens)


def _years(ctx: _Ctx, value: Any) -> np.ndarray:
    ok = (isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) and not isinstance(v, bool)
                                                              for v in value) and value[0] <= value[1])
    if not ok:
        raise ctx.error("model.years", expected="[first, last], e.g. [2026, 2034]", found=value)
    first, last = value
    if first < FIRST_YEAR or last > LAST_YEAR:
        raise ctx.error("model.years", expected=f"years within {FIRST_YEAR}-{LAST_YEAR} (the CBAM factor table of "
                        "Directive 2003/87/EC Art. 10a(1a))", found=value)
    return np.arange(first, last + 1)


def _share_table(ctx: _Ctx, value: Any, key: str) -> float | dict[str, float]:
    if isinstance(value, Mapping):
        from .cn_codes import cn_table

        known = {sector_key(s) for s in cn_table()["sector"].unique()} | {"*"}
        out = {}
        for k, v in value.items():
            if sector_key(k) not in known and k != "*":
                near = _suggest(sector_key(k), known - {"*"})
                hint = f"; did you mean {near[0]!r}?" if near else ""
                raise ctx.error(f"{key}.{k}", message=f"unknown sector{hint}",
                                expected=f"one of {', '.join(sorted(known))}", found=k)
            out[str(k)] = _number(ctx, v, f"{key}.{k}", hi=1.0)
        return out
    return _number(ctx, value, key, hi=1.0)


def _intensity(ctx: _Ctx, t: Mapping[str, Any], version: str | None) -> IntensityRules:
    _check_keys(ctx, t, _INTENSITY, "intensity")
    actual = None
    if "actual_file" in t:
        actual = _read_actual(ctx, t["actual_file"])
    share = _share_table(ctx, t["actual_share"], "intensity.actual_share") if "actual_share" in t else 0.0
    ratio = (_number(ctx, t["actual_relative_to_default"], "intensity.actual_relative_to_default", hi=10.0)
             if "actual_relative_to_default" in t else None)
    clinker: float | dict[str, float] | None = None
    if "clinker_content" in t:
        cc = t["clinker_content"]
        if isinstance(cc, Mapping):
            clinker = {str(k): _clinker(ctx, v, f"intensity.clinker_content.{k}") for k, v in cc.items()}
        else:
            clinker = _clinker(ctx, cc, "intensity.clinker_content")
    variants = {}
    if "variants" in t:
        vt = _table(ctx, t["variants"], "intensity.variants")
        variants = {str(k): str(v) for k, v in vt.items()}
    rule = t.get("hs6_rule", "max")
    if rule not in ("max", "mean"):
        raise ctx.error("intensity.hs6_rule", expected="\"max\" or \"mean\"", found=rule)
    return IntensityRules(version=version, actual=actual, actual_share=share, actual_relative_to_default=ratio,
                          clinker_content=clinker, variants=variants, hs6_rule=rule)


_ACTUAL_COLUMNS = {"cn_code", "country", "firm", "see_direct", "see_indirect", "see_actual", "route",
                   "benchmark_actual", "actual_share", "note", "source"}


def _read_actual(ctx: _Ctx, name: Any) -> pd.DataFrame:
    if not isinstance(name, str):
        raise ctx.error("intensity.actual_file", expected="a CSV file name", found=name)
    path = ctx.folder / name
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    except FileNotFoundError as exc:
        raise ctx.error("intensity.actual_file", expected="an existing CSV file", found=str(path)) from exc
    cols = [c.strip() for c in df.columns]
    df.columns = cols
    for c in cols:
        if c not in _ACTUAL_COLUMNS:
            near = difflib.get_close_matches(c, sorted(_ACTUAL_COLUMNS), n=1)
            raise InputError(f"unknown column{'; did you mean ' + repr(near[0]) + '?' if near else ''}",
                             file=str(path), row=1, column=c, expected=f"one of {', '.join(sorted(_ACTUAL_COLUMNS))}",
                             found=c)
    if "cn_code" not in cols or not ({"see_direct", "see_actual"} & set(cols)):
        raise InputError("missing column", file=str(path), row=1, column="cn_code" if "cn_code" not in cols
                         else "see_direct", expected="columns cn_code and see_direct (or see_actual)",
                         found=", ".join(cols))
    for c in ("see_direct", "see_indirect", "see_actual", "benchmark_actual", "actual_share"):
        if c in df:
            v = pd.to_numeric(df[c].str.strip().replace("", None), errors="coerce")
            bad = (v.isna() & (df[c].str.strip() != "")) | (v < 0) | ((c == "actual_share") & (v > 1))
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise InputError(file=str(path), row=i + 2, column=c, expected="a share in [0, 1]"
                                 if c == "actual_share" else "a number >= 0 [tCO2e/t]", found=df[c].iloc[i])
            df[c] = v.astype(float)
    return df


def _dist(ctx: _Ctx, t: Mapping[str, Any], key: str, kind: str | None, years: np.ndarray) -> Distribution:
    allowed = _DIST_INTENSITY if kind is None else _DIST
    _check_keys(ctx, t, allowed, key)
    name = t.get("distribution", "fixed")
    kinds = ("fixed", "uniform", "triangular", "normal", "lognormal")
    if name not in kinds:
        near = difflib.get_close_matches(str(name), kinds, n=1)
        raise ctx.error(f"{key}.distribution", message=f"did you mean '{near[0]}'?" if near else None,
                        expected=" | ".join(kinds), found=name)

    def val(k: str) -> Any:
        if k not in t:
            return None
        if kind is None:  # intensity multiplier: plain numbers
            return _number(ctx, t[k], f"{key}.{k}")
        return _path(ctx, t[k], f"{key}.{k}", "sd" if k == "sd" else kind, years)[0]

    sigma = _number(ctx, t["sigma"], f"{key}.sigma", hi=5.0) if "sigma" in t else None
    try:
        return Distribution(kind=name, low=val("low"), high=val("high"), sd=val("sd"), sigma=sigma)
    except InputError as exc:
        raise ctx.error(key, expected=exc.expected or "", found=exc.found) from exc


def _montecarlo(ctx: _Ctx, t: Mapping[str, Any], base: Mapping[str, Any], years: np.ndarray, *,
                present: bool) -> MonteCarloSpec:
    _check_keys(ctx, t, _MC, "montecarlo")
    draws = int(_number(ctx, t.get("draws", 1000), "montecarlo.draws", hi=MAX_DRAWS))
    seed = t.get("seed", 2026)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ctx.error("montecarlo.seed", expected="an integer >= 0", found=seed)
    pct = t.get("percentiles", [5, 50, 95])
    if not (isinstance(pct, list) and pct and all(isinstance(p, (int, float)) and 0 <= p <= 100 for p in pct)):
        raise ctx.error("montecarlo.percentiles", expected="a list of numbers in [0, 100]", found=pct)
    chunk = int(_number(ctx, t.get("chunk_elements", 1 << 20), "montecarlo.chunk_elements", lo=1,
                        hi=MAX_CHUNK_ELEMENTS))
    method = t.get("method", "auto")
    if method not in ("auto", "sorted", "direct"):
        raise ctx.error("montecarlo.method", expected="\"auto\", \"sorted\" or \"direct\"", found=method)
    if present:
        price = _dist(ctx, _table(ctx, t.get("eu_price", {}), "montecarlo.eu_price"), "montecarlo.eu_price",
                      "eu_price", years)
        fx = _dist(ctx, _table(ctx, t.get("eur_thb", {}), "montecarlo.eur_thb"), "montecarlo.eur_thb", "eur_thb",
                   years)
    else:  # built-in: triangular over the shipped low/central/high paths
        price = Distribution("triangular", low=_shipped("price_paths_scenario", "low").reindex(years).to_numpy(),
                             high=_shipped("price_paths_scenario", "high").reindex(years).to_numpy())
        fx = Distribution("triangular", low=_shipped("fx_eur_thb_scenario", "low").reindex(years).to_numpy(),
                          high=_shipped("fx_eur_thb_scenario", "high").reindex(years).to_numpy())
    it = _table(ctx, t.get("intensity", {}), "montecarlo.intensity")
    applies = it.get("applies_to", "all")
    if applies not in ("all", "actual"):
        raise ctx.error("montecarlo.intensity.applies_to", expected="\"all\" or \"actual\"", found=applies)
    general = _dist(ctx, {k: v for k, v in it.items() if k not in ("applies_to", "by_sector")},
                    "montecarlo.intensity", None, years)
    intensity: Distribution | dict[str, Distribution] = general
    if "by_sector" in it:
        bys = _table(ctx, it["by_sector"], "montecarlo.intensity.by_sector")
        table: dict[str, Distribution] = {"*": general}
        for sec, sub in bys.items():
            k = f"montecarlo.intensity.by_sector.{sec}"
            _share_table(ctx, {sec: 0.0}, "montecarlo.intensity.by_sector")  # checks the sector name
            table[str(sec)] = _dist(ctx, {kk: vv for kk, vv in _table(ctx, sub, k).items()}, k, None, years)
        intensity = table
    return MonteCarloSpec(draws=draws, seed=int(seed), eu_price=price, eur_thb=fx, intensity=intensity,
                          intensity_applies_to=applies, percentiles=tuple(float(p) for p in pct),
                          chunk_elements=chunk, method=method)


def _pair(ctx: _Ctx, value: Any, key: str, *, lo: float = 0.0, hi: float = np.inf) -> tuple[float, float]:
    if not (isinstance(value, list) and len(value) == 2):
        raise ctx.error(key, expected="[low, high]", found=value)
    a = _number(ctx, value[0], key, lo=lo, hi=hi)
    b = _number(ctx, value[1], key, lo=lo, hi=hi)
    return a, b


def _sensitivity(ctx: _Ctx, t: Mapping[str, Any], years: np.ndarray) -> dict[str, Any]:
    _check_keys(ctx, t, _SENS, "sensitivity")
    out: dict[str, Any] = {}
    year = t.get("year", 2030)
    if isinstance(year, bool) or not isinstance(year, int):
        raise ctx.error("sensitivity.year", expected="a year", found=year)
    out["year"] = year
    metric = t.get("metric", "cost_thb")
    if metric not in ("cost_thb", "cost_eur", "certificates"):
        raise ctx.error("sensitivity.metric", expected="cost_thb | cost_eur | certificates", found=metric)
    out["metric"] = metric
    labels: dict[str, tuple[str, str]] = {}
    for kind in ("eu_price", "eur_thb"):
        refs = t.get(kind, ["low", "high"])
        if not (isinstance(refs, list) and len(refs) == 2):
            raise ctx.error(f"sensitivity.{kind}", expected="[low, high] paths", found=refs)
        pair = tuple(_path(ctx, r, f"sensitivity.{kind}", kind, years)[0] for r in refs)
        out[kind] = pair
    for kind, default in (("intensity", (0.9, 1.1)), ("volume", (0.9, 1.1))):
        out[kind] = _pair(ctx, t[kind], f"sensitivity.{kind}") if kind in t else default
    if "actual_share" in t:
        out["actual_share"] = _pair(ctx, t["actual_share"], "sensitivity.actual_share", hi=1.0)
    if "origin_price" in t:
        out["origin_price"] = _pair(ctx, t["origin_price"], "sensitivity.origin_price")
    if "cscf" in t:
        out["cscf"] = _pair(ctx, t["cscf"], "sensitivity.cscf", hi=1.0)
    out["labels"] = labels
    return out

"""The operator's emissions report and its summary (IR (EU) 2025/2547 Art. 10 and Annex IV), from a run.

:func:`build_report` turns the SEE engine's result, its input and the report inputs the
workbooks lack (:mod:`cbamcalc.io.report_inputs`) into an :class:`OperatorReport`:

* ``goods``: the summary report's row per good (Annex IV 1.2 (3)-(4)): CN code, route, quantity,
  SEE direct / indirect / counted for the obligation, default share, embedded electricity, and
  the **SEFA** of the production year with its benchmark column, indicator, own Column A, the
  precursor chain, CBAM factor and CSCF (1.2 (4)(e)-(f));
* ``processes``, ``precursors``, ``precursor_terms``, ``source_streams``: the tables the full
  report's items point to;
* ``items``: every item of Annex IV 1.1, 1.1.1 and 1.2 in the act's order (catalogue:
  ``operator_report_items.csv``) with its value, unit, source and status: ``present``,
  ``partly missing``, ``missing`` (with what is missing and where to enter it) or ``not
  applicable`` (with why). Nothing the input lacks is invented.

The SEFA is computed by the obligation's own functions: :func:`cbamcalc.cost.cost_from_run`
with one tonne of each good, the year of import and production set to ``year`` (IR (EU)
2025/2620 Annex 3.3: ``SEFA = CBAM_y x CSCF_y x (BM_A,own + sum_i m_i x BM_i ...)`` on actual data,
a precursor's SEFA stated by its producer used instead of its chain). Where the benchmark needs
a route or CN code the inputs do not state, the good's SEFA is listed as missing with the reason.

Units: SEE and SEFA in tCO2e per tonne of the good's functional unit (tCO2e/MWh for
electricity; per tonne of clinker contained for cement 2523 21/29/90, IR (EU) 2025/2547 Annex I),
emissions in tCO2e, electricity in MWh, heat and waste gas in TJ, masses in t.
"""

from __future__ import annotations

import csv
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from .errors import CbamError, InputError

__all__ = ["SCHEMA_VERSION", "GOOD_COLUMNS", "OperatorReport", "build_report", "items_catalogue", "report_year"]

#: Version of the report's data layout (JSON Schema ``cbamcalc/io/schemas/operator_report-1.0.json``).
SCHEMA_VERSION = "1.0"
_ACT = "IR (EU) 2025/2547 Annex IV"
_SEFA_ACT = "IR (EU) 2025/2620 Annex 3.3; Directive 2003/87/EC Art. 10a(1a)"

#: Columns of :attr:`OperatorReport.goods`: (name, unit, source).
GOOD_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("good", "", "row of Summary_Products (1 = row 10)"),
    ("process_id", "", "A_InstData!E83:E92"),
    ("process", "", "Summary_Products!D"),
    ("category", "", "Summary_Products!E"),
    ("cn_code", "", "Summary_Products!F"),
    ("product", "", "Summary_Products!H"),
    ("route", "", "input: Report_Goods route"),
    ("quantity_t", "t", "input: Report_Goods quantity_t (Annex IV 1.1 item 34(a))"),
    ("activity_level", "t", "computed: production of the process, D_Processes!L24 (MWh for electricity)"),
    ("functional_unit", "", "IR (EU) 2025/2547 Annex I"),
    ("annex_ii", "", "Reg. (EU) 2023/956 Annex II; emission_factors/annex_ii_Reg2023-956.csv"),
    ("see_direct", "tCO2e/t", "computed: Summary_Products!I"),
    ("see_indirect", "tCO2e/t", "computed: Summary_Products!J"),
    ("see_indirect_counted", "tCO2e/t", "computed: IR (EU) 2025/2547 Annex I 3.1, Art. 7(1) Reg. 2023/956"),
    ("see_counted", "tCO2e/t", "computed: see_direct + see_indirect_counted"),
    ("default_share", "fraction", "computed: Summary_Products!M (SEE direct from defaults / SEE direct)"),
    ("embedded_electricity", "MWh/t", "computed: Summary_Products!O"),
    ("electricity_ef_source", "", "Summary_Products!N"),
    ("sector_parameters", "", "Annex IV section 2: template Summary_Products!P:AK (shares as per cent) or input "
     "Report_Goods sector_parameters"),
    ("clinker_content", "t/t", "input Report_Goods, or computed: clinker consumed per t of cement"),
    ("production_year", "year", "--year"),
    ("benchmark_indicator", "", "IR (EU) 2025/2620 Annex 5.3: (1) 2026-27, (2) 2028-30"),
    ("benchmark_column", "", "IR (EU) 2025/2620 Annex: A actual data, B default values"),
    ("benchmark_own", "tCO2e/t", "IR (EU) 2025/2620 Annex, Column A of the good's CN code and route"),
    ("benchmark_chain", "tCO2e/t", "computed: own Column A + sum of m_i x precursor benchmarks"),
    ("precursor_terms", "", "computed: precursors counted, t/t x benchmark (sheet Precursor terms)"),
    ("cbam_factor", "fraction", "Directive 2003/87/EC Art. 10a(1a); emission_factors/cbam_factor"),
    ("cscf", "fraction", "IR (EU) 2025/2620 Annex 3.1; emission_factors/cscf_assumption (assumption)"),
    ("sefa", "tCO2e/t", "computed: " + _SEFA_ACT),
    ("sefa_status", "", "computed, or why it is missing"),
)


@cache
def items_catalogue() -> tuple[dict[str, str], ...]:
    """The Annex IV items in the act's order (``operator_report_items.csv``)."""
    text = resources.files("cbamcalc").joinpath("operator_report_items.csv").read_text(encoding="utf-8")
    return tuple(csv.DictReader(text.splitlines()))


@dataclass
class OperatorReport:
    """The operator's emissions report of one installation; see the module docstring for units."""

    meta: dict[str, Any]
    """Installation, period, ``year``, CBAM factor, CSCF, versions, source files."""
    goods: pd.DataFrame
    """One row per good, columns :data:`GOOD_COLUMNS`."""
    processes: pd.DataFrame
    """One row per production process: activity level [t], emissions [tCO2e], flows [MWh, TJ]."""
    precursors: pd.DataFrame
    """One row per precursor (own process sending to another, or purchased), with the inputs stated."""
    precursor_terms: pd.DataFrame
    """One row per precursor counted in a good's SEFA: cumulative t/t, benchmark, contribution."""
    source_streams: pd.DataFrame
    """One row per source stream: method, energy [TJ], fossil and biomass emissions [tCO2e]."""
    items: pd.DataFrame
    """One row per Annex IV item: section, item, key, title_en, title_th, status, value, unit, source,
    missing."""
    warnings: list[str] = field(default_factory=list)

    def missing(self) -> pd.DataFrame:
        """The items the act requires and the inputs lack (status ``missing`` or ``partly missing``)."""
        m = self.items[self.items["status"].isin(["missing", "partly missing"])]
        return m[["section", "item", "title_en", "status", "missing"]].reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (schema ``operator_report-1.0.json``); NaN as null."""
        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return [{str(k): _plain(v) for k, v in r.items()} for r in frame.to_dict("records")]

        return {
            "schema": f"cbamcalc/operator_report-{SCHEMA_VERSION}",
            "meta": {k: _plain(v) for k, v in self.meta.items()},
            "units": {name: unit for name, unit, _ in GOOD_COLUMNS if unit},
            "goods": records(self.goods),
            "processes": records(self.processes),
            "precursors": records(self.precursors),
            "precursor_terms": records(self.precursor_terms),
            "source_streams": records(self.source_streams),
            "items": records(self.items),
            "missing": records(self.missing()),
            "warnings": list(self.warnings),
        }


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is not None and not isinstance(value, (bool, int, float, str)):
        return str(value)
    return value


def report_year(installation: Any, year: int | None) -> int:
    """The production year of the report: ``year``, or the reporting period's (2026 or later).

    Raises
    ------
    InputError
        No ``year`` and a period before 2026 or none (no CBAM factor exists before 2026), or a
        ``year`` outside 2026-2034 (``field="year"``; the CLI names ``--year``).
    """
    from .benchmarks import FIRST_PRODUCTION_YEAR as FIRST
    from .benchmarks import LAST_PRODUCTION_YEAR as LAST

    if year is None:
        end = getattr(installation, "period_end", None) or getattr(installation, "period_start", None)
        if end is None or end.year < FIRST:
            raise InputError(
                "the reporting period " + (f"ends in {end.year}, before the definitive period" if end else
                                           "is not stated") + "; there is no CBAM factor for it",
                field="year", expected=f"the production year of the SEFA, {FIRST}-{LAST}", found=None)
        year = end.year
    if isinstance(year, bool) or not isinstance(year, (int, np.integer)) or not FIRST <= int(year) <= LAST:
        raise InputError(field="year", expected=f"a production year {FIRST}-{LAST} (CBAM factor of Directive "
                         "2003/87/EC Art. 10a(1a))", found=year)
    return int(year)


# ---------------------------------------------------------------------------- goods and SEFA


def _goods_inputs(inputs: Any, goods: pd.DataFrame) -> pd.DataFrame:
    """The Report_Goods row of each good (matched by process name or id and CN code), or blanks."""
    cols = ["route", "clinker_content", "quantity_t", "sector_parameters"]
    out = pd.DataFrame({c: [None] * len(goods) for c in cols}, index=goods.index)
    if inputs is None or not len(inputs.goods):
        return out
    g = inputs.goods
    keys = g["process"].astype(str).str.strip().str.casefold()
    for i, row in goods.iterrows():
        hit = g[(keys.isin([str(row["process"]).strip().casefold(), str(row["process_id"]).casefold()]))
                & (g["cn_code"].astype(str) == str(row["cn_code"]))]
        if len(hit):
            out.loc[i, cols] = hit.iloc[0][cols].to_numpy(dtype=object)
    return out


def _precursor_maps(inputs: Any) -> tuple[dict[str, str], dict[str, str], dict[str, float]]:
    cn: dict[str, str] = {}
    route: dict[str, str] = {}
    sefa: dict[str, float] = {}
    if inputs is not None:
        for _, r in inputs.precursors.iterrows():
            name = str(r["precursor"])
            if pd.notna(r["cn_code"]):
                cn[name] = str(r["cn_code"])
            if pd.notna(r["route"]):
                route[name] = str(r["route"])
            if pd.notna(r["sefa"]):
                sefa[name] = float(r["sefa"])
    return cn, route, sefa


def _sefa_one(result: Any, installation: Any, row: pd.Series, year: int, maps: tuple[Any, Any, Any]
              ) -> tuple[pd.Series, list[dict[str, Any]], list[str]]:
    """The cost frame row of one tonne of one good (SEFA and its terms), the precursor records, warnings."""
    from .cost import cost_from_run, goods_from_run
    from .precursor_allocation import precursors_from_run

    cn_map, route_map, sefa_map = maps
    exports = pd.DataFrame({"cn_code": [row["cn_code"]], "quantity": [1.0], "process": [row["process"]],
                            "production_year": [year]}, index=[str(row["good"])])
    if pd.notna(row["route"]):
        exports["route"] = [row["route"]]
    if row["clinker_content"] is not None and not pd.isna(row["clinker_content"]):
        exports["clinker_content"] = [float(row["clinker_content"])]
    opts: dict[str, Any] = {"years": [year], "price": 1.0, "eur_thb": 1.0, "precursor_cn": cn_map or None,
                            "precursor_route": route_map or None}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if sefa_map:  # a producer's SEFA replaces that precursor's chain (IR 2025/2620 Annex 3.3)
            goods = goods_from_run(result, exports, installation=installation)
            derived = precursors_from_run(result, goods, installation=installation,
                                          precursor_cn=cn_map or None, precursor_route=route_map or None)
            given = [sefa_map.get(str(n), sefa_map.get(str(i))) for n, i in zip(derived["name"], derived["node"],
                                                                                  strict=True)]
            derived["sefa"] = pd.array([np.nan if v is None else v for v in given], dtype=float)
            if len(derived):
                opts["precursors"] = derived[["parent", "mass_per_t", "benchmark_a", "sefa"]]
        cost = cost_from_run(result, exports, installation=installation, **opts)
    return cost.iloc[0], list(cost.attrs.get("precursors", [])), [str(w.message) for w in caught]


def _functional_unit(cn: str, category: str) -> str:
    from .cost import CEMENT_FUNCTIONAL_UNIT_CN
    from .model import activity_unit

    if cn in CEMENT_FUNCTIONAL_UNIT_CN:
        return "t clinker contained"
    return activity_unit(category)


def _goods(result: Any, installation: Any, inputs: Any, year: int, notes: list[str]
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The summary rows (one per good) and the precursor terms of their SEFA."""
    from .benchmarks import benchmark_indicator

    p = result.products.reset_index(drop=True)
    base = pd.DataFrame({
        "good": [str(i + 1) for i in range(len(p))], "process_id": p["process_id"], "process": p["process"],
        "category": p["aggregated_goods_category"], "cn_code": p["cn_code"].astype(str), "product": p["product"],
    })
    base = pd.concat([base, _goods_inputs(inputs, base)], axis=1)
    act = result.processes.set_index("name")["activity_level"]
    base["activity_level"] = [float(act.get(n, np.nan)) for n in base["process"]]
    base["functional_unit"] = [_functional_unit(c, k) for c, k in zip(base["cn_code"], base["category"], strict=True)]
    for col in ("annex_ii", "see_direct", "see_indirect", "see_indirect_counted", "see_counted", "default_share",
                "embedded_electricity", "electricity_ef_source"):
        base[col] = p[col].to_numpy()
    base["production_year"] = year
    base["benchmark_indicator"] = benchmark_indicator(year)
    maps = _precursor_maps(inputs)
    rows, terms = [], []
    for _, row in base.iterrows():
        rec, recs, msgs = _sefa_row(result, installation, row, year, maps)
        rows.append(rec)
        terms.extend(recs)
        notes.extend(m for m in msgs if m not in notes and not m.startswith("de minimis"))  # 1 t per good
    sefa = pd.DataFrame(rows, index=base.index)
    out = pd.concat([base.drop(columns=["clinker_content"]), sefa], axis=1)
    return out[[c for c, _, _ in GOOD_COLUMNS]], pd.DataFrame(terms, columns=_TERM_COLUMNS)


_TERM_COLUMNS = ["good", "name", "node", "kind", "category", "cumulative_mass_per_t", "precursor_cn",
                 "precursor_route", "benchmark_column", "benchmark_a", "contribution", "sefa_given"]


def _sefa_row(result: Any, installation: Any, row: pd.Series, year: int, maps: Any
              ) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    blank: dict[str, Any] = {"clinker_content": row["clinker_content"], "benchmark_column": None,
                             "benchmark_own": np.nan, "benchmark_chain": np.nan, "precursor_terms": None,
                             "cbam_factor": np.nan, "cscf": np.nan, "sefa": np.nan}
    if row["functional_unit"] == "MWh":
        return blank | {"sefa_status": "not applicable: electricity has no CBAM benchmark"}, [], []
    try:
        c, recs, msgs = _sefa_one(result, installation, row, year, maps)
    except CbamError as exc:
        return blank | {"sefa_status": f"missing: {exc}"}, [], []
    own = _own_benchmark(row, c, year)
    terms = [{"good": str(row["good"]), **{k: (r.get(k) if r.get(k) != "" else None) for k in _TERM_COLUMNS[1:]
                                            if k in r},
              "sefa_given": maps[2].get(str(r.get("name")), maps[2].get(str(r.get("node"))))} for r in recs]
    return {
        "clinker_content": c.get("clinker_content", row["clinker_content"]),
        "benchmark_column": str(c["benchmark_column"]), "benchmark_own": own,
        "benchmark_chain": float(c["benchmark"]), "precursor_terms": str(c.get("precursors_counted") or "") or None,
        "cbam_factor": float(c["cbam_factor"]), "cscf": float(c["cscf"]), "sefa": float(c["sefa"]),
        "sefa_status": "computed" + (" (a precursor's SEFA as stated by its producer)" if any(
            t["sefa_given"] is not None for t in terms) else ""),
    }, terms, msgs


def _own_benchmark(row: pd.Series, c: pd.Series, year: int) -> float:
    """Column A of the good's own process (its CN code and route) for the year's indicator."""
    from .benchmarks import benchmark

    route = c.get("route")
    route = None if route is None or (isinstance(route, float) and math.isnan(route)) else route
    for r in dict.fromkeys([route, None]):
        try:
            return float(benchmark(row["cn_code"], route=r, column="A", production_year=year).value)
        except CbamError:
            continue
    return np.nan


# ---------------------------------------------------------------------------- tables


def _mag(q: Any, base: str, name: str) -> float:
    """A pint quantity of the input in ``base`` (NaN where blank)."""
    from .units import magnitudes

    if q is None:
        return np.nan
    return float(magnitudes([q.magnitude], q.units, base, field=name)[0])


#: Columns of :attr:`OperatorReport.processes`: (name, unit, source).
PROCESS_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("id", "", "A_InstData!E83:E92"),
    ("name", "", "A_InstData!L83:L92"),
    ("category", "", "A_InstData!E83:E92"),
    ("activity_level", "t", "Summary_Processes!N71 (MWh for electricity)"),
    ("directly_attributable_emissions", "tCO2e", "Summary_Processes!H71"),
    ("attributed_direct_emissions", "tCO2e", "Summary_Processes!K71"),
    ("indirect_emissions", "tCO2e", "Summary_Processes!L71"),
    ("electricity_consumption", "MWh", "D_Processes!L65"),
    ("electricity_ef", "tCO2e/MWh", "D_Processes!L66"),
    ("electricity_ef_source", "", "D_Processes!L67"),
    ("electricity_exported", "MWh", "D_Processes!L71"),
    ("heat_imported", "TJ", "D_Processes!L57"),
    ("heat_exported", "TJ", "D_Processes!L58"),
    ("waste_gas_imported", "TJ", "D_Processes!L61"),
    ("waste_gas_exported", "TJ", "D_Processes!L62"),
    ("see_direct", "tCO2e/t", "Summary_Processes!H102"),
    ("see_indirect", "tCO2e/t", "Summary_Processes!J102"),
)


def _processes(result: Any, installation: Any) -> pd.DataFrame:
    r = result.processes
    by_name = {p.name: p for p in installation.processes}
    rows = []
    for pid, row in r.iterrows():
        p = by_name.get(row["name"])
        flows = {k: _mag(getattr(p, k, None), u, k) for k, u in (
            ("electricity_ef", "tCO2e/MWh"), ("electricity_exported", "MWh"), ("heat_imported", "TJ"),
            ("heat_exported", "TJ"), ("waste_gas_imported", "TJ"), ("waste_gas_exported", "TJ"))}
        rows.append({"id": str(pid), "name": row["name"], "category": row["aggregated_goods_category"],
                     **{k: float(row[k]) for k in ("activity_level", "directly_attributable_emissions",
                                                    "attributed_direct_emissions", "indirect_emissions",
                                                    "electricity_consumption", "see_direct", "see_indirect")},
                     "electricity_ef_source": getattr(p, "electricity_ef_source", None), **flows})
    return pd.DataFrame(rows, columns=[c for c, _, _ in PROCESS_COLUMNS])


#: Columns of :attr:`OperatorReport.precursors`: (name, unit, source).
PRECURSOR_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("id", "", "P1... own process; PP1... purchased (A_InstData!E102:E121)"),
    ("name", "", "A_InstData!L83 / L102"),
    ("kind", "", "own: D_Processes!L32:L40; purchased: E_PurchPrec"),
    ("category", "", "A_InstData!E83 / E102"),
    ("country", "", "A_InstData!F102 (ISO 3166-1 alpha-2)"),
    ("basis", "", "E_PurchPrec!M49 (Default / Measured); own processes: actual"),
    ("see_direct", "tCO2e/t", "E_PurchPrec!L49; own: Summary_Processes!H102"),
    ("see_indirect", "tCO2e/t", "E_PurchPrec!L52; own: Summary_Processes!J102"),
    ("consumed_t", "t", "sum of D_Processes!L32:L40 / E_PurchPrec!L28:L37"),
    ("consumed_in", "", "per consuming process, t"),
    ("cn_code", "", "input: Report_Precursors cn_code"),
    ("route", "", "input: Report_Precursors route"),
    ("sefa_given", "tCO2e/t", "input: Report_Precursors sefa (the producer's)"),
    ("period_basis", "", "input: Report_Precursors period_basis"),
    ("production_year", "year", "input: Report_Precursors production_year"),
    ("origin_operator", "", "input"),
    ("origin_installation", "", "input"),
    ("origin_registry_id", "", "input"),
    ("origin_reporting_period", "", "input"),
)
_PRECURSOR_INPUTS = ("cn_code", "route", "sefa", "period_basis", "production_year", "origin_operator",
                     "origin_installation", "origin_registry_id", "origin_reporting_period")


def _precursor_input(inputs: Any, pid: str, name: str) -> dict[str, Any]:
    if inputs is None or not len(inputs.precursors):
        return {}
    pre = inputs.precursors
    key = pre["precursor"].astype(str).str.strip().str.casefold()
    hit = pre[key.isin([pid.casefold(), name.strip().casefold()])]
    return {} if hit.empty else {k: hit.iloc[0][k] for k in _PRECURSOR_INPUTS}


def _consumed(flows: Any, name: str) -> tuple[float, str]:
    amounts = {k: _mag(q, "t", name) for k, q in (flows or {}).items()}
    amounts = {k: v for k, v in amounts.items() if v == v and v > 0}
    return float(sum(amounts.values())), "; ".join(f"{k}: {v:,.3f} t" for k, v in amounts.items())


def _precursors(result: Any, installation: Any, inputs: Any) -> pd.DataFrame:
    rows = []
    proc = result.processes.set_index("name")
    for p in installation.processes:
        total, text = _consumed(p.sent_to, "sent_to")
        if total > 0:
            rows.append({"id": p.id, "name": p.name, "kind": "own", "category": p.category, "country": None,
                         "basis": "actual", "see_direct": float(proc.loc[p.name, "see_direct"]),
                         "see_indirect": float(proc.loc[p.name, "see_indirect"]), "consumed_t": total,
                         "consumed_in": text, **_precursor_input(inputs, p.id, p.name)})
    bought = result.purchased_precursors
    for pp in installation.purchased_precursors:
        total, text = _consumed(pp.consumed_in, "consumed_in")
        basis = {"Default": "default", "Measured": "actual"}.get(str(pp.see_direct_source), "unknown")
        see = bought.loc[pp.id] if pp.id in bought.index else pd.Series({"see_direct": np.nan, "see_indirect": np.nan})
        rows.append({"id": pp.id, "name": pp.name, "kind": "purchased", "category": pp.category,
                     "country": pp.country, "basis": basis, "see_direct": float(see["see_direct"]),
                     "see_indirect": float(see["see_indirect"]), "consumed_t": total, "consumed_in": text,
                     **_precursor_input(inputs, pp.id, pp.name)})
    out = pd.DataFrame(rows).rename(columns={"sefa": "sefa_given"})
    return out.reindex(columns=[c for c, _, _ in PRECURSOR_COLUMNS])


def _source_streams(installation: Any) -> pd.DataFrame:
    """Per source stream: method, energy [TJ], fossil and biomass emissions [tCO2e], as the engine computes."""
    from .pipeline import _Findings
    from .pipeline import _source_streams as engine

    ss = installation.source_streams
    cols = ["name", "method", "activity_data", "energy_tj", "emissions_fossil_t", "emissions_biomass_t",
            "biomass_fraction"]
    if not ss:
        return pd.DataFrame(columns=cols)
    arrays = engine(installation, _Findings())
    return pd.DataFrame({
        "name": [s.name for s in ss], "method": [s.method for s in ss],
        "activity_data": [None if s.activity_data is None else
                          f"{s.activity_data.magnitude:g} {s.activity_data.units:~}" for s in ss],
        "energy_tj": arrays["energy"], "emissions_fossil_t": arrays["fossil"], "emissions_biomass_t": arrays["biomass"],
        "biomass_fraction": [np.nan if s.biomass_fraction is None else float(s.biomass_fraction) for s in ss],
    }, columns=cols)


# ---------------------------------------------------------------------------- Annex IV items


@dataclass
class _Ctx:
    result: Any
    inst: Any
    inputs: Any
    goods: pd.DataFrame
    processes: pd.DataFrame
    precursors: pd.DataFrame
    streams: pd.DataFrame
    meta: dict[str, Any]


def _rows(frame: pd.DataFrame) -> list[Any]:
    """The rows of a frame as named tuples (typed loosely: columns hold text and numbers)."""
    return list(frame.itertuples())


def _num(v: Any, unit: str, digits: int = 6) -> str:
    return f"{v:,.{digits}f} {unit}" if v == v else "-"


def _top5(frame: pd.DataFrame, col: str, unit: str, digits: int = 3) -> str | None:
    f = frame[frame[col] > 0].sort_values(col, ascending=False).head(5)
    if not len(f):
        return None
    return "; ".join(f"{n}: {_num(v, unit, digits)}" for n, v in zip(f["name"], f[col], strict=True))


def _per_good(c: _Ctx, col: str, unit_of: Any = None, mask: Any = None) -> str:
    g = c.goods if mask is None else c.goods[mask]
    return "; ".join(f"{r.good} CN {r.cn_code}: {_num(getattr(r, col), unit_of(r) if unit_of else '')}".rstrip()
                     for r in _rows(g))


def _see_unit(r: Any) -> str:
    return "tCO2e/MWh" if r.functional_unit == "MWh" else ("tCO2e/t clinker contained" if "clinker" in
                                                            r.functional_unit else "tCO2e/t")


def _flows(c: _Ctx, cols: tuple[str, ...], unit: str) -> str:
    p = c.processes
    parts = [f"{r['id']} {r['name']}: " + ", ".join(f"{k.replace('_', ' ')} {_num(r[k], unit, 3)}" for k in cols
                                                   if r[k] == r[k] and r[k] > 0)
             for _, r in p.iterrows() if any(r[k] == r[k] and r[k] > 0 for k in cols)]
    return "; ".join(parts) if parts else "none"


def _h_installation(c: _Ctx) -> str | None:
    name = (c.inst.name or "").strip()
    return f"{name} ({c.inst.country or 'country not stated'})" if name else None


def _h_processes_routes(c: _Ctx) -> str:
    out = []
    for _, p in c.processes.iterrows():
        g = c.goods[c.goods["process"] == p["name"]]
        routes = sorted({str(r) for r in g["route"] if r is not None})
        out.append(f"{p['id']} {p['name']} ({p['category']}; route {', '.join(routes) or 'not stated'}): CN "
                   + ", ".join(dict.fromkeys(g["cn_code"])))
    return "; ".join(out)


def _h_largest_goods(c: _Ctx) -> str:
    out = []
    for pid, g in c.goods.groupby("process_id", sort=False):
        q = pd.to_numeric(g["quantity_t"], errors="coerce")
        g = g.assign(qty=q).sort_values("qty", ascending=False, na_position="last").head(5)
        out.append(f"{pid}: " + ", ".join(f"{r.cn_code}" + (f" {r.qty:,.3f} t" if r.qty == r.qty else "")
                                          for r in _rows(g)))
    return "; ".join(out)


def _h_largest_fuels(c: _Ctx) -> str | None:
    s = c.streams
    return _top5(s[s["method"] == "combustion"], "energy_tj", "TJ") or "no fuels"


def _h_largest_materials(c: _Ctx) -> str | None:
    s = c.streams
    return _top5(s[s["method"] != "combustion"], "emissions_fossil_t", "tCO2e", 1) or "no process materials"


def _h_measured_sources(c: _Ctx) -> str:
    return "; ".join(f"{m.name} ({m.gas})" for m in c.inst.measured_sources[:5])


def _h_zero_rated(c: _Ctx) -> str:
    s = c.streams[c.streams["biomass_fraction"] > 0]
    return ("yes: " + "; ".join(f"{r.name} biomass {r.biomass_fraction:.1%}" for r in _rows(s))) if len(s) \
        else "no zero-rated (biomass) fuel in the source streams"


def _h_heat(c: _Ctx) -> str:
    return _flows(c, ("heat_imported", "heat_exported"), "TJ")


def _h_waste(c: _Ctx) -> str:
    return _flows(c, ("waste_gas_imported", "waste_gas_exported"), "TJ")


def _h_electricity_exported(c: _Ctx) -> str:
    return _flows(c, ("electricity_exported",), "MWh")


def _h_electricity_per_process(c: _Ctx) -> str:
    return "; ".join(f"{r['id']} {r['name']}: {_num(r['electricity_consumption'], 'MWh', 3)}"
                     for _, r in c.processes.iterrows())


def _h_electricity_factor(c: _Ctx) -> str:
    return "; ".join(f"{r['id']}: {_num(r['electricity_ef'], 'tCO2e/MWh')} ({r['electricity_ef_source'] or '-'})"
                     for _, r in c.processes.iterrows() if r["electricity_consumption"] > 0) or "no electricity"


def _non_annex_ii(c: _Ctx) -> pd.Series:
    return ~c.goods["annex_ii"].astype(bool)


def _h_electricity_non_annex_ii(c: _Ctx) -> str:
    procs = set(c.goods.loc[_non_annex_ii(c), "process"])
    total = float(c.processes.loc[c.processes["name"].isin(procs), "electricity_consumption"].sum())
    return _num(total, "MWh", 3)


def _h_goods_per_process(c: _Ctx) -> str:
    return "; ".join(f"{r['id']} {r['name']}: {_num(r['activity_level'], 't', 3)}; CN "
                     + ", ".join(dict.fromkeys(c.goods.loc[c.goods["process"] == r["name"], "cn_code"]))
                     for _, r in c.processes.iterrows())


def _h_data_quality(c: _Ctx) -> str:
    return "; ".join(f"{r.good} CN {r.cn_code}: " + ("fully monitored" if not r.default_share > 0 else
                                                      f"default values for {r.default_share:.2%} of SEE direct")
                     for r in _rows(c.goods))


def _h_default_share(c: _Ctx) -> str:
    return "; ".join(f"{r.good} CN {r.cn_code}: " + ("-" if r.default_share != r.default_share else
                                                      f"{r.default_share:.6f}") for r in _rows(c.goods))


def _totals(c: _Ctx, *names: str) -> str:
    t = c.result.totals
    return "; ".join(f"{n.replace('_', ' ')} {_num(getattr(t, n), 'tCO2e', 3)}" for n in names)


def _h_own_precursors(c: _Ctx) -> str:
    p = c.precursors[c.precursors["kind"] == "own"] if len(c.precursors) else c.precursors
    return "; ".join(f"{r['id']} {r['name']}: {_num(r['consumed_t'], 't', 3)}" for _, r in p.iterrows()) or "none"


def _h_own_per_process(c: _Ctx) -> str:
    p = c.precursors[c.precursors["kind"] == "own"] if len(c.precursors) else c.precursors
    return "; ".join(f"{r['id']} {r['name']} -> {r['consumed_in']}" for _, r in p.iterrows()) or "none"


def _bought(c: _Ctx, basis: str | None = None) -> pd.DataFrame:
    if not len(c.precursors):
        return c.precursors
    p = c.precursors[c.precursors["kind"] == "purchased"]
    return p if basis is None else p[p["basis"] == basis]


def _h_bought(c: _Ctx) -> str:
    return "; ".join(f"{r['id']} {r['name']}: {_num(r['consumed_t'], 't', 3)}" for _, r in _bought(c).iterrows()) \
        or "none"


def _h_bought_per_process(c: _Ctx) -> str:
    return "; ".join(f"{r['id']} {r['name']} -> {r['consumed_in']}" for _, r in _bought(c).iterrows()) or "none"


def _text(value: Any, blank: str) -> str:
    return blank if value is None or (isinstance(value, float) and value != value) or value == "" else str(value)


def _precursor_lines(p: pd.DataFrame, label: str) -> str:
    return "; ".join(f"{r['id']} {r['name']} (CN {_text(r['cn_code'], 'not stated')}, {_text(r['country'], '-')}): "
                     f"{label} "
                     f"{_num(r['see_direct'], 'tCO2e/t')}" + (f", indirect {_num(r['see_indirect'], 'tCO2e/t')}"
                                                             if r["see_indirect"] == r["see_indirect"] else "")
                     for _, r in p.iterrows())


def _h_precursors_default(c: _Ctx) -> str:
    return _precursor_lines(_bought(c, "default"), "default value SEE direct")


def _h_precursors_actual(c: _Ctx) -> str:
    p = c.precursors
    p = p[p["basis"] == "actual"] if len(p) else p
    return _precursor_lines(p, "SEE direct")


def _h_activity_and_emissions(c: _Ctx) -> str:
    return "; ".join(f"{r['id']} {r['name']}: activity {_num(r['activity_level'], 't', 3)}, direct "
                     f"{_num(r['attributed_direct_emissions'], 'tCO2e', 3)}, indirect "
                     f"{_num(r['indirect_emissions'], 'tCO2e', 3)}" for _, r in c.processes.iterrows())


def _h_functional_unit(c: _Ctx) -> str:
    g = c.goods[c.goods["functional_unit"] != "t"]
    return "; ".join(f"{r.good} CN {r.cn_code}: {r.functional_unit}" + (
        f", activity {_num(r.activity_level, 'MWh', 3)}" if r.functional_unit == "MWh" else
        f", clinker content {r.clinker_content:.6f} t/t" if r.clinker_content == r.clinker_content and
        r.clinker_content is not None else ", clinker content not stated") for r in _rows(g))


def _h_sefa(c: _Ctx) -> str:
    return "; ".join(f"{r.good} CN {r.cn_code}: " + (_num(r.sefa, _see_unit(r)) if r.sefa == r.sefa else
                                                      str(r.sefa_status)) for r in _rows(c.goods))


def _h_benchmark_record(c: _Ctx) -> str:
    m = c.meta
    cols = ", ".join(sorted({str(v) for v in c.goods["benchmark_column"] if v is not None})) or "-"
    return (f"production year {m['year']}, indicator {m['benchmark_indicator']}, Column {cols}, CBAM factor "
            f"{m['cbam_factor']:g}, CSCF {m['cscf']:g} (assumption); SEFA = CBAM factor x CSCF x (own Column A + "
            "sum of m_i x precursor benchmarks), a producer's SEFA where stated (IR (EU) 2025/2620 Annex 3.3)")


def _h_direct_per_process(c: _Ctx) -> str:
    return _totals(c, "direct") + "; " + "; ".join(
        f"{r['id']} {r['name']}: {_num(r['attributed_direct_emissions'], 'tCO2e', 3)}"
        for _, r in c.processes.iterrows())


def _h_indirect_total(c: _Ctx) -> str:
    return _num(float(c.processes["indirect_emissions"].sum()), "tCO2e", 3)


def _h_months(c: _Ctx) -> str | None:
    s, e = c.inst.period_start, c.inst.period_end
    return None if s is None or e is None else f"{s} to {e} ({(e.year - s.year) * 12 + e.month - s.month + 1} months)"


_HANDLERS: dict[str, Any] = {
    "installation": _h_installation, "processes_routes": _h_processes_routes, "largest_goods": _h_largest_goods,
    "largest_fuels": _h_largest_fuels, "largest_materials": _h_largest_materials,
    "measured_sources": _h_measured_sources, "zero_rated": _h_zero_rated, "heat_exchange": _h_heat,
    "electricity_per_process": _h_electricity_per_process, "electricity_exported": _h_electricity_exported,
    "waste_gases": _h_waste, "total_direct": lambda c: _totals(c, "direct"), "monitoring_months": _h_months,
    "electricity_non_annex_ii": _h_electricity_non_annex_ii, "electricity_factor": _h_electricity_factor,
    "goods_per_process": _h_goods_per_process,
    "see_direct": lambda c: _per_good(c, "see_direct", _see_unit),
    "data_quality": _h_data_quality, "default_share": _h_default_share,
    "see_indirect": lambda c: _per_good(c, "see_indirect", _see_unit, _non_annex_ii(c)),
    "electricity_good_factor": lambda c: _per_good(c, "see_direct", _see_unit, c.goods["functional_unit"] == "MWh"),
    "total_emissions": lambda c: _totals(c, "total", "direct", "indirect"),
    "source_streams": lambda c: f"{len(c.streams)} source streams (sheet Source streams)",
    "measured_emissions": lambda c: _totals(c, "measurement_based"),
    "other_methods": lambda c: _totals(c, "pfc_based", "other_methods"),
    "flows_per_process": lambda c: "sheet Processes: " + _flows(c, (
        "heat_imported", "heat_exported", "waste_gas_imported", "waste_gas_exported"), "TJ") + "; electricity "
        + _h_electricity_per_process(c) + "; exported " + _h_electricity_exported(c),
    "own_precursors": _h_own_precursors, "own_precursors_per_process": _h_own_per_process,
    "bought_precursors": _h_bought, "bought_precursors_per_process": _h_bought_per_process,
    "precursors_default": _h_precursors_default, "precursors_actual": _h_precursors_actual,
    "attribution_figures": lambda c: "figures: " + _h_activity_and_emissions(c),
    "activity_and_emissions": _h_activity_and_emissions, "functional_unit_per_process": _h_functional_unit,
    "sefa": _h_sefa, "benchmark_record": _h_benchmark_record, "direct_per_process": _h_direct_per_process,
    "indirect_total": _h_indirect_total,
    "sector_parameters": lambda c: "; ".join(f"{r.good} CN {r.cn_code}: {r.sector_parameters}"
                                             for r in _rows(c.goods) if r.sector_parameters is not None
                                             and r.sector_parameters == r.sector_parameters),
}


_NO_PARAMETERS = {"calcined clays", "cement clinker", "aluminous cement", "hydrogen", "sintered ore",
                  "electricity (export to eu)"}  # Annex IV section 2: "N.a." / none


def _applies(c: _Ctx, rule: str) -> tuple[bool | None, str]:
    """Whether an item applies to this installation (None: the inputs must say), and why not.

    Only ``rule``'s test is evaluated (each item asks for one; evaluating them all per item was
    most of the report's time).
    """
    p, g = c.processes, c.goods

    def sources() -> list[str]:
        return [str(s or "") for s in p["electricity_ef_source"]]

    tests: dict[str, tuple[Callable[[], bool | None], str]] = {
        "always": (lambda: True, ""),
        "measured": (lambda: bool(c.inst.measured_sources), "no source is monitored by continuous measurement"),
        "heat": (lambda: _h_heat(c) != "none", "no measurable heat imported or exported"),
        "waste_gas": (lambda: _h_waste(c) != "none", "no waste gas imported or exported"),
        "new_installation": (lambda: {"yes": True, "no": False}.get(c.inputs.info.get("new_installation"))
                             if c.inputs else None, "not a new installation (Report_Info new_installation = no)"),
        "non_annex_ii": (lambda: bool(_non_annex_ii(c).any()),
                         "every good is listed in Annex II of Reg. (EU) 2023/956"),
        "electricity_good": (lambda: bool((g["functional_unit"] == "MWh").any()), "no electricity exported to the EU"),
        "several_sources": (lambda: any(s == "Mix" for s in sources()), "one electricity source per process"),
        "ppa": (lambda: any(s.startswith("D.4.3") for s in sources()), "no power purchase agreement (D_Processes!L67)"),
        "precursors_default": (lambda: bool(len(_bought(c, "default"))), "no precursor on default values"),
        "precursors_actual": (lambda: bool(len(c.precursors) and (c.precursors["basis"] == "actual").any()),
                              "no precursor on actual values"),
        "precursors_bought": (lambda: bool(len(_bought(c))), "no purchased precursor"),
        "functional_unit": (lambda: bool((g["functional_unit"] != "t").any()), "every good is counted in tonnes"),
        "sector_parameters": (lambda: bool((~g["category"].str.strip().str.casefold().isin(_NO_PARAMETERS)).any()),
                              "Annex IV section 2 sets no parameter for these goods"),
    }
    test, why = tests[rule]
    return test(), why


def _label(key: str) -> str:
    from .io.report_inputs import SHEETS, fields

    part, _, name = key.rpartition(".")
    spec = next((f for f in fields() if f["key"] == name and f["sheet"] == (part or "info")), None)
    return f"{SHEETS[part or 'info']} {name}" + (f" ({spec['en']})" if spec else "")


def _missing_inputs(c: _Ctx, keys: list[str], item_rule: str) -> list[str]:
    """Input fields an item needs that are blank (per good or precursor where the field is per row)."""
    out = []
    for key in keys:
        part, _, name = key.rpartition(".")
        if not part:
            if c.inputs is None or c.inputs.info.get(name) in (None, ""):
                out.append(_label(key))
            continue
        if part == "goods":
            rows = c.goods
            if name == "sector_parameters":
                rows = rows[~rows["category"].str.strip().str.casefold().isin(_NO_PARAMETERS)]
            col = rows[name] if name in rows else pd.Series([None] * len(rows))
            lacking = [f"{r['good']} CN {r['cn_code']}" for (_, r), v in zip(rows.iterrows(), col, strict=True)
                       if v is None or (isinstance(v, float) and math.isnan(v))]
        else:
            rows = {"precursors_default": _bought(c, "default"), "precursors_actual": _bought(c, "actual")}.get(
                item_rule, _bought(c))
            lacking = [f"{r['id']} {r['name']}" for _, r in rows.iterrows()
                       if r.get(name) is None or (isinstance(r.get(name), float) and r.get(name) != r.get(name))]
        if lacking:
            out.append(f"{_label(key)} for " + ", ".join(lacking))
    return out


def _item(c: _Ctx, spec: dict[str, str]) -> dict[str, Any]:
    row = {k: spec[k] for k in ("section", "item", "key", "title_en", "title_th", "source")}
    applies, why = _applies(c, spec["applies"])
    if applies is False:
        return row | {"status": "not applicable", "value": why, "missing": None}
    keys = [k for k in spec["inputs"].split(";") if k]
    value = _HANDLERS[spec["computed"]](c) if spec["computed"] else None
    if spec["computed"] == "zero_rated" and str(value).startswith("no "):
        keys.remove("zero_rating_proof")  # nothing to prove without zero-rated fuels
    parts = [value] if value else []
    info = c.inputs.info if c.inputs is not None else {}
    parts += [f"{k}: {info[k]}" for k in keys if "." not in k and info.get(k) not in (None, "")]
    lacking = _missing_inputs(c, keys, spec["applies"])
    if applies is None and _label("new_installation") not in lacking:
        lacking.insert(0, _label("new_installation"))
    if spec["computed"] and not value:
        lacking.insert(0, "the input workbook does not hold it")
    if spec["computed"] == "sefa":  # a good whose benchmark needs a route or CN code not stated
        lacking += [f"SEFA of good {r.good} CN {r.cn_code}: {str(r.sefa_status)[len('missing: '):]}"
                    for r in _rows(c.goods) if str(r.sefa_status).startswith("missing")]
    status = "present" if not lacking else ("partly missing" if parts else "missing")
    return row | {"status": status, "value": " | ".join(map(str, parts)) or None,
                  "missing": "; ".join(lacking) or None}


def _items(c: _Ctx) -> pd.DataFrame:
    cols = ["section", "item", "key", "title_en", "title_th", "status", "value", "source", "missing"]
    return pd.DataFrame([_item(c, spec) for spec in items_catalogue()], columns=cols)


# ---------------------------------------------------------------------------- orchestrator


def build_report(result: Any, installation: Any, *, year: int | None = None, inputs: Any = None) -> OperatorReport:
    """The operator's emissions report and summary (IR (EU) 2025/2547 Annex IV) of a run.

    Parameters
    ----------
    result : cbamcalc.result.InstallationResult
        Output of :func:`cbamcalc.pipeline.run_installation` on ``installation``.
    installation : cbamcalc.model.Installation
        The engine's input (flows, precursors, source streams, period).
    year : int, optional
        Production year of the SEFA (CBAM factor, CSCF, benchmark indicator), 2026-2034. Default:
        the year the reporting period ends; required when that is before 2026.
    inputs : cbamcalc.io.report_inputs.ReportInputs, optional
        What the workbooks lack (identity, routes, precursor CN codes and origins, confirmations).

    Returns
    -------
    OperatorReport

    Raises
    ------
    InputError
        No usable ``year`` (see :func:`report_year`).

    References
    ----------
    IR (EU) 2025/2547 Art. 10 and Annex IV; IR (EU) 2025/2620 Annex 3.3 and 5.3; Directive
    2003/87/EC Art. 10a(1a).
    """
    from .benchmarks import benchmark_indicator
    from .free_allocation import cbam_factor, cscf

    y = report_year(installation, year)
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:  # the CSCF assumption: recorded on the report
        warnings.simplefilter("always")
        factor, cscf_y = float(np.ravel(cbam_factor(y))[0]), float(np.ravel(cscf(y))[0])
    notes.extend(str(w.message) for w in caught)
    goods, terms = _goods(result, installation, inputs, y, notes)
    meta = {
        "schema": f"cbamcalc/operator_report-{SCHEMA_VERSION}", "installation": installation.name,
        "country": installation.country, "period_start": _iso(installation.period_start),
        "period_end": _iso(installation.period_end), "year": y, "benchmark_indicator": benchmark_indicator(y),
        "cbam_factor": factor, "cscf": cscf_y,
        "source_file": result.source_file, "template_version": result.template_version,
        "inputs_file": getattr(inputs, "source", None), "cbamcalc_version": result.cbamcalc_version,
        "data_version": result.data_version, "legal_language": "en (IR (EU) 2025/2547 Art. 10(4))",
        "default_share_definition": "SEE direct from default values / SEE direct, a fraction (Annex IV defines "
                                    "no denominator)",
    }
    processes = _processes(result, installation)
    precursors = _precursors(result, installation, inputs)
    ctx = _Ctx(result, installation, inputs, goods, processes, precursors, _source_streams(installation), meta)
    return OperatorReport(meta=meta, goods=goods, processes=processes, precursors=precursors,
                          precursor_terms=terms, source_streams=ctx.streams, items=_items(ctx),
                          warnings=list(dict.fromkeys([*result.warnings, *notes])))


def _iso(d: Any) -> str | None:
    return None if d is None else d.isoformat()

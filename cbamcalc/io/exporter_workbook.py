"""The cbamcalc input workbook: one installation, in English and/or Thai, simpler than the EU template.

:func:`write_input_workbook` writes a workbook to fill in (optionally with an example, or with
data); :func:`read_input_workbook` reads it back into an :class:`ExporterInput`: the
:class:`~cbamcalc.model.Installation` the SEE engine needs, the tonnes exported to the EU per
good and year (a tidy frame), and the descriptive details (address, data quality) that the
EU Communication template asks for.

Layout
------
Sheet names are English in every language (the Commission's template does the same), so a
workbook filled in Thai reads like one filled in English. Every table sheet has

* row 1 (hidden): the canonical field key of each column; the reader finds columns by key,
  never by position or label;
* row 2: title and a one-line instruction, in the chosen language(s);
* row 3: column labels (dark yellow = mandatory, light yellow = optional, as in the EU
  template), frozen with the rows above;
* row 4 onwards: one row per item. Empty rows are skipped.

Every quantity has a unit column, parsed by pint (:func:`cbamcalc.units.parse_unit`): ``t``,
``kt``, ``Nm3``, ``1000 Nm3``, ``GJ/t``, ``kWh``, ``kgCO2e/kWh`` ... The drop-down lists
(CN codes of CBAM goods, countries, units, methods) live on the hidden sheet ``Lists`` and the
visible sheet ``CN codes``; unit lists only warn, so any pint unit of the right dimension can
be typed. Labels and list entries come from ``exporter_labels.csv`` (data, not code).

Sheets: Instructions, Installation, Source streams, Electricity & heat, Processes, Precursor
flows, Purchased precursors, Goods & exports, PFC, Measurement, Example (a filled example,
never read), CN codes, and the hidden Lists and _cbamcalc (format marker).

Errors
------
Every problem is an :class:`~cbamcalc.errors.InputError` naming file, sheet, cell, field,
what was expected and what was found: a missing sheet, an unknown unit (a
:class:`~cbamcalc.errors.UnitError`), text in a number cell, a CN code that is not a CBAM
good, an empty mandatory cell, an unknown process name. The file is only read.
"""

from __future__ import annotations

import csv
import datetime as _dt
import math
import os
import re
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..errors import InputError, OutputError, UnitError
from ..model import (
    Good,
    Installation,
    InstallationTotalsInput,
    MeasuredSource,
    PFCSource,
    ProductionProcess,
    PurchasedPrecursor,
    SourceStream,
)
from ..units import Q_, parse_unit, ureg
from .atomic import write_atomically

if TYPE_CHECKING:  # pragma: no cover
    import pint
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "ExporterInput",
    "EXPORT_COLUMNS",
    "EXPORT_YEARS",
    "FORMAT_MARKER",
    "Language",
    "detect_format",
    "example_input",
    "label_text",
    "labels",
    "read_input_workbook",
    "write_input_workbook",
]

Language = Literal["en", "th", "both"]

#: Text in ``_cbamcalc!A1`` that marks a cbamcalc input workbook.
FORMAT_MARKER = "cbamcalc input workbook"
#: Layout version in ``_cbamcalc!B1``.
FORMAT_VERSION = "1"
#: Years with an export column on the Goods sheet (the CBAM cost horizon of cbamcalc).
EXPORT_YEARS: tuple[int, ...] = tuple(range(2026, 2035))
#: Columns of :attr:`ExporterInput.exports`.
EXPORT_COLUMNS: tuple[str, ...] = ("good", "process", "cn_code", "product", "year", "quantity")

_FIRST_DATA_ROW = 4
_KEY_ROW = 1
_MANDATORY_FILL = "FFFFFF00"  # the EU template's "dark yellow" (mandatory)
_OPTIONAL_FILL = "FFFFFFCC"  # light yellow (optional)
_DANGEROUS = ("=", "+", "-", "@")

# ---------------------------------------------------------------------------- the data


@dataclass
class ExporterInput:
    """What a cbamcalc input workbook holds.

    Attributes
    ----------
    installation : Installation
        Everything the SEE calculation needs (:func:`cbamcalc.pipeline.run_installation`);
        each object's ``cells`` names the workbook cell of each field.
    exports : pandas.DataFrame
        Tonnes exported to the EU per good and year, one row per filled cell, columns
        :data:`EXPORT_COLUMNS`: ``good`` (position of the good in ``installation.goods``),
        ``process``, ``cn_code`` (8 digits), ``product``, ``year``, ``quantity`` [t].
        This is the ``exports`` argument of :func:`cbamcalc.cost.cost_from_run`.
    details : dict
        Descriptive entries the EU Communication template asks for, keyed by the field names
        of its cell map (``template_map_v2_1_1.csv``): ``name`` (local name), ``street``,
        ``economic_activity``, ``post_code``, ``po_box``, ``city``, ``unlocode``,
        ``latitude``, ``longitude``, ``data_quality``, ``default_justification``,
        ``quality_assurance``.
    routes : dict
        Production route of each production process, by process name (template spelling).
    language : {"en", "th", "both"}
        Language the workbook was written in.
    source_file : str, optional
        The file read.
    warnings : list of str
        Non-fatal findings of the reader (also issued with :func:`warnings.warn`).
    """

    installation: Installation
    exports: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(EXPORT_COLUMNS)))
    details: dict[str, Any] = field(default_factory=dict)
    routes: dict[str, str] = field(default_factory=dict)
    language: str = "en"
    source_file: str | None = None
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------- labels (data)


@cache
def labels() -> dict[str, dict[str, str]]:
    """The labels of ``exporter_labels.csv``: key -> {"en": ..., "th": ...}."""
    text = resources.files("cbamcalc.io").joinpath("exporter_labels.csv").read_text(encoding="utf-8")
    out: dict[str, dict[str, str]] = {}
    for row in csv.DictReader(text.splitlines()):
        out[row["key"]] = {"en": row["en"], "th": row["th"]}
    return out


def label_text(key: str, lang: str, **fmt: Any) -> str:
    """A label of ``exporter_labels.csv`` in ``lang`` (``"both"``: English, a line break, Thai).

    ``fmt`` fills the label's ``{placeholders}``.
    """
    return _text(key, lang, **fmt)


def _text(key: str, lang: str, **fmt: Any) -> str:
    entry = labels()[key]
    en, th = entry["en"].format(**fmt), entry["th"].format(**fmt)
    if lang == "en":
        return en
    if lang == "th":
        return th
    return en if en == th else f"{en}\n{th}"


# ---------------------------------------------------------------------------- choice lists


@dataclass(frozen=True)
class _Choices:
    """A drop-down list: canonical values (the EU template's strings) and their label keys."""

    name: str
    values: tuple[Any, ...]
    strict: bool = True

    def display(self, value: Any, lang: str) -> Any:
        key = f"list.{self.name}.{_slug(value)}"
        if key not in labels() or lang == "en":
            return value
        en, th = labels()[key]["en"], labels()[key]["th"]
        return en if th == en else f"{th} ({en})"

    def lookup(self) -> dict[str, Any]:
        """Every accepted spelling (casefolded, spaces collapsed) -> canonical value."""
        out: dict[str, Any] = {}
        for v in self.values:
            forms = {str(v)}
            key = f"list.{self.name}.{_slug(v)}"
            if key in labels():
                en, th = labels()[key]["en"], labels()[key]["th"]
                forms |= {en, th, f"{th} ({en})"}
            for form in forms:
                out[_norm(form)] = v
        return out


def _slug(value: Any) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(value).strip().casefold()).strip("_")


def _norm(text: Any) -> str:
    return " ".join(str(text).split()).casefold()


_CATEGORIES = (
    "Cement", "Cement clinker", "Calcined clays ", "Aluminous cement", "Iron or steel products", "Crude steel",
    "Direct reduced iron", "Pig iron", "Alloys (FeMn, FeCr, FeNi)", "Sintered Ore", "Hydrogen", "Ammonia",
    "Nitric acid", "Urea", "Mixed fertilisers", "Aluminium products", "Unwrought aluminium",
    "Electricity (export to EU)",
)
#: Production routes per category (EU template, Parameters_Constants G89:P106).
ROUTES: dict[str, tuple[str, ...]] = {
    "Crude steel": ("Basic oxygen steelmaking", "Electric arc furnace", "Other production routes",
                    "Unknown production routes"),
    "Pig iron": ("Blast furnace route", "Smelting reduction", "Other production routes", "Unknown production routes"),
    "Hydrogen": ("Steam reforming and partial oxidation", "Electrolysis of water",
                 "Chlor-Alkali electrolysis and production of chlorates", "Other production routes",
                 "Unknown production routes"),
    "Ammonia": ("Haber-Bosch process with steam reforming of natural gas or biogas",
                "Haber-Bosch process with gasification of coal or other fuels", "Other production routes",
                "Unknown production routes"),
    "Unwrought aluminium": ("Primary (electrolytic) smelting", "Secondary melting (recycling)",
                            "Other production routes", "Unknown production routes"),
}
ALL_ROUTES = "All production routes"
_ALL_ROUTE_VALUES = tuple(dict.fromkeys([ALL_ROUTES] + [r for rs in ROUTES.values() for r in rs]))

_UNITS = {
    "amount": ("t", "kt", "Mt", "kg", "Nm3", "1000 Nm3"),
    "mass": ("t", "kt", "Mt", "kg"),
    "ncv": ("GJ/t", "TJ/kt", "MJ/kg", "GJ/1000 Nm3", "MJ/Nm3"),
    "ef": ("tCO2e/TJ", "kgCO2e/GJ", "tCO2e/t", "tCO2e/1000 Nm3", "kgCO2e/Nm3"),
    "carbon": ("tC/t", "tC/1000 Nm3"),
    "electricity": ("MWh", "kWh", "GWh"),
    "elec_ef": ("tCO2e/MWh", "kgCO2e/kWh"),
    "energy": ("TJ", "GJ", "MWh"),
    "heat_ef": ("tCO2e/TJ", "kgCO2e/GJ", "tCO2e/MWh"),
    "emissions": ("tCO2e", "ktCO2e", "kgCO2e"),
    "see": ("tCO2e/t", "kgCO2e/kg", "kgCO2e/t"),
    "spec_elec": ("MWh/t", "kWh/t", "kWh/kg"),
    "concentration": ("g/Nm3", "mg/Nm3"),
    "hours": ("h",),
    "flow": ("1000 Nm3/h", "Nm3/h"),
}

CHOICES: dict[str, _Choices] = {
    "category": _Choices("category", _CATEGORIES),
    "method": _Choices("method", ("Combustion", "Process emissions", "Mass Balance")),
    "route": _Choices("route", _ALL_ROUTE_VALUES, strict=False),
    "ef_source": _Choices("ef_source", ("D.4(a)", "D.4(b)", "D.4.1", "D.4.2", "D.4.3.1", "D.4.3.2", "Mix")),
    "data_source": _Choices("data_source", ("Measured", "Default", "Unknown")),
    "data_quality": _Choices("data_quality", (
        "Mostly measurements & analyses",
        "Mostly measurements & national standard factors for e.g. the emission factor",
        "Mostly measurements & sector-specific standard factors for e.g. the emission factor",
        "Mostly measurements & international standard factors for e.g. the emission factor",
        "Mostly default values provided by the European Commission")),
    "justification": _Choices("justification", ("Unreasonable costs for more accurate monitoring", "Data gaps",
                                                "Other")),
    "verification": _Choices("verification", ("Third-party verification", "Internal audits", "Four eyes principle",
                                              "None")),
    "pfc_method": _Choices("pfc_method", ("Slope method", "Overvoltage method")),
    "gas": _Choices("gas", ("CO2", "N2O")),
    "bool": _Choices("bool", (True, False)),
    **{f"unit_{k}": _Choices(f"unit_{k}", v, strict=False) for k, v in _UNITS.items()},
}
_METHOD_TO_MODEL = {"Combustion": "combustion", "Process emissions": "process_emissions",
                    "Mass Balance": "mass_balance"}
_PFC_TO_MODEL = {"Slope method": "slope", "Overvoltage method": "overvoltage"}


# ---------------------------------------------------------------------------- the layout (spec)


@dataclass(frozen=True)
class _Field:
    """One input of a sheet.

    kind: text, number, percent, date, bool, choice, cn, country, process, quantity, year.
    A quantity takes two columns: the number (key) and its unit (key + "_unit"), checked
    against ``dims`` (internal units of the accepted dimensions).
    """

    key: str
    kind: str
    mandatory: bool = False
    choices: str | None = None
    dims: tuple[str, ...] = ()
    width: int = 16


def _q(key: str, dims: str | tuple[str, ...], units: str, mandatory: bool = False, width: int = 14) -> _Field:
    return _Field(key, "quantity", mandatory, f"unit_{units}", (dims,) if isinstance(dims, str) else dims, width)


@dataclass(frozen=True)
class _Sheet:
    id: str
    name: str
    fields: tuple[_Field, ...]
    max_rows: int = 0  # 0: a form (one value per field, vertical)

    def columns(self) -> list[tuple[str, _Field, bool]]:
        """(column key, field, is-unit-column) in sheet order."""
        out: list[tuple[str, _Field, bool]] = []
        for f in self.fields:
            out.append((f.key, f, False))
            if f.kind == "quantity":
                out.append((f"{f.key}_unit", f, True))
        return out


_AMOUNT = ("t", "kNm3")
INSTALLATION = _Sheet("installation", "Installation", (
    _Field("name_en", "text", True, width=40), _Field("name", "text", width=40),
    _Field("economic_activity", "text"), _Field("street", "text"), _Field("post_code", "text"),
    _Field("po_box", "text"), _Field("city", "text"), _Field("country", "country", True),
    _Field("unlocode", "text"), _Field("latitude", "text"), _Field("longitude", "text"),
    _Field("period_start", "date", True), _Field("period_end", "date", True),
    _Field("data_quality", "choice", choices="data_quality"),
    _Field("default_justification", "choice", choices="justification"),
    _Field("quality_assurance", "choice", choices="verification"),
    _q("indirect", "tCO2e", "emissions"),
    _q("fuel_input_total", "TJ", "energy"), _q("fuel_input_cbam_goods", "TJ", "energy"),
    _q("fuel_input_electricity", "TJ", "energy"), _q("fuel_input_non_cbam", "TJ", "energy"),
    _q("co2", "tCO2e", "emissions"), _q("biomass", "tCO2e", "emissions"), _q("n2o", "tCO2e", "emissions"),
    _q("pfc", "tCO2e", "emissions"),
))
SOURCE_STREAMS = _Sheet("source_streams", "Source streams", (
    _Field("method", "choice", True, "method", width=22), _Field("name", "text", True, width=28),
    _q("activity_data", _AMOUNT, "amount", True),
    _q("net_calorific_value", ("GJ/t", "GJ/kNm3"), "ncv"),
    _q("emission_factor", ("tCO2e/TJ", "tCO2e/t", "tCO2e/kNm3"), "ef"),
    _q("carbon_content", ("tC/t", "tC/kNm3"), "carbon"),
    _Field("oxidation_factor", "percent"), _Field("conversion_factor", "percent"),
    _Field("biomass_fraction", "percent"),
), max_rows=75)
ENERGY = _Sheet("energy", "Electricity & heat", (
    _Field("process", "process", True, width=30),
    _q("electricity_consumed", "MWh", "electricity"), _q("electricity_ef", "tCO2e/MWh", "elec_ef"),
    _Field("electricity_ef_source", "choice", choices="ef_source", width=12),
    _q("electricity_exported", "MWh", "electricity"), _q("electricity_exported_ef", "tCO2e/MWh", "elec_ef"),
    _q("heat_imported", "TJ", "energy"), _q("heat_import_ef", "tCO2e/TJ", "heat_ef"),
    _q("heat_exported", "TJ", "energy"), _q("heat_export_ef", "tCO2e/TJ", "heat_ef"),
    _q("waste_gas_imported", "TJ", "energy"), _q("waste_gas_exported", "TJ", "energy"),
), max_rows=10)
PROCESSES = _Sheet("processes", "Processes", (
    _Field("name", "text", True, width=30), _Field("category", "choice", True, "category", width=26),
    _Field("route", "choice", False, "route", width=24), _Field("included_goods", "text", width=24),
    _q("production", ("t", "MWh"), "mass", True), _q("produced_for_market", ("t", "MWh"), "mass"),
    _q("consumed_non_cbam", ("t", "MWh"), "mass"),
    _q("directly_attributable_emissions", "tCO2e", "emissions", True),
    _Field("heat_relevant", "bool", choices="bool", width=12),
    _Field("waste_gases_relevant", "bool", choices="bool", width=12),
), max_rows=10)
FLOWS = _Sheet("flows", "Precursor flows", (
    _Field("from", "text", True, width=30), _Field("to", "process", True, width=30),
    _q("amount", ("t", "MWh"), "mass", True),
), max_rows=300)
PURCHASED = _Sheet("purchased", "Purchased precursors", (
    _Field("name", "text", True, width=30), _Field("category", "choice", True, "category", width=26),
    _Field("country", "country", width=20), _Field("routes", "text", width=24),
    _q("purchased", "t", "mass"), _q("consumed_other", "t", "mass"),
    _q("see_direct", "tCO2e/t", "see"), _Field("see_direct_source", "choice", choices="data_source", width=12),
    _q("specific_electricity", "MWh/t", "spec_elec"),
    _Field("specific_electricity_source", "choice", choices="data_source", width=12),
    _q("electricity_ef", "tCO2e/MWh", "elec_ef"),
    _Field("electricity_ef_source", "choice", choices="ef_source", width=12),
    _Field("default_justification", "choice", choices="justification", width=24),
), max_rows=20)
GOODS = _Sheet("goods", "Goods & exports", (
    _Field("process", "process", True, width=30), _Field("cn_code", "cn", True, width=12),
    _Field("name", "text", width=34), _Field("export_unit", "unit", choices="unit_mass", dims=("t",), width=8),
    *(_Field(f"export_{y}", "number", width=11) for y in EXPORT_YEARS),
), max_rows=100)
PFC = _Sheet("pfc", "PFC", (
    _Field("method", "choice", True, "pfc_method", width=18), _Field("technology", "text", True, width=24),
    _q("aluminium_produced", "t", "mass", True),
    _Field("anode_effect_frequency", "number"), _Field("anode_effect_duration", "number"),
    _Field("slope_cf4", "number"), _Field("anode_effect_overvoltage", "number"),
    _Field("current_efficiency", "percent"), _Field("overvoltage_coefficient", "number"),
    _Field("c2f6_weight_fraction", "number"), _Field("collection_efficiency", "percent"),
), max_rows=10)
MEASURED = _Sheet("measured", "Measurement", (
    _Field("name", "text", True, width=28), _Field("gas", "choice", True, "gas", width=8),
    _q("concentration", "g/Nm3", "concentration"), _q("operating_hours", "h", "hours"),
    _q("flue_gas_flow", "kNm3/h", "flow"), _Field("biomass_fraction", "percent"),
    _q("energy_content_fossil", "TJ", "energy"), _q("energy_content_biomass", "TJ", "energy"),
), max_rows=10)

#: Input sheets, in workbook order.
SHEETS: tuple[_Sheet, ...] = (INSTALLATION, SOURCE_STREAMS, ENERGY, PROCESSES, FLOWS, PURCHASED, GOODS, PFC,
                              MEASURED)
_INSTRUCTIONS = "Instructions"
_EXAMPLE = "Example"
_CN_SHEET = "CN codes"
_LISTS = "Lists"
_META = "_cbamcalc"
_N_INSTRUCTIONS = 16


# ---------------------------------------------------------------------------- small helpers


def _unit_text(unit: Any) -> str:
    """A unit as users write it: ``1000 Nm3``, ``tCO2e/TJ``."""
    text = format(unit, "~C")
    text = re.sub(r"CO2(?!e)", "CO2e", text)
    return text.replace("kNm3", "1000 Nm3")


def _cell_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _put(ws: Worksheet, row: int, col: int, value: Any) -> Any:
    """Write a cell; text starting with = + - @ is stored as text, never as a formula."""
    value = _cell_value(value)
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        cell.data_type = "s"
    return cell


def _height(texts: Iterable[tuple[str, float]], minimum: float = 15.0) -> float:
    """Row height [pt] that shows wrapped texts whole: (text, column width in characters) pairs."""
    lines = 1
    for text, width in texts:
        per_line = max(1.0, width * 1.05)
        n = sum(max(1, math.ceil(len(part) / per_line)) for part in str(text).split("\n"))
        lines = max(lines, n)
    return max(minimum, 15.0 * lines + 3)


def _print_setup(ws: Worksheet) -> None:
    """Landscape, one page wide."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _atomic_save(wb: Any, target: Path) -> Path:
    return write_atomically(target, wb.save)


# ---------------------------------------------------------------------------- model -> rows


def _pct(x: float | None) -> float | None:
    return None if x is None else x * 100.0


def _rows_of(data: ExporterInput) -> dict[str, list[dict[str, Any]]]:
    """The input as row dicts per sheet id (quantities as pint quantities)."""
    inst = data.installation
    t = inst.totals_input
    form = {**{k: data.details.get(k) for k in ("name", "economic_activity", "street", "post_code", "po_box",
                                                   "city", "unlocode", "latitude", "longitude", "data_quality",
                                                   "default_justification", "quality_assurance")},
            "name_en": inst.name, "country": inst.country, "period_start": inst.period_start,
            "period_end": inst.period_end}
    for k in ("indirect", "fuel_input_total", "fuel_input_cbam_goods", "fuel_input_electricity",
              "fuel_input_non_cbam", "co2", "biomass", "n2o", "pfc"):
        form[k] = getattr(t, k)
    rows: dict[str, list[dict[str, Any]]] = {"installation": [form]}
    inv_method = {v: k for k, v in _METHOD_TO_MODEL.items()}
    rows["source_streams"] = [{
        "method": inv_method[s.method], "name": s.name, "activity_data": s.activity_data,
        "net_calorific_value": s.net_calorific_value, "emission_factor": s.emission_factor,
        "carbon_content": s.carbon_content, "oxidation_factor": _pct(s.oxidation_factor),
        "conversion_factor": _pct(s.conversion_factor), "biomass_fraction": _pct(s.biomass_fraction),
    } for s in inst.source_streams]
    energy_keys = [f.key for f in ENERGY.fields if f.key != "process"]
    rows["energy"] = [{"process": p.name, **{k: getattr(p, k) for k in energy_keys}}
                      for p in inst.processes if any(getattr(p, k) is not None for k in energy_keys)]
    rows["processes"] = [{
        "name": p.name, "category": p.category, "route": data.routes.get(p.name),
        "included_goods": "; ".join(p.included_goods) or None, "production": p.production,
        "produced_for_market": p.produced_for_market, "consumed_non_cbam": p.consumed_non_cbam,
        "directly_attributable_emissions": p.directly_attributable_emissions,
        "heat_relevant": p.heat_relevant, "waste_gases_relevant": p.waste_gases_relevant,
    } for p in inst.processes]
    flows = [{"from": p.name, "to": target, "amount": q} for p in inst.processes for target, q in p.sent_to.items()]
    flows += [{"from": pp.name, "to": target, "amount": q} for pp in inst.purchased_precursors
              for target, q in pp.consumed_in.items()]
    rows["flows"] = flows
    rows["purchased"] = [{
        "name": pp.name, "category": pp.category, "country": pp.country, "routes": "; ".join(pp.routes) or None,
        **{k: getattr(pp, k) for k in ("purchased", "consumed_other", "see_direct", "see_direct_source",
                                       "specific_electricity", "specific_electricity_source", "electricity_ef",
                                       "electricity_ef_source", "default_justification")},
    } for pp in inst.purchased_precursors]
    ex = data.exports
    goods_rows = []
    for i, g in enumerate(inst.goods):
        row: dict[str, Any] = {"process": g.process, "cn_code": g.cn_code, "name": g.name or None}
        sel = ex[ex["good"] == i] if len(ex) else ex
        if len(sel):
            row["export_unit"] = "t"
            for year, qty in zip(sel["year"], sel["quantity"], strict=True):
                row[f"export_{int(year)}"] = float(qty)
        goods_rows.append(row)
    rows["goods"] = goods_rows
    inv_pfc = {v: k for k, v in _PFC_TO_MODEL.items()}
    rows["pfc"] = [{
        "method": inv_pfc[p.method], "technology": p.technology, "aluminium_produced": p.aluminium_produced,
        **{k: getattr(p, k) for k in ("anode_effect_frequency", "anode_effect_duration", "slope_cf4",
                                      "anode_effect_overvoltage", "overvoltage_coefficient", "c2f6_weight_fraction")},
        "current_efficiency": _pct(p.current_efficiency), "collection_efficiency": _pct(p.collection_efficiency),
    } for p in inst.pfc_sources]
    rows["measured"] = [{
        "name": m.name, "gas": m.gas, "concentration": m.concentration, "operating_hours": m.operating_hours,
        "flue_gas_flow": m.flue_gas_flow, "biomass_fraction": _pct(m.biomass_fraction),
        "energy_content_fossil": m.energy_content_fossil, "energy_content_biomass": m.energy_content_biomass,
    } for m in inst.measured_sources]
    return rows


# ---------------------------------------------------------------------------- writer


class _Writer:
    """Builds the openpyxl workbook."""

    def __init__(self, lang: str) -> None:
        from openpyxl import Workbook

        self.lang = lang
        self.wb = Workbook()
        self.list_refs: dict[str, str] = {}

    # -- reference sheets
    def lists(self) -> None:
        from ..cn_codes import cn_table
        from ..countries import country_table

        ws = self.wb.create_sheet(_LISTS)
        col = 1
        for name, ch in CHOICES.items():
            _put(ws, 1, col, name)
            for i, v in enumerate(ch.values):
                _put(ws, 2 + i, col, ch.display(v, self.lang) if name != "bool" else v)
            letter = ws.cell(row=1, column=col).column_letter
            self.list_refs[name] = f"{_LISTS}!${letter}$2:${letter}${1 + len(ch.values)}"
            col += 1
        countries = sorted(country_table()["name"].astype(str))
        _put(ws, 1, col, "country")
        for i, v in enumerate(countries):
            _put(ws, 2 + i, col, v)
        letter = ws.cell(row=1, column=col).column_letter
        self.list_refs["country"] = f"{_LISTS}!${letter}$2:${letter}${1 + len(countries)}"
        ws.sheet_state = "hidden"

        cn = self.wb.create_sheet(_CN_SHEET)
        table = cn_table()
        heads = [_text("cn.code", self.lang), _text("cn.spaced", self.lang), _text("cn.category", self.lang),
                 _text("cn.description", self.lang)]
        self._header_row(cn, 1, heads, [12, 12, 26, 100], mandatory=[False] * 4)
        for i, r in enumerate(table.itertuples(index=False)):
            c = _put(cn, 2 + i, 1, str(r.cn_code))
            c.number_format = "@"
            _put(cn, 2 + i, 2, str(r.cn_text))
            _put(cn, 2 + i, 3, CHOICES["category"].display(str(r.category_template), self.lang))
            _put(cn, 2 + i, 4, str(r.description))
        cn.freeze_panes = "A2"
        self.list_refs["cn"] = f"'{_CN_SHEET}'!$A$2:$A${1 + len(table)}"
        cn.protection.sheet = True

    def _header_row(self, ws: Worksheet, row: int, heads: Sequence[str], widths: Sequence[int],
                    mandatory: Sequence[bool]) -> None:
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        thin = Side(style="thin", color="FF999999")
        for j, (text, width, mand) in enumerate(zip(heads, widths, mandatory, strict=True)):
            c = _put(ws, row, 1 + j, text)
            c.font = Font(name="Calibri", bold=True)
            c.alignment = Alignment(wrap_text=True, vertical="top")
            c.fill = PatternFill("solid", fgColor=_MANDATORY_FILL if mand else _OPTIONAL_FILL)
            c.border = Border(top=thin, bottom=thin, left=thin, right=thin)
            ws.column_dimensions[c.column_letter].width = width

    # -- validations
    def _validation(self, ws: Worksheet, f: _Field, unit_col: bool, rng: str) -> None:
        from openpyxl.worksheet.datavalidation import DataValidation

        if unit_col or f.kind == "unit":
            name, strict = f.choices or "", False
        elif f.kind in ("choice", "bool"):
            name, strict = f.choices or "", CHOICES[f.choices or ""].strict
        elif f.kind in ("cn", "country"):
            name, strict = f.kind, True
        elif f.kind == "process":
            ref = f"'{PROCESSES.name}'!$A${_FIRST_DATA_ROW}:$A${_FIRST_DATA_ROW + PROCESSES.max_rows - 1}"
            dv = DataValidation(type="list", formula1=ref, allow_blank=True, errorStyle="warning")
            ws.add_data_validation(dv)
            dv.add(rng)
            return
        elif f.kind in ("number", "percent"):
            dv = DataValidation(type="decimal", operator="greaterThanOrEqual" if f.kind == "percent" else "between",
                                formula1="0" if f.kind == "percent" else "-1E+300",
                                formula2=None if f.kind == "percent" else "1E+300", allow_blank=True,
                                errorStyle="stop", error=_text("msg.number_expected", self.lang))
            ws.add_data_validation(dv)
            dv.add(rng)
            return
        elif f.kind == "date":
            dv = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True,
                                error=_text("msg.date_expected", self.lang))
            ws.add_data_validation(dv)
            dv.add(rng)
            return
        else:
            return
        dv = DataValidation(type="list", formula1=self.list_refs[name], allow_blank=True,
                            errorStyle="stop" if strict else "warning",
                            error=_text("msg.choose_from_list", self.lang))
        ws.add_data_validation(dv)
        dv.add(rng)

    def _label(self, sheet: _Sheet, key: str, f: _Field, unit_col: bool) -> str:
        if unit_col or f.kind == "unit":
            return _text("field.unit", self.lang)
        if key.startswith("export_") and key[7:].isdigit():
            y = int(key[7:])
            return _text("field.goods.export_year", self.lang, year=y, year_be=y + 543)
        return _text(f"field.{sheet.id}.{key}", self.lang) + (" *" if f.mandatory else "")

    # -- input sheets
    def table(self, sheet: _Sheet, rows: list[dict[str, Any]], *, ws: Worksheet | None = None,
              top: int = 1, keys: bool = True, validations: bool = True) -> int:
        """Write one table sheet (or, with ``ws``/``top``, a block of the Example sheet); return next row."""
        from openpyxl.styles import Font

        ws = ws if ws is not None else self.wb.create_sheet(sheet.name)
        cols = sheet.columns()
        if keys:
            for j, (key, _, _) in enumerate(cols):
                _put(ws, top, 1 + j, key)
            ws.row_dimensions[top].hidden = True
        title = ws.cell(row=top + 1, column=1, value=f"{_text(f'sheet.{sheet.id}.title', self.lang)}  ·  "
                                                         f"{_text(f'sheet.{sheet.id}.intro', self.lang)}")
        title.font = Font(name="Calibri", bold=True, size=12)
        heads = [self._label(sheet, k, f, u) for k, f, u in cols]
        widths = [8 if u else f.width for k, f, u in cols]
        self._header_row(ws, top + 2, heads, widths, [f.mandatory and not u for k, f, u in cols])
        ws.row_dimensions[top + 2].height = _height(zip(heads, widths, strict=True), 30)
        first = top + 3
        for i, row in enumerate(rows):
            self._row(ws, first + i, cols, row)
        if validations:
            last = first + max(sheet.max_rows, len(rows)) - 1
            for j, (_key, f, u) in enumerate(cols):
                letter = ws.cell(row=1, column=1 + j).column_letter
                self._validation(ws, f, u, f"{letter}{first}:{letter}{last}")
                if f.kind in ("cn", "text") or (f.kind == "quantity" and u):
                    for r in range(first, last + 1):
                        ws.cell(row=r, column=1 + j).number_format = "@"
                if f.kind == "date":
                    for r in range(first, last + 1):
                        ws.cell(row=r, column=1 + j).number_format = "yyyy-mm-dd"
            ws.freeze_panes = ws.cell(row=first, column=2)
        return first + len(rows)

    def _row(self, ws: Worksheet, r: int, cols: list[tuple[str, _Field, bool]], row: Mapping[str, Any],
             col0: int = 1) -> None:
        for j, (_key, f, unit_col) in enumerate(cols):
            v = row.get(f.key)
            if f.kind == "quantity":
                if v is None:
                    continue
                _put(ws, r, col0 + j, _unit_text(v.units) if unit_col else _cell_value(v.magnitude))
                continue
            if v is None:
                continue
            if f.kind in ("choice",) and f.choices:
                v = CHOICES[f.choices].display(v, self.lang)
            elif f.kind == "country" and isinstance(v, str) and len(v.strip()) == 2:
                from ..countries import country_name

                v = country_name(v.strip().upper())
            c = _put(ws, r, col0 + j, v)
            if f.kind == "date":
                c.number_format = "yyyy-mm-dd"
            elif f.kind == "cn":
                c.number_format = "@"

    def form(self, sheet: _Sheet, values: Mapping[str, Any], *, ws: Worksheet | None = None, top: int = 1,
             keys: bool = True, validations: bool = True) -> int:
        """The vertical Installation sheet: key (hidden A), label (B), value (C), unit (D)."""
        from openpyxl.styles import Alignment, Font, PatternFill

        ws = ws if ws is not None else self.wb.create_sheet(sheet.name)
        title = ws.cell(row=top, column=2, value=f"{_text(f'sheet.{sheet.id}.title', self.lang)}  ·  "
                                                     f"{_text(f'sheet.{sheet.id}.intro', self.lang)}")
        title.font = Font(name="Calibri", bold=True, size=12)
        self._header_row(ws, top + 1, ["key", _text("field.item", self.lang), _text("field.value", self.lang),
                                       _text("field.unit", self.lang)], [14, 58, 44, 14], [False] * 4)
        for i, f in enumerate(sheet.fields):
            r = top + 2 + i
            if keys:
                _put(ws, r, 1, f.key)
            lab = _put(ws, r, 2, _text(f"field.{sheet.id}.{f.key}", self.lang) + (" *" if f.mandatory else ""))
            lab.alignment = Alignment(wrap_text=True, vertical="top")
            lab.fill = PatternFill("solid", fgColor=_MANDATORY_FILL if f.mandatory else _OPTIONAL_FILL)
            ws.row_dimensions[r].height = _height([(lab.value, 58)])
            self._row(ws, r, [(f.key, f, False)], values, col0=3)
            if f.kind == "quantity":
                v = values.get(f.key)
                if v is not None:
                    _put(ws, r, 4, _unit_text(v.units))
            if validations:
                self._validation(ws, f, False, f"C{r}")
                if f.kind == "quantity":
                    self._validation(ws, f, True, f"D{r}")
                    ws.cell(row=r, column=4).number_format = "@"
                elif f.kind == "text":
                    ws.cell(row=r, column=3).number_format = "@"
                elif f.kind == "date":
                    ws.cell(row=r, column=3).number_format = "yyyy-mm-dd"
        if keys:
            ws.column_dimensions["A"].hidden = True
            ws.freeze_panes = ws.cell(row=top + 2, column=3)
        return top + 2 + len(sheet.fields)

    def instructions(self, illustrative: bool) -> None:
        from openpyxl.styles import Alignment, Font

        ws = self.wb.active
        ws.title = _INSTRUCTIONS
        _put(ws, 1, 1, _text("instr.title", self.lang)).font = Font(name="Calibri", bold=True, size=14)
        r = 3
        if illustrative:
            c = _put(ws, r, 1, _text("msg.illustrative", self.lang))
            c.font = Font(name="Calibri", bold=True, color="FFC00000")
            c.alignment = Alignment(wrap_text=True, vertical="top")
            ws.row_dimensions[r].height = _height([(c.value, 105)])
            r += 2
        for i in range(1, _N_INSTRUCTIONS + 1):
            text = _text(f"instr.{i:02d}", self.lang)
            c = _put(ws, r, 1, text)
            c.alignment = Alignment(wrap_text=True, vertical="top")
            ws.row_dimensions[r].height = _height([(text, 105)])
            r += 1
        ws.column_dimensions["A"].width = 110

    def meta(self, illustrative: bool) -> None:
        from .._version import __version__

        ws = self.wb.create_sheet(_META)
        for i, (k, v) in enumerate(((FORMAT_MARKER, FORMAT_VERSION), ("language", self.lang),
                                    ("written_by", f"cbamcalc {__version__}"),
                                    ("illustrative", "TRUE" if illustrative else "FALSE"))):
            _put(ws, 1 + i, 1, k)
            _put(ws, 1 + i, 2, v)
        ws.sheet_state = "hidden"

    def example_sheet(self, rows: dict[str, list[dict[str, Any]]]) -> None:
        from openpyxl.styles import Font

        ws = self.wb.create_sheet(_EXAMPLE)
        head = _put(ws, 1, 1, _text("msg.example_sheet", self.lang))
        head.font = Font(name="Calibri", bold=True, color="FFC00000", size=12)
        r = 3
        r = self.form(INSTALLATION, rows["installation"][0], ws=ws, top=r, keys=False, validations=False) + 2
        for sheet in SHEETS[1:]:
            if rows.get(sheet.id):
                r = self.table(sheet, rows[sheet.id], ws=ws, top=r - 1, keys=False, validations=False) + 2
        ws.protection.sheet = True


def write_input_workbook(
    path: str | os.PathLike[str],
    *,
    lang: Language = "en",
    example: bool = False,
    data: ExporterInput | None = None,
) -> Path:
    """Write a cbamcalc input workbook for one installation.

    Parameters
    ----------
    path : str or os.PathLike
        Target ``.xlsx`` file; written whole or not at all (temporary file, then
        ``os.replace``).
    lang : {"en", "th", "both"}, default "en"
        Language of labels, instructions and drop-down entries; ``"both"`` shows English
        and Thai. Sheet names are English in every language.
    example : bool, default False
        Fill the input sheets with the illustrative Thai fastener plant
        (:func:`example_input`) instead of leaving them empty. The ``Example`` sheet shows
        that example in every case.
    data : ExporterInput, optional
        Fill the input sheets with these data (overrides ``example``).

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    OutputError
        When the file cannot be written, or the name does not end in ``.xlsx``.
    InputError
        When ``data`` holds more items than a sheet allows (the Communication template's
        limits: 10 processes, 20 purchased precursors, 75 source streams, 100 goods).

    Examples
    --------
    >>> write_input_workbook("plant.xlsx", lang="both")  # doctest: +SKIP
    PosixPath('plant.xlsx')
    """
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise OutputError(f"{target}: expected a file name ending in .xlsx")
    if lang not in ("en", "th", "both"):
        raise InputError(field="lang", expected="'en', 'th' or 'both'", found=lang)
    sample = example_input()
    content = data if data is not None else (sample if example else None)
    rows = _rows_of(content) if content is not None else {s.id: [] for s in SHEETS}
    if content is None:
        rows["installation"] = [{}]
    for sheet in sorted(SHEETS[1:], key=lambda s: s is not PROCESSES):  # the cause first
        if len(rows.get(sheet.id, [])) > sheet.max_rows:
            raise InputError(f"too many rows for the sheet '{sheet.name}'", expected=f"at most {sheet.max_rows}",
                             found=len(rows[sheet.id]))
    illustrative = content is sample
    w = _Writer(lang)
    w.instructions(illustrative)
    w.lists()
    w.form(INSTALLATION, rows["installation"][0])
    for sheet in SHEETS[1:]:
        w.table(sheet, rows.get(sheet.id, []))
    w.example_sheet(_rows_of(sample))
    w.meta(illustrative)
    order = [_INSTRUCTIONS] + [s.name for s in SHEETS] + [_EXAMPLE, _CN_SHEET, _LISTS, _META]
    w.wb._sheets = [w.wb[n] for n in order]  # openpyxl has no public way to reorder all sheets
    _report_sheets(w.wb, lang=lang, installation=None if content is None else content.installation)
    for ws in w.wb.worksheets:
        _print_setup(ws)
    w.wb.active = 0
    return _atomic_save(w.wb, target)


def _report_sheets(wb: Any, **kwargs: Any) -> None:
    """The optional sheets of the operator's report (:func:`cbamcalc.io.report_inputs.add_report_sheets`)."""
    from .report_inputs import add_report_sheets

    add_report_sheets(wb, **kwargs)


# ---------------------------------------------------------------------------- reader


class _SheetReader:
    """Typed access to one sheet of our workbook, with errors naming file, sheet and cell."""

    def __init__(self, x: Any, sheet: _Sheet, lang: str) -> None:
        self.x = x
        self.sheet = sheet
        self.file = x.file
        self.lang = lang
        if sheet.name not in x.sheet_paths:
            raise InputError("not a complete cbamcalc input workbook", file=self.file, sheet=sheet.name,
                             expected=f"the sheet '{sheet.name}'", found="no such sheet")
        self.cells = x.raw_cells(sheet.name)

    def where(self, ref: str, key: str) -> dict[str, Any]:
        return {"file": self.file, "sheet": self.sheet.name, "cell": ref, "field": _label_en(self.sheet, key)}

    def raw(self, ref: str, key: str) -> Any:
        try:
            v = self.x.value(self.sheet.name, ref)
        except InputError as exc:
            raise exc.located(**self.where(ref, key)) from exc
        from .xlsx_safety import UNSTORABLE, ExcelError

        if isinstance(v, ExcelError):
            raise InputError("the cell holds an Excel error", expected="a value", found=str(v),
                             **self.where(ref, key))
        if isinstance(v, str):
            v = v.strip()
            if not v:
                return None
            bad = UNSTORABLE.search(v)
            if bad:
                raise InputError("the text holds a control character that a workbook cannot store",
                                 expected="text without control characters", found=v,
                                 **self.where(ref, key))
        return v


#: Quantities that may be negative (the template's own rule): mass-balance outputs and measured energy
#: contents. Every other number of the workbook is 0 or more.
_MAY_BE_NEGATIVE = frozenset({"activity_data", "energy_content_fossil", "energy_content_biomass"})


def _label_en(sheet: _Sheet, key: str) -> str:
    if key.endswith("_unit") and key != "export_unit":
        return f"unit of {_label_en(sheet, key[:-5])}"
    if key.startswith("export_") and key[7:].isdigit():
        return f"exported to the EU in {key[7:]}"
    k = f"field.{sheet.id}.{key}"
    return labels()[k]["en"] if k in labels() else key


def _value(r: _SheetReader, f: _Field, ref: str, key: str, raw: Any) -> Any:
    """Convert one non-empty cell value by the field's kind."""
    where = r.where(ref, key)
    if f.kind in ("number", "percent", "quantity"):
        if isinstance(raw, bool) or not isinstance(raw, float | int):
            expected = "a number" + (" in %" if f.kind == "percent" else "")
            raise InputError(expected=expected, found=raw, **where)
        v = float(raw)
        if f.kind == "percent":
            if not 0 <= v <= 100:
                raise InputError(expected="a percentage of 0 or more and at most 100", found=raw, **where)
            return v / 100.0
        if v < 0 and f.key not in _MAY_BE_NEGATIVE:
            raise InputError(expected="a quantity of 0 or more", found=raw, **where)
        return v
    if f.kind in ("text", "process"):
        if isinstance(raw, float):
            return str(int(raw)) if raw.is_integer() else repr(raw)
        if isinstance(raw, bool):
            return "TRUE" if raw else "FALSE"
        if isinstance(raw, _dt.datetime):
            return raw.date().isoformat()
        return str(raw)
    if f.kind == "date":
        try:
            d = r.x.date(raw)
        except (ValueError, OverflowError, TypeError):
            raise InputError(expected="a date (YYYY-MM-DD)", found=raw, **where) from None
        return d
    if f.kind in ("choice", "bool"):
        ch = CHOICES[f.choices or ""]
        if isinstance(raw, bool) and f.kind == "bool":
            return raw
        if isinstance(raw, str) and f.kind == "bool" and _norm(raw) in _BOOL_WORDS:
            return _BOOL_WORDS[_norm(raw)]
        look = ch.lookup()
        key_ = _norm(raw)
        if key_ in look:
            return look[key_]
        if not ch.strict:
            return str(raw)
        shown = ", ".join(repr(ch.display(v, r.lang)) for v in ch.values[:8])
        more = ", ..." if len(ch.values) > 8 else ""
        raise InputError(expected=f"one of the drop-down entries ({shown}{more})", found=raw, **where)
    if f.kind == "country":
        from ..countries import resolve_country

        return resolve_country(str(raw), **where)
    if f.kind == "cn":
        from ..cn_codes import cbam_category, normalise_cn

        text = str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw)
        cn = normalise_cn(text, **where)
        cbam_category(cn, **where)  # refuses a code that is not a CBAM good
        return cn
    if f.kind == "unit":
        return _unit(r, f, ref, key, raw)
    raise AssertionError(f"unknown field kind {f.kind!r}")  # pragma: no cover


_BOOL_WORDS = {"true": True, "false": False, "yes": True, "no": False, "ใช่": True, "ไม่ใช่": False,
               "จริง": True, "เท็จ": False}


def _unit(r: _SheetReader, f: _Field, ref: str, key: str, raw: Any) -> pint.Unit:
    where = r.where(ref, key)
    text = str(raw)
    allowed = " or ".join(f"{_describe(d)}" for d in f.dims)
    try:
        unit = parse_unit(text, field=where.pop("field"), **where)
    except UnitError as exc:
        raise UnitError(file=r.file, sheet=r.sheet.name, cell=ref, field=_label_en(r.sheet, key),
                        expected=f"a unit of {allowed}", found=text) from exc
    if not any(unit.dimensionality == ureg.parse_units(d).dimensionality for d in f.dims):
        raise UnitError(file=r.file, sheet=r.sheet.name, cell=ref, field=_label_en(r.sheet, key),
                        expected=f"a unit of {allowed}", found=text)
    return unit


def _describe(unit: str) -> str:
    names = {"t": "mass (t)", "kNm3": "gas volume at normal conditions (1000 Nm3)", "MWh": "energy (MWh)",
             "TJ": "energy (TJ)", "tCO2e": "emissions (tCO2e)", "GJ/t": "energy per mass (GJ/t)",
             "GJ/kNm3": "energy per volume (GJ/1000 Nm3)", "tCO2e/TJ": "emissions per energy (tCO2e/TJ)",
             "tCO2e/t": "emissions per mass (tCO2e/t)", "tCO2e/kNm3": "emissions per volume (tCO2e/1000 Nm3)",
             "tC/t": "carbon per mass (tC/t)", "tC/kNm3": "carbon per volume (tC/1000 Nm3)",
             "tCO2e/MWh": "emissions per energy (tCO2e/MWh)", "MWh/t": "energy per mass (MWh/t)",
             "g/Nm3": "mass per gas volume (g/Nm3)", "h": "time (h)", "kNm3/h": "gas flow (1000 Nm3/h)"}
    return names.get(unit, unit)


def _key_columns(r: _SheetReader) -> dict[str, str]:
    """Column letter of each field key (row 1); a missing key is an error naming the sheet."""
    from .xlsx_safety import split_ref

    found: dict[str, str] = {}
    for ref in r.cells:
        col, row = split_ref(ref)
        if row == _KEY_ROW:
            v = r.x.value(r.sheet.name, ref)
            if isinstance(v, str) and v.strip():
                found[v.strip()] = col
    need = [k for k, _, _ in r.sheet.columns()]
    missing = [k for k in need if k not in found]
    if missing:
        raise InputError("the hidden key row 1 was changed (columns deleted or moved by hand?)", file=r.file,
                         sheet=r.sheet.name, cell="A1", expected="the column keys " + ", ".join(need),
                         found="no column " + ", ".join(repr(m) for m in missing))
    return found


def _table_rows(r: _SheetReader) -> list[tuple[int, dict[str, Any], dict[str, str]]]:
    """Non-empty data rows of a table sheet: (row number, values by key, cell by key)."""
    from .xlsx_safety import split_ref

    cols = _key_columns(r)
    spec = r.sheet.columns()
    rows_present = sorted({split_ref(ref)[1] for ref in r.cells if split_ref(ref)[1] >= _FIRST_DATA_ROW})
    out = []
    for n in rows_present:
        refs = {k: f"{cols[k]}{n}" for k, _, _ in spec}
        raws = {k: r.raw(refs[k], k) for k in refs}
        if all(v is None for v in raws.values()):
            continue
        out.append((n, _convert(r, spec, raws, refs), refs))
    if len(out) > r.sheet.max_rows:
        raise InputError(f"the EU Communication template has room for {r.sheet.max_rows} rows of this kind",
                         file=r.file, sheet=r.sheet.name, row=out[r.sheet.max_rows][0],
                         expected=f"at most {r.sheet.max_rows} filled rows", found=len(out))
    return out


def _convert(r: _SheetReader, spec: list[tuple[str, _Field, bool]], raws: Mapping[str, Any],
             refs: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, f, unit_col in spec:
        raw = raws[key]
        if unit_col:
            continue
        if raw is None:
            if f.mandatory:
                raise InputError("a mandatory cell is empty", expected=_expected(f), found="an empty cell",
                                 **r.where(refs[key], key))
            values[key] = None
            continue
        v = _value(r, f, refs[key], key, raw)
        if f.kind == "quantity":
            ukey = f"{key}_unit"
            if raws[ukey] is None:
                raise InputError("a unit is needed for this number", expected=_expected(f, unit=True),
                                 found="an empty cell", **r.where(refs[ukey], ukey))
            unit = _unit(r, f, refs[ukey], ukey, raws[ukey])
            v = Q_(v, unit)
            if key == "carbon_content" and v.dimensionality == _CARBON_PER_MASS and v.m_as("tC/t") > 1:
                raise InputError("a carbon content is a mass fraction: a tonne of material holds at most a tonne "
                                 "of carbon", expected="at most 1 tC/t", found=f"{raws[key]} {raws[ukey]}",
                                 **r.where(refs[key], key))
        values[key] = v
    return values


_CARBON_PER_MASS = ureg.parse_units("tC/t").dimensionality


def _expected(f: _Field, unit: bool = False) -> str:
    if f.kind == "quantity":
        allowed = " or ".join(_describe(d) for d in f.dims)
        return f"a unit of {allowed}" if unit else f"a number (with its unit: {allowed})"
    return {"text": "a text", "number": "a number", "percent": "a number in %", "date": "a date (YYYY-MM-DD)",
            "choice": "one of the drop-down entries", "bool": "TRUE or FALSE", "cn": "the 8-digit CN code of a "
            "CBAM good", "country": "a country", "process": "the name of a production process (sheet Processes)",
            "unit": "a unit"}[f.kind]


def _form_values(r: _SheetReader) -> tuple[dict[str, Any], dict[str, str]]:
    from .xlsx_safety import split_ref

    rows: dict[str, int] = {}
    for ref in r.cells:
        col, n = split_ref(ref)
        if col == "A":
            v = r.x.value(r.sheet.name, ref)
            if isinstance(v, str) and v.strip():
                rows[v.strip()] = n
    missing = [f.key for f in r.sheet.fields if f.key not in rows]
    if missing:
        raise InputError("the hidden key column A was changed (rows deleted or moved by hand?)", file=r.file,
                         sheet=r.sheet.name, cell="A1", expected="the field keys in column A",
                         found="no row " + ", ".join(repr(m) for m in missing))
    values: dict[str, Any] = {}
    cells: dict[str, str] = {}
    for f in r.sheet.fields:
        n = rows[f.key]
        spec = [(f.key, f, False)] + ([(f"{f.key}_unit", f, True)] if f.kind == "quantity" else [])
        refs = {f.key: f"C{n}", f"{f.key}_unit": f"D{n}"}
        raws = {k: r.raw(refs[k], k) for k, _, _ in spec}
        values.update(_convert(r, spec, raws, refs))
        cells[f.key] = f"{r.sheet.name}!C{n}"
    return values, cells


def _cells(sheet: _Sheet, refs: Mapping[str, str], rename: Mapping[str, str] | None = None) -> dict[str, str]:
    out = {k: f"{sheet.name}!{v}" for k, v in refs.items()}
    for new, old in (rename or {}).items():
        out[new] = out[old]
    return out


def _names_unique(rows: Iterable[tuple[int, dict[str, Any], dict[str, str]]], r: _SheetReader) -> None:
    seen: dict[str, str] = {}
    for _, v, refs in rows:
        k = _norm(v["name"])
        if k in seen:
            raise InputError("names must be unique", expected=f"a name other than those above (already in "
                             f"{seen[k]})", found=v["name"], **r.where(refs["name"], "name"))
        seen[k] = refs["name"]


def _split_list(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    return tuple(x.strip() for x in re.split(r"[;\n]", text) if x.strip())


ONLY_DIRECT = "Only direct production"


def _included_goods(r: _SheetReader, text: str | None, ref: str) -> tuple[str, ...]:
    """Included goods categories as the template spells them (Thai or English accepted)."""
    look = {**CHOICES["category"].lookup(), _norm(ONLY_DIRECT): ONLY_DIRECT, _norm("ผลิตโดยตรงเท่านั้น"): ONLY_DIRECT}
    out = []
    for item in _split_list(text):
        if _norm(item) not in look:
            raise InputError(expected=f"goods categories separated by ';' ('{ONLY_DIRECT}', 'Crude steel', ...)",
                             found=item, **r.where(ref, "included_goods"))
        out.append(look[_norm(item)])
    return tuple(out)


def _routes(text: str | None) -> tuple[str, ...]:
    look = CHOICES["route"].lookup()
    return tuple(look.get(_norm(x), x) for x in _split_list(text))


def detect_format(path: str | os.PathLike[str]) -> Literal["cbamcalc", "communication"]:
    """Which input workbook a file is: ours (``"cbamcalc"``) or the EU template (``"communication"``).

    Raises
    ------
    InputError
        When the file is neither (naming what was looked for and the sheets found).
    """
    from .xlsx_safety import XlsxReader

    return _detect(XlsxReader(Path(path)))


def _detect(x: Any) -> Literal["cbamcalc", "communication"]:
    names = x.sheet_names
    if _META in names and x.value(_META, "A1") == FORMAT_MARKER:
        return "cbamcalc"
    if "VersionDocumentation" in names and "A_InstData" in names:
        return "communication"
    shown = ", ".join(repr(n) for n in names[:8]) + (", ..." if len(names) > 8 else "")
    raise InputError("neither a cbamcalc input workbook nor the EU Communication template for installations",
                     file=x.file, expected=f"a workbook made by 'cbamcalc template new' (hidden sheet '{_META}') or "
                     "the Commission's template (sheets A_InstData ... VersionDocumentation)",
                     found=f"the sheets {shown}")


def read_input_workbook(path: str | os.PathLike[str]) -> ExporterInput:
    """Read a filled cbamcalc input workbook.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.xlsx`` made by :func:`write_input_workbook` (or ``cbamcalc template new``),
        filled in English or Thai. It is only read.

    Returns
    -------
    ExporterInput
        The installation (processes P1..., purchased precursors PP1... in sheet order; each
        field's ``cells`` names its cell), the exports per good and year [t], details, routes.

    Raises
    ------
    InputError
        Naming file, sheet, cell, field, expected and found: not our workbook, a missing
        sheet, an empty mandatory cell, text in a number cell, an unknown drop-down entry, a
        CN code that is not a CBAM good, an unknown process or precursor name, duplicate
        names, too many rows; a number that is not finite or beyond 1e15 in size, negative
        (except mass-balance activity data and measured energy contents) or a percentage
        outside 0-100; text with a control character; a purchased precursor used (in processes
        and otherwise) in more than was purchased. The package itself is checked by
        :class:`~cbamcalc.io.xlsx_safety.XlsxReader` (size caps, CRC, truncation, no DTD).
    UnitError
        A unit pint cannot parse, or of the wrong dimension.

    Examples
    --------
    >>> data = read_input_workbook("examples/thai_fastener_plant.xlsx")  # doctest: +SKIP
    >>> [p.name for p in data.installation.processes]  # doctest: +SKIP
    ['Bolt and screw forming', 'Nut forming']
    """
    from .xlsx_safety import XlsxReader

    x = XlsxReader(Path(path))
    if _detect(x) != "cbamcalc":
        raise InputError("this is the EU Communication template, not a cbamcalc input workbook; read it with "
                         "read_communication_template (cbamcalc run detects both)", file=x.file,
                         sheet=_META, expected=f"'{FORMAT_MARKER}' in cell A1", found="no such sheet")
    lang = str(x.value(_META, "B2") or "en")
    warns: list[str] = []
    readers = {s.id: _SheetReader(x, s, lang) for s in SHEETS}
    form, form_cells = _form_values(readers["installation"])

    def rows(sheet_id: str) -> list[tuple[int, dict[str, Any], dict[str, str]]]:
        return _table_rows(readers[sheet_id])

    proc_rows = rows("processes")
    _names_unique(proc_rows, readers["processes"])
    pp_rows = rows("purchased")
    _names_unique(pp_rows, readers["purchased"])
    proc_names = {_norm(v["name"]): v["name"] for _, v, _ in proc_rows}
    pp_names = {_norm(v["name"]): v["name"] for _, v, _ in pp_rows}
    for _, v, refs in pp_rows:
        if _norm(v["name"]) in proc_names:
            raise InputError("a purchased precursor cannot have the name of a production process",
                             expected="a name not used on the sheet 'Processes'", found=v["name"],
                             **readers["purchased"].where(refs["name"], "name"))

    def process_name(r: _SheetReader, value: str, ref: str, key: str) -> str:
        k = _norm(value)
        if k not in proc_names:
            raise InputError("unknown production process", expected="the name of a production process on the "
                             "sheet 'Processes' (" + ", ".join(repr(n) for n in proc_names.values()) + ")",
                             found=value, **r.where(ref, key))
        return proc_names[k]

    # energy per process
    energy: dict[str, tuple[dict[str, Any], dict[str, str]]] = {}
    for _, v, refs in rows("energy"):
        r = readers["energy"]
        name = process_name(r, v["process"], refs["process"], "process")
        if name in energy:
            raise InputError("one row per production process", expected="a process not listed above",
                             found=v["process"], **r.where(refs["process"], "process"))
        energy[name] = (v, refs)
    # flows
    sent: dict[str, dict[str, Any]] = {n: {} for n in proc_names.values()}
    consumed: dict[str, dict[str, Any]] = {n: {} for n in pp_names.values()}
    flow_cells: dict[str, str] = {}
    flow_rows = rows("flows")
    for _, v, refs in flow_rows:
        r = readers["flows"]
        to = process_name(r, v["to"], refs["to"], "to")
        k = _norm(v["from"])
        if k in proc_names:
            src, book = proc_names[k], sent
            if src == to:
                raise InputError("a process cannot consume its own output", expected="another process",
                                 found=v["to"], **r.where(refs["to"], "to"))
        elif k in pp_names:
            src, book = pp_names[k], consumed
        else:
            raise InputError("unknown precursor", expected="the name of a production process or purchased "
                             "precursor", found=v["from"], **r.where(refs["from"], "from"))
        if to in book[src]:
            raise InputError("the same flow is listed twice", expected="one row per pair (from, to)",
                             found=f"{v['from']} -> {v['to']}", **r.where(refs["from"], "from"))
        book[src][to] = v["amount"]
        flow_cells.setdefault(src, f"{FLOWS.name}!{refs['amount']}")

    _purchases_cover_use(readers["flows"], pp_rows, flow_rows)

    processes = []
    routes: dict[str, str] = {}
    for i, (_, v, refs) in enumerate(proc_rows):
        name = v["name"]
        ev, erefs = energy.get(name, ({}, {}))
        cells = {**_cells(PROCESSES, refs), **_cells(ENERGY, {k: e for k, e in erefs.items() if k != "process"})}
        if name in flow_cells:
            cells["sent_to"] = flow_cells[name]
        if v["route"]:
            routes[name] = v["route"]
        processes.append(ProductionProcess(
            id=f"P{i + 1}", category=v["category"], name=name, production=v["production"],
            produced_for_market=v["produced_for_market"], sent_to=sent[name],
            consumed_non_cbam=v["consumed_non_cbam"], heat_relevant=v["heat_relevant"],
            waste_gases_relevant=v["waste_gases_relevant"],
            directly_attributable_emissions=v["directly_attributable_emissions"],
            included_goods=_included_goods(readers["processes"], v["included_goods"], refs["included_goods"]),
            **{f.key: ev.get(f.key) for f in ENERGY.fields if f.key != "process"},
            cells=cells,
        ))
    purchased = []
    for i, (_, v, refs) in enumerate(pp_rows):
        cells = _cells(PURCHASED, refs)
        if v["name"] in flow_cells:
            cells["consumed_in"] = flow_cells[v["name"]]
        purchased.append(PurchasedPrecursor(
            id=f"PP{i + 1}", category=v["category"], name=v["name"], country=v["country"],
            routes=_routes(v["routes"]), purchased=v["purchased"], consumed_in=consumed[v["name"]],
            consumed_other=v["consumed_other"], see_direct=v["see_direct"],
            see_direct_source=v["see_direct_source"], specific_electricity=v["specific_electricity"],
            specific_electricity_source=v["specific_electricity_source"], electricity_ef=v["electricity_ef"],
            electricity_ef_source=v["electricity_ef_source"], default_justification=v["default_justification"],
            cells=cells,
        ))
    goods, exports = _goods(readers["goods"], rows("goods"), process_name)
    streams = [SourceStream(
        method=_METHOD_TO_MODEL[v["method"]],  # type: ignore[arg-type]
        name=v["name"], activity_data=v["activity_data"], net_calorific_value=v["net_calorific_value"],
        emission_factor=v["emission_factor"], carbon_content=v["carbon_content"],
        oxidation_factor=v["oxidation_factor"], conversion_factor=v["conversion_factor"],
        biomass_fraction=v["biomass_fraction"], cells=_cells(SOURCE_STREAMS, refs),
    ) for _, v, refs in rows("source_streams")]
    pfc = [PFCSource(
        method=_PFC_TO_MODEL[v["method"]],  # type: ignore[arg-type]
        technology=v["technology"],
        **{f.key: v[f.key] for f in PFC.fields if f.key not in ("method", "technology")},
        cells=_cells(PFC, refs),
    ) for _, v, refs in rows("pfc")]
    measured = [MeasuredSource(
        **{f.key: v[f.key] for f in MEASURED.fields}, cells=_cells(MEASURED, refs),
    ) for _, v, refs in rows("measured")]
    totals_keys = ("indirect", "fuel_input_total", "fuel_input_cbam_goods", "fuel_input_electricity",
                   "fuel_input_non_cbam", "co2", "biomass", "n2o", "pfc")
    totals = InstallationTotalsInput(**{k: form[k] for k in totals_keys},
                                     cells={k: form_cells[k] for k in totals_keys})
    from ..countries import country_name

    if form["period_end"] < form["period_start"]:
        raise InputError("the reporting period ends before it starts",
                         expected=f"an end date after {form['period_start'].isoformat()}",
                         found=form["period_end"].isoformat(),
                         **readers["installation"].where(form_cells["period_end"].split("!")[1], "period_end"))
    installation = Installation(
        name=form["name_en"], country=country_name(form["country"]), period_start=form["period_start"],
        period_end=form["period_end"], source_streams=streams, pfc_sources=pfc, measured_sources=measured,
        totals_input=totals, processes=processes, purchased_precursors=purchased, goods=goods,
        source_file=x.file, warnings=warns,
    )
    details = {k: form[k] for k in ("name", "economic_activity", "street", "post_code", "po_box", "city",
                                    "unlocode", "latitude", "longitude", "data_quality", "default_justification",
                                    "quality_assurance") if form[k] is not None}
    for message in warns:
        warnings.warn(message, UserWarning, stacklevel=2)
    return ExporterInput(installation=installation, exports=exports, details=details, routes=routes,
                         language=lang, source_file=x.file, warnings=warns)


#: Sheet of the Communication template -> the sheet of our workbook holding the same inputs.
_USER_SHEET = {"A_InstData": "Installation", "B_EmInst": "Source streams", "C_Emissions&Energy": "Installation",
               "D_Processes": "Processes", "E_PurchPrec": "Purchased precursors", "Summary_Products": "Goods & exports"}


def in_user_terms(exc: InputError, file: str | None) -> InputError:
    """An engine error that names a sheet of the Communication template, relocated to our workbook.

    The engine checks the model against the template's rules and names the template's sheets
    (``D_Processes``); a user of the cbamcalc input workbook must be sent to its own sheet
    (``Processes``, ``Precursor flows`` for amounts consumed by other processes), in their file.
    A cell of the template means nothing in our workbook and is left out.
    """
    if exc.sheet not in _USER_SHEET:
        return exc if exc.file or not file else exc.replaced(file=file)
    sheet = _USER_SHEET[exc.sheet]
    if exc.sheet == "D_Processes" and "consumed" in (exc.field or "") and "non-CBAM" not in (exc.field or ""):
        sheet = FLOWS.name
    return exc.replaced(file=exc.file or file, sheet=sheet, cell=None)


def _purchases_cover_use(r: _SheetReader, pp_rows: list[tuple[int, dict[str, Any], dict[str, str]]],
                         flow_rows: list[tuple[int, dict[str, Any], dict[str, str]]]) -> None:
    """A purchased precursor is not used (in processes and otherwise) in more than was purchased.

    The Communication template only warns (E_PurchPrec control); in our workbook the amounts are
    typed side by side, so a larger use is a typing error: refused at the flow that exceeds it.
    """
    mass = ureg.parse_units("t").dimensionality
    for _, v, _refs in pp_rows:
        bought = v["purchased"]
        if bought is None or bought.dimensionality != mass:
            continue
        limit = float(bought.m_as("t"))
        used = float(v["consumed_other"].m_as("t")) if v["consumed_other"] is not None else 0.0
        for _, fv, frefs in flow_rows:
            if _norm(fv["from"]) != _norm(v["name"]) or fv["amount"].dimensionality != mass:
                continue
            used += float(fv["amount"].m_as("t"))
            if used > limit * (1 + 1e-9) + 1e-9:
                raise InputError(f"more of '{v['name']}' is used than was purchased (sheet "
                                 f"'{PURCHASED.name}'); the Communication template would only warn",
                                 expected=f"at most {limit:g} t used in all", found=f"{used:g} t",
                                 **r.where(frefs["amount"], "amount"))


def _goods(r: _SheetReader, rows: list[tuple[int, dict[str, Any], dict[str, str]]],
           process_name: Callable[[_SheetReader, str, str, str], str]) -> tuple[list[Good], pd.DataFrame]:
    goods: list[Good] = []
    recs: dict[str, list[Any]] = {k: [] for k in EXPORT_COLUMNS}
    units: list[Any] = []
    for i, (_, v, refs) in enumerate(rows):
        proc = process_name(r, v["process"], refs["process"], "process")
        goods.append(Good(process=proc, cn_code=v["cn_code"], name=v["name"] or "", cells=_cells(GOODS, refs)))
        years = [y for y in EXPORT_YEARS if v[f"export_{y}"] is not None]
        if not years:
            continue
        if v["export_unit"] is None:
            raise InputError("a unit is needed for the quantities exported", expected="a unit of mass (t)",
                             found="an empty cell", **r.where(refs["export_unit"], "export_unit"))
        for y in years:
            q = v[f"export_{y}"]
            if q < 0:
                raise InputError(expected="a quantity of 0 or more", found=q,
                                 **r.where(refs[f"export_{y}"], f"export_{y}"))
            for k, val in zip(EXPORT_COLUMNS, (i, proc, v["cn_code"], v["name"] or "", y, q), strict=True):
                recs[k].append(val)
            units.append(v["export_unit"])
    qty = np.asarray(recs["quantity"], dtype=float)
    for u in set(units):  # one conversion per distinct unit
        mask = np.array([x == u for x in units], dtype=bool)
        qty[mask] = Q_(qty[mask], u).m_as("t")
    frame = pd.DataFrame({k: recs[k] for k in EXPORT_COLUMNS})
    frame["quantity"] = qty
    frame["good"] = frame["good"].astype(int)
    frame["year"] = frame["year"].astype(int)
    return goods, frame


# ---------------------------------------------------------------------------- the example


def example_input() -> ExporterInput:
    """The illustrative Thai steel-fastener plant (a fictitious plant; plausible, not real, numbers).

    Two production processes (bolts and screws, CN 7318 15; nuts, CN 7318 16) of the category
    "Iron or steel products", natural gas and LPG for heat treatment, grid electricity with the
    TGO factor 0.4750 kgCO2e/kWh (2026), and two purchased precursors: carbon-steel wire rod
    from a Thai mill (measured SEE) and boron-steel wire rod from Japan (EU default value for CN
    7227 90 10 from Japan, 3.53 tCO2e/t: IR (EU) 2025/2621 Annex I v1, sheet 'Japan', row 191).

    Returns
    -------
    ExporterInput
        The example, with exports to the EU for 2026-2034 [t].
    """
    processes = [
        ProductionProcess(
            id="P1", category="Iron or steel products", name="Bolt and screw forming",
            production=Q_(18_000, "t"), produced_for_market=Q_(18_000, "t"),
            directly_attributable_emissions=Q_(3_814.3578, "tCO2e"), heat_relevant=False, waste_gases_relevant=False,
            electricity_consumed=Q_(9_360, "MWh"), electricity_ef=Q_(0.475, "kgCO2e/kWh"),
            electricity_ef_source="D.4(b)", included_goods=("Only direct production",),
        ),
        ProductionProcess(
            id="P2", category="Iron or steel products", name="Nut forming and tapping",
            production=Q_(6_000, "t"), produced_for_market=Q_(6_000, "t"),
            directly_attributable_emissions=Q_(1_271.4526, "tCO2e"), heat_relevant=False, waste_gases_relevant=False,
            electricity_consumed=Q_(3_300_000, "kWh"), electricity_ef=Q_(0.475, "kgCO2e/kWh"),
            electricity_ef_source="D.4(b)", included_goods=("Only direct production",),
        ),
    ]
    purchased = [
        PurchasedPrecursor(
            id="PP1", category="Iron or steel products", name="Carbon steel wire rod (Thai mill)", country="TH",
            purchased=Q_(22_500, "t"), consumed_in={"Bolt and screw forming": Q_(16_000, "t"),
                                                   "Nut forming and tapping": Q_(6_400, "t")},
            consumed_other=Q_(100, "t"), see_direct=Q_(0.62, "tCO2e/t"), see_direct_source="Measured",
            specific_electricity=Q_(640, "kWh/t"), specific_electricity_source="Measured",
            electricity_ef=Q_(0.475, "tCO2e/MWh"), electricity_ef_source="D.4(b)",
        ),
        PurchasedPrecursor(
            id="PP2", category="Iron or steel products", name="Boron steel wire rod (imported)", country="JP",
            purchased=Q_(2_900, "t"), consumed_in={"Bolt and screw forming": Q_(2_900, "t")},
            consumed_other=Q_(0, "t"), see_direct=Q_(3.53, "tCO2e/t"), see_direct_source="Default",
            specific_electricity=Q_(0, "MWh/t"), specific_electricity_source="Default",
            electricity_ef=Q_(0, "tCO2e/MWh"), electricity_ef_source="D.4(a)",
            default_justification="Data gaps",
        ),
    ]
    goods = [
        Good("Bolt and screw forming", "73181588", "Hex bolt M12 grade 8.8 / สลักเกลียวหัวหกเหลี่ยม M12 เกรด 8.8"),
        Good("Bolt and screw forming", "73181582", "Hex bolt M10 grade 5.8 / สลักเกลียวหัวหกเหลี่ยม M10 เกรด 5.8"),
        Good("Nut forming and tapping", "73181692", "Hex nut M12 / น็อตตัวเมียหกเหลี่ยม M12"),
    ]
    streams = [
        SourceStream(method="combustion", name="Natural gas (heat treatment furnaces)",
                     activity_data=Q_(2_400_000, "Nm3"), net_calorific_value=Q_(36.0, "GJ/kNm3"),
                     emission_factor=Q_(56.1, "tCO2e/TJ"), oxidation_factor=1.0),
        SourceStream(method="combustion", name="LPG (forklifts, tempering)", activity_data=Q_(80, "t"),
                     net_calorific_value=Q_(47.3, "GJ/t"), emission_factor=Q_(63.1, "tCO2e/TJ"),
                     oxidation_factor=1.0),
    ]
    installation = Installation(
        name="Siam Fastener Works (illustrative)", country="Thailand",
        period_start=_dt.date(2025, 1, 1), period_end=_dt.date(2025, 12, 31),
        source_streams=streams, processes=processes, purchased_precursors=purchased, goods=goods,
        totals_input=InstallationTotalsInput(indirect=Q_(6_013.5, "tCO2e")),
    )
    volumes = {0: 3_200.0, 1: 1_100.0, 2: 1_500.0}
    rows = []
    for g, base in volumes.items():
        for k, y in enumerate(EXPORT_YEARS):
            rows.append((g, goods[g].process, goods[g].cn_code, goods[g].name, y, round(base * 1.03 ** k, 1)))
    exports = pd.DataFrame(rows, columns=list(EXPORT_COLUMNS))
    details = {
        "name": "บริษัท สยามฟาสเทนเนอร์เวิร์คส์ จำกัด (ข้อมูลสมมติ)",
        "economic_activity": "Manufacture of fasteners (TSIC 25940) / การผลิตสลักภัณฑ์",
        "street": "99/9 Moo 5, Bang Phli Industrial Estate", "post_code": "10540", "city": "Samut Prakan",
        "unlocode": "TH BKK", "latitude": "13.6046°", "longitude": "100.7069°",
        "data_quality": "Mostly measurements & national standard factors for e.g. the emission factor",
        "default_justification": "Data gaps", "quality_assurance": "Internal audits",
    }
    return ExporterInput(installation=installation, exports=exports, details=details,
                         routes={}, language="both")

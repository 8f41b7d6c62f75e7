"""Read the EU *Communication template for installations* (v2.1 and v2.1.1) into an Installation.

Only the template's **input cells** (its unlocked cells) are read; its result cells are
never taken as results (cbamcalc computes them, :func:`cbamcalc.pipeline.run_installation`).
Where each input lives is data: ``template_map_v2_1_1.csv`` beside this module maps cells
to canonical field names, types, units and lower bounds. v2.1 (2024-06-05) and v2.1.1
(2024-12-13) have the same input layout.

Versions
--------
The version is read from ``VersionDocumentation!B3`` (release date). Any other version is
refused with an :class:`~cbamcalc.errors.InputError`, because a new layout could move
inputs and give wrong numbers silently; ``allow_other_versions=True`` reads it with the
v2.1.1 layout and a warning.

Formulas in input cells
-----------------------
Real files hold formulas in some input cells (``D_Processes!L27 = =L16``). Their cached
value is used when the file has one; otherwise simple formulas (numbers, cell references,
``+ - * / ^``, parentheses, ``TRUE()``/``FALSE()``) are evaluated (see
:func:`cbamcalc.io.xlsx_safety.evaluate_formula`). A formula that cannot be evaluated (it
refers to a result cell such as ``='C_Emissions&Energy'!H32``) is an error naming the
cell when the SEE depend on the field (map column ``role`` = ``see``), and a warning with
the field left blank otherwise (``total``: installation totals only; ``check``:
consistency checks only; ``info``: descriptive).

Safety
------
The workbook is read with :class:`cbamcalc.io.xlsx_safety.XlsxReader`: ZIP package only,
no DTD or entities, no macros run, no external links followed, nothing written.
"""

from __future__ import annotations

import csv
import datetime as _dt
import re
import warnings
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..model import (
    Good,
    Installation,
    InstallationTotalsInput,
    MeasuredSource,
    PFCSource,
    ProductionProcess,
    PurchasedPrecursor,
    SourceStream,
    activity_unit,
)
from ..units import Q_
from .xlsx_safety import UNSTORABLE, ExcelError, XlsxReader, column_index, column_letter, split_ref

__all__ = ["read_communication_template", "TEMPLATE_VERSIONS", "cell_map"]

#: Release date in VersionDocumentation!B3 -> template version.
TEMPLATE_VERSIONS: dict[_dt.date, str] = {
    _dt.date(2024, 6, 5): "2.1",
    _dt.date(2024, 12, 13): "2.1.1",
}
_TEMPLATE_TYPE = "CBAM communication SEE"
_SHEETS = ("A_InstData", "B_EmInst", "C_Emissions&Energy", "D_Processes", "E_PurchPrec", "Summary_Products",
           "VersionDocumentation")
_METHODS = {"combustion": "combustion", "process emissions": "process_emissions",
            "mass balance": "mass_balance"}
_PFC_METHODS = {"slope method": "slope", "overvoltage method": "overvoltage"}
_AD_UNITS = {"t": "t", "1000nm3": "kNm3"}
_EF_UNITS = {"tco2/tj": "tCO2e/TJ", "tco2/t": "tCO2e/t", "tco2/1000nm3": "tCO2e/kNm3"}
_GASES = {"co2": "CO2", "n2o": "N2O"}
_N_PROCESSES = 10
_N_PURCHASED = 20


@dataclass(frozen=True)
class MapField:
    """One line of the cell map: where a field of a template group lives."""

    group: str
    sheet: str
    cell: str
    count: int
    stride: int
    field: str
    type: str
    unit: str
    min: float | None
    role: str
    label: str

    def refs(self, instance: int) -> list[str]:
        """A1 references of this field in instance ``instance`` (0-based) of its group."""
        return _refs(self, instance)


@cache
def _refs(f: MapField, instance: int) -> list[str]:
    first, _, last = f.cell.partition(":")
    c1, r1 = split_ref(first)
    c2, r2 = split_ref(last) if last else (c1, r1)
    shift = instance * f.stride
    return [f"{column_letter(c)}{r + shift}" for r in range(r1, r2 + 1)
            for c in range(column_index(c1), column_index(c2) + 1)]


@cache
def cell_map() -> tuple[MapField, ...]:
    """The cell map of template v2.1.1 (and v2.1): ``template_map_v2_1_1.csv`` as records."""
    text = resources.files("cbamcalc.io").joinpath("template_map_v2_1_1.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines())
    return tuple(
        MapField(r["group"], r["sheet"], r["cell"], int(r["count"]), int(r["stride"]), r["field"], r["type"],
                 r["unit"], float(r["min"]) if r["min"] else None, r["role"], r["label"])
        for r in rows
    )


@cache
def _group(name: str) -> tuple[MapField, ...]:
    return tuple(f for f in cell_map() if f.group == name)


#: Upper bound of a number by its unit in the cell map: a percentage (oxidation, conversion, biomass
#: content) at most 100, a fraction (current or collection efficiency) at most 1.
_MAX_OF_UNIT = {"percent": 100.0, "fraction": 1.0}


class _Reader:
    """Typed access to the input cells, with errors naming file, sheet and cell."""

    def __init__(self, xlsx: XlsxReader) -> None:
        self.x = xlsx
        self.file = xlsx.file
        self.warnings: list[str] = []

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        warnings.warn(message, UserWarning, stacklevel=4)

    def raw(self, sheet: str, ref: str) -> Any:
        try:
            v = self.x.value(sheet, ref)
        except InputError as exc:
            raise exc.located(file=self.file) from exc.__cause__
        if isinstance(v, ExcelError):
            raise InputError("the cell holds an Excel error", file=self.file, sheet=sheet, cell=ref,
                             expected="a value", found=str(v))
        if isinstance(v, str) and v.strip() == "":
            return None
        return v

    def get(self, f: MapField, ref: str) -> Any:
        try:
            v = self.raw(f.sheet, ref)
        except InputError as exc:
            if f.role == "see" or self.x.cached(f.sheet, ref)[0]:
                raise
            self.warn(f"{exc}. Left blank: the SEE do not depend on it")
            return None
        if v is None:
            return None
        where = {"file": self.file, "sheet": f.sheet, "cell": ref, "field": f.label}
        if f.type == "number":
            if isinstance(v, bool) or not isinstance(v, float | int):
                raise InputError(expected="a number", found=v, **where)
            if f.min is not None and v < f.min:
                raise InputError(expected=f"a number of at least {f.min:g}", found=v, **where)
            top = _MAX_OF_UNIT.get(f.unit)
            if top is not None and v > top:
                raise InputError(expected=f"a number of at least {f.min or 0:g} and at most {top:g} ({f.unit})",
                                 found=v, **where)
            return float(v)
        if f.type == "text":
            if isinstance(v, float):
                return str(int(v)) if v.is_integer() else repr(v)
            if isinstance(v, bool):
                return "TRUE" if v else "FALSE"
            if isinstance(v, _dt.datetime):
                return v.date().isoformat()
            if UNSTORABLE.search(str(v)):
                raise InputError("the text holds a control character that a workbook cannot store",
                                 expected="text without control characters", found=str(v), **where)
            return str(v)
        if f.type == "bool":
            if isinstance(v, bool):
                return v
            if isinstance(v, str) and v.strip().upper() in ("TRUE", "FALSE"):
                return v.strip().upper() == "TRUE"
            raise InputError(expected="TRUE or FALSE", found=v, **where)
        if f.type == "date":
            try:
                return self.x.date(v)
            except (ValueError, OverflowError):
                raise InputError(expected="a date", found=v, **where) from None
        raise AssertionError(f"unknown type {f.type!r} in the cell map")  # pragma: no cover

    def instance(self, group: str, i: int) -> tuple[dict[str, Any], dict[str, str]]:
        """Values and cells of instance ``i`` (0-based) of a group; vector fields as lists."""
        values: dict[str, Any] = {}
        cells: dict[str, str] = {}
        for f in _group(group):
            refs = f.refs(i)
            if ":" in f.cell:
                values[f.field] = [self.get(f, r) for r in refs]
                cells[f.field] = f"{f.sheet}!{refs[0]}:{refs[-1]}"
            else:
                values[f.field] = self.get(f, refs[0])
                cells[f.field] = f"{f.sheet}!{refs[0]}"
        return values, cells

    def blank(self, group: str, i: int) -> bool:
        """True when no cell of instance ``i`` of a group stores anything."""
        return all(self.x.is_blank(f.sheet, r) for f in _group(group) for r in f.refs(i))

    def count(self, group: str) -> int:
        return _group(group)[0].count

    def key(self, group: str, field: str, i: int) -> Any:
        """The value of one field of instance ``i`` (the field that says whether the instance exists)."""
        f = next(f for f in _group(group) if f.field == field)
        return self.get(f, f.refs(i)[0])

    def choice(self, value: str, options: dict[str, str], f_sheet: str, cell: str, label: str) -> str:
        key = " ".join(value.split()).casefold()
        if key not in options:
            raise InputError(file=self.file, sheet=f_sheet, cell=cell, field=label,
                             expected=" or ".join(repr(o) for o in _display(options)), found=value)
        return options[key]


def _display(options: dict[str, str]) -> list[str]:
    names = {"combustion": "Combustion", "process emissions": "Process emissions", "mass balance": "Mass Balance",
             "slope method": "Slope method", "overvoltage method": "Overvoltage method", "t": "t",
             "1000nm3": "1000Nm3", "tco2/tj": "tCO2/TJ", "tco2/t": "tCO2/t", "tco2/1000nm3": "tCO2/1000Nm3",
             "co2": "CO2", "n2o": "N2O"}
    return [names.get(k, k) for k in options]


def _q(value: float | None, unit: str) -> Any:
    return None if value is None else Q_(value, unit)


def _frac(percent: float | None) -> float | None:
    return None if percent is None else percent / 100.0


def _sum(values: list[float | None]) -> float:
    return float(sum(v for v in values if v is not None))


def _cell_of(cells: dict[str, str], field: str) -> str:
    return cells[field].split("!", 1)[1]


# ---------------------------------------------------------------------------- sections


#: The refusal of a template version cbamcalc does not know, with the way to read it anyway (CLI and Python).
_OTHER_VERSION = ("unknown version of the Communication template (its inputs may have moved); to read it with the "
                  "v2.1.1 layout anyway, pass --allow-other-versions (allow_other_versions=True in Python)")


def _version(r: _Reader, *, allow_other_versions: bool) -> str:
    missing = [s for s in _SHEETS if s not in r.x.sheet_paths]
    if missing:
        raise InputError("not the EU Communication template for installations", file=r.file,
                         expected="the sheets " + ", ".join(_SHEETS),
                         found="no sheet " + ", ".join(repr(m) for m in missing))
    fields = {f.field: f for f in _group("version")}
    kind = r.raw("VersionDocumentation", fields["template_type"].cell)
    if not (isinstance(kind, str) and kind.strip().casefold().startswith(_TEMPLATE_TYPE.casefold())):
        raise InputError("not the EU Communication template for installations", file=r.file,
                         sheet="VersionDocumentation", cell="B2", field="template type",
                         expected=f"'{_TEMPLATE_TYPE} Version 2'", found=kind)
    major = re.search(r"version\s*(\S+)", kind, re.I)
    other_major = major is not None and major.group(1) != "2"  # the layout cbamcalc reads is that of version 2
    if other_major:
        if not allow_other_versions:
            raise InputError(_OTHER_VERSION, file=r.file, sheet="VersionDocumentation", cell="B2",
                             field="template type", expected=f"'{_TEMPLATE_TYPE} Version 2'", found=kind)
        r.warn(f"{r.file}: Communication template '{kind}' is not a version cbamcalc knows; read with the "
               "v2.1.1 layout")
    f = fields["release_date"]
    date = r.get(f, f.cell)
    if date in TEMPLATE_VERSIONS:
        return f"unknown ({kind})" if other_major else TEMPLATE_VERSIONS[date]
    known = ", ".join(f"{v} ({d.isoformat()})" for d, v in TEMPLATE_VERSIONS.items())
    if not allow_other_versions:
        raise InputError(
            _OTHER_VERSION,
            file=r.file, sheet="VersionDocumentation", cell="B3", field="template release date",
            expected=known, found=str(date),
        )
    r.warn(f"{r.file}: Communication template of {date} is not a version cbamcalc knows ({known}); "
           "read with the v2.1.1 layout")
    return f"unknown ({date})"


def _installation_data(r: _Reader) -> dict[str, Any]:
    return r.instance("installation", 0)[0]


def _source_streams(r: _Reader) -> list[SourceStream]:
    out: list[SourceStream] = []
    for i in range(r.count("source_stream")):
        if r.key("source_stream", "method", i) is None:
            if not r.blank("source_stream", i):
                r.warn(f"B_EmInst row {17 + i}: data without a method (column D); ignored, as in the template")
            continue
        v, cells = r.instance("source_stream", i)
        method = r.choice(v["method"], _METHODS, "B_EmInst", _cell_of(cells, "method"), "method")
        ad_unit = None
        if v["activity_unit"] is not None:
            ad_unit = r.choice(v["activity_unit"], _AD_UNITS, "B_EmInst", _cell_of(cells, "activity_unit"),
                               "AD unit")
        ef_unit = None
        if v["emission_factor_unit"] is not None:
            ef_unit = r.choice(v["emission_factor_unit"], _EF_UNITS, "B_EmInst",
                               _cell_of(cells, "emission_factor_unit"), "EF unit")
        ef = v["emission_factor"] if method != "mass_balance" else None
        out.append(SourceStream(
            method=method,  # type: ignore[arg-type]
            name=v["name"] or "",
            activity_data=_q(v["activity_data"], ad_unit) if ad_unit else None,
            net_calorific_value=_q(v["net_calorific_value"], f"GJ/{ad_unit}") if ad_unit else None,
            emission_factor=_q(ef, ef_unit) if ef_unit else None,
            carbon_content=_q(v["carbon_content"], f"tC/{ad_unit}") if ad_unit and method == "mass_balance"
            else None,
            oxidation_factor=_frac(v["oxidation_factor"]),
            conversion_factor=_frac(v["conversion_factor"]),
            biomass_fraction=_frac(v["biomass_content"]),
            cells={**cells, "biomass_fraction": cells["biomass_content"]},
        ))
    return out


def _pfc_sources(r: _Reader) -> list[PFCSource]:
    out: list[PFCSource] = []
    for i in range(r.count("pfc")):
        if r.key("pfc", "method", i) is None:
            if not r.blank("pfc", i):
                r.warn(f"B_EmInst row {98 + i}: PFC data without a method (column D); ignored")
            continue
        v, cells = r.instance("pfc", i)
        method = r.choice(v["method"], _PFC_METHODS, "B_EmInst", _cell_of(cells, "method"), "PFC method")
        out.append(PFCSource(
            method=method,  # type: ignore[arg-type]
            technology=v["technology"] or "",
            aluminium_produced=_q(v["activity_data"], "t"),
            anode_effect_frequency=v["anode_effect_frequency"],
            anode_effect_duration=v["anode_effect_duration"],
            slope_cf4=v["slope_cf4"],
            anode_effect_overvoltage=v["anode_effect_overvoltage"],
            current_efficiency=v["current_efficiency"],
            overvoltage_coefficient=v["overvoltage_coefficient"],
            c2f6_weight_fraction=v["c2f6_weight_fraction"],
            collection_efficiency=v["collection_efficiency"],
            cells={**cells, "aluminium_produced": cells["activity_data"]},
        ))
    return out


def _measured_sources(r: _Reader) -> list[MeasuredSource]:
    out: list[MeasuredSource] = []
    for i in range(r.count("measured")):
        if r.key("measured", "gas", i) is None:
            if not r.blank("measured", i):
                r.warn(f"B_EmInst row {113 + i}: measurement data without a GHG type (column E); ignored")
            continue
        v, cells = r.instance("measured", i)
        gas = r.choice(v["gas"], _GASES, "B_EmInst", _cell_of(cells, "gas"), "type of GHG")
        out.append(MeasuredSource(
            name=v["name"] or "",
            gas=gas,  # type: ignore[arg-type]
            concentration=_q(v["concentration"], "g/Nm3"),
            operating_hours=_q(v["operating_hours"], "h"),
            flue_gas_flow=_q(v["flue_gas_flow"], "kNm3/h"),
            biomass_fraction=_frac(v["biomass_content"]),
            energy_content_fossil=_q(v["energy_content_fossil"], "TJ"),
            energy_content_biomass=_q(v["energy_content_biomass"], "TJ"),
            cells={**cells, "biomass_fraction": cells["biomass_content"]},
        ))
    return out


def _totals_input(r: _Reader) -> InstallationTotalsInput:
    v, cells = r.instance("totals", 0)
    units = {f.field: f.unit for f in _group("totals")}
    kwargs = {k: _q(v[k], units[k]) for k in ("fuel_input_total", "fuel_input_cbam_goods",
                                              "fuel_input_electricity", "fuel_input_non_cbam", "co2",
                                              "biomass", "n2o", "pfc", "indirect")}
    return InstallationTotalsInput(**kwargs, cells=cells)


def _processes(r: _Reader) -> list[ProductionProcess]:
    heads = {i: r.instance("process", i) for i in range(r.count("process"))
             if r.key("process", "category", i) is not None}
    names = {i: v["name"] if v["name"] is not None else f"P{i + 1} - {v['category']}"
             for i, (v, _) in heads.items()}
    out: list[ProductionProcess] = []
    for i in range(r.count("process_data")):
        if i not in heads:
            if not r.blank("process_data", i):
                r.warn(f"D_Processes block P{i + 1}: data for a process not defined in A_InstData section 4(b) "
                       f"(row {83 + i}); ignored, as in the template")
            continue
        v_head, cells_head = heads[i]
        v, cells = r.instance("process_data", i)
        category = v_head["category"]
        unit = activity_unit(category)
        targets = [m for m in range(_N_PROCESSES) if m != i]
        sent: dict[str, Any] = {}
        for slot, amount in enumerate(v["sent_to_slot"]):
            m = targets[slot]
            if amount is None:
                continue
            if m not in names:
                if amount != 0:
                    r.warn(f"D_Processes block P{i + 1}: {amount:g} {unit} sent to P{m + 1}, which is not "
                           "defined; ignored, as in the template")
                continue
            sent[names[m]] = Q_(amount, unit)
        out.append(ProductionProcess(
            id=f"P{i + 1}",
            category=category,
            name=names[i],
            production=Q_(_sum(v["production_by_route"]), unit),
            produced_for_market=_q(v["produced_for_market"], unit),
            sent_to=sent,
            consumed_non_cbam=_q(v["consumed_non_cbam"], unit),
            heat_relevant=v["heat_relevant"],
            waste_gases_relevant=v["waste_gases_relevant"],
            directly_attributable_emissions=_q(v["directly_attributable_emissions"], "tCO2e"),
            heat_imported=_q(v["heat_imported"], "TJ"),
            heat_import_ef=_q(v["heat_import_ef"], "tCO2e/TJ"),
            heat_exported=_q(v["heat_exported"], "TJ"),
            heat_export_ef=_q(v["heat_export_ef"], "tCO2e/TJ"),
            waste_gas_imported=_q(v["waste_gas_imported"], "TJ"),
            waste_gas_exported=_q(v["waste_gas_exported"], "TJ"),
            electricity_consumed=_q(v["electricity_consumed"], "MWh"),
            electricity_ef=_q(v["electricity_ef"], "tCO2e/MWh"),
            electricity_ef_source=v["electricity_ef_source"],
            electricity_exported=_q(v["electricity_exported"], "MWh"),
            electricity_exported_ef=_q(v["electricity_exported_ef"], "tCO2e/MWh"),
            included_goods=tuple(g for g in v_head["included_goods"] if g),
            cells={**cells, "name": cells_head["name"], "category": cells_head["category"],
                   "production": cells["production_by_route"], "sent_to": cells["sent_to_slot"]},
        ))
    return out


def _purchased(r: _Reader, processes: list[ProductionProcess]) -> list[PurchasedPrecursor]:
    by_slot = {int(p.id[1:]) - 1: p.name for p in processes}
    out: list[PurchasedPrecursor] = []
    for i in range(r.count("purchased")):
        if r.key("purchased", "category", i) is None:
            if not r.blank("purchased_data", i):
                r.warn(f"E_PurchPrec block PP{i + 1}: data for a precursor not defined in A_InstData section 5 "
                       f"(row {102 + i}); ignored, as in the template")
            continue
        v_head, cells_head = r.instance("purchased", i)
        v, cells = r.instance("purchased_data", i)
        name = v_head["name"] if v_head["name"] is not None else f"PP{i + 1} - {v_head['category']}"
        consumed: dict[str, Any] = {}
        for k, amount in enumerate(v["consumed_in_process"]):
            if amount is None:
                continue
            if k not in by_slot:
                if amount != 0:
                    r.warn(f"E_PurchPrec block PP{i + 1}: {amount:g} t consumed in P{k + 1}, which is not "
                           "defined; ignored, as in the template")
                continue
            consumed[by_slot[k]] = Q_(amount, "t")
        out.append(PurchasedPrecursor(
            id=f"PP{i + 1}",
            category=v_head["category"],
            name=name,
            country=v_head["country"],
            routes=tuple(x for x in v_head["routes"] if x),
            purchased=Q_(_sum(v["purchased_by_route"]), "t"),
            consumed_in=consumed,
            consumed_other=_q(v["consumed_other"], "t"),
            see_direct=_q(v["see_direct"], "tCO2e/t"),
            see_direct_source=v["see_direct_source"],
            specific_electricity=_q(v["specific_electricity"], "MWh/t"),
            specific_electricity_source=v["specific_electricity_source"],
            electricity_ef=_q(v["electricity_ef"], "tCO2e/MWh"),
            electricity_ef_source=v["electricity_ef_source"],
            default_justification=v["default_justification"],
            cells={**cells, "name": cells_head["name"], "purchased": cells["purchased_by_route"],
                   "consumed_in": cells["consumed_in_process"]},
        ))
    return out


def _goods(r: _Reader) -> list[Good]:
    out: list[Good] = []
    for i in range(r.count("product")):
        if r.key("product", "process", i) is None:
            if not r.blank("product", i):
                r.warn(f"Summary_Products row {10 + i}: product without a production process (column D); "
                       "ignored, as in the template")
            continue
        v, cells = r.instance("product", i)
        if v["cn_code"] is None:
            raise InputError(file=r.file, sheet="Summary_Products", cell=_cell_of(cells, "cn_code"),
                             field="CN code", expected="the 8-digit CN code of the product",
                             found="an empty cell")
        out.append(Good(process=v["process"], cn_code=v["cn_code"], name=v["name"] or "", cells=cells))
    return out


def _preload(x: XlsxReader) -> None:
    columns: dict[str, set[str]] = {}
    for f in cell_map():
        for ref in f.refs(0):
            columns.setdefault(f.sheet, set()).add(split_ref(ref)[0])
    for sheet, cols in columns.items():
        x.load(sheet, cols)


# ---------------------------------------------------------------------------- entry point


def read_communication_template(path: str | Path, *, allow_other_versions: bool = False) -> Installation:
    """Read an installation from a filled EU Communication template (v2.1 or v2.1.1).

    Parameters
    ----------
    path : str or pathlib.Path
        The ``.xlsx`` file. It is only read, never written.
    allow_other_versions : bool, default False
        Read a template whose version (VersionDocumentation!B3) is neither v2.1 nor v2.1.1
        with the v2.1.1 layout, with a warning, instead of refusing it.

    Returns
    -------
    Installation
        Source streams, PFC and measured sources, manual totals, production processes,
        purchased precursors and goods, each field with the cell it came from; the
        template version; the reader's warnings (also issued with :func:`warnings.warn`).

    Raises
    ------
    InputError
        Naming file, sheet and cell: not an xlsx or not the template; unknown version;
        text where a number is expected; a negative amount where the template requires 0
        or more; an unknown drop-down value; an input formula without cached value that
        cannot be evaluated.

    Examples
    --------
    >>> inst = read_communication_template("EC_v2.1_example3_steel2_EAF_alloys_FILLED.xlsx")  # doctest: +SKIP
    >>> [p.name for p in inst.processes]  # doctest: +SKIP
    ['EAF incl. continuous casting', 'Rolling mill and finishing']
    """
    x = XlsxReader(path)
    r = _Reader(x)
    version = _version(r, allow_other_versions=allow_other_versions)
    _preload(x)
    info = _installation_data(r)
    processes = _processes(r)
    return Installation(
        name=info["name_en"] or info["name"] or "",
        country=info["country"],
        period_start=info["period_start"],
        period_end=info["period_end"],
        source_streams=_source_streams(r),
        pfc_sources=_pfc_sources(r),
        measured_sources=_measured_sources(r),
        totals_input=_totals_input(r),
        processes=processes,
        purchased_precursors=_purchased(r, processes),
        goods=_goods(r),
        template_version=version,
        source_file=x.file,
        warnings=r.warnings,
    )

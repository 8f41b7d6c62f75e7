"""Fill the EU *Communication template for installations* (v2.1.1) from an Installation.

:func:`export_communication` writes the Commission's own blank (shipped in
``cbamcalc/io/templates/``, its sha256 checked before use) with the installation's data in
the template's **input cells only** (its unlocked cells), so that an EU importer receives the
file they know, with every formula, data validation, sheet protection, defined name, style and
conditional format of the original.

How it writes
-------------
The workbook is patched at the XML level, not re-saved by a spreadsheet library: only the
``<c>`` elements of the input cells change (their style is kept), so nothing else of the
Commission's file can be lost (openpyxl, for instance, drops its x14 conditional formats).
Where each input lives comes from the reader's cell map, ``template_map_v2_1_1.csv`` (one map
for reading and writing); values go into the top-left cell of merged ranges, with the exact
drop-down strings of the template (``"Mass Balance"``, ``"Calcined clays "``, ``"1000Nm3"``).

Cached results
--------------
The blank's cached formula results would be stale once inputs change, so they are removed and
the workbook is flagged ``fullCalcOnLoad``: Excel recalculates when the file is opened.
``recalculate=True`` runs LibreOffice headless (with a temporary profile that recalculates on
load) so that the file carries the template's own results for any reader.

Units written: t (MWh for electricity), 1000Nm3, GJ/t, tCO2/TJ, tC/t, TJ, MWh, tCO2e/MWh,
tCO2e; percentages of B_EmInst as 0-100 numbers, PFC collection efficiency as a fraction.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError, OutputError, ReferenceDataError, UnitError
from ..model import Installation
from .atomic import check_target, write_atomically
from .communication_template import MapField, cell_map

if TYPE_CHECKING:  # pragma: no cover
    from .exporter_workbook import ExporterInput

__all__ = [
    "BLANK_NAME",
    "BLANK_SHA256",
    "communication_cells",
    "export_communication",
    "extras_from_input",
    "recalculate_with_libreoffice",
    "template_extras",
]

#: File name of the shipped blank (``cbamcalc/io/templates/``).
BLANK_NAME = "CBAM_Communication_template_for_installations_en_20241213_v2.1.1_BLANK.xlsx"
#: Its sha256: a different file is refused.
BLANK_SHA256 = "5a4e28fdbccfdca45a2c0520184b551a20c0c7bba3db79f87d78c9e58a6c0917"

_N_PROCESSES, _N_PURCHASED, _N_GOODS, _N_CATEGORIES = 10, 20, 100, 10
_CATEGORIES = (
    "Cement", "Cement clinker", "Calcined clays ", "Aluminous cement", "Iron or steel products", "Crude steel",
    "Direct reduced iron", "Pig iron", "Alloys (FeMn, FeCr, FeNi)", "Sintered Ore", "Hydrogen", "Ammonia",
    "Nitric acid", "Urea", "Mixed fertilisers", "Aluminium products", "Unwrought aluminium",
    "Electricity (export to EU)",
)
_METHODS = {"combustion": "Combustion", "process_emissions": "Process emissions", "mass_balance": "Mass Balance"}
_PFC_METHODS = {"slope": "Slope method", "overvoltage": "Overvoltage method"}
#: Installation fields of the cell map that come from ``details`` (the rest from the model).
DETAIL_FIELDS = ("name", "street", "economic_activity", "post_code", "po_box", "city", "unlocode", "latitude",
                 "longitude", "data_quality", "default_justification", "quality_assurance")
_EXCEL_EPOCH = _dt.date(1899, 12, 30)
_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# ---------------------------------------------------------------------------- the blank


@cache
def _blank_bytes() -> bytes:
    data = resources.files("cbamcalc.io").joinpath("templates").joinpath(BLANK_NAME).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != BLANK_SHA256:
        raise ReferenceDataError(f"cbamcalc/io/templates/{BLANK_NAME}: sha256 {digest} differs from the "
                                 f"recorded {BLANK_SHA256}; reinstall cbamcalc")
    return data


# ---------------------------------------------------------------------------- model -> cells


def _key(name: str) -> str:
    return " ".join(str(name).split()).casefold()


def _category(text: str, *, where: Mapping[str, Any]) -> str:
    """The template's exact spelling of an aggregated goods category."""
    look = {_key(c): c for c in _CATEGORIES}
    k = _key(text)
    if k not in look:
        raise InputError(expected="an aggregated goods category of the template (" +
                         ", ".join(repr(c.strip()) for c in _CATEGORIES) + ")", found=text, **where)
    return look[k]


def _where(cells: Mapping[str, str] | None, name: str, label: str) -> dict[str, Any]:
    ref = (cells or {}).get(name)
    out: dict[str, Any] = {"field": label}
    if ref:
        sheet, _, cell = ref.rpartition("!")
        if sheet:
            out["sheet"] = sheet
        out["cell"] = cell
    return out


def _mag(q: Any, unit: str, cells: Mapping[str, str] | None, name: str) -> float | None:
    """Magnitude of a quantity in the template's unit (None stays None)."""
    if q is None:
        return None
    try:
        return float(q.m_as(unit))
    except Exception as exc:  # pint's DimensionalityError, or a bare number
        found = str(getattr(q, "units", q))
        raise UnitError(expected=f"a quantity convertible to {unit}", found=found,
                        **_where(cells, name, name.replace("_", " "))) from exc


def _kind(q: Any, options: Sequence[str]) -> int | None:
    """Index of the option whose dimension ``q`` has (None when q is None or matches none)."""
    if q is None:
        return None
    from ..units import ureg

    for i, u in enumerate(options):
        if q.dimensionality == ureg.parse_units(u).dimensionality:
            return i
    return None


def _pct(x: float | None) -> float | None:
    return None if x is None else x * 100.0


def _slots(ids: Sequence[str], prefix: str, n: int) -> list[int]:
    """Template slots (0-based) from ids ``P1``... when they are valid and unique, else in order."""
    pat = re.compile(rf"^{prefix}(\d+)$")
    nums = [int(m.group(1)) - 1 if (m := pat.match(str(i).strip())) else -1 for i in ids]
    if all(0 <= k < n for k in nums) and len(set(nums)) == len(nums):
        return nums
    return list(range(len(ids)))


class _Cells:
    """Collects sheet -> cell -> value, by cell-map field."""

    def __init__(self) -> None:
        self.values: dict[str, dict[str, Any]] = {}
        self.fields: dict[tuple[str, str], MapField] = {(f.group, f.field): f for f in cell_map()}

    def put(self, group: str, field: str, instance: int, value: Any, index: int = 0) -> None:
        if value is None:
            return
        f = self.fields[(group, field)]
        ref = f.refs(instance)[index]
        self.values.setdefault(f.sheet, {})[ref] = value


def communication_cells(
    installation: Installation,
    *,
    details: Mapping[str, Any] | None = None,
    routes: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, dict[str, Any]]:
    """The input cells of the Communication template for an installation.

    Parameters
    ----------
    installation : Installation
        The data to write.
    details : mapping, optional
        Descriptive entries by cell-map field name (:data:`DETAIL_FIELDS`: local ``name``,
        ``street``, ``city``, ``data_quality`` ...).
    routes : mapping, optional
        Production routes of each aggregated goods category produced (A_InstData section
        4(a), routes 1-6), by category.

    Returns
    -------
    dict
        Sheet name -> A1 reference -> value (str, float, bool or datetime.date).

    Raises
    ------
    InputError
        More processes (10), purchased precursors (20), source streams (75), PFC or measured
        sources (10) or goods (100) than the template holds; an unknown goods category; a
        flow to a process that does not exist.
    UnitError
        A quantity whose unit cannot be converted to the template's.
    """
    inst = installation
    c = _Cells()
    details = dict(details or {})
    limits = (("processes", inst.processes, _N_PROCESSES), ("purchased precursors", inst.purchased_precursors,
              _N_PURCHASED), ("source streams", inst.source_streams, 75), ("PFC sources", inst.pfc_sources, 10),
              ("measured sources", inst.measured_sources, 10), ("goods", inst.goods, _N_GOODS))
    for what, items, n in limits:
        if len(items) > n:
            raise InputError(f"the Communication template holds at most {n} {what}", field=what,
                             expected=f"at most {n}", found=len(items))
    # installation data
    c.put("installation", "period_start", 0, inst.period_start)
    c.put("installation", "period_end", 0, inst.period_end)
    c.put("installation", "name_en", 0, inst.name or None)
    c.put("installation", "country", 0, inst.country)
    for k in DETAIL_FIELDS:
        group = "totals" if k in ("data_quality", "default_justification", "quality_assurance") else "installation"
        v = details.get(k)
        c.put(group, k, 0, str(v) if v is not None and str(v).strip() else None)
    # section 4(a): categories produced, with routes
    cats: list[str] = []
    for p in inst.processes:
        cat = _category(p.category, where=_where(p.cells, "category", "aggregated goods category"))
        if cat not in cats:
            cats.append(cat)
    route_map = {_key(k): list(v) for k, v in (routes or {}).items()}
    for i, cat in enumerate(cats[:_N_CATEGORIES]):
        c.put("good", "category", i, cat)
        for j, r in enumerate([r for r in route_map.get(_key(cat), []) if r][:6]):
            c.put("good", "routes", i, r, j)
    # section 4(b) and D_Processes
    p_slots = _slots([p.id for p in inst.processes], "P", _N_PROCESSES)
    slot_of = {_key(p.name): s for p, s in zip(inst.processes, p_slots, strict=True)}
    for p, s in zip(inst.processes, p_slots, strict=True):
        _process(c, p, s, slot_of)
    pp_slots = _slots([pp.id for pp in inst.purchased_precursors], "PP", _N_PURCHASED)
    for pp, s in zip(inst.purchased_precursors, pp_slots, strict=True):
        _purchased(c, pp, s, slot_of)
    for i, stream in enumerate(inst.source_streams):
        _stream(c, stream, i)
    for i, pf in enumerate(inst.pfc_sources):
        c.put("pfc", "method", i, _PFC_METHODS.get(pf.method, pf.method))
        c.put("pfc", "technology", i, pf.technology or None)
        c.put("pfc", "activity_data", i, _mag(pf.aluminium_produced, "t", pf.cells, "aluminium_produced"))
        for k in ("anode_effect_frequency", "anode_effect_duration", "slope_cf4", "anode_effect_overvoltage",
                  "current_efficiency", "overvoltage_coefficient", "c2f6_weight_fraction", "collection_efficiency"):
            v = getattr(pf, k)
            c.put("pfc", k, i, None if v is None else float(v))
    for i, m in enumerate(inst.measured_sources):
        c.put("measured", "name", i, m.name or None)
        c.put("measured", "gas", i, m.gas)
        c.put("measured", "biomass_content", i, _pct(m.biomass_fraction))
        for k, u in (("concentration", "g/Nm3"), ("operating_hours", "h"), ("flue_gas_flow", "kNm3/h"),
                     ("energy_content_fossil", "TJ"), ("energy_content_biomass", "TJ")):
            c.put("measured", k, i, _mag(getattr(m, k), u, m.cells, k))
    t = inst.totals_input
    for k in ("fuel_input_total", "fuel_input_cbam_goods", "fuel_input_electricity", "fuel_input_non_cbam"):
        c.put("totals", k, 0, _mag(getattr(t, k), "TJ", t.cells, k))
    for k in ("co2", "biomass", "n2o", "pfc", "indirect"):
        c.put("totals", k, 0, _mag(getattr(t, k), "tCO2e", t.cells, k))
    for i, g in enumerate(inst.goods):
        from ..cn_codes import normalise_cn

        c.put("product", "process", i, g.process)
        c.put("product", "cn_code", i, normalise_cn(g.cn_code, **_where(g.cells, "cn_code", "CN code")))
        c.put("product", "name", i, g.name or None)
    return c.values


def _unit_of(category: str) -> str:
    return "MWh" if _key(category) == "electricity (export to eu)" else "t"


def _process(c: _Cells, p: Any, s: int, slot_of: Mapping[str, int]) -> None:
    cells = p.cells
    cat = _category(p.category, where=_where(cells, "category", "aggregated goods category"))
    unit = _unit_of(cat)
    c.put("process", "category", s, cat)
    for j, g in enumerate(list(p.included_goods)[:6]):
        c.put("process", "included_goods", s, g, j)
    c.put("process", "name", s, p.name)
    c.put("process_data", "production_by_route", s, _mag(p.production, unit, cells, "production"), 0)
    c.put("process_data", "produced_for_market", s, _mag(p.produced_for_market, unit, cells, "produced_for_market"))
    targets = [m for m in range(_N_PROCESSES) if m != s]
    for name, q in p.sent_to.items():
        m = slot_of.get(_key(name))
        if m is None or m == s:
            raise InputError(f"process {p.name!r} sends output to a process that does not exist",
                             expected="the name of another production process", found=name,
                             **_where(cells, "sent_to", "consumed in other production processes"))
        c.put("process_data", "sent_to_slot", s, _mag(q, unit, cells, "sent_to"), targets.index(m))
    c.put("process_data", "consumed_non_cbam", s, _mag(p.consumed_non_cbam, unit, cells, "consumed_non_cbam"))
    c.put("process_data", "heat_relevant", s, None if p.heat_relevant is None else bool(p.heat_relevant))
    c.put("process_data", "waste_gases_relevant", s,
          None if p.waste_gases_relevant is None else bool(p.waste_gases_relevant))
    for k, u in (("directly_attributable_emissions", "tCO2e"), ("heat_imported", "TJ"), ("heat_exported", "TJ"),
                 ("heat_import_ef", "tCO2e/TJ"), ("heat_export_ef", "tCO2e/TJ"), ("waste_gas_imported", "TJ"),
                 ("waste_gas_exported", "TJ"), ("electricity_consumed", "MWh"), ("electricity_ef", "tCO2e/MWh"),
                 ("electricity_exported", "MWh"), ("electricity_exported_ef", "tCO2e/MWh")):
        c.put("process_data", k, s, _mag(getattr(p, k), u, cells, k))
    c.put("process_data", "electricity_ef_source", s, p.electricity_ef_source)


def _purchased(c: _Cells, pp: Any, s: int, slot_of: Mapping[str, int]) -> None:
    cells = pp.cells
    c.put("purchased", "category", s, _category(pp.category, where=_where(cells, "category", "goods category")))
    c.put("purchased", "country", s, pp.country)
    for j, r in enumerate(list(pp.routes)[:5]):
        c.put("purchased", "routes", s, r, j)
    c.put("purchased", "name", s, pp.name)
    c.put("purchased_data", "purchased_by_route", s, _mag(pp.purchased, "t", cells, "purchased"), 0)
    for name, q in pp.consumed_in.items():
        m = slot_of.get(_key(name))
        if m is None:
            raise InputError(f"purchased precursor {pp.name!r} is consumed in a process that does not exist",
                             expected="the name of a production process", found=name,
                             **_where(cells, "consumed_in", "consumed in production process"))
        c.put("purchased_data", "consumed_in_process", s, _mag(q, "t", cells, "consumed_in"), m)
    c.put("purchased_data", "consumed_other", s, _mag(pp.consumed_other, "t", cells, "consumed_other"))
    c.put("purchased_data", "see_direct", s, _mag(pp.see_direct, "tCO2e/t", cells, "see_direct"))
    c.put("purchased_data", "see_direct_source", s, pp.see_direct_source)
    c.put("purchased_data", "specific_electricity", s,
          _mag(pp.specific_electricity, "MWh/t", cells, "specific_electricity"))
    c.put("purchased_data", "specific_electricity_source", s, pp.specific_electricity_source)
    c.put("purchased_data", "electricity_ef", s, _mag(pp.electricity_ef, "tCO2e/MWh", cells, "electricity_ef"))
    c.put("purchased_data", "electricity_ef_source", s, pp.electricity_ef_source)
    c.put("purchased_data", "default_justification", s, pp.default_justification)


def _stream(c: _Cells, s: Any, i: int) -> None:
    cells = s.cells
    c.put("source_stream", "method", i, _METHODS.get(s.method, s.method))
    c.put("source_stream", "name", i, s.name or None)
    ad_kind = _kind(s.activity_data, ("t", "kNm3"))
    if s.activity_data is not None and ad_kind is None:
        raise UnitError(expected="a mass (t) or a gas volume at normal conditions (1000 Nm3)",
                        found=str(s.activity_data.units), **_where(cells, "activity_data", "activity data"))
    per = "kNm3" if ad_kind == 1 else "t"
    if ad_kind is not None:
        c.put("source_stream", "activity_data", i, _mag(s.activity_data, per, cells, "activity_data"))
        c.put("source_stream", "activity_unit", i, "1000Nm3" if ad_kind == 1 else "t")
    c.put("source_stream", "net_calorific_value", i, _mag(s.net_calorific_value, f"GJ/{per}", cells,
                                                              "net_calorific_value"))
    ef_kind = _kind(s.emission_factor, ("tCO2e/TJ", "tCO2e/t", "tCO2e/kNm3"))
    if s.emission_factor is not None:
        if ef_kind is None:
            raise UnitError(expected="an emission factor per energy, mass or gas volume (tCO2e/TJ, tCO2e/t, "
                            "tCO2e/1000 Nm3)", found=str(s.emission_factor.units),
                            **_where(cells, "emission_factor", "emission factor"))
        unit = ("tCO2e/TJ", "tCO2e/t", "tCO2e/kNm3")[ef_kind]
        c.put("source_stream", "emission_factor", i, _mag(s.emission_factor, unit, cells, "emission_factor"))
        c.put("source_stream", "emission_factor_unit", i, ("tCO2/TJ", "tCO2/t", "tCO2/1000Nm3")[ef_kind])
    c.put("source_stream", "carbon_content", i, _mag(s.carbon_content, f"tC/{per}", cells, "carbon_content"))
    c.put("source_stream", "oxidation_factor", i, _pct(s.oxidation_factor))
    c.put("source_stream", "conversion_factor", i, _pct(s.conversion_factor))
    c.put("source_stream", "biomass_content", i, _pct(s.biomass_fraction))


# ---------------------------------------------------------------------------- extras


def extras_from_input(data: ExporterInput) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """``details`` and ``routes`` (by category) for :func:`export_communication` from our workbook."""
    routes: dict[str, list[str]] = {}
    for p in data.installation.processes:
        r = data.routes.get(p.name)
        if r:
            routes.setdefault(p.category, [])
            if r not in routes[p.category]:
                routes[p.category].append(r)
    return dict(data.details), routes


def template_extras(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """``details`` and ``routes`` read from a filled Communication template (v2.1 or v2.1.1).

    The descriptive cells the :class:`~cbamcalc.model.Installation` does not hold (address,
    data quality, routes of the goods produced), so that re-exporting a template keeps them.
    """
    from .xlsx_safety import XlsxReader

    x = XlsxReader(Path(path))

    def text(sheet: str, ref: str) -> str | None:
        v = x.value(sheet, ref)
        if v is None or isinstance(v, bool):
            return None
        if isinstance(v, float):
            return str(int(v)) if v.is_integer() else repr(v)
        if isinstance(v, _dt.datetime):
            return None
        s = str(v)
        return s if s.strip() else None

    details: dict[str, Any] = {}
    for f in cell_map():
        if f.field in DETAIL_FIELDS and f.group in ("installation", "totals"):
            v = text(f.sheet, f.refs(0)[0])
            if v is not None:
                details[f.field] = v
    routes: dict[str, list[str]] = {}
    cat_f = next(f for f in cell_map() if (f.group, f.field) == ("good", "category"))
    route_f = next(f for f in cell_map() if (f.group, f.field) == ("good", "routes"))
    for i in range(cat_f.count):
        cat = text(cat_f.sheet, cat_f.refs(i)[0])
        if cat:
            for r in (text(route_f.sheet, ref) for ref in route_f.refs(i)):
                if r and r not in routes.setdefault(cat, []):
                    routes[cat].append(r)
    return details, {k: v for k, v in routes.items() if v}


# ---------------------------------------------------------------------------- XML patching


def _esc(text: str) -> str:
    text = _XML_BAD.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _cell_xml(ref: str, style: str | None, value: Any) -> bytes:
    s = f' s="{style}"' if style is not None else ""
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'.encode()
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return f'<c r="{ref}"{s}><v>{(value - _EXCEL_EPOCH).days}</v></c>'.encode()
    if isinstance(value, int | float):
        v = float(value)
        if v != v or v in (float("inf"), float("-inf")):
            raise InputError(f"cell {ref}: not a finite number", expected="a finite number", found=value)
        text = repr(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
        return f'<c r="{ref}"{s}><v>{text}</v></c>'.encode()
    text = str(value)
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{_esc(text)}</t></is></c>'.encode()


_C = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"([^>]*?)(/>|>(.*?)</c>)', re.S)
_S_ATTR = re.compile(rb'\ss="([0-9]+)"')
_T_ATTR = re.compile(rb'\st="[a-zA-Z]+"')
_V = re.compile(rb"<v(?:\s[^>]*)?>.*?</v>|<v(?:\s[^>]*)?/>", re.S)
_ARRAY = re.compile(rb'<f[^>]*\bt="array"[^>]*\bref="([A-Z]+)([0-9]+)(?::([A-Z]+)([0-9]+))?"')


def _col(letters: bytes | str) -> int:
    n = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        n = n * 26 + ord(ch) - 64
    return n


def _patch_sheet(xml: bytes, values: Mapping[str, Any]) -> tuple[bytes, set[str]]:
    """Write ``values`` into their cells and drop cached formula results; returns (xml, refs written)."""
    arrays = [(_col(m.group(1)), int(m.group(2)), _col(m.group(3) or m.group(1)), int(m.group(4) or m.group(2)))
              for m in _ARRAY.finditer(xml)]
    done: set[str] = set()

    def in_array(col: int, row: int) -> bool:
        return any(c1 <= col <= c2 and r1 <= row <= r2 for c1, r1, c2, r2 in arrays)

    def repl(m: re.Match[bytes]) -> bytes:
        ref = (m.group(1) + m.group(2)).decode()
        attrs, inner = m.group(3), m.group(5)
        if ref in values:
            done.add(ref)
            style = _S_ATTR.search(attrs)
            return _cell_xml(ref, style.group(1).decode() if style else None, values[ref])
        if inner is None:
            return m.group(0)
        if b"<f" in inner or (arrays and b"<v" in inner and in_array(_col(m.group(1)), int(m.group(2)))):
            new_inner = _V.sub(b"", inner)
            return b'<c r="' + m.group(1) + m.group(2) + b'"' + _T_ATTR.sub(b"", attrs) + b">" + new_inner + b"</c>"
        return m.group(0)

    return _C.sub(repl, xml), done


def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    wb = z.read("xl/workbook.xml").decode("utf-8")
    rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    targets = dict(re.findall(r'<Relationship[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels))
    targets.update({k: v for v, k in re.findall(r'<Relationship[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
    out = {}
    for name, rid in re.findall(r'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"', wb):
        name = name.replace("&amp;", "&")
        t = targets[rid]
        out[name] = t.lstrip("/") if t.startswith("/") else "xl/" + t
    return out


def _filled_bytes(values: Mapping[str, Mapping[str, Any]]) -> bytes:
    import io

    src = zipfile.ZipFile(io.BytesIO(_blank_bytes()))
    parts = _sheet_parts(src)
    missing = [s for s in values if s not in parts]
    if missing:  # pragma: no cover - the cell map and the blank belong together
        raise ReferenceDataError(f"the blank template has no sheet {missing}")
    by_part = {parts[s]: v for s, v in values.items()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet") and info.filename.endswith(".xml"):
                data, done = _patch_sheet(data, by_part.get(info.filename, {}))
                left = set(by_part.get(info.filename, {})) - done
                if left:  # pragma: no cover - every input cell exists in the blank
                    raise ReferenceDataError(f"{info.filename}: cells {sorted(left)} not found in the blank")
            elif info.filename == "xl/workbook.xml":
                data = re.sub(rb"<calcPr([^>]*?)/>", lambda m: b"<calcPr" + re.sub(
                    rb'\sfullCalcOnLoad="[^"]*"', b"", m.group(1)) + b' fullCalcOnLoad="1"/>', data, count=1)
            zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            dst.writestr(zi, data)
    return out.getvalue()


# ---------------------------------------------------------------------------- LibreOffice


_RECALC_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""


def find_soffice() -> str | None:
    """Path of LibreOffice's ``soffice`` (or ``libreoffice``), None when not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def recalculate_with_libreoffice(
    paths: Iterable[str | os.PathLike[str]],
    outdir: str | os.PathLike[str],
    *,
    soffice: str | None = None,
    timeout: float = 900,
) -> list[Path]:
    """Recalculate workbooks with LibreOffice headless, in one call, into ``outdir``.

    A temporary user profile sets ``/org.openoffice.Office.Calc/Formula/Load/OOXMLRecalcMode``
    to 0 (always recalculate on load); the files are converted to ``.xlsx`` in ``outdir``
    (same file names), which must differ from their folders.

    Returns
    -------
    list of pathlib.Path
        The recalculated files, in the order given.

    Raises
    ------
    OutputError
        When LibreOffice is not installed, fails, or does not write every file.
    """
    exe = soffice or find_soffice()
    if exe is None:
        raise OutputError("LibreOffice (soffice) is not installed; it is needed to recalculate the template")
    files = [Path(p).resolve() for p in paths]
    out = Path(outdir).resolve()
    if any(f.parent == out for f in files):
        raise OutputError(f"{out}: the output folder must differ from the input files' folder")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cbamcalc-lo-") as prof:
        user = Path(prof) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_RECALC_PROFILE, encoding="utf-8")
        cmd = [exe, f"-env:UserInstallation={Path(prof).as_uri()}", "--headless", "--norestore",
               "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), *map(str, files)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise OutputError(f"LibreOffice failed: {exc}") from exc
    result = [out / f.with_suffix(".xlsx").name for f in files]
    missing = [r.name for r in result if not r.exists()]
    if proc.returncode != 0 or missing:
        raise OutputError(f"LibreOffice did not convert {missing or 'the files'} (exit {proc.returncode}): "
                          f"{(proc.stderr or proc.stdout).strip()[:300]}")
    return result


# ---------------------------------------------------------------------------- entry point


def export_communication(
    installation: Installation,
    path: str | os.PathLike[str],
    *,
    details: Mapping[str, Any] | None = None,
    routes: Mapping[str, Sequence[str]] | None = None,
    input_path: str | os.PathLike[str] | None = None,
    recalculate: bool = False,
) -> Path:
    """Write the EU Communication template v2.1.1, filled with an installation's data.

    Parameters
    ----------
    installation : Installation
        From :func:`cbamcalc.io.exporter_workbook.read_input_workbook` or
        :func:`cbamcalc.io.communication_template.read_communication_template`.
    path : str or os.PathLike
        Target ``.xlsx``; written whole or not at all (temporary file in the same folder,
        then ``os.replace``).
    details : mapping, optional
        Address, local name and data-quality entries (:data:`DETAIL_FIELDS`); see
        :func:`extras_from_input` and :func:`template_extras`.
    routes : mapping, optional
        Production routes per aggregated goods category (A_InstData section 4(a)).
    input_path : str or os.PathLike, optional
        The input file: writing over it is refused.
    recalculate : bool, default False
        Recalculate with LibreOffice so that the file stores the template's results (else
        they are computed when the file is opened in Excel).

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    InputError, UnitError
        Data that do not fit the template (see :func:`communication_cells`).
    OutputError
        Target equal to the input, not ``.xlsx``, not writable, or LibreOffice failing.

    Notes
    -----
    Only the template's unlocked input cells are written (their top-left cell when merged);
    formulas, validations, protection, names and styles are the Commission's, unchanged.
    Product qualifying parameters (Summary_Products P:AK), carbon prices and the verifier
    section are not part of the model and stay empty.

    Examples
    --------
    >>> from cbamcalc.io.communication_template import read_communication_template  # doctest: +SKIP
    >>> inst = read_communication_template("EC_v2.1_example4_steel3_screws_nuts_FILLED.xlsx")  # doctest: +SKIP
    >>> export_communication(inst, "screws_v2.1.1.xlsx")  # doctest: +SKIP
    PosixPath('screws_v2.1.1.xlsx')
    """
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise OutputError(f"--out {target}: expected a file name ending in .xlsx")
    check_target(target, flag="--out", inputs=(input_path,))  # not an input, a folder or a missing folder
    data = _filled_bytes(communication_cells(installation, details=details, routes=routes))
    if recalculate:
        data = _recalculated(data, target)
    return write_atomically(target, lambda fh: fh.writelines([data]), label=f"--out {target}")


def _recalculated(data: bytes, target: Path) -> bytes:
    """The workbook's bytes after LibreOffice recalculated it (in a private temporary folder)."""
    try:
        with tempfile.TemporaryDirectory(prefix="cbamcalc-recalc-") as work:
            filled = Path(work) / "filled.xlsx"
            filled.write_bytes(data)
            out = Path(work) / "out"
            out.mkdir()
            return Path(recalculate_with_libreoffice([str(filled)], str(out))[0]).read_bytes()
    except OSError as exc:
        if isinstance(exc, OutputError):
            raise
        raise OutputError(f"--out {target}: cannot be written: {exc.strerror or exc}") from exc

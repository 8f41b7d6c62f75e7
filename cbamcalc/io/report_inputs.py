"""The operator's report inputs that neither input workbook holds (IR (EU) 2025/2547 Annex IV).

Annex IV asks for items that the Communication template v2.1.1 and the cbamcalc input workbook
do not carry: the operator's identity, the CBAM Registry installation ID, prose parts of the
monitoring-plan summary, confirmations, the production route of each good (it picks the
benchmark row of IR (EU) 2025/2620), the CN code, route and origin of each precursor, a bought-in
precursor's SEFA as its producer reports it, quantities per CN code. They live on three optional
sheets, the same in the cbamcalc input workbook and in the *companion workbook* that users of
the EU template fill (``cbamcalc report --new-inputs FILE``):

===================  ==========================================================================
sheet                layout
===================  ==========================================================================
Report_Info          one row per field from row 3: key (A), Annex IV item (B), English (C),
                     Thai (D), value (E)
Report_Goods         row 2 keys, row 3 English labels with units, row 4 Thai; one good per row
                     from row 5: process, cn_code, route, clinker_content, quantity_t,
                     sector_parameters
Report_Precursors    the same layout: precursor (name or id), cn_code, route, sefa,
                     period_basis, production_year, origin_operator, origin_installation,
                     origin_registry_id, origin_reporting_period
===================  ==========================================================================

The fields, their kinds (text, number, fraction, choice, yes/no, CN code), units, Annex IV
items and bilingual labels are data: ``report_inputs_fields.csv``. A blank field is simply
absent: the report lists the Annex IV item as missing, it never invents a value.
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError

__all__ = ["ReportInputs", "SHEETS", "fields", "read_report_inputs", "write_report_inputs", "add_report_sheets",
           "with_template_parameters"]

#: Sheet name of each part of the inputs.
SHEETS = {"info": "Report_Info", "goods": "Report_Goods", "precursors": "Report_Precursors"}
_FIRST_ROW = {"info": 3, "goods": 5, "precursors": 5}
_MAX_ROWS = 2000


@cache
def fields() -> tuple[dict[str, str], ...]:
    """The input fields (``report_inputs_fields.csv``): sheet, key, kind, choices, unit, item, en, th."""
    text = resources.files("cbamcalc.io").joinpath("report_inputs_fields.csv").read_text(encoding="utf-8")
    return tuple(csv.DictReader(text.splitlines()))


def _fields(sheet: str) -> list[dict[str, str]]:
    return [f for f in fields() if f["sheet"] == sheet]


@dataclass
class ReportInputs:
    """What the user states for the operator's report (all optional).

    Attributes
    ----------
    info : dict
        Field key -> value (text, number [unit of the field], or ``"yes"``/``"no"``).
    goods : pandas.DataFrame
        One row per good: ``process``, ``cn_code`` (8 digits), ``route``, ``clinker_content`` [t/t],
        ``quantity_t`` [t], ``sector_parameters``; NaN/None where blank.
    precursors : pandas.DataFrame
        One row per precursor: ``precursor`` (name or id), ``cn_code``, ``route``, ``sefa``
        [tCO2e/t], ``period_basis``, ``production_year``, origin fields.
    source : str, optional
        File the inputs were read from.
    cells : dict
        ``(part, key[, row])`` -> ``"Sheet!A1"``, for the report's source column.
    """

    info: dict[str, Any] = field(default_factory=dict)
    goods: pd.DataFrame = field(default_factory=lambda: _empty("goods"))
    precursors: pd.DataFrame = field(default_factory=lambda: _empty("precursors"))
    source: str | None = None
    cells: dict[Any, str] = field(default_factory=dict)


def _empty(part: str) -> pd.DataFrame:
    return pd.DataFrame({f["key"]: pd.Series(dtype=object) for f in _fields(part)})


def _value(spec: dict[str, str], raw: Any, where: dict[str, Any]) -> Any:
    """One cell checked against its field's kind; blank -> None."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    kind, key = spec["kind"], spec["key"]
    if kind in ("number", "fraction"):
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw) or raw < 0 or (
                kind == "fraction" and not 0 < raw <= 1):
            want = "a fraction in (0, 1]" if kind == "fraction" else f"a number of 0 or more [{spec['unit']}]"
            raise InputError(field=key, expected=want, found=raw, **where)
        return float(raw)
    text = " ".join(str(raw).split())
    if not text.isprintable():
        raise InputError(field=key, expected="printable text", found=text, **where)
    if kind in ("choice", "yesno"):
        choices = spec["choices"].split("|")
        match = next((c for c in choices if c.casefold() == text.casefold()), None)
        if match is None:
            raise InputError(field=key, expected="one of " + ", ".join(choices), found=text, **where)
        return match
    if kind == "cn":
        from ..cn_codes import normalise_cn

        try:
            return normalise_cn(text, field=key)
        except InputError as exc:
            raise exc.replaced(**where, field=key) from exc
    return text


def _read_info(reader: Any, inputs: ReportInputs) -> None:
    from .xlsx_safety import split_ref

    sheet = SHEETS["info"]
    specs = {f["key"]: f for f in _fields("info")}
    rows = sorted({split_ref(ref)[1] for ref in reader.raw_cells(sheet, ["A", "E"])})
    for r in rows:
        if r < _FIRST_ROW["info"]:
            continue
        key = reader.value(sheet, f"A{r}", evaluate=False)
        value = reader.value(sheet, f"E{r}", evaluate=False)
        if key in (None, ""):
            if value not in (None, ""):
                raise InputError(file=reader.file, sheet=sheet, cell=f"A{r}", field="key",
                                 expected="the field key of the value in E" + str(r), found=None)
            continue
        if key not in specs:
            raise InputError(file=reader.file, sheet=sheet, cell=f"A{r}", field="key",
                             expected="a field key of report_inputs_fields.csv", found=str(key))
        v = _value(specs[key], value, {"file": reader.file, "sheet": sheet, "cell": f"E{r}"})
        if v is not None:
            inputs.info[key] = v
            inputs.cells[("info", key)] = f"{sheet}!E{r}"


def _read_table(reader: Any, part: str, inputs: ReportInputs) -> pd.DataFrame:
    from .xlsx_safety import column_letter, split_ref

    sheet = SHEETS[part]
    specs = _fields(part)
    letters = [column_letter(i + 1) for i in range(len(specs))]
    rows = sorted({split_ref(ref)[1] for ref in reader.raw_cells(sheet, letters)})  # one scan of all columns
    for spec, col in zip(specs, letters, strict=True):
        head = reader.value(sheet, f"{col}2", evaluate=False)
        if head != spec["key"]:
            raise InputError(file=reader.file, sheet=sheet, cell=f"{col}2", field="header",
                             expected=repr(spec["key"]), found=head)
    records: list[dict[str, Any]] = []
    for r in rows:
        if r < _FIRST_ROW[part]:
            continue
        if r >= _FIRST_ROW[part] + _MAX_ROWS:
            raise InputError(file=reader.file, sheet=sheet, row=r, expected=f"at most {_MAX_ROWS} rows", found=r)
        rec = {s["key"]: _value(s, reader.value(sheet, f"{c}{r}", evaluate=False),
                                {"file": reader.file, "sheet": sheet, "cell": f"{c}{r}"})
               for s, c in zip(specs, letters, strict=True)}
        if all(v is None for v in rec.values()):
            continue
        first = specs[0]["key"]
        if rec[first] is None:
            raise InputError(file=reader.file, sheet=sheet, cell=f"A{r}", field=first,
                             expected="the process or precursor the row is about", found=None)
        for s, c in zip(specs, letters, strict=True):
            if rec[s["key"]] is not None:
                inputs.cells[(part, s["key"], len(records))] = f"{sheet}!{c}{r}"
        records.append(rec)
    return pd.DataFrame(records, columns=[s["key"] for s in specs]) if records else _empty(part)


def read_report_inputs(path: str | os.PathLike[str], *, required: bool = False) -> ReportInputs:
    """Read the report inputs of a workbook (cbamcalc input workbook or companion workbook).

    Parameters
    ----------
    path : path
        The ``.xlsx`` file.
    required : bool, default False
        Refuse a workbook without any of the three sheets (a companion workbook given with
        ``--inputs``); otherwise such a workbook gives empty inputs.

    Raises
    ------
    InputError
        A value of the wrong kind, a choice outside its list, an unknown key or header, naming file,
        sheet and cell.
    """
    from .xlsx_safety import XlsxReader

    reader = XlsxReader(Path(os.fspath(path)))
    inputs = ReportInputs(source=Path(os.fspath(path)).name)
    present = set(reader.sheet_names)
    if required and not present & set(SHEETS.values()):
        raise InputError(file=reader.file, field="--inputs",
                         expected="a companion workbook with sheets " + ", ".join(SHEETS.values()) +
                         " (cbamcalc report --new-inputs FILE)", found=", ".join(sorted(present)))
    if SHEETS["info"] in present:
        _read_info(reader, inputs)
    for part in ("goods", "precursors"):
        if SHEETS[part] in present:
            setattr(inputs, part, _read_table(reader, part, inputs))
    return inputs


# ---------------------------------------------------------------------------- writer


def add_report_sheets(wb: Any, *, lang: str = "en", installation: Any = None) -> None:
    """Add the three input sheets to an openpyxl workbook (bilingual labels, drop-down lists).

    With ``installation`` (a :class:`cbamcalc.model.Installation`), Report_Goods lists its goods
    (process, CN code) and Report_Precursors its own and purchased precursors, ready to complete.
    """
    from openpyxl.styles import Alignment, Font

    from .xlsx_safety import column_letter

    bold = Font(bold=True)
    ws = wb.create_sheet(SHEETS["info"])
    ws.append(["Operator's report inputs (IR (EU) 2025/2547 Annex IV) / ข้อมูลสำหรับรายงานของผู้ประกอบการ"])
    ws.append(["key", "Annex IV item", "English", "ภาษาไทย", "value"])
    for c in ws[2]:
        c.font = bold
    for i, spec in enumerate(_fields("info")):
        r = _FIRST_ROW["info"] + i
        unit = f" [{spec['unit']}]" if spec["unit"] else ""
        ws.append([spec["key"], spec["item"], spec["en"] + unit, spec["th"] + unit, None])
        if spec["choices"]:
            _choice_list(ws, spec["choices"], f"E{r}")
    for col, width in zip("ABCDE", (34, 18, 60, 60, 40), strict=True):
        ws.column_dimensions[col].width = width
    for part in ("goods", "precursors"):
        ws = wb.create_sheet(SHEETS[part])
        specs = _fields(part)
        ws.append([("Goods of the report" if part == "goods" else "Precursors of the report")
                   + " / " + ("สินค้าในรายงาน" if part == "goods" else "สารตั้งต้นในรายงาน")])
        ws.append([s["key"] for s in specs])
        ws.append([s["en"] + (f" [{s['unit']}]" if s["unit"] else "") for s in specs])
        ws.append([s["th"] + (f" [{s['unit']}]" if s["unit"] else "") for s in specs])
        for r in (2, 3, 4):
            for c in ws[r]:
                c.font = bold
                c.alignment = Alignment(wrap_text=True)
        for i, s in enumerate(specs):
            col = column_letter(i + 1)
            ws.column_dimensions[col].width = 24
            if s["choices"]:
                _choice_list(ws, s["choices"], f"{col}{_FIRST_ROW[part]}:{col}{_FIRST_ROW[part] + 199}")
        for row in _prefill(part, installation):
            ws.append(row)


def _choice_list(ws: Any, choices: str, cells: str) -> None:
    """A drop-down list of ``choices`` (``"a|b|c"``, as the field table holds them) on ``cells`` of ``ws``."""
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(type="list", formula1='"' + ",".join(choices.split("|")) + '"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add(cells)


def _prefill(part: str, installation: Any) -> list[list[Any]]:
    if installation is None:
        return []
    n = len(_fields(part))
    if part == "goods":
        seen = dict.fromkeys((g.process, g.cn_code) for g in installation.goods)
        return [[p, c] + [None] * (n - 2) for p, c in seen]
    names = [p.name for p in installation.processes] + [pp.name for pp in installation.purchased_precursors]
    return [[name] + [None] * (n - 1) for name in names]


def write_report_inputs(path: str | os.PathLike[str], *, installation: Any = None, lang: str = "en") -> Path:
    """Write the companion workbook (the three input sheets), whole or not at all.

    Raises
    ------
    OutputError
        The file cannot be written.
    """
    from .atomic import write_new_workbook

    return write_new_workbook(path, lambda wb: add_report_sheets(wb, lang=lang, installation=installation))


# ---------------------------------------------------------------------------- EU template


_PARAM_COLUMNS = ("P", "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z", "AA", "AB", "AC", "AD", "AE", "AF", "AG",
                  "AH", "AI", "AJ", "AK")
_HEADER_ROW = 8


def _parameter_text(header: str, value: Any) -> str:
    """``"% Mn 1.4"`` (the template holds shares as fractions; Annex IV section 2 asks for per cent)."""
    if isinstance(value, float) and (header.startswith("%") or header == "Clinker factor"):
        return f"{header} {value * 100:g} %" if header != "Clinker factor" else f"clinker {value * 100:g} %"
    return f"{header}: {value:g}" if isinstance(value, float) else f"{header}: {value}"


def with_template_parameters(inputs: ReportInputs | None, path: str | os.PathLike[str], installation: Any
                             ) -> ReportInputs:
    """The inputs completed with the sector parameters the EU template holds (Summary_Products!P:AK).

    For each good (its Summary_Products row, from the reader's cells) where the inputs state no
    ``sector_parameters``, they are taken from P:AK (shares as per cent, Annex IV section 2), and
    for cement the clinker factor AB as ``clinker_content`` [t/t] where not stated. Every value
    taken is recorded in ``cells``. Inputs already stated win; ``inputs`` itself is left unchanged.
    """
    import dataclasses

    from .xlsx_safety import XlsxReader

    inputs = dataclasses.replace(inputs, cells=dict(inputs.cells)) if inputs is not None else ReportInputs()
    reader = XlsxReader(Path(os.fspath(path)))
    sheet = "Summary_Products"
    if sheet not in reader.sheet_names:
        return inputs
    headers = {c: str(reader.value(sheet, f"{c}{_HEADER_ROW}", evaluate=False) or c).strip()
               for c in _PARAM_COLUMNS}
    goods = inputs.goods.copy()
    for good in installation.goods:
        ref = str(good.cells.get("cn_code", ""))
        row = "".join(ch for ch in ref.rpartition("!")[2] if ch.isdigit())
        if not row:
            continue
        values = {c: reader.value(sheet, f"{c}{row}", evaluate=False) for c in _PARAM_COLUMNS}
        values = {c: v for c, v in values.items() if v not in (None, "")}
        if not values:
            continue
        hit = (goods["process"].astype(str) == good.process) & (goods["cn_code"].astype(str) == good.cn_code)
        if not hit.any():
            goods = pd.concat([goods, pd.DataFrame([{"process": good.process, "cn_code": good.cn_code}])],
                              ignore_index=True)
            hit = (goods["process"].astype(str) == good.process) & (goods["cn_code"].astype(str) == good.cn_code)
        i = goods.index[hit][0]
        stated: Any = goods.at[i, "sector_parameters"] if "sector_parameters" in goods else None
        if stated is None or stated != stated:
            goods.at[i, "sector_parameters"] = "; ".join(_parameter_text(headers[c], v) for c, v in values.items())
            inputs.cells[("goods", "sector_parameters", int(i))] = f"{sheet}!P{row}:AK{row}"
        clinker = values.get("AB")
        given: Any = goods.at[i, "clinker_content"]
        if isinstance(clinker, float) and 0 < clinker <= 1 and (given is None or given != given):
            goods.at[i, "clinker_content"] = clinker
            inputs.cells[("goods", "clinker_content", int(i))] = f"{sheet}!AB{row}"
    inputs.goods = goods.astype(object).where(goods.notna(), None)
    return inputs

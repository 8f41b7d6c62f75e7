"""The operator's emissions report as a workbook: writer and reader (round trip), English with Thai beside.

:func:`write_operator_report` writes an :class:`cbamcalc.operator_report.OperatorReport`:

========================  ========================================================================
sheet                     content
========================  ========================================================================
Summary (1.2)             one row per good: CN code, route, quantity, SEE, default share, SEFA and
                          its benchmark record (Annex IV 1.2 (3)-(4))
Summary items (1.2)       every item of Annex IV 1.2, in the act's order, with status and source
Report (1.1 and 1.1.1)    every item of Annex IV 1.1 and the electricity addendum 1.1.1
Processes, Precursors,    the tables the items point to
Precursor terms,
Source streams
Missing                   the items the act requires and the inputs lack, with the input to fill
Metadata                  year, CBAM factor, CSCF, versions, files
========================  ========================================================================

Every table sheet has the same layout, which :func:`read_operator_report` reads back: row 1
title, row 2 the column keys (snake_case), row 3 the English header with the unit in brackets,
row 4 the Thai header (``lang="th"``; English is the legal language, Art. 10(4) of IR (EU)
2025/2547, so Thai is added beside it, never instead), row 5 the source of each column (input
cell, computation, table and act), data from row 6. Numbers are stored unrounded (display
formats only). Text starting with ``=``, ``+``, ``-`` or ``@`` is stored as text. The file is
written whole or not at all (:func:`cbamcalc.io.atomic.write_atomically`).
"""

from __future__ import annotations

import csv
import math
import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ..errors import InputError

__all__ = ["write_operator_report", "read_operator_report", "TABLE_SHEETS"]

#: Table attribute of the report -> label key of its sheet.
TABLE_SHEETS = {"goods": "summary", "summary_items": "summary_items", "report_items": "report_items",
                "processes": "processes", "precursors": "precursors", "precursor_terms": "precursor_terms",
                "source_streams": "source_streams", "missing": "missing"}
_SUMMARY_ONLY = ("goods", "summary_items", "missing")
_FIRST = 6
_TERM_UNITS = {"cumulative_mass_per_t": "t/t", "benchmark_a": "tCO2e/t", "contribution": "tCO2e/t",
               "sefa_given": "tCO2e/t"}
_STREAM_UNITS = {"energy_tj": "TJ", "emissions_fossil_t": "tCO2e", "emissions_biomass_t": "tCO2e",
                 "biomass_fraction": "fraction"}
_DANGEROUS = ("=", "+", "-", "@")


@cache
def _labels() -> dict[str, dict[str, str]]:
    text = resources.files("cbamcalc.io").joinpath("operator_report_labels.csv").read_text(encoding="utf-8")
    return {r["key"]: r for r in csv.DictReader(text.splitlines())}


def _label(key: str, lang: str) -> str:
    entry = _labels().get(key)
    return key if entry is None else entry[lang]


def _units_sources(name: str) -> tuple[dict[str, str], dict[str, str]]:
    from ..operator_report import GOOD_COLUMNS, PRECURSOR_COLUMNS, PROCESS_COLUMNS

    spec = {"goods": GOOD_COLUMNS, "processes": PROCESS_COLUMNS, "precursors": PRECURSOR_COLUMNS}.get(name)
    if spec:
        return {c: u for c, u, _ in spec}, {c: s for c, _, s in spec}
    units = _TERM_UNITS if name == "precursor_terms" else _STREAM_UNITS if name == "source_streams" else {}
    source = {"precursor_terms": "computed: cbamcalc.precursor_allocation.precursors_from_run; IR (EU) 2025/2620",
              "source_streams": "computed: B_EmInst rows 17-91 (cbamcalc.source_streams)",
              }.get(name, "IR (EU) 2025/2547 Annex IV; operator_report_items.csv")
    return units, {"*": source}


def _tables(report: Any, summary_only: bool) -> dict[str, pd.DataFrame]:
    items = report.items
    out = {"goods": report.goods, "summary_items": items[items["section"] == "1.2"],
           "report_items": items[items["section"] != "1.2"], "processes": report.processes,
           "precursors": report.precursors, "precursor_terms": report.precursor_terms,
           "source_streams": report.source_streams, "missing": report.missing()}
    if summary_only:
        out = {k: v for k, v in out.items() if k in _SUMMARY_ONLY}
        out["missing"] = out["missing"][out["missing"]["section"] == "1.2"]
    return out


def _put(ws: Any, row: int, col: int, value: Any, fmt: str | None = None) -> Any:
    from ..operator_report import _plain
    from .xlsx_safety import storable_text

    value = _plain(value)
    if isinstance(value, str):
        value = storable_text(value)  # e.g. a control character in the input's file name (Metadata)
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        cell.data_type = "s"
    if fmt and isinstance(value, float):
        cell.number_format = fmt
    return cell


def _table_sheet(ws: Any, name: str, frame: pd.DataFrame, lang: str) -> None:
    from openpyxl.styles import Alignment, Font

    units, sources = _units_sources(name)
    ws.cell(row=1, column=1, value=_label(f"title.{TABLE_SHEETS[name]}", "en")
            + (" / " + _label(f"title.{TABLE_SHEETS[name]}", "th") if lang == "th" else "")).font = Font(bold=True)
    for j, col in enumerate(frame.columns, start=1):
        unit = f" [{units[col]}]" if units.get(col) else ""
        _put(ws, 2, j, col).font = Font(color="808080", size=8)
        _put(ws, 3, j, _label(f"col.{col}", "en") + unit).font = Font(bold=True)
        if lang == "th":
            _put(ws, 4, j, _label(f"col.{col}", "th") + unit).font = Font(bold=True)
        _put(ws, 5, j, sources.get(col) or sources.get("*", "")).font = Font(italic=True, size=8)
        for r in (3, 4, 5):
            ws.cell(row=r, column=j).alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[ws.cell(row=2, column=j).column_letter].width = _width(name, col, units)
    for r, height in ((3, 30), (4, 30 if lang == "th" else 4), (5, 36)):  # LibreOffice does not fit wrapped rows
        ws.row_dimensions[r].height = height
    wrap = name.endswith("items") or name == "missing"
    for i, rec in enumerate(frame.itertuples(index=False), start=_FIRST):
        lines = 1
        for j, v in enumerate(rec, start=1):
            cell = _put(ws, i, j, v, "0.000000" if units.get(frame.columns[j - 1]) else None)
            if wrap and isinstance(v, str):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                lines = max(lines, math.ceil(len(v) / max(_width(name, frame.columns[j - 1], units) - 2, 1)))
        if wrap:  # LibreOffice does not fit wrapped rows: about 13 points a line
            ws.row_dimensions[i].height = min(13 * lines, 400)
    ws.freeze_panes = ws.cell(row=_FIRST, column=2)


def _width(name: str, col: str, units: dict[str, str]) -> int:
    if name.endswith("items") or name == "missing":
        return {"title_en": 40, "title_th": 40, "value": 60, "missing": 50, "source": 30}.get(col, 9)
    return 14 if units.get(col) else 20


def _metadata_sheet(ws: Any, meta: dict[str, Any], lang: str) -> None:
    from openpyxl.styles import Font

    ws.cell(row=1, column=1, value=_label("title.metadata", "en") + (
        " / " + _label("title.metadata", "th") if lang == "th" else "")).font = Font(bold=True)
    _put(ws, 2, 1, "key")
    _put(ws, 2, 2, "value")
    for i, (k, v) in enumerate(meta.items(), start=3):
        _put(ws, i, 1, k)
        _put(ws, i, 2, v)
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 80


def write_operator_report(report: Any, path: str | os.PathLike[str], *, lang: Literal["en", "th"] = "en",
                          summary_only: bool = False, label: str | None = None) -> Path:
    """Write the report workbook (see module docstring), whole or not at all.

    Parameters
    ----------
    report : cbamcalc.operator_report.OperatorReport
    path : path
        The ``.xlsx`` to write.
    lang : {"en", "th"}, default "en"
        ``"th"`` adds Thai headers (row 4) beside the English ones.
    summary_only : bool, default False
        Only the summary report (Annex IV 1.2), its missing items and the metadata.
    label : str, optional
        How the target is named in error messages (``"--out report.xlsx"``).

    Raises
    ------
    OutputError
        The file cannot be written.
    """
    from .atomic import write_new_workbook

    def fill(wb: Any) -> None:
        for name, frame in _tables(report, summary_only).items():
            title = _label(f"sheet.{TABLE_SHEETS[name]}", "en")
            _table_sheet(wb.create_sheet(title), name, frame, lang)
        _metadata_sheet(wb.create_sheet(_label("sheet.metadata", "en")),
                        report.meta | {"lang": lang, "summary_only": summary_only}, lang)
        for ws in wb.worksheets:  # printable: A4 landscape, headers repeated on every page
            ws.page_setup.orientation = "landscape"
            ws.page_setup.paperSize = ws.PAPERSIZE_A4
            if ws.title != _label("sheet.metadata", "en"):
                ws.print_title_rows = "3:5"
                ws.print_title_cols = "A:A"
                ws.page_setup.scale = 60

    return write_new_workbook(path, fill, label=label)


# ---------------------------------------------------------------------------- reader


def _read_table(reader: Any, sheet: str) -> pd.DataFrame:
    from .xlsx_safety import column_letter, split_ref

    last = max((split_ref(ref)[1] for ref in reader.raw_cells(sheet)), default=0)  # scans every column once
    cols: list[str] = []
    j = 1
    while (key := reader.value(sheet, f"{column_letter(j)}2", evaluate=False)) not in (None, ""):
        cols.append(str(key))
        j += 1
    rows = [[reader.value(sheet, f"{column_letter(k + 1)}{r}", evaluate=False) for k in range(len(cols))]
            for r in range(_FIRST, last + 1)]
    rows = [[None if v == "" else v for v in row] for row in rows]
    return pd.DataFrame(rows, columns=cols)


def read_operator_report(path: str | os.PathLike[str]) -> Any:
    """Read a report workbook written by :func:`write_operator_report` back into an ``OperatorReport``.

    Raises
    ------
    InputError
        Not a cbamcalc operator's report (sheet or metadata missing), naming the file and sheet.
    """
    from ..operator_report import OperatorReport
    from .xlsx_safety import XlsxReader

    reader = XlsxReader(Path(os.fspath(path)))
    names = set(reader.sheet_names)
    meta_sheet = _label("sheet.metadata", "en")
    if meta_sheet not in names:
        raise InputError(file=reader.file, sheet=meta_sheet, expected="a cbamcalc operator's report workbook",
                         found=", ".join(sorted(names)))
    meta = {}
    r = 3
    while (key := reader.value(meta_sheet, f"A{r}", evaluate=False)) not in (None, ""):
        v = reader.value(meta_sheet, f"B{r}", evaluate=False)
        meta[str(key)] = None if v == "" else int(v) if key == "year" and isinstance(v, float) else v
        r += 1
    tables = {name: _read_table(reader, _label(f"sheet.{key}", "en"))
              for name, key in TABLE_SHEETS.items() if _label(f"sheet.{key}", "en") in names}
    items = pd.concat([tables.get("summary_items", pd.DataFrame()), tables.get("report_items", pd.DataFrame())])
    if len(items):
        order = {(s, i): n for n, (s, i) in enumerate(_catalogue_order())}
        items = items.assign(_o=[order.get((s, i), 0) for s, i in zip(items["section"], items["item"],
                                                                        strict=True)]).sort_values("_o")
        items = items.drop(columns="_o").reset_index(drop=True)
    meta.pop("lang", None)
    meta.pop("summary_only", None)
    return OperatorReport(meta=meta, goods=tables.get("goods", pd.DataFrame()),
                          processes=tables.get("processes", pd.DataFrame()),
                          precursors=tables.get("precursors", pd.DataFrame()),
                          precursor_terms=tables.get("precursor_terms", pd.DataFrame()),
                          source_streams=tables.get("source_streams", pd.DataFrame()), items=items)


def _catalogue_order() -> list[tuple[str, str]]:
    from ..operator_report import items_catalogue

    return [(s["section"], s["item"]) for s in items_catalogue()]

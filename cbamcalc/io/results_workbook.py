"""The results workbook of ``cbamcalc run --out``: SEE, default values, cost, charts, provenance.

:func:`write_results_workbook` writes one ``.xlsx`` for the exporter, in English or Thai:

=====================  ===========================================================================
sheet (en / th)        content
=====================  ===========================================================================
Goods / สินค้า          per good: SEE direct, indirect, total [tCO2e/t], whether its CN code is in
                       Annex II of Reg. (EU) 2023/956 and the SEE that counts for the obligation
                       (IR (EU) 2025/2547 Annex I 3.1), next to the EU default value of its country
                       (direct, indirect, total, with the 2026 mark-up, source line);
                       a native bar chart of the SEE breakdown with the default value as markers
Cost / ค่าใช้จ่าย CBAM   per good and year 2026-2034: tonnes, SEE counted, embedded emissions,
                       free-allocation adjustment, certificates, price, cost in EUR and THB; the cost
                       by year and good in EUR and THB, with two native column charts
Processes              per production process: every column of the SEE engine, with units
Purchased precursors   per purchased precursor
Installation totals    C_Emissions&Energy totals and the attribution check
Metadata / ข้อมูลกำกับ  cbamcalc and data versions, input file name and sha256, price and exchange-rate
                       basis, every default value used, every warning and assumption
=====================  ===========================================================================

Charts are openpyxl's native Excel charts (live in Excel and LibreOffice). Text cells that
start with ``=``, ``+``, ``-`` or ``@`` are stored as text, never as formulas (firm and product
names come from users). The file is written to a temporary file in the target folder and moved
into place with ``os.replace`` (whole or nothing), and never over the input file.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..errors import CbamError, OutputError
from .atomic import check_target, write_atomically
from .exporter_workbook import label_text as _text

if TYPE_CHECKING:  # pragma: no cover
    from openpyxl.worksheet.worksheet import Worksheet

    from ..result import InstallationResult

__all__ = ["write_results_workbook", "DANGEROUS_PREFIXES"]

#: Text starting with these characters is stored as text (no formula injection).
DANGEROUS_PREFIXES = ("=", "+", "-", "@")
_SHEETS = ("goods", "cost", "processes", "purchased", "totals", "metadata")
_NUM = "#,##0.000000"
_T = "#,##0.0"
_MONEY = "#,##0"


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        from .xlsx_safety import storable_text

        value = storable_text(value)  # e.g. a control character in the input's file name
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is not None and not isinstance(value, (int, float, str, bool, _dt.date, _dt.datetime)):
        if isinstance(value, (pd.Timestamp,)):
            return value.to_pydatetime()
        return str(value)
    return value


def _put(ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None, *, bold: bool = False) -> Any:
    """Write one cell; text starting with = + - @ stays text."""
    from openpyxl.styles import Font

    value = _plain(value)
    if isinstance(value, float) and value != value:
        value = None
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        cell.data_type = "s"
    if fmt and isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.number_format = fmt
    if bold:
        cell.font = Font(name="Calibri", bold=True)
    return cell


def _header(ws: Worksheet, row: int, heads: list[str], widths: list[int] | None = None) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    for j, h in enumerate(heads):
        c = _put(ws, row, 1 + j, h)
        c.font = Font(name="Calibri", bold=True)
        c.alignment = Alignment(wrap_text=True, vertical="top")
        c.fill = PatternFill("solid", fgColor="FFDDEBF7")
        if widths:
            ws.column_dimensions[c.column_letter].width = widths[j]
    ws.row_dimensions[row].height = 60


def _title(ws: Worksheet, text: str) -> None:
    from openpyxl.styles import Font

    _put(ws, 1, 1, text).font = Font(name="Calibri", bold=True, size=13)


def _sha256(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _good_label(row: Any) -> str:
    name = str(row.get("product") or "").strip()
    cn = str(row.get("cn_code") or "")
    spaced = f"{cn[:4]} {cn[4:6]} {cn[6:8]}" if len(cn) == 8 and cn.isdigit() else cn
    return f"{spaced} {name}".strip() if name else f"{spaced} ({row.get('process', '')})"


# ---------------------------------------------------------------------------- default values


def _defaults(products: pd.DataFrame, country: str | None, year: int, notes: list[str]) -> list[dict[str, Any]]:
    """The EU default value of each good for the installation's country (dict per good, {} when none)."""
    from ..default_values import default_value

    out: list[dict[str, Any]] = []
    for _, row in products.iterrows():
        if not country:
            out.append({})
            continue
        try:
            dv = default_value(str(row["cn_code"]), country, year)
        except CbamError as exc:
            notes.append(f"no EU default value for CN {row['cn_code']} from {country}: {exc}")
            out.append({})
            continue
        out.append(dv.as_dict())
    return out


# ---------------------------------------------------------------------------- sheets


def _goods_sheet(ws: Worksheet, result: InstallationResult, defaults: list[dict[str, Any]], lang: str,
                 country_label: str) -> None:
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.chart.shapes import GraphicalProperties

    _title(ws, _text("res.title.goods", lang, country=country_label))
    keys = ["process_id", "process", "cn_code", "product", "category", "see_direct", "see_indirect", "see_total",
            "annex_ii", "see_indirect_counted", "see_counted", "default_share", "embedded_electricity", "dv_direct",
            "dv_indirect", "dv_total", "dv_2026", "vs_default", "dv_source"]
    heads = [_text(f"res.col.{k}", lang) for k in keys]
    _header(ws, 3, heads, [8, 24, 11, 30, 18, 11, 11, 11, 10, 11, 11, 10, 11, 11, 11, 11, 12, 11, 40])
    p = result.products
    for i, (_, row) in enumerate(p.iterrows()):
        r = 4 + i
        dv = defaults[i] if i < len(defaults) else {}
        counted_default = dv.get("total") if dv.get("indirect") is not None else dv.get("direct")
        counted_actual = row["see_counted"]  # Art. 7(1) and IR 2025/2547 Annex I 3.1, per CN code
        ratio = (float(counted_actual) / counted_default) if counted_default else None
        values = [row["process_id"], row["process"], str(row["cn_code"]), row["product"],
                  row["aggregated_goods_category"], row["see_direct"], row["see_indirect"], row["see_total"],
                  bool(row["annex_ii"]), row["see_indirect_counted"], row["see_counted"], row["default_share"],
                  row["embedded_electricity"], dv.get("direct"), dv.get("indirect"), dv.get("total"),
                  dv.get("value_with_markup"), ratio, dv.get("source")]
        fmts = [None, None, "@", None, None, _NUM, _NUM, _NUM, None, _NUM, _NUM, "0.00%", _NUM, "0.000", "0.000",
                "0.000", "0.000", "0.00", None]
        for j, (v, f) in enumerate(zip(values, fmts, strict=True)):
            c = _put(ws, r, 1 + j, v, f)
            if f == "@":
                c.number_format = "@"
    n = len(p)
    ws.freeze_panes = "C4"
    if not n:
        return
    # chart data block (labels + series) below the table, then the chart below it
    top = 6 + n
    heads = [_text("res.axis.good", lang), _text("res.col.see_direct", lang), _text("res.col.see_indirect", lang),
             _text("res.col.dv_2026", lang)]
    for j, h in enumerate(heads):
        _put(ws, top, 2 + j, h, bold=True)
    for i, (_, row) in enumerate(p.iterrows()):
        dv = defaults[i] if i < len(defaults) else {}
        _put(ws, top + 1 + i, 2, _good_label(row))
        _put(ws, top + 1 + i, 3, row["see_direct"], _NUM)
        _put(ws, top + 1 + i, 4, row["see_indirect"], _NUM)
        _put(ws, top + 1 + i, 5, dv.get("value_with_markup"), "0.000")
    bar = BarChart()
    bar.type = "col"
    bar.grouping = "stacked"
    bar.overlap = 100
    bar.title = _text("res.chart.see", lang)
    bar.y_axis.title = "tCO2e/t"
    bar.y_axis.number_format = "0.0"
    bar.x_axis.title = _text("res.axis.good", lang)
    bar.add_data(Reference(ws, min_col=3, max_col=4, min_row=top, max_row=top + n), titles_from_data=True)
    bar.set_categories(Reference(ws, min_col=2, min_row=top + 1, max_row=top + n))
    if any(d.get("value_with_markup") is not None for d in defaults):
        line = LineChart()
        line.add_data(Reference(ws, min_col=5, min_row=top, max_row=top + n), titles_from_data=True)
        s = line.series[0]
        s.marker.symbol = "diamond"
        s.marker.size = 12
        s.marker.graphicalProperties = GraphicalProperties(solidFill="C00000")
        s.marker.graphicalProperties.line.solidFill = "C00000"
        s.graphicalProperties.line.noFill = True
        bar += line
    bar.height, bar.width = 10, 22
    bar.legend.position = "b"
    bar.x_axis.delete = False
    bar.y_axis.delete = False
    ws.add_chart(bar, ws.cell(row=top + n + 2, column=2).coordinate)


def _cost_sheet(ws: Worksheet, cost: pd.DataFrame | None, lang: str) -> None:
    from openpyxl.chart import BarChart, Reference

    _title(ws, _text("res.title.cost", lang))
    if cost is None or not len(cost):
        _put(ws, 3, 1, _text("res.title.cost_none", lang))
        ws.column_dimensions["A"].width = 120
        return
    c = cost.copy()
    if "label" not in c.columns:
        c["label"] = [_good_label(r) for _, r in c.iterrows()]
    # 1. cost by year and good (pivot), EUR then THB, with charts
    years = sorted(int(y) for y in c["year"].unique())
    labels = list(dict.fromkeys(c["label"]))
    row = 3
    charts = []
    for key, chart_key in (("cost_eur", "res.chart.cost_eur"), ("cost_thb", "res.chart.cost_thb")):
        piv = c.pivot_table(index="year", columns="label", values=key, aggfunc="sum").reindex(
            index=years, columns=labels)
        _put(ws, row, 1, _text(chart_key, lang), bold=True)
        heads = [_text("res.col.year", lang)] + labels + [_text("res.col.total", lang)]
        _header(ws, row + 1, heads)
        for i, y in enumerate(years):
            _put(ws, row + 2 + i, 1, y)
            vals = piv.loc[y].to_numpy(dtype=float)
            for j, v in enumerate(vals):
                _put(ws, row + 2 + i, 2 + j, v, _MONEY)
            _put(ws, row + 2 + i, 2 + len(labels), float(np.nansum(vals)), _MONEY)
        chart = BarChart()
        chart.type = "col"
        chart.grouping = "stacked"
        chart.overlap = 100
        chart.title = _text(chart_key, lang)
        chart.y_axis.title = "EUR" if key == "cost_eur" else "THB"
        chart.y_axis.number_format = "#,##0"
        chart.legend.position = "b"
        chart.x_axis.title = _text("res.axis.year", lang)
        chart.add_data(Reference(ws, min_col=2, max_col=1 + len(labels), min_row=row + 1, max_row=row + 1 + len(years)),
                       titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=row + 2, max_row=row + 1 + len(years)))
        chart.height, chart.width = 9, 18
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        charts.append((chart, row))
        row += len(years) + 4
    chart_row = row
    for k, (chart, _) in enumerate(charts):
        ws.add_chart(chart, ws.cell(row=chart_row + 22 * k, column=1).coordinate)
    row = chart_row + 22 * len(charts)
    # 2. the detail, one row per good and year
    row += 1
    _put(ws, row, 1, _text("res.title.cost", lang), bold=True)
    cols = [("year", "res.col.year", None), ("label", "res.col.product", None), ("cn_code", "res.col.cn_code", "@"),
            ("tonnes", "res.col.tonnes", _T), ("see_used", "res.col.see_used", "0.000000"),
            ("embedded_emissions_t", "res.col.embedded", _T), ("free_allocation_adjustment_t", "res.col.faa", _T),
            ("certificates", "res.col.certificates", _T), ("price_eur", "res.col.price", "0.00"),
            ("cost_eur", "res.col.cost_eur", _MONEY), ("eur_thb", "res.col.eur_thb", "0.00"),
            ("cost_thb", "res.col.cost_thb", _MONEY)]
    _header(ws, row + 1, [_text(k, lang) for _, k, _ in cols])
    for i, (_, r) in enumerate(c.sort_values(["year"], kind="stable").iterrows()):
        for j, (name, _, f) in enumerate(cols):
            v = r.get(name)
            cell = _put(ws, row + 2 + i, 1 + j, str(v) if name == "cn_code" else v, None if f == "@" else f)
            if f == "@":
                cell.number_format = "@"
    widths = [10, 36] + [18] * max(len(cols), len(labels) + 1)
    for j, w in enumerate(widths):
        ws.column_dimensions[ws.cell(row=1, column=1 + j).column_letter].width = w


def _frame_sheet(ws: Worksheet, frame: pd.DataFrame, title: str, units: dict[str, str] | None = None,
                 content: dict[str, str] | None = None) -> None:
    _title(ws, title)
    df = frame.reset_index()
    heads = [f"{c} [{units[c]}]" if units and units.get(c) else str(c) for c in df.columns]
    _header(ws, 3, heads, [max(12, min(40, len(h) + 2)) for h in heads])
    r0 = 4
    if content:
        for j, c in enumerate(df.columns):
            _put(ws, 4, 1 + j, content.get(str(c), ""))
        r0 = 5
    for i, row in enumerate(df.itertuples(index=False)):
        for j, v in enumerate(row):
            fmt = _NUM if isinstance(v, (float, np.floating)) else None
            _put(ws, r0 + i, 1 + j, v, fmt)
    ws.freeze_panes = ws.cell(row=r0, column=2)


def _totals_sheet(ws: Worksheet, result: InstallationResult, lang: str) -> None:
    _title(ws, _text("res.title.totals", lang))
    _header(ws, 3, [_text("res.col.item", lang), _text("res.col.value", lang), _text("res.col.unit", lang)],
            [30, 16, 8])
    for i, (k, v) in enumerate(result.totals.as_dict().items()):
        _put(ws, 4 + i, 1, k)
        _put(ws, 4 + i, 2, v, _T)
        _put(ws, 4 + i, 3, "TJ" if k.startswith("fuel") else "tCO2e")


def _metadata_sheet(ws: Worksheet, result: InstallationResult, lang: str, *, input_path: Any, input_format: str,
                    country: str | None, defaults: list[dict[str, Any]], cost: pd.DataFrame | None,
                    notes: list[str]) -> None:
    _title(ws, _text("res.title.metadata", lang))
    _header(ws, 3, [_text("res.col.item", lang), _text("res.col.value", lang)], [34, 110])
    items: list[tuple[str, Any]] = [
        (_text("res.meta.cbamcalc_version", lang), result.cbamcalc_version),
        (_text("res.meta.data_version", lang), result.data_version),
        (_text("res.meta.input_file", lang), Path(input_path).name if input_path else result.source_file),
        (_text("res.meta.input_sha256", lang), _sha256(input_path) if input_path and Path(input_path).exists()
         else None),
        (_text("res.meta.input_format", lang), input_format + (f" v{result.template_version}"
                                                               if result.template_version else "")),
        (_text("res.meta.created", lang), _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M:%S")),
        (_text("res.meta.country", lang), country),
    ]
    if cost is not None and len(cost):
        items.append((_text("res.meta.price", lang), "; ".join(map(str, dict.fromkeys(cost["price_basis"])))))
        items.append((_text("res.meta.fx", lang), "; ".join(map(str, dict.fromkeys(cost["eur_thb_source"])))))
        items.append(("", _text("res.meta.scenario_note", lang)))
    for k, v in result.constants_used.items():
        items.append((f"constant {k}", v))
    r = 4
    for k, v in items:
        _put(ws, r, 1, k)
        _put(ws, r, 2, v)
        r += 1
    # default values used
    r += 1
    _put(ws, r, 1, _text("res.meta.defaults", lang), bold=True)
    r += 1
    rows: list[dict[str, Any]] = []
    for d in result.default_values_used:
        rows.append({"used in": "SEE (purchased precursor)", **d})
    for d in defaults:
        if d:
            rows.append({"used in": "comparison (sheet Goods)", **{k: d.get(k) for k in (
                "cn_code", "country", "year", "direct", "indirect", "total", "markup_rate", "value_with_markup",
                "route", "fallback", "source")}})
    if cost is not None:
        for d in cost.attrs.get("default_values_used", []) or []:
            rows.append({"used in": "cost", **d})
    if rows:
        keys = list(dict.fromkeys(k for d in rows for k in d))
        _header(ws, r, keys)
        for i, d in enumerate(rows):
            for j, k in enumerate(keys):
                _put(ws, r + 1 + i, 1 + j, d.get(k))
        r += len(rows) + 2
    else:
        _put(ws, r, 1, _text("res.meta.none", lang))
        r += 2
    # warnings and assumptions
    warns = list(result.warnings) + notes
    assumptions: list[str] = []
    if cost is not None:
        warns += [w for w in cost.attrs.get("warnings", []) if w not in warns]
        assumptions = list(cost.attrs.get("assumptions", []))
    for key, lines in (("res.meta.warnings", warns), ("res.meta.assumptions", assumptions)):
        _put(ws, r, 1, _text(key, lang), bold=True)
        r += 1
        for w in (lines or [_text("res.meta.none", lang)]):
            _put(ws, r, 1, "•")
            _put(ws, r, 2, w)
            r += 1
        r += 1


# ---------------------------------------------------------------------------- entry point


def write_results_workbook(
    result: InstallationResult,
    path: str | os.PathLike[str],
    *,
    lang: Literal["en", "th"] = "en",
    input_path: str | os.PathLike[str] | None = None,
    cost: pd.DataFrame | None = None,
    country: str | None = None,
    input_format: str = "",
    default_year: int = 2026,
) -> Path:
    """Write the results workbook (goods, cost, processes, precursors, totals, metadata, charts).

    Parameters
    ----------
    result : InstallationResult
        From :func:`cbamcalc.pipeline.run_installation`.
    path : str or os.PathLike
        Target ``.xlsx``; written whole or not at all (temporary file in the target folder,
        then ``os.replace``).
    lang : {"en", "th"}, default "en"
        Language of sheet names, titles, headers and charts.
    input_path : str or os.PathLike, optional
        The input file: its name and sha256 go into the metadata; writing over it is refused.
    cost : pandas.DataFrame, optional
        Cost per good and year (:func:`cbamcalc.cost.cost_from_run`, optionally with a ``label``
        column naming each good). Without it the Cost sheet says that no exports were given.
    country : str, optional
        Country of the installation (ISO code or name) for the default values compared.
    input_format : str, optional
        Description of the input ("cbamcalc input workbook", "Communication template").
    default_year : int, default 2026
        Year of import whose mark-up is shown next to the default values.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    OutputError
        The target is the input file, does not end in ``.xlsx``, or cannot be written.

    Examples
    --------
    >>> write_results_workbook(run_installation(inst), "results.xlsx", lang="th")  # doctest: +SKIP
    PosixPath('results.xlsx')
    """
    from openpyxl import Workbook

    from ..result import PROCESS_COLUMNS

    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise OutputError(f"--out {target}: expected a file name ending in .xlsx")
    check_target(target, flag="--out", inputs=(input_path,))  # not an input, a folder or a missing folder
    notes: list[str] = []
    iso = None
    country_label = country or ""
    if country:
        from ..countries import country_name, resolve_country

        try:
            iso = resolve_country(country)
            country_label = f"{country_name(iso)} ({iso})"
        except CbamError as exc:
            notes.append(f"country {country!r} not recognised; no default values compared: {exc}")
    defaults = _defaults(result.products, iso, default_year, notes)
    wb = Workbook()
    names = {k: _sheet_name(_text(f"res.sheet.{k}", lang)) for k in _SHEETS}
    ws = wb.active
    ws.title = names["goods"]
    _goods_sheet(ws, result, defaults, lang, country_label)
    _cost_sheet(wb.create_sheet(names["cost"]), cost, lang)
    units = {c: u for c, u, _, _ in PROCESS_COLUMNS}
    content = {c: d for c, _, d, _ in PROCESS_COLUMNS}
    _frame_sheet(wb.create_sheet(names["processes"]), result.processes.rename_axis("id"),
                 _text("res.title.processes", lang), units, content)
    _frame_sheet(wb.create_sheet(names["purchased"]), result.purchased_precursors.rename_axis("id"),
                 _text("res.title.purchased", lang),
                 {"see_direct": "tCO2e/t", "see_indirect": "tCO2e/t", "specific_electricity_consumption": "MWh/t",
                  "consumed": "t", "see_indirect_counted": "tCO2e/t"})
    _totals_sheet(wb.create_sheet(names["totals"]), result, lang)
    _metadata_sheet(wb.create_sheet(names["metadata"]), result, lang, input_path=input_path,
                    input_format=input_format, country=country_label or None, defaults=defaults, cost=cost,
                    notes=notes)
    for sheet in wb.worksheets:
        _print_setup(sheet)
    return write_atomically(target, wb.save, label=f"--out {target}")


def _print_setup(ws: Worksheet) -> None:
    """Landscape, one page wide (so the charts and Thai text print readably)."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _sheet_name(text: str) -> str:
    """A valid sheet name (at most 31 characters, none of the forbidden ones)."""
    for ch in "[]:*?/\\":
        text = text.replace(ch, " ")
    return text.split("\n")[0][:31]

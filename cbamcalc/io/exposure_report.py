"""Excel report of an exposure run, with native charts; optional PNG charts (matplotlib).

:func:`write_exposure_report` writes one workbook:

================  ==================================================================================
sheet             content
================  ==================================================================================
Summary           versions, base scenario and year, assumptions (all kind "scenario"), warnings,
                  total cost per year
Cost by sector    cost per sector and year [EUR] with a stacked column chart
By sector         tidy results per sector and year (every intermediate, units in the header)
By CN4, By CN8    the same per CN heading and CN8 code
Scenarios         total cost per scenario and year [EUR, THB] with a line chart
Tornado           one-at-a-time sensitivity of the chosen year, with a tornado chart
Monte Carlo       percentiles per sector and year, with a fan chart of all sectors
Intensities       the default values, mark-ups and benchmarks used per CN code, origin and year
================  ==================================================================================

The charts are openpyxl's native Excel charts (they stay live in Excel and LibreOffice). The file
is written to a temporary file in the target folder and moved into place (``os.replace``): whole
or nothing. Text cells that start with ``=``, ``+``, ``-`` or ``@`` are stored as text, never as
formulas (CSV/formula injection from firm names or file contents).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import OutputError
from .atomic import write_atomically

if TYPE_CHECKING:  # pragma: no cover
    from openpyxl.worksheet.worksheet import Worksheet

    from ..exposure import ExposureResult

__all__ = ["write_exposure_report", "write_png_charts", "HEADERS"]

#: Column headers with units, for the tidy sheets.
HEADERS = {
    "scenario": "scenario",
    "year": "year",
    "sector": "sector",
    "cn4": "CN heading",
    "cn_code": "CN code",
    "country": "origin",
    "net_mass_t": "net mass [t]",
    "value_eur": "export value [EUR]",
    "embedded_emissions_t": "embedded emissions [tCO2e]",
    "free_allocation_adjustment_t": "free-allocation adjustment [tCO2e]",
    "carbon_price_deduction_t": "carbon price paid deduction [tCO2e]",
    "certificates": "certificates [tCO2e]",
    "price_eur": "certificate price [EUR/tCO2e]",
    "eur_thb": "EUR/THB [THB/EUR]",
    "cost_eur": "cost [EUR]",
    "cost_thb": "cost [THB]",
    "cost_eur_per_t": "cost per tonne [EUR/t]",
    "cost_thb_per_t": "cost per tonne [THB/t]",
    "cost_share_of_value": "cost / export value",
    "see_default": "default SEE with mark-up [tCO2e/t]",
    "see_default_unmarked": "default SEE counted [tCO2e/t]",
    "default_direct": "default direct [tCO2e/t]",
    "default_indirect": "default indirect [tCO2e/t]",
    "markup_rate": "mark-up",
    "benchmark_default": "benchmark Column B [tCO2e/t]",
    "fu_factor": "functional unit per t [t/t]",
}
_FORMATS = {
    "net_mass_t": "#,##0.0",
    "value_eur": "#,##0",
    "embedded_emissions_t": "#,##0.0",
    "free_allocation_adjustment_t": "#,##0.0",
    "carbon_price_deduction_t": "#,##0.0",
    "certificates": "#,##0.0",
    "price_eur": "#,##0.00",
    "eur_thb": "0.00",
    "cost_eur": "#,##0",
    "cost_thb": "#,##0",
    "cost_eur_per_t": "#,##0.00",
    "cost_thb_per_t": "#,##0.00",
    "cost_share_of_value": "0.00%",
    "markup_rate": "0%",
}
_DANGEROUS = ("=", "+", "-", "@")


def _put(ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None) -> None:
    """Write one cell; text starting with = + - @ stays text (never a formula)."""
    if isinstance(value, (np.integer,)):
        value = int(value)
    elif isinstance(value, (np.floating, float)):
        value = None if not np.isfinite(value) else float(value)
    elif isinstance(value, (np.bool_,)):
        value = bool(value)
    elif value is not None and not isinstance(value, (int, bool, str)):
        value = str(value)
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        cell.data_type = "s"
    if fmt and isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.number_format = fmt


def _table(ws: Worksheet, df: pd.DataFrame, *, row: int = 1, col: int = 1, title: str | None = None) -> int:
    """Write a frame with unit headers; return the row after it."""
    from openpyxl.styles import Font

    if title:
        _put(ws, row, col, title)
        ws.cell(row=row, column=col).font = Font(bold=True)
        row += 1
    for j, name in enumerate(df.columns):
        _put(ws, row, col + j, HEADERS.get(str(name), str(name)))
        ws.cell(row=row, column=col + j).font = Font(bold=True)
    values = df.to_numpy(dtype=object)
    fmts = [_FORMATS.get(str(c)) for c in df.columns]
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            v = values[i, j]
            if v is not None and not isinstance(v, str) and pd.isna(v):
                v = None
            _put(ws, row + 1 + i, col + j, v, fmts[j])
    for j, name in enumerate(df.columns):
        width = max(10, min(40, len(HEADERS.get(str(name), str(name))) + 2))
        ws.column_dimensions[ws.cell(row=1, column=col + j).column_letter].width = width
    ws.freeze_panes = ws.cell(row=row + 1, column=col) if row == 1 else ws.freeze_panes
    return row + 1 + values.shape[0]


def _pivot(df: pd.DataFrame, index: str, columns: str, values: str) -> pd.DataFrame:
    p = df.pivot_table(index=index, columns=columns, values=values, aggfunc="sum", sort=False)
    p = p.reindex(sorted(p.index))
    p.columns = [str(c) for c in p.columns]
    return p.reset_index()


def write_exposure_report(result: ExposureResult, path: str | os.PathLike[str]) -> Path:
    """Write the Excel report of an exposure run (see the module docstring).

    Parameters
    ----------
    result : ExposureResult
        The run (:func:`cbamcalc.exposure.run_exposure`).
    path : str or path-like
        Target ``.xlsx``; its folder must exist.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    OutputError
        When the folder does not exist or the file cannot be written; nothing partial is left.
    """
    from openpyxl import Workbook
    from openpyxl.chart import AreaChart, BarChart, LineChart, Reference
    from openpyxl.styles import Font

    target = Path(os.fspath(path))
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write {target}: folder {folder} does not exist")
    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    ws["A1"] = "CBAM exposure of exports to the EU (cbamcalc)"
    ws["A1"].font = Font(bold=True, size=14)
    info = [
        ("cbamcalc version", result.cbamcalc_version),
        ("reference data version", result.data_version),
        ("default values version", result.default_values_version or "in force"),
        ("base scenario", result.base_scenario),
        ("trade base year", result.base_year),
        ("flow rows (base year)", result.n_rows),
        ("nature of the numbers", "Scenario results: price paths, EUR/THB, origin prices, volumes and "
                                  "distributions are assumptions (kind = scenario), never law. The CBAM factor "
                                  "and mark-ups come from the law tables."),
    ]
    r = 3
    for k, v in info:
        _put(ws, r, 1, k)
        _put(ws, r, 2, v)
        r += 1
    r += 1
    _put(ws, r, 1, "Assumptions")
    ws.cell(row=r, column=1).font = Font(bold=True)
    r += 1
    for k, v in result.assumptions.items():
        _put(ws, r, 1, str(k))
        _put(ws, r, 2, v if isinstance(v, (int, float, str)) or v is None else str(v))
        r += 1
    if result.warnings:
        r += 1
        _put(ws, r, 1, "Warnings")
        ws.cell(row=r, column=1).font = Font(bold=True)
        r += 1
        for w in result.warnings:
            _put(ws, r, 1, w)
            r += 1
    r += 1
    tot = result.total[["year", "net_mass_t", "embedded_emissions_t", "free_allocation_adjustment_t",
                        "certificates", "price_eur", "cost_eur", "cost_thb", "cost_share_of_value"]]
    _table(ws, tot, row=r, title=f"All flows, scenario '{result.base_scenario}'")
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 60

    # cost by sector: pivot + stacked columns
    cs = wb.create_sheet("Cost by sector")
    piv = _pivot(result.by_sector, "year", "sector", "cost_eur")
    end = _table(cs, piv, title=f"Cost by sector [EUR], scenario '{result.base_scenario}'")
    n_rows, n_cols = len(piv), piv.shape[1]
    ch = BarChart()
    ch.type = "col"
    ch.grouping = "stacked"
    ch.overlap = 100
    ch.title = "CBAM cost by sector [EUR]"
    ch.y_axis.title = "EUR"
    ch.x_axis.title = "year"
    data = Reference(cs, min_col=2, max_col=n_cols, min_row=2, max_row=2 + n_rows)
    cats = Reference(cs, min_col=1, min_row=3, max_row=2 + n_rows)
    ch.add_data(data, titles_from_data=True)
    ch.set_categories(cats)
    ch.width, ch.height = 18, 9
    cs.add_chart(ch, f"A{end + 2}")

    for name, df in (("By sector", result.by_sector), ("By CN4", result.by_cn4), ("By CN8", result.by_cn8)):
        _table(wb.create_sheet(name), df)

    # scenarios
    sc = wb.create_sheet("Scenarios")
    tot_sc = result.scenarios.groupby(["scenario", "year"], sort=False)[["cost_eur", "cost_thb"]].sum().reset_index()
    piv_eur = _pivot(tot_sc, "year", "scenario", "cost_eur")
    end = _table(sc, piv_eur, title="Total cost by scenario [EUR]")
    ln = LineChart()
    ln.title = "CBAM cost by scenario [EUR]"
    ln.y_axis.title = "EUR"
    ln.x_axis.title = "year"
    ln.add_data(Reference(sc, min_col=2, max_col=piv_eur.shape[1], min_row=2, max_row=2 + len(piv_eur)),
                titles_from_data=True)
    ln.set_categories(Reference(sc, min_col=1, min_row=3, max_row=2 + len(piv_eur)))
    ln.width, ln.height = 18, 9
    piv_thb = _pivot(tot_sc, "year", "scenario", "cost_thb")
    end2 = _table(sc, piv_thb, row=end + 2, title="Total cost by scenario [THB]")
    sc.add_chart(ln, f"A{end2 + 2}")
    _table(sc, result.scenarios, row=1, col=piv_eur.shape[1] + 3, title="Per sector and year")

    # tornado
    if result.tornado is not None and len(result.tornado):
        tw = wb.create_sheet("Tornado")
        t = result.tornado.copy()
        t["low_minus_base"] = t["low"] - t["base"]
        t["high_minus_base"] = t["high"] - t["base"]
        metric = str(t["metric"].iloc[0])
        year = int(t["year"].iloc[0])
        unit = {"cost_thb": "THB", "cost_eur": "EUR", "certificates": "tCO2e"}.get(metric, "")
        shown = t[["parameter", "low_label", "high_label", "base", "low", "high", "swing", "low_minus_base",
                   "high_minus_base"]]
        end = _table(tw, shown, title=f"One-at-a-time sensitivity of total {metric} in {year} [{unit}]")
        n = len(shown)
        bar = BarChart()
        bar.type = "bar"
        bar.grouping = "clustered"
        bar.overlap = 100
        bar.title = f"What moves the {year} cost most ({metric}, change from base) [{unit}]"
        bar.add_data(Reference(tw, min_col=8, max_col=9, min_row=2, max_row=2 + n), titles_from_data=True)
        bar.set_categories(Reference(tw, min_col=1, min_row=3, max_row=2 + n))
        bar.y_axis.title = unit
        bar.x_axis.scaling.orientation = "maxMin"  # largest swing on top
        bar.width, bar.height = 18, 9
        tw.add_chart(bar, f"A{end + 2}")

    # Monte Carlo fan chart
    if result.montecarlo is not None and len(result.montecarlo):
        mw = wb.create_sheet("Monte Carlo")
        mc = result.montecarlo
        pcols = [c for c in mc.columns if c.startswith("p") and c[1:].replace(".", "").isdigit()]
        lo, hi = pcols[0], pcols[-1]
        mid = "p50" if "p50" in pcols else pcols[len(pcols) // 2]
        metric = "cost_thb"
        allsec = mc[(mc["sector"] == "All sectors") & (mc["metric"] == metric)].sort_values("year")
        fan = pd.DataFrame({"year": allsec["year"].to_numpy(),
                            f"{lo} (base of band)": allsec[lo].to_numpy(),
                            f"{lo}-{mid}": (allsec[mid] - allsec[lo]).to_numpy(),
                            f"{mid}-{hi}": (allsec[hi] - allsec[mid]).to_numpy(),
                            mid: allsec[mid].to_numpy(),
                            "deterministic": allsec["deterministic"].to_numpy()})
        draws = mc.attrs.get("draws", result.assumptions.get("montecarlo_draws", ""))
        end = _table(mw, fan, title=f"All sectors, {metric} [THB]: percentiles over {draws} draws")
        n = len(fan)
        area = AreaChart()
        area.grouping = "stacked"
        area.title = f"Fan chart: CBAM cost, all sectors [THB] ({lo}/{mid}/{hi})"
        area.add_data(Reference(mw, min_col=2, max_col=4, min_row=2, max_row=2 + n), titles_from_data=True)
        area.set_categories(Reference(mw, min_col=1, min_row=3, max_row=2 + n))
        area.series[0].graphicalProperties.noFill = True
        area.series[0].graphicalProperties.line.noFill = True
        area.series[1].graphicalProperties.solidFill = "9DC3E6"
        area.series[2].graphicalProperties.solidFill = "DEEBF7"
        line = LineChart()
        line.add_data(Reference(mw, min_col=5, max_col=6, min_row=2, max_row=2 + n), titles_from_data=True)
        area.y_axis.title = "THB"
        area.x_axis.title = "year"
        area += line
        area.width, area.height = 18, 9
        mw.add_chart(area, f"A{end + 2}")
        _table(mw, mc, row=1, col=9, title="Percentiles per sector and year")

    iw = wb.create_sheet("Intensities")
    keep = [c for c in ("cn_code", "cn8", "country", "year", "sector", "default_direct", "default_indirect",
                        "see_default_unmarked", "markup_rate", "see_default", "benchmark_default", "route",
                        "fu_factor", "fallback", "source") if c in result.intensities]
    _table(iw, result.intensities[keep])

    return write_atomically(target, wb.save)


def write_png_charts(result: ExposureResult, folder: str | os.PathLike[str]) -> list[Path]:
    """PNG charts of a run (needs matplotlib, imported here only): cost by sector, fan chart, tornado.

    Parameters
    ----------
    result : ExposureResult
        The run.
    folder : str or path-like
        Existing folder; files ``exposure_cost_by_sector.png``, ``exposure_fan_chart.png`` and
        ``exposure_tornado.png`` are written (each whole or nothing).

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    OutputError
        When matplotlib is not installed (``pip install 'cbamcalc[charts]'``) or a file cannot be written.
    """
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise OutputError("PNG charts need matplotlib: pip install 'cbamcalc[charts]' (or pip install matplotlib)") \
            from exc
    out_dir = Path(os.fspath(folder))
    if not out_dir.is_dir():
        raise OutputError(f"cannot write PNG charts: folder {out_dir} does not exist")
    written: list[Path] = []

    def save(fig: Any, name: str) -> None:
        target = out_dir / name
        try:
            write_atomically(target, lambda fh: fig.savefig(fh, dpi=120, bbox_inches="tight", format="png"),
                             label=f"PNG chart {target}")
        finally:
            plt.close(fig)
        written.append(target)

    piv = result.by_sector.pivot_table(index="year", columns="sector", values="cost_eur", aggfunc="sum")
    fig, ax = plt.subplots(figsize=(8, 4.5))
    bottom = np.zeros(len(piv))
    for sec in piv.columns:
        ax.bar(piv.index.astype(str), piv[sec].to_numpy() / 1e6, bottom=bottom, label=str(sec))
        bottom += piv[sec].to_numpy() / 1e6
    ax.set_ylabel("cost [million EUR]")
    ax.set_title(f"CBAM cost by sector, scenario '{result.base_scenario}' (scenario, not law)")
    ax.legend(fontsize=8)
    save(fig, "exposure_cost_by_sector.png")

    if result.montecarlo is not None and len(result.montecarlo):
        mc = result.montecarlo
        a = mc[(mc["sector"] == "All sectors") & (mc["metric"] == "cost_thb")].sort_values("year")
        pcols = [c for c in mc.columns if c.startswith("p") and c[1:].replace(".", "").isdigit()]
        fig, ax = plt.subplots(figsize=(8, 4.5))
        yrs = a["year"].to_numpy()
        ax.fill_between(yrs, a[pcols[0]] / 1e6, a[pcols[-1]] / 1e6, alpha=0.3, label=f"{pcols[0]}-{pcols[-1]}")
        if "p50" in a:
            ax.plot(yrs, a["p50"] / 1e6, label="p50")
        ax.plot(yrs, a["deterministic"] / 1e6, "--", label=f"scenario '{result.base_scenario}'")
        ax.set_ylabel("cost [million THB]")
        ax.set_title(f"CBAM cost, all sectors: Monte Carlo ({mc.attrs.get('draws', '')} draws)")
        ax.legend(fontsize=8)
        save(fig, "exposure_fan_chart.png")

    if result.tornado is not None and len(result.tornado):
        t = result.tornado.iloc[::-1]
        fig, ax = plt.subplots(figsize=(8, 4.5))
        base = float(t["base"].iloc[0])
        ypos = np.arange(len(t))
        ax.barh(ypos, t["low"] - base, label="low")
        ax.barh(ypos, t["high"] - base, label="high")
        ax.set_yticks(ypos, [f"{p}\n{lo} / {hi}" for p, lo, hi in
                             zip(t["parameter"], t["low_label"], t["high_label"], strict=True)], fontsize=7)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel(f"change of total {t['metric'].iloc[0]} in {int(t['year'].iloc[0])}")
        ax.set_title("One-at-a-time sensitivity (tornado)")
        ax.legend(fontsize=8)
        save(fig, "exposure_tornado.png")
    return written

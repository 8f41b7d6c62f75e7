"""Column charts as inline SVG, drawn on the server from the numbers of the run (no script, no library).

The page draws the CBAM cost by year (EUR and THB) as stacked columns, one colour per good.
Every text is escaped; the SVG uses presentation attributes only (no inline style), so the
page's Content-Security-Policy can forbid inline styles and scripts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

__all__ = ["nice_ticks", "stacked_columns"]

#: colours of the goods' series (colour-blind safe, Okabe-Ito)
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round axis ticks from 0 to at least ``top``: steps of 1, 2, 2.5 or 5 times a power of ten."""
    if not math.isfinite(top) or top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    n = math.ceil(top / step - 1e-9)
    return [i * step for i in range(n + 1)]


def _short(value: float) -> str:
    """Axis label: 1,200,000 -> 1.2M; 25,000 -> 25k."""
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= div:
            return f"{value / div:g}{suffix}"
    return f"{value:g}"


def stacked_columns(categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *, title: str,
                    unit: str, width: int = 640, height: int = 300) -> str:
    """An SVG of stacked columns: one column per category (year), one stacked part per series (good).

    Parameters
    ----------
    categories : sequence of str
        The x-axis labels (years).
    series : sequence of (name, values)
        One entry per good; ``values`` aligned to ``categories`` (missing or negative as 0).
    title, unit : str
        Chart title and the unit of the y axis (e.g. "EUR").

    Returns
    -------
    str
        The ``<svg>`` element (escaped text), with a ``<title>`` and, per column, the total in a
        ``data-total`` attribute.
    """
    left, right, top, legend_h = 70, 12, 30, 18 * len(series) + 8
    bottom = 28 + legend_h
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(max(float(v[i] or 0.0), 0.0) for _, v in series) for i in range(len(categories))]
    ticks = nice_ticks(max(totals, default=0.0))
    scale = plot_h / ticks[-1]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
           f'<text x="{left}" y="18" class="chart-title">{escape(title)}</text>']
    for t in ticks:
        y = top + plot_h - t * scale
        out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                   f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{_short(t)}</text>')
    out.append(f'<text x="14" y="{top + plot_h / 2:.1f}" class="tick" text-anchor="middle" '
               f'transform="rotate(-90 14 {top + plot_h / 2:.1f})">{escape(unit)}</text>')
    slot = plot_w / max(len(categories), 1)
    bar = slot * 0.62
    for i, cat in enumerate(categories):
        x = left + i * slot + (slot - bar) / 2
        base = float(top + plot_h)
        out.append(f'<g class="column" data-category="{escape(str(cat))}" data-total="{totals[i]:.2f}">')
        for j, (name, values) in enumerate(series):
            v = max(float(values[i] or 0.0), 0.0)
            h = v * scale
            base -= h
            out.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                       f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(name)} {escape(str(cat))}: '
                       f'{v:,.0f} {escape(unit)}</title></rect>')
        out.append(f'</g><text x="{x + bar / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
                   f'class="tick">{escape(str(cat))}</text>')
    for j, (name, _) in enumerate(series):
        y = top + plot_h + 30 + 18 * j
        out.append(f'<rect x="{left}" y="{y}" width="12" height="12" fill="{PALETTE[j % len(PALETTE)]}"/>'
                   f'<text x="{left + 18}" y="{y + 11}" class="legend">{escape(name)}</text>')
    out.append("</svg>")
    return "".join(out)

"""Trade-flow tables for the exposure model: tidy tables, Eurostat Comext CN8 and UN Comtrade HS6 extracts.

Downloaded files drop straight in: the column mapping of each layout is data, in
``cbamcalc/io/trade_flow_layouts.csv`` (one row per canonical field and source column; several
rows for one field are alternatives, the first present wins). Layouts shipped:

=================  ===========================================================================
layout             what it reads
=================  ===========================================================================
``tidy``           ``year, cn_code, country (or origin), [destination], [firm], net_mass_t (or
                   net_mass_kg), [value_eur], [value_thb]``: cbamcalc's own layout
``comext``         Eurostat Comext bulk extract of DS-045409 (EU trade since 1988 by CN8):
                   ``REPORTER, PARTNER, PRODUCT_NC, FLOW, PERIOD, VALUE_EUR, QUANTITY_KG``;
                   EU imports (``FLOW`` 1) from the partner (origin); months summed per year
``comext_legacy``  the older Comext column names (``DECLARANT_ISO, PARTNER_ISO, VALUE_IN_EUROS,
                   QUANTITY_IN_KG``, ...)
``comtrade``       UN Comtrade extract (HS6), reporter = exporting country (``flowCode`` X):
                   ``refYear, reporterDesc, partnerDesc, cmdCode, flowCode, netWgt,
                   primaryValue`` (USD)
``comtrade_mirror``  the same, reporter = EU member state importing (``flowCode`` M)
=================  ===========================================================================

Output: the canonical flow frame of :mod:`cbamcalc.exposure` (``year``, ``cn_code``,
``country``, ``destination``, ``firm``, ``net_mass_t`` [t], ``value_eur`` [EUR], ``value_thb``
[THB]), one row per key and year, with ``source_row`` (the first file row summed into it) and
``attrs`` naming the file and layout. Masses are converted from the layout's unit once per column
(:func:`cbamcalc.units.magnitudes`).

Every error names the file, the row (as numbered in the file, header included) and the column:
missing column, malformed or unknown CN code (not a CBAM good), unknown country, missing,
negative, non-finite or absurd (beyond 1e15) mass or value, a period outside 1900-2100,
duplicated key.

A CSV saved by a European Excel (``;`` or tab between cells, decimal commas, thousands dots) is
read by its own conventions; a single thousands-like dot there (``7.442``) is refused, not read
a thousand times off. Excel files go through :class:`~cbamcalc.io.xlsx_safety.XlsxReader` (size
caps, CRC, no DTD); only the cells present are read, whatever dimension the sheet declares.
"""

from __future__ import annotations

import csv
import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import InputError
from .atomic import write_atomically
from .xlsx_safety import MAX_MAGNITUDE  # largest size of a mass or value read, as for any cell

__all__ = ["LAYOUTS", "layouts", "read_trade_flows", "flows_from_frame", "write_trade_flows", "detect_layout"]

#: Layouts shipped in ``trade_flow_layouts.csv``, in detection order.
LAYOUTS = ("comext", "comext_legacy", "comtrade", "comtrade_mirror", "tidy")
_CANONICAL = ("year", "cn_code", "country", "destination", "firm", "net_mass_t", "value_eur", "value_thb",
              "value_usd")


@cache
def _layouts() -> pd.DataFrame:
    raw = resources.files("cbamcalc.io").joinpath("trade_flow_layouts.csv").read_text(encoding="utf-8")
    from io import StringIO

    return pd.read_csv(StringIO(raw), dtype=str, keep_default_na=False)


def layouts() -> pd.DataFrame:
    """The layout table (a copy): ``layout, field, source_column, unit, transform, required, description``."""
    return _layouts().copy()


def _spec(layout: str) -> pd.DataFrame:
    t = _layouts()
    if layout not in set(t["layout"]):
        raise InputError(field="layout", expected=f"one of {', '.join(sorted(set(t['layout'])))} or 'auto'",
                         found=layout)
    return t[t["layout"] == layout]


def _choose(spec: pd.DataFrame, columns: list[str]) -> dict[str, pd.Series]:
    """For each field, the first layout row whose source column is present."""
    present = set(columns)
    out: dict[str, pd.Series] = {}
    for _, row in spec.iterrows():
        f = row["field"]
        if f in ("_key", "_keep"):
            if row["source_column"] in present:
                out[f"{f}:{row['source_column']}"] = row
            continue
        if f not in out and row["source_column"] in present:
            out[f] = row
    return out


def _missing(spec: pd.DataFrame, columns: list[str]) -> list[str]:
    chosen = _choose(spec, columns)
    req = spec[(spec["required"] == "yes") & ~spec["field"].str.startswith("_")]
    return [f for f in dict.fromkeys(req["field"]) if f not in chosen]


def detect_layout(columns: list[str], sample: pd.DataFrame | None = None) -> str | None:
    """The first layout whose required columns are all present (Comtrade: by the flow codes)."""
    for name in LAYOUTS:
        if _missing(_spec(name), columns):
            continue
        if name in ("comtrade", "comtrade_mirror") and sample is not None and "flowCode" in sample:
            flows = set(sample["flowCode"].astype(str).str.strip())
            if "X" in flows and "M" in flows:
                return None  # ambiguous: the user names the layout
            return "comtrade_mirror" if "M" in flows and "X" not in flows else "comtrade"
        return name
    return None


# --------------------------------------------------------------------------- file reading


def _read_raw(path: Path, sheet: str | int | None) -> tuple[pd.DataFrame, int]:
    """Raw cells as strings and the file row number of the header."""
    fname = str(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    try:
        with open(fname, encoding="utf-8-sig", newline="") as fh:
            skipped = 0
            header_line = ""
            for line in fh:
                if line.lstrip().startswith("#") or not line.strip():
                    skipped += 1
                    continue
                header_line = line
                break
    except FileNotFoundError as exc:
        raise InputError(file=fname, field="trade flows", expected="an existing file", found="no such file") from exc
    except UnicodeDecodeError as exc:
        raise InputError(file=fname, field="trade flows", expected="a UTF-8 text file (CSV)",
                         found="undecodable bytes") from exc
    except (OSError, ValueError) as exc:  # a folder, no permission, a NUL in the name
        raise InputError(file=fname, field="trade flows", expected="a readable CSV or Excel file",
                         found=getattr(exc, "strerror", None) or str(exc)) from exc
    if not header_line:
        raise InputError(file=fname, field="trade flows", expected="a header row and flow rows", found="no rows")
    delim = max((",", ";", "\t", "|"), key=header_line.count)
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    if size > MAX_CSV_BYTES:
        raise InputError("the trade-flow file is too large", file=fname, expected=f"at most {MAX_CSV_BYTES} bytes",
                         found=size)
    try:
        df = pd.read_csv(fname, sep=delim, skiprows=skipped, dtype=str, keep_default_na=False,
                         encoding="utf-8-sig", skip_blank_lines=True, comment=None, quoting=csv.QUOTE_MINIMAL)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(file=fname, field="trade flows", expected="a CSV table",
                         found=(str(exc).splitlines() or [type(exc).__name__])[0][:200]) from exc
    df.columns = [str(c).strip() for c in df.columns]
    df.attrs["delimiter"] = delim
    return df, skipped + 1


def _read_xlsx(path: Path, sheet: str | int | None) -> tuple[pd.DataFrame, int]:
    """Cells of one worksheet as text, through the safe reader (size caps, CRC, no DTD, finite numbers).

    Only the cells present are read (the sheet's declared dimension is ignored, so a sheet claiming
    1,048,576 x 16,384 cells costs nothing); the header is the first of the rows 1-30 holding the
    columns of a known layout; cells right of the header's last column are not part of the table.
    """
    from .xlsx_safety import XlsxReader, column_index, split_ref

    x = XlsxReader(path)
    names = x.sheet_names
    fname = str(path)
    if not names:
        raise InputError(file=fname, expected="a workbook with a worksheet", found="no sheet")
    if sheet is None:
        name = names[0]
    elif isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise InputError(file=fname, field="sheet", expected=f"a sheet number below {len(names)}", found=sheet)
        name = names[sheet]
    elif sheet in names:
        name = sheet
    else:
        raise InputError(file=fname, sheet=str(sheet), field="sheet", expected=f"one of {', '.join(names)}",
                         found=sheet)
    by_row: dict[int, dict[int, str]] = {}
    for ref in x.raw_cells(name):
        col, row = split_ref(ref)
        v = x.value(name, ref)
        text = "" if v is None else _cell_text(v)
        if text.strip():
            by_row.setdefault(row, {})[column_index(col)] = text
    for h in sorted(r for r in by_row if r <= 30):
        width = max(by_row[h])
        cols = [by_row[h].get(c, "").strip() for c in range(1, width + 1)]
        if detect_layout(cols) is not None or any(not _missing(_spec(n), cols) for n in LAYOUTS):
            numbers = [r for r in sorted(by_row) if r > h and any(c <= width for c in by_row[r])]
            body = [[by_row[r].get(c, "") for c in range(1, width + 1)] for r in numbers]
            frame = pd.DataFrame(body, columns=cols, dtype=object).astype(str)
            frame.attrs["source_rows"] = numbers  # errors name the row as numbered in the sheet
            return frame, h
    first = by_row.get(min(by_row)) if by_row else {}
    raise InputError("missing column", file=fname, sheet=name, row=min(by_row) if by_row else 1,
                     expected="a header row with the columns of a known layout (see trade_flow_layouts.csv)",
                     found=", ".join(first[c] for c in sorted(first))[:200] if first else "an empty sheet")


#: Largest CSV read [bytes] (a year of Comext CN8 imports from one partner is a few MB; pandas holds text
#: cells at about ten times their size in memory).
MAX_CSV_BYTES = 100 * 1024 * 1024


def _cell_text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def read_trade_flows(
    path: str | os.PathLike[str],
    *,
    layout: str = "auto",
    sheet: str | int | None = None,
    non_cbam: Literal["error", "drop"] = "error",
    usd_per_eur: float | None = None,
) -> pd.DataFrame:
    """Read a trade-flow file (CSV or Excel) in any known layout into the canonical flow frame.

    Parameters
    ----------
    path : str or path-like
        CSV (``,``, ``;``, tab; leading ``#`` comment lines skipped) or Excel workbook (the header
        row is found among the first 30 rows).
    layout : str, default "auto"
        A layout of ``trade_flow_layouts.csv`` (``tidy``, ``comext``, ``comext_legacy``,
        ``comtrade``, ``comtrade_mirror``), or ``auto`` to detect it from the header.
    sheet : str or int, optional
        Worksheet of an Excel file (default: the first).
    non_cbam : {"error", "drop"}
        A well-formed CN code that is not a CBAM good (common in extracts of whole chapters):
        an error naming its row, or dropped (counted in ``attrs["dropped_non_cbam"]``).
    usd_per_eur : float, optional
        Exchange rate for Comtrade's USD values [USD/EUR]; without it ``value_eur`` stays empty
        and cost shares of export value are not computed.

    Returns
    -------
    pandas.DataFrame
        Canonical columns (see the module docstring) plus ``source_row``; ``attrs``:
        ``source_file``, ``layout``, ``rows_read``, ``rows_kept``, ``dropped_flow``,
        ``dropped_non_cbam``, ``notes``.

    Raises
    ------
    InputError
        Naming the file, row and column: missing column, malformed or unknown CN code, unknown
        country, missing or negative mass, duplicated key, unknown layout.

    Examples
    --------
    >>> from pathlib import Path
    >>> import cbamcalc
    >>> ex = Path(cbamcalc.__file__).parent.parent / "examples" / "thai_trade_flows_comext.csv"
    >>> flows = read_trade_flows(ex) if ex.exists() else None
    >>> flows is None or flows.attrs["layout"] == "comext"
    True
    """
    p = Path(os.fspath(path))
    raw, header_row = _read_raw(p, sheet)
    return flows_from_frame(raw, layout=layout, file=str(p), header_row=header_row, non_cbam=non_cbam,
                            usd_per_eur=usd_per_eur)


def flows_from_frame(
    raw: pd.DataFrame,
    *,
    layout: str = "auto",
    file: str | None = None,
    header_row: int = 1,
    non_cbam: Literal["error", "drop"] = "error",
    usd_per_eur: float | None = None,
) -> pd.DataFrame:
    """Map a raw table (cells as text, as read from a file) to the canonical flow frame.

    Parameters
    ----------
    raw : pandas.DataFrame
        The file's columns; row *i* (0-based) is file row ``header_row + 1 + i``.
    layout, non_cbam, usd_per_eur
        See :func:`read_trade_flows`.
    file : str, optional
        File name for error messages.
    header_row : int
        File row of the header.

    Returns
    -------
    pandas.DataFrame
        See :func:`read_trade_flows`.
    """
    where: dict[str, Any] = {"file": file} if file else {}
    raw = raw.copy()
    raw.columns = [str(c).strip() for c in raw.columns]
    cols = list(raw.columns)
    if layout == "auto":
        found = detect_layout(cols, raw)
        if found is None:
            best = min(LAYOUTS, key=lambda n: len(_missing(_spec(n), cols)))
            miss = _missing(_spec(best), cols)
            if not miss and best.startswith("comtrade"):
                raise InputError("both exports (X) and imports (M) in flowCode", **where, row=header_row,
                                 column="flowCode", expected="layout='comtrade' (exports) or 'comtrade_mirror' "
                                 "(imports) named explicitly", found="X and M")
            spec = _spec(best)
            alt = spec[spec["field"] == miss[0]]["source_column"].tolist()
            raise InputError("missing column", **where, row=header_row, column=alt[0],
                             expected=f"the columns of a known layout (closest: '{best}', which needs "
                             f"{' or '.join(alt)})", found=", ".join(cols) or "no columns")
        layout = found
    spec = _spec(layout)
    miss = _missing(spec, cols)
    if miss:
        alt = spec[spec["field"] == miss[0]]["source_column"].tolist()
        raise InputError("missing column", **where, row=header_row, column=alt[0],
                         expected=f"column {' or '.join(repr(a) for a in alt)} of the '{layout}' layout",
                         found=", ".join(cols) or "no columns")
    chosen = _choose(spec, cols)
    n_read = len(raw)
    given = raw.attrs.get("source_rows")
    rows = np.asarray(given, dtype=int) if given is not None and len(given) == n_read else \
        header_row + 1 + np.arange(n_read)
    # keep filters (e.g. FLOW == 1)
    keep = np.ones(n_read, dtype=bool)
    for name, row in chosen.items():
        if name.startswith("_keep:"):
            want = row["transform"].split("=", 1)[1]
            keep &= (raw[row["source_column"]].astype(str).str.strip() == want).to_numpy()
    dropped_flow = int((~keep).sum())
    raw = raw.loc[keep].reset_index(drop=True)
    rows = rows[keep]
    out = pd.DataFrame(index=raw.index)
    notes: list[str] = []
    if dropped_flow:
        notes.append(f"{dropped_flow} row(s) of other trade flows dropped")

    def err(msg: str | None, i: int, column: str, expected: str, found: Any) -> InputError:
        return InputError(msg, **where, row=int(rows[i]), column=column, expected=expected, found=found)

    # year
    yrow = chosen["year"]
    ytext = raw[yrow["source_column"]].astype(str).str.strip()
    if yrow["transform"] == "period":
        ok = ytext.str.fullmatch(r"\d{4}(0[1-9]|1[0-2]|52)")
        if (~ok).any():
            i = int(np.flatnonzero(~ok.to_numpy())[0])
            raise err("bad period", i, yrow["source_column"], "YYYYMM (monthly) or YYYY52 (annual)", ytext.iloc[i])
        years = ytext.str.slice(0, 4).astype(int)
        far = ((years < 1900) | (years > 2100)).to_numpy()
        if far.any():
            i = int(np.flatnonzero(far)[0])
            raise err("bad period", i, yrow["source_column"], "a period of a calendar year 1900-2100", ytext.iloc[i])
        out["year"] = years
    else:
        yv = pd.to_numeric(ytext, errors="coerce")
        bad = yv.isna() | (yv % 1 != 0) | (yv < 1900) | (yv > 2100)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise err(None, i, yrow["source_column"], "a calendar year", ytext.iloc[i])
        out["year"] = yv.astype(int)
    # CN codes: normalised and checked once per distinct text
    crow = chosen["cn_code"]
    ccol = crow["source_column"]
    codes, uniq = pd.factorize(raw[ccol].astype(str).str.strip())
    digits = [_digits(u) for u in uniq]
    want = 6 if crow["transform"] == "hs6" else 8
    for j, d in enumerate(digits):
        if d is None or len(d) != want:
            i = int(np.flatnonzero(codes == j)[0])
            raise err("unknown CN code", i, ccol, f"a {'HS' if want == 6 else 'CN'} code of {want} digits",
                      str(uniq[j]))
    known = _cbam_prefixes(want)
    is_cbam = np.array([d in known for d in digits], dtype=bool)
    if not is_cbam.all():
        if non_cbam == "error":
            j = int(np.flatnonzero(~is_cbam)[0])
            i = int(np.flatnonzero(codes == j)[0])
            raise err("unknown CN code: not a CBAM good (Annex I of Regulation (EU) 2023/956)", i, ccol,
                      "the code of a CBAM good (or non_cbam='drop')", str(uniq[j]))
        if non_cbam != "drop":
            raise InputError(field="non_cbam", expected="'error' or 'drop'", found=non_cbam)
    out["cn_code"] = np.asarray(digits, dtype=object)[codes]
    row_ok = is_cbam[codes]
    dropped_non_cbam = int((~row_ok).sum())
    if dropped_non_cbam:
        notes.append(f"{dropped_non_cbam} row(s) with CN codes that are not CBAM goods dropped")
    # countries
    for fieldname in ("country", "destination"):
        if fieldname not in chosen:
            continue
        col = chosen[fieldname]["source_column"]
        text = raw[col].astype(str).str.strip()
        codes_c, uniq_c = pd.factorize(text)
        res = []
        for j, u in enumerate(uniq_c):
            if not u and fieldname == "destination":
                res.append("")
                continue
            try:
                res.append(_country(u))
            except InputError as exc:
                i = int(np.flatnonzero(codes_c == j)[0])
                raise err(exc._free_text or "unknown country", i, col, exc.expected or "a country", u) from exc
        out[fieldname] = np.asarray(res, dtype=object)[codes_c]
    if "firm" in chosen:
        out["firm"] = raw[chosen["firm"]["source_column"]].astype(str).str.strip().to_numpy()
    # numbers (whole columns; units converted once)
    from ..units import magnitudes

    for fieldname in ("net_mass_t", "value_eur", "value_thb", "value_usd"):
        if fieldname not in chosen:
            continue
        r = chosen[fieldname]
        col = r["source_column"]
        text = _plain_numbers(raw[col].astype(str).str.strip(), raw.attrs.get("delimiter", ","),
                              lambda i, msg, exp, c=col: err(msg, i, c, exp, raw[c].iloc[i]))
        v = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
        empty = (text == "").to_numpy()
        bad_text = np.isnan(v) & ~empty
        if fieldname == "net_mass_t":
            bad_text |= empty
        if bad_text.any():
            i = int(np.flatnonzero(bad_text)[0])
            raise err("missing mass" if empty[i] else "not a number", i, col,
                      f"a number >= 0 [{r['unit']}]", raw[col].iloc[i])
        huge = np.abs(v) > MAX_MAGNITUDE  # inf too; NaN (an empty cell) is not
        if huge.any():
            i = int(np.flatnonzero(huge)[0])
            raise err(None, i, col, f"a finite number of at most {MAX_MAGNITUDE:g} [{r['unit']}]", raw[col].iloc[i])
        neg = v < 0
        if neg.any():
            i = int(np.flatnonzero(neg)[0])
            raise err("negative mass" if fieldname == "net_mass_t" else "negative value", i, col,
                      f"a number >= 0 [{r['unit']}]", raw[col].iloc[i])
        if fieldname == "net_mass_t":
            v = magnitudes(v, r["unit"], "t", field=col, **where)
        out[fieldname] = v
    # duplicated keys in the file (same period, codes, countries, procedure ...)
    key_cols = [chosen[f]["source_column"] for f in ("year", "cn_code", "country", "destination", "firm")
                if f in chosen]
    key_cols += [r["source_column"] for name, r in chosen.items() if name.startswith("_key:")]
    if key_cols:
        dup = raw[key_cols].duplicated().to_numpy()
        if dup.any():
            i = int(np.flatnonzero(dup)[0])
            first = int(np.flatnonzero((raw[key_cols] == raw[key_cols].iloc[i]).all(axis=1).to_numpy())[0])
            raise err(f"duplicated key (same {', '.join(key_cols)} as row {int(rows[first])})", i, ccol,
                      "one row per key (sum or remove the duplicate)",
                      ", ".join(str(raw[c].iloc[i]) for c in key_cols))
    out["source_row"] = rows
    out = out.loc[row_ok].reset_index(drop=True)
    # sum months (and procedures) to one row per year and key
    group = [c for c in ("year", "cn_code", "country", "destination", "firm") if c in out]
    sums = [c for c in ("net_mass_t", "value_eur", "value_thb", "value_usd") if c in out]
    agg: dict[str, Any] = {c: (lambda s: s.sum(min_count=1)) for c in sums}
    agg["source_row"] = "min"
    if out.duplicated(group).any():
        out = out.groupby(group, sort=False, dropna=False).agg(agg).reset_index()
        notes.append("rows summed per year and key (months, procedures)")
    if "value_usd" in out:
        if usd_per_eur is not None:
            if not usd_per_eur > 0:
                raise InputError(field="usd_per_eur", expected="a rate > 0 [USD/EUR]", found=usd_per_eur)
            out["value_eur"] = out["value_usd"] / float(usd_per_eur)
            notes.append(f"USD values converted at {usd_per_eur} USD/EUR (a stated rate, not law)")
        else:
            notes.append("values in USD not converted (give usd_per_eur): no cost share of export value")
    out = out.sort_values("source_row", kind="stable").reset_index(drop=True)
    out.attrs.update({"source_file": file, "layout": layout, "rows_read": n_read, "rows_kept": len(out),
                      "dropped_flow": dropped_flow, "dropped_non_cbam": dropped_non_cbam, "notes": notes})
    return out


_EU_NUMBER = r"-?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?"
_GROUPED = r"-?\d{1,3}(?:\.\d{3})+"


def _plain_numbers(text: pd.Series, delimiter: str, fail: Any) -> pd.Series:
    """Number texts of one column as Python reads them (``1234.5``), by the file's conventions.

    A comma-separated file writes ``1,234.5`` (thousands commas are dropped). A file separated by
    ``;`` or tabs comes from a European Excel: when the column has decimal commas (``7442535,0``,
    ``7.442.535,0``) dots are thousands separators and the comma is the decimal point; without
    decimal commas, dot groups of three (``7.442.535``) are thousands; a single group
    (``7.442``) could be either, and is refused rather than read a thousand times off.
    """
    if delimiter not in (";", "\t"):
        return text.str.replace(",", "", regex=False)
    has_comma = text.str.fullmatch(_EU_NUMBER) & text.str.contains(",", regex=False)
    if has_comma.any():
        bad = (text != "") & ~text.str.fullmatch(_EU_NUMBER)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise fail(i, "not a number in the file's decimal-comma format", "a number like 7442535,5 or "
                       "7.442.535,5")
        return text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    grouped = text.str.fullmatch(_GROUPED)
    single = grouped & (text.str.count(r"\.") == 1)
    if single.any():
        i = int(np.flatnonzero(single.to_numpy())[0])
        raise fail(i, f"in a '{'tab' if delimiter == chr(9) else delimiter}'-separated file a dot before three "
                   "digits may be a thousands separator or a decimal point", "a number without thousands "
                   "separators (7442535 or 7442,535)")
    return text.where(~grouped, text.str.replace(".", "", regex=False))


def _digits(text: Any) -> str | None:
    s = str(text).replace("\xa0", "").replace(" ", "").replace(".", "")
    if s.endswith(".0"):
        s = s[:-2]
    return s if s.isdigit() and s.isascii() else None


@cache
def _cbam_prefixes(n: int) -> frozenset[str]:
    from ..cn_codes import cn_table

    codes = cn_table()["cn_code"].astype(str)
    return frozenset(c[:n] for c in codes if c[:n].isdigit())


def _country(text: str) -> str:
    from ..countries import resolve_country

    return resolve_country(text)


# --------------------------------------------------------------------------- writer


def write_trade_flows(flows: pd.DataFrame, path: str | os.PathLike[str], *, comment: str | None = None) -> None:
    """Write flows in the ``tidy`` layout (CSV), whole or nothing.

    Parameters
    ----------
    flows : pandas.DataFrame
        Canonical flow columns (others are dropped).
    path : str or path-like
        Target CSV; written to a temporary file in the same folder, then moved into place.
    comment : str, optional
        Text written as leading ``#`` lines (e.g. the data's provenance).

    Raises
    ------
    OutputError
        When the file cannot be written (nothing partial is left).
    """
    target = Path(os.fspath(path))
    cols = [c for c in _CANONICAL if c in flows.columns and c != "value_usd"]
    def write(fh: Any) -> None:
        if comment:
            for line in comment.splitlines():
                fh.write(f"# {line}\n")
        flows[cols].to_csv(fh, index=False, lineterminator="\n")

    write_atomically(target, write, text=True)

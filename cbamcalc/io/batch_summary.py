"""The summary workbook of ``cbamcalc run A.xlsx B.xlsx DIR/ --out summary.xlsx``.

Three sheets:

* ``SEE per good``: one row per good of every file computed: file, installation, country, input
  (Communication template version, or our input workbook), process, CN code, product, SEE direct,
  indirect and total [tCO2e/t], share of default values, and the file's warnings;
* ``Failures``: every file that could not be computed, with its one-line reason;
* ``About``: cbamcalc version, reference-data version, counts.

Written whole or not at all (:func:`cbamcalc.io.atomic.write_atomically`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = ["GOOD_HEADER", "write_batch_summary"]

#: Header of the ``SEE per good`` sheet.
GOOD_HEADER = ("file", "installation", "country", "input", "process", "CN code", "product",
               "SEE direct [tCO2e/t]", "SEE indirect [tCO2e/t]", "SEE total [tCO2e/t]", "default share",
               "warnings")


def _append(ws: Any, values: Any) -> None:
    r"""Append a row; text stays text, and what an .xlsx cannot hold is stored escaped.

    A product named '=1+1' is not made a formula; a control character in a file name or in a
    failure's reason is written as ``\x01`` (:func:`cbamcalc.io.xlsx_safety.storable_text`).
    """
    from .xlsx_safety import storable_text

    ws.append([storable_text(v) if isinstance(v, str) else v for v in values])
    for c in ws[ws.max_row]:
        if isinstance(c.value, str) and c.data_type == "f":
            c.data_type = "s"


def write_batch_summary(results: list[dict[str, Any]], target: str | os.PathLike[str], *,
                        meta: dict[str, Any]) -> Path:
    """Write the summary workbook.

    Parameters
    ----------
    results : list of dict
        One per file, as :func:`cbamcalc.commands.run_batch.run_one` returns them.
    target : path
        The ``--out`` file.
    meta : dict
        ``cbamcalc_version``, ``data_version``, ``files``, ``computed``, ``failed``.

    Raises
    ------
    OutputError
        The file cannot be written (nothing is left behind).
    """
    from .atomic import write_new_workbook

    target = Path(os.fspath(target))
    return write_new_workbook(target, lambda wb: _fill(wb, results, meta), label=f"--out {target}")


def _fill(wb: Any, results: list[dict[str, Any]], meta: dict[str, Any]) -> None:
    """The three sheets: SEE per good of the files computed, the failures, and what made the summary."""
    from openpyxl.styles import Font

    goods = wb.create_sheet("SEE per good")
    goods.append(GOOD_HEADER)
    for r in results:
        if not r["ok"]:
            continue
        kind = f"Communication template v{r['template_version']}" if r["template_version"] else \
            "cbamcalc input workbook"
        warns = "; ".join(r["warnings"])
        for g in r["goods"]:
            _append(goods, (Path(r["file"]).name, r["installation"], r["country"], kind, g["process"],
                            g["cn_code"], g["product"], g["see_direct"], g["see_indirect"], g["see_total"],
                            g["default_share"], warns))
    fails = wb.create_sheet("Failures")
    fails.append(("file", "reason"))
    for r in results:
        if not r["ok"]:
            _append(fails, (Path(r["file"]).name, r["reason"]))
    about = wb.create_sheet("About")
    for row in (("cbamcalc", meta["cbamcalc_version"]), ("reference data", meta["data_version"]),
                ("files", meta["files"]), ("computed", meta["computed"]), ("failed", meta["failed"]),
                ("unit of SEE", "tCO2e per tonne of good, as the Communication template computes them")):
        about.append(row)
    for ws in (goods, fails):
        for c in ws[1]:
            c.font = Font(bold=True)
        ws.freeze_panes = "A2"

"""Imported once by the job server (``forkserver``) so that every job starts warm.

Each job is a fork of that server: the modules below and the reference tables they load
(``functools.cache``) are already in memory, shared copy-on-write, never written back.
Nothing here touches a request.
"""

from __future__ import annotations

import warnings

import cbamcalc.commands.cost
import cbamcalc.commands.defaults
import cbamcalc.commands.run
import cbamcalc.io.communication_template
import cbamcalc.io.communication_writer
import cbamcalc.io.exporter_workbook
import cbamcalc.io.results_workbook
import cbamcalc.pipeline  # noqa: F401


def _warm() -> None:
    """Load the reference tables a run, a look-up and a cost use (errors here only mean a cold start)."""
    import pandas as pd

    from cbamcalc.cost import cbam_cost
    from cbamcalc.default_values import default_value
    from cbamcalc.io.exporter_workbook import labels

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            default_value("73181595", "TH", 2026)
            labels()
            # benchmarks, CBAM factors, price and exchange-rate paths: the tables every cost reads
            cbam_cost(pd.DataFrame({"cn_code": ["73181595"], "quantity": [1.0], "country": ["TH"]}),
                      years=range(2026, 2035), price="scenario:central")
        except Exception:  # pragma: no cover - a cold start is slower, not wrong
            pass


_warm()

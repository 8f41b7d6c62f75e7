"""cbamcalc: embedded emissions (SEE) and EU CBAM cost of goods.

The package namespace holds the orchestrators, the I/O entry points and the errors;
the domain modules (``cbamcalc.default_values``, ``cbamcalc.electricity``, ...) are
imported by name. Everything but the errors is imported on first use, so importing
cbamcalc (and starting the CLI) stays light.

Examples
--------
>>> import cbamcalc
>>> inst = cbamcalc.read_communication_template("installation.xlsx")  # doctest: +SKIP
>>> result = cbamcalc.run_installation(inst)  # doctest: +SKIP
>>> result.products[["cn_code", "see_direct", "see_indirect", "see_total"]]  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import CbamError, InputError, OutputError, ReferenceDataError, UnitError

#: public name -> module that defines it
_LAZY = {
    "__version__": "cbamcalc._version",  # importlib.metadata costs start-up time: read on first use
    # orchestrators
    "run_installation": "cbamcalc.pipeline",
    "InstallationResult": "cbamcalc.result",
    "cbam_cost": "cbamcalc.cost",
    "cbam_cost_rows": "cbamcalc.cost",
    "cost_from_run": "cbamcalc.cost",
    "run_exposure": "cbamcalc.exposure",
    "lookup_default_values": "cbamcalc.default_values",
    "default_value": "cbamcalc.default_values",
    "lookup_benchmarks": "cbamcalc.benchmarks",
    "benchmark": "cbamcalc.benchmarks",
    "build_report": "cbamcalc.operator_report",
    # I/O entry points
    "read_communication_template": "cbamcalc.io.communication_template",
    "export_communication": "cbamcalc.io.communication_writer",
    "read_input_workbook": "cbamcalc.io.exporter_workbook",
    "write_input_workbook": "cbamcalc.io.exporter_workbook",
    "write_results_workbook": "cbamcalc.io.results_workbook",
    "read_trade_flows": "cbamcalc.io.trade_flows",
    "read_scenarios": "cbamcalc.scenarios",
    "write_exposure_report": "cbamcalc.io.exposure_report",
}

__all__ = [
    "__version__",
    "CbamError",
    "InputError",
    "UnitError",
    "ReferenceDataError",
    "OutputError",
    "run_installation",
    "InstallationResult",
    "cbam_cost",
    "cbam_cost_rows",
    "cost_from_run",
    "run_exposure",
    "lookup_default_values",
    "default_value",
    "lookup_benchmarks",
    "benchmark",
    "build_report",
    "read_communication_template",
    "export_communication",
    "read_input_workbook",
    "write_input_workbook",
    "write_results_workbook",
    "read_trade_flows",
    "read_scenarios",
    "write_exposure_report",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from ._version import __version__
    from .benchmarks import benchmark, lookup_benchmarks
    from .cost import cbam_cost, cbam_cost_rows, cost_from_run
    from .default_values import default_value, lookup_default_values
    from .exposure import run_exposure
    from .io.communication_template import read_communication_template
    from .io.communication_writer import export_communication
    from .io.exporter_workbook import read_input_workbook, write_input_workbook
    from .io.exposure_report import write_exposure_report
    from .io.results_workbook import write_results_workbook
    from .io.trade_flows import read_trade_flows
    from .operator_report import build_report
    from .pipeline import run_installation
    from .result import InstallationResult
    from .scenarios import read_scenarios


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cbamcalc' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

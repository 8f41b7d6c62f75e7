"""The result dataclass: documented columns and fields, JSON-ready dict."""

from __future__ import annotations

import dataclasses
import math

from cbamcalc.result import (
    JSON_PROCESS_KEYS,
    JSON_PRODUCT_KEYS,
    PROCESS_COLUMNS,
    InstallationResult,
    InstallationTotals,
)


def test_totals_fields_are_documented_with_units() -> None:
    import inspect

    source = inspect.getsource(InstallationTotals)
    for f in dataclasses.fields(InstallationTotals):
        assert f"    {f.name}: float\n    \"\"\"" in source, f.name
    nan_totals = InstallationTotals(**{f.name: math.nan for f in dataclasses.fields(InstallationTotals)})
    assert set(nan_totals.as_dict().values()) == {None}


def test_contract_keys_first() -> None:
    assert JSON_PROCESS_KEYS[:8] == ("id", "name", "aggregated_goods_category", "activity_level_t", "see_direct",
                                     "see_indirect", "see_total", "embedded_electricity_mwh_per_t")
    assert JSON_PRODUCT_KEYS[:7] == ("process", "cn_code", "product", "see_direct", "see_indirect", "see_total",
                                     "default_share")
    assert {c[0] for c in PROCESS_COLUMNS} >= {"see_direct", "see_indirect", "default_share", "embedded_electricity"}
    assert {f.name for f in dataclasses.fields(InstallationResult)} >= {
        "processes", "products", "totals", "data_version", "cbamcalc_version", "template_version", "warnings",
        "default_values_used"}

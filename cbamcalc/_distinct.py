"""Distinct values of a column without pandas (``pandas.factorize`` for the light look-up paths).

The numpy cores of :mod:`cbamcalc.countries`, :mod:`cbamcalc.cn_codes` and
:mod:`cbamcalc.default_values` normalise each distinct value once; these helpers find the distinct
values without importing pandas, so a single CLI look-up stays light. Missing cells are what
``pandas.isna`` calls missing for a scalar: ``None``, a float NaN, ``pandas.NA`` and ``pandas.NaT``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["is_missing", "factorize"]

_NA_TYPES = frozenset({"NAType", "NaTType"})  # pandas.NA, pandas.NaT, recognised without importing pandas


def is_missing(value: Any) -> bool:
    """Whether a cell is empty: None, a float NaN (numpy too), ``pandas.NA`` or ``pandas.NaT``."""
    if value is None:
        return True
    if isinstance(value, float | np.floating):
        return bool(value != value)
    if isinstance(value, np.datetime64 | np.timedelta64):
        return bool(np.isnat(value))
    return type(value).__name__ in _NA_TYPES


def factorize(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Codes (``int64``, -1 for a missing cell) and distinct values in order of first appearance.

    The same codes and distinct values as ``pandas.factorize(values, use_na_sentinel=True)`` for
    one-dimensional input (values equal as Python objects share a code, ``1`` and ``1.0`` too).
    """
    arr = np.asarray(values, dtype=object).ravel()
    seen: dict[Any, int] = {}
    uniques: list[Any] = []
    codes = np.empty(len(arr), dtype=np.int64)
    for i, value in enumerate(arr.tolist()):
        if is_missing(value):
            codes[i] = -1
            continue
        code = seen.get(value)
        if code is None:
            code = seen[value] = len(uniques)
            uniques.append(value)
        codes[i] = code
    out = np.empty(len(uniques), dtype=object)
    out[:] = uniques
    return codes, out


"""Distinct values of a column without pandas (``pandas.factorize`` for the light look-up paths).

The numpy cores of :mod:`cbamcalc.countries`, :mod:`cbamcalc.cn_codes` and
:mod:`cbamcalc.default_values` normalise each distinct value once; these helpers find the distinct
values without importing pandas, so a single CLI look-up stays light. Missing cells are what
``pandas.isna`` calls missing for a scalar: ``None``, a float NaN, ``pandas.NA`` and ``pandas.NaT``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["is_missing", "missing_mask", "factorize", "sorted_unique", "SMALL"]

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


#: Up to this many values, :func:`factorize` runs in plain Python; above, pandas does it (faster on
#: millions of rows, the same answer). One good (a CLI call) thus never imports pandas.
SMALL = 256

_NA_KEY = object()  # the one dict key every missing value shares when they are not given -1


def factorize(values: Any, *, na_sentinel: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Codes (-1 for a missing cell with ``na_sentinel``) and distinct values in order of first appearance.

    The same codes and distinct values as ``pandas.factorize(values, use_na_sentinel=na_sentinel)``
    for one-dimensional input (values equal as Python objects share a code, ``1`` and ``1.0`` too;
    without ``na_sentinel`` every missing cell shares one code). Distinct values keep a numeric
    input's dtype; text comes back as an ``object`` array.
    """
    arr = np.asarray(values).ravel()
    if arr.size > SMALL:
        import pandas as pd

        codes, uniq = pd.factorize(arr, use_na_sentinel=na_sentinel)
        return codes, np.asarray(uniq)
    seen: dict[Any, int] = {}
    uniques: list[Any] = []
    codes = np.empty(arr.size, dtype=np.intp)
    for i, value in enumerate(arr.tolist() if arr.dtype != object else list(arr)):
        missing = is_missing(value)
        if missing and na_sentinel:
            codes[i] = -1
            continue
        key = _NA_KEY if missing else value
        code = seen.get(key)
        if code is None:
            code = seen[key] = len(uniques)
            uniques.append(value)
        codes[i] = code
    out = np.empty(len(uniques), dtype=arr.dtype if arr.dtype.kind not in "OUS" else object)
    out[:] = uniques
    return codes, out


def missing_mask(values: Any) -> np.ndarray:
    """Where the cells of a one-dimensional array are missing (:func:`is_missing`), as ``pandas.isna``.

    Small inputs are checked in plain Python, large ones by pandas (the same answer, faster).
    """
    arr = np.asarray(values, dtype=object).ravel()
    if arr.size > SMALL:
        import pandas as pd

        return np.asarray(pd.isna(arr), dtype=bool)
    return np.fromiter((is_missing(v) for v in arr.tolist()), dtype=bool, count=arr.size)


def sorted_unique(values: Any) -> np.ndarray:
    """Sorted distinct values of a numeric array, as ``numpy.unique`` (which imports ``numpy.ma``: 40 ms)."""
    s = np.sort(np.asarray(values).ravel())
    if s.size == 0:
        return s
    return s[np.concatenate(([True], s[1:] != s[:-1]))]

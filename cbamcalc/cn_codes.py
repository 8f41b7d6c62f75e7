"""CN codes of CBAM goods: normalise what users type, and tell which CBAM good a code is.

The list of CBAM goods is the one the Commission's *Communication template for installations*
v2.1.1 carries (hidden sheet ``Parameters_CNCodes``, 569 codes at 8 digits, each with its
aggregated goods category): Annex I of Regulation (EU) 2023/956 expanded to CN 2024 codes.
It is read from ``emission_factors/cn_codes_template_v2.1.1.csv``.

CN codes are handled as strings of digits: ``"7318 15 95"``, ``"7318.15.95"``, ``"73181595"``
and the integer ``73181595`` all become ``"73181595"``.

Heading codes
-------------
Annex I of IR (EU) 2025/2621 (default values) prints some lines at heading level, with 4
digits (``7601``) or 6 digits (``7318 15``). Where a function accepts such a code it says so
(``allow_heading=True``); everywhere else a CN code has exactly 8 digits.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError

__all__ = [
    "normalise_cn",
    "normalise_cn_series",
    "cbam_category",
    "cbam_category_series",
    "cbam_sector",
    "is_cbam_good",
    "is_cbam_good_series",
    "cn_table",
]

_SEPARATORS = re.compile(r"[\s.\-]+")
_EXPECT_8 = "a CN code of 8 digits, with or without spaces (e.g. '7318 15 95')"
_EXPECT_ANY = "a CN code of 8 digits, or a heading of 4 or 6 digits, with or without spaces (e.g. '7318 15 95')"


def _clean(value: Any) -> str | None:
    """Digits of a CN code as typed, or None when it cannot be one."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | np.integer):
        return str(int(value)) if value >= 0 else None
    if isinstance(value, float | np.floating):
        if not np.isfinite(value) or value != int(value) or value < 0:
            return None
        return str(int(value))
    if not isinstance(value, str):
        return None
    digits = _SEPARATORS.sub("", value.replace("\xa0", " "))
    return digits if digits.isdigit() and digits.isascii() else None


def normalise_cn(text: Any, *, field: str = "cn_code", allow_heading: bool = False, **where: Any) -> str:
    """Normalise a CN code to its digits.

    Parameters
    ----------
    text : str or int
        The code as typed: ``"7318 15 95"``, ``"7318.15.95"``, ``"73181595"`` or ``73181595``.
    field : str, default "cn_code"
        Name of the field, for the error message.
    allow_heading : bool, default False
        Also accept a 4- or 6-digit heading code (as Annex I of IR (EU) 2025/2621 prints some lines).
    **where
        Location for the error (``row``, ``sheet``, ``cell``, ``file``).

    Returns
    -------
    str
        8 digits (or 4 or 6 with ``allow_heading``).

    Raises
    ------
    InputError
        When the text is not a CN code of the length allowed.

    Examples
    --------
    >>> normalise_cn("7318 15 95")
    '73181595'
    >>> normalise_cn(73181595)
    '73181595'
    >>> normalise_cn("7318 15", allow_heading=True)
    '731815'
    """
    digits = _clean(text)
    lengths = (4, 6, 8) if allow_heading else (8,)
    if digits is None or len(digits) not in lengths:
        raise InputError(field=field, expected=_EXPECT_ANY if allow_heading else _EXPECT_8,
                         found="an empty cell" if text is None else text, **where)
    return digits


def normalise_cn_series(
    values: pd.Series | Any, *, field: str = "cn_code", allow_heading: bool = False
) -> pd.Series:
    """Vectorised :func:`normalise_cn` over a Series (aligned to its index).

    Each distinct value is normalised once (``pandas.factorize``), so a column of a million
    rows with a few hundred codes costs a few hundred normalisations.

    Raises
    ------
    InputError
        Naming the row (index label) of the first malformed code.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    lengths = (4, 6, 8) if allow_heading else (8,)
    out = np.empty(len(uniques), dtype=object)
    for i, value in enumerate(uniques):
        digits = _clean(value)
        if digits is None or len(digits) not in lengths:
            bad = series.index[int(np.flatnonzero(codes == i)[0])]
            normalise_cn(value, field=field, allow_heading=allow_heading, row=_row_label(bad))
        out[i] = digits
    if (codes < 0).any():
        bad = series.index[int(np.flatnonzero(codes < 0)[0])]
        raise InputError(field=field, expected=_EXPECT_ANY if allow_heading else _EXPECT_8,
                         found="an empty cell", row=_row_label(bad))
    return pd.Series(out[codes], index=series.index, name=series.name, dtype=object)


def _row_label(label: Any) -> Any:
    return label.item() if isinstance(label, np.generic) else label


@cache
def _table() -> pd.DataFrame:
    from .refdata import load_table

    return load_table("cn_codes").set_index("cn_code", drop=False)


def cn_table() -> pd.DataFrame:
    """The CBAM goods list (a copy): ``cn_code``, ``description``, ``category``, ``sector``, source.

    Source: Communication template v2.1.1, sheet ``Parameters_CNCodes`` (Annex I of
    Regulation (EU) 2023/956 at 8-digit CN level).
    """
    return _table().reset_index(drop=True).copy()


def is_cbam_good(cn: Any) -> bool:
    """Whether an 8-digit CN code is a CBAM good (in the template's list); malformed codes are not.

    Examples
    --------
    >>> is_cbam_good("7318 15 95"), is_cbam_good("8471 30 00")
    (True, False)
    """
    digits = _clean(cn)
    return digits is not None and digits in _table().index


def is_cbam_good_series(values: pd.Series | Any) -> pd.Series:
    """Vectorised :func:`is_cbam_good` (boolean Series aligned to the input; malformed -> False)."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    codes, uniques = pd.factorize(series)
    known = _table().index
    flags = np.array([(_clean(v) or "") in known for v in uniques], dtype=bool)
    out = np.where(codes >= 0, flags[codes] if len(flags) else False, False)
    return pd.Series(out, index=series.index, name=series.name, dtype=bool)


def _not_cbam(digits: str, field: str, **where: Any) -> InputError:
    return InputError(
        "not a CBAM good (not in Annex I of Regulation (EU) 2023/956 as listed in the Communication template v2.1.1)",
        field=field,
        expected="the CN code of a CBAM good",
        found=digits,
        **where,
    )


def cbam_category(cn: Any, *, field: str = "cn_code", **where: Any) -> str:
    """Aggregated goods category of a CBAM good, as the Communication template names it.

    Parameters
    ----------
    cn : str or int
        An 8-digit CN code, with or without spaces.
    field : str, default "cn_code"
        Name of the field, for the error message.

    Returns
    -------
    str
        E.g. ``"Iron or steel products"``, ``"Cement clinker"``, ``"Urea"`` (the template's
        drop-down string without trailing spaces).

    Raises
    ------
    InputError
        When the code is malformed, or is not a CBAM good.

    Examples
    --------
    >>> cbam_category("7318 15 95")
    'Iron or steel products'
    """
    digits = normalise_cn(cn, field=field, **where)
    table = _table()
    if digits not in table.index:
        raise _not_cbam(digits, field, **where)
    return str(table.at[digits, "category"])


def cbam_sector(cn: Any, *, field: str = "cn_code", **where: Any) -> str:
    """Sector of a CBAM good: Cement, Fertilisers, Iron and steel, Aluminium, Hydrogen or Electricity."""
    digits = normalise_cn(cn, field=field, **where)
    table = _table()
    if digits not in table.index:
        raise _not_cbam(digits, field, **where)
    return str(table.at[digits, "sector"])


def cbam_category_series(values: pd.Series | Any, *, field: str = "cn_code") -> pd.Series:
    """Vectorised :func:`cbam_category` (Series of categories aligned to the input).

    Raises
    ------
    InputError
        Naming the row of the first malformed code or the first code that is not a CBAM good.
    """
    cn = normalise_cn_series(values, field=field)
    table = _table()
    pos = table.index.get_indexer(pd.Index(cn.to_numpy(dtype=object)))
    if (pos < 0).any():
        i = int(np.flatnonzero(pos < 0)[0])
        raise _not_cbam(str(cn.iloc[i]), field, row=_row_label(cn.index[i]))
    return pd.Series(table["category"].to_numpy()[pos], index=cn.index, name="category", dtype=object)

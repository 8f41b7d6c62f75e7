"""CN codes of CBAM goods: normalise what users type, and tell which CBAM good a code is.

The list of CBAM goods is the one the Commission's *Communication template for installations*
v2.1.1 carries (hidden sheet ``Parameters_CNCodes``, 569 codes at 8 digits, each with its
aggregated goods category): Annex I of Regulation (EU) 2023/956 expanded to CN 2024 codes.
It is read from ``emission_factors/cn_codes_template_v2.1.1.csv``.

CN codes are handled as strings of digits: ``"7318 15 95"``, ``"7318.15.95"``, ``"73181595"``
and the integer ``73181595`` all become ``"73181595"``.

Annex II and scope notes
------------------------
The goods list carries, per CN code, whether the good is listed in Annex II of Regulation (EU)
2023/956 (``annex_ii``, ``annex_ii_provision``; from the curated, cited
``emission_factors/annex_ii_Reg2023-956.csv``): for those only direct emissions count (Art. 7(1)).
It also carries scope notes (``scope_note``; e.g. only calcined kaolinic clays of 2507 00 80 are
CBAM goods since Regulation (EU) 2025/2083). See :func:`in_annex_ii`, :func:`indirect_counted`,
:func:`annex_ii_of_category` and :func:`scope_note`.

Heading codes
-------------
Annex I of IR (EU) 2025/2621 (default values) prints some lines at heading level, with 4
digits (``7601``) or 6 digits (``7318 15``). Where a function accepts such a code it says so
(``allow_heading=True``); everywhere else a CN code has exactly 8 digits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InputError

if TYPE_CHECKING:  # pandas is imported inside the functions that take or return pandas objects
    import pandas as pd

__all__ = [
    "spaced",
    "normalise_cn",
    "normalise_cn_series",
    "normalise_cn_array",
    "cbam_category",
    "cbam_category_series",
    "cbam_category_array",
    "cbam_sector",
    "is_cbam_good",
    "is_cbam_good_series",
    "is_cbam_good_array",
    "cn_table",
    "in_annex_ii",
    "in_annex_ii_series",
    "in_annex_ii_array",
    "indirect_counted",
    "annex_ii_of_category",
    "scope_note",
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


def spaced(digits: str) -> str:
    """A CN code as the acts print it: ``"73181595"`` -> ``"7318 15 95"``, ``"731815"`` -> ``"7318 15"``."""
    return " ".join([digits[:4]] + [digits[i : i + 2] for i in range(4, len(digits), 2)])


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


def _series_parts(values: Any) -> tuple[Any, np.ndarray, np.ndarray, Callable[[int], Any]]:
    """A Series, its ``pandas.factorize`` codes and distinct values, and its row label by position."""
    import pandas as pd

    series = values if isinstance(values, pd.Series) else pd.Series(values)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    index = series.index
    return series, codes, np.asarray(uniques, dtype=object), lambda pos: _row_label(index[pos])


def _array_parts(values: Any) -> tuple[np.ndarray, np.ndarray, Callable[[int], Any]]:
    """Codes and distinct values of an array (without pandas); rows are named by 0-based position."""
    from ._distinct import factorize

    codes, uniques = factorize(values)
    return codes, uniques, lambda pos: pos


def _first(codes: np.ndarray, i: int) -> int:
    return int(np.flatnonzero(codes == i)[0])


def _normalise_distinct(
    uniques: np.ndarray, codes: np.ndarray, field: str, allow_heading: bool, row_of: Callable[[int], Any]
) -> np.ndarray:
    """Digits per distinct value; the first malformed value, then the first empty cell, is refused at its row."""
    lengths = (4, 6, 8) if allow_heading else (8,)
    out = np.empty(len(uniques), dtype=object)
    for i, value in enumerate(uniques):
        digits = _clean(value)
        if digits is None or len(digits) not in lengths:
            normalise_cn(value, field=field, allow_heading=allow_heading, row=row_of(_first(codes, i)))
        out[i] = digits
    if (codes < 0).any():
        raise InputError(field=field, expected=_EXPECT_ANY if allow_heading else _EXPECT_8,
                         found="an empty cell", row=row_of(int(np.flatnonzero(codes < 0)[0])))
    return out


def normalise_cn_array(values: Any, *, field: str = "cn_code", allow_heading: bool = False) -> np.ndarray:
    """Vectorised :func:`normalise_cn` on a numpy array, without pandas.

    Returns
    -------
    numpy.ndarray
        ``object`` array of digit strings, one per row (each distinct value normalised once).

    Raises
    ------
    InputError
        Naming the row (0-based position) of the first malformed code, or of the first empty cell.
    """
    codes, uniques, row_of = _array_parts(values)
    return _normalise_distinct(uniques, codes, field, allow_heading, row_of)[codes]


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
    import pandas as pd

    series, codes, uniques, row_of = _series_parts(values)
    out = _normalise_distinct(uniques, codes, field, allow_heading, row_of)
    return pd.Series(out[codes], index=series.index, name=series.name, dtype=object)


def _row_label(label: Any) -> Any:
    return label.item() if isinstance(label, np.generic) else label


@cache
def _goods() -> tuple[dict[str, int], Mapping[str, np.ndarray]]:
    """CN code -> row of the goods list, and its columns (numpy, from the compiled snapshot)."""
    from .refdata import load_columns

    cols = load_columns("cn_codes")
    return {str(c): i for i, c in enumerate(cols["cn_code"].tolist())}, cols


def _goods_value(digits: str, column: str) -> str:
    row, cols = _goods()
    return str(cols[column][row[digits]])


def cn_table() -> pd.DataFrame:
    """The CBAM goods list (a copy): ``cn_code``, ``description``, ``category``, ``sector``, source.

    Source: Communication template v2.1.1, sheet ``Parameters_CNCodes`` (Annex I of
    Regulation (EU) 2023/956 at 8-digit CN level).
    """
    from .refdata import load_table

    return load_table("cn_codes")


def is_cbam_good(cn: Any) -> bool:
    """Whether an 8-digit CN code is a CBAM good (in the template's list); malformed codes are not.

    Examples
    --------
    >>> is_cbam_good("7318 15 95"), is_cbam_good("8471 30 00")
    (True, False)
    """
    digits = _clean(cn)
    return digits is not None and digits in _goods()[0]


def _is_cbam_good_rows(uniques: np.ndarray, codes: np.ndarray) -> np.ndarray:
    known = _goods()[0]
    flags = np.array([(_clean(v) or "") in known for v in uniques], dtype=bool)
    return np.where(codes >= 0, flags[codes] if len(flags) else False, False)


def is_cbam_good_array(values: Any) -> np.ndarray:
    """Vectorised :func:`is_cbam_good` on a numpy array, without pandas (boolean; malformed or empty -> False)."""
    codes, uniques, _ = _array_parts(values)
    return _is_cbam_good_rows(uniques, codes)


def is_cbam_good_series(values: pd.Series | Any) -> pd.Series:
    """Vectorised :func:`is_cbam_good` (boolean Series aligned to the input; malformed -> False)."""
    import pandas as pd

    series, codes, uniques, _ = _series_parts(values)
    return pd.Series(_is_cbam_good_rows(uniques, codes), index=series.index, name=series.name, dtype=bool)


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
    if digits not in _goods()[0]:
        raise _not_cbam(digits, field, **where)
    return _goods_value(digits, "category")


def cbam_sector(cn: Any, *, field: str = "cn_code", **where: Any) -> str:
    """Sector of a CBAM good: Cement, Fertilisers, Iron and steel, Aluminium, Hydrogen or Electricity."""
    digits = normalise_cn(cn, field=field, **where)
    if digits not in _goods()[0]:
        raise _not_cbam(digits, field, **where)
    return _goods_value(digits, "sector")


def _category_distinct(
    uniques: np.ndarray, codes: np.ndarray, field: str, row_of: Callable[[int], Any]
) -> np.ndarray:
    """Category per distinct value; malformed codes first, then the first row not a CBAM good, are refused."""
    digits = _normalise_distinct(uniques, codes, field, False, row_of)
    row, cols = _goods()
    pos = np.array([row.get(d, -1) for d in digits], dtype=np.int64)
    if (pos < 0).any():
        bad = np.flatnonzero(pos < 0)
        first = np.array([_first(codes, int(i)) for i in bad], dtype=np.int64)
        i = int(bad[np.argmin(first)])
        raise _not_cbam(str(digits[i]), field, row=row_of(int(first.min())))
    return np.asarray(cols["category"][pos], dtype=object)


def cbam_category_array(values: Any, *, field: str = "cn_code") -> np.ndarray:
    """Vectorised :func:`cbam_category` on a numpy array, without pandas.

    Returns
    -------
    numpy.ndarray
        ``object`` array of the template's categories, one per row.

    Raises
    ------
    InputError
        Naming the row (0-based position) of the first malformed code, or else of the first code
        that is not a CBAM good.
    """
    codes, uniques, row_of = _array_parts(values)
    return _category_distinct(uniques, codes, field, row_of)[codes]


def cbam_category_series(values: pd.Series | Any, *, field: str = "cn_code") -> pd.Series:
    """Vectorised :func:`cbam_category` (Series of categories aligned to the input).

    Raises
    ------
    InputError
        Naming the row of the first malformed code or the first code that is not a CBAM good.
    """
    import pandas as pd

    series, codes, uniques, row_of = _series_parts(values)
    out = _category_distinct(uniques, codes, field, row_of)[codes]
    return pd.Series(out, index=series.index, name="category", dtype=object)


# --------------------------------------------------------------------------- Annex II of Regulation (EU) 2023/956

_EXPECT_ANNEX = (
    "a CN code of 8 digits, a TARIC code of 10 digits, or a heading of 4 or 6 digits (e.g. '7318 15 95')"
)


@cache
def _annex_ii_by_code() -> dict[str, bool]:
    cols = _goods()[1]
    return {str(c): str(m).casefold() == "true"
            for c, m in zip(cols["cn_code"].tolist(), cols["annex_ii"].tolist(), strict=True)}


@cache
def _annex_ii_of_digits(digits: str) -> bool | str:
    """Membership of a code of 4, 6, 8 or 10 digits; a str is the reason it cannot be decided."""
    by_code = _annex_ii_by_code()
    if len(digits) in (8, 10):
        member = by_code.get(digits[:8])
        return "not a CBAM good" if member is None else member
    values = {m for code, m in by_code.items() if code.startswith(digits)}
    if not values:
        return "no CBAM good under this heading"
    if len(values) > 1:
        members = sorted(c for c, m in by_code.items() if c.startswith(digits) and m)
        others = sorted(c for c, m in by_code.items() if c.startswith(digits) and not m)
        return (f"heading mixes goods in Annex II ({', '.join(members[:3])}...) and goods not in it "
                f"({', '.join(others[:3])}...): give the 8-digit CN code")
    return values.pop()


def in_annex_ii(cn: Any, *, field: str = "cn_code", **where: Any) -> bool:
    """Whether a CBAM good is listed in Annex II of Regulation (EU) 2023/956 (only direct emissions count).

    Parameters
    ----------
    cn : str or int
        A CN code of 8 digits, a TARIC code of 10 digits (its first 8 digits decide), or a heading
        of 4 or 6 digits (in Annex II when every CBAM good under it is).
    field : str, default "cn_code"
        Name of the field, for the error message.
    **where
        Location for the error (``row``, ``sheet``, ``cell``, ``file``).

    Returns
    -------
    bool
        True for iron and steel of chapter 72 and the listed headings of chapter 73, aluminium,
        hydrogen and electricity; False for cement, calcined clay, fertilisers and agglomerated iron
        ore 2601 12 00.

    Raises
    ------
    InputError
        When the code is malformed, is not a CBAM good, or is a heading whose CBAM goods are partly
        in Annex II and partly not.

    Notes
    -----
    Read from the ``annex_ii`` column of the goods list, built from the curated table
    ``emission_factors/annex_ii_Reg2023-956.csv`` (one row per code or heading as the annex lists
    it; the longest matching prefix decides).

    References
    ----------
    Regulation (EU) 2023/956, Art. 7(1) and Annex II; Regulation (EU) 2025/2083 (2716 00 00 added).

    Examples
    --------
    >>> in_annex_ii("7318 15 95"), in_annex_ii("2601 12 00"), in_annex_ii("7601")
    (True, False, True)
    """
    digits = _clean(cn)
    if digits is None or len(digits) not in (4, 6, 8, 10):
        raise InputError(field=field, expected=_EXPECT_ANNEX, found="an empty cell" if cn is None else cn, **where)
    member = _annex_ii_of_digits(digits)
    if isinstance(member, str):
        if member == "not a CBAM good":
            raise _not_cbam(digits, field, **where)
        raise InputError(member, field=field, expected="a CBAM good or a heading of CBAM goods", found=digits,
                         **where)
    return member


def _annex_ii_distinct(
    uniques: np.ndarray, codes: np.ndarray, field: str, row_of: Callable[[int], Any]
) -> np.ndarray:
    """Membership per distinct value; an empty cell first, then the first code refused, at its row."""
    if (codes < 0).any():
        raise InputError(field=field, expected=_EXPECT_ANNEX, found="an empty cell",
                         row=row_of(int(np.flatnonzero(codes < 0)[0])))
    flags = np.empty(len(uniques), dtype=bool)
    for i, value in enumerate(uniques):
        try:
            flags[i] = in_annex_ii(value, field=field)
        except InputError:
            in_annex_ii(value, field=field, row=row_of(_first(codes, i)))
            raise
    return flags


def in_annex_ii_array(values: Any, *, field: str = "cn_code") -> np.ndarray:
    """Vectorised :func:`in_annex_ii` on a numpy array, without pandas (boolean, one per row).

    Raises
    ------
    InputError
        Naming the row (0-based position) of the first empty cell, or else of the first code
        :func:`in_annex_ii` refuses.
    """
    codes, uniques, row_of = _array_parts(values)
    return _annex_ii_distinct(uniques, codes, field, row_of)[codes]


def in_annex_ii_series(values: pd.Series | Any, *, field: str = "cn_code") -> pd.Series:
    """Vectorised :func:`in_annex_ii`: boolean Series aligned to the input (one lookup per distinct code).

    Raises
    ------
    InputError
        Naming the row (index label) of the first code :func:`in_annex_ii` refuses.
    """
    import pandas as pd

    series, codes, uniques, row_of = _series_parts(values)
    flags = _annex_ii_distinct(uniques, codes, field, row_of)
    return pd.Series(flags[codes], index=series.index, name=series.name, dtype=bool)


def indirect_counted(cn: Any, *, field: str = "cn_code", **where: Any) -> bool:
    """Whether the indirect emissions of a CBAM good count in its embedded emissions (= not in Annex II).

    Parameters
    ----------
    cn : str or int
        As :func:`in_annex_ii` (8 or 10 digits, or a heading of 4 or 6 digits).

    Returns
    -------
    bool
        True for goods not listed in Annex II of Regulation (EU) 2023/956 (cement, calcined clay,
        fertilisers, agglomerated iron ore 2601 12 00): direct and indirect emissions count.
        False for Annex II goods: direct emissions only.

    References
    ----------
    Regulation (EU) 2023/956, Art. 7(1) and Annex II; Implementing Regulation (EU) 2025/2547,
    Art. 3(2) (system boundaries: indirect emissions only for goods not listed in Annex II).

    Examples
    --------
    >>> indirect_counted("2601 12 00"), indirect_counted("7208 10 00")
    (True, False)
    """
    return not in_annex_ii(cn, field=field, **where)


@cache
def _category_annex_ii() -> dict[str, bool | None]:
    cols = _goods()[1]
    seen: dict[str, set[bool]] = {}
    for category, flag in zip(cols["category"].tolist(), cols["annex_ii"].tolist(), strict=True):
        seen.setdefault(str(category), set()).add(str(flag).casefold() == "true")
    return {category: values.pop() if len(values) == 1 else None for category, values in sorted(seen.items())}


def annex_ii_of_category(category: str) -> bool:
    """Whether the goods of an aggregated goods category of the Communication template are in Annex II.

    Parameters
    ----------
    category : str
        The template's category, e.g. ``"Pig iron"``, ``"Sintered Ore"``, ``"Ammonia"`` (trailing
        spaces and case ignored).

    Returns
    -------
    bool
        Derived from the goods list: True when every CN code of the category is in Annex II of
        Regulation (EU) 2023/956, False when none is.

    Raises
    ------
    InputError
        When the category is unknown, or mixes goods in Annex II and goods not in it (none does
        in the current list; the check guards a future list).

    References
    ----------
    Regulation (EU) 2023/956, Art. 7(1) and Annex II.

    Examples
    --------
    >>> annex_ii_of_category("Sintered Ore"), annex_ii_of_category("Crude steel")
    (False, True)
    """
    table = _category_annex_ii()
    key = {name.casefold(): name for name in table}.get(str(category).strip().casefold())
    if key is None:
        raise InputError(field="category", expected=f"one of {', '.join(sorted(table))}", found=category)
    member = table[key]
    if member is None:
        raise InputError("the category mixes goods in Annex II of Regulation (EU) 2023/956 and goods not in it",
                         field="category", expected="a category whose goods agree", found=category)
    return member


def scope_note(cn: Any, *, field: str = "cn_code", **where: Any) -> str | None:
    """Note on the scope of a CBAM good, or None (e.g. only calcined kaolinic clays of 2507 00 80).

    Parameters
    ----------
    cn : str or int
        An 8-digit CN code (a 10-digit TARIC code: its first 8 digits).

    Returns
    -------
    str or None
        The note with its act and provision (Regulation (EU) 2025/2083, Annex I point (28) for
        2507 00 80), or None where the goods list has none.

    Raises
    ------
    InputError
        When the code is malformed or is not a CBAM good.

    Examples
    --------
    >>> scope_note("7318 15 95") is None
    True
    >>> scope_note("2507 00 80").startswith("only calcined kaolinic clays are CBAM goods")
    True
    """
    digits = _clean(cn)
    if digits is None or len(digits) not in (8, 10):
        raise InputError(field=field, expected="a CN code of 8 digits (or a TARIC code of 10)",
                         found="an empty cell" if cn is None else cn, **where)
    if digits[:8] not in _goods()[0]:
        raise _not_cbam(digits, field, **where)
    note = _goods_value(digits[:8], "scope_note")
    return note or None

"""Countries of production: resolve what users type to an ISO 3166-1 alpha-2 code.

A country may be given as

* its two-letter code (``"TH"``, ``"th"``);
* its name in the Communication template's code list (``c_CodeLists``; e.g. ``"Türkiye"``,
  ``"Korea, Republic of"``), in ``emission_factors/countries.csv``;
* the title of its table in Annex I of IR (EU) 2025/2621 (``"South Korea"``, ``"Myanmar/Burma"``)
  or a common English name (``"Turkey"``, ``"Viet Nam"``, ``"USA"``), in the curated
  ``emission_factors/country_aliases.csv``.

Matching ignores case, accents, dots and repeated spaces (``"turkiye"``, ``"U.S.A."``). A text
that matches nothing is refused with the closest names as a suggestion (``difflib``).
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InputError, ReferenceDataError

if TYPE_CHECKING:  # pandas is imported inside the functions that take or return pandas objects
    import pandas as pd

__all__ = ["resolve_country", "resolve_country_array", "resolve_country_series", "country_name", "country_table"]

_EXPECTED = "an ISO 3166-1 alpha-2 code or a country name (e.g. 'TH' or 'Thailand')"


def _key(text: str) -> str:
    """Matching key: no accents, case-folded, no dots, single spaces, straight apostrophes."""
    if text.isascii():  # nothing to decompose (most names): the same key, faster
        plain = text
    else:
        decomposed = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
        plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.replace(".", "").casefold().split())


@cache
def _names() -> dict[str, str]:
    """Code -> name, from countries.csv (enough for a country given by its code)."""
    from .refdata import load_columns

    countries = load_columns("countries")
    return dict(zip(countries["iso2"].tolist(), countries["name"].tolist(), strict=True))


@cache
def _tables() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(codes -> name, key -> code, key -> display name) from countries.csv and country_aliases.csv."""
    from .refdata import load_columns

    countries = load_columns("countries")
    aliases = load_columns("country_aliases")
    names = _names()
    by_key: dict[str, str] = {}
    display: dict[str, str] = {}
    for code, name in names.items():
        k = _key(name)
        # a name listed under several codes (Montenegro ME/XM): keep the ISO code, not the EU X-code
        if k not in by_key or by_key[k].startswith("X"):
            by_key[k] = code
            display[k] = name
    for code, table in zip(countries["iso2"].tolist(), countries["default_values_table"].tolist(), strict=True):
        if table:
            by_key.setdefault(_key(table), code)
            display.setdefault(_key(table), table)
    for alias, code in zip(aliases["alias"].tolist(), aliases["iso2"].tolist(), strict=True):
        if code not in names:
            raise ReferenceDataError(
                f"emission_factors/country_aliases.csv: alias {alias!r} maps to unknown code {code!r}"
            )
        by_key[_key(alias)] = code
        display[_key(alias)] = alias
    return names, by_key, display


def country_table() -> pd.DataFrame:
    """The template's country list (a copy): ``iso2``, ``name``, ``default_values_table``, sources."""
    from .refdata import load_table

    return load_table("countries")


def country_name(code: str) -> str:
    """Name of a country code in the Communication template's list (e.g. ``"TH"`` -> ``"Thailand"``)."""
    names = _names()
    iso = resolve_country(code)
    return names[iso]


def _resolve(text: Any) -> str | None:
    if not isinstance(text, str):
        return None
    stripped = text.strip()
    if len(stripped) == 2 and stripped.isalpha() and stripped.upper() in _names():
        return stripped.upper()
    return _tables()[1].get(_key(stripped))


def _refusal(text: Any, field: str, **where: Any) -> InputError:
    if isinstance(text, str) and text.strip():
        _, by_key, display = _tables()
        close = difflib.get_close_matches(_key(text), list(by_key), n=6, cutoff=0.75)
        best: dict[str, str] = {}
        for k in close:  # one suggestion per code, best first
            best.setdefault(by_key[k], k)
        if best:
            hints = ", ".join(f"'{display[k]}' ({code})" for code, k in list(best.items())[:3])
            return InputError(f"unknown country, did you mean {hints}?", field=field, expected=_EXPECTED,
                              found=text, **where)
        return InputError("unknown country", field=field, expected=_EXPECTED, found=text, **where)
    return InputError(field=field, expected=_EXPECTED, found=text if text is not None else "an empty cell",
                      **where)


def resolve_country(text: Any, *, field: str = "country", **where: Any) -> str:
    """ISO 3166-1 alpha-2 code of a country given by code or name.

    Parameters
    ----------
    text : str
        ``"TH"``, ``"Thailand"``, ``"Türkiye"``, ``"Turkey"``, ``"Viet Nam"``, ``"USA"``, ... (any case).
    field : str, default "country"
        Name of the field, for the error message.
    **where
        Location for the error (``row``, ``sheet``, ``cell``, ``file``).

    Returns
    -------
    str
        Two upper-case letters, as in the Communication template's code list.

    Raises
    ------
    InputError
        When nothing matches; the message suggests the closest names (``"Thailnd"`` ->
        ``"did you mean 'Thailand' (TH)?"``).

    Examples
    --------
    >>> resolve_country("Viet Nam"), resolve_country("turkey"), resolve_country("th")
    ('VN', 'TR', 'TH')
    """
    code = _resolve(text)
    if code is None:
        raise _refusal(text, field, **where)
    return code


def _resolve_distinct(
    uniques: np.ndarray, codes: np.ndarray, field: str, row_of: Callable[[int], Any]
) -> np.ndarray:
    """ISO codes of the rows, from their distinct values; errors name ``row_of(position)``.

    A value that is not a country is refused before an empty cell, each at its first row.
    """
    out = np.empty(len(uniques), dtype=object)
    for i, value in enumerate(uniques):
        code = _resolve(value)
        if code is None:
            raise _refusal(value, field, row=row_of(int(np.flatnonzero(codes == i)[0])))
        out[i] = code
    if (codes < 0).any():
        raise _refusal(None, field, row=row_of(int(np.flatnonzero(codes < 0)[0])))
    return out[codes]


def resolve_country_array(values: Any, *, field: str = "country") -> np.ndarray:
    """Vectorised :func:`resolve_country` on a numpy array, without pandas.

    Parameters
    ----------
    values : array_like
        Country codes or names, one per row (each distinct text resolved once).
    field : str, default "country"
        Name of the field, for the error message.

    Returns
    -------
    numpy.ndarray
        ``object`` array of ISO 3166-1 alpha-2 codes, one per row.

    Raises
    ------
    InputError
        Naming the row (0-based position) of the first text that is not a country, or of the
        first empty cell.
    """
    from ._distinct import factorize

    codes, uniques = factorize(values)
    return _resolve_distinct(uniques, codes, field, lambda pos: pos)


def resolve_country_series(values: pd.Series | Any, *, field: str = "country") -> pd.Series:
    """Vectorised :func:`resolve_country` (each distinct text resolved once; aligned to the input).

    Raises
    ------
    InputError
        Naming the row (index label) of the first text that is not a country.
    """
    import pandas as pd

    series = values if isinstance(values, pd.Series) else pd.Series(values)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    index = series.index

    def row_of(pos: int) -> Any:
        label = index[pos]
        return label.item() if isinstance(label, np.generic) else label

    out = _resolve_distinct(np.asarray(uniques, dtype=object), codes, field, row_of)
    return pd.Series(out, index=series.index, name=series.name, dtype=object)

"""One pint unit registry for the whole package, and column-wise conversion helpers.

Pint checks units at the boundary (readers, public API); inside, cbamcalc works on
plain numpy magnitudes in the fixed internal units below. A whole column is converted
once with :func:`magnitudes`, never cell by cell.

Internal units (the Communication template's own)
-------------------------------------------------

================================  ================
quantity                          internal unit
================================  ================
mass of goods, fuels, materials   ``t``
gas volume at normal conditions   ``kNm3`` (1000 Nm3)
energy (fuel, heat, waste gas)    ``TJ``
electricity                       ``MWh``
emissions                         ``tCO2e``
specific embedded emissions       ``tCO2e/t``
emission factor of fuels/heat     ``tCO2e/TJ``
emission factor of electricity    ``tCO2e/MWh``
net calorific value               ``GJ/t`` or ``GJ/kNm3``
carbon content                    ``tC/t``
money                             ``EUR`` or ``THB``
================================  ================

``tCO2`` is an alias of ``tCO2e`` (CO2 has a GWP of 1). N2O, CF4 and C2F6 have their own
dimensions and become CO2e only through :func:`to_co2e`, which reads the act's GWP table.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pint

from .errors import UnitError

__all__ = ["ureg", "Q_", "parse_unit", "magnitudes", "to_co2e", "GAS_UNITS"]


@cache
def _registry() -> pint.UnitRegistry:
    # on_redefinition="ignore": units.txt takes the symbol "kt" from the knot for the kilotonne
    # cache_folder=":auto:" keeps pint's parsed default definitions in the user's cache folder
    # (0.3 s -> 0.03 s per start). The cache must never break a run: a read-only, missing or
    # non-folder home (OSError) or a damaged cache file (pint's unpickling raises ValueError,
    # EOFError, pickle errors ...) falls back to parsing the definitions every time.
    reg: pint.UnitRegistry
    try:
        reg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=":auto:", on_redefinition="ignore")
    except Exception:  # noqa: BLE001 - any failure of the optional cache
        reg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=None, on_redefinition="ignore")
    definitions = resources.files("cbamcalc").joinpath("units.txt").read_text(encoding="utf-8")
    reg.load_definitions(definitions.splitlines())
    return reg


ureg: pint.UnitRegistry = _registry()
Q_ = ureg.Quantity

#: Unit of each non-CO2 gas, by the gas name used in the GWP table.
GAS_UNITS = {"N2O": "tN2O", "CF4": "tCF4", "C2F6": "tC2F6"}

_ALIASES = {
    "1000nm3": "kNm3",
    "1000 nm3": "kNm3",
    "nm3": "Nm3",
    "%": "percent",
}


def _describe(unit: str) -> str:
    try:
        dim = ureg.parse_units(unit).dimensionality
    except Exception:  # pragma: no cover - only for message composition
        return unit
    return f"{unit} ({dim})" if str(dim) != "dimensionless" else f"{unit} (a pure number)"


def parse_unit(text: Any, *, field: str, expected: str | None = None, **where: Any) -> pint.Unit:
    """Parse a unit string, optionally checking it has the dimension of ``expected``.

    Parameters
    ----------
    text : str
        A unit as a user writes it: ``"t"``, ``"kt"``, ``"GJ/t"``, ``"1000 Nm3"``, ``"MWh"``.
    field : str
        The name of the field, used in the error message.
    expected : str, optional
        A unit with the dimension required (e.g. ``"tCO2e/t"``); any unit of that
        dimension is accepted.
    **where
        Location passed on to :class:`~cbamcalc.errors.UnitError` (``sheet``, ``cell``, ``row``, ``file``).

    Raises
    ------
    UnitError
        When the text is not a unit, or its dimension differs from ``expected``.
    """
    if not isinstance(text, str) or not text.strip():
        raise UnitError(field=field, expected=f"a unit{' of ' + _describe(expected) if expected else ''}",
                        found=text, **where)
    cleaned = text.strip()
    cleaned = _ALIASES.get(cleaned.lower(), cleaned)
    cleaned = cleaned.replace("1000Nm3", "kNm3").replace("1000 Nm3", "kNm3")
    try:
        unit = ureg.parse_units(cleaned)
    except Exception as exc:  # pint raises several types (UndefinedUnitError, DefinitionSyntaxError, ...)
        raise UnitError(field=field, expected=f"a unit{' of ' + _describe(expected) if expected else ''}",
                        found=text, **where) from exc
    if expected is not None:
        want = ureg.parse_units(expected)
        if unit.dimensionality != want.dimensionality:
            raise UnitError(field=field, expected=f"a unit of {_describe(expected)}", found=text, **where)
    return unit


def magnitudes(
    values: Iterable[float] | np.ndarray | float,
    unit: str | pint.Unit,
    base: str,
    *,
    field: str,
    **where: Any,
) -> np.ndarray:
    """Convert a whole column of numbers given in ``unit`` to plain magnitudes in ``base``.

    One pint conversion for the whole array (no per-cell work).

    Parameters
    ----------
    values : array_like
        Numbers in ``unit``.
    unit : str or pint.Unit
        The unit the numbers are in.
    base : str
        The internal unit wanted (see the module table).
    field : str
        Field name for error messages.

    Returns
    -------
    numpy.ndarray
        ``float64`` magnitudes in ``base``.

    Raises
    ------
    UnitError
        If ``unit`` does not have the dimension of ``base``.

    Examples
    --------
    >>> magnitudes([1.0, 2.5], "kt", "t", field="activity level")
    array([1000., 2500.])
    """
    u = unit if isinstance(unit, pint.Unit) else parse_unit(unit, field=field, expected=base, **where)
    arr = np.asarray(values, dtype=float)
    b = ureg.parse_units(base)
    if u.dimensionality != b.dimensionality:
        raise UnitError(field=field, expected=f"a unit of {_describe(base)}", found=str(u), **where)
    if u == b:
        return arr
    return np.asarray(Q_(arr, u).m_as(b), dtype=float)


def quantity_magnitude(q: Any, base: str, *, field: str, **where: Any) -> np.ndarray | float:
    """Magnitude of a pint quantity (scalar or array) in ``base``, with a dimension check.

    A bare number (no unit) is refused: at the public boundary every quantity carries its unit.
    """
    if not isinstance(q, pint.Quantity):
        raise UnitError(field=field, expected=f"a quantity in a unit of {_describe(base)}",
                        found=q, **where)
    b = ureg.parse_units(base)
    if q.dimensionality != b.dimensionality:
        raise UnitError(field=field, expected=f"a unit of {_describe(base)}", found=str(q.units), **where)
    return q.m_as(b)


def to_co2e(mass: Any, gas: str) -> pint.Quantity:
    """Convert a mass of N2O, CF4 or C2F6 to tCO2e with the act's GWP.

    Parameters
    ----------
    mass : pint.Quantity
        Mass of the gas, in a unit of that gas (``tN2O``, ``kgCF4``, ...).
    gas : {"N2O", "CF4", "C2F6"}

    Returns
    -------
    pint.Quantity
        In ``tCO2e``.

    Notes
    -----
    GWP values come from ``emission_factors/`` (IR (EU) 2023/1773, Annex VIII, Table 6,
    AR5 100-year values, as the Communication template uses them).
    """
    from .refdata import constant  # late import: keeps `cbamcalc --help` light

    if gas not in GAS_UNITS:
        raise UnitError(field="gas", expected=" or ".join(GAS_UNITS), found=gas)
    m = quantity_magnitude(mass, GAS_UNITS[gas], field=f"mass of {gas}")
    gwp = constant(f"gwp_{gas.lower()}")
    return Q_(np.asarray(m) * gwp, "tCO2e")

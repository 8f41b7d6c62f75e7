"""Errors raised by cbamcalc.

Every error a user can cause is a :class:`CbamError`. Input errors carry where the
problem is (file, sheet, cell, row, field), what was expected and what was found,
and compose one readable line from them, e.g.::

    Sheet 'B_EmInst', cell K12 (net calorific value): expected energy per mass (GJ/t), found 'kg'

The CLI prints that line on stderr and exits with status 2.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CbamError", "InputError", "UnitError", "ReferenceDataError", "OutputError"]


class CbamError(Exception):
    """Base class of every error cbamcalc raises on purpose."""


def _where(
    file: str | None,
    sheet: str | None,
    cell: str | None,
    row: int | str | None,
    column: str | None,
    field: str | None,
) -> str:
    parts: list[str] = []
    if file:
        parts.append(f"File '{file}'")
    if sheet:
        parts.append(f"sheet '{sheet}'" if parts else f"Sheet '{sheet}'")
    if cell:
        parts.append(f"cell {cell}")
    if row is not None:
        parts.append(f"row {row}")
    if column:
        parts.append(f"column '{column}'")
    where = ", ".join(parts)
    if field:
        # a command-line flag is named as typed: "--price: expected ..."
        named = field if field.startswith("-") else f"Field '{field}'"
        where = f"{where} ({field})" if where else named
    return where


class InputError(CbamError, ValueError):
    """Bad input: names where it is, what was expected and what was found.

    Parameters
    ----------
    message : str, optional
        Free text; when given with location fields it follows them after a colon.
    file, sheet, cell, row, column, field : optional
        Where the bad value is. ``cell`` is an A1 reference such as ``"K12"``.
    expected : str, optional
        What a valid value looks like.
    found : object, optional
        What was found (shown with ``repr`` for strings).
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        file: str | None = None,
        sheet: str | None = None,
        cell: str | None = None,
        row: int | str | None = None,
        column: str | None = None,
        field: str | None = None,
        expected: str | None = None,
        found: Any = None,
    ) -> None:
        self._free_text = message
        self.file = file
        self.sheet = sheet
        self.cell = cell
        self.row = row
        self.column = column
        self.field = field
        self.expected = expected
        self.found = found
        where = _where(file, sheet, cell, row, column, field)
        body: list[str] = []
        if expected is not None:
            body.append(f"expected {expected}")
        if found is not None:
            body.append(f"found {found!r}" if isinstance(found, str) else f"found {found}")
        text = ", ".join(body)
        if message:
            text = f"{message}; {text}" if text else message
        self.message = f"{where}: {text}" if where and text else (where or text)
        super().__init__(self.message)

    def located(self, **where: Any) -> InputError:
        """Return a copy of this error with location fields filled in where still empty.

        Used by readers that learn the sheet/cell only after a lower layer raised.
        """
        fields = {
            k: getattr(self, k) for k in ("file", "sheet", "cell", "row", "column", "field", "expected", "found")
        }
        for key, value in where.items():
            if fields.get(key) in (None, ""):
                fields[key] = value
        new = type(self)(self._message_only(), **fields)
        new.__cause__ = self.__cause__
        return new

    def replaced(self, **changes: Any) -> InputError:
        """Return a copy of this error with the given location fields replaced (e.g. ``field="--price"``)."""
        fields = {
            k: getattr(self, k) for k in ("file", "sheet", "cell", "row", "column", "field", "expected", "found")
        }
        fields.update(changes)
        new = type(self)(self._message_only(), **fields)
        new.__cause__ = self.__cause__
        return new

    def _message_only(self) -> str | None:
        return self._free_text


class UnitError(InputError):
    """A quantity came with a unit of the wrong dimension, or a unit pint cannot parse."""


class ReferenceDataError(CbamError, LookupError):
    """Reference data is missing, inconsistent, or has no line for the key asked for."""


class OutputError(CbamError, OSError):
    """An output file could not be written (nothing partial is left behind)."""

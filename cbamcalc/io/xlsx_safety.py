"""Safe, fast, read-only access to the cell values of an ``.xlsx`` workbook.

Why not openpyxl? Loading the Communication template with openpyxl takes about 4.5 s (19
sheets, 100,000 formulas, conditional formats, 100 defined names), while the calculation
needs a few hundred input cells from seven sheets. This module reads only those sheets'
XML, straight from the ZIP package, and decodes only the cells asked for (about 0.1 s).

Safety
------
* The file must be a ZIP package (an ``.xlsx``); an encrypted workbook, an ``.xls`` or any
  other file is refused with an :class:`~cbamcalc.errors.InputError`.
* Every XML part read is refused if it declares a DTD or an entity (``<!DOCTYPE``,
  ``<!ENTITY``): no entity expansion ("billion laughs"), no external entity. The small
  structural parts (``workbook.xml`` and its relationships) go through :mod:`defusedxml`.
* Archive limits, checked before anything is inflated: the file (:data:`MAX_FILE_BYTES`), the
  number of parts (:data:`MAX_PARTS`), each part's declared size (:data:`MAX_PART_BYTES`). Each
  part is then inflated with that cap on the bytes actually produced (a deflate stream that lies
  about its size), the sum over parts is capped (:data:`MAX_INFLATED_BYTES`) and the CRC is
  checked; a damaged, encrypted or oddly compressed part is an error naming the part.
* A worksheet must end with ``</worksheet>`` (a truncated part is refused, not read as if
  complete) and hold at most :data:`MAX_CELLS` cells; XML read by the slow path is refused
  beyond :data:`MAX_XML_DEPTH` levels.
* Numbers are finite and at most :data:`MAX_MAGNITUDE` in size (``inf``, ``nan``, ``1e308`` are
  refused naming the cell); a shared-string index must be a whole number within the table.
* Formulas evaluated (:func:`evaluate_formula`) are at most :data:`MAX_FORMULA_CHARS` long (Excel's
  own limit), nested at most :data:`MAX_FORMULA_DEPTH` levels, and chains of formulas referring to
  formulas at most :data:`MAX_FORMULA_CHAIN` cells long.
* Nothing is executed and nothing is followed: macros (``vbaProject.bin``) and external
  links (``externalLinks/``) are never opened; formulas are never recalculated, only their
  cached value is read, except the simple ones in :func:`evaluate_formula`.
* The file is opened read-only and never written.

Cell scanning
-------------
Cells are found in the sheet XML with a regular expression over the raw bytes. That is
safe here because the parts contain no DTD (so no entity can hide markup) and text in XML
never contains a raw ``<``. When a sheet does not have the usual form (cells without an
``r`` attribute, a namespace prefix), the scanner falls back to :mod:`defusedxml`'s
``iterparse``.
"""

from __future__ import annotations

import datetime as _dt
import io
import math
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError

__all__ = [
    "MAX_CELLS",
    "MAX_FILE_BYTES",
    "MAX_MAGNITUDE",
    "MAX_PART_BYTES",
    "MAX_PARTS",
    "UNSTORABLE",
    "ExcelError",
    "RawCell",
    "XlsxReader",
    "column_index",
    "column_letter",
    "evaluate_formula",
    "split_ref",
    "storable_text",
]

#: Largest uncompressed XML part read [bytes]; the template's biggest sheet is about 1.2 MB.
MAX_PART_BYTES = 64 * 1024 * 1024
#: Largest workbook file read [bytes].
MAX_FILE_BYTES = 256 * 1024 * 1024
#: Most parts in the package (the Communication template has about 100).
MAX_PARTS = 10_000
#: Most bytes inflated from one package, over all parts read.
MAX_INFLATED_BYTES = 256 * 1024 * 1024
#: Most cells in one worksheet (a sheet of 1,048,576 x 16,384 cells is refused before it is scanned).
MAX_CELLS = 2_000_000
#: Deepest XML nesting read by the slow path (a worksheet is about 6 levels deep).
MAX_XML_DEPTH = 64
#: Largest size of a number read from a cell. No input of an installation (masses, energies,
#: emissions in any unit the templates accept) comes near it, and products of two such numbers
#: stay far from the float limit (1.8e308), so no intermediate of the calculation overflows.
MAX_MAGNITUDE = 1e15
#: Excel's own limit on the length of a formula [characters].
MAX_FORMULA_CHARS = 8192
#: Deepest nesting of parentheses and signs in an evaluated formula.
MAX_FORMULA_DEPTH = 64
#: Longest chain of formulas without cached value referring to one another.
MAX_FORMULA_CHAIN = 64

_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"

_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
# any cell start that the fast pattern does not read: no ``r`` first, other whitespace, a prefix
_ODD_CELL = re.compile(rb'<c(?:[>/\t\n\r]| (?!r="))|<[A-Za-z_][\w.-]*:c[\s>/]')
_ATTR_T = re.compile(rb'\st="([a-zA-Z]+)"')
_F = re.compile(rb"<f(\s[^>]*?)?(?:/>|>(.*?)</f>)", re.S)
_V = re.compile(rb"<v(?:\s[^>]*)?>(.*?)</v>", re.S)
_V_EMPTY = re.compile(rb"<v(?:\s[^>]*)?/>")
_IS = re.compile(rb"<is>(.*?)</is>", re.S)
_T = re.compile(rb"<t(?:\s[^>]*)?>(.*?)</t>", re.S)
_RPH = re.compile(rb"<rPh\b.*?</rPh>", re.S)
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]{1,8}|#[0-9]{1,10}|amp|lt|gt|quot|apos);")
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


class ExcelError(str):
    """An Excel error value (``#N/A``, ``#DIV/0!``, ...) read from a cell."""


@dataclass(frozen=True, slots=True)
class RawCell:
    """One cell as stored: its type attribute, formula text, cached value and inline text."""

    type: str | None
    formula: str | None
    shared_index: str | None
    value: bytes | None
    inline: bytes | None


def column_index(letters: str) -> int:
    """1-based column number of column ``letters`` (``"A"`` -> 1, ``"AA"`` -> 27)."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def column_letter(index: int) -> str:
    """Column letters of 1-based column number ``index`` (27 -> ``"AA"``)."""
    out = ""
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


_REF = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]{1,7})$")


def split_ref(ref: str) -> tuple[str, int]:
    """Split an A1 reference (``"$L$16"``) into column letters and row number."""
    m = _REF.match(ref.upper())
    if not m:
        raise ValueError(f"not an A1 cell reference: {ref!r}")
    return m.group(1), int(m.group(2))


def _char(code: int) -> str:
    """The character of a reference; one XML cannot hold (out of range, a surrogate) becomes U+FFFD."""
    return chr(code) if 0 <= code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"


def _unescape(text: str) -> str:
    def entity(m: re.Match[str]) -> str:
        name = m.group(1)
        if name[0] == "#":
            return _char(int(name[2:], 16) if name[1] in "xX" else int(name[1:]))
        return _NAMED[name]

    if "&" in text:
        text = _ENTITY.sub(entity, text)
    if "_x" in text:
        text = _OOXML_ESCAPE.sub(lambda m: _char(int(m.group(1), 16)), text)
    return text


def _text_of(fragment: bytes) -> str:
    """Text of a ``<si>`` or ``<is>`` fragment: its ``<t>`` runs, phonetic runs left out."""
    if b"<rPh" in fragment:
        fragment = _RPH.sub(b"", fragment)
    return _unescape("".join(t.decode("utf-8") for t in _T.findall(fragment)))


class XlsxReader:
    """Read-only, lazily decoded view of the cells of an ``.xlsx`` file.

    Parameters
    ----------
    path : str or pathlib.Path
        The workbook. It is read once into memory and never written.

    Raises
    ------
    InputError
        When the file is missing, not a ZIP package, not a spreadsheet, or contains a DTD.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.file = self.path.name
        try:
            size = self.path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise InputError("the file is too large", file=str(path), expected=f"at most {MAX_FILE_BYTES} bytes",
                                 found=size)
            data = self.path.read_bytes()
        except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
            raise InputError(file=str(path), expected="a readable .xlsx file",
                             found=getattr(exc, "strerror", None) or str(exc) or type(exc).__name__) from exc
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise InputError(
                "not an .xlsx workbook (an .xls, an encrypted workbook or another kind of file?)",
                file=self.file,
                expected="an Office Open XML workbook (a ZIP package)",
                found=data[:8].hex(" ") if data else "an empty file",
            )
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError, OSError) as exc:
            raise InputError("not an .xlsx workbook: the ZIP package is damaged", file=self.file,
                             expected="a complete Office Open XML workbook", found=str(exc) or type(exc).__name__
                             ) from exc
        if len(self._zip.infolist()) > MAX_PARTS:
            raise InputError("the ZIP package has too many parts", file=self.file,
                             expected=f"at most {MAX_PARTS} parts", found=len(self._zip.infolist()))
        self._inflated = 0
        self._names = set(self._zip.namelist())
        self._cells: dict[str, dict[str, Any]] = {}
        self._scanned_cols: dict[str, frozenset[str] | None] = {}
        self._strings: list[bytes] | None = None
        self._decoded: dict[int, str] = {}
        self.date1904 = False
        self.sheet_paths = self._sheet_paths()

    # ------------------------------------------------------------------ package structure

    def _part(self, name: str) -> bytes:
        try:
            info = self._zip.getinfo(name)
        except KeyError:
            raise InputError(f"the workbook has no part '{name}'", file=self.file,
                             expected="a spreadsheet package", found="a package without it") from None
        if info.file_size > MAX_PART_BYTES:
            raise InputError(f"part '{name}' is too large once uncompressed", file=self.file,
                             expected=f"at most {MAX_PART_BYTES} bytes", found=info.file_size)
        data = self._inflate(info)
        try:
            data.decode("utf-8")  # every part Excel and LibreOffice write is UTF-8; the scanners rely on it
        except UnicodeDecodeError as exc:
            raise InputError(f"part '{name}' is not UTF-8 text (damaged?)", file=self.file,
                             expected="an intact .xlsx file (save it again from Excel or LibreOffice)",
                             found=f"undecodable bytes at byte {exc.start}") from None
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            raise InputError(f"part '{name}' declares a DTD or an entity (refused for safety)",
                             file=self.file, expected="plain XML without DTD", found="<!DOCTYPE ...>")
        return data

    def _inflate(self, info: zipfile.ZipInfo) -> bytes:
        """Inflate one part, at most :data:`MAX_PART_BYTES` produced, CRC checked (by reading to the end)."""
        name = info.filename
        try:
            with self._zip.open(info) as fh:
                data = fh.read(MAX_PART_BYTES + 1)
                if len(data) > MAX_PART_BYTES or fh.read(1):
                    raise InputError(f"part '{name}' is too large once uncompressed", file=self.file,
                                     expected=f"at most {MAX_PART_BYTES} bytes", found="more")
        except InputError:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError, RuntimeError,
                OSError) as exc:
            why = str(exc).split("\n")[0] or type(exc).__name__
            raise InputError(f"part '{name}' of the ZIP package is damaged (CRC or compressed data wrong, "
                             "encrypted, or an unknown compression)", file=self.file,
                             expected="an intact .xlsx file (save it again from Excel or LibreOffice)", found=why
                             ) from exc
        self._inflated += len(data)
        if self._inflated > MAX_INFLATED_BYTES:
            raise InputError("the parts read inflate to too many bytes", file=self.file,
                             expected=f"at most {MAX_INFLATED_BYTES} bytes in all", found=self._inflated)
        return data

    def _parse_small(self, name: str) -> Any:
        import defusedxml.ElementTree as DET

        data = self._part(name)
        try:
            depth = 0
            root = None
            for event, el in DET.iterparse(io.BytesIO(data), events=("start", "end")):
                if event == "end":
                    depth -= 1
                    root = el  # the last element closed is the root, with the whole tree under it
                    continue
                depth += 1
                if depth > MAX_XML_DEPTH:
                    raise InputError(f"part '{name}' is nested too deeply", file=self.file,
                                     expected=f"at most {MAX_XML_DEPTH} levels of XML", found=f"more than "
                                     f"{MAX_XML_DEPTH}")
            return root
        except Exception as exc:  # defusedxml raises several types for forbidden or bad XML
            if isinstance(exc, InputError):
                raise
            raise InputError(f"part '{name}' is not valid XML", file=self.file,
                             expected="well-formed XML", found=type(exc).__name__) from exc

    def _sheet_paths(self) -> dict[str, str]:
        if "xl/workbook.xml" not in self._names:
            wb_name = next((n for n in self._names if n.endswith("/workbook.xml")), None)
            if wb_name is None:
                raise InputError("not a spreadsheet: the package has no workbook part", file=self.file,
                                 expected="an Excel workbook (.xlsx)", found="another Office document")
        else:
            wb_name = "xl/workbook.xml"
        base = posixpath.dirname(wb_name)
        rels_name = posixpath.join(base, "_rels", posixpath.basename(wb_name) + ".rels")
        wb = self._parse_small(wb_name)
        pr = wb.find(f"{_MAIN_NS}workbookPr")
        if pr is not None and pr.get("date1904") in ("1", "true"):
            self.date1904 = True
        rels = self._parse_small(rels_name)
        targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_REL_NS}Relationship")}
        out: dict[str, str] = {}
        for sh in wb.iter(f"{_MAIN_NS}sheet"):
            target = targets.get(sh.get(f"{_REL_NS}id"), "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join(base, target))
            out[str(sh.get("name"))] = path
        return out

    @property
    def sheet_names(self) -> list[str]:
        """Names of the workbook's sheets, in workbook order."""
        return list(self.sheet_paths)

    # ------------------------------------------------------------------ shared strings

    def _shared_string(self, index: int) -> str:
        if index in self._decoded:
            return self._decoded[index]
        if self._strings is None:
            name = next((n for n in self._names if n.endswith("sharedStrings.xml")), None)
            raw = self._part(name) if name else b""
            if raw and not re.search(rb"</(?:[A-Za-z_][\w.-]*:)?sst>\s*$", raw[-256:]):
                raise InputError(f"part '{name}' (the shared strings) is truncated or damaged", file=self.file,
                                 expected="a complete workbook (save the file again)", found="no closing </sst>")
            # fragment k+1 after splitting at "<si" is shared string k ("<si>...</si>" or "<si/>")
            self._strings = raw.split(b"<si")[1:]
            if not self._strings and b"si>" in raw:  # prefixed elements: parse properly
                self._strings = _shared_strings_iterparse(raw)
        try:
            text = _text_of(self._strings[index].split(b"</si>", 1)[0])
        except IndexError:
            raise InputError("a cell refers to a shared string that does not exist", file=self.file,
                             expected=f"an index below {len(self._strings)}", found=index) from None
        self._decoded[index] = text
        return text

    # ------------------------------------------------------------------ cells

    def _scan(self, sheet: str, columns: Iterable[str] | None) -> dict[str, RawCell]:
        if sheet not in self.sheet_paths:
            raise InputError(file=self.file, sheet=sheet, expected="this sheet in the workbook",
                             found="no such sheet")
        data = self._part(self.sheet_paths[sheet])
        if not _END_OF_SHEET.search(data[-256:]):
            raise InputError("the worksheet's XML is truncated or damaged (it does not end with </worksheet>)",
                             file=self.file, sheet=sheet, expected="a complete worksheet (save the file again)",
                             found=f"{len(data)} bytes ending in {data[-20:].decode('utf-8', 'replace')!r}")
        n_cells = data.count(b"<c ") + data.count(b"<c>") + data.count(b":c ")
        if n_cells > MAX_CELLS:
            raise InputError("the worksheet holds too many cells", file=self.file, sheet=sheet,
                             expected=f"at most {MAX_CELLS} cells", found=n_cells)
        cols = sorted(set(columns), key=lambda c: (len(c), c)) if columns is not None else None
        cells: dict[str, RawCell | tuple[bytes, bytes | None]] = {}
        n_fast = 0
        if cols is None:
            pattern = _CELL
        else:
            alt = b"|".join(c.encode() for c in cols)
            pattern = re.compile(rb'<c r="((?:' + alt + rb')[0-9]{1,7})"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
        for ref, attrs, inner in pattern.findall(data):
            n_fast += 1
            cells[ref.decode()] = (attrs, inner)  # parsed when asked
        if _ODD_CELL.search(data) or (cols is None and n_fast != data.count(b'<c r="')):
            try:
                return dict(_scan_iterparse(data, cols))
            except InputError as exc:
                raise exc.located(file=self.file, sheet=sheet) from exc
            except Exception as exc:  # expat and defusedxml raise several types
                raise InputError("the worksheet is not valid XML", file=self.file, sheet=sheet,
                                 expected="well-formed XML", found=type(exc).__name__) from exc
        return cells  # type: ignore[return-value]

    def raw_cells(self, sheet: str, columns: Iterable[str] | None = None) -> dict[str, Any]:
        """Stored cells of ``sheet`` in ``columns`` (all when None), by A1 reference, undecoded."""
        have = self._scanned_cols.get(sheet, frozenset())
        if sheet in self._cells and (have is None or (columns is not None and set(columns) <= have)):
            return self._cells[sheet]
        want = None if columns is None else set(columns) | (have or set())
        self._cells[sheet] = self._scan(sheet, want)
        self._scanned_cols[sheet] = None if want is None else frozenset(want)
        return self._cells[sheet]

    def load(self, sheet: str, columns: Iterable[str] | None = None) -> None:
        """Scan the cells of ``sheet`` (only ``columns`` when given) ahead of :meth:`value` calls."""
        self.raw_cells(sheet, columns)

    def _raw(self, sheet: str, ref: str) -> RawCell | None:
        cells = self._cells.get(sheet)
        have = self._scanned_cols.get(sheet, frozenset())
        if cells is None or (have is not None and ref.rstrip("0123456789") not in have):
            cells = self.raw_cells(sheet, [split_ref(ref)[0]])
        raw = cells.get(ref)
        if isinstance(raw, tuple):
            raw = cells[ref] = _raw_cell(*raw)
        return raw

    def is_blank(self, sheet: str, ref: str) -> bool:
        """True when the cell stores neither a value nor a formula."""
        raw = self._raw(sheet, ref)
        return raw is None or (raw.value is None and raw.inline is None and raw.formula is None
                               and raw.shared_index is None)

    def cached(self, sheet: str, ref: str) -> tuple[bool, Any, str | None]:
        """The stored content of one cell: ``(has_value, value, formula)``.

        ``value`` is the constant, or the cached result of a formula (None when the file has
        no cached result, e.g. after a save by openpyxl); ``formula`` is the formula text
        without the leading ``=`` (None for constants).
        """
        raw = self._raw(sheet, ref)
        if raw is None:
            return True, None, None
        if raw.value is not None or raw.inline is not None:
            try:
                return True, self._decode(raw), raw.formula
            except InputError as exc:
                raise exc.located(file=self.file, sheet=sheet, cell=ref) from exc
        formula = raw.formula
        if formula is None and raw.shared_index is not None:
            formula = self._shared_formula(sheet, ref, raw.shared_index) or ""
        if formula is None:
            return True, None, None
        return False, None, formula

    def _decode(self, raw: RawCell) -> Any:
        t = raw.type or "n"
        if t == "inlineStr":
            return _text_of(raw.inline or b"")
        v = (raw.value or b"").decode("utf-8")
        if t == "s":
            if not v.strip().isdigit():
                raise InputError("a cell refers to a shared string by an index that is not a whole number >= 0",
                                 file=self.file, expected="a shared-string index", found=v)
            return self._shared_string(int(v))
        if t == "b":
            return v.strip() in ("1", "true")
        if t in ("str", "e"):
            text = _unescape(v)
            return ExcelError(text) if t == "e" else text
        if t == "d":
            try:
                return _dt.datetime.fromisoformat(v)
            except ValueError:
                return _unescape(v)
        try:
            number = float(v)
        except ValueError:
            return _unescape(v)
        return _checked_number(number, v, self.file)

    def _shared_formula(self, sheet: str, ref: str, si: str) -> str | None:
        """Text of a shared formula at ``ref``, translated from its master cell."""
        from openpyxl.formula.translate import Translator

        for mref in list(self.raw_cells(sheet, None)):
            raw = self._raw(sheet, mref)
            if raw is not None and raw.shared_index == si and raw.formula is not None:  # the master
                return Translator("=" + raw.formula, origin=mref).translate_formula(ref)[1:]
        return None

    def value(self, sheet: str, ref: str, *, evaluate: bool = True) -> Any:
        """Value of one cell: constant, cached formula result, or a simple formula evaluated.

        Parameters
        ----------
        sheet : str
            Sheet name.
        ref : str
            A1 reference.
        evaluate : bool, default True
            Evaluate a formula without cached value with :func:`evaluate_formula`.

        Returns
        -------
        None, float, str, bool, datetime.datetime or ExcelError

        Raises
        ------
        InputError
            For a formula without cached value that cannot be evaluated.
        """
        try:
            return self._value(sheet, ref, evaluate, ())
        except InputError as exc:
            raise exc.located(file=self.file, sheet=sheet, cell=ref) from exc

    def _value(self, sheet: str, ref: str, evaluate: bool, stack: tuple[tuple[str, str], ...]) -> Any:
        has, val, formula = self.cached(sheet, ref)
        if has or not evaluate:
            return val
        if (sheet, ref) in stack:
            raise InputError("circular reference between input formulas", file=self.file, sheet=sheet,
                             cell=ref, expected="a formula that does not refer to itself",
                             found="=" + (formula or ""))
        inner = stack + ((sheet, ref),)
        if len(inner) > MAX_FORMULA_CHAIN:
            top_sheet, top_ref = inner[0]
            raise _ChainTooLong(f"more than {MAX_FORMULA_CHAIN} input formulas without cached value refer to one "
                                f"another (through {sheet}!{ref})", file=self.file, sheet=top_sheet, cell=top_ref,
                                expected="numbers, or formulas saved with their values by Excel or LibreOffice",
                                found=f"a chain of more than {MAX_FORMULA_CHAIN} formulas")
        try:
            return evaluate_formula(
                formula or "",
                lambda s, r: self._value(s or sheet, r, True, inner),
                file=self.file,
                sheet=sheet,
                cell=ref,
            )
        except _ChainTooLong:
            raise
        except InputError as exc:
            if (exc.sheet, exc.cell) == (sheet, ref):
                raise
            raise InputError(
                f"the input cell holds a formula without a cached value that refers to "
                f"{exc.sheet}!{exc.cell}, which cbamcalc cannot evaluate; open and save the workbook in "
                "Excel or LibreOffice, or type the number",
                file=self.file, sheet=sheet, cell=ref,
                expected="a number, or a formula of numbers and cells holding numbers",
                found="=" + (formula or ""),
            ) from exc

    def date(self, value: Any) -> _dt.date | None:
        """A date from a cell value (Excel serial number, datetime or ISO text)."""
        if value is None or value == "":
            return None
        if isinstance(value, _dt.datetime):
            return value.date()
        if isinstance(value, _dt.date):
            return value
        if isinstance(value, float):
            base = _dt.datetime(1904, 1, 1) if self.date1904 else _dt.datetime(1899, 12, 30)
            return (base + _dt.timedelta(days=value)).date()
        return _dt.date.fromisoformat(str(value)[:10])


#: Characters XML 1.0 (and so any .xlsx) cannot hold: C0 controls other than tab, newline and return,
#: U+FFFE, U+FFFF and lone surrogates. The readers refuse them in cells; writers escape them.
UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def storable_text(text: str) -> str:
    r"""``text`` with the characters an .xlsx cannot hold (C0 controls but tab, newline, return) as ``\xNN``.

    For text a writer puts into a workbook that did not come through a reader's checks (a file
    name, a message); the readers refuse such characters in cells.

    Examples
    --------
    >>> storable_text("pl\x01ant.xlsx")
    'pl\\x01ant.xlsx'
    """
    if not UNSTORABLE.search(text):
        return text
    return UNSTORABLE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else
                           f"\\u{ord(m.group()):04x}", text)


class _ChainTooLong(InputError):
    """A chain of formulas too long to follow: reported once, at the cell asked for."""


_END_OF_SHEET = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?worksheet>\s*$")


def _checked_number(number: float, text: Any, file: str | None = None) -> float:
    """``number`` if finite and at most :data:`MAX_MAGNITUDE` in size, else an :class:`InputError`."""
    if not math.isfinite(number):
        raise InputError(file=file, expected="a finite number", found=str(text))
    if abs(number) > MAX_MAGNITUDE:
        raise InputError(file=file, expected=f"a number of at most {MAX_MAGNITUDE:g} in size", found=str(text))
    return number


def _raw_cell(attrs: bytes, inner: bytes | None) -> RawCell:
    tm = _ATTR_T.search(attrs)
    t = tm.group(1).decode() if tm else None
    formula = shared = None
    value = inline = None
    if inner:
        fm = _F.search(inner)
        if fm:
            fattrs = fm.group(1) or b""
            if b't="shared"' in fattrs:
                sm = re.search(rb'si="([0-9]+)"', fattrs)
                shared = sm.group(1).decode() if sm else None
            body = fm.group(2)
            formula = _unescape(body.decode("utf-8")) if body is not None and body.strip() else None
            if formula is None and shared is None:
                formula = ""
        vm = _V.search(inner)
        if vm:
            value = vm.group(1)
        elif _V_EMPTY.search(inner) and t == "str":
            value = b""
        if value == b"" and formula is not None and t != "str":
            value = None  # openpyxl writes an empty <v/> for formulas it could not compute
        if t == "inlineStr":
            im = _IS.search(inner)
            inline = im.group(1) if im else b""
    return RawCell(t, formula, shared, value, inline)


def _scan_iterparse(data: bytes, cols: list[str] | None) -> dict[str, RawCell]:
    """Slow path: cells through defusedxml's iterparse (any prefix, cells without ``r``)."""
    import defusedxml.ElementTree as DET

    wanted = set(cols) if cols is not None else None
    cells: dict[str, RawCell] = {}
    row_no = 0
    col_no = 0
    depth = 0
    for event, el in DET.iterparse(io.BytesIO(data), events=("start", "end")):
        if event == "start":
            depth += 1
            if depth > MAX_XML_DEPTH:
                raise InputError("the worksheet's XML is nested too deeply", expected=f"at most {MAX_XML_DEPTH} "
                                 "levels", found=f"more than {MAX_XML_DEPTH}")
            continue
        depth -= 1
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "c":
            ref = el.get("r")
            if ref:
                col, row_no = split_ref(ref)
                col_no = column_index(col)
            else:
                col_no += 1
                col = column_letter(col_no)
                ref = f"{col}{row_no}"
            if wanted is None or col in wanted:
                t = el.get("t")
                formula = shared = None
                value = inline = None
                for child in el:
                    ctag = child.tag.rsplit("}", 1)[-1]
                    if ctag == "f":
                        if child.get("t") == "shared":
                            shared = child.get("si")
                        formula = child.text if child.text and child.text.strip() else (
                            None if shared is not None else "")
                    elif ctag == "v":
                        value = (child.text or "").encode("utf-8")
                    elif ctag == "is":
                        inline = "".join(
                            f"<t>{_xml_escape(x.text or '')}</t>"
                            for x in child.iter() if x.tag.rsplit("}", 1)[-1] == "t"
                        ).encode("utf-8")
                if value is not None and t not in ("s", "b", "e", "d", "inlineStr"):
                    value = _xml_escape(value.decode("utf-8")).encode("utf-8")
                elif value is not None and t in ("str", "e"):
                    value = _xml_escape(value.decode("utf-8")).encode("utf-8")
                cells[ref] = RawCell(t, formula, shared, value, inline)
            el.clear()
        elif tag == "row":
            r = el.get("r")
            row_no = int(r) if r else row_no + 1
            col_no = 0
            el.clear()
    return cells


def _shared_strings_iterparse(raw: bytes) -> list[bytes]:
    """Slow path: shared strings through defusedxml, re-encoded as plain ``<t>`` fragments."""
    import defusedxml.ElementTree as DET

    out: list[bytes] = []
    for si in DET.fromstring(raw):
        if si.tag.rsplit("}", 1)[-1] != "si":
            continue
        texts = [x.text or "" for x in si.iter() if x.tag.rsplit("}", 1)[-1] == "t"
                 and not any(p.tag.endswith("rPh") for p in si.iter() if x in list(p))]
        out.append(("<t>" + _xml_escape("".join(texts)) + "</t>").encode("utf-8"))
    return out


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ---------------------------------------------------------------------------- formulas

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
      | (?P<ref>(?:(?:'(?:[^']|'')+'|[A-Za-z_][\w.&]*)!)?\$?[A-Za-z]{1,3}\$?\d{1,7}(?![\w(]))
      | (?P<bool>(?:TRUE|FALSE)(?:\(\))?)
      | (?P<op>[-+*/^()%])
    )""",
    re.X | re.I,
)


def evaluate_formula(
    formula: str,
    lookup: Callable[[str | None, str], Any],
    *,
    file: str | None = None,
    sheet: str | None = None,
    cell: str | None = None,
) -> float | bool:
    """Evaluate a simple formula: numbers, cell references, ``+ - * / ^ %``, parentheses.

    Used only for input cells that hold a formula but no cached value (files saved by
    openpyxl or another library). ``TRUE()``/``FALSE()`` (LibreOffice's booleans) and
    references to other sheets (``'C_Emissions&Energy'!H32``) are understood; anything
    else (functions, ranges, text) raises an error naming the cell.

    Parameters
    ----------
    formula : str
        Formula text, with or without the leading ``=``.
    lookup : callable
        ``lookup(sheet_or_None, "A1")`` returns the value of a referenced cell.
    file, sheet, cell : str, optional
        Where the formula is, for error messages.

    Returns
    -------
    float or bool

    Raises
    ------
    InputError
        When the formula is not of that simple form, or a referenced value is not a number.

    Examples
    --------
    >>> evaluate_formula("=1255000/0.95*(2-1)", lambda s, r: None)
    1321052.6315789474
    >>> evaluate_formula("=TRUE()", lambda s, r: None)
    True
    """
    text = formula[1:] if formula.startswith("=") else formula
    depth = 0

    def fail(why: str) -> InputError:
        return InputError(
            f"the input cell holds a formula without a cached value that cbamcalc cannot evaluate "
            f"({why}); open and save the workbook in Excel or LibreOffice, or type the number",
            file=file, sheet=sheet, cell=cell,
            expected="a number, or a formula of numbers, cell references and + - * /",
            found="=" + (text if len(text) <= 60 else text[:60] + "..."),
        )

    if len(text) > MAX_FORMULA_CHARS:
        raise fail(f"longer than Excel's {MAX_FORMULA_CHARS} characters")
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise fail(f"unsupported part {text[pos:pos + 20]!r}")
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    if not tokens:
        raise fail("empty formula")

    if len(tokens) == 1 and tokens[0][0] == "bool":
        return tokens[0][1].upper().startswith("TRUE")

    i = 0

    def peek() -> tuple[str, str] | None:
        return tokens[i] if i < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal i
        tok = tokens[i]
        i += 1
        return tok

    def number(v: Any, what: str) -> float:
        if v is None or v == "":
            return 0.0
        if isinstance(v, bool):
            return 1.0 if v else 0.0
        if isinstance(v, int | float):
            return float(v)
        raise fail(f"{what} holds {v!r}, not a number")

    def atom() -> float:
        nonlocal depth
        depth += 1
        if depth > MAX_FORMULA_DEPTH:
            raise fail(f"nested more than {MAX_FORMULA_DEPTH} levels deep")
        try:
            return _atom()
        finally:
            depth -= 1

    def _atom() -> float:
        tok = peek()
        if tok is None:
            raise fail("unexpected end")
        kind, val = take()
        if kind == "num":
            return float(val)
        if kind == "bool":
            return 1.0 if val.upper().startswith("TRUE") else 0.0
        if kind == "ref":
            ref_sheet: str | None = None
            ref = val
            if "!" in val:
                ref_sheet, ref = val.rsplit("!", 1)
                if ref_sheet.startswith("'"):
                    ref_sheet = ref_sheet[1:-1].replace("''", "'")
            ref = ref.replace("$", "").upper()
            return number(lookup(ref_sheet, ref), f"{ref_sheet + '!' if ref_sheet else ''}{ref}")
        if val == "(":
            v = expr()
            if peek() != ("op", ")"):
                raise fail("unbalanced parentheses")
            take()
            return v
        if val in "+-":
            v = atom()  # Excel: negation binds tighter than ^ (=-2^2 is 4)
            return -v if val == "-" else v
        raise fail(f"unexpected {val!r}")

    def postfix() -> float:
        v = atom()
        while peek() == ("op", "%"):
            take()
            v /= 100.0
        return v

    def power() -> float:
        v = postfix()
        while peek() == ("op", "^"):
            take()
            v = v ** postfix()
        return v

    def term() -> float:
        v = power()
        while peek() in (("op", "*"), ("op", "/")):
            op = take()[1]
            rhs = power()
            if op == "*":
                v *= rhs
            else:
                if rhs == 0:
                    raise fail("division by zero")
                v /= rhs
        return v

    def expr() -> float:
        v = term()
        while peek() in (("op", "+"), ("op", "-")):
            op = take()[1]
            rhs = term()
            v = v + rhs if op == "+" else v - rhs
        return v

    try:
        result = expr()
    except OverflowError:
        raise fail("a number too large") from None
    if i != len(tokens):
        raise fail(f"unexpected {tokens[i][1]!r}")
    if not math.isfinite(result) or abs(result) > MAX_MAGNITUDE:
        raise fail(f"the result {result:g} is not a finite number of at most {MAX_MAGNITUDE:g} in size")
    return result

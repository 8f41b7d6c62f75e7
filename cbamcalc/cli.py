"""The ``cbamcalc`` command line: a thin adapter over the library.

Each sub-command lives in ``cbamcalc/commands/<name>.py`` with two functions:
``add_parser(subparsers)`` and ``run(args) -> int``. Command modules are imported only
when needed, so ``cbamcalc --help`` stays light (no pandas import for help).

A :class:`~cbamcalc.errors.CbamError` becomes one line on stderr and exit status 2;
``--debug`` shows the traceback instead. The line is escaped (:func:`one_line`): a newline, an
escape sequence or a bidirectional override in a file name cannot break it or forge another.
Argument errors of argparse are one line too (exit 2).

Command-line values are named by the flag the user typed. A command module may declare
``FLAG_OF_FIELD = {"price": "--price", ...}``: an :class:`~cbamcalc.errors.InputError` whose
``field`` is a key is printed with the flag instead (the library names its parameters, the CLI
its flags).

Any other exception is a bug of cbamcalc: one line naming it, exit 1 (``--debug`` for the
traceback).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .errors import CbamError, InputError

#: sub-command name -> (module under cbamcalc.commands, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("run", "compute SEE per process and per good from an installation workbook"),
    "defaults": ("defaults", "look up the EU default value of a CN code for a country and year"),
    "data": ("data", "list the reference tables, their versions and sources"),
    "cost": ("cost", "CBAM certificates and cost per year, 2026-2034, in EUR and THB"),
    "template": ("template", "create a cbamcalc input workbook (English/Thai)"),
    "export-communication": ("export_communication", "fill the EU Communication template from an input file"),
    "exposure": ("exposure", "sector exposure model over trade flows, scenarios and Monte Carlo"),
    "serve": ("serve", "the web page for exporters: upload a workbook, see and download the results "
                       "(Thai/English)"),
    "report": ("report", "the operator's emissions report and summary (IR 2025/2547 Annex IV) with the SEFA of "
                         "every good"),
}


def one_line(text: str) -> str:
    r"""``text`` on one printable line: control and format characters escaped (``\n``, ``\x1b``, ``\u202e``)."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable():
            out.append(ch)
        elif ch in "\n\r\t":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch])
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)


class _VersionAction(argparse.Action):
    """``--version``: reads the installed distribution's metadata only when asked (importlib.metadata is slow)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        from ._version import __version__

        sys.stdout.write(f"cbamcalc {__version__}\n")
        parser.exit(0)


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line (``cbamcalc run: error: argument --price: ...``), exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{one_line(self.prog)}: error: {one_line(message)} (see '{one_line(self.prog)} --help')\n")


def with_flags(exc: CbamError, module: object) -> CbamError:
    """The error with its internal field name replaced by the flag (``FLAG_OF_FIELD`` of the command)."""
    flags = getattr(module, "FLAG_OF_FIELD", None) or {}
    if isinstance(exc, InputError) and exc.field in flags:
        if exc.file:  # a value of a file chosen by the flag (--sheet of FLOWS): the file's place stays
            return exc.replaced(field=flags[exc.field])
        # a command-line value: the library's row of its one-row table means nothing to the user
        return exc.replaced(field=flags[exc.field], sheet=None, cell=None, row=None, column=None)
    return exc


def _available() -> dict[str, tuple[str, str]]:
    import importlib.util

    out = {}
    for name, (module, helptext) in COMMANDS.items():
        if importlib.util.find_spec(f"cbamcalc.commands.{module}") is not None:
            out[name] = (module, helptext)
    return out


def build_parser(selected: str | None = None) -> argparse.ArgumentParser:
    """Build the argument parser; only the selected command's module is imported.

    With a known command selected, only its sub-parser is built (a single look-up should not pay
    for the others); otherwise every command is listed, for help and for the error naming them.
    """
    parser = _Parser(
        prog="cbamcalc",
        description="Embedded emissions and EU CBAM cost of goods, per the Commission's templates and acts.",
    )
    parser.add_argument("--version", action=_VersionAction)
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    if selected in COMMANDS:
        module, helptext = COMMANDS[selected]
        importlib.import_module(f"cbamcalc.commands.{module}").add_parser(sub, selected, helptext)
        return parser
    for name, (_, helptext) in _available().items():
        sub.add_parser(name, help=helptext, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cbamcalc`` command; returns the exit status."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    selected = next((a for a in args_list if not a.startswith("-")), None)
    parser = build_parser(selected)
    args = parser.parse_args(args_list)
    if not args.command:
        parser.print_help()
        return 0
    module = importlib.import_module(f"cbamcalc.commands.{COMMANDS[args.command][0]}")
    try:
        return int(module.run(args) or 0)
    except CbamError as exc:
        if args.debug:
            raise
        print(f"cbamcalc {args.command}: error: {one_line(str(with_flags(exc, module)))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover
        print("cbamcalc: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: one line, the traceback with --debug
        if args.debug:
            raise
        print(f"cbamcalc {args.command}: internal error: {type(exc).__name__}: {one_line(str(exc))[:500]} "
              "(a bug in cbamcalc; run again with --debug for the traceback and report it)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""Every library call of the web page runs here: in a child process, in a private folder, with a time cap.

Why a child process per request
-------------------------------
* **A time cap that holds.** A thread cannot be stopped; a process can. A job that runs
  longer than its cap is killed and the request gets a clear error.
* **Nothing shared between requests.** Each job is a fresh fork of a server process that
  has imported cbamcalc and loaded its reference tables (``forkserver`` with
  :mod:`cbamcalc.web._preload`), so a job starts in about 20 ms and cannot see another
  job's data. The commands catch warnings with :func:`warnings.catch_warnings`, which is
  not thread-safe: one job per process keeps each run's warnings its own.
* **Nothing logged.** The child's stdout and stderr go to ``/dev/null``.

The folder
----------
:func:`run_job` makes a private temporary folder (``mkdtemp``: mode 0700, a random name),
writes the upload into it under a harmless file name (:func:`safe_name`), lets the child
write its output there, reads the output back and removes the folder, also when the child
failed or was killed. The child calls the command modules exactly as ``cbamcalc`` does: the
arguments are parsed by :func:`cbamcalc.cli.build_parser`, so the CLI's checks apply
unchanged, and no second calculation exists.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

__all__ = ["JobError", "JobOutput", "TASKS", "run_job", "safe_name", "start_job_server"]

#: A file name of the upload: letters (any script), digits, space, dot, dash, underscore, parentheses.
_UNSAFE = re.compile(r"[^\w .()-]", re.UNICODE)
_MAX_NAME = 100


def safe_name(filename: str | None, default: str = "upload.xlsx") -> str:
    """A harmless file name for an upload: the last path part, odd characters replaced, no leading dot.

    The name appears in messages and in the results (as ``source_file``, as ``cbamcalc run``
    shows it); it never chooses a folder. ``"../../x.xlsx"`` gives ``"x.xlsx"``.
    """
    name = unicodedata.normalize("NFC", str(filename or ""))
    name = PureWindowsPath(PurePosixPath(name).name).name
    name = _UNSAFE.sub("_", name).strip().lstrip(".")
    if len(name) > _MAX_NAME:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[: _MAX_NAME - len(suffix) - 1] + dot + suffix) if dot and len(suffix) <= 10 else name[:_MAX_NAME]
    return name or default


class JobError(Exception):
    """A job ended without a result: ``status`` is the HTTP status to answer, ``message`` the one line to show.

    ``details`` holds the location fields of an :class:`~cbamcalc.errors.InputError` (file, sheet,
    cell, row, column, field, expected, found) so the page can set them out in its language.
    """

    def __init__(self, message: str, status: int = 400, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.details = details or {}


@dataclass
class JobOutput:
    """What a job gives back: a JSON-ready value and the bytes of the file it wrote, if any."""

    value: Any
    file_bytes: bytes | None = None
    file_name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------- the tasks (run in the child)


def _parse(command: str, argv: list[str]) -> Any:
    """Parse ``cbamcalc COMMAND argv`` as the CLI does; an argparse refusal becomes its one-line message."""
    from ..cli import build_parser
    from ..errors import InputError

    parser = build_parser(command)
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            return parser.parse_args([command, *argv])
    except SystemExit:
        lines = [ln for ln in err.getvalue().splitlines() if ln.strip()]
        text = lines[-1] if lines else "invalid arguments"
        raise InputError(text.split("error: ", 1)[-1]) from None


def _task_run(params: dict[str, Any], folder: Path) -> JobOutput:
    """``cbamcalc run FILE --json`` and, for the page, the cost of the exports and the default values."""
    from ..commands import run as run_command

    args = _parse("run", [str(folder / params["file"]), "--json"])
    outcome = run_command.compute(args)
    payload = outcome.result.to_dict()
    extra: dict[str, Any] = {}
    if params.get("page"):
        extra = _page_extras(outcome)
    return JobOutput(payload, extra=extra)


def _page_extras(outcome: Any) -> dict[str, Any]:
    """What the results page shows beside the run's JSON: the cost by year, the default values of the country.

    The default value of each good is :func:`cbamcalc.default_values.default_value` for the
    installation's country and 2026 (the year the results workbook compares with); the cost
    rows are the run's own cost frame (``cbamcalc run`` on the workbook's exports).
    """
    from ..default_values import default_value
    from ..errors import CbamError

    country = outcome.installation.country
    defaults: list[dict[str, Any] | None] = []
    for _, row in outcome.result.products.iterrows():
        try:
            dv = default_value(str(row["cn_code"]), country, 2026).as_dict() if country else None
        except CbamError:
            dv = None
        defaults.append(None if dv is None else {k: _plain(dv.get(k)) for k in (
            "direct", "indirect", "total", "value_with_markup", "markup_rate", "route", "source", "fallback")})
    cost: list[dict[str, Any]] = []
    if outcome.cost is not None:
        keep = ("year", "good", "label", "tonnes", "see_used", "see_basis", "certificates", "price_eur", "cost_eur",
                "eur_thb", "cost_thb", "price_basis", "eur_thb_source")
        cost = [{k: _plain(rec.get(k)) for k in keep} for rec in outcome.cost.to_dict("records")]
    return {"kind": outcome.kind, "country": country, "defaults": defaults, "default_year": 2026, "cost": cost}


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def _task_results(params: dict[str, Any], folder: Path) -> JobOutput:
    """``cbamcalc run FILE --out results.xlsx --lang LANG``: the results workbook's bytes."""
    from ..commands import run as run_command

    out = folder / "out" / "cbamcalc_results.xlsx"
    out.parent.mkdir()
    args = _parse("run", [str(folder / params["file"]), "--out", str(out), "--lang", params.get("lang", "en")])
    run_command.save_results(run_command.compute(args), args)
    return JobOutput(None, out.read_bytes(), _output_name(params["file"], "results"))


def _task_communication(params: dict[str, Any], folder: Path) -> JobOutput:
    """``cbamcalc export-communication FILE --out filled.xlsx``: the filled EU template's bytes."""
    import warnings

    from ..io.communication_writer import export_communication, extras_from_input, template_extras
    from ..io.exporter_workbook import detect_format, read_input_workbook

    src = folder / params["file"]
    out = folder / "out" / "communication.xlsx"
    out.parent.mkdir()
    args = _parse("export-communication", [str(src), "--out", str(out)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if detect_format(args.input) == "cbamcalc":
            data = read_input_workbook(args.input)
            installation = data.installation
            details, routes = extras_from_input(data)
        else:
            from ..io.communication_template import read_communication_template

            installation = read_communication_template(args.input, allow_other_versions=args.allow_other_versions)
            details, routes = template_extras(args.input)
        export_communication(installation, args.out, details=details, routes=routes, input_path=args.input)
    return JobOutput(None, out.read_bytes(), _output_name(params["file"], "EU_communication"))


def _task_report(params: dict[str, Any], folder: Path) -> JobOutput:
    """``cbamcalc report FILE --out report.xlsx --lang LANG [--year YEAR]``: the operator's report workbook's bytes."""
    from ..commands import report as report_command

    out = folder / "out" / "operator_report.xlsx"
    out.parent.mkdir()
    argv = [str(folder / params["file"]), "--out", str(out), "--lang", params.get("lang", "en")]
    if params.get("year"):
        argv.append(f"--year={params['year']}")
    report_command.run(_parse("report", argv))
    return JobOutput(None, out.read_bytes(), _output_name(params["file"], "operator_report"))


def _task_blank_workbook(params: dict[str, Any], folder: Path) -> JobOutput:
    """``cbamcalc template new PATH --lang LANG``: a blank cbamcalc input workbook's bytes."""
    from ..io.exporter_workbook import write_input_workbook

    args = _parse("template", ["new", str(folder / "plant.xlsx"), "--lang", params.get("lang", "en")])
    write_input_workbook(args.path, lang=args.lang)
    return JobOutput(None, Path(args.path).read_bytes(), f"cbamcalc_plant_{args.lang}.xlsx")


def _task_defaults(params: dict[str, Any], folder: Path) -> JobOutput:
    """``cbamcalc defaults ... --json``."""
    from ..commands import defaults

    return JobOutput(defaults.json_payload(_parse("defaults", [*params["argv"], "--json"])))


def _task_cost(params: dict[str, Any], folder: Path) -> JobOutput:
    """``cbamcalc cost ... --json``."""
    from ..commands import cost

    return JobOutput(cost.json_payload(_parse("cost", [*params["argv"], "--json"])))


def _output_name(upload: str, what: str) -> str:
    stem = PurePosixPath(upload).stem or "cbamcalc"
    return f"{stem}_{what}.xlsx"


#: task name -> function(params, folder) -> JobOutput, run in the child process
TASKS = {
    "run": _task_run,
    "results": _task_results,
    "communication": _task_communication,
    "report": _task_report,
    "blank_workbook": _task_blank_workbook,
    "defaults": _task_defaults,
    "cost": _task_cost,
}

_LOCATION = ("file", "sheet", "cell", "row", "column", "field", "expected", "found")

#: Task -> the command module whose FLAG_OF_FIELD names a field as the CLI does (same one line).
_COMMAND_OF_TASK = {"run": "run", "results": "run", "communication": "export_communication", "report": "report",
                    "defaults": "defaults", "cost": "cost"}


def _as_cli(exc: Any, task: str) -> Any:
    """The error as the CLI prints it: internal field names replaced by the command's flags."""
    import importlib

    from ..cli import with_flags

    name = _COMMAND_OF_TASK.get(task)
    return with_flags(exc, importlib.import_module(f"cbamcalc.commands.{name}")) if name else exc


def _child(conn: Any, task: str, params: dict[str, Any], folder: str) -> None:
    """Child process: silence stdout/stderr, run the task, send ``(kind, value)`` back."""
    import warnings

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    warnings.simplefilter("ignore")  # the commands record their own warnings; nothing reaches stderr
    from ..errors import CbamError, InputError

    try:
        out = TASKS[task](params, Path(folder))
        conn.send(("ok", out))
    except InputError as exc:
        exc = _as_cli(exc, task)
        details = {k: getattr(exc, k) for k in _LOCATION if getattr(exc, k, None) not in (None, "")}
        details = {k: v if isinstance(v, (int, float, str)) else str(v) for k, v in details.items()}
        conn.send(("error", (str(exc), details)))
    except CbamError as exc:
        conn.send(("error", (str(_as_cli(exc, task)), {})))
    except Exception as exc:  # a bug: say so without a traceback or any of the input
        conn.send(("crash", type(exc).__name__))
    finally:
        conn.close()


# ---------------------------------------------------------------------------- the parent side


def _context() -> Any:
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["cbamcalc.web._preload"])
        return ctx
    return multiprocessing.get_context("spawn")  # pragma: no cover - Windows


def start_job_server() -> None:
    """Start the job server now (imports and reference tables loaded once), not at the first request."""
    ctx = _context()
    if ctx.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def run_job(task: str, params: dict[str, Any] | None = None, *, upload: bytes | None = None,
            filename: str | None = None, timeout: float = 60.0) -> JobOutput:
    """Run one task in a child process, in a private temporary folder removed afterwards.

    Parameters
    ----------
    task : str
        A key of :data:`TASKS`.
    params : dict, optional
        The task's parameters (plain data).
    upload : bytes, optional
        The uploaded file; written into the folder under :func:`safe_name` of ``filename``.
    timeout : float, default 60
        Longest run of the child [s]; then it is killed.

    Raises
    ------
    JobError
        The library refused the input (status 400, the CLI's one-line message), the job ran out
        of time (status 400) or failed unexpectedly (status 500).
    """
    params = dict(params or {})
    folder = tempfile.mkdtemp(prefix="cbamcalc-web-")
    try:
        if upload is not None:
            name = safe_name(filename)
            with open(os.path.join(folder, name), "xb") as fh:
                fh.write(upload)
            params["file"] = name
        ctx = _context()
        receiver, sender = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(sender, task, params, folder), daemon=True)
        proc.start()
        sender.close()
        try:
            if not receiver.poll(timeout):
                raise JobError(f"the calculation took longer than {timeout:g} s and was stopped; "
                               "the file may be too large for this server", status=400)
            try:
                kind, value = receiver.recv()
            except EOFError:
                raise JobError("the calculation stopped unexpectedly (internal error)", status=500) from None
        finally:
            if proc.is_alive():
                proc.kill()
            proc.join()
            receiver.close()
        if kind == "ok":
            return value  # type: ignore[no-any-return]
        if kind == "error":
            message, details = value
            raise JobError(message, status=400, details=details)
        raise JobError(f"internal error ({value}); please report it with the input that caused it", status=500)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

"""The web application: one page in Thai or English, and a JSON API that returns what the CLI prints.

Routes
------
=========================  ==================================================================
``GET /``                  the page (``?lang=th`` or ``en``); with ``?cn=&country=&year=&tonnes=``
                           also the quick look-up (default value and cost of a CN code)
``POST /``                 upload (multipart field ``file``): the page with the results or the error
``GET /download/workbook``  a blank cbamcalc input workbook (``?lang=en|th|both``)
``GET /download/eu-template``  the Commission's blank Communication template v2.1.1
``POST /download/results``  the results workbook of the file sent with the request
``POST /download/communication``  the filled EU Communication template of the file sent
``POST /api/run``          ``cbamcalc run FILE --json`` (multipart field ``file``)
``GET /api/defaults``      ``cbamcalc defaults --json`` (``cn``, ``country``, ``year``, ``version``, ``variant``)
``GET /api/cost``          ``cbamcalc cost --json`` (``cn``, ``country``, ``tonnes``, ``years`` and the
                           other flags of ``cbamcalc cost`` that take no file)
=========================  ==================================================================

Errors of the API are HTTP 400 with ``{"error": "<the CLI's one-line message>"}`` (413 for an
upload over the size cap, 503 when the server is busy). Nothing is stored between requests: a
download carries its own upload (the results page holds the uploaded file in the download
forms, so the server keeps nothing); every library call runs in :func:`cbamcalc.web.jobs.run_job`.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import json
import math
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import anyio
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import __version__
from .chart import stacked_columns
from .jobs import JobError, JobOutput, run_job, safe_name

__all__ = ["WebConfig", "create_app"]

LANGS = ("en", "th")
#: query parameters of ``/api/defaults`` and the flags they become
DEFAULTS_PARAMS = {"cn": "--cn", "country": "--country", "year": "--year", "version": "--version",
                   "variant": "--variant"}
#: query parameters of ``/api/cost``: the flags of ``cbamcalc cost`` that name no file
COST_PARAMS = {k: "--" + k.replace("_", "-") for k in (
    "cn", "country", "tonnes", "see_direct", "see_indirect", "route", "variant", "default_route", "actual_share",
    "clinker_content", "years", "quarter", "price", "price_scenario", "eur_thb", "origin_price", "origin_share",
    "origin_rebate", "cscf")} | {"version": "--version"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
                               "base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class WebConfig:
    """Limits of the server.

    Attributes
    ----------
    max_upload_bytes : int
        Largest uploaded file [bytes] (a request may be a third larger: base64 and form fields).
    timeout : float
        Longest processing of one request [s]; the job is killed after it.
    workers : int
        Jobs that run at the same time (child processes); more requests wait.
    max_waiting : int
        Requests that may wait for a worker; beyond that the server answers 503.
    """

    max_upload_bytes: int = 16 * 1024 * 1024
    timeout: float = 60.0
    workers: int = 2
    max_waiting: int = 100


class _Refused(Exception):
    """A request refused before any job: HTTP status and one line."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


# ---------------------------------------------------------------------------- labels


@cache
def _labels() -> dict[str, dict[str, str]]:
    text = resources.files("cbamcalc.web").joinpath("labels.csv").read_text(encoding="utf-8")
    return {row["key"]: row for row in csv.DictReader(text.splitlines())}


def label(key: str, lang: str, **fmt: Any) -> str:
    """The page label ``key`` in ``lang``: from ``web/labels.csv``, else the results workbook's labels."""
    entry = _labels().get(key)
    if entry is None:
        from ..io.exporter_workbook import label_text

        return label_text(key, lang, **fmt)
    return entry[lang].format(**fmt)


# ---------------------------------------------------------------------------- request helpers


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang", "en")
    return lang if lang in LANGS else "en"


class _Parser(MultiPartParser):
    """Starlette's multipart parser, keeping file parts in memory (the body is already capped)."""

    spool_max_size = 64 * 1024 * 1024


async def _form(request: Request, cap: int) -> dict[str, Any]:
    """The multipart form of a request whose body is at most ``cap`` bytes (else 413)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > cap:
        raise _Refused(f"the upload is larger than the limit of {cap // (1024 * 1024)} MB of this server", 413)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise _Refused(f"the upload is larger than the limit of {cap // (1024 * 1024)} MB of this server", 413)
        chunks.append(chunk)
    body = b"".join(chunks)
    if "multipart/form-data" not in request.headers.get("content-type", ""):
        raise _Refused("expected a multipart/form-data upload with the field 'file'")

    async def stream() -> AsyncGenerator[bytes, None]:
        yield body
        yield b""

    try:
        form = await _Parser(request.headers, stream(), max_files=1, max_fields=8, max_part_size=cap).parse()
    except MultiPartException as exc:
        raise _Refused(f"the upload could not be read: {exc.message}") from None
    return dict(form.items())


async def _upload(form: dict[str, Any], cap: int, lang: str) -> tuple[bytes, str]:
    """The file of the form: field ``file`` (an upload) or ``upload`` (base64, from a results page)."""
    item = form.get("file")
    if isinstance(item, UploadFile) and item.filename:
        data = await item.read()
        name = item.filename
    elif isinstance(form.get("upload"), str) and form["upload"]:
        try:
            data = base64.b64decode(form["upload"], validate=True)
        except (binascii.Error, ValueError):
            raise _Refused("the field 'upload' is not base64") from None
        name = str(form.get("filename") or "upload.xlsx")
    else:
        raise _Refused(label("error.no_file", lang))
    if len(data) > cap:
        raise _Refused(f"the upload is larger than the limit of {cap // (1024 * 1024)} MB of this server", 413)
    if not data:
        raise _Refused(label("error.no_file", lang))
    return data, safe_name(name)


class _Jobs:
    """At most ``workers`` jobs at once; at most ``max_waiting`` requests waiting for one."""

    def __init__(self, config: WebConfig) -> None:
        self.config = config
        self.limiter = anyio.CapacityLimiter(config.workers)
        self.waiting = 0

    async def __call__(self, task: str, params: dict[str, Any] | None = None, *, upload: bytes | None = None,
                       filename: str | None = None) -> JobOutput:
        if self.waiting >= self.config.max_waiting:
            raise _Refused("the server is busy; try again in a minute", 503)
        self.waiting += 1
        try:
            return await anyio.to_thread.run_sync(
                lambda: run_job(task, params, upload=upload, filename=filename, timeout=self.config.timeout),
                limiter=self.limiter)
        finally:
            self.waiting -= 1


def _argv(query: Any, allowed: dict[str, str]) -> list[str]:
    """Query parameters as command-line flags; an unknown parameter is refused by name."""
    argv: list[str] = []
    for key, value in query.multi_items():
        if key == "lang":
            continue
        if key not in allowed:
            raise _Refused(f"unknown parameter '{key}'; expected one of: {', '.join(allowed)}")
        argv += [allowed[key], value]
    return argv


def _json(payload: Any, status: int = 200) -> Response:
    """JSON as ``cbamcalc ... --json`` prints it (UTF-8, indented, NaN never appears)."""
    body = json.dumps(payload, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    return Response(body, status_code=status, media_type="application/json", headers=SECURITY_HEADERS)


def _error_json(exc: _Refused | JobError) -> Response:
    return _json({"error": exc.message}, exc.status)


# ---------------------------------------------------------------------------- page rendering


@cache
def _env() -> Environment:
    env = Environment(loader=PackageLoader("cbamcalc.web", "templates"), autoescape=select_autoescape(["html"]))
    env.filters["num"] = _num
    return env


def _num(value: Any, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, (int, float)):
        return f"{value:,.{digits}f}"
    return str(value)


def _page(request: Request, lang: str, status: int = 200, **context: Any) -> HTMLResponse:
    from ..refdata import data_version

    def t(key: str, **fmt: Any) -> str:
        return label(key, lang, **fmt)

    from urllib.parse import urlencode

    query = dict(request.query_params)
    switch = {code: "?" + urlencode({**query, "lang": code}) for code in LANGS}  # the look-up stays
    html = _env().get_template("page.html").render(
        lang=lang, t=t, version=__version__, data_version=data_version(), query=query, switch=switch,
        mb=request.app.state.config.max_upload_bytes // (1024 * 1024), **context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def _cost_charts(cost: list[dict[str, Any]], lang: str) -> list[Markup]:
    """Two SVG charts, EUR and THB, of the cost per year stacked by good."""
    years = sorted({int(r["year"]) for r in cost})
    goods = list(dict.fromkeys(str(r.get("label") or r.get("good")) for r in cost))
    charts = []
    for key, title in (("cost_eur", "res.chart.cost_eur"), ("cost_thb", "res.chart.cost_thb")):
        series = []
        for g in goods:
            by_year = {int(r["year"]): r[key] for r in cost if str(r.get("label") or r.get("good")) == g}
            series.append((g, [by_year.get(y) or 0.0 for y in years]))
        unit = "EUR" if key == "cost_eur" else "THB"
        charts.append(Markup(stacked_columns([str(y) for y in years], series, title=label(title, lang), unit=unit)))
    return charts


def _cost_by_year(cost: list[dict[str, Any]]) -> list[dict[str, Any]]:
    years: dict[int, dict[str, Any]] = {}
    for r in cost:
        y = years.setdefault(int(r["year"]), {"year": int(r["year"]), "certificates": 0.0, "cost_eur": 0.0,
                                              "cost_thb": 0.0, "price_eur": r["price_eur"], "eur_thb": r["eur_thb"]})
        for k in ("certificates", "cost_eur", "cost_thb"):
            y[k] += float(r[k] or 0.0)
    return [years[k] for k in sorted(years)]


# ---------------------------------------------------------------------------- routes


async def index(request: Request) -> Response:
    """The page; with ``cn`` in the query also the look-up of its default value and cost."""
    lang = _lang(request)
    q = request.query_params
    if not q.get("cn"):
        return _page(request, lang)
    jobs: _Jobs = request.app.state.jobs
    try:
        dv = await jobs("defaults", {"argv": ["--cn", q["cn"], "--country", q.get("country") or "TH",
                                               "--year", q.get("year") or "2026"]})
        cost = await jobs("cost", {"argv": ["--cn", q["cn"], "--country", q.get("country") or "TH",
                                            "--tonnes", q.get("tonnes") or "1000", "--years", "2026-2034"]})
    except (JobError, _Refused) as exc:
        return _page(request, lang, status=exc.status, lookup_error=exc)
    rows = [dict(r, label=f"CN {r['cn_code']}") for r in cost.value]
    return _page(request, lang, lookup={"default": dv.value, "cost": cost.value, "charts": _cost_charts(rows, lang)})


async def upload_page(request: Request) -> Response:
    """``POST /``: run the uploaded workbook and show the results (or the error, next to the form)."""
    lang = _lang(request)
    cap = request.app.state.config.max_upload_bytes
    try:
        form = await _form(request, cap + cap // 3 + 65536)
        data, name = await _upload(form, cap, lang)
        out = await request.app.state.jobs("run", {"page": True}, upload=data, filename=name)
    except (JobError, _Refused) as exc:
        return _page(request, lang, status=exc.status, upload_error=exc)
    extra = out.extra
    return _page(request, lang, results=out.value, extra=extra, file_name=name,
                 upload_b64=base64.b64encode(data).decode("ascii"),
                 charts=_cost_charts(extra["cost"], lang) if extra["cost"] else [],
                 cost_by_year=_cost_by_year(extra["cost"]))


async def download_workbook(request: Request) -> Response:
    """A blank cbamcalc input workbook (``cbamcalc template new --lang``)."""
    lang = request.query_params.get("lang", "en")
    if lang not in ("en", "th", "both"):
        return _error_json(_Refused(f"expected lang en, th or both, found '{lang}'"))
    try:
        out = await request.app.state.jobs("blank_workbook", {"lang": lang})
    except (JobError, _Refused) as exc:
        return _error_json(exc)
    return _file(out)


async def download_eu_template(request: Request) -> Response:
    """The Commission's blank Communication template v2.1.1, as shipped (its sha256 checked)."""
    from ..io.communication_writer import BLANK_NAME, BLANK_SHA256

    data = resources.files("cbamcalc.io").joinpath("templates").joinpath(BLANK_NAME).read_bytes()
    if hashlib.sha256(data).hexdigest() != BLANK_SHA256:
        return _json({"error": f"cbamcalc/io/templates/{BLANK_NAME} differs from the recorded sha256; "
                               "reinstall cbamcalc"}, 500)
    return _file(JobOutput(None, data, BLANK_NAME))


async def _download(request: Request, task: str, fields: tuple[str, ...] = ()) -> Response:
    """The file of job ``task`` on the uploaded workbook; the text ``fields`` of the form go to the job as given."""
    lang = _lang(request)
    cap = request.app.state.config.max_upload_bytes
    try:
        form = await _form(request, cap + cap // 3 + 65536)
        data, name = await _upload(form, cap, lang)
        params = {"lang": lang} | {f: form[f] for f in fields if isinstance(form.get(f), str) and form[f]}
        out = await request.app.state.jobs(task, params, upload=data, filename=name)
    except (JobError, _Refused) as exc:
        return _error_json(exc)
    return _file(out)


async def download_results(request: Request) -> Response:
    """The results workbook (``cbamcalc run FILE --out --lang``) of the file sent with this request."""
    return await _download(request, "results")


async def download_communication(request: Request) -> Response:
    """The filled EU template (``cbamcalc export-communication``) of the file sent with this request."""
    return await _download(request, "communication")


async def download_report(request: Request) -> Response:
    """The operator's report workbook (``cbamcalc report FILE --out --lang [--year]``) of the file sent."""
    return await _download(request, "report", ("year",))


def _file(out: JobOutput) -> Response:
    name = out.file_name or "cbamcalc.xlsx"
    ascii_name = name.encode("ascii", "replace").decode("ascii").replace("?", "_").replace('"', "_")
    from urllib.parse import quote

    headers = dict(SECURITY_HEADERS)
    headers["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(out.file_bytes, media_type=XLSX, headers=headers)


async def api_run(request: Request) -> Response:
    """``POST /api/run``: exactly the JSON of ``cbamcalc run FILE --json``."""
    cap = request.app.state.config.max_upload_bytes
    try:
        form = await _form(request, cap + 65536)
        data, name = await _upload(form, cap, "en")
        out = await request.app.state.jobs("run", {}, upload=data, filename=name)
    except (JobError, _Refused) as exc:
        return _error_json(exc)
    return _json(out.value)


async def _api_lookup(request: Request, job: str, params: dict[str, str]) -> Response:
    """The JSON of ``cbamcalc JOB --json`` with the query's parameters ``params`` as its flags."""
    try:
        out = await request.app.state.jobs(job, {"argv": _argv(request.query_params, params)})
    except (JobError, _Refused) as exc:
        return _error_json(exc)
    return _json(out.value)


async def api_defaults(request: Request) -> Response:
    """``GET /api/defaults``: the JSON of ``cbamcalc defaults --json``."""
    return await _api_lookup(request, "defaults", DEFAULTS_PARAMS)


async def api_cost(request: Request) -> Response:
    """``GET /api/cost``: the JSON of ``cbamcalc cost --json``."""
    return await _api_lookup(request, "cost", COST_PARAMS)


def create_app(config: WebConfig | None = None) -> Starlette:
    """The Starlette application of ``cbamcalc serve`` with the limits of ``config``."""
    config = config or WebConfig()
    static = StaticFiles(directory=str(resources.files("cbamcalc.web").joinpath("static")))
    app = Starlette(routes=[
        Route("/", index, methods=["GET"]),
        Route("/", upload_page, methods=["POST"]),
        Route("/download/workbook", download_workbook, methods=["GET"]),
        Route("/download/eu-template", download_eu_template, methods=["GET"]),
        Route("/download/results", download_results, methods=["POST"]),
        Route("/download/communication", download_communication, methods=["POST"]),
        Route("/download/report", download_report, methods=["POST"]),
        Route("/api/run", api_run, methods=["POST"]),
        Route("/api/defaults", api_defaults, methods=["GET"]),
        Route("/api/cost", api_cost, methods=["GET"]),
        Mount("/static", static, name="static"),
    ])
    app.state.config = config
    app.state.jobs = _Jobs(config)
    return app

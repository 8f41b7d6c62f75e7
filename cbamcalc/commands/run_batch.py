"""``cbamcalc run A.xlsx B.xlsx DIR/ ...``: many workbooks in one run, one summary.

An importer receives hundreds of supplier templates; a consultant collects plant workbooks. Each
file (our input workbook or the EU Communication template, detected per file) is computed
exactly as ``cbamcalc run FILE`` computes it (:func:`cbamcalc.commands.run.compute`), in
``--jobs`` worker processes. One bad file never stops the batch: its one-line reason (the line
``cbamcalc run FILE`` would print) goes to the failures list. A progress bar (tqdm) is drawn on
stderr when it is a terminal, never with ``--quiet``.

Output: a table on stdout, or ``--json`` (one object: ``files``, ``failures``, ``goods``), and with
``--out`` the summary workbook (:func:`cbamcalc.io.batch_summary.write_batch_summary`), written
even when some files failed. Exit status 0 when every file was computed, 2 when some failed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["is_batch", "expand", "run_one", "run_all", "run"]

#: Columns of a good in the summary (SEE in tCO2e/t, as ``cbamcalc run --json`` gives them).
GOOD_KEYS = ("process", "cn_code", "product", "see_direct", "see_indirect", "see_total", "default_share")


def is_batch(files: Sequence[str]) -> bool:
    """True when ``cbamcalc run`` was given several paths or a folder (a single file keeps its output)."""
    return len(files) > 1 or Path(files[0]).is_dir()


def expand(paths: Iterable[str]) -> list[str]:
    """Files to compute, in the order given: a folder gives its ``.xlsx`` files (sorted, not recursive).

    Hidden files and Excel's lock files (``~$name.xlsx``) are skipped; a file named twice is computed
    once. A path that does not exist is kept: it fails with its reason like any other bad file.
    """
    out: list[str] = []
    seen: set[str] = set()
    for p in paths:
        found = _workbooks_in(Path(p)) if Path(p).is_dir() else [p]
        for f in found:
            key = os.path.realpath(f)
            if key not in seen:
                seen.add(key)
                out.append(f)
    return out


def _workbooks_in(folder: Path) -> list[str]:
    """The ``.xlsx`` files of ``folder``, sorted, without hidden files and Excel's lock files."""
    from ..errors import InputError

    try:
        return sorted(str(f) for f in folder.iterdir()
                      if f.suffix.lower() == ".xlsx" and f.is_file() and not f.name.startswith((".", "~$")))
    except OSError as exc:  # no permission to list it
        raise InputError(field="file", expected="a folder cbamcalc may read",
                         found=f"{folder}: {exc.strerror or exc}") from exc


def run_one(file: str, lenient: bool = False, allow_other_versions: bool = False) -> dict[str, Any]:
    """Compute one file as ``cbamcalc run FILE`` does; a plain dict (crosses process boundaries).

    Returns ``{"file", "ok": True, "kind", "installation", "country", "template_version", "goods",
    "warnings"}``, or ``{"file", "ok": False, "reason"}`` with the one-line reason.
    """
    from .. import cli
    from ..errors import CbamError
    from . import run as run_cmd

    args = run_cmd.reading_args(file, lenient=lenient, allow_other_versions=allow_other_versions)
    try:
        outcome = run_cmd.compute(args)
    except CbamError as exc:
        return {"file": file, "ok": False, "reason": cli.one_line(str(cli.with_flags(exc, run_cmd)))}
    except Exception as exc:  # a bug of cbamcalc: named, and the batch goes on
        return {"file": file, "ok": False,
                "reason": f"internal error: {type(exc).__name__}: {cli.one_line(str(exc))[:500]} (a bug in "
                          "cbamcalc; run this file alone with --debug for the traceback and report it)"}
    result = outcome.result
    goods = [{k: _plain(rec.get(k)) for k in GOOD_KEYS} for rec in result.products.to_dict("records")]
    return {
        "file": file, "ok": True, "kind": outcome.kind,
        "installation": outcome.installation.name or "", "country": outcome.installation.country or "",
        "template_version": result.template_version or "", "goods": goods, "warnings": list(result.warnings),
    }


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    return None if isinstance(value, float) and math.isnan(value) else value


def run_all(files: Sequence[str], *, jobs: int = 1, lenient: bool = False, allow_other_versions: bool = False,
            progress: Callable[[], None] | None = None) -> list[dict[str, Any]]:
    """:func:`run_one` for every file, in ``jobs`` processes; results in the order of ``files``."""
    if jobs <= 1 or len(files) <= 1:
        out = []
        for f in files:
            out.append(run_one(f, lenient, allow_other_versions))
            if progress:
                progress()
        return out
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    _warm_up()  # workers forked from here inherit the imports and the reference tables
    results: dict[int, dict[str, Any]] = {}
    again: list[int] = []  # files whose worker died (or shared a pool with one that did)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(run_one, f, lenient, allow_other_versions): i for i, f in enumerate(files)}
        for fut in as_completed(futures):
            try:
                results[futures[fut]] = fut.result()
            except BrokenProcessPool:
                again.append(futures[fut])
                continue
            if progress:
                progress()
    for i in sorted(again):  # one process each: a file that kills its process fails alone
        results[i] = _in_own_process(files[i], lenient, allow_other_versions)
        if progress:
            progress()
    return [results[i] for i in range(len(files))]


def _in_own_process(file: str, lenient: bool, allow_other_versions: bool) -> dict[str, Any]:
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    try:
        with ProcessPoolExecutor(max_workers=1) as pool:
            return pool.submit(run_one, file, lenient, allow_other_versions).result()
    except BrokenProcessPool:
        return {"file": file, "ok": False,
                "reason": f"File '{Path(file).name}': the process computing it stopped (out of memory or killed)"}


def _warm_up() -> None:
    """Import the readers and the engine, and load the reference tables, once in the parent process."""
    from .. import refdata
    from ..io import communication_template, exporter_workbook  # noqa: F401
    from ..pipeline import run_installation  # noqa: F401

    for name in refdata.list_tables():
        refdata.load_table(name)


def _check_jobs(jobs: int | None) -> int:
    from ..errors import InputError

    if jobs is None:
        return 1
    if not 1 <= jobs <= 256:
        raise InputError(field="--jobs", expected="a number of worker processes from 1 to 256", found=jobs)
    return jobs


def run(args: argparse.Namespace) -> int:
    """``cbamcalc run`` with several files or a folder; returns 0, or 2 when some file failed."""
    from .. import __version__
    from ..errors import InputError
    from ..refdata import data_version

    jobs = _check_jobs(getattr(args, "jobs", None))
    files = expand(args.file)
    if not files:
        raise InputError("no .xlsx file to compute", field="file", expected="workbooks, or folders holding them",
                         found=" ".join(args.file))
    if args.out:
        from ..io.atomic import check_target

        check_target(args.out, flag="--out", inputs=tuple(files))
    bar = _progress_bar(len(files), quiet=getattr(args, "quiet", False))
    try:
        results = run_all(files, jobs=jobs, lenient=args.lenient, allow_other_versions=args.allow_other_versions,
                          progress=bar.update if bar else None)
    finally:
        if bar:
            bar.close()
    meta = {"cbamcalc_version": __version__, "data_version": data_version(), "files": len(results),
            "computed": sum(r["ok"] for r in results), "failed": sum(not r["ok"] for r in results)}
    if args.out:
        from ..io.batch_summary import write_batch_summary

        write_batch_summary(results, args.out, meta=meta)
    if args.json:
        print(json.dumps(_json(results, meta), ensure_ascii=False, indent=2))
    else:
        _print(results, meta)
    for r in results:
        if not r["ok"]:
            print(f"cbamcalc run: error: {r['reason']}", file=sys.stderr)
    return 0 if meta["failed"] == 0 else 2


def _progress_bar(total: int, *, quiet: bool) -> Any:
    """A tqdm bar on stderr, or None when quiet or stderr is not a terminal."""
    if quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="file", file=sys.stderr, desc="cbamcalc run")


def _json(results: list[dict[str, Any]], meta: dict[str, Any]) -> dict[str, Any]:
    goods = [{"file": r["file"], "installation": r["installation"], "template_version": r["template_version"], **g}
             for r in results if r["ok"] for g in r["goods"]]
    return {**meta, "results": [{k: v for k, v in r.items() if k != "goods"} for r in results if r["ok"]],
            "failures": [{"file": r["file"], "reason": r["reason"]} for r in results if not r["ok"]], "goods": goods}


def _print(results: list[dict[str, Any]], meta: dict[str, Any]) -> None:
    print(f"{meta['files']} files: {meta['computed']} computed, {meta['failed']} failed; SEE in tCO2e/t")
    for r in results:
        if not r["ok"]:
            print(f"\n{Path(r['file']).name}: FAILED")
            continue
        kind = f"template v{r['template_version']}" if r["template_version"] else "cbamcalc workbook"
        print(f"\n{Path(r['file']).name} ({kind}; {r['installation'] or 'installation without a name'})")
        for g in r["goods"]:
            print(f"  {g['cn_code']:<10} {str(g['product'])[:40]:<40} direct {_f(g['see_direct'])}  indirect "
                  f"{_f(g['see_indirect'])}  total {_f(g['see_total'])}")
        for w in r["warnings"]:
            print(f"  warning: {w}")
    print(f"\ncbamcalc {meta['cbamcalc_version']}, reference data {meta['data_version']}")


def _f(v: Any) -> str:
    return "-" if v is None else f"{v:.6f}"

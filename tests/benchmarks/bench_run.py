"""Benchmark of ``cbamcalc run`` against LibreOffice recalculating the same workbook (run by hand).

Usage::

    /work/venv/bin/python tests/benchmarks/bench_run.py [--workbook FILE] [--repeat 3] [--library 100]
                                                        [--no-libreoffice]

Times, in one run and on the same file (default: the Commission's example 3, EAF steel):

1. LibreOffice headless converting the workbook (``soffice --headless --convert-to xlsx``),
   once with its default settings and once with a profile that forces recalculation on load
   (``OOXMLRecalcMode = 0``, how the v2.1.1 rebased examples were made);
2. ``cbamcalc run FILE --json`` as a subprocess (Python start-up and imports included);
3. the library in one process: read + run on ``--library`` workbooks (copies of the seven
   examples, in turn), per workbook, and where the time goes (reading, computing).

Prints the timings and the ratios; nothing is asserted (speed is measured, never tested).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "tests" / "data" / "cbam_templates"
DEFAULT = TEMPLATES / "official" / "EC_v2.1_example3_steel2_EAF_alloys_FILLED.xlsx"
RECALC_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""


def _time(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def libreoffice(workbook: Path, repeat: int, work: Path) -> tuple[float, float] | None:
    soffice = shutil.which("soffice")
    if soffice is None:
        print("LibreOffice: soffice not found (apt-get install -y libreoffice-calc-nogui)")
        return None
    src = work / "in.xlsx"
    shutil.copy(workbook, src)
    plain_profile = work / "lo_plain"
    recalc_profile = work / "lo_recalc" / "user"
    recalc_profile.mkdir(parents=True)
    (recalc_profile / "registrymodifications.xcu").write_text(RECALC_XCU, encoding="utf-8")
    base = [soffice, "--headless", "--convert-to", "xlsx", "--outdir", str(work / "out"), str(src)]
    for profile in (plain_profile, recalc_profile.parent):  # first start creates the profile: not timed
        subprocess.run([*base[:1], f"-env:UserInstallation={profile.as_uri()}", *base[1:]], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    plain = _time([*base[:1], f"-env:UserInstallation={plain_profile.as_uri()}", *base[1:]], repeat)
    recalc = _time([*base[:1], f"-env:UserInstallation={recalc_profile.parent.as_uri()}", *base[1:]], repeat)
    return plain, recalc


def cli(workbook: Path, repeat: int) -> float:
    exe = Path(sys.executable).with_name("cbamcalc")
    cmd = [str(exe), "run", str(workbook), "--json"] if exe.exists() else [
        sys.executable, "-m", "cbamcalc", "run", str(workbook), "--json"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)  # warm the file cache
    return _time(cmd, repeat)


def library(n: int, work: Path) -> tuple[float, float, float]:
    from cbamcalc.io.communication_template import read_communication_template
    from cbamcalc.pipeline import run_installation

    examples = sorted((TEMPLATES / "official").glob("EC_v2.1_example*_FILLED.xlsx"))
    files = []
    for i in range(n):
        dst = work / f"wb{i:03d}.xlsx"
        shutil.copy(examples[i % len(examples)], dst)
        files.append(dst)
    read_t = run_t = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_installation(read_communication_template(files[0]))  # imports and reference data: not timed
        t_all = time.perf_counter()
        for f in files:
            t = time.perf_counter()
            inst = read_communication_template(f)
            t1 = time.perf_counter()
            run_installation(inst)
            t2 = time.perf_counter()
            read_t += t1 - t
            run_t += t2 - t1
        total = time.perf_counter() - t_all
    return total / n, read_t / n, run_t / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workbook", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--library", type=int, default=100, help="workbooks read and run in one process")
    parser.add_argument("--no-libreoffice", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        lo = None if args.no_libreoffice else libreoffice(args.workbook, args.repeat, work)
        c = cli(args.workbook, args.repeat)
        per, read_t, run_t = library(args.library, work)
    print(f"workbook: {args.workbook.name}; median of {args.repeat}")
    print(f"cbamcalc run --json (subprocess):        {c:8.3f} s")
    print(f"library, {args.library} workbooks in one process: {per * 1000:8.1f} ms per workbook "
          f"(read {read_t * 1000:.1f} ms, compute {run_t * 1000:.1f} ms)")
    if lo:
        plain, recalc = lo
        print(f"LibreOffice convert (default settings):  {plain:8.3f} s  -> CLI {plain / c:5.1f}x, "
              f"library {plain / per:6.0f}x")
        print(f"LibreOffice convert, recalculating:      {recalc:8.3f} s  -> CLI {recalc / c:5.1f}x, "
              f"library {recalc / per:6.0f}x")


if __name__ == "__main__":
    main()

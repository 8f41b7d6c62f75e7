"""Benchmark of ``cbamcalc run DIR --out summary.xlsx`` on many workbooks against LibreOffice (run by hand).

Usage::

    python tests/benchmarks/bench_run_batch.py [--files 100] [--jobs 1 2] [--no-libreoffice]

Makes ``--files`` copies of the Commission's seven filled examples (in turn) in a temporary
folder, then times, once each:

* ``cbamcalc run DIR --out summary.xlsx --quiet --jobs N`` for every N of ``--jobs`` (start-up,
  reading, computing and writing the summary included);
* LibreOffice recalculating the same files in one invocation
  (``soffice --headless --convert-to xlsx --outdir OUT f1 ... fN`` with a profile that forces
  recalculation on load, ``OOXMLRecalcMode = 0``; one start-up for all files, the fairest case for it).

Prints the times, the time per workbook and the ratios; nothing is asserted.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_run import RECALC_XCU, TEMPLATES  # noqa: E402  (a sibling script)


def _cbamcalc() -> list[str]:
    exe = Path(sys.executable).with_name("cbamcalc")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "cbamcalc"]


def make_files(n: int, folder: Path) -> list[Path]:
    examples = sorted((TEMPLATES / "official").glob("EC_v2.1_example*_FILLED.xlsx"))
    folder.mkdir()
    out = []
    for i in range(n):
        dst = folder / f"wb{i:03d}_{examples[i % len(examples)].name}"
        shutil.copy(examples[i % len(examples)], dst)
        out.append(dst)
    return out


def time_cbamcalc(folder: Path, jobs: int, work: Path) -> float:
    cmd = [*_cbamcalc(), "run", str(folder), "--out", str(work / f"summary_{jobs}.xlsx"), "--quiet", "--jobs",
           str(jobs)]
    t = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"cbamcalc run failed ({proc.returncode}): {proc.stderr[-500:]}")
    return elapsed


def time_libreoffice(files: list[Path], work: Path) -> float | None:
    soffice = shutil.which("soffice")
    if soffice is None:
        print("LibreOffice: soffice not found (apt-get install -y libreoffice-calc-nogui)")
        return None
    profile = work / "lo_recalc" / "user"
    profile.mkdir(parents=True)
    (profile / "registrymodifications.xcu").write_text(RECALC_XCU, encoding="utf-8")
    env = [soffice, f"-env:UserInstallation={profile.parent.as_uri()}", "--headless"]
    subprocess.run([*env, "--convert-to", "xlsx", "--outdir", str(work / "warm"), str(files[0])], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # first start creates the profile
    t = time.perf_counter()
    subprocess.run([*env, "--convert-to", "xlsx", "--outdir", str(work / "lo_out"), *map(str, files)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t
    done = len(list((work / "lo_out").glob("*.xlsx")))
    if done != len(files):
        print(f"LibreOffice converted {done} of {len(files)} files")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--no-libreoffice", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        files = make_files(args.files, work / "in")
        ours = {j: time_cbamcalc(work / "in", j, work) for j in args.jobs}
        lo = None if args.no_libreoffice else time_libreoffice(files, work)
    n = args.files
    for j, t in ours.items():
        line = f"cbamcalc run DIR --out --jobs {j}: {t:7.2f} s for {n} workbooks ({t / n * 1000:6.1f} ms each)"
        print(line + (f"; LibreOffice / cbamcalc = {lo / t:5.1f}x" if lo else ""))
    if lo:
        print(f"LibreOffice recalculating the {n} (one invocation): {lo:7.2f} s ({lo / n * 1000:6.1f} ms each)")


if __name__ == "__main__":
    main()

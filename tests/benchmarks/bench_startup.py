"""Benchmark of single CLI calls: start-up included, against ``python -c pass`` and the peer (run by hand).

Usage::

    python tests/benchmarks/bench_startup.py [--repeat 7] [--no-libreoffice] [--workbook FILE]

Times, as subprocesses and round-robin (each round runs every command once, so a change of load on
the machine touches all of them alike):

* ``python -c pass`` (the floor) and ``python -c "import numpy" / "import pandas" / "import pandas,
  pint"`` (what the library's imports cost by themselves; the last is the floor of ``run``, whose
  results are DataFrames and whose units are checked with pint);
* ``cbamcalc defaults --cn 73181595 --country TH --year 2027`` and, when installed,
  ``opencbam default 73181595 Thailand --year 2027`` (the peer doing the same job:
  ``pip install opencbam==0.1.0``);
* ``cbamcalc cost --cn 73181595 --country TH --tonnes 100 --price 80 --years 2027 --own-process-only``
  and ``opencbam calculate --cn 73181595 --country Thailand --mass 100 --price 80 --year 2027``;
* ``cbamcalc run FILE --json`` on a Commission example (default: example 3, EAF steel) against
  LibreOffice converting the same workbook (``soffice --headless --convert-to xlsx``, default
  settings and forced recalculation; see ``bench_run.py``).

Prints the minimum and the median of each, and the ratios; nothing is asserted (speed is
measured, never tested).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_run import DEFAULT, libreoffice  # noqa: E402  (a sibling script)

GOOD = ["--cn", "73181595", "--country", "TH", "--year", "2027"]
COST = ["--cn", "73181595", "--country", "TH", "--tonnes", "100", "--price", "80", "--years", "2027",
        "--own-process-only"]


def _script(name: str) -> list[str] | None:
    """The console script ``name`` as pip installed it beside this Python, else as found on PATH.

    Both tools are launched the same way: a shim on PATH (pyenv's is a bash script that runs
    ``pyenv exec``) would add its own start-up to one side only.
    """
    exe = Path(sys.executable).with_name(name)
    if exe.exists():
        return [str(exe)]
    found = shutil.which(name)
    return [found] if found else None


def _cbamcalc() -> list[str]:
    return _script("cbamcalc") or [sys.executable, "-m", "cbamcalc"]


def commands(workbook: Path) -> dict[str, list[str]]:
    """Label -> command line of every single call timed."""
    cbam = _cbamcalc()
    cmds = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import numpy'": [sys.executable, "-c", "import numpy"],
        "python -c 'import pandas'": [sys.executable, "-c", "import pandas"],
        # what the engine of 'run' cannot start without: pandas (results) and pint (units at the boundary)
        "python -c 'import pandas, pint'": [sys.executable, "-c", "import pandas, pint"],
        "cbamcalc defaults": [*cbam, "defaults", *GOOD],
        "cbamcalc cost": [*cbam, "cost", *COST],
        "cbamcalc run --json": [*cbam, "run", str(workbook), "--json"],
    }
    peer = _script("opencbam")
    if peer:
        cmds["opencbam default (peer)"] = [*peer, "default", "73181595", "Thailand", "--year", "2027"]
        cmds["opencbam calculate (peer)"] = [*peer, "calculate", "--cn", "73181595", "--country", "Thailand",
                                             "--mass", "100", "--price", "80", "--year", "2027"]
    return cmds


def bytecode_env(cache: str) -> dict[str, str]:
    """The environment of every timed command: compiled bytecode cached, as after ``pip install``.

    An installed wheel has its ``.pyc`` files (pip compiles them), and so does the peer in
    site-packages; a checkout run with ``PYTHONDONTWRITEBYTECODE=1`` (set in some sandboxes)
    would recompile cbamcalc's sources on every call. The cache goes to a temporary folder
    (``PYTHONPYCACHEPREFIX``), never into the checkout, and the warm-up round fills it.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = cache
    return env


def time_round_robin(cmds: dict[str, list[str]], repeat: int) -> dict[str, list[float]]:
    """Wall-clock seconds of every command, ``repeat`` rounds (one warm-up round not counted)."""
    out: dict[str, list[float]] = {k: [] for k in cmds}
    with tempfile.TemporaryDirectory(prefix="cbamcalc-pyc-") as cache:
        env = bytecode_env(cache)
        for r in range(repeat + 1):
            for label, cmd in cmds.items():
                t = time.perf_counter()
                subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
                if r:
                    out[label].append(time.perf_counter() - t)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workbook", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-libreoffice", action="store_true")
    args = parser.parse_args()
    if _script("opencbam") is None:
        print("peer: opencbam not installed (pip install opencbam==0.1.0); its rows are left out")
    times = time_round_robin(commands(args.workbook), args.repeat)
    best = {k: min(v) for k, v in times.items()}
    floor = best["python -c pass"]
    print(f"{'command':<28} {'min s':>7} {'median s':>9} {'min - python':>13}   ({args.repeat} rounds)")
    for label, v in times.items():
        print(f"{label:<28} {min(v):7.3f} {statistics.median(v):9.3f} {min(v) - floor:13.3f}")
    for ours, peer in (("cbamcalc defaults", "opencbam default (peer)"), ("cbamcalc cost", "opencbam calculate (peer)")):
        if peer in best:
            print(f"{ours} / {peer}: {best[ours] / best[peer]:.2f} (min), "
                  f"{statistics.median(times[ours]) / statistics.median(times[peer]):.2f} (median)")
    if not args.no_libreoffice:
        with tempfile.TemporaryDirectory() as tmp:
            lo = libreoffice(args.workbook, 3, Path(tmp))
        if lo:
            plain, recalc = lo
            run = statistics.median(times["cbamcalc run --json"])
            print(f"LibreOffice convert (default settings): {plain:.3f} s -> cbamcalc run {plain / run:.1f}x faster")
            print(f"LibreOffice convert, recalculating:     {recalc:.3f} s -> cbamcalc run {recalc / run:.1f}x faster")
            floor = statistics.median(times["python -c 'import pandas, pint'"])
            print(f"  at most {recalc / floor:.1f}x for any run that imports pandas and pint ({floor:.3f} s)")


if __name__ == "__main__":
    main()

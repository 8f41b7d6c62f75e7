"""Benchmark of the web page under load: N simultaneous uploads of the Thai example (run by hand).

Usage::

    python tests/benchmarks/bench_web.py [--uploads 50] [--workers 2] [--workbook FILE] [--route /api/run]

Starts ``cbamcalc serve`` on a free loopback port (a real uvicorn server in its own process),
waits until it answers, then sends ``--uploads`` POST requests of the workbook at the same
moment (one thread each, all released by one barrier) and waits for every answer. Checks that
every answer is exactly the JSON of ``cbamcalc run FILE --json`` (computed once in this
process) and that no ``cbamcalc-web-*`` temporary folder is left behind.

Prints: wall time of the whole burst, latency (min, median, max), answers correct, and the
peak memory of the server: the largest sum of the resident set sizes (RSS, from ``/proc``) of
the server process and all its descendants (job server and job processes), sampled every
20 ms, and the server process's own peak (``VmHWM``). Nothing is asserted: speed and memory
are measured, never tested.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "thai_fastener_plant.xlsx"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            out += [int(c) for c in (task / "children").read_text().split()]
    return out


def _tree_rss_kb(root: int) -> int:
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            todo += _children(pid)
    return total


def _hwm_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--uploads", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2, help="cbamcalc serve --workers")
    ap.add_argument("--workbook", type=Path, default=EXAMPLE)
    ap.add_argument("--route", default="/api/run", help="/api/run (JSON) or / (the results page)")
    opts = ap.parse_args()

    from cbamcalc.cli import main as cli

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        cli(["run", str(opts.workbook), "--json"])
    expected = buf.getvalue().encode("utf-8")
    before = set(Path(tempfile.gettempdir()).glob("cbamcalc-web-*"))

    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "cbamcalc", "serve", "--port", str(port),
                               "--workers", str(opts.workers), "--timeout", "600"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/defaults?cn=73181595&country=TH&year=2026", timeout=5).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("cbamcalc serve did not start: " + server.stderr.read().decode()) from None
                time.sleep(0.2)
        idle_kb = _tree_rss_kb(server.pid)

        data = opts.workbook.read_bytes()
        body, ctype = _multipart(opts.workbook.name, data)
        barrier = threading.Barrier(opts.uploads + 1)
        results: list[tuple[int, bytes, float]] = [(0, b"", 0.0)] * opts.uploads

        def one(i: int) -> None:
            req = urllib.request.Request(f"{base}{opts.route}", data=body, headers={"Content-Type": ctype})
            barrier.wait()
            t0 = time.perf_counter()
            try:
                with urllib.request.urlopen(req, timeout=900) as r:
                    results[i] = (r.status, r.read(), time.perf_counter() - t0)
            except urllib.error.HTTPError as e:
                results[i] = (e.code, e.read(), time.perf_counter() - t0)

        peak = [idle_kb]
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                peak[0] = max(peak[0], _tree_rss_kb(server.pid))
                time.sleep(0.02)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(opts.uploads)]
        for t in threads:
            t.start()
        sampler = threading.Thread(target=sample)
        sampler.start()
        t0 = time.perf_counter()
        barrier.wait()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        stop.set()
        sampler.join()
        server_hwm = _hwm_kb(server.pid)
    finally:
        server.terminate()
        server.wait(10)

    ok_status = sum(1 for s, _, _ in results if s == 200)
    if opts.route == "/api/run":
        correct = sum(1 for s, b, _ in results if s == 200 and b == expected)
    else:
        correct = sum(1 for s, b, _ in results if s == 200 and b"id=\"results\"" in b)
    lat = sorted(x for _, _, x in results)
    left = set(Path(tempfile.gettempdir()).glob("cbamcalc-web-*")) - before
    print(f"{opts.uploads} simultaneous uploads of {opts.workbook.name} ({len(data):,} bytes) to {opts.route}, "
          f"cbamcalc serve --workers {opts.workers}, {os.cpu_count()} CPUs")
    print(f"  wall time of the burst : {wall:.2f} s ({opts.uploads / wall:.1f} uploads/s)")
    print(f"  latency min/median/max: {lat[0]:.2f} / {statistics.median(lat):.2f} / {lat[-1]:.2f} s")
    check = "identical to `cbamcalc run --json`" if opts.route == "/api/run" else "results page shown"
    print(f"  HTTP 200               : {ok_status}/{opts.uploads}; {check}: {correct}/{opts.uploads}")
    print(f"  memory (RSS) of server + job processes: idle {idle_kb / 1024:.0f} MiB, peak {peak[0] / 1024:.0f} MiB; "
          f"server process peak (VmHWM) {server_hwm / 1024:.0f} MiB")
    print(f"  temporary folders left behind: {len(left)}")


if __name__ == "__main__":
    main()

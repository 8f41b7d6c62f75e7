"""``cbamcalc serve``: the web page for exporters (``pip install 'cbamcalc[web]'``).

A thin adapter over :func:`cbamcalc.web.app.create_app` and uvicorn. It listens on
127.0.0.1 unless ``--host`` says otherwise (then it warns: anyone who can reach the address
can use the page). The access log is off: the server keeps no record of who asked for what.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from typing import Any

from ..errors import CbamError, InputError

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any, name: str, helptext: str) -> argparse.ArgumentParser:
    """Register ``cbamcalc serve`` and its flags."""
    p = subparsers.add_parser(
        name, help=helptext, description=helptext,
        epilog="Example: cbamcalc serve, then open http://127.0.0.1:8000/?lang=th. Uploads are handled in a "
               "private temporary folder removed after each request; nothing is stored or logged.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--max-upload-mb", type=float, default=16.0, help="largest upload [MB] (default 16)")
    p.add_argument("--timeout", type=float, default=60.0, help="longest processing of one request [s] (default 60)")
    p.add_argument("--workers", type=int, default=max(1, min(4, os.cpu_count() or 1)),
                   help="calculations at the same time, one process each (default: CPUs, at most 4)")
    return p


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; returns the exit status."""
    for flag, value in (("--max-upload-mb", args.max_upload_mb), ("--timeout", args.timeout),
                        ("--workers", args.workers)):
        if not value > 0:
            raise InputError(field=flag, expected="a number > 0", found=value)
    try:
        import uvicorn

        from ..web.app import WebConfig, create_app
    except ImportError as exc:
        raise CbamError(f"the web page needs the 'web' extra ({exc.name} is missing): "
                        "pip install 'cbamcalc[web]'") from exc
    if not _is_loopback(args.host):
        print(f"cbamcalc serve: warning: listening on {args.host}, not on this machine only: anyone who can reach "
              "this address can upload files and use the server's CPU", file=sys.stderr)
    config = WebConfig(max_upload_bytes=int(args.max_upload_mb * 1024 * 1024), timeout=args.timeout,
                       workers=args.workers)
    print(f"cbamcalc serve: http://{args.host}:{args.port}/ (Thai: http://{args.host}:{args.port}/?lang=th); "
          "Ctrl+C stops", file=sys.stderr)
    from ..web.jobs import start_job_server

    start_job_server()
    uvicorn.run(create_app(config), host=args.host, port=args.port, access_log=False, log_level="warning",
                server_header=False)
    return 0

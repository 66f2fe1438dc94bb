"""Command line: ``python -m airflow_provider_datameer.emulator [--port 8080] [--jobs FILE] ...``.

Exit code 2 for bad arguments: an invalid jobs file (message names the file and the job index/key, or the
line and column of invalid JSON), an unknown knob or a bad knob value, a bad fault rule or user.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import ssl
import sys
from pathlib import Path
from typing import Any

from .faults import FaultError
from .jobs import JobsFileError
from .server import build_state, start_site
from .state import EmulatorState
from .switches import SwitchError, parse_switch_arg


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m airflow_provider_datameer.emulator", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080, help="0 picks a free port (see --port-file)")
    p.add_argument("--jobs", metavar="FILE", help="jobs file (default: the bundled default_jobs.json)")
    p.add_argument("--user", action="append", default=[], metavar="NAME:PASSWORD", help="replaces the defaults")
    p.add_argument("--switch", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--fault", action="append", default=[], metavar="JSON", help="a fault rule object")
    p.add_argument("--tls-cert", metavar="FILE")
    p.add_argument("--tls-key", metavar="FILE")
    p.add_argument("--port-file", metavar="FILE", help="write the bound port there once listening")
    p.add_argument("--quiet", action="store_true", help="no access log (the default)")
    p.add_argument("--access-log", action="store_true", help="log every request to stderr")
    return p


def _users(values: list[str]) -> dict[str, str] | None:
    users = {}
    for value in values:
        name, sep, password = value.partition(":")
        if not sep or not name:
            raise ValueError(f"--user {value!r}: expected NAME:PASSWORD")
        users[name] = password
    return users or None


def _faults(values: list[str]) -> list[Any]:
    rules = []
    for value in values:
        try:
            rules.append(json.loads(value))
        except ValueError as exc:
            raise ValueError(f"--fault {value!r}: invalid JSON: {exc}") from None
    return rules


def _ssl_context(args: argparse.Namespace) -> ssl.SSLContext | None:
    if not args.tls_cert and not args.tls_key:
        return None
    if not (args.tls_cert and args.tls_key):
        raise ValueError("--tls-cert and --tls-key go together")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(args.tls_cert, args.tls_key)
    except (OSError, ssl.SSLError) as exc:
        raise ValueError(f"--tls-cert/--tls-key: cannot load: {exc}") from None
    return context


def _configure(args: argparse.Namespace) -> tuple[EmulatorState, ssl.SSLContext | None]:
    switches = dict(parse_switch_arg(s) for s in args.switch)
    state = build_state(jobs_file=args.jobs, switches=switches, users=_users(args.user), faults=_faults(args.fault))
    return state, _ssl_context(args)


def _write_port_file(path: str, port: int) -> None:
    """Atomically, so that a reader never sees an empty file."""
    tmp = Path(f"{path}.tmp")
    tmp.write_text(str(port))
    os.replace(tmp, path)


async def _serve(args: argparse.Namespace, state: EmulatorState, context: ssl.SSLContext | None) -> None:
    if args.access_log:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    runner, port = await start_site(state, args.host, args.port, context, access_log=args.access_log)
    if args.port_file:
        _write_port_file(args.port_file, port)
    scheme = "https" if context else "http"
    users = ", ".join(state.users)
    print(
        f"Datameer emulator listening on {scheme}://{args.host}:{port} ({len(state.model.jobs)} jobs; users: {users})"
    )
    sys.stdout.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        state, context = _configure(args)
    except (JobsFileError, SwitchError, FaultError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(_serve(args, state, context))
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

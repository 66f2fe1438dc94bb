"""The aiohttp application: routing on the raw path, faults, authentication, request log.

One catch-all aiohttp route hands every request to `handle`, which matches ``request.raw_path`` against
precompiled patterns, so a path identifier with ``%2F`` stays one segment. Order for a Datameer request:
route (unknown path 404, ``/api/`` 404 when ``api_v2`` is off) -> method (405) -> fault rules -> encoded
slash check (``reject_encoded_slash``) -> Basic auth or ``JSESSIONID`` cookie -> handler. Every answer,
faults included (status ``"reset"`` for a dropped connection), is logged with the raw path (query
included); the control API
(``/_emulator/...``) is neither authenticated, faulted nor logged. An unexpected exception becomes a JSON
500, never a traceback page.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import re
import socket
import struct
from collections.abc import Awaitable, Callable

from aiohttp import web

from . import render
from .control import CONTROL_PREFIX, make_control_handler
from .endpoints import HANDLERS, Call
from .faults import FaultRule
from .job_page import PATH as JOB_PAGE_PATH
from .job_page import job_page
from .responses import JSON, Reply, error
from .state import EmulatorState

_SEG = "([^/]+)"
_V2 = "/api/job-execution/" + _SEG
# (command, method, pattern, id kind); V2 status first: it is the hot path of pollers.
_ROUTES: tuple[tuple[str, str, re.Pattern[str], str], ...] = tuple(
    (command, method, re.compile(pattern), kind)
    for command, method, pattern, kind in (
        ("status_v2", "GET", _V2 + "/status", "job"),
        ("trigger_v2", "POST", _V2 + "/trigger", "job"),
        ("trigger_sequential", "POST", _V2 + "/sequential-trigger", "job"),
        ("stop_v2", "POST", _V2 + "/stop", "job"),
        ("status_v1", "GET", "/rest/job-configuration/job-status/" + _SEG, "config"),
        ("job_history", "GET", "/rest/job-configuration/job-history/" + _SEG, "config"),
        ("job_details", "GET", "/rest/job-execution/job-details/" + _SEG, "execution"),
        ("list_running", "GET", "/rest/jobs/list-running", "none"),
        ("trigger_v1", "POST", "/rest/job-execution/?", "config"),
        ("stop_v1", "POST", "/rest/job-execution/job-kill/" + _SEG, "execution"),
        ("delete", "DELETE", "/rest/data/" + _SEG, "execution"),
        ("license", "GET", "/rest/license-details", "none"),
        ("browser", "GET", "/browser", "none"),
    )
)


def _route(path: str, api_v2: bool) -> tuple[str, str, str, str | None] | None:
    if not api_v2 and path.startswith("/api/"):
        return None
    for command, method, pattern, kind in _ROUTES:
        m = pattern.fullmatch(path)
        if m is not None:
            return command, method, kind, m.group(1) if m.groups() else None
    return None


def _authenticate(request: web.Request, state: EmulatorState) -> str | None:
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return user if user in state.users and state.users[user] == password else None
    sid = request.cookies.get("JSESSIONID")
    return state.sessions.get(sid) if sid else None


def _auth_failure(state: EmulatorState) -> web.Response:
    if state.switches["auth_failure_code"] == 403:
        return error(403, "Forbidden")
    realm = state.switches["realm"]
    return error(401, "Unauthorized", {"WWW-Authenticate": f'Basic realm="{realm}"'})


def _drop_connection(request: web.Request) -> None:
    """Close the TCP connection with an RST and no HTTP response."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


def _fault_response(rule: FaultRule) -> web.Response:
    if rule.kind == "http_error":
        return error(rule.status, "injected")
    if rule.kind == "rate_limit":
        return error(429, "Too Many Requests", {"Retry-After": rule.retry_after})
    if rule.kind == "html_login":
        return web.Response(text=render.HTML_LOGIN_PAGE, content_type="text/html")
    return web.Response(body=render.MALFORMED_JSON, content_type=JSON)  # malformed_json


def _job_names(call: Call) -> set[str]:
    names = {call.label} if call.label else set()
    job = call.resolve_job()
    if job is not None:
        names.update((str(job.file_id), job.uuid, job.uuid.lower(), job.path, job.path_without_extension))
    return names


async def _serve(state: EmulatorState, request: web.Request, call: Call) -> web.StreamResponse | None:
    """Answer a routed request; None means the connection was dropped."""
    rule = state.faults.match(call.command, lambda: _job_names(call)) if state.faults.rules else None
    if rule is not None:
        if rule.kind == "reset":
            _drop_connection(request)
            return None
        if rule.kind != "delay":
            return _fault_response(rule)
        await asyncio.sleep(rule.seconds)
    if call.id_kind == "job" and state.switches["reject_encoded_slash"] and "%2f" in (call.segment or "").lower():
        return error(400, "Bad Request: an encoded slash (%2F) is not allowed in the URL path")
    call.user = _authenticate(request, state)
    if call.user is None:
        return _auth_failure(state)
    try:
        return HANDLERS[call.command](call)
    except Reply as reply:
        return reply.response


async def _datameer(state: EmulatorState, request: web.Request, path: str, query: str) -> web.StreamResponse:
    command: str | None = None
    call: Call | None = None
    try:
        found = _route(path, state.switches["api_v2"])
        if found is None:
            response: web.StreamResponse | None = error(404, f"Not Found: {path}")
        else:
            command, method, kind, segment = found
            call = Call(request, state, command, kind, segment, query)
            if command == "trigger_v1":
                call.segment = call.param("configuration")
            if request.method != method:
                response = error(405, f"Method {request.method} not allowed", {"Allow": method})
            else:
                response = await _serve(state, request, call)
    except Exception as exc:  # never a traceback page
        response = error(500, f"emulator internal error: {type(exc).__name__}: {exc}")
    label = call.label if call is not None else None
    user = call.user if call is not None else None
    state.record(
        request.method, request.raw_path, command, label, "reset" if response is None else response.status, user
    )
    # After a reset aiohttp fails to write this response to the closed transport and drops it.
    return web.Response() if response is None else response


def make_handler(state: EmulatorState) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    control = make_control_handler(state)

    async def handle(request: web.Request) -> web.StreamResponse:
        path, _, query = request.raw_path.partition("?")
        if path.startswith(CONTROL_PREFIX):
            return await control(request, path, query)
        if path == JOB_PAGE_PATH and request.method == "GET":
            return job_page(state, query)
        return await _datameer(state, request, path, query)

    return handle


def make_app(state: EmulatorState) -> web.Application:
    app = web.Application(client_max_size=4 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", make_handler(state))
    return app

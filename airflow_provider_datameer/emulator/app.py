"""The aiohttp application: routing on the raw path, faults, authentication, request log.

One catch-all aiohttp route hands every request to `handle`, which matches ``request.raw_path`` against
the route table (routing.py, moved by the ``routes`` switch), so a path identifier with ``%2F`` stays one
segment. A request that names a command with its method goes: fault rules -> encoded slash check
(``reject_encoded_slash``) -> Basic auth or ``JSESSIONID`` cookie -> handler. Any other request is
authenticated first, as a servlet container's security filter does (bad credentials on an unknown URL are
a 401, not a 404), then answered 404 (no route; every ``/api/`` path when ``api_v2`` is off) or 405 with
an ``Allow`` header listing the methods the path has. Every answer, faults included (status ``"reset"``
for a dropped connection), is logged with the raw path (query included); the control API
(``/_emulator/...``), the job page and the login page are neither authenticated, faulted nor logged. An
unexpected exception becomes a 500 (JSON or servlet page, switch ``error_pages``), never a traceback.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import socket
import struct
from collections.abc import Awaitable, Callable

from aiohttp import web

from . import render
from .control import CONTROL_PREFIX, make_control_handler
from .endpoints import HANDLERS, Call
from .error_pages import container_error, login_redirect
from .faults import FaultRule
from .job_page import PATH as JOB_PAGE_PATH
from .job_page import job_page
from .responses import JSON, Reply, error
from .routing import Routed, WrongMethod
from .state import EmulatorState

LOGIN_PAGE_PATH = "/login.html"  # where auth_failure_code=302 sends the client; served without auth


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


def _auth_failure(state: EmulatorState, request: web.Request, path: str) -> web.Response:
    switches = state.switches
    code = switches["auth_failure_code"]
    if code == 302:
        return login_redirect(request)
    if code == 403:
        return container_error(switches, 403, path, "Forbidden")
    headers = {"WWW-Authenticate": f'Basic realm="{switches["realm"]}"'}
    return container_error(switches, 401, path, "Unauthorized", headers)


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


async def _serve(state: EmulatorState, request: web.Request, call: Call, path: str) -> web.StreamResponse | None:
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
        return _auth_failure(state, request, path)
    try:
        return HANDLERS[call.command](call)
    except Reply as reply:
        return reply.response


def _find(state: EmulatorState, method: str, path: str) -> Routed | WrongMethod | None:
    if not state.switches["api_v2"] and path.startswith("/api/"):
        return None
    return state.router.match(method, path)


async def _datameer(state: EmulatorState, request: web.Request, path: str, query: str) -> web.StreamResponse:
    call: Call | None = None
    switches = state.switches
    try:
        found = _find(state, request.method, path)
        if isinstance(found, Routed):
            call = Call.routed(request, state, found, query)
            response = await _serve(state, request, call, path)
        elif _authenticate(request, state) is None:  # credentials first, as a container's security filter
            response = _auth_failure(state, request, path)
        elif found is None:
            response = container_error(switches, 404, path, f"Not Found: {path}")
        else:
            allow = {"Allow": ", ".join(found.allow)}
            response = container_error(switches, 405, path, f"Method {request.method} not allowed", allow)
    except Exception as exc:  # never a traceback page
        response = container_error(switches, 500, path, f"emulator internal error: {type(exc).__name__}: {exc}")
    command = call.command if call is not None else None
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
        if path == LOGIN_PAGE_PATH and request.method == "GET":
            return web.Response(text=render.HTML_LOGIN_PAGE, content_type="text/html")
        return await _datameer(state, request, path, query)

    return handle


def make_app(state: EmulatorState) -> web.Application:
    app = web.Application(client_max_size=4 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", make_handler(state))
    return app

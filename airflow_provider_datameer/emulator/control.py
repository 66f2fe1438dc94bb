"""The control API (``/_emulator/...``): inspect and steer a running emulator. No auth, not logged.

Besides the spec's calls: ``GET /_emulator/switches``, ``GET /_emulator/faults`` and
``DELETE /_emulator/faults/{id}``. ``DELETE /_emulator/requests`` clears the log and the counters.
Errors are JSON ``{"error": ...}``: 400 for a bad body (naming the field/knob and what it accepts), 404 for
an unknown job/execution/path, 405 for a wrong method.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web

from .faults import FaultError
from .jobs import TERMINAL, JobsFileError, parse_job
from .model import TRIGGER_CONTROL, Execution
from .responses import Reply, error, json_response
from .state import EmulatorState
from .switches import SwitchError

CONTROL_PREFIX = "/_emulator/"

Handler = Callable[[EmulatorState, "Ctx"], Any]


class Ctx:
    """Path parameters, query and decoded JSON body of one control request."""

    def __init__(self, args: tuple[str, ...], query: str, body: Any) -> None:
        self.args = args
        self.query = parse_qs(query)
        self.body = body

    def int_arg(self, what: str) -> int:
        text = self.args[0]
        if not text.isdigit():
            raise Reply(error(400, f"invalid {what} {text!r}"))
        return int(text)

    def obj(self, allowed: tuple[str, ...] | None = None) -> dict[str, Any]:
        body = {} if self.body is None else self.body
        if not isinstance(body, dict):
            raise Reply(error(400, "expected a JSON object body"))
        unknown = [k for k in body if allowed is not None and k not in allowed]
        if unknown:
            raise Reply(error(400, f"unknown key {unknown[0]!r}; allowed: {', '.join(allowed or ())}"))
        return body


def _execution(state: EmulatorState, ctx: Ctx) -> Execution:
    ex = state.model.executions.get(ctx.int_arg("execution id"))
    if ex is None:
        raise Reply(error(404, f"no execution {ctx.args[0]}"))
    return ex


def _job_file_id(state: EmulatorState, ctx: Ctx) -> int:
    file_id = ctx.int_arg("file id")
    if file_id not in state.model.jobs:
        raise Reply(error(404, f"no job with file_id {file_id}"))
    return file_id


def _put_job(state: EmulatorState, obj: Any) -> dict[str, Any]:
    try:
        job = parse_job(obj)
        state.put_job(job)
    except JobsFileError as exc:
        raise Reply(error(400, str(exc))) from None
    return job.to_dict()


def _patch_job(state: EmulatorState, ctx: Ctx) -> dict[str, Any]:
    file_id = _job_file_id(state, ctx)
    changes = ctx.obj()
    if changes.get("file_id", file_id) != file_id:
        raise Reply(error(400, "job.file_id: cannot be changed (PUT a new job instead)"))
    return _put_job(state, {**state.model.jobs[file_id].to_dict(), **changes})


def _trigger_as(state: EmulatorState, ctx: Ctx) -> dict[str, Any]:
    job = state.model.jobs[_job_file_id(state, ctx)]
    user = ctx.obj(("user",)).get("user", job.owner)
    if not isinstance(user, str) or not user:
        raise Reply(error(400, "user: expected a user name"))
    ex, _ = state.model.trigger(job, user, "queue", TRIGGER_CONTROL)
    return {"execution_id": ex.id}


def _patch_execution(state: EmulatorState, ctx: Ctx) -> dict[str, Any]:
    ex = _execution(state, ctx)
    body = ctx.obj(("status", "seconds", "finish"))
    if "finish" in body:
        if body["finish"] not in TERMINAL:
            raise Reply(error(400, f"finish: {body['finish']!r} is not one of {', '.join(TERMINAL)}"))
        state.model.end_execution(ex, body["finish"])
    if "status" in body:
        status, seconds = body["status"], body.get("seconds")
        if status is not None and not (isinstance(status, str) and status):
            raise Reply(error(400, "status: expected a string or null"))
        if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float))):
            raise Reply(error(400, "seconds: expected a number of seconds or null"))
        state.model.force_status(ex, status, seconds)
    elif "seconds" in body:
        raise Reply(error(400, "seconds: only valid together with status"))
    return state.model.execution_dict(ex, time.monotonic())


def _switches(state: EmulatorState, ctx: Ctx) -> dict[str, Any]:
    try:
        return dict(state.set_switches(ctx.obj()))
    except SwitchError as exc:
        raise Reply(error(400, str(exc))) from None


def _add_fault(state: EmulatorState, ctx: Ctx) -> dict[str, Any]:
    try:
        return {"id": state.faults.add(ctx.obj()).id}
    except FaultError as exc:
        raise Reply(error(400, str(exc))) from None


def _remove_fault(state: EmulatorState, ctx: Ctx) -> dict[str, Any]:
    if not state.faults.remove(ctx.int_arg("fault id")):
        raise Reply(error(404, f"no fault {ctx.args[0]}"))
    return {"ok": True}


def _requests(state: EmulatorState, ctx: Ctx) -> list[dict[str, Any]]:
    wanted = ctx.query.get("endpoint")
    return [r for r in state.log if r["endpoint"] in wanted] if wanted else list(state.log)


def _done(action: Callable[[], object]) -> dict[str, Any]:
    action()
    return {"ok": True}


# path pattern -> {method: handler}
_TABLE: tuple[tuple[str, dict[str, Handler]], ...] = (
    ("health", {"GET": lambda s, c: {"ok": True}}),
    ("state", {"GET": lambda s, c: s.snapshot()}),
    ("reset", {"POST": lambda s, c: _done(s.reset)}),
    (
        "jobs",
        {"PUT": lambda s, c: _put_job(s, c.body), "GET": lambda s, c: s.model.job_dicts()},
    ),
    ("jobs/([^/]+)", {"PATCH": _patch_job}),
    ("jobs/([^/]+)/trigger", {"POST": _trigger_as}),
    ("executions/([^/]+)", {"PATCH": _patch_execution}),
    ("switches", {"GET": lambda s, c: dict(s.switches), "PATCH": _switches}),
    (
        "faults",
        {
            "GET": lambda s, c: [r.to_dict() for r in s.faults.rules],
            "POST": _add_fault,
            "DELETE": lambda s, c: _done(s.faults.clear),
        },
    ),
    ("faults/([^/]+)", {"DELETE": _remove_fault}),
    ("requests", {"GET": _requests, "DELETE": lambda s, c: _done(s.clear_requests)}),
    ("counters", {"GET": lambda s, c: s.counters()}),
)
_ROUTES = tuple((re.compile(CONTROL_PREFIX + pattern), methods) for pattern, methods in _TABLE)


def make_control_handler(
    state: EmulatorState,
) -> Callable[[web.Request, str, str], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request, path: str, query: str) -> web.StreamResponse:
        try:
            for pattern, methods in _ROUTES:
                m = pattern.fullmatch(path)
                if m is None:
                    continue
                handler = methods.get(request.method)
                if handler is None:
                    return error(405, f"Method {request.method} not allowed", {"Allow": ", ".join(methods)})
                raw = await request.read()
                try:
                    body = json.loads(raw) if raw.strip() else None
                except (ValueError, UnicodeDecodeError) as exc:
                    return error(400, f"invalid JSON body: {exc}")
                return json_response(handler(state, Ctx(m.groups(), query, body)))
            return error(404, f"no control endpoint {path}")
        except Reply as reply:
            return reply.response
        except Exception as exc:  # never a traceback page
            return error(500, f"emulator internal error: {type(exc).__name__}: {exc}")

    return handle

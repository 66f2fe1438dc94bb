"""The Datameer endpoints: one handler per command, each a plain function of a `Call`.

Documented behaviour is in render.py; the choices made here for what the reference leaves open are:
- V1 ids (configuration / execution) must be non-negative integers, else 400 ``{"error": ...}`` (with
  ``error_pages=servlet``: every V1 id refusal, bad or unknown, is the container's HTML 500 page); V2
  identifiers must be digits (file id), a uuid or a path starting with ``/``, else 400 with the V2
  failure body. An unknown V2 file, or one the user may not see (``allowed_users``), gets the documented
  failure body with the ``failure_http_code`` knob; V1 treats a forbidden job as unknown.
- V1 unknown configuration id: 404 ``{"error": ...}`` or, with ``v1_not_found=empty200``, 200 ``{}``
  (``[]`` for history). Unknown execution id: 404 ``{"error": ...}``.
- History without ``start``/``length``: start 0, length 10.
- V1 trigger answers ``{"id": <execution id>}``; "already running" (knob ``trigger_while_running=fail``)
  is 409 on both generations (V2 failure body, reason "Job is already running").
- V2 stop with nothing running: 200/204 empty (knob ``stop_when_idle=ok``) or 409 V2 failure body
  "No running job execution for file <id>"; V1 job-kill likewise (409 ``{"error": ...}``).
- ``/browser`` answers 200 text/html and sets ``JSESSIONID``; that cookie then stands for the user.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote

from aiohttp import web

from . import render
from .error_pages import container_error
from .jobs import UUID_RE, Job
from .model import Conflict, Execution
from .responses import Reply, empty, error, json_response
from .routing import Routed
from .state import EmulatorState

_DIGITS = re.compile(r"^[0-9]{1,18}$")


@dataclass(slots=True)
class Call:
    """One routed Datameer request."""

    request: web.Request
    state: EmulatorState
    command: str
    id_kind: str  # "config" | "execution" | "job" | "none"
    segment: str | None  # raw identifier from the path (or the `configuration` query value)
    query: str
    query_names: Mapping[str, str] = field(default_factory=dict)  # placeholder -> query parameter name
    user: str | None = None
    _params: dict[str, list[str]] | None = field(default=None, repr=False)

    @classmethod
    def routed(cls, request: web.Request, state: EmulatorState, found: Routed, query: str) -> Call:
        route = found.route
        call = cls(request, state, route.command, route.id_kind, found.segment, query, route.query_names)
        if route.id_in_query is not None:
            call.segment = call.query_value(route.id_in_query)
        return call

    @property
    def label(self) -> str | None:
        """The identifier as the request log shows it (decoded)."""
        return None if self.segment is None else unquote(self.segment)

    def param(self, placeholder: str) -> str | None:
        """The query value the route's template names `placeholder` (``start`` -> ``?start=``)."""
        return self.query_value(self.query_names.get(placeholder, placeholder))

    def query_value(self, name: str) -> str | None:
        if self._params is None:
            self._params = parse_qs(self.query, keep_blank_values=True)
        values = self._params.get(name)
        return values[0] if values else None

    @property
    def path(self) -> str:
        return self.request.raw_path.partition("?")[0]

    def resolve_job(self) -> Job | None:
        """The job this request is about, ignoring permissions (for fault matching)."""
        model, label = self.state.model, self.label
        if label is None or (self.id_kind != "job" and not _DIGITS.match(label)):
            return None
        if self.id_kind == "job":
            return model.resolve(label)
        if self.id_kind == "config":
            return model.job_by_config(int(label))
        ex = model.executions.get(int(label))
        return None if ex is None else model.jobs.get(ex.job.file_id, ex.job)


# ---- identifier helpers ---------------------------------------------------------------------------


def _v1_refusal(call: Call, status: int, message: str, cause: str) -> Reply:
    """A V1 servlet refusing an id: `status` with ``{"error": message}``, or (``error_pages=servlet``) the
    container's 500 page for the exception `cause` the servlet threw (invented Java exception text)."""
    switches = call.state.switches
    if switches["error_pages"] == "servlet":
        return Reply(container_error(switches, 500, call.path, message, cause=cause))
    return Reply(error(status, message))


def _v1_number(call: Call, text: str | None, what: str) -> int:
    if text is None or not _DIGITS.match(text):
        cause = f'java.lang.NumberFormatException: For input string: "{text or ""}"'
        raise _v1_refusal(call, 400, f"Invalid {what} {text!r}: expected a non-negative integer", cause)
    return int(text)


def _v1_int(call: Call, what: str) -> int:
    return _v1_number(call, call.label, what)


def _v1_job(call: Call) -> Job | None:
    job = call.state.model.job_by_config(_v1_int(call, "job configuration id"))
    return job if job is not None and job.may_see(call.user) else None


def _unknown_configuration(call: Call) -> Reply:
    message = f"No job configuration with id {call.label}"
    return _v1_refusal(call, 404, message, f"java.lang.IllegalArgumentException: {message}")


def _v1_not_found(call: Call, empty_body: object) -> web.Response:
    if call.state.switches["v1_not_found"] == "empty200":
        return json_response(empty_body)
    raise _unknown_configuration(call)


def _execution(call: Call) -> Execution:
    model = call.state.model
    ex = model.executions.get(_v1_int(call, "job execution id"))
    if ex is None or not model.jobs.get(ex.job.file_id, ex.job).may_see(call.user):
        message = f"No job execution with id {call.label}"
        raise _v1_refusal(call, 404, message, f"java.lang.IllegalArgumentException: {message}")
    return ex


def _v2_fail(call: Call, reason: str = render.FAILURE_REASON, status: int | None = None) -> Reply:
    code = call.state.switches["failure_http_code"] if status is None else status
    return Reply(json_response(render.v2_failure(reason), code))


def _v2_job(call: Call) -> Job:
    ident = call.label or ""
    if not (ident.isdigit() or ident.startswith("/") or UUID_RE.match(ident)):
        raise _v2_fail(call, f"Invalid job identifier {ident!r}: expected a file id, a uuid or a path", 400)
    job = call.state.model.resolve(ident)
    if job is None or not job.may_see(call.user):
        raise _v2_fail(call)
    return job


# ---- handlers -------------------------------------------------------------------------------------


def status_v1(call: Call) -> web.Response:
    job = _v1_job(call)
    if job is None:
        return _v1_not_found(call, {})
    now = time.monotonic()
    ex = call.state.model.latest_visible(job, now)
    return json_response(render.v1_status(ex, now, call.state.switches))


def status_v2(call: Call) -> web.Response:
    job = _v2_job(call)
    now = time.monotonic()
    ex = call.state.model.latest_visible(job, now)
    return json_response(render.v2_status(ex, now, call.state.switches))


def job_history(call: Call) -> web.Response:
    bounds = []
    for name, default in (("start", 0), ("length", 10)):
        text = call.param(name)
        bounds.append(default if text is None else _v1_number(call, text, name))
    job = _v1_job(call)
    if job is None:
        return _v1_not_found(call, [])
    now, switches = time.monotonic(), call.state.switches
    page = call.state.model.history(job, now)[bounds[0] : bounds[0] + bounds[1]]
    return json_response([render.v1_status(ex, now, switches) for ex in page])


def job_details(call: Call) -> web.Response:
    ex = _execution(call)
    configuration_id = call.state.model.configuration_id(ex.job)
    return json_response(render.job_details(ex, configuration_id, time.monotonic(), call.state.switches))


def list_running(call: Call) -> web.Response:
    now, state = time.monotonic(), call.state
    visible = (ex for ex in state.model.running(now) if state.model.jobs[ex.job.file_id].may_see(call.user))
    model = state.model
    return json_response(
        [render.list_running_entry(ex, model.configuration_id(ex.job), now, state.switches) for ex in visible]
    )


def _trigger(call: Call, job: Job, mode: str) -> Execution:
    assert call.user is not None
    try:
        return call.state.model.trigger(job, call.user, mode)[0]
    except Conflict as exc:
        if call.id_kind == "job":
            raise _v2_fail(call, str(exc), 409) from None
        raise Reply(error(409, str(exc))) from None


def trigger_v1(call: Call) -> web.Response:
    job = _v1_job(call)
    if job is None:
        raise _unknown_configuration(call)
    ex = _trigger(call, job, call.state.switches["trigger_while_running"])
    return json_response({"id": ex.id} if call.state.switches["v1_trigger_body"] == "id" else {})


def trigger_v2(call: Call) -> web.Response:
    ex = _trigger(call, _v2_job(call), call.state.switches["trigger_while_running"])
    return json_response(render.v2_trigger(ex))


def trigger_sequential(call: Call) -> web.Response:
    return json_response(render.v2_trigger(_trigger(call, _v2_job(call), "queue")))


def stop_v1(call: Call) -> web.Response:
    ex = _execution(call)
    if not call.state.model.end_execution(ex) and call.state.switches["stop_when_idle"] == "failure":
        return error(409, f"Job execution {ex.id} is not running")
    return empty(200)


def stop_v2(call: Call) -> web.Response:
    job = _v2_job(call)
    if not call.state.model.stop_job(job) and call.state.switches["stop_when_idle"] == "failure":
        raise _v2_fail(call, f"No running job execution for file {job.file_id}", 409)
    return empty(call.state.switches["stop_http_code"])


def delete(call: Call) -> web.Response:
    _execution(call).data_deleted = True
    return json_response({"status": "success"})


def license_details(call: Call) -> web.Response:
    return json_response(render.license_details(call.state.started, call.state.switches))


def browser(call: Call) -> web.Response:
    assert call.user is not None
    sessions = call.state.sessions
    sid = call.request.cookies.get("JSESSIONID", "")
    if sessions.get(sid) != call.user:
        sid = secrets.token_hex(16).upper()
        sessions[sid] = call.user
    response = web.Response(text=render.BROWSER_PAGE, content_type="text/html")
    response.set_cookie("JSESSIONID", sid, path="/", httponly=True)
    return response


HANDLERS: dict[str, Callable[[Call], web.Response]] = {
    "status_v1": status_v1,
    "status_v2": status_v2,
    "job_history": job_history,
    "job_details": job_details,
    "list_running": list_running,
    "trigger_v1": trigger_v1,
    "trigger_v2": trigger_v2,
    "trigger_sequential": trigger_sequential,
    "stop_v1": stop_v1,
    "stop_v2": stop_v2,
    "delete": delete,
    "license": license_details,
    "browser": browser,
}

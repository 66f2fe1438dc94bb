"""The endpoint table: one row per Datameer command, and the requests built from it.

Each row says how to call the command (method, URL template), how to read its success body (the parser),
whether it changes anything in Datameer, whether it may be repeated, and how sure we are of the URL. The
hook's two transports send what :func:`build_request` builds and hand the answer to
:func:`~airflow_provider_datameer.core.responses.read_response`, which parses it with the row's parser; so the
sync and async paths share every URL, every identifier rule and every reading of a body (the "sans-I/O" style
of h11 and gidgethub). Nothing here opens a socket.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from airflow_provider_datameer.core import models
from airflow_provider_datameer.core.identifiers import encode_job_ref, require_id
from airflow_provider_datameer.core.templates import template_fields
from airflow_provider_datameer.core.values import decoded_json, whole_number

#: A success body's parser: the decoded JSON and the request (job details name the execution asked for).
Parser = Callable[[Any, "Request"], Any]


@dataclass(frozen=True)
class Endpoint:
    """One Datameer command: how to call it, how to read its answer, and how sure we are of the URL.

    ``path`` is a template; its placeholders are ``{job}`` (file id, uuid or encoded path),
    ``{configuration_id}``, ``{execution_id}``, ``{start}`` and ``{length}``. ``parser`` turns the decoded
    success body into the command's typed result (``None``: the body is returned as decoded).
    ``changes_state`` is true for commands that start, stop or delete something: ``check`` never sends them.
    ``idempotent`` is false for commands that start a run: those are never repeated once the server may have
    received them. ``empty_body_ok``: an empty success body is the documented answer.
    """

    command: str
    method: str
    path: str
    confidence: str
    parser: Parser | None = None
    changes_state: bool = False
    idempotent: bool = True
    empty_body_ok: bool = False


def _body(parse: Callable[[Any], Any]) -> Parser:
    """A parser that needs only the body."""
    return lambda data, _request: parse(data)


_V2 = "/api/job-execution/{job}"
_TRIGGER_V2 = _body(models.parse_trigger_v2)
DEFAULT_ENDPOINTS: Mapping[str, Endpoint] = {
    e.command: e
    for e in (
        Endpoint(
            "status_v1",
            "GET",
            "/rest/job-configuration/job-status/{configuration_id}",
            "documented",
            _body(models.parse_status_v1),
        ),
        Endpoint("status_v2", "GET", f"{_V2}/status", "documented (Datameer >= 7.2.5)", _body(models.parse_status_v2)),
        Endpoint(
            "job_history",
            "GET",
            "/rest/job-configuration/job-history/{configuration_id}?start={start}&length={length}",
            "documented",
            _body(models.parse_history),
        ),
        Endpoint(
            "job_details",
            "GET",
            "/rest/job-execution/job-details/{execution_id}",
            "documented",
            lambda data, request: models.parse_job_details(data, request.execution_id),
        ),
        Endpoint(
            "list_running",
            "GET",
            "/rest/jobs/list-running",
            "documented + client code",
            _body(models.parse_active_jobs),
        ),
        Endpoint(
            "trigger_v2",
            "POST",
            f"{_V2}/trigger",
            "inferred URL, documented body",
            _TRIGGER_V2,
            changes_state=True,
            idempotent=False,
        ),
        Endpoint(
            "trigger_v1",
            "POST",
            "/rest/job-execution?configuration={configuration_id}",
            "client code",
            _body(models.parse_trigger_v1),
            changes_state=True,
            idempotent=False,
            empty_body_ok=True,
        ),
        Endpoint(
            "trigger_sequential",
            "POST",
            f"{_V2}/sequential-trigger",
            "assumption: queues a run behind the active one",
            _TRIGGER_V2,
            changes_state=True,
            idempotent=False,
        ),
        Endpoint(
            "stop_v2",
            "POST",
            f"{_V2}/stop",
            "inferred URL, documented empty body",
            changes_state=True,
            empty_body_ok=True,
        ),
        Endpoint(
            "stop_v1",
            "POST",
            "/rest/job-execution/job-kill/{execution_id}",
            "client code",
            changes_state=True,
            empty_body_ok=True,
        ),
        Endpoint(
            "delete",
            "DELETE",
            "/rest/data/{execution_id}",
            "assumption (client code): deletes one execution's result data",
            changes_state=True,
            empty_body_ok=True,
        ),
        Endpoint("license", "GET", "/rest/license-details", "documented", _body(models.parse_server_version)),
    )
}
_METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH"})


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def resolve_endpoints(overrides: object = None) -> dict[str, Endpoint]:
    """Merge the connection extra ``endpoints`` over the defaults.

    Each override maps a command name to a path template, or to ``{"path": ..., "method": ...}``. The
    template must keep the identifier placeholder of the default and use no others. Raises ``ValueError``
    naming the command and the problem.
    """
    table = dict(DEFAULT_ENDPOINTS)
    if overrides in (None, "", {}):
        return table
    try:
        overrides = decoded_json(overrides)
    except ValueError as exc:
        raise ValueError(f"Connection extra 'endpoints' is not valid JSON: {exc}") from None
    if not isinstance(overrides, Mapping):
        raise ValueError("Connection extra 'endpoints' must be a JSON object of command -> path or {path, method}")
    for command, spec in overrides.items():
        default = table.get(command)
        if default is None:
            raise ValueError(
                f"Connection extra 'endpoints' names unknown command {command!r}; "
                f"known commands: {', '.join(sorted(DEFAULT_ENDPOINTS))}"
            )
        path, method = (spec, default.method) if isinstance(spec, str) else _override_fields(command, spec)
        if not path.startswith("/"):
            raise ValueError(f"Endpoint override for {command!r}: path {path!r} must start with '/'")
        try:
            used = template_fields(path)
        except ValueError as exc:
            raise ValueError(f"Endpoint override for {command!r}: {exc}") from None
        allowed = _placeholders(default.path)
        if used - allowed:
            raise ValueError(
                f"Endpoint override for {command!r}: unknown placeholder(s) "
                f"{', '.join(sorted(used - allowed))}; allowed: {', '.join(sorted(allowed)) or 'none'}"
            )
        missing = (allowed & {"job", "configuration_id", "execution_id"}) - used
        if missing:
            raise ValueError(f"Endpoint override for {command!r}: path must contain {{{missing.pop()}}}")
        table[command] = replace(default, path=path, method=method, confidence="overridden by connection")
    return table


def _override_fields(command: str, spec: object) -> tuple[str, str]:
    if not isinstance(spec, Mapping) or not isinstance(spec.get("path"), str):
        raise ValueError(f"Endpoint override for {command!r} must be a path string or an object with 'path'")
    method = str(spec.get("method", DEFAULT_ENDPOINTS[command].method)).upper()
    if method not in _METHODS:
        raise ValueError(f"Endpoint override for {command!r}: method {method!r} is not one of {sorted(_METHODS)}")
    return spec["path"], method


# ---------------------------------------------------------------------------------------------- requests
@dataclass(frozen=True)
class Request:
    """A request ready to send: the transport adds base URL, auth and timeout."""

    endpoint: Endpoint
    path: str
    execution_id: int | None = None

    @property
    def command(self) -> str:
        return self.endpoint.command

    @property
    def method(self) -> str:
        return self.endpoint.method


@dataclass(frozen=True)
class Response:
    """What came back for a :class:`Request`, before any meaning is given to it (the transports' output)."""

    status: int
    headers: Mapping[str, str]
    body: bytes


def build_request(endpoints: Mapping[str, Endpoint], command: str, **params: object) -> Request:
    """Fill the command's template with validated, encoded parameters (``ValueError`` on bad input)."""
    endpoint = endpoints[command]
    values: dict[str, str] = {}
    for name in _placeholders(endpoint.path):
        if name not in params:
            raise TypeError(f"{command} needs parameter {name!r}")
        value = params[name]
        values[name] = encode_job_ref(value) if name == "job" else str(require_id(value, name))
    execution_id = params.get("execution_id")
    return Request(
        endpoint,
        endpoint.path.format(**values),
        None if execution_id is None else require_id(execution_id, "execution_id"),
    )


# ---------------------------------------------------------------------------------------------- generations
@dataclass(frozen=True)
class Generation:
    """The commands a wait uses with one generation of Datameer's API, and how each names the job.

    V2 (Datameer 7.2.5+) names a job by file id, uuid or path under ``/api/``; V1 names it by configuration
    id under ``/rest/`` and has no command that stops "the job's current run".
    """

    version: int
    status: str
    trigger: str
    job_param: str
    stop_current: str | None

    def status_request(self, endpoints: Mapping[str, Endpoint], job_id: int | str) -> Request:
        """The job's latest execution."""
        return build_request(endpoints, self.status, **{self.job_param: job_id})

    def stop_current_request(self, endpoints: Mapping[str, Endpoint], job_id: int | str) -> Request | None:
        """Stop the job's current run by naming the job (``None``: this generation has no such command)."""
        if self.stop_current is None:
            return None
        return build_request(endpoints, self.stop_current, **{self.job_param: job_id})

    def file_id_of(self, job_id: int | str) -> int | None:
        """The file id that ``job_id`` is, when it is one (V2 and a numeric id); ``None`` for a uuid, a path,
        or a V1 configuration id. V2 status names the file only once the job has run."""
        return whole_number(job_id) if self.job_param == "job" else None

    def check_job_id(self, job_id: object) -> None:
        """``ValueError`` unless ``job_id`` names a job in this generation (before any request is sent)."""
        if self.job_param == "job":
            encode_job_ref(job_id)
        else:
            require_id(job_id, "job_id (a configuration id with api_version=1)")


#: Commands only the V2 (``/api/``, Datameer 7.2.5+) generation has; a connection on ``api_version`` 1 needs none.
V2_COMMANDS = frozenset({"status_v2", "trigger_v2", "trigger_sequential", "stop_v2"})
GENERATIONS: Mapping[int, Generation] = {
    1: Generation(1, "status_v1", "trigger_v1", "configuration_id", None),
    2: Generation(2, "status_v2", "trigger_v2", "job", "stop_v2"),
}


def details_request(endpoints: Mapping[str, Endpoint], execution_id: int) -> Request:
    """One execution's details (status, times, counters), by execution id."""
    return build_request(endpoints, "job_details", execution_id=execution_id)


def kill_request(endpoints: Mapping[str, Endpoint], execution_id: int) -> Request:
    """Stop one execution by id (V1 job-kill: the only stop that names the execution)."""
    return build_request(endpoints, "stop_v1", execution_id=execution_id)


def history_request(
    endpoints: Mapping[str, Endpoint], configuration_id: int | str, length: int = 10, start: int = 0
) -> Request:
    """``length`` executions of a configuration from the ``start``-th newest (V1 job history, newest first)."""
    return build_request(endpoints, "job_history", configuration_id=configuration_id, start=start, length=length)

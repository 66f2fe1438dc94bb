"""The transport-free Datameer core: endpoint table, identifiers, request building, response checking.

Nothing here opens a socket. The hook's sync (requests) and async (aiohttp) transports both call
:func:`build_request` before sending and :func:`read_response` after receiving, so the two paths share
every URL, every identifier rule and every error decision (the "sans-I/O" style of h11 and gidgethub).
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any

from airflow_provider_datameer import models
from airflow_provider_datameer.errors import (
    DatameerAuthError,
    DatameerError,
    DatameerNotFoundError,
    DatameerRejectedError,
    DatameerTransientError,
    DatameerUnexpectedResponseError,
)
from airflow_provider_datameer.identifiers import encode_job_ref, require_id
from airflow_provider_datameer.templates import template_fields


@dataclass(frozen=True)
class Endpoint:
    """One Datameer command: how to call it and how sure we are of the URL (see the README's limits).

    ``path`` is a template; its placeholders are ``{job}`` (file id, uuid or encoded path),
    ``{configuration_id}``, ``{execution_id}``, ``{start}`` and ``{length}``.
    ``idempotent`` is false for commands that start a run: those are never repeated once the server may
    have received them.
    """

    command: str
    method: str
    path: str
    confidence: str
    idempotent: bool = True
    empty_body_ok: bool = False


_V2 = "/api/job-execution/{job}"
DEFAULT_ENDPOINTS: Mapping[str, Endpoint] = {
    e.command: e
    for e in (
        Endpoint("status_v1", "GET", "/rest/job-configuration/job-status/{configuration_id}", "documented"),
        Endpoint("status_v2", "GET", f"{_V2}/status", "documented (Datameer >= 7.2.5)"),
        Endpoint(
            "job_history",
            "GET",
            "/rest/job-configuration/job-history/{configuration_id}?start={start}&length={length}",
            "documented",
        ),
        Endpoint("job_details", "GET", "/rest/job-execution/job-details/{execution_id}", "documented"),
        Endpoint("list_running", "GET", "/rest/jobs/list-running", "documented + client code"),
        Endpoint("trigger_v2", "POST", f"{_V2}/trigger", "inferred URL, documented body", idempotent=False),
        Endpoint(
            "trigger_v1",
            "POST",
            "/rest/job-execution?configuration={configuration_id}",
            "client code",
            idempotent=False,
            empty_body_ok=True,
        ),
        Endpoint(
            "trigger_sequential",
            "POST",
            f"{_V2}/sequential-trigger",
            "assumption: queues a run behind the active one",
            idempotent=False,
        ),
        Endpoint("stop_v2", "POST", f"{_V2}/stop", "inferred URL, documented empty body", empty_body_ok=True),
        Endpoint(
            "stop_v1",
            "POST",
            "/rest/job-execution/job-kill/{execution_id}",
            "client code",
            empty_body_ok=True,
        ),
        Endpoint(
            "delete",
            "DELETE",
            "/rest/data/{execution_id}",
            "assumption (client code): deletes one execution's result data",
            empty_body_ok=True,
        ),
        Endpoint("license", "GET", "/rest/license-details", "documented"),
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
    if isinstance(overrides, str):
        try:
            overrides = json.loads(overrides)
        except (ValueError, RecursionError) as exc:
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


# ---------------------------------------------------------------------------------------------- responses
_PARSERS: Mapping[str, Callable[[Any], Any]] = {
    "status_v1": models.parse_status_v1,
    "status_v2": models.parse_status_v2,
    "job_history": models.parse_history,
    "job_details": models.parse_job_details,
    "list_running": models.parse_active_jobs,
    "trigger_v1": models.parse_trigger_v1,
    "trigger_v2": models.parse_trigger_v2,
    "trigger_sequential": models.parse_trigger_v2,
    "license": models.parse_server_version,
}
_SNIPPET = 200
# 503 and 429 say the server did not take the request on; other 5xx may come after it acted.
_NOT_PROCESSED = frozenset({429, 503})


def read_response(request: Request, http_status: int, headers: Mapping[str, str], body: bytes) -> Any:
    """Check one response and return the command's typed result (``None`` for empty-body commands).

    Raises the :mod:`~airflow_provider_datameer.errors` subclass that says what went wrong. Looks at both
    the HTTP code and the body, because Datameer's ``"status": "failure"`` may come with any code.
    """
    context = {"command": request.command, "method": request.method, "path": request.path}
    content_type = _header(headers, "content-type").lower()
    data, decode_problem = _decode(body, content_type)

    if http_status in _NOT_PROCESSED or http_status >= 500:
        raise DatameerTransientError(
            "Datameer is overloaded (rate limited)" if http_status == 429 else "Datameer answered with a server error",
            may_have_reached_server=http_status not in _NOT_PROCESSED,
            retry_after=parse_retry_after(_header(headers, "retry-after")),
            http_status=http_status,
            reason=_reason(data),
            **context,
        )
    if http_status == 401:
        raise DatameerAuthError("the credentials were refused", http_status=401, **context)

    if 300 <= http_status < 400:
        raise DatameerUnexpectedResponseError(
            f"redirected to {_header(headers, 'location') or 'another page'} — most likely a single-sign-on/login "
            "page; Datameer's REST API needs HTTP Basic credentials of an internal or LDAP user",
            http_status=http_status,
            **context,
        )
    reason = _reason(data)
    failure_body = isinstance(data, Mapping) and data.get("status") == "failure"
    hint = None if failure_body else _url_hint(request, http_status)
    # A 403 with a plain {"error": ...} body is the server's auth layer (wrong password or no rights), not
    # Datameer's answer to the command; the documented failure body is, whatever its HTTP code.
    if failure_body or (isinstance(data, Mapping) and "error" in data and http_status != 403):
        error_class = DatameerNotFoundError if http_status == 404 or _looks_not_found(reason) else DatameerRejectedError
        raise error_class("Datameer rejected the command", http_status=http_status, reason=reason, hint=hint, **context)
    if http_status == 403:
        raise DatameerAuthError(
            "the credentials were refused or the user is not allowed to do this",
            http_status=403,
            reason=reason,
            **context,
        )
    if http_status == 404:
        raise DatameerNotFoundError(
            "no such job, execution or endpoint", http_status=404, reason=reason, hint=hint, **context
        )
    if http_status >= 400 or http_status < 200:
        raise DatameerRejectedError(
            "Datameer refused the request", http_status=http_status, reason=reason, hint=hint, **context
        )
    if not body.strip():
        if request.endpoint.empty_body_ok:
            return None
        raise DatameerUnexpectedResponseError("the response body is empty", http_status=http_status, **context)
    if decode_problem:
        raise DatameerUnexpectedResponseError(decode_problem, http_status=http_status, **context)
    parser = _PARSERS.get(request.command)
    if parser is None:
        return data
    try:
        if request.command == "job_details":
            return models.parse_job_details(data, request.execution_id)
        return parser(data)
    except models.ShapeError as exc:
        raise DatameerUnexpectedResponseError(
            f"unexpected response shape ({exc}): {_snippet(body)}", http_status=http_status, **context
        ) from None


_V2_MISSING_HINT = (
    "If every /api/ call fails like this, the server may be older than Datameer 7.2.5 or lack the REST-v2 "
    "plug-in; if only this command does, its URL may differ on your version: override it with the "
    "connection extra 'endpoints'. Otherwise check the job id (file id, uuid or path) and the user's rights."
)
_ENCODED_SLASH_HINT = (
    "A job path is sent as one URL segment with encoded slashes (%2F), which some proxies and servers refuse: "
    "name the job by its file id or uuid instead, or let the proxy pass encoded slashes "
    "(Apache: AllowEncodedSlashes NoDecode)."
)


def _url_hint(request: Request, http_status: int) -> str | None:
    """What to check when a 400/404 came from the URL itself rather than from Datameer's command handling."""
    hints = []
    if http_status in (400, 404) and "%2f" in request.path.lower():
        hints.append(_ENCODED_SLASH_HINT)
    if http_status == 404 and request.path.startswith("/api/"):
        hints.append(_V2_MISSING_HINT)
    return " ".join(hints) or None


def _decode(body: bytes, content_type: str) -> tuple[Any, str | None]:
    """Decode a JSON body; on failure return a problem text that shows what came back."""
    stripped = body.strip()
    if not stripped:
        return None, None
    if "html" in content_type or stripped[:1] == b"<":
        return None, (
            "expected JSON but got an HTML page — most likely a single-sign-on/login page or a proxy in front "
            f"of Datameer: {_snippet(body)}"
        )
    try:
        return json.loads(body), None
    except (ValueError, RecursionError):
        return None, f"the body is not valid JSON: {_snippet(body)}"


def _snippet(body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip()
    text = " ".join(text.split())
    return repr(text[:_SNIPPET] + ("…" if len(text) > _SNIPPET else ""))


def _reason(data: object) -> str | None:
    if isinstance(data, Mapping):
        for key in ("reason", "error", "message"):
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def _looks_not_found(reason: str | None) -> bool:
    text = (reason or "").lower()
    return "exist" in text or "not found" in text or "accessible" in text


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name), "")
    return value or ""


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta seconds or an HTTP date); ``None`` if absent or bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from datetime import datetime

        when = parsedate_to_datetime(value)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError, IndexError):
        return None


__all__ = [
    "DEFAULT_ENDPOINTS",
    "DatameerError",
    "Endpoint",
    "Request",
    "Response",
    "build_request",
    "encode_job_ref",
    "parse_retry_after",
    "read_response",
    "require_id",
    "resolve_endpoints",
]

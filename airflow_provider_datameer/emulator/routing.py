"""The route table: which method and path template answers each Datameer command, and matching a request.

Templates use the provider's placeholders: ``{job}`` (file id, uuid or encoded path), ``{configuration_id}``,
``{execution_id}``, and ``{start}``/``{length}`` for history. A placeholder in the path matches one raw
segment (``%2F`` stays inside it); one in the query string names the query parameter that carries the
value (``/rest/job-execution?configuration={configuration_id}``). When the identifier travels in the query,
a trailing slash on the path is tolerated (``/rest/job-execution/?configuration=41``, seen in a client).

The ``routes`` switch moves commands: ``{"trigger_v2": {"path": "/api/v2/job/{job}/start", "method": "PUT"},
"stop_v2": "/api/x/{job}/halt"}`` (a bare string keeps the default method), the same shape as the
provider's connection extra ``endpoints``. A moved command no longer answers at its old place: there the
server says 404, or 405 when another command still lives on that path with another method.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

_V2 = "/api/job-execution/{job}"
# command -> (method, template); V2 status first: it is the hot path of pollers.
DEFAULT_ROUTES: dict[str, tuple[str, str]] = {
    "status_v2": ("GET", f"{_V2}/status"),
    "trigger_v2": ("POST", f"{_V2}/trigger"),
    "trigger_sequential": ("POST", f"{_V2}/sequential-trigger"),
    "stop_v2": ("POST", f"{_V2}/stop"),
    "status_v1": ("GET", "/rest/job-configuration/job-status/{configuration_id}"),
    "job_history": ("GET", "/rest/job-configuration/job-history/{configuration_id}?start={start}&length={length}"),
    "job_details": ("GET", "/rest/job-execution/job-details/{execution_id}"),
    "list_running": ("GET", "/rest/jobs/list-running"),
    "trigger_v1": ("POST", "/rest/job-execution?configuration={configuration_id}"),
    "stop_v1": ("POST", "/rest/job-execution/job-kill/{execution_id}"),
    "delete": ("DELETE", "/rest/data/{execution_id}"),
    "license": ("GET", "/rest/license-details"),
    "browser": ("GET", "/browser"),
}
ID_KINDS = {"job": "job", "configuration_id": "config", "execution_id": "execution"}
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")
RESERVED = ("/_emulator/", "/file-job", "/login.html")  # served by the emulator itself


class RouteError(ValueError):
    """A ``routes`` value that does not describe a usable route table."""


@dataclass(frozen=True, slots=True)
class Route:
    command: str
    method: str
    template: str
    id_kind: str  # "job" | "config" | "execution" | "none"
    pattern: re.Pattern[str]
    id_in_query: str | None  # query parameter carrying the identifier, if it is not in the path
    query_names: Mapping[str, str]  # placeholder -> query parameter name


@dataclass(frozen=True, slots=True)
class Routed:
    """A request that names a command with the right method; `segment` is its raw identifier."""

    route: Route
    segment: str | None


@dataclass(frozen=True, slots=True)
class WrongMethod:
    """The path exists, but not for this method; `allow` lists the methods it has."""

    allow: tuple[str, ...]


def _placeholders(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


def _compile(command: str, method: str, template: str) -> Route:
    path, _, query = template.partition("?")
    names = _placeholders(template)
    id_name = next((n for n in names if n in ID_KINDS), None)
    query_names = {value[1:-1]: key for key, value in parse_qsl(query) if value[:1] == "{" and value[-1:] == "}"}
    regex = ""
    for literal, name, _, _ in string.Formatter().parse(path):
        regex += re.escape(literal)
        if name is not None:
            regex += "([^/]+)"
    id_in_query = query_names.get(id_name) if id_name else None
    if id_in_query is not None:
        regex += "/?"
    kind = ID_KINDS[id_name] if id_name else "none"
    return Route(command, method, template, kind, re.compile(regex), id_in_query, query_names)


class Router:
    """Matches ``(method, raw path)`` against the default table with the ``routes`` overrides applied."""

    def __init__(self, overrides: Mapping[str, Mapping[str, str]] | None = None) -> None:
        table: dict[str, Mapping[str, str]] = {c: {"method": m, "path": p} for c, (m, p) in DEFAULT_ROUTES.items()}
        table.update(overrides or {})
        self.routes = tuple(_compile(c, spec["method"], spec["path"]) for c, spec in table.items())

    def match(self, method: str, path: str) -> Routed | WrongMethod | None:
        """The route for this request; WrongMethod if only other methods live on the path; None: no route."""
        allow: list[str] = []
        for route in self.routes:
            m = route.pattern.fullmatch(path)
            if m is None:
                continue
            if route.method == method:
                return Routed(route, m.group(1) if m.groups() else None)
            if route.method not in allow:
                allow.append(route.method)
        return WrongMethod(tuple(allow)) if allow else None


# ---- validation of the `routes` switch ---------------------------------------------------------------


def _spec(label: str, spec: Any, default_method: str) -> dict[str, str]:
    if isinstance(spec, str):
        return {"path": spec, "method": default_method}
    if not isinstance(spec, Mapping) or not isinstance(spec.get("path"), str):
        raise RouteError(f"{label}: expected a path string or an object with 'path' (and optional 'method')")
    unknown = sorted(set(spec) - {"path", "method"})
    if unknown:
        raise RouteError(f"{label}: unknown key {unknown[0]!r}; allowed: path, method")
    method = spec.get("method", default_method)
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise RouteError(f"{label}.method: {method!r} is not one of {', '.join(METHODS)}")
    return {"path": spec["path"], "method": method.upper()}


def _check_template(label: str, command: str, path: str) -> None:
    if not path.startswith("/") or any(c.isspace() for c in path):
        raise RouteError(f"{label}.path: {path!r} must start with '/' and contain no spaces")
    if path.startswith(RESERVED):
        raise RouteError(f"{label}.path: {path!r} is reserved by the emulator ({', '.join(RESERVED)})")
    try:
        used = _placeholders(path)
    except ValueError as exc:
        raise RouteError(f"{label}.path: bad template {path!r}: {exc}") from None
    allowed = set(_placeholders(DEFAULT_ROUTES[command][1]))
    unknown = sorted(set(used) - allowed)
    if unknown:
        raise RouteError(
            f"{label}.path: unknown placeholder {{{unknown[0]}}} in {path!r}; "
            f"allowed for {command}: {', '.join('{' + a + '}' for a in sorted(allowed)) or 'none'}"
        )
    for name in sorted(allowed & set(ID_KINDS)):
        if used.count(name) != 1:
            raise RouteError(f"{label}.path: {path!r} must contain {{{name}}} exactly once")


def validate_routes(value: Any, label: str = "routes") -> dict[str, dict[str, str]]:
    """Check a ``routes`` value; return it with every entry as ``{"path", "method"}`` (method upper case)."""
    if not isinstance(value, Mapping):
        raise RouteError(f"{label}: expected a JSON object of command -> path or {{path, method}}")
    out: dict[str, dict[str, str]] = {}
    for command, spec in value.items():
        if command not in DEFAULT_ROUTES:
            raise RouteError(f"{label}: unknown command {command!r}; known commands: {', '.join(DEFAULT_ROUTES)}")
        entry = _spec(f"{label}.{command}", spec, DEFAULT_ROUTES[command][0])
        _check_template(f"{label}.{command}", command, entry["path"])
        out[command] = entry
    seen: dict[tuple[str, str], str] = {}
    for route in Router(out).routes:
        key = (route.method, route.pattern.pattern)
        other = seen.setdefault(key, route.command)
        if other != route.command:
            raise RouteError(f"{label}: {other} and {route.command} would both answer {route.method} {route.template}")
    return out

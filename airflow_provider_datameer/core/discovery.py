"""Which Datameer commands a server has, found with requests that cannot start, stop or delete anything.

Part of the Datameer core (it knows URLs and bodies), sans-I/O like :mod:`~airflow_provider_datameer.core.endpoints`:
:func:`plan` says which requests to send, :func:`judge` reads one answer, :func:`report` adds the server
version check and the fix for each missing command. :func:`discover` runs the plan through
``DatameerHook.exchange`` (one attempt per request, no retry). docs/datameer-api.md lists the requests.

The probes:
- read-only commands (status, history, details, list-running, license) are sent as configured, with an
  identifier no server has (:data:`PROBE_ID`); Datameer answers "no such job" or an empty result, a server
  without the route answers as it does for any unknown URL;
- commands that change something (trigger, stop, delete, or a read command moved to another method) are
  sent as ``GET``: a servlet container answers ``405 Method Not Allowed`` on an existing route and ``404``
  on a missing one. Their own method is never sent. A state-changing command configured as ``GET`` is not
  probed at all, since the probe would run it;
- one ``GET`` of a path that exists nowhere, per first path segment (``/rest/``, ``/api/``), shows what
  "unknown URL" looks like on this server, so a 404 of Datameer's own ("no such configuration") is told
  apart from a 404 of the container.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from airflow_provider_datameer.core.endpoints import (
    DEFAULT_ENDPOINTS,
    V2_COMMANDS,
    Endpoint,
    Request,
    Response,
    build_request,
)
from airflow_provider_datameer.core.errors import DatameerAuthError, DatameerError, clip
from airflow_provider_datameer.core.models import ShapeError, parse_server_version
from airflow_provider_datameer.core.responses import header, is_failure_body, page_text

#: An identifier no Datameer has: within Java's ``int`` range, so no server rejects it as malformed (a
#: JAX-RS parameter that fails to convert is a 404, which would look like a missing route).
PROBE_ID = 2147483647
#: The first Datameer version with the ``/api/`` commands (Job Status V2 and its siblings).
V2_MINIMUM = (7, 2, 5)
#: The command that also tells the server version; probed first.
VERSION_COMMAND = "license"
_UNKNOWN_PATH = "airflow-provider-datameer-probe-no-such-command"
_COMPARED_BYTES = 4096

FOUND, MISSING, REFUSED, UNKNOWN, NOT_PROBED = "found", "missing", "credentials refused", "unknown", "not probed"


@dataclass(frozen=True)
class Probe:
    """What discovery sends for one command. ``request`` is ``None`` when the command is not probed."""

    command: str
    endpoint: Endpoint
    request: Request | None
    #: True when the request uses the command's own method; False for a ``GET`` standing in for it.
    own_method: bool
    note: str = ""

    @property
    def sent(self) -> str:
        return f"{self.request.method} {self.request.path}" if self.request else ""


@dataclass(frozen=True)
class Finding:
    """Whether one command's route is there, with what was sent and what came back."""

    command: str
    method: str
    path: str
    state: str  # FOUND | MISSING | REFUSED | UNKNOWN | NOT_PROBED
    detail: str
    sent: str = ""
    http_status: int | None = None
    #: For a route that answers but refuses the configured method: the methods it allows.
    allowed: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "method": self.method,
            "path": self.path,
            "state": self.state,
            "detail": self.detail,
            "sent": self.sent,
            "http_status": self.http_status,
        }


@dataclass(frozen=True)
class Report:
    """The outcome of discovery: one finding per command, the server version, warnings and fixes."""

    findings: tuple[Finding, ...]
    server_version: str | None = None
    warnings: tuple[str, ...] = ()
    fixes: tuple[str, ...] = ()
    endpoints_fix: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def commands(self, state: str) -> list[str]:
        return [f.command for f in self.findings if f.state == state]

    @property
    def connected(self) -> bool:
        """The server answered license-details as Datameer does: right address, credentials accepted."""
        return any(f.command == VERSION_COMMAND and f.state == FOUND for f in self.findings)

    @property
    def complete(self) -> bool:
        """Every probed command was found (commands that were not probed do not count against it)."""
        return all(f.state in (FOUND, NOT_PROBED) for f in self.findings)

    def summary(self) -> str:
        """One line for the connection form's Test button."""
        if self.connected:
            head = f"Connected to Datameer {self.server_version or '(version unknown)'}"
        else:
            license_finding = next((f for f in self.findings if f.command == VERSION_COMMAND), None)
            detail = f" ({license_finding.detail})" if license_finding else ""
            head = f"Not connected: the server did not answer license-details as Datameer does{detail}"
        parts = []
        missing, unknown = self.commands(MISSING), self.commands(UNKNOWN)
        if not missing and not unknown:
            probed = sum(f.state == FOUND for f in self.findings)
            parts.append(f"all {probed} commands found")
        if missing:
            parts.append(f"missing: {', '.join(missing)}")
        if unknown:
            parts.append(f"unclear: {', '.join(unknown)}")
        if self.commands(NOT_PROBED):
            parts.append(f"not probed: {', '.join(self.commands(NOT_PROBED))}")
        text = f"{head}; " + "; ".join(parts)
        if self.warnings:
            text += ". " + " ".join(self.warnings)
        if missing or unknown:
            text += " — set the connection extra 'endpoints' or 'api_version' (see `airflow datameer check`)"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "server_version": self.server_version,
            "connected": self.connected,
            "complete": self.complete,
            "findings": [f.to_dict() for f in self.findings],
            "warnings": list(self.warnings),
            "fixes": list(self.fixes),
            "endpoints_fix": {k: dict(v) for k, v in self.endpoints_fix.items()},
        }


# ---------------------------------------------------------------------------------------------- plan
def plan(endpoints: Mapping[str, Endpoint]) -> list[Probe]:
    """One probe per command of the table, the version command first; none of them can change anything."""
    order = sorted(endpoints, key=lambda command: command != VERSION_COMMAND)
    return [_probe(endpoints, command) for command in order]


def _probe(endpoints: Mapping[str, Endpoint], command: str) -> Probe:
    endpoint = endpoints[command]
    request = build_request(
        endpoints, command, job=PROBE_ID, configuration_id=PROBE_ID, execution_id=PROBE_ID, start=0, length=1
    )
    if not endpoint.changes_state and endpoint.method == "GET":
        return Probe(command, endpoint, request, own_method=True)
    if endpoint.method == "GET":
        return Probe(command, endpoint, None, own_method=False, note="not probed: its method is GET")
    stand_in = replace(request, endpoint=replace(endpoint, method="GET"))
    return Probe(command, endpoint, stand_in, own_method=False)


def baseline_requests(probes: Iterable[Probe]) -> dict[str, Request]:
    """One request per first path segment of the probes, for a path that exists nowhere."""
    out: dict[str, Request] = {}
    for probe in probes:
        if probe.request is not None:
            prefix = _prefix(probe.request.path)
            if prefix not in out:
                unknown = Endpoint(f"unknown URL under {prefix}", "GET", f"{prefix}{_UNKNOWN_PATH}", "probe")
                out[prefix] = Request(unknown, unknown.path)
    return out


def _prefix(path: str) -> str:
    first = path.lstrip("/").split("/", 1)[0].split("?", 1)[0]
    return f"/{first}/" if "/" in path.lstrip("/") else "/"


# ---------------------------------------------------------------------------------------------- judge
def judge(probe: Probe, response: Response, unknown_url: Response | None = None) -> Finding:
    """What one answer says about the command's route. ``unknown_url`` is the answer to a path that exists
    nowhere under the same first segment (see :func:`baseline_requests`), when there is one."""
    state, detail = (_judge_read if probe.own_method else _judge_stand_in)(probe, response, unknown_url)
    allowed = _allowed(response) if response.status == 405 else ()
    return _finding(probe, state, detail, response.status, allowed)


def judge_failure(probe: Probe, exc: DatameerError) -> Finding:
    """A probe that got no HTTP answer (timeout, broken connection)."""
    return _finding(probe, UNKNOWN, f"no answer: {exc.problem}", None)


def not_probed(probe: Probe, why: str | None = None) -> Finding:
    return _finding(probe, NOT_PROBED, why or probe.note, None)


def _finding(probe: Probe, state: str, detail: str, status: int | None, allowed: tuple[str, ...] = ()) -> Finding:
    e = probe.endpoint
    return Finding(probe.command, e.method, e.path, state, detail, probe.sent, status, allowed)


Judgement = tuple[str, str]


def _common(response: Response) -> Judgement | None:
    """Answers that mean the same whatever was probed: credentials and redirects."""
    status = response.status
    if status == 401:
        return REFUSED, "HTTP 401: the credentials were refused"
    if status == 403 and not is_failure_body(_json(response)):
        return REFUSED, "HTTP 403: the credentials were refused or the user may not use this command"
    if 300 <= status < 400:
        where = _header(response, "location") or "another page"
        return UNKNOWN, f"HTTP {status}: redirected to {where} (a login page or a proxy in front of Datameer?)"
    return None


def _judge_read(probe: Probe, response: Response, unknown_url: Response | None) -> Judgement:
    common = _common(response)
    if common:
        return common
    status, data = response.status, _json(response)
    if is_failure_body(data):
        return FOUND, f"HTTP {status}: Datameer answered that the probe id does not exist, as expected"
    if status == 405:
        allowed = ", ".join(_allowed(response)) or "not said"
        return MISSING, f"HTTP 405: the route exists but refuses {probe.endpoint.method} (allowed: {allowed})"
    if 200 <= status < 300:
        if data is None:
            return UNKNOWN, f"HTTP {status} but not JSON: {_snippet(response)}"
        return FOUND, f"HTTP {status} with a JSON answer"
    if status == 404:
        if unknown_url is not None and _same_page(response, probe.request, unknown_url):
            return MISSING, "HTTP 404, the same answer as for a URL that exists nowhere"
        if data is None:
            return MISSING, f"HTTP 404 and not a Datameer answer: {_snippet(response)}"
        return FOUND, "HTTP 404 with Datameer's own 'not found' answer for the probe id, as expected"
    if status == 400 and data is not None:
        return FOUND, "HTTP 400 with a JSON answer: Datameer checked the probe id"
    return UNKNOWN, f"HTTP {status}: {_snippet(response)}"


def _judge_stand_in(probe: Probe, response: Response, unknown_url: Response | None) -> Judgement:
    common = _common(response)
    if common:
        return common
    method, status = probe.endpoint.method, response.status
    if status == 405:
        allowed = _allowed(response)
        if allowed and method not in allowed:
            return MISSING, f"HTTP 405 to GET: the route exists but allows {', '.join(allowed)}, not {method}"
        return FOUND, f"HTTP 405 to GET: the route exists (allowed: {', '.join(allowed) or 'not said'})"
    if status == 404:
        if unknown_url is None or _same_page(response, probe.request, unknown_url) or _json(response) is None:
            return MISSING, "HTTP 404 to GET: no such route"
        return UNKNOWN, "HTTP 404 to GET, unlike the answer for a URL that exists nowhere"
    if 200 <= status < 300:
        return UNKNOWN, f"HTTP {status} to GET: something answers GET at this path; {method} was not tried"
    return UNKNOWN, f"HTTP {status} to GET: {_snippet(response)}"


def _json(response: Response) -> Any:
    body = response.body.strip()
    if not body or body[:1] not in (b"{", b"["):
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


_DIGITS = re.compile(rb"\d+")


def _same_page(response: Response, request: Request | None, unknown_url: Response) -> bool:
    """Whether two 404 answers are the same page once their own paths and numbers are blanked out."""

    def fingerprint(answer: Response, path: str) -> tuple[int, str, bytes]:
        body = answer.body[:_COMPARED_BYTES]
        for variant in {path, path.split("?", 1)[0]}:
            body = body.replace(variant.encode(), b"<path>")
        kind = _header(answer, "content-type").split(";", 1)[0].strip().lower()
        return answer.status, kind, _DIGITS.sub(b"0", body)

    own_path = request.path if request else ""
    return fingerprint(response, own_path) == fingerprint(unknown_url, f"{_prefix(own_path)}{_UNKNOWN_PATH}")


def _allowed(response: Response) -> tuple[str, ...]:
    return tuple(m.strip().upper() for m in _header(response, "allow").split(",") if m.strip())


def _header(response: Response, name: str) -> str:
    return header(response.headers, name)


def _snippet(response: Response, limit: int = 120) -> str:
    text = page_text(response.body)
    return repr(clip(text, limit)) if text else "(empty body)"


# ---------------------------------------------------------------------------------------------- report
def server_version(response: Response) -> str | None:
    """The version in a license-details answer, if it is one."""
    if not 200 <= response.status < 300:
        return None
    try:
        return parse_server_version(_json(response)).version
    except ShapeError:
        return None


def version_tuple(version: str) -> tuple[int, ...]:
    """The leading numbers of a version text ("7.2.5-SNAPSHOT" → (7, 2, 5)); () when there are none."""
    numbers = []
    for part in version.strip().split("."):
        match = re.match(r"\d+", part)
        if match is None:
            break
        numbers.append(int(match.group()))
        if match.end() < len(part):
            break
    return tuple(numbers)


def report(findings: Iterable[Finding], version: str | None) -> Report:
    """Add the version warning and, for each missing command, the setting that fixes it."""
    findings = tuple(findings)
    old = version is not None and () < version_tuple(version) < V2_MINIMUM
    warnings = []
    if old:
        warnings.append(
            f"Datameer {version} is older than 7.2.5: the /api/ commands (V2 status, trigger, stop) need "
            "7.2.5 or later."
        )
    missing = [f for f in findings if f.state == MISSING]
    # A route that answered 405 exists: only routes that are not there at all point to a server without /api/.
    v2_missing = [f.command for f in missing if f.path.startswith("/api/") and not f.allowed]
    fixes, overrides = [], {}
    if v2_missing and (old or len(v2_missing) == sum(f.path.startswith("/api/") for f in findings)):
        fixes.append(
            f"{', '.join(v2_missing)}: this server has no /api/ commands; use the V1 commands instead: "
            'api_version=1 on the operators and the sensor, or the connection extra "api_version": 1 '
            "(jobs are then named by their configuration id)."
        )
        missing = [f for f in missing if f.command not in v2_missing]
    for finding in missing:
        method = finding.allowed[0] if finding.allowed and finding.method not in finding.allowed else finding.method
        overrides[finding.command] = {"path": DEFAULT_ENDPOINTS[finding.command].path, "method": method}
    if overrides:
        fixes.append(
            "set the connection extra 'endpoints' to the URLs your server uses for "
            f"{', '.join(overrides)}; start from the defaults: {json.dumps(overrides)}"
        )
    return Report(findings, version, tuple(warnings), tuple(fixes), overrides)


# ---------------------------------------------------------------------------------------------- driver
def discover(hook: Any) -> Report:
    """Probe every command of ``hook``'s endpoint table once through ``hook.exchange`` (no retry).

    Raises the :class:`~airflow_provider_datameer.core.errors.DatameerError` of the first request when the
    server cannot be reached, and :class:`~airflow_provider_datameer.core.errors.DatameerAuthError` when it
    refuses the credentials; everything else is a finding.
    """
    exchange: Callable[[Request], Response] = hook.exchange
    probes = plan(hook.config.endpoints)
    first, rest = probes[0], probes[1:]
    answer = exchange(first.request) if first.request else None  # raises when the server cannot be reached
    if answer is not None and answer.status in (401, 403):
        raise DatameerAuthError(
            "the credentials were refused",
            command=first.command,
            method=first.request.method if first.request else None,
            path=first.request.path if first.request else None,
            http_status=answer.status,
        )
    unknown_urls: dict[str, Response | None] = {}
    for prefix, request in baseline_requests(probes).items():
        try:
            unknown_urls[prefix] = exchange(request)
        except DatameerError:
            unknown_urls[prefix] = None
    version = server_version(answer) if first.command == VERSION_COMMAND and answer else None
    unused = V2_COMMANDS if hook.config.api_version == 1 else frozenset()
    findings = [_run(first, answer, unknown_urls, exchange)]
    findings += [
        not_probed(probe, "not used: the connection sets api_version 1")
        if probe.command in unused
        else _run(probe, None, unknown_urls, exchange)
        for probe in rest
    ]
    return report(findings, version)


def _run(
    probe: Probe,
    answer: Response | None,
    unknown_urls: Mapping[str, Response | None],
    exchange: Callable[[Request], Response],
) -> Finding:
    if probe.request is None:
        return not_probed(probe)
    if answer is None:
        try:
            answer = exchange(probe.request)
        except DatameerError as exc:
            return judge_failure(probe, exc)
    unknown_url = unknown_urls.get(_prefix(probe.request.path))
    return judge(probe, answer, unknown_url if unknown_url is not None and unknown_url.status == 404 else None)

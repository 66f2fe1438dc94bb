"""Reading Datameer's answers: what an HTTP code and body mean, as a chain of small named decisions.

:func:`read_response` is called by both transports after each attempt. Each ``_refusal``-style function
looks at one aspect (overload, credentials, redirects, Datameer's failure bodies, the HTTP code) and
returns the error it implies or ``None``; the first error wins. What is left is a success, parsed into the
command's typed result. Nothing here opens a socket.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from airflow_provider_datameer.core.endpoints import Request
from airflow_provider_datameer.core.errors import (
    DatameerAuthError,
    DatameerError,
    DatameerNotFoundError,
    DatameerRejectedError,
    DatameerTransientError,
    DatameerUnexpectedResponseError,
)
from airflow_provider_datameer.core.models import ShapeError

SNIPPET = 200
# 503 and 429 say the server did not take the request on; other 5xx may come after it acted.
_NOT_PROCESSED = frozenset({429, 503})
_TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.IGNORECASE | re.DOTALL)


class _Answer:
    """One response, decoded once, with the context every error names."""

    def __init__(self, request: Request, http_status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.request = request
        self.status = http_status
        self.headers = headers
        self.body = body
        self.content_type = header(headers, "content-type").lower()
        self.data, self.decode_problem = _decode(body, self.content_type)
        self.context: dict[str, Any] = {"command": request.command, "method": request.method, "path": request.path}

    @property
    def reason(self) -> str | None:
        """Datameer's own reason, or the text of a non-JSON error page."""
        return _reason(self.data) or (page_text(self.body) if self.decode_problem else None)

    @property
    def failure_body(self) -> bool:
        """Datameer's documented ``"status": "failure"`` body, or a V1 ``{"error": ...}`` -- not one from the
        auth layer (403) nor the container's wrong-method answer (405), which are about the request itself."""
        data = self.data
        return is_failure_body(data) or (
            isinstance(data, Mapping) and "error" in data and self.status not in (403, 405)
        )


def read_response(request: Request, http_status: int, headers: Mapping[str, str], body: bytes) -> Any:
    """Check one response and return the command's typed result (``None`` for empty-body commands).

    Raises the :mod:`~airflow_provider_datameer.core.errors` subclass that says what went wrong. Looks at both
    the HTTP code and the body, because Datameer's ``"status": "failure"`` may come with any code.
    """
    answer = _Answer(request, http_status, headers, body)
    for decide in (_overload, _credentials, _redirect, _failure_body, _http_refusal):
        error = decide(answer)
        if error is not None:
            raise error
    return _result(answer)


def _overload(answer: _Answer) -> DatameerError | None:
    """429 and 5xx: transient, retried where safe; the page's text is kept as the reason."""
    if answer.status not in _NOT_PROCESSED and answer.status < 500:
        return None
    return DatameerTransientError(
        "Datameer is overloaded (rate limited)" if answer.status == 429 else "Datameer answered with a server error",
        may_have_reached_server=answer.status not in _NOT_PROCESSED,
        retry_after=parse_retry_after(header(answer.headers, "retry-after")),
        http_status=answer.status,
        reason=answer.reason,
        **answer.context,
    )


def is_failure_body(data: object) -> bool:
    """Datameer's documented V2 failure envelope ``{"status": "failure", "reason": ...}``."""
    return isinstance(data, Mapping) and data.get("status") == "failure"


def _credentials(answer: _Answer) -> DatameerError | None:
    """401 always; 403 unless the body is Datameer's own answer to the command."""
    if answer.status == 401:
        return DatameerAuthError("the credentials were refused", http_status=401, **answer.context)
    if answer.status == 403 and not is_failure_body(answer.data):
        return DatameerAuthError(
            "the credentials were refused or the user is not allowed to do this",
            http_status=403,
            reason=answer.reason,
            **answer.context,
        )
    return None


def _redirect(answer: _Answer) -> DatameerError | None:
    if not 300 <= answer.status < 400:
        return None
    return DatameerUnexpectedResponseError(
        f"redirected to {header(answer.headers, 'location') or 'another page'}: a login page. Either the "
        "credentials are wrong (a form-login server answers a refused password with a redirect to its login "
        "page) or a single-sign-on page stands in front of Datameer; Datameer's REST API needs HTTP Basic "
        "credentials of an internal or LDAP user",
        http_status=answer.status,
        hint="Check the login and password of the Datameer connection, and that it points at Datameer itself.",
        **answer.context,
    )


def _failure_body(answer: _Answer) -> DatameerError | None:
    """Datameer's documented failure body, whatever its HTTP code."""
    if not answer.failure_body:
        return None
    reason = answer.reason
    not_found = answer.status == 404 or _looks_not_found(reason)
    error_class = DatameerNotFoundError if not_found else DatameerRejectedError
    # Datameer's documented failure body is about the command; a plain {"error"} may be about the URL.
    hint = None if is_failure_body(answer.data) else _url_hint(answer.request, answer.status)
    return error_class(
        "Datameer rejected the command", http_status=answer.status, reason=reason, hint=hint, **answer.context
    )


def _http_refusal(answer: _Answer) -> DatameerError | None:
    """Any other non-2xx code: the URL, the method or the identifiers were refused."""
    status, context, reason = answer.status, answer.context, answer.reason
    if 200 <= status < 300:
        return None
    if status == 405:
        return DatameerRejectedError(
            f"this server does not accept {answer.request.method} on {answer.request.path}"
            + (f" (Allow: {header(answer.headers, 'allow')})" if header(answer.headers, "allow") else ""),
            http_status=405,
            reason=reason,
            hint=_method_hint(answer.request, header(answer.headers, "allow")),
            **context,
        )
    hint = _url_hint(answer.request, status)
    if status == 404:
        return DatameerNotFoundError(
            "no such job, execution or endpoint", http_status=404, reason=reason, hint=hint, **context
        )
    return DatameerRejectedError(
        "Datameer refused the request", http_status=status, reason=reason, hint=hint, **context
    )


def _result(answer: _Answer) -> Any:
    """A 2xx answer: the command's typed result, or the error that says why the body is not one."""
    request, context = answer.request, answer.context
    if not answer.body.strip():
        if request.endpoint.empty_body_ok:
            return None
        raise DatameerUnexpectedResponseError("the response body is empty", http_status=answer.status, **context)
    if answer.decode_problem:
        raise DatameerUnexpectedResponseError(answer.decode_problem, http_status=answer.status, **context)
    parser = request.endpoint.parser
    if parser is None:
        return answer.data
    try:
        return parser(answer.data, request)
    except ShapeError as exc:
        raise DatameerUnexpectedResponseError(
            f"unexpected response shape ({exc}): {snippet(answer.body)}", http_status=answer.status, **context
        ) from None


_V2_MISSING_HINT = (
    "If every /api/ call fails like this, the server may be older than Datameer 7.2.5 or lack the REST-v2 "
    "plug-in: use the V1 path (api_version=1 on the operator or sensor, or the connection extra "
    '"api_version": 1); if only this command does, its URL may differ on your version: override it with the '
    "connection extra 'endpoints' (run `airflow datameer check` to see which commands this server has). "
    "Otherwise check the job id (file id, uuid or path) and the user's rights."
)
_CONFIGURATION_HINT = (
    "Check the configuration id: the V1 commands (and every task with api_version=1) name a job by its "
    'configuration id, the job\'s "ID" in Datameer, not its "File ID"; and that the connection\'s user can '
    "read and execute the job."
)
_ENCODED_SLASH_HINT = (
    "A job path is sent as one URL segment with encoded slashes (%2F), which some proxies and servers refuse: "
    "name the job by its file id or uuid instead, or let the proxy pass encoded slashes "
    "(Apache: AllowEncodedSlashes NoDecode)."
)


def _method_hint(request: Request, allow: str) -> str:
    """The override to try: the same path with a method the server allows there (``PUT`` if it does not say)."""
    allowed = [m.strip().upper() for m in allow.split(",") if m.strip() and m.strip().upper() != request.method]
    method = allowed[0] if allowed else "PUT"
    return (
        f"The URL or method of {request.command} differs on this Datameer version: find the right one "
        "(`airflow datameer check` lists what the server has) and set it with the connection extra 'endpoints', "
        f'e.g. {{"{request.command}": {{"path": "{request.endpoint.path}", "method": "{method}"}}}}.'
    )


def _url_hint(request: Request, http_status: int) -> str | None:
    """What to check when a 400/404 came from the URL itself rather than from Datameer's command handling,
    or named a configuration (whose id is not the file id the generic not-found hint asks for)."""
    hints = []
    if http_status == 404 and "{configuration_id}" in request.endpoint.path:
        hints.append(_CONFIGURATION_HINT)
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
            f"of Datameer: {snippet(body)}"
        )
    try:
        return json.loads(body), None
    except (ValueError, RecursionError):
        return None, f"the body is not valid JSON: {snippet(body)}"


def snippet(body: bytes) -> str:
    """The start of a body, white space folded, quoted."""
    text = " ".join(body[: SNIPPET * 8].decode("utf-8", "replace").split())
    return repr(text[:SNIPPET] + ("…" if len(text) > SNIPPET or len(body) > SNIPPET * 8 else ""))


def page_text(body: bytes) -> str | None:
    """The readable text of an error page (tags stripped; messages cut it to :data:`SNIPPET` characters)."""
    text = html.unescape(_TAG.sub(" ", body[: SNIPPET * 50].decode("utf-8", "replace")))
    text = " ".join(text.split())
    return text or None


def _reason(data: object) -> str | None:
    if isinstance(data, Mapping):
        for key in ("reason", "error", "message"):
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()  # cut where messages show it (DatameerError.__str__)
    return None


def _looks_not_found(reason: str | None) -> bool:
    text = (reason or "").lower()
    return "exist" in text or "not found" in text or "accessible" in text


def header(headers: Mapping[str, str], name: str) -> str:
    """A header's value, case-insensitively ('' when absent)."""
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
        when = parsedate_to_datetime(value)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError, IndexError):
        return None

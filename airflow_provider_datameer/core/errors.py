"""Errors raised for Datameer calls: one base class, one subclass per thing a user must do differently.

Every message names the command, the method and URL path (never credentials), the HTTP status when there
was one, Datameer's ``reason`` when it gave one, and what to do about it.
"""

from __future__ import annotations

from typing import Any

#: Characters of a server-supplied string (Datameer's ``reason``, a library's message) kept in a message.
CLIP = 200


def clip(text: str, limit: int = CLIP) -> str:
    """``text`` cut to ``limit`` characters, noting the full length when cut: a server may send megabytes."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


class DatameerError(Exception):
    """Base class of every error the provider raises about a Datameer call."""

    #: What a user should check; subclasses set it, the constructor may override it.
    hint = ""

    def __init__(
        self,
        problem: str,
        *,
        command: str | None = None,
        method: str | None = None,
        path: str | None = None,
        http_status: int | None = None,
        reason: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.problem = problem
        self.command = command
        self.method = method
        self.path = path
        self.http_status = http_status
        self.reason = None if reason is None else clip(reason)
        if hint is not None:
            self.hint = hint
        self.attempts = 1
        super().__init__(problem)

    def __str__(self) -> str:
        where = f"Datameer {self.command or 'call'}"
        if self.method and self.path:
            where += f" ({self.method} {self.path})"
        parts = [f"{where} failed: {self.problem}"]
        if self.http_status is not None:
            parts.append(f"HTTP {self.http_status}")
        if self.reason:
            parts.append(f"Datameer says: {self.reason}")
        if self.attempts > 1:
            parts.append(f"gave up after {self.attempts} attempts")
        text = "; ".join(parts) + "."
        return f"{text} {self.hint}" if self.hint else text


class DatameerAuthError(DatameerError):
    """Datameer refused the credentials (401) or the user's rights (403). Never retried."""

    hint = "Check the login and password of the Datameer connection, and the user's rights on the job."


class DatameerRejectedError(DatameerError):
    """Datameer answered the command with ``"status": "failure"`` or a V1 ``{"error": ...}`` body, or a 4xx."""

    hint = "Check the identifiers passed to the command."


class DatameerNotFoundError(DatameerRejectedError):
    """The job, file or execution does not exist, or the user may not see it (Datameer does not say which)."""

    hint = (
        "Check the job id (a file id, uuid or path — not the configuration id) and that the connection's "
        "user can read and execute the file; if the URL itself is wrong for your Datameer version, "
        "override it with the connection extra 'endpoints'."
    )


class DatameerUnexpectedResponseError(DatameerError):
    """The body was not what the command returns (HTML, malformed JSON, wrong shape)."""

    hint = (
        "Check that the connection points at Datameer itself (host, port, base_path) and not at a proxy "
        "or single-sign-on page."
    )


class DatameerTransientError(DatameerError):
    """Datameer was unreachable, too slow, overloaded (429) or failing (5xx); retried before it is raised.

    ``may_have_reached_server`` tells whether the request may have been processed (a read timeout or a
    reset after sending): a trigger is never repeated in that case, so a job never runs twice.
    ``retry_after`` carries the server's ``Retry-After`` in seconds when it sent one.
    """

    hint = "Check that Datameer is up and reachable at the connection's host and port."

    def __init__(
        self,
        problem: str,
        *,
        may_have_reached_server: bool,
        retry_after: float | None = None,
        **context: object,
    ) -> None:
        super().__init__(problem, **context)  # type: ignore[arg-type]
        self.may_have_reached_server = may_have_reached_server
        self.retry_after = retry_after


class DatameerTLSError(DatameerError):
    """The TLS handshake failed, usually an untrusted (self-signed or private-CA) certificate. Never retried."""

    hint = (
        "Set the connection extra 'verify' to the path of the CA bundle that signed Datameer's certificate, "
        "or to false for a test server (insecure)."
    )


class DatameerTimeoutError(DatameerTransientError):
    """No complete answer (headers and body) within the connection's ``timeout``, however it trickled in.

    The request may have reached Datameer, so a command that starts a run is not repeated after it.
    """

    hint = (
        "Check that Datameer is up and not overloaded; raise the connection extra 'timeout' if its answers "
        "are legitimately slow."
    )

    def __init__(self, problem: str, **context: Any) -> None:
        super().__init__(problem, may_have_reached_server=True, **context)


class DatameerResponseTooLargeError(DatameerUnexpectedResponseError):
    """The answer (decompressed) exceeded the connection's response size cap; it was not read further."""

    hint = (
        "Datameer's job answers are small: check that the connection points at Datameer itself; raise the "
        "connection extra 'max_response_bytes' only if a legitimate answer is this large."
    )


class DatameerConnectionSettingsError(DatameerError, ValueError):
    """The connection's settings made the request impossible (a URL the HTTP library refuses, a missing file).

    Also a ``ValueError``, like every other connection problem found before a request. Never retried.
    """

    hint = "Check the Datameer connection's host, port, extra 'base_path', extra 'endpoints' and extra 'verify'."

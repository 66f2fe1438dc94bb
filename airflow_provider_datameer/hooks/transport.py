"""Thin transports: move bytes between :mod:`airflow_provider_datameer.core.endpoints` and Datameer, within bounds.

Every request has one total deadline (connect, headers and body together) equal to the connection's
``timeout``, however slowly the server trickles its answer, and a cap on the response size counted after
decompression (``max_response_bytes``), so a misbehaving server or proxy can neither hold a worker or a
triggerer nor fill its memory. Every failure of either HTTP library becomes one of our error classes
through one table per library and one set of messages (:func:`_failure`), so the two paths say the same.

The sync path uses one pooled ``requests.Session`` per hook; the async path uses one
``aiohttp.ClientSession`` per event loop, shared by every trigger on that loop while they hold a
:func:`session_lease` (a triggerer runs thousands of triggers in one loop); without a lease (a script calling
``asyncio.run(hook.aget_job_status(...))``) each call opens and closes a session of its own.
Heavy libraries are imported on first use, never at DAG-parse time.
"""

from __future__ import annotations

import asyncio
import enum
import http.client
import os
import socket
import ssl
import threading
import time
import weakref
import zlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from airflow_provider_datameer.core.connection import DatameerConnectionConfig
from airflow_provider_datameer.core.endpoints import Request, Response
from airflow_provider_datameer.core.errors import (
    DatameerConnectionSettingsError,
    DatameerError,
    DatameerResponseTooLargeError,
    DatameerTimeoutError,
    DatameerTLSError,
    DatameerTransientError,
    DatameerUnexpectedResponseError,
)
from airflow_provider_datameer.core.responses import read_response
from airflow_provider_datameer.core.values import whole_number
from airflow_provider_datameer.hooks.failure_words import cause, wrapped

if TYPE_CHECKING:
    import aiohttp
    import requests
    from yarl import URL

#: Parsed URLs an async transport keeps (its hook's status and details paths, a few commands more).
_URLS_KEPT = 16


# ---------------------------------------------------------------------------------------------- failures
class Failure(enum.Enum):
    """What went wrong with one exchange, whichever library noticed it."""

    TLS = "tls"
    CONNECT = "connect"
    CONNECT_TIMEOUT = "connect timeout"
    DEADLINE = "deadline"
    INCOMPLETE = "incomplete"
    UNDECODABLE = "undecodable"
    NOT_HTTP = "not http"
    SETTINGS = "settings"
    BROKEN = "broken"


#: One library's failures: (exception classes or a test of one exception, failure), checked in order against
#: the exception and every exception it wraps; the first match decides.
Matcher = tuple[type[BaseException], ...] | Callable[[BaseException], bool]
FailureTable = tuple[tuple[Matcher, Failure], ...]


def classify(exc: BaseException, table: FailureTable, *, in_body: bool) -> Failure:
    """The failure ``exc`` stands for, by the first row of ``table`` that any wrapped exception matches.

    Once a valid status line and headers have arrived (``in_body``), a protocol violation is a body that
    broke off or lost its framing: the libraries disagree on how to name a bad chunk size, we do not.
    """
    chain = list(wrapped(exc))
    failure = next((failure for matcher, failure in table if any(map(_matches(matcher), chain))), None)
    if failure is None or (in_body and failure is Failure.NOT_HTTP):
        return Failure.INCOMPLETE if in_body else Failure.BROKEN
    return failure


def _matches(matcher: Matcher) -> Callable[[BaseException], bool]:
    return matcher if callable(matcher) else lambda exc: isinstance(exc, matcher)


def _failure(request: Request, config: DatameerConnectionConfig, failure: Failure, exc: BaseException) -> DatameerError:
    """Our error for one failed exchange: the same class and words on both transports, the cause first
    (hooks/failure_words.py) and never a library's class name."""
    context: dict[str, Any] = {"command": request.command, "method": request.method, "path": request.path}
    url = urlsplit(config.base_url)
    detail, hint = cause(exc, url.hostname or config.base_url, url.port)
    if hint is not None:
        context["hint"] = hint
    if failure is Failure.TLS:
        return DatameerTLSError(f"{detail}: TLS handshake failed", **context)
    if failure is Failure.CONNECT:
        return DatameerTransientError(
            f"{detail}: could not connect to Datameer", may_have_reached_server=False, **context
        )
    if failure is Failure.CONNECT_TIMEOUT:
        return DatameerTransientError(
            f"could not connect within {config.timeout:g} s", may_have_reached_server=False, **context
        )
    if failure is Failure.DEADLINE:
        return DatameerTimeoutError(
            f"no answer within {config.timeout:g} s (the connection's 'timeout' bounds connect, headers and body)",
            **context,
        )
    if failure is Failure.INCOMPLETE:
        return DatameerTransientError(
            f"the response was incomplete: it broke off or its framing was malformed ({detail})",
            may_have_reached_server=True,
            **context,
        )
    if failure is Failure.UNDECODABLE:
        return DatameerUnexpectedResponseError(
            f"the response body could not be decoded (bad Content-Encoding data: {detail})", **context
        )
    if failure is Failure.NOT_HTTP:
        return DatameerUnexpectedResponseError(
            f"the server's answer is not a valid HTTP response ({detail})", **context
        )
    if failure is Failure.SETTINGS:
        return DatameerConnectionSettingsError(f"the request could not be made ({detail})", **context)
    return DatameerTransientError(f"{detail}: the connection broke", may_have_reached_server=True, **context)


def _too_large(request: Request, config: DatameerConnectionConfig, declared: int | None = None) -> DatameerError:
    cap = f"the size cap of {config.max_response_bytes} bytes (connection extra 'max_response_bytes')"
    problem = (
        f"the response declares {declared} bytes, more than {cap}" if declared else f"the response is larger than {cap}"
    )
    return DatameerResponseTooLargeError(problem, command=request.command, method=request.method, path=request.path)


def _declared_length(headers: Any) -> int | None:
    """The ``Content-Length`` a response announces (a bad one is left to the HTTP library to refuse)."""
    return whole_number(headers.get("Content-Length") or "")


# ---------------------------------------------------------------------------------------------- sync
# The sync deadline: requests bounds each socket read, not the whole answer, so a server dripping one byte
# per read never times out. Our connections therefore wrap their socket so that every receive waits at most
# until the deadline of the request this thread is making (a pooled connection serves one thread at a time).
_request_deadline = threading.local()


class _DeadlineSocket:
    """A connection's socket whose every receive ends by the current request's deadline (else TimeoutError)."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def makefile(self, mode: str = "rb", buffering: int = -1, **_: Any) -> Any:
        """What ``http.client`` reads the response from, receiving through :meth:`recv_into` below."""
        import io

        self._sock._io_refs += 1  # type: ignore[attr-defined]  # as socket.makefile does: close() stays safe
        return io.BufferedReader(socket.SocketIO(self, "rb"), io.DEFAULT_BUFFER_SIZE)  # type: ignore[arg-type]

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        deadline = getattr(_request_deadline, "at", None)
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the request's deadline passed")
            self._sock.settimeout(remaining)
        return self._sock.recv_into(buffer, nbytes, flags)


@lru_cache(maxsize=1)
def _deadline_adapter_class() -> type:
    """``requests`` adapter whose urllib3 connections receive through a :class:`_DeadlineSocket`."""
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class DeadlineHTTPConnection(HTTPConnection):
        def connect(self) -> None:
            super().connect()
            self.sock = _DeadlineSocket(self.sock)

    class DeadlineHTTPSConnection(HTTPSConnection):
        def connect(self) -> None:
            super().connect()
            self.sock = _DeadlineSocket(self.sock)

    class DeadlineHTTPPool(HTTPConnectionPool):
        ConnectionCls = DeadlineHTTPConnection

    class DeadlineHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = DeadlineHTTPSConnection

    class DeadlineAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": DeadlineHTTPPool, "https": DeadlineHTTPSPool}

    return DeadlineAdapter


@lru_cache(maxsize=1)
def _sync_failures() -> FailureTable:
    """requests' and urllib3's failures (they wrap http.client's and the socket's), most specific first."""
    import requests.exceptions as rq
    import urllib3.exceptions as u3

    return (
        ((rq.SSLError, u3.SSLError, ssl.SSLError), Failure.TLS),
        ((u3.NewConnectionError, u3.NameResolutionError), Failure.CONNECT),  # before: they subclass the next
        ((rq.ConnectTimeout, u3.ConnectTimeoutError), Failure.CONNECT_TIMEOUT),
        ((rq.ReadTimeout, u3.ReadTimeoutError, TimeoutError), Failure.DEADLINE),
        ((rq.ContentDecodingError, u3.DecodeError, zlib.error), Failure.UNDECODABLE),
        (
            (rq.ChunkedEncodingError, u3.IncompleteRead, u3.InvalidChunkLength, http.client.IncompleteRead),
            Failure.INCOMPLETE,
        ),
        ((http.client.RemoteDisconnected, ConnectionError), Failure.BROKEN),
        ((http.client.HTTPException, u3.HeaderParsingError), Failure.NOT_HTTP),
        (
            (rq.InvalidURL, rq.MissingSchema, rq.InvalidSchema, u3.LocationParseError, FileNotFoundError),
            Failure.SETTINGS,
        ),
        (_missing_ca_bundle, Failure.SETTINGS),
    )


def _missing_ca_bundle(exc: BaseException) -> bool:
    """requests' own check of ``verify`` (a plain OSError): the bundle vanished after the connection was read."""
    return type(exc) is OSError and "CA certificate bundle" in str(exc)


@lru_cache(maxsize=1)
def _sync_caught() -> tuple[type[BaseException], ...]:
    """Everything requests, urllib3 and the layers below them raise about an exchange."""
    import requests
    import urllib3.exceptions as u3

    return (requests.RequestException, u3.HTTPError, http.client.HTTPException, OSError, zlib.error)


class SyncTransport:
    """Blocking transport over one ``requests.Session`` (connection pooling, Basic auth header), thread-safe."""

    def __init__(self, config: DatameerConnectionConfig) -> None:
        import requests

        self._config = config
        self._session: requests.Session = requests.Session()
        adapter = _deadline_adapter_class()()
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._session.headers["Authorization"] = config.authorization
        self._session.verify = config.verify
        self._caught = _sync_caught()

    def send(self, request: Request) -> Any:
        """One attempt: the command's typed result, or the error class that says what went wrong."""
        response = self.exchange(request)
        return read_response(request, response.status, response.headers, response.body)

    def exchange(self, request: Request) -> Response:
        """One attempt, without reading meaning into the answer; transport failures become our errors."""
        config = self._config
        _request_deadline.at = time.monotonic() + config.timeout
        in_body = False
        try:
            response = self._session.request(
                request.method,
                config.url(request.path),
                timeout=config.timeout,
                allow_redirects=False,
                stream=True,
                verify=config.verify,  # per request: REQUESTS_CA_BUNDLE would override Session.verify
            )
            with response:
                in_body = True
                declared = _declared_length(response.headers)
                if declared is not None and declared > config.max_response_bytes:
                    raise _too_large(request, config, declared)
                body = response.raw.read(config.max_response_bytes + 1, decode_content=True)
                if len(body) > config.max_response_bytes:
                    raise _too_large(request, config)
        except self._caught as exc:
            raise _failure(request, config, classify(exc, _sync_failures(), in_body=in_body), exc) from None
        finally:
            _request_deadline.at = None
        return Response(response.status_code, response.headers, body)

    def close(self) -> None:
        self._session.close()


# ---------------------------------------------------------------------------------------------- async
_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession] = weakref.WeakKeyDictionary()
_leases: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, int] = weakref.WeakKeyDictionary()


def _new_session() -> aiohttp.ClientSession:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=100, ttl_dns_cache=300, enable_cleanup_closed=True)
    return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())


def shared_session() -> aiohttp.ClientSession:
    """The ``aiohttp.ClientSession`` of the running event loop, created on first use.

    Whoever uses it must hold a :func:`session_lease` (or close it with :func:`close_shared_session`).
    """
    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is None or session.closed:
        session = _sessions[loop] = _new_session()
    return session


@asynccontextmanager
async def session_lease() -> AsyncIterator[None]:
    """Hold the loop's shared session open while a trigger (or ``async with DatameerHook()``) runs.

    The last one out closes it. A triggerer's loop lives long and always has some lease, so its session is
    reused; a short-lived loop (``airflow dags test``, tests) ends without an unclosed-session warning.
    """
    loop = asyncio.get_running_loop()
    _leases[loop] = _leases.get(loop, 0) + 1
    try:
        yield
    finally:
        _leases[loop] -= 1
        if _leases[loop] == 0:
            await close_shared_session()


async def close_shared_session() -> None:
    """Close the running loop's shared session (tests and short-lived loops; the triggerer never needs it)."""
    session = _sessions.pop(asyncio.get_running_loop(), None)
    if session is not None and not session.closed:
        await session.close()


@lru_cache(maxsize=32)
def _ssl_context(verify: bool | str) -> ssl.SSLContext | bool:
    if verify is True:
        return True
    if verify is False:
        return False
    if os.path.isdir(verify):
        return ssl.create_default_context(capath=verify)
    return ssl.create_default_context(cafile=verify)


@lru_cache(maxsize=1)
def _async_failures() -> FailureTable:
    """aiohttp's failures (they wrap its parser's and the socket's), most specific first."""
    import aiohttp
    import aiohttp.http_exceptions as ah

    connect_timeout = getattr(aiohttp, "ConnectionTimeoutError", None)  # aiohttp >= 3.10
    return (
        ((aiohttp.ClientSSLError, ssl.SSLError), Failure.TLS),
        ((connect_timeout,) if connect_timeout else (), Failure.CONNECT_TIMEOUT),
        ((aiohttp.ClientConnectorError,), Failure.CONNECT),
        ((TimeoutError, aiohttp.ServerTimeoutError), Failure.DEADLINE),
        ((ah.ContentEncodingError, zlib.error), Failure.UNDECODABLE),
        ((ah.PayloadEncodingError, aiohttp.ClientPayloadError), Failure.INCOMPLETE),
        # llhttp reports a bad chunk size as a plain BadHttpMessage, often before the headers are handed over
        (lambda exc: isinstance(exc, ah.BadHttpMessage) and "chunk" in str(exc).lower(), Failure.INCOMPLETE),
        ((aiohttp.ServerDisconnectedError, ConnectionError), Failure.BROKEN),
        ((ah.BadHttpMessage, aiohttp.ClientResponseError), Failure.NOT_HTTP),
        ((aiohttp.InvalidURL, ValueError, FileNotFoundError), Failure.SETTINGS),
    )


@lru_cache(maxsize=1)
def _async_caught() -> tuple[type[BaseException], ...]:
    """Everything aiohttp and the layers below it raise about an exchange (yarl: ValueError on a bad URL)."""
    import aiohttp

    return (aiohttp.ClientError, TimeoutError, OSError, ValueError, zlib.error)


class AsyncTransport:
    """Non-blocking transport over the loop's shared ``aiohttp.ClientSession`` (or one per call, unleased).

    Everything that does not change between requests (headers, TLS setting, timeout, the parsed URL of each
    path) is prepared once, so a poll costs little more than aiohttp's own request. Parsed URLs are kept
    here because yarl's own cache holds only 128, fewer than the distinct status URLs of a triggerer's
    triggers.
    """

    def __init__(self, config: DatameerConnectionConfig) -> None:
        import aiohttp

        self._config = config
        self._headers = {"Authorization": config.authorization}
        try:
            self._ssl = _ssl_context(config.verify)
        except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
            raise DatameerConnectionSettingsError(
                f"the CA bundle {config.verify!r} could not be loaded ({cause(exc, '', None)[0]})"
            ) from None
        self._timeout = aiohttp.ClientTimeout(total=config.timeout)
        self._urls: dict[str, URL] = {}

    def _url(self, path: str) -> URL:
        """The URL of a request path, parsed once (a hook polls one path; a few more are kept)."""
        url = self._urls.get(path)
        if url is None:
            if len(self._urls) >= _URLS_KEPT:
                self._urls.clear()
            from yarl import URL

            url = self._urls[path] = URL(self._config.url(path))  # what aiohttp makes of the string
        return url

    async def send(self, request: Request) -> Any:
        """One attempt: the command's typed result, or the error class that says what went wrong."""
        response = await self.exchange(request)
        return read_response(request, response.status, response.headers, response.body)

    async def exchange(self, request: Request) -> Response:
        """One attempt, without reading meaning into the answer; transport failures become our errors.

        Uses the loop's shared session while someone holds a :func:`session_lease`, else a session of its own
        that is closed before returning (nothing is left open for the loop's end to complain about).
        """
        if _leases.get(asyncio.get_running_loop()):
            return await self._exchange(shared_session(), request)
        async with _new_session() as session:
            return await self._exchange(session, request)

    async def _exchange(self, session: aiohttp.ClientSession, request: Request) -> Response:
        config = self._config
        in_body = False
        try:
            async with session.request(
                request.method,
                self._url(request.path),
                headers=self._headers,
                ssl=self._ssl,
                timeout=self._timeout,  # total: connect, headers and body
                allow_redirects=False,
            ) as response:
                in_body = True
                body = await _bounded_body(response, request, config)
        except _async_caught() as exc:
            raise _failure(request, config, classify(exc, _async_failures(), in_body=in_body), exc) from None
        return Response(response.status, response.headers, body)


async def _bounded_body(response: aiohttp.ClientResponse, request: Request, config: DatameerConnectionConfig) -> bytes:
    """The decompressed body, read no further than the size cap."""
    cap = config.max_response_bytes
    declared = response.content_length
    if declared is not None and declared > cap:
        raise _too_large(request, config, declared)
    if declared is not None and "Content-Encoding" not in response.headers:
        return await response.read()  # the common case: a small plain body of known length
    body = bytearray()
    async for chunk in response.content.iter_any():
        body += chunk
        if len(body) > cap:
            raise _too_large(request, config)
    return bytes(body)

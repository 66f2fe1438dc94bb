"""Thin transports: move bytes between :mod:`airflow_provider_datameer.api` and Datameer.

The sync path uses one pooled ``requests.Session`` per hook; the async path uses one
``aiohttp.ClientSession`` per event loop, shared by every hook and trigger on that loop (a triggerer runs
thousands of triggers in one loop). Both map their library's failures onto the same error classes and
hand status, headers and body to :func:`airflow_provider_datameer.api.read_response`.
Heavy libraries are imported on first use, never at DAG-parse time.
"""

from __future__ import annotations

import asyncio
import ssl
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from airflow_provider_datameer.api import Request, Response
from airflow_provider_datameer.config import DatameerConnectionConfig
from airflow_provider_datameer.errors import DatameerError, DatameerTLSError, DatameerTransientError
from airflow_provider_datameer.responses import read_response

if TYPE_CHECKING:
    import aiohttp
    import requests
    from yarl import URL

#: Parsed URLs an async transport keeps (its hook's status and details paths, a few commands more).
_URLS_KEPT = 16


def _failure(request: Request, problem: str, *, reached: bool, tls: bool = False) -> DatameerError:
    context: dict[str, Any] = {"command": request.command, "method": request.method, "path": request.path}
    if tls:
        return DatameerTLSError(f"TLS handshake failed ({problem})", **context)
    return DatameerTransientError(problem, may_have_reached_server=reached, **context)


# ---------------------------------------------------------------------------------------------- sync
class SyncTransport:
    """Blocking transport over one ``requests.Session`` (connection pooling, Basic auth header)."""

    def __init__(self, config: DatameerConnectionConfig) -> None:
        import requests

        self._config = config
        self._requests = requests
        self._session: requests.Session = requests.Session()
        self._session.headers["Authorization"] = config.authorization
        self._session.verify = config.verify

    def send(self, request: Request) -> Any:
        """One attempt: the command's typed result, or the error class that says what went wrong."""
        response = self.exchange(request)
        return read_response(request, response.status, response.headers, response.body)

    def exchange(self, request: Request) -> Response:
        """One attempt, without reading meaning into the answer; transport failures become our errors."""
        exceptions = self._requests.exceptions
        config = self._config
        try:
            response = self._session.request(
                request.method,
                config.url(request.path),
                timeout=config.timeout,
                allow_redirects=False,
                verify=config.verify,  # per request: REQUESTS_CA_BUNDLE would override Session.verify
            )
        except exceptions.SSLError as exc:
            raise _failure(request, _short(exc), reached=False, tls=True) from None
        except exceptions.ConnectTimeout:
            raise _failure(request, f"could not connect within {config.timeout:g} s", reached=False) from None
        except exceptions.Timeout:
            raise _failure(request, f"no answer within {config.timeout:g} s", reached=True) from None
        except exceptions.ConnectionError as exc:
            refused = _is_connect_failure(exc)
            problem = "could not connect to Datameer" if refused else "the connection broke"
            raise _failure(request, f"{problem} ({_short(exc)})", reached=not refused) from None
        return Response(response.status_code, response.headers, response.content)

    def close(self) -> None:
        self._session.close()


def _is_connect_failure(exc: BaseException) -> bool:
    """True when no byte of the request can have reached the server (refused, DNS, connect timeout)."""
    import urllib3.exceptions as u3

    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, u3.NewConnectionError | u3.ConnectTimeoutError)


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 200 else text[:200] + "…"


# ---------------------------------------------------------------------------------------------- async
_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession] = weakref.WeakKeyDictionary()


def shared_session() -> aiohttp.ClientSession:
    """The ``aiohttp.ClientSession`` of the running event loop, created on first use."""
    import aiohttp

    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is None or session.closed:
        connector = aiohttp.TCPConnector(limit=100, ttl_dns_cache=300, enable_cleanup_closed=True)
        session = aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())
        _sessions[loop] = session
    return session


_leases: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, int] = weakref.WeakKeyDictionary()


@asynccontextmanager
async def session_lease() -> AsyncIterator[None]:
    """Hold the loop's shared session open while a trigger runs; the last one out closes it.

    A triggerer's loop lives long and always has some lease, so its session is reused; a short-lived
    loop (``airflow dags test``, tests) ends without an unclosed-session warning.
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
    return ssl.create_default_context(cafile=verify)


def _connect_timeout_class() -> tuple[type[BaseException], ...]:
    import aiohttp

    found = getattr(aiohttp, "ConnectionTimeoutError", None)  # aiohttp >= 3.10
    return (found,) if found else ()


class AsyncTransport:
    """Non-blocking transport over the loop's shared ``aiohttp.ClientSession``.

    Everything that does not change between requests (headers, TLS setting, timeout, the session of the
    current loop, the parsed URL of each path) is prepared once, so a poll costs little more than aiohttp's
    own request. Parsed URLs are kept here because yarl's own cache holds only 128, fewer than the distinct
    status URLs of a triggerer's triggers.
    """

    def __init__(self, config: DatameerConnectionConfig) -> None:
        import aiohttp

        self._config = config
        self._aiohttp = aiohttp
        self._headers = {"Authorization": config.authorization}
        self._ssl = _ssl_context(config.verify)
        self._timeout = aiohttp.ClientTimeout(total=config.timeout)
        self._connect_timeout = _connect_timeout_class()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._session: aiohttp.ClientSession | None = None
        self._urls: dict[str, URL] = {}

    def _shared_session(self) -> aiohttp.ClientSession:
        """:func:`shared_session`, remembered for the loop it belongs to (a hook may outlive a loop)."""
        loop = asyncio.get_running_loop()
        session = self._session
        if session is None or loop is not self._loop or session.closed:
            session = self._session = shared_session()
            self._loop = loop
        return session

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
        """One attempt, without reading meaning into the answer; transport failures become our errors."""
        aiohttp = self._aiohttp
        config = self._config
        try:
            async with self._shared_session().request(
                request.method,
                self._url(request.path),
                headers=self._headers,
                ssl=self._ssl,
                timeout=self._timeout,
                allow_redirects=False,
            ) as response:
                body = await response.read()
        except aiohttp.ClientSSLError as exc:
            raise _failure(request, _short(exc), reached=False, tls=True) from None
        except aiohttp.ClientConnectorError as exc:
            raise _failure(request, f"could not connect to Datameer ({_short(exc)})", reached=False) from None
        except self._connect_timeout:
            raise _failure(request, f"could not connect within {config.timeout:g} s", reached=False) from None
        except (TimeoutError, aiohttp.ServerTimeoutError):
            raise _failure(request, f"no answer within {config.timeout:g} s", reached=True) from None
        except aiohttp.ClientError as exc:
            raise _failure(
                request, f"the connection broke ({type(exc).__name__}: {_short(exc)})", reached=True
            ) from None
        return Response(response.status, response.headers, body)

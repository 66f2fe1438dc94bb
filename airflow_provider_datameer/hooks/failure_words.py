"""What a person reads when an exchange with Datameer fails below HTTP: the cause in plain words, and its fix.

requests (through urllib3) and aiohttp wrap the same few causes, the socket's and the ``ssl`` module's
exceptions, in their own classes and texts ("Max retries exceeded", ``ClientConnectorError`` ...). One table,
:data:`CAUSES`, names each cause once for both transports; :func:`cause` finds the first in an exception and
everything it wraps. Library class names never reach the message; a cause the table does not know is told by
its innermost text.
"""

from __future__ import annotations

import errno
import http.client
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from airflow_provider_datameer.core.errors import clip

_CHECK_ADDRESS = "Check the connection's host and port, and that Datameer is up there."
_CHECK_HOST = "Check the spelling of the connection's host, and that this machine's DNS knows it."
_CHECK_CERTIFICATE = (
    "Set the connection extra 'verify' to the path of the CA bundle that signed Datameer's certificate "
    "(or to false, which turns the check off: only for a test server)."
)
_CHECK_SERVER = "Check that Datameer is up and not restarting; the call is retried under the connection's 'retries'."


@dataclass(frozen=True)
class Cause:
    """One root cause: which exceptions are it, how it is told, and what to do about it."""

    test: Callable[[BaseException], bool]
    words: Callable[[BaseException, str, str], str]  # (the exception, "host:port", "host") -> words
    hint: str


def _errno_in(*numbers: int) -> Callable[[BaseException], bool]:
    return lambda exc: isinstance(exc, OSError) and exc.errno in numbers


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "verify_message", None) or getattr(exc, "reason", None) or getattr(exc, "strerror", None)
    return clip(str(text or exc))


def _is_disconnect(exc: BaseException) -> bool:
    if isinstance(exc, http.client.RemoteDisconnected):
        return True
    return type(exc).__name__ == "ServerDisconnectedError"  # aiohttp's, named to keep aiohttp out of sync imports


#: Checked in order against the exception and everything it wraps; the first cause found is the one told.
CAUSES: tuple[Cause, ...] = (
    Cause(
        lambda exc: isinstance(exc, ssl.SSLCertVerificationError),
        lambda exc, where, host: f"the TLS certificate of {host} could not be verified ({_reason(exc)})",
        _CHECK_CERTIFICATE,
    ),
    Cause(
        lambda exc: isinstance(exc, ssl.SSLError),
        lambda exc, where, host: f"the TLS handshake with {where} failed ({_reason(exc)})",
        "Check that the connection's scheme and port are Datameer's HTTPS ones, and its 'verify' extra.",
    ),
    Cause(
        lambda exc: isinstance(exc, socket.gaierror),
        lambda exc, where, host: f"the host name {host} does not resolve ({_reason(exc)})",
        _CHECK_HOST,
    ),
    Cause(
        _errno_in(errno.ECONNREFUSED),
        lambda exc, where, host: f"{where} refused the connection (nothing listens there)",
        _CHECK_ADDRESS,
    ),
    Cause(
        _errno_in(errno.EHOSTUNREACH, errno.ENETUNREACH),
        lambda exc, where, host: f"{host} cannot be reached from here ({_reason(exc)})",
        "Check the connection's host, and the network (firewall, VPN, proxy) between Airflow and Datameer.",
    ),
    Cause(
        _errno_in(errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED),
        lambda exc, where, host: f"{where} reset the connection",
        _CHECK_SERVER,
    ),
    Cause(
        _is_disconnect,
        lambda exc, where, host: f"{where} closed the connection without answering",
        _CHECK_SERVER,
    ),
)


def wrapped(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it wraps (cause, context, exception arguments, urllib3's ``reason``), breadth first."""
    seen: set[int] = set()
    queue = [exc]
    while queue and len(seen) < 32:
        current = queue.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        inner = [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
        queue += [e for e in inner if isinstance(e, BaseException)]


def cause(exc: BaseException, host: str, port: int | None) -> tuple[str, str | None]:
    """``(words, hint)`` for ``exc``: the first known cause it is or wraps, told for ``host:port``; else the
    innermost text of the chain, without class names, and no hint of its own (``None``)."""
    where = f"{host}:{port}" if port else host
    chain = list(wrapped(exc))
    for known in CAUSES:
        found = next((inner for inner in reversed(chain) if known.test(inner)), None)  # the deepest: the cause
        if found is not None:
            return known.words(found, where, host), known.hint
    texts = [str(inner) for inner in chain if str(inner)]
    return clip(texts[-1] if texts else "no reason given"), None

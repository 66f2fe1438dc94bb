"""Turn an Airflow connection of type ``datameer`` into validated, transport-ready settings.

Pure: takes the connection's fields, returns a frozen :class:`DatameerConnectionConfig` or raises
``ValueError`` naming the connection, the field and the fix. Strings from URI-form connections
(``"false"``, ``"30"``) are understood. The password is kept out of ``repr``.
"""

from __future__ import annotations

import base64
import difflib
import ipaddress
import logging
import os
import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_datameer.core.connection_extras import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT,
    DEFAULT_UI_URL_TEMPLATE,
    MAX_ATTEMPTS,
    MAX_RESPONSE_BYTES,
    MAX_TIMEOUT,
    MIN_RESPONSE_BYTES,
    NAMES,
)
from airflow_provider_datameer.core.endpoints import Endpoint, resolve_endpoints
from airflow_provider_datameer.core.errors import clip
from airflow_provider_datameer.core.templates import template_fields
from airflow_provider_datameer.core.values import decoded_json, seconds, whole_number

log = logging.getLogger(__name__)

DEFAULT_PORT = 8080
# The defaults and bounds of the extras that the form and docs/connection.md state (DEFAULT_TIMEOUT,
# MAX_TIMEOUT, MAX_ATTEMPTS, DEFAULT_MAX_RESPONSE_BYTES, MIN_/MAX_RESPONSE_BYTES, DEFAULT_UI_URL_TEMPLATE) are
# defined with the list of extras in core/connection_extras.py, and imported above.
#: Bounds of the retry waits: beyond them a value is a typo, and would overflow a sleep or a timer.
MAX_BACKOFF = 3600.0
MAX_RETRY_AFTER = 86400.0
#: The extras this provider reads (the one list, core/connection_extras.py); any other key is reported with
#: the closest of these (a typo is silent otherwise: ``timout`` would leave the default timeout in place).
KNOWN_EXTRAS = frozenset(NAMES)
UI_URL_FIELDS = frozenset({"base_url", "file_id", "execution_id"})

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


@dataclass(frozen=True)
class RetryPolicy:
    """How transient failures are retried (one policy for the sync and async paths).

    ``attempts`` counts the first try. Waits grow exponentially from ``backoff`` to ``max_backoff``
    seconds with jitter; a server's ``Retry-After`` is honoured up to ``max_retry_after`` seconds.
    """

    attempts: int = 3
    backoff: float = 1.0
    max_backoff: float = 30.0
    max_retry_after: float = 300.0


@dataclass(frozen=True)
class DatameerConnectionConfig:
    """Everything a transport needs to reach one Datameer server."""

    conn_id: str
    base_url: str
    login: str
    password: str = field(repr=False)
    verify: bool | str = True
    timeout: float = DEFAULT_TIMEOUT
    endpoints: Mapping[str, Endpoint] = field(default_factory=resolve_endpoints, repr=False)
    retry: RetryPolicy = RetryPolicy()
    ui_url_template: str = DEFAULT_UI_URL_TEMPLATE
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    #: The API generation operators and sensors use unless they name one: 2 (``/api/``) or 1 (``/rest/``).
    api_version: int = 2

    @property
    def authorization(self) -> str:
        """The HTTP Basic ``Authorization`` header value. Never log it."""
        token = base64.b64encode(f"{self.login}:{self.password}".encode()).decode("ascii")
        return f"Basic {token}"

    def url(self, path: str) -> str:
        return self.base_url + path


def config_from_connection(
    conn_id: str,
    *,
    host: str | None,
    port: int | str | None = None,
    schema: str | None = None,
    login: str | None = None,
    password: str | None = None,
    extra: Mapping[str, Any] | str | None = None,
) -> DatameerConnectionConfig:
    """Validate a connection's fields; see docs/connection.md for each field and extra.

    Unknown extra keys are logged as a warning naming the closest known key; everything else that is wrong
    raises ``ValueError`` before any request is made.
    """

    def problem(what: str) -> ValueError:
        return ValueError(f"Datameer connection {conn_id!r}: {what}")

    # A field emptied in Airflow's connection form is saved as null: it means "not set", as a missing key does.
    extras = {key: value for key, value in _extras(extra, problem).items() if value is not None}
    _warn_unknown(conn_id, extras)
    if not host or not str(host).strip():
        raise problem("has no host; set it to the Datameer server, e.g. 'datameer.example.com' or a full URL")
    base_path = extras.get("base_path") or ""
    if not isinstance(base_path, str):
        raise problem(f"extra 'base_path' must be a path such as '/datameer', got {_shown(base_path)}")
    base_url = _base_url(str(host).strip(), port, schema, base_path, problem)
    if not login:
        raise problem("has no login; Datameer's REST API needs HTTP Basic credentials")
    try:
        endpoints = resolve_endpoints(extras.get("endpoints"))
    except ValueError as exc:
        raise problem(str(exc)) from None
    return DatameerConnectionConfig(
        conn_id=conn_id,
        base_url=base_url,
        login=str(login),
        password=str(password or ""),
        verify=_verify(extras.get("verify", True), problem),
        timeout=_seconds(extras.get("timeout", DEFAULT_TIMEOUT), "timeout", MAX_TIMEOUT, problem),
        endpoints=endpoints,
        retry=_retry(extras.get("retries"), problem),
        ui_url_template=_ui_url_template(extras.get("ui_url_template"), problem),
        max_response_bytes=_max_response_bytes(extras.get("max_response_bytes"), problem),
        api_version=_api_version(extras.get("api_version", 2), problem),
    )


def _api_version(value: object, problem: Any) -> int:
    if str(value).strip() not in ("1", "2") or isinstance(value, bool):
        raise problem(
            f"extra 'api_version' must be 1 (the /rest/ API) or 2 (the /api/ API of Datameer 7.2.5+), got {value!r}"
        )
    return int(str(value).strip())


def _shown(value: object) -> str:
    """A user's value as a message shows it: its repr, cut short (a value may be megabytes long)."""
    try:
        return clip(repr(value), 80)
    except ValueError:  # an int too long to print (sys.set_int_max_str_digits)
        return "<a number too large to print>"


def _extras(extra: Mapping[str, Any] | str | None, problem: Any) -> Mapping[str, Any]:
    if extra is None or (isinstance(extra, str) and not extra.strip()):
        return {}
    try:
        decoded = decoded_json(extra)
    except ValueError as exc:  # the text itself is never shown: an extra may hold secrets
        raise problem(f"extra is not valid JSON ({clip(str(exc), 120)}); write it as a JSON object") from None
    if not isinstance(decoded, Mapping):
        raise problem("extra must be a JSON object")
    return decoded


def _warn_unknown(conn_id: str, extras: Mapping[str, Any]) -> None:
    for key in sorted(map(str, extras)):
        if key in KNOWN_EXTRAS:
            continue
        close = difflib.get_close_matches(key, KNOWN_EXTRAS, n=1)
        advice = f"did you mean {close[0]!r}?" if close else f"known extras: {', '.join(sorted(KNOWN_EXTRAS))}"
        log.warning(
            "Datameer connection %r: extra %s is not a setting and is ignored; %s", conn_id, _shown(key), advice
        )


# Host forms: a full URL ("https://dm.example.com:8443/datameer"), or a bare host with an optional port and
# path ("dm.example.com", "127.0.0.1:18080", "127.0.0.1/datameer/", "[::1]:8080"), or a bare IPv6 literal.
_LABEL_CHARS = re.compile(r"[\w.-]+")
_PATH_CHARS = re.compile(r"(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})*")


def _base_url(host: str, port: int | str | None, schema: str | None, base_path: str, problem: Any) -> str:
    given_port = None if port is None or str(port).strip() == "" else _port(port, "port", problem)
    if "://" in host:
        scheme = host.split("://", 1)[0].lower()
        parts = _split(host, problem)
    else:
        scheme = (schema or "http").strip().lower()
        parts = _split("//" + (f"[{host}]" if _is_bare_ipv6(host) else host), problem)
    if scheme not in ("http", "https"):
        raise problem(f"scheme {_shown(scheme)} is not supported; use http or https (the connection's schema field)")
    if parts.username is not None or parts.password is not None:
        raise problem("host must not contain credentials; use the login and password fields")
    if parts.query or parts.fragment or "?" in host or "#" in host:
        raise problem(f"host {_shown(host)} must not contain '?' or '#'; put a path prefix in extra 'base_path'")
    hostname = _hostname(parts.hostname, host, problem)
    try:
        host_port = parts.port
    except ValueError:
        raise problem(f"host {_shown(host)} has an invalid port") from None
    if host_port == 0:
        raise problem(f"host {_shown(host)} names port 0, which is out of range (1-65535)")
    if host_port is not None and given_port is not None and host_port != given_port:
        raise problem(f"host {_shown(host)} names port {host_port} but the port field says {given_port}; keep one")
    default_port = {"https": 443, "http": 80}[scheme] if "://" in host else DEFAULT_PORT
    port_number = host_port or given_port or default_port
    prefix = "/".join(
        p for p in (_path(parts.path, "host", problem), _path(base_path, "extra 'base_path'", problem)) if p
    )
    netloc = f"[{hostname}]" if ":" in hostname else hostname
    return f"{scheme}://{netloc}:{port_number}" + (f"/{prefix}" if prefix else "")


def _is_bare_ipv6(host: str) -> bool:
    return host.count(":") >= 2 and not host.startswith("[")


def _split(url: str, problem: Any) -> Any:
    try:
        return urlsplit(url)
    except ValueError as exc:
        raise problem(f"host {_shown(url.removeprefix('//'))} is not a valid host or URL ({exc})") from None


def _hostname(hostname: str | None, host: str, problem: Any) -> str:
    """The host name, checked: an IP literal, or DNS labels (international ones included)."""
    if not hostname:
        raise problem(f"host {_shown(host)} has no host name")
    if ":" in hostname:
        try:
            ipaddress.IPv6Address(hostname)
        except ValueError:
            raise problem(f"host {_shown(host)}: {_shown(hostname)} is not a valid IPv6 address") from None
        return hostname
    try:
        valid = bool(_LABEL_CHARS.fullmatch(hostname)) and bool(hostname.encode("idna"))
    except UnicodeError:
        valid = False
    if not valid:
        raise problem(f"host {_shown(host)}: {_shown(hostname)} is not a valid host name")
    return hostname


def _path(path: str, where: str, problem: Any) -> str:
    path = path.strip("/")
    if not _PATH_CHARS.fullmatch(path):
        raise problem(
            f"{where} path {_shown(path)} has characters a URL path cannot hold; percent-encode them (e.g. %20)"
        )
    return path


def _port(value: object, name: str, problem: Any) -> int:
    number = whole_number(value)
    if number is None:
        raise problem(f"{name} {_shown(value)} is not a number")
    if not 0 < number < 65536:
        raise problem(f"{name} {number} is out of range (1-65535)")
    return number


def _flag(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | str) and str(value).strip().lower() in _TRUE | _FALSE:
        return str(value).strip().lower() in _TRUE
    return None


def _verify(value: object, problem: Any) -> bool | str:
    """``True``, ``False`` or the path of a CA bundle that exists and loads.

    A path is checked whatever the scheme: with http it is not used, but a connection switched to https
    later must not fail then, on the first request of some task.
    """
    flag = _flag(value)
    if flag is not None:
        return flag
    if not isinstance(value, str) or not value.strip():
        raise problem(f"extra 'verify' must be true, false or a CA bundle path, got {_shown(value)}")
    path = os.path.expanduser(value.strip())
    if not os.path.exists(path):
        raise problem(
            f"extra 'verify' names the CA bundle {_shown(path)}, which does not exist on this machine; give the "
            "path of a PEM file (or a directory of them) present on every worker and triggerer, or true/false"
        )
    try:
        if os.path.isdir(path):
            ssl.create_default_context(capath=path)
        else:
            ssl.create_default_context(cafile=path)
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise problem(
            f"extra 'verify': {_shown(path)} is not a readable PEM CA bundle ({clip(str(exc), 120)})"
        ) from None
    return path


def _seconds(value: object, name: str, maximum: float, problem: Any) -> float:
    number = seconds(value, text=True)
    if number is None or not 0 < number <= maximum:
        raise problem(
            f"extra {name!r} must be a number of seconds above 0 and at most {maximum:g}, got {_shown(value)}"
        )
    return number


def _max_response_bytes(value: object, problem: Any) -> int:
    if value is None or value == "":
        return DEFAULT_MAX_RESPONSE_BYTES
    number = whole_number(value)
    if number is None:
        raise problem(f"extra 'max_response_bytes' must be a whole number of bytes, got {_shown(value)}")
    if not MIN_RESPONSE_BYTES <= number <= MAX_RESPONSE_BYTES:
        raise problem(
            f"extra 'max_response_bytes' must be between {MIN_RESPONSE_BYTES} and {MAX_RESPONSE_BYTES}, got {number}"
        )
    return number


def _ui_url_template(value: object, problem: Any) -> str:
    if value is None or value == "":
        return DEFAULT_UI_URL_TEMPLATE
    if not isinstance(value, str):
        raise problem(f"extra 'ui_url_template' must be text, got {_shown(value)}")
    try:
        unknown = template_fields(value) - UI_URL_FIELDS
    except ValueError as exc:
        raise problem(f"extra 'ui_url_template': {exc}") from None
    if unknown:
        raise problem(
            f"extra 'ui_url_template' uses unknown placeholder(s) {', '.join(sorted(unknown))}; "
            f"allowed: {', '.join(f'{{{name}}}' for name in sorted(UI_URL_FIELDS))}"
        )
    return value


def _retry(value: object, problem: Any) -> RetryPolicy:
    if value is None or value == "":
        return RetryPolicy()
    try:
        value = decoded_json(value)
    except ValueError:
        raise problem(f"extra 'retries' must be a number of attempts or an object, got {_shown(value)}") from None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = {"attempts": value}
    if not isinstance(value, Mapping):
        raise problem(f"extra 'retries' must be a number of attempts or an object, got {_shown(value)}")
    unknown = set(value) - {"attempts", "backoff", "max_backoff", "max_retry_after"}
    if unknown:
        raise problem(f"extra 'retries' has unknown key(s) {_shown(sorted(map(str, unknown)))}")
    attempts = whole_number(value.get("attempts", RetryPolicy.attempts))
    if attempts is None:
        raise problem(f"extra 'retries.attempts' must be a whole number >= 1, got {_shown(value.get('attempts'))}")
    if not 1 <= attempts <= MAX_ATTEMPTS:
        raise problem(
            f"extra 'retries.attempts' must be at least 1 (no retry) and at most {MAX_ATTEMPTS}, got {_shown(attempts)}"
        )
    maxima = {"backoff": MAX_BACKOFF, "max_backoff": MAX_BACKOFF, "max_retry_after": MAX_RETRY_AFTER}
    numbers = {
        key: _seconds(value[key], f"retries.{key}", maximum, problem) for key, maximum in maxima.items() if key in value
    }
    return RetryPolicy(attempts=attempts, **numbers)

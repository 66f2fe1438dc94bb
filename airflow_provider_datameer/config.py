"""Turn an Airflow connection of type ``datameer`` into validated, transport-ready settings.

Pure: takes the connection's fields, returns a frozen :class:`DatameerConnectionConfig` or raises
``ValueError`` naming the connection, the field and the fix. Strings from URI-form connections
(``"false"``, ``"30"``) are understood. The password is kept out of ``repr``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_datameer.api import Endpoint, resolve_endpoints

DEFAULT_PORT = 8080
DEFAULT_TIMEOUT = 30.0
#: Where the job link points by default: the run's job page (the UI endpoint Datameer's own client links to).
DEFAULT_UI_URL_TEMPLATE = "{base_url}/file-job?jobExecutionId={execution_id}"

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
    """Validate a connection's fields; see the README's "Connection" section for each field and extra."""

    def problem(what: str) -> ValueError:
        return ValueError(f"Datameer connection {conn_id!r}: {what}")

    extras = _extras(extra, problem)
    if not host or not str(host).strip():
        raise problem("has no host; set it to the Datameer server, e.g. 'datameer.example.com' or a full URL")
    base_url = _base_url(str(host).strip(), port, schema, str(extras.get("base_path") or ""), problem)
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
        timeout=_positive(extras.get("timeout", DEFAULT_TIMEOUT), "timeout", problem),
        endpoints=endpoints,
        retry=_retry(extras.get("retries"), problem),
        ui_url_template=str(extras.get("ui_url_template") or DEFAULT_UI_URL_TEMPLATE),
        api_version=_api_version(extras.get("api_version", 2), problem),
    )


def _api_version(value: object, problem: Any) -> int:
    if str(value).strip() not in ("1", "2") or isinstance(value, bool):
        raise problem(
            f"extra 'api_version' must be 1 (the /rest/ API) or 2 (the /api/ API of Datameer 7.2.5+), got {value!r}"
        )
    return int(str(value).strip())


def _extras(extra: Mapping[str, Any] | str | None, problem: Any) -> Mapping[str, Any]:
    if not extra:
        return {}
    if isinstance(extra, str):
        try:
            extra = json.loads(extra)
        except (ValueError, RecursionError) as exc:
            raise problem(f"extra is not valid JSON ({exc})") from None
    if not isinstance(extra, Mapping):
        raise problem("extra must be a JSON object")
    return extra


def _base_url(host: str, port: int | str | None, schema: str | None, base_path: str, problem: Any) -> str:
    if "://" in host:
        parts = urlsplit(host)
        scheme, hostname, path = parts.scheme.lower(), parts.hostname, parts.path
        try:
            url_port = parts.port
        except ValueError:
            raise problem(f"host {host!r} has an invalid port") from None
        port = url_port or port
        if not port:
            port = {"https": 443, "http": 80}.get(scheme)
    else:
        scheme, hostname, path = (schema or "http").strip().lower(), host.strip("/"), ""
        port = port or DEFAULT_PORT
    if scheme not in ("http", "https"):
        raise problem(f"scheme {scheme!r} is not supported; use http or https (the connection's schema field)")
    if not hostname:
        raise problem(f"host {host!r} has no host name")
    try:
        port_number = int(port)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise problem(f"port {port!r} is not a number") from None
    if not 0 < port_number < 65536:
        raise problem(f"port {port_number} is out of range")
    prefix = "/".join(p for p in (path.strip("/"), base_path.strip("/")) if p)
    netloc = f"[{hostname}]" if ":" in hostname else hostname
    return f"{scheme}://{netloc}:{port_number}" + (f"/{prefix}" if prefix else "")


def _flag(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | str) and str(value).strip().lower() in _TRUE | _FALSE:
        return str(value).strip().lower() in _TRUE
    return None


def _verify(value: object, problem: Any) -> bool | str:
    flag = _flag(value)
    if flag is not None:
        return flag
    if isinstance(value, str) and value.strip():
        return value.strip()  # a CA bundle path
    raise problem(f"extra 'verify' must be true, false or a CA bundle path, got {value!r}")


def _positive(value: object, name: str, problem: Any) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        number = -1.0
    if isinstance(value, bool) or not 0 < number < float("inf"):
        raise problem(f"extra {name!r} must be a positive number of seconds, got {value!r}")
    return number


def _retry(value: object, problem: Any) -> RetryPolicy:
    if value is None or value == "":
        return RetryPolicy()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise problem(f"extra 'retries' must be a number of attempts or an object, got {value!r}") from None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = {"attempts": value}
    if not isinstance(value, Mapping):
        raise problem(f"extra 'retries' must be a number of attempts or an object, got {value!r}")
    unknown = set(value) - {"attempts", "backoff", "max_backoff", "max_retry_after"}
    if unknown:
        raise problem(f"extra 'retries' has unknown key(s) {sorted(unknown)}")
    attempts = value.get("attempts", RetryPolicy.attempts)
    if isinstance(attempts, bool) or not isinstance(attempts, int | float | str) or not str(attempts).isdigit():
        raise problem(f"extra 'retries.attempts' must be a whole number >= 1, got {attempts!r}")
    if int(attempts) < 1:
        raise problem("extra 'retries.attempts' must be at least 1 (1 means no retry)")
    numbers = {
        key: _positive(value[key], f"retries.{key}", problem)
        for key in ("backoff", "max_backoff", "max_retry_after")
        if key in value
    }
    return RetryPolicy(attempts=int(attempts), **numbers)

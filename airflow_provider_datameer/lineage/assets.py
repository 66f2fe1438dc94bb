"""Datameer files as Airflow Assets (Datasets on Airflow 2): ``datameer://host:port/path`` URIs, their
normalizer and OpenLineage converter (registered through the provider info's ``asset-uris``), and the ``extra``
a Datameer task writes into the Asset events it emits."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

from airflow_provider_datameer.lineage.facts import SCHEME, namespace_of

if TYPE_CHECKING:
    from urllib.parse import SplitResult

#: What a Datameer task's Asset events carry in ``extra``: keys of the task's result summary.
EVENT_EXTRA_KEYS = ("job_id", "execution_id", "status", "success_count", "failure_count", "counters")
_FILE_ID_PREFIX = "/file/"


def datameer_asset(
    path: str | int,
    *,
    host: str | None = None,
    conn_id: str | None = None,
    extra: dict | None = None,
    watch: bool = False,
    **watch_options: Any,
) -> Any:
    """An ``Asset`` for one Datameer file: ``datameer://<host[:port]>/<path>``.

    :param path: the file path (``/Data/ImportJobs/sales.imp``), or a file id, which becomes ``/file/<id>``,
        the name lineage gives a file whose path it does not know.
    :param watch: Airflow 3+: attach an ``AssetWatcher`` whose
        :class:`~airflow_provider_datameer.triggers.completions.DatameerJobCompletedTrigger` adds an Asset event
        each time a run of this file's job ends, whoever started it (docs/watch.md). ``watch_options`` are that
        trigger's kwargs (``job_id``, default ``path``; ``datameer_conn_id``, default ``conn_id`` or
        ``datameer_default``; ``poll_interval``, ``statuses``, ``api_version``). ``RuntimeError`` on Airflow 2.
    :param host: the server as ``host`` or ``host:port``. Give this one in DAG files: it costs nothing at parse.
    :param conn_id: or read host and port from this Datameer connection (a connection lookup each time the DAG
        file is parsed). With it the URI's authority is the one OpenLineage names the server by.
    """
    from airflow.providers.common.compat.assets import Asset

    if (host is None) == (conn_id is None):
        raise ValueError("datameer_asset needs exactly one of host='datameer.example.com[:port]' or conn_id='...'")
    if conn_id is not None:
        from airflow_provider_datameer.hooks.datameer import DatameerHook

        authority = namespace_of(DatameerHook(datameer_conn_id=conn_id).config.base_url)[len(SCHEME) + 3 :]
    else:
        authority = _authority(host or "")
    uri = f"{SCHEME}://{authority}{_asset_path(path)}"
    if not watch:
        if watch_options:
            raise TypeError(f"datameer_asset: {', '.join(sorted(watch_options))} only go with watch=True")
        return Asset(uri=uri, extra=extra or {})
    return Asset(uri=uri, extra=extra or {}, watchers=[_watcher(path, conn_id, watch_options)])


def _watcher(path: str | int, conn_id: str | None, options: dict[str, Any]) -> Any:
    """The ``AssetWatcher`` of a watched Datameer Asset (Airflow 3+ only)."""
    try:
        from airflow.sdk import AssetWatcher
    except ImportError:
        raise RuntimeError(
            "datameer_asset(watch=True) needs Airflow 3 (Asset watchers, event-driven scheduling); on Airflow 2 "
            "schedule the DAG on the Asset and let DatameerTriggerJobOperator's outlets update it instead"
        ) from None
    from airflow_provider_datameer.triggers.completions import DatameerJobCompletedTrigger

    options.setdefault("job_id", path)
    if conn_id is not None:
        options.setdefault("datameer_conn_id", conn_id)
    trigger = DatameerJobCompletedTrigger(**options)
    kwargs = trigger.serialize()[1]
    return AssetWatcher(name=f"datameer-{kwargs['datameer_conn_id']}-{kwargs['job_id']}", trigger=trigger)


def _authority(host: str) -> str:
    parts = urlsplit(f"//{host.strip()}")
    try:
        parts.port  # noqa: B018 (validates the port)
    except ValueError:
        raise ValueError(f"datameer_asset: host {host!r} has an invalid port") from None
    if not parts.hostname or parts.path or parts.query or "@" in parts.netloc:
        raise ValueError(f"datameer_asset: host must be 'host' or 'host:port' (no scheme or path), got {host!r}")
    return parts.netloc.lower()


def _asset_path(path: str | int) -> str:
    if isinstance(path, int) and not isinstance(path, bool) and path >= 0:
        return f"{_FILE_ID_PREFIX}{path}"
    if isinstance(path, str) and path.isdecimal():
        return f"{_FILE_ID_PREFIX}{int(path)}"
    if not isinstance(path, str) or not path.startswith("/") or path.strip("/") == "":
        raise ValueError(f"datameer_asset: path must be an absolute Datameer file path or a file id, got {path!r}")
    return quote(path, safe="/")


def sanitize_uri(uri: SplitResult) -> SplitResult:
    """Airflow's normalizer for ``datameer://`` URIs: a host and a file path are required; the host is
    lower-cased (Airflow has already lower-cased the scheme and dropped trailing slashes and fragments)."""
    if not uri.hostname:
        raise ValueError("a datameer:// Asset URI needs a host: datameer://host[:port]/path")
    if uri.path in ("", "/"):
        raise ValueError("a datameer:// Asset URI needs a Datameer file path: datameer://host[:port]/path")
    return uri._replace(netloc=uri.netloc.lower())


def create_asset(*, path: str | int, host: str, extra: dict | None = None) -> Any:
    """The ``factory`` of the ``asset-uris`` registration: :func:`datameer_asset` with a host."""
    return datameer_asset(path, host=host, extra=extra)


def convert_asset_to_openlineage(asset: Any, lineage_context: Any = None) -> Any:
    """The OpenLineage dataset of a ``datameer://`` Asset: the same namespace and name as the task's facets."""
    from airflow.providers.common.compat.openlineage.facet import Dataset

    parts = urlsplit(asset.uri)
    path = unquote(parts.path)
    name = path[1:] if path.startswith(_FILE_ID_PREFIX) and path[len(_FILE_ID_PREFIX) :].isdecimal() else path
    return Dataset(namespace=f"{SCHEME}://{parts.netloc}", name=name)


def event_extra(result: Mapping[str, Any]) -> dict[str, Any]:
    """The ``extra`` of an Asset event from a Datameer task's result (JSON-safe; no secrets in it)."""
    return {key: result.get(key) for key in EVENT_EXTRA_KEYS}


def annotate_outlet_events(context: Any, outlets: Iterable[Any], result: Mapping[str, Any] | None) -> None:
    """Write :func:`event_extra` into the events of every Asset in ``outlets`` (aliases are left alone)."""
    if not result:
        return
    events = context.get("outlet_events") if hasattr(context, "get") else None
    if events is None:
        return
    from airflow.providers.common.compat.assets import Asset

    extra = event_extra(result)
    for outlet in outlets or ():
        if isinstance(outlet, Asset):
            events[outlet].extra.update(extra)

"""DatameerPlugin: the page at ``/datameer/``, a "Datameer" entry under Browse and a "Datameer" task instance tab.

Airflow imports this module in every process that loads plugins (scheduler, workers, DAG processor, API server),
so it imports neither FastAPI nor the provider's hook: the app is a stand-in that builds the real one
(:func:`airflow_provider_datameer.plugins.app.build_app`) on its first request, which only the API server serves.
Before Airflow 3.1 (no ``external_views`` in the UI) the plugin registers nothing.
"""

from __future__ import annotations

from typing import Any

from airflow.plugins_manager import AirflowPlugin

#: Where the app is mounted, below ``[api] base_url``.
URL_PREFIX = "/datameer"


def _airflow_has_external_views() -> bool:
    from importlib.metadata import version

    from packaging.version import Version

    return Version(version("apache-airflow")).release >= (3, 1)


def base_path() -> str:
    """The path part of ``[api] base_url`` without its trailing slash (``""`` when Airflow is served at ``/``)."""
    from urllib.parse import urlsplit

    from airflow.configuration import conf

    return urlsplit(conf.get("api", "base_url", fallback="/") or "/").path.rstrip("/")


class LazyApp:
    """An ASGI app that builds the Datameer FastAPI app when the first request (or lifespan event) reaches it."""

    def __init__(self) -> None:
        self._app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._app is None:
            from airflow_provider_datameer.plugins.app import build_app

            self._app = build_app()
        await self._app(scope, receive, send)


def _ui_entries(prefix: str) -> list[dict[str, Any]]:
    """The nav entry and the task instance tab. Airflow shows the tab on every task instance (it cannot be
    limited to an operator); the tab's page says so politely for tasks that are not Datameer's."""
    tab_query = "dag_id={DAG_ID}&run_id={RUN_ID}&task_id={TASK_ID}&map_index={MAP_INDEX}"
    return [
        {
            "name": "Datameer",
            "href": f"{prefix}/",
            "url_route": "datameer",
            "destination": "nav",
            "category": "browse",
            "icon": f"{prefix}/icon.svg",
        },
        {
            "name": "Datameer",
            "href": f"{prefix}/task?{tab_query}",
            "url_route": "datameer-task",
            "destination": "task_instance",
            "icon": f"{prefix}/icon.svg",
        },
    ]


class DatameerPlugin(AirflowPlugin):
    """Registered as the ``airflow.plugins`` entry point ``datameer`` and in the provider info's ``plugins``."""

    name = "datameer"
    if _airflow_has_external_views():
        fastapi_apps = [{"app": LazyApp(), "url_prefix": URL_PREFIX, "name": "Datameer"}]
        external_views = _ui_entries(base_path() + URL_PREFIX)

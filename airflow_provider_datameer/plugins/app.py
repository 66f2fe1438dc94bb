"""The routes of the Datameer page, mounted by Airflow's API server at ``/datameer`` (docs/ui.md).

Every route needs an authenticated Airflow user, read the way Airflow's own routes read it (``Authorization:
Bearer`` or the UI's ``_token`` cookie, which the nav and task tab iframes send); the list shows only the DAGs
the user may read, the task tab checks the DAG's task instance permission. Database reads run in a worker
thread, Datameer's view (:mod:`.live`) on the event loop.

No ``from __future__ import annotations`` here: FastAPI reads the routes' annotations, and Airflow's security
dependencies are imported inside :func:`build_app` (only the API server pays for them), out of the module's globals.
"""

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response

from airflow_provider_datameer.plugins import page
from airflow_provider_datameer.plugins.live import LiveStatus
from airflow_provider_datameer.plugins.plugin import base_path
from airflow_provider_datameer.plugins.rows import Query as RowQuery
from airflow_provider_datameer.plugins.rows import Row, read_rows


def build_app(live: LiveStatus | None = None) -> FastAPI:
    """The FastAPI app; ``live`` is shared by all requests (its cache and limits are per API server process)."""
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
    from airflow.api_fastapi.core_api.security import GetUserDep, requires_access_dag

    status = live or LiveStatus()
    app = FastAPI(title="Datameer", docs_url=None, redoc_url=None, openapi_url=None)
    _read_the_ui_cookie_too(app)
    task_access = Depends(requires_access_dag("GET", DagAccessEntity.TASK_INSTANCE))

    def filters(
        hours: Annotated[float, Query(gt=0, le=24 * 30)] = 24.0,
        dag_id: str | None = None,
        state: str | None = None,
        conn_id: str | None = None,
        limit: Annotated[int, Query(gt=0, le=5000)] = 500,
    ) -> RowQuery:
        return RowQuery(hours=hours, dag_id=dag_id or None, state=state or None, conn_id=conn_id or None, limit=limit)

    async def views(query: RowQuery, user: Any) -> list[dict[str, Any]]:
        rows = await run_in_threadpool(_readable_rows, query, user)
        found = await status.of(rows)
        return [page.view(row, found.get(row.key), base_path()) for row in rows]

    @app.get("/", response_class=HTMLResponse)
    async def runs_page(user: GetUserDep, query: Annotated[RowQuery, Depends(filters)]) -> HTMLResponse:
        return HTMLResponse(page.runs_page(await views(query, user), query, base_path()))

    @app.get("/api/runs")
    async def runs_json(user: GetUserDep, query: Annotated[RowQuery, Depends(filters)]) -> JSONResponse:
        return JSONResponse({"runs": page.jsonable(await views(query, user))})

    @app.get("/task", response_class=HTMLResponse, dependencies=[task_access])
    async def task_tab(dag_id: str, run_id: str, task_id: str, map_index: str = "-1") -> HTMLResponse:
        # Airflow's UI leaves "{MAP_INDEX}" unreplaced on the tab of a task that is not mapped.
        index = int(map_index) if map_index.lstrip("-").isdigit() else -1
        rows = await run_in_threadpool(_task_rows, (dag_id, run_id, task_id, index))
        found = await status.of(rows, history=True)
        views = [page.view(row, found.get(row.key), base_path()) for row in rows]
        return HTMLResponse(page.task_page(views[0] if views else None, task_id))

    @app.get("/icon.svg")
    async def icon(user: GetUserDep) -> Response:
        return Response(page.ICON, media_type="image/svg+xml", headers={"Cache-Control": "max-age=3600"})

    return app


def _readable_rows(query: RowQuery, user: Any) -> list[Row]:
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.utils.session import create_session

    with create_session() as session:
        dag_ids = get_auth_manager().get_authorized_dag_ids(user=user, method="GET", session=session)
        return read_rows(query, dag_ids, session)


def _task_rows(task: tuple[str, str, str, int]) -> list[Row]:
    from airflow.utils.session import create_session

    with create_session() as session:
        return read_rows(RowQuery(), None, session, task=task)


def _read_the_ui_cookie_too(app: FastAPI) -> None:
    """On Airflow 3.1 and 3.2, Airflow's ``get_user`` reads only the ``Authorization`` header, while the nav entry
    and the task tab (iframes) send the UI's ``_token`` cookie: there this app reads the header, else the cookie,
    for its routes and for the access checks that depend on ``get_user``. 3.3's ``get_user`` reads both already."""
    import inspect

    from airflow.api_fastapi.core_api import security
    from starlette.requests import Request

    if "request" in inspect.signature(security.get_user).parameters:
        return

    async def user_from_header_or_cookie(request: Request) -> Any:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        token = credentials if scheme.lower() == "bearer" else request.cookies.get("_token")
        return await security.resolve_user_from_token(token)

    app.dependency_overrides[security.get_user] = user_from_header_or_cookie

"""DatameerHook: one method per Datameer job command, sync and async, over one Datameer core.

The hook reads the connection, builds requests with :mod:`airflow_provider_datameer.core.endpoints`, sends them
through a thin transport (:mod:`airflow_provider_datameer.hooks.transport`) and retries transient failures
with the one policy of :mod:`airflow_provider_datameer.core.retry`. It holds no Datameer knowledge itself.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from airflow.providers.common.compat.sdk import BaseHook

from airflow_provider_datameer.core.connection import DatameerConnectionConfig, config_from_connection
from airflow_provider_datameer.core.endpoints import Request, Response, build_request
from airflow_provider_datameer.core.errors import DatameerError
from airflow_provider_datameer.core.models import (
    ActiveJob,
    ExecutionStatus,
    HistoryEntry,
    JobDetails,
    ServerVersion,
    TriggerResult,
)
from airflow_provider_datameer.core.wait_settings import DEFAULT_CONN_ID
from airflow_provider_datameer.hooks import connection_form

if TYPE_CHECKING:
    from airflow_provider_datameer.core.steps import Procedure

T = TypeVar("T")
_EXTRA_PREFIX = f"extra__{connection_form.CONN_TYPE}__"
JobId = int | str
# Guards the first connection lookup and transport of every hook (a hook shared by threads makes one of
# each). Module-wide rather than per hook, so hooks stay copyable (operators are deep-copied); it is taken
# only while a hook has neither yet.
_OPENING = threading.RLock()


class DatameerHook(BaseHook):
    """Talk to Datameer's REST API through an Airflow connection of type ``datameer``.

    :param datameer_conn_id: the connection: host (bare host or full URL), port (default 8080), schema
        (http/https), login, password, and the extras described in the README ("Connection").

    ``job_id`` arguments name a job by file id (int or digit string), file uuid, or file path; ids of
    configurations and executions are separate numbers (see the README). Transient failures are retried;
    everything else raises a :class:`~airflow_provider_datameer.core.errors.DatameerError` subclass whose
    message says what to fix. Async twins (``a…``) use the event loop's shared ``aiohttp`` session inside
    a trigger or ``async with DatameerHook(...) as hook:``, else a session per call that they close.

    One connection lookup and one transport per hook, also when threads share it; ``hook.close()`` (or
    ``with DatameerHook(...) as hook:``) closes its ``requests`` session.
    """

    conn_name_attr = "datameer_conn_id"
    default_conn_name = DEFAULT_CONN_ID
    conn_type = connection_form.CONN_TYPE
    hook_name = connection_form.HOOK_NAME

    def __init__(self, datameer_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.datameer_conn_id = datameer_conn_id
        self._config: DatameerConnectionConfig | None = None
        self._sync: Any = None
        self._async: Any = None
        self._leases: list[Any] = []

    # ------------------------------------------------------------------------------------------ connection
    @property
    def config(self) -> DatameerConnectionConfig:
        """The validated connection settings, read once per hook (once, too, when threads share the hook)."""
        if self._config is None:
            with _OPENING:
                if self._config is None:
                    conn = self.get_connection(self.datameer_conn_id)
                    self._config = self._config_from(conn, conn.extra_dejson)
        return self._config

    async def aconfig(self) -> DatameerConnectionConfig:
        """The same as :attr:`config`, read with Airflow's async connection lookup (for triggers).

        Two coroutines of one hook racing on the first call may both look the connection up; the first
        result is kept.
        """
        if self._config is None:
            from airflow.providers.common.compat.connection import get_async_connection, get_async_extra_dejson

            conn = await get_async_connection(self.datameer_conn_id, self)
            extra = await get_async_extra_dejson(conn)
            config = self._config_from(conn, extra)
            self._config = self._config or config
        return self._config

    def _config_from(self, conn: Any, extra: Any) -> DatameerConnectionConfig:
        raw = conn.extra
        if (not extra or not isinstance(extra, Mapping)) and isinstance(raw, str) and raw.strip():
            # Airflow turns an extra that is not JSON into {} (and only logs it): the validation gets the
            # text itself and refuses it, so a typo never leaves a silently default connection.
            extra = raw
        if isinstance(extra, Mapping):
            extra = {key.removeprefix(_EXTRA_PREFIX): value for key, value in extra.items()}
        return config_from_connection(
            self.datameer_conn_id,
            host=conn.host,
            port=conn.port,
            schema=conn.schema,
            login=conn.login,
            password=conn.password,
            extra=extra,
        )

    def get_conn(self) -> DatameerConnectionConfig:
        return self.config

    def job_url(self, *, file_id: int | None = None, execution_id: int | None = None) -> str:
        """The Datameer UI link for a job run, from the connection extra ``ui_url_template``."""
        config = self.config
        values = {"base_url": config.base_url, "file_id": file_id or "", "execution_id": execution_id or ""}
        return config.ui_url_template.format(**values)

    # ------------------------------------------------------------------------------------------ transport
    def build(self, command: str, **params: Any) -> Request:
        """The request of one command of the connection's endpoint table (``ValueError`` on bad parameters)."""
        return build_request(self.config.endpoints, command, **params)

    def exchange(self, request: Request) -> Response:
        """Send one request once and return the raw answer (no retry, no meaning read into it).

        For probes such as endpoint discovery, which judge the HTTP answer themselves; transport failures
        still raise :class:`~airflow_provider_datameer.core.errors.DatameerError` subclasses.
        """
        return (self._sync or self._open_sync(self.config)).exchange(request)

    def run(self, procedure: Procedure[T]) -> T:
        """Drive a sans-I/O procedure (a wait, a stop, a retried command) over the blocking transport."""
        from airflow_provider_datameer.core.steps import drive

        transport = self._sync or self._open_sync(self.config)
        return drive(procedure, transport.send, time.sleep)

    async def arun(self, procedure: Procedure[T]) -> T:
        """Drive a sans-I/O procedure over the async transport (the event loop's shared session)."""
        from airflow_provider_datameer.core.steps import adrive

        transport = self._async or self._open_async(await self.aconfig())
        return await adrive(procedure, transport.send, asyncio.sleep)

    def _call(self, command: str, **params: Any) -> Any:
        """One command, retried by the connection's policy."""
        from airflow_provider_datameer.core.procedures import call

        return self.run(call(self.config, self.build(command, **params), self.log))

    async def _acall(self, command: str, **params: Any) -> Any:
        from airflow_provider_datameer.core.procedures import call

        config = await self.aconfig()
        return await self.arun(call(config, build_request(config.endpoints, command, **params), self.log))

    def _open_sync(self, config: DatameerConnectionConfig) -> Any:
        """The hook's one sync transport (one ``requests.Session``, also when threads share the hook)."""
        from airflow_provider_datameer.hooks.transport import SyncTransport

        with _OPENING:
            if self._sync is None:
                self._sync = SyncTransport(config)
        return self._sync

    def _open_async(self, config: DatameerConnectionConfig) -> Any:
        from airflow_provider_datameer.hooks.transport import AsyncTransport

        if self._async is None:  # no await in between: coroutines of one loop cannot race here
            self._async = AsyncTransport(config)
        return self._async

    def close(self) -> None:
        """Close the hook's ``requests`` session (its pooled connections). The hook can be used again."""
        with _OPENING:
            sync, self._sync = self._sync, None
        if sync is not None:
            sync.close()

    def __enter__(self) -> DatameerHook:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> DatameerHook:
        """Share the event loop's ``aiohttp`` session across this block's calls; closed when the block ends."""
        from airflow_provider_datameer.hooks.transport import session_lease

        lease = session_lease()
        await lease.__aenter__()
        self._leases.append(lease)
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self._leases.pop().__aexit__(*exc_info)
        self.close()

    # ------------------------------------------------------------------------------------------ commands
    def get_job_status(self, job_id: JobId) -> ExecutionStatus:
        """Status of the latest execution of a file (V2, Datameer >= 7.2.5)."""
        return self._call("status_v2", job=job_id)

    def get_job_status_v1(self, configuration_id: int | str) -> ExecutionStatus:
        """Status of the latest execution of a configuration (V1; ``NONE`` if it never ran)."""
        return self._call("status_v1", configuration_id=configuration_id)

    def get_job_history(self, configuration_id: int | str, start: int = 0, length: int = 10) -> list[HistoryEntry]:
        """Executions of a configuration, newest first, paged by ``start`` and ``length``."""
        return self._call("job_history", configuration_id=configuration_id, start=start, length=length)

    def get_job_details(self, execution_id: int | str) -> JobDetails:
        """Counters, record counts, status and times of one execution."""
        return self._call("job_details", execution_id=execution_id)

    def list_active_jobs(self) -> list[ActiveJob]:
        """Executions that are running or waiting now (finished ones are not listed)."""
        return self._call("list_running")

    def trigger_job(self, job_id: JobId) -> TriggerResult:
        """Start a run of a file (V2). Never retried once the server may have received it."""
        return self._call("trigger_v2", job=job_id)

    def trigger_job_v1(self, configuration_id: int | str) -> TriggerResult:
        """Start a run of a configuration (V1); the execution id is known only if the server returns one."""
        return self._call("trigger_v1", configuration_id=configuration_id)

    def trigger_job_sequential(self, job_id: JobId) -> TriggerResult:
        """Queue a run behind the file's active execution (assumed semantics; see the README's limits)."""
        return self._call("trigger_sequential", job=job_id)

    def stop_job(self, job_id: JobId) -> None:
        """Stop the file's current run (V2). Datameer answers with an empty body; stopping is asynchronous."""
        self._call("stop_v2", job=job_id)

    def stop_job_v1(self, execution_id: int | str) -> None:
        """Stop one execution by id (V1 job-kill)."""
        self._call("stop_v1", execution_id=execution_id)

    def delete_job(self, execution_id: int | str) -> None:
        """Delete one execution's result data (assumed endpoint ``DELETE /rest/data/{id}``; overridable)."""
        self._call("delete", execution_id=execution_id)

    def get_server_version(self) -> ServerVersion:
        """Datameer's version and license type, from license-details."""
        return self._call("license")

    def test_connection(self) -> tuple[bool, str]:
        """Airflow's "Test" button: which commands the server has (:mod:`~airflow_provider_datameer.core.discovery`).

        One request per command, none that can change anything, no retry. False when the server cannot be
        reached, refuses the credentials, does not answer as Datameer or the connection is invalid; missing
        commands are named in the message.
        """
        from airflow_provider_datameer.core.discovery import discover

        try:
            report = discover(self)
        except (DatameerError, ValueError) as exc:
            return False, str(exc)
        return report.connected, report.summary()

    # ------------------------------------------------------------------------------------------ async twins
    async def aget_job_status(self, job_id: JobId) -> ExecutionStatus:
        return await self._acall("status_v2", job=job_id)

    async def aget_job_details(self, execution_id: int | str) -> JobDetails:
        return await self._acall("job_details", execution_id=execution_id)

    async def atrigger_job(self, job_id: JobId) -> TriggerResult:
        return await self._acall("trigger_v2", job=job_id)

    async def astop_job(self, job_id: JobId) -> None:
        await self._acall("stop_v2", job=job_id)

    async def astop_job_v1(self, execution_id: int | str) -> None:
        await self._acall("stop_v1", execution_id=execution_id)

    # ------------------------------------------------------------------------------------------ UI (Airflow < 3.2)
    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return connection_form.UI_FIELD_BEHAVIOUR

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
        from wtforms import StringField

        return {
            name: StringField(field["label"], widget=BS3TextFieldWidget(), description=field["description"])
            for name, field in connection_form.CONN_FIELDS.items()
        }

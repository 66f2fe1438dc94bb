"""Lineage of Datameer runs: OpenLineage facets and the ``extra`` of the Asset events a task emits.

:class:`DatameerLineageMixin` is mixed into the operator and the sensor. It imports nothing from OpenLineage until
Airflow's OpenLineage listener calls one of its ``get_openlineage_facets_*`` methods, so DAG files parse and tasks
run the same without apache-airflow-providers-openlineage. What is known from which Datameer command is in
docs/lineage.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow.providers.openlineage.extractors import OperatorLineage

    from airflow_provider_datameer.lineage.facts import RunFacts


class DatameerLineageMixin:
    """OpenLineage methods and Asset-event extras for a task that sets ``datameer_run`` and ``datameer_result``.

    ``datameer_run`` is set once the run is known (before any wait), ``datameer_result`` when the wait ends
    (success, failure or timeout). A lineage problem never fails the task: it is logged once at WARNING and the
    facets fall back to what the task was given.
    """

    job_id: int | str
    datameer_conn_id: str
    log: Any
    datameer_run: dict[str, Any] | None = None
    datameer_result: dict[str, Any] | None = None
    _lineage_warned: bool = False

    def get_openlineage_facets_on_start(self, task_instance: Any = None) -> OperatorLineage:
        """The Datameer file the task names (the run is not started yet)."""
        return self._datameer_lineage(failed=False)

    def get_openlineage_facets_on_complete(self, task_instance: Any = None) -> OperatorLineage:
        """The file, the run facet and the statistics from job details."""
        return self._datameer_lineage(failed=False)

    def get_openlineage_facets_on_failure(self, task_instance: Any = None) -> OperatorLineage:
        """The file, the run facet and Datameer's message as an ``errorMessage`` facet."""
        return self._datameer_lineage(failed=True)

    def _datameer_lineage(self, *, failed: bool) -> OperatorLineage:
        from airflow.providers.openlineage.extractors import OperatorLineage

        from airflow_provider_datameer.lineage.facets import operator_lineage

        try:
            return operator_lineage(self._run_facts(), failed=failed)
        except Exception as exc:  # lineage is best effort: it must never change the task's outcome
            self._warn_lineage(f"{type(exc).__name__}: {exc}")
            return OperatorLineage()

    def _run_facts(self) -> RunFacts:
        from airflow_provider_datameer.hooks.datameer import DatameerHook
        from airflow_provider_datameer.lineage.facts import run_facts

        hook = getattr(self, "hook", None) or DatameerHook(datameer_conn_id=self.datameer_conn_id)
        return run_facts(self.job_id, hook.config.base_url, self.datameer_run, self.datameer_result)

    def _warn_lineage(self, reason: str) -> None:
        if not self._lineage_warned:
            self._lineage_warned = True
            self.log.warning("Datameer lineage is incomplete for job %s: %s", self.job_id, reason)

    def post_execute(self, context: Any, result: Any = None) -> None:
        """After a successful run, put the Datameer run's outcome in the ``extra`` of the task's Asset events."""
        super().post_execute(context, result)  # type: ignore[misc]
        from airflow_provider_datameer.lineage.assets import annotate_outlet_events

        annotate_outlet_events(context, getattr(self, "outlets", ()), self.datameer_result)

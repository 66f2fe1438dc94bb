"""OpenLineage facets of a Datameer run. Imports OpenLineage at module level: import this module only from the
``get_openlineage_facets_*`` methods, which Airflow calls only when apache-airflow-providers-openlineage is there."""

from __future__ import annotations

from typing import Any

import attrs
from airflow.providers.common.compat.openlineage.facet import (
    ErrorMessageRunFacet,
    InputDataset,
    OutputDataset,
    OutputStatisticsOutputDatasetFacet,
    RunFacet,
)
from airflow.providers.openlineage.extractors import OperatorLineage

from airflow_provider_datameer.lineage.facts import RunFacts

#: Where the JSON schema of :class:`DatameerRunFacet` is published (the file sits beside this module).
SCHEMA_URL = (
    "https://raw.githubusercontent.com/airflow-provider-datameer/airflow-provider-datameer/main/"
    "airflow_provider_datameer/lineage/DatameerRunFacet.json#/$defs/DatameerRunFacet"
)
RUN_FACET_KEY = "datameerRun"


@attrs.define
class DatameerRunFacet(RunFacet):
    """The Datameer execution behind an Airflow task run; ``None`` where Datameer did not say."""

    executionId: int | None = None
    jobId: str | None = None
    fileId: int | None = None
    jobType: str | None = None
    triggerUser: str | None = None
    startTime: str | None = None
    stopTime: str | None = None
    status: str | None = None
    jobUrl: str | None = None
    message: str | None = None

    @staticmethod
    def _get_schema() -> str:
        return SCHEMA_URL


def operator_lineage(facts: RunFacts, *, failed: bool = False) -> OperatorLineage:
    """The Datameer file as the run's input (export) or output (anything else), with what the run told."""
    run_facets: dict[str, Any] = {}
    if facts.execution_id is not None or facts.status is not None:
        run_facets[RUN_FACET_KEY] = DatameerRunFacet(
            executionId=facts.execution_id,
            jobId=facts.job_id,
            fileId=facts.file_id,
            jobType=facts.job_type,
            triggerUser=facts.user,
            startTime=facts.start_time,
            stopTime=facts.stop_time,
            status=facts.status,
            jobUrl=facts.job_url,
            message=facts.message,
        )
    if failed and facts.message:
        run_facets["errorMessage"] = ErrorMessageRunFacet(message=facts.message, programmingLanguage="datameer")
    if facts.name is None:
        return OperatorLineage(run_facets=run_facets)
    if facts.reads_file:
        return OperatorLineage(
            inputs=[
                InputDataset(namespace=facts.namespace, name=facts.name, inputFacets=_read_statistics(facts, failed))
            ],
            run_facets=run_facets,
        )
    return OperatorLineage(
        outputs=[
            OutputDataset(namespace=facts.namespace, name=facts.name, outputFacets=_write_statistics(facts, failed))
        ],
        run_facets=run_facets,
    )


def _write_statistics(facts: RunFacts, failed: bool) -> dict[str, Any]:
    if failed or (facts.rows is None and facts.size is None):
        return {}
    return {"outputStatistics": OutputStatisticsOutputDatasetFacet(rowCount=facts.rows, size=facts.size)}


def _read_statistics(facts: RunFacts, failed: bool) -> dict[str, Any]:
    """``inputStatistics``, when the installed openlineage-python has that facet (older ones get none)."""
    try:
        from openlineage.client.generated.input_statistics_input_dataset import InputStatisticsInputDatasetFacet
    except ImportError:
        return {}
    if failed or facts.rows is None:
        return {}
    return {"inputStatistics": InputStatisticsInputDatasetFacet(rowCount=facts.rows)}

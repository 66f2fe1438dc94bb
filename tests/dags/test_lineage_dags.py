"""OpenLineage events of Datameer tasks under real ``airflow dags test``, read back from the OpenLineage
provider's file transport and checked field by field against what the emulator (over loopback HTTP) said."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support import REPO

pytest.importorskip("airflow.providers.openlineage", reason="the [openlineage] extra is not installed")

LINEAGE_DAGS = REPO / "tests" / "dags" / "lineage"
FACET_SCHEMA = REPO / "airflow_provider_datameer" / "lineage" / "DatameerRunFacet.json"


@pytest.fixture
def lineage_file(monkeypatch, tmp_path) -> Path:
    """Configure the OpenLineage client's file transport (environment variables pass to the Airflow process)."""
    path = tmp_path / "openlineage.jsonl"
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__TYPE", "file")
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__LOG_FILE_PATH", str(path))
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__APPEND", "true")
    return path


def events_of(path: Path, dag_id: str, task_id: str) -> dict[str, dict[str, Any]]:
    """The task's last event of each type (START, COMPLETE, FAIL); a deferred task emits START twice."""
    events: dict[str, dict[str, Any]] = {}
    for line in path.read_text().splitlines():
        event = json.loads(line)
        if event["job"]["name"] == f"{dag_id}.{task_id}":
            events[event["eventType"]] = event
    return events


def datameer_facet(event: dict[str, Any]) -> dict[str, Any]:
    """The ``datameerRun`` facet, validated against the JSON schema the package ships."""
    import jsonschema

    facet = event["run"]["facets"]["datameerRun"]
    own_part = json.loads(FACET_SCHEMA.read_text())["$defs"]["DatameerRunFacet"]["allOf"][1]
    jsonschema.validate(facet, own_part)
    assert facet["_schemaURL"].endswith("DatameerRunFacet.json#/$defs/DatameerRunFacet")
    return facet


def only_dataset(datasets: list[dict[str, Any]], namespace: str, name: str) -> dict[str, Any]:
    assert [(d["namespace"], d["name"]) for d in datasets] == [(namespace, name)]
    return datasets[0]


def job_details(execution_id: int) -> Any:
    from airflow_provider_datameer.hooks.datameer import DatameerHook

    return DatameerHook().get_job_details(execution_id)


@pytest.fixture
def namespace(emulator) -> str:
    return "datameer://" + emulator.url.split("://", 1)[1].rstrip("/")


@pytest.mark.dags
def test_import_workbook_and_export_runs_are_lineage(dags_test, datameer_conn, lineage_file, namespace):
    run = dags_test("datameer_lineage_runs", dags_folder=LINEAGE_DAGS)
    assert run.state == "success", run.output[-4000:]

    # an import named by path: the file is the output; job details give rows and bytes written
    imported = events_of(lineage_file, "datameer_lineage_runs", "import_by_path")
    assert set(imported) == {"START", "COMPLETE"}
    only_dataset(imported["START"]["outputs"], namespace, "/Data/ImportJobs/sales_import.imp")
    assert "datameerRun" not in imported["START"]["run"]["facets"], "nothing is known before the trigger"
    output = only_dataset(imported["COMPLETE"]["outputs"], namespace, "/Data/ImportJobs/sales_import.imp")
    facet = datameer_facet(imported["COMPLETE"])
    details = job_details(facet["executionId"])
    assert output["outputFacets"]["outputStatistics"]["rowCount"] == details.success_count == 494400
    assert output["outputFacets"]["outputStatistics"]["size"] == details.counters["IMPORT_OUTPUT_BYTES"]
    assert facet["fileId"] == 48
    assert facet["jobId"] == "/Data/ImportJobs/sales_import.imp"
    assert facet["jobType"] == "import"
    assert facet["triggerUser"] == "admin"  # the connection's user, as the V2 trigger response names it
    assert facet["status"] == "COMPLETED"
    assert facet["startTime"] <= facet["stopTime"]
    assert facet["jobUrl"].endswith(f"jobExecutionId={facet['executionId']}")
    assert imported["COMPLETE"]["inputs"] == []

    # a workbook named by file id: no path is known, so the dataset is file/<id>; its type is not told
    workbook = events_of(lineage_file, "datameer_lineage_runs", "workbook_by_id")
    only_dataset(workbook["START"]["outputs"], namespace, "file/57")
    output = only_dataset(workbook["COMPLETE"]["outputs"], namespace, "file/57")
    facet = datameer_facet(workbook["COMPLETE"])
    statistics = output["outputFacets"]["outputStatistics"]
    assert statistics["rowCount"] == job_details(facet["executionId"]).success_count == 20
    assert "size" not in statistics, "workbooks have no documented byte counter"
    assert "jobType" not in facet
    assert (facet["fileId"], facet["status"]) == (57, "COMPLETED")

    # an export named by path, deferred: the file is the input; the task resumed in a new operator instance
    exported = events_of(lineage_file, "datameer_lineage_runs", "export_deferred")
    only_dataset(exported["START"]["inputs"], namespace, "/Data/ExportJobs/sales_export.exp")
    source = only_dataset(exported["COMPLETE"]["inputs"], namespace, "/Data/ExportJobs/sales_export.exp")
    assert exported["COMPLETE"]["outputs"] == []
    facet = datameer_facet(exported["COMPLETE"])
    assert (facet["jobType"], facet["fileId"], facet["status"]) == ("export", 61, "COMPLETED")
    details = job_details(facet["executionId"])
    if "inputStatistics" in source["inputFacets"]:  # the facet exists in newer openlineage-python only
        assert source["inputFacets"]["inputStatistics"]["rowCount"] == details.success_count
    # Airflow 3 resumes a deferred task in a new operator instance, which does not know who triggered the run
    assert facet.get("triggerUser") in (None, "admin")


@pytest.mark.dags
def test_failing_run_reports_datameers_message(dags_test, datameer_conn, lineage_file, namespace):
    run = dags_test("datameer_lineage_failure", dags_folder=LINEAGE_DAGS)
    assert run.state == "failed", run.output[-4000:]
    events = events_of(lineage_file, "datameer_lineage_failure", "broken_import")
    assert set(events) == {"START", "FAIL"}
    failed = events["FAIL"]
    output = only_dataset(failed["outputs"], namespace, "file/62")
    assert output["outputFacets"] == {}, "no statistics for a failed run"
    facet = datameer_facet(failed)
    assert (facet["status"], facet["fileId"], facet["triggerUser"]) == ("ERROR", 62, "admin")
    assert f"Datameer job 62 execution {facet['executionId']} ended ERROR" in facet["message"]
    assert facet["message"] in failed["run"]["facets"]["errorMessage"]["message"]


@pytest.mark.dags
def test_sensor_reports_the_run_it_waited_for(dags_test, datameer_conn, lineage_file, namespace):
    run = dags_test("datameer_lineage_sensor", dags_folder=LINEAGE_DAGS)
    assert run.state == "success", run.output[-4000:]
    waited = events_of(lineage_file, "datameer_lineage_sensor", "wait")
    output = only_dataset(waited["COMPLETE"]["outputs"], namespace, "file/48")
    facet = datameer_facet(waited["COMPLETE"])
    assert (facet["jobType"], facet["status"], facet["fileId"]) == ("import", "COMPLETED", 48)
    assert output["outputFacets"]["outputStatistics"]["rowCount"] == job_details(facet["executionId"]).success_count

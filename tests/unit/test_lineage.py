"""Lineage without a server: what a run's facts become (names, types, statistics), datameer:// Asset URIs, and a
lineage problem that degrades the facets with one warning instead of failing the task."""

from __future__ import annotations

import logging
import re

import pytest

from airflow_provider_datameer.lineage.assets import (
    convert_asset_to_openlineage,
    datameer_asset,
    event_extra,
    sanitize_uri,
)
from airflow_provider_datameer.lineage.facts import run_facts

BASE_URL = "https://Datameer.Example.com:8443"
RESULT = {
    "job_id": "48",
    "execution_id": 7,
    "status": "COMPLETED",
    "file_id": 48,
    "start_time": "2026-01-01T10:00:00",
    "stop_time": "2026-01-01T10:00:04",
    "success_count": 494400,
    "failure_count": 0,
    "counters": {"IMPORT_RECORDS": 494400, "IMPORT_OUTPUT_BYTES": 24444883, "IMPORT_DROPPED_RECORDS": 0},
    "message": "Datameer job 48 execution 7 ended COMPLETED",
    "job_url": "https://datameer.example.com:8443/file-job?jobExecutionId=7",
}


def test_a_path_names_the_dataset_and_its_extension_the_job_type():
    facts = run_facts("/Data/ExportJobs/sales.exp", BASE_URL)
    assert (facts.namespace, facts.name, facts.job_type, facts.reads_file) == (
        "datameer://datameer.example.com:8443",
        "/Data/ExportJobs/sales.exp",
        "export",
        True,
    )
    assert (facts.rows, facts.size, facts.execution_id) == (None, None, None), "before the run, nothing else"


@pytest.mark.parametrize(
    ("job_id", "run", "name"),
    [
        (48, None, "file/48"),
        ("48", None, "file/48"),
        ("6f1c2a44-0b5e-4c1e-9d1a-2b7e2f3a4c01", None, None),  # a uuid alone names no file yet
        ("6f1c2a44-0b5e-4c1e-9d1a-2b7e2f3a4c01", {"file_id": 48}, "file/48"),  # status told the file id
    ],
)
def test_without_a_path_the_dataset_is_the_file_id(job_id, run, name):
    assert run_facts(job_id, BASE_URL, run).name == name


def test_the_result_gives_type_statistics_and_overrides_the_run():
    run = {"execution_id": 7, "file_id": 48, "job_url": "u", "user": "analyst"}
    facts = run_facts(48, BASE_URL, run, RESULT)
    assert facts.job_type == "import", "IMPORT_* counters tell an import"
    assert (facts.rows, facts.size) == (494400, 24444883)
    assert (facts.user, facts.job_url, facts.status) == ("analyst", RESULT["job_url"], "COMPLETED")
    assert not facts.reads_file


def test_an_export_reads_its_file_and_counts_records_not_target_bytes():
    result = {**RESULT, "success_count": None, "counters": {"EXPORT_RECORDS": 10, "EXPORT_BYTES": 480}}
    facts = run_facts(61, BASE_URL, None, result)
    assert (facts.job_type, facts.reads_file, facts.rows, facts.size) == ("export", True, 10, None)


def test_unknown_type_is_an_output():
    facts = run_facts(57, BASE_URL, None, {**RESULT, "counters": {}, "success_count": 20})
    assert (facts.job_type, facts.reads_file, facts.rows, facts.size) == (None, False, 20, None)


def test_asset_uri_and_openlineage_dataset_name_the_file_as_the_facets_do():
    asset = datameer_asset("/Analytics/My Workbooks/sales_wb.wbk", host="Datameer.Example.com:8443")
    assert asset.uri == "datameer://datameer.example.com:8443/Analytics/My%20Workbooks/sales_wb.wbk"
    dataset = convert_asset_to_openlineage(asset)
    facts = run_facts("/Analytics/My Workbooks/sales_wb.wbk", BASE_URL)
    assert (dataset.namespace, dataset.name) == (facts.namespace, facts.name)
    by_id = convert_asset_to_openlineage(datameer_asset(48, host="datameer.example.com:8443"))
    assert (by_id.namespace, by_id.name) == (facts.namespace, run_facts(48, BASE_URL).name)


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"path": "/a.imp"}, "exactly one of host="),
        ({"path": "/a.imp", "host": "h", "conn_id": "c"}, "exactly one of host="),
        ({"path": "relative.imp", "host": "h"}, "absolute Datameer file path"),
        ({"path": "/", "host": "h"}, "absolute Datameer file path"),
        ({"path": "/a.imp", "host": "https://h"}, "no scheme or path"),
        ({"path": "/a.imp", "host": "h:99999"}, "invalid port"),
        ({"path": "/a.imp", "host": "user:pw@h"}, "no scheme or path"),
    ],
)
def test_datameer_asset_refuses_what_cannot_name_a_file(kwargs, problem):
    path = kwargs.pop("path")
    with pytest.raises(ValueError, match=problem):
        datameer_asset(path, **kwargs)


def test_registered_normalizer_requires_host_and_path():
    from urllib.parse import urlsplit

    assert sanitize_uri(urlsplit("datameer://H:1/x.imp")).netloc == "h:1"
    with pytest.raises(ValueError, match="needs a host"):
        sanitize_uri(urlsplit("datameer:///x.imp"))
    with pytest.raises(ValueError, match="needs a Datameer file path"):
        sanitize_uri(urlsplit("datameer://h/"))


def test_event_extra_is_the_documented_subset():
    assert event_extra(RESULT) == {
        "job_id": "48",
        "execution_id": 7,
        "status": "COMPLETED",
        "success_count": 494400,
        "failure_count": 0,
        "counters": RESULT["counters"],
    }


def test_a_lineage_problem_warns_once_and_degrades(caplog, capsys, monkeypatch):
    """No connection ``datameer_nowhere``: the facets are empty, the reason is logged once, nothing raises."""
    pytest.importorskip("airflow.providers.openlineage")
    from airflow_provider_datameer.operators.datameer import DatameerTriggerJobOperator

    monkeypatch.delenv("AIRFLOW_CONN_DATAMEER_NOWHERE", raising=False)
    task = DatameerTriggerJobOperator(task_id="t", job_id=48, datameer_conn_id="datameer_nowhere")
    task.datameer_result = RESULT
    with caplog.at_level(logging.WARNING):
        first = task.get_openlineage_facets_on_start(None)
        second = task.get_openlineage_facets_on_failure(None)
    assert (first.inputs, first.outputs, first.run_facets) == ([], [], {})
    assert (second.inputs, second.outputs, second.run_facets) == ([], [], {})
    # Airflow 3 logs through structlog to stdout; Airflow 2 through logging, which may also echo to stdout
    warning = "Datameer lineage is incomplete for job 48"
    records = [r.getMessage() for r in caplog.records if warning in r.getMessage()]
    stdout = [line for line in capsys.readouterr().out.splitlines() if warning in line]
    assert len(records) == 1 or (not records and len(stdout) == 1), (records, stdout)
    # the reason: Airflow's "conn_id isn't defined", or (Airflow 3.1 outside a task) no connection access at all
    assert re.search(r"for job 48: \w+(Error|Exception): ", (records + stdout)[0]), "the warning names the reason"


def test_datameer_asset_from_a_connection_uses_the_lineage_namespace(monkeypatch):
    from tests.support import connection_json

    monkeypatch.setenv("AIRFLOW_CONN_DATAMEER_ASSETS", connection_json("https://Datameer.Example.com:8443"))
    asset = datameer_asset("/Data/a.imp", conn_id="datameer_assets")
    assert asset.uri == "datameer://datameer.example.com:8443/Data/a.imp"
    dataset = convert_asset_to_openlineage(asset)
    assert dataset.namespace == run_facts("/Data/a.imp", "https://datameer.example.com:8443").namespace


def test_airflow_applies_the_registered_normalizer():
    """The provider info's asset-uris (Airflow 3) / dataset-uris (Airflow 2) entry reaches Airflow's URI check."""
    from airflow import __version__
    from airflow.providers.common.compat.assets import Asset

    assert Asset(uri="datameer://HOST:1/x.imp").uri == "datameer://host:1/x.imp"
    if int(__version__.split(".")[0]) >= 3:
        with pytest.raises(ValueError, match="needs a Datameer file path"):
            Asset(uri="datameer://host/")
    else:  # Airflow 2 warns unless [core] strict_dataset_uri_validation
        with pytest.warns(UserWarning, match="needs a Datameer file path"):
            Asset(uri="datameer://host/")

"""The core's parsers over every example body of datameer-rest-api.md §7, and their variants."""

from __future__ import annotations

from datetime import datetime

import pytest

from airflow_provider_datameer.core import models
from airflow_provider_datameer.status import DatameerJobStatus as S

SEP28 = datetime(2018, 9, 28, 18, 44, 56)


# §7.2 V2 status, every documented case.
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"status": "success", "job-status": "_NONE"}, models.ExecutionStatus(S.NONE, raw_status="_NONE")),
        (
            {
                "status": "success",
                "file-id": 48,
                "job-execution-id": 3,
                "job-status": "RUNNING",
                "start-time": "Sep 28, 2018 6:44:56 PM",
                "estimate-time": "11s",
                "job-progress": "0",
            },
            models.ExecutionStatus(
                S.RUNNING, 3, 48, "RUNNING", SEP28, None, progress=0.0, estimate_seconds=11.0, raw_estimate="11s"
            ),
        ),
        (
            {
                "status": "success",
                "file-id": 48,
                "job-execution-id": 3,
                "job-status": "COMPLETED",
                "start-time": "Sep 28, 2018 6:44:56 PM",
                "stop-time": "Sep 28, 2018 6:44:58 PM",
            },
            models.ExecutionStatus(S.COMPLETED, 3, 48, "COMPLETED", SEP28, datetime(2018, 9, 28, 18, 44, 58)),
        ),
        (
            {
                "status": "success",
                "file-id": 46,
                "job-execution-id": 4,
                "job-status": "COMPLETED_WITH_WARNINGS",
                "start-time": "Sep 28, 2018 10:09:47 AM",
                "stop-time": "Sep 28, 2018 10:09:52 AM",
            },
            models.ExecutionStatus(
                S.COMPLETED_WITH_WARNINGS,
                4,
                46,
                "COMPLETED_WITH_WARNINGS",
                datetime(2018, 9, 28, 10, 9, 47),
                datetime(2018, 9, 28, 10, 9, 52),
            ),
        ),
        (
            {"status": "success", "file-id": 48, "job-execution-id": 4, "job-status": "QUEUED", "start-time": None},
            models.ExecutionStatus(S.QUEUED, 4, 48, "QUEUED"),
        ),
        (
            {
                "status": "success",
                "file-id": 48,
                "job-execution-id": 4,
                "job-status": "CANCELED",
                "start-time": None,
                "stop-time": "Sep 28, 2018 6:58:41 PM",
            },
            models.ExecutionStatus(S.CANCELED, 4, 48, "CANCELED", None, datetime(2018, 9, 28, 18, 58, 41)),
        ),
    ],
)
def test_v2_status_documented_bodies(body, expected):
    assert models.parse_status_v2(body) == expected


@pytest.mark.parametrize(
    ("body", "status", "execution_id"),
    [
        ({"id": 49, "jobStatus": "RUNNING"}, S.RUNNING, 49),
        ({"id": 30, "jobStatus": "COMPLETED"}, S.COMPLETED, 30),
        ({"id": 32, "jobStatus": "COMPLETED_WITH_Warnings"}, S.COMPLETED_WITH_WARNINGS, 32),
        ({"id": 36, "jobStatus": "ERROR"}, S.ERROR, 36),
        ({"id": 39, "jobStatus": "CANCELED"}, S.CANCELED, 39),
        ({}, S.NONE, None),
        ({"id": "40", "jobStatus": "cancelled"}, S.CANCELED, 40),
        ({"id": 41, "jobStatus": "WAITING_FOR_OTHER_JOB"}, S.WAITING_FOR_OTHER_JOB, 41),
    ],
)
def test_v1_status_documented_bodies_and_variants(body, status, execution_id):
    parsed = models.parse_status_v1(body)
    assert (parsed.status, parsed.execution_id) == (status, execution_id)


def test_unknown_status_is_kept_raw_never_raised():
    parsed = models.parse_status_v2({"status": "success", "job-execution-id": 5, "job-status": "PAUSED_BY_ADMIN"})
    assert parsed.status is S.UNKNOWN
    assert parsed.raw_status == "PAUSED_BY_ADMIN"


@pytest.mark.parametrize("raw", [None, 17, ["x"], {"a": 1}])
def test_status_from_raw_never_raises(raw):
    assert S.from_raw(raw) in (S.NONE, S.UNKNOWN)


def test_history_newest_first_and_empty():
    body = [
        {"id": 30, "jobStatus": "COMPLETED"},
        {"id": 27, "jobStatus": "COMPLETED"},
        {"id": 23, "jobStatus": "ERROR"},
    ]
    assert [(e.execution_id, e.status) for e in models.parse_history(body)] == [
        (30, S.COMPLETED),
        (27, S.COMPLETED),
        (23, S.ERROR),
    ]
    assert models.parse_history([]) == []


def test_job_details_pre_74_example():
    body = {
        "counters": {
            "IMPORT_RECORDS": 494400,
            "IMPORT_BYTES": 23911522,
            "IMPORT_DROPPED_RECORDS": 0,
            "IMPORT_PREVIEW_RECORDS": 5000,
            "IMPORT_OUTPUT_BYTES": 24444883,
            "IMPORT_DROPPED_SPLITS": 0,
            "IMPORT_OUTPUT_PARTITIONS": 0,
        },
        "failureCount": 0,
        "jobStatus": "COMPLETED",
        "startTime": "2012-07-06 18:19:09.0",
        "stopTime": "2012-07-06 18:21:07.0",
        "successCount": 494400,
    }
    details = models.parse_job_details(body, 7)
    assert details.execution_id == 7
    assert details.status is S.COMPLETED
    assert details.start_time == datetime(2012, 7, 6, 18, 19, 9)
    assert details.stop_time == datetime(2012, 7, 6, 18, 21, 7)
    assert details.success_count == 494400
    assert details.failure_count == 0
    assert details.counters["IMPORT_RECORDS"] == 494400
    assert len(details.counters) == 7


def test_job_details_error_without_counters_and_medium_dates():
    details = models.parse_job_details(
        {"counters": {}, "jobStatus": "ERROR", "startTime": "Sep 28, 2018, 6:44:56 PM", "failureCount": "3"}
    )
    assert details.counters == {}
    assert details.failure_count == 3
    assert details.success_count is None
    assert details.start_time == SEP28


def test_active_jobs_shape_is_best_effort():
    jobs = models.parse_active_jobs(
        [{"id": 9, "jobConfigurationId": 41, "jobStatus": "RUNNING"}, {"jobStatus": "WAITING_FOR_OTHER_JOB"}]
    )
    assert jobs[0] == models.ActiveJob(S.RUNNING, 9, 41, "RUNNING")
    assert jobs[1].status is S.WAITING_FOR_OTHER_JOB
    assert jobs[1].execution_id is None


def test_active_jobs_take_the_job_path_and_file_id_when_an_element_has_them():
    """Issue 24: `active` names the job where Datameer's answer does; unknown shapes of these fields are no error."""
    named, odd = models.parse_active_jobs(
        [
            {"id": 9, "jobStatus": "RUNNING", "fileId": "48", "path": "/Data/ImportJobs/sales.imp"},
            {"id": 10, "jobStatus": "RUNNING", "file-id": "not-a-number", "path": ["odd"]},
        ]
    )
    assert (named.file_id, named.path) == (48, "/Data/ImportJobs/sales.imp")
    assert (odd.file_id, odd.path) == (None, None)


def test_trigger_bodies():
    v2 = {
        "status": "success",
        "job-execution-id": 3,
        "job-execution-user": "analyst",
        "job-execution-trigger": "RESTAPI",
    }
    assert models.parse_trigger_v2(v2) == models.TriggerResult(3, "analyst", "RESTAPI")
    assert models.parse_trigger_v1({"id": 12}) == models.TriggerResult(12)
    assert models.parse_trigger_v1({"whatever": True}) == models.TriggerResult(None)
    assert models.parse_trigger_v1(["odd"]) == models.TriggerResult(None)
    with pytest.raises(models.ShapeError):
        models.parse_trigger_v2({"status": "success"})


def test_license_details():
    body = {
        "ProductId": "4c4038ba-...",
        "ProductVersion": "10.1.2",
        "LicenseHolder": "CN=...",
        "LicenseType": "Enterprise",
        "LicenseStartDate": "Jan 23, 2020 5:20:10 PM",
        "LicenseExpirationDate": "Mar 25, 2020 5:20:10 PM",
        "LicenseVolumePeriodInMonths": 1,
        "LicenseVolumelimitInBytes": 214748364800,
        "TotalVolumeConsumedInBytes": 38758720,
    }
    assert models.parse_server_version(body) == models.ServerVersion("10.1.2", "Enterprise", "4c4038ba-...")
    with pytest.raises(models.ShapeError):
        models.parse_server_version({"ProductId": "x"})


@pytest.mark.parametrize(
    "text",
    [
        "Sep 28, 2018 6:44:56 PM",  # Java 8 MEDIUM
        "Sep 28, 2018, 6:44:56 PM",  # JDK 9+ comma
        "Sep 28, 2018, 6:44:56\u202fPM",  # JDK 20+ narrow no-break space
        "Sep 28, 2018 6:44:56\u00a0PM",
        "2018-09-28 18:44:56.0",  # java.sql.Timestamp
        "2018-09-28T18:44:56",
    ],
)
def test_date_variants(text):
    assert models.parse_datameer_time(text) == SEP28


def test_date_edge_cases():
    assert models.parse_datameer_time("Sep 28, 2018 12:00:01 AM") == datetime(2018, 9, 28, 0, 0, 1)
    assert models.parse_datameer_time("Sep 28, 2018 12:00:01 PM") == datetime(2018, 9, 28, 12, 0, 1)
    assert models.parse_datameer_time("2015-12-07T09:08:11.557+01:00").utcoffset().total_seconds() == 3600
    for bad in ("", "yesterday", "Foo 28, 2018 6:44:56 PM", "Feb 30, 2018 1:00:00 PM", None, 5):
        assert models.parse_datameer_time(bad) is None


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("11s", 11.0), ("0s", 0.0), ("2m 5s", 125.0), ("1h", 3600.0), ("00:02:05", 125.0), ("42", 42.0), (7, 7.0)],
)
def test_estimate_parsing(text, seconds):
    assert models.parse_duration_seconds(text) == seconds


@pytest.mark.parametrize("text", ["-5s", "abc", "", None, True, "5 parsecs", -1])
def test_bogus_estimates_are_none(text):
    assert models.parse_duration_seconds(text) is None


@pytest.mark.parametrize(
    ("raw", "value"), [("0", 0.0), ("45", 45.0), ("45%", 45.0), (100, 100.0), ("150", None), ("x", None)]
)
def test_progress(raw, value):
    assert models.parse_progress(raw) == value


@pytest.mark.parametrize(
    "body",
    [[], "text", 5, {"status": "success"}, {"job-status": "RUNNING", "job-execution-id": "abc"}],
)
def test_wrong_shapes_raise_shape_error(body):
    with pytest.raises(models.ShapeError):
        models.parse_status_v2(body)


@pytest.mark.parametrize(
    "field",
    [
        {"successCount": 10**30},
        {"failureCount": -(10**19)},
        {"counters": {"IMPORT_RECORDS": 10**30}},
        {"successCount": 1e30},
        {"failureCount": -5},
    ],
    ids=["success-count", "failure-count", "counter", "float-count", "negative"],
)
def test_a_count_beyond_what_airflow_can_store_is_a_malformed_answer_not_a_value(field):
    """Issue 25: a counter of 10^30 passed parsing and killed Airflow 3.3's triggerer when serialised; a negative
    count flowed into lineage."""
    with pytest.raises(models.ShapeError, match="not a count"):
        models.parse_job_details({"jobStatus": "COMPLETED", **field})


def test_counts_up_to_eighteen_digits_are_kept():
    details = models.parse_job_details(
        {"jobStatus": "COMPLETED", "successCount": 10**18 - 1, "counters": {"IMPORT_RECORDS": "42"}}
    )
    assert (details.success_count, details.counters) == (10**18 - 1, {"IMPORT_RECORDS": 42})

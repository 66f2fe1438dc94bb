"""F18: every date rendering Datameer uses parses end to end into the task's summary.

V2 status dates follow the emulator's ``date_format`` (Java 8 MEDIUM, the JDK 9+ comma after the year,
JDK 20+ U+202F before AM/PM); job-details dates follow ``details_date_format`` (``java.sql.Timestamp``
text, or MEDIUM). The sensor's summary (its XCom return value) takes the times from V2 status when it
saw our execution there, else from job details (a newer run hid ours). Each must equal, to the second,
the wall-clock times the emulator recorded for the execution.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from airflow_provider_datameer.hooks.datameer import DatameerHook
from tests.faults.support import sensor
from tests.support import context, execution, run_deferrable, task_log

pytestmark = pytest.mark.usefixtures("datameer_conn", "close_sessions")


def to_second(epoch: float) -> datetime:
    """The server-local wall-clock time Datameer renders (no zone, whole seconds)."""
    return datetime.fromtimestamp(epoch).replace(microsecond=0)


@pytest.mark.parametrize(
    ("date_format", "details_date_format", "source"),
    [
        ("java8", "timestamp", "status"),
        ("jdk9", "timestamp", "status"),
        ("jdk20", "timestamp", "status"),
        ("java8", "timestamp", "details"),
        ("jdk9", "medium", "details"),
        ("jdk20", "medium", "details"),
    ],
)
def test_f18_dates_reach_the_summary(emulator, date_format, details_date_format, source, capsys, caplog):
    emulator.client.set_switches(date_format=date_format, details_date_format=details_date_format)
    emulator.client.patch_job(48, queue_seconds=0.2, run_seconds=0.6)
    ours = DatameerHook().trigger_job(48).execution_id
    if source == "details":
        emulator.client.trigger_as(48, "scheduler")  # queued behind ours: V2 status shows it, not ours

    summary = run_deferrable(sensor(execution_id=ours), context())

    recorded = execution(emulator, ours)
    assert summary["status"] == "COMPLETED"
    for key, epoch in (("start_time", recorded["start"]), ("stop_time", recorded["stop"])):
        assert summary[key] is not None, f"{key} missing from {summary}"
        assert datetime.fromisoformat(summary[key]).replace(microsecond=0) == to_second(epoch), key
    assert (f"reading execution {ours} from job details" in task_log(capsys, caplog)) is (source == "details")

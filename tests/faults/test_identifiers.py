"""F17: hostile job identifiers reach Datameer as one encoded path segment, or never leave the worker.

Each hostile path is a real job on the emulator. A deferred trigger operator sends it through both
transports (requests in the worker, aiohttp in the trigger); the emulator's log keeps the raw request path,
which must have the template's segments with the identifier as exactly one of them, decoding back to it.
"""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from airflow_provider_datameer.core.identifiers import MAX_PATH_LENGTH
from tests.support import context, run_deferrable, trigger_op

pytestmark = pytest.mark.usefixtures("datameer_conn", "close_sessions")

HOSTILE_PATHS = {
    "slashes-and-space": "/Analytics/My Workbooks/sales wb.wbk",
    "percent": "/Data/50% off/%2F already encoded %41.imp",
    "query": "/Data/what?x=1&y=2/job.imp",
    "fragment": "/Data/#1 best/job.imp",
    "dot-dot": "/Data/../../etc/passwd.imp",
    "dot-segments": "/./Data/./job.imp",
    "semicolon": "/Data/matrix;jsessionid=ABC/job.imp",
    "plus-and-backslash": "/Data/a+b\\c/job.imp",
    "unicode": "/Données/ünïcødé/文件 \u2013 Ω.imp",
    "longest-allowed": "/" + "L" * (MAX_PATH_LENGTH - 5) + ".imp",
}

REJECTED = {
    "empty": "",
    "blank": "   ",
    "relative": "Data/job.imp",
    "dot-dot-alone": "..",
    "leading-space": " /Data/job.imp",
    "trailing-newline": "/Data/job.imp\n",
    "control-character": "/Data/j\x00ob.imp",
    "tab": "/Data/j\tob.imp",
    "negative-id": "-48",
    "too-long": "/" + "L" * MAX_PATH_LENGTH + ".imp",
    "float": 48.0,
    "bool": True,
    "none": None,
}


@pytest.mark.parametrize("path", list(HOSTILE_PATHS.values()), ids=list(HOSTILE_PATHS))
def test_f17_hostile_path_reaches_the_server_as_one_encoded_segment(emulator, path):
    emulator.client.put_job(
        {
            "file_id": 900,
            "configuration_id": 900,
            "path": path,
            "type": "import",
            "queue_seconds": 0,
            "run_seconds": 0.3,
        }
    )

    execution_id = run_deferrable(trigger_op(job_id=path, deferrable=True), context())

    sent = [r for r in emulator.client.requests() if r["endpoint"] in ("status_v2", "trigger_v2")]
    assert {r["endpoint"] for r in sent} == {"status_v2", "trigger_v2"}
    for request in sent:
        segments = request["path"].split("/")
        assert segments[:3] == ["", "api", "job-execution"], request["path"]
        assert len(segments) == 5, request["path"]
        assert unquote(segments[3]) == path
        assert request["job"] == path
        assert request["status"] == 200
    assert emulator.client.state()["executions"][-1]["id"] == execution_id


@pytest.mark.parametrize("job_id", list(REJECTED.values()), ids=list(REJECTED))
def test_f17_unusable_identifier_is_rejected_before_any_request(emulator, job_id):
    with pytest.raises(ValueError, match="job_id"):
        run_deferrable(trigger_op(job_id=job_id, deferrable=True), context())
    assert emulator.client.requests() == []


def test_f17_long_unicode_path_is_rejected_before_any_request(emulator):
    path = "/" + "文" * 1000 + ".imp"
    with pytest.raises(ValueError, match="job_id"):
        run_deferrable(trigger_op(job_id=path, deferrable=True), context())
    assert emulator.client.requests() == []

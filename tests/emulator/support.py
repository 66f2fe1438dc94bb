"""Helpers of the emulator tier: the fast test jobs, a requests-based API helper, polling.

Everything goes over real loopback HTTP. Durations are short (queue 0.2 s, run 0.5 s) and every wait
polls against a generous deadline; nothing asserts how long something took.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import requests

T = TypeVar("T")

IMPORT = 48  # configuration 41
WARN = 60  # workbook, COMPLETED_WITH_WARNINGS, path with a space
EXPORT = 61
BROKEN = 62  # ERROR
LONG = 63  # runs for a minute
QUEUE = 64  # stays QUEUED for a minute
WAIT = 65  # stays WAITING_FOR_OTHER_JOB for a minute
PRIVATE = 66  # only analyst may see it
SEEDED = 67  # two finished runs before any trigger
WB = 57  # workbook, COMPLETED

_FAST = {"queue_seconds": 0.2, "run_seconds": 0.5}

JOBS: list[dict[str, Any]] = [
    {
        "file_id": IMPORT,
        "configuration_id": 41,
        "uuid": "6f1c2a44-0b5e-4c1e-9d1a-2b7e2f3a4c01",
        "path": "/Data/ImportJobs/sales_import.imp",
        "type": "import",
        "records": 494400,
        **_FAST,
    },
    {
        "file_id": WB,
        "configuration_id": 50,
        "uuid": "9424e496-6e1c-416c-b235-0dbe3dd80f33",
        "path": "/Users/admin/NewWorkbook_wb.wbk",
        "type": "workbook",
        **_FAST,
    },
    {
        "file_id": WARN,
        "configuration_id": 52,
        "uuid": "3b8e5d2c-7f14-4a90-8c6b-1d2e3f4a5b60",
        "path": "/Analytics/My Workbooks/sales_wb.wbk",
        "type": "workbook",
        "outcome": "COMPLETED_WITH_WARNINGS",
        **_FAST,
    },
    {
        "file_id": EXPORT,
        "configuration_id": 53,
        "uuid": "0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e61",
        "path": "/Data/ExportJobs/sales_export.exp",
        "type": "export",
        "records": 5000,
        **_FAST,
    },
    {
        "file_id": BROKEN,
        "configuration_id": 54,
        "uuid": "5e4d3c2b-1a09-4f8e-7d6c-5b4a39281762",
        "path": "/Data/ImportJobs/broken_import.imp",
        "type": "import",
        "outcome": "ERROR",
        **_FAST,
    },
    {
        "file_id": LONG,
        "configuration_id": 55,
        "uuid": "7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c63",
        "path": "/Data/ImportJobs/long_import.imp",
        "type": "import",
        "queue_seconds": 0.2,
        "run_seconds": 60,
    },
    {"file_id": QUEUE, "configuration_id": 56, "path": "/Data/q.imp", "type": "import", "queue_seconds": 60},
    {
        "file_id": WAIT,
        "configuration_id": 57,
        "path": "/Data/w.lnk",
        "type": "link",
        "queue_seconds": 0.2,
        "wait_seconds": 60,
    },
    {
        "file_id": PRIVATE,
        "configuration_id": 58,
        "path": "/Users/analyst/private.imp",
        "type": "import",
        "owner": "analyst",
        "allowed_users": ["analyst"],
        **_FAST,
    },
    {
        "file_id": SEEDED,
        "configuration_id": 59,
        "path": "/Data/seeded.upl",
        "type": "upload",
        "history": [{"status": "ERROR", "age_seconds": 7200}, {"status": "COMPLETED", "user": "analyst"}],
        **_FAST,
    },
]


class Api:
    """Datameer endpoints over real HTTP (requests), Basic auth as admin by default."""

    def __init__(self, url: str, auth: tuple[str, str] | None = ("admin", "admin")) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.auth = auth

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 15)
        return self.session.request(method, self.url + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def status(self, job: int | str) -> dict[str, Any]:
        response = self.get(f"/api/job-execution/{job}/status")
        assert response.status_code == 200, response.text
        return response.json()

    def trigger(self, job: int | str) -> int:
        response = self.post(f"/api/job-execution/{job}/trigger")
        assert response.status_code == 200, response.text
        return response.json()["job-execution-id"]

    def details(self, execution_id: int) -> dict[str, Any]:
        response = self.get(f"/rest/job-execution/job-details/{execution_id}")
        assert response.status_code == 200, response.text
        return response.json()


def wait_for(fetch: Callable[[], T], done: Callable[[T], bool], timeout: float = 20.0) -> T:
    """Poll `fetch` until `done(value)`; fail with the last value after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last value: {value!r}")
        time.sleep(0.02)

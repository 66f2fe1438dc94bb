"""The Datameer jobs of the topology tier, shared by its DAG file (parsed in Airflow's processes) and its
tests: plain data, no Airflow import.

``MAPPED``: 44 jobs for ``topology_mapped`` that run 12-51 s (long enough that no trigger fires within
seconds of its deferral: apache/airflow#72716), four of them ending in ERROR. ``HELD``: 6 jobs for
``topology_held`` that run until a test ends them (``finish``). ``WORKER_FREE``: 6 jobs for
``topology_worker_free``, also held until a test ends them, one of them ending in ERROR.
"""

from __future__ import annotations

import uuid
from typing import Any

POLL_INTERVAL = 5.0
#: failed polls in a row a task tolerates: with POLL_INTERVAL, an outage of ~50 s (the tests take 30 s)
MAX_CONSECUTIVE_ERRORS = 10
MAPPED_COUNT = 44
ERROR_INDEXES = frozenset({5, 17, 29, 41})
MAPPED_FILE_IDS = [2000 + i for i in range(MAPPED_COUNT)]
HELD_FILE_IDS = [2100 + i for i in range(6)]
WORKER_FREE_FILE_IDS = [2200 + i for i in range(6)]
WORKER_FREE_ERROR = 2203
#: long enough to outlast any test; tests end held runs through the emulator's control API
HELD_SECONDS = 3600


def _job(file_id: int, run_seconds: float, outcome: str) -> dict[str, Any]:
    return {
        "file_id": file_id,
        "configuration_id": file_id + 10_000,
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"topology/{file_id}")),
        "path": f"/Topology/job_{file_id}.imp",
        "type": "import",
        "queue_seconds": 1,
        "run_seconds": run_seconds,
        "outcome": outcome,
        "records": 1000,
    }


def outcome(file_id: int) -> str:
    """What the job's runs end in."""
    index = file_id - MAPPED_FILE_IDS[0]
    mapped_error = file_id in MAPPED_FILE_IDS and index in ERROR_INDEXES
    return "ERROR" if mapped_error or file_id == WORKER_FREE_ERROR else "COMPLETED"


def jobs() -> list[dict[str, Any]]:
    mapped = [_job(f, 12 + (i * 7) % 40, outcome(f)) for i, f in enumerate(MAPPED_FILE_IDS)]
    return mapped + [_job(f, HELD_SECONDS, outcome(f)) for f in HELD_FILE_IDS + WORKER_FREE_FILE_IDS]


def task_state(file_id: int) -> str:
    """The end state of the task that triggers ``file_id`` (no retries)."""
    return "failed" if outcome(file_id) == "ERROR" else "success"

"""What DatameerHook retries, counted in the emulator's request log (sync and async paths).

Reads are retried on any transient failure; a trigger only when the server cannot have acted on it
(429, 503, connection refused), so a job never runs twice. Auth and not-found errors are never retried
(counted in test_hook_errors.py). ``datameer_conn`` allows 3 attempts with a 0.05 s backoff.
"""

from __future__ import annotations

import pytest

from airflow_provider_datameer.core.errors import DatameerTransientError
from airflow_provider_datameer.hooks.datameer import DatameerHook
from airflow_provider_datameer.status import DatameerJobStatus
from tests.support import BOTH_PATHS, IMPORT, logged, wait_for_logged

pytestmark = pytest.mark.usefixtures("datameer_conn", "close_sessions")


def _runs_of(emulator, file_id: int) -> int:
    return sum(1 for e in emulator.client.state()["executions"] if e["file_id"] == file_id)


@BOTH_PATHS
@pytest.mark.parametrize(
    ("fault", "statuses"),
    [
        pytest.param({"kind": "http_error", "status": 503, "count": 2}, [503, 503, 200], id="503-burst"),
        pytest.param({"kind": "http_error", "status": 500, "count": 2}, [500, 500, 200], id="500-burst"),
        pytest.param({"kind": "http_error", "status": 504, "count": 1}, [504, 200], id="504"),
        pytest.param({"kind": "rate_limit", "retry_after": "0", "count": 2}, [429, 429, 200], id="429"),
        pytest.param({"kind": "reset", "count": 1}, ["reset", 200], id="reset"),
    ],
)
async def test_a_read_survives_a_burst_shorter_than_the_attempts(emulator, via, fault, statuses):
    emulator.client.add_fault(endpoint="status_v2", **fault)

    status = await via(DatameerHook(), "get_job_status", IMPORT)

    assert status.status is DatameerJobStatus.NONE
    assert [r["status"] for r in logged(emulator, "status_v2")] == statuses


@BOTH_PATHS
async def test_retry_after_is_honoured(emulator, via):
    emulator.client.add_fault(endpoint="status_v2", kind="rate_limit", retry_after="1", count=1)

    await via(DatameerHook(), "get_job_status", IMPORT)

    first, second = logged(emulator, "status_v2")
    assert (first["status"], second["status"]) == (429, 200)
    # Ordering, not speed: the backoff alone (0.05 s) would come back long before the server's 1 s.
    assert second["time"] - first["time"] >= 0.9


@BOTH_PATHS
@pytest.mark.parametrize(
    ("fault", "statuses", "runs"),
    [
        pytest.param({"kind": "http_error", "status": 503}, [503, 200], 1, id="503-retried"),
        pytest.param({"kind": "rate_limit", "retry_after": "0"}, [429, 200], 1, id="429-retried"),
        pytest.param({"kind": "http_error", "status": 500}, [500], 0, id="500-not-retried"),
        pytest.param({"kind": "reset"}, ["reset"], 0, id="reset-not-retried"),
    ],
)
async def test_a_trigger_is_retried_only_when_the_server_did_not_act(emulator, via, fault, statuses, runs):
    emulator.client.add_fault(endpoint="trigger_v2", count=1, **fault)
    hook = DatameerHook()

    if runs:
        await via(hook, "trigger_job", IMPORT)
    else:
        with pytest.raises(DatameerTransientError) as caught:
            await via(hook, "trigger_job", IMPORT)
        assert caught.value.attempts == 1
        assert "gave up" not in str(caught.value)

    assert [r["status"] for r in logged(emulator, "trigger_v2")] == statuses
    assert _runs_of(emulator, IMPORT) == runs


@BOTH_PATHS
async def test_a_trigger_without_answer_is_not_repeated(emulator, datameer_conn, via):
    datameer_conn(timeout=0.5)
    emulator.client.add_fault(endpoint="trigger_v2", kind="delay", seconds=1.5, count=1)

    with pytest.raises(DatameerTransientError) as caught:
        await via(DatameerHook(), "trigger_job", IMPORT)

    assert "no answer within 0.5 s" in str(caught.value)
    assert "Not retried: Datameer may have started the run already" in str(caught.value)
    assert caught.value.may_have_reached_server
    # The delayed request is logged when the emulator answers it, after the hook gave up on it.
    assert len(wait_for_logged(emulator, "trigger_v2", 1)) == 1
    assert _runs_of(emulator, IMPORT) == 1  # the server did act: a retry would have started a second run

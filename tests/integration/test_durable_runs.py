"""DatameerTriggerJobOperator(durable=True) against the emulator, with the task state store of Airflow 3.3 played by
a dict: it needs the task supervisor, which runs only under a real task runner (tests/dags/test_durable_runs.py
runs the real one). Here: what each try reads and writes, and a store that fails."""

from __future__ import annotations

from typing import Any

import pytest
from airflow.providers.common.compat.sdk import TaskDeferred

from airflow_provider_datameer.core.durable import RECORD_KEY
from tests.support import FAST, RecordingTI, run_deferrable, task_log, trigger_op
from tests.support import requests as requests_for

pytestmark = pytest.mark.usefixtures("datameer_conn")


class DictStore:
    """The task state store's get/set, kept in a dict shared by the tries of one task instance."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def set(self, key: str, value: Any, **_: Any) -> None:
        self.values[key] = value


class TryTI(RecordingTI):
    def __init__(self, try_number: int, max_tries: int) -> None:
        super().__init__()
        self.try_number, self.max_tries = try_number, max_tries


def attempt(store: Any, try_number: int, max_tries: int = 1, **op: Any) -> tuple[Any, dict[str, Any]]:
    ctx = {"ti": TryTI(try_number, max_tries), "task_state_store": store}
    return run_deferrable(trigger_op(**op), ctx), ctx


@pytest.fixture
def fast_import(emulator):
    emulator.client.patch_job(48, **FAST)
    return emulator


@pytest.mark.parametrize("deferrable", [False, True])
def test_the_record_is_written_with_the_outcome_and_a_retry_takes_it(fast_import, deferrable):
    store = DictStore()
    first, _ = attempt(store, 1, deferrable=deferrable)
    record = store.values[RECORD_KEY]
    assert record["execution_id"] == first
    assert record["try_number"] == 1
    assert record["started_by"] == "triggered"
    assert record["outcome"]["status"] == "COMPLETED"
    second, ctx = attempt(store, 2, deferrable=deferrable)
    assert second == first
    assert ctx["ti"].xcom["job_execution_id"] == first, "the retry publishes the run again"
    assert len(requests_for(fast_import, "trigger_v2")) == 1


def test_a_clear_starts_exactly_one_new_run_and_records_it(fast_import):
    store = DictStore()
    first, _ = attempt(store, 1)
    second, _ = attempt(store, 2, max_tries=2)  # clear_task_instances: max_tries = try_number + retries
    assert second != first
    assert len(requests_for(fast_import, "trigger_v2")) == 2
    assert store.values[RECORD_KEY]["execution_id"] == second
    assert store.values[RECORD_KEY]["max_tries"] == 2


def test_a_retry_waits_for_a_recorded_run_that_is_still_active(emulator):
    """The first try deferred and was lost (its trigger never ran): the retry finds the run still active."""
    emulator.client.patch_job(48, queue_seconds=0, run_seconds=2.0)
    store = DictStore()
    with pytest.raises(TaskDeferred):
        trigger_op(deferrable=True).execute({"ti": TryTI(1, 1), "task_state_store": store})
    assert RECORD_KEY in store.values, "the record is written before the task defers"
    second, _ = attempt(store, 2, deferrable=False)
    assert second == store.values[RECORD_KEY]["execution_id"]
    assert store.values[RECORD_KEY]["outcome"]["status"] == "COMPLETED"
    assert len(requests_for(emulator, "trigger_v2")) == 1


def test_a_store_that_fails_is_logged_and_the_task_goes_on(fast_import, mocker, capsys, caplog):
    store = mocker.Mock()
    store.get.side_effect = RuntimeError("state store unreachable")
    store.set.side_effect = RuntimeError("state store unreachable")
    execution_id, _ = attempt(store, 1)
    assert isinstance(execution_id, int)
    log = task_log(capsys, caplog)
    assert "Could not read the task state store (state store unreachable)" in log
    assert f"Could not record Datameer execution {execution_id}" in log


def test_durable_false_never_touches_the_store(fast_import, mocker):
    store = mocker.Mock()
    attempt(store, 1, durable=False)
    attempt(store, 2, durable=False)
    assert store.get.call_count == store.set.call_count == 0
    assert len(requests_for(fast_import, "trigger_v2")) == 2

"""Durable runs under real ``airflow dags test``: a retry of a trigger task takes the run its first try recorded in
Airflow's task state store (3.3+) instead of starting a second Datameer run; counted on the emulator."""

from __future__ import annotations

import pytest
from packaging.version import Version

from tests.support import AIRFLOW_VERSION, REPO, RETRY_RESUMES_DEFERRAL

DURABLE = REPO / "tests" / "dags" / "durable"
TRIGGERS = ("trigger_v2", "trigger_sequential", "trigger_v1")
HAS_TASK_STATE = Version("3.3") <= AIRFLOW_VERSION


def triggers(emulator) -> list[dict]:
    return [r for r in emulator.client.requests() if r["endpoint"] in TRIGGERS]


@pytest.mark.dags
@pytest.mark.parametrize("dag_id", ["durable_sync", "durable_deferred"])
def test_a_retry_after_the_run_ended_takes_its_result_instead_of_triggering_again(dags_test, emulator, dag_id):
    run = dags_test(dag_id, dags_folder=DURABLE)
    assert run.state == "success", run.output[-4000:]
    assert "first try lost after its Datameer run ended" in run.output, "the first try should have failed"
    if not HAS_TASK_STATE:  # Airflow before 3.3: no task state store, the retry starts the job again ...
        resumed = dag_id == "durable_deferred" and RETRY_RESUMES_DEFERRAL  # ... unless Airflow resumes it
        assert len(triggers(emulator)) == (1 if resumed else 2)
        assert "task state store" not in run.output.lower()
        return
    assert len(triggers(emulator)) == 1, run.output[-4000:]
    assert "Try 2 takes execution" in run.output
    assert "taking its result" in run.output


@pytest.mark.dags
def test_the_v1_path_is_durable_too(dags_test, emulator):
    emulator.client.set_switches(api_v2=False)
    run = dags_test("durable_v1", dags_folder=DURABLE, api_version=1)
    assert run.state == "success", run.output[-4000:]
    assert len(triggers(emulator)) == (1 if HAS_TASK_STATE else 2), run.output[-4000:]
    assert [r["path"] for r in emulator.client.requests() if r["path"].startswith("/api/")] == []


@pytest.mark.dags
def test_each_map_index_keeps_its_own_run(dags_test, emulator):
    run = dags_test("durable_mapped", dags_folder=DURABLE)
    assert run.state == "success", run.output[-4000:]
    started = sorted(r["path"] for r in triggers(emulator))
    expected = ["/api/job-execution/48/trigger", "/api/job-execution/57/trigger"]
    once = HAS_TASK_STATE or RETRY_RESUMES_DEFERRAL  # the mapped tasks are deferrable (see above)
    assert started == (expected if once else sorted(expected * 2)), run.output[-4000:]


@pytest.mark.dags
def test_a_run_that_ended_in_error_is_started_again_once_by_the_retry(dags_test, emulator):
    run = dags_test("durable_run_failed", dags_folder=DURABLE)
    assert run.state == "failed", run.output[-4000:]
    assert len(triggers(emulator)) == 2, "one run per try: the failed run is not taken as a result"
    if HAS_TASK_STATE:
        assert "Not taking execution" in run.output
        assert "ended ERROR" in run.output


@pytest.mark.dags
def test_durable_false_keeps_triggering_on_every_try(dags_test, emulator):
    run = dags_test("durable_off", dags_folder=DURABLE)
    assert run.state == "success", run.output[-4000:]
    assert len(triggers(emulator)) == 2
    assert "takes execution" not in run.output

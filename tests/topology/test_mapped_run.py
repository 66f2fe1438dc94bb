"""44 mapped deferrable DatameerTriggerJobOperator tasks through the real scheduler, Celery workers and both
triggerers: every task ends as its Datameer job does, with one trigger request each and no stop."""

from __future__ import annotations

from tests.topology.jobs import MAPPED_FILE_IDS
from tests.topology.support import MappedRun, TIs, assert_datameer_clean, holders_of


def test_mapped_tasks_end_as_their_jobs_do(airflow, emulator):
    """A busy machine may make a triggerer miss its heartbeat and lose triggers to the other one; that must
    not stop any run either (test_two_copies provokes it on purpose)."""
    run = MappedRun.start(airflow.api, "topology_mapped")
    holders: set[str] = set()
    workers: set[str] = set()

    def observe(tis: TIs) -> None:
        holders.update(holders_of(tis))
        workers.update(ti["hostname"] for ti in tis.values() if ti.get("hostname"))

    states = run.wait_end(observe)

    assert states == run.expected()
    assert run.tries() == dict.fromkeys(range(len(MAPPED_FILE_IDS)), 1)
    assert_datameer_clean(emulator, MAPPED_FILE_IDS)
    assert holders - {"nobody"} == {"triggerer-1", "triggerer-2"}, f"triggers held by {holders}"
    assert workers == {"worker-1", "worker-2"}, f"tasks ran on {workers}"

"""Two copies of one trigger: a triggerer frozen (SIGSTOP of its process tree) for longer than the health
check threshold loses its triggers to the other triggerer; on SIGCONT it runs them again until it notices
they moved, so the same trigger runs in two places for a while. ``DatameerTriggerJobOperator`` defers
with ``stop_on_kill=True``: the copy Airflow drops must not stop the Datameer run, and each task ends once.
"""

from __future__ import annotations

import signal
import time

from scripts.processes import wait_for
from scripts.topology import TRIGGERER_HEALTH_CHECK_THRESHOLD, TRIGGERERS
from tests.support import STOPS, requests
from tests.topology.jobs import HELD_FILE_IDS, POLL_INTERVAL
from tests.topology.support import DEADLINE, MappedRun, assert_datameer_clean, finish_all, holders_of


def test_the_copy_airflow_drops_does_not_stop_the_run(airflow, emulator):
    run = MappedRun.start(airflow.api, "topology_held")
    victim, count = holders_of(run.wait_all_deferred()).most_common(1)[0]
    (survivor,) = set(TRIGGERERS) - {victim}
    time.sleep(POLL_INTERVAL)  # the victim's copies have polled Datameer

    airflow.signal_component(victim, signal.SIGSTOP)
    try:
        wait_for(
            lambda: holders_of(run.tis()) == {survivor: len(HELD_FILE_IDS)},
            timeout=DEADLINE,
            what=f"{survivor} holding every trigger while {victim} is frozen",
            interval=0.5,
        )
        time.sleep(POLL_INTERVAL)  # the survivor's copies poll too
    finally:
        airflow.signal_component(victim, signal.SIGCONT)
    # the resumed triggerer runs its stale copies until its next sync drops them: this is where a wrong
    # stop would come from
    time.sleep(TRIGGERER_HEALTH_CHECK_THRESHOLD + 2 * POLL_INTERVAL)
    stops = requests(emulator, *STOPS)
    finish_all(emulator, lambda file_id: "COMPLETED")
    states = run.wait_end()  # the run ends before the verdict, so that no trigger of it outlives the test

    assert stops == [], f"{len(stops)} of the {count} copies dropped by {victim} stopped their Datameer runs"
    assert states == dict.fromkeys(range(len(HELD_FILE_IDS)), "success")
    assert set(run.tries().values()) == {1}
    assert_datameer_clean(emulator, HELD_FILE_IDS)

"""Triggerer failover: while the 44 mapped tasks are deferred, the triggerer holding the most of them is
SIGKILLed; Airflow hands its triggers to the other one (``[triggerer] triggerer_health_check_threshold``,
10 s here). Every task still ends right, and no Datameer run is stopped, triggered twice or left running.
A second run does the same with the Datameer server down for 30 s from just before the kill: the error
budget of the polls (``max_consecutive_errors`` x ``poll_interval``) outlasts the outage.
"""

from __future__ import annotations

import time
from datetime import datetime

from scripts.processes import wait_for
from scripts.topology import TRIGGERERS
from tests.topology.jobs import MAPPED_FILE_IDS, outcome
from tests.topology.support import (
    DEADLINE,
    MappedRun,
    assert_datameer_clean,
    finish_all,
    hold_mapped_jobs,
    holders_of,
)

OUTAGE_SECONDS = 30.0


def _last_end(run: MappedRun) -> float:
    return max(datetime.fromisoformat(ti["end_date"]).timestamp() for ti in run.tis().values())


def _kill_busiest(airflow, run: MappedRun) -> tuple[str, str, int, float]:
    """SIGKILL the triggerer holding the most deferred tasks; (victim, survivor, its count, kill time)."""
    victim, count = holders_of(run.wait_all_deferred()).most_common(1)[0]
    (survivor,) = set(TRIGGERERS) - {victim}
    assert airflow.kill_component(victim)
    return victim, survivor, count, time.time()


def _wait_taken_over(run: MappedRun, victim: str) -> None:
    """Until no task is held by the killed triggerer any more (each is held elsewhere or has ended)."""
    wait_for(
        lambda: victim not in holders_of(run.tis()) and "nobody" not in holders_of(run.tis()),
        timeout=DEADLINE,
        what=f"the triggers of {victim} taken over",
        interval=0.5,
    )


def test_killed_triggerer_hands_its_triggers_over(airflow, emulator):
    hold_mapped_jobs(emulator)
    run = MappedRun.start(airflow.api, "topology_mapped")
    victim, survivor, count, killed_at = _kill_busiest(airflow, run)
    finish_all(emulator, outcome)  # every job ends now: the victim's tasks can end only once taken over
    _wait_taken_over(run, victim)
    taken_over = time.time() - killed_at

    states = run.wait_end()

    print(
        f"\nfailover: SIGKILL of {victim} holding {count}/{len(MAPPED_FILE_IDS)} triggers; taken over by "
        f"{survivor} {taken_over:.1f} s after the kill; last task ended {_last_end(run) - killed_at:.1f} s after it"
    )
    assert states == run.expected()
    assert set(run.tries().values()) == {1}
    assert_datameer_clean(emulator, MAPPED_FILE_IDS)


def test_failover_while_datameer_is_down_for_30_s(airflow, emulator):
    hold_mapped_jobs(emulator)
    run = MappedRun.start(airflow.api, "topology_mapped")
    run.wait_all_deferred()
    emulator.stop()
    down_at = time.time()
    try:
        victim, survivor, count, killed_at = _kill_busiest(airflow, run)
        _wait_taken_over(run, victim)
        taken_over = time.time() - killed_at
        time.sleep(max(0.0, down_at + OUTAGE_SECONDS - time.time()))
    finally:
        emulator.start()
    up_at = time.time()
    finish_all(emulator, outcome)

    states = run.wait_end()

    print(
        f"\nfailover with Datameer down {up_at - down_at:.0f} s: SIGKILL of {victim} holding {count} triggers; "
        f"taken over by {survivor} {taken_over:.1f} s after the kill; last task ended "
        f"{_last_end(run) - up_at:.1f} s after Datameer was back"
    )
    assert states == run.expected()
    assert set(run.tries().values()) == {1}
    assert_datameer_clean(emulator, MAPPED_FILE_IDS)

"""The shared shape of P2 and the soak: start one execution per job, then one pinned trigger per execution
on this event loop, and record what the client and the emulators did meanwhile."""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field
from typing import Any

from benchlib.emulated import EmulatorFleet, requests_per_second
from benchlib.measure import RssPeak, cpu_split, process_cpu_seconds, rss_bytes
from benchlib.outcomes import events_by_status, failures, lags, present
from benchlib.triggerer import Fired, run_triggers


@dataclass
class FleetRun:
    """Everything measured while the triggers ran (CPU is this process's, user + system)."""

    jobs: list[dict[str, Any]]
    fired: list[Fired]
    lags: list[float]
    failures: list[str]
    counters: dict[str, int]
    statuses: dict[str, int]
    cpu_user: float
    cpu_sys: float
    emulator_cpu: float
    wall: float
    baseline_rss: int
    peak_rss: int
    rate_mean: float = 0.0
    rate_peak: int = 0
    events: dict[str, int] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return sum(self.counters.values())

    @property
    def cpu(self) -> float:
        return self.cpu_user + self.cpu_sys


async def warm_up(fleet: EmulatorFleet, file_id: int) -> None:
    """One trigger to its end, so that lazy imports and the first connection lookup are not counted."""
    from airflow_provider_datameer.triggers.datameer import DatameerJobTrigger

    execution = fleet.trigger([file_id])[file_id]
    trigger = DatameerJobTrigger(
        job_id=file_id, execution_id=execution, datameer_conn_id=fleet.conn_id(file_id), poll_interval=0.2
    )
    await run_triggers([trigger], deadline=time.time() + 60)


async def watch_jobs(
    fleet: EmulatorFleet, jobs: list[dict[str, Any]], *, interval: float, ramp: float, patience: float
) -> FleetRun:
    """Trigger every job, then run one trigger per execution until all fired or ``patience`` s after the
    longest job should have ended."""
    from airflow_provider_datameer.triggers.datameer import DatameerJobTrigger

    file_ids = [job["file_id"] for job in jobs]
    executions = fleet.trigger(file_ids)
    fleet.clear_requests()
    gc.collect()
    baseline = rss_bytes()
    triggers = [
        DatameerJobTrigger(
            job_id=f, execution_id=executions[f], datameer_conn_id=fleet.conn_id(f), poll_interval=interval
        )
        for f in file_ids
    ]
    longest = max(job["queue_seconds"] + job["run_seconds"] for job in jobs)
    emulator0 = sum(process_cpu_seconds(pid) for pid in fleet.pids)
    (user0, sys0), wall0 = cpu_split(), time.time()
    async with RssPeak() as rss:
        fired = await run_triggers(triggers, ramp=ramp, deadline=wall0 + longest + ramp + patience)
    (user1, sys1), wall = cpu_split(), time.time() - wall0
    emulator_cpu = sum(process_cpu_seconds(pid) for pid in fleet.pids) - emulator0
    logged = fleet.requests()
    mean_rate, peak_rate = requests_per_second(logged)
    stops = fleet.stop_epochs()
    return FleetRun(
        jobs=jobs,
        fired=fired,
        lags=present(lags(fired, [(f, executions[f]) for f in file_ids], stops)),
        failures=failures(fired, [job["outcome"] for job in jobs]),
        counters=fleet.counters(),
        statuses=fleet.statuses(),
        cpu_user=user1 - user0,
        cpu_sys=sys1 - sys0,
        emulator_cpu=emulator_cpu,
        wall=wall,
        baseline_rss=baseline,
        peak_rss=rss.peak,
        rate_mean=mean_rate,
        rate_peak=peak_rate,
        events=events_by_status(fired),
    )

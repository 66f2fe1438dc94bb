"""Soak — thousands of triggers on one event loop against an emulator that injects faults.

``--n`` DatameerJobTriggers (default 2,000), run as the triggerer runs them (see P2), poll jobs of
``--min-run``..``--max-run`` seconds every ``--interval`` seconds while the emulator answers a random
``--http-errors`` share of all Datameer requests with a 5xx (500, 502, 503, 504 alike) and drops the
connection without an answer (TCP reset) on another ``--resets`` share: fault rules with probabilities,
seeded, so a run is reproducible. The triggers use the connection's default retry policy (3 attempts,
exponential backoff with jitter) and tolerate 5 failed polls in a row; ``--retries N`` changes the attempts.

A false failure is a trigger whose event contradicts the job's real outcome, that raised, or that never
fired. There must be none.

    python benchmarks/soak.py [--n 2000] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from benchlib.emulated import EmulatorFleet, isolate_airflow, logs_to_stderr, make_jobs, staggered
from benchlib.measure import percentile
from benchlib.report import Report
from benchlib.scenario import FleetRun, warm_up, watch_jobs

OUTCOMES = ("COMPLETED",) * 18 + ("COMPLETED_WITH_WARNINGS", "ERROR")
HTTP_ERRORS = (500, 502, 503, 504)
WARMUP_FILE_ID = 999


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=2000, help="triggers (>= 2,000 for the soak)")
    p.add_argument("--interval", type=float, default=5.0, help="poll_interval of every trigger (s)")
    p.add_argument("--min-run", type=float, default=30.0, help="shortest job run time (s)")
    p.add_argument("--max-run", type=float, default=90.0, help="longest job run time (s)")
    p.add_argument("--http-errors", type=float, default=0.05, help="share of requests answered with a 5xx")
    p.add_argument("--resets", type=float, default=0.01, help="share of requests whose connection is reset")
    p.add_argument("--retries", type=int, default=None, help="connection extra 'retries' (attempts); default 3")
    p.add_argument("--seed", type=int, default=7, help="the emulator's fault RNG seed")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    return p.parse_args(argv)


def fault_rules(http_errors: float, resets: float) -> list[dict[str, Any]]:
    """Rules whose first-match-wins probabilities give each kind its share of all requests.

    The emulator tries rules in order and draws once per rule, so rule ``i`` fires with probability
    ``share_i / (1 - shares before it)`` among the requests that reach it.
    """
    shares = [({"kind": "reset"}, resets)] + [
        ({"kind": "http_error", "status": status}, http_errors / len(HTTP_ERRORS)) for status in HTTP_ERRORS
    ]
    rules, taken = [], 0.0
    for rule, share in shares:
        if share > 0:
            rules.append({**rule, "endpoint": "*", "probability": min(1.0, share / (1.0 - taken))})
        taken += share
    return rules


async def soak(args: argparse.Namespace) -> FleetRun:
    jobs = make_jobs(staggered(args.n, args.min_run, args.max_run), outcomes=OUTCOMES, estimate="none")
    warmup = make_jobs([0.1], first_file_id=WARMUP_FILE_ID, queue_seconds=0.0, prefix="warmup")
    extra = {} if args.retries is None else {"retries": args.retries}
    with EmulatorFleet(jobs + warmup, connection_extra=extra, extra_args=["--switch", f"seed={args.seed}"]) as fleet:
        await warm_up(fleet, WARMUP_FILE_ID)
        for rule in fault_rules(args.http_errors, args.resets):  # after the warm-up: it is not measured
            fleet.clients[0].add_fault(**rule)
        return await watch_jobs(fleet, jobs, interval=args.interval, ramp=args.interval, patience=120.0)


def report(args: argparse.Namespace, run: FleetRun) -> Report:
    rep = Report("SOAK", "triggers on one event loop against an emulator injecting 5xx and connection resets")
    rep.settings = {
        "triggers": args.n,
        "poll_interval_s": args.interval,
        "job_run_s": f"{args.min_run:g}-{args.max_run:g} staggered (+1 s queued), no estimate-time",
        "faults": f"{args.http_errors:.0%} 5xx ({'/'.join(map(str, HTTP_ERRORS))}), {args.resets:.0%} resets, "
        f"every Datameer endpoint, seed {args.seed}",
        "connection_retries": f"{args.retries or 3} attempts (extra 'retries'"
        + (")" if args.retries else " not set: the default)"),
        "max_consecutive_errors": "5 (trigger default)",
    }
    faulted = {k: v for k, v in run.statuses.items() if k != "200"}
    rep.table(
        "soak",
        [
            "triggers",
            "events",
            "false failures",
            "requests",
            "answered 200",
            "5xx / resets sent",
            "faulted share",
            "lag p50 s",
            "lag p99 s",
            "client CPU s",
            "wall s",
        ],
        [
            [
                len(run.fired),
                " ".join(f"{k}={v}" for k, v in run.events.items()),
                len(run.failures),
                run.requests,
                run.statuses.get("200", 0),
                " ".join(f"{k}={v}" for k, v in sorted(faulted.items())),
                sum(faulted.values()) / run.requests if run.requests else 0.0,
                percentile(run.lags, 50),
                percentile(run.lags, 99),
                run.cpu,
                run.wall,
            ]
        ],
    )
    rep.target("false failures", float(len(run.failures)), "<=", 0.0)
    rep.notes += [
        "Every failed request was retried by the hook's policy (a status read is idempotent, so 5xx and resets "
        "are retried); a poll whose attempts all fail counts toward the trigger's 5 failures in a row.",
        "The emulator logs a dropped connection as 'reset'; aiohttp may repeat a request on a reused "
        "connection that the server closed, so client-side retries can be fewer than faults sent.",
    ]
    if run.failures:
        rep.notes.append(f"false failures, e.g.: {run.failures[:5]}")
    rep.data = {"events": run.events, "statuses": run.statuses, "counters": run.counters, "failures": run.failures}
    return rep


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    isolate_airflow()
    with logs_to_stderr():
        run = asyncio.run(soak(args))
    report(args, run).emit(args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

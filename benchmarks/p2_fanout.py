"""P2 — fan-out: N DatameerJobTriggers on one event loop, as the triggerer runs them.

For each N a fresh worker process: an emulator (or ``--emulators K`` of them, each behind its own
connection) serves N jobs whose run times are staggered evenly over ``--min-run``..``--max-run`` seconds
(after a 1 s queue; 90 % end COMPLETED, 5 % COMPLETED_WITH_WARNINGS, 5 % ERROR). The executions are started
first through the emulator's control API; then one trigger per execution, pinned to its execution id,
polls every ``--interval`` seconds. Trigger starts are spread over ``--ramp`` seconds (default: one
interval), as a triggerer picks tasks up while they defer rather than thousands in one instant.

Printed per N: events by status, failures (an event that contradicts the job's outcome, an exception, or
no event), lag between the execution's stop time in the emulator (control API state, epoch seconds) and
the trigger's event, status/details requests per job, client CPU seconds (process user+sys), peak RSS
and the RSS growth per trigger over a baseline taken after a warm-up trigger, and the emulator's request
rate and CPU per request (its capacity). By default the emulator sends no ``estimate-time``
(``--estimate none``): every trigger polls at the fixed interval, the worst case for lag and load; P3
measures adaptive polling.

    python benchmarks/p2_fanout.py [--n 1000,2000,5000] [--interval 5] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchlib.emulated import EmulatorFleet, isolate_airflow, logs_to_stderr, make_jobs, staggered
from benchlib.measure import percentile
from benchlib.report import Report
from benchlib.scenario import warm_up, watch_jobs

OUTCOMES = ("COMPLETED",) * 18 + ("COMPLETED_WITH_WARNINGS", "ERROR")
QUEUE_SECONDS = 1.0
WARMUP_FILE_ID = 999


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", default="1000,2000,5000", help="comma-separated trigger counts")
    p.add_argument("--interval", type=float, default=5.0, help="poll_interval of every trigger (s)")
    p.add_argument("--min-run", type=float, default=30.0, help="shortest job run time (s)")
    p.add_argument("--max-run", type=float, default=90.0, help="longest job run time (s)")
    p.add_argument("--ramp", type=float, default=None, help="spread trigger starts over s (default: interval)")
    p.add_argument("--estimate", choices=("none", "accurate"), default="none", help="emulator estimate-time")
    p.add_argument("--emulators", type=int, default=1, help="emulator processes (one connection each)")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--result-file", default=None, help=argparse.SUPPRESS)
    return p.parse_args(argv)


# ---------------------------------------------------------------------------------------------- worker
async def fan_out(args: argparse.Namespace, n: int) -> dict[str, Any]:
    durations = staggered(n, args.min_run, args.max_run)
    jobs = make_jobs(durations, queue_seconds=QUEUE_SECONDS, estimate=args.estimate, outcomes=OUTCOMES)
    warmup = make_jobs([0.1], first_file_id=WARMUP_FILE_ID, queue_seconds=0.0, prefix="warmup")
    ramp = args.interval if args.ramp is None else args.ramp
    with EmulatorFleet(jobs + warmup, count=args.emulators) as fleet:
        await warm_up(fleet, WARMUP_FILE_ID)
        run = await watch_jobs(fleet, jobs, interval=args.interval, ramp=ramp, patience=3 * args.interval + 60)
    requests = run.requests
    return {
        "n": n,
        "events": run.events,
        "failures": len(run.failures),
        "failure_examples": run.failures[:5],
        "lag_p50": percentile(run.lags, 50),
        "lag_p99": percentile(run.lags, 99),
        "lag_max": max(run.lags, default=float("nan")),
        "status_requests_per_job": run.counters.get("status_v2", 0) / n,
        "details_requests_per_job": run.counters.get("job_details", 0) / n,
        "requests": requests,
        "client_cpu_s": run.cpu,
        "client_cpu_sys_share": run.cpu_sys / run.cpu if run.cpu else float("nan"),
        "client_cpu_us_per_request": run.cpu / requests * 1e6 if requests else float("nan"),
        "baseline_rss_mb": run.baseline_rss / 2**20,
        "peak_rss_mb": run.peak_rss / 2**20,
        "rss_per_trigger_kb": (run.peak_rss - run.baseline_rss) / n / 1024,
        "emulator_req_per_s_mean": run.rate_mean,
        "emulator_req_per_s_peak": run.rate_peak,
        "emulator_cpu_us_per_request": run.emulator_cpu / requests * 1e6 if requests else float("nan"),
        "wall_s": run.wall,
    }


def worker(args: argparse.Namespace) -> int:
    isolate_airflow()
    with logs_to_stderr():
        result = asyncio.run(fan_out(args, args.worker))
    Path(args.result_file).write_text(json.dumps(result))
    return 0


# ---------------------------------------------------------------------------------------------- parent
def run_worker(argv: list[str], n: int) -> dict[str, Any]:
    """One N in a fresh process (so that its RSS baseline and peak are its own)."""
    with tempfile.NamedTemporaryFile(suffix=".json") as result:
        command = [sys.executable, __file__, *argv, "--worker", str(n), "--result-file", result.name]
        subprocess.run(command, check=True, stdout=sys.stderr)
        return json.loads(Path(result.name).read_text())


def report(args: argparse.Namespace, rows: list[dict[str, Any]]) -> Report:
    rep = Report("P2", "fan-out: N triggers on one event loop against the emulator")
    ramp = args.interval if args.ramp is None else args.ramp
    rep.settings = {
        "poll_interval_s": args.interval,
        "job_run_s": f"{args.min_run:g}-{args.max_run:g} staggered (+{QUEUE_SECONDS:g} s queued)",
        "outcomes": "90% COMPLETED, 5% WITH_WARNINGS, 5% ERROR",
        "estimate_time": args.estimate,
        "trigger_start_ramp_s": ramp,
        "emulators": args.emulators,
        "connection": "default retries (3 attempts), timeout 30 s",
    }
    rep.table(
        "per N (one fresh client process and emulator each)",
        [
            "N",
            "events",
            "failures",
            "lag p50 s",
            "lag p99 s",
            "lag max s",
            "status req/job",
            "details req/job",
            "client CPU s",
            "CPU us/req",
            "peak RSS MB",
            "RSS/trigger KB",
            "emu req/s mean",
            "emu req/s peak",
            "emu CPU us/req",
            "wall s",
        ],
        [
            [
                r["n"],
                " ".join(f"{k}={v}" for k, v in sorted(r["events"].items())),
                r["failures"],
                r["lag_p50"],
                r["lag_p99"],
                r["lag_max"],
                r["status_requests_per_job"],
                r["details_requests_per_job"],
                r["client_cpu_s"],
                r["client_cpu_us_per_request"],
                r["peak_rss_mb"],
                r["rss_per_trigger_kb"],
                r["emulator_req_per_s_mean"],
                r["emulator_req_per_s_peak"],
                r["emulator_cpu_us_per_request"],
                r["wall_s"],
            ]
            for r in rows
        ],
    )
    top = max(rows, key=lambda r: r["n"])
    rep.target(f"p99 lag at N={top['n']}", top["lag_p99"], "<=", args.interval + 1.0, " s")
    rep.target(f"failures at N={top['n']}", float(top["failures"]), "<=", 0.0)
    rep.target(f"RSS per trigger at N={top['n']}", top["rss_per_trigger_kb"], "<=", 40.0, " KB")
    capacity = 1e6 / top["emulator_cpu_us_per_request"]
    rep.notes += [
        f"emulator capacity from its CPU per request: ~{capacity:,.0f} req/s per emulator process "
        f"(demand at N={top['n']}: ~{top['n'] / args.interval:,.0f} req/s).",
        "lag = the trigger's event time minus the execution's stop time from the emulator's control API state.",
        "RSS/trigger = (peak RSS during the run - RSS after a warm-up trigger) / N: trigger objects, hooks, "
        "connection settings, tasks, timers, plus the shared session's buffers.",
        "Trigger logs at WARNING (the triggerer would write INFO lines to per-trigger log files).",
        "Airflow's [triggerer] capacity defaults to 1,000 triggers per triggerer; N above that needs it raised.",
    ]
    for r in rows:
        if r["failure_examples"]:
            rep.notes.append(f"N={r['n']} failures, e.g.: {r['failure_examples']}")
    rep.data = {"rows": rows}
    return rep


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.worker is not None:
        return worker(args)
    passthrough = [a for a in argv if a != "--json"]
    rows = [run_worker(passthrough, int(n)) for n in args.n.split(",")]
    report(args, rows).emit(args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""P5 — the real triggerer's cost: N worker-free DatameerJobSensor tasks vs N worker-free sleepers.

One ``airflow standalone`` (LocalExecutor, SQLite) per contender and N, back to back in the same run, with
``[triggerer] capacity`` raised above N. The tasks are spread over small DAGs (``--dag-size`` tasks each),
because Airflow ships the whole serialized DAG with every start-from-trigger trigger.

- floor: ``DateTimeSensorAsync(start_from_trigger=True, end_from_trigger=True)``, sleeping until a moment
  after the measurement window;
- ours: ``DatameerJobSensor(start_from_trigger=True, end_from_trigger=True, poke_interval=10)``, each
  pinned to its own emulator job, which runs until after the window and then ends (staggered over
  ``--end-spread`` seconds).

Figures: seconds from the DAG runs' start until every task is deferred and held by the triggerer; the
CPU seconds the triggerer and its trigger runner spent from the DAG runs' start to the end of a
``--warmup`` after that (the runner is still creating triggers when the scheduler already shows them held);
their CPU seconds per minute over the ``--window`` seconds that follow (steady state), also split
between the two processes; their RSS per trigger (RSS with N triggers minus RSS before any, over N); for
ours, the lag from each job's end (the emulator's stop time) to its task's end (the task's end date):
median, p99, max, and split where the trigger fired its event: "noticed" (job end to the event, our poll)
and "task ended" (the event to the task's end date, Airflow's part). ``--profile DIR`` records the
window's middle 30 s with py-spy.

    python benchmarks/p5_triggerer_cost.py [--n 1000 2000] [--dag-size 20] [--window 120] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from benchlib.airflow_runs import airflow_with, load_average
from benchlib.measure import median, percentile
from benchlib.report import Report

from scripts.dag_runs import FINISHED, start_runs, states, wait_finished
from scripts.processes import wait_for

FIRST_FILE_ID = 10000
HEADER = """from datetime import datetime
from airflow.providers.common.compat.sdk import DAG
"""
FLOOR_DAG = (
    HEADER
    + """from airflow.providers.standard.sensors.date_time import DateTimeSensorAsync

with DAG(dag_id="{dag_id}", start_date=datetime(2026, 1, 1), schedule=None, catchup=False):
    for i in range({size}):
        DateTimeSensorAsync(
            task_id=f"sleep_{{i}}", target_time="{moment}", start_from_trigger=True, end_from_trigger=True
        )
"""
)
OURS_DAG = (
    HEADER
    + """from airflow_provider_datameer.sensors.datameer import DatameerJobSensor

with DAG(dag_id="{dag_id}", start_date=datetime(2026, 1, 1), schedule=None, catchup=False):
    for i in range({size}):
        DatameerJobSensor(
            task_id=f"wait_{{i}}", job_id={first} + i, start_from_trigger=True, end_from_trigger=True,
            poke_interval={interval}, timeout=3600, retries=0,
        )
"""
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, nargs="+", default=[1000, 2000])
    p.add_argument("--dag-size", type=int, default=20, help="tasks per DAG")
    p.add_argument("--interval", type=float, default=10.0, help="our sensors' poke_interval")
    p.add_argument("--window", type=float, default=120.0, help="seconds of CPU measurement once all run")
    p.add_argument("--warmup", type=float, default=30.0, help="seconds between all held and the window")
    p.add_argument("--end-spread", type=float, default=60.0, help="our jobs end over this many seconds")
    p.add_argument("--start-timeout", type=float, default=1200.0)
    p.add_argument("--only", choices=["floor", "ours"], help="one contender only")
    p.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="py-spy (raw, 30 s) on the triggerer, its trigger runner and the emulator during the window, into DIR",
    )
    p.add_argument("--json", action="store_true")
    return p.parse_args(argv)


def dag_files(kind: str, n: int, size: int, **fmt: Any) -> dict[str, str]:
    files = {}
    for d in range((n + size - 1) // size):
        count = min(size, n - d * size)
        template = FLOOR_DAG if kind == "floor" else OURS_DAG
        files[f"p5_{kind}_{d:03d}.py"] = template.format(
            dag_id=f"p5_{kind}_{d:03d}", size=count, first=FIRST_FILE_ID + d * size, **fmt
        )
    return files


def triggerer_processes(stack: Any) -> tuple[psutil.Process, list[psutil.Process]]:
    """``airflow triggerer`` and its children (the trigger runner subprocess)."""
    main = psutil.Process(stack.component_pid("triggerer"))
    return main, main.children(recursive=True)


def cpu(processes: list[psutil.Process]) -> float:
    total = 0.0
    for proc in processes:
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def rss(processes: list[psutil.Process]) -> int:
    return sum(p.memory_info().rss for p in processes if p.is_running())


def emulator_process(emulator: Any) -> psutil.Process | None:
    return psutil.Process(emulator.pid) if emulator.pid else None


def profile(
    directory: Path | None, label: str, named: dict[str, psutil.Process | None], children: list[psutil.Process]
) -> list[subprocess.Popen[bytes]]:
    """Start ``py-spy record`` (30 s, raw folded stacks) on each process; the trigger runner is the
    triggerer's child that is not ``serve-logs``. Nothing when ``directory`` is None."""
    if directory is None:
        return []
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        raise SystemExit("--profile needs py-spy: uv pip install --python .venv/bin/python py-spy")
    directory.mkdir(parents=True, exist_ok=True)
    runners = [
        c for c in children if "serve-logs" not in " ".join(c.cmdline()) and "serve_logs" not in " ".join(c.cmdline())
    ]
    targets = {**named, **{f"runner{i}": proc for i, proc in enumerate(runners)}}
    return [
        subprocess.Popen(
            [
                spy,
                "record",
                "--pid",
                str(proc.pid),
                "--duration",
                "30",
                "--format",
                "raw",
                "--nonblocking",
                "-o",
                str(directory / f"{label}-{name}.txt"),
            ],
            stdout=subprocess.DEVNULL,
        )
        for name, proc in targets.items()
        if proc is not None
    ]


def held(stack: Any, runs: dict[str, str], n: int) -> bool:
    tis = states(stack.api, runs).values()
    return sum(1 for ti in tis if ti["state"] == "deferred" and ti.get("triggerer_job")) >= n


def measure(args: argparse.Namespace, kind: str, n: int) -> dict[str, Any]:
    window_end = time.time() + args.start_timeout + args.window + 60
    moment = datetime.fromtimestamp(window_end, UTC).isoformat()
    files = dag_files(kind, n, args.dag_size, moment=moment, interval=args.interval)
    # ours: jobs that run past the start-up and the window, then end over --end-spread seconds
    jobs = [
        {
            "file_id": FIRST_FILE_ID + i,
            "configuration_id": FIRST_FILE_ID + i,
            "path": f"/Bench/p5_{i}.imp",
            "type": "import",
            "queue_seconds": 0,
            "run_seconds": 36000,
        }
        for i in range(n if kind == "ours" else 0)
    ]
    settings = {
        "AIRFLOW__TRIGGERER__CAPACITY": str(n + 500),
        "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": str(args.dag_size),
        "AIRFLOW__CORE__DAG_FILE_PROCESSOR_TIMEOUT": "300",
    }
    with airflow_with(files, jobs, settings) as (stack, emulator, root):
        # ours: every job already running, started through the emulator's control API; sensors pin it
        executions = {FIRST_FILE_ID + i: emulator.client.trigger_as(FIRST_FILE_ID + i) for i in range(len(jobs))}
        main, children = triggerer_processes(stack)
        baseline_rss = rss([main, *children])
        start_cpu0 = cpu([main, *children])
        load_before = load_average()
        t0 = time.time()
        runs = start_runs(stack.api, [name.removesuffix(".py") for name in files], timeout=args.start_timeout)
        wait_for(lambda: held(stack, runs, n), timeout=args.start_timeout, what=f"{n} {kind} triggers held", interval=5)
        all_running_s = time.time() - t0
        time.sleep(args.warmup)  # the runner may still be creating triggers for a while after all are held
        main, children = triggerer_processes(stack)
        procs = [main, *children]
        cpu0, main0, w0 = cpu(procs), cpu([main]), time.time()
        start_cpu = cpu0 - start_cpu0  # children started after the baseline count from their start
        time.sleep(max(0.0, args.window / 2 - 15))  # a profile covers the window's middle 30 s
        profilers = profile(
            args.profile, f"{kind}-{n}", {"triggerer": main, "emulator": emulator_process(emulator)}, children
        )
        time.sleep(max(0.0, w0 + args.window - time.time()))
        for profiler in profilers:
            profiler.wait()
        minutes = (time.time() - w0) / 60
        cpu_per_min = (cpu(procs) - cpu0) / minutes
        main_per_min = (cpu([main]) - main0) / minutes
        rss_per_trigger = (rss(procs) - baseline_rss) / n
        result: dict[str, Any] = {
            "kind": kind,
            "n": n,
            "dags": len(files),
            "all_running_s": all_running_s,
            "start_cpu_s": start_cpu,
            "cpu_s_per_min": cpu_per_min,
            "triggerer_cpu_s_per_min": main_per_min,
            "runner_cpu_s_per_min": cpu_per_min - main_per_min,
            "rss_mib_per_trigger": rss_per_trigger / 2**20,
            "load": f"{load_before} -> {load_average()}",
        }
        if kind == "ours":
            result.update(end_jobs_and_lag(args, stack, emulator, runs, executions, root / "home"))
        return result


def end_jobs_and_lag(
    args: argparse.Namespace,
    stack: Any,
    emulator: Any,
    runs: dict[str, str],
    executions: dict[int, int],
    home: Path,
) -> dict[str, Any]:
    """End every job over ``--end-spread`` s (the emulator's control API), then lag = task end - job stop,
    split at the moment the trigger fired its event (Airflow's "Trigger fired event" line in the trigger's
    log): before it, our poll noticing the end; after it, Airflow ending the task."""
    step = args.end_spread / max(1, len(executions))
    for execution_id in executions.values():
        emulator.client.patch_execution(execution_id, finish="COMPLETED")
        time.sleep(step)
    wait_finished(stack.api, runs, timeout=args.end_spread + 600, interval=5)
    stops = {e["file_id"]: e.get("stop") for e in emulator.client.state()["executions"]}
    lags, noticed, handed, ok = [], [], [], 0
    for (dag_id, task_id), ti in states(stack.api, runs).items():
        file_id = FIRST_FILE_ID + int(dag_id.rsplit("_", 1)[1]) * args.dag_size + int(task_id.rsplit("_", 1)[1])
        ok += ti["state"] == "success"
        stop = stops.get(file_id)
        if ti["state"] in FINISHED and ti.get("end_date") and stop:
            end, stopped = _epoch(ti["end_date"]), _epoch(stop)
            lags.append(end - stopped)
            fired = fired_at(home, dag_id, task_id)
            if fired is not None:
                noticed.append(fired - stopped)
                handed.append(end - fired)
    return {
        "succeeded": ok,
        "lag_median_s": median(lags) if lags else None,
        "lag_p99_s": percentile(lags, 99) if lags else None,
        "lag_max_s": max(lags) if lags else None,
        "noticed_median_s": median(noticed) if noticed else None,
        "noticed_p99_s": percentile(noticed, 99) if noticed else None,
        "handed_median_s": median(handed) if handed else None,
        "handed_p99_s": percentile(handed, 99) if handed else None,
    }


def fired_at(home: Path, dag_id: str, task_id: str) -> float | None:
    """When the task's trigger fired its event, from the trigger's own log file (JSON lines)."""
    for log in home.glob(f"logs/dag_id={dag_id}/run_id=*/task_id={task_id}/*.log.trigger.*"):
        for line in log.read_text(errors="replace").splitlines():
            if '"Trigger fired event"' in line:
                return _epoch(json.loads(line)["timestamp"])
    return None


def _epoch(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    report = Report(
        "P5",
        "the real triggerer's cost: worker-free DatameerJobSensor vs worker-free sleepers",
        settings={
            "n": args.n,
            "dag_size": args.dag_size,
            "interval_s": args.interval,
            "warmup_s": args.warmup,
            "window_s": args.window,
            "target": "airflow standalone (LocalExecutor, SQLite), one triggerer",
        },
    )
    results = []
    for n in args.n:
        for kind in ("floor", "ours"):
            if args.only in (None, kind):
                results.append(measure(args, kind, n))
    report.table(
        "per contender",
        [
            "contender",
            "N",
            "DAGs",
            "all running (s)",
            "start-up CPU (s)",
            "triggerer+runner CPU s/min",
            "triggerer / runner",
            "RSS MiB/trigger",
            "ok",
            "lag median (s)",
            "lag p99 (s)",
            "lag max (s)",
            "noticed median / p99 (s)",
            "task ended median / p99 (s)",
            "load avg",
        ],
        [
            [
                r["kind"],
                r["n"],
                r["dags"],
                f"{r['all_running_s']:.0f}",
                f"{r['start_cpu_s']:.0f}",
                f"{r['cpu_s_per_min']:.2f}",
                f"{r['triggerer_cpu_s_per_min']:.2f} / {r['runner_cpu_s_per_min']:.2f}",
                f"{r['rss_mib_per_trigger']:.3f}",
                r.get("succeeded", "-"),
                _fmt(r.get("lag_median_s")),
                _fmt(r.get("lag_p99_s")),
                _fmt(r.get("lag_max_s")),
                f"{_fmt(r.get('noticed_median_s'))} / {_fmt(r.get('noticed_p99_s'))}",
                f"{_fmt(r.get('handed_median_s'))} / {_fmt(r.get('handed_p99_s'))}",
                r["load"],
            ]
            for r in results
        ],
    )
    for n in args.n:
        pair = {r["kind"]: r for r in results if r["n"] == n}
        if len(pair) == 2 and pair["floor"]["cpu_s_per_min"] > 0:
            report.target(
                f"CPU vs floor, N={n}", pair["ours"]["cpu_s_per_min"] / pair["floor"]["cpu_s_per_min"], "<=", 2.0, "x"
            )
    report.data["results"] = results
    report.emit(args.json)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


if __name__ == "__main__":
    main()

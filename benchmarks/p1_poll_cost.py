"""P1 — client CPU cost of one status poll: the aiohttp floor, our hook, and the http provider (the peer).

Client-side CPU time (process user + sys, all threads; never wall time) per poll of one RUNNING job's
status, against the emulator in another process. Contenders, measured in the same run against the same
emulator and job, in rotating order, each over ``--polls`` polls per round; the figure is the median of
``--repeat`` rounds:

(a)  floor: a bare loop of aiohttp GETs (+ reading the body) on one shared ``ClientSession``;
(a+) the floor plus ``json.loads`` of the body (shown for reference, no target);
(b)  ours: ``DatameerHook.aget_job_status`` as the trigger uses it (one hook, connection resolved once,
     the event loop's shared session leased as ``DatameerJobTrigger.run`` does);
(c)  the peer as its triggers poll: per poll a new ``aiohttp.ClientSession`` and a new
     ``HttpAsyncHook(method="GET")`` (so a connection lookup), ``run(session=..., endpoint=...)``, then
     ``json.loads(await r.read())``;
(c') the peer's own ``HttpEventTrigger.run()`` loop (hook built once, a new session per poll, and the
     ``response_check`` module re-imported per poll, as that trigger does); fewer polls, no target.

    python benchmarks/p1_poll_cost.py [--polls 20000] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from benchlib.emulated import (
    LOGIN,
    PASSWORD,
    EmulatorFleet,
    isolate_airflow,
    logs_to_stderr,
    make_jobs,
    set_http_connection,
)
from benchlib.measure import cpu_seconds, median, process_cpu_seconds
from benchlib.report import Report

HTTP_CONN = "bench_http"
WARMUP = 200

Poll = Callable[[], Awaitable[Any]]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--polls", type=int, default=20_000, help="polls per contender per round (>= 20,000 for figures)")
    p.add_argument("--repeat", type=int, default=3, help="rounds; the median is reported")
    p.add_argument("--peer-trigger-polls", type=int, default=None, help="polls of (c') per round (default polls/4)")
    p.add_argument("--only", default="", help="comma-separated contender keys to run (a,a+,b,c,c'); default all")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    return p.parse_args(argv)


def key(name: str) -> str:
    """``"(a+) floor + json.loads"`` -> ``"a+"``."""
    return name[1 : name.index(")")]


async def measure(poll: Poll, polls: int) -> tuple[float, float]:
    """CPU microseconds per poll and polls per wall second, after a warm-up."""
    for _ in range(WARMUP):
        await poll()
    cpu0, wall0 = cpu_seconds(), time.perf_counter()
    for _ in range(polls):
        await poll()
    cpu, wall = cpu_seconds() - cpu0, time.perf_counter() - wall0
    return cpu / polls * 1e6, polls / wall


async def measure_event_trigger(trigger_factory: Callable[[], Any], polls: int) -> tuple[float, float]:
    """The same for the peer's ``HttpEventTrigger``: one ``run()`` that polls ``polls`` times, then fires."""
    from benchlib import peer_check

    async def run(n: int) -> None:
        peer_check.polls_left = n
        async for _ in trigger_factory().run():
            break

    await run(WARMUP)
    cpu0, wall0 = cpu_seconds(), time.perf_counter()
    await run(polls)
    cpu, wall = cpu_seconds() - cpu0, time.perf_counter() - wall0
    return cpu / polls * 1e6, polls / wall


async def contenders(url: str, conn_id: str, file_id: int, stack: Any) -> dict[str, Poll]:
    """The poll functions, each set up once as its real user would (sessions, hooks)."""
    import aiohttp
    from airflow.providers.http.hooks.http import HttpAsyncHook

    from airflow_provider_datameer.hooks.datameer import DatameerHook
    from airflow_provider_datameer.hooks.transport import session_lease

    path = f"/api/job-execution/{file_id}/status"
    auth = {"Authorization": "Basic " + base64.b64encode(f"{LOGIN}:{PASSWORD}".encode()).decode()}
    floor_session = await stack.enter_async_context(aiohttp.ClientSession())
    await stack.enter_async_context(session_lease())
    hook = DatameerHook(datameer_conn_id=conn_id)

    async def floor() -> bytes:
        async with floor_session.get(url + path, headers=auth) as response:
            return await response.read()

    async def floor_json() -> Any:
        async with floor_session.get(url + path, headers=auth) as response:
            return json.loads(await response.read())

    async def ours() -> Any:
        return await hook.aget_job_status(file_id)

    async def peer() -> Any:
        async with aiohttp.ClientSession() as session:
            response = await HttpAsyncHook(method="GET", http_conn_id=HTTP_CONN).run(session=session, endpoint=path)
            return json.loads(await response.read())

    return {
        "(a) floor: aiohttp GET": floor,
        "(a+) floor + json.loads": floor_json,
        "(b) ours": ours,
        "(c) peer: http provider": peer,
    }


async def run(args: argparse.Namespace, fleet: EmulatorFleet, file_id: int) -> dict[str, dict[str, list[float]]]:
    from contextlib import AsyncExitStack

    from airflow.providers.http.triggers.http import HttpEventTrigger

    url = fleet.processes[0].url
    path = f"/api/job-execution/{file_id}/status"
    peer_polls = args.peer_trigger_polls or max(1, args.polls // 4)
    results: dict[str, dict[str, list[float]]] = {}

    def event_trigger() -> HttpEventTrigger:
        return HttpEventTrigger(
            response_check_path="benchlib.peer_check.response_check",
            http_conn_id=HTTP_CONN,
            auth_type="aiohttp.helpers.BasicAuth",  # what HttpOperator(deferrable=True) serialises for a login
            method="GET",
            endpoint=path,
            poll_interval=0,
        )

    async with AsyncExitStack() as stack:
        polls = await contenders(url, fleet.conn_ids[0], file_id, stack)
        names = [*polls, "(c') peer: HttpEventTrigger loop"]
        if args.only:
            names = [n for n in names if key(n) in args.only.split(",")]
        for round_no in range(args.repeat):
            order = names[round_no % len(names) :] + names[: round_no % len(names)]
            for name in order:
                count = peer_polls if name.startswith("(c')") else args.polls
                emulator_cpu0 = process_cpu_seconds(fleet.pids[0])
                if name in polls:
                    us, rate = await measure(polls[name], count)
                else:
                    us, rate = await measure_event_trigger(event_trigger, count)
                emulator_us = (process_cpu_seconds(fleet.pids[0]) - emulator_cpu0) / (count + WARMUP) * 1e6
                row = results.setdefault(name, {"us": [], "rate": [], "emulator_us": [], "polls": []})
                row["us"].append(us)
                row["rate"].append(rate)
                row["emulator_us"].append(emulator_us)
                row["polls"].append(count)
    return results


def report(args: argparse.Namespace, results: dict[str, dict[str, list[float]]]) -> Report:
    rep = Report("P1", "client CPU per status poll (emulator in another process)")
    rep.settings = {
        "polls_per_round": args.polls,
        "rounds": args.repeat,
        "warmup": WARMUP,
        "job": "one RUNNING job (V2 status body with estimate/progress)",
    }
    med = {key(name): median(r["us"]) for name, r in results.items()}
    rows = [
        [
            name,
            int(r["polls"][0]),
            med[key(name)],
            min(r["us"]),
            max(r["us"]),
            median(r["rate"]),
            median(r["emulator_us"]),
        ]
        for name, r in results.items()
    ]
    rep.table(
        "CPU per poll (process user+sys, median of rounds)",
        ["contender", "polls/round", "us/poll", "min", "max", "polls/s (wall)", "emulator us/req"],
        rows,
    )
    ratios = [
        (f"{x}/{y}", med[x] / med[y])
        for x, y in (("b", "a"), ("b", "a+"), ("c", "b"), ("c'", "b"))
        if x in med and y in med
    ]
    rep.table("ratios (of the medians)", ["ratio", "value"], [list(r) for r in ratios])
    if "a" in med and "b" in med:
        rep.target("b/a (ours over the aiohttp floor)", med["b"] / med["a"], "<=", 1.5)
    if "b" in med and "c" in med:
        rep.target("c/b (peer over ours)", med["c"] / med["b"], ">=", 3.0)
    emulator_us = median([us for r in results.values() for us in r["emulator_us"]])
    best_rate = max(median(r["rate"]) for r in results.values())
    rep.notes += [
        "CPU time is this process's user+sys (threads included); the emulator's own CPU is the last column.",
        f"emulator capacity from its CPU per request: ~{1e6 / emulator_us:,.0f} req/s per core "
        f"(a sequential client reached {best_rate:,.0f} req/s).",
        "(c) opens a new TCP connection per poll (new ClientSession), as the peer's triggers do; the peer's "
        "HttpSensor cannot defer at all when given a response_check (it pokes on a worker instead).",
        "(c') is the peer's HttpEventTrigger.run(): its hook caches the connection, but it re-imports the "
        "response_check module (importlib.reload in a thread) on every poll.",
    ]
    rep.data = {"medians_us": med, "rounds": results}
    return rep


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    isolate_airflow()
    jobs = make_jobs([24 * 3600.0], queue_seconds=0.0)  # RUNNING for the whole benchmark
    with EmulatorFleet(jobs) as fleet:
        file_id = jobs[0]["file_id"]
        fleet.trigger([file_id])
        set_http_connection(HTTP_CONN, fleet.processes[0].url)
        with logs_to_stderr():
            results = asyncio.run(run(args, fleet, file_id))
    report(args, results).emit(args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

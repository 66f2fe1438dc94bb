"""Smoke runs of the benchmark scripts at tiny sizes: they run, exit 0 and print their tables / JSON keys.

Figures are never asserted (the machine is shared; see benchmarks/README.md). The scripts start their own
emulator processes; the two runs below go in parallel to keep this module short, and the tables are
rendered here from the JSON (the same code prints them in a script's table mode).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
QUICK_SOAK = ["--n", "10", "--min-run", "0.5", "--max-run", "1", "--interval", "0.5"]
RUNS = {
    "all": ["run_all.py", "--quick", "--json"],
    "soak": ["soak.py", *QUICK_SOAK, "--json"],
}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runs() -> dict[str, subprocess.CompletedProcess[str]]:
    """Every run started at once, then awaited (each in its own session, killed whole on a timeout)."""
    started = {
        name: subprocess.Popen(
            [sys.executable, *args],
            cwd=BENCHMARKS,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        for name, args in RUNS.items()
    }
    done = {}
    for name, process in started.items():
        try:
            out, err = process.communicate(timeout=600)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            out, err = process.communicate()
        done[name] = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    return done


def _ok(run: subprocess.CompletedProcess[str]) -> str:
    assert run.returncode == 0, run.stderr[-4000:]
    return run.stdout


@pytest.fixture(scope="module")
def benchlib():
    """The benchmarks' own helpers (``benchmarks/`` is not a package; scripts find them on sys.path[0])."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import run_all
        from benchlib import report

        yield report, run_all
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_run_all_prints_every_benchmark_as_json(runs):
    document = json.loads(_ok(runs["all"]))

    reports = {r["benchmark"]: r for r in document["benchmarks"]}
    assert list(reports) == ["P1", "P2", "P3", "P4"]
    for report in reports.values():
        assert {"environment", "settings", "tables", "targets", "notes", "data"} <= set(report)
        assert report["tables"]
        assert report["targets"]
        assert {"python", "cpu", "cores", "versions"} <= set(report["environment"])
    assert {"a", "a+", "b", "c", "c'"} == set(reports["P1"]["data"]["medians_us"])
    (row,) = reports["P2"]["data"]["rows"]
    assert {
        "events",
        "failures",
        "lag_p50",
        "lag_p99",
        "status_requests_per_job",
        "client_cpu_s",
        "peak_rss_mb",
        "rss_per_trigger_kb",
        "emulator_req_per_s_mean",
    } <= set(row)
    assert len(reports["P3"]["data"]) == 4
    assert {"total_ms", "marginal_ms"} <= set(reports["P4"]["data"])


def test_each_report_renders_as_tables_with_a_summary(runs, benchlib):
    report, run_all = benchlib
    results = json.loads(_ok(runs["all"]))["benchmarks"]

    text = "\n".join(report.Report.from_dict(r).render() for r in results) + run_all.summary(results).render()

    for expected in ("== P1:", "== P2:", "== P3:", "== P4:", "machine:", "python:", "versions:", "settings:"):
        assert expected in text
    for column in ("us/poll", "b/a", "lag p99 s", "RSS/trigger KB", "req/job mean", "cumulative", "verdict"):
        assert column in text
    assert "== summary of targets ==" in text


def test_soak_prints_its_report(runs, benchlib):
    report, _ = benchlib
    result = json.loads(_ok(runs["soak"]))

    assert result["benchmark"] == "SOAK"
    assert {"events", "statuses", "counters", "failures"} <= set(result["data"])
    text = report.Report.from_dict(result).render()
    for expected in ("== SOAK:", "false failures", "5xx / resets sent", "targets"):
        assert expected in text

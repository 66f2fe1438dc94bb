"""Run P1-P5 one after the other (never overlapping), print their four reports and a summary of targets.

Each benchmark runs as its own process with ``--json``; its report is printed here as tables (or, with
``--json``, all four as one JSON document). ``--quick`` runs tiny sizes that only prove the scripts work
(the smoke test uses it); its figures mean nothing.

    python benchmarks/run_all.py [--quick] [--json]      # make bench

Full sizes take about 15 minutes on 2 cores for P1-P4 (P2 at N = 1,000, 2,000 and 5,000 is most of it);
P5 starts a real ``airflow standalone`` per contender and N and adds about 40 minutes (``--only P1,P2``
leaves it out; ``--quick`` always does).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchlib.report import Report, Table

HERE = Path(__file__).resolve().parent
SCRIPTS = {
    "P1": ("p1_poll_cost.py", ["--polls", "200", "--repeat", "1", "--peer-trigger-polls", "50"]),
    "P2": ("p2_fanout.py", ["--n", "10", "--min-run", "0.5", "--max-run", "1", "--interval", "0.5"]),
    "P3": (
        "p3_adaptive.py",
        ["--jobs", "2", "--min-run", "0.5", "--max-run", "1", "--interval", "2", "--queued", "0.5"],
    ),
    "P4": ("p4_parse_cost.py", ["--runs", "1", "--warmup", "0"]),
    "P5": (
        "p5_triggerer_cost.py",
        ["--n", "20", "--dag-size", "10", "--window", "10", "--warmup", "5", "--end-spread", "2"],
    ),
}
#: --quick leaves these out: each starts a real Airflow (minutes even at tiny sizes); run them with --only
NOT_QUICK = {"P5"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run, not a measurement")
    p.add_argument("--only", default="", help="comma-separated subset, e.g. P1,P4")
    p.add_argument("--json", action="store_true", help="print one JSON document instead of tables")
    return p.parse_args(argv)


def run_one(name: str, quick: bool) -> dict[str, Any]:
    script, quick_args = SCRIPTS[name]
    command = [sys.executable, str(HERE / script), "--json", *(quick_args if quick else [])]
    started = time.monotonic()
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
    result = json.loads(done.stdout)
    result["runtime_s"] = time.monotonic() - started
    return result


def summary(results: list[dict[str, Any]]) -> Table:
    rows = [
        [
            r["benchmark"],
            t["what"],
            f"{t['value']:.3g}{t['unit']}",
            f"{t['op']} {t['limit']:g}{t['unit']}",
            t["verdict"],
        ]
        for r in results
        for t in r["targets"]
    ]
    return Table("== summary of targets ==", ["bench", "target", "value", "limit", "verdict"], rows)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    names = [n.strip().upper() for n in args.only.split(",") if n.strip()] or [
        n for n in SCRIPTS if not (args.quick and n in NOT_QUICK)
    ]
    results = []
    for name in names:
        result = run_one(name, args.quick)
        results.append(result)
        if not args.json:
            sys.stdout.write(Report.from_dict(result).render() + f"({name} took {result['runtime_s']:.0f} s)\n\n")
            sys.stdout.flush()
    if args.json:
        print(json.dumps({"quick": args.quick, "benchmarks": results}, indent=2, default=str))
    else:
        print(summary(results).render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

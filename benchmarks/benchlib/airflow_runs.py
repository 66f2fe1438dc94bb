"""A real Airflow for the benchmarks that need its scheduler and triggerer: generated DAG files and an
emulator jobs file in a fresh directory, ``airflow standalone`` over them (scripts/dag_runs.py)."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # scripts/ (the stack) and the provider, when run as a script

from scripts.airflow_stack import AirflowStack  # noqa: E402
from scripts.dag_runs import standalone  # noqa: E402


@contextmanager
def staged(dag_files: dict[str, str], jobs: list[dict[str, Any]], keep: Path | None = None) -> Iterator[Path]:
    """A fresh directory holding ``dags/`` (name -> source) and the emulator's ``jobs.json``; removed
    afterwards unless ``keep`` names where to leave it."""
    root = Path(tempfile.mkdtemp(prefix="datameer-bench-", dir=keep))
    (root / "dags").mkdir()
    for name, source in dag_files.items():
        (root / "dags" / name).write_text(source)
    (root / "jobs.json").write_text(json.dumps({"jobs": jobs}))
    try:
        yield root
    finally:
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)


@contextmanager
def airflow_with(
    dag_files: dict[str, str], jobs: list[dict[str, Any]], settings: dict[str, str], *, keep: Path | None = None
) -> Iterator[tuple[AirflowStack, Any, Path]]:
    """``airflow standalone`` over ``dag_files`` (name -> source) and an emulator serving ``jobs``.

    Yields the stack, the emulator and the directory (its ``home/`` holds every component's log); the
    directory is removed afterwards unless ``keep`` names where to leave it.
    """
    with (
        staged(dag_files, jobs, keep) as root,
        standalone(root / "home", root / "dags", jobs_file=root / "jobs.json", settings=settings) as (stack, emulator),
    ):
        yield stack, emulator, root


@contextmanager
def topology_with(
    dag_files: dict[str, str], jobs: list[dict[str, Any]], settings: dict[str, str]
) -> Iterator[tuple[Any, Any, Path]]:
    """The production topology (scripts/topology.py: Postgres, Redis, Celery, two triggerers) over
    ``dag_files`` with its own emulator serving ``jobs``, yielded as ``airflow_with`` yields its stack."""
    from scripts.topology import Topology  # needs the Celery provider: the .venv-topology interpreter

    with (
        staged(dag_files, jobs) as root,
        Topology(jobs_file=root / "jobs.json", dags_folder=root / "dags", settings=settings) as topology,
    ):
        assert topology.airflow is not None
        assert topology.emulator is not None
        (root / "home").symlink_to(topology.airflow.home)
        yield topology.airflow, topology.emulator, root


def count_in_logs(home: Path, pattern: str) -> int:
    """Lines matching ``pattern`` (a regex) in the component logs of ``home`` (standalone.log and others)."""
    regex = re.compile(pattern)
    return sum(
        1
        for log in home.glob("*.log")
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines()
        if regex.search(line)
    )


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())

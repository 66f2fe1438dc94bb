"""Every example DAG imports cleanly and runs green under ``airflow dags test`` against the emulator."""

from __future__ import annotations

import pytest

from tests.support import REPO, requires_airflow

#: Examples that need a newer Airflow than the oldest supported one (Asset watchers are Airflow 3+).
NEEDS = {"example_datameer_watch": requires_airflow(">=3.0", "Asset watchers")}
EXAMPLES = [
    pytest.param(p.stem, marks=NEEDS.get(p.stem, ()), id=p.stem)
    for p in sorted((REPO / "example_dags").glob("example_*.py"))
]
#: Examples written for another server or connection: emulator switches and connection extras.
SETUPS = {"example_datameer_v1": ({"api_v2": False}, {"api_version": 1})}
TRIGGERS = ("trigger_v2", "trigger_sequential", "trigger_v1")


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_dag_imports_without_errors(name):
    import runpy
    import warnings

    from airflow.providers.common.compat.sdk import DAG

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a deprecated import in an example would teach users the wrong thing
        namespace = runpy.run_path(str(REPO / "example_dags" / f"{name}.py"))
    dags = [value for value in namespace.values() if isinstance(value, DAG)]
    assert [dag.dag_id for dag in dags] == [name]
    assert len(namespace["__doc__"] or "") > 100, "each example explains itself"


@pytest.mark.dags
@pytest.mark.parametrize("dag_id", EXAMPLES)
def test_example_dag_runs_green(dags_test, emulator, dag_id):
    switches, extras = SETUPS.get(dag_id, ({}, {}))
    if switches:
        emulator.client.set_switches(**switches)
    run = dags_test(dag_id, **extras)
    assert run.state == "success", run.output[-4000:]
    triggers = [r for r in emulator.client.requests() if r["endpoint"] in TRIGGERS]
    assert triggers, "the DAG should have started a Datameer run"
    assert all(r["status"] == 200 for r in triggers)
    if extras.get("api_version") == 1:
        assert [r["path"] for r in emulator.client.requests() if r["path"].startswith("/api/")] == []

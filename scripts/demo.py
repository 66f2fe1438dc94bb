"""``make demo``: run example_datameer_trigger_and_wait under ``airflow dags test`` against a local Datameer
emulator and say in a few lines what happened.

Starts the emulator on a free loopback port, makes a throwaway AIRFLOW_HOME (``.airflow-demo/``, recreated
each run), runs ``airflow db migrate`` and ``airflow dags test``, with Airflow's output in log files there,
then reads the outcome back: the Datameer side through ``DatameerHook`` and the emulator's control API, the
Airflow side from the metadata database. Exits 1, saying why, when anything did not succeed.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python scripts/demo.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from airflow_provider_datameer.emulator import EmulatorProcess
from scripts.airflow_stack import REPO, airflow_env, emulator_process, run_airflow
from scripts.processes import log_tail

DAG_ID = "example_datameer_trigger_and_wait"
HOME = REPO / ".airflow-demo"


class DemoFailed(Exception):
    """The demo did not end green; the message says why."""


def step(label: str, action: Any, *args: Any, **kwargs: Any) -> Any:
    """Run one step, printing ``label ... done (N s)``."""
    print(f"  {label} ...", end=" ", flush=True)
    started = time.monotonic()
    result = action(*args, **kwargs)
    print(f"done ({time.monotonic() - started:.0f} s)")
    return result


def run_dag(env: dict[str, str], log: Path) -> None:
    code = run_airflow(["dags", "test", DAG_ID], env, log, check=False)
    if code != 0:
        raise DemoFailed(f"`airflow dags test {DAG_ID}` exited {code}; its log ends:\n{log_tail(log)}")


def datameer_outcome(emulator: EmulatorProcess) -> dict[str, Any]:
    """The run as Datameer saw it: the one REST-triggered execution, its job, and its details via the hook."""
    from airflow_provider_datameer.hooks.datameer import DatameerHook

    state = emulator.client.state()
    executions = [e for e in state["executions"] if e["trigger"] == "RESTAPI"]
    if len(executions) != 1:
        raise DemoFailed(f"expected one triggered Datameer execution, the emulator saw {len(executions)}")
    execution = executions[0]
    job = next(j for j in state["jobs"] if j["file_id"] == execution["file_id"])
    hook = DatameerHook()
    return {
        "job": job,
        "execution": execution,
        "details": hook.get_job_details(execution["id"]),
        "url": hook.job_url(file_id=job["file_id"], execution_id=execution["id"]),
        "trigger_requests": len(emulator.client.requests(endpoint="trigger_v2")),
    }


def airflow_outcome(log: Path) -> dict[str, Any]:
    """The run's and its task instances' states from the metadata database, and whether run_import deferred."""
    from airflow.models import DagRun, TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        run = session.scalars(select(DagRun).where(DagRun.dag_id == DAG_ID).order_by(DagRun.id.desc())).first()
        if run is None:
            raise DemoFailed(f"no run of {DAG_ID} in the metadata database")
        rows = session.execute(
            select(TaskInstance.task_id, TaskInstance.state).where(
                TaskInstance.dag_id == DAG_ID, TaskInstance.run_id == run.run_id
            )
        ).all()
        outcome: dict[str, Any] = {"run_id": run.run_id, "state": str(run.state), "tasks": {t: str(s) for t, s in rows}}
    outcome["deferred"] = any(
        "Pausing task as DEFERRED" in line and "task_id=run_import" in line
        for line in log.read_text(errors="replace").splitlines()
    )
    return outcome


def line(label: str, value: object) -> None:
    print(f"  {label:<18} {value}")


def report(datameer: dict[str, Any], airflow: dict[str, Any], log: Path) -> None:
    job, execution, details = datameer["job"], datameer["execution"], datameer["details"]
    tasks = ", ".join(f"{t}: {s}" for t, s in sorted(airflow["tasks"].items(), reverse=True))
    deferral = "run_import deferred to the trigger while Datameer worked" if airflow["deferred"] else "no deferral"
    print()
    line("Datameer job", f"{job['file_id']} {job['path']} ({job['type']})")
    line(
        "Execution id", f"{execution['id']} (by {execution['user']}; trigger requests: {datameer['trigger_requests']})"
    )
    line("Datameer status", f"{details.status.value}: {details.success_count} records, {details.failure_count} failed")
    line("Counters", ", ".join(f"{k}={v}" for k, v in details.counters.items()) or "none")
    line("Datameer link", datameer["url"])
    line("Airflow run", f"{airflow['state']} ({tasks}; {deferral})")
    line("Logs", f"{log} (Airflow), {HOME / 'logs'} (task logs)")


def check(datameer: dict[str, Any], airflow: dict[str, Any]) -> None:
    if airflow["state"] != "success":
        raise DemoFailed(f"the Airflow run ended {airflow['state']} ({airflow['tasks']})")
    if datameer["details"].status.value != "COMPLETED":
        raise DemoFailed(f"the Datameer execution ended {datameer['details'].status.value}")


def main() -> int:
    started = time.monotonic()
    shutil.rmtree(HOME, ignore_errors=True)
    HOME.mkdir(parents=True)
    log = HOME / "dags-test.log"
    print(f"Datameer provider demo: {DAG_ID} under `airflow dags test`")
    line("Airflow home", f"{HOME} (throwaway, recreated each run)")
    try:
        with emulator_process() as emulator:
            line("Datameer emulator", f"{emulator.url} (pid {emulator.pid})")
            env = airflow_env(HOME, emulator.url, AIRFLOW__LOGGING__LOGGING_LEVEL="INFO")
            os.environ.update(env)  # for the hook and the metadata database read below, in this process
            step("airflow db migrate", run_airflow, ["db", "migrate"], env, HOME / "migrate.log")
            step(f"airflow dags test {DAG_ID}", run_dag, env, log)
            datameer, airflow = datameer_outcome(emulator), airflow_outcome(log)
        report(datameer, airflow, log)
        check(datameer, airflow)
    except (DemoFailed, RuntimeError, OSError) as exc:
        print(f"\nFAILED: {exc}", file=sys.stderr)
        return 1
    print(f"\nOK ({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

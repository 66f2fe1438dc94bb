"""``make ui``: the example DAGs under ``airflow standalone`` against a local Datameer emulator, to watch in a
browser at http://localhost:8080 (login-free: every visitor is admin) until Ctrl-C.

The Airflow home ``.airflow-ui/`` is recreated on each start. ``datameer_default`` is created in Airflow's
database (so Admin > Connections shows it and its Test button works: ``[core] test_connection`` is enabled
here), your own ``AIRFLOW__*`` settings are passed on, and only example (a) is unpaused and triggered once, so
that there is a run of its own to look at: open it, then ``run_import`` > Details > "Datameer Job", or Browse >
Datameer. Ctrl-C stops Airflow (SIGINT to ``airflow standalone``, which stops its components) and the emulator.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # `python scripts/ui.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.airflow_stack import EMULATOR_USER, REPO, AirflowStack, datameer_connection, emulator_process, run_airflow
from scripts.processes import free_port, port_is_free, wait_for

HOME = REPO / ".airflow-ui"
EXAMPLE = "example_datameer_trigger_and_wait"


def ui_settings() -> dict[str, str]:
    """The Test button on, then your own ``AIRFLOW__*`` settings, which win (``airflow_env`` drops them)."""
    yours = {key: value for key, value in os.environ.items() if key.startswith("AIRFLOW__")}
    return {"AIRFLOW__CORE__TEST_CONNECTION": "Enabled", **yours}


def serve(stack: AirflowStack, connection: str) -> None:
    """Create the connection, start Airflow, unpause and trigger example (a) once, then wait (Ctrl-C or a crash)."""
    HOME.mkdir(parents=True, exist_ok=True)
    run_airflow(["db", "migrate"], stack.env, HOME / "migrate.log")
    run_airflow(["connections", "add", "datameer_default", "--conn-json", connection], stack.env, HOME / "migrate.log")
    print("  starting airflow standalone (scheduler, dag-processor, api-server, triggerer) ...", flush=True)
    stack.start()
    stack.wait_ready()
    wait_for(lambda: stack.api.dag(EXAMPLE), timeout=180, what=f"{EXAMPLE} parsed")
    stack.api.set_paused(EXAMPLE, False)
    print(f"  triggered {EXAMPLE}: run {stack.api.trigger(EXAMPLE)} (the other examples stay paused)")
    print(f"\nopen http://localhost:{stack.api_port}    (Ctrl-C stops Airflow and the emulator)\n", flush=True)
    while all(p.alive for p in stack.processes):
        time.sleep(1)
    dead = next(p for p in stack.processes if not p.alive)
    raise RuntimeError(f"airflow {dead.name} exited {dead.process.returncode}; its log ends:\n{dead.log_tail()}")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    # Ctrl-C, and a plain `kill`, end in the clean-up below, even when started from a background job
    # (which would inherit SIGINT ignored).
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8080, help="UI / API port (default 8080; a free one if taken)")
    args = parser.parse_args(argv)
    port = args.port if port_is_free(args.port) else free_port()
    if port != args.port:
        print(f"port {args.port} is taken; using {port}")
    shutil.rmtree(HOME, ignore_errors=True)
    emulator = emulator_process()
    stack: AirflowStack | None = None
    try:
        emulator.start()
        stack = AirflowStack(HOME, emulator.url, api_port=port, settings=ui_settings())
        del stack.env["AIRFLOW_CONN_DATAMEER_DEFAULT"]  # the connection lives in the database (serve)
        user, password = EMULATOR_USER
        print("Datameer provider UI demo")
        print(f"  Datameer emulator  {emulator.url} (pid {emulator.pid}; user {user}, password {password})")
        print(f"  Airflow home       {HOME} (throwaway); log {HOME / 'standalone.log'}")
        serve(stack, datameer_connection(emulator.url))
    except KeyboardInterrupt:
        print("\nstopping Airflow and the emulator ...", flush=True)
    except (RuntimeError, TimeoutError, OSError) as exc:
        print(f"\nFAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not cut the clean-up short
            signal.signal(sig, signal.SIG_IGN)
        if stack is not None:
            stack.stop()
        emulator.__exit__(None, None, None)
    print("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A stateful fake Datameer REST server (aiohttp) for local DAG development, tests, demos and benchmarks.

Bodies follow docs/datameer-api.md exactly where documented; every choice for what the reference leaves
open is a labelled assumption in the module that makes it (model.py, render.py, endpoints.py) and can
often be switched with a knob (switches.py). Standalone: imports neither Airflow nor the rest of the
provider.

    from airflow_provider_datameer.emulator import EmulatorServer
    with EmulatorServer() as emu:          # default_jobs.json, users admin/admin and analyst/analyst
        emu.url, emu.client.state()

CLI: ``python -m airflow_provider_datameer.emulator --port 8080``.
"""

from __future__ import annotations

from .client import EmulatorClient, EmulatorControlError, EmulatorProcess
from .jobs import DEFAULT_JOBS_FILE, Job, JobsFile, JobsFileError, load_jobs_file
from .server import EmulatorServer
from .state import COMMANDS, DEFAULT_USERS
from .switches import DEFAULT_SWITCHES
from .tls import make_self_signed_cert

__all__ = [
    "COMMANDS",
    "DEFAULT_JOBS_FILE",
    "DEFAULT_SWITCHES",
    "DEFAULT_USERS",
    "EmulatorClient",
    "EmulatorControlError",
    "EmulatorProcess",
    "EmulatorServer",
    "Job",
    "JobsFile",
    "JobsFileError",
    "load_jobs_file",
    "make_self_signed_cert",
]

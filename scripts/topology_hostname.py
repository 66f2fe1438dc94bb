"""``[core] hostname_callable`` for the topology: each component reports the name the topology gave it.

Every component runs on this one machine, so the real host name cannot tell two triggerers (or two Celery
workers) apart in Airflow's ``job`` table or a task instance's ``hostname``; the topology sets
``TOPOLOGY_COMPONENT`` per process, and Airflow records that instead.
"""

from __future__ import annotations

import os
import socket


def hostname() -> str:
    return os.environ.get("TOPOLOGY_COMPONENT") or socket.getfqdn()

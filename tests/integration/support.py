"""Helpers of the integration tier only; those it shares with other tiers (default jobs, ``BOTH_PATHS``, task
factories, request-log readers) are in tests/support.py."""

from __future__ import annotations

import socket
from typing import Any

from airflow_provider_datameer.operators.datameer import DatameerStopJobOperator
from tests.support import LONG

#: A file id no default job has.
UNKNOWN_FILE = 9999


def stop_op(**kw: Any) -> DatameerStopJobOperator:
    """The stop operator on the long job with a fast termination poll; keyword arguments override."""
    kw.setdefault("job_id", LONG)
    kw.setdefault("poll_interval", 0.2)
    return DatameerStopJobOperator(task_id="stop", **kw)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

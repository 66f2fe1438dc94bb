"""The public status names: ``from airflow_provider_datameer.status import DatameerJobStatus``.

The statuses and the sets that classify them live in :mod:`airflow_provider_datameer.core.status`; this
module is their stable import path for DAG files and loads nothing else.
"""

from __future__ import annotations

from airflow_provider_datameer.core.status import (
    FAILURE_STATES,
    PENDING_STATES,
    SUCCESS_STATES,
    TERMINAL_STATES,
    DatameerJobStatus,
    is_success,
)

__all__ = ["FAILURE_STATES", "PENDING_STATES", "SUCCESS_STATES", "TERMINAL_STATES", "DatameerJobStatus", "is_success"]

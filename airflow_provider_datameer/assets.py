"""The public Asset helper: ``from airflow_provider_datameer.assets import datameer_asset``.

It lives in :mod:`airflow_provider_datameer.lineage.assets` with the rest of the provider's lineage; this
module is its stable import path for DAG files.
"""

from __future__ import annotations

from airflow_provider_datameer.lineage.assets import datameer_asset

__all__ = ["datameer_asset"]

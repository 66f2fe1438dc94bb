"""``datameer_asset(..., watch=True)`` on each Airflow version: a watcher on 3+, a clear error on 2."""

from __future__ import annotations

import pytest

from airflow_provider_datameer.assets import datameer_asset
from tests.support import requires_airflow


@requires_airflow(">=3.0", "Asset watchers")
def test_datameer_asset_with_watch_attaches_the_completion_watcher():
    asset = datameer_asset("/Data/ImportJobs/sales_import.imp", host="dm.example.com", watch=True, job_id="48")
    (watcher,) = asset.watchers
    assert watcher.name == "datameer-datameer_default-48"
    assert watcher.trigger.serialize() == (
        "airflow_provider_datameer.triggers.completions.DatameerJobCompletedTrigger",
        {"job_id": 48, "datameer_conn_id": "datameer_default"},
    )
    assert datameer_asset(57, host="dm.example.com").watchers == []
    with pytest.raises(TypeError, match="only go with watch=True"):
        datameer_asset(57, host="dm.example.com", statuses=["ERROR"])


@requires_airflow("<3.0", "Airflow 2 has no Asset watchers")
def test_watch_on_airflow_2_is_refused_naming_what_to_do_instead():
    with pytest.raises(RuntimeError, match="datameer_asset\\(watch=True\\) needs Airflow 3"):
        datameer_asset(57, host="dm.example.com", watch=True, job_id=57)

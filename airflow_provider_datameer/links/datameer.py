"""DatameerJobLink: the "Datameer Job" button on a task instance in the Airflow UI."""

from __future__ import annotations

from typing import Any

from airflow.providers.common.compat.sdk import BaseOperatorLink, XCom

#: XCom key under which operators and the sensor store the job's Datameer UI URL before they wait.
JOB_URL_KEY = "job_url"
#: XCom key of the execution id being waited for.
EXECUTION_ID_KEY = "job_execution_id"


class DatameerJobLink(BaseOperatorLink):
    """Opens the Datameer run a task triggered or watched (URL pushed to XCom as ``job_url``).

    The URL comes from the connection extra ``ui_url_template`` (docs/connection.md), so the link works
    without Airflow knowing anything about Datameer at render time.
    """

    name = "Datameer Job"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        return XCom.get_value(key=JOB_URL_KEY, ti_key=ti_key) or ""

"""The scheduler's hand-off from a producer's Asset event to a consumer run, in the caller's AIRFLOW_HOME.

``python asset_handoff.py URI CONSUMER_DAG_ID`` prints (JSON) the Asset events of URI, the DAGs scheduled on the
Asset (what the scheduler reads), and creates the consumer's asset-triggered run consuming those events the way the
scheduler's ``_create_dag_runs_asset_triggered`` does (Airflow 3), printing its run id. Run by
tests/dags/test_lineage_assets.py.
"""

from __future__ import annotations

import json
import sys


def main(uri: str, consumer: str) -> None:
    from airflow.models.asset import AssetEvent, AssetModel, DagScheduleAssetReference
    from airflow.models.dagrun import DagRun
    from airflow.models.serialized_dag import SerializedDagModel
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState
    from airflow.utils.types import DagRunTriggeredByType, DagRunType
    from sqlalchemy import select

    with create_session() as session:
        asset = session.scalars(select(AssetModel).where(AssetModel.uri == uri)).one()
        events = list(session.scalars(select(AssetEvent).where(AssetEvent.asset_id == asset.id)))
        scheduled = select(DagScheduleAssetReference.dag_id).where(DagScheduleAssetReference.asset_id == asset.id)
        consumers = sorted(session.scalars(scheduled))
        dag = SerializedDagModel.get_dag(consumer, session=session)
        triggered = max(e.timestamp for e in events)
        run = dag.create_dagrun(
            run_id=DagRun.generate_run_id(run_type=DagRunType.ASSET_TRIGGERED, logical_date=None, run_after=triggered),
            logical_date=None,
            data_interval=None,
            run_after=triggered,
            run_type=DagRunType.ASSET_TRIGGERED,
            triggered_by=DagRunTriggeredByType.ASSET,
            state=DagRunState.RUNNING,  # as the scheduler sets it when it starts the run
            session=session,
        )
        run.consumed_asset_events.extend(events)
        session.flush()
        print(json.dumps({"extras": [e.extra for e in events], "consumers": consumers, "run_id": run.run_id}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

"""The failure paths under real ``airflow dags test``: the run fails and the log says why."""

from __future__ import annotations

import pytest

from tests.support import REPO

FAILING = REPO / "tests" / "dags" / "failing"


@pytest.mark.dags
@pytest.mark.parametrize(
    ("dag_id", "expected"),
    [
        ("datameer_job_errors", ["Datameer job 62 execution", "ended ERROR", "failure count"]),
        ("datameer_unknown_job", ["DatameerNotFoundError", "File doesn't exist or isn't accessible", "HTTP 404"]),
        ("datameer_sensor_sees_error", ["DatameerJobFailed", "ended ERROR"]),
    ],
)
def test_failing_dag_fails_with_a_clear_message(dags_test, dag_id, expected):
    run = dags_test(dag_id, dags_folder=FAILING)
    assert run.state == "failed", run.output[-4000:]
    for text in expected:
        assert text in run.output, f"{text!r} missing from the task log"
    for foreign in ("KeyError", "TypeError", "AttributeError", "JSONDecodeError"):
        assert foreign not in run.output, f"a bare {foreign} escaped instead of a clear Datameer error"

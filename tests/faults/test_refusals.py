"""F5-F8: answers that must end the task at once — a login page, refused credentials, Datameer's refusals.

"At once" is checked in the emulator's request log: the refused command was sent exactly once (no retry,
no further poll), and nothing was triggered when the refusal came before the trigger.
"""

from __future__ import annotations

import pytest

from airflow_provider_datameer.core.errors import (
    DatameerAuthError,
    DatameerNotFoundError,
    DatameerRejectedError,
    DatameerUnexpectedResponseError,
)
from airflow_provider_datameer.hooks.datameer import DatameerHook
from airflow_provider_datameer.operators.outcome import DatameerJobFailed
from tests.faults.support import BOTH_MODES, after_trigger, fault_while_waiting, sensor
from tests.support import FAST, context, run_deferrable, trigger_op
from tests.support import requests as requests_for

pytestmark = pytest.mark.usefixtures("datameer_conn", "close_sessions")

NOT_ACCESSIBLE = "File doesn't exist or isn't accessible with current permissions"


def fails_before_triggering(emulator, error, *fragments, **op):
    """Run the trigger operator; it must raise ``error`` with every fragment, after one request, no trigger."""
    with pytest.raises(error) as info:
        run_deferrable(trigger_op(deferrable=True, **op), context())
    for fragment in fragments:
        assert fragment in str(info.value)
    assert len(emulator.client.requests()) == 1
    assert requests_for(emulator, "trigger_v2", "trigger_sequential") == []
    return str(info.value)


# ---------------------------------------------------------------------------------------------- F5
def test_f5_login_page_before_the_trigger_fails_at_once(emulator):
    emulator.client.add_fault(kind="html_login")
    fails_before_triggering(
        emulator, DatameerUnexpectedResponseError, "expected JSON but got an HTML page", "single-sign-on/login page"
    )


@pytest.mark.parametrize(
    ("kind", "fragments"),
    [
        ("html_login", ("expected JSON but got an HTML page", "single-sign-on/login page")),
        ("malformed_json", ("the body is not valid JSON",)),
    ],
)
@BOTH_MODES
def test_f5_unreadable_answer_while_waiting_fails_at_once(emulator, deferrable, kind, fragments):
    emulator.client.patch_job(48, queue_seconds=0.2, run_seconds=30)
    fault_while_waiting(emulator, kind=kind)

    with pytest.raises(DatameerJobFailed) as info:
        run_deferrable(trigger_op(deferrable=deferrable), context())

    assert "Cannot check Datameer job 48" in str(info.value)
    for fragment in fragments:
        assert fragment in str(info.value)
    assert len(after_trigger(emulator, "status_v2")) == 1


# ---------------------------------------------------------------------------------------------- F6
def test_f6_wrong_password_fails_at_once_saying_the_credentials_were_refused(emulator, datameer_conn):
    datameer_conn(password="not-the-password")
    message = fails_before_triggering(emulator, DatameerAuthError, "the credentials were refused", "HTTP 401")
    assert "not-the-password" not in message


@BOTH_MODES
def test_f6_credentials_refused_while_waiting_fail_at_once(emulator, deferrable):
    """E.g. the password was rotated while the job ran: one 401 ends the wait, without retries."""
    emulator.client.patch_job(48, queue_seconds=0.2, run_seconds=30)
    fault_while_waiting(emulator, kind="http_error", status=401)

    with pytest.raises(DatameerJobFailed, match="the credentials were refused; HTTP 401"):
        run_deferrable(trigger_op(deferrable=deferrable), context())

    assert len(after_trigger(emulator, "status_v2")) == 1


# ---------------------------------------------------------------------------------------------- F7 / F8
@pytest.mark.parametrize("failure_http_code", [404, 403, 400, 200])
def test_f7_f8_failure_body_for_the_job_fails_at_once_with_datameers_reason(emulator, failure_http_code):
    """``{"status": "failure", "reason": ...}`` ends the task with Datameer's reason, whatever the HTTP code
    it comes with (F8: 200)."""
    emulator.client.set_switches(failure_http_code=failure_http_code)
    fails_before_triggering(
        emulator, DatameerNotFoundError, f"Datameer says: {NOT_ACCESSIBLE}", f"HTTP {failure_http_code}", job_id=999
    )


def test_f7_forbidden_by_the_auth_layer_fails_at_once(emulator, datameer_conn):
    """A 403 with a plain error body (servers that answer bad credentials with 403) is an auth error."""
    emulator.client.set_switches(auth_failure_code=403)
    datameer_conn(password="not-the-password")
    fails_before_triggering(emulator, DatameerAuthError, "not allowed to do this", "HTTP 403", "Forbidden")


def test_f7_trigger_refused_with_a_failure_body_fails_at_once(emulator):
    """A scheduler run the V2 status does not show yet (visibility delay) makes Datameer refuse our trigger
    (``trigger_while_running=fail``): the task fails with Datameer's reason and does not retry."""
    emulator.client.set_switches(trigger_while_running="fail")
    emulator.client.patch_job(48, queue_seconds=0.2, run_seconds=30, visibility_delay=30)
    emulator.client.trigger_as(48, "scheduler")

    with pytest.raises(DatameerRejectedError, match="Datameer says: Job is already running") as info:
        run_deferrable(trigger_op(deferrable=True), context())

    assert "HTTP 409" in str(info.value)
    assert [r["status"] for r in requests_for(emulator, "trigger_v2")] == [409]


@pytest.mark.parametrize("failure_http_code", [404, 200])
def test_f7_f8_job_becoming_inaccessible_while_waiting_fails_at_once(emulator, failure_http_code):
    """The user lost the right to see the job mid-wait: the sensor fails at its next check, with the reason."""
    emulator.client.set_switches(failure_http_code=failure_http_code)
    emulator.client.patch_job(48, **FAST)
    execution_id = DatameerHook().trigger_job(48).execution_id
    emulator.client.patch_job(48, allowed_users=["analyst"])
    emulator.client.clear_requests()

    with pytest.raises(DatameerJobFailed) as info:
        run_deferrable(sensor(execution_id=execution_id), context())

    message = str(info.value)
    assert "Cannot check Datameer job 48: Datameer status_v2 (GET /api/job-execution/48/status) failed" in message
    assert f"HTTP {failure_http_code}; Datameer says: {NOT_ACCESSIBLE}" in message
    assert len(requests_for(emulator, "status_v2")) == 1

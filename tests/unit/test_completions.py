"""The event watch's decisions (core/completions.py, core/outage.py): plain data in, plain data out."""

from __future__ import annotations

import pytest

from airflow_provider_datameer.core.completions import (
    DEFAULT_STATUSES,
    MAX_OPEN,
    Watermark,
    baseline,
    check_job_ref,
    check_statuses,
    decide,
    event_payload,
    missing_open,
)
from airflow_provider_datameer.core.errors import DatameerAuthError, DatameerTransientError
from airflow_provider_datameer.core.models import HistoryEntry, parse_job_details
from airflow_provider_datameer.core.outage import REFUSED_PAUSE, Outage, pause_after, trouble_kind
from airflow_provider_datameer.core.status import DatameerJobStatus as S


def e(execution_id: int, status: S) -> HistoryEntry:
    return HistoryEntry(execution_id, status, status.value)


def fired(decision) -> list[int]:
    return [entry.execution_id for entry, _ in decision.fire]


def test_baseline_decides_what_ended_and_keeps_pending_runs_open():
    mark = baseline([e(30, S.COMPLETED), e(33, S.RUNNING), e(27, S.ERROR)])
    assert mark == Watermark(33, (33,))
    assert baseline([]) == Watermark(0)


def test_nothing_that_ended_before_the_watch_fires():
    listing = [e(30, S.COMPLETED), e(27, S.COMPLETED)]
    assert fired(decide(baseline(listing), listing, DEFAULT_STATUSES)) == []


def test_new_executions_fire_once_oldest_first_with_the_watermark_after_each():
    mark = Watermark(30)
    listing = [e(36, S.COMPLETED_WITH_WARNINGS), e(34, S.COMPLETED), e(35, S.RUNNING), e(30, S.COMPLETED)]
    decision = decide(mark, listing, DEFAULT_STATUSES)
    assert fired(decision) == [34, 36]
    assert [after for _, after in decision.fire] == [Watermark(34), Watermark(36, (35,))]
    assert decision.mark == Watermark(36, (35,))
    assert fired(decide(decision.mark, listing, DEFAULT_STATUSES)) == []  # the same listing again: nothing
    later = decide(decision.mark, [e(35, S.COMPLETED), e(36, S.COMPLETED_WITH_WARNINGS)], DEFAULT_STATUSES)
    assert fired(later) == [35]
    assert later.mark == Watermark(36)


def test_statuses_filter_what_fires_but_every_end_is_decided():
    decision = decide(Watermark(1), [e(2, S.ERROR), e(3, S.COMPLETED), e(4, S.CANCELED)], [S.ERROR, S.CANCELED])
    assert fired(decision) == [2, 4]
    assert decision.mark == Watermark(4)


def test_unknown_and_none_statuses_never_fire():
    decision = decide(Watermark(1), [e(2, S.UNKNOWN), e(3, S.NONE)], DEFAULT_STATUSES)
    assert fired(decision) == []
    assert decision.mark == Watermark(2, (2,))  # an unknown status is watched until it becomes a known end


def test_open_executions_missing_from_a_listing_are_named_for_lookup():
    mark = Watermark(40, (38, 40))
    assert missing_open(mark, [e(41, S.RUNNING), e(40, S.RUNNING)]) == (38,)
    assert mark.forget([38]) == Watermark(40, (40,))


def test_open_list_is_bounded():
    mark = baseline([e(i, S.RUNNING) for i in range(1, MAX_OPEN + 20)])
    assert len(mark.open) == MAX_OPEN
    assert mark.open[0] == 20


@pytest.mark.parametrize(
    "value",
    [{"version": 1, "through": 7, "open": [5, 6]}, {"version": 1, "through": "7", "open": ["6", 5]}],
)
def test_watermark_round_trips_through_state(value):
    assert Watermark.from_state(value) == Watermark(7, (5, 6))
    assert Watermark.from_state(Watermark(7, (5, 6)).to_state()) == Watermark(7, (5, 6))


@pytest.mark.parametrize(
    "value",
    [
        None,
        7,
        "x",
        {"through": 7},
        {"version": 2, "through": 7},
        {"version": 1, "through": -1, "open": []},
        {"version": 1, "through": 7, "open": ["a"]},
        {"version": 1, "through": 7, "open": 3},
    ],
)
def test_foreign_state_is_not_trusted(value):
    assert Watermark.from_state(value) is None


def test_statuses_and_job_refs_are_normalised():
    assert check_statuses(["completed_with_warnings", "COMPLETED"]) == DEFAULT_STATUSES
    assert check_statuses("cancelled") == (S.CANCELED,)
    for bad in ([], ["RUNNING"], ["nope"], {"a": 1}, 5):
        with pytest.raises(ValueError, match="statuses"):
            check_statuses(bad)
    assert check_job_ref("48") == check_job_ref(48) == 48
    assert check_job_ref(" /Data/x.imp ") == "/Data/x.imp"
    for bad in ("", True, None, 4.5, -1):
        with pytest.raises(ValueError, match="job_id"):
            check_job_ref(bad)


def test_event_payload_comes_from_job_details():
    details = parse_job_details(
        {
            "counters": {"IMPORT_RECORDS": 10},
            "failureCount": 1,
            "jobStatus": "COMPLETED",
            "startTime": "2012-07-06 18:19:09.0",
            "stopTime": "2012-07-06 18:21:07.0",
            "successCount": 9,
        },
        34,
    )
    payload = event_payload(48, e(34, S.COMPLETED), details, 48)
    assert payload == {
        "job_id": 48,
        "execution_id": 34,
        "file_id": 48,
        "status": "COMPLETED",
        "start_time": "2012-07-06T18:19:09",
        "stop_time": "2012-07-06T18:21:07",
        "success_count": 9,
        "failure_count": 1,
        "counters": {"IMPORT_RECORDS": 10},
    }
    assert event_payload(48, e(34, S.ERROR), None, None)["counters"] == {}


def test_outage_is_news_once_when_it_starts_and_reports_its_length_when_it_ends():
    outage = Outage()
    assert outage.failed("unreachable", "refused 1", 10.0)
    assert not outage.failed("unreachable", "timed out", 20.0)
    assert outage.failed("refused", "401", 30.0)
    assert not outage.failed("refused", "401", 40.0)
    assert outage.failed("refused", "404", 50.0)
    assert outage.recovered(70.0) == 60.0
    assert outage.recovered(80.0) is None


def test_refusals_are_waited_out_slowly_and_outages_at_the_poll_interval():
    assert trouble_kind(DatameerTransientError("x", may_have_reached_server=False)) == "unreachable"
    assert trouble_kind(DatameerAuthError("x")) == trouble_kind(ValueError("x")) == "refused"
    assert pause_after("unreachable", 5) == 5
    assert pause_after("refused", 5) == REFUSED_PAUSE

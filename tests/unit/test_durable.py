"""The durable-run decisions (core/durable.py): which try may take a recorded run, and what a store may hold."""

from __future__ import annotations

import pytest

from airflow_provider_datameer.core.durable import JOINED, RunRecord, resume_decision

RECORD = RunRecord(job_id="48", execution_id=7, api_version=2, file_id=48, try_number=1, max_tries=1)


def decide(record=RECORD, **kw):
    args = {"job_id": 48, "api_version": 2, "try_number": 2, "max_tries": 1, **kw}
    return resume_decision(record, **args)


def test_a_retry_takes_the_run_its_first_try_recorded():
    decision = decide()
    assert decision.resumes
    assert decision.execution_id == 7
    assert "Try 2 takes execution 7 (recorded by try 1)" in decision.reason


def test_nothing_recorded_means_a_new_run_without_a_word():
    decision = decide(record=None)
    assert not decision.resumes
    assert decision.reason == ""


@pytest.mark.parametrize("max_tries", [2, 3, 7])
def test_a_clear_moves_max_tries_and_starts_a_new_run(max_tries):
    decision = decide(max_tries=max_tries)
    assert not decision.resumes
    assert "cleared" in decision.reason


@pytest.mark.parametrize(("job_id", "api_version"), [(57, 2), ("/Data/other.imp", 2), (48, 1)])
def test_a_record_of_another_job_or_generation_is_not_taken(job_id, api_version):
    decision = decide(job_id=job_id, api_version=api_version)
    assert not decision.resumes
    assert "not of job" in decision.reason


def test_a_record_survives_the_store_and_keeps_the_outcome():
    ended = RECORD.ended({"status": "COMPLETED", "success_count": 3, "counters": {"IMPORT_RECORDS": 3}, "x": 1})
    again = RunRecord.from_json(ended.to_json())
    assert again == ended
    assert again.outcome == {"status": "COMPLETED", "success_count": 3, "counters": {"IMPORT_RECORDS": 3}}


@pytest.mark.parametrize(
    "stored",
    [
        None,
        "7",
        [],
        {},
        {**RECORD.to_json(), "execution_id": "seven"},
        {**RECORD.to_json(), "execution_id": 10**30},
        {**RECORD.to_json(), "max_tries": None},
        {**RECORD.to_json(), "job_id": 48},
        {**RECORD.to_json(), "api_version": True},
    ],
)
def test_anything_but_a_record_is_never_trusted(stored):
    assert RunRecord.from_json(stored) is None


def test_digit_strings_and_a_missing_outcome_are_read():
    stored = {**RECORD.to_json(), "execution_id": "7", "started_by": JOINED, "outcome": "garbage"}
    record = RunRecord.from_json(stored)
    assert record is not None
    assert record.execution_id == 7
    assert record.started_by == JOINED
    assert record.outcome is None

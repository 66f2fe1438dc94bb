"""Every CLI command, run in-process through ``main`` against the emulator: output, exit code, bad input."""

from __future__ import annotations

import json

import pytest

from airflow_provider_datameer.cli import main
from tests.support import PASSWORD, connection_json

IMPORT, BROKEN = 48, 62  # emulator jobs: completes after ~5 s; ends in ERROR after ~4 s
IMPORT_CONFIGURATION = 41
FAST = ["--poll-interval", "0.2"]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err
    return lines[0]


# ---------------------------------------------------------------------------------------------- results
def test_check_prints_a_table_of_commands(emulator, datameer_conn, capsys):
    code, out, err = run(capsys, "check")

    assert (code, err) == (0, "")
    rows = {line.split()[0]: line for line in out.splitlines()[1:13]}
    assert len(rows) == 12
    assert all(" found " in row for row in rows.values())
    assert "POST /api/job-execution/{job}/trigger" in rows["trigger_v2"]
    assert out.splitlines()[-1] == "Connected to Datameer 11.0.6; all 12 commands found"  # the Test button's words


def test_check_exits_1_when_commands_are_missing(emulator, datameer_conn, capsys):
    emulator.client.set_switches(api_v2=False)

    code, out, _ = run(capsys, "check", "--output", "json")

    assert code == 1
    report = json.loads(out)
    missing = {f["command"] for f in report["findings"] if f["state"] == "missing"}
    assert missing == {"status_v2", "trigger_v2", "trigger_sequential", "stop_v2"}
    assert any("api_version" in fix for fix in report["fixes"])


def test_trigger_wait_status_history_active(emulator, datameer_conn, capsys):
    code, out, _ = run(capsys, "trigger", str(IMPORT), "--output", "json")
    assert code == 0
    execution_id = json.loads(out)["execution_id"]

    code, out, _ = run(capsys, "active", "--output", "json")
    assert code == 0
    assert [job["execution_id"] for job in json.loads(out)] == [execution_id]

    code, out, _ = run(capsys, "active")
    header, row = out.splitlines()
    assert header.split() == ["execution_id", "status", "job"]
    assert row.split()[0] == str(execution_id)
    assert row.endswith(f" configuration {IMPORT_CONFIGURATION}")  # the emulator's elements name no path or file

    code, out, _ = run(capsys, "status", str(IMPORT))
    assert code == 0
    header, row = out.splitlines()
    assert header.split()[:2] == ["status", "execution_id"]
    assert row.split()[:2] in (["QUEUED", str(execution_id)], ["RUNNING", str(execution_id)])
    assert row.endswith(" %") or row.split()[0] == "QUEUED"  # progress as a percentage, none while queued
    assert "raw_status" not in header

    code, out, _ = run(capsys, "history", str(IMPORT_CONFIGURATION), "--length", "1", "--output", "json")
    assert code == 0
    assert [entry["execution_id"] for entry in json.loads(out)] == [execution_id]


def test_trigger_wait_exits_0_on_success_and_1_on_error(emulator, datameer_conn, capsys):
    code, out, _ = run(capsys, "trigger", str(IMPORT), "--wait", *FAST, "--output", "json")
    assert (code, json.loads(out)["status"]) == (0, "COMPLETED")

    code, out, _ = run(capsys, "trigger", str(BROKEN), "--wait", *FAST, "--output", "json")
    assert (code, json.loads(out)["status"]) == (1, "ERROR")


def test_trigger_wait_gives_up_after_the_timeout_and_says_the_run_goes_on(emulator, datameer_conn, capsys):
    code, out, err = run(capsys, "trigger", str(IMPORT), "--wait", "--timeout", "0.5", *FAST)

    assert (code, out) == (1, "")
    *progress, line = err.strip().splitlines()
    assert progress[0].startswith(f"Started execution 1 of job {IMPORT}: {emulator.url}/file-job?jobExecutionId=1")
    assert f"Datameer job {IMPORT} execution 1 is QUEUED" in progress
    assert line.startswith("error: ")
    assert "has not finished within 0.5 s" in line
    assert f"stop {IMPORT} --execution-id 1" in line
    assert "Traceback" not in err


def test_stop_stops_the_current_run_only(emulator, datameer_conn, capsys):
    code, out, _ = run(capsys, "trigger", str(IMPORT), "--output", "json")
    execution_id = json.loads(out)["execution_id"]

    code, _, err = run(capsys, "stop", str(IMPORT), "--execution-id", str(execution_id + 1))
    assert code == 1
    refusal = one_error_line(err)
    assert f"Refusing to stop execution {execution_id + 1}" in refusal
    assert f"stop {IMPORT} --execution-id {execution_id + 1} --any-job`" in refusal  # the CLI's way, not Python's
    assert "DatameerHook" not in refusal
    assert emulator.client.requests("stop_v2") == []

    code, out, _ = run(capsys, "stop", str(IMPORT), "--execution-id", str(execution_id), "--output", "json")
    assert (code, json.loads(out)["stopped"]) == (0, True)
    assert [r["path"] for r in emulator.client.requests("stop_v1")] == [f"/rest/job-execution/job-kill/{execution_id}"]

    code, out, _ = run(capsys, "trigger", str(IMPORT), "--wait", *FAST)  # a new run after the canceled one
    code, out, _ = run(capsys, "stop", str(IMPORT))
    assert code == 0
    assert "had already ended (COMPLETED); nothing to stop" in out


def test_stop_any_job_stops_an_execution_another_job_shows_on_purpose(emulator, datameer_conn, capsys):
    code, out, _ = run(capsys, "trigger", str(BROKEN), "--output", "json")
    other = json.loads(out)["execution_id"]

    code, out, err = run(capsys, "stop", str(IMPORT), "--execution-id", str(other), "--any-job", "--output", "json")

    assert (code, err) == (0, "")
    assert json.loads(out)["stopped"] is True
    assert [r["path"] for r in emulator.client.requests("stop_v1")] == [f"/rest/job-execution/job-kill/{other}"]


def test_stop_any_job_needs_an_execution_id(emulator, datameer_conn, capsys):
    code, _, err = run(capsys, "stop", str(IMPORT), "--any-job")

    assert code == 1
    assert "--any-job needs --execution-id" in one_error_line(err)
    assert emulator.client.requests() == []


# ---------------------------------------------------------------------------------------------- bad input
EVERY_COMMAND = [
    ["check"],
    ["status", str(IMPORT)],
    ["history", str(IMPORT_CONFIGURATION)],
    ["active"],
    ["trigger", str(IMPORT)],
    ["stop", str(IMPORT)],
]
SECRET = "s3cret-Pa55word"


def _wrong_conn_id(emulator, monkeypatch):
    return ["--conn-id", "no_such_connection"], "there is no Airflow connection 'no_such_connection': create it"


def _unreachable(emulator, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_DATAMEER_DEFAULT", connection_json("http://127.0.0.1:9", password=SECRET))
    return [], "could not connect to Datameer"


def _wrong_password(emulator, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_DATAMEER_DEFAULT", connection_json(emulator.url, password=SECRET))
    return [], "the credentials were refused; HTTP 401"


@pytest.mark.parametrize("argv", EVERY_COMMAND, ids=lambda argv: argv[0])
@pytest.mark.parametrize("problem", [_wrong_conn_id, _unreachable, _wrong_password], ids=lambda f: f.__name__[1:])
def test_bad_connection_is_one_line_and_exit_1(emulator, monkeypatch, capsys, argv, problem):
    extra, fragment = problem(emulator, monkeypatch)

    code, out, err = run(capsys, *argv, *extra)

    assert (code, out) == (1, "")
    line = one_error_line(err)
    assert fragment in line
    assert SECRET not in err
    assert PASSWORD not in line.replace("admin", "")
    assert emulator.client.state()["executions"] in ([], {})


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["status", "999"], "File doesn't exist or isn't accessible"),
        (["history", "999"], "No job configuration with id 999"),
        (["trigger", "999"], "Check the job id"),
        (["stop", "/No/Such/Job"], "GET /api/job-execution/%2FNo%2FSuch%2FJob/status"),
        (["status", "not a job"], "job_id 'not a job' is neither a file id, a uuid nor an absolute file path"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else "",
)
def test_unknown_job_is_one_line_and_exit_1(emulator, datameer_conn, capsys, argv, fragment):
    code, out, err = run(capsys, *argv)

    assert (code, out) == (1, "")
    assert fragment in one_error_line(err)
    assert emulator.client.state()["executions"] in ([], {})


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["history", "41", "--length", "many"], "invalid int value: 'many'"),
        (["trigger", "48", "--wait", "--poll-interval", "0"], "expected a positive number of seconds, got '0'"),
        (["trigger", "48", "--wait", "--timeout", "-5"], "expected a positive number of seconds, got '-5'"),
        (["check", "--output", "yaml"], "invalid choice: 'yaml'"),
    ],
)
def test_bad_arguments_are_argparse_errors(capsys, argv, fragment):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert fragment in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["trigger", str(IMPORT), "--wait", "--poll-interval", "0.01"], "poll_interval must be"),
        (["trigger", str(IMPORT), "--wait", "--timeout", "99999999999"], "timeout must be"),
    ],
    ids=["poll-interval", "timeout"],
)
def test_a_bad_flag_is_refused_before_anything_reaches_datameer(emulator, datameer_conn, capsys, argv, fragment):
    """Issue 25: the run was started, then the flag refused; issue 24: the connection is not the problem."""
    code, out, err = run(capsys, *argv)

    assert (code, out) == (1, "")
    line = one_error_line(err)
    assert fragment in line
    assert "nothing was sent to Datameer" in line
    assert "connection" not in line
    assert emulator.client.requests() == []


def test_a_negative_execution_id_is_refused_by_the_parser(emulator, datameer_conn, capsys):
    with pytest.raises(SystemExit) as info:
        main(["stop", str(IMPORT), "--execution-id", "-5"])

    assert info.value.code == 2
    assert "argument --execution-id: expected a whole number (digits only), got '-5'" in capsys.readouterr().err
    assert emulator.client.requests() == []

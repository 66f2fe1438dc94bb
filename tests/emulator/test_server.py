"""Serving: stop/start on the same port, TLS, internal errors, jobs files, the CLI and EmulatorProcess."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import requests

from airflow_provider_datameer.emulator import (
    DEFAULT_JOBS_FILE,
    EmulatorClient,
    EmulatorProcess,
    EmulatorServer,
    JobsFileError,
    load_jobs_file,
    make_self_signed_cert,
)
from airflow_provider_datameer.emulator import endpoints as emulator_endpoints
from airflow_provider_datameer.emulator.tls import server_ssl_context
from tests.emulator.support import IMPORT, QUEUE

CLI = [sys.executable, "-m", "airflow_provider_datameer.emulator"]


def test_stop_start_keeps_port_and_state(api, emu):
    exec_id = api.trigger(QUEUE)
    fault = emu.client.add_fault(kind="delay", seconds=0.01, endpoint="license")
    port, url = emu.port, emu.url
    emu.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/_emulator/health", timeout=5)
    emu.stop()  # idempotent
    emu.start()
    assert (emu.port, emu.url) == (port, url)
    assert api.status(QUEUE)["job-execution-id"] == exec_id  # the same session reconnects
    assert [f["id"] for f in emu.client.faults()] == [fault]
    assert api.trigger(IMPORT) == exec_id + 1


def test_start_fails_loudly_when_the_port_is_taken(emu):
    with pytest.raises(OSError, match="in use"):
        EmulatorServer(port=emu.port, jobs=[]).start()


def test_internal_error_is_a_json_500(api, monkeypatch):
    def boom(call):
        raise RuntimeError("kaboom")

    monkeypatch.setitem(emulator_endpoints.HANDLERS, "license", boom)
    response = api.get("/rest/license-details")
    assert response.status_code == 500
    assert response.json() == {"error": "emulator internal error: RuntimeError: kaboom"}


def test_tls(tmp_path):
    cert, key = make_self_signed_cert(tmp_path)
    with EmulatorServer(jobs=[], ssl_context=server_ssl_context(cert, key)) as emu:
        assert emu.url.startswith("https://127.0.0.1:")
        response = requests.get(
            emu.url + "/rest/license-details", auth=("admin", "admin"), verify=str(cert), timeout=10
        )
        assert response.json()["ProductVersion"] == "11.0.6"
        assert emu.client.health() == {"ok": True}
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(emu.url + "/rest/license-details", timeout=10)  # untrusted by default
        with pytest.raises(requests.ConnectionError):
            requests.get(emu.url.replace("https", "http") + "/rest/license-details", timeout=10)


def test_default_jobs_file_matches_the_spec():
    jobs = {job.file_id: job for job in load_jobs_file(DEFAULT_JOBS_FILE)}
    expected = {
        48: (41, "/Data/ImportJobs/sales_import.imp", "import", 1, 4, "COMPLETED"),
        57: (50, "/Users/admin/NewWorkbook_wb.wbk", "workbook", 1, 6, "COMPLETED"),
        60: (52, "/Analytics/My Workbooks/sales_wb.wbk", "workbook", 1, 5, "COMPLETED_WITH_WARNINGS"),
        61: (53, "/Data/ExportJobs/sales_export.exp", "export", 1, 3, "COMPLETED"),
        62: (54, "/Data/ImportJobs/broken_import.imp", "import", 1, 3, "ERROR"),
        63: (55, "/Data/ImportJobs/long_import.imp", "import", 1, 600, "COMPLETED"),
    }
    actual = {
        fid: (j.configuration_id, j.path, j.type, j.queue_seconds, j.run_seconds, j.outcome) for fid, j in jobs.items()
    }
    assert actual == expected
    assert jobs[57].uuid == "9424e496-6e1c-416c-b235-0dbe3dd80f33"


BAD_FILES = [
    (
        {
            "jobs": [{"file_id": 1, "configuration_id": 1, "path": "/a.imp", "type": "import"}] * 1
            + [{"file_id": 2, "configuration_id": 2, "path": "/b.imp", "type": "import", "outcome": "DONE"}]
        },
        "jobs[1].outcome: 'DONE' is not one of COMPLETED, COMPLETED_WITH_WARNINGS, ERROR",
    ),
    ([{"file_id": 1, "configuration_id": 1, "path": "/a.imp"}], "jobs[0].type: missing"),
    (
        [
            {"file_id": 1, "configuration_id": 1, "path": "/a.imp", "type": "import"},
            {"file_id": 1, "configuration_id": 2, "path": "/b.imp", "type": "import"},
        ],
        "jobs[1].file_id: 1 is already used by",
    ),
    (
        [{"file_id": 1, "configuration_id": 1, "path": "/a.imp", "type": "import", "history": [{"status": "RUNNING"}]}],
        "jobs[0].history[0].status: 'RUNNING' is not one of",
    ),
    ({"jobs": [], "switches": {"date_format": "x"}}, "switches.date_format: 'x' is not one of java8, jdk9, jdk20"),
    ({"jobs": [], "extra": 1}, "unknown top-level key 'extra'"),
]


@pytest.mark.parametrize(("doc", "fragment"), BAD_FILES)
def test_bad_jobs_files(tmp_path, doc, fragment):
    path = tmp_path / "jobs.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(JobsFileError) as info:
        load_jobs_file(path)
    assert str(info.value).startswith(f"{path}: ")
    assert fragment in str(info.value)


def test_invalid_json_names_line_and_column(tmp_path):
    path = tmp_path / "jobs.json"
    path.write_text('{\n  "jobs": [\n    {"file_id": 1,,}\n  ]\n}\n')
    with pytest.raises(JobsFileError, match=r"jobs\.json: invalid JSON at line 3, column 19"):
        load_jobs_file(path)


def test_cli_serves_and_prints_the_listening_line(tmp_path):
    port_file = tmp_path / "port"
    process = subprocess.Popen(
        [*CLI, "--port", "0", "--port-file", str(port_file), "--user", "ops:pw", "--switch", "product_version=9.9.9"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("Datameer emulator listening on http://127.0.0.1:")
        assert "(6 jobs; users: ops)" in line
        url = line.split(" on ", 1)[1].split(" ", 1)[0]
        assert url.endswith(":" + port_file.read_text())
        body = requests.get(url + "/rest/license-details", auth=("ops", "pw"), timeout=10).json()
        assert body["ProductVersion"] == "9.9.9"
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert process.returncode == 0


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--switch", "date_format=iso"], "--switch date_format: 'iso' is not one of java8, jdk9, jdk20"),
        (["--switch", "bogus=1"], "unknown switch 'bogus'"),
        (["--fault", '{"kind": "boom"}'], "fault.kind"),
        (["--user", "nopassword"], "expected NAME:PASSWORD"),
        (["--tls-cert", "/nonexistent.pem"], "--tls-cert and --tls-key go together"),
    ],
)
def test_cli_rejects_bad_arguments(args, fragment):
    result = subprocess.run([*CLI, "--port", "0", *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert fragment in result.stderr


def test_cli_rejects_a_bad_jobs_file(tmp_path):
    path = tmp_path / "jobs.json"
    path.write_text(json.dumps(BAD_FILES[0][0]))
    result = subprocess.run([*CLI, "--port", "0", "--jobs", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"{path}: jobs[1].outcome: 'DONE' is not one of COMPLETED, COMPLETED_WITH_WARNINGS, ERROR" in result.stderr
    path.write_text("[\n  {]\n")
    result = subprocess.run([*CLI, "--port", "0", "--jobs", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"{path}: invalid JSON at line 2, column 4" in result.stderr


def test_emulator_process_with_jobs_file_and_tls(tmp_path):
    cert, key = make_self_signed_cert(tmp_path)
    jobs = tmp_path / "jobs.json"
    jobs.write_text(json.dumps([{"file_id": 7, "configuration_id": 3, "path": "/x/y.wbk", "type": "workbook"}]))
    args = ["--tls-cert", str(cert), "--tls-key", str(key), "--quiet"]
    with EmulatorProcess(jobs_file=jobs, extra_args=args) as proc:
        assert proc.url.startswith("https://127.0.0.1:")
        assert proc.port > 0
        assert [j["file_id"] for j in proc.client.state()["jobs"]] == [7]
        response = requests.get(
            proc.url + "/api/job-execution/%2Fx%2Fy/status", auth=("admin", "admin"), verify=str(cert), timeout=10
        )
        assert response.json() == {"status": "success", "job-status": "_NONE"}
        pid = proc.pid
    assert proc.process is not None
    assert proc.process.poll() is not None
    assert pid is not None


def test_emulator_process_reports_a_failed_start(tmp_path):
    with pytest.raises(RuntimeError, match="did not start"):
        EmulatorProcess(jobs_file=tmp_path / "missing.json").start()


def test_client_against_another_process():
    with EmulatorProcess() as proc:
        client = EmulatorClient(proc.url)
        client.wait_until_up()
        exec_id = client.trigger_as(48, "scheduler")
        assert client.state()["executions"][0]["id"] == exec_id


def test_job_page_shows_the_execution_without_auth():
    import requests

    from airflow_provider_datameer.emulator import EmulatorServer

    with EmulatorServer(port=0) as emu:
        execution_id = emu.client.trigger_as(48, "scheduler")
        page = requests.get(f"{emu.url}/file-job", params={"jobExecutionId": execution_id}, timeout=5)
        assert page.status_code == 200
        assert "/Data/ImportJobs/sales_import.imp" in page.text
        assert f"Job execution {execution_id}" in page.text
        missing = requests.get(f"{emu.url}/file-job", params={"jobExecutionId": "999"}, timeout=5)
        assert missing.status_code == 404

"""The Makefile's bootstrap scripts, run for real as subprocesses: the one-line answers to bad input (no
Python 3.11+, an old uv, no network to the index) and the check that decides whether a virtualenv is trusted.

The whole path (a clean clone, a fresh HOME, no uv on PATH, `make demo`) is scripts/bare_machine_check.sh,
CI's `bare-machine` leg; these tests cover the branches that leg cannot reach on a healthy machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent.parent
SCRIPTS = REPO / "scripts"


def run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=60, env=env, cwd=REPO, check=False
    )


def executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o755)
    return path


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got: {stderr!r}"
    return lines[0]


def test_check_python_prints_the_real_interpreter() -> None:
    result = run("bash", SCRIPTS / "check_python.sh", sys.executable)
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).samefile(sys.executable)


def test_check_python_rejects_a_program_that_is_not_python_in_one_line() -> None:
    result = run("bash", SCRIPTS / "check_python.sh", "/usr/bin/false")
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert "'/usr/bin/false' is not a working Python interpreter" in line
    assert "make PYTHON=" in line


def test_check_python_rejects_python_3_9_in_one_line(tmp_path: Path) -> None:
    old = executable(
        tmp_path / "python3.9",
        '#!/bin/sh\ncase "$*" in *platform*) echo 3.9.18;; *sys.version_info*) exit 1;; esac\n',
    )
    result = run("bash", SCRIPTS / "check_python.sh", old)
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert "is Python 3.9.18; this project needs 3.11+" in line
    assert "make PYTHON=" in line


def test_check_python_names_a_missing_interpreter_in_one_line() -> None:
    result = run("bash", SCRIPTS / "check_python.sh", "python3.99-does-not-exist")
    assert result.returncode == 1
    assert "no Python interpreter 'python3.99-does-not-exist' on PATH" in one_line(result.stderr)


@pytest.mark.parametrize(
    ("help_text", "chosen"),
    [
        ("--exclude-newer <DATE>\n--no-config\n--exclude-newer-package <PKG=DATE>", "path"),
        ("--exclude-newer <DATE>", "fallback"),  # an old uv: passed over with a note
    ],
)
def test_find_uv_takes_a_uv_on_path_only_when_it_knows_the_makefiles_options(
    tmp_path: Path, help_text: str, chosen: str
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "help.txt").write_text(help_text)
    fake = executable(
        bin_dir / "uv", f'#!/bin/sh\ncase "$1" in --version) echo "uv 0.0.1";; *) cat {tmp_path / "help.txt"};; esac\n'
    )
    fallback = tmp_path / ".venv-uv" / "bin" / "uv"
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path / "home")}
    result = run("bash", SCRIPTS / "find_uv.sh", fallback, env=env)
    assert result.returncode == 0, result.stderr
    if chosen == "path":
        assert result.stdout.strip() == str(fake)
        assert result.stderr == ""
    else:
        assert result.stdout.strip() == str(fallback)
        assert f"passing over {fake} (uv 0.0.1: too old" in one_line(result.stderr)


@pytest.fixture(scope="module")
def bare_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with nothing installed in it: what an interrupted first install can leave."""
    path = tmp_path_factory.mktemp("bare") / "venv"
    venv.create(path, with_pip=False)
    return path


def test_venv_ready_accepts_the_project_venv() -> None:
    result = run(sys.executable, "-I", SCRIPTS / "venv_ready.py", "--quick")
    assert (result.returncode, result.stdout) == (0, "")


def test_venv_ready_says_what_an_empty_venv_lacks(bare_venv: Path) -> None:
    result = run(bare_venv / "bin" / "python", "-I", SCRIPTS / "venv_ready.py", "--quick")
    assert (result.returncode, result.stdout.strip()) == (1, "airflow is not installed")
    # the interpreter alone is fine: make_venv.sh keeps this venv and installs into it
    assert run(bare_venv / "bin" / "python", "-I", SCRIPTS / "venv_ready.py", "--interpreter").returncode == 0


def test_venv_ready_rejects_the_system_interpreter() -> None:
    system = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    result = run(system, "-I", SCRIPTS / "venv_ready.py", "--interpreter")
    assert result.returncode == 1
    assert "is not a virtualenv's interpreter" in result.stdout


NETWORK_FAILURE = """error: Failed to build `airflow-provider-datameer @ file:///src`
  cause: Failed to resolve requirements from `build-system.requires`
  cause: Request failed after 3 retries in 8.0s
  cause: Failed to fetch: http://127.0.0.1:9/simple/hatchling/
  cause: tcp connect error
  cause: Connection refused (os error 111)
"""


def test_make_venv_says_no_network_in_one_line(tmp_path: Path, bare_venv: Path) -> None:
    # uv's own words for an unreachable index (as uv 0.13 printed them here with UV_INDEX_URL=http://127.0.0.1:9)
    (tmp_path / "failure.txt").write_text(NETWORK_FAILURE)
    fake_uv = executable(tmp_path / "uv", f"#!/bin/sh\ncat {tmp_path / 'failure.txt'} >&2\nexit 2\n")
    env = {**os.environ, "UV": str(fake_uv)}
    result = run("bash", SCRIPTS / "make_venv.sh", sys.executable, bare_venv, "apache-airflow==3.3.2", env=env)
    assert result.returncode == 1
    assert result.stdout.startswith(f"make: installing into {bare_venv} with {fake_uv}")
    line = one_line(result.stderr)
    assert line.startswith("make: no network to the package index:")
    assert "Failed to fetch: http://127.0.0.1:9/simple/hatchling/: Connection refused (os error 111)" in line
    assert (bare_venv / "install.log").read_text() == NETWORK_FAILURE

"""`make lint`'s layer rule (scripts/check_layers.py): a core module that imports Airflow, a transport library or
the rest of the package fails it, however the import is written."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check_layers.py"


def check(package: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), str(package)], capture_output=True, text=True, check=False)


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A copy of the package's core/ as it is in this checkout."""
    copy = tmp_path / "airflow_provider_datameer"
    shutil.copytree(ROOT / "airflow_provider_datameer" / "core", copy / "core")
    return copy


def test_the_checkout_keeps_the_rule():
    result = check(ROOT / "airflow_provider_datameer")
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    "line",
    [
        "import airflow",
        "from airflow.providers.common.compat.sdk import BaseHook",
        "import aiohttp.client",
        "from requests import Session",
        "from airflow_provider_datameer.hooks.datameer import DatameerHook",
        "from airflow_provider_datameer import cli",
        "from ..hooks import transport",
        "def later():\n    import airflow  # a function-level import counts too",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from airflow.models import Connection",
    ],
)
def test_a_core_module_importing_outside_core_fails(package: Path, line: str):
    status = package / "core" / "status.py"
    status.write_text(status.read_text() + "\n" + line + "\n")
    result = check(package)
    assert result.returncode == 1
    assert "core/status.py" in result.stdout
    assert "break the core rule" in result.stdout


def test_core_init_must_stay_empty(package: Path):
    (package / "core" / "__init__.py").write_text(
        "from airflow_provider_datameer.core.status import DatameerJobStatus\n"
    )
    result = check(package)
    assert result.returncode == 1
    assert "must stay empty" in result.stdout


def test_imports_between_core_modules_and_of_the_standard_library_pass(package: Path):
    status = package / "core" / "status.py"
    status.write_text(
        status.read_text() + "\nimport json\nfrom airflow_provider_datameer.core import values\nfrom . import errors\n"
    )
    assert check(package).returncode == 0

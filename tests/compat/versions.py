"""Which Airflow the suite runs under, and the features that depend on it (one place for every tier).

Use ``requires_airflow(">=3.3", "why")`` on a test whose premise only holds on some versions, and write the
other side of the behaviour as its own test, so each leg of the CI matrix proves what its version does.
"""

from __future__ import annotations

from importlib.metadata import version

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

AIRFLOW_VERSION = Version(version("apache-airflow"))

#: The triggerer awaits ``BaseTrigger.on_kill()`` when a user marks or clears a deferred task.
TRIGGER_ON_KILL = Version("3.3") <= AIRFLOW_VERSION


def requires_airflow(spec: str, reason: str) -> pytest.MarkDecorator:
    """Skip unless the installed Airflow is in ``spec`` (a PEP 440 specifier such as ``">=3.3"``)."""
    return pytest.mark.skipif(
        AIRFLOW_VERSION not in SpecifierSet(spec, prereleases=True),
        reason=f"needs Airflow {spec} ({reason}); this is {AIRFLOW_VERSION}",
    )

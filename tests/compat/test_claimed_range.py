"""The Airflow range pyproject.toml claims is exactly what CI proves: every leg's version is claimed, and the
lowest version of each claimed Airflow major is a leg of the matrix (so no untested floor is claimed)."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from tests.support import AIRFLOW_VERSION, REPO


def claimed() -> SpecifierSet:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    airflow = [Requirement(r) for r in project["dependencies"] if Requirement(r).name == "apache-airflow"]
    assert len(airflow) == 1, project["dependencies"]
    return airflow[0].specifier


def ci_versions() -> list[Version]:
    """The primary version (AIRFLOW_VERSION, in .venv) and the MATRIX of the Makefile."""
    makefile = (REPO / "Makefile").read_text()
    primary = re.search(r"^AIRFLOW_VERSION \?= (\S+)$", makefile, re.M)
    matrix = re.search(r"^MATRIX := (.+)$", makefile, re.M)
    assert primary, "the Makefile should define AIRFLOW_VERSION"
    assert matrix, "the Makefile should define MATRIX"
    return sorted(Version(v) for v in [primary.group(1), *matrix.group(1).split()])


def lowest_claimed(spec: SpecifierSet, major: int, below: Version) -> Version | None:
    """The lowest claimed version of ``major`` on a grid of minor.patch numbers up to ``below``."""
    grid = (Version(f"{major}.{minor}.{patch}") for minor in range(below.minor + 1) for patch in range(30))
    return next((v for v in grid if v <= below and v in spec), None)


def test_this_airflow_is_a_claimed_version():
    assert AIRFLOW_VERSION in claimed(), f"Airflow {AIRFLOW_VERSION} runs the suite but {claimed()} excludes it"


def test_every_ci_version_is_claimed():
    assert [str(v) for v in ci_versions() if v not in claimed()] == []


def test_the_floor_of_each_claimed_major_is_tested():
    spec, versions = claimed(), ci_versions()
    for major in sorted({v.major for v in versions}):
        tested = min(v for v in versions if v.major == major)
        assert lowest_claimed(spec, major, tested) == tested, f"{spec} claims Airflow {major}.x below {tested}"


def test_no_older_major_is_claimed():
    oldest = min(v.major for v in ci_versions())
    assert [m for m in range(1, oldest) if lowest_claimed(claimed(), m, Version(f"{m}.99.0"))] == []

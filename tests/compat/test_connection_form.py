"""The ``datameer`` connection form on every Airflow version, read the way that version's UI reads it.

Airflow 3.2+ builds it from provider-info metadata (``conn-fields`` / ``ui-field-behaviour``) without importing
the hook; older versions ask the hook's ``get_connection_form_widgets`` / ``get_ui_field_behaviour`` (which need
FAB's wtforms widgets, as for every provider there). Both come from one definition in ``connection_ui``, and
either way Airflow has nothing to warn about.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_datameer import get_provider_info
from airflow_provider_datameer.hooks import connection_form as connection_ui
from tests.support import requires_airflow


@pytest.fixture(scope="module")
def form() -> dict[str, Any]:
    """The form as a fresh Airflow process serves it (ProvidersManager caches, so never this process)."""
    probe = Path(__file__).with_name("form_probe.py")
    done = subprocess.run([sys.executable, str(probe)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_form_offers_every_extra_field_with_its_label(form):
    expected = {
        name: {"label": f["label"], "description": f["description"]} for name, f in connection_ui.CONN_FIELDS.items()
    }
    assert form["fields"] == expected
    assert form["hook_name"] == connection_ui.HOOK_NAME


def test_the_form_relabels_the_standard_fields(form):
    assert form["host_label"] == connection_ui.UI_FIELD_BEHAVIOUR["relabeling"]["host"]
    assert form["host_placeholder"] == connection_ui.UI_FIELD_BEHAVIOUR["placeholders"]["host"]


def test_airflow_has_nothing_to_warn_about_the_provider(form):
    assert [w for w in form["warnings"] if "datameer" in w.lower()] == []


@requires_airflow(">=3.2", "connection-form metadata in provider info")
def test_from_3_2_provider_info_serves_the_form_without_importing_the_hook(form):
    assert form["hook_imported"] is False
    assert {"conn-fields", "ui-field-behaviour", "hook-name"} <= set(get_provider_info()["connection-types"][0])


@requires_airflow("<3.2", "older versions ask the hook for the form")
def test_before_3_2_the_hook_methods_serve_the_form(form):
    from airflow_provider_datameer.hooks.datameer import DatameerHook

    assert form["hook_imported"] is True
    assert DatameerHook.get_ui_field_behaviour() == connection_ui.UI_FIELD_BEHAVIOUR
    widgets = DatameerHook.get_connection_form_widgets()
    assert {name: w.args[0] for name, w in widgets.items()} == {
        n: f["label"] for n, f in connection_ui.CONN_FIELDS.items()
    }

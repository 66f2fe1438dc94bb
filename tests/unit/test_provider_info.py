"""Airflow recognises the package: provider info validates against Airflow's own schema, and the
ProvidersManager lists the provider, its connection type and its form metadata."""

from __future__ import annotations

import json
from importlib import resources
from importlib.metadata import entry_points

import jsonschema

from airflow_provider_datameer import __version__, get_provider_info


def test_entry_point_is_registered():
    eps = [
        ep for ep in entry_points(group="apache_airflow_provider") if ep.value.startswith("airflow_provider_datameer")
    ]
    assert len(eps) == 1
    assert eps[0].load()() == get_provider_info()


def test_provider_info_matches_airflows_schema():
    schema = json.loads(resources.files("airflow").joinpath("provider_info.schema.json").read_text())
    info = get_provider_info()
    jsonschema.validate(info, schema)
    assert info["package-name"] == "airflow-provider-datameer"
    assert info["versions"] == [__version__]
    conn = info["connection-types"][0]
    assert conn["connection-type"] == "datameer"
    assert conn["hook-class-name"] == "airflow_provider_datameer.hooks.datameer.DatameerHook"


def test_every_declared_module_and_class_imports():
    import importlib

    info = get_provider_info()
    for kind in ("hooks", "operators", "sensors", "triggers"):
        for entry in info[kind]:
            for module in entry["python-modules"]:
                importlib.import_module(module)
    for path in info["extra-links"] + [info["connection-types"][0]["hook-class-name"]]:
        module, _, name = path.rpartition(".")
        assert getattr(importlib.import_module(module), name)


def test_providers_manager_lists_provider_and_connection_type():
    from airflow.providers_manager import ProvidersManager

    manager = ProvidersManager()
    assert "airflow-provider-datameer" in manager.providers
    hook = manager.hooks["datameer"]
    assert hook.hook_class_name == "airflow_provider_datameer.hooks.datameer.DatameerHook"
    assert hook.connection_testable
    widgets = [key for key in manager.connection_form_widgets if key.startswith("extra__datameer__")]
    assert {"extra__datameer__verify", "extra__datameer__timeout", "extra__datameer__endpoints"} <= set(widgets)
    assert manager.field_behaviours["datameer"]["relabeling"]["host"] == "Datameer host or URL"
    assert "airflow_provider_datameer.links.datameer.DatameerJobLink" in manager.extra_links_class_names

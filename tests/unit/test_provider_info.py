"""Airflow recognises the package: provider info validates against Airflow's own schema, and the
ProvidersManager lists the provider, its connection type and its form metadata."""

from __future__ import annotations

import json
from importlib import resources
from importlib.metadata import entry_points

import jsonschema
import pytest

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


def _airflow_has_provider_cli() -> bool:
    from airflow import __version__

    return tuple(int(part) for part in __version__.split(".")[:2]) >= (3, 2)


def test_cli_key_names_the_datameer_command_group():
    """The key validates on every Airflow (above); Airflow before 3.2 ignores it, the function still builds."""
    import importlib

    info = get_provider_info()
    assert info["cli"] == ["airflow_provider_datameer.cli.get_cli_commands"]
    module, _, name = info["cli"][0].rpartition(".")
    [group] = getattr(importlib.import_module(module), name)()
    assert group.name == "datameer"
    assert [command.name for command in group.subcommands] == [
        "check",
        "status",
        "history",
        "active",
        "trigger",
        "stop",
    ]


@pytest.mark.skipif(not _airflow_has_provider_cli(), reason="provider CLI commands need Airflow 3.2+")
def test_airflow_cli_parser_has_airflow_datameer():
    from airflow.cli import cli_parser

    parser = cli_parser.get_parser()
    args = parser.parse_args(["datameer", "trigger", "48", "--wait", "--timeout", "60", "--conn-id", "dm"])

    assert args.func.__name__ == "datameer_trigger"
    assert (args.job, args.wait, args.timeout, args.conn_id, args.output) == ("48", True, 60.0, "dm", "table")

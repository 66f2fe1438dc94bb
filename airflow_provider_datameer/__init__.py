"""Apache Airflow provider for Datameer: trigger, stop and wait for Datameer jobs."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_PACKAGE = "airflow-provider-datameer"
_INTEGRATION = "Datameer"
_DATAMEER_URIS = {
    "schemes": ["datameer"],
    "handler": "airflow_provider_datameer.lineage.assets.sanitize_uri",
    "factory": "airflow_provider_datameer.lineage.assets.create_asset",
    "to_openlineage_converter": "airflow_provider_datameer.lineage.assets.convert_asset_to_openlineage",
}


def get_provider_info() -> dict[str, Any]:
    """Describe the provider to Airflow's ProvidersManager (entry point ``apache_airflow_provider``).

    Kept free of heavy imports so that Airflow can read it without loading hooks or aiohttp.
    """
    from airflow_provider_datameer.hooks.connection_form import provider_info_connection_type

    return {
        "package-name": _PACKAGE,
        "name": "Datameer",
        "description": "Trigger, stop and wait for [Datameer](https://www.datameer.com/) jobs.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": _INTEGRATION,
                "external-doc-url": "https://datameer.atlassian.net/wiki/spaces/DAS110/pages/9645140211",
                "tags": ["service"],
            }
        ],
        "hooks": [{"integration-name": _INTEGRATION, "python-modules": ["airflow_provider_datameer.hooks.datameer"]}],
        "operators": [
            {
                "integration-name": _INTEGRATION,
                "python-modules": ["airflow_provider_datameer.operators.datameer"],
            }
        ],
        "sensors": [
            {
                "integration-name": _INTEGRATION,
                "python-modules": ["airflow_provider_datameer.sensors.datameer"],
            }
        ],
        "triggers": [
            {
                "integration-name": _INTEGRATION,
                "python-modules": ["airflow_provider_datameer.triggers.datameer"],
            }
        ],
        "extra-links": ["airflow_provider_datameer.links.datameer.DatameerJobLink"],
        # datameer:// Asset URIs (docs/lineage.md): Airflow 3 reads asset-uris, Airflow 2 dataset-uris.
        "asset-uris": [_DATAMEER_URIS],
        "dataset-uris": [_DATAMEER_URIS],
        "connection-types": [provider_info_connection_type("airflow_provider_datameer.hooks.datameer.DatameerHook")],
        # `airflow datameer ...` on Airflow 3.2+; older versions ignore the key (python -m airflow_provider_datameer).
        "cli": ["airflow_provider_datameer.cli.get_cli_commands"],
        # The Datameer page (docs/ui.md), also the `airflow.plugins` entry point; nothing before Airflow 3.1.
        "plugins": [{"name": "datameer", "plugin-class": "airflow_provider_datameer.plugins.plugin.DatameerPlugin"}],
    }

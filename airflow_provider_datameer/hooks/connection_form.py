"""How the ``datameer`` connection form looks in the Airflow UI, declared once as data.

The fields are the extras of :data:`airflow_provider_datameer.core.connection_extras.EXTRAS`, the one list that
the validation and docs/connection.md follow too. ``get_provider_info`` hands them to Airflow 3.2+
(``conn-fields`` / ``ui-field-behaviour``, read without importing the hook);
:class:`~airflow_provider_datameer.hooks.datameer.DatameerHook` builds the legacy widgets of older Airflow
versions from the same definitions.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_datameer.core.connection_extras import EXTRAS

CONN_TYPE = "datameer"
HOOK_NAME = "Datameer"

#: Extras shown as form fields: every extra of the one list (core/connection_extras.py), in its order. Values
#: are stored in the connection's extra under these names.
CONN_FIELDS: dict[str, dict[str, Any]] = {
    extra.name: {"label": extra.label, "schema": dict(extra.schema), "description": extra.description}
    for extra in EXTRAS
}

UI_FIELD_BEHAVIOUR: dict[str, Any] = {
    "hidden_fields": [],
    "relabeling": {"host": "Datameer host or URL", "schema": "Scheme (http or https)", "login": "Username"},
    "placeholders": {
        "host": "datameer.example.com or https://datameer.example.com:8443",
        "port": "8080",
        "schema": "http",
        "login": "airflow-service-user",
    },
}


def provider_info_connection_type(hook_class_name: str) -> dict[str, Any]:
    """The ``connection-types`` entry, with UI metadata in the Airflow 3.2+ declarative form."""
    return {
        "connection-type": CONN_TYPE,
        "hook-class-name": hook_class_name,
        "hook-name": HOOK_NAME,
        "conn-fields": CONN_FIELDS,
        "ui-field-behaviour": {key.replace("_", "-"): value for key, value in UI_FIELD_BEHAVIOUR.items()},
    }

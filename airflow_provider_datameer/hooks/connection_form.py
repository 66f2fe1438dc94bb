"""How the ``datameer`` connection form looks in the Airflow UI, declared once as data.

``get_provider_info`` hands these to Airflow 3.2+ (``conn-fields`` / ``ui-field-behaviour``, read without
importing the hook); :class:`~airflow_provider_datameer.hooks.datameer.DatameerHook` builds the legacy
widgets of older Airflow versions from the same definitions.
"""

from __future__ import annotations

from typing import Any

CONN_TYPE = "datameer"
HOOK_NAME = "Datameer"

#: Extras shown as form fields. Values are stored in the connection's extra under these names.
CONN_FIELDS: dict[str, dict[str, Any]] = {
    "verify": {
        "label": "Verify TLS",
        "schema": {"type": ["string", "null"], "default": "true"},
        "description": "true, false, or the path of a CA bundle for a private certificate authority.",
    },
    "timeout": {
        "label": "Request timeout (s)",
        "schema": {"type": ["number", "null"], "default": 30},
        "description": "Seconds before one HTTP request to Datameer is abandoned (then retried).",
    },
    "retries": {
        "label": "Attempts per request",
        "schema": {"type": ["integer", "null"], "default": 3},
        "description": "Tries for a request that failed transiently (5xx, 429, connection errors).",
    },
    "base_path": {
        "label": "Base path",
        "schema": {"type": ["string", "null"]},
        "description": "Prefix when Datameer is served below a path, e.g. /datameer behind a proxy.",
    },
    "endpoints": {
        "label": "Endpoint overrides (JSON)",
        "schema": {"type": ["string", "null"]},
        "description": 'Override inferred URLs, e.g. {"stop_v2": "/api/job-execution/{job}/cancel"}.',
    },
    "ui_url_template": {
        "label": "Job link template",
        "schema": {"type": ["string", "null"]},
        "description": "URL of the job in Datameer's UI; placeholders {base_url}, {file_id}, {execution_id}.",
    },
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

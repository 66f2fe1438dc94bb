"""The extras of a ``datameer`` connection, declared once as data.

:data:`EXTRAS` is the one list. :mod:`airflow_provider_datameer.core.connection` reads its names (an extra not
in it is reported as unknown) and the defaults and bounds below; the connection form
(:mod:`airflow_provider_datameer.hooks.connection_form`, every Airflow version) is built from it; and
``tests/unit/test_connection_extras.py`` fails when the table in docs/connection.md says otherwise.

Provider info imports this at DAG-parse time through the form, so it imports only ``typing`` (the validation, with its
ssl and endpoint table, stays in ``core/connection.py``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

DEFAULT_TIMEOUT = 30.0
#: Responses larger than this (after decompression) are refused; Datameer's job answers are a few KiB.
DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024
#: Bounds of the numeric extras: beyond them a value is a typo, and some would overflow a sleep or a timer.
MAX_TIMEOUT = 3600.0
MAX_ATTEMPTS = 100
MIN_RESPONSE_BYTES = 1024
MAX_RESPONSE_BYTES = 1024**3
#: Where the job link points by default: the run's job page (the UI endpoint Datameer's own client links to).
DEFAULT_UI_URL_TEMPLATE = "{base_url}/file-job?jobExecutionId={execution_id}"


class Extra(NamedTuple):
    """One connection extra: how the form shows it and what the docs table says of it."""

    #: The key in the connection's extra (the form stores the field under it).
    name: str
    #: The form field's label.
    label: str
    #: The JSON schema of the Airflow 3.2+ form field (provider info ``conn-fields``).
    schema: dict[str, Any]
    #: One line: the form's help text, and what the docs table says the extra is.
    description: str
    #: The default as docs/connection.md shows it (in its Default column), or None when there is none.
    default: str | None


EXTRAS: tuple[Extra, ...] = (
    Extra(
        name="verify",
        label="Verify TLS",
        schema={"type": ["string", "null"], "default": "true"},
        description="true, false, or the path of a CA bundle (PEM file or directory) for a private certificate "
        "authority.",
        default="true",
    ),
    Extra(
        name="timeout",
        label="Request timeout (s)",
        schema={
            "type": ["number", "null"],
            "default": DEFAULT_TIMEOUT,
            "exclusiveMinimum": 0,
            "maximum": MAX_TIMEOUT,
        },
        description=f"Seconds for one HTTP request to Datameer (connect, headers and body together), above 0 and "
        f"at most {MAX_TIMEOUT:g}; then it is abandoned (and retried when safe).",
        default=f"{DEFAULT_TIMEOUT:g}",
    ),
    Extra(
        name="retries",
        label="Attempts per request",
        schema={"type": ["integer", "null"], "default": 3, "minimum": 1, "maximum": MAX_ATTEMPTS},
        description=f"Tries (1 to {MAX_ATTEMPTS}) for a request that failed transiently (5xx, 429, connection "
        'errors); the extra JSON also takes {"attempts": 3, "backoff": 1, "max_backoff": 30, "max_retry_after": 300}.',
        default="3",
    ),
    Extra(
        name="max_response_bytes",
        label="Response size cap (bytes)",
        schema={
            "type": ["integer", "null"],
            "default": DEFAULT_MAX_RESPONSE_BYTES,
            "minimum": MIN_RESPONSE_BYTES,
            "maximum": MAX_RESPONSE_BYTES,
        },
        description=f"The largest response read, counted after decompression: {MIN_RESPONSE_BYTES} to "
        f"{MAX_RESPONSE_BYTES} bytes (default {DEFAULT_MAX_RESPONSE_BYTES // 1024**2} MiB).",
        default=str(DEFAULT_MAX_RESPONSE_BYTES),
    ),
    Extra(
        name="base_path",
        label="Base path",
        schema={"type": ["string", "null"]},
        description="Prefix when Datameer is served below a path, e.g. /datameer behind a proxy.",
        default=None,
    ),
    Extra(
        name="endpoints",
        label="Endpoint overrides (JSON)",
        schema={"type": ["string", "null"]},
        description='Override inferred URLs, e.g. {"stop_v2": "/api/job-execution/{job}/cancel"}.',
        default=None,
    ),
    Extra(
        name="api_version",
        label="API version",
        schema={"type": ["integer", "null"], "default": 2, "enum": [1, 2]},
        description="The API operators and sensors use unless they name one: 2 (/api/, Datameer 7.2.5+) or 1 "
        "(/rest/ only, jobs named by configuration id).",
        default="2",
    ),
    Extra(
        name="ui_url_template",
        label="Job link template",
        schema={"type": ["string", "null"]},
        description="URL of the job in Datameer's UI; placeholders {base_url}, {file_id}, {execution_id}.",
        default=DEFAULT_UI_URL_TEMPLATE,
    ),
)

#: The names of :data:`EXTRAS`, in their order.
NAMES: tuple[str, ...] = tuple(extra.name for extra in EXTRAS)

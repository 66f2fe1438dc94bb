"""Print, as JSON, the ``datameer`` connection form exactly as this Airflow's UI gets it; run in a fresh process.

Airflow 3.x: the UI API's ``HookMetaService.hook_meta_data()`` (3.2+ reads provider-info metadata; 3.0/3.1 call
the hook's methods with FAB mocked). Airflow 2.x: the FAB form class built from ProvidersManager. Also reports
whether the hook module had to be imported, and every warning or log record of level WARNING and above.
"""

from __future__ import annotations

import json
import logging
import sys
import warnings
from importlib.metadata import version
from typing import Any

HOOK_MODULE = "airflow_provider_datameer.hooks.datameer"


def form_airflow_3() -> dict[str, Any]:
    from airflow.api_fastapi.core_api.services.ui.connections import HookMetaService

    (meta,) = [m for m in HookMetaService.hook_meta_data() if m.connection_type == "datameer"]
    host = meta.standard_fields.host if meta.standard_fields else None
    return {
        "hook_name": meta.hook_name,
        "fields": {
            name: {"label": field["schema"].get("title"), "description": field.get("description")}
            for name, field in (meta.extra_fields or {}).items()
        },
        "host_label": host.title if host else None,
        "host_placeholder": host.placeholder if host else None,
    }


def form_airflow_2() -> dict[str, Any]:
    from airflow.providers_manager import ProvidersManager
    from airflow.www.forms import create_connection_form_class

    form = create_connection_form_class()
    manager = ProvidersManager()
    prefix = "extra__datameer__"
    fields = {}
    for key, info in manager.connection_form_widgets.items():
        if key.startswith(prefix):
            assert hasattr(form, key), f"the connection form class has no field {key}"
            fields[key.removeprefix(prefix)] = {
                "label": info.field.args[0],
                "description": info.field.kwargs["description"],
            }
    behaviour = manager.field_behaviours.get("datameer", {})
    return {
        "hook_name": manager.hooks["datameer"].hook_name,
        "fields": fields,
        "host_label": behaviour.get("relabeling", {}).get("host"),
        "host_placeholder": behaviour.get("placeholders", {}).get("host"),
    }


def main() -> None:
    import airflow  # configures logging first; our handler goes on top

    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(f"{record.levelname} {record.name}: {record.getMessage()}")

    logging.getLogger().addHandler(Keep(logging.WARNING))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        form = form_airflow_3() if airflow.__version__.startswith("3.") else form_airflow_2()
    form.update(
        airflow=version("apache-airflow"),
        hook_imported=HOOK_MODULE in sys.modules,
        warnings=[f"{w.category.__name__}: {w.message}" for w in caught] + records,
    )
    print(json.dumps(form))


if __name__ == "__main__":
    main()

"""``airflow dags test DAG_ID`` in this process with OpenLineage made unimportable, as if the [openlineage] extra
were not installed; prints which OpenLineage modules got imported (none may).

Run by tests/dags/test_lineage_optional.py; the environment (AIRFLOW_HOME, connection) is the caller's.
"""

from __future__ import annotations

import sys
from importlib.abc import MetaPathFinder

#: The OpenLineage client library: without it neither the provider's listener nor any facet can load. (The
#: provider's package metadata, which Airflow reads for every installed provider, stays importable.)
BLOCKED = "openlineage"
#: What importing or running our code must never bring in.
WATCHED = ("openlineage", "airflow.providers.openlineage.extractors", "airflow_provider_datameer.lineage.facets")


class BlockOpenLineage(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == BLOCKED or name.startswith(BLOCKED + "."):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked: OpenLineage is 'not installed')")
        return None


def openlineage_modules() -> list[str]:
    return sorted(m for m in sys.modules if any(m == w or m.startswith(w + ".") for w in WATCHED))


if __name__ == "__main__":
    sys.meta_path.insert(0, BlockOpenLineage())
    import airflow_provider_datameer.operators.datameer
    import airflow_provider_datameer.sensors.datameer  # noqa: F401

    print("OPENLINEAGE AFTER IMPORT:", openlineage_modules())
    from airflow.__main__ import main

    sys.argv = ["airflow", "dags", "test", sys.argv[1]]
    try:
        main()
    finally:
        print("OPENLINEAGE AFTER RUN:", openlineage_modules())

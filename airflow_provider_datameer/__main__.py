"""``python -m airflow_provider_datameer``: the provider's command line (see :mod:`airflow_provider_datameer.cli`)."""

from __future__ import annotations

import sys

from airflow_provider_datameer.cli import main

if __name__ == "__main__":
    sys.exit(main())

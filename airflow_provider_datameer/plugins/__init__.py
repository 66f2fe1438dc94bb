"""The Datameer page in Airflow's UI (Airflow 3.1+, API server only): :mod:`.plugin` registers it.

``plugin`` (the AirflowPlugin, imported by every Airflow process: no FastAPI), ``app`` (the routes, built on the
first request), ``rows`` (Airflow's database → recorded facts), ``live`` (Datameer's view of runs in flight,
bounded and cached), ``page`` (HTML). docs/ui.md describes the page and its JSON.
"""

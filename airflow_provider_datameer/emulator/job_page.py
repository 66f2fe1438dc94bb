"""``GET /file-job?jobExecutionId=N``: a small HTML page standing in for Datameer's job page.

Datameer's own client links runs to this UI URL; the provider's "Datameer Job" link points here by
default. The emulator serves it without authentication (a browser following the Airflow link has no
Datameer credentials) so demos and the end-to-end test can open the link.
"""

from __future__ import annotations

import html
import time
from urllib.parse import parse_qs

from aiohttp import web

from .state import EmulatorState

PATH = "/file-job"


def job_page(state: EmulatorState, query: str) -> web.Response:
    raw = parse_qs(query).get("jobExecutionId", [""])[0]
    ex = state.model.executions.get(int(raw)) if raw.isdigit() else None
    if ex is None:
        body = f"<h1>No job execution {html.escape(raw)!s}</h1>"
        return web.Response(status=404, text=_page("Unknown execution", body), content_type="text/html")
    facts = state.model.execution_dict(ex, time.monotonic())
    rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(facts[k]))}</td></tr>"
        for k in ("id", "status", "file_id", "configuration_id", "user", "trigger", "start", "stop")
    )
    body = f"<h1>{html.escape(ex.job.path)}</h1><p>Job execution {ex.id}</p><table>{rows}</table>"
    return web.Response(text=_page(f"Datameer job execution {ex.id}", body), content_type="text/html")


def _page(title: str, body: str) -> str:
    return (
        f"<!DOCTYPE html><html><head><title>{html.escape(title)} — Datameer emulator</title></head>"
        f"<body style='font-family:sans-serif'>{body}<p><small>Datameer emulator</small></p></body></html>"
    )

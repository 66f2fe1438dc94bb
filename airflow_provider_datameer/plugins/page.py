"""The Datameer page's HTML and the one view of a row that the page and the JSON share.

Server-rendered, self-contained (inline CSS and a few lines of JS, nothing fetched from elsewhere: Airflow may run
offline). The list refreshes itself: every 10 s it fetches its own URL and swaps the table in. Everything shown
is escaped; nothing of a connection but its id is ever put in a view.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import quote

from airflow_provider_datameer.plugins.live import LIVE, Live
from airflow_provider_datameer.plugins.rows import IN_FLIGHT, Query, Row

ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1f6fb2"/>'
    '<path d="M4 4h4a4 4 0 0 1 0 8H4z" fill="none" stroke="#fff" stroke-width="1.8"/></svg>'
)
_TONES = {
    "COMPLETED": "ok",
    "COMPLETED_WITH_WARNINGS": "warn",
    "ERROR": "bad",
    "CANCELED": "bad",
    "success": "ok",
    "failed": "bad",
    "upstream_failed": "bad",
}
_STATES = ("", *IN_FLIGHT, "success", "failed", "skipped", "upstream_failed")


def view(row: Row, live: Live | None, base: str) -> dict[str, Any]:
    """What the page shows of one row (and ``GET /datameer/api/runs`` returns): recorded facts first, Datameer's
    live answer over them where it has one. ``live`` is ``"live"``, ``"unreachable"``, ``"unavailable"``,
    ``"pending"`` or ``"recorded"`` (nothing asked: ended with a recorded outcome, or no execution yet)."""
    answer = live if live is not None and live.state == LIVE else None
    outcome = row.outcome
    status = (answer.status if answer else None) or outcome.get("status")
    start = _utc((answer.start_time if answer else None) or _time(outcome.get("start_time")) or row.start_date)
    ended = not row.in_flight
    return {
        "dag_id": row.dag_id,
        "run_id": row.run_id,
        "task_id": row.task_id,
        "map_index": row.map_index,
        "operator": row.operator,
        "state": row.state,
        "try_number": row.try_number,
        "conn_id": row.conn_id,
        "job_id": row.job_id,
        "execution_id": row.execution_id,
        "job_url": row.job_url,
        "airflow_url": task_url(base, row),
        "live": live.state if live is not None else "recorded",
        "datameer_status": status,
        "progress": answer.progress if answer and not ended else None,
        "estimated_end": answer.estimated_end if answer and not ended else None,
        "start": start,
        "end": row.end_date,
        "duration": row.duration if ended else _seconds_since(start),
        "records": _first(answer.success_count if answer else None, outcome.get("success_count")),
        "failures": _first(answer.failure_count if answer else None, outcome.get("failure_count")),
        "outcome": (status or row.state) if ended else None,
        "history": answer.history if answer else [],
    }


def task_url(base: str, row: Row) -> str:
    """The task instance's page in Airflow's UI."""
    dag, run, task = (quote(part, safe="") for part in (row.dag_id, row.run_id, row.task_id))
    url = f"{base}/dags/{dag}/runs/{run}/tasks/{task}"
    return url + (f"/mapped/{row.map_index}" if row.map_index >= 0 else "")


def jsonable(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v.isoformat() if isinstance(v, datetime) else v for k, v in item.items()} for item in views]


# ---------------------------------------------------------------------------------------------- pages
def runs_page(views: list[dict[str, Any]], query: Query, base: str) -> str:
    active = [v for v in views if v["outcome"] is None]
    ended = [v for v in views if v["outcome"] is not None]
    body = (
        f"<h1>Datameer runs</h1>{_filters(query)}"
        f'<div id="content"><p class="meta">{len(active)} in flight, {len(ended)} ended in the last '
        f"{query.hours:g} h &middot; updated {datetime.now(UTC):%H:%M:%S} UTC</p>"
        f"<h2>In flight</h2>{_table(active, ended=False)}<h2>Ended</h2>{_table(ended, ended=True)}</div>"
    )
    return _document("Datameer runs", body, refresh=True)


def task_page(item: dict[str, Any] | None, task_id: str) -> str:
    if item is None:
        body = (
            f'<p class="empty">{escape(task_id)} is not a Datameer task: this tab shows the Datameer run of '
            "DatameerTriggerJobOperator, DatameerJobSensor and DatameerStopJobOperator tasks.</p>"
        )
        return _document("Datameer", body, refresh=False)
    history = "".join(
        f"<tr><td>{escape(str(h['execution_id']))}</td><td>{_pill(h['status'])}</td></tr>" for h in item["history"]
    )
    recent = (
        f"<h2>Recent executions of the job</h2><table><tr><th>Execution</th><th>Status</th></tr>{history}</table>"
        if history
        else ""
    )
    table = _table([item], ended=item["outcome"] is not None)
    body = f'<div id="content"><h1>Datameer run of {escape(task_id)}</h1>{table}{recent}</div>'
    return _document("Datameer", body, refresh=item["outcome"] is None)


def _filters(query: Query) -> str:
    options = "".join(
        f'<option value="{s}"{" selected" if s == (query.state or "") else ""}>{s or "any state"}</option>'
        for s in _STATES
    )
    hours = "".join(
        f'<option value="{h}"{" selected" if h == query.hours else ""}>last {h:g} h</option>' for h in (1, 6, 24, 72)
    )
    return (
        '<form class="filters" method="get">'
        f'<input name="dag_id" placeholder="DAG id" value="{escape(query.dag_id or "")}">'
        f'<select name="state">{options}</select>'
        f'<input name="conn_id" placeholder="connection" value="{escape(query.conn_id or "")}">'
        f'<select name="hours">{hours}</select><button>Filter</button></form>'
    )


_HEAD = ("Task", "Job", "Execution", "Datameer", "Progress", "Est. end", "Start", "Duration")


def _table(views: list[dict[str, Any]], *, ended: bool) -> str:
    head = (*_HEAD[:4], "Records", "Failures", "Outcome", *_HEAD[6:]) if ended else _HEAD
    if not views:
        return f'<p class="empty">{"No ended runs." if ended else "Nothing in flight."}</p>'
    cells = "".join(f"<th>{h}</th>" for h in head)
    return f"<table><tr>{cells}</tr>{''.join(_line(v, ended) for v in views)}</table>"


def _line(v: dict[str, Any], ended: bool) -> str:
    mapped = f" [{v['map_index']}]" if v["map_index"] >= 0 else ""
    task = (
        f'<a class="af" href="{escape(v["airflow_url"])}">{escape(v["dag_id"])} / {escape(v["task_id"])}{mapped}</a>'
        f'<div class="sub">{escape(v["run_id"])} &middot; {escape(v["operator"])} &middot; {escape(v["conn_id"])}'
        f" &middot; try {v['try_number']} &middot; {escape(v['state'] or '')}</div>"
    )
    execution = escape(str(v["execution_id"] or "—"))
    if v["job_url"] and v["execution_id"] is not None:
        execution = f'<a href="{escape(v["job_url"])}" target="_blank" rel="noopener">{execution}</a>'
    datameer = _pill(v["datameer_status"]) if v["datameer_status"] else "—"
    if v["live"] not in (LIVE, "recorded"):
        datameer += f' <span class="live {v["live"]}">{v["live"]}</span>'
    common = [task, escape(v["job_id"] or "—"), execution, datameer]
    if ended:
        rest = [_count(v["records"]), _count(v["failures"]), _pill(v["outcome"])]
    else:
        rest = [_progress(v["progress"]), _clock(v["estimated_end"])]
    cells = [*common, *rest, _clock(v["start"]), _duration(v["duration"])]
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def _pill(status: str | None) -> str:
    if not status:
        return "—"
    return f'<span class="pill {_TONES.get(status, "neutral")}">{escape(status)}</span>'


def _progress(value: float | None) -> str:
    if value is None:
        return "—"
    pct = max(0.0, min(100.0, float(value)))
    return f'<div class="bar"><div style="width:{pct:.0f}%"></div></div> {pct:.0f}%'


def _count(value: Any) -> str:
    return "—" if value is None else f"{value:,}"


def _clock(value: datetime | None) -> str:
    if value is None:
        return "—"
    value = _utc(value).astimezone(UTC)  # type: ignore[union-attr]
    return f'<time datetime="{value.isoformat()}">{value:%Y-%m-%d %H:%M:%S}</time>'


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {secs:02d}s"


def _time(value: Any) -> datetime | None:
    """A recorded time (ISO text in a record or summary), ``None`` when it is not one."""
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _utc(value: datetime | None) -> datetime | None:
    """Datameer's times carry no zone (they are read as UTC); Airflow's are aware."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _seconds_since(start: datetime | None) -> float | None:
    return None if start is None else max(0.0, (datetime.now(UTC) - start).total_seconds())


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


_STYLE = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:16px 20px;color:#1d2733;background:#fff}
h1{font-size:20px;margin:0 0 12px}h2{font-size:15px;margin:20px 0 6px;color:#44546a}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e3e8ee;
vertical-align:top}th{font-weight:600;color:#5b6b7f;font-size:12px;text-transform:uppercase;letter-spacing:.03em}
tr:hover td{background:#f7f9fb}a{color:#1f6fb2;text-decoration:none}a:hover{text-decoration:underline}
.sub{color:#6b7a8c;font-size:12px}.meta{color:#6b7a8c;font-size:12px;margin:4px 0}.empty{color:#6b7a8c}
.pill{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600}
.ok{background:#dcf5e3;color:#17692f}.warn{background:#fff0cc;color:#8a5a00}.bad{background:#fde2e1;color:#a3231d}
.neutral{background:#e6edf5;color:#34495e}.live{font-size:11px;padding:1px 6px;border-radius:8px;background:#eee}
.unreachable{background:#fde2e1;color:#a3231d}.unavailable,.pending{background:#eef1f4;color:#5b6b7f}
.bar{display:inline-block;width:80px;height:8px;background:#e3e8ee;border-radius:4px;vertical-align:middle}
.bar div{height:8px;background:#1f6fb2;border-radius:4px}
.filters{display:flex;gap:8px;flex-wrap:wrap}.filters input,.filters select,.filters button{font:inherit;
padding:4px 8px;border:1px solid #c9d3dd;border-radius:4px;background:#fff}.filters button{background:#1f6fb2;
color:#fff;border-color:#1f6fb2;cursor:pointer}
@media (prefers-color-scheme: dark){body{background:#12171d;color:#dde3ea}th{color:#9aa8b8}td{border-color:#26303b}
tr:hover td{background:#19212a}a{color:#6cb2f0}.filters input,.filters select{background:#19212a;color:#dde3ea;
border-color:#33404d}}
"""
# Refresh: fetch this URL again and swap #content in (no flicker, filters kept). Links to Airflow's own pages
# navigate the UI around the iframe (Airflow's sandbox has no allow-top-navigation, but the frame is same-origin).
_SCRIPT = """
document.addEventListener("click",function(e){var a=e.target.closest("a.af");if(!a||window.top===window)return;
try{var t=window.top;t.history.pushState({},"",a.getAttribute("href"));t.dispatchEvent(new PopStateEvent("popstate"));
e.preventDefault()}catch(_){}});
if(document.body.dataset.refresh){setInterval(function(){fetch(location.href,{credentials:"same-origin"})
.then(function(r){return r.ok?r.text():null}).then(function(h){if(!h)return;var n=new DOMParser()
.parseFromString(h,"text/html").getElementById("content");var o=document.getElementById("content");
if(n&&o)o.replaceWith(n)}).catch(function(){})},10000)}
"""


def _document(title: str, body: str, *, refresh: bool) -> str:
    flag = ' data-refresh="1"' if refresh else ""
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width"><style>{_STYLE}</style></head>'
        f"<body{flag}>{body}<script>{_SCRIPT}</script></body></html>"
    )

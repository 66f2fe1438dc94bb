"""The ``datameer`` connection in Airflow's own UI (headless Chromium, clicks over the DevTools protocol): the
edit form shows the provider's labelled fields, and the **Test** button, clicked against an emulator whose
trigger and stop routes are moved, names the missing commands and the connection extra that fixes them.

The button is clicked in the page (not ``POST /api/v2/connections/test`` behind it), so the screenshot shows
what a user sees: Airflow's toast with the message of ``DatameerHook.test_connection``. The session's stack
runs with ``[core] test_connection = Enabled`` (conftest), without which the button is greyed out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from airflow_provider_datameer.emulator import EmulatorProcess
from airflow_provider_datameer.hooks.connection_form import CONN_FIELDS, UI_FIELD_BEHAVIOUR
from scripts.airflow_stack import EMULATOR_USER, AirflowStack
from tests.e2e.devtools import DevToolsPage, chromium_page

CONN_ID = "datameer_e2e_form"
#: what a PATCH of the connection must repeat
_IDENTITY = {"connection_id": CONN_ID, "conn_type": "datameer"}
#: the server's trigger and stop moved elsewhere (Datameer behind a gateway that renamed them)
MOVED = {
    "trigger_v2": {"path": "/api/v2/job/{job}/start", "method": "PUT"},
    "stop_v2": {"path": "/api/v2/job/{job}/halt", "method": "PUT"},
}
#: generous: two shared cores, other engineers' tests running; never a timing assertion
UI_DEADLINE = 90.0


@pytest.fixture
def form_connection(airflow: AirflowStack, emulator: EmulatorProcess) -> Iterator[str]:
    """A ``datameer`` connection in Airflow's database (the UI lists no environment connections) pointing at
    the emulator; deleted afterwards."""
    parts = urlsplit(emulator.url)
    body = {
        "connection_id": CONN_ID,
        "conn_type": "datameer",
        "host": parts.hostname,
        "port": parts.port,
        "schema": parts.scheme,
        "login": EMULATOR_USER[0],
        "password": EMULATOR_USER[1],
        "extra": "{}",
    }
    airflow.api.call("POST", "connections", body)
    try:
        yield CONN_ID
    finally:
        airflow.api.call("DELETE", f"connections/{quote(CONN_ID)}")


@pytest.fixture
def moved_routes(emulator: EmulatorProcess) -> Iterator[dict]:
    """The emulator with ``MOVED``; its default routes again afterwards (the other e2e tests share it)."""
    emulator.client.set_switches(routes=MOVED)
    try:
        yield MOVED
    finally:
        emulator.client.set_switches(routes={})


def _js(value: str) -> str:
    """``value`` as a JavaScript string literal."""
    return json.dumps(value)


def _row_button(conn_id: str, label: str) -> str:
    """JavaScript: the button labelled ``label`` in the connections table's row of ``conn_id`` (or null)."""
    row = f"[...document.querySelectorAll('tbody tr')].find(r => r.innerText.includes({_js(conn_id)}))"
    return f"(row => row && row.querySelector('button[aria-label=' + JSON.stringify({_js(label)}) + ']'))({row})"


def _dialog_button(text: str) -> str:
    """JavaScript: the button of the open dialog whose text is ``text`` (e.g. an accordion's header)."""
    return f"[...document.querySelectorAll('[role=dialog] button')].find(b => b.innerText.trim() === {_js(text)})"


def _text_of(selector: str) -> str:
    return f"[...document.querySelectorAll({_js(selector)})].map(e => e.innerText).join('\\n')"


async def _open_connections(page: DevToolsPage, airflow: AirflowStack, conn_id: str) -> None:
    await page.open(f"{airflow.url}/connections")
    await page.wait_until(f"document.body.innerText.includes({_js(conn_id)})", within=UI_DEADLINE, what=conn_id)


async def _dialog_showing(page: DevToolsPage, label: str, what: str) -> str:
    """The open dialog's text, once it shows ``label``."""
    shown = f"(t => t.includes({_js(label)}) && t)({_text_of('[role=dialog]')})"
    return await page.wait_until(shown, within=UI_DEADLINE, what=what)


async def _test_button_answer(page: DevToolsPage, airflow: AirflowStack, conn_id: str, out: Path) -> str:
    """Click the row's Test button; the toast's text (title and message), and a screenshot of it at ``out``.
    The toast closes after a few seconds: the screenshot is taken as soon as it shows."""
    await _open_connections(page, airflow, conn_id)
    await page.click(_row_button(conn_id, "Test Connection"), within=UI_DEADLINE, what="the Test button, enabled")
    toast = await page.wait_until(
        f"(t => t.includes('Datameer') && t)({_text_of('[role=status]')})", within=UI_DEADLINE, what="its toast"
    )
    await page.screenshot(out)
    return toast


async def test_connection_form_shows_the_datameer_fields_with_labels(airflow, form_connection, artifacts):
    extras = [field["label"] for field in CONN_FIELDS.values()]
    standard = list(UI_FIELD_BEHAVIOUR["relabeling"].values())
    async with chromium_page(artifacts / "chromium-form.log") as page:
        await page.open(f"{airflow.url}/connections", height=1300)
        await page.click(_row_button(form_connection, "Edit Connection"), within=UI_DEADLINE, what="Edit button")
        standard_text = await _dialog_showing(page, standard[-1], "the form's standard fields")
        await page.screenshot(artifacts / "connection-form-standard.png")
        # the form shows one section at a time: opening "Extra Fields" closes "Standard Fields"
        await page.click(_dialog_button("Extra Fields"), within=UI_DEADLINE, what="the form's 'Extra Fields'")
        extras_text = await _dialog_showing(page, extras[-1], "the form's extra fields")
        await page.screenshot(artifacts / "connection-form.png")

    assert [label for label in standard if label not in standard_text] == [], standard_text
    assert [label for label in extras if label not in extras_text] == [], extras_text
    assert [f["description"] for f in CONN_FIELDS.values() if f["description"] not in extras_text] == []


async def test_test_button_names_the_missing_commands_and_the_override(
    airflow, form_connection, moved_routes, emulator, artifacts
):
    async with chromium_page(artifacts / "chromium-test.log") as page:
        before = await _test_button_answer(page, airflow, form_connection, artifacts / "connection-test.png")
        extra = json.dumps({"endpoints": json.dumps(moved_routes)})
        airflow.api.call(
            "PATCH", f"connections/{quote(form_connection)}", {**_IDENTITY, "extra": extra}, update_mask="extra"
        )
        after = await _test_button_answer(page, airflow, form_connection, artifacts / "connection-test-fixed.png")

    assert "Connected to Datameer 11.0.6; missing: trigger_v2, stop_v2" in before, before
    assert "set the connection extra 'endpoints'" in before
    assert "Connected to Datameer 11.0.6; all 12 commands found" in after, after
    assert {r["method"] for r in emulator.client.requests()} == {"GET"}, "the Test button changed something"

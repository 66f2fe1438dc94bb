"""Headless Chromium driven over its DevTools protocol (CDP), for UI steps that need clicks: open a page, run
JavaScript in it (click a button, read text), wait for something to render, take a screenshot.

The command-line screenshots of :mod:`tests.e2e.browser` cannot click; this needs no more than Chromium and
``aiohttp`` (a dependency of the provider), no browser-automation package. Chromium is started and stopped by
PID; every read of the socket is bounded in time and size.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

from scripts.processes import Spawned, free_port
from tests.e2e.browser import FLAGS, ensure_chromium

#: seconds for Chromium to start listening on a loaded machine
STARTUP_TIMEOUT = 60.0
#: seconds for one protocol answer; a screenshot of a large page is the slowest
COMMAND_TIMEOUT = 60.0
#: bytes of one protocol message (a full-page PNG in base64 stays well below)
MAX_MESSAGE = 32 * 1024 * 1024
POLL_INTERVAL = 0.25
#: bytes of Chromium's list of tabs (one tab: well under a kilobyte)
MAX_TARGET_LIST = 1024 * 1024
#: JavaScript: no finite animation is running
SETTLED = """document.getAnimations().every(
    a => a.playState !== 'running' || a.effect?.getComputedTiming().endTime === Infinity)"""


class JavaScriptError(RuntimeError):
    """An expression evaluated in the page threw."""


class DevToolsPage:
    """One Chromium tab; ``evaluate`` returns the JSON value of a JavaScript expression (promises awaited)."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self._socket = socket
        self._ids = itertools.count(1)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        """One CDP command; its ``result``. Events arriving meanwhile are skipped."""
        command_id = next(self._ids)
        await self._socket.send_json({"id": command_id, "method": method, "params": params})
        async with asyncio.timeout(COMMAND_TIMEOUT):
            while True:
                message = await self._socket.receive()
                if message.type != aiohttp.WSMsgType.TEXT:
                    raise RuntimeError(f"DevTools socket closed during {method}: {message.type.name}")
                answer = json.loads(message.data)
                if answer.get("id") == command_id:
                    if "error" in answer:
                        raise RuntimeError(f"DevTools {method}: {answer['error']}")
                    return answer["result"]

    async def open(self, url: str, width: int = 1400, height: int = 1000) -> None:
        await self.send(
            "Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False
        )
        await self.send("Page.navigate", url=url)

    async def evaluate(self, expression: str) -> Any:
        answer = await self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in answer:
            raise JavaScriptError(f"JavaScript failed: {answer['exceptionDetails'].get('text')}: {expression[:200]}")
        return answer["result"].get("value")

    async def wait_until(self, expression: str, *, within: float, what: str) -> Any:
        """Evaluate ``expression`` until it is truthy and return its value; after ``within`` seconds a
        ``TimeoutError`` naming ``what`` and quoting the page's text. An expression that throws (the page is
        still loading) counts as "not yet"."""
        error: JavaScriptError | None = None
        try:
            async with asyncio.timeout(within):
                while True:
                    try:
                        value = await self.evaluate(expression)
                    except JavaScriptError as exc:
                        value, error = None, exc
                    if value:
                        return value
                    await asyncio.sleep(POLL_INTERVAL)
        except TimeoutError:
            text = await self.evaluate("document.body ? document.body.innerText : ''")
            raise TimeoutError(
                f"{what}: not seen within {within:.0f} s (last error: {error}); the page shows:\n{text[:1500]}"
            ) from None

    async def click(self, element: str, *, within: float, what: str) -> None:
        """A real mouse click (press and release, as a user's) in the middle of the element that the JavaScript
        expression ``element`` returns, once it exists, is visible and enabled. Some widgets (e.g. the UI's
        accordions) ignore ``element.click()``."""
        where = await self.wait_until(
            f"""(e => {{
                if (!e || e.disabled) return null;
                e.scrollIntoView({{block: 'center'}});
                const r = e.getBoundingClientRect();
                return r.width && r.height ? {{x: r.x + r.width / 2, y: r.y + r.height / 2}} : null;
            }})({element})""",
            within=within,
            what=what,
        )
        for event in ("mousePressed", "mouseReleased"):
            await self.send(
                "Input.dispatchMouseEvent", type=event, x=where["x"], y=where["y"], button="left", clickCount=1
            )

    async def screenshot(self, out: Path) -> Path:
        """A PNG of the viewport at ``out``, once finite animations (a dialog section opening, a toast fading
        in) have ended; endless ones (spinners) are not waited for."""
        await self.wait_until(SETTLED, within=COMMAND_TIMEOUT, what="the page's animations to end")
        answer = await self.send("Page.captureScreenshot", format="png")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(base64.b64decode(answer["data"]))  # noqa: ASYNC240  (one small file of a test)
        return out


@asynccontextmanager
async def chromium_page(log_path: Path) -> AsyncIterator[DevToolsPage]:
    """A headless Chromium of ours on a free loopback DevTools port, and its first tab; Chromium is stopped
    (by PID) on exit, also on failure. Its output goes to ``log_path``."""
    port = free_port()
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    command = [
        str(ensure_chromium()),
        *FLAGS,
        f"--user-data-dir={profile}",
        f"--remote-debugging-port={port}",
        "--remote-debugging-address=127.0.0.1",
        "about:blank",
    ]
    chromium = Spawned.start("chromium", command, env=dict(os.environ), log_path=log_path)
    try:
        # no session-wide deadline: the socket lives as long as the test; each read has its own (``send``)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, connect=10)) as http:
            socket_url = await _page_socket_url(http, port, chromium)
            async with http.ws_connect(socket_url, max_msg_size=MAX_MESSAGE) as socket:
                page = DevToolsPage(socket)
                await page.send("Page.enable")
                yield page
    finally:
        chromium.stop(grace=10)
        shutil.rmtree(profile, ignore_errors=True)


async def _page_socket_url(http: aiohttp.ClientSession, port: int, chromium: Spawned) -> str:
    """The WebSocket URL of Chromium's first tab, once its DevTools endpoint answers (within ``STARTUP_TIMEOUT``)."""
    try:
        async with asyncio.timeout(STARTUP_TIMEOUT):
            while True:
                if not chromium.alive:
                    raise RuntimeError(f"chromium exited {chromium.process.returncode}:\n{chromium.log_tail()}")
                try:
                    async with http.get(f"http://127.0.0.1:{port}/json/list") as response:
                        targets = json.loads(await response.content.read(MAX_TARGET_LIST))
                except aiohttp.ClientConnectionError:
                    targets = []  # not listening yet
                pages = [t["webSocketDebuggerUrl"] for t in targets if t.get("type") == "page"]
                if pages:
                    return pages[0]
                await asyncio.sleep(POLL_INTERVAL)
    except TimeoutError:
        raise TimeoutError(
            f"chromium's DevTools endpoint on port {port} did not answer within {STARTUP_TIMEOUT:.0f} s"
        ) from None

"""Small helpers that build aiohttp responses; `Reply` lets a handler answer early by raising."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

JSON = "application/json"


def json_response(obj: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.Response(body=json.dumps(obj).encode(), status=status, content_type=JSON, headers=headers)


def error(status: int, message: str, headers: Mapping[str, str] | None = None) -> web.Response:
    return json_response({"error": message}, status, headers)


def empty(status: int = 200) -> web.Response:
    """No body at all (V2 stop, V1 job-kill): Content-Length 0, or nothing for 204."""
    return web.Response(status=status)


class Reply(Exception):
    """Raised by a handler to answer at once with `response`."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response

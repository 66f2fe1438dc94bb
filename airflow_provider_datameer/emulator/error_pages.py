"""Container-level error answers (no route, wrong method, refused credentials, a servlet that throws).

With the ``error_pages`` switch at ``json`` (default) they are ``{"error": ...}`` bodies; at ``servlet``
they are the HTML pages a Jetty-style servlet container writes itself (``Content-Type: text/html``),
500 pages with a "Caused by:" Java exception line. The application's own documented answers (V2
failure body, V1 ``{}``/``[]``, conflicts) stay JSON in both modes: only the container speaks HTML.
The page layout imitates Jetty 9's default error handler; the exception texts are invented.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from .responses import error

REASONS = {
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    500: "Server Error",
}


def servlet_page(status: int, path: str, cause: str | None = None) -> str:
    """Jetty's default error page for `status` at `path`, with an optional "Caused by:" exception."""
    reason = REASONS.get(status, "Error")
    caused = "" if cause is None else f"<h3>Caused by:</h3><pre>{html.escape(cause)}\n\tat datameer.rest...</pre>\n"
    return (
        "<html>\n<head>\n"
        '<meta http-equiv="Content-Type" content="text/html;charset=ISO-8859-1"/>\n'
        f"<title>Error {status} {reason}</title>\n"
        "</head>\n"
        f"<body><h2>HTTP ERROR {status}</h2>\n"
        f"<p>Problem accessing {html.escape(path)}. Reason:\n"
        f"<pre>    {reason}</pre></p>{caused}"
        '<hr><a href="http://eclipse.org/jetty">Powered by Jetty://</a><hr/>\n'
        "</body>\n</html>\n"
    )


def container_error(
    switches: Mapping[str, Any],
    status: int,
    path: str,
    message: str,
    headers: Mapping[str, str] | None = None,
    cause: str | None = None,
) -> web.Response:
    """`status` as JSON ``{"error": message}`` or, with ``error_pages=servlet``, as the container's HTML page."""
    if switches["error_pages"] == "servlet":
        page = servlet_page(status, path, cause)
        return web.Response(status=status, text=page, content_type="text/html", charset="iso-8859-1", headers=headers)
    return error(status, message, headers)


def login_redirect(request: web.Request) -> web.Response:
    """A form-login / SSO front's answer to a request without a valid session: 302 to its login page."""
    location = f"{request.scheme}://{request.host}/login.html"
    body = f'<html><body>Redirecting to <a href="{html.escape(location)}">the login page</a></body></html>\n'
    return web.Response(status=302, text=body, content_type="text/html", headers={"Location": location})

"""Knobs ("switches") that select between behaviours the Datameer reference leaves open.

Defaults: see docs/datameer-api.md. Each knob has a fixed set of allowed values (or a type), so a
typo in a CLI flag, jobs file or control-API call is rejected with a message naming the knob and what
it accepts, instead of being silently ignored.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from .routing import RouteError, validate_routes

DEFAULT_SWITCHES: dict[str, Any] = {
    "failure_http_code": 404,  # HTTP code sent with the V2 failure body for an unknown/forbidden file
    "stop_http_code": 200,  # V2 stop success (empty body)
    "auth_failure_code": 401,  # bad or missing credentials: 401 | 403 | 302 (HTML redirect to /login.html)
    "v1_not_found": "error404",  # V1 unknown configuration id: 404 {"error"} | 200 {} ([] for history)
    "v1_warnings_spelling": "mixed",  # COMPLETED_WITH_Warnings (documented V1 example) | upper
    "date_format": "java8",  # V2 dates / license dates
    "details_date_format": "timestamp",  # job-details startTime/stopTime
    "api_v2": True,  # False: every /api/ path is 404 (pre-7.2.5 server)
    "trigger_while_running": "queue",  # queue | existing | fail
    "reject_encoded_slash": False,  # True: 400 on %2F in a path segment (proxy simulation)
    "stop_when_idle": "ok",  # V2 stop / V1 job-kill with nothing running: ok (200 empty) | failure
    "product_version": "11.0.6",
    "realm": "Datameer",
    "seed": 0,  # seed of the RNG used by fault rules with probability < 1
    "routes": {},  # command -> path or {path, method}: moves commands (routing.py)
    "error_pages": "json",  # container-level errors (404 / 405 / 500 / auth): JSON | servlet HTML pages
    "configuration_ids": "separate",  # overlap: each configuration id is the file id of another job
    "details_shape": "classic",  # newer: job details without jobStatus (invented, render.py)
    "v1_trigger_body": "id",  # V1 trigger answer (undocumented): {"id": N} | {} (the run is found by its status)
}

_CHOICES: dict[str, tuple[Any, ...]] = {
    "failure_http_code": (404, 200, 400, 403),
    "stop_http_code": (200, 204),
    "auth_failure_code": (401, 403, 302),
    "v1_not_found": ("error404", "empty200"),
    "v1_warnings_spelling": ("mixed", "upper"),
    "date_format": ("java8", "jdk9", "jdk20"),
    "details_date_format": ("timestamp", "medium"),
    "api_v2": (True, False),
    "trigger_while_running": ("queue", "existing", "fail"),
    "reject_encoded_slash": (False, True),
    "stop_when_idle": ("ok", "failure"),
    "error_pages": ("json", "servlet"),
    "configuration_ids": ("separate", "overlap"),
    "details_shape": ("classic", "newer"),
    "v1_trigger_body": ("id", "empty"),
}

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


class SwitchError(ValueError):
    """An unknown knob or a value it does not accept."""


def _to_bool(value: Any) -> Any:
    if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
        return value.lower() in _TRUE
    return value


def _to_int(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value


_FREE_FORM: dict[str, Callable[[Any], bool]] = {
    "product_version": lambda v: isinstance(v, str) and bool(v),
    "realm": lambda v: isinstance(v, str) and bool(v) and '"' not in v,
    "seed": lambda v: isinstance(v, int) and not isinstance(v, bool),
}
_FREE_FORM_TEXT = {
    "product_version": "a non-empty string",
    "realm": "a non-empty string without double quotes",
    "seed": "an integer",
}


def _routes(value: Any, label: str) -> Any:
    """JSON text (CLI) or an object; see routing.validate_routes."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise SwitchError(f"{label}: invalid JSON: {exc}") from None
    try:
        return validate_routes(value, label)
    except RouteError as exc:
        raise SwitchError(str(exc)) from None


def _coerce(name: str, value: Any, where: str) -> Any:
    """Accept the natural string spelling of a value (CLI `--switch KEY=VALUE`), then check it."""
    label = f"{where} {name}" if where.startswith("-") else f"{where}.{name}"
    if name == "routes":
        return _routes(value, label)
    default = DEFAULT_SWITCHES[name]
    if isinstance(default, bool):
        value = _to_bool(value)
    elif isinstance(default, int):
        value = _to_int(value)
    choices = _CHOICES.get(name)
    if choices is not None:
        # bool is an int subclass: compare types too, so that True does not pass as 1.
        if not any(value == c and type(value) is type(c) for c in choices):
            allowed = ", ".join(str(c).lower() if isinstance(c, bool) else str(c) for c in choices)
            raise SwitchError(f"{label}: {value!r} is not one of {allowed}")
        return value
    check: Callable[[Any], bool] = _FREE_FORM[name]
    if not check(value):
        raise SwitchError(f"{label}: {value!r} is not {_FREE_FORM_TEXT[name]}")
    return value


def validate_switches(values: Mapping[str, Any], where: str = "switches") -> dict[str, Any]:
    """Check and coerce a subset of knobs; raise SwitchError naming the first bad one."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name not in DEFAULT_SWITCHES:
            known = ", ".join(DEFAULT_SWITCHES)
            raise SwitchError(f"{where}: unknown switch {name!r}; known switches: {known}")
        out[name] = _coerce(name, value, where)
    return out


def parse_switch_arg(text: str) -> tuple[str, Any]:
    """Parse one CLI `KEY=VALUE`."""
    name, sep, value = text.partition("=")
    if not sep:
        raise SwitchError(f"--switch {text!r}: expected KEY=VALUE")
    name = name.strip()
    return name, validate_switches({name: value.strip()}, where="--switch")[name]

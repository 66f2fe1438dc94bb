"""Fault rules and their matching.

A rule applies to requests of one command (or ``"*"``: every Datameer endpoint, never the control API),
optionally only for one job, for the next ``count`` matching requests (``None``: forever), with a
probability drawn from an RNG seeded by the ``seed`` knob. Rules are tried in creation order; the first
that matches (probability included) wins and is charged one use. Kinds: ``http_error`` (``status``,
body ``{"error": "injected"}``), ``reset`` (TCP connection dropped, no response), ``delay`` (sleep
``seconds`` then answer normally), ``rate_limit`` (429 with ``Retry-After: <retry_after>``),
``html_login`` (200 text/html SSO login page), ``malformed_json`` (200 application/json, not JSON).

The ``job`` of a rule matches the identifier as decoded from the URL, or any name of the job the request
resolves to: file id, uuid, path with or without extension.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("http_error", "reset", "delay", "rate_limit", "html_login", "malformed_json")


class FaultError(ValueError):
    """A fault rule that does not validate."""


@dataclass
class FaultRule:
    id: int
    kind: str
    endpoint: str = "*"
    job: str | None = None
    count: int | None = None
    probability: float = 1.0
    status: int = 500
    seconds: float = 1.0
    retry_after: str = "1"
    hits: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "endpoint": (lambda v: isinstance(v, str), "a command name or '*'"),
    "job": (lambda v: v is None or (isinstance(v, (str, int)) and not isinstance(v, bool)), "null or an id"),
    "count": (lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool) and v > 0), "null or > 0"),
    "probability": (lambda v: _number(v) and 0 <= v <= 1, "a number between 0 and 1"),
    "status": (lambda v: isinstance(v, int) and not isinstance(v, bool) and 100 <= v <= 599, "an HTTP status"),
    "seconds": (lambda v: _number(v) and 0 <= v <= 3600, "a number of seconds between 0 and 3600"),
    "retry_after": (lambda v: isinstance(v, (str, int)) and not isinstance(v, bool), "seconds or an HTTP date"),
}


class Faults:
    """The active rules. Single-threaded: only the server's event loop touches it."""

    def __init__(self, commands: Collection[str], seed: int = 0) -> None:
        self._commands = commands
        self.rules: list[FaultRule] = []
        self._ids = itertools.count(1)
        self.rng = random.Random(seed)

    def reseed(self, seed: int) -> None:
        self.rng.seed(seed)

    def add(self, spec: Any) -> FaultRule:
        """Validate a rule given as a JSON object and activate it."""
        if not isinstance(spec, dict):
            raise FaultError("fault: expected an object")
        if spec.get("kind") not in KINDS:
            raise FaultError(f"fault.kind: {spec.get('kind')!r} is not one of {', '.join(KINDS)}")
        for key, value in spec.items():
            if key == "kind":
                continue
            if key not in _CHECKS:
                raise FaultError(f"fault.{key}: unknown key; known keys: kind, {', '.join(_CHECKS)}")
            check, text = _CHECKS[key]
            if not check(value):
                raise FaultError(f"fault.{key}: {value!r} is not {text}")
        endpoint = spec.get("endpoint", "*")
        if endpoint != "*" and endpoint not in self._commands:
            raise FaultError(f"fault.endpoint: {endpoint!r} is not '*' or one of {', '.join(self._commands)}")
        values = dict(spec)
        if values.get("job") is not None:
            values["job"] = str(values["job"])
        if "retry_after" in values:
            values["retry_after"] = str(values["retry_after"])
        rule = FaultRule(id=next(self._ids), **values)
        self.rules.append(rule)
        return rule

    def remove(self, rule_id: int) -> bool:
        before = len(self.rules)
        self.rules = [r for r in self.rules if r.id != rule_id]
        return len(self.rules) != before

    def clear(self) -> None:
        self.rules = []

    def match(self, command: str, job_names: Callable[[], Collection[str]]) -> FaultRule | None:
        """The first rule that applies to this request (and charge it), else None.

        `job_names` is called at most once, and only when some rule is restricted to a job.
        """
        names: Collection[str] | None = None
        for rule in self.rules:
            if rule.endpoint != "*" and rule.endpoint != command:
                continue
            if rule.job is not None:
                if names is None:
                    names = job_names()
                if rule.job not in names:
                    continue
            if rule.probability < 1 and self.rng.random() >= rule.probability:
                continue
            rule.hits += 1
            if rule.count is not None:
                rule.count -= 1
                if rule.count == 0:
                    self.rules.remove(rule)
            return rule
        return None

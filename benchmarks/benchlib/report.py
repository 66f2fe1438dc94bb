"""What every benchmark prints: the machine and versions, its settings, one or more tables, targets, notes.

A script builds one :class:`Report` and calls :meth:`Report.emit`: a plain-text table by default, the
same content as one JSON document with ``--json``.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from dataclasses import asdict, dataclass, field
from importlib import metadata
from typing import Any

_PACKAGES = (
    "apache-airflow",
    "apache-airflow-task-sdk",
    "apache-airflow-providers-http",
    "airflow-provider-datameer",
    "aiohttp",
    "tenacity",
    "requests",
)


def environment() -> dict[str, Any]:
    """Python, library versions and the machine, as every table must state them."""
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu)
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "python": f"{platform.python_implementation()} {sys.version.split()[0]}",
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": usable,
        "event_loop": "asyncio (default selector loop)",
        "versions": versions,
    }


@dataclass
class Target:
    """One target of the issue: ``value`` compared with ``limit`` (``op`` is ``"<="`` or ``">="``)."""

    what: str
    value: float
    op: str
    limit: float
    unit: str = ""

    @property
    def met(self) -> bool:
        return self.value <= self.limit if self.op == "<=" else self.value >= self.limit

    @property
    def verdict(self) -> str:
        if self.met:
            return "met"
        miss = self.value - self.limit if self.op == "<=" else self.limit - self.value
        return f"MISSED by {_number(miss)}{self.unit}"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "met": self.met, "verdict": self.verdict}


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Any]]

    def render(self) -> str:
        """Aligned columns: numbers to the right, text to the left."""
        cells = [self.columns, *[[_number(v) for v in row] for row in self.rows]]
        numeric = [all(isinstance(row[i], int | float) for row in self.rows) for i in range(len(self.columns))]
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.columns))]
        lines = [self.title]
        for n, row in enumerate(cells):
            lines.append(
                "  ".join(
                    v.rjust(w) if numeric[i] else v.ljust(w) for i, (v, w) in enumerate(zip(row, widths, strict=True))
                ).rstrip()
            )
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join(lines)


@dataclass
class Report:
    """The result of one benchmark script."""

    benchmark: str
    title: str
    settings: dict[str, Any] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=environment)

    def table(self, title: str, columns: list[str], rows: list[list[Any]]) -> None:
        self.tables.append(Table(title, columns, rows))

    def target(self, what: str, value: float, op: str, limit: float, unit: str = "") -> None:
        self.targets.append(Target(what, value, op, limit, unit))

    def to_dict(self) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark,
            "title": self.title,
            "environment": self.environment,
            "settings": self.settings,
            "tables": [asdict(t) for t in self.tables],
            "targets": [t.to_dict() for t in self.targets],
            "notes": self.notes,
            "data": self.data,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """The inverse of :meth:`to_dict` (``run_all`` collects each script's ``--json`` output)."""
        report = cls(data["benchmark"], data["title"], data["settings"], notes=data["notes"], data=data["data"])
        report.environment = data["environment"]
        report.tables = [Table(t["title"], t["columns"], t["rows"]) for t in data["tables"]]
        report.targets = [Target(t["what"], t["value"], t["op"], t["limit"], t["unit"]) for t in data["targets"]]
        return report

    def render(self) -> str:
        env = self.environment
        versions = ", ".join(f"{k} {v}" for k, v in env["versions"].items() if v)
        out = [
            f"== {self.benchmark}: {self.title} ==",
            f"machine: {env['cpu']}, {env['cores']} cores; {env['platform']}",
            f"python: {env['python']}; {env['event_loop']}",
            f"versions: {versions}",
            "settings: " + ", ".join(f"{k}={v}" for k, v in self.settings.items()),
            "",
        ]
        for table in self.tables:
            out += [table.render(), ""]
        if self.targets:
            out.append(
                Table(
                    "targets",
                    ["target", "value", "limit", "verdict"],
                    [
                        [t.what, f"{_number(t.value)}{t.unit}", f"{t.op} {_number(t.limit)}{t.unit}", t.verdict]
                        for t in self.targets
                    ],
                ).render()
            )
            out.append("")
        out += [f"note: {note}" for note in self.notes]
        return "\n".join(out).rstrip() + "\n"

    def emit(self, as_json: bool) -> None:
        """Print the report (a table, or JSON with ``--json``)."""
        text = json.dumps(self.to_dict(), indent=2, default=str) if as_json else self.render()
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, float):
        return str(value)
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"

"""What a long-running watch logs about trouble: one line when it starts (or changes kind), one when it ends.

A watch never ends on an error (Airflow would restart it at once, in a loop): it keeps polling and reports
through an :class:`Outage`, which only decides *whether* to speak; the caller words and writes the line.
"""

from __future__ import annotations

from dataclasses import dataclass

from airflow_provider_datameer.core.errors import DatameerTransientError

#: Seconds between tries while Datameer refuses the watch (credentials, unknown job, broken connection):
#: the fix takes a person, so the watch asks rarely, and Airflow never sees it fail.
REFUSED_PAUSE = 300.0


def trouble_kind(exc: BaseException) -> str:
    """``"unreachable"`` for what retrying may cure (connection, timeout, 429, 5xx), else ``"refused"``."""
    return "unreachable" if isinstance(exc, DatameerTransientError) else "refused"


def pause_after(kind: str, poll_interval: float) -> float:
    """Seconds before the next try after trouble of ``kind``."""
    return poll_interval if kind == "unreachable" else max(poll_interval, REFUSED_PAUSE)


@dataclass
class Outage:
    """The trouble a watch is in: since when (clock seconds) and of which kind; ``since`` is ``None`` when fine."""

    since: float | None = None
    kind: str | None = None
    problem: str | None = None

    def failed(self, kind: str, problem: str, now: float) -> bool:
        """Record a failed poll; true when this is news: trouble starts, changes kind, or a refusal changes
        wording (credentials fixed but the job still unknown). An unreachable server is news once."""
        news = self.since is None or kind != self.kind or (kind == "refused" and problem != self.problem)
        if self.since is None:
            self.since = now
        self.kind, self.problem = kind, problem
        return news

    def recovered(self, now: float) -> float | None:
        """Record a good poll; the trouble's length in seconds when one just ended, else ``None``."""
        if self.since is None:
            return None
        lasted, self.since, self.kind, self.problem = now - self.since, None, None, None
        return lasted

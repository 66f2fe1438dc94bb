"""Helpers of the hostile-server tier (the server itself is tests/hostile/server.py)."""

from __future__ import annotations

#: The connection's ``timeout`` in these tests: longer than the server's drip interval, so only a total
#: deadline stops a dripped answer.
TIMEOUT = 2.0
